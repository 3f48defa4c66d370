/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SA database. The main lcore is the only writer (SA messages from the
 * control ring, housekeeping); workers read lock-free:
 *   inbound   rte_hash SPI -> slot (RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF),
 *             then the slot's SA pointer
 *   outbound  policy index -> SA, an array of atomic pointers (release-store
 *             on publish, acquire-load in hs_sad_out)
 * Nothing a worker can reach is changed in place: an SA that is deleted,
 * replaced or expired is first unpublished (pointer cleared, SPI key
 * deleted), then freed once an RCU QSBR grace period has passed (a FIFO of
 * retired slots, checked without waiting by hs_sad_housekeeping).
 *
 * Ownership (DESIGN.md: one lcore per SA, so sequence numbers and replay
 * windows need no atomics): the owner is a hash of (SPI, direction) over the
 * workers. It needs no lookup and no memory, stays the same for the SA's
 * whole life, and spreads thousands of tunnels evenly; the two SAs of a pair
 * may have different owners.
 *
 * Slot metadata (map, seq, line, peer, lifetimes, selectors) is the main
 * lcore's; the console and telemetry read it through hs_sad_walk under the
 * SAD's lock, which only the main lcore and control threads take.
 * SA messages (add, replace, delete, flush) are in sad_msg.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "sad.h"

#define SCANS_PER_SEC 10 /* time lifetimes are checked this often */

/* ---- packet path: lock-free, no allocation, no log ---- */

static inline uint32_t
mix32(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

static inline uint32_t
hint_of(const struct hs_sa *sa)
{
	return (uint32_t)(((uintptr_t)sa >> 6) * 0x9e3779b97f4a7c15ull >> (64 - HS_SAD_HINT_BITS));
}

struct hs_sa *
hs_sad_out(const struct hs_dp *dp, uint32_t policy)
{
	const struct hs_sad *sad = dp->sad;

	if (hs_unlikely(sad == NULL || policy >= HS_POLICIES_MAX))
		return NULL;
	return atomic_load_explicit(&((struct hs_sad *)(uintptr_t)sad)->out[policy],
		memory_order_acquire);
}

struct hs_sa *
hs_sad_in(const struct hs_dp *dp, uint32_t spi)
{
	struct hs_sad *sad = dp->sad;
	uint32_t slot;

	if (hs_unlikely(sad == NULL))
		return NULL;
	slot = hs_sad_spi_slot(sad, spi);
	if (slot >= HS_SAS_MAX)
		return NULL;
	return atomic_load_explicit(&sad->hot[slot].sa, memory_order_acquire);
}

unsigned int
hs_sad_owner(const struct hs_dp *dp, const struct hs_sa *sa)
{
	uint32_t h;

	if (dp->n_workers <= 1)
		return 0;
	h = mix32(sa->rt.spi ^ ((uint32_t)sa->rt.dir * 0x9e3779b9u));
	return (unsigned int)(((uint64_t)h * dp->n_workers) >> 32);
}

/* The selectors of an installed SA: the hint, else (inbound) the SPI hash. */
static const struct hs_sad_sel *
sel_find(struct hs_sad *sad, const struct hs_sa *sa)
{
	uint32_t v = atomic_load_explicit(&sad->hint[hint_of(sa)], memory_order_relaxed);
	uint32_t slot;

	if (v != 0 && atomic_load_explicit(&sad->hot[v - 1].sa, memory_order_acquire) == sa)
		return sad->hot[v - 1].sel;
	if (sa->rt.dir != HS_SA_IN)
		return NULL;
	slot = hs_sad_spi_slot(sad, sa->rt.spi);
	if (slot < HS_SAS_MAX &&
		atomic_load_explicit(&sad->hot[slot].sa, memory_order_acquire) == sa)
		return sad->hot[slot].sel;
	return NULL;
}

/* The 5-tuple of an inner packet; ports only for the first fragment of TCP/UDP. */
struct flow {
	struct hs_addr src, dst;
	uint8_t proto;
	bool has_ports;
	uint16_t sport, dport;
};

static bool
flow_of(const struct rte_mbuf *m, struct flow *f)
{
	uint8_t buf[sizeof(struct rte_ipv6_hdr)], pb[4];
	const uint8_t *p = rte_pktmbuf_read(m, 0, sizeof(struct rte_ipv4_hdr), buf);
	uint32_t l4;

	if (p == NULL)
		return false;
	memset(f, 0, sizeof(*f));
	if (p[0] >> 4 == 4) {
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)p;

		f->src.family = f->dst.family = AF_INET;
		memcpy(f->src.v4, &ip->src_addr, 4);
		memcpy(f->dst.v4, &ip->dst_addr, 4);
		f->proto = ip->next_proto_id;
		l4 = (ip->version_ihl & 0x0f) * 4u;
		if (ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_OFFSET_MASK))
			return true;
	} else if (p[0] >> 4 == 6) {
		const struct rte_ipv6_hdr *ip6 = rte_pktmbuf_read(m, 0, sizeof(*ip6), buf);

		if (ip6 == NULL)
			return false;
		f->src.family = f->dst.family = AF_INET6;
		memcpy(f->src.v6, ip6->src_addr, 16);
		memcpy(f->dst.v6, ip6->dst_addr, 16);
		f->proto = ip6->proto; /* extension headers are not walked */
		l4 = sizeof(*ip6);
	} else {
		return false;
	}
	if (f->proto == IPPROTO_TCP || f->proto == IPPROTO_UDP) {
		p = rte_pktmbuf_read(m, l4, 4, pb);
		if (p != NULL) {
			f->has_ports = true;
			f->sport = (uint16_t)(p[0] << 8 | p[1]);
			f->dport = (uint16_t)(p[2] << 8 | p[3]);
		}
	}
	return true;
}

