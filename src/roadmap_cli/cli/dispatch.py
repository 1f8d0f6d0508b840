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
    names = module_names()
    for name in names:
        importlib.import_module(f"{PACKAGE}.{name}")

    def order(module: str) -> tuple[int, str]:
        return getattr(sys.modules.get(module), "HELP_ORDER", len(names)), module

    app.registered_commands.sort(key=lambda info: order(_module_of_command(info)))
    app.registered_groups.sort(key=lambda info: order(_module_of_group(info)))


def _module_of_command(info: typer.models.CommandInfo) -> str:
    return str(getattr(info.callback, "__module__", ""))


def _module_of_group(info: typer.models.TyperInfo) -> str:
    """The module that defines a command group: where its callback or commands are."""
    group = info.typer_instance
    if group is None:
        return ""
    callbacks = [group.registered_callback.callback] if group.registered_callback else []
    callbacks += [command.callback for command in group.registered_commands]
    return next((str(c.__module__) for c in callbacks if c is not None), "")


def name_of(info: typer.models.CommandInfo) -> str:
    assert info.callback is not None
    return info.name or typer.main.get_command_name(info.callback.__name__)


def discover() -> dict[str, str]:
    """Every command and command group's name, and the module (short name) that registers it,
    found by importing every command module."""
    _import_all()
    found = {name_of(info): _module_of_command(info) for info in app.registered_commands}
    found |= {str(info.name): _module_of_group(info) for info in app.registered_groups}
    return {name: module.rpartition(".")[2] for name, module in found.items()}


class GlobalOptions(typing.NamedTuple):
    with_values: frozenset[str]  # options that take the next word as their value
    eager: frozenset[str]  # options that act at once and end the run (--version)
    flags: frozenset[str] = frozenset()  # options that take no value (--no-color)


def global_options() -> GlobalOptions:
    """The options of the app's callback, read from its parameters' declarations."""
    assert app.registered_callback is not None and app.registered_callback.callback is not None
    hints = typing.get_type_hints(app.registered_callback.callback, include_extras=True)
    with_values: set[str] = set()
    eager: set[str] = set()
    flags: set[str] = set()
    for hint in hints.values():
        if typing.get_origin(hint) is not typing.Annotated:
            continue
        kind, *metadata = typing.get_args(hint)
        for info in metadata:
            if isinstance(info, typer.models.OptionInfo):
                # In Annotated, a text where Option's default would be is its first name.
                first = (info.default,) if isinstance(info.default, str) else ()
                decls = (*first, *(info.param_decls or ()))  # "--x/--no-x" is two names
                names = [n for d in decls for n in d.split("/") if n.startswith("-")]
                flag = kind is bool or set(typing.get_args(kind)) == {bool, type(None)}
                (flags if flag else with_values).update(names)
                if info.is_eager:
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

                    raise UsageError(f"{word} needs a value; see 'roadmap {name} --help'")
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
    commands: list[Any] = [c for c in app.registered_commands if name_of(c) == name]
    return commands + [g for g in app.registered_groups if g.name == name]


def adopt(group: typer.Typer) -> None:
    """Give every command of `group` (and of its command groups) the help of `cli.help`."""
    for info in group.registered_commands:
        if not (isinstance(info.cls, type) and issubclass(info.cls, RoadmapCommand)):
            info.cls = RoadmapCommand  # Typer's own TyperCommand unless told otherwise
    for sub in group.registered_groups:
        if sub.typer_instance is not None:
            adopt(sub.typer_instance)


def _with(infos: Iterable[Any] | None) -> TyperGroup:
    """The click group of the app with only `infos` (commands and groups), or with every
    command registered so far (None, after `_import_all`)."""
    if infos is None:
        _import_all()
    adopt(app)
    if infos is None:
        command = typer.main.get_command(app)
    else:
        chosen = list(infos)
        everything = app.registered_commands, app.registered_groups
        try:
            app.registered_commands = [i for i in chosen if isinstance(i, typer.models.CommandInfo)]
            app.registered_groups = [i for i in chosen if isinstance(i, typer.models.TyperInfo)]
            command = typer.main.get_command(app)
        finally:
            app.registered_commands, app.registered_groups = everything
    assert isinstance(command, TyperGroup)
    return command


def full_command() -> TyperGroup:
    """The click command with every command registered (for --help and documentation)."""
    return build_command(["--help"])
