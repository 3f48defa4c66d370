#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# ESP engine benchmark: hs-esp-bench (the engine alone) next to the raw
# crypto ceiling that dpdk-test-crypto-perf measures with crypto_aesni_mb on
# the same core, same burst size and same cipher payload sizes, in one run.
#
#   scripts/bench-esp.sh [--quick] [--sas N] [--rounds R] [--builddir DIR]
#                        [--core N] [--results DIR] [--wait-idle S] [--no-nice]
#
# Needs: hs-esp-bench built (meson setup build-bench && ninja -C build-bench),
# dpdk-test-crypto-perf (dpdk-dev) with crypto_aesni_mb (librte-crypto-ipsec-mb23),
# hugepages from scripts/setup.sh (else both tools run with --no-huge), 2 CPUs.
#
# A measurement, not a test: exits 0 even when below target (1 only when a
# tool fails or the engine drops/mangles packets).
set -euo pipefail

export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${PATH}"
export LC_ALL=C

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HUGE_MIN_MB=128
NOHUGE_MB=1024
# The crypto-perf half (options, runs, parsing) is shared with bench-dataplane.sh.
# shellcheck source=scripts/lib-crypto-perf.sh
. "$ROOT/scripts/lib-crypto-perf.sh"

log() { printf '[bench-esp] %s\n' "$*" >&2; }
warn() { printf '[bench-esp] WARNING: %s\n' "$*" >&2; }
die() {
	printf '[bench-esp] ERROR: %s\n' "$*" >&2
	exit 1
}

usage() {
	cat <<EOF
usage: scripts/bench-esp.sh [options]

Runs dpdk-test-crypto-perf (crypto_aesni_mb) and hs-esp-bench on the same
worker core and prints hubsec's ESP Mops/Gbps next to the raw crypto Mops.

  --quick          short runs (3 rounds of about 0.1 s per case and tool)
  --sas N          SAs per cipher for hs-esp-bench, packets round-robin (1)
  --rounds R       rounds; the tools take turns, each keeps its best (5; --quick 3)
  --builddir DIR   where hs-esp-bench is built (build-bench, else build)
  --core N         worker core (default: the last CPU; crypto-perf's main
                   lcore is another one)
  --results DIR    where raw outputs go (bench/results/<date>)
  --wait-idle S    before each run, wait up to S seconds for 2 idle seconds
                   (under 10% busy) on the whole machine (60; 0: do not wait)
  --no-nice        run both tools at normal priority (default, as root: nice -20,
                   so other processes on a shared machine disturb them less)
EOF
}

QUICK=0
SAS=1
ROUNDS=""
BUILDDIR=""
CORE=""
RESULTS=""
NICE=1
WAIT_IDLE=60
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) QUICK=1 ;;
	--no-nice) NICE=0 ;;
	--sas | --rounds | --builddir | --core | --results | --wait-idle)
		[ $# -ge 2 ] || die "$1 needs a value"
		case "$1" in
		--sas) SAS="$2" ;;
		--rounds) ROUNDS="$2" ;;
		--builddir) BUILDDIR="$2" ;;
		--core) CORE="$2" ;;
		--results) RESULTS="$2" ;;
		--wait-idle) WAIT_IDLE="$2" ;;
		esac
		shift
		;;
	-h | --help)
		usage
		exit 0
		;;
	*)
		usage >&2
		die "unknown argument: $1"
		;;
	esac
	shift
done
if ! [[ "$SAS" =~ ^[1-9][0-9]*$ ]]; then die "--sas: a number >= 1"; fi
if ! [[ "$WAIT_IDLE" =~ ^[0-9]+$ ]]; then die "--wait-idle: seconds"; fi
if [ -z "$ROUNDS" ]; then
	if [ "$QUICK" -eq 1 ]; then ROUNDS=3; else ROUNDS=5; fi
fi
if ! [[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]]; then die "--rounds: a number >= 1"; fi

cd "$ROOT"

# ------------------------------------------------------------------ tools

if [ -z "$BUILDDIR" ]; then
	for d in build-bench build; do
		if [ -x "$d/tests/bench/hs-esp-bench" ]; then
			BUILDDIR="$d"
			break
		fi
	done