static bool
prefix_has(const struct hs_prefix *p, const struct hs_addr *a)
{
	return p->addr.family == 0 || hs_prefix_contains(p, a);
}

/* 0-65535 and 0-0 (unset) are "any port". */
static bool
port_ok(uint16_t lo, uint16_t hi, const struct flow *f, uint16_t port)
{
	if ((lo == 0 && hi == 65535) || (lo == 0 && hi == 0))
		return true;
	return f->has_ports && port >= lo && port <= hi;
}

static bool
ts_match(const struct hs_msg_ts *ts, const struct flow *f)
{
	return prefix_has(&ts->remote, &f->src) && prefix_has(&ts->local, &f->dst) &&
		(ts->proto == 0 || ts->proto == f->proto) &&
		port_ok(ts->rport_lo, ts->rport_hi, f, f->sport) &&
		port_ok(ts->lport_lo, ts->lport_hi, f, f->dport);
}

/*
 * RFC 4301 §5.2 step 4: a decapsulated packet must come from the SA's remote
 * selector and go to its local one. A non-initial fragment has no ports: it
 * passes only selectors without ports (RFC 4301 §7 would need reassembly).
 */
bool
hs_sad_selector_ok(const struct hs_dp *dp, const struct hs_sa *sa, const struct rte_mbuf *m)
{
	const struct hs_sad_sel *sel;
	struct flow f;

	if (hs_unlikely(dp->sad == NULL))
		return false;
	sel = sel_find(dp->sad, sa);
	if (sel == NULL || !flow_of(m, &f))
		return false;
	for (uint32_t i = 0; i < sel->n; i++)
		if (ts_match(&sel->ts[i], &f))
			return true;
	return false;
}

/* ---- main lcore: slots, publish, retire, reclaim ---- */

uint32_t
hs_sad_slot_alloc(struct hs_sad *sad)
{
	uint32_t i = sad->free_head;

	if (i != HS_SAD_NIL)
		sad->free_head = sad->slots[i].next;
	else if (sad->hi_water < HS_SAS_MAX)
		i = sad->hi_water++;
	else
		return HS_SAD_NIL;
	memset(&sad->slots[i], 0, sizeof(sad->slots[i]));
	sad->slots[i].next = HS_SAD_NIL;
	sad->slots[i].key_pos = -1;
	sad->n_used++;
	return i;
}

/* Back to the free list: nothing can reach the slot any more. */
void
hs_sad_slot_release(struct hs_sad *sad, uint32_t i)
{
	struct hs_sad_slot *s = &sad->slots[i];
	uint32_t h = s->sa != NULL ? hint_of(s->sa) : 0;

	if (s->key_pos >= 0)
		rte_hash_free_key_with_position(sad->spi, s->key_pos);
	atomic_store_explicit(&sad->hot[i].sa, NULL, memory_order_relaxed);
	sad->hot[i].sel = NULL;
	if (s->sa != NULL && atomic_load_explicit(&sad->hint[h], memory_order_relaxed) == i + 1)
		atomic_store_explicit(&sad->hint[h], 0, memory_order_relaxed);
	if (s->sa != NULL && s->sa->rt.state != HS_SA_DEAD)
		hs_sa_set_state(s->sa, HS_SA_DEAD);
	hs_sa_destroy(s->sa); /* wipes the expanded keys */
	free(s->sel);
	memset(s, 0, sizeof(*s));
	s->state = HS_SAD_FREE;
	s->next = sad->free_head;
	sad->free_head = i;
	sad->n_used--;
}

/* Make a filled slot reachable by workers (the SPI key is added by the caller). */
void
hs_sad_slot_show(struct hs_sad *sad, uint32_t i)
{
	struct hs_sad_slot *s = &sad->slots[i];

	sad->hot[i].sel = s->sel;
	atomic_store_explicit(&sad->hot[i].sa, s->sa, memory_order_release);
	atomic_store_explicit(&sad->hint[hint_of(s->sa)], i + 1, memory_order_release);
	s->state = HS_SAD_LIVE;
}

