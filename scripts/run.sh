#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The README's main-job command: set up the machine (packages, hugepages,
# build), then run the two-site demo: two hubsec-dataplanes on af_packet
# veths in network namespaces, pings through the ESP tunnel, counters, and
# everything torn down again.
#
#   scripts/run.sh [DEMO-ARGS...]   arguments go to scripts/demo.sh
set -euo pipefail

# Debian's tools first: a pyenv or venv python3 earlier in PATH has no scapy.
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${PATH}"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/setup.sh || {
	printf '[run] ERROR: scripts/setup.sh failed (see above)\n' >&2
	exit 1
}
printf '[run] scripts/demo.sh --no-setup %s\n' "$*"
exec bash scripts/demo.sh --no-setup "$@"
