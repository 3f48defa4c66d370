/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inbound ESP, tunnel mode (RFC 4303 §3.4). Order of checks, per packet:
 * outer header and lengths, SPI, replay window (before decrypting, §3.4.3),
 * then the job; after it the ICV in constant time (§3.4.4), the window is
 * advanced (only now), then padding and next header (§2.4, §2.6), the inner
 * header, and ECN decapsulation (RFC 6040 §4.2).
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "esp_internal.h"

/*
 * Skip the extension headers that may stand before ESP (RFC 8200 §4.1:
 * hop-by-hop, destination options, routing). A fragment header means the
 * packet was not reassembled: refused, like IPv4 fragments.
 */
bool
hs_esp_ipv6_skip_ext(const uint8_t *p, uint32_t total, uint32_t *off, uint8_t *proto)
{
	for (int n = 0; n < 8; n++) {
		if (*proto != IPPROTO_HOPOPTS && *proto != IPPROTO_DSTOPTS &&
			*proto != IPPROTO_ROUTING)
			return true;
		if (*off + 8 > total)
			return false;
		*proto = p[*off];
		*off += ((uint32_t)p[*off + 1] + 1) * 8;
	}
	return false; /* more than 8 extension headers: not from a sane peer */
}

/* Outer header checks; sets s->esp_off, s->len (IP total length), outer ECN. */
static enum hs_drop_reason
outer_parse(const struct hs_sa *sa, struct hs_esp_slot *s, uint32_t avail)
{
	const uint8_t *p = s->pkt;
	uint32_t l3, total;
	uint8_t proto;

	if (avail < 1)
		return HS_DROP_TOO_SHORT;
	if ((p[0] >> 4) == 4) {
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)p;

		if (avail < sizeof(*ip))
			return HS_DROP_TOO_SHORT;
		l3 = (uint32_t)(p[0] & 0xf) * 4;
		total = rte_be_to_cpu_16(ip->total_length);
		if (l3 < sizeof(*ip) || total < l3)
			return HS_DROP_BAD_HEADER;
		/* Fragments are reassembled (or refused) before the ESP engine. */
		if (rte_be_to_cpu_16(ip->fragment_offset) & (RTE_IPV4_HDR_MF_FLAG |
				RTE_IPV4_HDR_OFFSET_MASK))
			return HS_DROP_BAD_HEADER;
		proto = ip->next_proto_id;
		s->outer_ecn = ip->type_of_service & 0x3;
	} else if ((p[0] >> 4) == 6) {
		const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)p;

		if (avail < sizeof(*ip6))
			return HS_DROP_TOO_SHORT;
		l3 = sizeof(*ip6);
		total = l3 + rte_be_to_cpu_16(ip6->payload_len);
		proto = ip6->proto;
		s->outer_ecn = (uint8_t)(rte_be_to_cpu_32(ip6->vtc_flow) >> 20) & 0x3;
		if (total > avail)
			return HS_DROP_TOO_SHORT;
		if (!hs_esp_ipv6_skip_ext(p, total, &l3, &proto))
			return HS_DROP_BAD_HEADER;
	} else {
		return HS_DROP_BAD_HEADER;
	}
	if (total > avail)
		return HS_DROP_TOO_SHORT;
	if (proto == IPPROTO_UDP && sa->rt.natt) {
		const struct rte_udp_hdr *udp = (const struct rte_udp_hdr *)(p + l3);

		if (total < l3 + sizeof(*udp))
			return HS_DROP_TOO_SHORT;
		if (rte_be_to_cpu_16(udp->dgram_len) != total - l3)
			return HS_DROP_BAD_HEADER;
		l3 += sizeof(*udp);
	} else if (proto != IPPROTO_ESP || sa->rt.natt) {
		return HS_DROP_BAD_HEADER;
	}
	s->esp_off = l3;
	s->len = total; /* anything after (Ethernet padding) is ignored */
	return HS_DROP_MAX;
}

