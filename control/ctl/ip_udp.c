/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IP and UDP headers of a punted packet (data at L3, as the dataplane
 * puts it on the punt ring), checked before anything is read: IHL, total
 * and payload lengths against the bytes there, IPv6 extension headers
 * walked within the payload, UDP length and checksum. DPDK-free, so that
 * unit tests and fuzzers call it directly.
 */
#include <string.h>

#include "ctl.h"

#define IPV4_HDR_LEN 20
#define IPV6_HDR_LEN 40
#define UDP_HDR_LEN 8
#define IPV4_MF 0x2000
#define IPV4_OFFSET_MASK 0x1fff
#define IPV6_EXT_MAX 8 /* extension headers walked before giving up */

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The ones' complement sum of p (RFC 1071), added to sum, not folded. */
static uint32_t
sum16(const uint8_t *p, size_t n, uint32_t sum)
{
	for (; n > 1; p += 2, n -= 2)
		sum += be16(p);
	if (n == 1)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t
fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* IPv4 header: addresses, the UDP part's offset and length. */
static enum hs_ctl_pkt_kind
ipv4(const uint8_t *p, uint32_t len, struct hs_ike_path *path, uint32_t *l4, uint32_t *l4_len)
{
	uint32_t ihl, tot;

	if (len < IPV4_HDR_LEN)
		return HS_CTL_PKT_MALFORMED;
	ihl = (uint32_t)(p[0] & 0xf) * 4;
	tot = be16(p + 2);
	if (ihl < IPV4_HDR_LEN || ihl > len || tot < ihl || tot > len) /* len: with padding */
		return HS_CTL_PKT_MALFORMED;
	if (fold(sum16(p, ihl, 0)) != 0xffff)
		return HS_CTL_PKT_CKSUM;
	if ((be16(p + 6) & (IPV4_MF | IPV4_OFFSET_MASK)) != 0)
		return HS_CTL_PKT_FRAGMENT; /* no reassembly: IKE fragments itself (RFC 7383) */
	if (p[9] != IPPROTO_UDP)
		return HS_CTL_PKT_NOT_UDP;
	path->remote.family = path->local.family = AF_INET;
	memcpy(path->remote.v4, p + 12, 4);
	memcpy(path->local.v4, p + 16, 4);
	*l4 = ihl;
	*l4_len = tot - ihl;
	return HS_CTL_PKT_IKE;
}

/* IPv6 header and the extension headers before UDP (RFC 8200 §4.1). */
static enum hs_ctl_pkt_kind
ipv6(const uint8_t *p, uint32_t len, struct hs_ike_path *path, uint32_t *l4, uint32_t *l4_len)
{
	uint32_t end, off = IPV6_HDR_LEN;
	uint8_t next;

	if (len < IPV6_HDR_LEN)
		return HS_CTL_PKT_MALFORMED;
	end = IPV6_HDR_LEN + be16(p + 4);
	if (end > len)
		return HS_CTL_PKT_MALFORMED;
	next = p[6];
	for (int i = 0; i < IPV6_EXT_MAX && (next == IPPROTO_HOPOPTS || next == IPPROTO_ROUTING ||
						    next == IPPROTO_DSTOPTS);
		i++) {
		if (off + 8 > end)
			return HS_CTL_PKT_MALFORMED;
		next = p[off];
		off += ((uint32_t)p[off + 1] + 1) * 8;
	}
	if (next == IPPROTO_FRAGMENT)
		return HS_CTL_PKT_FRAGMENT;
	if (next != IPPROTO_UDP)
		return HS_CTL_PKT_NOT_UDP;
	if (off > end)
		return HS_CTL_PKT_MALFORMED;
	path->remote.family = path->local.family = AF_INET6;
	memcpy(path->remote.v6, p + 8, 16);
	memcpy(path->local.v6, p + 24, 16);
	*l4 = off;
	*l4_len = end - off;
	return HS_CTL_PKT_IKE;
}

/* RFC 768 over the pseudo-header (RFC 8200 §8.1 for IPv6): true when right. */
static bool
udp_cksum_ok(const struct hs_ike_path *path, const uint8_t *udp, uint16_t ulen)
{
	size_t al = path->local.family == AF_INET ? 4 : 16;
	uint32_t sum;

	if (be16(udp + 6) == 0)
		return path->local.family == AF_INET; /* IPv4: none; IPv6: not allowed */
	sum = sum16(path->remote.bytes, al, 0);
	sum = sum16(path->local.bytes, al, sum);
	sum += IPPROTO_UDP + (uint32_t)ulen;
	return fold(sum16(udp, ulen, sum)) == 0xffff;
}

enum hs_ctl_pkt_kind
hs_ctl_ip_udp_parse(const uint8_t *p, uint32_t len, struct hs_ike_path *path,
	const uint8_t **payload, size_t *payload_len)
{
	uint32_t l4 = 0, l4_len = 0;
	enum hs_ctl_pkt_kind k;
	const uint8_t *udp;
	uint16_t ulen;

	memset(path, 0, sizeof(*path));
	if (len < 1)
		return HS_CTL_PKT_MALFORMED;
	if ((p[0] >> 4) == 4)
		k = ipv4(p, len, path, &l4, &l4_len);
	else if ((p[0] >> 4) == 6)
		k = ipv6(p, len, path, &l4, &l4_len);
	else
		k = HS_CTL_PKT_MALFORMED;
	if (k != HS_CTL_PKT_IKE)
		return k;
	if (l4_len < UDP_HDR_LEN)
		return HS_CTL_PKT_MALFORMED;
	udp = p + l4;
	ulen = be16(udp + 4);
	if (ulen < UDP_HDR_LEN || ulen > l4_len)
		return HS_CTL_PKT_MALFORMED;
	if (!udp_cksum_ok(path, udp, ulen))
		return HS_CTL_PKT_CKSUM;
	path->rport = be16(udp);
	path->lport = be16(udp + 2);
	*payload = udp + UDP_HDR_LEN;
	*payload_len = ulen - UDP_HDR_LEN;
	if (path->lport == HS_IKE_PORT)
		return HS_CTL_PKT_IKE;
	return path->lport == HS_IKE_NATT_PORT ? HS_CTL_PKT_NATT : HS_CTL_PKT_OTHER_UDP;
}
