#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Set up a Debian 12 machine for hubsec: Debian packages, 2 MiB hugepages,
# and the meson/ninja build. Idempotent: a second run installs nothing and
# only rebuilds what changed. Must run as root.
#
#   scripts/setup.sh [--no-build] [--builddir DIR]
set -euo pipefail

# Debian's tools first: a pyenv or venv python3 earlier in PATH has no scapy.
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${PATH}"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Every Debian 12 package the project needs (README "Dependencies").
PACKAGES=(
	build-essential pkg-config meson ninja-build
	libdpdk-dev dpdk-dev
	librte-crypto-ipsec-mb23 librte-net-pcap23 librte-net-af-packet23
	librte-net-null23 librte-net-tap23 librte-net-memif23
	libipsec-mb-dev libssl-dev libyaml-dev libcunit1-dev libpcap-dev
	python3 python3-scapy tshark
	strongswan-charon strongswan-swanctl libcharon-extra-plugins ike-scan
	iproute2 iptables tcpdump tmux procps iputils-ping ethtool
	python3-yaml python3-cryptography openssl
)
HUGEPAGES_WANT=1024 # 2 GiB of 2 MiB pages: two dataplanes (LPM tables, mbuf pools) in the demo
HUGE_SYSFS=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
HUGE_MNT=/dev/hugepages
APT_LISTS_MAX_AGE_MIN=1440 # refresh package lists older than a day

log() { printf '[setup] %s\n' "$*"; }
warn() { printf '[setup] WARNING: %s\n' "$*" >&2; }
die() {
	printf '[setup] ERROR: %s\n' "$*" >&2
	exit 1
}

usage() {
	cat <<EOF
usage: scripts/setup.sh [--no-build] [--builddir DIR]

Installs the Debian packages hubsec needs, reserves ${HUGEPAGES_WANT} 2 MiB hugepages
and mounts hugetlbfs at ${HUGE_MNT}, then configures and builds with meson/ninja.

  --no-build      stop after packages and hugepages
  --builddir DIR  meson build directory (default: build, relative to the checkout)
EOF
}

DO_BUILD=1
BUILDDIR=build
while [ $# -gt 0 ]; do
	case "$1" in
	--no-build) DO_BUILD=0 ;;
	--builddir)
		[ $# -ge 2 ] || die "--builddir needs a directory"
		BUILDDIR="$2"
		shift
		;;
	--builddir=*) BUILDDIR="${1#--builddir=}" ;;
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

[ "$(id -u)" -eq 0 ] || die "must run as root (try: sudo $0)"
[ -r /etc/debian_version ] || die "this script is for Debian 12; /etc/debian_version not found"
case "$(cat /etc/debian_version)" in
12.* | bookworm*) ;;
*) warn "Debian $(cat /etc/debian_version) is not Debian 12: package names may differ" ;;
esac

cd "$ROOT"

# ---------------------------------------------------------------- packages

# Prints the packages of PACKAGES that are not installed.
missing_packages() {
	local p st
	for p in "${PACKAGES[@]}"; do
		st="$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)"
		[ "$st" = installed ] || echo "$p"
	done
}

# True when apt's package lists exist and are younger than a day.
apt_lists_fresh() {
	[ -n "$(find /var/lib/apt/lists -maxdepth 1 -type f \
		\( -name '*_Packages*' -o -name '*_InRelease' -o -name '*_Release' \) \
		-mmin "-${APT_LISTS_MAX_AGE_MIN}" -print -quit 2>/dev/null)" ]
}

# True when apt knows an installable version of every package named.
apt_has_candidates() {
	local p cand
	for p in "$@"; do
		cand="$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ { print $2 }')"
		{ [ -n "$cand" ] && [ "$cand" != "(none)" ]; } || return 1
	done
}

