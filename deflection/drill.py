"""The backup and restore drill: dump the database, restore it into a fresh one, and prove the copy works.

A backup nobody has restored is a hope, not a backup. The drill (``manage.py restore_drill``, ``make
drill``) takes a consistent dump with pg_dump, restores it with pg_restore into a new database on the
same server, and checks the copy: every table holds as many rows as the source did at the dump's
snapshot, every encrypted field decrypts with the configured keys, the audit chain verifies (through
``manage.py audit_verify``, where it exists), and the app started on the copy answers /healthz with its
database up. Nothing it prints holds personal data: table names, counts and timings only.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg
from django.apps import apps
from django.conf import settings
from django.core.management import get_commands
from django.db import connection

from deflection.crypto import EncryptedDateField, EncryptedTextField, decrypt_str

BASE_DIR = Path(settings.BASE_DIR)


@dataclass
class DrillReport:
    source: str
    copy: str
    tables: int = 0
    rows: int = 0
    encrypted_values: int = 0
    audit_chain: str = "not checked (no audit_verify command)"
    healthz: dict = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _pg_bin(name: str) -> str:
    """pgserver's PostgreSQL tools (version 16): they dump and restore both the embedded server and
    an older machine's server, which Debian's own tools cannot always do."""
    import pgserver  # noqa: PLC0415  (the wheel's files; importing it starts nothing)

    return str(Path(pgserver.__file__).parent / "pginstall" / "bin" / name)


def _libpq_env(database: str) -> dict[str, str]:
    s = connection.settings_dict
    env = {**os.environ, "PGDATABASE": database}
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if s.get(key):
            env[var] = str(s[key])
    return env


def _connect(database: str, **kwargs) -> psycopg.Connection:
    s = connection.settings_dict
    params = {
        "host": s["HOST"] or None,
        "port": s["PORT"] or None,
        "user": s["USER"] or None,
        "password": s["PASSWORD"] or None,
        "dbname": database,
    }
    return psycopg.connect(**{k: v for k, v in params.items() if v is not None}, **kwargs)


def _url_for(database: str) -> str:
    parsed = urlparse(settings.DATABASE_URL)
    return urlunparse(parsed._replace(path=f"/{database}"))


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{Path(command[0]).name} failed: {done.stderr.strip()[-800:]}")


def _dump_with_counts(source: str, dump_file: Path) -> dict[str, int]:
    """Count every table and dump inside one exported snapshot, so both describe the same moment."""
    with _connect(source) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        tables = [
            row[0] for row in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        ]
        counts = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}  # noqa: S608
        _run([_pg_bin("pg_dump"), "--format=custom", f"--snapshot={snapshot}", "--file", str(dump_file)], _libpq_env(source))
    return counts


def _recreate(database: str) -> None:
    with _connect("postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{database}"')


def drop_copy(database: str) -> None:
    with _connect("postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _check_counts(copy: str, expected: dict[str, int], report: DrillReport) -> None:
    with _connect(copy) as conn:
        for table, count in expected.items():
            restored = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608
            if restored != count:
                report.problems.append(f"{table}: {restored} rows restored, {count} in the source")
    report.tables = len(expected)
    report.rows = sum(expected.values())


def _check_encrypted(copy: str, report: DrillReport) -> None:
    """Decrypt every stored token of every encrypted field with the configured keys."""
    with _connect(copy) as conn:
        for model in apps.get_models():
            columns = [f.column for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField | EncryptedDateField)]
            for column in columns:
                table = model._meta.db_table
                failed = 0
                for (token,) in conn.execute(
                    f'SELECT "{column}" FROM "{table}" WHERE "{column}" <> \'\''  # noqa: S608
                ):
                    try:
                        decrypt_str(token)
                        report.encrypted_values += 1
                    except Exception:  # noqa: BLE001  (count it; never print the token)
                        failed += 1
                if failed:
                    report.problems.append(f"{table}.{column}: {failed} value(s) do not decrypt with the configured keys")


def _app_env(copy: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": _url_for(copy),
        "PYTHONPATH": str(BASE_DIR),
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "deflection.settings"),
    }


def _check_audit_chain(copy: str, report: DrillReport) -> None:
    if "audit_verify" not in get_commands():
        return
    done = subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), "audit_verify"], env=_app_env(copy), capture_output=True, text=True
    )
    report.audit_chain = "verified" if done.returncode == 0 else "FAILED"
    if done.returncode:
        report.problems.append(f"audit chain: audit_verify exited {done.returncode}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _check_healthz(copy: str, report: DrillReport) -> None:
    """Start the app (gunicorn) on the copy and ask it /healthz; its database must be up."""
    port = _free_port()
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    proc = subprocess.Popen(
        [gunicorn, "deflection.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1"],
        cwd=BASE_DIR,
        env=_app_env(copy),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    host = next((h.lstrip(".") for h in settings.ALLOWED_HOSTS if h != "*"), "127.0.0.1")
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"Host": host})
            try:
                with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310  (loopback)
                    report.healthz = {"status": response.status, **json.loads(response.read())}
                    break
            except urllib.error.HTTPError as error:  # 503: Redis or the worker; the body still says why
                report.healthz = {"status": error.code, **json.loads(error.read())}
                break
            except OSError:
                time.sleep(0.3)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    if not report.healthz.get("database", {}).get("ok"):
        report.problems.append(f"/healthz on the copy: {report.healthz or 'no answer'}")


def restore_drill(*, copy: str | None = None, keep: bool = False) -> DrillReport:
    source = connection.settings_dict["NAME"]
    copy = copy or f"{source}_drill"
    report = DrillReport(source=source, copy=copy)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="deflection-drill-") as tmp:
        dump_file = Path(tmp) / "deflection.dump"
        t = time.monotonic()
        counts = _dump_with_counts(source, dump_file)
        report.seconds["dump"] = time.monotonic() - t
        t = time.monotonic()
        _recreate(copy)
        _run(
            [_pg_bin("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--dbname", copy, str(dump_file)],
            _libpq_env(copy),
        )
        report.seconds["restore"] = time.monotonic() - t
    try:
        t = time.monotonic()
        _check_counts(copy, counts, report)
        _check_encrypted(copy, report)
        _check_audit_chain(copy, report)
        report.seconds["verify"] = time.monotonic() - t
        t = time.monotonic()
        _check_healthz(copy, report)
        report.seconds["healthz"] = time.monotonic() - t
    finally:
        if not keep:
            drop_copy(copy)
    report.seconds["total"] = time.monotonic() - started
    return report
