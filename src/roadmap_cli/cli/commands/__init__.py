"""The commands of `roadmap`, one module per group of commands; importing one registers its
commands on the app. `dispatch` finds which module holds which command by asking the app, and
--help lists them in the order of each module's `HELP_ORDER`."""
