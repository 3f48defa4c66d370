#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The README's test command (and what .ci/run calls): set up the machine,
# build, and run every meson test suite (unit, interop, ...) one at a time.
# Exits non-zero when setup, the build or any test fails, or no test ran.
#
#   scripts/test.sh [--no-setup] [--builddir DIR] [MESON-TEST-ARGS...]
#   e.g. scripts/test.sh --suite unit
set -euo pipefail

# Debian's tools first: a pyenv or venv python3 earlier in PATH has no scapy.
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${PATH}"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { printf '[test] %s\n' "$*"; }
die() {
	printf '[test] ERROR: %s\n' "$*" >&2
	exit 1
}

SETUP=1
BUILDDIR=build
MESON_ARGS=()
while [ $# -gt 0 ]; do
	case "$1" in
	--no-setup) SETUP=0 ;;
	--builddir)
		[ $# -ge 2 ] || die "--builddir needs a directory"
		BUILDDIR="$2"
		shift
		;;
	--builddir=*) BUILDDIR="${1#--builddir=}" ;;
	-h | --help)
		sed -n '3,9s/^# \{0,1\}//p' "$0"
		exit 0
		;;
	*) MESON_ARGS+=("$1") ;;
	esac
	shift
done

START=$SECONDS
if [ "$SETUP" -eq 1 ]; then
	bash scripts/setup.sh --builddir "$BUILDDIR" || die "scripts/setup.sh failed (see above)"
fi
[ -f "$BUILDDIR/build.ninja" ] || die "$BUILDDIR is not a configured build directory (run scripts/setup.sh)"

LOG="$BUILDDIR/meson-logs/testlog.json"
rm -f "$LOG" # so a run that tests nothing is not counted from the last one
log "meson test -C $BUILDDIR --print-errorlogs --num-processes 1 ${MESON_ARGS[*]}"
rc=0
meson test -C "$BUILDDIR" --print-errorlogs --num-processes 1 "${MESON_ARGS[@]}" || rc=$?

# Count results from meson's log of this run (one JSON object per test).
summary="$(/usr/bin/python3 - "$LOG" <<'EOF' || true
import json, sys
ok = failed = skipped = 0
bad = []
try:
    with open(sys.argv[1]) as f:
        for line in f:
            if not line.strip():
                continue
            t = json.loads(line)
            r = t.get("result", "")
            if r in ("OK", "EXPECTEDFAIL"):
                ok += 1
            elif r == "SKIP":
                skipped += 1
            else:
                failed += 1
                bad.append("%s (%s)" % (t.get("name", "?"), r))
except FileNotFoundError:
    pass
print(ok, failed, skipped, "; ".join(bad))
EOF
)"
read -r passed failed skipped bad <<<"${summary:-0 0 0}"
: "${passed:=0}" "${failed:=0}" "${skipped:=0}" "${bad:=}"

log "took $((SECONDS - START)) s; meson test exit status $rc"
[ -z "$bad" ] || log "failed: $bad"
total=$((passed + failed + skipped))
if [ "$rc" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$total" -eq 0 ]; then
	log "no test ran (check the suite name or the tests option)"
	rc=1
fi
[ "$failed" -eq 0 ] || rc=1
echo "test: $passed passed, $failed failed, $skipped skipped"
exit "$rc"
