#!/usr/bin/env bash
# What the end-to-end tests need from Debian: Chromium (driven by playwright-core), ripgrep (code-server's search
# binary, which its npm package would download) and the Kerberos headers its native modules build against. Idempotent.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
missing=()
for p in chromium ripgrep libkrb5-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "chromium $(chromium --version 2>/dev/null | head -1)"
