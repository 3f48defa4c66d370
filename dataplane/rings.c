/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The named rings between the dataplane and the control process (lib/msg.h),
 * the acquire rate limit and hold queues, and static SAs installed through
 * the same SA ring the control process uses.
 *
 * Threads: workers call hs_rings_acquire/punt/events (lock-free: ring
 * enqueues, one compare-exchange per acquire); everything else runs on the
 * main lcore. Held packets (DESIGN.md: "held briefly in a small per-entry
 * queue rather than dropped, so the first ping of a new tunnel is not lost")
 * travel from the workers to the main lcore on a ring; only the main lcore
 * touches the queues.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mempool.h>

#include "dp.h"

#define RLOG(level, ...) RTE_LOG(level, USER1, "hubsec: rings: " __VA_ARGS__)

#define HOLD_MAX 1024	    /* packets held, all policies together */
#define HOLD_PER_POLICY 8   /* packets held per policy */
#define HOLD_TIMEOUT_SEC 5  /* a held packet older than this is dropped */
#define ACQUIRE_GAP_SEC 1   /* at most one acquire per policy per second */
#define SA_MSGS_PER_POLL 32 /* SA installs expand keys: bound the work per loop */
#define HELD_RING_SIZE 1024
#define SLOW_RING_SIZE 4096

/* The packets of one policy waiting for its outbound SA, oldest first. */
struct hold_q {
	uint32_t policy;
	uint8_t n;
	struct rte_mbuf *m[HOLD_PER_POLICY];
	uint64_t tsc[HOLD_PER_POLICY];
};

struct hs_hold {
	/* TSC of the last acquire per policy (0: never); workers compare-exchange it. */
	_Atomic uint64_t last_acquire[HS_POLICIES_MAX];
	/* Main lcore only: */
	struct hold_q q[HOLD_MAX]; /* queues in use: q[0..n_q) */
	uint32_t n_q;
	uint32_t n_held;
	uint64_t generation; /* of dp->tables the policy indexes belong to */
	uint32_t static_failed;
};

static inline void
count(struct hs_dp *dp, enum hs_rings_counter c, uint64_t n)
{
	atomic_fetch_add_explicit(&dp->rings.count[c], n, memory_order_relaxed);
}

/* Create one ring; logs why when it cannot. */
static struct rte_ring *
ring_make(const char *name, unsigned int size, unsigned int flags)
{
	struct rte_ring *r = rte_ring_create(name, size, SOCKET_ID_ANY, flags);

	if (r == NULL)
		RLOG(ERR, "cannot create ring %s: %s\n", name, rte_strerror(rte_errno));
	return r;
}

int
hs_rings_create(struct hs_dp *dp)
{
	struct hs_rings *r = &dp->rings;

	/*
	 * Producers and consumers: the SA and inject rings may be written by
	 * more than one control-side process (hubsec-control, hubsec-sactl),
	 * hence MP; the rings the control side reads are MC so that a stray
	 * second reader (sactl events beside the control process) cannot
	 * corrupt them. Message rates are low: the CAS costs nothing here.
	 */
	r->sa = ring_make(HS_RING_SA, HS_RING_SIZE, RING_F_SC_DEQ);
	r->ack = ring_make(HS_RING_ACK, HS_RING_SIZE, RING_F_SP_ENQ);
	r->acquire = ring_make(HS_RING_ACQUIRE, HS_RING_SIZE, 0);
	r->event = ring_make(HS_RING_EVENT, HS_RING_SIZE, 0);
	r->punt = ring_make(HS_RING_PUNT, HS_RING_SIZE, 0);
	r->inject = ring_make(HS_RING_INJECT, HS_RING_SIZE, RING_F_SC_DEQ);
	r->held = ring_make("hs_held", HELD_RING_SIZE, RING_F_SC_DEQ);
	dp->slow = ring_make("hs_slow", SLOW_RING_SIZE, RING_F_SC_DEQ);
	/*
	 * No per-lcore cache: the control process's threads need not be EAL
	 * lcores, and a cache-less pool goes straight to its MP/MC ring, which
	 * is safe from any thread of either process.
	 */
	r->msg_pool = rte_mempool_create(HS_MSG_POOL, HS_MSG_POOL_SIZE, sizeof(union hs_msg_any),
		0, 0, NULL, NULL, NULL, NULL, SOCKET_ID_ANY, 0);
	if (r->msg_pool == NULL)
		RLOG(ERR, "cannot create mempool %s: %s\n", HS_MSG_POOL, rte_strerror(rte_errno));
	r->hold = rte_zmalloc("hs_hold", sizeof(*r->hold), HS_CACHE_LINE);
	if (r->sa == NULL || r->ack == NULL || r->acquire == NULL || r->event == NULL ||
		r->punt == NULL || r->inject == NULL || r->held == NULL || dp->slow == NULL ||
		r->msg_pool == NULL || r->hold == NULL) {
		hs_rings_free(dp);
		return -ENOMEM;
	}
	return 0;
}

/* Free every mbuf still on a ring of mbufs. */
static void
ring_drain_mbufs(struct rte_ring *r)
{
	struct rte_mbuf *pkts[HS_BURST_MAX];
	unsigned int n;

	while ((n = rte_ring_dequeue_burst(r, (void **)pkts, HS_BURST_MAX, NULL)) > 0)
		rte_pktmbuf_free_bulk(pkts, n);
}

void
hs_rings_free(struct hs_dp *dp)
{
	struct hs_rings *r = &dp->rings;
	struct rte_ring **mbuf_rings[] = { &r->punt, &r->inject, &r->held, &dp->slow };
	struct rte_ring **msg_rings[] = { &r->sa, &r->ack, &r->acquire, &r->event };

	for (uint32_t i = 0; r->hold != NULL && i < r->hold->n_q; i++)
		rte_pktmbuf_free_bulk(r->hold->q[i].m, r->hold->q[i].n);
	rte_free(r->hold);
	r->hold = NULL;
	for (size_t i = 0; i < HS_ARRAY_SIZE(mbuf_rings); i++) {
		if (*mbuf_rings[i] != NULL)
			ring_drain_mbufs(*mbuf_rings[i]);
		rte_ring_free(*mbuf_rings[i]);
		*mbuf_rings[i] = NULL;
	}
	/* Messages may hold keys (SA ring): wipe each before the pool goes. */
	for (size_t i = 0; i < HS_ARRAY_SIZE(msg_rings); i++) {
		void *obj;

		while (*msg_rings[i] != NULL && rte_ring_dequeue(*msg_rings[i], &obj) == 0)
			explicit_bzero(obj, sizeof(union hs_msg_any));
		rte_ring_free(*msg_rings[i]);
		*msg_rings[i] = NULL;
	}
	rte_mempool_free(r->msg_pool);
	r->msg_pool = NULL;
}

/* ---- SA messages (main lcore) ---- */

static bool
is_sa_type(uint16_t type)
{
	return type == HS_MSG_SA_ADD || type == HS_MSG_SA_DEL || type == HS_MSG_SA_REPLACE ||
	       type == HS_MSG_SA_FLUSH;
}

/* Log the result of one of our own (static SA) messages; never keys. */
static void
log_local(struct hs_dp *dp, uint64_t id, uint32_t spi_in, uint32_t spi_out, int rc,
	const char *err)
{
	uint64_t idx = id & ~HS_MSG_ID_LOCAL;
	const char *name = idx < dp->cfg->n_static_sas ? dp->cfg->static_sas[idx].name : "?";

	if (rc == 0) {
		RLOG(INFO, "static SA %s installed: SPI in 0x%08" PRIx32 ", out 0x%08" PRIx32 "\n",
			name, spi_in, spi_out);
		return;
	}
	dp->rings.hold->static_failed++;
	RLOG(ERR, "static SA %s (SPI in 0x%08" PRIx32 ", out 0x%08" PRIx32 ") refused: %s\n",
		name, spi_in, spi_out, err);
}

/*
 * Apply one message from the SA ring and answer it. The object is wiped
 * (keys included) and reused for the ack, so answering never needs a free
 * pool object; ours (HS_MSG_ID_LOCAL) are logged instead and go back.
 */
static void
sa_msg_one(struct hs_dp *dp, union hs_msg_any *msg)
{
	struct hs_rings *r = &dp->rings;
	char err[sizeof(msg->ack.error)] = "";
	const char *why = NULL;
	uint64_t id = msg->hdr.id;
	uint32_t spi_in = msg->sa.in.spi, spi_out = msg->sa.out.spi;
	int rc = hs_msg_validate(&msg->hdr, &why);

	if (rc == 0 && !is_sa_type(msg->hdr.type)) {
		rc = -EPROTO;
		why = "not an SA message (add, del, replace, flush)";
	}
	if (rc == 0)
		rc = hs_sad_apply(dp, &msg->sa, err, sizeof(err));
	else
		snprintf(err, sizeof(err), "%s", why);
	if (rc != 0 && err[0] == '\0')
		snprintf(err, sizeof(err), "%s", strerror(-rc));
	explicit_bzero(msg, sizeof(*msg));
	count(dp, HS_RC_SA_MSGS, 1);
	if (rc != 0)
		count(dp, HS_RC_SA_REFUSED, 1);
	if (id & HS_MSG_ID_LOCAL) {
		log_local(dp, id, spi_in, spi_out, rc, err);
		rte_mempool_put(r->msg_pool, msg);
		return;
	}
	hs_msg_init(&msg->hdr, HS_MSG_ACK, sizeof(msg->ack), id);
	msg->ack.req_id = id;
	msg->ack.result = rc;
	snprintf(msg->ack.error, sizeof(msg->ack.error), "%s", err);
	if (rte_ring_enqueue(r->ack, msg) != 0) {
		count(dp, HS_RC_ACK_LOST, 1);
		rte_mempool_put(r->msg_pool, msg);
	}
}

static unsigned int
sa_msgs_poll(struct hs_dp *dp, unsigned int max)
{
	void *objs[SA_MSGS_PER_POLL];
	unsigned int n;

	n = rte_ring_dequeue_burst(dp->rings.sa, objs, RTE_MIN(max, (unsigned int)SA_MSGS_PER_POLL),
		NULL);
	for (unsigned int i = 0; i < n; i++)
		sa_msg_one(dp, objs[i]);
	return n;
}

/* ---- inject: IP packets the control process wants sent (main lcore) ---- */

/* The destination of an IP packet at the data pointer; false when malformed. */
static bool
l3_dst(struct rte_mbuf *m, struct hs_addr *dst)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m);

	memset(dst, 0, sizeof(*dst));
	if (len >= sizeof(struct rte_ipv4_hdr) && (p[0] >> 4) == 4) {
		dst->family = AF_INET;
		memcpy(dst->v4, p + offsetof(struct rte_ipv4_hdr, dst_addr), 4);
		m->packet_type = RTE_PTYPE_L3_IPV4;
		return true;
	}
	if (len >= sizeof(struct rte_ipv6_hdr) && (p[0] >> 4) == 6) {
		dst->family = AF_INET6;
		memcpy(dst->v6, p + offsetof(struct rte_ipv6_hdr, dst_addr), 16);
		m->packet_type = RTE_PTYPE_L3_IPV6;
		return true;
	}
	return false;
}

