"""The README's tour is run as written: every `console` block, in order, in a fresh home, at 80
columns and on a fixed date, and its output compared with what the README shows.

The installed `roadmap` script runs each command under libfaketime (`faketime`), so that the
dates the tour shows are the dates the program prints. A line `...` in the README stands for
any number of lines of output.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
TOUR_TIME = "2026-11-25 19:36:00"  # when the tour is taken (the README's dates follow it)
FAKETIME = shutil.which("faketime")


def console_blocks(text: str) -> list[list[tuple[str, list[str]]]]:
    """Each ```console block as (command, expected output lines) pairs."""
    blocks = []
    for body in re.findall(r"```console\n(.*?)```", text, flags=re.S):
        steps: list[tuple[str, list[str]]] = []
        lines = body.rstrip("\n").split("\n")
        index = 0
        while index < len(lines):
            line = lines[index]
            assert line.startswith("$ "), f"output before any command: {line!r}"
            command = line[2:]
            while command.endswith("\\"):
                index += 1
                command = command[:-1] + lines[index].strip()
            index += 1
            output = []
            while index < len(lines) and not lines[index].startswith("$ "):
                output.append(lines[index])
                index += 1
            steps.append((command, output))
        blocks.append(steps)
    return blocks


def matches(expected: list[str], actual: list[str]) -> bool:
    """Whether `actual` is `expected`, where a line `...` stands for any lines."""
    if not expected:
        return not actual
    if expected[0] == "...":
        return any(matches(expected[1:], actual[i:]) for i in range(len(actual) + 1))
    return bool(actual) and expected[0] == actual[0] and matches(expected[1:], actual[1:])


def test_console_blocks_are_found() -> None:
    blocks = console_blocks(README.read_text(encoding="utf-8"))
    commands = [command for block in blocks for command, _ in block]
    assert len(blocks) >= 5 and commands[0] == "roadmap status"
    assert all(command.startswith("roadmap ") for command in commands)
    assert matches(["a", "...", "d"], ["a", "b", "c", "d"]) and not matches(["a"], ["b"])


@pytest.mark.skipif(FAKETIME is None, reason="needs libfaketime's faketime (apt install faketime)")
def test_the_readme_tour_prints_what_it_shows(tmp_path: Path) -> None:
    roadmap = Path(sys.executable).parent / "roadmap"
    assert roadmap.exists(), "the package's `roadmap` script is not installed beside Python"
    home = tmp_path / "home"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ROADMAP_", "NO_COLOR", "FORCE_COLOR", "XDG_"))
    }
    env |= {
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_STATE_HOME": str(home / "state"),
        "COLUMNS": "80",
        "TERM": "dumb",
        "TZ": "UTC",
    }
    work = tmp_path / "work"
    work.mkdir()
    # Each command a second after the one before, as a clock runs (faketime starts every
    # process at the time it is given): the history orders records by their time.
    moments = (f"{TOUR_TIME[:-2]}{second:02d}" for second in range(int(TOUR_TIME[-2:]), 60))
    for block in console_blocks(README.read_text(encoding="utf-8")):
        for command, expected in block:
            argv = shlex.split(command)
            result = subprocess.run(
                [str(FAKETIME), next(moments), str(roadmap), *argv[1:]],
                capture_output=True,
                text=True,
                env=env,
                cwd=work,
                timeout=60,
                stdin=subprocess.DEVNULL,
            )
            assert result.returncode == 0, f"$ {command}\n{result.stderr}"
            actual = result.stdout.rstrip("\n").split("\n") if result.stdout.strip() else []
            assert matches(expected, actual), (
                f"$ {command}\n--- the README shows:\n"
                + "\n".join(expected)
                + "\n--- the program prints:\n"
                + "\n".join(actual)
            )
