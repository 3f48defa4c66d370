/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to route.c, neigh.c and slowpath.c (the main lcore's L2/L3 code):
 * main-lcore TX, frame builders for ARP and ND, our addresses per port.
 * Everything here runs on the main lcore only.
 */
#ifndef HS_SLOWPATH_H
#define HS_SLOWPATH_H

#include <string.h>

#include <rte_arp.h>
#include <rte_ip.h>

#include "dp.h"

/* Ethernet + ARP for IPv4 (no padding: the NIC pads to 60 bytes). */
#define HS_ARP_FRAME_LEN (RTE_ETHER_HDR_LEN + sizeof(struct rte_arp_hdr))
/* Ethernet + IPv6 + NS/NA (24 bytes) + one link-layer address option (8). */
#define HS_ND_FRAME_LEN (RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv6_hdr) + 32)

#define HS_ICMP6_NS 135
#define HS_ICMP6_NA 136
#define HS_ND_OPT_SLLA 1 /* RFC 4861 §4.6.1 */
#define HS_ND_OPT_TLLA 2
#define HS_NA_FLAG_ROUTER 0x80 /* RFC 4861 §4.4 */
#define HS_NA_FLAG_SOLICITED 0x40
#define HS_NA_FLAG_OVERRIDE 0x20

/* Free m and count it on the main lcore's drop counters. */
static inline void
hs_main_drop(struct hs_dp *dp, struct rte_mbuf *m, enum hs_dp_drop r)
{
	dp->main_drops[r]++;
	rte_pktmbuf_free(m);
}

/* Index in dp->ports of DPDK port port_id, or -1. */
static inline int
hs_slowpath_port_index(const struct hs_dp *dp, uint16_t port_id)
{
	for (uint16_t i = 0; i < dp->n_ports; i++)
		if (dp->ports[i].port_id == port_id)
			return i;
	return -1;
}

/* ff02::1:ffXX:XXXX for target (RFC 4291 §2.7.1) and its MAC 33:33:ff:XX:XX:XX (RFC 2464 §7). */
static inline void
hs_slowpath_solicited_node(const uint8_t target[16], uint8_t out[16], struct rte_ether_addr *mac)
{
	static const uint8_t pfx[13] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff };

	memcpy(out, pfx, sizeof(pfx));
	memcpy(out + 13, target + 13, 3);
	if (mac != NULL) {
		mac->addr_bytes[0] = 0x33;
		mac->addr_bytes[1] = 0x33;
		memcpy(&mac->addr_bytes[2], out + 12, 4);
	}
}

/*
 * Send pkts (Ethernet frames) on dp->ports[port] through the main lcore's TX
 * queue (the port's last). Ownership passes: what the NIC refuses is freed
 * and counted (HS_DPDROP_TX_FULL). Returns how many were sent.
 */
uint16_t hs_slowpath_tx(struct hs_dp *dp, uint16_t port, struct rte_mbuf *pkts[], uint16_t n);

/*
 * Prepend an Ethernet header to the L3 packet m (ethertype from its version
 * nibble): dst, and dp->ports[port].mac as source. 0 or -EINVAL / -ENOSPC
 * (m unchanged, still the caller's).
 */
int hs_slowpath_l2_prepend(const struct hs_dp *dp, uint16_t port, struct rte_mbuf *m,
	const struct rte_ether_addr *dst);

/* Write an ARP frame of HS_ARP_FRAME_LEN bytes; the Ethernet source is sha. */
void hs_slowpath_arp_build(uint8_t *frame, uint16_t op, const struct rte_ether_addr *eth_dst,
	const struct rte_ether_addr *sha, const uint8_t sip[4], const struct rte_ether_addr *tha,
	const uint8_t tip[4]);

/*
 * Write an NS or NA frame of HS_ND_FRAME_LEN bytes (hop limit 255, checksum
 * filled) with a source (NS) or target (NA) link-layer address option
 * holding eth_src.
 */
void hs_slowpath_nd_build(uint8_t *frame, const struct rte_ether_addr *eth_dst,
	const struct rte_ether_addr *eth_src, const uint8_t src[16], const uint8_t dst[16],
	uint8_t type, uint8_t flags, const uint8_t target[16]);

/* a is one of the port's configured addresses. */
bool hs_slowpath_port_addr(const struct hs_port *p, const struct hs_addr *a);
/* a lies in one of the port's connected prefixes (IPv6: or is link-local). */
bool hs_slowpath_on_link(const struct hs_port *p, const struct hs_addr *a);
/*
 * Our source address on port p for talking to target: the address whose
 * prefix holds target, else the first of that family. false: none.
 */
bool hs_slowpath_src_addr(const struct hs_port *p, const struct hs_addr *target,
	struct hs_addr *src);

/*
 * neigh.c: update a known neighbour (also resolve an INCOMPLETE one and send
 * its held packets); never creates one. false when unknown (or static).
 */
bool hs_neigh_update(struct hs_dp *dp, uint16_t port, const struct hs_addr *ip,
	const struct rte_ether_addr *mac);

#endif /* HS_SLOWPATH_H */