static void
inject_poll(struct hs_dp *dp)
{
	struct rte_mbuf *pkts[HS_BURST_MAX];
	unsigned int n = rte_ring_dequeue_burst(dp->rings.inject, (void **)pkts, HS_BURST_MAX,
		NULL);

	for (unsigned int i = 0; i < n; i++) {
		struct hs_addr dst, nh;
		uint16_t port;

		if (!l3_dst(pkts[i], &dst)) {
			dp->main_drops[HS_DPDROP_MALFORMED]++;
			count(dp, HS_RC_INJECT_DROPS, 1);
			rte_pktmbuf_free(pkts[i]);
			continue;
		}
		if (hs_route_lookup(dp, &dst, &port, &nh) != 0) {
			dp->main_drops[HS_DPDROP_NO_ROUTE]++;
			count(dp, HS_RC_INJECT_DROPS, 1);
			rte_pktmbuf_free(pkts[i]);
			continue;
		}
		count(dp, HS_RC_INJECTED, 1);
		hs_main_send_l3(dp, port, &nh, pkts[i]);
	}
}

static void
slow_poll(struct hs_dp *dp)
{
	struct rte_mbuf *pkts[HS_BURST_MAX];
	unsigned int n = rte_ring_dequeue_burst(dp->slow, (void **)pkts, HS_BURST_MAX, NULL);

	if (n > 0)
		hs_slowpath_burst(dp, pkts, (uint16_t)n);
}

