#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Whole-dataplane benchmark without a NIC: hubsec-dataplane forwarding
# generated traffic from net_pcap (infinite_rx) into net_null, next to the
# harness limit (dpdk-testpmd io mode on the same pcap) and the raw crypto
# ceiling (dpdk-test-crypto-perf), all measured in the same run. See --help.
#
# A measurement, not a test: exits 0 even when below target (1 when a tool
# fails or the dataplane drops, loses or stops forwarding packets).
set -euo pipefail

export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${PATH}"
export LC_ALL=C

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY=/usr/bin/python3
GEN="$ROOT/tests/bench/gen_bench.py"
HUGE_MIN_MB=256

log() { printf '[bench-dp] %s\n' "$*" >&2; }
warn() { printf '[bench-dp] WARNING: %s\n' "$*" >&2; }
die() {
	printf '[bench-dp] ERROR: %s\n' "$*" >&2
	exit 1
}

usage() {
	cat <<'EOF'
usage: scripts/bench-dataplane.sh [--quick | --full | --cases LIST] [options]

Measures hubsec-dataplane end to end on one worker core, with no NIC:

  net_pcap0,rx_pcap=...,infinite_rx=1  ->  hubsec-dataplane  ->  net_null0,no-rx=1
  (generated frames, replayed forever)     (1 worker, busy poll)   (a sink)

  outbound: clear-text IPv4/UDP frames on `inside`, ESP tunnel mode out of `outside`
  inbound:  ESP frames (made with the SAs' static keys) on `outside`, clear text out of `inside`

Per case (cipher, frame size, direction, number of SAs) it prints:
  hs Mpps     packets/s sent out of the egress port per worker core (best window)
  Gbps        clear-text Ethernet frame bits/s (frame without FCS), as bench-esp.sh
  drops       packets the dataplane dropped during the windows (any reason)
  cpu%        share of its core the worker thread got in that window (others' load)
  io Mpps     dpdk-testpmd --forward-mode=io on the same pcap, ports and cores: the harness
  crypto      dpdk-test-crypto-perf Mops (crypto_aesni_mb, same worker core, burst 32,
              buffers of the bytes ESP ciphers; IMIX combined 7:4:1 by time)
  limit       1 / (1/io + 1/crypto): what a do-nothing forwarder plus the raw crypto allows
  /limit      hs / limit (target >= 0.80)
  secgw       DPDK ipsec-secgw 22.11 (aesni_mb lookaside) on the reference machine, same
              harness: GCM 64 B 8.6/8.4, IMIX 6.8/6.6, 1420 B 4.96/4.95, CBC-SHA1 64 B 6.4/6.7
              Mpps out/in; /secgw target >= 1.25 (applied to every SA count)
  target      yes, or which targets were missed; N SAs also need >= 0.85 x the 1-SA rate

Cases: cipher gcm (AES-GCM-128) | cbc (AES-CBC-128 + HMAC-SHA1-96); size 64 | imix
(7:4:1 of 64/570/1518) | 1420; dir out | in; SAs 1 | 1000 | 10000 (one ACL line and one
static SA pair per SA, frames round-robin over the SAs' selectors).

  --quick          gcm 64 and 1420, out and in, 1 SA; 1 round of 2 windows
  (default)        the issue's targets: gcm 64/imix/1420 and cbc 64, out and in, 1 SA,
                   plus gcm 64 out/in with 1000 and 10000 SAs; 3 rounds
  --full           every combination (36 cases, 2 rounds; about 20 minutes)
  --cases LIST     cipher/size/dir/sas,... ; any field may be "all" (gcm/64/all/10000)
  --rounds R       rounds (3; --quick 1, --full 2): in each, testpmd then hubsec per case, and
                   crypto-perf once per cipher and direction; best window kept
  --windows W      measurement windows per run (3; --quick 2), after a 1 s warm-up
  --seconds S      seconds per window (1)
  --workers N      also run with N workers (lcores 1..N; needs N+1 CPUs) and print the
                   scaling (N-worker rate / (N x 1-worker rate); target >= 0.9). Cases
                   with 1 SA are skipped at N > 1 (one SA has one owner worker). Each RX
                   queue carries the SAs its worker owns (sad.c's owner hash, mirrored)
  --wait-idle S    before each run, wait up to S seconds for 1 quiet second (whole machine
                   under 10% busy) (3; 0: do not wait)
  --builddir DIR   where hubsec-dataplane is built (build-dpbench, else build)
  --results DIR    raw outputs (bench/results/dp-<date>)
  --perf           perf record the hubsec worker thread during round 1 of each case:
                   RESULTS/perf-CASE.data and a flat profile in RESULTS/perf-CASE.txt
                   (sampling costs a few % of the rate in that round)
  --keep           keep the generated configs and pcaps (in /tmp/dpbXXXX)
  --no-nice        run the tools at normal priority (default as root: nice -20)
  --console-load CMD  while hubsec is measured, run "hubsec-cli CMD" back to back on CPU 0
                   (the main lcore's), e.g. "show crypto ipsec sa json": the console must
                   not slow the worker (scripts/bench-console.sh compares with and without)

Notes: inbound SAs have replay-window-size 0 (infinite_rx replays the same sequence
numbers). The pcap port keeps its own MAC (net_pcap cannot change it): frames are
addressed to 02:70:63:61:70:00. Ports are probed by the dataplane from the config, not
by EAL --vdev. Needs hugepages (scripts/setup.sh),
dpdk-testpmd and dpdk-test-crypto-perf (dpdk-dev), python3-cryptography, and
meson setup build-dpbench && ninja -C build-dpbench.
EOF
}

# ------------------------------------------------------------------ options

SET=default
CASES_ARG=""
ROUNDS=""
WINDOWS=""
SECS=1
WORKERS=1
BUILDDIR=""
RESULTS=""
KEEP=0
NICE=1
PERF=0
WAIT_IDLE=3
CONSOLE_LOAD=""
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) SET=quick ;;
	--full) SET=full ;;
	--keep) KEEP=1 ;;
	--perf) PERF=1 ;;
	--no-nice) NICE=0 ;;
	--cases | --rounds | --windows | --seconds | --workers | --builddir | --results | --wait-idle | \
		--console-load)
		[ $# -ge 2 ] || die "$1 needs a value"
		case "$1" in
		--cases) CASES_ARG="$2" SET=list ;;
		--rounds) ROUNDS="$2" ;;
		--windows) WINDOWS="$2" ;;
		--seconds) SECS="$2" ;;
		--workers) WORKERS="$2" ;;
		--builddir) BUILDDIR="$2" ;;
		--results) RESULTS="$2" ;;
		--wait-idle) WAIT_IDLE="$2" ;;
		--console-load) CONSOLE_LOAD="$2" ;;
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
if [ -z "$ROUNDS" ]; then
	case "$SET" in quick) ROUNDS=1 ;; full) ROUNDS=2 ;; *) ROUNDS=3 ;; esac
