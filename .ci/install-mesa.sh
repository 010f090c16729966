#!/usr/bin/env bash
# Mesa >= 25 (lavapipe, a CPU Vulkan driver) from bookworm-backports, so Dawn's
# WebGPU runs in CI without a GPU; bookworm's own Mesa 22.3 lacks a Vulkan
# feature Dawn needs. Adds the backports suite to the machine's existing
# Debian source. Idempotent.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if ls /usr/share/vulkan/icd.d/lvp_icd*.json >/dev/null 2>&1 && dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null | grep -q '^2[5-9]'; then
  echo "mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers) already installed"
  exit 0
fi
src=/etc/apt/sources.list.d/debian.sources
if [ -f "$src" ]; then
  grep -q 'bookworm-backports' "$src" || sed -i -E '0,/^Suites: bookworm bookworm-updates/s//Suites: bookworm bookworm-updates bookworm-backports/' "$src"
else
  grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/ ||
    echo 'deb http://deb.debian.org/debian bookworm-backports main' >/etc/apt/sources.list.d/backports.list
fi
apt-get update -qq
apt-get install -y -qq -t bookworm-backports --no-install-recommends mesa-vulkan-drivers libvulkan1 >/dev/null
echo "mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)"
