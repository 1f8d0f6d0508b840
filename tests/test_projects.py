"""roadmap project ... and roadmap portfolio: projects as portfolio evidence."""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from conftest import Runner

pytestmark = pytest.mark.usefixtures("mini")

FIELDS = {
    "--problem": "Support staff lose hours searching manuals",
    "--architecture": "FastAPI + pgvector, because the data is already in Postgres",
    "--evaluation": "50 golden questions, 44 answered right",
    "--deployment": "One container on Fly.io with nightly re-indexing",
    "--tradeoffs": "Smaller chunks: better recall, higher latency",
}


def projects(state_file: Path) -> dict:
    return tomllib.loads(state_file.read_text()).get("projects", {})


def add_bot(run: Runner, *extra: str) -> str:
    result = run("project", "add", "PDF Q&A bot", "--track", "builder", *extra)
    assert result.exit_code == 0, result.stderr
    return result.stdout.split(":")[0]


def fill(run: Runner, project_id: str) -> None:
    args = [x for pair in FIELDS.items() for x in pair]
    assert run("project", "edit", project_id, *args).exit_code == 0


def test_add_records_a_planned_project_with_a_slug_id(run: Runner, state_file: Path) -> None:
    result = run(
        "project",
        "add",
        "PDF Q&A bot",
        "-t",
        "Builder",
        "--outcome",
        "qa",
        "--topic",
        "RAG",
        "--topic",
        "python",
        "--repo",
        "https://github.com/me/pdf-qa",
    )
    assert result.stdout == "pdf-q-a-bot: added to Builder (planned)\n"
    saved = projects(state_file)["pdf-q-a-bot"]
    assert saved["title"] == "PDF Q&A bot" and saved["status"] == "planned"
    assert (saved["track"], saved["outcome"]) == ("builder", "qa-bot")
    assert saved["topics"] == ["rag", "python"]
    assert saved["repo"] == "https://github.com/me/pdf-qa"
    assert saved["created"].tzinfo is not None


def test_titles_that_slug_alike_get_distinct_ids(run: Runner, state_file: Path) -> None:
    for _ in range(3):
        add_bot(run)
    assert sorted(projects(state_file)) == ["pdf-q-a-bot", "pdf-q-a-bot-2", "pdf-q-a-bot-3"]
    result = run("project", "show", "pdf")
    assert result.exit_code == 2
    assert (
        "'pdf' matches several projects: pdf-q-a-bot, pdf-q-a-bot-2, pdf-q-a-bot-3" in result.stderr
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--track", "nope"], "unknown track 'nope'"),
        (["--track", "builder", "--outcome", "nope"], "unknown outcome idea 'nope'"),
        (["--track", "deep", "--outcome", "qa-bot"], "Deep Models has no outcome ideas"),
        (["--track", "builder", "--repo", "https://me:secret@github.com/x"], "the URL"),
        (["--track", "builder", "--repo", "http://[::1"], "invalid URL 'http://[::1'"),
        (["--track", "builder", "--topic", "nope"], "unknown topic 'nope'"),
        (["--track", "builder", "--repo", "ftp://x.org/r"], "invalid URL 'ftp://x.org/r'"),
        (["--track", "builder", "--repo", "https://"], "invalid URL 'https://'"),
        (["--track", "builder", "--repo", "https://ex ample.com"], "invalid URL"),
        (["--track", "builder", "--repo", "https://x.org/<script>"], "invalid URL"),
    ],
)
def test_add_refuses_bad_input_with_exit_2(
    run: Runner, state_file: Path, args: list[str], message: str
) -> None:
    result = run("project", "add", "Bot", *args)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"roadmap: error: {message}")
    assert not state_file.exists()


