"""Cached catalogs and progress files read as a full check would, and are never trusted blindly."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import MINI, Runner
from roadmap_cli.core.catalog import Catalog
from roadmap_cli.core.errors import CatalogError, StateError
from roadmap_cli.storage import catalog_file, paths
from roadmap_cli.storage.store import Store


def entries() -> list[Path]:
    folder = paths.cache_dir() / "catalogs"
    return sorted(folder.glob("*.marshal")) if folder.is_dir() else []


def checked(path: Path) -> Catalog:
    """The catalog as a full check (no cache) gives it."""
    found, problems = catalog_file.check_file(path)
    assert found is not None and not problems
    return found


@pytest.mark.parametrize("path", [paths.bundled_catalog(), MINI], ids=["bundled", "mini"])
def test_a_cached_catalog_is_the_checked_one(path: Path) -> None:
    first = catalog_file.load(path)  # checks the file and fills the cache
    assert len(entries()) == 1
    second = catalog_file.load(path)  # from the cache
    assert first == second == checked(path)
    assert [t.signals for t in second.tracks] == [t.signals for t in checked(path).tracks]
    assert second.topic_index.resolve("ra") == checked(path).topic_index.resolve("ra")


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b[: len(b) // 2],  # cut short
        lambda b: b[:-10] + bytes(x ^ 0xFF for x in b[-10:]),  # changed
        lambda b: b"",
        lambda b: b"\x00" * len(b),
    ],
    ids=["truncated", "flipped", "empty", "zeros"],
)
def test_a_damaged_entry_is_ignored_and_written_anew(damage: object) -> None:
    catalog_file.load(MINI)
    (entry,) = entries()
    good = entry.read_bytes()
    entry.write_bytes(damage(good))  # type: ignore[operator]
    assert catalog_file.load(MINI) == checked(MINI)
    assert entry.read_bytes() == good


def test_an_entry_that_cannot_be_read_or_written_only_costs_time() -> None:
    catalog_file.load(MINI)
    (entry,) = entries()
    entry.unlink()
    entry.mkdir()  # a folder where the entry should be: neither readable nor replaceable
    assert catalog_file.load(MINI) == checked(MINI)
    shutil.rmtree(paths.cache_dir())
    paths.cache_dir().parent.mkdir(parents=True, exist_ok=True)
    paths.cache_dir().write_text("not a folder")  # the cache folder cannot even be made
    assert catalog_file.load(MINI) == checked(MINI)


def test_an_edited_catalog_is_checked_again(tmp_path: Path) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_bytes(MINI.read_bytes())
    catalog_file.load(mine)
    text = MINI.read_text(encoding="utf-8")
    mine.write_text(text.replace('title = "Python"', 'title = "Python 3"', 1), encoding="utf-8")
    assert catalog_file.load(mine).topic_by_id["python"].title == "Python 3"
    assert len(entries()) == 2
    # A broken edit is reported although an entry for the earlier text is there.
    mine.write_text(text.replace('title = "Mini Roadmap"', 'titel = "Mini"'), encoding="utf-8")
    with pytest.raises(CatalogError, match="unknown key"):
        catalog_file.load(mine)


def test_the_program_uses_the_cache_and_is_right_after_an_edit(run: Runner, tmp_path: Path) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_bytes(MINI.read_bytes())
    assert run("--catalog", str(mine), "topics").exit_code == 0
    entry_count = len(entries())
    text = MINI.read_text(encoding="utf-8")
    mine.write_text(text.replace('title = "Python"', 'title = "Snakes"', 1), encoding="utf-8")
    result = run("--catalog", str(mine), "topics")
    assert result.exit_code == 0 and "Snakes" in result.stdout
    assert len(entries()) == entry_count + 1


def test_a_cache_hit_does_not_import_pydantic(tmp_path: Path) -> None:
    code = (
        "import sys; from pathlib import Path; from roadmap_cli.storage import catalog_file;"
        f"catalog_file.load(Path({str(MINI)!r})); print('pydantic' in sys.modules)"
    )
    env = {**os.environ}
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    again = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert (first.stdout, again.stdout) == ("True\n", "False\n"), first.stderr + again.stderr


def progress_entries() -> list[Path]:
    folder = paths.cache_dir() / "progress"
    return sorted(folder.glob("*.marshal")) if folder.is_dir() else []


def test_a_cached_progress_file_reads_as_the_file_does(run: Runner, state_file: Path) -> None:
    assert run("done", "python", "rag").exit_code == 0
    (entry,) = progress_entries()  # written with the file
    from_cache = Store(state_file).load()
    entry.unlink()
    from_file = Store(state_file).load()
    assert from_cache == from_file and from_file.status_of("rag") == "done"
    assert len(progress_entries()) == 1  # a read of the file fills the cache again


def test_a_hand_edit_is_read_from_the_file_not_the_cache(run: Runner, state_file: Path) -> None:
    assert run("done", "python").exit_code == 0
    text = state_file.read_text(encoding="utf-8")
    state_file.write_text(text.replace('"done"', '"skipped"'), encoding="utf-8")
    assert Store(state_file).load().status_of("python") == "skipped"
    state_file.write_text(text.replace('"done"', '"finished"'), encoding="utf-8")
    with pytest.raises(StateError, match=r"topics\.python\.status"):
        Store(state_file).load()


def test_a_damaged_progress_entry_is_ignored(run: Runner, state_file: Path) -> None:
    assert run("start", "python").exit_code == 0
    (entry,) = progress_entries()
    entry.write_bytes(entry.read_bytes()[:-5])
    assert Store(state_file).load().status_of("python") == "in-progress"


def test_reading_from_the_cache_parses_no_toml(run: Runner, state_file: Path) -> None:
    assert run("done", "python").exit_code == 0
    code = (
        "import sys; from pathlib import Path; from roadmap_cli.storage.store import Store;"
        f"s = Store(Path({str(state_file)!r})).load();"
        "print(s.status_of('python'), 'tomllib' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout == "done False\n", result.stderr


def test_doctor_reads_the_files_not_the_cache(
    run: Runner, mini: Path, state_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cache entry that says something else than the file (forged, or from a bug) does not
    change what doctor finds: it reads and checks the progress file and the catalog itself."""
    import json

    from roadmap_cli.storage import cache
    from roadmap_cli.storage.store import _cache_state

    assert run("done", "python").exit_code == 0
    assert run("status").exit_code == 0  # the cache holds both files now
    honest = json.loads(run("doctor", "--json").stdout)
    # The progress file's entry now says there is no progress; the catalog's, that it has
    # no topic 'python' (both behind valid checksums).
    raw = state_file.read_bytes()
    _cache_state(
        Path(os.path.realpath(state_file)), raw, Store(state_file).read().state.__class__()
    )
    catalog_entry = cache.catalog_entry(mini.read_bytes())
    data = cache.read(catalog_entry, "catalog")
    data["topics"] = [t for t in data["topics"] if t["id"] != "python"]
    for track in data["tracks"]:
        track["topics"] = [t for t in track["topics"] if t != "python"]
    cache.write(catalog_entry, "catalog", data)
    assert json.loads(run("doctor", "--json").stdout) == honest
    assert "(1 topic entries, 0 projects)" in honest["findings"][0]["message"]


