"""The single place that knows where files live.

Precedence, highest first: a command-line flag, an environment variable, the default.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

APP_NAME = "roadmap"
STATE_ENV = "ROADMAP_STATE"
CATALOG_ENV = "ROADMAP_CATALOG"
BUNDLED_CATALOG = "ai-engineer-2026.toml"


def data_dir() -> Path:
    """The user data dir, e.g. ~/.local/share/roadmap on Linux."""
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def state_path(flag: Path | None = None) -> Path:
    """Where this user's progress lives."""
    if flag is not None:
        return flag.expanduser()
    env = os.environ.get(STATE_ENV)
    if env:
        return Path(env).expanduser()
    return data_dir() / "progress.toml"


def bundled_catalog() -> Path:
    """The catalog shipped with the program.

    In a wheel it sits inside the package (`roadmap_cli/catalogs/`); in a source
    checkout or an editable install it is the top-level `catalogs/` folder.
    """
    packaged = resources.files("roadmap_cli") / "catalogs" / BUNDLED_CATALOG
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "catalogs" / BUNDLED_CATALOG


def catalog_path(flag: Path | None = None) -> Path:
    """Which catalog file to read."""
    if flag is not None:
        return flag.expanduser()
    env = os.environ.get(CATALOG_ENV)
    if env:
        return Path(env).expanduser()
    return bundled_catalog()
