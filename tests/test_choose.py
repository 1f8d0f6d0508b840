"""roadmap choose: a guided choice of track, asked or given by flags."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from conftest import Runner


@pytest.mark.parametrize(
    ("goal", "background", "start", "then"),
    [
        ("product", "developer", "ai-developer", ["generative-ai", "llm-mastery", "aiops"]),
        ("product", "non-cs", "ai-developer", ["generative-ai", "llm-mastery", "aiops"]),
        ("broaden", "ml", "generative-ai", ["llm-mastery", "aiops", "ai-developer"]),
        ("llms", "ml", "llm-mastery", ["aiops", "ai-developer", "generative-ai"]),
        ("llms", "developer", "generative-ai", ["llm-mastery", "ai-developer", "aiops"]),
        ("operations", "devops", "aiops", ["ai-developer", "generative-ai", "llm-mastery"]),
    ],
)
def test_recommendations_follow_the_roadmaps_advice(
    run: Runner, state_file: Path, goal: str, background: str, start: str, then: list[str]
) -> None:
    result = run("choose", "--goal", goal, "--background", background, "--json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert (doc["recommended"], doc["then"]) == (start, then)
    assert doc["why"] and doc["focus_set"] is False
    assert not state_file.exists()


def test_devops_background_enters_aiops_directly(run: Runner) -> None:
    doc = json.loads(
        run("choose", "--goal", "operations", "--background", "devops", "--json").stdout
    )
    assert any("enter AIOps directly" in reason for reason in doc["why"])


def test_yes_sets_the_focus_without_a_terminal(run: Runner, state_file: Path) -> None:
    result = run("choose", "--goal", "llms", "--background", "ml", "--yes")
    assert result.exit_code == 0
    assert "Start with LLM Mastery (llm-mastery)." in result.stdout
    assert "Focus track: LLM Mastery (llm-mastery)" in result.stdout
    assert tomllib.loads(state_file.read_text())["focus"] == "llm-mastery"


def test_interactive_answers_through_input(run: Runner, state_file: Path) -> None:
    result = run("choose", input="3\n1\ny\n")  # specialize in LLMs; software developer; yes
    assert result.exit_code == 0, result.stderr
    assert "What do you want to do?" in result.stderr and "Your answer:" in result.stderr
    assert "Start with Generative AI (generative-ai)." in result.stdout
    assert "Then: LLM Mastery → AI Developer → AIOps" in result.stdout
    assert tomllib.loads(state_file.read_text())["focus"] == "generative-ai"


def test_answers_by_name_and_declining_the_focus(run: Runner, state_file: Path) -> None:
    result = run("choose", input="operations\ndevops\nn\n")
    assert "Start with AIOps (aiops)." in result.stdout
    assert "Make it your focus any time with 'roadmap focus aiops'." in result.stdout
    assert not state_file.exists()


def test_no_answer_is_a_usage_error(run: Runner, state_file: Path) -> None:
    closed = run("choose", input="")
    assert closed.exit_code == 2
    assert closed.stderr.endswith(
        "roadmap: error: no answer was read;"
        " give --goal (one of product, broaden, llms, operations);"
        " see 'roadmap choose --help'\n"
    )
    assert run("choose", "--goal", "fame").exit_code == 2
    assert not state_file.exists()


def test_an_unknown_answer_asks_again(run: Runner, state_file: Path) -> None:
    result = run("choose", "--goal", "product", input="7\nfame\n2\ny\n")
    assert result.exit_code == 0, result.stderr
    assert "'7' is not one of the answers: give 1-4" in result.stderr
    assert "'fame' is not one of the answers" in result.stderr
    assert result.stderr.count("Your answer [1]:") == 3  # asked again after each
    assert "Start with AI Developer (ai-developer)." in result.stdout  # 2: ML background
    assert tomllib.loads(state_file.read_text())["focus"] == "ai-developer"


def test_enter_takes_the_default(run: Runner, state_file: Path) -> None:
    """The background's default is a software developer; the focus question's is yes."""
    result = run("choose", "--goal", "llms", input="\n\n")
    assert result.exit_code == 0, result.stderr
    assert "Where do you come from?" in result.stderr and "[Y/n]" in result.stderr
    assert "Start with Generative AI (generative-ai)." in result.stdout
    assert tomllib.loads(state_file.read_text())["focus"] == "generative-ai"
    empty_goal = run("choose", input="\n1\n\n\n")  # no default for the goal: asked again
    assert "Give 1-4." in empty_goal.stderr
    assert "Start with AI Developer (ai-developer)." in empty_goal.stdout


def test_stdout_holds_no_prompt_residue(run: Runner) -> None:
    result = run("choose", "--json", input="1\n1\n")
    assert json.loads(result.stdout)["recommended"] == "ai-developer"
    assert result.stdout.startswith("{")


def test_another_catalog_is_refused(run: Runner, mini: Path) -> None:
    result = run("choose", "--goal", "product", "--background", "ml")
    assert result.exit_code == 2 and "knows the four tracks" in result.stderr
