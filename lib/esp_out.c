/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Outbound ESP, tunnel mode (RFC 4303 §3.1.2):
 *   [outer IP][UDP 4500 if NAT-T][SPI][seq][IV][inner packet][pad][pad len][NH][ICV]
 * Three passes over the burst: build headers and trailers, run the jobs,
 * finish (IPv6 UDP checksum, chained copies, counters) and compact.
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "esp_internal.h"

/* What the outer header takes from the inner one. */
struct inner_info {
	uint8_t nh;  /* 4 or 41 */
	uint8_t tos; /* DSCP and ECN */
	bool df;
};

static bool
inner_parse(const uint8_t *p, uint32_t len, struct inner_info *in)
{
	if (len >= sizeof(struct rte_ipv4_hdr) && (p[0] >> 4) == 4) {
		in->nh = IPPROTO_IPIP_NH;
		in->tos = p[1];
		in->df = (p[6] & 0x40) != 0;
		return true;
	}
	if (len >= sizeof(struct rte_ipv6_hdr) && (p[0] >> 4) == 6) {
		in->nh = IPPROTO_IPV6_NH;
		in->tos = (uint8_t)(p[0] << 4 | p[1] >> 4);
		in->df = false; /* RFC 4301 §8.1: no DF to copy from IPv6 */
		return true;
	}
	return false;
}

/* Outer IP (+UDP) from the template; lengths and per-packet fields filled. */
static void
write_outer(struct hs_esp_ctx *ctx, const struct hs_sa *sa, uint8_t *p, uint32_t len,
	const struct inner_info *in)
{
	const struct hs_sa_rt *rt = &sa->rt;
	/* DSCP copied or set (RFC 4301 §5.1.2.1); ECN copied (RFC 6040 normal mode). */
	uint8_t tos = (rt->dscp_copy ? (in->tos & 0xfc) : rt->tos) | (in->tos & 0x03);
	uint32_t l3;

	/* Fixed-size copies: the compiler turns them into a few moves. */
	switch (rt->outer_len) {
	case 20:
		memcpy(p, rt->outer_tmpl, 20);
		break;
	case 28:
		memcpy(p, rt->outer_tmpl, 28);
		break;
	case 40:
		memcpy(p, rt->outer_tmpl, 40);
		break;
	default:
		memcpy(p, rt->outer_tmpl, 48);
		break;
	}
	if (!rt->outer_v6) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;
		bool df = rt->df == HS_DF_SET || (rt->df == HS_DF_COPY && in->df);
		uint16_t frag = df ? RTE_IPV4_HDR_DF_FLAG : 0;
		uint32_t sum;

		if (hs_unlikely(ctx->ip_id == 0))
			ctx->ip_id = 1; /* some middleboxes treat ID 0 as "DF" */
		/* RFC 1071 sum: template words plus the per-packet ones, no re-read. */
		sum = rt->csum_base + tos + len + ctx->ip_id + frag;
		sum = (sum & 0xffff) + (sum >> 16);
		sum = (sum & 0xffff) + (sum >> 16);
		ip->type_of_service = tos;
		ip->total_length = rte_cpu_to_be_16((uint16_t)len);
		ip->fragment_offset = rte_cpu_to_be_16(frag);
		ip->packet_id = rte_cpu_to_be_16(ctx->ip_id++);
		ip->hdr_checksum = rte_cpu_to_be_16((uint16_t)~sum);
		l3 = sizeof(*ip);
	} else {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)p;

		ip6->vtc_flow = rte_cpu_to_be_32(6u << 28 | (uint32_t)tos << 20);
		ip6->payload_len = rte_cpu_to_be_16((uint16_t)(len - sizeof(*ip6)));
		l3 = sizeof(*ip6);
	}
	if (rt->natt) {
		struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(p + l3);

		udp->dgram_len = rte_cpu_to_be_16((uint16_t)(len - l3));
		udp->dgram_cksum = 0; /* RFC 3948 §2.1; IPv6 fixed up after encryption */
	}
}

