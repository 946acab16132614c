"""`python -m simulator` is the `cdbsim` command."""

import sys

from simulator.cli import main

sys.exit(main())
