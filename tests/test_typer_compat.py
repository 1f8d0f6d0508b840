"""Typer's private names may go away: each one, taken away or reshaped in turn, leaves every
command working with the same output (only slower), never a traceback."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from roadmap_cli.cli.typer_compat import PRIVATE_NAMES, UNDOCUMENTED

# Break one private name the way a Typer release might, then run a session of commands in
# this one process and print what each wrote and returned, and which heavy modules loaded.
PROBE = r"""
import contextlib, io, json, os, sys
from roadmap_cli.cli import typer_compat
module, name, how = sys.argv[1], sys.argv[2], sys.argv[3]
real = typer_compat.private
def private(wanted_module, wanted_name):
    if (wanted_module, wanted_name) != (module, name) or how == "none":
        return real(wanted_module, wanted_name)
    if how == "remove":  # as a Typer without it: the import or the attribute fails
        raise ImportError(f"cannot import name {name!r} from {module!r}")
    return object()  # reshaped: still there, nothing like what it was
typer_compat.private = private
from roadmap_cli.cli.main import main
session = [["--version"], ["--help"], ["status"], ["done", "python"], ["next", "--json"],
           ["status", "--track", "ai-developer"]]
results = []
for args in session:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    results.append([args, code, out.getvalue(), err.getvalue()])
os.environ["_ROADMAP_COMPLETE"] = "complete_zsh"
os.environ["_TYPER_COMPLETE_ARGS"] = "roadmap done pyt"
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        code = main([])
    except SystemExit as stop:
        code = stop.code
results.append([["<TAB>"], code, out.getvalue(), ""])
print(json.dumps({"results": results,
                  "loaded": sorted(m for m in ("pydantic", "rich") if m in sys.modules)}))
"""


def session(
    tmp_path: Path,
    module: str,
    name: str,
    how: str,
    prelude: str = "",
    typer_at: Path | None = None,
) -> dict[str, object]:
    home = tmp_path / f"{how}-{module}-{name}"
    # Everything the output depends on, set here: the baseline is made once for the module,
    # outside any test's own environment.
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("ROADMAP_", "XDG_"))},
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "ROADMAP_STATE": str(home / "progress.toml"),
        "COLUMNS": "100",
        "TERM": "dumb",
    }
    for variable in ("NO_COLOR", "FORCE_COLOR"):
        env.pop(variable, None)
    if typer_at is not None:  # another Typer, in front of the installed one
        env["PYTHONPATH"] = str(typer_at)
    warm = "from roadmap_cli.cli.main import main; main(['topics'])"  # as any earlier run
    subprocess.run([sys.executable, "-c", warm], capture_output=True, env=env, check=True)
    proc = subprocess.run(
        [sys.executable, "-c", prelude + PROBE, module, name, how],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    data: dict[str, object] = json.loads(proc.stdout)
    return data


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    return session(tmp_path_factory.mktemp("baseline"), "-", "-", "none")


def check_same(found: dict[str, object], baseline: dict[str, object]) -> None:
    for (args, code, out, err), (_, code0, out0, err0) in zip(
        found["results"],  # type: ignore[arg-type]
        baseline["results"],  # type: ignore[arg-type]
        strict=True,
    ):
        assert (code, out, err) == (code0, out0, err0), args
        assert code == 0 and "Traceback" not in out + err, args


def test_the_baseline_session_does_what_it_says(baseline: dict[str, object]) -> None:
    results = baseline["results"]
    assert isinstance(results, list)
    outputs = {" ".join(args): out for args, _code, out, _err in results}
    assert outputs["--version"].startswith("roadmap ")
    assert "done" in outputs["done python"] and "python" in outputs["done python"]
    assert json.loads(outputs["next --json"])["next"]
    assert "python" in outputs["<TAB>"]
    assert baseline["loaded"] == ["rich"]  # the fast paths: no pydantic at all


@pytest.mark.parametrize("how", ["remove", "reshape"])
@pytest.mark.parametrize(
    ("module", "name"), PRIVATE_NAMES, ids=[".".join(n) for n in PRIVATE_NAMES]
)
def test_without_a_private_name_every_command_still_works(
    tmp_path: Path, baseline: dict[str, object], module: str, name: str, how: str
) -> None:
    found = session(tmp_path, module, name, how)
    check_same(found, baseline)
    if module in ("typer._coercion", "typer.core"):
        assert "pydantic" in found["loaded"]  # type: ignore[operator]  # Typer's own conversion


def test_every_private_name_is_reached_through_one_function() -> None:
    """No module of roadmap imports an underscore name of Typer, Click or Rich, or from an
    underscore module of theirs, except through typer_compat.private."""
    import ast

    import roadmap_cli

    package = Path(roadmap_cli.__file__).parent
    for path in package.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                top = node.module.split(".")[0]
                if top in ("typer", "click", "rich"):
                    private_module = any(p.startswith("_") for p in node.module.split("."))
                    private_name = any(a.name.startswith("_") for a in node.names)
                    assert not (private_module or private_name), (path.name, node.lineno)
            if isinstance(node, ast.Import):
                for alias in node.names:
                    parts = alias.name.split(".")
                    if parts[0] in ("typer", "click", "rich"):
                        assert not any(p.startswith("_") for p in parts), (path.name, node.lineno)
        # Nor reaches into one of their objects for an underscore name (`Table._x`).
        theirs = {
            (alias.asname or alias.name).split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            and (
                (node.module or "").split(".")[0] in ("typer", "click", "rich")
                if isinstance(node, ast.ImportFrom)
                else any(a.name.split(".")[0] in ("typer", "click", "rich") for a in node.names)
            )
            for alias in node.names
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                root = node.value
                while isinstance(root, ast.Attribute):
                    root = root.value
                if isinstance(root, ast.Name) and root.id in theirs:
                    assert path.name == "typer_compat.py", (path.name, node.lineno, node.attr)


# A Typer that keeps its public behaviour but renames what the shortcut reaches inside a
# parameter (its cached converter, and the descriptor of its type).
RENAMED_INSIDE = r"""
import typer.core
from typer._coercion import build_runtime_param
cls = typer.core._TyperParameter
init = cls.__init__
def renamed_init(self, *args, **kwargs):
    init(self, *args, **kwargs)
    self._converter = None
    self._descriptor_now = self.type_descriptor
    del self._runtime_param