/* ---- hold queues (main lcore) ---- */

static void
hold_drop(struct hs_dp *dp, struct rte_mbuf *m, enum hs_dp_drop why)
{
	dp->main_drops[why]++;
	count(dp, HS_RC_HOLD_DROPS, 1);
	rte_pktmbuf_free(m);
}

/* Remove queue i (its packets already gone): the last one takes its place. */
static void
hold_q_remove(struct hs_hold *h, uint32_t i)
{
	h->q[i] = h->q[--h->n_q];
}

/* Policy indexes change meaning with a new table generation: drop what is held. */
static void
hold_check_generation(struct hs_dp *dp)
{
	const struct hs_tables *t = atomic_load_explicit(&dp->tables, memory_order_acquire);
	struct hs_hold *h = dp->rings.hold;

	if (t == NULL || t->generation == h->generation)
		return;
	for (uint32_t i = 0; i < h->n_q; i++) {
		for (uint8_t k = 0; k < h->q[i].n; k++)
			hold_drop(dp, h->q[i].m[k], HS_DPDROP_NO_SA);
	}
	h->n_q = 0;
	h->n_held = 0;
	for (uint32_t p = 0; p < HS_POLICIES_MAX; p++)
		atomic_store_explicit(&h->last_acquire[p], 0, memory_order_relaxed);
	h->generation = t->generation;
}