/*
 * Unpublish a live SA and queue it for freeing after a grace period:
 * workers that found it before this may use it until their next quiescent
 * state (RFC 4301 §4.4.2: in-flight packets of a deleted SA are dropped, not
 * misrouted).
 */
void
hs_sad_retire(struct hs_dp *dp, uint32_t i)
{
	struct hs_sad *sad = dp->sad;
	struct hs_sad_slot *s = &sad->slots[i];

	if (s->state != HS_SAD_LIVE)
		return;
	if (s->dir == HS_SA_OUT) {
		for (uint32_t p = s->pol_first; p < s->pol_first + s->pol_count; p++) {
			if (sad->out_slot[p] != i + 1)
				continue;
			atomic_store_explicit(&sad->out[p], NULL, memory_order_release);
			sad->out_slot[p] = 0;
		}
		s->n_pub = 0;
	} else {
		uint32_t spi = s->sa->rt.spi;

		s->key_pos = rte_hash_del_key(sad->spi, &spi);
	}
	s->state = HS_SAD_RETIRED;
	s->token = dp->qsbr != NULL ? rte_rcu_qsbr_start(dp->qsbr) : 0;
	s->next = HS_SAD_NIL;
	if (sad->dq_tail != HS_SAD_NIL)
		sad->slots[sad->dq_tail].next = i;
	else
		sad->dq_head = i;
	sad->dq_tail = i;
}

/* Free retired slots whose grace period is over (all of them when force). */
static unsigned int
reclaim(struct hs_dp *dp, bool force)
{
	struct hs_sad *sad = dp->sad;
	unsigned int n = 0;

	while (sad->dq_head != HS_SAD_NIL) {
		uint32_t i = sad->dq_head;

		if (!force && dp->qsbr != NULL &&
			rte_rcu_qsbr_check(dp->qsbr, sad->slots[i].token, false) != 1)
			break;
		sad->dq_head = sad->slots[i].next;
		if (sad->dq_head == HS_SAD_NIL)
			sad->dq_tail = HS_SAD_NIL;
		hs_sad_slot_release(sad, i);
		n++;
	}
	return n;
}

/* Point the target's permit policies at an outbound SA; the SAs it displaces go. */
void
hs_sad_publish(struct hs_dp *dp, uint32_t i, const struct hs_sad_target *tg)
{
	struct hs_sad *sad = dp->sad;
	struct hs_sad_slot *s = &sad->slots[i];

	for (uint32_t p = tg->first; p < tg->first + tg->count; p++) {
		uint32_t prev = sad->out_slot[p];

		if (!tg->t->policies[p].permit)
			continue;
		atomic_store_explicit(&sad->out[p], s->sa, memory_order_release);
		sad->out_slot[p] = i + 1;
		s->n_pub++;
		if (prev == 0 || --sad->slots[prev - 1].n_pub > 0)
			continue;
		HS_SAD_LOG(INFO, "outbound SA 0x%08" PRIx32 " replaced by 0x%08" PRIx32,
			sad->slots[prev - 1].sa->rt.spi, s->sa->rt.spi);
		hs_sad_retire(dp, prev - 1);
	}
}

/* ---- housekeeping, walk, create, free ---- */

static bool
send_event(struct hs_dp *dp, const struct hs_sad_slot *s, enum hs_sa_event_kind kind)
{
	struct hs_msg_event ev;

	memset(&ev, 0, sizeof(ev));
	hs_msg_init(&ev.hdr, HS_MSG_EVENT, sizeof(ev), 0);
	ev.spi = s->sa->rt.spi;
	ev.dir = s->dir;
	ev.kind = (uint8_t)kind;
	ev.packets = s->sa->stats.packets;
	ev.bytes = s->sa->stats.bytes;
	if (hs_rings_event_send(dp, &ev))
		return true;
	HS_SAD_LOG(WARNING, "%s SA 0x%08" PRIx32 ": %s event not sent (ring full)",
		s->dir == HS_SA_IN ? "inbound" : "outbound", ev.spi, hs_sa_event_name(kind));
	return false;
}

/*
 * Time lifetimes (RFC 4301 §4.4.2.1). Soft: an event, once, for the control
 * plane to rekey; the state is left to the owner worker, which may be
 * changing it for a volume limit at this moment. Hard: EXPIRED (the owner
 * drops sa-expired from now), an event, and the SA is retired. An SA the
 * owner found past a volume hard limit (it raised the event) is retired too.
 */
