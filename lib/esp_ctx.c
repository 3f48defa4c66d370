/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-lcore ESP context and what both directions share: running a burst
 * of jobs through intel-ipsec-mb, the drop list, lifetime events, chained
 * mbufs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "esp_internal.h"

int
hs_esp_ctx_init(struct hs_esp_ctx *ctx)
{
	IMB_ARCH arch;

	memset(ctx, 0, sizeof(*ctx));
	ctx->mgr = alloc_mb_mgr(0);
	if (ctx->mgr == NULL)
		return -ENOMEM;
	init_mb_mgr_auto(ctx->mgr, &arch);
	if (arch == IMB_ARCH_NONE || arch == IMB_ARCH_NOAESNI) {
		hs_esp_ctx_fini(ctx);
		return -ENOTSUP;
	}
	ctx->bounce = aligned_alloc(HS_CACHE_LINE, (size_t)HS_BURST_MAX * HS_ESP_BOUNCE_SIZE);
	if (ctx->bounce == NULL) {
		hs_esp_ctx_fini(ctx);
		return -ENOMEM;
	}
	ctx->ip_id = 1;
	return 0;
}

void
hs_esp_ctx_fini(struct hs_esp_ctx *ctx)
{
	if (ctx->mgr != NULL)
		free_mb_mgr(ctx->mgr);
	if (ctx->bounce != NULL) {
		/* Clear-text of chained packets passed through here. */
		explicit_bzero(ctx->bounce, (size_t)HS_BURST_MAX * HS_ESP_BOUNCE_SIZE);
		free(ctx->bounce);
	}
	explicit_bzero(ctx->slot, sizeof(ctx->slot));
	ctx->mgr = NULL;
	ctx->bounce = NULL;
}

const char *
hs_esp_ctx_arch(const struct hs_esp_ctx *ctx)
{
	static const char *const names[IMB_ARCH_NUM] = {
		[IMB_ARCH_NONE] = "none", [IMB_ARCH_NOAESNI] = "no-aesni", [IMB_ARCH_SSE] = "SSE",
		[IMB_ARCH_AVX] = "AVX", [IMB_ARCH_AVX2] = "AVX2", [IMB_ARCH_AVX512] = "AVX512",
	};
	uint64_t flags;

	if (ctx->mgr == NULL)
		return "none";
	flags = ctx->mgr->features;
	if ((flags & IMB_FEATURE_VAES) && (flags & IMB_FEATURE_AVX512_SKX))
		return "AVX512+VAES";
	if (flags & IMB_FEATURE_AVX512_SKX)
		return names[IMB_ARCH_AVX512];
	if (flags & IMB_FEATURE_AVX2)
		return names[IMB_ARCH_AVX2];
	if (flags & IMB_FEATURE_AVX)
		return names[IMB_ARCH_AVX];
	return names[IMB_ARCH_SSE];
}

void
hs_esp_drops_free(struct hs_esp_ctx *ctx)
{
	if (ctx->drops.n == 0)
		return;
	rte_pktmbuf_free_bulk(ctx->drops.pkts, ctx->drops.n);
	ctx->drops.n = 0;
}

uint16_t
hs_esp_events_take(struct hs_esp_ctx *ctx, struct hs_sa_event *ev, uint16_t max)
{
	uint16_t n = ctx->nb_events < max ? ctx->nb_events : max;

	memcpy(ev, ctx->events, n * sizeof(*ev));
	memmove(ctx->events, ctx->events + n, (ctx->nb_events - n) * sizeof(*ev));
	ctx->nb_events -= n;
	return n;
}

static void
raise_event(struct hs_esp_ctx *ctx, struct hs_sa *sa, enum hs_sa_event_kind kind)
{
	if (sa->events_raised & (1u << kind))
		return;
	sa->events_raised |= (uint8_t)(1u << kind);
	if (ctx->nb_events == HS_ESP_EVENTS_MAX) {
		ctx->events_lost++;
		return;
	}
	ctx->events[ctx->nb_events++] = (struct hs_sa_event){ sa, sa->rt.spi, (uint8_t)kind };
}

