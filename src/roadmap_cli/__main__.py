"""`python -m roadmap_cli` runs the same program as the `roadmap` command."""

from roadmap_cli.cli.main import run

run()
