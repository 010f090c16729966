#!/usr/bin/env bash
# The GPU check of Table 1's paper network: ResNet-18 (samples/pvr/paper.ts) on the webgpu backend, STANDARD and
# IIT, one seed, on MNIST digits. Runs on the device machine from the repository root, with .device/ carried
# (scripts/device/pack.sh makes it):
#   bash scripts/device/pvr-webgpu.sh smoke          # backends + 3 IIT steps (about a minute)
#   bash scripts/device/pvr-webgpu.sh measure [N]    # STANDARD and IIT, N steps each (default 400), then evaluation
# Reports (JSON) and a log go to $OUT (or /tmp/pvr-webgpu). IIT_DEVICE_NO_GL=1 skips unpacking the Vulkan loader
# (for a rehearsal on a machine that has one, e.g. lavapipe here); PVR_FILE=samples/pvr/quick.ts rehearses on the
# small network, whose evaluation a software adapter finishes in minutes.
set -euo pipefail
cd "$(dirname "$0")/../.."
mode=${1:-smoke}
steps=${2:-400}
out=${OUT:-/tmp/pvr-webgpu}
mkdir -p "$out"
exec > >(tee -a "$out/log.txt") 2>&1

. scripts/device/setup.sh
export IIT_DATA_DIR=$PWD/.device/mnist
echo "pvr-webgpu: $(date -u +%FT%TZ) mode $mode; node $(node --version)"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || true
node bin/iit-studio.js backends

run() { # config steps
  local dir=/tmp/pvr-webgpu-runs/$1-$2
  rm -rf "$dir"
  local t0=$(date +%s.%N)
  node bin/iit-studio.js train "${PVR_FILE:-samples/pvr/paper.ts}" --config "$1" --backend webgpu --steps "$2" --out "$dir" --json \
    > "$out/$1-$2.json"
  local t1=$(date +%s.%N)
  node -e "const r=require('$out/$1-$2.json'), p=(x)=>(100*x).toFixed(2);
    console.log('pvr-webgpu: $1 $2 steps in', ($t1-$t0).toFixed(1), 's (train', r.timing.trainSeconds.toFixed(1),
      's); test behaviour', p(r.metrics.test.behavioral), 'IIA', p(r.metrics.test.iia.overall), 'on', r.backend,
      '; data', r.data && r.data.name)"
}

if [ "$mode" = smoke ]; then
  run IIT 3
else
  run STANDARD "$steps"
  run IIT "$steps"
fi
