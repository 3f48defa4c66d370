/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ESP engine (lib/esp.h), tunnel mode end to end: round trips for every
 * transform and address family, outer header fields, RFC 6040 ECN, ESN
 * across 2^32, chained mbufs, mixed bursts, and every drop reason with exact
 * counters. Packets the engine must refuse after decrypting (bad padding,
 * next header, inner header) are built with OpenSSL (esp_test_pkt.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <rte_mbuf.h>

#include "drop.h"
#include "esp.h"
#include "esp_test_pkt.h"
#include "sa.h"
#include "unit_common.h"

static struct hs_esp_ctx ctx;
static unsigned int pool_start;

/* A matching outbound/inbound SA pair (same SPI and keys). */
struct pair {
	struct hs_sa_params po, pi;
	struct hs_sa *out, *in;
};

static unsigned int
pool_avail(void)
{
	return rte_mempool_avail_count(hs_test_eal_pool());
}

static int
suite_init(void)
{
	if (hs_test_eal_pool() == NULL || hs_esp_ctx_init(&ctx) != 0)
		return -1;
	pool_start = pool_avail();
	return 0;
}

static int
suite_fini(void)
{
	hs_esp_ctx_fini(&ctx);
	return 0;
}

/* Each test starts with empty drop list, counters and events. */
static void
test_setup(void)
{
	hs_esp_drops_free(&ctx);
	memset(ctx.drop_count, 0, sizeof(ctx.drop_count));
	ctx.nb_events = 0;
	ctx.events_lost = 0;
	ctx.now = 0;
}

static void
test_teardown(void)
{
	hs_esp_drops_free(&ctx);
}

static bool
pair_make(struct pair *pr, const struct tp_xform *x, uint32_t spi, bool v6, bool natt, bool esn)
{
	tp_params(&pr->po, HS_SA_OUT, x, spi, v6, spi);
	tp_params(&pr->pi, HS_SA_IN, x, spi, v6, spi);
	pr->po.natt = pr->pi.natt = natt;
	pr->po.esn = pr->pi.esn = esn;
	pr->out = tp_sa(&pr->po, &ctx);
	pr->in = tp_sa(&pr->pi, &ctx);
	return pr->out != NULL && pr->in != NULL;
}

static void
pair_free(struct pair *pr)
{
	hs_sa_destroy(pr->out);
	hs_sa_destroy(pr->in);
	pr->out = pr->in = NULL;
}

static struct rte_mbuf
*mk(const uint8_t *data, uint32_t len, uint32_t seg)
{
	struct rte_mbuf *m = seg ? hs_test_mbuf_chain(data, len, seg) : hs_test_mbuf(data, len);

	CU_ASSERT_PTR_NOT_NULL(m);
	return m;
}

/*
 * One packet through one direction. Returns the good mbuf or NULL; *why is
 * the drop reason or -1. The drop list is checked and emptied.
 */
static struct rte_mbuf
*run1(bool out, struct hs_sa *sa, struct rte_mbuf *m, int *why)
{
	struct rte_mbuf *pk[1] = {m};
	struct hs_sa *ss[1] = {sa};
	uint16_t k;

	*why = -1;
	if (m == NULL)
		return NULL;
	k = out ? hs_esp_out_burst(&ctx, pk, ss, 1) : hs_esp_in_burst(&ctx, pk, ss, 1);
	if (k == 1) {
		CU_ASSERT_EQUAL(ctx.drops.n, 0);
		CU_ASSERT_PTR_EQUAL(pk[0], m);
		CU_ASSERT_PTR_EQUAL(ss[0], sa);
		return pk[0];
	}
	CU_ASSERT_EQUAL(k, 0);
	CU_ASSERT_EQUAL_FATAL(ctx.drops.n, 1);
	CU_ASSERT_PTR_EQUAL(ctx.drops.pkts[0], m);
	*why = ctx.drops.reason[0];
	hs_esp_drops_free(&ctx);
	return NULL;
}

/* Encrypt inner with sa; the outer packet's bytes into pkt, its length returned. */
static uint32_t
encrypt(struct hs_sa *sa, const uint8_t *inner, uint32_t len, uint8_t *pkt)
{
	int why;
	struct rte_mbuf *m = run1(true, sa, mk(inner, len, 0), &why);
	uint32_t n;

	if (m == NULL) {
		fprintf(stderr, "encrypt: dropped %s\n", hs_drop_name((enum hs_drop_reason)why));
		return 0;
	}
	n = hs_test_mbuf_bytes(m, pkt, TP_MAX_PKT);
	rte_pktmbuf_free(m);
	return n;
}

/* Decrypt pkt with sa: the inner bytes into out; returns length, or 0 and *why. */
static uint32_t
decrypt(struct hs_sa *sa, const uint8_t *pkt, uint32_t len, uint8_t *out, int *why)
{
	struct rte_mbuf *m = run1(false, sa, mk(pkt, len, 0), why);
	uint32_t n;

	if (m == NULL)
		return 0;
	n = hs_test_mbuf_bytes(m, out, TP_MAX_PKT);
	rte_pktmbuf_free(m);
	return n;
}

/* The drop of pkt by sa is exactly reason r: drop list, ctx and SA counters. */
static void
expect_drop(struct hs_sa *sa, const uint8_t *pkt, uint32_t len, enum hs_drop_reason r)
{
	uint64_t ctx0[HS_DROP_MAX], sa0[HS_DROP_MAX], pk0 = sa->stats.packets;
	uint8_t out[TP_MAX_PKT];
	int why = -1;

	memcpy(ctx0, ctx.drop_count, sizeof(ctx0));
	memcpy(sa0, sa->stats.errors, sizeof(sa0));
	CU_ASSERT_EQUAL(decrypt(sa, pkt, len, out, &why), 0);
	if (why != (int)r)
		fprintf(stderr, "expected drop %s, got %s\n", hs_drop_name(r),
			why < 0 ? "accepted" : hs_drop_name((enum hs_drop_reason)why));
	CU_ASSERT_EQUAL(why, r);
	for (int i = 0; i < HS_DROP_MAX; i++) {
		CU_ASSERT_EQUAL(ctx.drop_count[i], ctx0[i] + (i == (int)r));
		CU_ASSERT_EQUAL(sa->stats.errors[i], sa0[i] + (i == (int)r));
	}
	CU_ASSERT_EQUAL(sa->stats.packets, pk0);
}

/* A chained packet (2000-byte segments) is dropped as no-room. */
static void
expect_drop_chain(struct hs_sa *sa, const uint8_t *pkt, uint32_t len)
{
	int why;

	CU_ASSERT_PTR_NULL(run1(false, sa, mk(pkt, len, 2000), &why));
	CU_ASSERT_EQUAL(why, HS_DROP_NO_ROOM);
	CU_ASSERT_EQUAL(sa->stats.errors[HS_DROP_NO_ROOM], 1);
}

static uint32_t
pad_for(const struct hs_sa_params *p, uint32_t len)
{
	return tp_pad_len(p, len);
}

/* Everything about an outer packet the engine wrote for inner (seq: expected). */
static void
check_outer(const struct hs_sa_params *po, const struct hs_sa *sa, const uint8_t *pkt, uint32_t len,
	const uint8_t *inner, uint32_t ilen, uint64_t seq)
{
	bool v6 = po->tun_src.family == AF_INET6, gcm = hs_cipher_is_aead(po->cipher);
	bool in4 = (inner[0] >> 4) == 4;
	uint32_t l3 = v6 ? 40 : 20, udp = po->natt ? 8 : 0, esp = l3 + udp;
	uint8_t itos = tp_tos(inner), otos = tp_tos(pkt);
	uint8_t dscp = po->dscp_copy ? (uint8_t)(itos >> 2) : po->dscp;
	uint32_t want_len =
		esp + 8 + (gcm ? 8 : 16) + ilen + pad_for(po, ilen) + 2 + tp_icv_len(po);

	CU_ASSERT_EQUAL(len, want_len);
	CU_ASSERT_EQUAL(otos >> 2, dscp);    /* RFC 4301 §5.1.2.1 */
	CU_ASSERT_EQUAL(otos & 3, itos & 3); /* RFC 6040 §4.1 normal mode */
	if (!v6) {
		bool df = po->df == HS_DF_SET || (po->df == HS_DF_COPY && in4 && (inner[6] & 0x40));

		CU_ASSERT_EQUAL(pkt[0], 0x45);
		CU_ASSERT_EQUAL(tp_be16(pkt + 2), len);
		CU_ASSERT_TRUE(tp_ip4_csum_ok(pkt));
		CU_ASSERT_EQUAL(pkt[6] & 0x40, df ? 0x40 : 0);
		CU_ASSERT_EQUAL(tp_be16(pkt + 6) & 0xbfff, 0); /* no MF, no offset */
		CU_ASSERT_EQUAL(pkt[8], po->ttl ? po->ttl : 64);
		CU_ASSERT_EQUAL(pkt[9], po->natt ? 17 : 50);
		CU_ASSERT_EQUAL(memcmp(pkt + 12, po->tun_src.v4, 4), 0);
		CU_ASSERT_EQUAL(memcmp(pkt + 16, po->tun_dst.v4, 4), 0);
		if (!df)
			CU_ASSERT_NOT_EQUAL(tp_be16(pkt + 4), 0);
	} else {
		CU_ASSERT_EQUAL(pkt[0] >> 4, 6);
		CU_ASSERT_EQUAL(tp_be16(pkt + 4), len - 40);
		CU_ASSERT_EQUAL(pkt[6], po->natt ? 17 : 50);
		CU_ASSERT_EQUAL(pkt[7], po->ttl ? po->ttl : 64);
		CU_ASSERT_EQUAL(memcmp(pkt + 8, po->tun_src.v6, 16), 0);
		CU_ASSERT_EQUAL(memcmp(pkt + 24, po->tun_dst.v6, 16), 0);
	}
	if (po->natt) {
		CU_ASSERT_EQUAL(tp_be16(pkt + l3), po->natt_sport ? po->natt_sport : 4500);
		CU_ASSERT_EQUAL(tp_be16(pkt + l3 + 2), po->natt_dport ? po->natt_dport : 4500);
		CU_ASSERT_EQUAL(tp_be16(pkt + l3 + 4), len - l3);
		if (v6) {
			CU_ASSERT_TRUE(tp_udp6_csum_ok(pkt));
		} else {
			CU_ASSERT_EQUAL(tp_be16(pkt + l3 + 6), 0); /* RFC 3948 §2.1 */
		}
	}
	CU_ASSERT_EQUAL(tp_be32(pkt + esp), po->spi);
	CU_ASSERT_EQUAL(tp_be32(pkt + esp + 4), (uint32_t)seq);
	if (gcm) { /* IV: the 64-bit sequence number under the SA's random mask */
		uint64_t iv = seq ^ sa->rt.iv_mask;

		CU_ASSERT_EQUAL(tp_be32(pkt + esp + 8), (uint32_t)(iv >> 32));
		CU_ASSERT_EQUAL(tp_be32(pkt + esp + 12), (uint32_t)iv);
	}
}

/*
 * Encrypt n inner packets in one burst, check every outer header, decrypt
 * them in one burst and compare byte for byte; counters checked on both SAs.
 * seg_out/seg_in: 0 for single segments, else the chain's segment size.
 */
static void
roundtrip(struct pair *pr, uint8_t *const inner[], const uint32_t ilen[], uint16_t n,
	uint32_t seg_out, uint32_t seg_in)
{
	static uint8_t outb[HS_BURST_MAX][TP_MAX_PKT], back[TP_MAX_PKT];
	struct rte_mbuf *pk[HS_BURST_MAX];
	struct hs_sa *sas[HS_BURST_MAX];
	uint32_t olen[HS_BURST_MAX];
	struct hs_sa_stats so = pr->out->stats, si = pr->in->stats;
	uint64_t seq0 = pr->out->seq, ibytes = 0, obytes = 0;
	uint16_t k;

	for (uint16_t i = 0; i < n; i++) {
		pk[i] = mk(inner[i], ilen[i], seg_out);
		sas[i] = pr->out;
		ibytes += ilen[i];
	}
	k = hs_esp_out_burst(&ctx, pk, sas, n);
	CU_ASSERT_EQUAL(k, n);
	CU_ASSERT_EQUAL(ctx.drops.n, 0);
	hs_esp_drops_free(&ctx);
	for (uint16_t i = 0; i < k; i++) {
		CU_ASSERT_PTR_EQUAL(sas[i], pr->out);
		CU_ASSERT_EQUAL(pk[i]->packet_type & RTE_PTYPE_L3_MASK,
			pr->po.tun_src.family == AF_INET6 ? RTE_PTYPE_L3_IPV6 : RTE_PTYPE_L3_IPV4);
		olen[i] = hs_test_mbuf_bytes(pk[i], outb[i], TP_MAX_PKT);
		CU_ASSERT_EQUAL(olen[i], pk[i]->pkt_len);
		check_outer(&pr->po, pr->out, outb[i], olen[i], inner[i], ilen[i], seq0 + 1 + i);
		obytes += olen[i];
		rte_pktmbuf_free(pk[i]);
	}
	CU_ASSERT_EQUAL(pr->out->seq, seq0 + k);
	CU_ASSERT_EQUAL(pr->out->stats.packets, so.packets + k);
	CU_ASSERT_EQUAL(pr->out->stats.bytes, so.bytes + ibytes);
	CU_ASSERT_EQUAL(pr->out->stats.esp_bytes, so.esp_bytes + obytes);
	if (k != n)
		return;

	for (uint16_t i = 0; i < n; i++) {
		pk[i] = mk(outb[i], olen[i], seg_in);
		sas[i] = pr->in;
	}
	k = hs_esp_in_burst(&ctx, pk, sas, n);
	CU_ASSERT_EQUAL(k, n);
	for (uint16_t i = 0; i < ctx.drops.n; i++)
		fprintf(stderr, "in: dropped %s\n",
			hs_drop_name((enum hs_drop_reason)ctx.drops.reason[i]));
	hs_esp_drops_free(&ctx);
	for (uint16_t i = 0; i < k; i++) {
		uint32_t blen = hs_test_mbuf_bytes(pk[i], back, sizeof(back));

		CU_ASSERT_EQUAL(blen, ilen[i]);
		CU_ASSERT_EQUAL(memcmp(back, inner[i], ilen[i]), 0);
		CU_ASSERT_EQUAL(pk[i]->packet_type & RTE_PTYPE_L3_MASK,
			(inner[i][0] >> 4) == 4 ? RTE_PTYPE_L3_IPV4 : RTE_PTYPE_L3_IPV6);
		rte_pktmbuf_free(pk[i]);
	}
	CU_ASSERT_EQUAL(pr->in->stats.packets, si.packets + n);
	CU_ASSERT_EQUAL(pr->in->stats.bytes, si.bytes + ibytes);
	CU_ASSERT_EQUAL(pr->in->stats.esp_bytes, si.esp_bytes + obytes);
	CU_ASSERT_EQUAL(pr->in->replay.top, seq0 + n);
	for (int r = 0; r < HS_DROP_MAX; r++) {
		CU_ASSERT_EQUAL(pr->in->stats.errors[r], si.errors[r]);
		CU_ASSERT_EQUAL(pr->out->stats.errors[r], so.errors[r]);
	}
}

/* Round trip of packets of the given sizes, in bursts of up to 32. */
static void
roundtrip_sizes(struct pair *pr, bool v6in, const uint32_t *sizes, size_t nsizes, uint32_t seg_out,
	uint32_t seg_in)
{
	static uint8_t buf[HS_BURST_MAX][TP_MAX_PKT];
	uint8_t *inner[HS_BURST_MAX];
	uint32_t ilen[HS_BURST_MAX];
	uint16_t n = 0;

	for (size_t i = 0; i < nsizes; i++) {
		inner[n] = buf[n];
		ilen[n] = sizes[i];
		tp_inner(buf[n], v6in, sizes[i], (uint8_t)(i * 4 + (i & 3)), (uint32_t)i);
		if (++n == HS_BURST_MAX || i + 1 == nsizes) {
			roundtrip(pr, inner, ilen, n, seg_out, seg_in);
			n = 0;
		}
	}
}

/* --- round trips --- */

static void
test_roundtrip_all(void)
{
	static const uint32_t v4sizes[] = {
		20, 21, 22, 23, 24, 28, 40, 63, 64, 65, 100, 255, 256, 1000, 1400, 1438, 1500};
	static const uint32_t v6sizes[] = {40, 41, 42, 43, 48, 63, 64, 65, 100, 1000, 1500};

	for (size_t x = 0; x < HS_ARRAY_SIZE(tp_xforms); x++) {
		for (int ov6 = 0; ov6 < 2; ov6++) {
			for (int natt = 0; natt < 2; natt++) {
				struct pair pr;

				CU_ASSERT_FATAL(pair_make(&pr, &tp_xforms[x],
					0x10000 + (uint32_t)(x * 4 + ov6 * 2 + natt), ov6, natt,
					false));
				roundtrip_sizes(&pr, false, v4sizes, HS_ARRAY_SIZE(v4sizes), 0, 0);
				roundtrip_sizes(&pr, true, v6sizes, HS_ARRAY_SIZE(v6sizes), 0, 0);
				pair_free(&pr);
			}
		}
	}
}

/* Every inner size from 20 (40 for IPv6) to 1500, two transforms. */
static void
test_roundtrip_every_size(void)
{
	static uint32_t sizes[1501];
	static const size_t xs[] = {0, 7};

	for (size_t i = 0; i < HS_ARRAY_SIZE(xs); i++) {
		for (int v6 = 0; v6 < 2; v6++) {
			struct pair pr;
			uint32_t first = v6 ? 40 : 20, n = 0;

			for (uint32_t s = first; s <= 1500; s++)
				sizes[n++] = s;
			CU_ASSERT_FATAL(pair_make(
				&pr, &tp_xforms[xs[i]], 0x20000 + (uint32_t)i, v6, false, false));
			roundtrip_sizes(&pr, v6, sizes, n, 0, 0);
			pair_free(&pr);
		}
	}
}

/* Chained mbufs both ways, and a 9000-byte jumbo packet in a chain. */
static void
test_chains(void)
{
	static const uint32_t small[] = {20, 64, 300, 301, 1000};
	static const uint32_t jumbo4[] = {9000}, jumbo6[] = {8999};
	static const uint32_t segs[][2] = {
		{1, 3}, {7, 1}, {16, 13}, {100, 64}, {0, 5}, {5, 0}, {1000, 128}};

	for (size_t x = 0; x < HS_ARRAY_SIZE(tp_xforms); x++) {
		struct pair pr;

		CU_ASSERT_FATAL(
			pair_make(&pr, &tp_xforms[x], 0x30000 + (uint32_t)x, x & 1, x & 2, x & 4));
		for (size_t s = 0; s < HS_ARRAY_SIZE(segs); s++)
			roundtrip_sizes(&pr, s & 1, small + (s & 1), HS_ARRAY_SIZE(small) - (s & 1),
				segs[s][0], segs[s][1]);
		roundtrip_sizes(&pr, false, jumbo4, 1, 2000, 1000);
		roundtrip_sizes(&pr, true, jumbo6, 1, 1500, 2048);
		pair_free(&pr);
	}
}

/* Which packets of the mixed burst are spoiled, and the drop reason they must get. */
static int
spoiled(int i)
{
	switch (i % 6) {
	case 1:
		return HS_DROP_TOO_SHORT;
	case 3:
		return HS_DROP_INVALID_SPI;
	case 5:
		return HS_DROP_AUTH;
	default:
		return -1;
	}
}

/* A burst of 32 over four SAs of different kinds, with bad packets mixed in. */
static void
test_mixed_burst(void)
{
	static uint8_t inner[HS_BURST_MAX][1600], outb[HS_BURST_MAX][TP_MAX_PKT], back[TP_MAX_PKT];
	static const size_t xs[4] = {0, 9, 1, 2};
	struct pair pr[4];
	struct rte_mbuf *pk[HS_BURST_MAX], *keep[HS_BURST_MAX];
	struct hs_sa *sas[HS_BURST_MAX];
	uint32_t ilen[HS_BURST_MAX], olen[HS_BURST_MAX];
	uint64_t seq[4] = {0};
	int which[HS_BURST_MAX];
	uint16_t k, kept = 0, d = 0;

	for (int s = 0; s < 4; s++)
		CU_ASSERT_FATAL(pair_make(
			&pr[s], &tp_xforms[xs[s]], 0x40000 + (uint32_t)s, s & 1, s >= 2, s == 3));
	for (int i = 0; i < HS_BURST_MAX; i++) {
		which[i] = (i * 7 + i / 5) % 4;
		ilen[i] = 40 + (uint32_t)i * 37;
		tp_inner(inner[i], i % 3 == 0, ilen[i], (uint8_t)i, (uint32_t)i);
		pk[i] = mk(inner[i], ilen[i], i % 5 == 4 ? 200 : 0);
		sas[i] = pr[which[i]].out;
	}
	k = hs_esp_out_burst(&ctx, pk, sas, HS_BURST_MAX);
	CU_ASSERT_EQUAL_FATAL(k, HS_BURST_MAX);
	for (int i = 0; i < HS_BURST_MAX; i++) {
		CU_ASSERT_PTR_EQUAL(sas[i], pr[which[i]].out);
		olen[i] = hs_test_mbuf_bytes(pk[i], outb[i], TP_MAX_PKT);
		/* Sequence numbers per SA, in burst order. */
		check_outer(&pr[which[i]].po, pr[which[i]].out, outb[i], olen[i], inner[i], ilen[i],
			++seq[which[i]]);
		rte_pktmbuf_free(pk[i]);
	}
	/* Inbound: some packets spoiled (truncated, given the wrong SA, forged ICV). */
	for (int i = 0; i < HS_BURST_MAX; i++) {
		int r = spoiled(i);

		sas[i] = pr[which[i]].in;
		if (r == HS_DROP_INVALID_SPI)
			sas[i] = pr[which[i] ^ 1].in; /* same encapsulation, other SPI */
		else if (r == HS_DROP_AUTH)
			outb[i][olen[i] - 1] ^= 1;
		pk[i] = mk(outb[i], r == HS_DROP_TOO_SHORT ? olen[i] - 30 : olen[i],
			i % 4 == 2 ? 77 : 0);
		if (r < 0)
			keep[kept++] = pk[i];
	}
	k = hs_esp_in_burst(&ctx, pk, sas, HS_BURST_MAX);
	CU_ASSERT_EQUAL(k, kept);
	CU_ASSERT_EQUAL(ctx.drops.n, HS_BURST_MAX - kept);
	for (int i = 0, g = 0; i < HS_BURST_MAX; i++) {
		if (spoiled(i) >= 0) {
			/* Drops in their original order, with their reason. */
			CU_ASSERT_EQUAL(ctx.drops.reason[d], spoiled(i));
			d++;
			continue;
		}
		/* Good ones in their original order, with their SA. */
		CU_ASSERT_PTR_EQUAL(pk[g], keep[g]);
		CU_ASSERT_PTR_EQUAL(sas[g], pr[which[i]].in);
		CU_ASSERT_EQUAL(hs_test_mbuf_bytes(pk[g], back, sizeof(back)), ilen[i]);
		CU_ASSERT_EQUAL(memcmp(back, inner[i], ilen[i]), 0);
		rte_pktmbuf_free(pk[g]);
		g++;
	}
	CU_ASSERT_EQUAL(d, HS_BURST_MAX - kept);
	hs_esp_drops_free(&ctx);
	for (int s = 0; s < 4; s++)
		pair_free(&pr[s]);
}

/* --- outer header policy --- */

static void
test_outer_policy(void)
{
	static const enum hs_df_policy dfs[] = {HS_DF_COPY, HS_DF_SET, HS_DF_CLEAR};
	uint8_t inner[200], pkt[TP_MAX_PKT];

	for (size_t d = 0; d < HS_ARRAY_SIZE(dfs); d++) {
		for (int ov6 = 0; ov6 < 2; ov6++) {
			for (int dscp_copy = 0; dscp_copy < 2; dscp_copy++) {
				struct hs_sa_params p;
				struct hs_sa *sa;

				tp_params(&p, HS_SA_OUT, &tp_xforms[2], 0x50000, ov6, 1);
				p.df = dfs[d];
				p.dscp_copy = dscp_copy;
				p.dscp = 46; /* EF */
				p.ttl = (uint8_t)(5 + d);
				sa = tp_sa(&p, &ctx);
				CU_ASSERT_PTR_NOT_NULL_FATAL(sa);
				for (int v6in = 0; v6in < 2; v6in++) {
					for (int df = 0; df < 2; df++) {
						for (uint8_t tos = 0; tos < 8; tos++) {
							uint8_t t = (uint8_t)(tos * 37);
							uint32_t n;

							if (v6in)
								tp_ipv6(inner, 100, t, tos);
							else
								tp_ipv4(inner, 100, t, df, tos);
							n = encrypt(sa, inner, 100, pkt);
							CU_ASSERT_FATAL(n > 0);
							check_outer(&p, sa, pkt, n, inner, 100,
								sa->seq);
						}
					}
				}
				hs_sa_destroy(sa);
			}
		}
	}
}

/* Outer IPv4 identification: a counter, distinct and never 0 (DF clear). */
static void
test_ip_id(void)
{
	struct hs_sa_params p;
	struct hs_sa *sa;
	uint8_t inner[100], pkt[TP_MAX_PKT];
	uint16_t prev = 0;

	tp_params(&p, HS_SA_OUT, &tp_xforms[0], 0x51000, false, 1);
	p.df = HS_DF_CLEAR;
	sa = tp_sa(&p, &ctx);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sa);
	tp_ipv4(inner, 100, 0, false, 1);
	for (int i = 0; i < 100; i++) {
		CU_ASSERT_FATAL(encrypt(sa, inner, 100, pkt) > 0);
		CU_ASSERT_NOT_EQUAL(tp_be16(pkt + 4), 0);
		if (i > 0)
			CU_ASSERT_NOT_EQUAL(tp_be16(pkt + 4), prev);
		prev = tp_be16(pkt + 4);
	}
	/* Across the 16-bit wrap of the counter. */
	ctx.ip_id = 0xfffe;
	for (int i = 0; i < 4; i++) {
		CU_ASSERT_FATAL(encrypt(sa, inner, 100, pkt) > 0);
		if (tp_be16(pkt + 4) == 0)
			fprintf(stderr, "outer IPv4 ID 0 after the counter wrapped\n");
		CU_ASSERT_NOT_EQUAL(tp_be16(pkt + 4), 0);
		CU_ASSERT_NOT_EQUAL(tp_be16(pkt + 4), prev);
		prev = tp_be16(pkt + 4);
	}
	hs_sa_destroy(sa);
}

