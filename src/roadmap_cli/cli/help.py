"""Help in the words of a command line: metavars, grouped commands, usage errors.

Typer's plain help shows Python types (`<list[str]>`, `<int range>`, `{topic}`) and cuts each
command's summary short; roadmap's commands use the classes below instead, which write help
as gh and git do, from the public attributes of click's parameters alone:

- a value is shown by its metavar, declared beside the parameter (`TOPIC...`, `N`, `DATE`,
  `markdown|json|svg`; see `choices`); tests/test_help.py checks that every parameter that
  takes a value declares one;
- `roadmap --help` lists the commands in groups, each group declared on the command itself
  as Typer's `rich_help_panel`, and shows each summary whole;
- a usage error (`usage_message`) says what is wrong in plain words and names the command's
  own help; library wording ("Value error,", "Input should be ...") never reaches the user.

`cls` of every command and group is set by `cli.dispatch` (`adopt`), so no command can be
left with Typer's own help.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from typer.core import TyperCommand, TyperGroup

from roadmap_cli.core.errors import Interrupted, RoadmapError
from roadmap_cli.core.matching import join_words

# The groups of `roadmap --help`, in order; a command names its group as `rich_help_panel`.
GROUPS = ("Progress", "Topics", "Projects", "Sharing", "Maintenance")


def choices(kind: type[StrEnum]) -> str:
    """The metavar of a choice: its values, `a|b|c`."""
    return "|".join(member.value for member in kind)


def choice_option(kind: type[StrEnum], *flags: str, help: str, default: bool = False) -> Any:
    """An option that takes one of `kind`'s values (the metavar lists them); its default is
    shown only when `default`."""
    import typer

    return typer.Option(*flags, metavar=choices(kind), help=help, show_default=default)


def limit_option(least: int, what: str) -> Any:
    """`--limit N` (`-n`): how many `what` to show, at least `least`."""
    import typer

    return typer.Option("--limit", "-n", min=least, metavar="N", help=f"How many {what}.")


def metavar(param: Any) -> str:
    """How help shows a parameter's value: its declared metavar, or (an argument without
    one) its name in capitals."""
    declared = getattr(param, "metavar", None)
    if declared:
        return str(declared)
    name = str(getattr(param, "name", "") or "").upper()
    return name + ("..." if getattr(param, "nargs", 1) != 1 else "")


def _is_flag(param: Any) -> bool:
    return bool(getattr(param, "is_flag", False) or getattr(param, "count", False))


def _usage_pieces(command: Any, ctx: Any) -> list[str]:
    pieces = [command.options_metavar] if command.options_metavar else []
    for param in command.get_params(ctx):
        if getattr(param, "param_type_name", "") != "argument" or param.hidden:
            continue
        name = metavar(param)
        pieces.append(name if param.required else f"[{name}]")
    return pieces


def _option_record(param: Any) -> tuple[str, str]:
    names = ", ".join(sorted(param.opts, key=lambda name: name.startswith("--")))
    if param.secondary_opts:
        names += " / " + ", ".join(param.secondary_opts)
    if not _is_flag(param):
        names += f" {metavar(param)}"
    help_text = param.help or ""
    default = param.default
    shown = param.show_default
    if isinstance(shown, str):
        help_text += f"  [default: {shown}]"
    elif shown is not False and not _is_flag(param) and default not in (None, (), []):
        value = default.value if isinstance(default, StrEnum) else default
        help_text += f"  [default: {value}]"
    if param.required:
        help_text += "  [required]"
    return names, help_text


def _wrap(text: str, width: int) -> list[str]:
    """Lines of at most `width` columns, broken only at spaces: never inside an id such as
    `document-qa-system`, which the learner is meant to copy."""
    import textwrap  # only for help: every run imports this module

    return textwrap.wrap(text, max(width, 20), break_on_hyphens=False, break_long_words=False) or [
        ""
    ]


def _write_text(formatter: Any, text: str) -> None:
    """Paragraphs, indented and wrapped as click does, but never at a hyphen."""
    indent = " " * (formatter.current_indent + 2)
    for number, paragraph in enumerate(text.strip().split("\n\n")):
        if number:
            formatter.write("\n")
        for line in _wrap(" ".join(paragraph.split()), formatter.width - len(indent)):
            formatter.write(f"{indent}{line}\n")


def _write_dl(formatter: Any, rows: list[tuple[str, str]], limit: int = 30) -> None:
    """Two columns (a name and what it does) as click lays them out, never broken at a
    hyphen; a name longer than `limit` puts its text on the next line."""
    indent = " " * formatter.current_indent
    first = min(max((len(name) for name, _ in rows), default=0), limit)
    room = formatter.width - formatter.current_indent - first - 2
    for name, text in rows:
        lines = _wrap(" ".join(text.split()), room) if text else []
        if len(name) > first:
            formatter.write(f"{indent}{name}\n")
            pad = indent + " " * (first + 2)
            formatter.write("".join(f"{pad}{line}\n" for line in lines))
            continue
        head = f"{indent}{name.ljust(first)}"
        formatter.write(f"{head}  {lines[0]}\n" if lines else f"{head}\n")
        pad = indent + " " * (first + 2)
        formatter.write("".join(f"{pad}{line}\n" for line in lines[1:]))


def _format_params(command: Any, ctx: Any, formatter: Any) -> None:
    arguments, options = [], []
    for param in command.get_params(ctx):
        if param.hidden:
            continue
        if getattr(param, "param_type_name", "") == "argument":
            arguments.append((metavar(param), param.help or ""))
        else:
            options.append(_option_record(param))
    if arguments:
        with formatter.section("Arguments"):
            _write_dl(formatter, arguments)
    if options:
        with formatter.section("Options"):
            _write_dl(formatter, options)


def summary(command: Any) -> str:
    """A command's summary: the first paragraph of its help, whole."""
    text = command.short_help or command.help or ""
    return " ".join(text.strip().split("\n\n")[0].split())


