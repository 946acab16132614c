"""`python -m simulator` is the `cdbsim` command."""

import sys

from simulator.serve.cli import main

sys.exit(main())
