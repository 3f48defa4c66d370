#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The two-site demo (seed 003: Cisco's "A Technical Look at IPSEC VPN Tunnel
# Creation"): two hubsec concentrators on virtual Ethernet links in network
# namespaces, each with hubsec-control beside it; the first ping from
# YELLOW brings the IPsec tunnel up with IKEv2 (acquire, IKE_SA_INIT,
# IKE_AUTH, a child SA per ACL line), pings go through it, and the console
# shows it (hubsec-cli: show crypto isakmp sa, show crypto ipsec sa, show
# crypto session, show access-list, ...). Everything it creates is removed
# when it ends, also on failure or Ctrl-C. Must run as root; exits non-zero
# if a ping fails.
#
#   scripts/demo.sh [--no-setup] [--builddir DIR] [--keep-running] [--static]
#
#   --static        the configs' static SAs instead of IKEv2 (site1.yaml, site2.yaml)
#   --no-setup      do not run scripts/setup.sh (packages, hugepages, build)
#   --builddir DIR  meson build directory (default: build)
#   --keep-running  after the pings, wait for Enter before tearing down (try
#                   "ip netns exec hs-yellow ping 172.16.10.11" and
#                   "build/control/hubsec-cli --file-prefix hs-site1 help" meanwhile)
#
#         site 1                                                  site 2
#  YELLOW 192.168.100.10 --+                                    +-- PURPLE 172.16.10.11
#  BLUE   192.168.200.10 --+-- [hs-lan1 bridge] -- s1-in [hubsec site1] s1-out
#                                                   10.255.1.2 ===== WAN ===== 10.255.2.2
#                                                          s2-out [hubsec site2] s2-in --+
set -euo pipefail

export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${PATH}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

SETUP=1
BUILDDIR=build
KEEP=0
STATIC=0
while [ $# -gt 0 ]; do
	case "$1" in
	--no-setup) SETUP=0 ;;
	--builddir)
		[ $# -ge 2 ] || { echo "demo: --builddir needs a directory" >&2; exit 2; }
		BUILDDIR="$2"
		shift
		;;
	--builddir=*) BUILDDIR="${1#--builddir=}" ;;
	--keep-running) KEEP=1 ;;
	--static) STATIC=1 ;;
	-h | --help)
		sed -n '3,22s/^# \{0,1\}//p' "$0"
		exit 0
		;;
	*)
		echo "demo: unknown argument: $1 (see --help)" >&2
		exit 2
		;;
	esac
	shift
done

BOLD=$'\e[1m' GREEN=$'\e[32m' RED=$'\e[31m' OFF=$'\e[0m'
[ -t 1 ] || { BOLD='' GREEN='' RED='' OFF=''; }
step() { printf '\n%s==> %s%s\n' "$BOLD" "$*" "$OFF"; }
say() { printf '    %s\n' "$*"; }
die() {
	printf '%sdemo: ERROR: %s%s\n' "$RED" "$*" "$OFF" >&2
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces, hugepages): sudo $0"

NS_YELLOW=hs-yellow NS_BLUE=hs-blue NS_PURPLE=hs-purple
NS_S1=hs-s1 NS_S2=hs-s2 NS_LAN=hs-lan1
NAMESPACES=("$NS_YELLOW" "$NS_BLUE" "$NS_PURPLE" "$NS_S1" "$NS_S2" "$NS_LAN")
PREFIXES=(hs-site1 hs-site2) # DPDK --file-prefix of each dataplane
DP="$BUILDDIR/dataplane/hubsec-dataplane"
CLI="$BUILDDIR/control/hubsec-cli"
CTL="$BUILDDIR/control/hubsec-control"
CONF="$ROOT/scripts/configs"
LOGDIR="$(mktemp -d /tmp/hubsec-demo.XXXXXX)"
PIDS=()
CTL_PIDS=()

# ------------------------------------------------------------------ teardown

cleanup() {
	local rc=$? pid
	trap - EXIT INT TERM
	printf '\n%s==> Tearing down: stopping the dataplanes, deleting the namespaces%s\n' \
		"$BOLD" "$OFF"
	for pid in "${CTL_PIDS[@]}" "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${CTL_PIDS[@]}" "${PIDS[@]}"; do
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
		kill -KILL "$pid" 2>/dev/null || true
	done
	remove_leftovers
	[ -n "${DEMO_KEEP_LOGS:-}" ] || rm -rf "$LOGDIR"
	if [ "$rc" -eq 0 ]; then
		printf '%sdemo: done, everything removed%s\n' "$GREEN" "$OFF"
	else
		printf '%sdemo: FAILED (exit %d), everything removed%s\n' "$RED" "$rc" "$OFF"
	fi
	exit "$rc"
}

