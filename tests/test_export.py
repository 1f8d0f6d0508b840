"""Exports: markdown is parsed back with a real markdown parser and checked against the state."""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from mdit_py_plugins.tasklists import tasklists_plugin

from conftest import MINI, Runner

pytestmark = pytest.mark.usefixtures("mini")


@dataclass
class Task:
    topic_id: str
    checked: bool
    text: str


def parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table").enable("strikethrough").use(tasklists_plugin)


def parse(markdown: str) -> tuple[list[str], dict[str, list[Task]]]:
    """Headings, and per h2 section its task-list items, as a GitHub reader would see them."""
    tokens = parser().parse(markdown)
    headings: list[str] = []
    sections: dict[str, list[Task]] = {}
    current = ""
    in_task = False
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open":
            text = "".join(c.content for c in tokens[i + 1].children or [])
            headings.append(f"{tok.tag} {text}")
            if tok.tag == "h2":
                current = text
                sections[current] = []
        elif tok.type == "list_item_open":
            in_task = "task-list-item" in str(tok.attrs.get("class", ""))
        elif tok.type == "inline" and in_task and tokens[i - 1].type == "paragraph_open":
            children = tok.children or []
            checked = 'checked="checked"' in children[0].content
            code = [c.content for c in children if c.type == "code_inline"]
            text = "".join(
                c.content if c.type != "softbreak" else "\n" for c in children[1:]
            ).strip()
            sections[current].append(Task(code[0], checked, text))
            in_task = False
    return headings, sections


def state_of(path: Path) -> dict:
    return tomllib.loads(path.read_text())["topics"]


def test_every_task_item_matches_the_state(run: Runner, state_file: Path) -> None:
    run("focus", "deep")
    run("done", "python", "rag", "--date", "2026-02-03")
    run("skip", "transformers")
    run("start", "fine-tuning")
    run("note", "lora", "plan: rank 8")
    result = run("export")
    assert result.exit_code == 0
    headings, sections = parse(result.stdout)
    assert headings == ["h1 Mini Roadmap: my progress", "h2 Deep Models", "h2 Builder"]
    saved = state_of(state_file)
    for title, track_id in (("Deep Models", "deep"), ("Builder", "builder")):
        catalog_topics = tomllib.loads(MINI.read_text())["tracks"]
        expected = next(t["topics"] for t in catalog_topics if t["id"] == track_id)
        assert [t.topic_id for t in sections[title]] == expected
        for task in sections[title]:
            status = saved.get(task.topic_id, {}).get("status", "pending")
            assert task.checked == (status == "done"), task
            if status == "skipped":
                assert "skipped" in task.text
            if status == "in-progress":
                assert "in progress since" in task.text
            if status == "done":
                assert "done 2026-02-03" in task.text
    lora = next(t for t in sections["Deep Models"] if t.topic_id == "lora")
    assert "Note: plan: rank 8" in lora.text and not lora.checked
    # rag is shared: checked in both sections
    assert [t.checked for s in sections.values() for t in s if t.topic_id == "rag"] == [True, True]


def test_summary_and_table(run: Runner) -> None:
    run("done", "python", "llm-apis")
    run("skip", "lora")
    md = run("export").stdout
    assert "**Overall:** 3 of 6 topics cleared (50%): 2 done, 1 skipped, 0 in progress." in md
    html = parser().render(md)
    assert "<table>" in html and "<td>Builder</td>" in html and ">2/3 (66%)</td>" in html


NASTY = [
    "<script>alert(1)</script>",
    "**bold** _em_ `code` ~~gone~~",
    "[click](javascript:alert(1)) ![img](https://x.test/i.png)",
    "line one\n# not a heading\n- [x] not a task\n\n| not | a table |",
    "&lt;b&gt; is an entity & so is &amp;",
    "trailing backslash \\",
    "<img src=x onerror=alert(1)>",
    "cost $5 then $$10$$ in math",
]


@pytest.mark.parametrize("note", NASTY)
def test_notes_cannot_break_the_document_or_inject_html(run: Runner, note: str) -> None:
    run("done", "rag", "--note", note)
    md = run("export").stdout
    tokens = parser().parse(md)
    inline = [c for t in tokens if t.type == "inline" for c in t.children or []]
    # No HTML, links, images or extra emphasis: only our own bold titles and checkboxes.
    assert not [t for t in tokens if t.type == "html_block"]
    assert not [c for c in inline if c.type in ("link_open", "image", "em_open", "s_open")]
    html_inline = [c.content for c in inline if c.type == "html_inline"]
    assert all(h.startswith('<input class="task-list-item-checkbox"') for h in html_inline)
    assert len([c for c in inline if c.type == "strong_open"]) == 1 + 7  # Overall + 7 titles
    headings, sections = parse(md)
    assert headings == ["h1 Mini Roadmap: my progress", "h2 Builder", "h2 Deep Models"]
    assert len(sections["Builder"]) == 3 and len(sections["Deep Models"]) == 4
    rag = next(t for t in sections["Builder"] if t.topic_id == "rag")
    assert rag.text.endswith("Note: " + " ".join(note.split()))


def test_titles_from_a_catalog_are_escaped(run: Runner, tmp_path: Path) -> None:
    text = (
        MINI.read_text()
        .replace('title = "Deep Models"', 'title = "C# <b>& *Deep*"')
        .replace('title = "LoRA"', 'title = "[LoRA](https://evil.test)"')
    )
    catalog = tmp_path / "odd.toml"
    catalog.write_text(text)
    md = run("--catalog", str(catalog), "export").stdout
    headings, sections = parse(md)
    assert "h2 C# <b>& *Deep*" in headings
    assert "<b>" not in parser().render(md).replace("&lt;b&gt;", "")
    lora = next(t for t in sections["C# <b>& *Deep*"] if t.topic_id == "lora")
    assert lora.text.startswith("[LoRA](https://evil.test)")


