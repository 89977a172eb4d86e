"""The shape every `vypusk` command shares: a sub-parser with its help, the database option first
and the function that runs it."""

from __future__ import annotations

import argparse
from collections.abc import Callable

DB_HELP = "файл базы данных"


def add_command(
    subparsers: argparse._SubParsersAction,  # type: ignore[type-arg]
    name: str,
    func: Callable[[argparse.Namespace], int],
    *,
    help: str,
    description: str,
    db_help: str = DB_HELP,
) -> argparse.ArgumentParser:
    """`vypusk NAME` with --db as its first option; add the others to the returned parser."""
    p = subparsers.add_parser(name, help=help, description=description)
    p.add_argument("--db", help=db_help)
    p.set_defaults(func=func)
    return p