def test_an_entry_made_by_other_code_is_never_used(tmp_path: Path) -> None:
    """The key holds a checksum of the code that makes and reads entries: change one byte of
    it and every entry is a miss, with no number to bump by hand."""
    import roadmap_cli

    copy = tmp_path / "site" / "roadmap_cli"
    shutil.copytree(
        Path(roadmap_cli.__file__).parent, copy, ignore=shutil.ignore_patterns("__pycache__")
    )
    code = (
        "import sys; from pathlib import Path; from roadmap_cli.storage import cache,"
        " catalog_file; catalog_file.load(Path(sys.argv[1])); print(cache.made_by());"
        " print(len(list((cache.folder('catalogs')).glob('*.marshal'))))"
    )
    env = {**os.environ, "PYTHONPATH": str(copy.parent)}

    def load() -> list[str]:
        out = subprocess.run(
            [sys.executable, "-c", code, str(MINI)], capture_output=True, text=True, env=env
        )
        assert out.returncode == 0, out.stderr
        return out.stdout.split()

    first = load()
    assert load() == first  # the same code: the entry is used, no new one
    state = copy / "core" / "state.py"
    state.write_text(state.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    second = load()
    assert second[-1] == str(int(first[-1]) + 1)  # a miss: checked again, a new entry
    assert second[:-1] != first[:-1]
