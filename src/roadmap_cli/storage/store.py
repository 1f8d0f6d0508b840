"""The progress file on disk, and the only code that writes it.

Every change goes through `Store.update` (or `Store.undo`): take an exclusive lock on a
sibling lock file, read and validate the file, apply the change, record it in the history,
and replace the file atomically. A file that cannot be used is never written over.
"""

from __future__ import annotations

import contextlib
import errno
import math
import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from roadmap_cli.core.errors import NewerStateError, NotAFileError, StateError, UsageError
from roadmap_cli.core.state import (
    LEARNER_FIELDS,
    SCHEMA_VERSION,
    Invalid,
    State,
    entry_from,
    head_value_from,
    now,
    state_from,
    state_from_checked,
    to_cache,
)
from roadmap_cli.storage import files, paths
from roadmap_cli.storage.state_file import parsed, render

if TYPE_CHECKING:
    from roadmap_cli.core import records
    from roadmap_cli.core.records import FieldChange, Record, Undone

T = TypeVar("T")
LOCK_TIMEOUT_ENV = "ROADMAP_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT = 5.0


class Loaded:
    """A state as read from disk, with what is needed to write it back faithfully."""

    def __init__(
        self, state: State, text: str | None, version: int | None, raw: bytes | None = None
    ) -> None:
        self.state = state
        self.text = text  # the file's text, edited in place on the next write; None: no file
        self.version = version  # the schema version in the file; None: no file
        self.raw = raw  # the file's bytes, kept as a backup before an upgrade
        self.before: State | None = None  # the state the file holds, once a change is applied

    @property
    def newer(self) -> bool:
        return self.version is not None and self.version > SCHEMA_VERSION

    @property
    def older(self) -> bool:
        return self.version is not None and self.version < SCHEMA_VERSION


