"""The prerequisite graph of the roadmap as Mermaid and Graphviz DOT text, coloured by status.

`roadmap export --format mermaid|dot` writes the graph of one track (`--track`) or of all;
the markdown export embeds one Mermaid flowchart per track, which GitHub draws as a diagram.
A track's graph holds its topics and the prerequisites they need from other tracks (drawn
apart, as "outside"), and every edge among them, from a prerequisite to the topic it opens.

Every label passes through the sanitiser and is quoted in each format's own way, so that a
title with brackets, colons or quotes never breaks the diagram (tests/test_graph.py parses
the DOT with pydot and reads the Mermaid back).
"""

from __future__ import annotations

from typing import NamedTuple

from roadmap_cli.core.catalog import Catalog
from roadmap_cli.core.sanitize import one_line
from roadmap_cli.core.state import State

MARK = {"done": "✔", "skipped": "↷", "in-progress": "▶", "pending": "·"}
# Fill and text colour per status (GitHub's palette), and for a prerequisite outside the track.
COLOURS = {
    "done": ("#1f883d", "#ffffff"),
    "skipped": ("#d4a72c", "#1f2328"),
    "in-progress": ("#0969da", "#ffffff"),
    "pending": ("#eaeef2", "#1f2328"),
    "outside": ("#ffffff", "#59636e"),
}


class Node(NamedTuple):
    id: str
    title: str
    status: str
    outside: bool  # a prerequisite from another track


class Graph(NamedTuple):
    title: str
    nodes: list[Node]
    edges: list[tuple[str, str]]  # (prerequisite, the topic it opens)


def graph(catalog: Catalog, state: State, track_id: str | None = None) -> Graph:
    """The topics of a track (or of all tracks, in roadmap order), the prerequisites they
    need from elsewhere, and every prerequisite edge among them."""
    if track_id is None:
        order = [t for track in catalog.ordered_tracks for t in track.topics]
        title = catalog.title
    else:
        order = list(catalog.track_by_id[track_id].topics)
        title = f"{catalog.title}: {catalog.track_by_id[track_id].title}"
    inside = list(dict.fromkeys(order))
    outside = [r for t in inside for r in catalog.topic_by_id[t].requires if r not in inside]
    nodes = [
        Node(t, catalog.topic_by_id[t].title, state.status_of(t), outside=t not in inside)
        for t in [*inside, *dict.fromkeys(outside)]
    ]
    edges = [(r, t) for t in inside for r in catalog.topic_by_id[t].requires]
    return Graph(title, nodes, edges)


def _label(node: Node) -> str:
    return f"{MARK[node.status]} {one_line(node.title)}"


def _kind(node: Node) -> str:
    return "outside" if node.outside and node.status == "pending" else node.status


# --- Mermaid


def mermaid_id(topic_id: str) -> str:
    """A Mermaid node id for a topic id: kebab-case ids hold no underscore, so this is one to
    one, and it holds nothing Mermaid reads as syntax (`-`, as in `a-->b`, would)."""
    return "t_" + topic_id.replace("-", "_")


def _mermaid_text(text: str) -> str:
    """A label inside Mermaid's double quotes: quotes and angle brackets as entities."""
    for char, entity in (("&", "#amp;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;")):
        text = text.replace(char, entity)
    return text


def to_mermaid(shown: Graph) -> str:
    """A Mermaid flowchart, left to right, one class per status."""
    lines = ["flowchart LR", f"  %% {_mermaid_text(one_line(shown.title))}"]
    for kind, (fill, colour) in COLOURS.items():
        stroke = ",stroke-dasharray:4 3" if kind == "outside" else ""
        name = kind.replace("-", "")
        lines.append(f"  classDef {name} fill:{fill},color:{colour},stroke:#59636e{stroke}")
    for node in shown.nodes:
        kind = _kind(node).replace("-", "")
        lines.append(f'  {mermaid_id(node.id)}["{_mermaid_text(_label(node))}"]:::{kind}')
    lines += [f"  {mermaid_id(a)} --> {mermaid_id(b)}" for a, b in shown.edges]
    return "\n".join(lines) + "\n"


