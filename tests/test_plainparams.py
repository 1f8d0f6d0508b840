"""Plain parameter values are converted exactly as Typer's own (pydantic) converter would."""

from __future__ import annotations

import enum
import typing
from pathlib import Path
from typing import Any

import pytest
from typer import _click
from typer._click.exceptions import BadParameter
from typer._coercion import build_runtime_param
from typer.core import _TyperParameter

from roadmap_cli.cli.dispatch import full_command
from roadmap_cli.cli.typer_compat import plain_param_class

SAMPLES: dict[Any, list[Any]] = {
    str: ["", "rag", "Ünïcode text", " spaced "],
    Path: ["", "a/b.toml", "~/x", Path("p"), "nul\x00byte"],
    int: [0, 1, 3, "0", "7", "53", "-1", "54", "x", " 3", "3.0", "٣", "9" * 5000],
    float: [
        0.9,
        2,
        "0.85",
        "1",
        "10",
        "0.5",
        "100.25",
        "x",
        "inf",
        "1e-3",
        " 0.9",
        "90%",
        "-1",
        "1.",
    ],
}


def _params() -> list[tuple[str, _click.Context, _TyperParameter]]:
    """Every parameter of every roadmap command, with a context to convert it in."""
    found = []
    root = full_command()

    def walk(command: _click.Command, path: str, parent: _click.Context | None) -> None:
        ctx = _click.Context(command, info_name=path, parent=parent)
        for param in command.params:
            assert isinstance(param, _TyperParameter)
            found.append((f"{path} {param.name}", ctx, param))
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, f"{path} {name}", ctx)

    walk(root, "roadmap", None)
    return found


def _samples(annotation: Any) -> list[Any]:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) is not list and args and len(args) == 1:
        annotation = args[0]  # X | None
    if typing.get_origin(annotation) is list:
        (item,) = typing.get_args(annotation)
        return [[], [v for v in _samples(item)[:3] if not isinstance(v, int)], ("a", "b")]
    if isinstance(annotation, type) and issubclass(annotation, enum.StrEnum):
        return [*annotation, *(m.value for m in annotation), "nope", "MARKDOWN"]
    return SAMPLES.get(annotation, [])


def _outcome(
    runtime: Any, value: Any, param: _TyperParameter, ctx: _click.Context
) -> tuple[str, Any]:
    try:
        return "value", runtime.coerce(value, param=param, ctx=ctx)
    except BadParameter as exc:
        return "error", exc.format_message()


PARAMS = _params()


def test_every_parameter_has_samples() -> None:
    for name, _ctx, param in PARAMS:
        if param.type_descriptor.annotation is not bool:
            assert _samples(param.type_descriptor.annotation), name


@pytest.mark.parametrize(("name", "ctx", "param"), PARAMS, ids=[p[0] for p in PARAMS])
def test_plain_conversion_matches_typers(
    name: str, ctx: _click.Context, param: _TyperParameter
) -> None:
    descriptor = param.type_descriptor
    plain_param = plain_param_class()
    assert plain_param is not None, "Typer's private conversion classes changed: see typer_compat"
    plain = plain_param(descriptor.parameter_info, descriptor.annotation)
    typers = build_runtime_param(descriptor)
    for value in [None, *_samples(descriptor.annotation)]:
        ours = _outcome(plain, value, param, ctx)
        theirs = _outcome(typers, value, param, ctx)
        assert ours == theirs, (name, value)
        assert type(ours[1]) is type(theirs[1]), (name, value)