class Store:
    """One learner's progress file, its lock and its history."""

    def __init__(
        self, path: Path, catalog_id: str | None = None, lock_timeout: float | None = None
    ) -> None:
        self.path = path
        self.catalog_id = catalog_id
        self._lock_timeout = lock_timeout

    # --- where things are

    @property
    def target(self) -> Path:
        """The file actually written: a symlinked state file updates its target."""
        return Path(os.path.realpath(self.path))

    @property
    def lock_path(self) -> Path:
        """Beside the real file, so two paths to one file (say, a symlink) share one lock."""
        return self.target.with_name(self.target.name + ".lock")

    @property
    def history_path(self) -> Path:
        from roadmap_cli.storage import history_file

        return history_file.path_for(self.target)

    def backup_path(self, version: int) -> Path:
        return self.target.with_name(f"{self.target.name}.bak-v{version}")

    @property
    def lock_timeout(self) -> float:
        """Seconds to wait for the lock; read from the environment only when a write needs it."""
        if self._lock_timeout is None:
            self._lock_timeout = _lock_timeout_from_env()
        return self._lock_timeout

    # --- reading

    def read(self, again: Loaded | None = None, *, cached: bool = True) -> Loaded:
        """The saved state, migrated to the current schema; no file means no progress yet.

        `again`: what an earlier read gave, returned as it is when the file has not changed
        since (its bytes are compared), which spares parsing it twice. `cached=False` reads
        and checks the file itself, never the cache (doctor, repair)."""
        try:
            with self._reading(self.path):
                raw = files.read_regular(self.path)
        except FileNotFoundError:
            if again is not None and again.raw is None:
                return again
            return Loaded(State(catalog=self.catalog_id), None, None)
        if again is not None and again.raw == raw:
            return again
        from_cache = _cached_state(self.target, raw) if cached else None
        if from_cache is not None:
            return Loaded(from_cache, raw.decode("utf-8-sig"), SCHEMA_VERSION, raw)
        state, version = parsed(raw, self.path, self.catalog_id, f"progress file {self.path}")
        if version == SCHEMA_VERSION:
            _cache_state(self.target, raw, state)
        return Loaded(state, raw.decode("utf-8-sig"), version, raw)

    def load(self) -> State:
        return self.read().state

    def history(self) -> records.History:
        from roadmap_cli.storage import history_file

        self._refuse_not_a_file()
        with self._reading(self.history_path):
            return history_file.read(self.history_path)

    @contextlib.contextmanager
    def _reading(self, path: Path) -> Iterator[None]:
        """Reading the progress file or the history: what stops it, in one line (a missing
        file is the caller's to handle)."""
        try:
            yield
        except FileNotFoundError:
            raise
        except files.NotRegularFile as exc:
            raise NotAFileError(self._not_a_file(path, exc.kind)) from None
        except OSError as exc:
            what = "progress file" if path == self.path else "the history"
            raise StateError(f"cannot read {what} {path}: {exc.strerror or exc}") from None

    # --- writing

    def update(
        self, change: Callable[[State], T], command: str = "change", *, always: bool = False
    ) -> T:
        """Lock, read, apply `change`, record and write the state if it changed; return what
        `change` returned.

        A file that cannot be used is refused before anything is created or locked, and a
        change that changes nothing leaves the disk exactly as it was (no folder, no lock file).
        `change` may run twice (a dry run first), so it must only touch the state it is given.
        With `always`, the file is written even when nothing changed (a repair starts a file).
        """
        from roadmap_cli.core import records

        loaded = self.read()
        probe = loaded.state.copy()
        result = change(probe)
        if probe == loaded.state and not always:
            return result
        self._refuse_newer(loaded)
        with self._locked():
            again = self.read(loaded)
            self._refuse_newer(again)
            if again is loaded:  # unchanged since the dry run, which stands
                before, loaded.state = loaded.state, probe
            else:
                loaded = again
                before = loaded.state.copy()
                result = change(loaded.state)
            loaded.before = before
            changes = records.diff(before, loaded.state)
            if changes or always:
                record = records.new_record(command, changes, now(), machine=this_machine().id)
                records.stamp(loaded.state, changes, record.time)
                self._commit(loaded, record)
        return result

    def undo(self, *, anywhere: bool = False) -> Undone | None:
        """Revert this machine's newest change that is not yet undone (`anywhere`: the
        newest from any machine); None when there is none."""
        from roadmap_cli.core import records
        from roadmap_cli.core.records import FieldChange, Undone

        with self._locked():
            loaded = self.read()
            self._refuse_newer(loaded)
            machine = this_machine()
            target = records.undoable(self.history(), None if anywhere else machine)
            if target is None:
                return None
            if target.kept_as:
                return self._undo_repair(loaded, target, machine)
            current = records.snapshot(loaded.state)
            reverted: list[FieldChange] = []
            left: list[str] = []
            for change in target.changes:
                if current.get(change.key) != change.new:
                    left.append(change.key)
                    continue
                try:
                    _put(loaded.state, change.key, change.old)
                except ValueError:  # a hand-edited or damaged record: never write it back
                    left.append(change.key)
                    continue
                reverted.append(change)
            inverse = [FieldChange(c.key, c.new, c.old) for c in reverted]
            record = records.new_record(
                f"undo {target.command}", inverse, now(), target.id, machine=machine.id
            )
            records.stamp(loaded.state, inverse, record.time)
            self._commit(loaded, record)
            return Undone(target, tuple(reverted), tuple(left))

    def _undo_repair(self, loaded: Loaded, target: Record, machine: records.Machine) -> Undone:
        """Put back the file a repair moved aside, byte for byte, when the progress is still
        what the repair wrote (a change since must be undone first)."""
        from roadmap_cli.core import records
        from roadmap_cli.core.records import Undone

        name = target.kept_as or ""
        aside = self.target.with_name(name)
        if Path(name).name != name or not name.startswith(f"{self.target.name}.corrupt-"):
            raise StateError(
                f"the repair's record names {name!r}, not a file it kept; undo it by hand"
            )
        written = records.snapshot(State())
        written.update({change.key: change.new for change in target.changes})
        if records.snapshot(loaded.state) != written:
            raise StateError(
                "your progress changed since 'roadmap doctor --repair'; undo those changes"
                " first, then undo the repair"
            )
        raw = _kept_bytes(aside)
        record = records.new_record(
            f"undo {target.command}", (), now(), target.id, machine=machine.id
        )
        from roadmap_cli.storage import history_file

        with files.interrupts_held():
            logged = self.history_path.stat().st_size if self.history_path.exists() else 0
            try:
                history_file.append(self.history_path, record)
            except OSError as exc:
                with contextlib.suppress(OSError):
                    os.truncate(self.history_path, logged)
                raise StateError(
                    f"could not record the undo in {self.history_path}"
                    f" ({exc.strerror or exc}); nothing was changed"
                ) from None
            try:
                self._write(self.target, raw, keep_mode_of=self.target)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.truncate(self.history_path, logged)
                raise
            with contextlib.suppress(OSError):  # its bytes are the progress file's again
                aside.unlink()
        return Undone(target, (), (), restored=str(self.target))

    def take_in(
        self,
        combine: Callable[[State, tuple[Record, ...]], tuple[State, tuple[Record, ...]]],
        command: str,
        *,
        backup: bool = False,
    ) -> tuple[State, State]:
        """Under the lock, replace state and history with what `combine` makes of the current
        ones (an import), recording it; with `backup`, keep copies of both files first.
        Returns the state before and after."""
        from roadmap_cli.core import records

        with self._locked():
            loaded = self.read()
            self._refuse_newer(loaded)
            before = loaded.state.copy()
            current = tuple(self.history().records)
            state, combined = combine(loaded.state.copy(), current)
            if state == before and combined == current:
                return before, state  # nothing new: no record, no write
            moment = now()
            with files.interrupts_held():
                if backup:
                    self._keep_copies(moment)
                old_history = _read_or_none(self.history_path)
                text = "".join(r.to_json() + "\n" for r in combined)
                self._write(self.history_path, text.encode("utf-8"))
                loaded.state = state
                try:
                    record = records.new_record(
                        command,
                        records.diff(before, state),
                        moment,
                        imported=True,
                        machine=this_machine().id,
                    )
                    self._commit_now(loaded, record)
                except BaseException:  # any failure: put the history back as it was
                    if old_history is not None:
                        with contextlib.suppress(StateError):
                            self._write(self.history_path, old_history)
                    else:  # there was none
                        with contextlib.suppress(OSError):
                            os.unlink(self.history_path)
                    raise
            return before, state

    def _keep_copies(self, moment: datetime) -> None:
        stamp = moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        for source in (self.target, self.history_path):
            data = _read_or_none(source)
            if data is not None:
                copy = _free_name(source.with_name(f"{source.name}.bak-{stamp}"), data)
                if not copy.exists():
                    self._write(copy, data, keep_mode_of=source)

    def _commit(self, loaded: Loaded, record: Record) -> None:
        """Back up an older schema, record the change, then replace the file atomically.

        Ctrl+C and SIGTERM wait until this is done, so the history and the file always agree.
        """
        with files.interrupts_held():
            self._commit_now(loaded, record)

    def _commit_now(self, loaded: Loaded, record: Record) -> None:
        from roadmap_cli.storage import history_file

        if loaded.older and loaded.raw is not None:
            backup = _free_name(self.backup_path(loaded.version or 0), loaded.raw)
            if not backup.exists():
                try:
                    self._write(backup, loaded.raw, keep_mode_of=self.target)
                except StateError:
                    raise StateError(
                        f"could not keep a copy of {self.path} as {backup} before upgrading it"
                        f" to schema {SCHEMA_VERSION}; nothing was changed"
                    ) from None
        try:
            logged = self.history_path.stat().st_size
        except FileNotFoundError:
            logged = 0
        except OSError as exc:
            raise StateError(f"cannot read {self.history_path}: {exc.strerror or exc}") from None
        try:
            history_file.append(self.history_path, record)
        except BaseException as exc:
            with contextlib.suppress(OSError):  # a line written but not synced is taken back
                os.truncate(self.history_path, logged)
            if not isinstance(exc, OSError):
                raise
            raise StateError(
                f"could not record the change in {self.history_path} ({exc.strerror or exc});"
                " nothing was changed"
            ) from None
        loaded.state.catalog = loaded.state.catalog or self.catalog_id
        try:
            written = _text_of(loaded, self.path).encode("utf-8")
            self._write(self.target, written)
        except BaseException:  # whatever stopped the write, the change did not happen:
            with contextlib.suppress(OSError):  # neither does its record
                os.truncate(self.history_path, logged)
            raise
        _cache_state(self.target, written, loaded.state)
        self._remove_stale_temporaries()
        if history_file.needs_trim(self.history_path):
            # The change is saved; a trim that fails (a full disk) is tried again next time.
            with contextlib.suppress(StateError):
                text = history_file.trimmed(self.history())
                self._write(self.history_path, text.encode("utf-8"))

    def _refuse_newer(self, loaded: Loaded) -> None:
        if loaded.newer:
            raise NewerStateError(
                f"progress file {self.path} was written by a newer roadmap (schema"
                f" {loaded.version}); this one can show it but will not change it."
                " Upgrade roadmap to make changes"
            )

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        from roadmap_cli.storage.locking import FileLock, LockTimeout

        self._refuse_not_a_file()  # before a lock file appears beside a FIFO or a device
        folder = self.lock_path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StateError(f"cannot create folder {folder}: {exc.strerror or exc}") from None
        if not self.lock_path.exists():  # a first write here: in a repository, keep it out
            _keep_out_of_git(folder)
        lock = FileLock(self.lock_path, timeout=self.lock_timeout)
        try:
            lock.acquire()
        except LockTimeout:
            raise StateError(
                f"progress file {self.path} is locked (lock file {self.lock_path}) by"
                f" {_lock_holders(self.lock_path)}; wait for it to finish, or raise"
                f" {LOCK_TIMEOUT_ENV} (now {self.lock_timeout:g} s)"
            ) from None
        except OSError as exc:
            raise StateError(
                f"cannot lock progress file {self.path} ({self.lock_path}: "
                f"{exc.strerror or exc}); check that its folder is writable"
            ) from None
        try:
            yield
        finally:
            lock.release()

    def holding_lock(self) -> contextlib.AbstractContextManager[None]:
        """The progress file's lock, held while another program (git) changes the files."""
        return self._locked()

    def _refuse_not_a_file(self) -> None:
        """NotAFileError when something other than a file is at the progress path or at its
        history's."""
        import stat

        for path in (self.path, self.history_path):
            try:
                mode = os.stat(path).st_mode
            except OSError:
                continue  # no file yet, or one that reading will report
            if not stat.S_ISREG(mode):
                raise NotAFileError(self._not_a_file(path, files.kind_of(mode)))

    def _not_a_file(self, path: Path, kind: str) -> str:
        what = "progress file" if path == self.path else "the history"
        where = " or set ROADMAP_STATE to a file" if path == self.path else ""
        return f"{what} {path} is {kind}, not a file; move it away{where}. Nothing was changed"

    def own_files(self) -> set[Path]:
        """The files this store keeps: nothing else may be written over them."""
        return {self.target, self.history_path, self.lock_path}

    def write_elsewhere(self, target: Path, data: bytes) -> None:
        """Write an export, refusing this store's own files. A regular file is replaced
        atomically (through a link, which stays); a terminal, `/dev/null` or a pipe someone
        reads is written through, as the shell's `>` would; anything else is refused."""
        import stat

        real = Path(os.path.realpath(target))
        if real in self.own_files():
            raise UsageError(f"{target} is where your progress is kept; export somewhere else")
        try:
            mode = os.stat(target).st_mode
        except FileNotFoundError:
            mode = stat.S_IFREG
        except OSError as exc:
            raise StateError(
                f"cannot write the export to {target}: {exc.strerror or exc}"
            ) from None
        if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
            _write_through(target, data)
        elif not stat.S_ISREG(mode):
            raise StateError(
                f"{target} is {files.kind_of(mode)}, not a file; give the export a file name"
            )
        else:
            # An export is meant to be shared: readable by others, unless the file was already
            # there with a mode of its own.
            self._write(real, data, new_mode=0o644, what="the export")

    def _write(
        self,
        target: Path,
        data: bytes,
        keep_mode_of: Path | None = None,
        new_mode: int = 0o600,
        what: str = "progress",
    ) -> None:
        """Replace `target` atomically: temporary file beside it, fsync, rename, fsync dir.
        A new file gets `new_mode`; `what` is written names the file in an error."""
        try:
            mode = (keep_mode_of or target).stat().st_mode & 0o777
        except FileNotFoundError:
            mode = new_mode
        except OSError as exc:
            raise StateError(f"cannot write {what} to {target}: {exc.strerror or exc}") from None
        try:
            files.replace(target, data, mode)
        except OSError as exc:
            unchanged = (
                "the previous file is unchanged" if target.exists() else "nothing was written"
            )
            raise StateError(
                f"could not save {what} to {target} ({exc.strerror or exc}); {unchanged}"
            ) from None

    def _remove_stale_temporaries(self) -> None:
        """Temporary files of writers killed mid-write (we hold the lock: none is live)."""
        for pattern in (f".{self.target.name}.*.tmp", f".{self.history_path.name}.*.tmp"):
            for stale in self.target.parent.glob(pattern):
                with contextlib.suppress(OSError):
                    stale.unlink()

    def repair(
        self,
        salvage: Callable[[bytes], State | tuple[State, str]],
        dropped: Callable[[], list[str]] = list,
    ) -> tuple[Path, State, bool]:
        """Under the lock: move a file that cannot be used aside to `<name>.corrupt-<UTC time>`
        and write what `salvage` makes of its bytes (a state, or a state and the text to write
        it into: the two sides of a conflict merged); its record says what `dropped` lists
        then (what salvage could not keep). Undo puts the file back once, then stops. Lines of git's
        conflict markers go from the history too (every record on either side stays)."""
        from roadmap_cli.core import records

        with self._locked():
            raw, mode = self._damaged()
            salvaged = salvage(raw)
            state, given = salvaged if isinstance(salvaged, tuple) else (salvaged, None)
            moment = now()
            stamp = moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
            aside = _free_name(self.target.with_name(f"{self.target.name}.corrupt-{stamp}"), None)
            try:
                os.rename(self.target, aside)
            except OSError as exc:
                raise StateError(f"cannot move {self.path} aside: {exc.strerror or exc}") from None
            record = records.new_record(
                f"doctor --repair (damaged file kept as {aside.name})",
                records.diff(State(), state),
                moment,
                barrier=True,
                machine=this_machine().id,
                kept_as=aside.name,
                dropped=tuple(dropped()),
            )
            # A file that still parses as TOML is edited, not written anew: its comments and
            # the keys a person added stay, and only what did not validate goes.
            import tomllib

            text: str | None = given or raw.decode("utf-8-sig", errors="replace")
            try:
                tomllib.loads(text or "")
            except (tomllib.TOMLDecodeError, RecursionError):  # RecursionError: nested too deep
                text = None
            self._unmark_history()
            try:
                try:
                    self._commit(Loaded(state, text, None), record)
                except StateError:
                    if text is None:
                        raise
                    text = None  # the old text cannot carry the repair: write it anew
                    self._commit(Loaded(state, None, None), record)
            except BaseException:  # nothing was written: the damaged file goes back in place
                with contextlib.suppress(OSError):
                    os.rename(aside, self.target)
                raise
            with contextlib.suppress(OSError):
                os.chmod(self.target, mode)
            return aside, state, text is not None

    def _damaged(self) -> tuple[bytes, int]:
        """The bytes and mode of a progress file that cannot be used; a StateError when it can
        (or when a repair would lose what a newer version wrote)."""
        try:
            self.read(cached=False)
        except NewerStateError as exc:
            raise NewerStateError(
                f"{exc.message}. A repair would lose what the newer version wrote"
            ) from None
        except NotAFileError:
            raise  # nothing there to repair, and nothing to move aside
        except StateError:
            pass  # what a repair is for
        else:
            raise StateError(f"progress file {self.path} is fine; there is nothing to repair")
        try:
            return files.read_regular(self.target), self.target.stat().st_mode & 0o777
        except files.NotRegularFile as exc:  # replaced by one since the check above
            raise NotAFileError(self._not_a_file(self.path, exc.kind)) from None
        except OSError as exc:
            raise StateError(
                f"cannot read {self.path} to repair it: {exc.strerror or exc}"
            ) from None

    def _unmark_history(self) -> None:
        """The history without the lines of git's conflict markers (a merge of it made without
        `merge=union`): both sides' records are between them, and stay."""
        from roadmap_cli.storage import conflicts

        raw = _read_or_none(self.history_path)
        text = None if raw is None else raw.decode("utf-8", errors="replace")
        if text is not None and conflicts.has_markers(text):
            lines = text.split("\n")
            kept = [line for line in lines if not conflicts.has_markers(line)]
            self._write(self.history_path, "\n".join(kept).encode("utf-8"))


