#!/usr/bin/env bash
# Slurm for the sweep tests: the controller, the node daemon, munge (its authentication) and the client commands,
# from Debian's archive. Nothing is started here: the test starts its own single-node cluster in a temporary
# folder (test/integration/slurm-cluster.ts) and stops it. The packages' own services stay off (no systemd here;
# policy-rc.d keeps invoke-rc.d from starting them where there is one).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends slurmctld slurmd slurm-client munge