fi
BENCH="${BUILDDIR:-build-bench}/tests/bench/hs-esp-bench"
[ -x "$BENCH" ] || die "$BENCH not built: meson setup build-bench && ninja -C build-bench"

# Both tools get the same priority; nice -20 keeps the CFS share of other
# processes on the worker core near zero (they move to the other core).
PRIO=()
PRIO_NOTE="normal priority"
if [ "$NICE" -eq 1 ] && [ "$(id -u)" -eq 0 ]; then
	PRIO=(nice -n -20)
	PRIO_NOTE="nice -20"
fi

NCPU="$(nproc)"
if [ -z "$CORE" ]; then
	CORE=$((NCPU - 1))
fi
if ! [[ "$CORE" =~ ^[0-9]+$ ]] || [ "$CORE" -ge "$NCPU" ]; then
	die "--core: 0..$((NCPU - 1))"
fi
[ "$NCPU" -ge 2 ] || die "needs 2 CPUs: crypto-perf wants a main lcore besides the worker"
MAIN_CORE=0
[ "$CORE" -ne 0 ] || MAIN_CORE=1

# Timed seconds per case and round: hs-esp-bench; crypto-perf per buffer size
# (sized from the slowest size, so faster ones take less).
if [ "$QUICK" -eq 1 ]; then
	SECONDS_CASE=0.1
	CPERF_SECONDS=0.1
else
	SECONDS_CASE=0.5
	CPERF_SECONDS=0.5
fi

if [ -z "$RESULTS" ]; then
	RESULTS="bench/results/esp-$(date +%Y%m%d-%H%M%S)"
fi
mkdir -p "$RESULTS"
RESULTS="$(cd "$RESULTS" && pwd)"
log "raw outputs in $RESULTS"

# -------------------------------------------------------------- hugepages

# Free hugepage memory in MiB (0 without a hugetlbfs mount); scripts/setup.sh
# reserves 512 x 2 MiB and mounts /dev/hugepages.
huge_free_mb() {
	local mb=0 n
	awk '$3 == "hugetlbfs" { f = 1 } END { exit !f }' /proc/mounts || {
		echo 0
		return
	}
	n="$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages 2>/dev/null || echo 0)"
	mb=$((mb + n * 2))
	n="$(cat /sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages 2>/dev/null || echo 0)"
	mb=$((mb + n * 1024))
	echo "$mb"
}

HUGE_MB="$(huge_free_mb)"
if [ "$HUGE_MB" -ge "$HUGE_MIN_MB" ]; then
	EAL_MEM=()
	MEM_NOTE="hugepages ($HUGE_MB MiB free)"
else
	warn "only $HUGE_MB MiB of free hugepages (or no hugetlbfs mount): both tools run with" \
		"--no-huge (4 KiB pages; numbers may be lower). Run scripts/setup.sh as root first."
	EAL_MEM=(--no-huge -m "$NOHUGE_MB")
	MEM_NOTE="--no-huge (no hugepages)"
fi

# ------------------------------------------------------------ case model

# Frames (Ethernet, no FCS) of each case; IMIX is 7:4:1 of 64/570/1518.
CASES=(64 imix 1420)
IMIX_FRAMES=(64 570 1518)
IMIX_WEIGHTS=(7 4 1)
CIPHERS=(aes-gcm-128 aes-cbc-128-sha1)
DIRS=(encrypt decrypt)

case_frames() {
	if [ "$1" = imix ]; then echo "${IMIX_FRAMES[*]}"; else echo "$1"; fi
}

# ------------------------------------------------------------ crypto-perf

# Buffer sizes crypto-perf runs for a cipher (every case, IMIX sizes included).
cperf_bufs() {
	local cipher="$1" bufs="" c f b
	for c in "${CASES[@]}"; do
		for f in $(case_frames "$c"); do
			b="$(cp_cipher_bytes "$cipher" "$f")"
			case ",$bufs," in *",$b,"*) ;; *) bufs="${bufs:+$bufs,}$b" ;; esac
		done
	done
	echo "$bufs"
}

imix_bufs() {
	local f out=""
	for f in "${IMIX_FRAMES[@]}"; do out="${out:+$out,}$(cp_cipher_bytes "$1" "$f")"; done
	echo "$out"
}

