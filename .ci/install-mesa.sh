#!/usr/bin/env bash
# Mesa >= 25 (lavapipe, a CPU Vulkan driver) so Dawn's WebGPU runs in CI
# without a GPU: bookworm's own Mesa 22.3 lacks a Vulkan feature Dawn needs,
# 25.x comes from bookworm-backports. The backports suite is added on the
# Debian mirror this machine already uses (only that mirror is reachable).
# Idempotent; non-interactive.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

lavapipe_ok() {
  dpkg-query -W -f='${Status} ${Version}\n' mesa-vulkan-drivers 2>/dev/null |
    grep -qE '^install ok installed (2[5-9]|[3-9][0-9])\.' &&
    ls /usr/share/vulkan/icd.d/lvp_icd*.json >/dev/null 2>&1
}

if lavapipe_ok; then
  echo "mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers) already installed"
  exit 0
fi

. /etc/os-release
codename="${VERSION_CODENAME:-bookworm}"
suite="${codename}-backports"

# The first non-security Debian mirror serving $codename, from deb822 .sources or one-line .list files.
debian_mirror() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v c="$codename" 'BEGIN { RS = "" }
      $0 ~ ("Suites:[^\n]*[ \t]" c "([ \t\n]|$)") && $0 !~ /security/ {
        if (match($0, /URIs:[ \t]*[^ \t\n]+/)) { u = substr($0, RSTART, RLENGTH); sub(/URIs:[ \t]*/, "", u); print u; exit }
      }' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk -v c="$codename" '$1 == "deb" && $0 !~ /security/ {
        for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i !~ /\]$/) { if ($(i + 1) == c) print $i; break }
      }' "$f"
  done
}

if ! grep -rqsE "(^|[[:space:]])${suite}([[:space:]]|$)" /etc/apt/sources.list /etc/apt/sources.list.d/; then
  mirror="$(debian_mirror | head -n 1)"
  mirror="${mirror:-http://deb.debian.org/debian}"
  echo "adding ${suite} from ${mirror}"
  {
    echo 'Types: deb'
    echo "URIs: ${mirror}"
    echo "Suites: ${suite}"
    echo 'Components: main'
    if [ -f /usr/share/keyrings/debian-archive-keyring.gpg ]; then
      echo 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg'
    fi
  } >/etc/apt/sources.list.d/iit-studio-backports.sources
fi

apt-get update -qq
# Backports packages are never chosen by default: ask for the suite explicitly.
apt-get install -y -qq --no-install-recommends -t "$suite" mesa-vulkan-drivers libvulkan1 >/dev/null

if ! lavapipe_ok; then
  echo "install-mesa: mesa-vulkan-drivers >= 25 with lavapipe is still missing (got $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || echo none))" >&2
  exit 1
fi
echo "mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)"
