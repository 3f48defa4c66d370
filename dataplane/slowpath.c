/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The main lcore's slow path: what workers put on dp->slow.
 *
 *   HS_META_RX       a frame for us (data at the Ethernet header, m->port the
 *                    DPDK port it came in on): ARP (RFC 826), ICMP echo (RFC
 *                    792), ICMPv6 echo (RFC 4443), NS/NA (RFC 4861). Replies
 *                    leave by the port they came in, to the sender's MAC.
 *   HS_META_SEND_L3  an L3 packet whose next hop a worker could not resolve:
 *                    hs_main_send_l3 (sent, or held until ARP/ND resolves).
 *
 * Every received byte is checked before it is read: a packet is linearized
 * (or dropped), then each header length is compared with data_len first.
 * Broken packets are dropped as HS_DPDROP_MALFORMED, well-formed ones with
 * nothing to do as HS_DPDROP_TO_US, on dp->main_drops. Nothing here blocks
 * or allocates, except the mbufs of the solicitations neigh.c sends.
 */
#include <errno.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_icmp.h>

#include "dp.h"
#include "slowpath.h"

#define ETH_LEN RTE_ETHER_HDR_LEN
#define IP4_LEN 20
#define IP6_LEN 40
#define ICMP_MIN 8 /* type, code, checksum, 4 bytes: the shortest ICMP/ICMPv6 message */
#define ND_MIN 24  /* NS/NA without options */
#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY 129
#define REPLY_TTL 64
#define ND_HOP_LIMIT 255 /* RFC 4861 §7.1: proves the sender is on-link */

uint16_t
hs_slowpath_tx(struct hs_dp *dp, uint16_t port, struct rte_mbuf *pkts[], uint16_t n)
{
	uint16_t sent = 0;

	if (port < dp->n_ports && dp->ports[port].main_txq != UINT16_MAX) {
		sent = rte_eth_tx_burst(dp->ports[port].port_id, dp->ports[port].main_txq, pkts, n);
		dp->main_port[port].tx_pkts += sent;
		for (uint16_t i = 0; i < sent; i++)
			dp->main_port[port].tx_bytes += pkts[i]->pkt_len;
	} else if (port < dp->n_ports) {
		/* No TX queue of our own on this device: worker 0 sends for us. */
		for (uint16_t i = 0; i < n; i++)
			hs_meta(dp, pkts[i])->out_port = (uint8_t)port;
		sent = (uint16_t)rte_ring_enqueue_burst(dp->main_tx, (void **)pkts, n, NULL);
	}
	if (sent < n) {
		dp->main_drops[HS_DPDROP_TX_FULL] += n - sent;
		rte_pktmbuf_free_bulk(&pkts[sent], n - sent);
	}
	return sent;
}

int
hs_slowpath_l2_prepend(const struct hs_dp *dp, uint16_t port, struct rte_mbuf *m,
	const struct rte_ether_addr *dst)
{
	struct rte_ether_hdr *eh;
	uint16_t type;
	uint8_t v;

	if (port >= dp->n_ports || rte_pktmbuf_data_len(m) < 1)
		return -EINVAL;
	v = *rte_pktmbuf_mtod(m, const uint8_t *) >> 4;
	if (v == 4)
		type = RTE_ETHER_TYPE_IPV4;
	else if (v == 6)
		type = RTE_ETHER_TYPE_IPV6;
	else
		return -EINVAL;
	eh = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(*eh));
	if (eh == NULL)
		return -ENOSPC;
	eh->dst_addr = *dst;
	eh->src_addr = dp->ports[port].mac;
	eh->ether_type = rte_cpu_to_be_16(type);
	return 0;
}

