#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The README's main-job command: set up the machine, build, and run the ESP
# benchmark. (When the dataplane lands, the two-site demo replaces it.)
#
#   scripts/run.sh [BENCH-ESP-ARGS...]   arguments go to scripts/bench-esp.sh
set -euo pipefail

# Debian's tools first: a pyenv or venv python3 earlier in PATH has no scapy.
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${PATH}"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

BENCH=scripts/bench-esp.sh
if [ ! -f "$BENCH" ]; then
	printf '[run] ERROR: %s does not exist yet: the ESP benchmark is not in this checkout\n' \
		"$BENCH" >&2
	exit 1
fi

bash scripts/setup.sh || {
	printf '[run] ERROR: scripts/setup.sh failed (see above)\n' >&2
	exit 1
}
printf '[run] %s %s\n' "$BENCH" "$*"
exec bash "$BENCH" "$@"
