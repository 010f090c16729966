#!/usr/bin/env bash
# The GPU check of MQNLI's paper-sized encoder (issue 16): samples/mqnli/paper.ts's BERT-base architecture (12 layers,
# hidden 768, 12 heads) and recipe, IIT with QP_obj at layer 6, on the webgpu backend, one seed. No pretrained
# checkpoint can be carried here, so the encoder starts from random weights (IIT_BERT_DIR fine-tunes one where a
# machine has it). The data are smaller than the paper's (50,000 train, 2,000 test examples, 2,000 evaluation pairs)
# so evaluation fits the device's minutes. From the repository root, with .device/ carried (scripts/device/pack.sh):
#   bash scripts/device/mqnli-webgpu.sh smoke          # backends + 3 IIT steps
#   bash scripts/device/mqnli-webgpu.sh measure [N]    # IIT @ layer6, N steps (default 600), then evaluation
# Reports (JSON) and a log go to $OUT (or /tmp/mqnli-webgpu). IIT_DEVICE_NO_GL=1 skips unpacking the Vulkan loader
# (a rehearsal on lavapipe here: `IIT_DEVICE_NO_GL=1 MQNLI_REHEARSE=1 bash scripts/device/mqnli-webgpu.sh smoke`,
# where MQNLI_REHEARSE shrinks the encoder to 2 layers of 64 so a software adapter finishes).
set -euo pipefail
cd "$(dirname "$0")/../.."
mode=${1:-smoke}
steps=${2:-600}
out=${OUT:-/tmp/mqnli-webgpu}
mkdir -p "$out"
exec > >(tee -a "$out/log.txt") 2>&1

. scripts/device/setup.sh
echo "mqnli-webgpu: $(date -u +%FT%TZ) mode $mode; node $(node --version)"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || true
node bin/iit-studio.js backends

# The paper's file with the device-sized data (and, rehearsing, a small encoder): the recipe is the paper's.
file=samples/mqnli/.device-check.ts
sed -e 's/train: 500_000/train: 50_000/' -e 's/validation: 60_000/validation: 1_000/' -e 's/test: 10_000,/test: 2_000,/' \
  -e 's/pairs: 10_000/pairs: 2_000/' samples/mqnli/paper.ts > "$file"
[ -n "${MQNLI_REHEARSE:-}" ] && sed -i -e 's/hidden: 768/hidden: 64/' -e 's/layers: 12/layers: 2/' -e 's/heads: 12/heads: 4/' \
  -e 's/intermediate: 3072/intermediate: 128/' -e 's/qpObjAlignment(6)/qpObjAlignment(1)/' "$file"
trap 'rm -f "$file"' EXIT
config='IIT @ layer6'
[ -n "${MQNLI_REHEARSE:-}" ] && config=default

run() { # steps
  local dir=/tmp/mqnli-webgpu-runs/$1
  rm -rf "$dir"
  local t0=$(date +%s.%N)
  node bin/iit-studio.js train "$file" --config "$config" --backend webgpu --steps "$1" --out "$dir" --json > "$out/iit-$1.json"
  local t1=$(date +%s.%N)
  node -e "const r=require('$out/iit-$1.json'), p=(x)=>(100*x).toFixed(2);
    console.log('mqnli-webgpu: $config, $1 steps in', ($t1-$t0).toFixed(1), 's (train', r.timing.trainSeconds.toFixed(1),
      's); test behaviour', p(r.metrics.test.behavioral), 'IIA', p(r.metrics.test.iia.overall), 'on', r.backend)"
}

if [ "$mode" = smoke ]; then run 3; else run "$steps"; fi
