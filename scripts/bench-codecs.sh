#!/usr/bin/env bash
# JSON codec throughput: parse and write a 1M-float array with lossd's reader/writer and with
# Foundation's JSONSerialization on the same bytes; prints MB/s and the ratio. Release build of
# the separate package Benchmarks/CodecBench (not part of CI). Pass --quick for a smoke run.
set -euo pipefail
cd "$(dirname "$0")/../Benchmarks/CodecBench"
swift build -c release --product CodecBench
"$(swift build -c release --show-bin-path)/CodecBench" "$@"
