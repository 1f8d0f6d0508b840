"""Everything a learner reads: the documents that `--json` prints, and the views drawn from
those same documents.

Here live the JSON documents of each command, the terminal views (with Rich) and the grid that
draws tables as lines, the markdown and JSON exports, the SVG progress card and the cohort
report as data, CSV and markdown. It may import `core` and `formats`, never `storage` (it is
handed data, never a file) or `cli`.
"""
