"""status / tracks / topics / show / next and their --json documents."""

from __future__ import annotations

import json
import re

import pytest

from conftest import Runner

pytestmark = pytest.mark.usefixtures("mini")
ANSI = re.compile(r"\x1b\[")


def as_json(result_stdout: str) -> dict:
    doc = json.loads(result_stdout)  # exactly one document: trailing text would fail here
    assert isinstance(doc, dict)
    return doc


def test_fresh_status_greets_and_says_how_to_begin(run: Runner) -> None:
    result = run("status")
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    assert "Welcome! No progress yet." in text
    assert "roadmap focus builder" in text
    assert "Builder" in result.stdout and "Deep Models" in result.stdout
    assert "0/3" in result.stdout and "0/4" in result.stdout


def test_bare_roadmap_shows_the_dashboard(run: Runner) -> None:
    assert run().stdout == run("status").stdout


def test_status_shows_focus_in_progress_next_and_last_active(run: Runner) -> None:
    run("focus", "deep")
    run("done", "python")
    run("start", "transformers")
    out = run("status").stdout
    lines = out.splitlines()
    assert "last active" in lines[0] and "(today)" in lines[0]
    table = [line for line in lines if "Deep Models" in line or "Builder" in line]
    assert table[0].startswith("★ Deep Models")  # focus track first and marked
    assert "In progress: transformers" in out
    assert "1  transformers" in out
    assert "Welcome" not in out


def test_status_json_document(run: Runner) -> None:
    run("focus", "builder")
    run("done", "python", "--note", "n")
    run("start", "rag")
    doc = as_json(run("status", "--json").stdout)
    assert doc["version"] == 1
    assert doc["catalog"] == {"id": "mini", "title": "Mini Roadmap"}
    assert doc["focus"] == "builder" and doc["fresh"] is False
    assert doc["tracks"][0] == {
        "id": "builder",
        "title": "Builder",
        "focus": True,
        "total": 3,
        "done": 1,
        "skipped": 0,
        "in_progress": 1,
        "cleared": 1,
        "percent": 33,
        "forecast": {"reason": "not enough data yet"},  # one topic done, today
        "goal": None,
    }
    assert doc["in_progress"] == [{"id": "rag", "title": "RAG"}]
    assert doc["next"][0]["id"] == "rag"
    assert doc["last_active"].startswith(doc["last_active"][:10])
    assert doc["unknown_ids"] == []


def test_status_track_filter(run: Runner) -> None:
    doc = as_json(run("status", "--track", "deep", "--json").stdout)
    assert [t["id"] for t in doc["tracks"]] == ["deep"]
    assert {s["track"] for s in doc["next"]} == {"deep"}


def test_tracks_lists_every_track_in_progression_order(run: Runner) -> None:
    result = run("tracks")
    assert result.exit_code == 0
    assert result.stdout.index("builder") < result.stdout.index("deep")
    assert "Suggested order: builder → deep" in result.stdout
    doc = as_json(run("tracks", "--json").stdout)
    assert [t["id"] for t in doc["tracks"]] == ["builder", "deep"]
    assert doc["tracks"][0]["outcomes"][0]["id"] == "qa-bot"
    assert doc["tracks"][1]["progress"]["total"] == 4


def test_topics_filters_by_track_and_status(run: Runner) -> None:
    run("done", "python")
    run("start", "rag")
    all_ids = [t["id"] for t in as_json(run("topics", "--json").stdout)["topics"]]
    assert all_ids == ["python", "llm-apis", "rag", "transformers", "fine-tuning", "lora"]
    deep = as_json(run("topics", "--track", "deep", "--json").stdout)["topics"]
    assert [t["id"] for t in deep] == ["transformers", "rag", "fine-tuning", "lora"]
    done = as_json(run("topics", "--status", "done", "--json").stdout)["topics"]
    assert [(t["id"], t["status"]) for t in done] == [("python", "done")]
    pending_deep = run("topics", "-t", "deep", "-s", "pending").stdout
    assert "transformers" in pending_deep and "rag" not in pending_deep
    rag = next(t for t in deep if t["id"] == "rag")
    assert rag["tracks"] == ["builder", "deep"]


def test_topics_with_bad_status_is_a_usage_error(run: Runner) -> None:
    result = run("topics", "--status", "finished")
    assert result.exit_code == 2
    assert result.stderr.startswith("roadmap: error: ")
    assert result.stderr.count("\n") == 1


def test_show_topic_with_prerequisite_status_tracks_and_resources(run: Runner) -> None:
    run("done", "llm-apis", "--note", "used the OpenAI SDK")
    out = run("show", "rag").stdout
    assert "RAG" in out and "Retrieval-augmented generation." in out
    assert "llm-apis (done)" in out
    assert "builder, deep" in out
    doc = as_json(run("show", "python", "--json").stdout)
    assert doc["resources"] == [{"title": "Tutorial", "url": "https://docs.python.org/3/tutorial/"}]
    assert doc["required_by"] == ["llm-apis"]
    shown = as_json(run("show", "llm", "--json").stdout)
    assert shown["note"] == "used the OpenAI SDK" and shown["finished"] is not None