class _Plain:
    """What a command and a group share: their help text, and how they run."""

    help: str | None

    def format_help_text(self, ctx: Any, formatter: Any) -> None:
        if self.help:
            formatter.write_paragraph()
            _write_text(formatter, self.help)

    def invoke(self, ctx: Any) -> Any:
        """A usage error learns which command's help to name, and Ctrl-C becomes
        `Interrupted` (Typer would turn it into a silent exit 130)."""
        try:
            return super().invoke(ctx)  # type: ignore[misc]  # the click class beside it
        except RoadmapError as error:
            error.command_path = error.command_path or ctx.command_path
            raise
        except KeyboardInterrupt:
            raise Interrupted("interrupted") from None


class RoadmapCommand(_Plain, TyperCommand):
    """A command with help in the words of a command line (see the module's docstring)."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        return _usage_pieces(self, ctx)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self.format_usage(ctx, formatter)
        self.format_help_text(ctx, formatter)
        _format_params(self, ctx, formatter)
        self.format_epilog(ctx, formatter)


class RoadmapGroup(_Plain, TyperGroup):
    """A group of commands with its commands listed in groups and their summaries whole."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        return [*_usage_pieces(self, ctx), self.subcommand_metavar or "COMMAND [ARGS]..."]

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self.format_usage(ctx, formatter)
        self.format_help_text(ctx, formatter)
        _format_params(self, ctx, formatter)
        self.format_commands(ctx, formatter)
        self.format_epilog(ctx, formatter)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        grouped: dict[str, list[tuple[str, str]]] = {}
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is None or command.hidden:
                continue
            group = getattr(command, "rich_help_panel", None) or "Commands"
            grouped.setdefault(group, []).append((name, summary(command)))
        order = {name: i for i, name in enumerate(GROUPS)}
        for group in sorted(grouped, key=lambda g: order.get(g, len(order))):
            title = group if group == "Commands" else f"{group} commands"
            with formatter.section(title):
                _write_dl(formatter, grouped[group])


# --- usage errors

