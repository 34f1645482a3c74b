"""bench/run: T1–T5 on the generated data set, printed as one table (median, p95, p99).

    bench/run [--only T1,T2,T3,T4,T5] [--runs 3] [--workers 2] [--t1-seconds 10] [--reps 30]
              [--database-url postgres://...] [--redis-url redis://127.0.0.1:6379/7]

Each test degrades to "n/a (missing: …)" when what it measures does not exist yet.
Everything runs on loopback and every loop is bounded. See bench/README.md.
"""
import argparse
import os
import signal
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Row, print_table, setup_django  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL",
                                                                 "postgres://postgres@127.0.0.1:5432/dudao_bench"))
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/7"))
    parser.add_argument("--only", default="T1,T2,T3,T4,T5")
    parser.add_argument("--runs", type=int, default=3, help="repeated runs for throughput figures")
    parser.add_argument("--workers", type=int, default=2, help="T1 worker processes")
    parser.add_argument("--t1-seconds", type=float, default=10)
    parser.add_argument("--reps", type=int, default=30, help="requests per persona and page (T2, T3)")
    parser.add_argument("--ws-clients", type=int, default=1000)
    parser.add_argument("--ws-idle", type=int, default=5000, help="idle clients per ASGI process (T4)")
    parser.add_argument("--t5-users", type=int, default=200)
    parser.add_argument("--t5-seconds", type=int, default=60)
    parser.add_argument("--t5-procs", type=int, default=2, help="daphne processes behind the T5 load")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _exit_cleanly)   # so the daphne processes we started are stopped
    setup_django(args.database_url, args.redis_url)
    only = {t.strip().upper() for t in args.only.split(",")}
    rows = []
    for name, fn in _tests(args).items():
        if name in only:
            started = time.monotonic()
            found = _guarded(name, fn)
            print(f"# {name} took {time.monotonic() - started:.0f}s", flush=True)
            print_table(found)    # each test's rows as soon as they exist
            print(flush=True)
            rows += found
    print("# all results")
    print_table(rows)
    return 0


def _exit_cleanly(signum, frame):
    raise SystemExit(128 + signum)


def _tests(args) -> dict:
    def t1():
        from bench import t1_flow
        return t1_flow.run(workers=args.workers, seconds=args.t1_seconds, runs=args.runs)

    def t2():
        from bench import t23_reads
        return t23_reads.t2(args.reps)

    def t3():
        from bench import t23_reads
        return t23_reads.t3(args.reps)

    def t4():
        from bench import t4_ws
        return t4_ws.run(clients=args.ws_clients, idle=args.ws_idle, database_url=args.database_url,
                         redis_url=args.redis_url)

    def t5():
        from bench import t5_load
        return t5_load.run(users=args.t5_users, seconds=args.t5_seconds, database_url=args.database_url,
                           redis_url=args.redis_url, procs=args.t5_procs)

    return {"T1": t1, "T2": t2, "T3": t3, "T4": t4, "T5": t5}


def _guarded(name, fn) -> list:
    """One failing test prints its reason in the table; the others still run."""
    try:
        return fn()
    except ModuleNotFoundError as exc:
        return [Row(name, "-", note=f"n/a (missing: {exc.name})")]
    except Exception as exc:  # noqa: BLE001 — a bench report, not a service
        traceback.print_exc(file=sys.stderr)
        return [Row(name, "-", note=f"failed: {type(exc).__name__}: {str(exc)[:120]}")]


if __name__ == "__main__":
    sys.exit(main())