/* ESP header, IV or counter block, trailer; the job is filled later. */
static void
write_esp(const struct hs_sa *sa, struct hs_esp_slot *s, uint32_t inner_len, uint8_t nh)
{
	uint8_t *esp = s->pkt + s->esp_off;
	uint8_t *trailer = esp + ESP_HDR_LEN + sa->rt.iv_len + inner_len;
	uint32_t pad = s->payload_len - inner_len - ESP_TRAILER_LEN;
	uint32_t seq_lo = rte_cpu_to_be_32((uint32_t)s->seq);
	uint64_t iv_ctr = rte_cpu_to_be_64(s->seq ^ sa->rt.iv_mask);

	memcpy(esp, &sa->rt.spi_be, 4);
	memcpy(esp + 4, &seq_lo, 4);
	if (sa->rt.cipher_mode == IMB_CIPHER_GCM) {
		/* RFC 4106 §3.1: the IV must not repeat under a key; seq never does. */
		memcpy(esp + ESP_HDR_LEN, &iv_ctr, 8);
		memcpy(s->iv, &sa->rt.salt, 4);
		memcpy(s->iv + 4, &iv_ctr, 8);
		memcpy(s->aad, &sa->rt.spi_be, 4);
		if (sa->rt.esn) {
			uint32_t hi = rte_cpu_to_be_32((uint32_t)(s->seq >> 32));

			memcpy(s->aad + 4, &hi, 4);
			memcpy(s->aad + 8, &seq_lo, 4);
		} else {
			memcpy(s->aad + 4, &seq_lo, 4);
		}
	} else {
		/* Counter block, encrypted into the IV by the job (esp_jobs.c). */
		memcpy(esp + ESP_HDR_LEN, &iv_ctr, 8);
		memcpy(esp + ESP_HDR_LEN + 8, &sa->rt.spi_be, 4);
		memcpy(esp + ESP_HDR_LEN + 12, &sa->rt.iv_nonce, 4);
	}
	/* RFC 4303 §2.4: pad bytes 1, 2, 3, ... */
	for (uint32_t i = 0; i < pad; i++)
		trailer[i] = (uint8_t)(i + 1);
	trailer[pad] = (uint8_t)pad;
	trailer[pad + 1] = nh;
	if (sa->rt.esn && sa->rt.cipher_mode == IMB_CIPHER_CBC && sa->rt.icv_len != 0) {
		/* High sequence bits where the ICV goes (RFC 4303 §3.3.2.1). */
		uint32_t hi = rte_cpu_to_be_32((uint32_t)(s->seq >> 32));

		memcpy(trailer + pad + 2, &hi, 4);
	}
}

static enum hs_drop_reason
next_seq(struct hs_esp_ctx *ctx, struct hs_sa *sa, uint64_t *seq)
{
	uint64_t next = sa->seq + 1;

	/* RFC 4303 §3.3.3: the counter must not cycle; without ESN stop at 2^32-1. */
	if (hs_unlikely(!sa->rt.esn && next > UINT32_MAX))
		return HS_DROP_SEQ_OVERFLOW;
	if (hs_unlikely(next == 0))
		return HS_DROP_SEQ_OVERFLOW;
	if (hs_unlikely(!sa->rt.esn && next > UINT32_MAX - HS_SEQ_WRAP_MARGIN))
		hs_esp_seq_near_wrap(ctx, sa);
	sa->seq = next;
	*seq = next;
	return HS_DROP_MAX;
}

/*
 * Lay out one packet in its slot. Single segment: in the mbuf, with the
 * headers in the headroom and the trailer in the tailroom. Chained: in the
 * slot's bounce buffer, copied back after the job.
 */
