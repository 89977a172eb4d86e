"""The upload page's per-check limits (issue 12): too many files, or too many megabytes together,
are refused from the sizes alone — no file is read or previewed, nothing is kept, and the uploader
starts empty; the refusal names the limit and the setting."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data_layer import db
from data_layer.importer import load_reference_dir
from tests.app.test_pages_work import open_page, plain
from ui import upload_flow

CSV = "text/csv"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    path = tmp_path_factory.mktemp("upload_limits") / "ref.duckdb"
    con = db.open_database(path)
    load_reference_dir(con)
    con.close()
    return path, {}


@pytest.fixture
def previews(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the files the page hands to the importer's preview."""
    seen: list[str] = []
    real = upload_flow.preview_file

    def spy(con: object, data: bytes, name: str, **kw: object) -> object:
        seen.append(name)
        return real(con, data, name, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(upload_flow, "preview_file", spy)
    return seen


def _choose(at: AppTest, files: list[tuple[str, bytes, str]]) -> AppTest:
    at.file_uploader(key=f"upload_files_{at.session_state['_upload_gen']}").set_value(files).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _refused(at: AppTest) -> str:
    assert at.session_state["_upload_gen"] == 1, "a fresh, empty uploader"
    assert not at.session_state["_upload_pending"]
    assert at.button(key="upload_go").disabled
    assert len(at.error) == 1, [plain(e.value) for e in at.error]
    return plain(at.error[0].value)


def test_too_many_files_are_refused_before_reading(
    region: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch, previews: list[str]
) -> None:
    monkeypatch.setenv("VYPUSK_MAX_FILES_PER_UPLOAD", "2")
    at = open_page("pages/screens/upload.py", "base_centre")
    at = _choose(at, [(f"f{i}.csv", b"a;b\n1;2\n", CSV) for i in range(3)])
    text = _refused(at)
    assert "файлов — 3, это больше предела 2" in text
    assert "VYPUSK_MAX_FILES_PER_UPLOAD" in text
    assert previews == []
    at.run()  # shown once
    assert not at.error


def test_too_large_together_are_refused_and_within_limits_pass(
    region: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch, previews: list[str]
) -> None:
    monkeypatch.setenv("VYPUSK_MAX_UPLOAD_TOTAL_MB", "1")
    half = b"x" * (600 * 1024)  # two of them: 1.2 MB together, 2 MB rounded up
    at = open_page("pages/screens/upload.py", "base_centre")
    at = _choose(at, [("a.csv", half, CSV), ("b.csv", half, CSV)])
    text = _refused(at)
    assert "общий размер файлов — 2 МБ, это больше предела 1 МБ" in text
    assert "VYPUSK_MAX_UPLOAD_TOTAL_MB" in text
    assert previews == []
    # one of them fits: it is checked (and refused by the importer, not by the limit)
    at = _choose(at, [("a.csv", half, CSV)])
    assert not at.button(key="upload_go").disabled
    at.button(key="upload_go").click().run()
    assert previews == ["a.csv"]
    assert at.session_state["_upload_gen"] == 1


def test_refused_files_leave_streamlits_upload_storage(monkeypatch: pytest.MonkeyPatch) -> None:
    from types import SimpleNamespace

    from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
    from streamlit.runtime.uploaded_file_manager import UploadedFile, UploadedFileRec

    mgr = MemoryUploadedFileManager("/mock/upload")
    recs = [UploadedFileRec(f"id{i}", f"f{i}.csv", CSV, b"x" * 1000) for i in range(3)]
    for rec in recs:
        mgr.add_file("s1", rec)
    mgr.add_file("s2", UploadedFileRec("other", "o.csv", CSV, b"y"))  # another session's file stays
    ctx = SimpleNamespace(uploaded_file_mgr=mgr, session_id="s1")
    monkeypatch.setattr(upload_flow, "get_script_run_ctx", lambda: ctx)
    upload_flow._release([UploadedFile(r, None) for r in recs[:2]])  # type: ignore[arg-type]
    assert sorted(mgr.file_storage["s1"]) == ["id2"]
    assert list(mgr.file_storage["s2"]) == ["other"]