# One round of crypto-perf for a cipher and direction: every size, then the
# IMIX sizes mixed in one stream (--imix 7,4,1), for reference.
round_cperf() {
	local cipher="$1" dir="$2" r="$3" out="$RESULTS/crypto-perf-$1-$2.txt"
	local weights
	weights="$(
		IFS=,
		echo "${IMIX_WEIGHTS[*]}"
	)"
	cp_round "$cipher" "$dir" "$(cperf_bufs "$cipher")" "$r" ||
		die "dpdk-test-crypto-perf failed, see $out"
	echo "# round $r: IMIX mixed stream" >>"$out.mix"
	cp_run "$out.mix" "${CP_OPS["$cipher/$dir"]}" "$(imix_bufs "$cipher")" \
		--imix "$weights" || die "dpdk-test-crypto-perf --imix failed, see $out.mix"
}

# ------------------------------------------------------------ hs-esp-bench

BENCH_ARGS=(--csv --sas "$SAS" --rounds 1 --seconds "$SECONDS_CASE")
BENCH_RC=0
OTHER_BUSY=0 # highest busy % of the other CPUs during an hs-esp-bench round

# "busy total" jiffies of every CPU but the worker, from /proc/stat.
other_ticks() {
	awk -v w="cpu$CORE" '$1 ~ /^cpu[0-9]+$/ && $1 != w {
		b += $2 + $3 + $4 + $7 + $8 + $9; t += $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }
	END { print b, t }' /proc/stat
}

round_bench() {
	local r="$1" rc=0 b0 t0 b1 t1 busy
	read -r b0 t0 < <(other_ticks)
	"${PRIO[@]}" "$BENCH" -l "$CORE" --file-prefix "hsbench$$" --no-pci "${EAL_MEM[@]}" -- \
		"${BENCH_ARGS[@]}" >"$RESULTS/hs-esp-bench-r$r.csv" \
		2>"$RESULTS/hs-esp-bench-r$r.txt" || rc=$?
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ]; then
		cat "$RESULTS/hs-esp-bench-r$r.txt" >&2
		die "hs-esp-bench failed (exit $rc), see $RESULTS/hs-esp-bench-r$r.txt"
	fi
	[ "$rc" -eq 0 ] || BENCH_RC="$rc"
	# hs-esp-bench leaves the other CPUs idle: what runs there is someone else.
	read -r b1 t1 < <(other_ticks)
	busy=$(((b1 - b0) * 100 / (t1 - t0 > 0 ? t1 - t0 : 1)))
	[ "$busy" -le "$OTHER_BUSY" ] || OTHER_BUSY="$busy"
	grep -q '^cipher,' "$RESULTS/hs-esp-bench-r$r.csv" || die "hs-esp-bench wrote no results"
}

# ---------------------------------------------------------------- rounds

# Whole-machine busy percent over the next second.
busy_1s() {
	local a b
	a="$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 }' /proc/stat)"
	sleep 1
	b="$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 }' /proc/stat)"
	echo "$a $b" | awk '{ d = $4 - $2; print (d > 0) ? int(100 * ($3 - $1) / d) : 0 }'
}

# On a shared machine, start each run only after 2 quiet seconds (or give up).
IDLE_WAITED=0
IDLE_TIMEOUTS=0
wait_idle() {
	local quiet=0 t=0
	[ "$WAIT_IDLE" -gt 0 ] || return 0
	while [ "$quiet" -lt 2 ]; do
		if [ "$t" -ge "$WAIT_IDLE" ]; then
			IDLE_TIMEOUTS=$((IDLE_TIMEOUTS + 1))
			log "machine still busy after ${WAIT_IDLE}s; measuring anyway"
			return 0
		fi
		if [ "$(busy_1s)" -lt 10 ]; then quiet=$((quiet + 1)); else quiet=0; fi
		t=$((t + 1))
	done
	IDLE_WAITED=$((IDLE_WAITED + t))
}

