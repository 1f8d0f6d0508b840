"""The schemas of what crosses the program's boundary, in pydantic: the catalog file and the
export file.

These are the only modules that import pydantic, and they are imported only when a file needs
a full check (a catalog not seen before, `catalog validate`, an export being imported or
exported), so that most runs never load it. They may import `core` and nothing else of the
program.
"""