static void
lifetimes(struct hs_dp *dp, uint64_t now, uint64_t hz)
{
	struct hs_sad *sad = dp->sad;

	for (uint32_t i = 0; i < sad->hi_water; i++) {
		struct hs_sad_slot *s = &sad->slots[i];
		uint64_t age;

		if (s->state != HS_SAD_LIVE)
			continue;
		age = now > s->install_tsc ? now - s->install_tsc : 0;
		if (s->sa->rt.state >= HS_SA_EXPIRED) {
			hs_sad_retire(dp, i);
		} else if (s->hard_sec != 0 && age >= s->hard_sec * hz) {
			hs_sa_set_state(s->sa, HS_SA_EXPIRED);
			send_event(dp, s, HS_SA_EV_HARD_LIMIT);
			HS_SAD_LOG(INFO, "SA 0x%08" PRIx32 ": hard lifetime (%" PRIu32
				" s) reached", s->sa->rt.spi, s->hard_sec);
			hs_sad_retire(dp, i);
		} else if (s->soft_sec != 0 && !s->soft_sent && age >= s->soft_sec * hz) {
			s->soft_sent = send_event(dp, s, HS_SA_EV_SOFT_LIMIT);
		}
	}
}

void
hs_sad_housekeeping(struct hs_dp *dp, uint64_t now_tsc)
{
	struct hs_sad *sad = dp->sad;
	uint64_t hz = dp->tsc_hz != 0 ? dp->tsc_hz : rte_get_tsc_hz();

	if (sad == NULL)
		return;
	rte_spinlock_lock(&sad->lock);
	reclaim(dp, false);
	if (now_tsc >= sad->next_scan) {
		sad->next_scan = now_tsc + hz / SCANS_PER_SEC;
		lifetimes(dp, now_tsc, hz);
	}
	rte_spinlock_unlock(&sad->lock);
}

void
hs_sad_walk(const struct hs_dp *dp, hs_sad_walk_fn fn, void *arg)
{
	struct hs_sad *sad = dp->sad;

	if (sad == NULL)
		return;
	rte_spinlock_lock(&sad->lock);
	for (uint32_t i = 0; i < sad->hi_water; i++) {
		const struct hs_sad_slot *s = &sad->slots[i];
		struct hs_sad_info info;

		if (s->state != HS_SAD_LIVE)
			continue;
		info = (struct hs_sad_info){ .slot = i, .dir = s->dir, .map = s->map, .seq = s->seq,
			.acl_line = s->acl_line, .peer = s->peer, .owner = s->owner,
			.install_tsc = s->install_tsc, .lifetime_soft_sec = s->soft_sec,
			.lifetime_hard_sec = s->hard_sec, .origin = s->origin,
			.pfs_group = s->pfs_group, .ike_sa_id = s->ike_sa_id, .ts = s->sel ? s->sel->ts : NULL,
			.n_ts = (uint8_t)(s->sel ? RTE_MIN(s->sel->n, 255u) : 0) };
		fn(s->sa, &info, arg);
	}
	rte_spinlock_unlock(&sad->lock);
}

int
hs_sad_create(struct hs_dp *dp)
{
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = HS_SAS_MAX,
		.key_len = sizeof(uint32_t),
		.hash_func = rte_hash_crc,
		.socket_id = (int)rte_socket_id(),
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
			RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	struct hs_sad *sad;

	sad = rte_zmalloc_socket("hs_sad", sizeof(*sad), RTE_CACHE_LINE_SIZE, (int)rte_socket_id());
	if (sad == NULL)
		return -ENOMEM;
	sad->slots = calloc(HS_SAS_MAX, sizeof(*sad->slots));
	snprintf(name, sizeof(name), "hs_spi_%" PRIxPTR, (uintptr_t)sad);
	sad->spi = sad->slots != NULL ? rte_hash_create(&hp) : NULL;
	if (sad->spi == NULL) {
		HS_SAD_LOG(ERR, "SPI table: %s",
			sad->slots != NULL ? rte_strerror(rte_errno) : "no memory");
		free(sad->slots);
		rte_free(sad);
		return -ENOMEM;
	}
	sad->free_head = sad->dq_head = sad->dq_tail = HS_SAD_NIL;
	rte_spinlock_init(&sad->lock);
	dp->sad = sad;
	return 0;
}

/* After the workers stopped: every SA is freed now (keys wiped). */
void
hs_sad_free(struct hs_dp *dp)
{
	struct hs_sad *sad = dp->sad;

	if (sad == NULL)
		return;
	rte_spinlock_lock(&sad->lock);
	for (uint32_t i = 0; i < sad->hi_water; i++)
		hs_sad_retire(dp, i);
	reclaim(dp, true);
	rte_spinlock_unlock(&sad->lock);
	rte_hash_free(sad->spi);
	free(sad->slots);
	rte_free(sad);
	dp->sad = NULL;
}