def _keep_out_of_git(folder: Path) -> None:
    """The lock and the other by-products of a progress folder in a git repository (one made
    by hand, say `~/notes`) are excluded there before the first is made; nothing a write
    needs, so a failure here stops nothing."""
    from roadmap_cli.core.errors import SyncError
    from roadmap_cli.storage.git_sync import exclude_by_products

    with contextlib.suppress(OSError, UnicodeDecodeError, ValueError, SyncError):
        exclude_by_products(folder)


def _write_through(target: Path, data: bytes) -> None:
    """Write to a device or a pipe as it is (never replace it): a pipe that nobody reads
    is refused rather than waited on."""
    try:
        fd = os.open(target, os.O_WRONLY | getattr(os, "O_NONBLOCK", 0) | files.BINARY)
    except OSError as exc:
        if exc.errno == errno.ENXIO:
            raise StateError(
                f"nothing reads the pipe {target}; start its reader first, or export to a file"
            ) from None
        raise StateError(f"cannot write the export to {target}: {exc.strerror or exc}") from None
    try:
        os.set_blocking(fd, True)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    except OSError as exc:
        raise StateError(f"cannot write the export to {target}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def this_machine() -> records.Machine:
    """This machine's id (made on its first change, never synced; docs/sync.md)."""
    from roadmap_cli.core.records import Machine

    path = paths.machine_file()
    try:
        name, since = files.read_regular(path, limit=1024).decode("ascii").split()
        return Machine(name, datetime.fromisoformat(since))
    except FileNotFoundError:
        pass
    except (OSError, ValueError, files.NotRegularFile, files.TooLarge):
        raise StateError(
            f"{path} is not this machine's id; remove it (a new one is made) and try again"
        ) from None
    made = Machine(os.urandom(6).hex(), now())
    path.parent.mkdir(parents=True, exist_ok=True)
    spare = path.with_name(f".{path.name}.{made.id}.tmp")
    try:
        spare.write_bytes(f"{made.id} {made.since.isoformat()}\n".encode("ascii"))
        try:
            os.link(spare, path)  # whole or not at all, and never over one made meanwhile
        except FileExistsError:
            raise
        except OSError:  # a file system without links (FAT): whole, at least
            os.replace(spare, path)
    except FileExistsError:  # made by another command meanwhile: that one is it
        return this_machine()
    except OSError as exc:
        raise StateError(
            f"cannot write this machine's id to {path}: {exc.strerror or exc}"
        ) from None
    finally:
        with contextlib.suppress(OSError):
            spare.unlink()
    return made


def _state_entry(target: Path) -> Path:
    from roadmap_cli.storage import cache

    return cache.folder("progress") / f"{cache.fingerprint(str(target).encode())}.marshal"


def cached_data(target: Path, raw: bytes) -> dict[str, Any] | None:
    """The data of the progress file `target` when its bytes are `raw`, from the cache (times
    as ISO text): None when the cache has no entry for exactly those bytes."""
    from roadmap_cli.storage import cache

    entry = cache.read(_state_entry(target), "progress")
    try:
        if entry["bytes"] != cache.fingerprint(raw) or not isinstance(entry["state"], dict):
            return None
        return entry["state"]
    except (TypeError, KeyError):
        return None


def _cached_state(target: Path, raw: bytes) -> State | None:
    """The state in the cache for those bytes. The entry is what `_cache_state` wrote of a
    checked state, behind a checksum, so it is not checked value by value again."""
    data = cached_data(target, raw)
    try:
        return None if data is None else state_from_checked(data)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def _cache_state(target: Path, raw: bytes, state: State) -> None:
    """Remember the state that the bytes `raw` of the file `target` hold (one entry per file)."""
    from roadmap_cli.storage import cache

    entry = {"bytes": cache.fingerprint(raw), "state": to_cache(state)}
    cache.write(_state_entry(target), "progress", entry)


def _text_of(loaded: Loaded, path: Path) -> str:
    """The file's new text: the previous text with the changed lines edited when that can be
    done (the editor checks what it edits), else rendered anew and read back whole: either
    way, text that reads as exactly the new state (and so may go in the cache), comments and
    keys of your own kept."""
    if loaded.text is not None and loaded.before is not None and not loaded.older:
        from roadmap_cli.storage.line_editor import edit

        text = edit(loaded.state, loaded.text, loaded.before)
        if text is not None:
            return text
    from roadmap_cli.formats import toml_text

    text = render(loaded.state, loaded.text)
    try:
        same = state_from(toml_text.loads(text)) == loaded.state
    except ValueError:  # TOMLDecodeError, or a value the checker refuses
        same = False
    if not same:
        raise StateError(
            f"could not write {path}: the new text would not read back as the change;"
            " nothing was changed. Please report it, with the file if you can"
        )
    return text


def _put(state: State, key: str, value: object) -> None:
    """Set one history key of the state (a top-level field such as `focus`, `topics.<id>`,
    `projects.<id>`) to `value`; ValueError when the key or the value would not make a valid
    state."""
    import re

    if key in LEARNER_FIELDS:
        try:
            setattr(state, key, head_value_from(key, value))
        except Invalid:
            raise ValueError(key) from None
        return
    name, _, item_id = key.partition(".")
    if name not in ("topics", "projects") or not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", item_id):
        raise ValueError(key)
    items: dict[str, Any] = state.projects if name == "projects" else state.topics
    if value is None:
        items.pop(item_id, None)
    else:
        try:
            items[item_id] = entry_from(name, value)
        except Invalid:
            raise ValueError(key) from None


def _read_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StateError(f"cannot read {path}: {exc.strerror or exc}") from None


def _kept_bytes(aside: Path) -> bytes:
    """The bytes of the file a repair kept aside, read only if it still is a plain file."""
    import stat

    try:
        if not stat.S_ISREG(os.lstat(aside).st_mode):  # a link, a pipe: not what it kept
            raise StateError(
                f"{aside}, the file the repair kept, is no longer a plain file; nothing was"
                " changed (the repair cannot be undone)"
            )
        return files.read_regular(aside)
    except FileNotFoundError:
        raise StateError(
            f"there is nothing to undo: {aside}, the file the repair kept, is gone"
        ) from None
    except (OSError, files.NotRegularFile) as exc:
        raise StateError(
            f"cannot put back {aside}, the file as it was before the repair:"
            f" {getattr(exc, 'strerror', None) or exc}; nothing was changed"
        ) from None


def _free_name(path: Path, content: bytes | None) -> Path:
    """`path`, or `path-2`, `path-3`...: never a name that holds other content (with None,
    never a name that exists)."""
    candidate, n = path, 2
    while candidate.exists() and (content is None or candidate.read_bytes() != content):
        candidate, n = path.with_name(f"{path.name}-{n}"), n + 1
    return candidate


def _lock_holders(lock_path: Path) -> str:
    """Which processes have the lock file open (Linux /proc), for the timeout message."""
    found: list[str] = []
    wanted = str(lock_path)
    with contextlib.suppress(OSError):
        for pid in os.listdir("/proc"):
            if not pid.isdigit() or int(pid) == os.getpid():
                continue
            fd_dir = f"/proc/{pid}/fd"
            try:
                links = [os.readlink(f"{fd_dir}/{fd}") for fd in os.listdir(fd_dir)]
            except OSError:
                continue
            if wanted in links:
                try:
                    with open(f"/proc/{pid}/cmdline", "rb") as f:
                        cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
                except OSError:
                    cmd = "?"
                found.append(f"process {pid} ({' '.join(cmd.split())[:60]})")
    return ", ".join(found) if found else "another roadmap command"


def _lock_timeout_from_env() -> float:
    raw = os.environ.get(LOCK_TIMEOUT_ENV)
    if not raw:
        return DEFAULT_LOCK_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise StateError(
            f"{LOCK_TIMEOUT_ENV}={raw!r} is not a number of seconds; unset it or give e.g. 5"
        )
    return value
