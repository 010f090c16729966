#!/usr/bin/env bash
# The measurements quoted in docs/BENCH-REFERENCE.md: one JSON line per run,
# each configuration REPEAT times (default 3), to stdout.
# Usage: bench/reference/run_matrix.sh [THREADS] [REPEAT] > results.jsonl
set -euo pipefail
cd "$(dirname "$0")"
T=${1:-2}
R=${2:-3}
py=/usr/bin/python3 # Debian's interpreter: the one with python3-torch
for ((i = 0; i < R; i++)); do
  # Steps per window sized so a window lasts ~0.1-1 s on 2 cores.
  for ph in train eval; do
    $py iit_bench.py --width 16 --k 2 --phase $ph --threads "$T" --steps 50 --warmup 10
    for k in 1 2 4; do
      $py iit_bench.py --width 256 --k $k --phase $ph --threads "$T" --steps 10 --warmup 5
    done
    $py iit_bench.py --width 1024 --k 2 --phase $ph --threads "$T" --steps 3 --warmup 2
    $py pvr_bench.py --batch 32 --k 4 --phase $ph --threads "$T" --steps 1 --windows 3 --warmup 1
  done
  $py pvr_bench.py --batch 32 --k 4 --swap typed --phase train --threads "$T" --steps 1 --windows 3 --warmup 1
done
