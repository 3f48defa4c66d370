/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Routes, neighbours and the main lcore's slow path (dataplane/route.c,
 * neigh.c, slowpath.c) on a struct hs_dp filled by hand from
 * scripts/configs/site1.yaml. The two ports are net_ring vdevs: with no
 * arguments their TX ring is their RX ring, so what the code sends is read
 * back with rte_eth_rx_burst and compared byte for byte with frames built
 * here independently (own RFC 1071 checksum code, not DPDK's).
 *
 * EAL is started here rather than by hs_test_eal_pool(): the four LPM tables
 * need 256 MiB (a 64 MiB tbl24 each), more than its -m 256.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf_dyn.h>

#include "dp.h"
#include "unit_common.h"

#define POOL_SIZE 8192
#define RING_CAP 1023 /* net_ring's 1024-slot ring */

static struct hs_dp dp;
static struct rte_mempool *pool;

static const uint8_t PEER_MAC[6] = { 0x02, 0, 0, 0, 0xaa, 0x01 };
static const uint8_t PEER2_MAC[6] = { 0x02, 0, 0, 0, 0xaa, 0x02 };
static const uint8_t IN_MAC[6] = { 0x02, 0, 0, 0x01, 0, 0x01 };   /* site1 "inside" */
static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t IN4[4] = { 192, 168, 100, 1 };
static const uint8_t PEER4[4] = { 192, 168, 100, 10 };
static const uint8_t IN6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1 };
static const uint8_t PEER6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x10 };

/* ------------------------------------------------------------ helpers */

static struct hs_addr
A(const char *s)
{
	struct hs_addr a;

	CU_ASSERT_FATAL(hs_addr_parse(s, &a) == 0);
	return a;
}

static struct hs_prefix
P(const char *s)
{
	struct hs_prefix p;

	CU_ASSERT_FATAL(hs_prefix_parse(s, &p) == 0);
	return p;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* RFC 1071, big-endian words, written here so the code under test is not its own oracle. */
static uint32_t
sum16(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t
fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static size_t
eth(uint8_t *f, const uint8_t dst[6], const uint8_t src[6], uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	put16(f + 12, type);
	return 14;
}

/* Ethernet + IPv4 (+ opts) + ICMP; both checksums filled. Returns the length. */
static size_t
ip4_frame(uint8_t *f, const uint8_t dmac[6], const uint8_t smac[6], const uint8_t src[4],
	const uint8_t dst[4], uint8_t ttl, const uint8_t *opts, uint8_t olen, const uint8_t *icmp,
	uint16_t ilen)
{
	uint8_t *ip = f + eth(f, dmac, smac, 0x0800);
	uint8_t *ic = ip + 20 + olen;

	memset(ip, 0, 20);
	ip[0] = (uint8_t)(0x40 | (5 + olen / 4));
	put16(ip + 2, (uint16_t)(20 + olen + ilen));
	put16(ip + 4, 0x1234);
	ip[8] = ttl;
	ip[9] = 1;
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, dst, 4);
	if (olen > 0)
		memcpy(ip + 20, opts, olen);
	put16(ip + 10, fold(sum16(ip, 20 + olen, 0)));
	memcpy(ic, icmp, ilen);
	put16(ic + 2, 0);
	put16(ic + 2, fold(sum16(ic, ilen, 0)));
	return 14 + 20 + olen + ilen;
}

/* Ethernet + IPv6 + ICMPv6 with its pseudo-header checksum (RFC 8200 §8.1). */
static size_t
ip6_frame(uint8_t *f, const uint8_t dmac[6], const uint8_t smac[6], const uint8_t src[16],
	const uint8_t dst[16], uint8_t hop, const uint8_t *icmp, uint16_t ilen)
{
	uint8_t *ip = f + eth(f, dmac, smac, 0x86dd);
	uint8_t *ic = ip + 40;
	uint32_t s;

	memset(ip, 0, 40);
	ip[0] = 0x60;
	put16(ip + 4, ilen);
	ip[6] = 58;
	ip[7] = hop;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	memcpy(ic, icmp, ilen);
	put16(ic + 2, 0);
	s = sum16(ip + 8, 32, 0) + ilen + 58;
	put16(ic + 2, fold(sum16(ic, ilen, s)));
	return 14 + 40 + ilen;
}

static size_t
arp_frame(uint8_t *f, const uint8_t edst[6], uint16_t op, const uint8_t sha[6],
	const uint8_t spa[4], const uint8_t tha[6], const uint8_t tpa[4])
{
	uint8_t *a = f + eth(f, edst, sha, 0x0806);

	put16(a, 1);
	put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, op);
	memcpy(a + 8, sha, 6);
	memcpy(a + 14, spa, 4);
	memcpy(a + 18, tha, 6);
	memcpy(a + 24, tpa, 4);
	return 42;
}

/* NS/NA body: type, flags, target, then raw options. */
static uint16_t
nd_body(uint8_t *b, uint8_t type, uint8_t flags, const uint8_t target[16], const uint8_t *opts,
	uint16_t olen)
{
	memset(b, 0, 24);
	b[0] = type;
	b[4] = flags;
	memcpy(b + 8, target, 16);
	if (olen > 0)
		memcpy(b + 24, opts, olen);
	return (uint16_t)(24 + olen);
}

static struct rte_mbuf *
mk(const uint8_t *data, uint32_t len, uint32_t seg)
{
	struct rte_mbuf *head = NULL;

	do {
		uint32_t n = seg == 0 || len < seg ? len : seg;
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

		CU_ASSERT_FATAL(m != NULL);
		CU_ASSERT_FATAL(rte_pktmbuf_append(m, (uint16_t)n) != NULL || n == 0);
		memcpy(rte_pktmbuf_mtod(m, uint8_t *), data, n);
		if (head == NULL)
			head = m;
		else
			CU_ASSERT_FATAL(rte_pktmbuf_chain(head, m) == 0);
		data += n;
		len -= n;
	} while (len > 0);
	return head;
}

static void
ext_free(void *addr, void *opaque)
{
	free(addr);
	free(opaque);
}

/*
 * The frame in a malloc'ed buffer of exactly len bytes attached to an mbuf,
 * no headroom or tailroom: under AddressSanitizer (meson -Db_sanitize=address)
 * any read past the packet is caught.
 */
static struct rte_mbuf *
mk_exact(const uint8_t *data, uint32_t len)
{
	struct rte_mbuf_ext_shared_info *shi = calloc(1, sizeof(*shi));
	uint8_t *buf = malloc(len > 0 ? len : 1);
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	CU_ASSERT_FATAL(shi != NULL && buf != NULL && m != NULL);
	memcpy(buf, data, len);
	shi->free_cb = ext_free;
	shi->fcb_opaque = shi;
	rte_mbuf_ext_refcnt_set(shi, 1);
	rte_pktmbuf_attach_extbuf(m, buf, 0, (uint16_t)len, shi);
	m->data_off = 0;
	CU_ASSERT_FATAL(len == 0 || rte_pktmbuf_append(m, (uint16_t)len) != NULL);
	return m;
}

static void
inject_exact(uint16_t pi, const uint8_t *data, uint32_t len)
{
	struct rte_mbuf *m = mk_exact(data, len);

	m->port = dp.ports[pi].port_id;
	hs_meta(&dp, m)->kind = HS_META_RX;
	hs_slowpath_burst(&dp, &m, 1);
}

/* A frame received on port index pi, as a worker puts it on dp->slow. */
static void
inject_seg(uint16_t pi, const uint8_t *data, uint32_t len, uint32_t seg)
{
	struct rte_mbuf *m = mk(data, len, seg);

	m->port = dp.ports[pi].port_id;
	hs_meta(&dp, m)->kind = HS_META_RX;
	hs_meta(&dp, m)->in_port = (uint8_t)pi;
	hs_slowpath_burst(&dp, &m, 1);
}