/* NAT-T ports other than 4500 (RFC 3948 §2.1: the ports come from IKE). */
static void
test_natt_ports(void)
{
	for (int v6 = 0; v6 < 2; v6++) {
		struct pair pr;
		static const uint32_t sizes[] = {60, 61, 62, 63};

		tp_params(&pr.po, HS_SA_OUT, &tp_xforms[1], 0x52000, v6, 7);
		tp_params(&pr.pi, HS_SA_IN, &tp_xforms[1], 0x52000, v6, 7);
		pr.po.natt = pr.pi.natt = true;
		pr.po.natt_sport = pr.pi.natt_sport = 4501;
		pr.po.natt_dport = pr.pi.natt_dport = 61000;
		pr.out = tp_sa(&pr.po, &ctx);
		pr.in = tp_sa(&pr.pi, &ctx);
		CU_ASSERT_FATAL(pr.out != NULL && pr.in != NULL);
		roundtrip_sizes(&pr, v6, sizes, HS_ARRAY_SIZE(sizes), 0, 0);
		pair_free(&pr);
	}
}

/* --- RFC 6040 decapsulation --- */

/* [inner][outer] -> resulting inner ECN, -1: drop (RFC 6040 §4.2, Figure 4). */
static const int ecn_decap[4][4] = {
	/* inner Not-ECT */ {0, 0, 0, -1},
	/* inner ECT(1) */ {1, 1, 1, 3},
	/* inner ECT(0) */ {2, 1, 2, 3},
	/* inner CE */ {3, 3, 3, 3},
};

