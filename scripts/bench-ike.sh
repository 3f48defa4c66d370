#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# IKEv2 tunnel set-ups per second on one core, and memory per IKE SA and
# per child SA, against the public-key limit of the same machine.
#
#   scripts/bench-ike.sh [--builddir DIR] [--count N] [--concurrent N] [--runs N]
#
# hs-ike-bench (tests/bench/ike_bench.c) runs hubsec's IKEv2 engine on both
# ends in memory: each set-up is IKE_SA_INIT + IKE_AUTH (PSK, AES-GCM-128)
# with a child SA, plus a CREATE_CHILD_SA for the second ACL line, so each
# end does one DH key pair and one DH derivation per set-up. Both ends share
# the core, so the limit is (openssl speed's ECDH/DH ops/s) / 4, printed
# beside it with the ratio. With --runs N, each group's openssl speed and
# set-up figures are the best of N runs (for a machine shared with other
# work). A last run keeps --concurrent IKE SAs (two child SAs each) on the
# responder and prints its memory per IKE SA.
set -euo pipefail
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${PATH}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILDDIR=build
COUNT=2000
CONCURRENT=10000
RUNS=1
while [ $# -gt 0 ]; do
	case "$1" in
	--builddir) BUILDDIR="$2"; shift ;;
	--count) COUNT="$2"; shift ;;
	--concurrent) CONCURRENT="$2"; shift ;;
	--runs) RUNS="$2"; shift ;;
	-h | --help) sed -n '3,18p' "$0"; exit 0 ;;
	*) echo "unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
case "$BUILDDIR" in /*) ;; *) BUILDDIR="$ROOT/$BUILDDIR" ;; esac
BENCH="$BUILDDIR/tests/bench/hs-ike-bench"
[ -x "$BENCH" ] || { echo "build first: $BENCH missing (scripts/setup.sh)" >&2; exit 2; }

# ops/s of one openssl speed algorithm (the "op/s" column of its last line).
speed() {
	openssl speed -seconds 2 "$1" 2>/dev/null | awk -v a="$2" '$0 ~ a { v = $(NF) } END { print v + 0 }'
}

# set-ups/s of one bench run.
setups() {
	"$BENCH" --group "$1" --count "$COUNT" | sed -n 's/^set-ups\/s.*: //p'
}

max() {
	awk -v a="$1" -v b="$2" 'BEGIN { print ((a + 0 > b + 0) ? a : b) }'
}

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs; best of $RUNS run(s)"
printf '%-6s %-14s %14s %16s %12s %8s\n' group algorithm "openssl op/s" "limit set-ups/s" "set-ups/s" ratio
for g in 19 31 14; do
	case $g in
	19) alg=ecdhp256; pat='nistp256' ;;
	31) alg=ecdhx25519; pat='X25519' ;;
	14) alg=ffdh2048; pat='bits ffdh' ;;
	esac
	ops=0
	got=0
	for _ in $(seq "$RUNS"); do
		ops=$(max "$ops" "$(speed "$alg" "$pat")")
		got=$(max "$got" "$(setups "$g")")
	done
	limit=$(awk -v o="$ops" 'BEGIN { print o / 4 }')
	printf '%-6s %-14s %14.0f %16.0f %12.0f %7.2fx\n' "$g" "$alg" "$ops" "$limit" "$got" \
		"$(awk -v g="$got" -v l="$limit" 'BEGIN { print (l > 0 ? g / l : 0) }')"
done
echo
"$BENCH" --group 31 --count "$CONCURRENT"