APT_UPDATED=no
INSTALLED_NOW=()
install_packages() {
	local missing still
	mapfile -t missing < <(missing_packages)
	if [ ${#missing[@]} -eq 0 ]; then
		log "packages: all ${#PACKAGES[@]} installed, nothing to do"
		return
	fi
	log "packages: missing ${#missing[@]}: ${missing[*]}"

	if ! apt_lists_fresh || ! apt_has_candidates "${missing[@]}"; then
		log "apt-get update"
		apt-get update -q || die "apt-get update failed: check network access and /etc/apt/sources.list*"
		APT_UPDATED=yes
	fi
	apt_has_candidates "${missing[@]}" || {
		local p bad=()
		for p in "${missing[@]}"; do apt_has_candidates "$p" || bad+=("$p"); done
		die "apt knows no installable version of: ${bad[*]} (is this Debian 12 with the main component enabled?)"
	}

	# tshark asks whether non-root users may capture; answer no, without a prompt.
	log "debconf: wireshark-common/install-setuid = false"
	echo 'wireshark-common wireshark-common/install-setuid boolean false' |
		debconf-set-selections || die "debconf-set-selections failed"

	log "apt-get install ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		-o DPkg::Lock::Timeout=300 "${missing[@]}" ||
		die "apt-get install failed for: ${missing[*]} (see apt's output above)"

	mapfile -t still < <(missing_packages)
	[ ${#still[@]} -eq 0 ] || die "still not installed after apt-get install: ${still[*]}"
	INSTALLED_NOW=("${missing[@]}")
	log "packages: installed ${#missing[@]}"
}

# The interop tests use Debian's python3 with scapy; make sure it imports.
check_python() {
	/usr/bin/python3 -c 'import scapy.all' 2>/dev/null ||
		die "/usr/bin/python3 cannot import scapy although python3-scapy is installed"
	log "python: /usr/bin/python3 imports scapy"
}

# --------------------------------------------------------------- hugepages

HUGE_STATE=""
setup_hugepages() {
	local have got
	if [ ! -e "$HUGE_SYSFS" ]; then
		warn "hugepages: $HUGE_SYSFS does not exist (kernel without 2 MiB hugepages?);" \
			"the demo and benchmark need them, the tests do not"
		HUGE_STATE="unavailable"
		return
	fi
	have="$(cat "$HUGE_SYSFS")"
	if [ "$have" -ge "$HUGEPAGES_WANT" ]; then
		log "hugepages: $have x 2 MiB already reserved, nothing to do"
	else
		log "hugepages: reserving $HUGEPAGES_WANT x 2 MiB (had $have)"
		echo "$HUGEPAGES_WANT" 2>/dev/null >"$HUGE_SYSFS" ||
			warn "hugepages: cannot write $HUGE_SYSFS (read-only /sys in a container?)"
	fi
	got="$(cat "$HUGE_SYSFS")"
	if [ "$got" -lt "$HUGEPAGES_WANT" ]; then
		warn "hugepages: only $got of $HUGEPAGES_WANT x 2 MiB granted (fragmented memory?);" \
			"the demo and benchmark need them, the tests run with --no-huge"
	fi

	if awk -v m="$HUGE_MNT" '$2 == m && $3 == "hugetlbfs" { f = 1 } END { exit !f }' /proc/mounts; then
		log "hugepages: hugetlbfs already mounted at $HUGE_MNT"
	else
		log "hugepages: mounting hugetlbfs at $HUGE_MNT"
		if ! { mkdir -p "$HUGE_MNT" && mount -t hugetlbfs -o pagesize=2M nodev "$HUGE_MNT"; }; then
			warn "hugepages: cannot mount hugetlbfs at $HUGE_MNT (no CAP_SYS_ADMIN?)"
		fi
	fi
	HUGE_STATE="$got x 2 MiB = $((got * 2)) MiB reserved"
	if awk -v m="$HUGE_MNT" '$2 == m && $3 == "hugetlbfs" { f = 1 } END { exit !f }' /proc/mounts; then
		HUGE_STATE="$HUGE_STATE, hugetlbfs on $HUGE_MNT"
	else
		HUGE_STATE="$HUGE_STATE, hugetlbfs NOT mounted"
	fi
}

# ------------------------------------------------------------------- build

BUILD_STATE="skipped (--no-build)"
build() {
	local opts=(--buildtype=release -Dwerror=true)
	if [ -f "$BUILDDIR/build.ninja" ]; then
		# ninja re-runs meson itself when a meson.build changed.
		log "build: $BUILDDIR already configured"
	elif [ -f "$BUILDDIR/meson-private/coredata.dat" ]; then
		log "build: meson setup --reconfigure $BUILDDIR ${opts[*]}"
		meson setup --reconfigure "$BUILDDIR" "${opts[@]}" ||
			die "meson setup --reconfigure $BUILDDIR failed (see meson's message above;" \
				"remove $BUILDDIR to start over)"
	else
		log "build: meson setup $BUILDDIR ${opts[*]}"
		meson setup "$BUILDDIR" "${opts[@]}" ||
			die "meson setup $BUILDDIR failed (see meson's message above)"
	fi
	log "build: ninja -C $BUILDDIR"
	ninja -C "$BUILDDIR" ||
		die "build failed: ninja -C $BUILDDIR (see the compiler errors above)"
	BUILD_STATE="$BUILDDIR ($(readlink -f "$BUILDDIR")), up to date"
}

# -------------------------------------------------------------------- main

install_packages
check_python
setup_hugepages
[ "$DO_BUILD" -eq 0 ] || build

log "summary:"
if [ ${#INSTALLED_NOW[@]} -eq 0 ]; then
	log "  packages:  all ${#PACKAGES[@]} already installed"
else
	log "  packages:  installed ${INSTALLED_NOW[*]} (apt-get update: $APT_UPDATED)"
fi
log "  hugepages: $HUGE_STATE"
log "  build:     $BUILD_STATE"