def test_export_one_track_to_a_file(run: Runner, tmp_path: Path) -> None:
    run("done", "lora")
    out = tmp_path / "PROGRESS.md"
    result = run("export", "--track", "deep", "--output", str(out))
    assert result.exit_code == 0
    assert str(out) in result.stdout
    headings, sections = parse(out.read_text())
    assert headings == ["h1 Mini Roadmap: my progress", "h2 Deep Models"]
    assert [t.topic_id for t in sections["Deep Models"] if t.checked] == ["lora"]


def test_export_to_an_unwritable_place_fails_cleanly(run: Runner, tmp_path: Path) -> None:
    result = run("export", "--output", str(tmp_path / "missing-dir" / "x.md"))
    assert result.exit_code == 1
    assert result.stderr.startswith("roadmap: error: could not save the export to ")
    assert result.stderr.endswith("(No such file or directory); nothing was written\n")


def test_json_export_holds_the_state_and_catalog_ids(run: Runner, state_file: Path) -> None:
    run("focus", "builder")
    run("done", "python", "--note", "ok")
    run("start", "lora")
    doc = json.loads(run("export", "--format", "json").stdout)
    assert (doc["format"], doc["version"]) == ("ai-roadmap-export", 1)
    assert doc["catalog"]["id"] == "mini"
    assert doc["catalog"]["tracks"] == ["builder", "deep"]
    assert doc["catalog"]["topics"] == sorted(
        ["python", "llm-apis", "rag", "transformers", "fine-tuning", "lora"]
    )
    assert doc["state"]["focus"] == "builder"
    saved = state_of(state_file)
    assert set(doc["state"]["topics"]) == set(saved)
    python = doc["state"]["topics"]["python"]
    assert python["status"] == "done" and python["note"] == "ok"
    assert datetime.fromisoformat(python["finished"]) == saved["python"]["finished"]
    assert doc["summary"]["tracks"][0]["id"] == "builder"
    only_deep = json.loads(run("export", "-f", "json", "-t", "deep").stdout)
    assert set(only_deep["state"]["topics"]) == {"lora"}


def test_control_characters_from_a_catalog_never_reach_the_output(
    run: Runner, tmp_path: Path
) -> None:
    catalog = tmp_path / "ctl.toml"
    catalog.write_text(
        MINI.read_text().replace('title = "RAG"', 'title = "RAG\\u001b]0;pwned\\u0007"')
    )
    for args in (["export"], ["show", "rag"], ["topics"]):
        out = run("--catalog", str(catalog), *args).stdout
        assert "\x1b" not in out and "\x07" not in out, args
        # The whole sequence goes (it would retitle the terminal); the title stays.
        assert "pwned" not in out and "RAG" in out, args


# --- where an export may go: devices, pipes, links, names too long ---------------------


def test_export_writes_through_a_device_and_a_read_pipe_and_never_replaces_them(
    run: Runner, tmp_path: Path
) -> None:
    """`roadmap export -o /dev/null`, as root, once replaced the system's /dev/null with a
    regular file. The test makes its own null device and FIFO in its temporary folder."""
    import os
    import stat
    import threading

    run("done", "python")
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    null = tmp_path / "null"
    try:
        os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("making a device needs root")
    assert run("export", "--output", str(null)).exit_code == 0
    assert stat.S_ISCHR(null.stat().st_mode)
    assert list(tmp_path.iterdir()) == [null]  # no temporary left beside it

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    nobody = run("export", "--output", str(fifo))
    assert nobody.exit_code == 1
    assert nobody.stderr == (
        f"roadmap: error: nothing reads the pipe {fifo}; start its reader first, or export"
        " to a file\n"
    )
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    while not got and reader.is_alive():  # until the reader has the pipe open
        result = run("export", "--output", str(fifo))
        if result.exit_code == 0:
            break
    reader.join(timeout=10)
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    headings, _ = parse(got[0].decode())
    assert headings[0] == "h1 Mini Roadmap: my progress"


def test_export_through_a_link_writes_its_file_and_keeps_the_link(
    run: Runner, tmp_path: Path
) -> None:
    run("done", "python")
    real = tmp_path / "real.md"
    real.write_text("old\n")
    link = tmp_path / "PROGRESS.md"
    link.symlink_to(real.name)
    assert run("export", "--output", str(link)).exit_code == 0
    assert link.is_symlink() and link.readlink() == Path("real.md")
    assert parse(real.read_text())[0][0] == "h1 Mini Roadmap: my progress"


def test_export_to_a_name_too_long_is_one_line(run: Runner, tmp_path: Path) -> None:
    long = tmp_path / ("a" * 300 + ".md")
    result = run("export", "--output", str(long))
    assert result.exit_code == 1
    assert result.stderr.startswith("roadmap: error: cannot write the export to ")
    assert result.stderr.endswith(": File name too long\n") and result.stderr.count("\n") == 1


def test_export_offers_every_format_of_the_exporter_table() -> None:
    """`--format`'s choices are the table's names: a format added to one and not the other
    fails here."""
    from roadmap_cli.cli.commands.read import ExportFormat
    from roadmap_cli.render.export import FORMATS

    assert [f.value for f in ExportFormat] == list(FORMATS)
