"""Every use of a private API of Typer (and the Click it vendors), each with a public fallback.

These shortcuts make `roadmap` start faster; none is needed for it to work. Each private name
is imported and its shape checked inside a `try`: when a Typer release renames, removes or
reshapes one (ImportError, AttributeError, TypeError, or a failed check), the shortcut is left
out and Typer's own, public behaviour runs instead: slower, never broken.
`tests/test_typer_compat.py` takes each private name away in turn and checks that every
command still gives the same output. `docs/upgrading.md` says how to move to a new release.

Plain values without pydantic (`install`)
-----------------------------------------
Typer converts every parameter's value with a pydantic TypeAdapter, built on first use. Building
one imports pydantic and its core schema machinery, which costs more than importing Typer and
Rich together, and `roadmap status` would pay it just to pass `--catalog`'s default of None.
`install()` gives Typer's parameters a converter that handles the plain cases itself, with the
same results as Typer's own (tests/test_plainparams.py compares the two on every parameter):
text, paths, whole numbers within their bounds, lists of these, and a `StrEnum` value spelt
exactly. Anything else (a number out of bounds, a choice spelt wrongly: Typer words the error)
goes to Typer's own converter. Private: `typer._coercion.RuntimeParam` and
`build_runtime_param`, `typer.core._TyperParameter.get_runtime_param`.

Shell completion
----------------
`completion_words` reads the words of the command line being completed as Typer's completion
class of the shell reads them, so that only the command being completed is built (None: build
every command, as Typer itself would). Private: `typer._click.shell_completion.
get_completion_class`, `typer._completion_classes.completion_init`.
`plain_completion_descriptions` keeps Rich out of a TAB press: Typer renders completion
descriptions through Rich to strip markup, and catalog titles hold none. Private:
`typer._completion_classes._sanitize_help_text`.

Only the command asked for (`registered`, `command_name`, `is_group`, `option_class`)
----------------------------------------------------------------------------------------
`cli/dispatch.py` builds only the command a run names, which needs what Typer does not
document: a Typer's lists of registered commands and groups and its callback
(`registered_commands`, `registered_groups`, `registered_callback`), the classes of what they
hold (`typer.models.CommandInfo`, `TyperInfo`, `OptionInfo`) and `typer.main.get_command_name`.
Each is read here alone (`UNDOCUMENTED`). When a release renames one, `registered` says None
and dispatch builds the whole click command with the documented `typer.main.get_command`, and
reads the commands, their modules and the global options from it: every command, as before,
only slower.
"""

from __future__ import annotations

import enum
import os
import re
import types
import typing
from pathlib import Path
from typing import Any

_UNHANDLED = object()
# What Typer does not document but dispatch reads, as (module or class, name): each through
# the functions below alone (tests/test_typer_compat.py renames each in a copy of Typer).
UNDOCUMENTED = (
    ("typer.Typer", "registered_commands"),
    ("typer.Typer", "registered_groups"),
    ("typer.Typer", "registered_callback"),
    ("typer.models", "CommandInfo"),
    ("typer.models", "TyperInfo"),
    ("typer.models", "OptionInfo"),
    ("typer.main", "get_command_name"),
)
# Every private name this module uses, as (module, name). Each is reached through `private`
# alone, so that a test can take any one away (tests/test_typer_compat.py).
PRIVATE_NAMES = (
    ("typer._coercion", "RuntimeParam"),
    ("typer._coercion", "build_runtime_param"),
    ("typer.core", "_TyperParameter"),
    ("typer._click.shell_completion", "get_completion_class"),
    ("typer._completion_classes", "completion_init"),
    ("typer._completion_classes", "_sanitize_help_text"),
)
_FAILURES = (ImportError, AttributeError, TypeError, ValueError)


def private(module: str, name: str) -> Any:
    """One of PRIVATE_NAMES; ImportError or AttributeError when this Typer has no such thing."""
    if (module, name) not in PRIVATE_NAMES:
        raise ValueError(f"{module}.{name} is not declared in PRIVATE_NAMES")
    import importlib

    return getattr(importlib.import_module(module), name)


