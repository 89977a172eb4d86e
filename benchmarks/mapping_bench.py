"""Cost of applying a saved mapping (issue 13, item 1) at the read boundary.

    .venv/bin/python benchmarks/mapping_bench.py [--rows 200000] [--repeat 3]

Writes an АИС «Трудовые ресурсы»-shaped status CSV of `--rows` rows (the headers and labels of
sample_data/examples/ais_trudovye_resursy.xlsx) and the same rows with the contract's headers and
codes, reads each the way an upload is read (`readers.read_table`; the mapped one through
`mapping.read_mapped` with the saved mapping of the example) and prints, as JSON, the best of
`--repeat` times: {"rows", "plain_read_s", "mapped_read_s", "mapping_overhead_s"}.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from data_layer.config import SAMPLE_DATA_DIR
from data_layer.importer.limits import ReadLimits
from data_layer.importer.mapping import from_json, read_mapped
from data_layer.importer.readers import read_table

AIS = ["СНИЛС выпускника", "Код ОО", "Дата сведений", "Состояние занятости", "Работа по профилю"]
PLAIN = ["СНИЛС", "Код ПОО", "Дата актуализации", "Статус", "По специальности"]
AIS_STATES = [("Трудоустроен по специальности", "по профилю"), ("Декрет", ""), ("Призван в ВС РФ", "")]
MAPPING_FILE = SAMPLE_DATA_DIR / "examples" / "ais_trudovye_resursy.mapping.json"
CODES = [("employed", "да"), ("parental_leave", ""), ("military_conscript", "")]


def _csv(header: list[str], states: list[tuple[str, str]], rows: int) -> bytes:
    lines = [";".join(header)]
    for n in range(rows):
        state, profile = states[n % len(states)]
        lines.append(f"{100_000_000 + n:09d}00;P001;04.10.2024;{state};{profile}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _best(fn: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    limits = ReadLimits.from_env()
    mapping = from_json("АИС", "statuses", MAPPING_FILE.read_text(encoding="utf-8"))
    plain = _csv(PLAIN, CODES, args.rows)
    foreign = _csv(AIS, AIS_STATES, args.rows)
    mapped = read_mapped(read_table, foreign, "ais.csv", mapping, limits)
    assert mapped.frame.height == args.rows
    plain_s = _best(lambda: read_table(plain, "plain.csv", "statuses", limits), args.repeat)
    mapped_s = _best(lambda: read_mapped(read_table, foreign, "ais.csv", mapping, limits), args.repeat)
    out = {
        "rows": args.rows,
        "plain_read_s": round(plain_s, 3),
        "mapped_read_s": round(mapped_s, 3),
        "mapping_overhead_s": round(mapped_s - plain_s, 3),
    }
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