static void
set_outer_ecn(uint8_t *pkt, uint8_t ecn)
{
	tp_set_tos(pkt, (uint8_t)((tp_tos(pkt) & 0xfc) | ecn));
}

static void
test_ecn(void)
{
	uint8_t inner[300], pkt[TP_MAX_PKT], back[TP_MAX_PKT];

	for (int ov6 = 0; ov6 < 2; ov6++) {
		for (int v6in = 0; v6in < 2; v6in++) {
			struct pair pr;

			CU_ASSERT_FATAL(
				pair_make(&pr, &tp_xforms[ov6 ? 3 : 0], 0x53000, ov6, v6in, false));
			for (uint8_t ie = 0; ie < 4; ie++) {
				for (uint8_t oe = 0; oe < 4; oe++) {
					uint8_t tos = (uint8_t)(0x28 << 2 | ie);
					uint32_t n, b;
					int why;

					tp_inner(inner, v6in, 300, tos, ie * 4u + oe);
					n = encrypt(pr.out, inner, 300, pkt);
					CU_ASSERT_FATAL(n > 0);
					CU_ASSERT_EQUAL(tp_tos(pkt) & 3, ie); /* copied on encap */
					set_outer_ecn(pkt, oe);
					b = decrypt(pr.in, pkt, n, back, &why);
					if (ecn_decap[ie][oe] < 0) {
						CU_ASSERT_EQUAL(b, 0);
						CU_ASSERT_EQUAL(why, HS_DROP_ECN);
						continue;
					}
					CU_ASSERT_EQUAL_FATAL(b, 300);
					CU_ASSERT_EQUAL(
						tp_tos(back), (tos & 0xfc) | ecn_decap[ie][oe]);
					if (!v6in)
						CU_ASSERT_TRUE(tp_ip4_csum_ok(back));
					/* Nothing else in the inner packet changed. */
					tp_set_tos(back, tos);
					CU_ASSERT_EQUAL(memcmp(back, inner, 300), 0);
				}
			}
			CU_ASSERT_EQUAL(pr.in->stats.errors[HS_DROP_ECN], 1);
			pair_free(&pr);
		}
	}
}

/* --- ESN --- */

/* Sequence numbers 2^32 - 3 .. 2^32 + 2 end to end, every transform. */
static void
test_esn_wrap(void)
{
	static const uint32_t sizes[] = {100, 101, 102, 103, 104, 105};

	for (size_t x = 0; x < HS_ARRAY_SIZE(tp_xforms); x++) {
		struct pair pr;

		CU_ASSERT_FATAL(
			pair_make(&pr, &tp_xforms[x], 0x60000 + (uint32_t)x, x & 1, x & 2, true));
		pr.out->seq = 0xfffffffcull; /* last sent */
		/* The receiver has seen up to there too (a fresh window has no epoch). */
		CU_ASSERT_TRUE(hs_replay_advance(&pr.in->replay, 0xfffffff0ull));
		roundtrip_sizes(&pr, x & 1, sizes, HS_ARRAY_SIZE(sizes), 0, 0);
		CU_ASSERT_EQUAL(pr.out->seq, (1ull << 32) + 2);
		CU_ASSERT_EQUAL(pr.in->replay.top, (1ull << 32) + 2);
		/* And again, one at a time, chained. */
		roundtrip_sizes(&pr, x & 1, sizes, 2, 50, 33);
		pair_free(&pr);
	}
}

/*
 * The high half is authenticated though not sent (RFC 4303 §3.3.2.1, RFC
 * 4106 §5): a receiver that infers another epoch must fail the ICV.
 */
static void
test_esn_high_bits_authenticated(void)
{
	uint8_t inner[100], pkt[TP_MAX_PKT], back[TP_MAX_PKT];

	for (size_t x = 0; x < HS_ARRAY_SIZE(tp_xforms); x++) {
		struct pair pr;
		uint32_t n;
		int why;

		if (!tp_has_icv(&tp_xforms[x]))
			continue;
		CU_ASSERT_FATAL(
			pair_make(&pr, &tp_xforms[x], 0x61000 + (uint32_t)x, false, false, true));
		pr.out->seq = 0xffffffffull; /* next: 2^32, sent as low half 0 */
		tp_ipv4(inner, 100, 0, false, 1);
		n = encrypt(pr.out, inner, 100, pkt);
		CU_ASSERT_FATAL(n > 0);
		CU_ASSERT_EQUAL(tp_be32(pkt + 24), 0);
		/* Receiver at 2^33 - 16: low half 0 reads as 2^33. */
		CU_ASSERT_TRUE(hs_replay_advance(&pr.in->replay, (2ull << 32) - 16));
		expect_drop(pr.in, pkt, n, HS_DROP_AUTH);
		CU_ASSERT_EQUAL(pr.in->replay.top, (2ull << 32) - 16);
		pair_free(&pr);

		/* The same packet to a receiver in the right epoch is fine. */
		CU_ASSERT_FATAL(
			pair_make(&pr, &tp_xforms[x], 0x61000 + (uint32_t)x, false, false, true));
		CU_ASSERT_TRUE(hs_replay_advance(&pr.in->replay, 0xfffffff0ull));
		CU_ASSERT_EQUAL(decrypt(pr.in, pkt, n, back, &why), 100);
		CU_ASSERT_EQUAL(memcmp(back, inner, 100), 0);
		CU_ASSERT_EQUAL(pr.in->replay.top, 1ull << 32);
		pair_free(&pr);
	}
}