static void
hold_add(struct hs_dp *dp, struct rte_mbuf *m, uint64_t now)
{
	struct hs_hold *h = dp->rings.hold;
	uint32_t policy = hs_meta(dp, m)->policy;
	struct hold_q *q = NULL;

	for (uint32_t i = 0; i < h->n_q && q == NULL; i++) {
		if (h->q[i].policy == policy)
			q = &h->q[i];
	}
	if (h->n_held >= HOLD_MAX || (q != NULL && q->n >= HOLD_PER_POLICY)) {
		hold_drop(dp, m, HS_DPDROP_NO_SA);
		return;
	}
	if (q == NULL) {
		q = &h->q[h->n_q++];
		q->policy = policy;
		q->n = 0;
	}
	q->m[q->n] = m;
	q->tsc[q->n++] = now;
	h->n_held++;
	count(dp, HS_RC_HELD, 1);
}

/* The policy's SA is up: hand its packets, in order, to the SA's owner worker. */
static void
hold_release(struct hs_dp *dp, struct hold_q *q, const struct hs_sa *sa)
{
	unsigned int owner = hs_sad_owner(dp, sa);
	unsigned int sent = 0;

	for (uint8_t k = 0; k < q->n; k++) {
		struct hs_mbuf_meta *meta = hs_meta(dp, q->m[k]);

		meta->policy = q->policy;
		meta->dir = HS_SA_OUT;
	}
	if (owner < dp->n_workers)
		sent = rte_ring_enqueue_burst(dp->workers[owner]->handoff, (void **)q->m, q->n,
			NULL);
	count(dp, HS_RC_RELEASED, sent);
	for (unsigned int k = sent; k < q->n; k++)
		hold_drop(dp, q->m[k], HS_DPDROP_RING_FULL);
	dp->rings.hold->n_held -= q->n;
	q->n = 0;
}

