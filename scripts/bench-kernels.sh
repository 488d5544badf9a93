#!/usr/bin/env bash
# Kernel throughput: lossd's fused cross entropy (release build) next to its in-process
# baselines, then PyTorch on the same shapes when a torch virtualenv is available
# (TORCH_PYTHON, default /work/torchenv/bin/python). Not part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product KernelBenchmark
"$(swift build -c release --show-bin-path)/KernelBenchmark" "$@"
py="${TORCH_PYTHON:-/work/torchenv/bin/python}"
if [ -x "$py" ]; then "$py" Tests/LossKernelsTests/Golden/bench_torch.py; fi