/* Without ESN the counter stops at 2^32 - 1 (RFC 4303 §3.3.3). */
static void
test_seq_overflow(void)
{
	uint8_t inner[64], pkt[TP_MAX_PKT], back[TP_MAX_PKT];
	struct hs_sa_event ev[8];
	struct pair pr;
	int why;
	uint32_t n;

	CU_ASSERT_FATAL(pair_make(&pr, &tp_xforms[3], 0x62000, false, false, false));
	tp_ipv4(inner, 64, 0, false, 1);
	pr.out->seq = 0xfffffffeull;
	n = encrypt(pr.out, inner, 64, pkt);
	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT_EQUAL(tp_be32(pkt + 24), 0xffffffffu);
	CU_ASSERT_EQUAL(decrypt(pr.in, pkt, n, back, &why), 64);
	for (int i = 0; i < 3; i++) {
		CU_ASSERT_PTR_NULL(run1(true, pr.out, mk(inner, 64, 0), &why));
		CU_ASSERT_EQUAL(why, HS_DROP_SEQ_OVERFLOW);
	}
	CU_ASSERT_EQUAL(pr.out->seq, 0xffffffffull);
	CU_ASSERT_EQUAL(pr.out->stats.packets, 1);
	CU_ASSERT_EQUAL(pr.out->stats.errors[HS_DROP_SEQ_OVERFLOW], 3);
	CU_ASSERT_EQUAL(ctx.drop_count[HS_DROP_SEQ_OVERFLOW], 3);
	/* The near-wrap warning was raised, once. */
	CU_ASSERT_EQUAL(hs_esp_events_take(&ctx, ev, 8), 1);
	CU_ASSERT_EQUAL(ev[0].kind, HS_SA_EV_SEQ_NEAR_WRAP);
	CU_ASSERT_PTR_EQUAL(ev[0].sa, pr.out);
	CU_ASSERT_EQUAL(ev[0].spi, 0x62000);
	pair_free(&pr);

	/* With ESN the 64-bit counter does not cycle either. */
	CU_ASSERT_FATAL(pair_make(&pr, &tp_xforms[0], 0x62001, false, false, true));
	pr.out->seq = UINT64_MAX - 1;
	n = encrypt(pr.out, inner, 64, pkt);
	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT_EQUAL(tp_be32(pkt + 24), 0xffffffffu);
	CU_ASSERT_PTR_NULL(run1(true, pr.out, mk(inner, 64, 0), &why));
	CU_ASSERT_EQUAL(why, HS_DROP_SEQ_OVERFLOW);
	CU_ASSERT_EQUAL(pr.out->seq, UINT64_MAX);
	CU_ASSERT_EQUAL(hs_esp_events_take(&ctx, ev, 8), 0); /* no near-wrap with ESN */
	pair_free(&pr);
}

/* --- errors --- */

/* A valid outer packet from the engine, for the error tests. */
static uint32_t
good_packet(struct pair *pr, uint32_t ilen, bool v6in, uint8_t *inner, uint8_t *pkt)
{
	tp_inner(inner, v6in, ilen, 0, ilen);
	return encrypt(pr->out, inner, ilen, pkt);
}

static bool
short_reason(int why)
{
	return why == HS_DROP_TOO_SHORT || why == HS_DROP_BAD_HEADER || why == HS_DROP_BAD_LENGTH;
}

/*
 * Every prefix of a good packet: dropped as too short / bad header / bad
 * length, nothing counted as received, window untouched. Then the same with
 * the outer lengths rewritten to match (a consistent but short packet).
 */
static void
test_truncated(void)
{
	uint8_t inner[200], pkt[TP_MAX_PKT], cut[TP_MAX_PKT], back[TP_MAX_PKT];

	for (size_t x = 0; x < HS_ARRAY_SIZE(tp_xforms); x++) {
		for (int cfg = 0; cfg < 4; cfg++) {
			bool v6 = cfg & 1, natt = cfg & 2;
			uint32_t l3 = v6 ? 40 : 20, hdr = l3 + (natt ? 8 : 0);
			struct pair pr;
			uint32_t n;
			int why;

			CU_ASSERT_FATAL(pair_make(&pr, &tp_xforms[x], 0x70000, v6, natt, false));
			n = good_packet(&pr, 99, x & 1, inner, pkt);
			CU_ASSERT_FATAL(n > 0);
			for (uint32_t t = 0; t < n; t++) {
				CU_ASSERT_EQUAL(decrypt(pr.in, pkt, t, back, &why), 0);
				if (!short_reason(why))
					fprintf(stderr, "%zu/%d: prefix %u: %s\n", x, cfg, t,
						hs_drop_name((enum hs_drop_reason)why));
				CU_ASSERT_TRUE(short_reason(why));
			}
			/* Chained prefixes too. */
			for (uint32_t t = 1; t < n; t += 7) {
				CU_ASSERT_PTR_NULL(run1(false, pr.in, mk(pkt, t, 9), &why));
				CU_ASSERT_TRUE(short_reason(why));
			}
			/* Consistent lengths, ESP cut short: never accepted. */
			for (uint32_t t = hdr; t < n && tp_has_icv(&tp_xforms[x]); t++) {
				memcpy(cut, pkt, t);
				if (v6) {
					tp_put16(cut + 4, (uint16_t)(t - 40));
				} else {
					tp_put16(cut + 2, (uint16_t)t);
					tp_ip4_fix_csum(cut);
				}
				if (natt)
					tp_put16(cut + l3 + 4, (uint16_t)(t - l3));
				CU_ASSERT_EQUAL(decrypt(pr.in, cut, t, back, &why), 0);
				CU_ASSERT(short_reason(why) || why == HS_DROP_AUTH);
			}
			CU_ASSERT_EQUAL(pr.in->stats.packets, 0);
			CU_ASSERT_EQUAL(pr.in->replay.top, 0);
			/* The untouched packet still goes through afterwards. */
			CU_ASSERT_EQUAL(decrypt(pr.in, pkt, n, back, &why), 99);
			CU_ASSERT_EQUAL(memcmp(back, inner, 99), 0);
			pair_free(&pr);
		}
	}
}

/* Ethernet padding after the IP packet is ignored and trimmed. */
static void
test_l2_padding(void)
{
	uint8_t inner[100], pkt[TP_MAX_PKT], back[TP_MAX_PKT];

	for (int cfg = 0; cfg < 4; cfg++) {
		struct pair pr;
		uint32_t n;
		int why;

		CU_ASSERT_FATAL(pair_make(
			&pr, &tp_xforms[cfg & 1 ? 5 : 0], 0x71000, cfg & 1, cfg & 2, false));
		n = good_packet(&pr, 46, false, inner, pkt);
		memset(pkt + n, 0, 18);
		CU_ASSERT_EQUAL(decrypt(pr.in, pkt, n + 18, back, &why), 46);
		CU_ASSERT_EQUAL(memcmp(back, inner, 46), 0);
		CU_ASSERT_EQUAL(pr.in->stats.esp_bytes, n);
		n = good_packet(&pr, 46, false, inner, pkt);
		memset(pkt + n, 0xff, 7);
		{
			struct rte_mbuf *m = run1(false, pr.in, mk(pkt, n + 7, 16), &why);

			CU_ASSERT_PTR_NOT_NULL_FATAL(m);
			CU_ASSERT_EQUAL(hs_test_mbuf_bytes(m, back, sizeof(back)), 46);
			CU_ASSERT_EQUAL(memcmp(back, inner, 46), 0);
			rte_pktmbuf_free(m);
		}
		pair_free(&pr);
	}
}

/* Outer headers the engine must refuse. */
static void
test_bad_outer(void)
{
	uint8_t inner[100], pkt[TP_MAX_PKT], bad[TP_MAX_PKT];
	struct pair pr, nat;
	uint32_t n;

	CU_ASSERT_FATAL(pair_make(&pr, &tp_xforms[0], 0x72000, false, false, false));
	CU_ASSERT_FATAL(pair_make(&nat, &tp_xforms[0], 0x72000, false, true, false));
	n = good_packet(&pr, 80, false, inner, pkt);

	memcpy(bad, pkt, n);
	bad[0] = 0x55; /* version 5 */
	expect_drop(pr.in, bad, n, HS_DROP_BAD_HEADER);
	memcpy(bad, pkt, n);
	bad[0] = 0x44; /* IHL 4 */
	tp_ip4_fix_csum(bad);
	expect_drop(pr.in, bad, n, HS_DROP_BAD_HEADER);
	memcpy(bad, pkt, n);
	bad[9] = 6; /* TCP */
	tp_ip4_fix_csum(bad);
	expect_drop(pr.in, bad, n, HS_DROP_BAD_HEADER);
	memcpy(bad, pkt, n);
	bad[6] = 0x20; /* MF: a fragment */
	tp_ip4_fix_csum(bad);
	expect_drop(pr.in, bad, n, HS_DROP_BAD_HEADER);
	memcpy(bad, pkt, n);
	tp_put16(bad + 6, 10); /* offset 80 */
	tp_ip4_fix_csum(bad);
	expect_drop(pr.in, bad, n, HS_DROP_BAD_HEADER);
	memcpy(bad, pkt, n);
	tp_put16(bad + 2, 19); /* total length below the header */
	tp_ip4_fix_csum(bad);
	expect_drop(pr.in, bad, n, HS_DROP_BAD_HEADER);
	memcpy(bad, pkt, n);
	tp_put16(bad + 2, (uint16_t)(n + 1)); /* longer than what arrived */
	tp_ip4_fix_csum(bad);
	expect_drop(pr.in, bad, n, HS_DROP_TOO_SHORT);
	/* Plain ESP to a NAT-T SA, UDP to a plain SA. */
	expect_drop(nat.in, pkt, n, HS_DROP_BAD_HEADER);
	n = good_packet(&nat, 80, false, inner, pkt);
	expect_drop(pr.in, pkt, n, HS_DROP_BAD_HEADER);
	/* UDP length that disagrees with the IP length. */
	memcpy(bad, pkt, n);
	tp_put16(bad + 24, (uint16_t)(n - 20 - 4));
	expect_drop(nat.in, bad, n, HS_DROP_BAD_HEADER);
	/* NAT-T non-ESP marker (RFC 3948 §2.2): SPI 0 is not this SA. */
	memcpy(bad, pkt, n);
	memset(bad + 28, 0, 4);
	expect_drop(nat.in, bad, n, HS_DROP_INVALID_SPI);
	CU_ASSERT_EQUAL(pr.in->replay.top, 0);
	pair_free(&pr);
	pair_free(&nat);
}

/* IPv4 options in the outer header are skipped. */
static void
test_outer_options(void)
{
	uint8_t inner[100], pkt[TP_MAX_PKT], opt[TP_MAX_PKT], back[TP_MAX_PKT];
	struct pair pr;
	uint32_t n;
	int why;

	CU_ASSERT_FATAL(pair_make(&pr, &tp_xforms[6], 0x73000, false, false, false));
	n = good_packet(&pr, 80, false, inner, pkt);
	memcpy(opt, pkt, 20);
	memset(opt + 20, 1, 8); /* 8 bytes of NOP */
	memcpy(opt + 28, pkt + 20, n - 20);
	opt[0] = 0x47;
	tp_put16(opt + 2, (uint16_t)(n + 8));
	tp_ip4_fix_csum(opt);
	CU_ASSERT_EQUAL(decrypt(pr.in, opt, n + 8, back, &why), 80);
	CU_ASSERT_EQUAL(memcmp(back, inner, 80), 0);
	CU_ASSERT_EQUAL(why, -1);
	pair_free(&pr);
}

/* The SA given is not the packet's (RFC 4303 §3.4.2). */
static void
test_wrong_spi(void)
{
	uint8_t inner[100], pkt[TP_MAX_PKT];

	for (size_t x = 0; x < HS_ARRAY_SIZE(tp_xforms); x++) {
		struct pair a, b;
		uint32_t n;

		CU_ASSERT_FATAL(pair_make(&a, &tp_xforms[x], 0x74000, false, false, false));
		CU_ASSERT_FATAL(pair_make(&b, &tp_xforms[x], 0x74001, false, false, false));
		n = good_packet(&a, 77, false, inner, pkt);
		expect_drop(b.in, pkt, n, HS_DROP_INVALID_SPI);
		CU_ASSERT_EQUAL(b.in->replay.top, 0);
		pair_free(&a);
		pair_free(&b);
	}
}

