"""Logs carry no СНИЛС (message, arguments, traceback), and under systemd each line has a priority."""

from __future__ import annotations

import logging

import pytest

from data_layer import logs


@pytest.fixture
def handler() -> logging.Handler:
    h = logs.StderrHandler()
    h.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    h.addFilter(logs.PersonalDataFilter())
    return h


def _emit(h: logging.Handler, level: int, msg: str, *args: object, exc: BaseException | None = None) -> None:
    log = logging.getLogger("vypusk.test")
    record = log.makeRecord(log.name, level, __file__, 1, msg, args, (type(exc), exc, None) if exc else None)
    h.handle(record)


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("СНИЛС 12345678901 не найден", "СНИЛС ***-***-*** ** не найден"),
        ("snils=123-456-789 01;", "snils=***-***-*** **;"),
        ("123-456-789-01 и 123 456 789 01", "***-***-*** ** и ***-***-*** **"),
        # not a СНИЛС: a 10-digit ИНН, a 12-digit ИНН, dates, a load id
        (
            "ИНН 6311012345, ИНН 631101234567, 26.11.2026, load 1234",
            "ИНН 6311012345, ИНН 631101234567, 26.11.2026, load 1234",
        ),
    ],
)
def test_mask(raw: str, masked: str) -> None:
    assert logs.mask_personal_data(raw) == masked


def test_snils_in_arguments_and_traceback_is_masked(
    handler: logging.Handler, capsys: pytest.CaptureFixture[str]
) -> None:
    _emit(handler, logging.WARNING, "row %s refused: %r", 17, {"snils": "11223344595"})
    try:
        raise ValueError('Constraint Error: duplicate key "112-233-445 95"')
    except ValueError as exc:
        _emit(handler, logging.ERROR, "load failed", exc=exc)
    err = capsys.readouterr().err
    assert "row 17 refused: {'snils': '***-***-*** **'}" in err
    assert 'duplicate key "***-***-*** **"' in err
    assert "11223344595" not in err and "112-233-445 95" not in err


def test_journald_lines_carry_priority(capsys: pytest.CaptureFixture[str]) -> None:
    h = logs.StderrHandler()
    h.setFormatter(logs.JournalFormatter("%(levelname)s %(name)s: %(message)s"))
    _emit(h, logging.ERROR, "two\nlines")
    _emit(h, logging.INFO, "started")
    assert capsys.readouterr().err.splitlines() == [
        "<3>ERROR vypusk.test: two",
        "<3>lines",
        "<6>INFO vypusk.test: started",
    ]


def test_configure_filters_streamlit_handlers() -> None:
    st_logger = logging.getLogger("streamlit.test_logs_handler_owner")
    own = logging.StreamHandler()
    st_logger.addHandler(own)
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        logs.configure()
        assert any(isinstance(f, logs.PersonalDataFilter) for f in own.filters)
        assert any(isinstance(h, logs.StderrHandler) for h in logging.getLogger().handlers)
    finally:
        st_logger.removeHandler(own)
        root.handlers[:] = handlers
        root.setLevel(level)