# Namespaces and DPDK run files of this demo (also those of an earlier, killed run).
remove_leftovers() {
	local ns p
	for ns in "${NAMESPACES[@]}"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	for p in "${PREFIXES[@]}"; do
		rm -rf "/var/run/dpdk/$p"
		rm -f /dev/hugepages/"$p"map_*
	done
}

# --------------------------------------------------------------------- setup

if [ "$SETUP" -eq 1 ]; then
	step "Setting up this machine: Debian packages, 2 MiB hugepages, build (scripts/setup.sh)"
	bash scripts/setup.sh --builddir "$BUILDDIR" || die "scripts/setup.sh failed (see above)"
fi
[ -x "$DP" ] || die "$DP not found: build first (scripts/setup.sh, or ninja -C $BUILDDIR)"
for tool in ip:iproute2 ping:iputils-ping ethtool:ethtool sysctl:procps; do
	command -v "${tool%%:*}" >/dev/null ||
		die "${tool%%:*} not found: apt-get install ${tool#*:}"
done
free="$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages 2>/dev/null || echo 0)"
[ "$free" -ge 256 ] ||
	die "only $free free 2 MiB hugepages, 256 needed (2 x 256 MiB): run scripts/setup.sh" \
		"or stop other DPDK programs"

trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
remove_leftovers

# ------------------------------------------------------------------- network

# ip netns exec shorthand
nsx() {
	local ns="$1"
	shift
	ip netns exec "$ns" "$@"
}

# veth NS1 IF1 NS2 IF2 MTU: a virtual cable. Checksum and segmentation
# offloads off: the dataplane reads frames through af_packet, which would
# otherwise see TCP/UDP checksums left for a NIC to fill and 64 KB frames.
veth() {
	ip link add "$2" netns "$1" mtu "$5" type veth peer name "$4" netns "$3" mtu "$5"
	nsx "$1" ethtool -K "$2" tx off rx off tso off gso off gro off >/dev/null 2>&1 || true
	nsx "$3" ethtool -K "$4" tx off rx off tso off gso off gro off >/dev/null 2>&1 || true
}

# host NS ADDR/LEN GATEWAY: an end host with a default route via its site's hubsec.
host() {
	nsx "$1" ip link set lo up
	nsx "$1" ip link set eth0 up
	nsx "$1" ip addr add "$2" dev eth0
	nsx "$1" ip route add default via "$3"
}

step "Building the two-site network of seed 003 in network namespaces"
for ns in "${NAMESPACES[@]}"; do ip netns add "$ns"; done
# Hosts: MTU 1400, so that every packet still fits a 1500-byte WAN link after
# ESP adds its ~70 bytes (the dataplane does not fragment).
veth "$NS_YELLOW" eth0 "$NS_LAN" lan-yellow 1400
veth "$NS_BLUE" eth0 "$NS_LAN" lan-blue 1400
veth "$NS_S1" s1-in "$NS_LAN" lan-site1 1500
veth "$NS_S1" s1-out "$NS_S2" s2-out 1500
veth "$NS_S2" s2-in "$NS_PURPLE" eth0 1400
# YELLOW and BLUE share one L2 segment: site1.yaml's inside interface has both
# 192.168.100.1/24 and 192.168.200.1/24.
nsx "$NS_LAN" ip link add br0 type bridge
for p in lan-yellow lan-blue lan-site1; do nsx "$NS_LAN" ip link set "$p" master br0 up; done
nsx "$NS_LAN" ip link set br0 up
for p in iptables ip6tables arptables; do # a switch, not a firewall (br_netfilter)
	nsx "$NS_LAN" sysctl -q -w "net.bridge.bridge-nf-call-$p=0" 2>/dev/null || true
done
# The concentrators' veths belong to the dataplanes: no kernel addresses there.
for dev in s1-in s1-out; do
	nsx "$NS_S1" sysctl -q -w "net.ipv6.conf.$dev.disable_ipv6=1"
	nsx "$NS_S1" ip link set "$dev" up
done
for dev in s2-in s2-out; do
	nsx "$NS_S2" sysctl -q -w "net.ipv6.conf.$dev.disable_ipv6=1"
	nsx "$NS_S2" ip link set "$dev" up
