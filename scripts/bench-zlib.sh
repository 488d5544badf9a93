#!/usr/bin/env bash
# zlib levels 1/3/6/9 on lossd-like float JSON: compression ratio and deflate/inflate MB/s through
# HTTPServer's Deflater/Inflater, relative to level 6 in the same run. Release build of the
# separate package Benchmarks/ZlibBench (not part of CI). Pass --quick for a short smoke run.
set -euo pipefail
cd "$(dirname "$0")/../Benchmarks/ZlibBench"
swift build -c release --product ZlibBench
"$(swift build -c release --show-bin-path)/ZlibBench" "$@"
