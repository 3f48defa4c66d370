/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared between the ESP engine's files; not for users of the engine. */
#ifndef HS_ESP_INTERNAL_H
#define HS_ESP_INTERNAL_H

#include "esp.h"
#include "sa.h"

#define ESP_HDR_LEN 8	   /* SPI + sequence number */
#define ESP_TRAILER_LEN 2 /* pad length + next header */
#define IPPROTO_IPIP_NH 4
#define IPPROTO_IPV6_NH 41
#define NH_NO_NEXT 59 /* RFC 4303 §2.6: TFC dummy packet */

/* Per-SA job functions (lib/esp_jobs.c), chosen by hs_sa_create(). */
void hs_esp_gcm_job_out(const struct hs_sa *sa, IMB_JOB *job, struct hs_esp_slot *slot);
void hs_esp_gcm_job_in(const struct hs_sa *sa, IMB_JOB *job, struct hs_esp_slot *slot);
void hs_esp_cbc_job_out(const struct hs_sa *sa, IMB_JOB *job, struct hs_esp_slot *slot);
void hs_esp_cbc_job_in(const struct hs_sa *sa, IMB_JOB *job, struct hs_esp_slot *slot);

/* Recompute the counts at which the next lifetime limit needs a look. */
void hs_sa_limits_rearm(struct hs_sa *sa);

/* Count a packet on its SA and raise lifetime events when a limit is crossed. */
void hs_esp_lifetime_hit(struct hs_esp_ctx *ctx, struct hs_sa *sa);

static inline void
hs_esp_count(struct hs_esp_ctx *ctx, struct hs_sa *sa, uint32_t bytes, uint32_t esp_bytes)
{
	sa->stats.packets++;
	sa->stats.bytes += bytes;
	sa->stats.esp_bytes += esp_bytes;
	sa->stats.last_used = ctx->now;
	if (hs_unlikely(sa->stats.packets >= sa->check_packets ||
		    sa->stats.bytes >= sa->check_bytes))
		hs_esp_lifetime_hit(ctx, sa);
}

/* Put pkts[i] on the drop list with its reason and count it. */
static inline void
hs_esp_drop(struct hs_esp_ctx *ctx, struct hs_sa *sa, struct rte_mbuf *m,
	enum hs_drop_reason why)
{
	struct hs_esp_drops *d = &ctx->drops;

	ctx->drop_count[why]++;
	if (sa != NULL)
		sa->stats.errors[why]++;
	if (hs_likely(d->n < HS_BURST_MAX)) {
		d->pkts[d->n] = m;
		d->reason[d->n++] = (uint8_t)why;
	} else {
		/* The caller did not empty the list since the last burst. */
		rte_pktmbuf_free(m);
	}
}

/* Raise HS_SA_EV_SEQ_NEAR_WRAP once (RFC 4303 §3.3.3: rekey before cycling). */
void hs_esp_seq_near_wrap(struct hs_esp_ctx *ctx, struct hs_sa *sa);

/* Without ESN, ask for a rekey once this many sequence numbers are left. */
#define HS_SEQ_WRAP_MARGIN (1u << 24)

/*
 * Skip IPv6 extension headers before ESP/UDP (hop-by-hop, destination
 * options, routing) in p[0..total). false: malformed, or a fragment header.
 */
bool hs_esp_ipv6_skip_ext(const uint8_t *p, uint32_t total, uint32_t *off, uint8_t *proto);

/* Gather a chained packet into buf; returns its length or 0 if too long. */
uint32_t hs_esp_gather(const struct rte_mbuf *m, uint8_t *buf, uint32_t max);

/*
 * Make the chain exactly len bytes long holding data: copies across the
 * segments, shortens the last segment(s) or grows into the last one's
 * tailroom. Returns 0 or -ENOSPC.
 */
int hs_esp_scatter(struct rte_mbuf *m, const uint8_t *data, uint32_t len);

/* Run the prepared jobs of slots listed in idx[0..n); sets verdict on failure. */
void hs_esp_run_jobs(struct hs_esp_ctx *ctx, struct hs_sa *sas[], uint16_t idx[],
	uint16_t n, uint8_t verdict[]);

/* Compact pkts/sas keeping those with verdict 0, dropping the rest. */
uint16_t hs_esp_compact(struct hs_esp_ctx *ctx, struct rte_mbuf *pkts[], struct hs_sa *sas[],
	uint16_t n, const uint8_t verdict[]);

/* verdict values: 0 good, else drop reason + 1 */
#define VERDICT(reason) ((uint8_t)((reason) + 1))

#endif
