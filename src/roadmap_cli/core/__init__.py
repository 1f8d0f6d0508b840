"""The rules of the roadmap, as functions over values.

Here live the catalog and progress models, progress per track and the suggestions of what to
learn next, the transitions of a topic (start, done, skip), projects and the portfolio, the
change records and their undo, the merge of two learners' histories, activity and streaks,
the choice of a first track, and the matching of what a learner types to an id. Nothing here
reads or writes a file, prints, or knows of Typer, Rich or pydantic (the clock and random
record ids are all it asks of the system): it imports only the standard library and other
modules of `core`. Every other layer may import it.
"""