def test_done_needs_the_five_portfolio_fields(run: Runner, state_file: Path) -> None:
    project_id = add_bot(run)
    run("project", "edit", project_id, "--problem", "manuals", "--tradeoffs", "speed")
    result = run("project", "done", project_id)
    assert result.exit_code == 1
    assert result.stderr == (
        "roadmap: error: project 'pdf-q-a-bot' cannot be done yet: architecture, evaluation,"
        " deployment are missing. Fill them with 'roadmap project edit pdf-q-a-bot"
        " --architecture TEXT --evaluation TEXT --deployment TEXT' (or --editor), or pass --force\n"
    )
    assert projects(state_file)[project_id]["status"] == "planned"
    fill(run, project_id)
    assert run("project", "done", project_id).stdout == "pdf-q-a-bot: planned → done\n"
    assert projects(state_file)[project_id]["status"] == "done"


def test_force_and_date(run: Runner, state_file: Path) -> None:
    project_id = add_bot(run)
    assert run("project", "start", project_id).stdout == "pdf-q-a-bot: planned → in-progress\n"
    result = run("project", "done", project_id, "--force", "--date", "2026-02-01")
    assert result.exit_code == 0
    saved = projects(state_file)[project_id]
    assert saved["status"] == "done" and saved["finished"].date().isoformat() == "2026-02-01"
    assert saved["started"] <= saved["finished"]
    assert run("project", "done", project_id, "--date", "2026-13-01").exit_code == 2


def test_edit_reads_texts_from_files_and_stdin(
    run: Runner, state_file: Path, tmp_path: Path
) -> None:
    project_id = add_bot(run)
    problem = tmp_path / "problem.md"
    problem.write_text("Staff search 300 manuals.\n\nThey give up after 5 minutes.\n")
    result = run("project", "edit", project_id, "--problem", f"@{problem}")
    assert result.stdout == "pdf-q-a-bot: changed problem\n"
    assert projects(state_file)[project_id]["problem"] == (
        "Staff search 300 manuals.\n\nThey give up after 5 minutes."
    )
    run("project", "edit", project_id, "--evaluation", "@-", input="golden set of 50\n")
    assert projects(state_file)[project_id]["evaluation"] == "golden set of 50"
    missing = run("project", "edit", project_id, "--architecture", "@/nonexistent/a.md")
    assert missing.exit_code == 2 and "cannot read /nonexistent/a.md" in missing.stderr


def test_edit_links_topics_and_title(run: Runner, state_file: Path) -> None:
    project_id = add_bot(run, "--repo", "https://github.com/me/x")
    run(
        "project",
        "edit",
        project_id,
        "--title",
        "Manual search",
        "--demo",
        "http://localhost:8000",
        "--add-topic",
        "rag",
        "--repo",
        "",
    )
    saved = projects(state_file)[project_id]
    assert saved["title"] == "Manual search" and "repo" not in saved
    assert saved["demo"] == "http://localhost:8000" and saved["topics"] == ["rag"]
    assert run("project", "edit", project_id).exit_code == 2  # nothing to change
    assert run("project", "edit", project_id, "--demo", "javascript:alert(1)").exit_code == 2


EDITOR = """
import sys, pathlib
path = pathlib.Path(sys.argv[-1])
text = path.read_text()
assert "#: problem" in text and "Portfolio of 'PDF Q&A bot'" in text
text = text.replace("#: problem\\n", "#: problem\\nWritten in the editor\\n")
extra = "#: not kept\\n# A heading\\nCost against speed\\n"
text = text.replace("#: tradeoffs\\n", "#: tradeoffs\\n" + extra)
if "--drop" in sys.argv:
    text = text.replace("#: evaluation\\n", "")
path.write_text(text)
"""


