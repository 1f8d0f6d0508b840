"""`python -m roadmap_cli` runs the same program as the `roadmap` command."""

import sys

from roadmap_cli.cli import main

sys.exit(main())
