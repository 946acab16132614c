"""Extract the documented examples of the Cloud Databases API reference into a JSON fixture.

Reads ``api-docs/api-reference/methods/*.rst`` of a checkout of rackerlabs/docs-cloud-databases and writes, per
method page (one documented operation): the method and path template, the success codes of its response-code
table, and its examples (each request's method, path and JSON body; each response's status and JSON body), paired by
the example's title. The conformance test (test_documented_examples.py) runs against the committed output, so CI
needs no docs checkout; this script is only for regenerating it (docs/conformance.md says how)::

    python tests/conformance/extract.py /path/to/docs-cloud-databases > tests/conformance/documented_examples.json
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

METHODS_DIR = "api-docs/api-reference/methods"
OPERATION_LINE = re.compile(r"^\s*(GET|POST|PUT|PATCH|DELETE|HEAD)\s+(/\S*)\s*$")
REQUEST_LINE = re.compile(r"^(GET|POST|PUT|PATCH|DELETE|HEAD)\s+(\S+)(?:\s+HTTP/1\.[01])?\s*$")
STATUS_LINE = re.compile(r"^HTTP/1\.[01]\s+(\d{3})\b")
HEADER_LINE = re.compile(r"^[A-Za-z][A-Za-z0-9-]*:\s")
TABLE_CODE = re.compile(r"^\|(\d{3})\s+\|")
EXAMPLE_TITLE = re.compile(r"^\*\*(Example .*)$")
TRAILING_COMMA = re.compile(r",(\s*[}\]])")


def code_blocks(lines: list[str]) -> list[tuple[int, list[str]]]:
    """Every ``.. code::`` block: (line number of the directive, the block's lines, dedented)."""
    blocks = []
    i = 0
    while i < len(lines):
        if lines[i].strip().startswith(".. code::"):
            start, i = i, i + 1
            body: list[str] = []
            while i < len(lines) and (not lines[i].strip() or lines[i][:1] in (" ", "\t")):
                body.append(lines[i])
                i += 1
            while body and not body[-1].strip():
                body.pop()
            while body and not body[0].strip():
                body.pop(0)
            indents = [len(ln) - len(ln.lstrip()) for ln in body if ln.strip()]
            cut = min(indents) if indents else 0
            blocks.append((start, [ln[cut:] for ln in body]))
        else:
            i += 1
    return blocks


def example_titles(lines: list[str]) -> list[tuple[int, str]]:
    """Each ``**Example ...**`` heading (some wrap onto a second line) with its line number."""
    titles = []
    for n, line in enumerate(lines):
        m = EXAMPLE_TITLE.match(line.strip())
        if m:
            text = m.group(1)
            if not text.endswith("**") and n + 1 < len(lines):
                text += " " + lines[n + 1].strip()
            titles.append((n, text.rstrip("*").strip()))
    return titles


#: The docs' typographic slips in example bodies, each repaired (and named in the fixture) before parsing.
REPAIRS = (
    ("non-breaking spaces", lambda t: t.replace("\u00a0", " ")),
    ("curly quotes", lambda t: t.replace("\u201c", '"').replace("\u201d", '"')),
    ("shell quotes around the body", lambda t: t[1:-1] if t[:1] == t[-1:] == "'" else t),
    ("trailing commas", lambda t: TRAILING_COMMA.sub(r"\1", t)),
    ("missing opening brace", lambda t: "{" + t if t.lstrip().startswith('"') else t),
)


def parse_json(text: str) -> tuple[object, str | None]:
    """The JSON of an example body; the docs' few slips (see REPAIRS) are repaired and named."""
    if not text.strip():
        return None, None
    applied: list[str] = []
    for name, repair in ((None, None), *REPAIRS):
        if repair is not None:
            fixed = repair(text)
            if fixed == text:
                continue
            text = fixed
            assert name is not None  # every repair is named
            applied.append(name)
        try:
            return json.loads(text), ("repaired: " + ", ".join(applied)) if applied else None
        except ValueError as exc:
            error = exc
    return None, f"not JSON: {error}"


def parse_block(block: list[str]) -> dict:
    """A request or response example: its first line (request line or status line), headers, then the body."""
    out: dict = {}
    rest = list(block)
    while rest and not rest[0].strip():
        rest.pop(0)
    if rest and REQUEST_LINE.match(rest[0].strip()):
        m = REQUEST_LINE.match(rest[0].strip())
        assert m is not None
        out["method"], out["path"] = m.group(1), m.group(2)
        rest.pop(0)
    elif rest and STATUS_LINE.match(rest[0].strip()):
        m = STATUS_LINE.match(rest[0].strip())
        assert m is not None
        out["status"] = int(m.group(1))
        rest.pop(0)
    while rest and (not rest[0].strip() or HEADER_LINE.match(rest[0].strip())):
        rest.pop(0)
    second = next((i for i, ln in enumerate(rest) if REQUEST_LINE.match(ln.strip())), None)
    if second is not None:  # one page pastes a second request into the block: the first is the example
        out["ignored"] = "\n".join(rest[second:])
        rest = rest[:second]
    text = "\n".join(rest).strip()
    body, note = parse_json(text)
    out["body"] = body
    if note:
        out["body_note"] = note
        if body is None:
            out["body_text"] = text
    return out


def example_key(title: str) -> tuple[str, str]:
    """'Example List backups query request: JSON' -> ('list backups query', 'request')."""
    t = title.lower().removeprefix("example ").replace(": json", " ").replace("json", " ")
    kind = "response" if "response" in t else "request"
    name = re.sub(r"\b(request|response)\b", " ", t)
    return re.sub(r"[^a-z0-9]+", " ", name).strip(), kind


def parse_page(path: Path) -> dict:
    lines = path.read_text(encoding="utf-8").splitlines()
    title = next(lines[i - 1].strip() for i in range(1, len(lines)) if set(lines[i].strip()) == {"~"})
    blocks = code_blocks(lines)
    m = OPERATION_LINE.match(blocks[0][1][0])
    assert m, f"{path.name}: no operation line"
    codes = sorted({int(c.group(1)) for ln in lines if (c := TABLE_CODE.match(ln))})
    titles = example_titles(lines)
    examples: dict[str, dict] = {}
    order: list[str] = []
    for start, block in blocks[1:]:
        heading = [t for n, t in titles if n < start]
        if not heading:
            continue
        name, kind = example_key(heading[-1])
        part = parse_block(block)
        earlier = examples.get(name, {}).get(kind)
        if earlier and earlier.get("body") is None and "status" not in part and "method" not in part:
            earlier.update({k: v for k, v in part.items() if k != "body" or v is not None})
            continue  # a page that splits one example's headers and body into two blocks
        base, n = name, 1
        while name in examples and kind in examples[name] and "response" in examples[name]:
            n += 1  # a page that repeats an example's title: the second is another example
            name = f"{base} ({n})"
        if name not in examples:
            examples[name] = {"title": name}
            order.append(name)
        examples[name][kind] = part
    return {
        "page": path.name,
        "title": title,
        "method": m.group(1),
        "path": m.group(2),
        "table_codes": codes,
        "table_success": [c for c in codes if c < 300],
        "examples": [examples[n] for n in order],
    }


def docs_commit(root: Path) -> str | None:
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip()


def extract(root: Path, commit: str | None = None) -> dict:
    pages = sorted((root / METHODS_DIR).glob("*.rst"))
    return {
        "source": "https://github.com/rackerlabs/docs-cloud-databases",
        "commit": commit or docs_commit(root),
        "methods_dir": METHODS_DIR,
        "operations": [parse_page(p) for p in pages],
    }


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        print("usage: extract.py DOCS_CHECKOUT [COMMIT_SHA]", file=sys.stderr)
        return 2
    data = extract(Path(argv[1]), argv[2] if len(argv) == 3 else None)
    json.dump(data, sys.stdout, indent=1, sort_keys=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