/*
 * One flipped bit anywhere the ICV covers, or in the ICV, is auth-failed
 * (RFC 4303 §3.4.4); the SPI gives invalid-spi. None moves the window: the
 * genuine packet is accepted afterwards, once.
 */
static void
test_bit_flips(void)
{
	uint8_t inner[100], pkt[TP_MAX_PKT], bad[TP_MAX_PKT], back[TP_MAX_PKT];

	for (size_t x = 0; x < HS_ARRAY_SIZE(tp_xforms); x++) {
		for (int cfg = 0; cfg < 4; cfg++) {
			bool v6 = cfg & 1, natt = cfg & 2;
			uint32_t esp = (v6 ? 40u : 20u) + (natt ? 8u : 0u);
			struct pair pr;
			uint32_t n;
			int why;

			if (!tp_has_icv(&tp_xforms[x]))
				continue;
			CU_ASSERT_FATAL(pair_make(&pr, &tp_xforms[x], 0x75000, v6, natt, cfg == 3));
			n = good_packet(&pr, 61, v6, inner, pkt);
			for (uint32_t i = esp; i < n; i++) {
				bool spi = i < esp + 4, seq = i >= esp + 4 && i < esp + 8;

				memcpy(bad, pkt, n);
				/* seq: the high bit, so the number stays non-zero and new */
				bad[i] ^= seq ? 0x80 : (uint8_t)(1u << (i % 8));
				expect_drop(
					pr.in, bad, n, spi ? HS_DROP_INVALID_SPI : HS_DROP_AUTH);
			}
			CU_ASSERT_EQUAL(pr.in->replay.top, 0);
			CU_ASSERT_EQUAL(pr.in->stats.errors[HS_DROP_AUTH], n - esp - 4);
			CU_ASSERT_EQUAL(decrypt(pr.in, pkt, n, back, &why), 61);
			CU_ASSERT_EQUAL(memcmp(back, inner, 61), 0);
			expect_drop(pr.in, pkt, n, HS_DROP_REPLAY);
			pair_free(&pr);
		}
	}
}

/* A forged packet far ahead must not slide the window (RFC 4303 §3.4.3). */
static void
test_forged_high_seq(void)
{
	static uint8_t pkts[70][TP_MAX_PKT];
	uint8_t inner[100], bad[TP_MAX_PKT], back[TP_MAX_PKT];
	uint32_t len[70];
	struct pair pr;
	int why;

	CU_ASSERT_FATAL(pair_make(&pr, &tp_xforms[0], 0x76000, false, false, false));
	for (int i = 0; i < 70; i++)
		len[i] = good_packet(&pr, 50, false, inner, pkts[i]);
	/* Packets 1..5 arrive. */
	for (int i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(decrypt(pr.in, pkts[i], len[i], back, &why), 50);
	/* A copy of packet 6 claiming sequence number 10^6, bad ICV. */
	memcpy(bad, pkts[5], len[5]);
	tp_put32(bad + 24, 1000000);
	expect_drop(pr.in, bad, len[5], HS_DROP_AUTH);
	CU_ASSERT_EQUAL(pr.in->replay.top, 5);
	/* ...and one with 2^32 - 1 with its ICV zeroed. */
	tp_put32(bad + 24, UINT32_MAX);
	memset(bad + len[5] - 16, 0, 16);
	expect_drop(pr.in, bad, len[5], HS_DROP_AUTH);
	CU_ASSERT_EQUAL(pr.in->replay.top, 5);
	/* The genuine 6..70 all still go through: odd ones first, then the late even ones. */
	for (int i = 5; i < 70; i += 2)
		CU_ASSERT_EQUAL(decrypt(pr.in, pkts[i], len[i], back, &why), 50);
	for (int i = 6; i < 70; i += 2)
		CU_ASSERT_EQUAL(decrypt(pr.in, pkts[i], len[i], back, &why), 50);
	CU_ASSERT_EQUAL(pr.in->replay.top, 70);
	CU_ASSERT_EQUAL(pr.in->stats.packets, 70);
	pair_free(&pr);
}

/* Replays and packets older than the window. */
static void
test_replay(void)
{
	static uint8_t pkts[200][TP_MAX_PKT];
	uint8_t inner[100], back[TP_MAX_PKT];
	uint32_t len[200];
	struct pair pr;
	int why;

	CU_ASSERT_FATAL(pair_make(&pr, &tp_xforms[4], 0x77000, true, false, false));
	for (int i = 0; i < 200; i++)
		len[i] = good_packet(&pr, 60, true, inner, pkts[i]);
	CU_ASSERT_EQUAL(decrypt(pr.in, pkts[0], len[0], back, &why), 60);
	expect_drop(pr.in, pkts[0], len[0], HS_DROP_REPLAY);
	CU_ASSERT_EQUAL(decrypt(pr.in, pkts[199], len[199], back, &why), 60); /* seq 200 */
	expect_drop(pr.in, pkts[199], len[199], HS_DROP_REPLAY);
	expect_drop(pr.in, pkts[135], len[135], HS_DROP_REPLAY); /* seq 136 = 200 - 64 */
	expect_drop(pr.in, pkts[1], len[1], HS_DROP_REPLAY);
	CU_ASSERT_EQUAL(decrypt(pr.in, pkts[136], len[136], back, &why), 60); /* 137 */
	expect_drop(pr.in, pkts[136], len[136], HS_DROP_REPLAY);
	/* Two copies of one packet in the same burst: the second is a replay. */
	{
		struct rte_mbuf *pk[3] = {mk(pkts[150], len[150], 0), mk(pkts[151], len[151], 0),
			mk(pkts[150], len[150], 0)};
		struct hs_sa *sas[3] = {pr.in, pr.in, pr.in};
		struct rte_mbuf *dup = pk[2];

		CU_ASSERT_EQUAL(hs_esp_in_burst(&ctx, pk, sas, 3), 2);
		CU_ASSERT_EQUAL(ctx.drops.n, 1);
		CU_ASSERT_PTR_EQUAL(ctx.drops.pkts[0], dup);
		CU_ASSERT_EQUAL(ctx.drops.reason[0], HS_DROP_REPLAY);
		rte_pktmbuf_free(pk[0]);
		rte_pktmbuf_free(pk[1]);
		hs_esp_drops_free(&ctx);
	}
	CU_ASSERT_EQUAL(pr.in->stats.packets, 5);
	CU_ASSERT_EQUAL(pr.in->stats.errors[HS_DROP_REPLAY], 6);
	pair_free(&pr);

	/* Window 0: replay checking off, the same packet twice is fine. */
	CU_ASSERT_FATAL(pair_make(&pr, &tp_xforms[0], 0x77001, false, false, false));
	hs_sa_destroy(pr.in);
	pr.pi.replay_window = 0;
	pr.in = tp_sa(&pr.pi, &ctx);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pr.in);
	len[0] = good_packet(&pr, 60, false, inner, pkts[0]);
	CU_ASSERT_EQUAL(decrypt(pr.in, pkts[0], len[0], back, &why), 60);
	CU_ASSERT_EQUAL(decrypt(pr.in, pkts[0], len[0], back, &why), 60);
	pair_free(&pr);
}

/*
 * Decrypted contents the engine must refuse, built with OpenSSL so that the
 * ICV is valid: padding (RFC 4303 §2.4), next header (§2.6), TFC dummy
 * packets, inner headers; and contents it must accept (longer padding, TFC
 * padding after the inner packet, §2.7).
 */
