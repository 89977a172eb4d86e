"""`vypusk sample --out DIR [--graduates N] [--seed S]`: write the files of the synthetic demo region."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from data_layer.text import fmt_int
from demo.plan import DEFAULT_GRADUATES
from demo.sample import generate


def _run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    res = generate(Path(args.out), args.graduates, args.seed)
    took = time.perf_counter() - started
    print(
        f"Записано файлов: {len(res.files)} в {Path(args.out).resolve()}\n"
        f"ПОО: {fmt_int(res.colleges)}, выпускников: {fmt_int(res.graduates)}, "
        f"строк статусов: {fmt_int(res.status_rows)} (срезы: {_calendar_ru(res.calendar)}); "
        f"время: {f'{took:.1f}'.replace('.', ',')} с"
    )
    if res.realism is not None:
        print(res.realism.text())
    return 0


def _calendar_ru(mode: str) -> str:
    if mode == "weekly":
        return "еженедельно для выпусков 2024–2025, ежемесячно для 2021–2023"
    if mode == "monthly":
        return "ежемесячно"
    return f"раз в {mode.split()[1]} мес."


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """`vypusk sample --out DIR [--graduates N] [--seed S]`."""
    p = subparsers.add_parser(
        "sample",
        help="записать файлы синтетического демо-региона",
        description="Записывает файлы импорта (справочники, фактический выпуск, статусы, ФИС ФРДО, УФНС, ЦЗН, "
        "мероприятия, карьерные треки) синтетического демо-региона в каталог. "
        "Тот же --seed даёт те же файлы.",
    )
    p.add_argument("--out", required=True, metavar="КАТАЛОГ", help="куда записать файлы")
    p.add_argument(
        "--graduates",
        type=int,
        default=None,
        metavar="N",
        help=f"выпускников за все годы (по умолчанию {fmt_int(DEFAULT_GRADUATES)}; до 2 500 000 для нагрузочных тестов)",
    )
    p.add_argument("--seed", type=int, default=42, help="начальное значение генератора (по умолчанию 42)")
    p.set_defaults(func=_run)