def renamed_get(self):
    if self._converter is None:
        self._converter = build_runtime_param(self._descriptor_now)
    return self._converter
cls.__init__ = renamed_init
cls.get_runtime_param = renamed_get
"""


def test_a_typer_with_renamed_insides_still_gives_the_same_output(
    tmp_path: Path, baseline: dict[str, object]
) -> None:
    found = session(tmp_path, "-", "-", "none", prelude=RENAMED_INSIDE)
    check_same(found, baseline)
    assert "pydantic" in found["loaded"]  # type: ignore[operator]  # Typer's own conversion


def renamed_typer(tmp_path: Path, name: str) -> Path:
    """A copy of the installed Typer in which one undocumented name is called otherwise,
    everywhere in Typer: as a release that renames it would be."""
    import re
    import shutil

    import typer

    site = tmp_path / f"typer-without-{name}"
    shutil.copytree(
        Path(typer.__file__).parent, site / "typer", ignore=shutil.ignore_patterns("__pycache__")
    )
    changed = 0
    for source in (site / "typer").rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        new = re.sub(rf"\b{name}\b", f"{name}_renamed", text)
        if new != text:
            source.write_text(new, encoding="utf-8")
            changed += 1
    assert changed, name
    return site


@pytest.mark.parametrize("name", sorted({name for _, name in UNDOCUMENTED}))
def test_a_typer_that_renames_an_undocumented_name_still_gives_the_same_output(
    tmp_path: Path, baseline: dict[str, object], name: str
) -> None:
    """`cli/dispatch.py` reads Typer's registered commands and their classes, which Typer
    does not document: each renamed in a copy of Typer, every command still works and says
    the same, through the whole click command built the documented way."""
    found = session(tmp_path, "-", "-", "none", typer_at=renamed_typer(tmp_path, name))
    check_same(found, baseline)


def test_every_undocumented_name_is_read_in_typer_compat_alone() -> None:
    import roadmap_cli

    package = Path(roadmap_cli.__file__).parent
    names = {name for _, name in UNDOCUMENTED}
    for path in package.rglob("*.py"):
        if path.name == "typer_compat.py":
            continue
        text = path.read_text(encoding="utf-8")
        for name in names:
            assert not re.search(rf"\b{name}\b", text), (path.name, name)
        assert "typer.models" not in text and "typer.main.get_command_name" not in text
