"""Foundation figures: health check and officer home latency, login page weight."""

import gzip
import statistics
import time
from pathlib import Path

import xstatic.pkg.bootstrap
from django.test import Client

BASE_DIR = Path(__file__).resolve().parent.parent


def _timed(fn, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def run() -> dict[str, tuple[float, str]]:
    from deflection import health  # noqa: PLC0415  (needs Django set up)

    client = Client(HTTP_HOST="127.0.0.1")
    # No worker runs during the benchmark: record the heartbeat one would, so the check answers 200.
    health.record_heartbeat()
    assert client.get("/healthz").status_code == 200
    samples = _timed(lambda: client.get("/healthz"), 50)
    login = client.get("/accounts/login/")
    assert login.status_code == 200, login.status_code
    css = b"".join(
        Path(p).read_bytes()
        for p in [
            Path(xstatic.pkg.bootstrap.BASE_DIR) / "css/bootstrap.min.css",
            BASE_DIR / "static/css/deflection.css",
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