def test_next_rule_in_progress_then_focus_then_progression(run: Runner) -> None:
    # Without focus: progression order, only topics whose prerequisites are cleared.
    doc = as_json(run("next", "--json").stdout)
    assert [s["id"] for s in doc["next"]] == ["python", "transformers"]
    assert doc["next"][0]["reason"] == "next in Builder"
    run("focus", "deep")
    run("done", "transformers")
    run("start", "python")
    doc = as_json(run("next", "--json").stdout)
    assert [s["id"] for s in doc["next"]] == ["python", "fine-tuning"]
    assert doc["next"][0]["reason"].startswith("in progress since ")
    assert doc["next"][1]["reason"] == "prerequisites done: transformers"
    run("done", "python", "llm-apis")
    doc = as_json(run("next", "--json").stdout)
    # rag is in both tracks; it is listed once, under the focus track first.
    assert [(s["id"], s["track"]) for s in doc["next"]] == [
        ("rag", "deep"),
        ("fine-tuning", "deep"),
    ]


def test_next_limit_and_track(run: Runner) -> None:
    run("skip", "python")
    run("done", "transformers")
    doc = as_json(run("next", "--limit", "1", "--json").stdout)
    assert [s["id"] for s in doc["next"]] == ["llm-apis"]
    doc = as_json(run("next", "--track", "deep", "--json").stdout)
    assert [s["id"] for s in doc["next"]] == ["fine-tuning"]
    assert run("next", "--limit", "0").exit_code == 2


def test_next_when_everything_is_cleared(run: Runner) -> None:
    run("done", "python", "llm-apis", "rag", "transformers", "fine-tuning", "lora")
    assert "Nothing to suggest" in run("next").stdout
    assert as_json(run("next", "--json").stdout)["next"] == []


@pytest.mark.parametrize(
    "args",
    [["status"], ["tracks"], ["topics"], ["show", "rag"], ["next"], ["focus"]],
)
def test_no_colour_codes_when_not_a_terminal_or_no_color(
    run: Runner, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    run("start", "rag")
    assert not ANSI.search(run(*args).stdout)
    monkeypatch.setenv("FORCE_COLOR", "1")  # pretend to be a terminal that takes colour
    monkeypatch.setenv("TERM", "xterm-256color")
    assert ANSI.search(run(*args).stdout) or args == ["focus"]
    monkeypatch.setenv("NO_COLOR", "1")
    assert not ANSI.search(run(*args).stdout)
    monkeypatch.delenv("NO_COLOR")
    assert not ANSI.search(run("--no-color", *args).stdout)


@pytest.mark.parametrize(
    "args",
    [["status"], ["tracks"], ["topics"], ["show", "rag"], ["next"], ["focus"]],
)
def test_every_read_command_prints_one_json_document_without_colour(
    run: Runner, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("TERM", "xterm-256color")
    result = run(*args, "--json")
    assert result.exit_code == 0
    assert not ANSI.search(result.stdout)
    assert as_json(result.stdout)["version"] == 1


def test_unknown_command_and_option_are_usage_errors(run: Runner) -> None:
    for args in (["stauts"], ["status", "--bogus"], ["done"]):
        result = run(*args)
        assert result.exit_code == 2, args
        assert result.stderr.startswith("roadmap: error: ")
        assert result.stderr.count("\n") == 1
        assert "Traceback" not in result.stderr


def test_orphaned_progress_is_kept_and_reported(run: Runner, state_file) -> None:
    state_file.write_text(
        'schema_version = 1\n[topics.old-topic]\nstatus = "done"\nupdated = 2026-01-01T10:00:00Z\n',
        encoding="utf-8",
    )
    out = run("status").stdout
    text = " ".join(out.split())
    assert "1 entry in your progress file is for topics this catalog does not have" in text
    assert "Run 'roadmap doctor' for details." in text
    run("done", "python")
    assert "old-topic" in state_file.read_text(encoding="utf-8")


def test_an_unexpected_error_is_one_line_not_a_traceback(
    run: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    from roadmap_cli.render import documents

    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("something impossible")

    monkeypatch.setattr(documents, "status", broken)  # stands in for a bug
    result = run("status")
    assert result.exit_code == 1
    assert result.stderr == (
        "roadmap: error: unexpected ValueError: something impossible; nothing more was changed."
        " Set ROADMAP_DEBUG=1 to see the traceback and please report it\n"
    )
    monkeypatch.setenv("ROADMAP_DEBUG", "1")
    with pytest.raises(ValueError, match="something impossible"):
        run("status")


@pytest.mark.parametrize(
    "args",
    [
        ["status"],
        ["tracks"],
        ["topics"],
        ["show", "fine"],
        ["next"],
        ["log"],
        ["doctor"],
        ["project", "list"],
        ["project", "show", "a-project"],
        ["project", "ideas"],
        ["portfolio"],
    ],
)
def test_sixty_columns_fit_and_ids_are_never_cut(
    run: Runner, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    monkeypatch.delenv("ROADMAP_CATALOG")  # the bundled catalog, with its long ids and titles
    run("start", "multi-environment-deployment")
    long_title = "A project with a long title that makes a long identifier slug indeed"
    run("project", "add", long_title, "--track", "aiops", "--outcome", "scalable-ai-services")
    run("project", "add", "A project", "--track", "aiops")
    monkeypatch.setenv("COLUMNS", "60")
    out = run(*args).stdout
    assert max(len(line) for line in out.splitlines()) <= 60
    if args[0] in ("status", "next"):
        assert "multi-environment-deployment" in out.split()
    if args[:2] == ["project", "list"]:
        assert "a-project-with-a-long-title-that-makes-a-long" in out.split()
    if args[0] == "topics":
        words = out.split()
        for topic_id in ("latency-cost-tradeoffs", "multi-environment-deployment", "rag"):
            assert topic_id in words
