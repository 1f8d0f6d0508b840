"""From argv to the click command that runs it, building only the command it names.

Building a command's parameters is much of a run's start-up, so a run imports only the module
of the command it names. Which module that is, and which options come before a command's name,
are read from the code that defines them, never from a table kept beside it:

- the registry (command name -> module) is found by importing every module of
  `roadmap_cli.cli.commands` and asking the app what each registered. That costs an import of
  every command, so the registry is kept in the cache folder under the modules' names, sizes
  and modification times and the program's version: a module added or edited is a miss, and
  the registry is found again. An entry that names a module which does not register the
  command falls back to importing everything, so the cache only ever saves time;
- the global options are the parameters of the app's callback (`app.root`), read on each run;
- --help lists the commands in the order of each module's `HELP_ORDER`.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import pkgutil
import sys
import typing
from collections.abc import Iterable, Sequence
from typing import Any

import typer
from typer.core import TyperGroup

from roadmap_cli.cli import typer_compat
from roadmap_cli.cli.app import DEFAULT_COMMAND, app
from roadmap_cli.cli.help import RoadmapCommand

PACKAGE = "roadmap_cli.cli.commands"


def module_names() -> list[str]:
    """The command modules (short names), sorted."""
    import roadmap_cli.cli.commands as package

    return sorted(info.name for info in pkgutil.iter_modules(package.__path__))


def _source_key(names: list[str]) -> bytes | None:
    """What keys the cached registry: each command module's name, size and modification time
    (a stat each, not a read: this runs on every start); None when a module has no source
    file (then nothing is cached). A registry that is stale all the same only costs time:
    a command not in the module it names makes `build_command` import them all."""
    import roadmap_cli.cli.commands as package

    parts = []
    for name in names:
        try:
            info = os.stat(os.path.join(package.__path__[0], f"{name}.py"))
        except OSError:
            return None
        parts.append(f"{name} {info.st_size} {info.st_mtime_ns}")
    return "\n".join(parts).encode()


def _import_all() -> None:
    """Register every command, listed in --help by each module's HELP_ORDER."""
    for name in module_names():
        importlib.import_module(f"{PACKAGE}.{name}")
    found = typer_compat.registered(app)
    if found is not None:  # else the click command is put in order once built (_adopted)
        found.commands.sort(key=lambda info: _order(_module_of_command(info)))
        found.groups.sort(key=lambda info: _order(_module_of_group(info)))


def _order(module: str) -> tuple[int, str]:
    return getattr(sys.modules.get(module), "HELP_ORDER", len(module_names())), module


def _module_of_command(info: Any) -> str:
    return str(getattr(info.callback, "__module__", ""))


def _module_of_group(info: Any) -> str:
    """The module that defines a command group: where its callback or commands are."""
    group = info.typer_instance
    found = typer_compat.registered(group) if group is not None else None
    if found is None:
        return ""
    callbacks = [found.callback.callback] if found.callback else []
    callbacks += [command.callback for command in found.commands]
    return next((str(c.__module__) for c in callbacks if c is not None), "")


def _module_of_click(command: Any) -> str:
    """The module that defines a built click command or group (Typer wraps each function,
    keeping its name and module)."""
    import inspect

    callbacks = [command.callback, *(c.callback for c in getattr(command, "commands", {}).values())]
    found = [inspect.unwrap(c) for c in callbacks if c is not None]
    return next((str(c.__module__) for c in found if c.__module__ != "typer.main"), "")


name_of = typer_compat.command_name


def discover() -> dict[str, str]:
    """Every command and command group's name, and the module (short name) that registers it,
    found by importing every command module."""
    _import_all()
    found_infos = typer_compat.registered(app)
    if found_infos is None:
        built = typer_compat.full_click_command(app).commands
        found = {name: _module_of_click(command) for name, command in built.items()}
    else:
        found = {name_of(info): _module_of_command(info) for info in found_infos.commands}
        found |= {str(info.name): _module_of_group(info) for info in found_infos.groups}
    return {name: module.rpartition(".")[2] for name, module in found.items()}


class GlobalOptions(typing.NamedTuple):
    with_values: frozenset[str]  # options that take the next word as their value
    eager: frozenset[str]  # options that act at once and end the run (--version)
    flags: frozenset[str] = frozenset()  # options that take no value (--no-color)


