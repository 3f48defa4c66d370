# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# The raw crypto ceiling from dpdk-test-crypto-perf (crypto_aesni_mb), as
# scripts/bench-esp.sh measures it: same options, burst 32, buffers of the
# bytes the ESP engine ciphers for a frame, --csv-friendly output, best of
# several runs. Sourced, not run:
#
#   . scripts/lib-crypto-perf.sh
#   cp_init RESULTS_DIR MAIN_CORE WORKER_CORE [EAL memory args...]
#   cp_calibrate CIPHER DIR BUFS      # DIR encrypt|decrypt, BUFS "52,556,1408"
#   cp_round CIPHER DIR BUFS ROUND    # appends to RESULTS/crypto-perf-CIPHER-DIR.txt
#   cp_best CIPHER DIR                # "size Mops" lines, best run per size
#   cp_raw_mops CIPHER DIR "FRAMES" "WEIGHTS"   # by-time mix of frame sizes
#   cp_spread                         # largest (best - worst) / best in %
#
# Ciphers: aes-gcm-128, aes-cbc-128-sha1. Callers may set CP_PRIO (an array,
# e.g. (nice -n -20)) and CP_SECONDS (seconds per buffer size and run; at
# least 1,000,000 operations: shorter runs are easily spoilt by a neighbour).
# Used by scripts/bench-esp.sh and scripts/bench-dataplane.sh.

CP_PMD_SO=/usr/lib/x86_64-linux-gnu/dpdk/pmds-23.0/librte_crypto_ipsec_mb.so
CP_EXTRA=()
CP_MEM=()
declare -A CP_OPS

cp_init() {
	CP_RESULTS="$1"
	CP_MAIN="$2"
	CP_CORE="$3"
	shift 3
	CP_MEM=("$@")
	CP_BIN="$(command -v dpdk-test-crypto-perf || true)"
	[ -n "$CP_BIN" ] || {
		echo "dpdk-test-crypto-perf not found: apt-get install dpdk-dev" >&2
		return 1
	}
	: "${CP_SECONDS:=0.5}"
	[ "${#CP_PRIO[@]}" -gt 0 ] 2>/dev/null || CP_PRIO=()
	# A vector file long enough for every buffer size (global section only):
	# crypto-perf refuses auth verify without one; contents do not matter.
	awk 'function row(name, n, s,   i, line) {
		print name " ="
		line = ""
		for (i = 0; i < n; i++)
			line = line sprintf("%s0x%02x", i ? ", " : "", (i * 7 + s) % 256)
		print line
	}
	BEGIN {
		print "# dummy vector: throughput only, contents do not matter"
		row("plaintext", 2048, 1); row("ciphertext", 2048, 2)
		row("cipher_key", 16, 3); row("cipher_iv", 16, 4)
		row("auth_key", 20, 5); row("digest", 12, 6)
	}' >"$CP_RESULTS/cbc-sha1.vec"
}

# Bytes the engine ciphers for a frame (Ethernet, no FCS): ESP payload =
# inner IP (frame - 14) + pad length + next header, padded to 4 (GCM, RFC
# 4106 §3.2) or to the 16-byte block (CBC, RFC 3602 §3).
cp_cipher_bytes() {
	local align=4 n
	[ "$1" = aes-gcm-128 ] || align=16
	n=$(($2 - 14 + 2))
	echo $(((n + align - 1) / align * align))
}

CP_ALGO=()
cp_set_algo() {
	local cipher="$1" dir="$2"
	if [ "$cipher" = aes-gcm-128 ]; then
		CP_ALGO=(--optype aead --aead-algo aes-gcm --aead-op "$dir" --aead-key-sz 16
			--aead-iv-sz 12 --aead-aad-sz 8 --digest-sz 16)
	elif [ "$dir" = encrypt ]; then
		CP_ALGO=(--optype cipher-then-auth --cipher-algo aes-cbc --cipher-op encrypt
			--cipher-key-sz 16 --cipher-iv-sz 16 --auth-algo sha1-hmac
			--auth-op generate --auth-key-sz 20 --digest-sz 12)
	else
		CP_ALGO=(--optype auth-then-cipher --cipher-algo aes-cbc --cipher-op decrypt
			--cipher-key-sz 16 --cipher-iv-sz 16 --auth-algo sha1-hmac
			--auth-op verify --auth-key-sz 20 --digest-sz 12
			--test-file "$CP_RESULTS/cbc-sha1.vec")
	fi
}

