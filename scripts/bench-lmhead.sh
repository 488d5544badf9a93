#!/usr/bin/env bash
# linear_cross_entropy beside torch CPU (same thread count, one run): forward + backward times for
# N=4096 H=1024 V=32000 and N=1024 H=4096 V=128256, peak extra memory for N=8192 H=1024 V=32000,
# and filter_gradient's error and speed. Needs torch (TORCH_PYTHON, default /work/torch-venv/bin/python).
# Not part of CI; takes several minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product LMHeadBenchmark
"${TORCH_PYTHON:-/work/torch-venv/bin/python}" scripts/bench_lmhead.py "$(swift build -c release --show-bin-path)/LMHeadBenchmark"
