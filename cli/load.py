"""`vypusk init` and `vypusk load` (docs/data_contract.md §8)."""

from __future__ import annotations

import argparse
import sys
import tempfile
from contextlib import closing
from pathlib import Path
from typing import TextIO

import duckdb

from cli.parsing import add_command
from cli.scope import resolve_scope
from data_layer import config, db, import_mappings, spells
from data_layer.errors import UserFacingError
from data_layer.importer.kinds import KINDS
from data_layer.importer.pipeline import LoadResult, Problem, load_files, load_reference_dir
from data_layer.text import fmt_int

SHOW_ERRORS = 50
SHOW_WARNINGS = 10
DEMO_SEED = 42


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = add_command(
        subparsers,
        "init",
        cmd_init,
        help="создать базу данных и загрузить справочники",
        description="Создаёт базу данных и загружает справочники из sample_data/reference/. "
        "С ключом --sample загружает демонстрационный регион.",
        db_help="файл базы данных (по умолчанию VYPUSK_DB или data/vypusk.duckdb)",
    )
    p.add_argument("--sample", action="store_true", help="загрузить демонстрационные данные")

    p = add_command(
        subparsers,
        "load",
        cmd_load,
        help="загрузить файлы (xlsx/csv)",
        description="Загружает файлы; каждый файл проверяется целиком и загружается полностью или не "
        "загружается вовсе.",
    )
    p.add_argument("files", nargs="+", metavar="ФАЙЛ", help="файлы .xlsx или .csv")
    p.add_argument(
        "--kind", choices=sorted(KINDS), help="вид файла (по умолчанию определяется по заголовкам)"
    )
    p.add_argument("--user", help="загрузить от имени пользователя (его роль и зона доступа)")
    p.add_argument(
        "--mapping",
        metavar="НАЗВАНИЕ",
        help="применить сохранённое сопоставление столбцов и меток (файл другой системы, "
        "например выгрузка АИС «Трудовые ресурсы»)",
    )


def _describe(p: Problem) -> str:
    where = []
    if p.row is not None:
        where.append(f"строка {p.row}")
    if p.column:
        where.append(f"«{p.column}»")
    if p.value is not None:
        where.append(f"значение «{p.value}»")
    prefix = ", ".join(where)
    return f"{prefix}: {p.message}" if prefix else p.message


def print_result(res: LoadResult, out: TextIO | None = None, err: TextIO | None = None) -> None:
    """The Russian summary of one load; for a refused file the error list (first 50 + count)."""
    out = out or sys.stdout
    err = err or sys.stderr
    stream = out if res.ok else err
    print(res.message, file=stream)
    if not res.ok:
        for p in res.errors[:SHOW_ERRORS]:
            print(f"  • {_describe(p)}", file=err)
        if len(res.errors) > SHOW_ERRORS:
            print(
                f"  … и ещё {fmt_int(len(res.errors) - SHOW_ERRORS)} (полный список — в отчёте об ошибках).",
                file=err,
            )
    for p in res.warnings[:SHOW_WARNINGS]:
        print(f"  предупреждение — {_describe(p)}", file=stream)
    if len(res.warnings) > SHOW_WARNINGS:
        print(f"  … и ещё предупреждений: {fmt_int(len(res.warnings) - SHOW_WARNINGS)}", file=stream)


def _has_data(cur: duckdb.DuckDBPyConnection) -> dict[str, int]:
    counts = {}
    for table in ("territories", "municipalities", "colleges", "programs", "graduates", "status_rows"):
        counts[table] = int(cur.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])
    return counts


def cmd_init(args: argparse.Namespace) -> int:
    path = config.db_path(args.db)
    existed = path.exists()
    if args.sample and not existed:
        return _init_sample_fresh(path)
    with closing(db.open_database(path)) as con:
        with con.cursor() as cur:
            counts = _has_data(cur)
            demo = db.is_demo(cur)
        has_reference = counts["territories"] > 0
        has_records = counts["graduates"] > 0 or counts["status_rows"] > 0
        if args.sample and has_records:
            if demo:
                print(f"Демонстрационная база уже создана: {path}. Ничего не изменено.")
                return 0
            raise UserFacingError(
                f"База данных {path} уже содержит рабочие данные; демонстрационный регион загружается только "
                "в новую базу. Укажите другой файл: --db ПУТЬ."
            )
        if has_reference and not args.sample:
            print(
                f"База данных {path} уже создана и содержит справочники; ничего не изменено. "
                "Обновить справочники можно командой «vypusk load»."
            )
            return 0
        print(f"{'Открыта' if existed else 'Создана'} база данных: {path}")
        _load_reference(con)
        if args.sample:
            _load_sample(con, rebuild_spells=True)
            _demo_work(con)
    return 0