static void
test_decrypted_checks(void)
{
	uint8_t inner[200], esp[TP_MAX_PKT], pkt[TP_MAX_PKT], back[TP_MAX_PKT], iv[16] = {7};
	uint8_t pad[255];
	uint64_t seq = 1;

	for (size_t x = 0; x < HS_ARRAY_SIZE(tp_xforms); x++) {
		struct hs_sa_params p;
		struct hs_sa *sa;
		bool gcm = hs_cipher_is_aead(tp_xforms[x].cipher);
		uint32_t align = gcm ? 4 : 16, e, n;
		int why;

		if (!tp_has_icv(&tp_xforms[x]))
			continue;
		tp_params(&p, HS_SA_IN, &tp_xforms[x], 0x78000, x & 1, 3);
		p.esn = x & 2;
		p.natt = x & 4;
		sa = tp_sa(&p, &ctx);
		CU_ASSERT_PTR_NOT_NULL_FATAL(sa);

#define SEAL(payload, plen, pl, padp, nh)                                                          \
	(e = tp_esp_seal(&p, seq++, iv, payload, plen, pl, padp, nh, esp),                         \
		n = tp_outer(&p, 0, esp, e, pkt))

		/* Baseline: OpenSSL-made packets are accepted, with extra padding too. */
		tp_ipv4(inner, 62, 0, false, 1); /* 62 + 2: no padding needed */
		SEAL(inner, 62, 0, NULL, 4);
		CU_ASSERT_EQUAL(decrypt(sa, pkt, n, back, &why), 62);
		CU_ASSERT_EQUAL(memcmp(back, inner, 62), 0);
		SEAL(inner, 62, (uint8_t)(align * 3), NULL, 4);
		CU_ASSERT_EQUAL(decrypt(sa, pkt, n, back, &why), 62);
		CU_ASSERT_EQUAL(memcmp(back, inner, 62), 0);
		tp_ipv4(inner, 60, 0, false, 1);
		SEAL(inner, 60, (uint8_t)(align == 4 ? 2 + 248 : 2 + 240), NULL, 4);
		CU_ASSERT_EQUAL(decrypt(sa, pkt, n, back, &why), 60);

		/* Wrong pad contents: each position in turn, and all zero. */
		for (uint8_t pl = 2; pl <= 18; pl = (uint8_t)(pl + align)) {
			for (uint8_t w = 0; w < pl; w++) {
				for (uint8_t i = 0; i < pl; i++)
					pad[i] = (uint8_t)(i + 1);
				pad[w] ^= 0x10;
				SEAL(inner, 60, pl, pad, 4);
				expect_drop(sa, pkt, n, HS_DROP_BAD_PADDING);
			}
			memset(pad, 0, pl);
			SEAL(inner, 60, pl, pad, 4);
			expect_drop(sa, pkt, n, HS_DROP_BAD_PADDING);
		}
		/* Pad length larger than the payload: clear text ..., 255, 4. */
		{
			uint8_t c[64];

			memset(c, 0xab, sizeof(c));
			c[2 * align - 2] = 255;
			c[2 * align - 1] = 4;
			e = tp_esp_seal_raw(&p, seq++, iv, c, 2 * align, esp);
			n = tp_outer(&p, 0, esp, e, pkt);
			expect_drop(sa, pkt, n, HS_DROP_BAD_PADDING);
			/* Exactly the whole payload is padding (pad length = len - 2). */
			for (uint32_t i = 0; i < 2 * align - 2; i++)
				c[i] = (uint8_t)(i + 1);
			c[2 * align - 2] = (uint8_t)(2 * align - 2);
			e = tp_esp_seal_raw(&p, seq++, iv, c, 2 * align, esp);
			n = tp_outer(&p, 0, esp, e, pkt);
			expect_drop(sa, pkt, n, HS_DROP_BAD_INNER);
			c[2 * align - 2] = (uint8_t)(2 * align - 1);
			e = tp_esp_seal_raw(&p, seq++, iv, c, 2 * align, esp);
			n = tp_outer(&p, 0, esp, e, pkt);
			expect_drop(sa, pkt, n, HS_DROP_BAD_PADDING);
		}

		/* Next header: not IPv4/IPv6 in tunnel mode; 59 is a TFC dummy. */
		{
			static const uint8_t nhs[] = {0, 1, 6, 17, 50, 51, 58, 60, 255};

			tp_ipv4(inner, 62, 0, false, 2);
			for (size_t i = 0; i < HS_ARRAY_SIZE(nhs); i++) {
				SEAL(inner, 62, 0, NULL, nhs[i]);
				expect_drop(sa, pkt, n, HS_DROP_BAD_NEXT_HEADER);
			}
			SEAL(inner, 62, 0, NULL, 59);
			expect_drop(sa, pkt, n, HS_DROP_TFC_DUMMY);
			SEAL(inner, 0, (uint8_t)(align - 2), NULL, 59); /* empty dummy */
			expect_drop(sa, pkt, n, HS_DROP_TFC_DUMMY);
		}

		/* Inner header inconsistent with the next header or the length. */
		tp_ipv6(inner, 62, 0, 3);
		SEAL(inner, 62, 0, NULL, 4); /* IPv6 inside, says IPv4 */
		expect_drop(sa, pkt, n, HS_DROP_BAD_INNER);
		tp_ipv4(inner, 62, 0, false, 3);
		SEAL(inner, 62, 0, NULL, 41); /* IPv4 inside, says IPv6 */
		expect_drop(sa, pkt, n, HS_DROP_BAD_INNER);
		tp_ipv4(inner, 62, 0, false, 3);
		tp_put16(inner + 2, 63); /* longer than what was sent */
		tp_ip4_fix_csum(inner);
		SEAL(inner, 62, 0, NULL, 4);
		expect_drop(sa, pkt, n, HS_DROP_BAD_INNER);
		tp_ipv4(inner, 62, 0, false, 3);
		tp_put16(inner + 2, 19); /* shorter than its header */
		tp_ip4_fix_csum(inner);
		SEAL(inner, 62, 0, NULL, 4);
		expect_drop(sa, pkt, n, HS_DROP_BAD_INNER);
		tp_ipv4(inner, 62, 0, false, 3);
		inner[0] = 0x44; /* IHL 4 */
		SEAL(inner, 62, 0, NULL, 4);
		expect_drop(sa, pkt, n, HS_DROP_BAD_INNER);
		tp_ipv4(inner, 62, 0, false, 3);
		SEAL(inner, 10, (uint8_t)(align == 4 ? 0 : 4), NULL, 4); /* 10 bytes: no header */
		expect_drop(sa, pkt, n, HS_DROP_BAD_INNER);
		tp_ipv6(inner, 62, 0, 3);
		tp_put16(inner + 4, 23); /* 40 + 23 > 62 */
		SEAL(inner, 62, 0, NULL, 41);
		expect_drop(sa, pkt, n, HS_DROP_BAD_INNER);
		SEAL(inner, 30, (uint8_t)(align == 4 ? 0 : 16), NULL, 41); /* < 40 bytes */
		expect_drop(sa, pkt, n, HS_DROP_BAD_INNER);

		/* TFC padding (RFC 4303 §2.7): trimmed by the inner length. */
		tp_ipv4(inner, 60, 0, false, 4);
		memset(inner + 60, 0xee, 34);
		SEAL(inner, 94, 0, NULL, 4);
		CU_ASSERT_EQUAL(decrypt(sa, pkt, n, back, &why), 60);
		CU_ASSERT_EQUAL(memcmp(back, inner, 60), 0);
		tp_ipv6(inner, 60, 0, 4);
		memset(inner + 60, 0, 34);
		SEAL(inner, 94, 0, NULL, 41);
		CU_ASSERT_EQUAL(decrypt(sa, pkt, n, back, &why), 60);
		CU_ASSERT_EQUAL(memcmp(back, inner, 60), 0);
#undef SEAL
		hs_sa_destroy(sa);
	}
}

/* --- outbound refusals --- */

static void
test_out_refusals(void)
{
	uint8_t inner[2100];
	struct hs_sa_params p;
	struct hs_sa *sa;
	struct rte_mbuf *m;
	int why;

	tp_params(&p, HS_SA_OUT, &tp_xforms[3], 0x79000, false, 1);
	sa = tp_sa(&p, &ctx);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sa);

	/* Not an IP packet, or too short for its version's header. */
	tp_ipv4(inner, 100, 0, false, 1);
	inner[0] = 0x55;
	CU_ASSERT_PTR_NULL(run1(true, sa, mk(inner, 100, 0), &why));
	CU_ASSERT_EQUAL(why, HS_DROP_BAD_INNER);
	tp_ipv4(inner, 100, 0, false, 1);
	CU_ASSERT_PTR_NULL(run1(true, sa, mk(inner, 19, 0), &why));
	CU_ASSERT_EQUAL(why, HS_DROP_BAD_INNER);
	tp_ipv6(inner, 100, 0, 1);
	CU_ASSERT_PTR_NULL(run1(true, sa, mk(inner, 39, 0), &why));
	CU_ASSERT_EQUAL(why, HS_DROP_BAD_INNER);
	CU_ASSERT_PTR_NULL(run1(true, sa, mk(inner, 0, 0), &why));
	CU_ASSERT_EQUAL(why, HS_DROP_BAD_INNER);
	CU_ASSERT_PTR_NULL(run1(true, sa, mk(inner, 39, 10), &why));
	CU_ASSERT_EQUAL(why, HS_DROP_BAD_INNER);

	/* No headroom for the outer headers. */
	tp_ipv4(inner, 100, 0, false, 1);
	m = rte_pktmbuf_alloc(hs_test_eal_pool());
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	m->data_off = 20;
	memcpy(rte_pktmbuf_append(m, 100), inner, 100);
	CU_ASSERT_PTR_NULL(run1(true, sa, m, &why));
	CU_ASSERT_EQUAL(why, HS_DROP_NO_ROOM);
	/* No tailroom for the trailer: the packet fills the buffer. */
	m = rte_pktmbuf_alloc(hs_test_eal_pool());
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	{
		uint16_t room = rte_pktmbuf_tailroom(m);

		tp_ipv4(inner, room, 0, false, 1);
		memcpy(rte_pktmbuf_append(m, room), inner, room);
	}
	CU_ASSERT_PTR_NULL(run1(true, sa, m, &why));
	CU_ASSERT_EQUAL(why, HS_DROP_NO_ROOM);
	/* Chained, but larger than the engine's bounce buffer. */
	{
		static uint8_t big[HS_ESP_BOUNCE_SIZE + 100];

		tp_ipv4(big, sizeof(big) - 50, 0, false, 1);
		CU_ASSERT_PTR_NULL(run1(true, sa, mk(big, sizeof(big) - 50, 2000), &why));
		CU_ASSERT_EQUAL(why, HS_DROP_NO_ROOM);
	}
	CU_ASSERT_EQUAL(sa->stats.errors[HS_DROP_NO_ROOM], 3);
	CU_ASSERT_EQUAL(sa->stats.errors[HS_DROP_BAD_INNER], 5);
	CU_ASSERT_EQUAL(sa->stats.packets, 0);
	CU_ASSERT_EQUAL(sa->seq, 0); /* no sequence number used up by a refusal */
	hs_sa_destroy(sa);
}

/* An SA that is EXPIRED or DEAD passes nothing, either way. */
static void
test_expired_state(void)
{
	static const enum hs_sa_state states[] = {HS_SA_EXPIRED, HS_SA_DEAD};
	uint8_t inner[100], pkt[TP_MAX_PKT], back[TP_MAX_PKT];

	for (size_t s = 0; s < HS_ARRAY_SIZE(states); s++) {
		struct pair pr;
		uint32_t n;
		int why;

		CU_ASSERT_FATAL(pair_make(&pr, &tp_xforms[1], 0x7a000, false, false, false));
		n = good_packet(&pr, 64, false, inner, pkt);
		CU_ASSERT_EQUAL(hs_sa_set_state(pr.in, HS_SA_SOFT_EXPIRED), 0);
		CU_ASSERT_EQUAL(decrypt(pr.in, pkt, n, back, &why), 64); /* soft: still fine */
		n = good_packet(&pr, 64, false, inner, pkt);
		CU_ASSERT_EQUAL(hs_sa_set_state(pr.in, states[s]), 0);
		CU_ASSERT_EQUAL(hs_sa_set_state(pr.out, states[s]), 0);
		expect_drop(pr.in, pkt, n, HS_DROP_SA_EXPIRED);
		CU_ASSERT_PTR_NULL(run1(true, pr.out, mk(inner, 64, 0), &why));
		CU_ASSERT_EQUAL(why, HS_DROP_SA_EXPIRED);
		CU_ASSERT_EQUAL(pr.out->stats.errors[HS_DROP_SA_EXPIRED], 1);
		CU_ASSERT_EQUAL(pr.out->seq, 2);
		pair_free(&pr);
	}
}

/* --- lifetimes --- */

static void
expect_event(struct hs_sa *sa, enum hs_sa_event_kind kind)
{
	struct hs_sa_event ev[4];
	uint16_t n = hs_esp_events_take(&ctx, ev, 4);

	CU_ASSERT_EQUAL(n, 1);
	if (n >= 1) {
		CU_ASSERT_PTR_EQUAL(ev[0].sa, sa);
		CU_ASSERT_EQUAL(ev[0].spi, sa->rt.spi);
		CU_ASSERT_EQUAL(ev[0].kind, kind);
	}
}

static void
expect_no_event(void)
{
	struct hs_sa_event ev[4];

	CU_ASSERT_EQUAL(hs_esp_events_take(&ctx, ev, 4), 0);
}

/*
 * Soft at 3 packets (or 300 bytes), hard at 5 (500 bytes), 100-byte packets
 * one at a time: events once each, states, then sa-expired.
 */
static void
run_lifetime(bool out, bool bytes)
{
	static uint8_t pkts[8][TP_MAX_PKT];
	uint8_t inner[100];
	uint32_t len[8];
	struct pair pr;
	struct hs_sa *sa;

	struct hs_sa_params *p = out ? &pr.po : &pr.pi;

	CU_ASSERT_FATAL(pair_make(&pr, &tp_xforms[out ? 2 : 0], 0x7b000, false, false, false));
	/* The SA under test again, with its limits. */
	hs_sa_destroy(out ? pr.out : pr.in);
	if (bytes) {
		p->lifetime.soft_bytes = 300;
		p->lifetime.hard_bytes = 500;
	} else {
		p->lifetime.soft_packets = 3;
		p->lifetime.hard_packets = 5;
	}
	sa = tp_sa(p, &ctx);
	if (out)
		pr.out = sa;
	else
		pr.in = sa;
	CU_ASSERT_PTR_NOT_NULL_FATAL(sa);
	for (int i = 0; i < 8; i++)
		len[i] = out ? 0 : good_packet(&pr, 100, false, inner, pkts[i]);
	tp_ipv4(inner, 100, 0, false, 9);
	ctx.now = 1000;
	for (int i = 0; i < 8; i++) {
		struct rte_mbuf *m;
		int why;

		ctx.now++;
		m = out ? run1(true, sa, mk(inner, 100, 0), &why)
			: run1(false, sa, mk(pkts[i], len[i], 0), &why);
		if (i < 5) {
			CU_ASSERT_PTR_NOT_NULL(m);
			CU_ASSERT_EQUAL(sa->stats.last_used, ctx.now);
		} else {
			CU_ASSERT_PTR_NULL(m);
			CU_ASSERT_EQUAL(why, HS_DROP_SA_EXPIRED);
		}
		rte_pktmbuf_free(m);
		if (i == 2)
			expect_event(sa, HS_SA_EV_SOFT_LIMIT);
		else if (i == 4)
			expect_event(sa, HS_SA_EV_HARD_LIMIT);
		else
			expect_no_event();
		CU_ASSERT_EQUAL(sa->rt.state, i < 2   ? HS_SA_ACTIVE
					      : i < 4 ? HS_SA_SOFT_EXPIRED
						      : HS_SA_EXPIRED);
	}
	CU_ASSERT_EQUAL(sa->stats.packets, 5);
	CU_ASSERT_EQUAL(sa->stats.bytes, 500);
	CU_ASSERT_EQUAL(sa->stats.errors[HS_DROP_SA_EXPIRED], 3);
	CU_ASSERT_EQUAL(sa->state_changes, 2);
	pair_free(&pr);
}

