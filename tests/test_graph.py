"""The prerequisite graph as Mermaid and DOT: every topic and edge, coloured by status, and
labels that never break the diagram. DOT is read back with pydot's parser; Mermaid with a
reader of the statements the export writes, which refuses any line it does not know."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pydot
import pytest
from markdown_it import MarkdownIt

from conftest import MINI, Runner
from roadmap_cli.render.graph import mermaid_id

pytestmark = [
    pytest.mark.usefixtures("mini"),
    # pydot is written against an older pyparsing, whose newest release warns of the names
    # it uses: a warning about the test's reader, not about what roadmap wrote.
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]

# The mini catalog: (topic, its prerequisites) and its tracks.
REQUIRES = {
    "python": [],
    "llm-apis": ["python"],
    "rag": ["llm-apis"],
    "transformers": [],
    "fine-tuning": ["transformers"],
    "lora": ["fine-tuning"],
}
TRACKS = {
    "builder": ["python", "llm-apis", "rag"],
    "deep": ["transformers", "rag", "fine-tuning", "lora"],
}
ODD_TITLE = 'Odd [x]: "quoted" <b> & {braces} --> end'


def expected(track: str | None) -> tuple[set[str], set[tuple[str, str]]]:
    inside = TRACKS[track] if track else list(REQUIRES)
    edges = {(r, t) for t in inside for r in REQUIRES.get(t, [])}
    return set(inside) | {r for r, _ in edges}, edges


MERMAID_NODE = re.compile(
    r'  (t_[a-z0-9_]+)\["([^"]*)"\]:::(done|skipped|inprogress|pending|outside)'
)
MERMAID_EDGE = re.compile(r"  (t_[a-z0-9_]+) --> (t_[a-z0-9_]+)")
MERMAID_CLASS = re.compile(r"  classDef [a-z]+ fill:#[0-9a-f]{6},color:#[0-9a-f]{6},stroke:.*")


def read_mermaid(text: str) -> tuple[dict[str, tuple[str, str]], set[tuple[str, str]]]:
    """Nodes (id -> label, class) and edges of a flowchart the export wrote."""
    lines = text.rstrip("\n").split("\n")
    assert lines[0] == "flowchart LR"
    nodes: dict[str, tuple[str, str]] = {}
    edges = set()
    for line in lines[1:]:
        if line.startswith("  %% ") or MERMAID_CLASS.fullmatch(line):
            continue
        if found := MERMAID_NODE.fullmatch(line):
            assert found.group(1) not in nodes
            label = html.unescape(re.sub(r"#(\w+);", r"&\1;", found.group(2)))
            nodes[found.group(1)] = (label, found.group(3))
        elif found := MERMAID_EDGE.fullmatch(line):
            edges.add((found.group(1), found.group(2)))
        else:
            raise AssertionError(f"a line Mermaid would not read as the export means: {line!r}")
    assert all(a in nodes and b in nodes for a, b in edges)
    return nodes, edges


@pytest.mark.parametrize("track", [None, "builder", "deep"])
def test_every_topic_and_edge_is_in_both_formats(run: Runner, track: str | None) -> None:
    run("done", "python")
    run("start", "transformers")
    run("skip", "fine-tuning")
    scope = ["--track", track] if track else []
    topics, edges = expected(track)
    nodes, drawn = read_mermaid(run("export", "--format", "mermaid", *scope).stdout)
    assert set(nodes) == {mermaid_id(t) for t in topics}
    assert drawn == {(mermaid_id(a), mermaid_id(b)) for a, b in edges}
    classes = {topic: nodes[mermaid_id(topic)][1] for topic in topics}
    if "python" in topics:
        assert classes["python"] == "done" and nodes[mermaid_id("python")][0] == "✔ Python"
    if track == "deep":
        assert classes["transformers"] == "inprogress" and classes["fine-tuning"] == "skipped"
        assert classes["llm-apis"] == "outside"  # rag's prerequisite from the other track
    (dot,) = pydot.graph_from_dot_data(run("export", "--format", "dot", *scope).stdout)
    assert {n.get_name().strip('"') for n in dot.get_nodes()} - {"node"} == topics
    assert {
        (e.get_source().strip('"'), e.get_destination().strip('"')) for e in dot.get_edges()
    } == edges


def test_labels_with_brackets_colons_and_quotes_never_break_the_diagram(
    run: Runner, tmp_path: Path
) -> None:
    odd = tmp_path / "odd.toml"
    escaped = ODD_TITLE.replace('"', '\\"')
    odd.write_text(MINI.read_text().replace('title = "RAG"', f'title = "{escaped}"'))
    nodes, _ = read_mermaid(run("--catalog", str(odd), "export", "-f", "mermaid").stdout)
    assert nodes[mermaid_id("rag")][0] == f"· {ODD_TITLE}"
    (dot,) = pydot.graph_from_dot_data(run("--catalog", str(odd), "export", "-f", "dot").stdout)
    (rag,) = dot.get_node('"rag"')
    assert rag.get_label().strip('"').replace('\\"', '"') == f"· {ODD_TITLE}"


def test_the_markdown_export_embeds_a_flowchart_per_track(run: Runner) -> None:
    run("done", "python")
    text = run("export").stdout
    fences = [t for t in MarkdownIt("commonmark").parse(text) if t.type == "fence"]
    assert [f.info for f in fences] == ["mermaid", "mermaid"]
    for fence, track in zip(fences, ["builder", "deep"], strict=True):
        nodes, _ = read_mermaid(fence.content)
        assert {mermaid_id(t) for t in TRACKS[track]} <= set(nodes)
    one = run("export", "--track", "deep").stdout
    assert one.count("```mermaid") == 1


@pytest.mark.parametrize(
    ("name", "first"),
    [("map.mmd", "flowchart LR"), ("map.dot", "digraph roadmap {"), ("m.gv", "digraph roadmap {")],
)
def test_the_extension_picks_the_graph_format(
    run: Runner, tmp_path: Path, name: str, first: str
) -> None:
    target = tmp_path / name
    assert run("export", "-o", str(target)).exit_code == 0
    assert target.read_text(encoding="utf-8").splitlines()[0] == first
