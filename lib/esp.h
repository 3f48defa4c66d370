/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ESP engine: tunnel-mode encapsulation and decapsulation (RFC 4303) of
 * bursts of mbufs, with intel-ipsec-mb's burst API called directly.
 *
 * One struct hs_esp_ctx per lcore (its IMB_MGR, scratch and drop list); it is
 * never shared. An SA is used by one context at a time (its owner lcore), so
 * sequence numbers, replay windows and counters need no atomics.
 *
 * Both burst functions follow the project's stage contract: pkts[i] is
 * processed with sas[i]; on return pkts[0..k) and sas[0..k) hold the good
 * packets in their original order and k is returned; every other packet was
 * moved to ctx->drops with its reason (and counted on the SA and the
 * context). The caller owns both: it sends the good ones and frees the drops
 * with hs_esp_drops_free() before the next call. n is at most HS_BURST_MAX:
 * a larger n is cut to HS_BURST_MAX and pkts[HS_BURST_MAX..n) are left to
 * the caller untouched. No allocation, no lock, no log in here.
 */
#ifndef HS_ESP_H
#define HS_ESP_H

#include <rte_mbuf.h>

#include "drop.h"
#include "hs_common.h"
#include "sa.h"

#define HS_ESP_EVENTS_MAX 64
/* Largest packet the multi-segment path handles (it gathers into a buffer). */
#define HS_ESP_BOUNCE_SIZE 10240

struct hs_esp_drops {
	uint16_t n;
	struct rte_mbuf *pkts[HS_BURST_MAX];
	uint8_t reason[HS_BURST_MAX]; /* enum hs_drop_reason */
};

struct hs_sa_event {
	struct hs_sa *sa;
	uint32_t spi;
	uint8_t kind; /* enum hs_sa_event_kind */
};

/* Per-packet scratch the jobs point into while they are in flight. */
struct hs_esp_slot {
	struct rte_mbuf *m;
	uint8_t *pkt;	  /* start of the outer IP header (mbuf data or bounce) */
	uint32_t len;	  /* bytes at pkt */
	uint32_t esp_off; /* offset of the ESP header in pkt */
	uint32_t payload_len; /* ciphertext length (after IV, before ICV) */
	uint32_t inner_len;   /* clear-text inner packet */
	uint64_t seq;
	bool bounced; /* multi-segment: pkt is ctx->bounce[slot] */
	uint8_t job_status; /* 1 once intel-ipsec-mb returned the job */
	uint8_t outer_ecn; /* inbound: ECN of the outer header */
	uint8_t iv[16] __attribute__((aligned(16)));
	uint8_t aad[16];
	uint8_t icv[HS_ICV_MAX]; /* computed tag */
	uint8_t rx_icv[HS_ICV_MAX]; /* received tag, saved before the CBC ESN overwrite */
};

struct hs_esp_ctx {
	IMB_MGR *mgr;
	uint64_t now;	/* caller's clock, stored as SA last_used */
	uint16_t ip_id; /* outer IPv4 identification when DF is clear */
	struct hs_esp_drops drops;
	uint64_t drop_count[HS_DROP_MAX];
	uint16_t nb_events;
	uint64_t events_lost;
	struct hs_sa_event events[HS_ESP_EVENTS_MAX];
	struct hs_esp_slot slot[HS_BURST_MAX];
	uint8_t *bounce; /* HS_BURST_MAX * HS_ESP_BOUNCE_SIZE, for chained mbufs */
};

/*
 * Allocate the lcore's intel-ipsec-mb manager (best code path the CPU has)
 * and scratch. Returns 0 or -ENOMEM / -ENOTSUP (no AES-NI).
 */
int hs_esp_ctx_init(struct hs_esp_ctx *ctx);
void hs_esp_ctx_fini(struct hs_esp_ctx *ctx);
/* "AVX512", "AVX2", ...: the code path intel-ipsec-mb chose. */
const char *hs_esp_ctx_arch(const struct hs_esp_ctx *ctx);

/*
 * Encapsulate: pkts[i] starts at its inner IPv4/IPv6 header (no L2). On
 * success it starts at the outer IP header, ESP (or UDP+ESP) follows, and
 * m->packet_type says outer IPv4 or IPv6. Needs headroom for the outer
 * headers and tailroom (in the last segment) for the trailer.
 */
uint16_t hs_esp_out_burst(struct hs_esp_ctx *ctx, struct rte_mbuf *pkts[], struct hs_sa *sas[],
	uint16_t n);

/*
 * Decapsulate: pkts[i] starts at its outer IP header, sas[i] is the SA the
 * caller found for its SPI. On success it starts at the inner IP header and
 * m->packet_type says inner IPv4 or IPv6. Checks: lengths, SPI, replay
 * (before and after the ICV), ICV in constant time, padding, next header,
 * inner header, RFC 6040 ECN.
 */
uint16_t hs_esp_in_burst(struct hs_esp_ctx *ctx, struct rte_mbuf *pkts[], struct hs_sa *sas[],
	uint16_t n);

/* Free the drop list (rte_pktmbuf_free_bulk) and empty it. */
void hs_esp_drops_free(struct hs_esp_ctx *ctx);

/*
 * Read the SPI of an outer packet (ESP, or ESP in UDP to port 4500) for
 * the caller's SA lookup. Returns 0 and the SPI in host order, or
 * -EINVAL (not ESP, truncated, or a NAT-T non-ESP marker).
 */
int hs_esp_peek_spi(const struct rte_mbuf *m, uint32_t *spi);

/* Take the pending lifetime events (up to max); returns how many. */
uint16_t hs_esp_events_take(struct hs_esp_ctx *ctx, struct hs_sa_event *ev, uint16_t max);

#endif /* HS_ESP_H */
