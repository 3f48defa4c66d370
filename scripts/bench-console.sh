#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Does the console stall the workers? The dataplane benchmark twice on the
# same cases: quiet, then with "hubsec-cli show crypto ipsec sa json" run back
# to back on CPU 0 (the main lcore's) during every measurement; prints both
# rates and their difference per case.
#
#   scripts/bench-console.sh [--cases LIST] [--rounds R] [--command "show ..."]
#
# Default cases: gcm/64/out/1 and gcm/64/out/1000 (1000 SAs: every command
# walks and prints 2000 SAs, the heaviest thing the console does).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CASES="gcm/64/out/1,gcm/64/out/1000"
ROUNDS=2
CMD="show crypto ipsec sa json"
while [ $# -gt 0 ]; do
	case "$1" in
	--cases) CASES="$2"; shift ;;
	--rounds) ROUNDS="$2"; shift ;;
	--command) CMD="$2"; shift ;;
	-h | --help) sed -n '4,13p' "$0"; exit 0 ;;
	*) echo "unknown argument: $1" >&2; exit 2 ;;
	esac
	shift
done
OUT="$ROOT/bench/results/console-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"
"$ROOT/scripts/bench-dataplane.sh" --cases "$CASES" --rounds "$ROUNDS" --results "$OUT/quiet"
"$ROOT/scripts/bench-dataplane.sh" --cases "$CASES" --rounds "$ROUNDS" --results "$OUT/loaded" \
	--console-load "$CMD"
# The per-case lines of both summaries: "cipher size dir sas workers mpps ...".
rates() { awk '$1 ~ /^(gcm|cbc)$/ && NF > 8 { print $1 "/" $2 "/" $3 "/" $4, $6 }' "$1"; }
{
	echo
	echo "Console load: \"hubsec-cli $CMD\" back to back during the measurement"
	grep '^console:' "$OUT/loaded/summary.txt" || true
	printf '%-20s %10s %10s %8s\n' case "quiet Mpps" "load Mpps" change
	join <(rates "$OUT/quiet/summary.txt" | sort) <(rates "$OUT/loaded/summary.txt" | sort) |
		awk '{ d = $2 > 0 ? 100 * ($3 - $2) / $2 : 0
			printf "%-20s %10.3f %10.3f %7.1f%%\n", $1, $2, $3, d }'
} | tee "$OUT/summary.txt"