void
hs_slowpath_arp_build(uint8_t *frame, uint16_t op, const struct rte_ether_addr *eth_dst,
	const struct rte_ether_addr *sha, const uint8_t sip[4], const struct rte_ether_addr *tha,
	const uint8_t tip[4])
{
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)frame;
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(frame + ETH_LEN);

	eh->dst_addr = *eth_dst;
	eh->src_addr = *sha;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	a->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = RTE_ETHER_ADDR_LEN;
	a->arp_plen = 4;
	a->arp_opcode = rte_cpu_to_be_16(op);
	a->arp_data.arp_sha = *sha;
	memcpy(&a->arp_data.arp_sip, sip, 4);
	a->arp_data.arp_tha = *tha;
	memcpy(&a->arp_data.arp_tip, tip, 4);
}

void
hs_slowpath_nd_build(uint8_t *frame, const struct rte_ether_addr *eth_dst,
	const struct rte_ether_addr *eth_src, const uint8_t src[16], const uint8_t dst[16],
	uint8_t type, uint8_t flags, const uint8_t target[16])
{
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)frame;
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(frame + ETH_LEN);
	uint8_t *icmp = frame + ETH_LEN + IP6_LEN;
	uint16_t ck;

	eh->dst_addr = *eth_dst;
	eh->src_addr = *eth_src;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
	ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip6->payload_len = rte_cpu_to_be_16(ND_MIN + 8);
	ip6->proto = IPPROTO_ICMPV6;
	ip6->hop_limits = ND_HOP_LIMIT;
	memcpy(ip6->src_addr, src, 16);
	memcpy(ip6->dst_addr, dst, 16);
	memset(icmp, 0, ND_MIN + 8);
	icmp[0] = type;
	icmp[4] = flags; /* NA: R, S, O (RFC 4861 §4.4); NS: reserved */
	memcpy(icmp + 8, target, 16);
	icmp[ND_MIN] = type == HS_ICMP6_NS ? HS_ND_OPT_SLLA : HS_ND_OPT_TLLA;
	icmp[ND_MIN + 1] = 1; /* in units of 8 bytes */
	memcpy(icmp + ND_MIN + 2, eth_src->addr_bytes, RTE_ETHER_ADDR_LEN);
	ck = rte_ipv6_udptcp_cksum(ip6, icmp);
	memcpy(icmp + 2, &ck, 2);
}

static void
ifaddrs(const struct hs_port *p, uint8_t family, const struct hs_config_ifaddr **ia, unsigned int *n)
{
	*n = 0;
	if (p->cfg == NULL)
		return;
	*ia = family == AF_INET ? p->cfg->ipv4 : p->cfg->ipv6;
	*n = family == AF_INET ? p->cfg->n_ipv4 : family == AF_INET6 ? p->cfg->n_ipv6 : 0;
}

bool
hs_slowpath_port_addr(const struct hs_port *p, const struct hs_addr *a)
{
	const struct hs_config_ifaddr *ia = NULL;
	unsigned int n;

	ifaddrs(p, a->family, &ia, &n);
	for (unsigned int i = 0; i < n; i++)
		if (hs_addr_equal(&ia[i].addr, a))
			return true;
	return false;
}

/* The port's address whose prefix holds a, or NULL. */
static const struct hs_config_ifaddr *
covering(const struct hs_port *p, const struct hs_addr *a)
{
	const struct hs_config_ifaddr *ia = NULL;
	unsigned int n;

	ifaddrs(p, a->family, &ia, &n);
	for (unsigned int i = 0; i < n; i++) {
		struct hs_prefix pfx;

		hs_prefix_make(&pfx, &ia[i].addr, ia[i].len);
		if (hs_prefix_contains(&pfx, a))
			return &ia[i];
	}
	return NULL;
}

bool
hs_slowpath_on_link(const struct hs_port *p, const struct hs_addr *a)
{
	if (a->family == AF_INET6 && a->v6[0] == 0xfe && (a->v6[1] & 0xc0) == 0x80)
		return true; /* fe80::/10 is on every link */
	return covering(p, a) != NULL;
}

bool
hs_slowpath_src_addr(const struct hs_port *p, const struct hs_addr *target, struct hs_addr *src)
{
	const struct hs_config_ifaddr *ia = covering(p, target);
	unsigned int n;

	if (ia == NULL) {
		ifaddrs(p, target->family, &ia, &n);
		if (n == 0)
			return false;
	}
	*src = ia->addr;
	return true;
}