fi
if [ -z "$WINDOWS" ]; then
	if [ "$SET" = quick ]; then WINDOWS=2; else WINDOWS=3; fi
fi
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "--rounds: a number >= 1"
[[ "$WINDOWS" =~ ^[1-9][0-9]*$ ]] || die "--windows: a number >= 1"
[[ "$WORKERS" =~ ^[1-9][0-9]*$ ]] || die "--workers: a number >= 1"
[[ "$SECS" =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "--seconds: a number"
[[ "$WAIT_IDLE" =~ ^[0-9]+$ ]] || die "--wait-idle: seconds"

cd "$ROOT"

# ------------------------------------------------------------------ cases

CIPHER_NAMES=(gcm cbc)
SIZE_NAMES=(64 imix 1420)
DIR_NAMES=(out in)
SA_COUNTS=(1 1000 10000)
declare -A CIPHER_LONG=([gcm]=aes-gcm-128 [cbc]=aes-cbc-128-sha1)
declare -A CP_DIR=([out]=encrypt [in]=decrypt)
# DPDK ipsec-secgw 22.11 on the reference machine (the issue), Mpps.
declare -A SECGW=([gcm/64/out]=8.6 [gcm/64/in]=8.4 [gcm/imix/out]=6.8 [gcm/imix/in]=6.6
	[gcm/1420/out]=4.96 [gcm/1420/in]=4.95 [cbc/64/out]=6.4 [cbc/64/in]=6.7)
T_REF=1.25
T_LIMIT=0.80
T_SAS=0.85
T_SCALE=0.90

size_frames() { if [ "$1" = imix ]; then echo "64 570 1518"; else echo "$1"; fi; }
size_weights() { if [ "$1" = imix ]; then echo "7 4 1"; else echo "1"; fi; }

CASES=()
add_case() {
	local c
	for c in "${CASES[@]}"; do [ "$c" != "$1" ] || return 0; done
	CASES+=("$1")
}
expand() { # field value, list of allowed -> values
	local v="$1"
	shift
	if [ "$v" = all ]; then
		echo "$@"
		return
	fi
	local a
	for a in "$@"; do
		if [ "$a" = "$v" ]; then
			echo "$v"
			return
		fi
	done
	die "--cases: '$v' is not one of: all $*"
}
case "$SET" in
quick)
	for s in 64 1420; do for d in out in; do add_case "gcm/$s/$d/1"; done; done
	;;
default)
	for s in 64 imix 1420; do for d in out in; do add_case "gcm/$s/$d/1"; done; done
	for d in out in; do add_case "cbc/64/$d/1"; done
	for n in 1000 10000; do for d in out in; do add_case "gcm/64/$d/$n"; done; done
	;;