def test_edit_in_the_editor(
    run: Runner, state_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project_id = add_bot(run)
    script = tmp_path / "editor.py"
    script.write_text(EDITOR)
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    monkeypatch.delenv("VISUAL", raising=False)
    result = run("project", "edit", project_id, "--editor")
    assert result.exit_code == 0, result.stderr
    saved = projects(state_file)[project_id]
    assert saved["problem"] == "Written in the editor"
    assert saved["tradeoffs"] == "# A heading\nCost against speed"  # markdown headings stay
    before = state_file.read_bytes()
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script} --drop")
    dropped = run("project", "edit", project_id, "--editor")
    assert dropped.exit_code == 2 and "lacks the line '#: evaluation'" in dropped.stderr
    assert state_file.read_bytes() == before
    monkeypatch.setenv("EDITOR", f"{sys.executable} -c 'import sys; sys.exit(3)'")
    before = state_file.read_bytes()
    failed = run("project", "edit", project_id, "-e")
    assert failed.exit_code == 1 and "exited with 3; nothing was changed" in failed.stderr
    assert state_file.read_bytes() == before


def test_show_and_list(run: Runner) -> None:
    bot = add_bot(run, "--outcome", "qa-bot")
    run("project", "add", "Fine-tune a small model", "--track", "deep")
    run("project", "start", "fine")
    shown = json.loads(run("project", "show", bot, "--json").stdout)
    assert shown["outcome_title"] == "Q&A bot" and shown["missing"] == [
        "problem",
        "architecture",
        "evaluation",
        "deployment",
        "tradeoffs",
    ]
    text = run("project", "show", bot).stdout
    assert "Before it can be done: problem, architecture" in text
    listed = json.loads(run("project", "list", "--json").stdout)["projects"]
    assert [p["id"] for p in listed] == ["pdf-q-a-bot", "fine-tune-a-small-model"]
    deep = json.loads(run("project", "list", "-t", "deep", "-s", "in-progress", "--json").stdout)
    assert [p["id"] for p in deep["projects"]] == ["fine-tune-a-small-model"]
    assert "No projects yet" in run("project", "list", "-s", "done").stdout


def test_remove_asks_and_undo_brings_it_back(run: Runner, state_file: Path) -> None:
    project_id = add_bot(run)
    declined = run("project", "remove", project_id, input="n\n")
    assert declined.exit_code == 0 and project_id in projects(state_file)
    assert run("project", "remove", project_id, "--yes").stdout == "pdf-q-a-bot: removed\n"
    assert projects(state_file) == {}
    assert "project pdf-q-a-bot: removed" in run("log").stdout
    run("undo")
    assert project_id in projects(state_file)


def test_ideas_show_which_outcomes_projects_take_on(run: Runner) -> None:
    doc = json.loads(run("project", "ideas", "--json").stdout)
    assert [(i["track"], i["id"], i["projects"], i["covered"]) for i in doc["ideas"]] == [
        ("builder", "qa-bot", [], False)
    ]
    bot = add_bot(run, "--outcome", "qa-bot")
    assert json.loads(run("project", "ideas", "--json").stdout)["ideas"][0]["projects"] == [bot]
    fill(run, bot)
    run("project", "done", bot)
    assert json.loads(run("project", "ideas", "--json").stdout)["ideas"][0]["covered"] is True
    assert "✔ covered by pdf-q-a-bot" in run("project", "ideas").stdout


def test_portfolio_applied_studied_and_what_recruiters_miss(run: Runner) -> None:
    run("done", "python", "llm-apis", "rag")
    before = json.loads(run("portfolio", "--track", "builder", "--json").stdout)["tracks"][0]
    assert before["topics_applied"] == [] and before["topics_studied"] == [
        "python",
        "llm-apis",
        "rag",
    ]
    assert before["recruiters_miss"] == ["shipped projects", "retrieval flows"]
    bot = add_bot(run, "--outcome", "qa-bot", "--topic", "rag")
    fill(run, bot)
    run("project", "done", bot)
    after = json.loads(run("portfolio", "--json").stdout)["tracks"]
    builder = next(t for t in after if t["id"] == "builder")
    assert builder["done_projects"] == [bot] and builder["outcomes_covered"] == ["qa-bot"]
    assert builder["topics_applied"] == ["rag"] and builder["topics_studied"] == [
        "python",
        "llm-apis",
    ]
    assert builder["recruiters_see"] == ["shipped projects", "retrieval flows"]
    assert builder["recruiters_miss"] == []
    text = run("portfolio", "-t", "builder").stdout
    assert "Topics applied  rag" in text and "Only studied    python, llm-apis" in text


