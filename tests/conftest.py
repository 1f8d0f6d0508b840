"""Shared fixtures: every test gets its own home, state and catalog paths under tmp_path."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pytest

from roadmap_cli.cli.main import main

FIXTURES = Path(__file__).parent / "fixtures"
MINI = FIXTURES / "mini.toml"


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


Runner = Callable[..., Result]
SESSION_HOME = tempfile.mkdtemp(prefix="roadmap-tests-home-")
WINDOWS_FOLDERS = ("USERPROFILE", "APPDATA", "LOCALAPPDATA")


def pytest_configure(config: pytest.Config) -> None:
    """Before anything runs (collection, fixtures of a module or of the session), point the
    home and XDG folders and the progress file at a folder of the test session's own, so
    that not even code outside a test can reach the real ones."""
    os.environ["HOME"] = SESSION_HOME
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        os.environ[var] = os.path.join(SESSION_HOME, var.lower())
    os.environ["ROADMAP_STATE"] = os.path.join(SESSION_HOME, "progress.toml")
    for var in WINDOWS_FOLDERS:  # where platformdirs looks on Windows
        os.environ[var] = os.path.join(SESSION_HOME, var.lower())


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(SESSION_HOME, ignore_errors=True)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """No test reads or writes the real home: state, data, config and cache live in tmp_path.
    A test that undoes this (`monkeypatch.undo()` undoes every patch, these too) fails."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for var, sub in (
        ("XDG_DATA_HOME", "data"),
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_CACHE_HOME", "cache"),
        ("XDG_STATE_HOME", "state"),
    ):
        monkeypatch.setenv(var, str(home / sub))
    for var in WINDOWS_FOLDERS:
        monkeypatch.setenv(var, str(home / var.lower()))
    monkeypatch.setenv("ROADMAP_STATE", str(tmp_path / "progress.toml"))
    for var in ("ROADMAP_CATALOG", "NO_COLOR", "FORCE_COLOR", "ROADMAP_LOCK_TIMEOUT"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("TERM", "dumb")
    yield home
    assert os.environ.get("HOME") != SESSION_HOME, (
        "the test left its own home folder; patch with monkeypatch.context() instead of"
        " calling monkeypatch.undo()"
    )


# The day tests that take `fixed_clock` run on, whatever the machine's clock says.
FIXED_DAY = date(2026, 6, 15)


@pytest.fixture
def fixed_clock(time_machine: Any) -> None:
    """The clock of the program run in-process (date.today, datetime.now, time.time) starts at
    noon on FIXED_DAY and runs on: a test's "today" and the program's are the same day, even
    across midnight. (A subprocess keeps the machine's clock.)"""
    time_machine.move_to(datetime.combine(FIXED_DAY, time(12), UTC), tick=True)


@pytest.fixture
def state_file(tmp_path: Path) -> Path:
    return tmp_path / "progress.toml"


@pytest.fixture
def mini(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Use the small two-track test catalog instead of the bundled one."""
    monkeypatch.setenv("ROADMAP_CATALOG", str(MINI))
    return MINI


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Runner:
    """Run the program in-process, as `main(argv)`, and capture what it prints."""

    def invoke(*args: str, input: str | None = None) -> Result:
        capsys.readouterr()
        if input is not None:
            import io

            monkeypatch.setattr(sys, "stdin", io.StringIO(input))
        code = main(list(args))
        out, err = capsys.readouterr()
        return Result(int(code), out, err)

    return invoke


def interruptible() -> None:
    """For `preexec_fn` of a child the test interrupts: Ctrl-C as a terminal gives it, even
    when the suite itself was started with SIGINT ignored (nohup, a script's `&`), which a
    child would otherwise inherit."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


@contextlib.contextmanager
def ended(*procs: subprocess.Popen[Any]) -> Iterator[None]:
    """Children that are killed and waited for, whatever the test does with them: a child
    left running (or a pipe left open) would fail another test with a ResourceWarning."""
    try:
        yield
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            for stream in (proc.stdin, proc.stdout, proc.stderr):
                if stream is not None:
                    stream.close()


def fsrs_with_other_defaults(tmp_path: Path) -> Path:
    """A folder holding a copy of the installed fsrs whose default parameters are another
    release's (FSRS-5's first four: the first interval alone moves by days), to put in
    front of it on PYTHONPATH."""
    import re

    import fsrs

    shadow = tmp_path / "fsrs-other"
    shutil.copytree(Path(fsrs.__file__).parent, shadow / "fsrs")
    source = shadow / "fsrs" / "scheduler.py"
    text = source.read_text(encoding="utf-8")
    changed = re.sub(
        r"DEFAULT_PARAMETERS = \(\s*0\.212,\s*1\.2931,\s*2\.3065,\s*8\.2956,",
        "DEFAULT_PARAMETERS = (0.40255, 1.18385, 3.173, 15.69105,",
        text,
    )
    assert changed != text, "fsrs's defaults are not where they were: update this copy"
    source.write_text(changed, encoding="utf-8")
    return shadow


def installed_script() -> str:
    """The `roadmap` console script of the environment running the tests."""
    beside = Path(sys.executable).parent / "roadmap"
    found = str(beside) if beside.exists() else shutil.which("roadmap")
    assert found, "the roadmap console script is not installed in this environment"
    return found


@pytest.fixture
def run_installed() -> Runner:
    """Run the installed `roadmap` console script as a real subprocess."""

    def invoke(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
        proc = subprocess.run(
            [installed_script(), *args],
            input=input if input is not None else "",
            capture_output=True,
            text=True,
            env={**os.environ, **(env or {})},
            timeout=120,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    return invoke


def benchmark_output(name: str, *, installed: bool = True) -> str:
    """What `benchmarks/<name> --quick` prints, run against the installed program (or, where
    the benchmark takes no `--roadmap`, against the package it imports); it must end well: a
    benchmark that no longer runs is a failure."""
    import subprocess
    import sys

    script = Path(__file__).parents[1] / "benchmarks" / name
    program = ["--roadmap", installed_script()] if installed else []
    proc = subprocess.run(
        [sys.executable, str(script), "--quick", *program],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@contextlib.contextmanager
def backdated(*paths: Path, seconds: int = 60) -> Iterator[None]:
    """Move every moment written into these files within the block `seconds` into the past (in
    the lines the block added or changed), as if what it did had been done that much earlier:
    how a test orders changes made within one second (the files keep moments to the second)
    without waiting for the clock."""
    import re
    from datetime import timedelta

    moment = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)")

    def earlier(found: re.Match[str]) -> str:
        text = found.group()
        when = datetime.fromisoformat(text.replace("Z", "+00:00")) - timedelta(seconds=seconds)
        shifted = when.isoformat()
        return shifted.replace("+00:00", "Z") if text.endswith("Z") else shifted

    def lines(path: Path) -> list[str]:
        return path.read_text(encoding="utf-8").splitlines(keepends=True) if path.exists() else []

    before = {path: set(lines(path)) for path in paths}
    yield
    for path in paths:
        new = [line if line in before[path] else moment.sub(earlier, line) for line in lines(path)]
        path.write_text("".join(new), encoding="utf-8")