# The two tools take turns, so that a noisy stretch on a shared machine hits
# both alike; each keeps its best round.
CP_PRIO=("${PRIO[@]}")
CP_SECONDS="$CPERF_SECONDS"
cp_init "$RESULTS" "$MAIN_CORE" "$CORE" "${EAL_MEM[@]}" || die "crypto-perf set-up failed"
log "worker lcore $CORE (crypto-perf main lcore $MAIN_CORE), $MEM_NOTE, $ROUNDS rounds"
for cipher in "${CIPHERS[@]}"; do
	for dir in "${DIRS[@]}"; do
		cp_calibrate "$cipher" "$dir" "$(cperf_bufs "$cipher")" || die "crypto-perf calibration failed"
		: >"$RESULTS/crypto-perf-$cipher-$dir.txt.mix"
	done
done
for ((r = 1; r <= ROUNDS; r++)); do
	log "round $r/$ROUNDS: dpdk-test-crypto-perf (crypto_aesni_mb), then hs-esp-bench" \
		"${BENCH_ARGS[*]}"
	for cipher in "${CIPHERS[@]}"; do
		for dir in "${DIRS[@]}"; do
			wait_idle
			round_cperf "$cipher" "$dir" "$r"
		done
	done
	wait_idle
	round_bench "$r"
done

declare -A RAW RAW_MIX # RAW[cipher/dir/bufsz], RAW_MIX[cipher/dir] = best Mops
for cipher in "${CIPHERS[@]}"; do
	for dir in "${DIRS[@]}"; do
		f="$RESULTS/crypto-perf-$cipher-$dir.txt"
		while read -r b m; do
			RAW["$cipher/$dir/$b"]="$m"
		done < <(cp_parse "$f")
		RAW_MIX["$cipher/$dir"]="$(cp_parse "$f.mix" | awk '{ print $2; exit }')"
		log "crypto-perf $cipher $dir (size Mops): $(cp_parse "$f" | sort -n | tr '\n' ' ')"
	done
done

# Raw ceiling of a case; IMIX combined by time: 1/rate = sum(w_i/rate_i)/sum(w_i).
raw_mops() {
	local cipher="$1" dir="$2" c="$3" i b t="" w=""
	if [ "$c" != imix ]; then
		echo "${RAW["$cipher/$dir/$(cp_cipher_bytes "$cipher" "$c")"]:-0}"
		return
	fi
	for i in "${!IMIX_FRAMES[@]}"; do
		b="$(cp_cipher_bytes "$cipher" "${IMIX_FRAMES[$i]}")"
		t="$t ${RAW["$cipher/$dir/$b"]:-0}"
		w="$w ${IMIX_WEIGHTS[$i]}"
	done
	awk -v r="$t" -v w="$w" 'BEGIN { n = split(r, R, " "); split(w, W, " ");
		for (i = 1; i <= n; i++) { if (R[i] <= 0) { print 0; exit }
			s += W[i] / R[i]; sw += W[i] }
		printf "%.4f\n", sw / s }'
}

# Best round of hs-esp-bench per case: "cipher size dir mops gbps cyc/pkt drops".
cat "$RESULTS"/hs-esp-bench-r*.csv | awk -F, '$1 != "cipher" {
	k = $1 " " $2 " " $3; d[k] += $13 + $14
	if (!(k in m) || $7 > m[k]) { m[k] = $7; g[k] = $8; c[k] = $9 }
} END { for (k in m) print k, m[k], g[k], c[k], d[k] }' >"$RESULTS/hs-esp-bench-best.txt"

# Largest spread between rounds, (best - worst) / best in percent: of
# crypto-perf (per cipher, direction and size) and of hs-esp-bench (per case).
spread_bench() {
	cat "$RESULTS"/hs-esp-bench-r*.csv | awk -F, '$1 != "cipher" { k = $1 $2 $3
		if (!(k in hi) || $7 > hi[k]) hi[k] = $7; if (!(k in lo) || $7 < lo[k]) lo[k] = $7 }
	END { for (k in hi) if (hi[k] > 0 && (hi[k] - lo[k]) / hi[k] > m) m = (hi[k] - lo[k]) / hi[k]
		printf "%.0f\n", 100 * m }'
}
SPREAD_CPERF="$(cp_spread)"
SPREAD_BENCH="$(spread_bench)"

# ------------------------------------------------------------------ table

target_of() {
	case "$1" in
	64) echo 0.80 ;;
	1420) echo 0.95 ;;
	*) echo - ;;
	esac
}

