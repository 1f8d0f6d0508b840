"""Shell completion of topic, track, project and outcome ids, with titles as descriptions.

Completers only read: they never write a file, and they never import Rich. Typer renders
completion descriptions through Rich to strip markup; catalog titles hold no markup, so
`plain_descriptions()` swaps that step for the identity before completing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from roadmap_cli.catalog import Catalog
    from roadmap_cli.state import State

Items = list[tuple[str, str]]


def plain_descriptions() -> None:
    """Keep Rich out of completion (a TAB press should cost as little as possible)."""
    import typer.completion  # noqa: F401  (registers Typer's completion classes first)

    try:
        from typer import _completion_classes
    except ImportError:  # a Typer without that module: completion still works, only slower
        return
    if hasattr(_completion_classes, "_sanitize_help_text"):
        _completion_classes._sanitize_help_text = lambda text: text


def _flags(ctx: typer.Context) -> tuple[Path | None, Path | None]:
    params = ctx.find_root().params
    return params.get("catalog"), params.get("state")


def _catalog(ctx: typer.Context) -> Catalog | None:
    from roadmap_cli import catalog, paths

    try:
        return catalog.load(paths.catalog_path(_flags(ctx)[0]))
    except Exception:  # a broken catalog completes nothing rather than print an error
        return None


def _state(ctx: typer.Context, cat: Catalog) -> State | None:
    from roadmap_cli import paths
    from roadmap_cli.store import Store

    try:
        return Store(paths.state_path(_flags(ctx)[1], cat.id), catalog_id=cat.id).load()
    except Exception:
        return None


def _matching(items: Items, incomplete: str) -> Items:
    prefix = incomplete.lower()
    return [(value, help) for value, help in items if value.startswith(prefix)]


def topics(ctx: typer.Context, incomplete: str) -> Items:
    cat = _catalog(ctx)
    if cat is None:
        return []
    return _matching([(t.id, t.title) for t in cat.topics], incomplete)


def tracks(ctx: typer.Context, incomplete: str) -> Items:
    cat = _catalog(ctx)
    if cat is None:
        return []
    return _matching([(t.id, t.title) for t in cat.ordered_tracks], incomplete)


def projects(ctx: typer.Context, incomplete: str) -> Items:
    cat = _catalog(ctx)
    state = _state(ctx, cat) if cat else None
    if state is None:
        return []
    return _matching([(pid, p.title) for pid, p in sorted(state.projects.items())], incomplete)


def outcomes(ctx: typer.Context, incomplete: str) -> Items:
    cat = _catalog(ctx)
    if cat is None:
        return []
    track = ctx.params.get("track")
    chosen = [t for t in cat.ordered_tracks if track in (None, t.id)]
    return _matching([(o.id, o.title) for t in chosen for o in t.outcomes], incomplete)