static uint64_t
next_limit(uint64_t soft, uint64_t hard, bool soft_done)
{
	if (soft != 0 && !soft_done)
		return soft;
	return hard != 0 ? hard : UINT64_MAX;
}

void
hs_sa_limits_rearm(struct hs_sa *sa)
{
	const struct hs_sa_lifetime *l = &sa->rt.limit;
	bool soft_done = sa->events_raised & (1u << HS_SA_EV_SOFT_LIMIT);

	sa->check_packets = next_limit(l->soft_packets, l->hard_packets, soft_done);
	sa->check_bytes = next_limit(l->soft_bytes, l->hard_bytes, soft_done);
	if (sa->events_raised & (1u << HS_SA_EV_HARD_LIMIT))
		sa->check_packets = sa->check_bytes = UINT64_MAX;
}

static bool
over(uint64_t count, uint64_t limit)
{
	return limit != 0 && count >= limit;
}

/* Out of line: runs only when a limit was reached (hs_esp_count). */
void
hs_esp_lifetime_hit(struct hs_esp_ctx *ctx, struct hs_sa *sa)
{
	const struct hs_sa_lifetime *l = &sa->rt.limit;
	const struct hs_sa_stats *s = &sa->stats;

	if (over(s->packets, l->soft_packets) || over(s->bytes, l->soft_bytes)) {
		raise_event(ctx, sa, HS_SA_EV_SOFT_LIMIT);
		if (sa->rt.state == HS_SA_ACTIVE)
			hs_sa_set_state(sa, HS_SA_SOFT_EXPIRED);
	}
	if (over(s->packets, l->hard_packets) || over(s->bytes, l->hard_bytes)) {
		raise_event(ctx, sa, HS_SA_EV_HARD_LIMIT);
		if (sa->rt.state < HS_SA_EXPIRED)
			hs_sa_set_state(sa, HS_SA_EXPIRED);
	}
	hs_sa_limits_rearm(sa);
}

/*
 * Outbound sequence numbers close to the end of their space (RFC 4303
 * §3.3.3: the SA must be rekeyed before the counter cycles). Called when the
 * low 32 bits pass this mark without ESN.
 */
void
hs_esp_seq_near_wrap(struct hs_esp_ctx *ctx, struct hs_sa *sa)
{
	raise_event(ctx, sa, HS_SA_EV_SEQ_NEAR_WRAP);
}

uint32_t
hs_esp_gather(const struct rte_mbuf *m, uint8_t *buf, uint32_t max)
{
	uint32_t off = 0;

	if (m->pkt_len > max)
		return 0;
	for (; m != NULL; m = m->next) {
		memcpy(buf + off, rte_pktmbuf_mtod(m, const uint8_t *), m->data_len);
		off += m->data_len;
	}
	return off;
}

int
hs_esp_scatter(struct rte_mbuf *m, const uint8_t *data, uint32_t len)
{
	struct rte_mbuf *head = m, *last = m;
	uint32_t left = len;
	uint16_t segs = 0;

	/* Room check first, so a failure leaves the chain as it was. */
	for (struct rte_mbuf *s = m; s != NULL; s = s->next)
		last = s;
	if (len > head->pkt_len && len - head->pkt_len > rte_pktmbuf_tailroom(last))
		return -ENOSPC;
	if (len > head->pkt_len)
		last->data_len = (uint16_t)(last->data_len + (len - head->pkt_len));
	for (struct rte_mbuf *s = head, *prev = NULL; s != NULL; prev = s, s = s->next) {
		uint32_t n = s->data_len < left ? s->data_len : left;

		if (n == 0 && prev != NULL) {
			/* Past the new end: cut the rest of the chain off. */
			prev->next = NULL;
			rte_pktmbuf_free(s);
			break;
		}
		memcpy(rte_pktmbuf_mtod(s, uint8_t *), data, n);
		s->data_len = (uint16_t)n;
		data += n;
		left -= n;
		segs++;
	}
	head->nb_segs = segs;
	head->pkt_len = len;
	return 0;
}