{
	echo
	grep -E '^hs-esp-bench:|^  ' "$RESULTS/hs-esp-bench-r1.txt" | head -2
	echo "  both tools: lcore $CORE, bursts of 32, best of $ROUNDS interleaved rounds, $PRIO_NOTE;" \
		"$MEM_NOTE"
	echo
	printf '%-22s %-8s %8s %8s %8s %8s %6s %6s  %s\n' case dir "hs Mops" Gbps cyc/pkt \
		"raw Mops" ratio target result
	for cipher in "${CIPHERS[@]}"; do
		for c in "${CASES[@]}"; do
			for dir in "${DIRS[@]}"; do
				line="$(awk -v c="$cipher" -v s="$c" -v d="$dir" \
					'$1 == c && $2 == s && $3 == d { print $4, $5, $6, $7; exit }' \
					"$RESULTS/hs-esp-bench-best.txt")"
				[ -n "$line" ] || continue
				read -r mops gbps cpp drops <<<"$line"
				raw="$(raw_mops "$cipher" "$dir" "$c")"
				tgt="$(target_of "$c")"
				mix="${RAW_MIX["$cipher/$dir"]:-0}"
				[ "$c" = imix ] || mix=0
				awk -v n="$cipher $c" -v d="$dir" -v m="$mops" -v g="$gbps" -v cpp="$cpp" \
					-v r="$raw" -v t="$tgt" -v dr="$drops" -v mix="$mix" 'BEGIN {
					ratio = (r > 0) ? m / r : 0
					res = (t == "-") ? "(no target)" : (ratio >= t ? "PASS" : "below")
					if (mix > 0)
						res = sprintf("(no target; mixed-stream raw %.3f: %.2f)", mix,
							m / mix)
					if (dr > 0) res = res " BUG: " dr " drops"
					printf "%-22s %-8s %8.3f %8.2f %8.1f %8.3f %6.2f %6s  %s\n",
						n, d, m, g, cpp, r, ratio, t, res }'
			done
		done
	done
	cat <<EOF

hs Mops:  packets/s through hs_esp_out_burst()/hs_esp_in_burst() alone (whole ESP encap/decap:
          headers, padding, sequence/replay, crypto, ICV), bursts of 32, one core, $SAS SA(s).
Gbps:     clear-text Ethernet frame bits/s (frame without FCS; inner IPv4/UDP = frame - 14 B).
raw Mops: dpdk-test-crypto-perf on the same core and burst with buffers of the bytes the engine
          ciphers (inner + 2, padded to 4 for GCM / 16 for CBC); IMIX combined 7:4:1 by time.
ratio:    hs/raw; targets from the issue (>= 0.80 at 64 B, >= 0.95 at 1420 B). CBC's HMAC in ESP
          also covers the 24-byte ESP header + IV, which crypto-perf's buffer does not.
          IMIX: crypto-perf --imix 7,4,1 (sizes mixed within bursts, as hs-esp-bench sends them)
          is shown too; multi-buffer lanes of unequal length make it slower than by-time.
EOF
	echo
	echo "noise:    rounds differ by up to ${SPREAD_CPERF}% (crypto-perf) and ${SPREAD_BENCH}%" \
		"(hs-esp-bench), best round kept;"
	echo "          other CPUs up to ${OTHER_BUSY}% busy (other processes) during hs-esp-bench;" \
		"waited ${IDLE_WAITED}s for idle, $IDLE_TIMEOUTS run(s) started busy."
	if [ "$SPREAD_CPERF" -gt 10 ] || [ "$SPREAD_BENCH" -gt 10 ] || [ "$OTHER_BUSY" -gt 10 ]; then
		echo "WARNING:  the machine was busy. On VMs whose vCPUs share a physical core, load on"
		echo "          the other CPU slows the worker too (up to 3x seen here). Ratios are only"
		echo "          as good as the quietest round: rerun when the machine is idle."
	fi
} | tee "$RESULTS/summary.txt"

if [ "$BENCH_RC" -eq 3 ]; then
	warn "hs-esp-bench reports dropped or mangled packets: a bug in the engine" \
		"(see $RESULTS/hs-esp-bench-r*.txt)"
	exit 1
fi
exit 0
