#!/usr/bin/env bash
# Fashion-MNIST as the four standard gzipped IDX files: what the PVR tests and CI train on.
# Idempotent: does nothing when the package is already installed.
set -euo pipefail
if dpkg-query -W -f='${Status}' dataset-fashion-mnist 2>/dev/null | grep -q 'install ok installed'; then
  echo 'dataset-fashion-mnist already installed'
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends dataset-fashion-mnist
dpkg -L dataset-fashion-mnist | grep -E 'ubyte' || true