def _load_reference(con: duckdb.DuckDBPyConnection) -> None:
    with con.cursor() as cur:
        if _has_data(cur)["territories"] > 0:
            return
    failed = 0
    for res in load_reference_dir(con):
        print_result(res)
        failed += not res.ok
    if failed:
        raise UserFacingError("Не удалось загрузить справочники; база данных создана без них.")


def _init_sample_fresh(path: Path) -> int:
    """Build the demo region into a temporary file and move it into place only when complete.

    Spells are rebuilt once at the end instead of after every file (the demo has 3 million status
    rows); a failure or an interrupt leaves no half-built database behind.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.building")
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
        leftover.unlink(missing_ok=True)
    print(f"Создаётся демонстрационная база данных: {path}")
    try:
        with closing(db.open_database(tmp)) as con:
            _load_reference(con)
            _load_sample(con, rebuild_spells=False)
            with con.cursor() as cur:
                cur.execute("BEGIN TRANSACTION")
                spells.rebuild_spells(cur)
                db.bump_dataset_version(cur)
                cur.execute("COMMIT")
            _demo_work(con)
            with con.cursor() as cur:
                cur.execute("CHECKPOINT")
        tmp.replace(path)
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
            leftover.unlink(missing_ok=True)
    print("Демонстрационный регион загружен.")
    return 0


def _demo_work(con: duckdb.DuckDBPyConnection) -> None:
    """The demo's work with the risk group (vacancies, support measures, case measures): after the
    spells are built, since the cases come from them."""
    from demo import cases as demo_cases

    counts = demo_cases.apply(con, DEMO_SEED)
    if counts:
        print(
            f"Работа с группой риска: вакансий {counts['vacancies']}, мер по случаям {counts['measures']}, "
            f"мер поддержки в реестре {counts['support']}."
        )


def _load_sample(con: duckdb.DuckDBPyConnection, *, rebuild_spells: bool) -> None:
    """Write the demo files into a temp folder and load them in the order given."""
    try:
        from demo.sample import write_sample
    except ModuleNotFoundError as exc:
        raise UserFacingError("Генератор демонстрационных данных недоступен (модуль demo.sample).") from exc
    with tempfile.TemporaryDirectory(prefix="vypusk_sample_") as tmp:
        files = write_sample(Path(tmp), seed=DEMO_SEED)
        done = iter(range(1, len(files) + 1))

        def show(res: LoadResult) -> None:
            print(f"[{next(done)}/{len(files)}] {res.file_name}", flush=True)
            print_result(res)

        results = load_files(con, [(p, p.name) for p in files], rebuild_spells=rebuild_spells, on_result=show)
    failed = sum(not r.ok for r in results)
    if failed:
        raise UserFacingError(f"Не загружено файлов демонстрационного региона: {failed}.")
    with con.cursor() as cur:
        db.set_meta(cur, "is_demo", "1")
        db.set_meta(cur, "demo_seed", str(DEMO_SEED))
        from demo import arrivals as demo_arrivals

        demo_arrivals.apply(cur, DEMO_SEED)


def cmd_load(args: argparse.Namespace) -> int:
    scope = resolve_scope(args.user, args.db)
    with closing(db.open_database(args.db)) as con:
        mapping = None
        if getattr(args, "mapping", None):
            with con.cursor() as cur:
                mapping = import_mappings.find(cur, scope, args.mapping)
        # one batch: the next file is read (a status file also validated) while this one is written
        sources = [(Path(name), Path(name).name) for name in args.files]
        results = load_files(
            con, sources, kind=args.kind, scope=scope, mapping=mapping, on_result=print_result
        )
        refused = sum(not r.ok for r in results)
    if refused:
        print(
            f"Не загружено файлов: {refused} из {len(args.files)}.",
            file=sys.stderr,
        )
        return 1
    return 0
