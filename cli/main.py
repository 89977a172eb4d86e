"""`vypusk` command line (data_contract §8): init, load, sample, metrics, report, users.

Each command lives in its own module exposing `register(subparsers)`; this file only dispatches,
resolves `--user` into a role scope and turns user-facing errors into a Russian message on stderr
with a non-zero exit code.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from data_layer.errors import UserFacingError
from data_layer.scope import OPERATOR, Scope

# Modules that register sub-commands, in help order.
COMMAND_MODULES: tuple[str, ...] = (
    "cli.load",  # init, load
    "demo.sample",  # sample
    "cli.metrics",  # metrics
    "cli.report",  # report
    "data_layer.users",  # users
)

EXIT_USER_ERROR = 2


def resolve_scope(username: str | None, db: str | None = None) -> Scope:
    """`--user NAME` → that user's role scope; no user → the operator (base centre rights)."""
    if not username:
        return OPERATOR
    from data_layer.users import scope_for_user

    return scope_for_user(username, db)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vypusk", description="«Выпускник»: мониторинг трудоустройства выпускников ПОО Самарской области"
    )
    sub = parser.add_subparsers(dest="command", metavar="КОМАНДА")
    sub.required = True
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                continue  # the command is not built yet
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        rc = args.func(args)
    except UserFacingError as exc:
        print(f"Ошибка: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("Прервано пользователем.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (`vypusk metrics ... | head`): not an error of ours
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return int(rc or 0)


if __name__ == "__main__":
    sys.exit(main())