done
host "$NS_YELLOW" 192.168.100.10/24 192.168.100.1
host "$NS_BLUE" 192.168.200.10/24 192.168.200.1
host "$NS_PURPLE" 172.16.10.11/24 172.16.10.1
say "$NS_YELLOW  192.168.100.10/24 via 192.168.100.1  (site 1, YELLOW)"
say "$NS_BLUE    192.168.200.10/24 via 192.168.200.1  (site 1, BLUE)"
say "$NS_PURPLE  172.16.10.11/24   via 172.16.10.1    (site 2, PURPLE)"
say "$NS_LAN    bridge br0 joining YELLOW, BLUE and site 1's inside port s1-in"
say "$NS_S1      site 1's ports: s1-in (inside), s1-out (WAN 10.255.1.2)"
say "$NS_S2      site 2's ports: s2-in (inside), s2-out (WAN 10.255.2.2)"
say "WAN: s1-out and s2-out back to back (10.255.0.0/16)"

# -------------------------------------------------------------- dataplanes

# start NAME NS CONFIG: one hubsec-dataplane (a DPDK primary process) inside
# the namespace that holds its veths; af_packet ports come from the config.
start_dp() {
	local name="$1" ns="$2" cfg="$3" log="$LOGDIR/$1.log"
	say "hubsec-dataplane -l 0,1 --no-pci --file-prefix hs-$name -m 256 \\"
	say "    -- --config ${cfg#"$ROOT"/} --stats-on-exit"
	# Not through a shell function: "ip netns exec" execs the dataplane, so $!
	# is the dataplane's own PID (what the teardown signals).
	ip netns exec "$ns" "$DP" -l 0,1 --no-pci --file-prefix "hs-$name" -m 256 \
		-- --config "$cfg" --stats-on-exit >"$log" 2>&1 &
	PIDS+=("$!")
}

# wait_dp NAME PID: until it says "running" (or dies).
wait_dp() {
	local name="$1" pid="$2" log="$LOGDIR/$1.log"
	for _ in $(seq 300); do
		if grep -q 'running$' "$log" 2>/dev/null; then
			say "$(grep 'running$' "$log")"
			grep -E 'static SA .* installed' "$log" | sed 's/^.*rings: /      /' || true
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || { sed 's/^/    | /' "$log" >&2; die "$name exited at start"; }
		sleep 0.2
	done
	sed 's/^/    | /' "$log" >&2
	die "$name not running after 60 s"
}

# start_ctl NAME NS CONFIG: hubsec-control (a DPDK secondary process) beside
# the site's dataplane, on its rings: IKE goes through the dataplane's ports.
start_ctl() {
	local name="$1" ns="$2" cfg="$3" log="$LOGDIR/$1-control.log"
	say "hubsec-control -l 0 --file-prefix hs-$name -- --config ${cfg#"$ROOT"/}"
	ip netns exec "$ns" "$CTL" -l 0 --file-prefix "hs-$name" -- --config "$cfg" \
		>"$log" 2>&1 &
	CTL_PIDS+=("$!")
	for _ in $(seq 100); do
		grep -q 'running' "$log" 2>/dev/null && return 0
		kill -0 "${CTL_PIDS[-1]}" 2>/dev/null || { sed 's/^/    | /' "$log" >&2; die "hubsec-control of $name exited"; }
		sleep 0.1
	done
	die "hubsec-control of $name not running after 10 s"
}

if [ "$STATIC" -eq 1 ]; then
	step "Starting the two concentrators with the static SAs of their configs"
	say "(scripts/configs/site1.yaml, site2.yaml: AES-256-CBC + HMAC-SHA-256, one SA pair per ACL line)"
	SITE1="$CONF/site1.yaml" SITE2="$CONF/site2.yaml"
else
	step "Starting the two concentrators and their IKEv2 control processes"
	say "(scripts/configs/site1-ikev2.yaml, site2-ikev2.yaml: IKE AES-256-CBC/SHA-256/DH14 with a"
	say " pre-shared key; ESP AES-256-CBC + HMAC-SHA-256 with PFS group 14; a child SA per ACL line)"
	SITE1="$CONF/site1-ikev2.yaml" SITE2="$CONF/site2-ikev2.yaml"
