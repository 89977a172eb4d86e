"""`vypusk` command line (docs/data_contract.md §8): init, load, sample, metrics, report, users;
backup, restore, health (running the server unattended).

Each command group lives in its own module of cli/ exposing `register(subparsers)`; `--user` is
resolved by cli/scope.py. This file only dispatches and turns user-facing errors into a Russian
message on stderr with a non-zero exit code.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from cli import load, maintenance, metrics, rating, report, sample, users
from data_layer import logs
from data_layer.errors import UserFacingError

# Command modules, in help order; each exposes `register(subparsers)`.
COMMANDS = (load, sample, metrics, report, rating, users, maintenance)

EXIT_USER_ERROR = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vypusk", description="«Выпускник»: мониторинг трудоустройства выпускников ПОО Самарской области"
    )
    sub = parser.add_subparsers(dest="command", metavar="КОМАНДА")
    sub.required = True
    for module in COMMANDS:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logs.configure(logging.WARNING)
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
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return int(rc or 0)


if __name__ == "__main__":
    sys.exit(main())
