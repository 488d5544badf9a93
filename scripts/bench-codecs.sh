#!/usr/bin/env bash
# JSON codec throughput, in one run: lossd's reader and writer on a 1M-float array, a plain memcpy
# of the same bytes, Foundation's JSONSerialization, and orjson (`loads` of the same bytes;
# `dumps` of the same float32 values as a numpy array with OPT_SERIALIZE_NUMPY). Prints MB/s and
# lossd's ratio to each (thread CPU time, median of 7: the machine is shared). Release build of
# the separate package Benchmarks/CodecBench (not part of CI). Pass --quick for a smoke run.
# orjson and numpy come from PyPI into Benchmarks/CodecBench/.build/orjson-venv (made on first
# use), or from the Python named by ORJSON_PYTHON.
set -euo pipefail
cd "$(dirname "$0")/../Benchmarks/CodecBench"
# The root package is a path dependency: drop the cached build plan so that files added or
# removed there since the last run are seen (SwiftPM otherwise fails on "missing inputs").
rm -f .build/release.yaml .build/*/release/description.json
swift build -c release --product CodecBench
if [ -z "${ORJSON_PYTHON:-}" ]; then
    ORJSON_PYTHON="$PWD/.build/orjson-venv/bin/python"
    if ! "$ORJSON_PYTHON" -c "import orjson, numpy" 2>/dev/null; then
        python3 -m venv .build/orjson-venv
        "$ORJSON_PYTHON" -m pip install -q orjson numpy
    fi
fi
emit=$(mktemp -d /tmp/codecbench.XXXXXX)
trap 'rm -rf "$emit"' EXIT
"$(swift build -c release --show-bin-path)/CodecBench" --emit "$emit" "$@"
"$ORJSON_PYTHON" - "$emit" "$@" <<'PY'
import os, statistics, sys, time
import numpy as np, orjson
emit, quick = sys.argv[1], "--quick" in sys.argv
rounds = 2 if quick else 7

def median_seconds(body):
    times = []
    for _ in range(rounds):
        start = time.thread_time()
        body()
        times.append(time.thread_time() - start)
    return statistics.median(times)

print(f"\norjson {orjson.__version__} on the same bytes / values (thread CPU time, median of {rounds}); "
      "ratio = lossd's speed / orjson's")
print(f"{'case':26} {'MB':>7} {'lossd MB/s':>11} {'memcpy MB/s':>12} {'orjson MB/s':>12} {'lossd/orjson':>13} {'lossd/memcpy':>13}")
for line in open(os.path.join(emit, "lossd.tsv")):
    name, size, ours, copy = line.split("\t")
    size, ours, copy = int(size), float(ours), float(copy)
    stem = os.path.join(emit, name.replace(" ", "_"))
    if name.startswith("parse"):
        text = open(stem + ".json", "rb").read()
        theirs_bytes = len(text)
        theirs = median_seconds(lambda: orjson.loads(text))
    elif os.path.exists(stem + ".f32"):
        values = np.fromfile(stem + ".f32", dtype=np.float32)
        theirs_bytes = len(orjson.dumps(values, option=orjson.OPT_SERIALIZE_NUMPY))
        theirs = median_seconds(lambda: orjson.dumps(values, option=orjson.OPT_SERIALIZE_NUMPY))
    else:
        continue
    mbs = size / 1e6 / ours
    theirs_mbs = theirs_bytes / 1e6 / theirs
    print(f"{name:26} {size / 1e6:7.1f} {mbs:11.1f} {size / 1e6 / copy:12.1f} {theirs_mbs:12.1f} "
          f"{theirs / ours:12.2f}x {copy / ours:12.3f}x")
print("orjson's MB/s count its own output for writes (its float32 spelling differs in length); the ratio"
      " compares the time for the same values (parse: the same bytes).")
PY
