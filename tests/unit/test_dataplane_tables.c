/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dataplane's tables: crypto-map classification (dataplane/classify.c)
 * and the SA database (dataplane/sad.c, sad_msg.c), compiled into this
 * program with EAL on --no-huge. A struct hs_dp is filled by hand: config,
 * two workers, an RCU QSBR variable, the main lcore's ESP context.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <CUnit/CUnit.h>
#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_malloc.h>

#include "dp.h"
#include "sad.h"
#include "unit_common.h"

#define SITE1 HS_SRC_DIR "/scripts/configs/site1.yaml"
#define NONE UINT32_MAX

static struct hs_dp dp;

/* Events the SAD sent (rings.c's function, stubbed here). */
static struct hs_msg_event events[64];
static unsigned int n_events;
static bool events_refuse;

bool
hs_rings_event_send(struct hs_dp *d, const struct hs_msg_event *ev)
{
	(void)d;
	if (events_refuse || n_events == HS_ARRAY_SIZE(events))
		return false;
	events[n_events++] = *ev;
	return true;
}

/* ---- packets ---- */

static void
put_addr(uint8_t *p, const char *s)
{
	struct hs_addr a;

	CU_ASSERT_FATAL(hs_addr_parse(s, &a) == 0);
	memcpy(p, a.bytes, a.family == AF_INET ? 4 : 16);
}

/*
 * An IPv4 packet: opt_words 32-bit words of options, frag the fragment
 * offset (8-byte units). The first four L4 bytes are sport and dport
 * whatever the protocol (for ICMP: type, code, checksum).
 */
static struct rte_mbuf *
pkt4x(const char *src, const char *dst, uint8_t proto, uint16_t sport, uint16_t dport,
	unsigned int opt_words, uint16_t frag)
{
	uint8_t b[128] = { 0 };
	unsigned int ihl = 20 + 4 * opt_words, len = ihl + 16;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)b;

	ip->version_ihl = (uint8_t)(0x40 | (ihl / 4));
	ip->total_length = rte_cpu_to_be_16((uint16_t)len);
	ip->fragment_offset = rte_cpu_to_be_16(frag);
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	put_addr((uint8_t *)&ip->src_addr, src);
	put_addr((uint8_t *)&ip->dst_addr, dst);
	/* Options that look like ports 443/443, to catch a classifier reading them. */
	for (unsigned int i = 0; i < opt_words; i++) {
		b[20 + 4 * i] = 0x01;
		b[21 + 4 * i] = 0xbb;
		b[22 + 4 * i] = 0x01;
		b[23 + 4 * i] = 0xbb;
	}
	b[ihl] = (uint8_t)(sport >> 8);
	b[ihl + 1] = (uint8_t)sport;
	b[ihl + 2] = (uint8_t)(dport >> 8);
	b[ihl + 3] = (uint8_t)dport;
	return hs_test_mbuf(b, len);
}

static struct rte_mbuf *
pkt4(const char *src, const char *dst, uint8_t proto, uint16_t sport, uint16_t dport)
{
	return pkt4x(src, dst, proto, sport, dport, 0, 0);
}

static struct rte_mbuf *
pkt6(const char *src, const char *dst, uint8_t proto, uint16_t sport, uint16_t dport)
{
	uint8_t b[80] = { 0 };
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)b;

	ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip6->payload_len = rte_cpu_to_be_16(16);
	ip6->proto = proto;
	ip6->hop_limits = 64;
	put_addr(ip6->src_addr, src);
	put_addr(ip6->dst_addr, dst);
	b[40] = (uint8_t)(sport >> 8);
	b[41] = (uint8_t)sport;
	b[42] = (uint8_t)(dport >> 8);
	b[43] = (uint8_t)dport;
	return hs_test_mbuf(b, 56);
}

/* Classify one packet (and free it). */
static uint32_t
cls1(const struct hs_tables *t, bool outbound, struct rte_mbuf *m)
{
	uint32_t res = 12345;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	hs_classify_burst(t, outbound, &m, &res, 1);
	rte_pktmbuf_free(m);
	return res;
}

/* ---- configs ---- */

static struct hs_config *
load_file(const char *path)
{
	struct hs_config_errors errs;
	struct hs_config *cfg = hs_config_load(path, &errs);

	if (cfg == NULL)
		hs_config_errors_print(&errs, stderr);
	return cfg;
}

static struct hs_config *
load_text(const char *text)
{
	struct hs_config_errors errs;
	struct hs_config *cfg = hs_config_load_buf("t.yaml", text, strlen(text), NULL, &errs);

	if (cfg == NULL)
		hs_config_errors_print(&errs, stderr);
	return cfg;
}

#define CFG_HEAD                                                                                   \
	"interfaces:\n"                                                                            \
	"  - {name: out, port: net_null0, role: outside, ipv4: 10.255.1.2/16}\n"                   \
	"transform-sets:\n"                                                                        \
	"  TS: {esp: [esp-gcm 128]}\n"

/*
 * Two entries: seq 10 (deny before permit, a TCP port line) and seq 20 (a
 * wider line that seq 10 shadows, UDP ports, IPv6, a family-any TCP line).
 */
static const char multi_yaml[] = CFG_HEAD
	"access-lists:\n"
	"  A:\n"
	"    - {action: deny, source: 10.1.1.0/24, destination: 10.2.0.0/16}\n"
	"    - {action: permit, source: 10.1.0.0/16, destination: 10.2.0.0/16}\n"
	"    - {action: permit, protocol: tcp, source: 10.5.0.0/16, destination-port: 443}\n"
	"  B:\n"
	"    - {action: permit, source: any4, destination: 10.2.0.0/16}\n"
	"    - {action: permit, protocol: udp, source: 10.6.0.0/16, source-port: 1000-2000,"
	" destination: 10.7.0.0/16, destination-port: 53}\n"
	"    - {action: permit, source: 2001:db8:1::/48, destination: 2001:db8:2::/48}\n"
	"    - {action: permit, protocol: tcp, destination-port: 22}\n"
	"crypto-maps:\n"
	"  M:\n"
	"    interface: out\n"
	"    entries:\n"
	"      - {seq: 20, match-address: B, peer: 10.255.3.3, transform-sets: TS}\n"
	"      - {seq: 10, match-address: A, peer: 10.255.2.2, transform-sets: TS}\n";

