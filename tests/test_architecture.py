"""The layers of ARCHITECTURE.md hold, and breaking one by accident fails a check."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import tomllib
from collections import defaultdict
from pathlib import Path

import pytest

import roadmap_cli

PACKAGE = Path(roadmap_cli.__file__).parent
ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("core", "formats", "storage", "render", "cli")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(config: Path, package_parent: Path) -> subprocess.CompletedProcess[str]:
    if not LINT_IMPORTS.exists():
        pytest.skip("import-linter is not installed (pip install -e '.[test]')")
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(config), "--no-cache"],
        capture_output=True,
        text=True,
        cwd=package_parent,
        env={**os.environ, "PYTHONPATH": str(package_parent)},
        timeout=120,
    )


@pytest.mark.skipif(not (ROOT / "pyproject.toml").is_file(), reason="needs the source tree")
def test_the_layer_contracts_hold() -> None:
    result = lint_imports(ROOT / "pyproject.toml", PACKAGE.parent)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.skipif(not (ROOT / "pyproject.toml").is_file(), reason="needs the source tree")
@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        ("core/progress.py", "import rich.text", "core is pure"),
        ("core/progress.py", "from roadmap_cli.storage import paths", "Layers"),
        ("render/terminal.py", "from roadmap_cli.storage import store", "Layers"),
        ("storage/store.py", "import pydantic", "only layer that imports pydantic"),
        ("cli/app.py", "from roadmap_cli.cli.commands import read", "Inside cli"),
    ],
)
def test_an_import_across_the_layers_breaks_a_contract(
    tmp_path: Path, module: str, line: str, broken: str
) -> None:
    copy = tmp_path / "roadmap_cli"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "catalogs"))
    target = copy / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    result = lint_imports(tmp_path / "pyproject.toml", tmp_path)
    assert result.returncode != 0
    broken_lines = [ln for ln in result.stdout.splitlines() if ln.endswith(" BROKEN")]
    assert any(broken in ln for ln in broken_lines), result.stdout


def test_the_contract_names_every_layer_and_ignores_no_import() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    (layers,) = [c for c in contracts if c.get("containers") == ["roadmap_cli"]]
    named = {name.strip() for layer in layers["layers"] for name in layer.split("|")}
    assert named == set(LAYERS)
    assert not any(c.get("ignore_imports") for c in contracts)


def test_each_layer_says_what_lives_there_and_imports_nothing_at_start() -> None:
    for init in [
        *(PACKAGE / layer / "__init__.py" for layer in LAYERS),
        PACKAGE / "cli" / "commands" / "__init__.py",
    ]:
        tree = ast.parse(init.read_text(encoding="utf-8"))
        docstring = ast.get_docstring(tree)
        assert docstring and len(docstring.split()) > 30, init
        assert not [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)], init


def test_every_module_lives_in_a_layer() -> None:
    top = {p.name for p in PACKAGE.glob("*.py")}
    assert top == {"__init__.py", "__main__.py"}
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders - {"catalogs"} == set(LAYERS)


def test_one_name_for_one_thing() -> None:
    """No two modules share a name, except a module of `core` and the command module that
    drives it (core/projects.py and cli/commands/projects.py)."""
    where: dict[str, list[str]] = defaultdict(list)
    for path in PACKAGE.rglob("*.py"):
        if path.name not in ("__init__.py", "__main__.py"):
            where[path.stem].append(path.parent.relative_to(PACKAGE).as_posix())
    for name, folders in where.items():
        if len(folders) > 1:
            assert sorted(folders) == ["cli/commands", "core"], (name, folders)


ARCHITECTURE = ROOT / "ARCHITECTURE.md"


@pytest.mark.skipif(not ARCHITECTURE.is_file(), reason="needs the source tree")
def test_the_picture_in_architecture_md_matches_the_contract() -> None:
    """The Mermaid diagram has a node per layer, and an edge only where the contract lets the
    upper layer import the lower one."""
    import re

    text = ARCHITECTURE.read_text(encoding="utf-8")
    (diagram,) = re.findall(r"```mermaid\n(.*?)```", text, flags=re.S)
    assert diagram.startswith("flowchart TD\n")
    nodes = set(re.findall(r"^\s+(\w+)\[", diagram, flags=re.M))
    edges = re.findall(r"^\s+(\w+) --> (\w+)$", diagram, flags=re.M)
    assert nodes == set(LAYERS)
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (layers,) = [
        c
        for c in config["tool"]["importlinter"]["contracts"]
        if c.get("containers") == ["roadmap_cli"]
    ]
    rank = {
        name.strip(): i for i, layer in enumerate(layers["layers"]) for name in layer.split("|")
    }
    assert edges and all(rank[upper] < rank[lower] for upper, lower in edges)
    assert {(u, lo) for u, lo in edges} >= {
        ("cli", "render"),
        ("cli", "storage"),
        ("formats", "core"),
    }


@pytest.mark.skipif(not ARCHITECTURE.is_file(), reason="needs the source tree")
def test_architecture_md_lists_every_module_where_it_is() -> None:
    import re

    section = ARCHITECTURE.read_text(encoding="utf-8").split("## Where things are", 1)[1]
    listed: set[str] = set()
    for item in re.split(r"\n- ", "\n" + section.strip()):
        if not item.strip():
            continue
        folder = re.match(r"`(\w+)/`", item.strip("- \n"))
        assert folder, item
        names = re.findall(r"`(\w+)\.py`", item)
        commands = item.split("`commands/`", 1)
        listed |= {f"{folder.group(1)}/{n}.py" for n in re.findall(r"`(\w+)\.py`", commands[0])}
        if len(commands) == 2:
            listed |= {f"cli/commands/{n}.py" for n in re.findall(r"`(\w+)\.py`", commands[1])}
        assert names
    modules = {
        p.relative_to(PACKAGE).as_posix()
        for p in PACKAGE.rglob("*.py")
        if p.name not in ("__init__.py", "__main__.py") and "__pycache__" not in p.parts
    }
    assert listed == modules


# What reads or writes the outside world: core and formats use none of it (import-linter
# sees imports only, so the calls are checked here).
IO_MODULES = {"subprocess", "shutil", "socket", "tempfile", "io", "glob", "fcntl", "signal"}
IO_CALLS = {
    *("open", "read_bytes", "read_text", "write_bytes", "write_text", "print"),
    *("iterdir", "glob", "scandir", "listdir", "mkdir", "unlink", "rename", "rmdir"),
}


@pytest.mark.parametrize("layer", ["core", "formats"])
def test_core_and_formats_touch_no_file_and_print_nothing(layer: str) -> None:
    for path in sorted((PACKAGE / layer).glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = (
                    [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module or ""]
                )
                assert not {n.split(".")[0] for n in names} & IO_MODULES, (path.name, names)
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                assert name not in IO_CALLS, (path.name, node.lineno, name)
            if isinstance(node, ast.Attribute) and node.attr in ("stdin", "stdout", "stderr"):
                # sys.stdout.write in `python -m roadmap_cli.formats.export_schema` only
                assert path.name == "export_schema.py", (path.name, node.lineno)


def test_every_view_a_command_names_is_drawn_by_render_terminal() -> None:
    """`Session.emit(doc, json_out, "render_x")` names its view: each name is a function of
    render.terminal (a misspelt one would fail only when that view is drawn)."""
    from roadmap_cli.render import terminal

    commands = PACKAGE / "cli" / "commands"
    named = set()
    for source in commands.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "emit":
                view = node.args[2]
                for found in ast.walk(view):
                    if isinstance(found, ast.Constant) and isinstance(found.value, str):
                        named.add(found.value)
    assert len(named) >= 15
    assert [name for name in sorted(named) if not callable(getattr(terminal, name, None))] == []