static bool
local_any(const struct hs_dp *dp, const struct hs_addr *a)
{
	for (uint16_t i = 0; i < dp->n_ports; i++)
		if (hs_slowpath_port_addr(&dp->ports[i], a))
			return true;
	return false;
}

static void
addr_set(struct hs_addr *a, uint8_t family, const void *bytes)
{
	memset(a, 0, sizeof(*a));
	a->family = family;
	memcpy(a->bytes, bytes, family == AF_INET ? 4 : 16);
}

/* Cut Ethernet padding (and anything else) beyond len bytes of frame. */
static void
trim_to(struct rte_mbuf *m, uint32_t len)
{
	if (rte_pktmbuf_data_len(m) > len)
		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_data_len(m) - len));
}

static void
arp_in(struct hs_dp *dp, uint16_t pi, struct rte_mbuf *m)
{
	const struct hs_port *p = &dp->ports[pi];
	struct rte_ether_addr sha;
	struct rte_arp_hdr *a;
	struct hs_addr sip, tip;
	bool for_us, handled = false;
	uint16_t op;

	if (rte_pktmbuf_data_len(m) < HS_ARP_FRAME_LEN) {
		hs_main_drop(dp, m, HS_DPDROP_MALFORMED);
		return;
	}
	a = rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *, ETH_LEN);
	op = rte_be_to_cpu_16(a->arp_opcode);
	sha = a->arp_data.arp_sha;
	if (a->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
		a->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
		a->arp_hlen != RTE_ETHER_ADDR_LEN || a->arp_plen != 4 ||
		(op != RTE_ARP_OP_REQUEST && op != RTE_ARP_OP_REPLY) ||
		!rte_is_valid_assigned_ether_addr(&sha)) {
		hs_main_drop(dp, m, HS_DPDROP_MALFORMED);
		return;
	}
	addr_set(&sip, AF_INET, &a->arp_data.arp_sip);
	addr_set(&tip, AF_INET, &a->arp_data.arp_tip);
	if (local_any(dp, &sip)) { /* someone claims our address: never learn it */
		hs_main_drop(dp, m, HS_DPDROP_TO_US);
		return;
	}
	for_us = hs_slowpath_port_addr(p, &tip);
	/* RFC 826: refresh a known sender; add it only when we are the target of a request
	 * (no entries from unsolicited replies or from off-link senders: cache poisoning). */
	if (sip.v4[0] != 0 && hs_slowpath_on_link(p, &sip)) {
		if (for_us && op == RTE_ARP_OP_REQUEST) {
			hs_neigh_learn(dp, pi, &sip, &sha);
			handled = true;
		} else {
			handled = hs_neigh_update(dp, pi, &sip, &sha);
		}
	}
	if (for_us && op == RTE_ARP_OP_REQUEST) {
		/* Also to RFC 5227 probes (sender 0.0.0.0): that defends our address. */
		trim_to(m, HS_ARP_FRAME_LEN);
		hs_slowpath_arp_build(rte_pktmbuf_mtod(m, uint8_t *), RTE_ARP_OP_REPLY, &sha, &p->mac,
			tip.v4, &sha, sip.v4);
		hs_slowpath_tx(dp, pi, &m, 1);
	} else if (handled) {
		rte_pktmbuf_free(m);
	} else {
		hs_main_drop(dp, m, HS_DPDROP_TO_US);
	}
}

/* A source we may answer: not 0/8, 127/8, multicast, reserved or broadcast. */
static bool
unicast4(const struct hs_addr *a)
{
	return a->v4[0] != 0 && a->v4[0] != 127 && a->v4[0] < 224;
}

/*
 * Echo reply in place: [Ethernet][IPv4 20][ICMP]. IP options are left out
 * (RFC 1122 §3.2.2.6 makes echoing them a SHOULD); the ICMP data is kept.
 */