def global_options() -> GlobalOptions:
    """The options of the app's callback, read from its parameters' declarations (or, where
    Typer keeps them otherwise, from the built click command)."""
    found = typer_compat.registered(app)
    if found is None:
        return _click_options(typer_compat.full_click_command(app).params)
    assert found.callback is not None and found.callback.callback is not None
    hints = typing.get_type_hints(found.callback.callback, include_extras=True)
    option_class = typer_compat.option_class()
    with_values: set[str] = set()
    eager: set[str] = set()
    flags: set[str] = set()
    for hint in hints.values():
        if typing.get_origin(hint) is not typing.Annotated:
            continue
        kind, *metadata = typing.get_args(hint)
        for info in metadata:
            if isinstance(info, option_class):
                # In Annotated, a text where Option's default would be is its first name.
                first = (info.default,) if isinstance(info.default, str) else ()
                decls = (*first, *(info.param_decls or ()))  # "--x/--no-x" is two names
                names = [n for d in decls for n in d.split("/") if n.startswith("-")]
                flag = kind is bool or set(typing.get_args(kind)) == {bool, type(None)}
                (flags if flag else with_values).update(names)
                if info.is_eager:
                    eager.update(names)
    return GlobalOptions(frozenset(with_values), frozenset(eager), frozenset(flags))


def _click_options(params: Iterable[Any]) -> GlobalOptions:
    """The same, read from a built click command's parameters."""
    with_values: set[str] = set()
    eager: set[str] = set()
    flags: set[str] = set()
    for param in params:
        if getattr(param, "param_type_name", "") != "option":
            continue
        names = [*param.opts, *param.secondary_opts]
        (flags if param.is_flag else with_values).update(names)
        if param.is_eager:
            eager.update(names)
    return GlobalOptions(frozenset(with_values), frozenset(eager), frozenset(flags))


HELP_COMMAND = "help"


def globals_first(args: Sequence[str], options: GlobalOptions | None = None) -> list[str]:
    """`args` with the global options written after the command moved before it, so that
    `roadmap status --no-color` and `roadmap next --state FILE` work as `roadmap --no-color
    status` does. Nothing after `--` moves, and no command has an option of the same name
    (tests/test_help.py checks). `roadmap help [COMMAND...]` becomes `roadmap COMMAND...
    --help`. A global option after the command with no value is a usage error here: taking
    the command's name for its value would run another command."""
    options = options or global_options()
    name = command_name(args, options)
    if name is None or name not in args:
        return list(args)
    at = args.index(name)
    front, rest = list(args[:at]), []
    words = iter(args[at:])
    for word in words:
        if word == "--":
            rest += [word, *words]
            break
        option = word.partition("=")[0]
        if option in options.flags and "=" not in word:
            front.append(word)
        elif option in options.with_values:
            front.append(word)
            if "=" not in word:
                value = next(words, None)
                if value is None:
                    from roadmap_cli.core.errors import UsageError

                    raise UsageError(
                        f"{word} needs a value; see 'roadmap {name} --help'", hint=False
                    )
                front.append(value)
        else:
            rest.append(word)
    # `roadmap help COMMAND...`, but not `roadmap help --help` (or any other option of its own)
    names_only = not any(word.startswith("-") for word in rest[1:])
    if rest[:1] == [HELP_COMMAND] and names_only and not os.environ.get("_ROADMAP_COMPLETE"):
        return [*front, *rest[1:], "--help"]
    return front + rest


def registry() -> dict[str, str]:
    """The registry as `discover` finds it, from the cache while the modules are unchanged."""
    from roadmap_cli.storage import cache

    names = module_names()
    key = _source_key(names)
    entry = cache.folder("commands") / "registry.marshal"
    if key is None:
        return discover()
    fingerprint = cache.fingerprint(key)
    cached = cache.read(entry, "commands")
    try:
        cached_key, found = cached
        if cached_key == fingerprint and all(
            isinstance(name, str) and module in names for name, module in found.items()
        ):
            return dict(found)
    except (TypeError, ValueError, AttributeError):  # no entry, or not one of this shape
        pass
    found = discover()
    cache.write(entry, "commands", (fingerprint, found))
    return found


