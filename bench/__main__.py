"""Run every benchmark against a dedicated `<db>_bench` database and write bench/results.json.

Each module named in BENCHMARKS exposes `run() -> dict[name, (value, unit)]`; a module
that is not there yet is passed over. `python -m bench NAME...` runs only those; `NAME.PART` runs one
part of a module that names its parts (`PARTS`, passed to `run(parts=...)`), e.g.
`python -m bench reports.unwarmed` for the unwarmed report views alone. A module with
`USES_DEMO = False` needs no demo program: when only such modules run, the demo is not seeded.
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


def _wanted(args: list[str]) -> tuple[set[str], dict[str, set[str]]]:
    """Module names asked for, and for each module asked for by part only, those parts."""
    whole, parts = set(), {}
    for arg in args:
        name, _, part = arg.partition(".")
        if part:
            parts.setdefault(name, set()).add(part)
        else:
            whole.add(name)
    return whole | parts.keys(), {name: chosen for name, chosen in parts.items() if name not in whole}


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

    import importlib

    wanted, parts = _wanted(sys.argv[1:])
    modules = []
    for module_name in BENCHMARKS:
        if wanted and module_name.split(".")[-1] not in wanted:
            continue
        try:
            modules.append(importlib.import_module(module_name))
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
    if any(getattr(module, "USES_DEMO", True) for module in modules):
        call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    results: dict[str, dict] = {}
    for module in modules:
        chosen = parts.get(module.__name__.split(".")[-1])
        if chosen:
            unknown = chosen - set(module.PARTS)
            if unknown:
                raise SystemExit(f"{module.__name__} has no part {', '.join(sorted(unknown))} (parts: {', '.join(module.PARTS)})")
        figures = module.run(parts=chosen) if chosen else module.run()
        for name, (value, unit) in figures.items():
            results[name] = {"value": value, "unit": unit}
            print(f"{name} {value} {unit}", flush=True)
    if wanted and RESULTS.exists():
        # A partial run (`python -m bench NAME`) updates its own figures and keeps the others.
        results = {**json.loads(RESULTS.read_text()), **results}
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
