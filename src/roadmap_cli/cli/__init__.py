"""The command line: argv in, a document or a change out, an exit code at the end.

Inside, from the top: `main` (the entry point: runs a command and turns every error into one
line and an exit code), `dispatch` (which command argv names, and building only that one),
`commands` (one module per group of commands), `app` (the Typer app and its global options),
`session` (what every command shares: the files it works on, how it prints, common options),
`completion` (shell completion of ids) and `typer_compat` (every use of an underscore-private
API of Typer and the Click it vendors). It may import every other layer; nothing imports it.
"""