static void
echo4_reply(struct hs_dp *dp, uint16_t pi, struct rte_mbuf *m, uint16_t ihl, uint16_t ilen)
{
	const struct rte_ether_hdr eh = *rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	const struct rte_ipv4_hdr req = *rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, ETH_LEN);
	struct rte_ether_hdr *oeh;
	struct rte_ipv4_hdr *ip;
	uint8_t *icmp;
	uint16_t ck;

	trim_to(m, ETH_LEN + ihl + ilen);
	rte_pktmbuf_adj(m, (uint16_t)(ihl - IP4_LEN));
	oeh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	oeh->dst_addr = eh.src_addr;
	oeh->src_addr = dp->ports[pi].mac;
	oeh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(oeh + 1);
	memset(ip, 0, IP4_LEN);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = req.type_of_service;
	ip->total_length = rte_cpu_to_be_16(IP4_LEN + ilen);
	ip->packet_id = req.packet_id;
	ip->time_to_live = REPLY_TTL;
	ip->next_proto_id = IPPROTO_ICMP;
	ip->src_addr = req.dst_addr;
	ip->dst_addr = req.src_addr;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	icmp = (uint8_t *)(ip + 1);
	icmp[0] = RTE_IP_ICMP_ECHO_REPLY;
	memset(icmp + 2, 0, 2);
	ck = (uint16_t)~rte_raw_cksum(icmp, ilen);
	memcpy(icmp + 2, &ck, 2);
	hs_slowpath_tx(dp, pi, &m, 1);
}

static void
ip4_in(struct hs_dp *dp, uint16_t pi, struct rte_mbuf *m)
{
	uint32_t len = rte_pktmbuf_data_len(m) - ETH_LEN;
	const struct rte_ipv4_hdr *ip;
	uint16_t ihl, tot, ilen;
	struct hs_addr src, dst;
	const uint8_t *icmp;

	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, ETH_LEN);
	if (len < IP4_LEN || (ip->version_ihl >> 4) != 4) {
		hs_main_drop(dp, m, HS_DPDROP_MALFORMED);
		return;
	}
	ihl = (uint16_t)((ip->version_ihl & 0xf) * 4);
	tot = rte_be_to_cpu_16(ip->total_length);
	if (ihl < IP4_LEN || tot < ihl || tot > len || rte_raw_cksum(ip, ihl) != 0xffff) {
		hs_main_drop(dp, m, HS_DPDROP_MALFORMED);
		return;
	}
	addr_set(&src, AF_INET, &ip->src_addr);
	addr_set(&dst, AF_INET, &ip->dst_addr);
	/* Fragments too: no reassembly on the slow path. */
	if (!local_any(dp, &dst) || ip->next_proto_id != IPPROTO_ICMP ||
		(ip->fragment_offset &
			rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) != 0) {
		hs_main_drop(dp, m, HS_DPDROP_TO_US);
		return;
	}
	icmp = (const uint8_t *)ip + ihl;
	ilen = (uint16_t)(tot - ihl);
	if (ilen < ICMP_MIN || rte_raw_cksum(icmp, ilen) != 0xffff || !unicast4(&src)) {
		hs_main_drop(dp, m, HS_DPDROP_MALFORMED);
		return;
	}
	if (icmp[0] != RTE_IP_ICMP_ECHO_REQUEST || icmp[1] != 0) {
		hs_main_drop(dp, m, HS_DPDROP_TO_US);
		return;
	}
	echo4_reply(dp, pi, m, ihl, ilen);
}

/* ICMPv6 checksum over the pseudo header (RFC 8200 §8.1); no extension headers. */
static bool
icmp6_ok(const struct rte_ipv6_hdr *ip6, const uint8_t *icmp, uint16_t len)
{
	uint32_t sum = (uint32_t)rte_raw_cksum(icmp, len) + rte_ipv6_phdr_cksum(ip6, 0);

	sum = (sum >> 16) + (sum & 0xffff);
	return sum == 0xffff;
}

