"""The bundled catalog is faithful to the seed and well-formed; broken catalogs fail cleanly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import MINI, Runner
from roadmap_cli.core.catalog import Catalog
from roadmap_cli.storage import paths
from roadmap_cli.storage.catalog_file import check_file

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "ai-engineer-roadmap-2026.txt"
TRACK_HEADINGS = {
    "ai-developer": "AI Developer Path",
    "generative-ai": "Generative AI Path",
    "llm-mastery": "LLM Mastery Path",
    "aiops": "AIOps Path",
}


@pytest.fixture(scope="module")
def bundled() -> Catalog:
    """Checked from the file (no cache: a module's fixture runs outside a test's home)."""
    found, problems = check_file(paths.bundled_catalog())
    assert found is not None and problems == []
    return found


def seed_text() -> str:
    if not SEED.exists():
        pytest.skip(f"the seed text is not beside this checkout ({SEED})")
    return SEED.read_text(encoding="utf-8")


def seed_bullets(track_id: str, after: str) -> list[str]:
    """The bullet list that follows the heading line `after` in a track's section."""
    text = seed_text()
    section = text.split(TRACK_HEADINGS[track_id] + "\n", 1)[1]
    lines = section.split("\n" + after + "\n", 1)[1].splitlines()
    bullets: list[str] = []
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("•"):
            bullets.append(stripped.lstrip("• ").strip())
        elif stripped and bullets:
            break
    return bullets


# --- the bundled catalog ----------------------------------------------------------------------


def test_four_tracks_in_the_seeds_progression(bundled: Catalog) -> None:
    assert [t.id for t in bundled.ordered_tracks] == [
        "ai-developer",
        "generative-ai",
        "llm-mastery",
        "aiops",
    ]
    assert [t.title for t in bundled.ordered_tracks] == [
        "AI Developer",
        "Generative AI",
        "LLM Mastery",
        "AIOps",
    ]


@pytest.mark.parametrize("track_id", list(TRACK_HEADINGS))
def test_every_focus_topic_of_the_seed_in_its_order(bundled: Catalog, track_id: str) -> None:
    expected = seed_bullets(track_id, "What this path focuses on")
    track = bundled.track_by_id[track_id]
    titles = [bundled.topic_by_id[t].title for t in track.topics]
    assert [t.lower() for t in titles] == [e.lower() for e in expected]


@pytest.mark.parametrize("track_id", list(TRACK_HEADINGS))
def test_every_typical_outcome_is_a_project_idea(bundled: Catalog, track_id: str) -> None:
    expected = seed_bullets(track_id, "Typical outcomes")
    outcomes = bundled.track_by_id[track_id].outcomes
    assert [o.title.lower() for o in outcomes] == [e.lower() for e in expected]
    for outcome in outcomes:
        assert outcome.summary and outcome.uses


def test_topic_counts_and_shared_topics(bundled: Catalog) -> None:
    counts = {t.id: len(t.topics) for t in bundled.tracks}
    assert counts == {"ai-developer": 10, "generative-ai": 18, "llm-mastery": 20, "aiops": 15}
    shared = {t for t, tracks in bundled.tracks_of_topic.items() if len(tracks) > 1}
    assert shared == {"rag", "quantization"}
    assert len(bundled.topics) == 63 - len(shared)
    assert [t.id for t in bundled.tracks_of_topic["rag"]] == ["ai-developer", "generative-ai"]
    assert [t.id for t in bundled.tracks_of_topic["quantization"]] == [
        "generative-ai",
        "llm-mastery",
    ]


def test_every_topic_has_a_summary_and_https_resources(bundled: Catalog) -> None:
    for topic in bundled.topics:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", topic.id)
        assert 5 <= len(topic.summary.split()) <= 60, topic.id
        assert topic.resources, topic.id
        assert all(r.url.startswith("https://") for r in topic.resources), topic.id


def test_prerequisites_follow_the_roadmap_order(bundled: Catalog) -> None:
    """A prerequisite comes earlier in a track that holds the topic, or in an earlier track."""
    rank = {t.id: i for i, t in enumerate(bundled.ordered_tracks)}
    for topic in bundled.topics:
        holders = bundled.tracks_of_topic[topic.id]
        for req in topic.requires:
            earlier = any(
                req in track.topics[: track.topics.index(topic.id)]
                or any(rank[other.id] < rank[track.id] for other in bundled.tracks_of_topic[req])
                for track in holders
            )
            assert earlier, f"{topic.id} requires {req}, which does not come before it"
    assert set(bundled.topic_by_id["rag"].requires) == {"vector-databases", "core-llm"}


def test_aiops_can_be_walked_alone(bundled: Catalog) -> None:
    aiops = set(bundled.track_by_id["aiops"].topics)
    for topic_id in aiops:
        assert set(bundled.topic_by_id[topic_id].requires) <= aiops, topic_id