/* Drop the packets held longer than HOLD_TIMEOUT_SEC (the oldest are first). */
static void
hold_expire(struct hs_dp *dp, struct hold_q *q, uint64_t now)
{
	uint64_t max_age = HOLD_TIMEOUT_SEC * dp->tsc_hz;
	uint8_t old = 0;

	while (old < q->n && now - q->tsc[old] > max_age)
		hold_drop(dp, q->m[old++], HS_DPDROP_NO_SA);
	if (old == 0)
		return;
	memmove(q->m, q->m + old, (q->n - old) * sizeof(q->m[0]));
	memmove(q->tsc, q->tsc + old, (q->n - old) * sizeof(q->tsc[0]));
	q->n = (uint8_t)(q->n - old);
	dp->rings.hold->n_held -= old;
}

static bool acquire_due(struct hs_dp *dp, uint32_t policy);
static void acquire_send(struct hs_dp *dp, const struct hs_policy *pol, const struct rte_mbuf *m);

static void
hold_poll(struct hs_dp *dp)
{
	const struct hs_tables *t = atomic_load_explicit(&dp->tables, memory_order_acquire);
	struct hs_hold *h = dp->rings.hold;
	struct rte_mbuf *pkts[HS_BURST_MAX];
	uint64_t now = rte_rdtsc();
	unsigned int n;

	hold_check_generation(dp);
	while ((n = rte_ring_dequeue_burst(dp->rings.held, (void **)pkts, HS_BURST_MAX, NULL)) >
		0) {
		for (unsigned int i = 0; i < n; i++)
			hold_add(dp, pkts[i], now);
	}
	for (uint32_t i = 0; i < h->n_q;) {
		struct hold_q *q = &h->q[i];
		const struct hs_sa *sa = hs_sad_out(dp, q->policy);

		if (sa != NULL) {
			hold_release(dp, q, sa);
		} else {
			hold_expire(dp, q, now);
			/*
			 * Still waiting: ask again once a gap has passed. The workers'
			 * acquire may have been swallowed by the gap (an SA cleared
			 * within a second of the acquire that made it) or lost.
			 */
			if (q->n > 0 && t != NULL && q->policy < t->n_policies &&
				acquire_due(dp, q->policy))
				acquire_send(dp, &t->policies[q->policy], q->m[0]);
		}
		if (q->n == 0)
			hold_q_remove(h, i);
		else
			i++;
	}
}

void
hs_rings_poll(struct hs_dp *dp)
{
	sa_msgs_poll(dp, SA_MSGS_PER_POLL);
	hold_poll(dp);
	inject_poll(dp);
	slow_poll(dp);
}

/* ---- workers ---- */

