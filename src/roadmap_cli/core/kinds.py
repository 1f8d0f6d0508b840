"""Ids of one kind given where another kind is expected: what to say instead of "unknown".

Tracks, topics and projects have ids of the same form, and a learner who types `roadmap done
pdf-q-a-bot` or `roadmap show ai-developer` means something that exists. When an id does not
name a thing of the kind a command wants but names one of another kind exactly, the error says
which kind it is and what to run.
"""

from __future__ import annotations

from collections.abc import Iterable

from roadmap_cli.core.catalog import Catalog
from roadmap_cli.core.matching import IdIndex

# The project command that does what a topic command does, and the other way round.
_PROJECT_TWIN = {"start": "start", "done": "done", "show": "show", "note": "edit"}
_TOPIC_TWIN = {"start": "start", "done": "done", "show": "show"}


def other_kind(
    query: str, wanted: str, catalog: Catalog, project_ids: Iterable[str], command: str = ""
) -> str | None:
    """The message for `query` when it is not a `wanted` ("topic", "track", "project") but
    names something of another kind exactly; None when it names nothing at all."""
    topic = catalog.topic_index.exact(query) if wanted != "topic" else None
    track = catalog.track_index.exact(query) if wanted != "track" else None
    project = IdIndex("project", project_ids).exact(query) if wanted != "project" else None
    quoted = f"'{query}'"
    if track is not None:
        if wanted == "project":
            return (
                f"{quoted} is a track, not a project; 'roadmap project list --track {track}'"
                " lists its projects"
            )
        if command == "show":
            return f"{quoted} is a track, not a topic; 'roadmap tracks {track}' shows it"
        return (
            f"{quoted} is a track, not a topic; 'roadmap topics --track {track}' lists its topics"
        )
    if topic is not None:
        if wanted == "project":
            twin = _TOPIC_TWIN.get(command, "show")
            return f"{quoted} is a topic, not a project; did you mean 'roadmap {twin} {topic}'?"
        return f"{quoted} is a topic, not a track; 'roadmap show {topic}' shows it"
    if project is not None:
        twin = _PROJECT_TWIN.get(command, "show")
        return (
            f"{quoted} is a project, not a {wanted}; did you mean"
            f" 'roadmap project {twin} {project}'?"
        )
    return None