static void
test_lifetime(void)
{
	run_lifetime(true, false);
	run_lifetime(true, true);
	run_lifetime(false, false);
	run_lifetime(false, true);
}

/* Soft and hard crossed by the same packet: both events, straight to EXPIRED. */
static void
test_lifetime_both(void)
{
	struct hs_sa_params p;
	struct hs_sa *sa;
	struct hs_sa_event ev[4];
	uint8_t inner[200], pkt[TP_MAX_PKT];

	tp_params(&p, HS_SA_OUT, &tp_xforms[0], 0x7c000, false, 1);
	p.lifetime.soft_bytes = 150;
	p.lifetime.hard_bytes = 190;
	sa = tp_sa(&p, &ctx);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sa);
	tp_ipv4(inner, 200, 0, false, 1);
	CU_ASSERT(encrypt(sa, inner, 200, pkt) > 0);
	CU_ASSERT_EQUAL(hs_esp_events_take(&ctx, ev, 1), 1);
	CU_ASSERT_EQUAL(ev[0].kind, HS_SA_EV_SOFT_LIMIT);
	CU_ASSERT_EQUAL(hs_esp_events_take(&ctx, ev, 4), 1);
	CU_ASSERT_EQUAL(ev[0].kind, HS_SA_EV_HARD_LIMIT);
	CU_ASSERT_EQUAL(sa->rt.state, HS_SA_EXPIRED);
	hs_sa_destroy(sa);
}

/*
 * The hard limit inside one burst: RFC 4301 §4.4.2.1 - once the hard
 * lifetime is reached the SA must not be used, so a burst of 10 on an SA
 * with 5 packets left passes 5.
 */
static void
test_lifetime_in_burst(void)
{
	static uint8_t pkts[10][TP_MAX_PKT];
	uint8_t inner[100];
	uint32_t len[10];
	struct rte_mbuf *pk[10];
	struct hs_sa *sas[10];
	struct pair pr;
	uint16_t k;

	CU_ASSERT_FATAL(pair_make(&pr, &tp_xforms[0], 0x7d000, false, false, false));
	hs_sa_destroy(pr.out);
	pr.po.lifetime.hard_packets = 5;
	pr.out = tp_sa(&pr.po, &ctx);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pr.out);
	tp_ipv4(inner, 100, 0, false, 1);
	for (int i = 0; i < 10; i++) {
		pk[i] = mk(inner, 100, 0);
		sas[i] = pr.out;
	}
	k = hs_esp_out_burst(&ctx, pk, sas, 10);
	if (k != 5)
		fprintf(stderr, "hard limit 5 packets, burst of 10: %u sent\n", k);
	CU_ASSERT_EQUAL(k, 5);
	CU_ASSERT_EQUAL(pr.out->stats.packets, 5);
	for (uint16_t i = 0; i < k; i++)
		rte_pktmbuf_free(pk[i]);
	hs_esp_drops_free(&ctx);
	CU_ASSERT_EQUAL(pr.out->rt.state, HS_SA_EXPIRED);

	/* Inbound the same. */
	hs_sa_destroy(pr.in);
	pr.pi.lifetime.hard_packets = 5;
	pr.in = tp_sa(&pr.pi, &ctx);
	hs_sa_destroy(pr.out);
	pr.po.lifetime.hard_packets = 0;
	pr.out = tp_sa(&pr.po, &ctx);
	CU_ASSERT_FATAL(pr.in != NULL && pr.out != NULL);
	for (int i = 0; i < 10; i++) {
		len[i] = good_packet(&pr, 100, false, inner, pkts[i]);
		pk[i] = mk(pkts[i], len[i], 0);
		sas[i] = pr.in;
	}
	k = hs_esp_in_burst(&ctx, pk, sas, 10);
	if (k != 5)
		fprintf(stderr, "inbound hard limit 5 packets, burst of 10: %u accepted\n", k);
	CU_ASSERT_EQUAL(k, 5);
	CU_ASSERT_EQUAL(pr.in->stats.packets, 5);
	for (uint16_t i = 0; i < k; i++)
		rte_pktmbuf_free(pk[i]);
	hs_esp_drops_free(&ctx);
	ctx.nb_events = 0;
	pair_free(&pr);
}

/* Events: taken in order, in parts; each kind once per SA. */
static void
test_events_take(void)
{
	struct hs_sa *sa[3];
	struct hs_sa_params p;
	struct hs_sa_event ev[8];
	uint8_t inner[100], pkt[TP_MAX_PKT];

	for (int i = 0; i < 3; i++) {
		tp_params(&p, HS_SA_OUT, &tp_xforms[0], 0x7e000 + (uint32_t)i, false, 1);
		p.lifetime.soft_packets = 1;
		sa[i] = tp_sa(&p, &ctx);
		CU_ASSERT_PTR_NOT_NULL_FATAL(sa[i]);
	}
	tp_ipv4(inner, 100, 0, false, 1);
	for (int r = 0; r < 3; r++)
		for (int i = 2; i >= 0; i--)
			CU_ASSERT(encrypt(sa[i], inner, 100, pkt) > 0);
	CU_ASSERT_EQUAL(ctx.nb_events, 3);
	CU_ASSERT_EQUAL(hs_esp_events_take(&ctx, ev, 2), 2);
	CU_ASSERT_PTR_EQUAL(ev[0].sa, sa[2]);
	CU_ASSERT_PTR_EQUAL(ev[1].sa, sa[1]);
	CU_ASSERT_EQUAL(hs_esp_events_take(&ctx, ev, 0), 0);
	CU_ASSERT_EQUAL(hs_esp_events_take(&ctx, ev, 8), 1);
	CU_ASSERT_PTR_EQUAL(ev[0].sa, sa[0]);
	CU_ASSERT_EQUAL(ev[0].spi, 0x7e000);
	CU_ASSERT_EQUAL(ev[0].kind, HS_SA_EV_SOFT_LIMIT);
	CU_ASSERT_EQUAL(hs_esp_events_take(&ctx, ev, 8), 0);
	for (int i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(sa[i]->rt.state, HS_SA_SOFT_EXPIRED);
		CU_ASSERT_EQUAL(sa[i]->stats.packets, 3);
		hs_sa_destroy(sa[i]);
	}
}

/* --- hs_esp_peek_spi --- */

static void
test_peek_spi(void)
{
	uint8_t inner[100], pkt[TP_MAX_PKT], bad[TP_MAX_PKT];
	struct rte_mbuf *m;
	uint32_t spi, n;

	for (int cfg = 0; cfg < 4; cfg++) {
		struct pair pr;

		CU_ASSERT_FATAL(pair_make(
			&pr, &tp_xforms[0], 0xabcdef01u + (uint32_t)cfg, cfg & 1, cfg & 2, false));
		n = good_packet(&pr, 100, false, inner, pkt);
		for (uint32_t seg = 0; seg < 4; seg++) {
			m = mk(pkt, n, seg * 11);
			spi = 0;
			CU_ASSERT_EQUAL(hs_esp_peek_spi(m, &spi), 0);
			CU_ASSERT_EQUAL(spi, 0xabcdef01u + (uint32_t)cfg);
			rte_pktmbuf_free(m);
		}
		/* Cut anywhere before the end of the SPI: -EINVAL. */
		for (uint32_t t = 0; t < tp_esp_off(pkt) + 4; t++) {
			m = mk(pkt, t, 0);
			CU_ASSERT_EQUAL(hs_esp_peek_spi(m, &spi), -EINVAL);
			rte_pktmbuf_free(m);
		}
		if (cfg & 2) {
			uint32_t off = tp_esp_off(pkt);

			/* Non-ESP marker (IKE on 4500) and a NAT keepalive (RFC 3948 §2.2, §2.3).
			 */
			memcpy(bad, pkt, n);
			memset(bad + off, 0, 4);
			m = mk(bad, n, 0);
			CU_ASSERT_EQUAL(hs_esp_peek_spi(m, &spi), -EINVAL);
			rte_pktmbuf_free(m);
			bad[off] = 0xff;
			m = mk(bad, off + 1, 0);
			CU_ASSERT_EQUAL(hs_esp_peek_spi(m, &spi), -EINVAL);
			rte_pktmbuf_free(m);
		}
		pair_free(&pr);
	}
	tp_ipv4(bad, 100, 0, false, 1); /* UDP 1234 -> 5678, not ESP */
	bad[9] = 6;
	m = mk(bad, 100, 0);
	CU_ASSERT_EQUAL(hs_esp_peek_spi(m, &spi), -EINVAL);
	rte_pktmbuf_free(m);
	bad[0] = 0x75;
	bad[9] = 50;
	m = mk(bad, 100, 0);
	CU_ASSERT_EQUAL(hs_esp_peek_spi(m, &spi), -EINVAL);
	rte_pktmbuf_free(m);
	/* IPv4 with options: the SPI after them. */
	tp_ipv4(bad, 100, 0, false, 1);
	bad[0] = 0x46;
	bad[9] = 50;
	tp_put32(bad + 24, 0x01020304);
	m = mk(bad, 100, 0);
	CU_ASSERT_EQUAL(hs_esp_peek_spi(m, &spi), 0);
	CU_ASSERT_EQUAL(spi, 0x01020304);
	rte_pktmbuf_free(m);
	bad[0] = 0x4f; /* 60-byte header */
	tp_put32(bad + 60, 0x0a0b0c0d);
	m = mk(bad, 100, 0);
	CU_ASSERT_EQUAL(hs_esp_peek_spi(m, &spi), 0);
	CU_ASSERT_EQUAL(spi, 0x0a0b0c0d);
	rte_pktmbuf_free(m);
}

/* --- memory safety of the trailer writes --- */

static void
noop_free(void *addr, void *opaque)
{
	(void)addr;
	(void)opaque;
}

/*
 * A single-segment packet whose trailer exactly fills the buffer: nothing
 * may be written past the buffer's end. The buffer is ours (external), with
 * a canary after it. AES-CBC without integrity and with ESN is the case
 * where the high sequence bits have no ICV to hide under.
 */
