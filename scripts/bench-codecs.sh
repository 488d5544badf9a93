#!/usr/bin/env bash
# JSON codec throughput: parse and write a 1M-float array with lossd's reader/writer and with
# Foundation's JSONSerialization on the same bytes; prints MB/s and the ratio. Release build of
# the separate package Benchmarks/CodecBench (not part of CI). Pass --quick for a smoke run.
set -euo pipefail
cd "$(dirname "$0")/../Benchmarks/CodecBench"
# The root package is a path dependency: drop the cached build plan so that files added or
# removed there since the last run are seen (SwiftPM otherwise fails on "missing inputs").
rm -f .build/release.yaml .build/*/release/description.json
swift build -c release --product CodecBench
"$(swift build -c release --show-bin-path)/CodecBench" "$@"
