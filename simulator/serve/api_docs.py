"""`python -m simulator.serve.api_docs > docs/api-coverage.md`: the API coverage page, made from the operation table
(tests/test_docs.py fails when the committed page differs); `--openapi` prints the OpenAPI document instead (the one
GET /openapi.json serves, without `servers`)."""

from __future__ import annotations

import argparse
import json
import sys

from simulator.app import describe_api


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simulator.serve.api_docs", description=__doc__)
    parser.add_argument("--openapi", action="store_true", help="print the OpenAPI 3.1 document (JSON)")
    args = parser.parse_args(argv)
    description = describe_api()
    if args.openapi:
        sys.stdout.write(json.dumps(description.document, indent=2) + "\n")
    else:
        sys.stdout.write(description.markdown())
    return 0


if __name__ == "__main__":
    sys.exit(main())
