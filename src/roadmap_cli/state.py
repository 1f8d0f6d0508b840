"""A learner's progress: the models of the state file and the `Store` that reads and writes it.

Every change goes through `Store.transaction()`: take the lock, read and validate, let the
caller change the state, write it atomically. A file that does not parse or validate is
never written over; the error names the file and what is wrong with it.
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
import tomllib
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, StringConstraints, ValidationError

from roadmap_cli.errors import StateError

T = TypeVar("T")
SCHEMA_VERSION = 1
LOCK_TIMEOUT_ENV = "ROADMAP_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT = 5.0

Status = Literal["in-progress", "done", "skipped"]
STATUSES: tuple[str, ...] = ("pending", "in-progress", "done", "skipped")
TopicId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]


class TopicProgress(BaseModel):
    """Where one topic stands. A topic with no entry is pending."""

    model_config = ConfigDict(extra="forbid", strict=True)  # no "1" for 1, no text for a time

    status: Status | None = None  # None: pending, kept only because it has a note
    started: AwareDatetime | None = None
    finished: AwareDatetime | None = None
    updated: AwareDatetime
    note: str | None = None


class State(BaseModel):
    """Everything the program remembers for one learner and one catalog."""

    model_config = ConfigDict(extra="forbid", strict=True)  # no "1" for 1, no text for a time

    schema_version: int = SCHEMA_VERSION
    focus: str | None = None
    topics: dict[TopicId, TopicProgress] = {}

    def status_of(self, topic_id: str) -> str:
        entry = self.topics.get(topic_id)
        return entry.status if entry is not None and entry.status else "pending"

    def last_active(self) -> datetime | None:
        return max((entry.updated for entry in self.topics.values()), default=None)


def now() -> datetime:
    """The current local time, aware, to the second: what every timestamp records."""
    return datetime.now().astimezone().replace(microsecond=0)


def to_toml(state: State) -> str:
    import tomli_w

    data: dict[str, Any] = state.model_dump(exclude_none=True, exclude_defaults=False)
    # A stable order keeps the file diffable when it lives in git or a synced folder.
    data["topics"] = {key: data["topics"][key] for key in sorted(data["topics"])}
    if not data["topics"]:
        del data["topics"]
    return tomli_w.dumps(data)


def parse(text: str, path: Path) -> State:
    """Validate the text of a state file; StateError names the file and the problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise StateError(_unreadable(path, f"it is not valid TOML ({exc})")) from None
    version = data.get("schema_version")
    if isinstance(version, int) and version > SCHEMA_VERSION:
        raise StateError(
            f"progress file {path} was written by a newer roadmap (schema {version}, this one"
            f" reads up to {SCHEMA_VERSION}); upgrade roadmap to use it"
        )
    if "schema_version" not in data:
        raise StateError(_unreadable(path, "it has no schema_version"))
    if type(version) is not int or version != SCHEMA_VERSION:
        raise StateError(
            _unreadable(
                path, f"schema_version is {version!r}; this roadmap writes {SCHEMA_VERSION}"
            )
        )
    try:
        return State.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in err["loc"]) or "top level"
        what = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise StateError(_unreadable(path, f"{where}: {what}{more}")) from None


def _unreadable(path: Path, why: str) -> str:
    return (
        f"progress file {path} cannot be used: {why}; it was left untouched,"
        " fix it by hand or move it aside to start afresh"
    )


class Store:
    """The state file of one learner, and the only code that writes it."""

    def __init__(self, path: Path, lock_timeout: float | None = None) -> None:
        self.path = path
        self._lock_timeout = lock_timeout

    @property
    def lock_timeout(self) -> float:
        """Seconds to wait for the lock; read from the environment only when a write needs it."""
        if self._lock_timeout is None:
            self._lock_timeout = _lock_timeout_from_env()
        return self._lock_timeout

    @property
    def target(self) -> Path:
        """The file actually written: a symlinked state file updates its target."""
        return Path(os.path.realpath(self.path))

    @property
    def lock_path(self) -> Path:
        """Beside the real file, so two paths to one file (say, a symlink) share one lock."""
        return self.target.with_name(self.target.name + ".lock")

    def load(self) -> State:
        """The saved state; a missing file is a fresh start with no progress."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return State()
        except IsADirectoryError:
            raise StateError(_unreadable(self.path, "it is a directory")) from None
        except OSError as exc:
            raise StateError(
                f"cannot read progress file {self.path}: {exc.strerror or exc}"
            ) from None
        try:
            text = raw.decode("utf-8-sig")  # an editor may have added a byte-order mark
        except UnicodeDecodeError:
            raise StateError(_unreadable(self.path, "it is not UTF-8 text")) from None
        return parse(text, self.path)

    def update(self, change: Callable[[State], T]) -> T:
        """Lock, read, apply `change` to the state, write it if it changed; return its result.

        A file that cannot be used is refused before anything is created or locked, and a
        change that changes nothing leaves the disk exactly as it was (no folder, no lock file).
        `change` may run twice (once on a dry run), so it must only touch the state it is given.
        """
        current = self.load()
        probe = current.model_copy(deep=True)
        result = change(probe)
        if probe == current:
            return result
        with self._locked():
            state = self.load()
            before = state.model_copy(deep=True)
            result = change(state)
            if state != before:
                self._write(to_toml(state))
        return result

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        from filelock import FileLock, Timeout

        folder = self.lock_path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StateError(f"cannot create folder {folder}: {exc.strerror or exc}") from None
        lock = FileLock(self.lock_path, timeout=self.lock_timeout)
        try:
            lock.acquire()
        except Timeout:
            raise StateError(
                f"progress file {self.path} is locked by another roadmap command (lock file"
                f" {self.lock_path}); wait for it to finish, or raise {LOCK_TIMEOUT_ENV}"
                f" (now {self.lock_timeout:g} s)"
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

    def _write(self, text: str) -> None:
        """Replace the file atomically: temporary file beside it, fsync, rename, fsync dir."""
        target = self.target
        try:
            mode = target.stat().st_mode & 0o777
        except FileNotFoundError:
            mode = 0o600
        except OSError as exc:
            raise StateError(f"cannot write progress file {self.path}: {exc}") from None
        tmp_name = None
        try:
            fd, tmp_name = tempfile.mkstemp(
                dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
            )
            with os.fdopen(fd, "wb") as tmp:
                tmp.write(text.encode("utf-8"))
                tmp.flush()
                os.fchmod(tmp.fileno(), mode)
                os.fsync(tmp.fileno())
            os.replace(tmp_name, target)
            tmp_name = None
            _fsync_dir(target.parent)
        except OSError as exc:
            raise StateError(
                f"could not save progress to {self.path} ({exc.strerror or exc}); "
                "the previous file is unchanged"
            ) from None
        finally:
            if tmp_name is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp_name)


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return  # not every platform lets a directory be opened; the rename already happened
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


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
