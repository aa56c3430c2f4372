"""Run every benchmark against a dedicated `<db>_bench` database and write bench/results.json.

Each module in BENCHMARKS exposes `run() -> dict[name, (value, unit)]`.
"""

import gzip
import json
import os
import statistics
import sys
import time
from pathlib import Path

import dj_database_url

from deflection.stack import ensure_database

RESULTS = Path(__file__).with_name("results.json")


def _bench_database_url() -> str:
    url = os.environ["DATABASE_URL"]
    cfg = dj_database_url.parse(url)
    base, _, _name = url.rpartition("/")
    return f"{base}/{cfg['NAME']}_bench"


def main() -> None:
    os.environ["DATABASE_URL"] = _bench_database_url()
    ensure_database(os.environ["DATABASE_URL"])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "deflection.settings")
    os.environ.setdefault("DEBUG", "true")
    os.environ["REQUIRE_MFA"] = "false"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", "--noinput", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115

    results: dict[str, dict] = {}
    for name, (value, unit) in foundation().items():
        results[name] = {"value": value, "unit": unit}
        print(f"{name} {value} {unit}", flush=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")


def _timed(fn, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def foundation() -> dict[str, tuple[float, str]]:
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    samples = _timed(lambda: client.get("/healthz"), 50)
    login = client.get("/accounts/login/")
    assert login.status_code == 200, login.status_code
    css = b"".join(
        Path(p).read_bytes()
        for p in [
            sys.modules["xstatic.pkg.bootstrap"].BASE_DIR + "/css/bootstrap.min.css",
            str(Path(__file__).resolve().parent.parent / "static/css/deflection.css"),
        ]
    )
    login_kb = (len(gzip.compress(login.content)) + len(gzip.compress(css))) / 1024
    assert client.login(username="officer", password="Deflect-Demo-2026")
    assert client.get("/referrals/").status_code == 200
    home = _timed(lambda: client.get("/referrals/"), 30)
    return {
        "healthz_p50_ms": (round(statistics.median(samples), 2), "ms"),
        "officer_home_p50_ms": (round(statistics.median(home), 2), "ms"),
        "login_page_first_load_kb": (round(login_kb, 1), "kB"),
    }


if __name__ == "__main__":
    import xstatic.pkg.bootstrap  # noqa: F401  (foundation() reads its files)

    main()
