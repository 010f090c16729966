#!/usr/bin/env bash
# PyTorch side-by-side reference for `npm run bench` (a measuring instrument,
# never a product dependency). Debian's python3-torch is 1.13, CPU-only;
# libopenblas0-pthread gives it a real multi-threaded BLAS (without it the
# generic reference BLAS is picked and the reference is several times slower).
# Idempotent and non-interactive; run as root. Not part of .ci/: CI does not bench.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
pkgs=(python3-torch libopenblas0-pthread)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# Debian's interpreter, not a pyenv/venv python3 that may shadow it on PATH.
/usr/bin/python3 -c 'import torch; print("torch", torch.__version__, "threads", torch.get_num_threads())'
