"""Files on disk: where they are, how they are read, and the one path by which they change.

Here live the user folders, the lock, the store (`Store.update`: lock, read, check, change,
record, atomic write), the line editor that writes a change into the progress file's text,
the progress, catalog and history files, cohort folders, migrations of old files, the cache,
and `doctor`'s checks and repair. It may import `core` and `formats`, never `render` or
`cli`: storage knows nothing of how its data is shown.
"""