/* Addresses, protocol and ports of the packet that raised an acquire. */
static void
acquire_flow(const struct rte_mbuf *m, struct hs_msg_acquire *a)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m), l4 = 0;
	bool first_frag = true;

	if (len >= sizeof(struct rte_ipv4_hdr) && (p[0] >> 4) == 4) {
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)p;

		a->src.family = a->dst.family = AF_INET;
		memcpy(a->src.v4, &ip->src_addr, 4);
		memcpy(a->dst.v4, &ip->dst_addr, 4);
		a->proto = ip->next_proto_id;
		l4 = (uint32_t)(ip->version_ihl & 0x0f) * 4;
		first_frag =
			(rte_be_to_cpu_16(ip->fragment_offset) & RTE_IPV4_HDR_OFFSET_MASK) == 0;
	} else if (len >= sizeof(struct rte_ipv6_hdr) && (p[0] >> 4) == 6) {
		const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)p;

		a->src.family = a->dst.family = AF_INET6;
		memcpy(a->src.v6, ip6->src_addr, 16);
		memcpy(a->dst.v6, ip6->dst_addr, 16);
		a->proto = ip6->proto; /* extension headers: ports stay 0 */
		l4 = sizeof(*ip6);
	}
	if (l4 != 0 && first_frag && len >= l4 + 4 &&
		(a->proto == IPPROTO_TCP || a->proto == IPPROTO_UDP || a->proto == IPPROTO_SCTP)) {
		a->sport = (uint16_t)(p[l4] << 8 | p[l4 + 1]);
		a->dport = (uint16_t)(p[l4 + 2] << 8 | p[l4 + 3]);
	}
}

/* At most one acquire per policy per ACQUIRE_GAP_SEC, whichever worker asks. */
static bool
acquire_due(struct hs_dp *dp, uint32_t policy)
{
	_Atomic uint64_t *last = &dp->rings.hold->last_acquire[policy];
	uint64_t now = rte_rdtsc();
	uint64_t prev = atomic_load_explicit(last, memory_order_relaxed);

	if (prev != 0 && now - prev < ACQUIRE_GAP_SEC * dp->tsc_hz)
		return false;
	return atomic_compare_exchange_strong_explicit(last, &prev, now, memory_order_relaxed,
		memory_order_relaxed);
}

static void
acquire_send(struct hs_dp *dp, const struct hs_policy *pol, const struct rte_mbuf *m)
{
	struct hs_rings *r = &dp->rings;
	struct hs_msg_acquire *a;
	void *obj;

	if (rte_mempool_get(r->msg_pool, &obj) != 0) {
		count(dp, HS_RC_ACQUIRE_LOST, 1);
		return;
	}
	a = obj;
	memset(a, 0, sizeof(*a));
	hs_msg_init(&a->hdr, HS_MSG_ACQUIRE, sizeof(*a), 0);
	if (pol->map != NULL)
		snprintf(a->map, sizeof(a->map), "%s", pol->map->name);
	if (pol->entry != NULL) {
		a->seq = pol->entry->seq;
		if (pol->entry->n_peers > 0)
			a->peer = pol->entry->peers[0];
	}
	a->acl_line = pol->line_no;
	a->policy = pol->index;
	acquire_flow(m, a);
	if (rte_ring_enqueue(r->acquire, a) != 0) {
		rte_mempool_put(r->msg_pool, a);
		count(dp, HS_RC_ACQUIRE_LOST, 1);
		return;
	}
	count(dp, HS_RC_ACQUIRES, 1);
}

bool
hs_rings_acquire(struct hs_lcore *lc, uint32_t policy, struct rte_mbuf *m)
{
	struct hs_dp *dp = lc->dp;
	const struct hs_tables *t = atomic_load_explicit(&dp->tables, memory_order_acquire);
	struct hs_mbuf_meta *meta;

	if (hs_unlikely(t == NULL || policy >= t->n_policies || policy >= HS_POLICIES_MAX))
		return false;
	if (acquire_due(dp, policy))
		acquire_send(dp, &t->policies[policy], m);
	meta = hs_meta(dp, m);
	meta->policy = policy;
	meta->dir = HS_SA_OUT;
	return rte_ring_enqueue(dp->rings.held, m) == 0;
}

bool
hs_rings_punt(struct hs_lcore *lc, struct rte_mbuf *m)
{
	if (rte_ring_enqueue(lc->dp->rings.punt, m) != 0)
		return false;
	count(lc->dp, HS_RC_PUNTED, 1);
	return true;
}