static void
inject(uint16_t pi, const uint8_t *data, uint32_t len)
{
	inject_seg(pi, data, len, 0);
}

/* Frames sent on port pi since the last call: the first one's bytes in out (may be NULL). */
static unsigned int
sent(uint16_t pi, uint8_t *out, uint32_t *len)
{
	struct rte_mbuf *m[64];
	unsigned int total = 0;
	uint16_t n;

	while ((n = rte_eth_rx_burst(dp.ports[pi].port_id, 0, m, 64)) > 0) {
		if (total == 0 && out != NULL)
			*len = hs_test_mbuf_bytes(m[0], out, 2048);
		total += n;
		rte_pktmbuf_free_bulk(m, n);
	}
	return total;
}

/* Exactly one frame sent on pi, equal to want. */
static void
expect_frame(uint16_t pi, const uint8_t *want, uint32_t wlen)
{
	uint8_t got[2048];
	uint32_t glen = 0;

	CU_ASSERT_EQUAL_FATAL(sent(pi, got, &glen), 1);
	CU_ASSERT_EQUAL(glen, wlen);
	CU_ASSERT(memcmp(got, want, wlen) == 0);
	if (glen != wlen || memcmp(got, want, wlen) != 0) {
		for (uint32_t i = 0; i < glen || i < wlen; i++)
			fprintf(stderr, "%s%02x/%02x", i % 16 ? " " : "\n", i < glen ? got[i] : 0,
				i < wlen ? want[i] : 0);
		fprintf(stderr, "\n");
	}
}

static uint64_t
total_drops(void)
{
	uint64_t s = 0;

	for (int r = 0; r < HS_DPDROP_MAX; r++)
		s += dp.main_drops[r];
	return s;
}

/* Housekeeping at now (a scan of its own: it skips calls closer than 0.1 s). */
static void
hk(uint64_t now)
{
	hs_neigh_housekeeping(&dp, 0); /* a clock that goes back always scans; at 0 nothing ages */
	hs_neigh_housekeeping(&dp, now);
}

static bool
neigh(uint16_t pi, const char *ip, uint8_t mac_out[6])
{
	struct rte_ether_addr mac;
	struct hs_addr a = A(ip);
	bool ok = hs_neigh_lookup(&dp, pi, &a, &mac);

	if (ok && mac_out != NULL)
		memcpy(mac_out, mac.addr_bytes, 6);
	return ok;
}

/* ------------------------------------------------------------ setup */

static int
port_setup(const char *name, uint16_t *id)
{
	struct rte_eth_conf conf;

	memset(&conf, 0, sizeof(conf));
	if (rte_eth_dev_get_port_by_name(name, id) != 0 ||
		rte_eth_dev_configure(*id, 1, 1, &conf) != 0 ||
		rte_eth_rx_queue_setup(*id, 0, 256, SOCKET_ID_ANY, NULL, pool) != 0 ||
		rte_eth_tx_queue_setup(*id, 0, 256, SOCKET_ID_ANY, NULL) != 0 || rte_eth_dev_start(*id) != 0)
		return -1;
	return 0;
}

/* site1.yaml, two more routes (next hop only, interface only) and a static neighbour. */
static struct hs_config *
load_site1(const char *extra_route)
{
	static const char neighbors[] = "\nneighbors:\n"
					"  - {address: 192.168.100.50, mac: 02:00:00:00:aa:50, "
					"interface: inside}\n";
	struct hs_config_errors errs;
	struct hs_config *cfg;
	char *buf, *at;
	size_t n = 0;
	FILE *f = fopen(HS_SRC_DIR "/scripts/configs/site1.yaml", "r");

	buf = calloc(1, 65536);
	if (f == NULL || buf == NULL)
		return NULL;
	n = fread(buf, 1, 60000, f);
	fclose(f);
	at = strstr(buf, "\nroutes:\n");
	if (at == NULL)
		return NULL;
	at += strlen("\nroutes:\n");
	memmove(at + strlen(extra_route), at, n - (size_t)(at - buf) + 1);
	memcpy(at, extra_route, strlen(extra_route));
	strcat(buf, neighbors);
	cfg = hs_config_load_buf("site1.yaml", buf, strlen(buf), HS_SRC_DIR "/scripts/configs", &errs);
	if (cfg == NULL)
		hs_config_errors_print(&errs, stderr);
	free(buf);
	return cfg;
}

static void
ports_fill(struct hs_dp *d, struct hs_config *cfg, const uint16_t ids[2])
{
	for (uint16_t i = 0; i < 2; i++) {
		struct hs_port *p = &d->ports[i];

		p->port_id = ids[i];
		p->cfg = &cfg->ifaces[i];
		p->inside = cfg->ifaces[i].role == HS_CONFIG_IF_INSIDE;
		memcpy(p->mac.addr_bytes, cfg->ifaces[i].mac, 6);
		p->mtu = 1500;
		p->nb_rxq = 1;
		p->nb_txq = 1; /* queue 0 is the main lcore's (the last) */
	}
	d->n_ports = 2;
	d->cfg = cfg;
	d->pool = pool;
	d->tsc_hz = rte_get_tsc_hz();
}