fi
start_dp site1 "$NS_S1" "$SITE1"
start_dp site2 "$NS_S2" "$SITE2"
wait_dp site1 "${PIDS[0]}"
wait_dp site2 "${PIDS[1]}"
if [ "$STATIC" -eq 0 ]; then
	start_ctl site1 "$NS_S1" "$SITE1"
	start_ctl site2 "$NS_S2" "$SITE2"
	step "No tunnel yet: nothing has asked for one"
	"$CLI" --file-prefix hs-site1 show crypto isakmp sa 2>&1 | sed 's/^/    /' || true
fi

# ------------------------------------------------------------------- pings

FAILED=0
# ping_ns NS DST WHAT: five 100-byte pings, as in the seed's blog post.
ping_ns() {
	local ns="$1" dst="$2" what="$3" out
	step "ping -s 100 -c 5 $dst   ($what)"
	if out="$(nsx "$ns" ping -n -s 100 -c 5 -i 0.2 -W 2 "$dst" 2>&1)"; then
		printf '%s\n' "$out" | sed 's/^/    /'
		printf '    %sOK: %s%s\n' "$GREEN" "$what" "$OFF"
	else
		printf '%s\n' "$out" | sed 's/^/    /'
		printf '    %sFAILED: %s%s\n' "$RED" "$what" "$OFF"
		FAILED=$((FAILED + 1))
	fi
}
if [ "$STATIC" -eq 1 ]; then
	ping_ns "$NS_YELLOW" 172.16.10.11 "YELLOW -> PURPLE through SA pair 0x1001/0x2001"
	ping_ns "$NS_BLUE" 172.16.10.11 "BLUE -> PURPLE through SA pair 0x1002/0x2002"
else
	ping_ns "$NS_YELLOW" 172.16.10.11 "YELLOW -> PURPLE: the first packet brings up IKE and the first child SA"
	ping_ns "$NS_BLUE" 172.16.10.11 "BLUE -> PURPLE: a second child SA (CREATE_CHILD_SA, PFS) on the same IKE SA"
fi
ping_ns "$NS_PURPLE" 192.168.100.10 "PURPLE -> YELLOW, started from site 2"

# ---------------------------------------------------------------- counters

# cli PREFIX COMMAND...: one console command, as an operator types it.
cli() {
	local prefix="$1"
	shift
	printf '    %shubsec-cli --file-prefix %s %s%s\n' "$BOLD" "$prefix" "$*" "$OFF"
	"$CLI" --file-prefix "$prefix" "$@" 2>&1 | sed 's/^/    /' || true
}
step "The console of site 1 (hubsec-cli; the same commands at the -i prompt)"
cli hs-site1 show crypto isakmp sa
cli hs-site1 show crypto ipsec sa peer 10.255.2.2
cli hs-site1 show crypto session
cli hs-site1 show access-list
cli hs-site1 show drops
if [ "$KEEP" -eq 1 ]; then
	step "Running. Try: ip netns exec $NS_YELLOW ping 172.16.10.11"
	say "and: $CLI --file-prefix hs-site1 show crypto ipsec sa"
	read -r -p "    Press Enter to tear down... " _ || true
fi

if [ "$STATIC" -eq 0 ]; then
	step "Site 2's view of the same IKE SA (the responder)"
	cli hs-site2 show crypto isakmp sa
	for pid in "${CTL_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	for pid in "${CTL_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
	CTL_PIDS=()
fi
step "Stopping the dataplanes: their counters at exit (--stats-on-exit)"
for i in 0 1; do
	kill -TERM "${PIDS[$i]}" 2>/dev/null || true
done
for i in 0 1; do
	wait "${PIDS[$i]}" 2>/dev/null || true
done
for name in site1 site2; do
	sed -n '/: counters$/,$p' "$LOGDIR/$name.log" | sed 's/^/    /'
done
PIDS=()

if [ "$FAILED" -ne 0 ]; then
	printf '\n%s%d of 3 pings FAILED%s\n' "$RED" "$FAILED" "$OFF"
	exit 1
fi
if [ "$STATIC" -eq 1 ]; then
	printf '\n%sAll pings answered through the tunnel: the first one too (static SAs;\n' "$GREEN"
	printf 'the seed'\''s ASA lost it while IKE came up).%s\n' "$OFF"
else
	printf '\n%sAll pings answered through the IKEv2 tunnel: the first one too (held while\n' "$GREEN"
	printf 'IKE came up, then sent; the seed'\''s ASA lost it).%s\n' "$OFF"
fi
