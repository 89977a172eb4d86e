"""`vypusk backup`, `vypusk restore` and `vypusk health`: running the server unattended.

While the app runs it holds the database file (DuckDB: one writing process), so `backup` and
`health` ask the app's housekeeping thread (`data_layer.service`) and wait for its answer; when no
process holds the file they open it read-only and do the work themselves. `restore` refuses while
any process holds the file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

from cli.parsing import add_command
from data_layer import backup, config, db, health, service
from data_layer.errors import DatabaseLockedError, UserFacingError
from data_layer.text import fmt_int
from metrics.formatting import fmt_num

BACKUP_TIMEOUT_S = 3600.0
HEALTH_TIMEOUT_S = 10.0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = add_command(
        subparsers,
        "backup",
        cmd_backup,
        help="резервная копия базы данных (можно при работающем приложении)",
        description="Записывает согласованную копию базы данных (и файла учётных записей) в папку копий. "
        "Если приложение работает, копию делает оно само; иначе команда открывает базу только для чтения.",
    )
    p.add_argument(
        "--out",
        help="папка для копий (по умолчанию VYPUSK_BACKUP_DIR или папка backups рядом с базой данных)",
    )
    p.add_argument("--keep", type=int, help="оставить только столько последних копий, более старые удалить")
    p.add_argument(
        "--timeout", type=float, default=BACKUP_TIMEOUT_S, help="сколько секунд ждать копию от приложения"
    )

    p = add_command(
        subparsers,
        "restore",
        cmd_restore,
        help="восстановить базу данных из резервной копии (приложение должно быть остановлено)",
        description="Проверяет копию (контрольная сумма, таблицы, число строк, версия схемы) и заменяет ею "
        "базу данных. Прежний файл сохраняется рядом как «ИМЯ.before-restore-ДАТА».",
    )
    p.add_argument(
        "backup", metavar="КОПИЯ", help="файл копии .duckdb (или её .json, или папка копий — самая новая)"
    )
    p.add_argument("--with-users", action="store_true", help="восстановить и файл учётных записей из копии")

    p = add_command(
        subparsers,
        "health",
        cmd_health,
        help="состояние системы для мониторинга (код выхода 0 — в порядке, 1 — есть проблемы)",
        description="Проверяет доступность базы данных, версию схемы, время последней загрузки, свободное "
        "место на диске и возраст последней резервной копии.",
    )
    p.add_argument("--format", choices=("text", "json"), default="text", help="формат вывода")
    p.add_argument(
        "--timeout", type=float, default=HEALTH_TIMEOUT_S, help="сколько секунд ждать ответа приложения"
    )


def _size(n: int) -> str:
    return f"{n / (1 << 20):.1f}".replace(".", ",") + " МБ"


def cmd_backup(args: argparse.Namespace) -> int:
    path = config.db_path(args.db)
    if not path.exists():
        raise UserFacingError(f"База данных не найдена: {path}.")
    out_dir = Path(args.out).expanduser().resolve() if args.out else backup.default_backup_dir(path)
    if args.keep is not None and args.keep < 1:
        raise UserFacingError("Число хранимых копий (--keep) должно быть не меньше 1.")
    try:
        res = backup.backup_unlocked(path, out_dir)
        written, manifest, seconds, by_app = res.path, res.manifest, res.seconds, False
    except DatabaseLockedError:
        if not service.app_seems_alive(path):
            raise UserFacingError(
                f"База данных {path} занята другим процессом, и это не работающее приложение (нет свежего "
                f"файла состояния {service.status_path(path)}). Дождитесь окончания его работы и повторите."
            ) from None
        answer = service.request(path, {"kind": "backup", "out_dir": str(out_dir)}, args.timeout)
        if answer is None:
            raise UserFacingError(
                f"Приложение не прислало копию за {args.timeout:.0f} с; если копирование уже началось, копия "
                f"появится в папке {out_dir}."
            ) from None
        if not answer.get("ok"):
            raise UserFacingError(str(answer.get("error") or "приложение не смогло сделать копию")) from None
        written, manifest, seconds, by_app = Path(answer["path"]), answer["manifest"], answer["seconds"], True
    rows = sum(int(n) for n in manifest["tables"].values())
    print(f"Резервная копия записана: {written}")
    print(
        f"  таблиц: {len(manifest['tables'])}, строк: {fmt_int(rows)}, размер: {_size(int(manifest['size_bytes']))}, "
        f"за {seconds:.1f} с".replace(".", ",")
        + (" (копию сделало работающее приложение)" if by_app else "")
    )
    if manifest.get("users_file"):
        print(f"  файл учётных записей: {manifest['users_file']}")
    if args.keep is not None:
        removed = backup.prune(out_dir, args.keep)
        if removed:
            print(f"  удалено старых копий: {len(removed)} (хранится {args.keep})")
    return 0


def _resolve_backup(arg: str) -> Path:
    p = Path(arg).expanduser().resolve()
    if p.is_dir():
        sets = backup.list_backups(p)
        if not sets:
            raise UserFacingError(f"В папке {p} нет резервных копий.")
        return sets[0]
    if p.suffix == backup.MANIFEST_SUFFIX:
        return p.with_suffix(backup.DB_SUFFIX)
    return p


def cmd_restore(args: argparse.Namespace) -> int:
    src = _resolve_backup(args.backup)
    res = backup.restore(src, args.db, with_users=args.with_users)
    m = res.manifest
    rows = sum(int(n) for n in m["tables"].values())
    print(f"База данных {res.db_path} восстановлена из копии {src.name} от {_ru_datetime(m['created_at'])}.")
    print(
        f"  проверено: контрольная сумма, таблиц {len(m['tables'])}, строк {fmt_int(rows)}, версия схемы {m['schema_version']}"
    )
    if res.previous_saved_as:
        print(f"  прежний файл сохранён как {res.previous_saved_as}")
    if res.migrations_applied:
        print(f"  применены изменения схемы: {', '.join(res.migrations_applied)}")
    if res.users_restored:
        print(f"  восстановлен файл учётных записей: {config.credentials_path()}")
    return 0


def _ru_datetime(iso: str) -> str:
    return dt.datetime.fromisoformat(iso).strftime("%d.%m.%Y %H:%M")


def health_report(db_arg: str | None, timeout_s: float) -> dict[str, Any]:
    """The health facts as a monitor sees them, plus `status` and `problems`."""
    path = config.db_path(db_arg)
    report: dict[str, Any] = {
        "database": str(path),
        "checked_at": dt.datetime.now().isoformat(timespec="seconds"),
    }
    facts: dict[str, Any]
    if not path.exists():
        facts = {"database_reachable": False, "error": f"файл базы данных не найден: {path}"}
        source, app_running = "none", False
    else:
        try:
            with closing(db.open_database(path, read_only=True)) as con, con.cursor() as cur:
                facts = health.collect(cur, path)
            source, app_running = "direct", False
        except DatabaseLockedError:
            app_running = service.app_seems_alive(path)
            answer = service.request(path, {"kind": "health"}, timeout_s) if app_running else None
            if answer is not None and answer.get("ok"):
                facts, source = dict(answer["health"]), "app"
            elif app_running:
                last = service.read_status(path) or {}
                facts = {k: v for k, v in last.items() if k not in ("pid", "written_at")}
                facts["database_reachable"] = False
                facts["error"] = f"приложение не ответило на запрос состояния за {timeout_s:.0f} с"
                source = "status_file"
            else:
                facts = {
                    "database_reachable": False,
                    "error": "база данных занята процессом, который не отвечает на запросы состояния",
                }
                source = "none"
        except UserFacingError as exc:
            facts = {"database_reachable": False, "error": str(exc)}
            source, app_running = "none", False
    status = service.read_status(path)
    age = service.status_age_s(status) if status is not None and app_running else None
    report.update(facts)
    report["source"] = source
    report["app_running"] = app_running
    report["app_status_age_s"] = round(age, 1) if age is not None else None
    report.setdefault("disk_free_mb", health.disk_facts(path)["disk_free_mb"])
    problems = health.problems(report)
    report["problems"] = problems
    report["status"] = "ok" if not problems else "fail"
    return report


def cmd_health(args: argparse.Namespace) -> int:
    report = health_report(args.db, args.timeout)
    if args.format == "json":
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        _print_health(report)
    return 0 if report["status"] == "ok" else 1


def _print_health(r: dict[str, Any]) -> None:
    out = sys.stdout
    print(f"Состояние: {'в порядке' if r['status'] == 'ok' else 'есть проблемы'}", file=out)
    print(
        f"  база данных: {r['database']} — {'доступна' if r.get('database_reachable') else 'недоступна'}",
        file=out,
    )
    print(
        f"  приложение: {'работает' if r['app_running'] else 'не работает или не открывало базу'}", file=out
    )
    if r.get("schema_version") is not None:
        print(
            f"  версия схемы: {r['schema_version']}, изменений схемы применено: {r.get('migrations_applied', 0)}",
            file=out,
        )
    if r.get("warmup_state"):
        print(f"  прогрев кэша: {warmup_text(r)}", file=out)
    last = r.get("last_load_at")
    print(f"  последняя загрузка: {_ru_datetime(last) if last else 'не было'}", file=out)
    print(f"  свободно на диске: {fmt_int(int(r.get('disk_free_mb') or 0))} МБ", file=out)
    last_backup = r.get("last_backup_at")
    print(f"  последняя резервная копия: {_ru_datetime(last_backup) if last_backup else 'нет'}", file=out)
    for p in r["problems"]:
        print(f"  • {p}", file=out)


def warmup_text(r: dict[str, Any]) -> str:
    """The app's cache warm-up (data_layer.warm_state) in Russian."""
    state = r.get("warmup_state")
    if state == "done":
        return f"выполнен за {fmt_num(float(r.get('warmup_s') or 0), 1)} с"
    if state == "running":
        return f"идёт (готово представлений: {r.get('warmup_steps') or 0})"
    if state == "failed":
        return "не удался"
    return "не начат (начнётся при первом открытии приложения)"
