"""`make bench`: the service's throughput and latency under load, held against its floors.

Run `python -m bench --help`; bench/README.md says what each part measures.
"""

from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
SQL_DIR = BENCH_DIR / "sql"
LUA_DIR = BENCH_DIR / "lua"
RESULTS_DIR = BENCH_DIR / "results"