def _without_none(annotation: Any) -> Any:
    """`X | None` -> `X`; anything else as it is."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _checks_paths(info: Any) -> bool:
    """Whether a path parameter asks Typer to look at the file system (exists=True and such)."""
    return bool(
        info.exists
        or info.resolve_path
        or info.writable
        or info.allow_dash
        or not info.file_okay
        or not info.dir_okay
    )


def _digits(value: object) -> int | None:
    """A whole number written in plain ASCII digits; None for anything else."""
    # Longer numbers go to Typer, which words its error (int() refuses 4,300 digits).
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 19:
        return int(value)
    return None


_DECIMAL = re.compile(r"[0-9]{1,15}(?:\.[0-9]{1,15})?")


def _decimal(value: object) -> float | None:
    """A number written as plain ASCII digits with at most one decimal point; None for
    anything else (exponents, signs, blanks and words go to Typer)."""
    if isinstance(value, str) and _DECIMAL.fullmatch(value):
        return float(value)
    return None


def _plain(annotation: Any, value: Any, info: Any) -> Any:
    """`value` converted to `annotation`, or `_UNHANDLED` when Typer must do it."""
    if annotation is str and isinstance(value, str):
        return value
    if annotation is Path and isinstance(value, str | Path) and not _checks_paths(info):
        return Path(value) if "\x00" not in str(value) else _UNHANDLED
    if annotation in (int, float) and not info.clamp:
        number: float | None
        if annotation is int:
            number = value if type(value) is int else _digits(value)
        else:
            number = float(value) if type(value) in (int, float) else _decimal(value)
        low, high = info.min, info.max
        if (
            number is None
            or (low is not None and number < low)
            or (high is not None and number > high)
        ):
            return _UNHANDLED  # Typer says what is wrong with it
        return number
    if isinstance(annotation, type) and issubclass(annotation, enum.StrEnum):
        if isinstance(value, annotation):
            return value
        if isinstance(value, str) and value in annotation._value2member_map_:
            return annotation(value)
        return _UNHANDLED
    if typing.get_origin(annotation) is list and isinstance(value, list | tuple):
        (item_type,) = typing.get_args(annotation)
        items = [_plain(item_type, item, info) for item in value]
        return _UNHANDLED if any(item is _UNHANDLED for item in items) else items
    return _UNHANDLED


def plain_param_class() -> type[Any] | None:
    """Typer's runtime parameter with plain values converted first, or None when Typer's
    private classes are not there in the shape this was written for."""
    try:
        import dataclasses

        RuntimeParam = private("typer._coercion", "RuntimeParam")
        build_runtime_param = private("typer._coercion", "build_runtime_param")
        fields = {f.name for f in dataclasses.fields(RuntimeParam)}
        if not {"parameter_info", "annotation"} <= fields or not callable(build_runtime_param):
            return None
        if not callable(getattr(RuntimeParam, "_coerce_value", None)):
            return None
    except _FAILURES:
        return None

    class PlainRuntimeParam(RuntimeParam):  # type: ignore[misc,valid-type]  # a frozen dataclass
        """Converts plain values itself; hands anything else to the converter Typer builds."""

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            try:
                converted = _plain(_without_none(self.annotation), value, self.parameter_info)
            except (AttributeError, TypeError):  # parameter info of another shape
                converted = _UNHANDLED
            if converted is not _UNHANDLED:
                return converted
            # Typer's own conversion (and its wording of errors), built only now.
            return build_runtime_param(param.type_descriptor)._coerce_value(value, param, ctx)

    return PlainRuntimeParam


def install() -> bool:
    """Convert plain parameter values without pydantic, in every Typer command of this process;
    False (and Typer's own conversion) when Typer's private names are not as expected."""
    plain = plain_param_class()
    try:
        build_runtime_param = private("typer._coercion", "build_runtime_param")
        typer_parameter = private("typer.core", "_TyperParameter")
        if plain is None or not isinstance(typer_parameter, type):
            return False
        original = getattr(typer_parameter, "get_runtime_param")  # noqa: B009
        if not callable(original):
            return False
    except _FAILURES:
        return False

    def get_runtime_param(self: Any) -> Any:
        try:
            if self._runtime_param is None:
                descriptor = self.type_descriptor
                if descriptor.file_annotation is not None:  # open files: Typer's own handling
                    self._runtime_param = build_runtime_param(descriptor)
                else:
                    self._runtime_param = plain(
                        parameter_info=descriptor.parameter_info,
                        annotation=descriptor.annotation,
                    )
            return self._runtime_param
        except _FAILURES:  # a parameter of another shape: Typer's own method
            return original(self)

    setattr(typer_parameter, "get_runtime_param", get_runtime_param)  # noqa: B010
    return True


def completion_words(variable: str) -> list[str] | None:
    """In shell completion (`variable` set to e.g. `complete_zsh`), the words before the one
    being completed, without the program's name; None when that cannot be told."""
    try:
        get_completion_class = private("typer._click.shell_completion", "get_completion_class")
        completion_init = private("typer._completion_classes", "completion_init")
        completion_init()  # registers Typer's completion class of each shell
        shell = os.environ.get(variable, "").partition("_")[2]
        completion = get_completion_class(shell)
        if completion is None:
            return None
        args, _ = completion(None, {}, "roadmap", variable).get_completion_args()
    except (*_FAILURES, KeyError):  # another Typer, or no or bad COMP_* variables
        return None
    if not isinstance(args, list | tuple) or not all(isinstance(a, str) for a in args):
        return None
    return list(args)


def plain_completion_descriptions() -> None:
    """Keep Rich out of completion (a TAB press should cost as little as possible)."""
    import typer.completion  # noqa: F401  (registers Typer's completion classes first)

    try:
        if callable(private("typer._completion_classes", "_sanitize_help_text")):
            import importlib

            module = importlib.import_module("typer._completion_classes")
            setattr(module, "_sanitize_help_text", lambda text: text)  # noqa: B010
    except _FAILURES:  # another Typer: completion still works, only slower
        return


class Registered(typing.NamedTuple):
    """What a Typer holds before it is built: its commands, command groups and callback."""

    commands: list[Any]
    groups: list[Any]
    callback: Any


def registered(group: Any) -> Registered | None:
    """A Typer's registered commands, groups and callback; None when this Typer keeps them
    under other names (then build the whole click command: `full_click_command`)."""
    try:
        found = Registered(
            group.registered_commands, group.registered_groups, group.registered_callback
        )
        from typer.main import get_command_name  # noqa: F401
        from typer.models import CommandInfo, OptionInfo, TyperInfo  # noqa: F401
    except (AttributeError, ImportError):
        return None
    if not (isinstance(found.commands, list) and isinstance(found.groups, list)):
        return None
    return found


def replace_registered(group: Any, commands: list[Any], groups: list[Any]) -> None:
    """Give a Typer these commands and groups (only while `registered` says it has them)."""
    group.registered_commands = commands
    group.registered_groups = groups


def command_name(info: Any) -> str:
    """The name a registered command is called by: its own, or its function's, as Typer
    derives it."""
    assert info.callback is not None
    if info.name:
        return str(info.name)
    try:
        from typer.main import get_command_name
    except ImportError:
        return str(info.callback.__name__).lower().replace("_", "-")
    return str(get_command_name(info.callback.__name__))


def is_group(info: Any) -> bool:
    """Whether a registered entry is a command group (else a command)."""
    try:
        from typer.models import TyperInfo
    except ImportError:
        return hasattr(info, "typer_instance")
    return isinstance(info, TyperInfo)


def option_class() -> type[Any]:
    """The class of what `typer.Option` gives (in a parameter's `Annotated`)."""
    try:
        from typer.models import OptionInfo
    except ImportError:
        import typer

        return type(typer.Option())
    return OptionInfo


def full_click_command(app: Any) -> Any:
    """The click command of `app` with every command, built the documented way."""
    import typer.main

    return typer.main.get_command(app)
