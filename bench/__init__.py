"""`make bench`: the service's throughput and latency under wrk, held against its floors.

bench/targets.py lists what is measured against what; bench/README.md says how.
"""

from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
