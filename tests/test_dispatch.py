"""From argv to the command: the registry and the global options come from the code that
defines the commands, a run imports only the module of the command it names, and a registry
in the cache that is missing, stale or wrong only costs time."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import Runner
from roadmap_cli.cli import dispatch
from roadmap_cli.storage import cache

ALL_MODULES = {
    "read",
    "write",
    "projects",
    "history",
    "sharing",
    "choose",
    "catalogs",
    "manual",
    "review",
    "sync",
}

# Each module imported alone in a fresh process, and what it registers on the app.
ONE_MODULE = """
import json, sys
import typer
from roadmap_cli.cli.app import app
import importlib
importlib.import_module("roadmap_cli.cli.commands." + sys.argv[1])
names = [info.name or typer.main.get_command_name(info.callback.__name__)
         for info in app.registered_commands] + [g.name for g in app.registered_groups]
print(json.dumps(names))
"""

IMPORTED_BY = (
    "import sys; from roadmap_cli.cli import dispatch; dispatch.build_command(sys.argv[1:]);"
    "print(sorted(m.rsplit('.', 1)[1] for m in sys.modules"
    " if m.startswith('roadmap_cli.cli.commands.')))"
)


def imported_by(args: list[str], env: dict[str, str] | None = None) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", IMPORTED_BY, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    return set(ast.literal_eval(out.stdout))  # a printed list of module names


def test_the_registry_is_what_each_module_registers() -> None:
    expected = {}
    for module in dispatch.module_names():
        out = subprocess.run(
            [sys.executable, "-c", ONE_MODULE, module], capture_output=True, text=True, check=True
        )
        expected |= dict.fromkeys(json.loads(out.stdout), module)
    assert set(dispatch.module_names()) == ALL_MODULES
    assert len(expected) == 29 and expected["status"] == "read" and expected["choose"] == "choose"
    assert dispatch.discover() == expected
    assert dispatch.registry() == expected  # found, then kept
    assert dispatch.registry() == expected  # read back from the cache


def test_help_lists_the_commands_in_the_order_of_their_modules() -> None:
    """Commands first, then command groups (as Typer builds them), each in module order."""
    root = dispatch.full_command()
    registry = dispatch.registry()
    order = sorted(ALL_MODULES, key=lambda m: sys.modules[f"{dispatch.PACKAGE}.{m}"].HELP_ORDER)
    groups = [name for name, command in root.commands.items() if hasattr(command, "commands")]
    commands = [name for name in root.commands if name not in groups]
    assert list(root.commands) == commands + groups
    for names in (commands, groups):
        positions = [order.index(registry[name]) for name in names]
        assert positions == sorted(positions)
    assert commands[:3] == ["status", "tracks", "topics"] and groups == [
        "project",
        "sync",
        "catalog",
    ]


def test_the_global_options_are_the_parameters_of_the_apps_callback() -> None:
    root = dispatch.full_command()
    with_values = {
        name
        for param in root.params
        if not getattr(param, "is_flag", False) and param.param_type_name == "option"
        for name in param.opts
    }
    eager = {name for param in root.params if param.is_eager for name in param.opts}
    options = dispatch.global_options()
    assert options.with_values == with_values == {"--catalog", "--state"}
    assert options.eager == eager - {"-h", "--help"} == {"--version"}
    flags = {
        name for param in root.params if getattr(param, "is_flag", False) for name in param.opts
    }
    assert options.flags == flags - {"-h", "--help", "--install-completion", "--show-completion"}
    assert options.flags == {"--no-color", "--version"}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["status"], {"read"}),
        ([], {"read"}),  # `roadmap` alone runs status
        (["--no-color"], {"read"}),
        (["--state", "x.toml", "done", "--help"], {"write"}),
        (["--catalog", "status", "log"], {"history"}),  # a global option's value is no command
        (["project", "list"], {"projects"}),
        (["choose", "--help"], {"choose"}),
        (["--version"], set()),
        (["--state", "--version"], {"read"}),  # a file named --version, and status
        (["--help"], ALL_MODULES),
        (["nope"], ALL_MODULES),
    ],
)
def test_a_run_imports_only_the_commands_it_names(args: list[str], expected: set[str]) -> None:
    imported_by(["status"])  # a run keeps the registry in the cache
    assert imported_by(args) == expected


def test_without_a_registry_in_the_cache_every_module_is_imported_once(tmp_path: Path) -> None:
    env = {"XDG_CACHE_HOME": str(tmp_path / "empty")}
    assert imported_by(["status"], env) == ALL_MODULES
    assert imported_by(["status"], env) == {"read"}


def test_a_wrong_registry_in_the_cache_costs_time_not_correctness(run: Runner) -> None:
    key = dispatch._source_key(dispatch.module_names())
    assert key is not None
    entry = cache.folder("commands") / "registry.marshal"
    wrong = {"status": "write", "done": "catalogs", "log": "app"}
    cache.write(entry, "commands", (cache.fingerprint(key), wrong))
    result = run("status")
    assert result.exit_code == 0 and "AI Engineer Roadmap 2026" in result.stdout
    assert run("done", "python").exit_code == 0
    assert "done" in run("topics", "--status", "done").stdout
    assert run("log").exit_code == 0  # a module that holds no commands is not one to import


def test_an_edited_module_is_a_miss(tmp_path: Path) -> None:
    """The registry is keyed on the modules' names, sizes and times: a cached registry of
    other modules is never used, and one entry is kept however often they change."""
    key = dispatch._source_key(dispatch.module_names())
    assert key is not None
    entry = cache.folder("commands") / "registry.marshal"
    cache.write(entry, "commands", (cache.fingerprint(key + b"# edited"), {"status": "write"}))
    assert dispatch.registry()["status"] == "read"
    assert [p.name for p in entry.parent.iterdir()] == ["registry.marshal"]


def test_a_new_command_module_is_found_without_editing_a_table(tmp_path: Path) -> None:
    """Drop a module into a copy of the package: it is listed, runs, and is the only command
    module a run of its command imports."""
    import roadmap_cli

    copy = tmp_path / "site" / "roadmap_cli"
    shutil.copytree(
        Path(roadmap_cli.__file__).parent, copy, ignore=shutil.ignore_patterns("__pycache__")
    )
    (copy / "cli" / "commands" / "greet.py").write_text(
        '"""A command added for the test."""\n\n'
        "import typer\n\nfrom roadmap_cli.cli.app import app\n\n\n"
        "@app.command()\n"
        "def greet(name: str) -> None:\n"
        '    """Say hello."""\n'
        '    typer.echo(f"hello {name}")\n',
        encoding="utf-8",
    )
    env = {"PYTHONPATH": str(copy.parent), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    main = [
        sys.executable,
        "-c",
        "import sys; from roadmap_cli.cli.main import main; sys.exit(main())",
    ]
    listed = subprocess.run(
        [*main, "--help"], capture_output=True, text=True, env={**os.environ, **env}
    )
    assert "greet" in listed.stdout and "Say hello." in listed.stdout
    ran = subprocess.run(
        [*main, "greet", "Ada"], capture_output=True, text=True, env={**os.environ, **env}
    )
    assert ran.returncode == 0 and ran.stdout == "hello Ada\n"
    assert imported_by(["greet", "Ada"], env) == {"greet"}