static int
setup(void)
{
	static const struct rte_mbuf_dynfield meta_desc = {
		.name = "hubsec_meta",
		.size = sizeof(struct hs_mbuf_meta),
		.align = __alignof__(struct hs_mbuf_meta),
	};
	char *argv[] = { "test_dataplane_route", "--no-huge", "--no-pci", "--no-shconf", "-l", "0",
		"-m", "1024", "--log-level", "lib.eal:error", "--file-prefix", "hs_unit_route",
		"--vdev=net_ring0", "--vdev=net_ring1", NULL };
	struct hs_config *cfg;
	uint16_t ids[2];

	if (rte_eal_init((int)HS_ARRAY_SIZE(argv) - 1, argv) < 0) {
		fprintf(stderr, "rte_eal_init: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	pool = rte_pktmbuf_pool_create("hs_route_pool", POOL_SIZE, 0, 0,
		2048 + RTE_PKTMBUF_HEADROOM, SOCKET_ID_ANY);
	dp.meta_off = rte_mbuf_dynfield_register(&meta_desc);
	cfg = load_site1("  - {prefix: 10.9.0.0/16, next-hop: 192.168.100.254}\n"
			 "  - {prefix: 10.8.0.0/16, interface: outside}\n");
	if (pool == NULL || dp.meta_off < 0 || cfg == NULL || cfg->n_ifaces != 2 ||
		port_setup("net_ring0", &ids[0]) != 0 || port_setup("net_ring1", &ids[1]) != 0) {
		fprintf(stderr, "test setup failed\n");
		return -1;
	}
	/* site1 has no IPv6: give both interfaces a /64. */
	hs_addr_parse("2001:db8:1::1", &cfg->ifaces[0].ipv6[0].addr);
	cfg->ifaces[0].ipv6[0].len = 64;
	cfg->ifaces[0].n_ipv6 = 1;
	hs_addr_parse("2001:db8:ff::2", &cfg->ifaces[1].ipv6[0].addr);
	cfg->ifaces[1].ipv6[0].len = 64;
	cfg->ifaces[1].n_ipv6 = 1;
	ports_fill(&dp, cfg, ids);
	/* A QSBR variable with no reader registered: every grace period is over at once. */
	dp.qsbr = rte_zmalloc("hs_test_qsbr", rte_rcu_qsbr_get_memsize(1), RTE_CACHE_LINE_SIZE);
	if (dp.qsbr == NULL || rte_rcu_qsbr_init(dp.qsbr, 1) != 0 || hs_routes_create(&dp) != 0 ||
		hs_neigh_create(&dp) != 0) {
		fprintf(stderr, "routes/neighbours not created\n");
		return -1;
	}
	return 0;
}

/* Every test starts with nothing on the wire and zero counters. */
static void
test_setup(void)
{
	sent(0, NULL, NULL);
	sent(1, NULL, NULL);
	memset(dp.main_drops, 0, sizeof(dp.main_drops));
}

static void
test_teardown(void)
{
	CU_ASSERT_EQUAL(sent(0, NULL, NULL), 0); /* a test looked at everything it sent */
	CU_ASSERT_EQUAL(sent(1, NULL, NULL), 0);
}

/* ------------------------------------------------------------ routes */

static void
route_is(const char *dst, int rc, uint16_t port, const char *nh)
{
	struct hs_addr d = A(dst), got;
	uint16_t p = 99;
	int r = hs_route_lookup(&dp, &d, &p, &got);

	CU_ASSERT_EQUAL(r, rc);
	if (rc == 0 && r == 0) {
		struct hs_addr want = A(nh);

		CU_ASSERT_EQUAL(p, port);
		CU_ASSERT(hs_addr_equal(&got, &want));
		if (p != port || !hs_addr_equal(&got, &want))
			fprintf(stderr, "\n  route %s: port %u\n", dst, p);
	} else if (r != rc) {
		fprintf(stderr, "\n  route %s: %d, expected %d\n", dst, r, rc);
	}
}

static void
test_route_main(void)
{
	route_is("192.168.100.7", 0, 0, "192.168.100.7"); /* connected, first address */
	route_is("192.168.200.9", 0, 0, "192.168.200.9"); /* connected, second address */
	route_is("192.168.100.1", 0, 0, "192.168.100.1"); /* our own address */
	route_is("10.255.7.7", 0, 1, "10.255.7.7");
	route_is("172.16.10.5", 0, 1, "10.255.2.2");   /* next hop and interface */
	route_is("10.9.1.1", 0, 0, "192.168.100.254"); /* next hop only: its connected port */
	route_is("10.8.1.1", 0, 1, "10.8.1.1");	       /* interface only */
	route_is("8.8.8.8", -ENOENT, 0, NULL);
	route_is("2001:db8:1::99", 0, 0, "2001:db8:1::99");
	route_is("2001:db8:ff::1", 0, 1, "2001:db8:ff::1");
	route_is("2001:db8:2::1", -ENOENT, 0, NULL);
}

static void
vpn_add(const char *pfx, uint16_t port, const char *nh)
{
	struct hs_prefix p = P(pfx);
	struct hs_addr a;

	if (nh != NULL)
		a = A(nh);
	CU_ASSERT_EQUAL(hs_route_vpn_add(&dp, &p, port, nh != NULL ? &a : NULL), 0);
}

static int
vpn_del(const char *pfx)
{
	struct hs_prefix p = P(pfx);

	return hs_route_vpn_del(&dp, &p);
}

static void
test_route_vpn(void)
{
	struct hs_prefix p = P("10.60.0.0/16");
	struct hs_addr v6 = A("2001:db8::1");

	vpn_add("172.16.10.0/24", 0, "192.168.100.254");
	route_is("172.16.10.5", 0, 0, "192.168.100.254"); /* same length as the static: VPN wins */
	vpn_add("172.16.0.0/16", 0, NULL);
	route_is("172.16.11.1", 0, 0, "172.16.11.1");
	vpn_add("10.0.0.0/8", 0, "192.168.100.253");
	route_is("10.1.2.3", 0, 0, "192.168.100.253");
	route_is("10.255.7.7", 0, 1, "10.255.7.7");    /* connected /16 is longer than VPN /8 */
	route_is("10.9.1.1", 0, 0, "192.168.100.254"); /* static /16 too */
	vpn_add("0.0.0.0/0", 1, "10.255.0.1");	       /* full tunnel through an exit hub */
	route_is("8.8.8.8", 0, 1, "10.255.0.1");
	route_is("192.168.100.7", 0, 0, "192.168.100.7"); /* LANs stay local */
	vpn_add("0.0.0.0/0", 1, "10.255.0.9");		  /* replace */
	route_is("8.8.8.8", 0, 1, "10.255.0.9");
	CU_ASSERT_EQUAL(vpn_del("172.16.10.0/24"), 0);
	route_is("172.16.10.5", 0, 1, "10.255.2.2"); /* static /24 beats VPN /16 */
	CU_ASSERT_EQUAL(vpn_del("172.16.0.0/16"), 0);
	CU_ASSERT_EQUAL(vpn_del("10.0.0.0/8"), 0);
	CU_ASSERT_EQUAL(vpn_del("0.0.0.0/0"), 0);
	CU_ASSERT_EQUAL(vpn_del("0.0.0.0/0"), -ENOENT);
	CU_ASSERT_EQUAL(vpn_del("172.16.0.0/16"), -ENOENT);
	route_is("8.8.8.8", -ENOENT, 0, NULL);
	route_is("10.1.2.3", -ENOENT, 0, NULL);
	vpn_add("2001:db8:99::/48", 1, "2001:db8:ff::1");
	vpn_add("::/0", 1, "2001:db8:ff::9");
	route_is("2001:db8:99::5", 0, 1, "2001:db8:ff::1");
	route_is("2001:db8:5::1", 0, 1, "2001:db8:ff::9");
	route_is("2001:db8:1::5", 0, 0, "2001:db8:1::5");
	CU_ASSERT_EQUAL(vpn_del("2001:db8:99::/48"), 0);
	CU_ASSERT_EQUAL(vpn_del("::/0"), 0);
	route_is("2001:db8:99::5", -ENOENT, 0, NULL);
	/* Refused: unknown port, next hop of the other family, no family. */
	CU_ASSERT_EQUAL(hs_route_vpn_add(&dp, &p, 2, NULL), -EINVAL);
	CU_ASSERT_EQUAL(hs_route_vpn_add(&dp, &p, 0, &v6), -EINVAL);
	memset(&p, 0, sizeof(p));
	CU_ASSERT_EQUAL(hs_route_vpn_add(&dp, &p, 0, NULL), -EINVAL);
	CU_ASSERT_EQUAL(hs_route_vpn_del(&dp, &p), -EINVAL);
}

/* Add and delete many more routes than next-hop slots: slots come back after grace periods. */
static void
test_route_vpn_churn(void)
{
	char buf[64];
	int bad = 0;

	for (int round = 0; round < 30; round++) {
		for (int i = 0; i < 4000; i++) {
			struct hs_prefix p;
			struct hs_addr d;
			uint16_t port;
			struct hs_addr nh;

			if (i % 2 == 0)
				snprintf(buf, sizeof(buf), "10.50.%d.%d/32", i / 256, i % 256);
			else
				snprintf(buf, sizeof(buf), "2001:db8:50:%x::/64", i);
			hs_prefix_parse(buf, &p);
			bad += hs_route_vpn_add(&dp, &p, (uint16_t)(round & 1), NULL) != 0;
			*strchr(buf, '/') = '\0';
			if (i % 2 != 0)
				strcat(buf, "1");
			hs_addr_parse(buf, &d);
			bad += hs_route_lookup(&dp, &d, &port, &nh) != 0 || port != (round & 1);
		}
		for (int i = 0; i < 4000; i++) {
			struct hs_prefix p;

			if (i % 2 == 0)
				snprintf(buf, sizeof(buf), "10.50.%d.%d/32", i / 256, i % 256);
			else
				snprintf(buf, sizeof(buf), "2001:db8:50:%x::/64", i);
			hs_prefix_parse(buf, &p);
			bad += hs_route_vpn_del(&dp, &p) != 0;
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
	route_is("10.50.1.2", -ENOENT, 0, NULL);
	route_is("2001:db8:50:3::1", -ENOENT, 0, NULL);
	route_is("10.255.7.7", 0, 1, "10.255.7.7");
}

/* ------------------------------------------------------------ ARP */

static const uint8_t ZERO6[6];

static void
test_arp(void)
{
	uint8_t req[60] = { 0 }, want[64], mac[6];
	const uint8_t ip11[4] = { 192, 168, 100, 11 }, ip12[4] = { 192, 168, 100, 12 };
	const uint8_t out4[4] = { 10, 255, 1, 2 }, zero4[4] = { 0 }, far4[4] = { 10, 1, 1, 1 };

	/* Request for our address, padded to 60 bytes: exact 42-byte reply, sender learned. */
	arp_frame(req, BCAST, 1, PEER_MAC, PEER4, ZERO6, IN4);
	inject(0, req, 60);
	expect_frame(0, want, (uint32_t)arp_frame(want, PEER_MAC, 2, IN_MAC, IN4, PEER_MAC, PEER4));
	CU_ASSERT(neigh(0, "192.168.100.10", mac) && memcmp(mac, PEER_MAC, 6) == 0);
	/* The same request in a chain of 20 + 20 + 20 bytes. */
	inject_seg(0, req, 60, 20);
	expect_frame(0, want, 42);
	CU_ASSERT_EQUAL(total_drops(), 0);
	/* RFC 5227 probe (sender 0.0.0.0): answered, nothing learned. */
	arp_frame(req, BCAST, 1, PEER2_MAC, zero4, ZERO6, IN4);
	inject(0, req, 42);
	expect_frame(0, want, (uint32_t)arp_frame(want, PEER2_MAC, 2, IN_MAC, IN4, PEER2_MAC, zero4));
	/* Off-link sender: answered, not learned. */
	arp_frame(req, BCAST, 1, PEER2_MAC, far4, ZERO6, IN4);
	inject(0, req, 42);
	expect_frame(0, want, (uint32_t)arp_frame(want, PEER2_MAC, 2, IN_MAC, IN4, PEER2_MAC, far4));
	CU_ASSERT(!neigh(0, "10.1.1.1", NULL));
	CU_ASSERT_EQUAL(total_drops(), 0);
	/* For the outside port's address, asked on the inside: not ours there. */
	arp_frame(req, BCAST, 1, PEER2_MAC, ip11, ZERO6, out4);
	inject(0, req, 42);
	CU_ASSERT(!neigh(0, "192.168.100.11", NULL));
	/* Gratuitous ARP from an unknown host: not learned. */
	arp_frame(req, BCAST, 1, PEER2_MAC, ip12, ZERO6, ip12);
	inject(0, req, 42);
	CU_ASSERT(!neigh(0, "192.168.100.12", NULL));
	/* Unsolicited reply: not learned. */
	arp_frame(req, IN_MAC, 2, PEER2_MAC, ip12, IN_MAC, IN4);
	inject(0, req, 42);
	CU_ASSERT(!neigh(0, "192.168.100.12", NULL));
	/* Someone claiming our own address. */
	arp_frame(req, BCAST, 1, PEER2_MAC, IN4, ZERO6, PEER4);
	inject(0, req, 42);
	CU_ASSERT_EQUAL(dp.main_drops[HS_DPDROP_TO_US], 4);
	/* Gratuitous ARP from a known host: its new MAC is taken, nothing sent or counted. */
	arp_frame(req, BCAST, 1, PEER2_MAC, PEER4, ZERO6, PEER4);
	inject(0, req, 42);
	CU_ASSERT(neigh(0, "192.168.100.10", mac) && memcmp(mac, PEER2_MAC, 6) == 0);
	CU_ASSERT_EQUAL(total_drops(), 4);
	CU_ASSERT_EQUAL(sent(0, NULL, NULL), 0);
}

/* ------------------------------------------------------------ ICMP echo */

static uint16_t
echo_body(uint8_t *b, uint8_t type, uint16_t len)
{
	b[0] = type;
	b[1] = 0;
	put16(b + 2, 0);
	put16(b + 4, 0x4242);
	put16(b + 6, 7);
	for (uint16_t i = 8; i < len; i++)
		b[i] = (uint8_t)(i * 7);
	return len;
}

static void
echo4_case(const uint8_t *opts, uint8_t olen, uint16_t ilen, const uint8_t dst[4])
{
	uint8_t req[256] = { 0 }, want[256], icmp[128];
	size_t n;

	echo_body(icmp, 8, ilen);
	n = ip4_frame(req, IN_MAC, PEER_MAC, PEER4, dst, 61, opts, olen, icmp, ilen);
	inject(0, req, (uint32_t)(n < 60 ? 60 : n)); /* short frames come padded */
	icmp[0] = 0;
	n = ip4_frame(want, PEER_MAC, IN_MAC, dst, PEER4, 64, NULL, 0, icmp, ilen);
	expect_frame(0, want, (uint32_t)n);
}

static void
test_icmp_echo(void)
{
	const uint8_t nops[40] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0 };
	const uint8_t out4[4] = { 10, 255, 1, 2 }, bcast4[4] = { 192, 168, 100, 255 };
	const uint8_t mc4[4] = { 224, 0, 0, 1 };
	uint8_t req[256], icmp[64];
	size_t n;

	echo4_case(NULL, 0, 64, IN4);	 /* plain ping */
	echo4_case(nops, 4, 64, IN4);	 /* IHL 6: options left out of the reply */
	echo4_case(nops, 40, 64, IN4);	 /* IHL 15 */
	echo4_case(NULL, 0, 21, IN4);	 /* odd length */
	echo4_case(NULL, 0, 8, IN4);	 /* no data, Ethernet padding cut */
	echo4_case(NULL, 0, 64, out4);	 /* any of our addresses */
	CU_ASSERT_EQUAL(total_drops(), 0);
	echo_body(icmp, 8, 16);
	ip4_frame(req, IN_MAC, PEER_MAC, PEER4, bcast4, 64, NULL, 0, icmp, 16); /* broadcast */
	inject(0, req, 60);
	echo_body(icmp, 13, 20); /* timestamp request */
	n = ip4_frame(req, IN_MAC, PEER_MAC, PEER4, IN4, 64, NULL, 0, icmp, 20);
	inject(0, req, (uint32_t)n);
	echo_body(icmp, 8, 16);
	n = ip4_frame(req, IN_MAC, PEER_MAC, PEER4, IN4, 64, NULL, 0, icmp, 16);
	req[14 + 6] = 0x20; /* more fragments */
	put16(req + 24, 0);
	put16(req + 24, fold(sum16(req + 14, 20, 0)));
	inject(0, req, (uint32_t)n);
	CU_ASSERT_EQUAL(dp.main_drops[HS_DPDROP_TO_US], 3);
	n = ip4_frame(req, IN_MAC, PEER_MAC, mc4, IN4, 64, NULL, 0, icmp, 16); /* multicast source */
	inject(0, req, (uint32_t)n);
	CU_ASSERT_EQUAL(dp.main_drops[HS_DPDROP_MALFORMED], 1);
	CU_ASSERT_EQUAL(sent(0, NULL, NULL), 0);
}

static void
test_icmp6_echo(void)
{
	static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };
	uint8_t req[256], want[256], icmp[64];
	size_t n;

	echo_body(icmp, 128, 40);
	n = ip6_frame(req, IN_MAC, PEER_MAC, PEER6, IN6, 50, icmp, 40);
	inject(0, req, (uint32_t)n);
	icmp[0] = 129;
	n = ip6_frame(want, PEER_MAC, IN_MAC, IN6, PEER6, 64, icmp, 40);
	expect_frame(0, want, (uint32_t)n);
	echo_body(icmp, 128, 9); /* odd length, padded frame */
	memset(req, 0, sizeof(req));
	n = ip6_frame(req, IN_MAC, PEER_MAC, PEER6, IN6, 50, icmp, 9);
	inject(0, req, (uint32_t)n + 5);
	icmp[0] = 129;
	n = ip6_frame(want, PEER_MAC, IN_MAC, IN6, PEER6, 64, icmp, 9);
	expect_frame(0, want, (uint32_t)n);
	CU_ASSERT_EQUAL(total_drops(), 0);
	echo_body(icmp, 128, 16); /* to all nodes: not answered */
	n = ip6_frame(req, IN_MAC, PEER_MAC, PEER6, all_nodes, 50, icmp, 16);
	inject(0, req, (uint32_t)n);
	CU_ASSERT_EQUAL(dp.main_drops[HS_DPDROP_TO_US], 1);
}

/* ------------------------------------------------------------ ND */

static void
snm_of(const uint8_t target[16], uint8_t ip[16], uint8_t mac[6])
{
	static const uint8_t pfx[13] = { 0xff, 0x02, [11] = 0x01, [12] = 0xff };

	memcpy(ip, pfx, 13);
	memcpy(ip + 13, target + 13, 3);
	mac[0] = mac[1] = 0x33;
	memcpy(mac + 2, ip + 12, 4);
}

static void
test_ns_na(void)
{
	static const uint8_t unspec[16], all_nodes[16] = { 0xff, 0x02, [15] = 1 };
	static const uint8_t all_mac[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	uint8_t f[256], want[256], body[64], opt[8] = { 1, 1 }, snm[16], smac[6], mac[6];
	uint8_t src11[16], other[16];
	size_t n;

	memcpy(opt + 2, PEER_MAC, 6);
	snm_of(IN6, snm, smac);
	n = ip6_frame(f, smac, PEER_MAC, PEER6, snm, 255, body, nd_body(body, 135, 0, IN6, opt, 8));
	inject(0, f, (uint32_t)n);
	opt[0] = 2;
	memcpy(opt + 2, IN_MAC, 6);
	n = ip6_frame(want, PEER_MAC, IN_MAC, IN6, PEER6, 255, body,
		nd_body(body, 136, 0xe0, IN6, opt, 8)); /* R, S, O */
	expect_frame(0, want, (uint32_t)n);
	CU_ASSERT(neigh(0, "2001:db8:1::10", mac) && memcmp(mac, PEER_MAC, 6) == 0);
	/* Unicast NS without a source link-layer option: answered to the frame's source. */
	memcpy(src11, PEER6, 16);
	src11[15] = 0x11;
	n = ip6_frame(f, IN_MAC, PEER2_MAC, src11, IN6, 255, body, nd_body(body, 135, 0, IN6, NULL, 0));
	inject(0, f, (uint32_t)n);
	n = ip6_frame(want, PEER2_MAC, IN_MAC, IN6, src11, 255, body,
		nd_body(body, 136, 0xe0, IN6, opt, 8));
	expect_frame(0, want, (uint32_t)n);
	CU_ASSERT(!neigh(0, "2001:db8:1::11", NULL));
	/* Duplicate address detection (from ::): to all nodes, S clear. */
	n = ip6_frame(f, smac, PEER2_MAC, unspec, snm, 255, body, nd_body(body, 135, 0, IN6, NULL, 0));
	inject(0, f, (uint32_t)n);
	n = ip6_frame(want, all_mac, IN_MAC, IN6, all_nodes, 255, body,
		nd_body(body, 136, 0xa0, IN6, opt, 8));
	expect_frame(0, want, (uint32_t)n);
	CU_ASSERT_EQUAL(total_drops(), 0);
	/* A target that is not ours; an NA for a neighbour we never asked for. */
	memcpy(other, IN6, 16);
	other[15] = 0x99;
	n = ip6_frame(f, smac, PEER_MAC, PEER6, snm, 255, body, nd_body(body, 135, 0, other, NULL, 0));
	inject(0, f, (uint32_t)n);
	memcpy(opt + 2, PEER2_MAC, 6);
	n = ip6_frame(f, IN_MAC, PEER2_MAC, other, IN6, 255, body,
		nd_body(body, 136, 0x60, other, opt, 8));
	inject(0, f, (uint32_t)n);
	CU_ASSERT_EQUAL(dp.main_drops[HS_DPDROP_TO_US], 2);
	CU_ASSERT(!neigh(0, "2001:db8:1::99", NULL));
}

/* An L3 packet held for ND, an NS sent, an NA resolves it: the packet leaves. */
static void
test_nd_resolve(void)
{
	uint8_t target[16], snm[16], smac[6], f[256], want[256], body[64], opt[8] = { 1, 1 };
	uint8_t l3[128], icmp[32];
	struct hs_addr nh;
	struct rte_mbuf *m;
	size_t n;

	memcpy(target, IN6, 16);
	target[15] = 0x20;
	nh.family = AF_INET6;
	memcpy(nh.v6, target, 16);
	echo_body(icmp, 128, 24);
	n = ip6_frame(f, PEER_MAC, IN_MAC, IN6, target, 64, icmp, 24);
	memcpy(l3, f + 14, n - 14);
	m = mk(l3, (uint32_t)(n - 14), 0);
	hs_main_send_l3(&dp, 0, &nh, m);
	snm_of(target, snm, smac);
	memcpy(opt + 2, IN_MAC, 6);
	n = ip6_frame(want, smac, IN_MAC, IN6, snm, 255, body, nd_body(body, 135, 0, target, opt, 8));
	expect_frame(0, want, (uint32_t)n);
	opt[0] = 2;
	memcpy(opt + 2, PEER2_MAC, 6);
	n = ip6_frame(f, IN_MAC, PEER2_MAC, target, IN6, 255, body,
		nd_body(body, 136, 0x60, target, opt, 8));
	inject(0, f, (uint32_t)n);
	n = ip6_frame(want, PEER2_MAC, IN_MAC, IN6, target, 64, icmp, 24);
	expect_frame(0, want, (uint32_t)n);
	CU_ASSERT_EQUAL(total_drops(), 0);
}

/* ------------------------------------------------------------ malformed */

static void
inject_bad(const char *what, const uint8_t *f, uint32_t len, enum hs_dp_drop want)
{
	uint64_t before = dp.main_drops[want], total = total_drops();

	inject(0, f, len);
	if (dp.main_drops[want] != before + 1 || total_drops() != total + 1)
		fprintf(stderr, "\n  %s: not counted as %d\n", what, want);
	CU_ASSERT_EQUAL(dp.main_drops[want], before + 1);
	CU_ASSERT_EQUAL(total_drops(), total + 1);
	CU_ASSERT_EQUAL(sent(0, NULL, NULL), 0);
}

static void
test_malformed_l2_arp_ip4(void)
{
	uint8_t f[256], icmp[64], c[256];
	struct rte_mbuf *m;
	size_t n;

	inject_bad("10-byte frame", BCAST, 6, HS_DPDROP_MALFORMED);
	arp_frame(f, BCAST, 1, PEER_MAC, PEER4, ZERO6, IN4);
	inject_bad("ARP of 41 bytes", f, 41, HS_DPDROP_MALFORMED);
	memcpy(c, f, 42), c[18] = 8;
	inject_bad("ARP hlen 8", c, 42, HS_DPDROP_MALFORMED);
	memcpy(c, f, 42), c[21] = 3;
	inject_bad("ARP op 3", c, 42, HS_DPDROP_MALFORMED);
	memcpy(c, f, 42), c[16] = 0x86;
	inject_bad("ARP ptype IPv6", c, 42, HS_DPDROP_MALFORMED);
	memcpy(c, f, 42), c[22] = 0x01;
	inject_bad("ARP multicast sender", c, 42, HS_DPDROP_MALFORMED);
	memcpy(c, f, 42), c[6] = 0x01;
	inject_bad("multicast Ethernet source", c, 42, HS_DPDROP_MALFORMED);
	memcpy(c, f, 42), c[12] = 0x88, c[13] = 0xcc;
	inject_bad("LLDP", c, 42, HS_DPDROP_NOT_IP);
	echo_body(icmp, 8, 16);
	n = ip4_frame(f, IN_MAC, PEER_MAC, PEER4, IN4, 64, NULL, 0, icmp, 16);
	inject_bad("IPv4 of 19 bytes", f, 14 + 19, HS_DPDROP_MALFORMED);
	memcpy(c, f, n), c[14] = 0x44;
	inject_bad("IHL 4", c, (uint32_t)n, HS_DPDROP_MALFORMED);
	memcpy(c, f, n), c[14] = 0x54;
	inject_bad("IPv4 version 5", c, (uint32_t)n, HS_DPDROP_MALFORMED);
	memcpy(c, f, n), c[14] = 0x4f;
	inject_bad("IHL 15 past the packet", c, (uint32_t)n, HS_DPDROP_MALFORMED);
	memcpy(c, f, n), put16(c + 16, 200);
	inject_bad("total length past the data", c, (uint32_t)n, HS_DPDROP_MALFORMED);
	memcpy(c, f, n), put16(c + 16, 19);
	inject_bad("total length below IHL", c, (uint32_t)n, HS_DPDROP_MALFORMED);
	memcpy(c, f, n), c[24] ^= 1;
	inject_bad("IPv4 header checksum", c, (uint32_t)n, HS_DPDROP_MALFORMED);
	memcpy(c, f, n), c[14 + 20 + 9] ^= 1;
	inject_bad("ICMP checksum", c, (uint32_t)n, HS_DPDROP_MALFORMED);
	n = ip4_frame(f, IN_MAC, PEER_MAC, PEER4, IN4, 64, NULL, 0, icmp, 4);
	inject_bad("ICMP of 4 bytes", f, (uint32_t)n, HS_DPDROP_MALFORMED);
	/* Not from one of our ports; not a kind the slow ring carries. */
	m = mk(f, (uint32_t)n, 0);
	m->port = 9;
	hs_meta(&dp, m)->kind = HS_META_RX;
	hs_slowpath_burst(&dp, &m, 1);
	m = mk(f, (uint32_t)n, 0);
	m->port = dp.ports[0].port_id;
	hs_meta(&dp, m)->kind = 7;
	hs_slowpath_burst(&dp, &m, 1);
	CU_ASSERT_EQUAL(dp.main_drops[HS_DPDROP_MALFORMED], 18);
}

static void
test_malformed_ip6(void)
{
	static const uint8_t unspec[16];
	uint8_t f[256], c[256], body[64], icmp[64], snm[16], smac[6], opt[16] = { 1, 1 };
	uint8_t mc_target[16] = { 0xff, 0x02, [15] = 1 };
	size_t n;

	memcpy(opt + 2, PEER_MAC, 6);
	snm_of(IN6, snm, smac);
	echo_body(icmp, 128, 16);
	n = ip6_frame(f, IN_MAC, PEER_MAC, PEER6, IN6, 64, icmp, 16);
	inject_bad("IPv6 of 39 bytes", f, 14 + 39, HS_DPDROP_MALFORMED);
	memcpy(c, f, n), c[14] = 0x40;
	inject_bad("version 4 in an IPv6 frame", c, (uint32_t)n, HS_DPDROP_MALFORMED);
	memcpy(c, f, n), put16(c + 18, 17);
	inject_bad("payload length past the data", c, (uint32_t)n, HS_DPDROP_MALFORMED);
	memcpy(c, f, n), c[14 + 40 + 12] ^= 1;
	inject_bad("ICMPv6 checksum", c, (uint32_t)n, HS_DPDROP_MALFORMED);
	n = ip6_frame(f, IN_MAC, PEER_MAC, PEER6, IN6, 64, icmp, 4);
	inject_bad("ICMPv6 of 4 bytes", f, (uint32_t)n, HS_DPDROP_MALFORMED);
	n = ip6_frame(f, smac, PEER_MAC, PEER6, snm, 64, body, nd_body(body, 135, 0, IN6, opt, 8));
	inject_bad("NS hop limit 64", f, (uint32_t)n, HS_DPDROP_MALFORMED);
	opt[1] = 0;
	n = ip6_frame(f, smac, PEER_MAC, PEER6, snm, 255, body, nd_body(body, 135, 0, IN6, opt, 8));
	inject_bad("ND option length 0", f, (uint32_t)n, HS_DPDROP_MALFORMED);
	opt[1] = 2;
	n = ip6_frame(f, smac, PEER_MAC, PEER6, snm, 255, body, nd_body(body, 135, 0, IN6, opt, 8));
	inject_bad("ND option past the end", f, (uint32_t)n, HS_DPDROP_MALFORMED);
	opt[1] = 1;
	nd_body(body, 135, 0, IN6, NULL, 0);
	n = ip6_frame(f, smac, PEER_MAC, PEER6, snm, 255, body, 20);
	inject_bad("NS of 20 bytes", f, (uint32_t)n, HS_DPDROP_MALFORMED);
	n = ip6_frame(f, smac, PEER_MAC, PEER6, snm, 255, body,
		nd_body(body, 135, 0, mc_target, NULL, 0));
	inject_bad("NS multicast target", f, (uint32_t)n, HS_DPDROP_MALFORMED);
	n = ip6_frame(f, smac, PEER_MAC, unspec, snm, 255, body, nd_body(body, 135, 0, IN6, opt, 8));
	inject_bad("DAD NS with a source link-layer option", f, (uint32_t)n, HS_DPDROP_MALFORMED);
	n = ip6_frame(f, smac, PEER_MAC, unspec, IN6, 255, body, nd_body(body, 135, 0, IN6, NULL, 0));
	inject_bad("DAD NS not to the solicited-node address", f, (uint32_t)n, HS_DPDROP_MALFORMED);
	opt[0] = 2;
	n = ip6_frame(f, smac, PEER_MAC, PEER6, mc_target, 255, body,
		nd_body(body, 136, 0x40, PEER6, opt, 8));
	inject_bad("NA to multicast with S set", f, (uint32_t)n, HS_DPDROP_MALFORMED);
	n = ip6_frame(f, IN_MAC, PEER_MAC, PEER6, IN6, 255, body, nd_body(body, 136, 0x60, PEER6, opt, 4));
	inject_bad("NA option cut short", f, (uint32_t)n, HS_DPDROP_MALFORMED);
}

/* Every valid request cut at every length: dropped as malformed, nothing sent. */
static void
test_truncated(void)
{
	uint8_t t[5][160], icmp[64], body[64], opt[8] = { 1, 1 }, snm[16], smac[6];
	const uint8_t opts[4] = { 1, 1, 1, 0 };
	size_t len[5];
	int bad = 0;

	memcpy(opt + 2, PEER_MAC, 6);
	snm_of(IN6, snm, smac);
	len[0] = arp_frame(t[0], BCAST, 1, PEER_MAC, PEER4, ZERO6, IN4);
	echo_body(icmp, 8, 40);
	len[1] = ip4_frame(t[1], IN_MAC, PEER_MAC, PEER4, IN4, 64, opts, 4, icmp, 40);
	echo_body(icmp, 128, 40);
	len[2] = ip6_frame(t[2], IN_MAC, PEER_MAC, PEER6, IN6, 64, icmp, 40);
	len[3] = ip6_frame(t[3], smac, PEER_MAC, PEER6, snm, 255, body,
		nd_body(body, 135, 0, IN6, opt, 8));
	opt[0] = 2;
	len[4] = ip6_frame(t[4], IN_MAC, PEER_MAC, PEER6, IN6, 255, body,
		nd_body(body, 136, 0x60, PEER6, opt, 8));
	for (int k = 0; k < 5; k++) {
		for (uint32_t l = 0; l < len[k]; l++) {
			uint64_t before = dp.main_drops[HS_DPDROP_MALFORMED];

			inject_exact(0, t[k], l);
			bad += dp.main_drops[HS_DPDROP_MALFORMED] != before + 1;
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(total_drops(), dp.main_drops[HS_DPDROP_MALFORMED]);
	CU_ASSERT_EQUAL(sent(0, NULL, NULL), 0);
}

/*
 * Random damage to every kind of request, each in an exact-size buffer: no
 * crash, no read past the data (with ASan), no mbuf lost.
 */
static void
test_fuzz(void)
{
	uint8_t t[6][160], f[160], icmp[64], body[64], opt[8] = { 1, 1 }, snm[16], smac[6];
	unsigned int avail = rte_mempool_avail_count(pool);
	size_t len[6];

	memcpy(opt + 2, PEER_MAC, 6);
	snm_of(IN6, snm, smac);
	len[0] = arp_frame(t[0], BCAST, 1, PEER_MAC, PEER4, ZERO6, IN4);
	len[1] = arp_frame(t[1], IN_MAC, 2, PEER_MAC, PEER4, IN_MAC, IN4);
	echo_body(icmp, 8, 40);
	len[2] = ip4_frame(t[2], IN_MAC, PEER_MAC, PEER4, IN4, 64, NULL, 0, icmp, 40);
	echo_body(icmp, 128, 40);
	len[3] = ip6_frame(t[3], IN_MAC, PEER_MAC, PEER6, IN6, 64, icmp, 40);
	len[4] = ip6_frame(t[4], smac, PEER_MAC, PEER6, snm, 255, body,
		nd_body(body, 135, 0, IN6, opt, 8));
	opt[0] = 2;
	len[5] = ip6_frame(t[5], IN_MAC, PEER_MAC, PEER6, IN6, 255, body,
		nd_body(body, 136, 0x60, PEER6, opt, 8));
	srand(4861);
	for (int i = 0; i < 30000; i++) {
		int k = rand() % 6;
		uint32_t l = (uint32_t)len[k];

		memcpy(f, t[k], l);
		for (int j = rand() % 4; j >= 0; j--)
			f[14 + rand() % (int)(l - 14)] ^= (uint8_t)(1u << (rand() % 8));
		if (rand() % 4 == 0)
			l = (uint32_t)(rand() % (int)l + 1);
		inject_exact(0, f, l);
		if (i % 256 == 0)
			sent(0, NULL, NULL);
	}
	sent(0, NULL, NULL);
	hk(rte_rdtsc() + 400 * rte_get_tsc_hz());
	CU_ASSERT_EQUAL(rte_mempool_avail_count(pool), avail);
	memset(dp.main_drops, 0, sizeof(dp.main_drops));
}

/* ------------------------------------------------------------ held packets */

static struct rte_mbuf *
l3_packet(const uint8_t dst[4], uint8_t *copy, uint32_t *len)
{
	uint8_t f[128], icmp[32];
	size_t n;

	echo_body(icmp, 8, 24);
	n = ip4_frame(f, ZERO6, ZERO6, IN4, dst, 64, NULL, 0, icmp, 24);
	if (copy != NULL) {
		memcpy(copy, f + 14, n - 14);
		*len = (uint32_t)(n - 14);
	}
	return mk(f + 14, (uint32_t)(n - 14), 0);
}

static void
send_to(const char *nh_s, const uint8_t dst[4])
{
	struct hs_addr nh = A(nh_s);

	hs_main_send_l3(&dp, 0, &nh, l3_packet(dst, NULL, NULL));
}

static void
test_hold_arp(void)
{
	const uint8_t ip20[4] = { 192, 168, 100, 20 }, static50_mac[6] = { 2, 0, 0, 0, 0xaa, 0x50 };
	const uint8_t ip50[4] = { 192, 168, 100, 50 };
	uint8_t f[128], want[160], l3[128];
	struct hs_addr nh = A("192.168.100.20");
	struct rte_mbuf *m;
	uint32_t l3len;

	m = l3_packet(ip20, l3, &l3len);
	hs_main_send_l3(&dp, 0, &nh, m);
	expect_frame(0, want, (uint32_t)arp_frame(want, BCAST, 1, IN_MAC, IN4, ZERO6, ip20));
	send_to("192.168.100.20", ip20); /* held too; no second request within a second */
	CU_ASSERT_EQUAL(sent(0, NULL, NULL), 0);
	arp_frame(f, IN_MAC, 2, PEER2_MAC, ip20, IN_MAC, IN4); /* the reply */
	inject(0, f, 60);
	eth(want, PEER2_MAC, IN_MAC, 0x0800);
	memcpy(want + 14, l3, l3len);
	{
		uint8_t got[256];
		uint32_t glen = 0;

		CU_ASSERT_EQUAL(sent(0, got, &glen), 2);
		CU_ASSERT(glen == 14 + l3len && memcmp(got, want, glen) == 0);
	}
	send_to("192.168.100.20", ip20); /* resolved: straight out */
	expect_frame(0, want, 14 + l3len);
	/*
	 * A worker's unresolved packet through the slow ring: the main lcore
	 * routes it again (connected: the static neighbour itself).
	 */
	m = l3_packet(ip50, l3, &l3len);
	hs_meta(&dp, m)->kind = HS_META_SEND_L3;
	hs_meta(&dp, m)->out_port = 0;
	hs_slowpath_burst(&dp, &m, 1);
	eth(want, static50_mac, IN_MAC, 0x0800);
	memcpy(want + 14, l3, l3len);
	expect_frame(0, want, 14 + l3len);
	/* Bad input to hs_main_send_l3: no such port; not IPv4/IPv6. */
	hs_main_send_l3(&dp, 5, &nh, l3_packet(ip20, NULL, NULL));
	m = l3_packet(ip20, NULL, NULL);
	*rte_pktmbuf_mtod(m, uint8_t *) = 0x55;
	hs_main_send_l3(&dp, 0, &nh, m);
	CU_ASSERT_EQUAL(dp.main_drops[HS_DPDROP_NO_ROUTE], 1);
	CU_ASSERT_EQUAL(dp.main_drops[HS_DPDROP_MALFORMED], 1);
	CU_ASSERT_EQUAL(total_drops(), 2);
}

static void
test_hold_limits_timeout(void)
{
	const uint8_t d[4] = { 172, 16, 10, 9 };
	uint64_t now, hz = rte_get_tsc_hz();
	char ip[32];

	for (int i = 0; i < 9; i++) /* 8 per neighbour */
		send_to("192.168.100.21", d);
	CU_ASSERT_EQUAL(dp.main_drops[HS_DPDROP_NO_NEIGH], 1);
	for (int k = 100; k < 131; k++) { /* 31 more neighbours x 8 = 256 in all */
		snprintf(ip, sizeof(ip), "192.168.100.%d", k);
		for (int i = 0; i < 8; i++)
			send_to(ip, d);
	}
	CU_ASSERT_EQUAL(sent(0, NULL, NULL), 32); /* one ARP request each */
	send_to("192.168.100.140", d);
	CU_ASSERT_EQUAL(dp.main_drops[HS_DPDROP_NO_NEIGH], 2);
	now = rte_rdtsc();
	hk(now + hz / 2); /* too early for another request */
	CU_ASSERT_EQUAL(sent(0, NULL, NULL), 0);
	hk(now + hz * 3 / 2); /* one more request each, a second later */
	CU_ASSERT_EQUAL(sent(0, NULL, NULL), 32);
	CU_ASSERT_EQUAL(dp.main_drops[HS_DPDROP_NO_NEIGH], 2);
	hk(now + 4 * hz); /* unresolved after 3 s: dropped */
	CU_ASSERT_EQUAL(dp.main_drops[HS_DPDROP_NO_NEIGH], 258);
	CU_ASSERT_EQUAL(sent(0, NULL, NULL), 0);
	CU_ASSERT(!neigh(0, "192.168.100.21", NULL));
	send_to("192.168.100.21", d); /* room again */
	CU_ASSERT_EQUAL(sent(0, NULL, NULL), 1);
	hk(rte_rdtsc() + 4 * hz);
	CU_ASSERT_EQUAL(dp.main_drops[HS_DPDROP_NO_NEIGH], 259);
	CU_ASSERT_EQUAL(total_drops(), 259);
}

static void
test_aging_static(void)
{
	const uint8_t ip30[4] = { 192, 168, 100, 30 }, ip50[4] = { 192, 168, 100, 50 };
	const uint8_t static50_mac[6] = { 2, 0, 0, 0, 0xaa, 0x50 };
	struct rte_ether_addr mac;
	struct hs_addr a30 = A("192.168.100.30"), a31 = A("192.168.100.31");
	uint8_t want[64], f[64], got[6];
	uint64_t now, hz = rte_get_tsc_hz();

	hk(rte_rdtsc() + 400 * hz); /* what earlier tests learned ages out */
	CU_ASSERT(!neigh(0, "192.168.100.10", NULL));
	CU_ASSERT(!neigh(0, "2001:db8:1::10", NULL));
	memcpy(mac.addr_bytes, PEER_MAC, 6);
	hs_neigh_learn(&dp, 0, &a30, &mac);
	hs_neigh_learn(&dp, 0, &a31, &mac);
	now = rte_rdtsc();
	CU_ASSERT(neigh(0, "192.168.100.30", NULL)); /* in use */
	hk(now + 200 * hz);
	CU_ASSERT_EQUAL(sent(0, NULL, NULL), 0);
	hk(now + 295 * hz); /* re-ARP the one in use, unicast */
	expect_frame(0, want, (uint32_t)arp_frame(want, PEER_MAC, 1, IN_MAC, IN4, ZERO6, ip30));
	hk(now + 301 * hz);
	CU_ASSERT(!neigh(0, "192.168.100.30", NULL));
	CU_ASSERT(!neigh(0, "192.168.100.31", NULL));
	CU_ASSERT(neigh(0, "192.168.100.50", got) && memcmp(got, static50_mac, 6) == 0);
	hk(now + 100000 * hz);
	arp_frame(f, BCAST, 1, PEER2_MAC, ip50, ZERO6, IN4); /* never overwritten */
	inject(0, f, 42);
	expect_frame(0, want, (uint32_t)arp_frame(want, PEER2_MAC, 2, IN_MAC, IN4, PEER2_MAC, ip50));
	CU_ASSERT(neigh(0, "192.168.100.50", got) && memcmp(got, static50_mac, 6) == 0);
	CU_ASSERT(!neigh(1, "192.168.100.50", NULL)); /* per port */
	CU_ASSERT_EQUAL(total_drops(), 0);
}

/* The NIC refuses: the reply is freed and counted. */
static void
test_tx_full(void)
{
	struct rte_ring *r = rte_ring_lookup("ETH_RXTX0_net_ring0");
	unsigned int avail = rte_mempool_avail_count(pool), k = 0;
	uint8_t f[64];

	CU_ASSERT_FATAL(r != NULL);
	while (rte_ring_free_count(r) > 0) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

		CU_ASSERT_FATAL(m != NULL && rte_ring_enqueue(r, m) == 0);
		k++;
	}
	arp_frame(f, BCAST, 1, PEER_MAC, PEER4, ZERO6, IN4);
	inject(0, f, 42);
	CU_ASSERT_EQUAL(dp.main_drops[HS_DPDROP_TX_FULL], 1);
	CU_ASSERT_EQUAL(sent(0, NULL, NULL), k);
	CU_ASSERT_EQUAL(rte_mempool_avail_count(pool), avail);
}

/* A next hop on no interface's network is a start-up error; a second context works. */
static void
test_errors_and_free(void)
{
	struct hs_config *cfg = load_site1("  - {prefix: 10.7.0.0/16, next-hop: 10.99.0.1}\n");
	static struct hs_dp d2;
	const uint16_t ids[2] = { dp.ports[0].port_id, dp.ports[1].port_id };
	struct hs_prefix p = P("10.60.0.0/16");

	CU_ASSERT_FATAL(cfg != NULL);
	ports_fill(&d2, cfg, ids);
	CU_ASSERT_EQUAL(hs_routes_create(&d2), -EINVAL);
	CU_ASSERT(d2.routes == NULL);
	CU_ASSERT_EQUAL(hs_route_vpn_add(&d2, &p, 0, NULL), -EINVAL);
	CU_ASSERT_EQUAL(hs_neigh_create(&d2), 0);
	hs_neigh_free(&d2);
	hs_config_free(cfg);
	/* Everything back in the pool once the held packets are freed with the table. */
	send_to("192.168.100.77", (const uint8_t[4]){ 1, 2, 3, 4 });
	CU_ASSERT_EQUAL(sent(0, NULL, NULL), 1);
	hs_neigh_free(&dp);
	hs_routes_free(&dp);
	CU_ASSERT(dp.neigh == NULL && dp.routes == NULL);
	CU_ASSERT_EQUAL(rte_mempool_avail_count(pool), POOL_SIZE);
	send_to("192.168.100.77", (const uint8_t[4]){ 1, 2, 3, 4 }); /* no table: counted drop */
	CU_ASSERT_EQUAL(dp.main_drops[HS_DPDROP_NO_ROUTE], 1);
}


int
main(void)
{
	CU_pSuite s;

	if (setup() != 0 || CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite_with_setup_and_teardown("dataplane_route", NULL, NULL, test_setup,
		test_teardown);
	CU_add_test(s, "routes: connected, static", test_route_main);
	CU_add_test(s, "routes: VPN table add/replace/delete, longest match", test_route_vpn);
	CU_add_test(s, "routes: VPN churn past the next-hop slots", test_route_vpn_churn);
	CU_add_test(s, "ARP: reply bytes, learning rules", test_arp);
	CU_add_test(s, "ICMP echo: reply bytes, options, padding", test_icmp_echo);
	CU_add_test(s, "ICMPv6 echo: reply bytes", test_icmp6_echo);
	CU_add_test(s, "ND: NS -> NA, DAD, learning", test_ns_na);
	CU_add_test(s, "ND: held packet sent after NA", test_nd_resolve);
	CU_add_test(s, "malformed: L2, ARP, IPv4, ICMP", test_malformed_l2_arp_ip4);
	CU_add_test(s, "malformed: IPv6, ICMPv6, ND", test_malformed_ip6);
	CU_add_test(s, "malformed: every truncation", test_truncated);
	CU_add_test(s, "malformed: random damage", test_fuzz);
	CU_add_test(s, "hold: ARP request, reply, release", test_hold_arp);
	CU_add_test(s, "hold: limits, retries, 3 s timeout", test_hold_limits_timeout);
	CU_add_test(s, "neighbours: aging, re-ARP, static", test_aging_static);
	CU_add_test(s, "TX queue full", test_tx_full);
	CU_add_test(s, "errors, second context, free", test_errors_and_free);
	return hs_test_run();
}