/* ESP header, lengths and replay; fills what the job needs. */
static enum hs_drop_reason
esp_parse(struct hs_sa *sa, struct hs_esp_slot *s)
{
	const struct hs_sa_rt *rt = &sa->rt;
	uint8_t *esp = s->pkt + s->esp_off;
	uint32_t spi_be, seq_be, body;

	if (s->len < s->esp_off + ESP_HDR_LEN)
		return HS_DROP_TOO_SHORT;
	memcpy(&spi_be, esp, 4);
	memcpy(&seq_be, esp + 4, 4);
	if (spi_be != rt->spi_be)
		return HS_DROP_INVALID_SPI;
	body = s->len - s->esp_off - ESP_HDR_LEN;
	if (body < (uint32_t)rt->iv_len + rt->icv_len + rt->pad_align)
		return HS_DROP_TOO_SHORT;
	s->payload_len = body - rt->iv_len - rt->icv_len;
	if (s->payload_len & (rt->pad_align - 1u))
		return HS_DROP_BAD_LENGTH;
	if (!hs_replay_check(&sa->replay, rte_be_to_cpu_32(seq_be), &s->seq))
		return HS_DROP_REPLAY;

	uint8_t *icv = esp + ESP_HDR_LEN + rt->iv_len + s->payload_len;

	if (rt->cipher_mode == IMB_CIPHER_GCM) {
		memcpy(s->iv, &rt->salt, 4);
		memcpy(s->iv + 4, esp + ESP_HDR_LEN, 8);
		memcpy(s->aad, &spi_be, 4);
		if (rt->esn) {
			uint32_t hi = rte_cpu_to_be_32((uint32_t)(s->seq >> 32));

			memcpy(s->aad + 4, &hi, 4);
			memcpy(s->aad + 8, &seq_be, 4);
		} else {
			memcpy(s->aad + 4, &seq_be, 4);
		}
	} else if (rt->esn && rt->icv_len != 0) {
		/*
		 * The ICV covers the high bits (RFC 4303 §3.3.2.1), hashed where the
		 * received ICV sits: save it first.
		 */
		uint32_t hi = rte_cpu_to_be_32((uint32_t)(s->seq >> 32));

		memcpy(s->rx_icv, icv, rt->icv_len);
		memcpy(icv, &hi, 4);
	}
	return HS_DROP_MAX;
}

static uint8_t
prep_one(struct hs_esp_ctx *ctx, struct hs_sa *sa, struct rte_mbuf *m, struct hs_esp_slot *s)
{
	enum hs_drop_reason why;
	uint32_t avail = m->pkt_len;

	if (hs_unlikely(sa->rt.state >= HS_SA_EXPIRED))
		return VERDICT(HS_DROP_SA_EXPIRED);
	s->m = m;
	s->job_status = 0;
	s->bounced = m->nb_segs > 1;
	if (hs_likely(!s->bounced)) {
		s->pkt = rte_pktmbuf_mtod(m, uint8_t *);
	} else {
		s->pkt = ctx->bounce + (size_t)(s - ctx->slot) * HS_ESP_BOUNCE_SIZE;
		avail = hs_esp_gather(m, s->pkt, HS_ESP_BOUNCE_SIZE);
		if (avail == 0)
			return VERDICT(HS_DROP_NO_ROOM);
	}
	why = outer_parse(sa, s, avail);
	if (why == HS_DROP_MAX)
		why = esp_parse(sa, s);
	return why == HS_DROP_MAX ? 0 : VERDICT(why);
}

/* RFC 6040 §4.2 decapsulation table; returns false to drop. */
static bool
ecn_decap(uint8_t outer, uint8_t inner, uint8_t *out)
{
	enum { NOT_ECT = 0, ECT1 = 1, ECT0 = 2, CE = 3 };

	*out = inner;
	if (outer == CE) {
		if (inner == NOT_ECT)
			return false;
		*out = CE;
	} else if (outer == ECT1 && inner == ECT0) {
		*out = ECT1;
	}
	return true;
}

/* Inner header checks and ECN; sets s->inner_len (TFC padding trimmed). */
static enum hs_drop_reason
inner_check(struct hs_esp_slot *s, uint8_t *in, uint32_t len, uint8_t nh)
{
	uint8_t ecn;

	if (nh == IPPROTO_IPIP_NH) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)in;
		uint32_t total;

		if (len < sizeof(*ip) || (in[0] >> 4) != 4 || (in[0] & 0xf) < 5)
			return HS_DROP_BAD_INNER;
		total = rte_be_to_cpu_16(ip->total_length);
		if (total < (uint32_t)(in[0] & 0xf) * 4 || total > len)
			return HS_DROP_BAD_INNER;
		s->inner_len = total;
		if (!ecn_decap(s->outer_ecn, ip->type_of_service & 3, &ecn))
			return HS_DROP_ECN;
		if (ecn != (ip->type_of_service & 3)) {
			ip->type_of_service = (uint8_t)((ip->type_of_service & 0xfc) | ecn);
			ip->hdr_checksum = 0;
			ip->hdr_checksum = rte_ipv4_cksum(ip);
		}
	} else {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)in;
		uint32_t vtc, total;

		if (len < sizeof(*ip6) || (in[0] >> 4) != 6)
			return HS_DROP_BAD_INNER;
		total = sizeof(*ip6) + rte_be_to_cpu_16(ip6->payload_len);
		if (total > len)
			return HS_DROP_BAD_INNER;
		s->inner_len = total;
		vtc = rte_be_to_cpu_32(ip6->vtc_flow);
		if (!ecn_decap(s->outer_ecn, (vtc >> 20) & 3, &ecn))
			return HS_DROP_ECN;
		vtc = (vtc & ~(3u << 20)) | (uint32_t)ecn << 20;
		ip6->vtc_flow = rte_cpu_to_be_32(vtc);
	}
	return HS_DROP_MAX;
}

