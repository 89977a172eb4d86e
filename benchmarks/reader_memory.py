"""Peak memory of the bounded reader (issue 12) on the largest file the default limits allow.

    .venv/bin/python benchmarks/reader_memory.py [--rows 1048575] [--cols 23] [--json OUT]

Writes a ФИС ФРДО-shaped workbook (inline strings, like a federal extract exported by a script)
of `--rows` data rows × `--cols` columns — by default a full xlsx sheet as wide as VYPUSK_MAX_CELLS
allows — reads it through `sandbox.read_bounded` exactly as an upload is read (container checks, a
child process under the memory and time limits) and prints the child's peak RSS and the server
process's own peak, as JSON: {"rows", "cols", "cells", "file_mb", "unzipped_mb", "read_s",
"reader_peak_mb", "server_peak_mb", "memory_limit_mb"}.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openpyxl.utils import get_column_letter

from data_layer.importer.limits import ReadLimits
from data_layer.importer.sandbox import read_bounded

HEADER = ["СНИЛС", "Код ПОО", "Код специальности", "Дата выдачи", "Рег. номер"]


def write_workbook(path: Path, rows: int, cols: int) -> int:
    """A minimal xlsx written straight as XML (fast); returns the uncompressed size."""
    header = HEADER + [f"Доп. {i}" for i in range(cols - len(HEADER))]
    letters = [get_column_letter(c) for c in range(1, cols + 1)]

    def row_xml(r: int, values: list[str]) -> str:
        cells = "".join(
            f'<c r="{letters[i]}{r}" t="inlineStr"><is><t>{v}</t></is></c>' for i, v in enumerate(values)
        )
        return f'<row r="{r}">{cells}</row>'

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
            '"/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.'
            'main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
            'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships"><sheets><sheet name="ФРДО" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        )
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(
                '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                f'spreadsheetml/2006/main"><dimension ref="A1:{letters[-1]}{rows + 1}"/><sheetData>'.encode()
            )
            f.write(row_xml(1, header).encode())
            chunk: list[str] = []
            for r in range(2, rows + 2):
                n = 100_000_000 + r
                values = [f"{n:09d}00", f"P{r % 3500:04d}", "09.02.07", "30.06.2024", f"R{r:08d}"]
                values += [f"x{r % 97}"] * (cols - len(values))
                chunk.append(row_xml(r, values))
                if len(chunk) == 20_000:
                    f.write("".join(chunk).encode())
                    chunk = []
            f.write(("".join(chunk) + "</sheetData></worksheet>").encode())
        return sum(i.file_size for i in z.infolist())


def main(argv: list[str] | None = None) -> int:
    limits = ReadLimits.from_env()
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_048_575)
    ap.add_argument("--cols", type=int, default=0, help="0: as wide as VYPUSK_MAX_CELLS allows")
    ap.add_argument("--json", type=Path)
    a = ap.parse_args(argv)
    cols = a.cols or min(limits.columns, limits.cells // (a.rows + 1))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "frdo.xlsx"
        unzipped = write_workbook(path, a.rows, cols)
        data = path.read_bytes()
        t = time.perf_counter()
        table = read_bounded(data, path.name, "frdo", limits)
        read_s = time.perf_counter() - t
    out = {
        "rows": table.frame.height,
        "cols": cols,
        "cells": (a.rows + 1) * cols,
        "file_mb": round(len(data) / 2**20, 1),
        "unzipped_mb": round(unzipped / 2**20, 1),
        "read_s": round(read_s, 1),
        "reader_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024,
        "server_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "memory_limit_mb": limits.memory_mb,
    }
    print(json.dumps(out, ensure_ascii=False))
    if a.json:
        a.json.write_text(json.dumps(out, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
