"""Run every benchmark against a dedicated `<db>_bench` database and write bench/results.json.

Each module named in BENCHMARKS exposes `run() -> dict[name, (value, unit)]`; a module
that is not there yet is passed over. `python -m bench NAME...` runs only those.
"""

import json
import os
import sys
from pathlib import Path

import dj_database_url

from deflection.stack import ensure_database

RESULTS = Path(__file__).with_name("results.json")
BENCHMARKS = [
    "bench.foundation",
    "bench.referrals",
    "bench.resilience",
    "bench.training",
    "bench.feedback",
    "bench.reports",
    "bench.api",
    "bench.overdose",
]


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

    import importlib

    wanted = set(sys.argv[1:])
    results: dict[str, dict] = {}
    for module_name in BENCHMARKS:
        if wanted and module_name.split(".")[-1] not in wanted:
            continue
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        for name, (value, unit) in module.run().items():
            results[name] = {"value": value, "unit": unit}
            print(f"{name} {value} {unit}", flush=True)
    if wanted and RESULTS.exists():
        # A partial run (`python -m bench NAME`) updates its own figures and keeps the others.
        results = {**json.loads(RESULTS.read_text()), **results}
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