# --- Graphviz DOT


def _dot_text(text: str) -> str:
    """A DOT double-quoted string's content: backslashes and quotes escaped."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def to_dot(shown: Graph) -> str:
    """A Graphviz digraph, left to right, each node filled with its status's colour."""
    lines = [
        "digraph roadmap {",
        f'  label="{_dot_text(one_line(shown.title))}";',
        "  labelloc=t;",
        "  rankdir=LR;",
        '  node [shape=box, style="rounded,filled", fontname="Helvetica"];',
    ]
    for node in shown.nodes:
        fill, colour = COLOURS[_kind(node)]
        dashed = ",dashed" if _kind(node) == "outside" else ""
        lines.append(
            f'  "{node.id}" [label="{_dot_text(_label(node))}", fillcolor="{fill}",'
            f' fontcolor="{colour}", style="rounded,filled{dashed}"];'
        )
    lines += [f'  "{a}" -> "{b}";' for a, b in shown.edges]
    lines.append("}")
    return "\n".join(lines) + "\n"


# --- the terminal map: a track's graph as a tree by depth


class MapRow(NamedTuple):
    id: str
    status: str
    depth: int  # the longest chain of the track's prerequisites that leads to it
    last: tuple[bool, ...]  # for each level down to it: is it the last child at that level
    also: tuple[str, ...]  # prerequisites in the track other than the one it is drawn under
    outside: tuple[str, ...]  # prerequisites from other tracks


def map_rows(catalog: Catalog, state: State, track_id: str) -> list[MapRow]:
    """The topics of a track as the rows of a tree: each topic under the prerequisite (in
    the track) that is deepest, so that a topic's depth is its level; its other
    prerequisites are named beside it. Roots and children are in the track's order."""
    order = list(dict.fromkeys(catalog.track_by_id[track_id].topics))
    inside = set(order)
    place = {t: n for n, t in enumerate(order)}
    depth: dict[str, int] = {}
    for topic_id in _by_prerequisites(catalog, order):
        needs = [r for r in catalog.topic_by_id[topic_id].requires if r in inside]
        depth[topic_id] = 1 + max((depth[r] for r in needs), default=-1)
    parent: dict[str, str | None] = {}
    children: dict[str | None, list[str]] = {}
    for topic_id in order:
        needs = [r for r in catalog.topic_by_id[topic_id].requires if r in inside]
        above = max(needs, key=lambda r: (depth[r], -place[r]), default=None)
        parent[topic_id] = above
        children.setdefault(above, []).append(topic_id)
    rows: list[MapRow] = []
    stack: list[tuple[str, tuple[bool, ...]]] = [
        (t, (n == len(children.get(None, [])) - 1,))
        for n, t in reversed(list(enumerate(children.get(None, []))))
    ]
    while stack:  # depth first, without recursion (a deep catalog has long chains)
        topic_id, last = stack.pop()
        requires = catalog.topic_by_id[topic_id].requires
        rows.append(
            MapRow(
                topic_id,
                state.status_of(topic_id),
                depth[topic_id],
                last,
                tuple(r for r in requires if r in inside and r != parent[topic_id]),
                tuple(r for r in requires if r not in inside),
            )
        )
        below = children.get(topic_id, [])
        for n in reversed(range(len(below))):
            stack.append((below[n], (*last, n == len(below) - 1)))
    return rows


def _by_prerequisites(catalog: Catalog, order: list[str]) -> list[str]:
    """`order` sorted so that each topic comes after its prerequisites in it (the catalog is
    checked to have no cycle)."""
    inside = set(order)
    done: set[str] = set()
    found: list[str] = []
    for start in order:
        stack = [(start, False)]
        while stack:
            topic_id, expanded = stack.pop()
            if topic_id in done:
                continue
            if expanded:
                done.add(topic_id)
                found.append(topic_id)
                continue
            stack.append((topic_id, True))
            for r in catalog.topic_by_id[topic_id].requires:
                if r in inside and r not in done:
                    stack.append((r, False))
    return found
