"""The single place that knows where files live.

Precedence, highest first: a command-line flag, an environment variable, the default.
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "roadmap"
STATE_ENV = "ROADMAP_STATE"
CATALOG_ENV = "ROADMAP_CATALOG"
BUNDLED_CATALOG = "ai-engineer-2026.toml"
BUNDLED_CATALOG_ID = "ai-engineer-2026"
MACHINE_FILE = "machine-id"


def data_dir() -> Path:
    """The user data dir, e.g. ~/.local/share/roadmap on Linux."""
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def config_dir() -> Path:
    """The user config dir, e.g. ~/.config/roadmap on Linux; catalogs of your own go in
    its `catalogs` folder."""
    from platformdirs import user_config_path

    return user_config_path(APP_NAME, appauthor=False)


def cache_dir() -> Path:
    """The user cache dir, e.g. ~/.cache/roadmap on Linux: checked catalogs, safe to delete."""
    from platformdirs import user_cache_path

    return user_cache_path(APP_NAME, appauthor=False)


def machine_file() -> Path:
    """This machine's id and since when it has it (`core.records.Machine`): in the data
    folder, never synced (a sync keeps it out of git)."""
    return data_dir() / MACHINE_FILE


def user_catalogs() -> Path:
    return config_dir() / "catalogs"


def state_path(flag: Path | None = None, catalog_id: str | None = None) -> Path:
    """Where this user's progress lives: one file per catalog followed (the bundled
    catalog's is `progress.toml`, another's `progress-<catalog id>.toml`)."""
    if flag is not None:
        return flag.expanduser()
    env = os.environ.get(STATE_ENV)
    if env:
        return Path(env).expanduser()
    if catalog_id is None or catalog_id == BUNDLED_CATALOG_ID:
        return data_dir() / "progress.toml"
    from roadmap_cli.core.state import ID

    if not ID.fullmatch(catalog_id):  # a checked catalog's id always is one; never a path
        from roadmap_cli.core.errors import CatalogError

        raise CatalogError(f"catalog id {catalog_id!r} is not an id; check the catalog")
    return data_dir() / f"progress-{catalog_id}.toml"


def bundled_catalog() -> Path:
    """The catalog shipped with the program.

    In a wheel it sits inside the package (`roadmap_cli/catalogs/`); in a source
    checkout or an editable install it is the top-level `catalogs/` folder.
    """
    package = Path(__file__).resolve().parents[1]
    packaged = package / "catalogs" / BUNDLED_CATALOG
    if packaged.is_file():
        return packaged
    return package.parents[1] / "catalogs" / BUNDLED_CATALOG


def catalog_path(flag: Path | None = None) -> Path:
    """Which catalog file to read: a path, or the name of a catalog of your own (a file
    `<name>.toml` in the `catalogs` folder of the config dir), or the bundled one."""
    if flag is None and os.environ.get(CATALOG_ENV):
        flag = Path(os.environ[CATALOG_ENV])
    if flag is None:
        return bundled_catalog()
    return by_name(str(flag)) or flag.expanduser()


def by_name(name: str) -> Path | None:
    """The catalog a bare name (no folder, no .toml) stands for, if there is one."""
    if "/" in name or os.sep in name or name.endswith(".toml"):
        return None
    if name == BUNDLED_CATALOG_ID:
        return bundled_catalog()
    own = user_catalogs() / f"{name}.toml"
    return own if own.is_file() else None