/*
 * RFC 4861 §4.6: walk the options (every one at least 8 bytes, a zero length
 * makes the packet invalid) and pick the link-layer address option want.
 */
static int
nd_opts(const uint8_t *o, uint32_t len, uint8_t want, struct rte_ether_addr *mac, bool *found)
{
	*found = false;
	while (len > 0) {
		uint32_t olen;

		if (len < 2)
			return -EINVAL;
		olen = o[1] * 8u;
		if (olen == 0 || olen > len)
			return -EINVAL;
		if (o[0] == want && olen == 8) {
			memcpy(mac->addr_bytes, o + 2, RTE_ETHER_ADDR_LEN);
			*found = true;
		}
		o += olen;
		len -= olen;
	}
	return *found && !rte_is_valid_assigned_ether_addr(mac) ? -EINVAL : 0;
}

static void
echo6_reply(struct hs_dp *dp, uint16_t pi, struct rte_mbuf *m)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(eh + 1);
	uint8_t *icmp = (uint8_t *)(ip6 + 1);
	struct hs_addr src, dst;
	uint16_t ck;

	addr_set(&src, AF_INET6, ip6->src_addr);
	addr_set(&dst, AF_INET6, ip6->dst_addr);
	if (icmp[1] != 0 || !local_any(dp, &dst)) { /* multicast echo: not answered */
		hs_main_drop(dp, m, HS_DPDROP_TO_US);
		return;
	}
	if (src.v6[0] == 0xff || memcmp(src.v6, (const uint8_t[16]){ 0 }, 16) == 0) {
		hs_main_drop(dp, m, HS_DPDROP_MALFORMED);
		return;
	}
	eh->dst_addr = eh->src_addr;
	eh->src_addr = dp->ports[pi].mac;
	memcpy(ip6->src_addr, dst.v6, 16);
	memcpy(ip6->dst_addr, src.v6, 16);
	ip6->hop_limits = REPLY_TTL;
	icmp[0] = ICMP6_ECHO_REPLY;
	memset(icmp + 2, 0, 2);
	ck = rte_ipv6_udptcp_cksum(ip6, icmp);
	memcpy(icmp + 2, &ck, 2);
	hs_slowpath_tx(dp, pi, &m, 1);
}

/* RFC 4861 §7.1.1/§7.1.2 checks common to NS and NA; the options' link-layer address. */
static bool
nd_valid(const struct rte_ipv6_hdr *ip6, const uint8_t *icmp, uint16_t plen, uint8_t opt,
	struct rte_ether_addr *ll, bool *has_ll)
{
	if (ip6->hop_limits != ND_HOP_LIMIT || icmp[1] != 0 || plen < ND_MIN)
		return false;
	if (icmp[8] == 0xff) /* the target is not a multicast address */
		return false;
	return nd_opts(icmp + ND_MIN, plen - ND_MIN, opt, ll, has_ll) == 0;
}

