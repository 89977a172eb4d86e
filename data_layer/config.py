"""Paths and settings read once from the environment.

Every path is anchored to the project folder, never to the working directory.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
SAMPLE_DATA_DIR = PROJECT_DIR / "sample_data"
REFERENCE_DIR = SAMPLE_DATA_DIR / "reference"
GEO_DIR = SAMPLE_DATA_DIR / "geo"
DATA_DIR = PROJECT_DIR / "data"
DEFAULT_DB_PATH = DATA_DIR / "vypusk.duckdb"
DEMO_DB_PATH = DATA_DIR / "demo.duckdb"


def db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The database file: an explicit `--db`, else `VYPUSK_DB`, else the default under data/."""
    if explicit:
        return Path(explicit).expanduser().resolve()
    env = os.environ.get("VYPUSK_DB")
    if env:
        return Path(env).expanduser().resolve()
    return DEFAULT_DB_PATH


def credentials_path() -> Path:
    """The users file (bcrypt hashes), kept outside git: `VYPUSK_CREDENTIALS` or config/credentials.yaml."""
    env = os.environ.get("VYPUSK_CREDENTIALS")
    if env:
        return Path(env).expanduser().resolve()
    return PROJECT_DIR / "config" / "credentials.yaml"