# cp_run OUT TOTAL_OPS BUFS [extra crypto-perf args]: one run with CP_ALGO.
cp_run() {
	local out="$1" ops="$2" bufs="$3"
	shift 3
	"${CP_PRIO[@]}" "$CP_BIN" -l "$CP_MAIN,$CP_CORE" --main-lcore "$CP_MAIN" \
		--file-prefix "hscperf$$" --no-pci "${CP_MEM[@]}" "${CP_EXTRA[@]}" \
		--vdev crypto_aesni_mb -- --ptest throughput --devtype crypto_aesni_mb \
		"${CP_ALGO[@]}" --buffer-sz "$bufs" --burst-sz 32 --total-ops "$ops" \
		--csv-friendly --silent "$@" >>"$out" 2>&1
}

# Best Mops per buffer size in crypto-perf outputs: "size mops" lines.
cp_parse() {
	awk -F, '/^[0-9]+,[0-9]+,[0-9]+,[0-9]+,[0-9]+,/ {
		if (!($2 in best) || $8 > best[$2]) best[$2] = $8
	} END { for (b in best) print b, best[b] }' "$@"
}

# A short run sizes the real ones (about CP_SECONDS per size); finds the PMD
# with -d when EAL does not load it by itself.
cp_calibrate() {
	local cipher="$1" dir="$2" bufs="$3" out="$CP_RESULTS/crypto-perf-$1-$2.calib.txt" min
	cp_set_algo "$cipher" "$dir"
	: >"$out"
	if ! cp_run "$out" 1000000 "$bufs"; then
		if [ ${#CP_EXTRA[@]} -ne 0 ] || [ ! -e "$CP_PMD_SO" ]; then
			echo "dpdk-test-crypto-perf failed, see $out" >&2
			return 1
		fi
		CP_EXTRA=(-d "$CP_PMD_SO")
		cp_run "$out" 1000000 "$bufs" || {
			echo "dpdk-test-crypto-perf failed, see $out" >&2
			return 1
		}
	fi
	min="$(cp_parse "$out" | awk 'NR == 1 || $2 < m { m = $2 } END { print m }')"
	[ -n "$min" ] || {
		echo "no results from dpdk-test-crypto-perf, see $out" >&2
		return 1
	}
	CP_OPS["$cipher/$dir"]="$(awk -v m="$min" -v s="$CP_SECONDS" 'BEGIN {
		o = int(m * 1e6 * s); if (o < 1000000) o = 1000000; print o }')"
	: >"$CP_RESULTS/crypto-perf-$cipher-$dir.txt"
}

cp_round() {
	local cipher="$1" dir="$2" bufs="$3" r="$4" out="$CP_RESULTS/crypto-perf-$1-$2.txt"
	cp_set_algo "$cipher" "$dir"
	echo "# round $r: ${CP_OPS["$cipher/$dir"]} ops per size" >>"$out"
	cp_run "$out" "${CP_OPS["$cipher/$dir"]}" "$bufs" || {
		echo "dpdk-test-crypto-perf failed, see $out" >&2
		return 1
	}
}

cp_best() {
	cp_parse "$CP_RESULTS/crypto-perf-$1-$2.txt" | sort -n
}

# Raw ceiling of a mix of frames, combined by time:
# 1/rate = sum(w_i / rate_i) / sum(w_i). One frame size: its rate.
cp_raw_mops() {
	local cipher="$1" dir="$2" frames="$3" weights="$4" t="" f b
	for f in $frames; do
		b="$(cp_cipher_bytes "$cipher" "$f")"
		t="$t $(cp_best "$cipher" "$dir" | awk -v b="$b" '$1 == b { print $2 }')"
	done
	awk -v r="$t" -v w="$weights" 'BEGIN { n = split(r, R, " "); m = split(w, W, " ")
		if (n != m || n == 0) { print 0; exit }
		for (i = 1; i <= n; i++) { if (R[i] <= 0) { print 0; exit }
			s += W[i] / R[i]; sw += W[i] }
		printf "%.4f\n", sw / s }'
}

cp_spread() {
	local files=("$CP_RESULTS"/crypto-perf-*crypt.txt)
	[ -e "${files[0]}" ] || {
		echo 0
		return
	}
	awk -F, '/^[0-9]+,[0-9]+,[0-9]+,[0-9]+,[0-9]+,/ {
		k = FILENAME "/" $2; if (!(k in hi) || $8 > hi[k]) hi[k] = $8
		if (!(k in lo) || $8 < lo[k]) lo[k] = $8 }
	END { for (k in hi) if (hi[k] > 0 && (hi[k] - lo[k]) / hi[k] > m) m = (hi[k] - lo[k]) / hi[k]
		printf "%.0f\n", 100 * m }' "${files[@]}"
}
