#!/usr/bin/env bash
# The GPU check of ReaSCAN's paper-sized CNN-LSTM (issue 15): samples/reascan/paper.ts's network and recipe (batch
# 200, Adam 0.002), IIT+MULTI with attributes and position aligned, on the webgpu backend, one seed. The data are
# smaller than the paper's (200 worlds per command, 2,000 held-out examples per split, 1,000 evaluation pairs) so
# generation and evaluation fit the device's minutes; the measured splits are train, test and novel colour.
# From the repository root, with .device/ carried (scripts/device/pack.sh):
#   bash scripts/device/reascan-webgpu.sh smoke          # backends + 3 IIT+MULTI steps
#   bash scripts/device/reascan-webgpu.sh measure [N]    # IIT+MULTI, N steps (default 1500), then evaluation
# Reports (JSON) and a log go to $OUT (or /tmp/reascan-webgpu). IIT_DEVICE_NO_GL=1 skips unpacking the Vulkan loader
# (a rehearsal on lavapipe here: `IIT_DEVICE_NO_GL=1 REASCAN_REHEARSE=1 bash scripts/device/reascan-webgpu.sh smoke`,
# where REASCAN_REHEARSE shrinks the batch to 16 and the data to 20 worlds per command so a software adapter finishes).
set -euo pipefail
cd "$(dirname "$0")/../.."
mode=${1:-smoke}
steps=${2:-1500}
out=${OUT:-/tmp/reascan-webgpu}
mkdir -p "$out"
exec > >(tee -a "$out/log.txt") 2>&1

. scripts/device/setup.sh
echo "reascan-webgpu: $(date -u +%FT%TZ) mode $mode; node $(node --version)"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || true
node bin/iit-studio.js backends

# The paper's file with device-sized data (and, rehearsing, a small batch): the network and recipe are the paper's.
file=samples/reascan/.device-check.ts
sed -e 's/worldsPerCommand: 1200/worldsPerCommand: 200/' -e 's/maxHeldOut: 8000/maxHeldOut: 2000/' \
  -e 's/pairs: 4000/pairs: 1000/' -e "s/'novel-direction', 'novel-length'\]/]/" samples/reascan/paper.ts > "$file"
[ -n "${REASCAN_REHEARSE:-}" ] && sed -i -e 's/batchSize: 200/batchSize: 16/' -e 's/worldsPerCommand: 200/worldsPerCommand: 20/' \
  -e 's/maxHeldOut: 2000/maxHeldOut: 100/' -e 's/pairs: 1000/pairs: 100/' "$file"
trap 'rm -f "$file"' EXIT
config='IIT+MULTI'

run() { # steps
  local dir=/tmp/reascan-webgpu-runs/$1
  rm -rf "$dir"
  local t0=$(date +%s.%N)
  node bin/iit-studio.js train "$file" --config "$config" --backend webgpu --steps "$1" --out "$dir" --json > "$out/iit-$1.json"
  local t1=$(date +%s.%N)
  node -e "const r=require('$out/iit-$1.json'), p=(x)=>(100*x).toFixed(2), m=r.metrics;
    console.log('reascan-webgpu: $config, $1 steps in', ($t1-$t0).toFixed(1), 's (train', r.timing.trainSeconds.toFixed(1),
      's) on', r.backend, '; exact match train', p(m.train.behavioral), 'test', p(m.test.behavioral), 'novel colour',
      p(m['novel-color'].behavioral), '; IIA test', p(m.test.iia.overall), 'novel colour', p(m['novel-color'].iia.overall),
      '; dropped pairs', r.droppedPairs ?? 0)"
}

if [ "$mode" = smoke ]; then run 3; else run "$steps"; fi