/* ---- classify suite ---- */

static struct hs_tables *
build(struct hs_config *cfg)
{
	char err[256] = "";
	struct hs_tables *t;

	dp.cfg = cfg;
	t = hs_tables_build(&dp, err, sizeof(err));
	if (t == NULL)
		fprintf(stderr, "hs_tables_build: %s\n", err);
	return t;
}

static void
test_site1_policies(void)
{
	struct hs_config *cfg = load_file(SITE1);
	struct hs_tables *t;

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	t = build(cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(t->n_policies, 2);
	CU_ASSERT_EQUAL(t->policies[0].index, 0);
	CU_ASSERT_EQUAL(t->policies[0].line_no, 1);
	CU_ASSERT_EQUAL(t->policies[1].line_no, 2);
	CU_ASSERT(t->policies[0].permit && t->policies[1].permit);
	CU_ASSERT_STRING_EQUAL(t->policies[0].map->name, "outside_map");
	CU_ASSERT_EQUAL(t->policies[1].entry->seq, 1);
	CU_ASSERT_PTR_NOT_NULL(t->acl4_out);
	CU_ASSERT_PTR_NOT_NULL(t->acl4_in);
	CU_ASSERT_PTR_NULL(t->acl6_out); /* no IPv6 line */
	CU_ASSERT_PTR_NULL(t->acl6_in);
	CU_ASSERT(t->generation >= 1);

	/* YELLOW -> PURPLE: line 1; BLUE -> PURPLE: line 2; anything else: none. */
	CU_ASSERT_EQUAL(cls1(t, true, pkt4("192.168.100.5", "172.16.10.7", 1, 0, 0)), 0);
	CU_ASSERT_EQUAL(cls1(t, true, pkt4("192.168.100.5", "172.16.10.7", 17, 5, 53)), 0);
	CU_ASSERT_EQUAL(cls1(t, true, pkt4("192.168.200.9", "172.16.10.1", 6, 999, 80)), 1);
	CU_ASSERT_EQUAL(cls1(t, true, pkt4("192.168.100.5", "8.8.8.8", 1, 0, 0)), NONE);
	CU_ASSERT_EQUAL(cls1(t, true, pkt4("172.16.10.7", "192.168.100.5", 1, 0, 0)), NONE);
	CU_ASSERT_EQUAL(cls1(t, true, pkt6("2001:db8::1", "2001:db8::2", 58, 0, 0)), NONE);
	/* Inbound: PURPLE -> YELLOW in clear is what line 1 protects. */
	CU_ASSERT_EQUAL(cls1(t, false, pkt4("172.16.10.7", "192.168.100.5", 1, 0, 0)), 0);
	CU_ASSERT_EQUAL(cls1(t, false, pkt4("172.16.10.7", "192.168.200.5", 6, 1, 2)), 1);
	CU_ASSERT_EQUAL(cls1(t, false, pkt4("192.168.100.5", "172.16.10.7", 1, 0, 0)), NONE);
	CU_ASSERT_EQUAL(cls1(t, false, pkt4("172.16.10.7", "10.255.1.2", 17, 500, 500)), NONE);
	hs_tables_free(t);
	hs_config_free(cfg);
	dp.cfg = NULL;
}

static void
test_first_match(void)
{
	struct hs_config *cfg = load_text(multi_yaml);
	struct hs_tables *t;

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	t = build(cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	/* Entries by seq: 10 (A: 0..2) before 20 (B: 3..6). */
	CU_ASSERT_EQUAL_FATAL(t->n_policies, 7);
	CU_ASSERT_EQUAL(t->policies[0].entry->seq, 10);
	CU_ASSERT_EQUAL(t->policies[3].entry->seq, 20);
	CU_ASSERT_FALSE(t->policies[0].permit);
	CU_ASSERT_PTR_NOT_NULL(t->acl6_out);

	/* The deny line decides for its subnet, before the permit and before seq 20. */
	CU_ASSERT_EQUAL(cls1(t, true, pkt4("10.1.1.5", "10.2.3.4", 1, 0, 0)), 0);
	CU_ASSERT_EQUAL(cls1(t, true, pkt4("10.1.2.5", "10.2.3.4", 1, 0, 0)), 1);
	CU_ASSERT_EQUAL(cls1(t, true, pkt4("10.9.9.9", "10.2.3.4", 1, 0, 0)), 3);
	/* Inbound, reversed; a deny line answers too (the caller keeps it in clear). */
	CU_ASSERT_EQUAL(cls1(t, false, pkt4("10.2.3.4", "10.1.1.5", 1, 0, 0)), 0);
	CU_ASSERT_EQUAL(cls1(t, false, pkt4("10.2.3.4", "10.1.2.5", 1, 0, 0)), 1);
	CU_ASSERT_EQUAL(cls1(t, false, pkt4("10.2.3.4", "10.9.9.9", 1, 0, 0)), 3);
	hs_tables_free(t);
	hs_config_free(cfg);
	dp.cfg = NULL;
}

static void
test_ports(void)
{
	struct hs_config *cfg = load_text(multi_yaml);
	struct hs_tables *t;

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	t = build(cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(cls1(t, true, pkt4("10.5.1.1", "1.2.3.4", 6, 1234, 443)), 2);
	CU_ASSERT_EQUAL(cls1(t, true, pkt4("10.5.1.1", "1.2.3.4", 6, 1234, 80)), NONE);
	CU_ASSERT_EQUAL(cls1(t, true, pkt4("10.5.1.1", "1.2.3.4", 17, 1234, 443)), NONE);
	/* ICMP whose checksum sits where a TCP destination port would: 443. */
	CU_ASSERT_EQUAL(cls1(t, true, pkt4("10.5.1.1", "1.2.3.4", 1, 0x0800, 443)), NONE);
	/* IPv4 options: the ports are after them (the options read as 443/443). */
	CU_ASSERT_EQUAL(cls1(t, true, pkt4x("10.5.1.1", "1.2.3.4", 6, 1234, 443, 2, 0)), 2);
	CU_ASSERT_EQUAL(cls1(t, true, pkt4x("10.5.1.1", "1.2.3.4", 6, 1234, 80, 1, 0)), NONE);
	/* A non-initial fragment has no ports: only port-less lines match it. */
	CU_ASSERT_EQUAL(cls1(t, true, pkt4x("10.5.1.1", "1.2.3.4", 6, 1234, 443, 0, 100)), NONE);
	CU_ASSERT_EQUAL(cls1(t, true, pkt4x("10.1.2.5", "10.2.3.4", 6, 1, 2, 0, 100)), 1);
	/* UDP source and destination ranges. */
	CU_ASSERT_EQUAL(cls1(t, true, pkt4("10.6.1.1", "10.7.0.1", 17, 1500, 53)), 4);
	CU_ASSERT_EQUAL(cls1(t, true, pkt4("10.6.1.1", "10.7.0.1", 17, 1000, 53)), 4);
	CU_ASSERT_EQUAL(cls1(t, true, pkt4("10.6.1.1", "10.7.0.1", 17, 999, 53)), NONE);
	CU_ASSERT_EQUAL(cls1(t, true, pkt4("10.6.1.1", "10.7.0.1", 17, 2001, 53)), NONE);
	CU_ASSERT_EQUAL(cls1(t, true, pkt4("10.6.1.1", "10.7.0.1", 17, 1500, 54)), NONE);
	/* Inbound swaps the ports too. */
	CU_ASSERT_EQUAL(cls1(t, false, pkt4("10.7.0.1", "10.6.1.1", 17, 53, 1500)), 4);
	CU_ASSERT_EQUAL(cls1(t, false, pkt4("10.7.0.1", "10.6.1.1", 17, 1500, 53)), NONE);
	/* "any" line with a port: in both families. */
	CU_ASSERT_EQUAL(cls1(t, true, pkt4("1.1.1.1", "2.2.2.2", 6, 40000, 22)), 6);
	CU_ASSERT_EQUAL(cls1(t, true, pkt6("2001:db8:9::1", "2001:db8:8::1", 6, 40000, 22)), 6);
	CU_ASSERT_EQUAL(cls1(t, true, pkt6("2001:db8:9::1", "2001:db8:8::1", 17, 40000, 22)),
		NONE);
	hs_tables_free(t);
	hs_config_free(cfg);
	dp.cfg = NULL;
}

static void
test_ipv6_and_bursts(void)
{
	struct hs_config *cfg = load_text(multi_yaml);
	struct rte_mbuf *pkts[40];
	uint32_t res[40], want[40];
	struct hs_tables *t;
	uint8_t junk[32] = { 0 };

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	t = build(cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(cls1(t, true, pkt6("2001:db8:1::5", "2001:db8:2::9", 58, 0, 0)), 5);
	CU_ASSERT_EQUAL(cls1(t, true, pkt6("2001:db8:1::5", "2001:db8:3::9", 58, 0, 0)), NONE);
	CU_ASSERT_EQUAL(cls1(t, false, pkt6("2001:db8:2::9", "2001:db8:1::5", 58, 0, 0)), 5);
	CU_ASSERT_EQUAL(cls1(t, true, hs_test_mbuf(junk, sizeof(junk))), NONE); /* version 0 */
	CU_ASSERT_EQUAL(cls1(t, true, hs_test_mbuf(junk, 1)), NONE);

	/* 40 packets (more than a burst), families mixed, a chained one. */
	for (int i = 0; i < 40; i++) {
		switch (i % 4) {
		case 0:
			pkts[i] = pkt4("10.1.2.5", "10.2.3.4", 1, 0, 0), want[i] = 1;
			break;
		case 1:
			pkts[i] = pkt6("2001:db8:1::5", "2001:db8:2::9", 17, 1, 2), want[i] = 5;
			break;
		case 2:
			pkts[i] = pkt4("10.9.9.9", "10.8.0.1", 1, 0, 0), want[i] = NONE;
			break;
		default:
			pkts[i] = pkt6("2001:db8:1::5", "2001:db8:9::9", 6, 1, 22), want[i] = 6;
			break;
		}
		CU_ASSERT_PTR_NOT_NULL_FATAL(pkts[i]);
	}
	rte_pktmbuf_free(pkts[39]);
	{
		uint8_t b[64];
		struct rte_mbuf *m = pkt6("2001:db8:1::5", "2001:db8:9::9", 6, 1, 22);
		uint32_t len = hs_test_mbuf_bytes(m, b, sizeof(b));

		rte_pktmbuf_free(m);
		pkts[39] = hs_test_mbuf_chain(b, len, 10); /* header split over 10-byte segments */
		CU_ASSERT_PTR_NOT_NULL_FATAL(pkts[39]);
	}
	hs_classify_burst(t, true, pkts, res, 40);
	for (int i = 0; i < 40; i++) {
		if (res[i] != want[i])
			fprintf(stderr, "packet %d: got %u, want %u\n", i, res[i], want[i]);
		CU_ASSERT_EQUAL(res[i], want[i]);
		rte_pktmbuf_free(pkts[i]);
	}
	hs_tables_free(t);
	hs_config_free(cfg);
	dp.cfg = NULL;
}

/* 10,000 lines (the benchmark's size): builds, and the first match still wins. */
static void
test_ten_thousand(void)
{
	size_t cap = 4u << 20, o = 0;
	char *y = malloc(cap);
	struct hs_config *cfg;
	struct hs_tables *t;
	struct timespec a, b;
	char src[32], dst[32];

	CU_ASSERT_PTR_NOT_NULL_FATAL(y);
	o += (size_t)snprintf(y + o, cap - o, "%saccess-lists:\n  BIG:\n", CFG_HEAD);
	for (int i = 0; i < 10000; i++)
		o += (size_t)snprintf(y + o, cap - o,
			"    - {action: permit, source: 10.%d.%d.0/24,"
			" destination: 172.%d.%d.0/24}\n",
			i / 256, i % 256, 16 + i % 16, i / 16 % 256);
	o += (size_t)snprintf(y + o, cap - o,
		"crypto-maps:\n  M:\n    interface: out\n    entries:\n"
		"      - {seq: 1, match-address: BIG, peer: 10.255.2.2, transform-sets: TS}\n");
	cfg = load_text(y);
	free(y);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	clock_gettime(CLOCK_MONOTONIC, &a);
	t = build(cfg);
	clock_gettime(CLOCK_MONOTONIC, &b);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	printf("\n    10,000 lines: 4 contexts built in %.2f s ",
		(double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9);
	CU_ASSERT_EQUAL(t->n_policies, 10000);
	for (int i = 0; i < 10000; i += 1111) {
		snprintf(src, sizeof(src), "10.%d.%d.7", i / 256, i % 256);
		snprintf(dst, sizeof(dst), "172.%d.%d.9", 16 + i % 16, i / 16 % 256);
		CU_ASSERT_EQUAL(cls1(t, true, pkt4(src, dst, 6, 1, 2)), (uint32_t)i);
		CU_ASSERT_EQUAL(cls1(t, false, pkt4(dst, src, 6, 1, 2)), (uint32_t)i);
	}
	CU_ASSERT_EQUAL(cls1(t, true, pkt4("10.0.0.7", "172.17.0.9", 6, 1, 2)), NONE);
	hs_tables_free(t);
	hs_config_free(cfg);
	dp.cfg = NULL;
}

static void
test_too_many_and_empty(void)
{
	static const char no_maps[] = CFG_HEAD;
	struct hs_config *cfg = load_text(no_maps);
	struct hs_tables *t;
	char err[128] = "";

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	t = build(cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(t->n_policies, 0);
	CU_ASSERT_EQUAL(cls1(t, true, pkt4("10.1.2.5", "10.2.3.4", 1, 0, 0)), NONE);
	hs_tables_free(t);
	hs_config_free(cfg);
	dp.cfg = NULL;
	CU_ASSERT_PTR_NULL(hs_tables_build(&dp, err, sizeof(err)));
	CU_ASSERT_STRING_EQUAL(err, "no configuration");
	CU_ASSERT_EQUAL(cls1(NULL, true, pkt4("10.1.2.5", "10.2.3.4", 1, 0, 0)), NONE);
}

/* ---- SAD suite ---- */

static int
sad_init(void)
{
	size_t sz = rte_rcu_qsbr_get_memsize(2);
	char err[256];

	if (hs_test_eal_pool() == NULL || hs_esp_ctx_init(&dp.main_esp) != 0)
		return -1;
	dp.cfg = load_file(SITE1);
	dp.n_workers = 2;
	dp.tsc_hz = rte_get_tsc_hz();
	dp.qsbr = rte_zmalloc(NULL, sz, RTE_CACHE_LINE_SIZE);
	if (dp.cfg == NULL || dp.qsbr == NULL || rte_rcu_qsbr_init(dp.qsbr, 2) != 0)
		return -1;
	atomic_store(&dp.tables, hs_tables_build(&dp, err, sizeof(err)));
	if (atomic_load(&dp.tables) == NULL)
		return -1;
	return hs_sad_create(&dp) == 0 ? 0 : -1;
}

static int
sad_fini(void)
{
	hs_sad_free(&dp);
	hs_tables_free(atomic_load(&dp.tables));
	atomic_store(&dp.tables, NULL);
	hs_config_free(dp.cfg);
	dp.cfg = NULL;
	rte_free(dp.qsbr);
	dp.qsbr = NULL;
	hs_esp_ctx_fini(&dp.main_esp);
	return 0;
}

static void
params(struct hs_sa_params *p, enum hs_sa_dir dir, uint32_t spi)
{
	memset(p, 0, sizeof(*p));
	p->spi = spi;
	p->dir = dir;
	p->cipher = HS_CIPHER_AES_CBC_256;
	p->integ = HS_INTEG_HMAC_SHA256_128;
	p->enc_key_len = 32;
	p->auth_key_len = 32;
	memset(p->enc_key, 0x5a, 32);
	memset(p->auth_key, 0xa5, 32);
	hs_addr_parse(dir == HS_SA_OUT ? "10.255.1.2" : "10.255.2.2", &p->tun_src);
	hs_addr_parse(dir == HS_SA_OUT ? "10.255.2.2" : "10.255.1.2", &p->tun_dst);
	p->replay_window = 64;
}

/* An ADD for site1's outside_map seq 1: line 1 (YELLOW) unless told otherwise. */
static struct hs_msg_sa *
msg_add(enum hs_msg_type type, uint32_t line, uint32_t spi_in, uint32_t spi_out)
{
	static struct hs_msg_sa m;

	memset(&m, 0, sizeof(m));
	hs_msg_init(&m.hdr, type, sizeof(m), 42);
	snprintf(m.map, sizeof(m.map), "outside_map");
	m.seq = 1;
	m.acl_line = line;
	hs_addr_parse("10.255.2.2", &m.peer);
	if (line != 0) {
		hs_prefix_parse(line == 1 ? "192.168.100.0/24" : "192.168.200.0/24",
			&m.ts[0].local);
		hs_prefix_parse("172.16.10.0/24", &m.ts[0].remote);
		m.ts[0].lport_hi = m.ts[0].rport_hi = 65535;
		m.n_ts = 1;
	}
	m.has_in = spi_in != 0;
	m.has_out = spi_out != 0;
	params(&m.in, HS_SA_IN, spi_in);
	params(&m.out, HS_SA_OUT, spi_out);
	return &m;
}

static struct hs_msg_sa *
msg_del(uint32_t spi, enum hs_sa_dir dir)
{
	struct hs_msg_sa *m = msg_add(HS_MSG_SA_DEL, 1, 0, 0);

	m->del_spi = spi;
	m->del_dir = (uint8_t)dir;
	return m;
}

static int
apply(struct hs_msg_sa *m, char *err, size_t errlen)
{
	int rc = hs_sad_apply(&dp, m, err, errlen);

	explicit_bzero(&m->in, sizeof(m->in));
	explicit_bzero(&m->out, sizeof(m->out));
	return rc;
}

static int
apply_ok(struct hs_msg_sa *m)
{
	char err[128] = "";
	int rc = apply(m, err, sizeof(err));

	if (rc != 0)
		fprintf(stderr, "hs_sad_apply: %d %s\n", rc, err);
	return rc;
}

static void
flush_all(void)
{
	CU_ASSERT_EQUAL(apply_ok(msg_add(HS_MSG_SA_FLUSH, 1, 0, 0)), 0);
	hs_sad_housekeeping(&dp, rte_rdtsc());
	CU_ASSERT_EQUAL(dp.sad->n_used, 0);
}

static void
count_cb(const struct hs_sa *sa, const struct hs_sad_info *info, void *arg)
{
	(void)sa;
	(void)info;
	(*(unsigned int *)arg)++;
}

static unsigned int
n_live(void)
{
	unsigned int n = 0;

	hs_sad_walk(&dp, count_cb, &n);
	return n;
}

static void
test_sad_add_lookup(void)
{
	struct hs_sa *in, *out;

	CU_ASSERT_EQUAL_FATAL(apply_ok(msg_add(HS_MSG_SA_ADD, 1, 0x2001, 0x1001)), 0);
	in = hs_sad_in(&dp, 0x2001);
	out = hs_sad_out(&dp, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(in);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	CU_ASSERT_EQUAL(in->rt.spi, 0x2001);
	CU_ASSERT_EQUAL(in->rt.dir, HS_SA_IN);
	CU_ASSERT_EQUAL(out->rt.spi, 0x1001);
	CU_ASSERT_PTR_NULL(hs_sad_out(&dp, 1));
	CU_ASSERT_PTR_NULL(hs_sad_out(&dp, HS_POLICIES_MAX));
	CU_ASSERT_PTR_NULL(hs_sad_in(&dp, 0x1001)); /* outbound SPIs are not in the SPI table */
	CU_ASSERT_PTR_NULL(hs_sad_in(&dp, 0x2002));
	CU_ASSERT(hs_sad_owner(&dp, in) < 2);
	CU_ASSERT(hs_sad_owner(&dp, out) < 2);
	CU_ASSERT_EQUAL(n_live(), 2);

	/* Line 2, then everything gone with a flush. */
	CU_ASSERT_EQUAL(apply_ok(msg_add(HS_MSG_SA_ADD, 2, 0x2002, 0x1002)), 0);
	CU_ASSERT_EQUAL(hs_sad_out(&dp, 1)->rt.spi, 0x1002);
	CU_ASSERT_EQUAL(hs_sad_out(&dp, 0)->rt.spi, 0x1001);
	CU_ASSERT_EQUAL(n_live(), 4);
	flush_all();
	CU_ASSERT_PTR_NULL(hs_sad_in(&dp, 0x2001));
	CU_ASSERT_PTR_NULL(hs_sad_out(&dp, 0));
	CU_ASSERT_PTR_NULL(hs_sad_out(&dp, 1));
	CU_ASSERT_EQUAL(n_live(), 0);
}

/* IKEv2: acl_line 0 covers every permit line with one pair. */
static void
test_sad_whole_entry(void)
{
	CU_ASSERT_EQUAL_FATAL(apply_ok(msg_add(HS_MSG_SA_ADD, 0, 0x3001, 0x4001)), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(hs_sad_out(&dp, 0));
	CU_ASSERT_PTR_EQUAL(hs_sad_out(&dp, 0), hs_sad_out(&dp, 1));
	/* A per-line SA then takes line 2 only; the pair stays on line 1. */
	CU_ASSERT_EQUAL(apply_ok(msg_add(HS_MSG_SA_ADD, 2, 0x3002, 0x4002)), 0);
	CU_ASSERT_EQUAL(hs_sad_out(&dp, 0)->rt.spi, 0x4001);
	CU_ASSERT_EQUAL(hs_sad_out(&dp, 1)->rt.spi, 0x4002);
	/* And line 1 too: 0x4001 has no policy left and is retired. */
	CU_ASSERT_EQUAL(apply_ok(msg_add(HS_MSG_SA_ADD, 1, 0x3003, 0x4003)), 0);
	CU_ASSERT_EQUAL(hs_sad_out(&dp, 0)->rt.spi, 0x4003);
	CU_ASSERT_EQUAL(n_live(), 5); /* 3 inbound, 2 outbound */
	flush_all();
}

static void
expect_refused(struct hs_msg_sa *m, int want_rc, const char *want_text)
{
	char err[128] = "";
	unsigned int before = n_live();
	int rc = apply(m, err, sizeof(err));

	CU_ASSERT_EQUAL(rc, want_rc);
	if (strstr(err, want_text) == NULL) {
		fprintf(stderr, "error '%s' lacks '%s'\n", err, want_text);
		CU_FAIL("error text");
	}
	CU_ASSERT_EQUAL(n_live(), before);
}

static void
test_sad_refused(void)
{
	struct hs_msg_sa *m;

	CU_ASSERT_EQUAL_FATAL(apply_ok(msg_add(HS_MSG_SA_ADD, 1, 0x2001, 0x1001)), 0);
	m = msg_add(HS_MSG_SA_ADD, 2, 0x2002, 0x1002);
	m->hdr.version = HS_MSG_VERSION + 1;
	expect_refused(m, -EPROTO, "version");
	m = msg_add(HS_MSG_SA_ADD, 2, 0x2002, 0x1002);
	m->hdr.len = 12;
	expect_refused(m, -EPROTO, "length");
	m = msg_add(HS_MSG_SA_ADD, 2, 0x2002, 0x1002);
	snprintf(m->map, sizeof(m->map), "no_such_map");
	expect_refused(m, -ENOENT, "unknown crypto map 'no_such_map'");
	m = msg_add(HS_MSG_SA_ADD, 2, 0x2002, 0x1002);
	m->seq = 7;
	expect_refused(m, -ENOENT, "no entry with seq 7");
	m = msg_add(HS_MSG_SA_ADD, 3, 0x2002, 0x1002);
	expect_refused(m, -EINVAL, "no line 3");
	m = msg_add(HS_MSG_SA_ADD, 2, 0x2001, 0x1002);
	expect_refused(m, -EEXIST, "0x00002001 is already in use");
	m = msg_add(HS_MSG_SA_ADD, 2, 0x2002, 0x1002);
	m->out.enc_key_len = 17;
	expect_refused(m, -EINVAL, "outbound SA 0x00001002: encryption key length");
	m = msg_add(HS_MSG_SA_ADD, 2, 0x2002, 0x1002);
	m->in.spi = 5;
	expect_refused(m, -EINVAL, "reserved");
	m = msg_add(HS_MSG_SA_ADD, 2, 0x2002, 0x1002);
	m->in.dir = HS_SA_OUT;
	expect_refused(m, -EINVAL, "direction");
	m = msg_add(HS_MSG_SA_ADD, 2, 0x2002, 0x1002);
	m->lifetime_soft_sec = 100;
	m->lifetime_hard_sec = 50;
	expect_refused(m, -EINVAL, "soft lifetime");
	m = msg_add(HS_MSG_SA_ADD, 2, 0x2002, 0x1002);
	m->n_ts = HS_MSG_TS_MAX + 1;
	expect_refused(m, -EINVAL, "traffic selectors");
	m = msg_add(HS_MSG_SA_ADD, 2, 0x2002, 0x1002);
	m->ts[0].rport_lo = 10;
	m->ts[0].rport_hi = 9;
	expect_refused(m, -EINVAL, "port range");
	m = msg_add(HS_MSG_SA_ADD, 2, 0, 0);
	expect_refused(m, -EINVAL, "neither");
	m = msg_add(HS_MSG_ACK, 2, 0x2002, 0x1002);
	m->hdr.len = sizeof(struct hs_msg_ack);
	expect_refused(m, -EPROTO, "not an SA message");
	expect_refused(msg_del(0x9999, HS_SA_IN), -ENOENT, "no inbound SA with SPI 0x00009999");
	expect_refused(msg_del(0x9999, HS_SA_OUT), -ENOENT, "no outbound SA");
	expect_refused(msg_del(0x2001, 7), -EINVAL, "direction");
	/* Still intact. */
	CU_ASSERT_PTR_NOT_NULL(hs_sad_in(&dp, 0x2001));
	CU_ASSERT_PTR_NULL(hs_sad_in(&dp, 0x2002));
	CU_ASSERT_PTR_NULL(hs_sad_out(&dp, 1));
	flush_all();
}

static void
test_sad_replace_delete(void)
{
	struct hs_msg_sa *m;
	struct hs_sa *old_in;

	CU_ASSERT_EQUAL_FATAL(apply_ok(msg_add(HS_MSG_SA_ADD, 1, 0x2001, 0x1001)), 0);
	old_in = hs_sad_in(&dp, 0x2001);
	m = msg_add(HS_MSG_SA_REPLACE, 1, 0x2011, 0x1011);
	m->del_spi = 0x1001;
	CU_ASSERT_EQUAL_FATAL(apply_ok(m), 0);
	/* New outbound in place; old inbound kept for packets in flight; both inbound found. */
	CU_ASSERT_EQUAL(hs_sad_out(&dp, 0)->rt.spi, 0x1011);
	CU_ASSERT_PTR_EQUAL(hs_sad_in(&dp, 0x2001), old_in);
	CU_ASSERT_EQUAL(hs_sad_in(&dp, 0x2011)->rt.spi, 0x2011);
	CU_ASSERT_EQUAL(n_live(), 3);
	expect_refused(msg_del(0x1001, HS_SA_OUT), -ENOENT, "no outbound SA");
	/* Delete the old inbound, then the new outbound. */
	CU_ASSERT_EQUAL(apply_ok(msg_del(0x2001, HS_SA_IN)), 0);
	CU_ASSERT_PTR_NULL(hs_sad_in(&dp, 0x2001));
	CU_ASSERT_PTR_NOT_NULL(hs_sad_in(&dp, 0x2011));
	CU_ASSERT_EQUAL(apply_ok(msg_del(0x1011, HS_SA_OUT)), 0);
	CU_ASSERT_PTR_NULL(hs_sad_out(&dp, 0));
	CU_ASSERT_EQUAL(n_live(), 1);
	/* The deleted SPI can be used again once freed. */
	hs_sad_housekeeping(&dp, rte_rdtsc());
	CU_ASSERT_EQUAL(apply_ok(msg_add(HS_MSG_SA_ADD, 1, 0x2001, 0x1001)), 0);
	CU_ASSERT_PTR_NOT_NULL(hs_sad_in(&dp, 0x2001));
	flush_all();
}

/* Retired SAs are freed only after every worker passed a quiescent state. */
static void
test_sad_grace(void)
{
	uint32_t used;

	CU_ASSERT_EQUAL_FATAL(rte_rcu_qsbr_thread_register(dp.qsbr, 1), 0);
	rte_rcu_qsbr_thread_online(dp.qsbr, 1);
	CU_ASSERT_EQUAL_FATAL(apply_ok(msg_add(HS_MSG_SA_ADD, 1, 0x2001, 0x1001)), 0);
	used = dp.sad->n_used;
	CU_ASSERT_EQUAL(apply_ok(msg_del(0x2001, HS_SA_IN)), 0);
	CU_ASSERT_PTR_NULL(hs_sad_in(&dp, 0x2001));
	hs_sad_housekeeping(&dp, rte_rdtsc());
	CU_ASSERT_EQUAL(dp.sad->n_used, used); /* worker 1 may still hold it */
	CU_ASSERT_NOT_EQUAL(dp.sad->dq_head, HS_SAD_NIL);
	rte_rcu_qsbr_quiescent(dp.qsbr, 1);
	hs_sad_housekeeping(&dp, rte_rdtsc());
	CU_ASSERT_EQUAL(dp.sad->n_used, used - 1);
	CU_ASSERT_EQUAL(dp.sad->dq_head, HS_SAD_NIL);
	rte_rcu_qsbr_thread_offline(dp.qsbr, 1);
	rte_rcu_qsbr_thread_unregister(dp.qsbr, 1);
	flush_all();
}

static void
test_sad_lifetimes(void)
{
	uint64_t hz = dp.tsc_hz, now;
	struct hs_msg_sa *m = msg_add(HS_MSG_SA_ADD, 1, 0x2001, 0x1001);

	m->lifetime_soft_sec = 10;
	m->lifetime_hard_sec = 20;
	n_events = 0;
	CU_ASSERT_EQUAL_FATAL(apply_ok(m), 0);
	now = rte_rdtsc();
	hs_sad_housekeeping(&dp, now + 5 * hz);
	CU_ASSERT_EQUAL(n_events, 0);
	/* Soft: one event per SA; not again; a refused event is sent on the next scan. */
	events_refuse = true;
	hs_sad_housekeeping(&dp, now + 11 * hz);
	CU_ASSERT_EQUAL(n_events, 0);
	events_refuse = false;
	hs_sad_housekeeping(&dp, now + 12 * hz);
	CU_ASSERT_EQUAL_FATAL(n_events, 2);
	for (unsigned int i = 0; i < 2; i++) {
		CU_ASSERT_EQUAL(events[i].kind, HS_SA_EV_SOFT_LIMIT);
		CU_ASSERT_EQUAL(events[i].hdr.type, HS_MSG_EVENT);
		CU_ASSERT_EQUAL(events[i].spi, events[i].dir == HS_SA_IN ? 0x2001u : 0x1001u);
	}
	hs_sad_housekeeping(&dp, now + 13 * hz);
	CU_ASSERT_EQUAL(n_events, 2);
	CU_ASSERT_EQUAL(hs_sad_in(&dp, 0x2001)->rt.state, HS_SA_ACTIVE);
	/* Hard: an event each, and both gone. */
	hs_sad_housekeeping(&dp, now + 21 * hz);
	CU_ASSERT_EQUAL_FATAL(n_events, 4);
	CU_ASSERT_EQUAL(events[2].kind, HS_SA_EV_HARD_LIMIT);
	CU_ASSERT_EQUAL(events[3].kind, HS_SA_EV_HARD_LIMIT);
	CU_ASSERT_PTR_NULL(hs_sad_in(&dp, 0x2001));
	CU_ASSERT_PTR_NULL(hs_sad_out(&dp, 0));
	CU_ASSERT_EQUAL(n_live(), 0);

	/* A volume hard limit the owner found (state EXPIRED) is removed too. */
	CU_ASSERT_EQUAL_FATAL(apply_ok(msg_add(HS_MSG_SA_ADD, 1, 0x2005, 0x1005)), 0);
	CU_ASSERT_EQUAL(hs_sa_set_state(hs_sad_in(&dp, 0x2005), HS_SA_EXPIRED), 0);
	hs_sad_housekeeping(&dp, now + 40 * hz);
	CU_ASSERT_PTR_NULL(hs_sad_in(&dp, 0x2005));
	CU_ASSERT_PTR_NOT_NULL(hs_sad_out(&dp, 0));
	flush_all();
}

static bool
sel_ok(struct hs_sa *sa, struct rte_mbuf *m)
{
	bool ok;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	ok = hs_sad_selector_ok(&dp, sa, m);
	rte_pktmbuf_free(m);
	return ok;
}

static void
test_sad_selectors(void)
{
	struct hs_msg_sa *m;
	struct hs_sa *in;

	CU_ASSERT_EQUAL_FATAL(apply_ok(msg_add(HS_MSG_SA_ADD, 1, 0x2001, 0x1001)), 0);
	in = hs_sad_in(&dp, 0x2001);
	CU_ASSERT_PTR_NOT_NULL_FATAL(in);
	CU_ASSERT(sel_ok(in, pkt4("172.16.10.5", "192.168.100.7", 1, 0, 0)));
	CU_ASSERT_FALSE(sel_ok(in, pkt4("172.16.10.5", "192.168.200.7", 1, 0, 0)));
	CU_ASSERT_FALSE(sel_ok(in, pkt4("10.0.0.1", "192.168.100.7", 1, 0, 0)));
	CU_ASSERT_FALSE(sel_ok(in, pkt4("192.168.100.7", "172.16.10.5", 1, 0, 0)));
	CU_ASSERT_FALSE(sel_ok(in, pkt6("2001:db8::1", "2001:db8::2", 58, 0, 0)));
	CU_ASSERT_FALSE(sel_ok(hs_sad_out(&dp, 0), pkt4("172.16.10.5", "192.168.100.7", 1, 0, 0)));

	/* Protocol and ports: TCP from remote port 443 only. */
	m = msg_add(HS_MSG_SA_ADD, 2, 0x2002, 0x1002);
	m->ts[0].proto = IPPROTO_TCP;
	m->ts[0].rport_lo = m->ts[0].rport_hi = 443;
	CU_ASSERT_EQUAL_FATAL(apply_ok(m), 0);
	in = hs_sad_in(&dp, 0x2002);
	CU_ASSERT(sel_ok(in, pkt4("172.16.10.5", "192.168.200.7", 6, 443, 50000)));
	CU_ASSERT_FALSE(sel_ok(in, pkt4("172.16.10.5", "192.168.200.7", 6, 80, 50000)));
	CU_ASSERT_FALSE(sel_ok(in, pkt4("172.16.10.5", "192.168.200.7", 17, 443, 50000)));
	CU_ASSERT_FALSE(sel_ok(in, pkt4x("172.16.10.5", "192.168.200.7", 6, 443, 1, 0, 100)));
	CU_ASSERT(sel_ok(in, pkt4x("172.16.10.5", "192.168.200.7", 6, 443, 1, 3, 0)));

	/* No selectors in the message, acl_line 0: the entry's permit lines. */
	CU_ASSERT_EQUAL_FATAL(apply_ok(msg_add(HS_MSG_SA_ADD, 0, 0x2003, 0x1003)), 0);
	in = hs_sad_in(&dp, 0x2003);
	CU_ASSERT(sel_ok(in, pkt4("172.16.10.5", "192.168.100.7", 1, 0, 0)));
	CU_ASSERT(sel_ok(in, pkt4("172.16.10.5", "192.168.200.7", 6, 1, 2)));
	CU_ASSERT_FALSE(sel_ok(in, pkt4("172.16.11.5", "192.168.200.7", 6, 1, 2)));
	flush_all();
}

static void
info_cb(const struct hs_sa *sa, const struct hs_sad_info *info, void *arg)
{
	struct hs_sad_info *out = arg;

	if (sa->rt.spi == 0x2001)
		*out = *info;
}

static void
test_sad_walk_owner_static(void)
{
	struct hs_msg_sa *m = msg_add(HS_MSG_SA_ADD, 1, 0x2001, 0x1001);
	struct hs_sad_info info;
	struct hs_msg_sa sm;
	static struct hs_sa fake;
	unsigned int per[2] = { 0, 0 };
	char peer[HS_ADDR_STRLEN];

	m->lifetime_hard_sec = 3600;
	CU_ASSERT_EQUAL_FATAL(apply_ok(m), 0);
	memset(&info, 0, sizeof(info));
	hs_sad_walk(&dp, info_cb, &info);
	CU_ASSERT_EQUAL(info.dir, HS_SA_IN);
	CU_ASSERT_STRING_EQUAL(info.map, "outside_map");
	CU_ASSERT_EQUAL(info.seq, 1);
	CU_ASSERT_EQUAL(info.acl_line, 1);
	CU_ASSERT_STRING_EQUAL(hs_addr_format(&info.peer, peer, sizeof(peer)), "10.255.2.2");
	CU_ASSERT_EQUAL(info.owner, hs_sad_owner(&dp, hs_sad_in(&dp, 0x2001)));
	CU_ASSERT_EQUAL(info.lifetime_hard_sec, 3600);
	CU_ASSERT_EQUAL(info.n_ts, 1);
	CU_ASSERT(info.install_tsc != 0);
	flush_all();

	/* Owners spread over the workers. */
	for (uint32_t spi = 0x1000; spi < 0x1100; spi++) {
		fake.rt.spi = spi;
		fake.rt.dir = HS_SA_IN;
		per[hs_sad_owner(&dp, &fake)]++;
	}
	CU_ASSERT(per[0] > 96 && per[1] > 96);

	/* site1's static SAs through the message the rings build for them. */
	for (unsigned int i = 0; i < dp.cfg->n_static_sas; i++) {
		CU_ASSERT_EQUAL_FATAL(hs_msg_sa_from_static(dp.cfg, &dp.cfg->static_sas[i],
			HS_MSG_SA_ADD, HS_MSG_ID_LOCAL | i, &sm), 0);
		CU_ASSERT_EQUAL(apply_ok(&sm), 0);
		explicit_bzero(&sm, sizeof(sm));
	}
	CU_ASSERT_EQUAL(hs_sad_out(&dp, 0)->rt.spi, 0x1001);
	CU_ASSERT_EQUAL(hs_sad_out(&dp, 1)->rt.spi, 0x1002);
	CU_ASSERT_EQUAL(hs_sad_in(&dp, 0x2002)->cfg.cipher, HS_CIPHER_AES_CBC_256);
	flush_all();
}

/* An SA without a crypto map: inbound works, outbound is kept but not used. */
static void
test_sad_no_map(void)
{
	struct hs_msg_sa *m = msg_add(HS_MSG_SA_ADD, 1, 0x2001, 0x1001);
	struct hs_sa *in;

	m->map[0] = '\0';
	m->seq = 0;
	m->acl_line = 0;
	CU_ASSERT_EQUAL_FATAL(apply_ok(m), 0);
	in = hs_sad_in(&dp, 0x2001);
	CU_ASSERT_PTR_NOT_NULL_FATAL(in);
	CU_ASSERT(sel_ok(in, pkt4("172.16.10.5", "192.168.100.7", 1, 0, 0)));
	CU_ASSERT_PTR_NULL(hs_sad_out(&dp, 0));
	CU_ASSERT_EQUAL(n_live(), 2);
	flush_all();
	m = msg_add(HS_MSG_SA_ADD, 1, 0x2001, 0x1001);
	m->map[0] = '\0';
	m->seq = 0;
	m->acl_line = 0;
	m->n_ts = 0;
	expect_refused(m, -EINVAL, "no traffic selectors");
}

int
main(void)
{
	CU_pSuite s;

	if (hs_test_eal_pool() == NULL || CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("classify", NULL, NULL);
	CU_add_test(s, "site1: policies, YELLOW/BLUE -> PURPLE", test_site1_policies);
	CU_add_test(s, "first match across lines and entries, deny", test_first_match);
	CU_add_test(s, "ports, protocols, IPv4 options, fragments", test_ports);
	CU_add_test(s, "IPv6, bursts over 32, chained, junk", test_ipv6_and_bursts);
	CU_add_test(s, "10,000 lines", test_ten_thousand);
	CU_add_test(s, "no crypto maps, no config, no tables", test_too_many_and_empty);
	s = CU_add_suite("sad", sad_init, sad_fini);
	CU_add_test(s, "add, lookups, flush", test_sad_add_lookup);
	CU_add_test(s, "acl_line 0: one pair for the entry", test_sad_whole_entry);
	CU_add_test(s, "bad messages refused with a reason", test_sad_refused);
	CU_add_test(s, "replace (rekey) and delete", test_sad_replace_delete);
	CU_add_test(s, "free after the RCU grace period", test_sad_grace);
	CU_add_test(s, "time lifetimes: soft and hard events", test_sad_lifetimes);
	CU_add_test(s, "inbound selector check", test_sad_selectors);
	CU_add_test(s, "walk, owners, static SAs", test_sad_walk_owner_static);
	CU_add_test(s, "SA without a crypto map", test_sad_no_map);
	return hs_test_run();
}