static void
ns_in(struct hs_dp *dp, uint16_t pi, struct rte_mbuf *m, uint16_t plen)
{
	static const struct rte_ether_addr all_nodes_mac = { .addr_bytes = { 0x33, 0x33, 0, 0, 0,
								       1 } };
	static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 0x01 };
	const struct hs_port *p = &dp->ports[pi];
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(eh + 1);
	struct rte_ether_addr sll, dmac;
	struct hs_addr src, target;
	uint8_t dst[16], snm[16];
	bool has_sll, dad;

	if (!nd_valid(ip6, (uint8_t *)(ip6 + 1), plen, HS_ND_OPT_SLLA, &sll, &has_sll)) {
		hs_main_drop(dp, m, HS_DPDROP_MALFORMED);
		return;
	}
	addr_set(&src, AF_INET6, ip6->src_addr);
	addr_set(&target, AF_INET6, (uint8_t *)(ip6 + 1) + 8);
	hs_slowpath_solicited_node(target.v6, snm, NULL);
	dad = memcmp(src.v6, (const uint8_t[16]){ 0 }, 16) == 0;
	/* §7.1.1: from :: (duplicate address detection) only to the solicited-node
	 * address and without a source link-layer option; never from multicast. */
	if (src.v6[0] == 0xff || (dad && (has_sll || memcmp(ip6->dst_addr, snm, 16) != 0))) {
		hs_main_drop(dp, m, HS_DPDROP_MALFORMED);
		return;
	}
	if (!hs_slowpath_port_addr(p, &target)) {
		hs_main_drop(dp, m, HS_DPDROP_TO_US);
		return;
	}
	if (has_sll && hs_slowpath_on_link(p, &src))
		hs_neigh_learn(dp, pi, &src, &sll); /* §7.2.3 */
	/* §7.2.4: to the soliciting node, or to all nodes for a DAD probe. */
	memcpy(dst, dad ? all_nodes : src.v6, 16);
	dmac = dad ? all_nodes_mac : has_sll ? sll : eh->src_addr;
	if (rte_pktmbuf_data_len(m) < HS_ND_FRAME_LEN &&
		rte_pktmbuf_append(m, (uint16_t)(HS_ND_FRAME_LEN - rte_pktmbuf_data_len(m))) == NULL) {
		hs_main_drop(dp, m, HS_DPDROP_MALFORMED);
		return;
	}
	trim_to(m, HS_ND_FRAME_LEN);
	hs_slowpath_nd_build(rte_pktmbuf_mtod(m, uint8_t *), &dmac, &p->mac, target.v6, dst,
		HS_ICMP6_NA,
		HS_NA_FLAG_ROUTER | HS_NA_FLAG_OVERRIDE | (dad ? 0 : HS_NA_FLAG_SOLICITED),
		target.v6);
	hs_slowpath_tx(dp, pi, &m, 1);
}

static void
na_in(struct hs_dp *dp, uint16_t pi, struct rte_mbuf *m, uint16_t plen)
{
	struct rte_ipv6_hdr *ip6 = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, ETH_LEN);
	const uint8_t *icmp = (const uint8_t *)(ip6 + 1);
	struct rte_ether_addr tll;
	struct hs_addr target;
	bool has_tll;

	/* §7.1.2: to a multicast address the Solicited flag must be clear. */
	if (!nd_valid(ip6, icmp, plen, HS_ND_OPT_TLLA, &tll, &has_tll) ||
		(ip6->dst_addr[0] == 0xff && (icmp[4] & HS_NA_FLAG_SOLICITED) != 0)) {
		hs_main_drop(dp, m, HS_DPDROP_MALFORMED);
		return;
	}
	addr_set(&target, AF_INET6, icmp + 8);
	/* §7.2.5: no entry, nothing to do; no target link-layer option, nothing to learn. */
	if (!has_tll || !hs_neigh_update(dp, pi, &target, &tll))
		hs_main_drop(dp, m, HS_DPDROP_TO_US);
	else
		rte_pktmbuf_free(m);
}

static void
ip6_in(struct hs_dp *dp, uint16_t pi, struct rte_mbuf *m)
{
	uint32_t len = rte_pktmbuf_data_len(m) - ETH_LEN;
	const struct rte_ipv6_hdr *ip6;
	const uint8_t *icmp;
	uint16_t plen;

	ip6 = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, ETH_LEN);
	if (len < IP6_LEN || (rte_be_to_cpu_32(ip6->vtc_flow) >> 28) != 6 ||
		rte_be_to_cpu_16(ip6->payload_len) > len - IP6_LEN) {
		hs_main_drop(dp, m, HS_DPDROP_MALFORMED);
		return;
	}
	plen = rte_be_to_cpu_16(ip6->payload_len);
	trim_to(m, ETH_LEN + IP6_LEN + plen);
	if (ip6->proto != IPPROTO_ICMPV6) { /* extension headers included */
		hs_main_drop(dp, m, HS_DPDROP_TO_US);
		return;
	}
	icmp = (const uint8_t *)(ip6 + 1);
	if (plen < ICMP_MIN || !icmp6_ok(ip6, icmp, plen)) {
		hs_main_drop(dp, m, HS_DPDROP_MALFORMED);
		return;
	}
	if (icmp[0] == ICMP6_ECHO_REQUEST)
		echo6_reply(dp, pi, m);
	else if (icmp[0] == HS_ICMP6_NS)
		ns_in(dp, pi, m, plen);
	else if (icmp[0] == HS_ICMP6_NA)
		na_in(dp, pi, m, plen);
	else
		hs_main_drop(dp, m, HS_DPDROP_TO_US);
}