static void
test_trailer_bounds(void)
{
	static uint8_t ext[512 + 64] __attribute__((aligned(64)));
	static struct rte_mbuf_ext_shared_info shinfo;
	uint8_t inner[400];

	for (size_t x = 0; x < HS_ARRAY_SIZE(tp_xforms); x++) {
		for (int esn = 0; esn < 2; esn++) {
			struct hs_sa_params p;
			struct hs_sa *sa;
			struct rte_mbuf *m;
			uint32_t icv, align, ilen;
			int why;

			tp_params(&p, HS_SA_OUT, &tp_xforms[x], 0x7f000, false, 1);
			p.esn = esn;
			sa = tp_sa(&p, &ctx);
			CU_ASSERT_PTR_NOT_NULL_FATAL(sa);
			icv = tp_icv_len(&p);
			/* inner + trailer (no padding needed) end exactly at the buffer's end */
			align = hs_cipher_is_aead(p.cipher) ? 4 : 16;
			ilen = 512 - RTE_PKTMBUF_HEADROOM - icv - 2;
			ilen -= (ilen + 2) % align;
			memset(ext, 0, sizeof(ext));
			memset(ext + 512, 0xa5, 64);
			shinfo.free_cb = noop_free;
			shinfo.fcb_opaque = NULL;
			rte_mbuf_ext_refcnt_set(&shinfo, 1);
			m = rte_pktmbuf_alloc(hs_test_eal_pool());
			CU_ASSERT_PTR_NOT_NULL_FATAL(m);
			rte_pktmbuf_attach_extbuf(m, ext, 0, 512, &shinfo);
			m->data_off = (uint16_t)(512 - ilen - 2 - icv);
			tp_ipv4(inner, ilen, 0, false, 1);
			memcpy(rte_pktmbuf_append(m, (uint16_t)ilen), inner, ilen);
			m = run1(true, sa, m, &why);
			CU_ASSERT_PTR_NOT_NULL(m);
			if (m != NULL)
				CU_ASSERT_EQUAL(rte_pktmbuf_tailroom(m), 0);
			for (int i = 0; i < 64; i++) {
				if (ext[512 + i] != 0xa5) {
					fprintf(stderr,
						"%s/%s esn %d: byte %d past the buffer "
						"written\n",
						hs_cipher_name(p.cipher), hs_integ_name(p.integ),
						esn, i);
					CU_FAIL("write past the end of the mbuf buffer");
					break;
				}
			}
			rte_pktmbuf_free(m);
			hs_sa_destroy(sa);
		}
	}
}

/* Counters: exact per SA and per context after a known mix. */
static void
test_counters(void)
{
	static uint8_t pkts[6][TP_MAX_PKT];
	uint8_t inner[300], back[TP_MAX_PKT], bad[TP_MAX_PKT];
	uint32_t len[6], ilen[6] = {40, 100, 200, 300, 41, 77};
	uint64_t esp_total = 0;
	struct pair pr, other;
	int why;

	CU_ASSERT_FATAL(pair_make(&pr, &tp_xforms[8], 0x80000, true, true, true));
	CU_ASSERT_FATAL(pair_make(&other, &tp_xforms[8], 0x80001, true, true, true));
	for (int i = 0; i < 6; i++) {
		len[i] = good_packet(&pr, ilen[i], i & 1, inner, pkts[i]);
		esp_total += len[i];
	}
	CU_ASSERT_EQUAL(pr.out->stats.packets, 6);
	CU_ASSERT_EQUAL(pr.out->stats.bytes, 40 + 100 + 200 + 300 + 41 + 77);
	CU_ASSERT_EQUAL(pr.out->stats.esp_bytes, esp_total);
	ctx.now = 77;
	for (int i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(decrypt(pr.in, pkts[i], len[i], back, &why), ilen[i]);
	expect_drop(pr.in, pkts[2], len[2], HS_DROP_REPLAY);
	expect_drop(pr.in, pkts[2], len[2], HS_DROP_REPLAY);
	expect_drop(other.in, pkts[4], len[4], HS_DROP_INVALID_SPI);
	memcpy(bad, pkts[4], len[4]);
	bad[len[4] - 1] ^= 0x40;
	expect_drop(pr.in, bad, len[4], HS_DROP_AUTH);
	expect_drop(pr.in, pkts[5], 30, HS_DROP_TOO_SHORT);
	CU_ASSERT_EQUAL(pr.in->stats.packets, 4);
	CU_ASSERT_EQUAL(pr.in->stats.bytes, 40 + 100 + 200 + 300);
	CU_ASSERT_EQUAL(pr.in->stats.esp_bytes, esp_total - len[4] - len[5]);
	CU_ASSERT_EQUAL(pr.in->stats.last_used, 77);
	CU_ASSERT_EQUAL(pr.in->stats.errors[HS_DROP_REPLAY], 2);
	CU_ASSERT_EQUAL(pr.in->stats.errors[HS_DROP_AUTH], 1);
	CU_ASSERT_EQUAL(pr.in->stats.errors[HS_DROP_TOO_SHORT], 1);
	CU_ASSERT_EQUAL(pr.in->stats.errors[HS_DROP_INVALID_SPI], 0);
	CU_ASSERT_EQUAL(other.in->stats.errors[HS_DROP_INVALID_SPI], 1);
	CU_ASSERT_EQUAL(ctx.drop_count[HS_DROP_REPLAY], 2);
	CU_ASSERT_EQUAL(ctx.drop_count[HS_DROP_AUTH], 1);
	CU_ASSERT_EQUAL(ctx.drop_count[HS_DROP_INVALID_SPI], 1);
	CU_ASSERT_EQUAL(ctx.drop_count[HS_DROP_TOO_SHORT], 1);
	CU_ASSERT_EQUAL(pr.out->stats.errors[HS_DROP_REPLAY], 0);
	CU_ASSERT_EQUAL(ctx.drops.n, 0);
	pair_free(&pr);
	pair_free(&other);
}

/*
 * A caller that does not empty the drop list between bursts: the list holds
 * HS_BURST_MAX, further drops are freed at once but still counted.
 */
static void
test_drop_list_full(void)
{
	uint8_t inner[64];
	struct rte_mbuf *pk[HS_BURST_MAX];
	struct hs_sa *sas[HS_BURST_MAX];
	struct hs_sa_params p;
	struct hs_sa *sa;
	unsigned int avail;

	tp_params(&p, HS_SA_IN, &tp_xforms[0], 0x81000, false, 1);
	sa = tp_sa(&p, &ctx);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sa);
	tp_ipv4(inner, 64, 0, false, 1); /* not ESP: bad-header */
	for (int i = 0; i < HS_BURST_MAX; i++) {
		pk[i] = mk(inner, 64, 0);
		sas[i] = sa;
	}
	CU_ASSERT_EQUAL(hs_esp_in_burst(&ctx, pk, sas, HS_BURST_MAX), 0);
	CU_ASSERT_EQUAL(ctx.drops.n, HS_BURST_MAX);
	avail = pool_avail();
	pk[0] = mk(inner, 64, 0);
	CU_ASSERT_EQUAL(hs_esp_in_burst(&ctx, pk, sas, 1), 0);
	CU_ASSERT_EQUAL(ctx.drops.n, HS_BURST_MAX);
	CU_ASSERT_EQUAL(pool_avail(), avail); /* freed, not leaked */
	CU_ASSERT_EQUAL(ctx.drop_count[HS_DROP_BAD_HEADER], HS_BURST_MAX + 1);
	CU_ASSERT_EQUAL(sa->stats.errors[HS_DROP_BAD_HEADER], HS_BURST_MAX + 1);
	hs_esp_drops_free(&ctx);
	CU_ASSERT_EQUAL(ctx.drops.n, 0);
	hs_esp_drops_free(&ctx); /* empty: fine */
	hs_sa_destroy(sa);
}

/* A chained inbound packet larger than the bounce buffer: no-room. */
static void
test_in_too_big(void)
{
	static uint8_t esp[HS_ESP_BOUNCE_SIZE + 100], big[HS_ESP_BOUNCE_SIZE + 200];
	struct hs_sa_params p;
	struct hs_sa *sa;
	uint32_t len;

	tp_params(&p, HS_SA_IN, &tp_xforms[0], 0x82000, false, 1);
	sa = tp_sa(&p, &ctx);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sa);
	tp_put32(esp, 0x82000);
	tp_put32(esp + 4, 1);
	len = tp_outer(&p, 0, esp, sizeof(esp), big);
	CU_ASSERT_FATAL(len > HS_ESP_BOUNCE_SIZE);
	expect_drop_chain(sa, big, len);
	hs_sa_destroy(sa);
}

static void
test_ctx(void)
{
	const char *arch = hs_esp_ctx_arch(&ctx);

	CU_ASSERT_PTR_NOT_NULL_FATAL(arch);
	CU_ASSERT_STRING_NOT_EQUAL(arch, "none");
	CU_ASSERT_PTR_NOT_NULL(ctx.mgr);
	CU_ASSERT_PTR_NOT_NULL(ctx.bounce);
}

/* Every mbuf the tests allocated came back to the pool. */
static void
test_no_leak(void)
{
	CU_ASSERT_EQUAL(pool_avail(), pool_start);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite_with_setup_and_teardown(
		"esp", suite_init, suite_fini, test_setup, test_teardown);
	CU_add_test(s, "round trip: every transform x outer v4/v6 x NAT-T", test_roundtrip_all);
	CU_add_test(s, "round trip: every size 20..1500", test_roundtrip_every_size);
	CU_add_test(s, "round trip: chains both ways, 9000 bytes", test_chains);
	CU_add_test(s, "burst of 32, four SAs, bad mixed in", test_mixed_burst);
	CU_add_test(s, "outer DF/DSCP/ECN/TTL policy", test_outer_policy);
	CU_add_test(s, "outer IPv4 ID", test_ip_id);
	CU_add_test(s, "NAT-T ports", test_natt_ports);
	CU_add_test(s, "RFC 6040 decapsulation", test_ecn);
	CU_add_test(s, "ESN across 2^32", test_esn_wrap);
	CU_add_test(s, "ESN high bits authenticated", test_esn_high_bits_authenticated);
	CU_add_test(s, "sequence overflow without ESN", test_seq_overflow);
	CU_add_test(s, "truncated packets", test_truncated);
	CU_add_test(s, "L2 padding ignored", test_l2_padding);
	CU_add_test(s, "bad outer headers", test_bad_outer);
	CU_add_test(s, "outer IPv4 options", test_outer_options);
	CU_add_test(s, "wrong SPI", test_wrong_spi);
	CU_add_test(s, "bit flips", test_bit_flips);
	CU_add_test(s, "forged high sequence number", test_forged_high_seq);
	CU_add_test(s, "replay and too old", test_replay);
	CU_add_test(s, "padding, next header, inner, TFC", test_decrypted_checks);
	CU_add_test(s, "outbound refusals", test_out_refusals);
	CU_add_test(s, "EXPIRED and DEAD SAs", test_expired_state);
	CU_add_test(s, "lifetimes: soft/hard, packets/bytes", test_lifetime);
	CU_add_test(s, "lifetime: both limits at once", test_lifetime_both);
	CU_add_test(s, "lifetime: hard limit inside a burst", test_lifetime_in_burst);
	CU_add_test(s, "events take", test_events_take);
	CU_add_test(s, "peek SPI", test_peek_spi);
	CU_add_test(s, "trailer stays inside the buffer", test_trailer_bounds);
	CU_add_test(s, "counters exact", test_counters);
	CU_add_test(s, "drop list full", test_drop_list_full);
	CU_add_test(s, "inbound chain over the bounce size", test_in_too_big);
	CU_add_test(s, "context", test_ctx);
	CU_add_test(s, "no mbuf leaked", test_no_leak);
	return hs_test_run();
}