_LIBRARY_WORDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), words)
    for pattern, words in (
        (r"Input should be a valid integer.*", "give a whole number"),
        (r"Input should be a valid number.*", "give a number, like 2.5"),
        (r"Input should be greater than or equal to (\S+)", "give {0} or more"),
        (r"Input should be less than or equal to (\S+)", "give {0} or less"),
        (r"Input should be greater than (\S+)", "give more than {0}"),
        (r"Input should be less than (\S+)", "give less than {0}"),
        (r"Input should be (.*)", "the value should be {0}"),
        (r"Got unexpected extra argument(?:s|\(s\))? \((.*)\)", "too many arguments: {0}"),
        (r"Option '(.*)' requires an argument\.?", "{0} needs a value"),
        (r"Option '(.*)' requires (\d+) arguments\.?", "{0} needs {1} values"),
    )
)
_CHOICE = re.compile(r"'(.*)' is not one of (.*?)\.?")


def plain_words(message: str) -> str:
    """A library's message about a value in plain words (and choices without quotes)."""
    text = message.strip().removeprefix("Value error, ")  # pydantic's prefix
    if (found := _CHOICE.fullmatch(text)) is not None:
        options = [o.strip().strip("'") for o in found.group(2).split(",")]
        return f"'{found.group(1)}' is not one of {join_words(options)}"
    for pattern, words in _LIBRARY_WORDS:
        if (found := pattern.fullmatch(text)) is not None:
            return words.format(*found.groups())
    return text.rstrip(".")


def see_help(what: str, path: str) -> str:
    """A usage error's words, then the help of the command it is about."""
    return f"{what}{' See' if what.endswith('?') else '; see'} '{path} --help'"


def _param_name(param: Any) -> str:
    if getattr(param, "param_type_name", "") == "argument":
        return metavar(param)
    opts = sorted(getattr(param, "opts", []) or [], key=len)
    return opts[-1] if opts else metavar(param)


def _did_you_mean(word: str, names: Iterable[str]) -> str:
    import difflib  # only for an error: every run imports this module

    close = difflib.get_close_matches(word, list(names), n=3, cutoff=0.6)
    return f"; did you mean {join_words(close)}?" if close else ""


def command_path(root: Any, args: list[str]) -> str:
    """`roadmap project add` for the words of `args` that name commands (options skipped)."""
    path, group = ["roadmap"], root
    for word in args:
        commands = getattr(group, "commands", None)
        if not commands:
            break
        if word in commands:
            path.append(word)
            group = commands[word]
    return " ".join(path)


def usage_message(error: Any, fallback_path: str = "roadmap") -> str:
    """One line for one of Typer's usage errors: what is wrong, then the command's help
    (`fallback_path`'s when the error does not say which command it came from)."""
    ctx = getattr(error, "ctx", None)
    path = getattr(ctx, "command_path", "") or fallback_path
    param = getattr(error, "param", None)
    message = str(getattr(error, "message", "") or "")
    kind = type(error).__name__
    if kind == "MissingParameter" and param is not None:
        if getattr(param, "param_type_name", "") == "argument":
            what = f"{path} needs {metavar(param)}"
        else:
            what = f"{path} needs {_param_name(param)} {metavar(param)}"
    elif kind == "NoSuchOption":
        option = str(getattr(error, "option_name", "") or "")
        owners = [ctx.command, ctx.find_root().command] if ctx is not None else []
        known = [name for c in owners for p in c.params for name in p.opts if len(name) > 2]
        what = f"{path} has no option {option}" + _did_you_mean(option, known)
    elif param is not None:
        what = f"{_param_name(param)}: {plain_words(message)}"
    elif (found := re.match(r"^No such command '(.*?)'\.", message)) is not None:
        commands = getattr(getattr(ctx, "command", None), "commands", {}) or {}
        what = f"unknown command '{found.group(1)}'" + _did_you_mean(found.group(1), commands)
    else:
        what = plain_words(message)
        what = what[:1].lower() + what[1:]
    return see_help(what, path)