def test_tracks_carry_audience_recruiters_questions_and_entry_points(bundled: Catalog) -> None:
    for track in bundled.tracks:
        assert len(track.audience) == 4, track.id
        assert track.signals and track.optimizes_for and track.choose_when
    assert len(bundled.track_by_id["ai-developer"].questions) == 4
    assert any("devops" in e.lower() for e in bundled.track_by_id["aiops"].entry_from)


def _prose(catalog: Catalog) -> list[str]:
    texts = [catalog.description]
    for track in catalog.tracks:
        texts += [track.summary, track.choose_when, *track.audience, *track.questions]
        texts += [o.summary for o in track.outcomes]
    texts += [t.summary for t in catalog.topics]
    return texts


def test_descriptions_are_in_our_own_words(bundled: Catalog) -> None:
    """No run of six words from any summary, audience line or question appears in the seed."""

    def words(text: str) -> list[str]:
        return re.findall(r"[a-z0-9]+", text.lower())

    seed = " " + " ".join(words(seed_text())) + " "
    for text in _prose(bundled):
        w = words(text)
        for i in range(len(w) - 5):
            run = " ".join(w[i : i + 6])
            assert f" {run} " not in seed, f"copied from the seed: '{run}' in: {text}"


# --- broken catalogs ---------------------------------------------------------------------------


def broken(tmp_path: Path, old: str, new: str) -> Path:
    text = MINI.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "broken.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


CASES = [
    ('summary = "Calling models."', 'summary = "Calling models.\nnope', "not valid TOML"),
    (
        'summary = "Calling models."',
        'sumary = "Calling models."',
        "topic 'llm-apis', 'sumary': unknown key",
    ),
    ('summary = "Calling models."', "", "topic 'llm-apis', 'summary': missing"),
    ('id = "lora"', 'id = "rag"', "duplicate topic id 'rag'"),
    ('requires = ["llm-apis"]', 'requires = ["nope"]', "topic 'rag' requires unknown topic 'nope'"),
    (
        'title = "Python"\nsummary = "The language."',
        'title = "Python"\nsummary = "The language."\nrequires = ["rag"]',
        "prerequisites form a cycle: python -> rag -> llm-apis -> python",
    ),
    (
        '"https://docs.python.org/3/tutorial/"',
        '"http://docs.python.org/3/tutorial/"',
        "topic 'python', resource #1, 'url': 'http://docs.python.org/3/tutorial/'"
        " is not an https:// URL",
    ),
    (
        'topics = ["python", "llm-apis", "rag"]',
        'topics = ["python", "llm-apis", "rag", "ghost"]',
        "track 'builder' lists unknown topic 'ghost'",
    ),
    ('id = "lora"', 'id = "LoRA"', "topic 'LoRA', 'id': String should match pattern"),
    (
        'progression = ["builder", "deep"]',
        'progression = ["builder", "deeper"]',
        "progression names unknown track 'deeper'",
    ),
    (
        'aliases = ["low-rank"]',
        'aliases = ["rag"]',
        "topic 'lora': alias 'rag' is already a topic id",
    ),
    (
        'uses = ["rag"]',
        'uses = ["lora"]',
        "outcome 'qa-bot' uses topic 'lora', which track 'builder' does not list",
    ),
    (
        "format = 1",
        "format = true",
        "'format': format True is not one this roadmap reads (it reads 1)",
    ),
    ('title = "Deep Models"', 'title = "Builder"', "two tracks are titled 'Builder'"),
    (
        '"transformers", "rag", "fine-tuning", "lora"',
        '"transformers", "rag", "fine-tuning"',
        "topic 'lora' is in no track",
    ),
    (
        'url = "https://docs.python.org/3/tutorial/"',
        'url = "https://docs.python.org/3/\\ttutorial/"',
        "is not an https:// URL",
    ),
]


@pytest.mark.parametrize(("old", "new", "message"), CASES, ids=[c[2][:40] for c in CASES])
def test_broken_catalog_is_one_line_naming_file_and_id(
    run: Runner, tmp_path: Path, old: str, new: str, message: str
) -> None:
    path = broken(tmp_path, old, new)
    result = run("--catalog", str(path), "status")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"roadmap: error: catalog {path}: ")
    assert message in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_toml_syntax_error_gives_the_line(run: Runner, tmp_path: Path) -> None:
    path = broken(tmp_path, 'summary = "Calling models."', 'summary = "Calling models.')
    result = run("--catalog", str(path), "topics")
    line = MINI.read_text(encoding="utf-8").splitlines().index('summary = "Calling models."') + 1
    assert f"line {line}" in result.stderr