full)
	for c in "${CIPHER_NAMES[@]}"; do for s in "${SIZE_NAMES[@]}"; do
		for n in "${SA_COUNTS[@]}"; do for d in "${DIR_NAMES[@]}"; do
			add_case "$c/$s/$d/$n"
		done; done
	done; done
	;;
list)
	IFS=, read -r -a items <<<"$CASES_ARG"
	for it in "${items[@]}"; do
		IFS=/ read -r c s d n extra <<<"$it"
		if [ -z "$n" ] || [ -n "${extra:-}" ]; then
			die "--cases: '$it' is not cipher/size/dir/sas"
		fi
		for c1 in $(expand "$c" "${CIPHER_NAMES[@]}"); do
			for s1 in $(expand "$s" "${SIZE_NAMES[@]}"); do
				for d1 in $(expand "$d" "${DIR_NAMES[@]}"); do
					for n1 in $(expand "$n" "${SA_COUNTS[@]}"); do
						add_case "$c1/$s1/$d1/$n1"
					done
				done
			done
		done
	done
	;;
esac
[ ${#CASES[@]} -gt 0 ] || die "no cases"

# ------------------------------------------------------------------ tools

if [ -z "$BUILDDIR" ]; then
	for d in build-dpbench build; do
		if [ -x "$d/dataplane/hubsec-dataplane" ]; then
			BUILDDIR="$d"
			break
		fi
	done
fi
DP="$ROOT/${BUILDDIR:-build-dpbench}/dataplane/hubsec-dataplane"
[ -x "$DP" ] || die "$DP not built: meson setup build-dpbench && ninja -C build-dpbench"
CLI="$ROOT/${BUILDDIR:-build-dpbench}/control/hubsec-cli"
[ -z "$CONSOLE_LOAD" ] || [ -x "$CLI" ] || die "$CLI not built"
TESTPMD="$(command -v dpdk-testpmd || true)"
[ -n "$TESTPMD" ] || die "dpdk-testpmd not found: apt-get install dpdk-dev"
"$PY" -c 'import cryptography' 2>/dev/null ||
	die "$PY has no cryptography module: apt-get install python3-cryptography"
# shellcheck source=scripts/lib-crypto-perf.sh
. "$ROOT/scripts/lib-crypto-perf.sh"

PRIO=()
PRIO_NOTE="normal priority"
if [ "$NICE" -eq 1 ] && [ "$(id -u)" -eq 0 ]; then
	PRIO=(nice -n -20)
	PRIO_NOTE="nice -20"
fi

NCPU="$(nproc)"
[ "$NCPU" -ge 2 ] || die "needs 2 CPUs: the main lcore and one worker"
WORKER_SETS=(1)
SCALING_NOTE=""
if [ "$WORKERS" -gt 1 ]; then
	if [ "$WORKERS" -ge "$NCPU" ]; then
		SCALING_NOTE="not measured: $WORKERS workers need $((WORKERS + 1)) CPUs, this machine has $NCPU"
		warn "$SCALING_NOTE"
	else
		WORKER_SETS=(1 "$WORKERS")
	fi
else
	SCALING_NOTE="not measured: run with --workers N on a machine with N+1 CPUs (this one has $NCPU)"
fi

huge_free_mb() {
	awk '$3 == "hugetlbfs" { f = 1 } END { exit !f }' /proc/mounts || {
		echo 0
		return
	}
	local n
	n="$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages 2>/dev/null || echo 0)"
	echo $((n * 2))
}
HUGE_MB="$(huge_free_mb)"
[ "$HUGE_MB" -ge "$HUGE_MIN_MB" ] ||
	die "only $HUGE_MB MiB of free 2 MiB hugepages (need $HUGE_MIN_MB): scripts/setup.sh, or wait for others' runs"

[ -n "$RESULTS" ] || RESULTS="bench/results/dp-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$RESULTS"
RESULTS="$(cd "$RESULTS" && pwd)"
WORK="$(mktemp -d /tmp/dpbXXXX)"
PREFIX="dpb$$"
CHILD=""
# shellcheck disable=SC2317 # called through trap
cleanup() {
	if [ -n "$CHILD" ] && kill -0 "$CHILD" 2>/dev/null; then
		kill -INT "$CHILD" 2>/dev/null || true
		sleep 2
		kill -KILL "$CHILD" 2>/dev/null || true
	fi
	rm -rf "/var/run/dpdk/$PREFIX" "/var/run/dpdk/${PREFIX}io" "/var/run/dpdk/hscperf$$" \
		2>/dev/null || true
	if [ "$KEEP" -eq 0 ]; then rm -rf "$WORK"; else log "generated files kept in $WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
log "raw outputs in $RESULTS; ${#CASES[@]} case(s), $ROUNDS round(s) of $WINDOWS x ${SECS}s," \
	"workers: ${WORKER_SETS[*]}; $PRIO_NOTE"

# ------------------------------------------------------------------ generate

declare -A CDIR # CDIR[case/w] = its work directory
k=0
for c in "${CASES[@]}"; do
	IFS=/ read -r ci sz dir n <<<"$c"
	for w in "${WORKER_SETS[@]}"; do
		[ "$w" -eq 1 ] || [ "$n" -gt 1 ] || continue
		d="$WORK/c$k"
		k=$((k + 1))
		mkdir -p "$d"
		owner=()
		[ "$w" -eq 1 ] || owner=(--by-owner)
		"$PY" "$GEN" gen --dir "$dir" --cipher "$ci" --size "$sz" --sas "$n" --queues "$w" \
			--workers "$w" "${owner[@]}" --outdir "$d" >"$d/gen.json" ||
			die "gen_bench.py failed for $c ($w workers)"
		CDIR["$c/$w"]="$d"
		echo "$c workers=$w $(cat "$d/gen.json")" >>"$RESULTS/cases.txt"
	done
done
jget() { "$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }

# ------------------------------------------------------------------ runs

lcores() { # 0,1..w
	local w="$1" l=0 i
	for ((i = 1; i <= w; i++)); do l="$l,$i"; done
	echo "$l"
}

# Whole-machine busy percent over the next half second.
busy_half() {
	local a b
	a="$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 }' /proc/stat)"
	sleep 0.5
	b="$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 }' /proc/stat)"
	echo "$a $b" | awk '{ d = $4 - $2; print (d > 0) ? int(100 * ($3 - $1) / d) : 0 }'
}

# On a shared machine, start a run after a quiet second, or after WAIT_IDLE s anyway.
IDLE_WAITED=0
IDLE_TIMEOUTS=0
wait_idle() {
	local quiet=0 t=0
	[ "$WAIT_IDLE" -gt 0 ] || return 0
	while [ "$quiet" -lt 2 ]; do
		if [ "$t" -ge $((2 * WAIT_IDLE)) ]; then
			IDLE_TIMEOUTS=$((IDLE_TIMEOUTS + 1))
			return 0
		fi
		if [ "$(busy_half)" -lt 10 ]; then quiet=$((quiet + 1)); else quiet=0; fi
		t=$((t + 1))
	done
	IDLE_WAITED=$((IDLE_WAITED + t))
}

# perf_worker PID OUT: perf record the worker threads of PID for the measured windows.
perf_worker() {
	local pid="$1" tids="" t
	command -v perf >/dev/null || return 0
	for _ in $(seq 1 300); do
		for t in /proc/"$pid"/task/*; do
			grep -q worker "$t/comm" 2>/dev/null && tids="${tids:+$tids,}${t##*/}"
		done
		[ -z "$tids" ] || break
		sleep 0.1
	done
	[ -n "$tids" ] || return 0
	sleep 2 # start-up and warm-up
	timeout -s INT "$(awk -v w="$WINDOWS" -v s="$SECS" 'BEGIN { print w * s }')" \
		perf record -q -g -t "$tids" -o "$2.data" >/dev/null 2>&1 || true
}

# measure TOOL CASE W ROUND: start hubsec or testpmd in the case directory,
# sample its port counters, stop it. Windows go to RESULTS/TOOL-ID-wW-rR.json.
FAILED=0
# Console commands back to back on CPU 0 until killed; counts them in RESULTS/console-ID.
# shellcheck disable=SC2317 # reached through "&"
console_load() {
	local n=0 bad=0 t0
	t0=$(date +%s.%N)
	trap 'echo "$n $bad $t0 $(date +%s.%N)" >"$RESULTS/console-$1.count"; exit 0' TERM
	while :; do
		# shellcheck disable=SC2086 # CONSOLE_LOAD is words
		if taskset -c 0 "$CLI" --file-prefix "$PREFIX" $CONSOLE_LOAD >/dev/null 2>&1; then
			n=$((n + 1))
		else
			bad=$((bad + 1))
			sleep 0.05 # not up yet
		fi
	done
}

measure() {
	local tool="$1" c="$2" w="$3" r="$4" d="${CDIR["$2/$3"]}" id rc=0 pid ports vin vout
	id="$(echo "$c" | tr / -)-w$w-r$r"
	vin="$(jget "$d/gen.json" vdev_inside)"
	vout="$(jget "$d/gen.json" vdev_outside)"
	ports="$(jget "$d/gen.json" rx_port),$(jget "$d/gen.json" tx_port)"
	local out="$RESULTS/$tool-$id.json" logf="$RESULTS/$tool-$id.log" sargs=()
	wait_idle
	(
		cd "$d"
		if [ "$tool" = hubsec ]; then
			exec "${PRIO[@]}" "$DP" -l "$(lcores "$w")" --no-pci --file-prefix "$PREFIX" -- \
				--config case.yaml --busy-poll --stats-on-exit
		else
			# Same ports as the dataplane's config (inside first: port 0).
			exec "${PRIO[@]}" "$TESTPMD" -l "$(lcores "$w")" --no-pci \
				--file-prefix "${PREFIX}io" --vdev "$vin" --vdev "$vout" -- \
				--forward-mode=io --auto-start --stats-period 1 --nb-cores "$w" \
				--rxq "$w" --txq "$w" --total-num-mbufs 65536
		fi
	) >"$logf" 2>&1 &
	pid=$!
	CHILD=$pid
	[ "$tool" = testpmd ] || sargs=(--hubsec)
	local loadpid=""
	if [ -n "$CONSOLE_LOAD" ] && [ "$tool" = hubsec ]; then
		console_load "$id" &
		loadpid=$!
	fi
	local perfpid="" pdata="$RESULTS/perf-$id"
	if [ "$PERF" -eq 1 ] && [ "$tool" = hubsec ] && [ "$r" -eq 1 ]; then
		perf_worker "$pid" "$pdata" &
		perfpid=$!
	fi
	timeout 120 "$PY" "$GEN" sample --prefix "$PREFIX$([ "$tool" = testpmd ] && echo io)" \
		--ports "$ports" --rounds "$WINDOWS" --interval "$SECS" --warmup 1 \
		--connect-timeout 60 --pid "$pid" "${sargs[@]}" >"$out" 2>"$out.err" || rc=$?
	if ! kill -0 "$pid" 2>/dev/null; then
		rc=1
		warn "$tool stopped during $c ($w workers, round $r): see $logf"
	fi
	if [ -n "$loadpid" ]; then
		kill "$loadpid" 2>/dev/null || true
		wait "$loadpid" 2>/dev/null || true
	fi
	kill -INT "$pid" 2>/dev/null || true
	for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$pid" 2>/dev/null; then
		warn "$tool did not stop on SIGINT within 10 s ($c): killed"
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
	CHILD=""
	if [ -n "$perfpid" ]; then
		wait "$perfpid" 2>/dev/null || true
		perf report -i "$pdata.data" --no-children --stdio --sort dso,sym 2>/dev/null |
			grep -E '^ +[0-9]' | head -40 >"$pdata.txt" || true
	fi
	if [ "$rc" -ne 0 ]; then
		warn "$tool: no measurement for $c ($w workers, round $r): see $logf and $out.err"
		FAILED=1
	fi
}

# crypto-perf: the frame sizes of every case, per cipher and direction.
declare -A CP_BUFS
for c in "${CASES[@]}"; do
	IFS=/ read -r ci sz dir n <<<"$c"
	key="${CIPHER_LONG[$ci]}/${CP_DIR[$dir]}"
	for f in $(size_frames "$sz"); do
		b="$(cp_cipher_bytes "${CIPHER_LONG[$ci]}" "$f")"
		case ",${CP_BUFS[$key]:-}," in *",$b,"*) ;; *) CP_BUFS[$key]="${CP_BUFS[$key]:+${CP_BUFS[$key]},}$b" ;; esac
	done
done
# shellcheck disable=SC2034 # read by lib-crypto-perf.sh
if [ "$SET" = quick ]; then CP_SECONDS=0.1; else CP_SECONDS=0.3; fi
# shellcheck disable=SC2034
CP_PRIO=("${PRIO[@]}")
cp_init "$RESULTS" 0 1 || die "crypto-perf set-up failed"
for key in "${!CP_BUFS[@]}"; do
	cp_calibrate "${key%/*}" "${key#*/}" "${CP_BUFS[$key]}" || die "crypto-perf calibration failed"
done

START=$(date +%s)
for ((r = 1; r <= ROUNDS; r++)); do
	log "round $r/$ROUNDS: dpdk-test-crypto-perf"
	for key in "${!CP_BUFS[@]}"; do
		for rep in 1 2 3; do # cheap, and easily spoilt by a neighbour: best of three
			wait_idle
			cp_round "${key%/*}" "${key#*/}" "${CP_BUFS[$key]}" "$r.$rep" ||
				die "crypto-perf failed"
		done
	done
	for c in "${CASES[@]}"; do
		for w in "${WORKER_SETS[@]}"; do
			[ -n "${CDIR["$c/$w"]:-}" ] || continue
			log "round $r/$ROUNDS: $c, $w worker(s): testpmd io, then hubsec"
			measure testpmd "$c" "$w" "$r"
			measure hubsec "$c" "$w" "$r"
		done
	done
done
log "measured in $(($(date +%s) - START)) s"

# ------------------------------------------------------------------ results

# best TOOL CASE W -> "mpps cpu_share drops spread% loss% norm_mpps" over every round's
# windows: the best window (its rate and the worker's share of its core), the drops of
# all runs, (best - worst) / best, the largest rx - tx gap, and the best rate / share.
best() {
	local tool="$1" id
	id="$(echo "$2" | tr / -)-w$3"
	cat "$RESULTS/$tool-$id"-r*.json 2>/dev/null | "$PY" -c '
import json, sys
best, lo, norm, drops, loss = None, None, 0.0, 0, 0.0
for line in sys.stdin:
    j = json.loads(line)
    if "drops" in j:
        drops += sum(j["drops"].values())
        continue
    if "round" not in j or j["seconds"] <= 0:
        continue
    mpps = j["tx_pkts"] / j["seconds"] / 1e6
    if j["rx_pkts"] > 0:
        loss = max(loss, (j["rx_pkts"] - j["tx_pkts"]) / j["rx_pkts"])
    drops += j["imissed"] + j["rx_nombuf"] + j["oerrors"]
    if best is None or mpps > best[0]:
        best = (mpps, j.get("cpu_share", -1))
    if j.get("cpu_share", -1) > 0:
        norm = max(norm, mpps / min(1.0, j["cpu_share"]))
    lo = mpps if lo is None else min(lo, mpps)
if best is None:
    print("0 -1 0 0 0 0")
else:
    spread = 100 * (best[0] - lo) / best[0] if best[0] > 0 else 0
    print("%.4f %.3f %d %.0f %.2f %.4f" % (best[0], best[1], drops, spread, 100 * loss, norm))
'
}

declare -A HS IO
for c in "${CASES[@]}"; do
	for w in "${WORKER_SETS[@]}"; do
		[ -n "${CDIR["$c/$w"]:-}" ] || continue
		HS["$c/$w"]="$(best hubsec "$c" "$w")"
		IO["$c/$w"]="$(best testpmd "$c" "$w")"
	done
done

crypto_of() { # case -> Mops
	local ci sz dir n
	IFS=/ read -r ci sz dir n <<<"$1"
	cp_raw_mops "${CIPHER_LONG[$ci]}" "${CP_DIR[$dir]}" "$(size_frames "$sz")" \
		"$(size_weights "$sz")"
}

BUG=0
MAX_SPREAD=0
MIN_CPU=100
{
	echo
	echo "hubsec-dataplane on net_pcap (infinite_rx) -> net_null, $(nproc) CPUs ($(awk -F': ' \
		'/^model name/ { print $2; exit }' /proc/cpuinfo)), worker lcore 1, busy poll, $PRIO_NOTE;"
	echo "best of $ROUNDS round(s) x $WINDOWS window(s) of ${SECS}s per tool; $(
		"$TESTPMD" -v 2>&1 | sed -n 's/.*RTE Version: .\(DPDK [0-9.]*\).*/\1/p' | head -1)"
	echo
	printf '%-19s %3s %7s %6s %6s %4s %7s %7s %7s %6s %5s %6s %7s %5s  %s\n' case wk "hs Mpps" \
		Gbps drops cpu% "io Mpps" crypto limit /limit secgw /secgw hs/cpu /lim\' target
	for c in "${CASES[@]}"; do
		IFS=/ read -r ci sz dir n <<<"$c"
		for w in "${WORKER_SETS[@]}"; do
			[ -n "${CDIR["$c/$w"]:-}" ] || continue
			read -r hs cpu drops spread loss hsn <<<"${HS["$c/$w"]}"
			read -r io iocpu _ iospread _ ion <<<"${IO["$c/$w"]}"
			crypto="$(crypto_of "$c")"
			avg="$(jget "${CDIR["$c/$w"]}/gen.json" clear_frame_avg)"
			ref="${SECGW["$ci/$sz/$dir"]:-0}"
			one="$(echo "${HS["$ci/$sz/$dir/1/1"]:-0}" | awk '{ print $1 }')"
			[ "$n" -ge 10000 ] || one=0 # the issue's SA-count target is at 10,000 SAs
			line="$(awk -v c="$ci $sz $dir $n" -v w="$w" -v hs="$hs" -v cpu="$cpu" \
				-v dr="$drops" -v loss="$loss" -v io="$io" -v cr="$crypto" -v avg="$avg" \
				-v ref="$ref" -v one="$one" -v tr="$T_REF" -v tl="$T_LIMIT" -v ts="$T_SAS" \
				-v hsn="$hsn" -v ion="$ion" '
			BEGIN {
				hs /= w; io /= w; hsn /= w; ion /= w
				limn = (ion > 0 && cr > 0) ? 1 / (1 / ion + 1 / cr) : 0
				rln = (limn > 0 && hsn > 0) ? sprintf("%.2f", hsn / limn) : "-"
				gbps = hs * avg * 8 / 1000
				lim = (io > 0 && cr > 0) ? 1 / (1 / io + 1 / cr) : 0
				rl = lim > 0 ? hs / lim : 0
				rr = ref > 0 ? hs / ref : 0
				miss = ""
				if (lim > 0 && rl < tl) miss = miss sprintf(",limit<%.2f", tl)
				if (ref > 0 && rr < tr) miss = miss sprintf(",secgw<%.2f", tr)
				if (one > 0 && hs < ts * one) miss = miss sprintf(",%.2fx1SA<%.2f", hs / one, ts)
				if (dr > 0 || loss > 1) miss = miss ",DROPS"
				if (hs <= 0) miss = ",NO DATA"
				tgt = miss == "" ? "yes" : "NO: " substr(miss, 2)
				scpu = (cpu < 0) ? "-" : sprintf("%.0f", 100 * cpu)
				sref = (ref > 0) ? sprintf("%.2f", ref) : "-"
				srr = (ref > 0) ? sprintf("%.2f", rr) : "-"
				printf "%-19s %3d %7.3f %6.2f %6d %4s %7.3f %7.3f %7.3f %6.2f %5s %6s %7.3f %5s  %s\n",
					c, w, hs, gbps, dr, scpu, io, cr, lim, rl, sref, srr, hsn, rln, tgt
			}')"
			echo "$line"
			case "$line" in *DROPS* | *"NO DATA"*) BUG=1 ;; esac
			MAX_SPREAD="$(awk -v a="$MAX_SPREAD" -v b="$spread" -v c="$iospread" \
				'BEGIN { m = a; if (b > m) m = b; if (c > m) m = c; print m }')"
			MIN_CPU="$(awk -v a="$MIN_CPU" -v b="$cpu" -v c="$iocpu" 'BEGIN { m = a
				if (b >= 0 && 100 * b < m) m = 100 * b; if (c >= 0 && 100 * c < m) m = 100 * c
				printf "%.0f\n", m }')"
		done
	done
	echo
	echo "SA count (N-SA rate / 1-SA rate, target >= $T_SAS at 10,000 SAs):"
	any=0
	for c in "${CASES[@]}"; do
		IFS=/ read -r ci sz dir n <<<"$c"
		[ "$n" -gt 1 ] && [ -n "${HS["$ci/$sz/$dir/1/1"]:-}" ] || continue
		awk -v c="$ci $sz $dir" -v n="$n" -v a="${HS["$c/1"]%% *}" \
			-v b="${HS["$ci/$sz/$dir/1/1"]%% *}" -v t="$T_SAS" 'BEGIN {
			r = b > 0 ? a / b : 0
			printf "  %-16s %5d SAs: %.2fx %s\n", c, n, r, (r >= t || n < 10000) ? "" : "(below)" }'
		any=1
	done
	[ "$any" -eq 1 ] || echo "  (no case with both 1 and N SAs in this run)"
	echo
	if [ ${#WORKER_SETS[@]} -gt 1 ]; then
		echo "Scaling (rate with $WORKERS workers / ($WORKERS x 1-worker rate), target >= $T_SCALE):"
		for c in "${CASES[@]}"; do
			[ -n "${HS["$c/$WORKERS"]:-}" ] || continue
			awk -v c="$(echo "$c" | tr / ' ')" -v a="${HS["$c/$WORKERS"]%% *}" \
				-v b="${HS["$c/1"]%% *}" -v n="$WORKERS" -v t="$T_SCALE" 'BEGIN {
				r = b > 0 ? a / (n * b) : 0
				printf "  %-22s %.2f Mpps total, %.2f of linear %s\n", c, a, r,
					(r >= t) ? "" : "(below)" }'
		done
	else
		echo "Scaling with more workers: $SCALING_NOTE."
		echo "  (On the 16-core device machine: carry a -Dstatic_dpdk=true build and run --workers 15.)"
	fi
	cat <<EOF

hs Mpps: packets out of the egress port per second per worker core, best window; Gbps: clear-text
  frames (Ethernet, no FCS) at that rate. io Mpps: dpdk-testpmd io forwarding of the same pcap
  between the same two vdevs on the same core(s). crypto: dpdk-test-crypto-perf Mops, best run.
  limit = 1/(1/io + 1/crypto). Inbound SAs run with replay-window-size 0 (the pcap repeats).
cpu%: share of its core the worker thread had (schedstat) in the best window; below ~95 other
  processes ran there. hs/cpu: best window rate / that share (what a whole core would give if
  time-slicing were the only disturbance); /lim': hs/cpu against the limit from io/cpu and
  crypto (for information: targets use the plain figures).
EOF
	echo "noise:   windows of one tool and case differ by up to ${MAX_SPREAD}%; crypto-perf runs by" \
		"up to $(cp_spread)%;"
	echo "         lowest worker cpu share ${MIN_CPU}%; load average $(cut -d' ' -f1-3 /proc/loadavg);"
	echo "         waited $((IDLE_WAITED / 2))s for quiet seconds, $IDLE_TIMEOUTS run(s) started busy."
	if [ "${MAX_SPREAD%.*}" -gt 10 ] || [ "$MIN_CPU" -lt 95 ]; then
		echo "WARNING: the rates varied (others' load on this machine, or on the host: a VM's cpu%"
		echo "         does not show that): the figures are lower bounds; rerun when it is quiet."
	fi
	if [ -n "$CONSOLE_LOAD" ]; then
		cat "$RESULTS"/console-*.count 2>/dev/null | awk -v c="$CONSOLE_LOAD" '
			{ n += $1; bad += $2; t += $4 - $3 }
			END { printf "console: \"hubsec-cli %s\" back to back on CPU 0 during every hubsec run:" \
				" %d answered (%.0f/s), %d refused or not yet up\n", c, n, (t > 0 ? n / t : 0), bad }'
	fi
} | tee "$RESULTS/summary.txt"

[ "$FAILED" -eq 0 ] || {
	warn "some runs failed (see the logs in $RESULTS)"
	exit 1
}
[ "$BUG" -eq 0 ] || {
	warn "the dataplane dropped, lost or did not forward packets: see $RESULTS/hubsec-*.json/log"
	exit 1
}
exit 0
