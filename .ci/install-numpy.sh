#!/usr/bin/env bash
# numpy for bench/reference/bert_reference.py --weights-only: test/unit/bert-conformance.test.ts regenerates the
# tiny BERT fixture's weights with it and compares them byte for byte (PyTorch itself is bench-only:
# bench/install-reference.sh). Debian's package, for Debian's /usr/bin/python3.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends python3-numpy
