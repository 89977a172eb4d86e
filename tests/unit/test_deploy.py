"""Deployment defaults (issue 12): localhost by default, owner-only files, a TLS reverse proxy
config that passes the websocket and a trustworthy client address."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import tomllib
from pathlib import Path

import pytest

from data_layer import config, db

NGINX_CONF = config.PROJECT_DIR / "deploy" / "nginx" / "vypusk.conf"


def test_server_listens_on_localhost_by_default() -> None:
    conf = tomllib.loads((config.PROJECT_DIR / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert conf["server"]["address"] == "localhost"


def test_database_files_are_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "p.duckdb"
    con = db.open_database(path)
    con.execute("CREATE TABLE t AS SELECT 1 AS x")
    con.close()
    assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0
    assert stat.S_IMODE(path.parent.stat().st_mode) & 0o077 == 0
    (tmp_path / "report.xlsx").write_bytes(b"x")  # anything the process writes afterwards
    assert stat.S_IMODE((tmp_path / "report.xlsx").stat().st_mode) & 0o077 == 0


def test_existing_world_readable_database_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    db.open_database(path).close()
    os.chmod(path, 0o644)
    db.open_database(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_nginx_config_proxies_websocket_over_tls() -> None:
    text = NGINX_CONF.read_text(encoding="utf-8")
    assert re.search(r"listen 443 ssl", text)
    assert "proxy_pass http://127.0.0.1:8501;" in text
    assert "proxy_set_header Upgrade $http_upgrade;" in text
    assert "proxy_set_header Connection $connection_upgrade;" in text
    assert "proxy_http_version 1.1;" in text
    # the client address is overwritten, never appended to (a forged header would pass through)
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in text
    assert "$proxy_add_x_forwarded_for" not in text
    assert text.count("{") == text.count("}")


@pytest.mark.skipif(
    shutil.which("nginx") is None, reason="nginx is not installed (apt-get install nginx-light)"
)
def test_nginx_accepts_the_config(tmp_path: Path) -> None:
    """`nginx -t` on the config inside a minimal main config, with a throwaway certificate."""
    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=test", "-days", "1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    site = NGINX_CONF.read_text(encoding="utf-8")
    site = site.replace("/etc/ssl/vypusk/fullchain.pem", str(cert)).replace(
        "/etc/ssl/vypusk/privkey.pem", str(key)
    )
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    main = (
        f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;\n"
        "events {}\n"
        f"http {{ access_log off; client_body_temp_path {tmp_path}; proxy_temp_path {tmp_path}; "
        f"include {tmp_path}/site.conf; }}\n"
    )
    (tmp_path / "nginx.conf").write_text(main, encoding="utf-8")
    res = subprocess.run(
        ["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0, res.stderr