static void
rx_one(struct hs_dp *dp, struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eh;
	int pi = hs_slowpath_port_index(dp, m->port);

	if (pi < 0 || (m->nb_segs > 1 && rte_pktmbuf_linearize(m) != 0) ||
		rte_pktmbuf_data_len(m) < ETH_LEN) {
		hs_main_drop(dp, m, HS_DPDROP_MALFORMED);
		return;
	}
	eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	if (!rte_is_valid_assigned_ether_addr(&eh->src_addr)) { /* we answer to it */
		hs_main_drop(dp, m, HS_DPDROP_MALFORMED);
		return;
	}
	switch (rte_be_to_cpu_16(eh->ether_type)) {
	case RTE_ETHER_TYPE_ARP:
		arp_in(dp, (uint16_t)pi, m);
		break;
	case RTE_ETHER_TYPE_IPV4:
		ip4_in(dp, (uint16_t)pi, m);
		break;
	case RTE_ETHER_TYPE_IPV6:
		ip6_in(dp, (uint16_t)pi, m);
		break;
	default:
		hs_main_drop(dp, m, HS_DPDROP_NOT_IP);
	}
}

void
hs_slowpath_burst(struct hs_dp *dp, struct rte_mbuf *pkts[], uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct hs_mbuf_meta *meta = hs_meta(dp, m);

		if (meta->kind == HS_META_SEND_L3) {
			const uint8_t *l3 = rte_pktmbuf_mtod(m, const uint8_t *);
			struct hs_addr dst = { 0 }, nh;
			uint16_t port;

			/* The worker's route lookup again: cheaper than carrying nh in every mbuf. */
			dst.family = (l3[0] >> 4) == 4 ? AF_INET : AF_INET6;
			if (dst.family == AF_INET)
				memcpy(dst.v4, l3 + 16, 4);
			else
				memcpy(dst.v6, l3 + 24, 16);
			if (hs_route_lookup(dp, &dst, &port, &nh) != 0)
				hs_main_drop(dp, m, HS_DPDROP_NO_ROUTE);
			else
				hs_main_send_l3(dp, port, &nh, m);
		} else if (meta->kind == HS_META_RX) {
			rx_one(dp, m);
		} else {
			hs_main_drop(dp, m, HS_DPDROP_MALFORMED);
		}
	}
}

void
hs_main_send_l3(struct hs_dp *dp, uint16_t port, const struct hs_addr *nh, struct rte_mbuf *m)
{
	struct rte_ether_addr mac;
	uint8_t v;

	if (m == NULL)
		return;
	if (port >= dp->n_ports || nh == NULL) {
		hs_main_drop(dp, m, HS_DPDROP_NO_ROUTE);
		return;
	}
	v = rte_pktmbuf_data_len(m) >= 1 ? *rte_pktmbuf_mtod(m, const uint8_t *) >> 4 : 0;
	if (v != 4 && v != 6) {
		hs_main_drop(dp, m, HS_DPDROP_MALFORMED);
		return;
	}
	if (!hs_neigh_lookup(dp, port, nh, &mac)) {
		hs_neigh_hold(dp, port, nh, m);
		return;
	}
	if (hs_slowpath_l2_prepend(dp, port, m, &mac) != 0) {
		hs_main_drop(dp, m, HS_DPDROP_MALFORMED);
		return;
	}
	hs_slowpath_tx(dp, port, &m, 1);
}