void
hs_esp_run_jobs(struct hs_esp_ctx *ctx, struct hs_sa *sas[], uint16_t idx[], uint16_t n,
	uint8_t verdict[])
{
	IMB_JOB *jobs[HS_BURST_MAX];
	uint32_t got, done;

	if (n == 0)
		return;
	got = IMB_GET_NEXT_BURST(ctx->mgr, n, jobs);
	if (hs_unlikely(got < n)) {
		/* Only if an earlier burst left jobs queued: complete them first. */
		IMB_JOB *old[HS_BURST_MAX];

		while (IMB_FLUSH_BURST(ctx->mgr, HS_BURST_MAX, old) > 0)
			;
		got = IMB_GET_NEXT_BURST(ctx->mgr, n, jobs);
	}
	for (uint32_t j = 0; j < got; j++) {
		struct hs_sa *sa = sas[idx[j]];

		sa->rt.fill_job(sa, jobs[j], &ctx->slot[idx[j]]);
	}
	for (uint32_t j = got; j < n; j++)
		verdict[idx[j]] = VERDICT(HS_DROP_CRYPTO);

	done = IMB_SUBMIT_BURST(ctx->mgr, got, jobs);
	if (done < got)
		done += IMB_FLUSH_BURST(ctx->mgr, got - done, jobs + done);
	if (hs_unlikely(done < got)) {
		/* A job failed validation: its slot never completed. */
		for (uint32_t j = 0; j < got; j++)
			if (ctx->slot[idx[j]].job_status == 0)
				verdict[idx[j]] = VERDICT(HS_DROP_CRYPTO);
	}
	for (uint32_t j = 0; j < done; j++) {
		struct hs_esp_slot *slot = jobs[j]->user_data;

		slot->job_status = 1;
		if (hs_unlikely(jobs[j]->status != IMB_STATUS_COMPLETED))
			verdict[slot - ctx->slot] = VERDICT(HS_DROP_CRYPTO);
	}
}

uint16_t
hs_esp_compact(struct hs_esp_ctx *ctx, struct rte_mbuf *pkts[], struct hs_sa *sas[], uint16_t n,
	const uint8_t verdict[])
{
	uint16_t k = 0;

	for (uint16_t i = 0; i < n; i++) {
		if (hs_likely(verdict[i] == 0)) {
			pkts[k] = pkts[i];
			sas[k++] = sas[i];
		} else {
			hs_esp_drop(ctx, sas[i], pkts[i], (enum hs_drop_reason)(verdict[i] - 1));
		}
	}
	return k;
}

/* Read n bytes at off of a (possibly chained) packet into out. */
static bool
peek(const struct rte_mbuf *m, uint32_t off, uint32_t n, void *out)
{
	const void *p = rte_pktmbuf_read(m, off, n, out);

	if (p == NULL)
		return false;
	if (p != out)
		memcpy(out, p, n);
	return true;
}

int
hs_esp_peek_spi(const struct rte_mbuf *m, uint32_t *spi)
{
	uint8_t buf[256];
	uint32_t off, v, n = RTE_MIN(m->pkt_len, (uint32_t)sizeof(buf));
	const uint8_t *ip = n >= 20 ? rte_pktmbuf_read(m, 0, n, buf) : NULL;
	uint8_t proto;

	if (ip == NULL)
		return -EINVAL;
	if ((ip[0] >> 4) == 4) {
		off = (uint32_t)(ip[0] & 0xf) * 4;
		proto = ip[9];
		if (off < 20)
			return -EINVAL;
	} else if ((ip[0] >> 4) == 6 && n >= 40) {
		off = 40;
		proto = ip[6];
		/* Extension headers beyond what we looked at: not ESP we can take. */
		if (!hs_esp_ipv6_skip_ext(ip, n, &off, &proto))
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	if (proto == IPPROTO_UDP) {
		uint16_t dport;

		if (!peek(m, off + 2, 2, &dport) || rte_be_to_cpu_16(dport) != 4500)
			return -EINVAL;
		off += 8;
	} else if (proto != IPPROTO_ESP) {
		return -EINVAL;
	}
	if (!peek(m, off, 4, &v))
		return -EINVAL;
	*spi = rte_be_to_cpu_32(v);
	/* RFC 3948 §2.2: a zero SPI on UDP 4500 is the non-ESP marker (IKE). */
	return *spi == 0 ? -EINVAL : 0;
}