def test_catalog_from_environment_and_missing_file(
    run: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROADMAP_CATALOG", str(MINI))
    assert "Mini Roadmap" in run("status").stdout
    missing = tmp_path / "nowhere.toml"
    monkeypatch.setenv("ROADMAP_CATALOG", str(missing))
    result = run("status")
    assert (result.exit_code, result.stderr) == (
        1,
        f"roadmap: error: catalog {missing}: file not found\n",
    )


def test_every_problem_is_collected(tmp_path: Path) -> None:
    path = broken(tmp_path, 'requires = ["llm-apis"]', 'requires = ["nope", "ghost"]')
    _, found = check_file(path)
    assert found == [
        "topic 'rag' requires unknown topic 'nope'",
        "topic 'rag' requires unknown topic 'ghost'",
    ]


def test_several_problems_are_counted_in_the_message(run: Runner, tmp_path: Path) -> None:
    path = broken(tmp_path, 'requires = ["llm-apis"]', 'requires = ["nope", "ghost"]')
    assert "(and 1 more problems)" in run("--catalog", str(path), "status").stderr


def test_a_byte_order_mark_is_accepted(run: Runner, tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + MINI.read_bytes())
    assert "Mini Roadmap" in run("--catalog", str(path), "status").stdout


@pytest.mark.parametrize("name", ["Catalog", "Track", "Topic", "Outcome", "Resource", "Signal"])
def test_the_runtime_catalog_has_every_field_of_the_checked_format(name: str) -> None:
    """The format is declared once for checking (pydantic, catalog_schema) and once for use
    (named tuples, catalog): a field added to one must be added to the other."""
    import inspect

    from roadmap_cli.core import catalog
    from roadmap_cli.formats import catalog_schema

    checked = set(getattr(catalog_schema, name).model_fields)
    runtime_class = getattr(catalog, name)
    runtime = set(getattr(runtime_class, "_fields", ())) or set(
        inspect.signature(runtime_class).parameters
    )
    renamed = {"recruiters_look_for": "signals"}
    assert {renamed.get(field, field) for field in checked} == runtime


def test_the_exported_project_has_every_field_of_a_project() -> None:
    import dataclasses

    from roadmap_cli.core import state
    from roadmap_cli.formats import export_schema

    exported = set(export_schema.Project.model_fields)
    assert exported == {f.name for f in dataclasses.fields(state.Project)}
    assert exported == set(state.PROJECT_FIELDS)


def test_every_bundled_topic_has_three_questions_of_its_own(bundled: Catalog) -> None:
    """Self-check questions: at least three a topic, none the same as another topic's (nor
    nearly the same: compared without case, punctuation and spacing), each a question or a
    prompt such as "Name two ..."."""
    seen: dict[str, str] = {}
    for topic in bundled.topics:
        assert len(topic.questions) >= 3, topic.id
        for question in topic.questions:
            assert question.endswith(("?", ".")) and 20 <= len(question) <= 200, question
            key = re.sub(r"[^a-z0-9]+", " ", question.lower()).strip()
            assert key not in seen, f"{topic.id} repeats a question of {seen.get(key)}"
            seen[key] = topic.id


def test_questions_are_optional_checked_and_shown(run: Runner, tmp_path: Path) -> None:
    import json

    assert (
        json.loads(run("--catalog", str(MINI), "show", "rag", "--json").stdout)["questions"] == []
    )
    asked = tmp_path / "asked.toml"
    asked.write_text(
        MINI.read_text().replace(
            'summary = "Retrieval-augmented generation."',
            'summary = "Retrieval-augmented generation."\nquestions = ["Why chunk at all?"]',
        )
    )
    shown = run("--catalog", str(asked), "show", "rag").stdout
    assert "Check yourself" in shown and "  1. Why chunk at all?" in shown
    bad = tmp_path / "bad.toml"
    bad.write_text(asked.read_text().replace('["Why chunk at all?"]', '["", 3]'))
    result = run("catalog", "validate", str(bad))
    assert result.exit_code == 1 and "questions" in result.stdout


def test_every_bundled_topic_has_an_estimate_of_hours(bundled: Catalog) -> None:
    estimates = [topic.hours for topic in bundled.topics]
    assert all(h is not None and 1 <= h <= 100 for h in estimates), estimates
    assert 500 <= sum(h or 0 for h in estimates) <= 1_500  # the roadmap is months of study


@pytest.mark.parametrize("bad", ["true", "0", '"5"', "-2", "1001", "nan"])
def test_hours_must_be_a_plain_number_of_hours(run: Runner, tmp_path: Path, bad: str) -> None:
    path = tmp_path / "hours.toml"
    path.write_text(MINI.read_text().replace('title = "RAG"', f'title = "RAG"\nhours = {bad}'))
    result = run("catalog", "validate", str(path))
    assert result.exit_code == 1 and "hours" in result.stdout


def test_hours_are_shown_where_there_is_room(
    run: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "hours.toml"
    path.write_text(MINI.read_text().replace('title = "RAG"', 'title = "RAG"\nhours = 12.5'))
    assert "Effort    about 12.5 h of study" in run("--catalog", str(path), "show", "rag").stdout
    monkeypatch.setenv("COLUMNS", "80")
    wide = run("--catalog", str(path), "topics").stdout.splitlines()
    assert wide[0].split()[-1] == "Hours" and any(line.endswith("12.5 h") for line in wide)
    monkeypatch.setenv("COLUMNS", "60")
    assert "Hours" not in run("--catalog", str(path), "topics").stdout
    assert "Hours" not in run("--catalog", str(MINI), "topics").stdout  # no estimates at all
