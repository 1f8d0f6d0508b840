"""A guided choice of track, after the roadmap's "Which AI path should you choose"."""

from __future__ import annotations

from dataclasses import dataclass

from roadmap_cli.core.catalog import Catalog
from roadmap_cli.core.errors import UsageError

# goal -> (what the learner says, the track that serves it)
GOALS: dict[str, tuple[str, str]] = {
    "product": ("ship AI features in products", "ai-developer"),
    "broaden": ("broaden into AI engineering", "generative-ai"),
    "llms": ("specialize in LLMs", "llm-mastery"),
    "operations": ("work on architecture, scale and operations", "aiops"),
}
BACKGROUNDS: dict[str, str] = {
    "developer": "software or full-stack developer",
    "ml": "ML learner",
    "devops": "DevOps, cloud, platform or SRE",
    "non-cs": "non-CS or an adjacent technical field",
}


@dataclass(frozen=True)
class Choice:
    goal: str
    background: str
    recommended: str
    then: list[str]
    why: list[str]


def recommend(catalog: Catalog, goal: str, background: str) -> Choice:
    """The track to start with, the order of the others after it, and why."""
    wanted = {track for _, track in GOALS.values()}
    if not wanted <= set(catalog.track_by_id):
        raise UsageError(
            "'roadmap choose' knows the four tracks of the AI Engineer Roadmap 2026; the"
            " catalog in use has other tracks",
            hint=False,
        )
    goal_text, track_id = GOALS[goal]
    why = [f"You want to {goal_text}. {catalog.track_by_id[track_id].choose_when}".strip()]
    start = track_id
    if goal == "llms" and background in ("developer", "non-cs"):
        start = "generative-ai"
        why.append(
            "LLM Mastery assumes you know the broad generative AI landscape; Generative AI"
            " gives you that first, then go into LLM Mastery."
        )
    elif goal == "operations" and background == "devops":
        why.append(
            "Coming from DevOps, cloud or platform work, you can enter AIOps directly: your"
            " operations experience is what it builds on."
        )
    elif goal == "operations":
        why.append(
            "AIOps builds on operations experience; the deployment topics of AI Developer and"
            " the serving topics of LLM Mastery help where it assumes them."
        )
    elif goal == "product" and background == "non-cs":
        why.append(
            "AI Developer is the practical way in from a non-CS background: it builds working"
            " features before theory."
        )
    elif goal == "broaden" and background == "ml":
        why.append("Your ML grounding lets you move quickly through its foundation topics.")
    order = [t.id for t in catalog.ordered_tracks]
    if start != track_id:
        rest = [track_id] + [t for t in order if t not in (start, track_id)]
    else:
        i = order.index(start)
        rest = order[i + 1 :] + order[:i]
    return Choice(goal, background, start, rest, why)