static uint8_t
prep_one(struct hs_esp_ctx *ctx, struct hs_sa *sa, struct rte_mbuf *m, struct hs_esp_slot *s)
{
	uint32_t inner_len = m->pkt_len;
	uint32_t hdr = sa->rt.esp_hdr_len;
	uint32_t pay = inner_len + ESP_TRAILER_LEN;
	uint32_t pad = (uint32_t)(-pay) & (sa->rt.pad_align - 1u);
	uint32_t tail = pad + ESP_TRAILER_LEN + sa->rt.icv_len;
	struct inner_info in;
	enum hs_drop_reason why;

	if (hs_unlikely(sa->rt.state >= HS_SA_EXPIRED))
		return VERDICT(HS_DROP_SA_EXPIRED);
	s->m = m;
	s->job_status = 0;
	s->esp_off = sa->rt.outer_len;
	s->payload_len = pay + pad;
	s->inner_len = inner_len;
	s->len = hdr + inner_len + tail;
	s->bounced = m->nb_segs > 1;
	if (hs_likely(!s->bounced)) {
		if (hs_unlikely(rte_pktmbuf_headroom(m) < hdr || rte_pktmbuf_tailroom(m) < tail))
			return VERDICT(HS_DROP_NO_ROOM);
		if (!inner_parse(rte_pktmbuf_mtod(m, uint8_t *), inner_len, &in))
			return VERDICT(HS_DROP_BAD_INNER);
		/* One segment: grow both ends in place (append would walk the chain). */
		m->data_off = (uint16_t)(m->data_off - hdr);
		m->data_len = (uint16_t)(m->data_len + hdr + tail);
		m->pkt_len += hdr + tail;
		s->pkt = rte_pktmbuf_mtod(m, uint8_t *);
	} else {
		s->pkt = ctx->bounce + (size_t)(s - ctx->slot) * HS_ESP_BOUNCE_SIZE;
		if (s->len > HS_ESP_BOUNCE_SIZE || rte_pktmbuf_headroom(m) < hdr)
			return VERDICT(HS_DROP_NO_ROOM);
		hs_esp_gather(m, s->pkt + hdr, HS_ESP_BOUNCE_SIZE - hdr);
		if (!inner_parse(s->pkt + hdr, inner_len, &in))
			return VERDICT(HS_DROP_BAD_INNER);
	}
	why = next_seq(ctx, sa, &s->seq);
	if (hs_unlikely(why != HS_DROP_MAX))
		return VERDICT(why);
	write_outer(ctx, sa, s->pkt, s->len, &in);
	write_esp(sa, s, inner_len, in.nh);
	/*
	 * Counted now, not after the job, so that a hard limit reached inside
	 * this burst stops the SA for the rest of it (RFC 4301 §4.4.2.1).
	 */
	hs_esp_count(ctx, sa, inner_len, s->len);
	return 0;
}

/* After the job: UDP checksum over IPv6 (RFC 8200 §8.1 forbids zero), copy-back. */
static uint8_t
finish_one(struct hs_sa *sa, struct rte_mbuf *m, struct hs_esp_slot *s)
{
	if (sa->rt.natt && sa->rt.outer_v6) {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)s->pkt;
		struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip6 + 1);

		udp->dgram_cksum = rte_ipv6_udptcp_cksum(ip6, udp);
	}
	if (s->bounced) {
		if (rte_pktmbuf_prepend(m, sa->rt.esp_hdr_len) == NULL ||
			hs_esp_scatter(m, s->pkt, s->len) != 0)
			return VERDICT(HS_DROP_NO_ROOM);
	}
	m->packet_type = sa->rt.outer_v6 ? RTE_PTYPE_L3_IPV6 : RTE_PTYPE_L3_IPV4;
	return 0;
}

uint16_t
hs_esp_out_burst(struct hs_esp_ctx *ctx, struct rte_mbuf *pkts[], struct hs_sa *sas[], uint16_t n)
{
	uint8_t verdict[HS_BURST_MAX];
	uint16_t idx[HS_BURST_MAX];
	uint16_t nj = 0;

	if (n > HS_BURST_MAX)
		n = HS_BURST_MAX;
	for (uint16_t i = 0; i < n; i++) {
		verdict[i] = prep_one(ctx, sas[i], pkts[i], &ctx->slot[i]);
		if (hs_likely(verdict[i] == 0))
			idx[nj++] = i;
	}
	hs_esp_run_jobs(ctx, sas, idx, nj, verdict);
	for (uint16_t j = 0; j < nj; j++) {
		uint16_t i = idx[j];
		struct hs_esp_slot *s = &ctx->slot[i];

		if (verdict[i] == 0)
			verdict[i] = finish_one(sas[i], pkts[i], s);
		if (hs_unlikely(verdict[i] != 0)) {
			/* Counted in prep_one, lost afterwards: it was not sent. */
			sas[i]->stats.packets--;
			sas[i]->stats.bytes -= s->inner_len;
			sas[i]->stats.esp_bytes -= s->len;
		}
	}
	return hs_esp_compact(ctx, pkts, sas, n, verdict);
}