bool
hs_rings_event_send(struct hs_dp *dp, const struct hs_msg_event *ev)
{
	struct hs_rings *r = &dp->rings;
	void *obj;

	if (rte_mempool_get(r->msg_pool, &obj) != 0) {
		count(dp, HS_RC_EVENT_LOST, 1);
		return false;
	}
	memcpy(obj, ev, sizeof(*ev));
	hs_msg_init(obj, HS_MSG_EVENT, sizeof(*ev), ev->hdr.id);
	if (rte_ring_enqueue(r->event, obj) != 0) {
		rte_mempool_put(r->msg_pool, obj);
		count(dp, HS_RC_EVENT_LOST, 1);
		return false;
	}
	count(dp, HS_RC_EVENTS, 1);
	return true;
}

void
hs_rings_events(struct hs_lcore *lc)
{
	struct hs_sa_event ev[HS_ESP_EVENTS_MAX];
	uint16_t n = hs_esp_events_take(&lc->esp, ev, HS_ESP_EVENTS_MAX);

	for (uint16_t i = 0; i < n; i++) {
		struct hs_msg_event msg = {
			.spi = ev[i].spi,
			.dir = ev[i].sa->rt.dir,
			.kind = ev[i].kind,
			.packets = ev[i].sa->stats.packets,
			.bytes = ev[i].sa->stats.bytes,
		};

		hs_rings_event_send(lc->dp, &msg);
	}
}

/* ---- static SAs (main lcore, at start) ---- */

/* Queue the config's static SA i on the SA ring, as the control process would. */
static int
static_enqueue(struct hs_dp *dp, unsigned int i)
{
	const struct hs_config_static_sa *s = &dp->cfg->static_sas[i];
	struct hs_rings *r = &dp->rings;
	void *obj;
	int rc;

	if (rte_mempool_get(r->msg_pool, &obj) != 0) {
		RLOG(ERR, "static SA %s: message pool empty\n", s->name);
		return -ENOBUFS;
	}
	rc = hs_msg_sa_from_static(dp->cfg, s, HS_MSG_SA_ADD, HS_MSG_ID_LOCAL | i, obj);
	if (rc == 0 && rte_ring_enqueue(r->sa, obj) != 0)
		rc = -ENOBUFS;
	if (rc != 0) {
		explicit_bzero(obj, sizeof(union hs_msg_any));
		rte_mempool_put(r->msg_pool, obj);
		RLOG(ERR, "static SA %s: not queued (%s)\n", s->name, strerror(-rc));
	}
	return rc;
}

int
hs_rings_install_static(struct hs_dp *dp)
{
	struct hs_hold *h = dp->rings.hold;
	unsigned int queued = 0, failed = 0;

	if (dp->opts.no_static_sas)
		return 0;
	h->static_failed = 0;
	for (unsigned int i = 0; i < dp->cfg->n_static_sas; i++) {
		/* Keep the ring from filling: apply what is queued every few messages. */
		if (rte_ring_free_count(dp->rings.sa) < 2)
			sa_msgs_poll(dp, UINT32_MAX);
		if (static_enqueue(dp, i) == 0)
			queued++;
		else
			failed++;
	}
	/* Applied here, on the main lcore, before the workers start: results are logged. */
	while (!rte_ring_empty(dp->rings.sa))
		sa_msgs_poll(dp, SA_MSGS_PER_POLL);
	failed += h->static_failed;
	if (dp->cfg->n_static_sas > 0)
		RLOG(INFO, "static SAs: %u installed, %u refused\n", queued - h->static_failed,
			failed);
	return failed == 0 ? 0 : -EINVAL;
}

uint64_t
hs_rings_last_acquire(const struct hs_dp *dp, uint32_t policy)
{
	const struct hs_hold *h = dp->rings.hold;

	if (h == NULL || policy >= HS_POLICIES_MAX)
		return 0;
	return atomic_load_explicit(&h->last_acquire[policy], memory_order_relaxed);
}