def command_name(args: Sequence[str], options: GlobalOptions) -> str | None:
    """The command (or command group) `args` name: the first word that is not a global
    option or its value; None when there is none."""
    words = iter(args)
    for word in words:
        if word == "--":
            return next(words, None)
        if word in options.with_values:
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def _eager_before_command(args: Sequence[str], options: GlobalOptions) -> bool:
    """Whether an eager global option (--version) is given before any command, not as the
    value of another option."""
    words = iter(args)
    for word in words:
        if word == "--" or not word.startswith("-"):
            return False
        if word in options.eager:
            return True
        if word in options.with_values:
            next(words, None)
    return False


def build_command(args: Sequence[str]) -> TyperGroup:
    """The click command for `args`: with only the command they name (or the default command,
    when they name none); with every command for the overview in --help and for a name that
    does not exist (so that the error can suggest one)."""
    options = global_options()
    completing = bool(os.environ.get("_ROADMAP_COMPLETE"))
    if completing:
        words = typer_compat.completion_words("_ROADMAP_COMPLETE")
        name = command_name(words, options) if words is not None else None
    else:
        name = command_name(args, options)
    # --help before the command's name (`roadmap --help status`) shows the overview.
    before_name = args[: args.index(name)] if name in args else [] if name else args
    overview = any(a in ("-h", "--help") for a in before_name) or (name is None and completing)
    if overview:
        return _with(None)
    if name is None:
        if _eager_before_command(args, options):  # --version: no command runs
            return _with([])
        name = DEFAULT_COMMAND  # `roadmap` alone runs it, through the app's callback
    module = registry().get(name)
    if module is not None:
        with contextlib.suppress(ImportError):  # a module no longer there: see below
            importlib.import_module(f"{PACKAGE}.{module}")
    named = _registered(name)
    if not named:  # no such command, or a stale registry: everything, as --help shows it
        _import_all()
        named = _registered(name)
    return _with(named or None)


def _registered(name: str) -> list[Any]:
    found = typer_compat.registered(app)
    if found is None:
        return []  # the whole command is built
    commands: list[Any] = [c for c in found.commands if name_of(c) == name]
    return commands + [g for g in found.groups if g.name == name]


def adopt(group: typer.Typer) -> None:
    """Give every command of `group` (and of its command groups) the help of `cli.help`."""
    found = typer_compat.registered(group)
    if found is None:
        return  # given to the built commands instead (_adopted)
    for info in found.commands:
        if not (isinstance(info.cls, type) and issubclass(info.cls, RoadmapCommand)):
            info.cls = RoadmapCommand  # Typer's own TyperCommand unless told otherwise
    for sub in found.groups:
        if sub.typer_instance is not None:
            adopt(sub.typer_instance)


def _adopted(group: Any) -> None:
    """A click group built the documented way, as `adopt` and `_import_all` would have made
    it: its commands drawn by `cli.help` and listed by HELP_ORDER, groups after commands."""
    from typer.core import TyperCommand

    items = list(group.commands.items())
    for n, (name, command) in enumerate(items):
        if type(command) is TyperCommand:  # the same command, drawn by cli.help
            adopted = RoadmapCommand.__new__(RoadmapCommand)
            adopted.__dict__.update(command.__dict__)
            items[n] = (name, adopted)
        if hasattr(command, "commands"):
            _adopted(command)
    if group is not None and hasattr(group, "commands"):
        ordered = sorted(
            items,
            key=lambda item: (hasattr(item[1], "commands"), _order(_module_of_click(item[1]))),
        )
        group.commands = dict(ordered)


def _with(infos: Iterable[Any] | None) -> TyperGroup:
    """The click group of the app with only `infos` (commands and groups), or with every
    command registered so far (None, after `_import_all`)."""
    if infos is None:
        _import_all()
    adopt(app)
    found = typer_compat.registered(app)
    if infos is None or found is None:
        command = typer_compat.full_click_command(app)
        if found is None:
            _adopted(command)
    else:
        chosen = list(infos)
        try:
            typer_compat.replace_registered(
                app,
                [i for i in chosen if not typer_compat.is_group(i)],
                [i for i in chosen if typer_compat.is_group(i)],
            )
            command = typer_compat.full_click_command(app)
        finally:
            typer_compat.replace_registered(app, found.commands, found.groups)
    assert isinstance(command, TyperGroup)
    return command


def full_command() -> TyperGroup:
    """The click command with every command registered (for --help and documentation)."""
    return build_command(["--help"])