def test_status_counts_projects_and_next_offers_ready_ideas(run: Runner) -> None:
    run("done", "python", "llm-apis", "rag")
    nxt = json.loads(run("next", "--json").stdout)
    assert [i["id"] for i in nxt["ideas"]] == ["qa-bot"]
    assert "--track builder --outcome qa-bot" in " ".join(run("next").stdout.split())
    add_bot(run, "--outcome", "qa-bot")
    assert json.loads(run("next", "--json").stdout)["ideas"] == []
    run("project", "start", "pdf")
    run("project", "add", "Second", "--track", "builder")
    status = json.loads(run("status", "--json").stdout)
    assert status["projects"] == [{"track": "builder", "planned": 1, "in-progress": 1, "done": 0}]
    assert "Projects: Builder 1 in progress, 1 planned" in run("status").stdout


def parse(markdown: str) -> list:  # type: ignore[type-arg]
    return MarkdownIt("commonmark").parse(markdown)


def test_export_has_a_projects_section_that_renders_and_escapes(run: Runner) -> None:
    bot = add_bot(
        run, "--outcome", "qa-bot", "--topic", "rag", "--repo", "https://github.com/me/pdf-qa"
    )
    fill(run, bot)
    run(
        "project",
        "edit",
        bot,
        "--tradeoffs",
        "<script>alert(1)</script> *not bold* [x](javascript:y)",
    )
    run("project", "done", bot)
    md = run("export").stdout
    tokens = parse(md)
    headings = [
        "".join(c.content for c in tokens[i + 1].children or [])
        for i, t in enumerate(tokens)
        if t.type == "heading_open"
    ]
    assert headings[-2:] == ["Projects", "PDF Q&A bot"]
    html = MarkdownIt("commonmark").render(md)
    assert '<a href="https://github.com/me/pdf-qa">Repository</a>' in html
    assert "<script" not in html and "javascript:" not in html.replace("(javascript:y)", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; *not bold* [x](javascript:y)" in html
    assert html.count("<a href") == 1
    for label, text in (
        ("Problem solved", FIELDS["--problem"]),
        ("How it was evaluated", FIELDS["--evaluation"]),
    ):
        assert f"<strong>{label}.</strong> {text}" in html.replace("&amp;", "&")
    doc = json.loads(run("export", "--format", "json").stdout)
    assert doc["state"]["projects"][bot]["status"] == "done"
    assert doc["state"]["projects"][bot]["problem"] == FIELDS["--problem"]
    only_deep = run("export", "--track", "deep").stdout
    assert "## Projects" not in only_deep


def test_project_changes_are_recorded_and_undone(run: Runner, state_file: Path) -> None:
    bot = add_bot(run)
    fill(run, bot)
    run("project", "done", bot)
    log = json.loads(run("log", "--json").stdout)["records"]
    assert [c["summary"] for r in log for c in r["changes"]] == [
        "project pdf-q-a-bot: planned → done",
        'project pdf-q-a-bot: architecture (none) → "FastAPI + pgvector, because the…";'
        ' deployment (none) → "One container on Fly.io with ni…";'
        ' evaluation (none) → "50 golden questions, 44 answere…";'
        ' problem (none) → "Support staff lose hours search…";'
        ' tradeoffs (none) → "Smaller chunks: better recall,…"',
        "project pdf-q-a-bot: added",
    ]
    run("undo")
    assert projects(state_file)[bot]["status"] == "planned"


def test_project_edit_has_an_option_for_every_portfolio_field(run: Runner) -> None:
    """The options come from the one table of portfolio fields, each with its heading."""
    from roadmap_cli.core.state import PORTFOLIO_FIELDS

    shown = " ".join(run("project", "edit", "--help").stdout.split())
    for name, heading in PORTFOLIO_FIELDS.items():
        assert f"--{name} TEXT {heading}." in shown