/* After the job: ICV, replay advance, trailer, inner packet. */
static enum hs_drop_reason
finish_one(struct hs_sa *sa, struct hs_esp_slot *s)
{
	const struct hs_sa_rt *rt = &sa->rt;
	uint8_t *payload = s->pkt + s->esp_off + ESP_HDR_LEN + rt->iv_len;
	uint8_t pad_len, nh;

	const uint8_t *rx_icv = rt->esn && rt->cipher_mode == IMB_CIPHER_CBC ?
		s->rx_icv : payload + s->payload_len;

	if (!hs_icv_equal_ct(s->icv, rx_icv, rt->icv_len))
		return HS_DROP_AUTH;
	/* A hard limit reached by an earlier packet of this burst. */
	if (hs_unlikely(rt->state >= HS_SA_EXPIRED))
		return HS_DROP_SA_EXPIRED;
	if (!hs_replay_advance(&sa->replay, s->seq))
		return HS_DROP_REPLAY;
	pad_len = payload[s->payload_len - 2];
	nh = payload[s->payload_len - 1];
	if ((uint32_t)pad_len + ESP_TRAILER_LEN > s->payload_len)
		return HS_DROP_BAD_PADDING;
	/* RFC 4303 §2.4: the receiver checks the default pad contents 1, 2, 3... */
	for (uint32_t i = 0; i < pad_len; i++)
		if (payload[s->payload_len - 2 - pad_len + i] != (uint8_t)(i + 1))
			return HS_DROP_BAD_PADDING;
	if (nh == NH_NO_NEXT)
		return HS_DROP_TFC_DUMMY;
	if (nh != IPPROTO_IPIP_NH && nh != IPPROTO_IPV6_NH)
		return HS_DROP_BAD_NEXT_HEADER;
	return inner_check(s, payload, s->payload_len - pad_len - ESP_TRAILER_LEN, nh);
}

/* Leave only the inner packet in the mbuf. */
static uint8_t
strip(const struct hs_sa *sa, struct rte_mbuf *m, const struct hs_esp_slot *s)
{
	uint32_t hdr = s->esp_off + ESP_HDR_LEN + sa->rt.iv_len;

	if (s->bounced) {
		if (hs_esp_scatter(m, s->pkt + hdr, s->inner_len) != 0)
			return VERDICT(HS_DROP_NO_ROOM);
	} else {
		/* One segment: cut both ends in place (trim would walk the chain). */
		m->data_off = (uint16_t)(m->data_off + hdr);
		m->data_len = (uint16_t)s->inner_len;
		m->pkt_len = s->inner_len;
	}
	m->packet_type = (rte_pktmbuf_mtod(m, uint8_t *)[0] >> 4) == 4 ? RTE_PTYPE_L3_IPV4 :
									  RTE_PTYPE_L3_IPV6;
	return 0;
}

uint16_t
hs_esp_in_burst(struct hs_esp_ctx *ctx, struct rte_mbuf *pkts[], struct hs_sa *sas[], uint16_t n)
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
		enum hs_drop_reason why;

		if (verdict[i] != 0)
			continue;
		why = finish_one(sas[i], s);
		if (why != HS_DROP_MAX) {
			verdict[i] = VERDICT(why);
			continue;
		}
		verdict[i] = strip(sas[i], pkts[i], s);
		if (verdict[i] == 0)
			hs_esp_count(ctx, sas[i], s->inner_len, s->len);
	}
	return hs_esp_compact(ctx, pkts, sas, n, verdict);
}
