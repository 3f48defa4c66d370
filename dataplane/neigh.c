/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Neighbours: the ARP (RFC 826) and ND (RFC 4861) cache of every port, and
 * the packets that wait for a resolution.
 *
 * One rte_hash keyed by (port index, address), created with
 * RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF: workers look up lock-free, only the
 * main lcore adds and deletes. The key's position indexes an entry array;
 * the MAC lives in one 64-bit atomic word (48 bits + a valid bit), so a
 * reader gets the old MAC or the new one, never half of each. A deleted
 * entry's position (the hash keeps it: no free on delete under LF) goes back
 * to the hash only after an RCU QSBR grace period (dp->qsbr), so a worker
 * that found the key a moment earlier never reads a recycled entry.
 *
 * Lifecycle of an entry (main lcore):
 *   INCOMPLETE  created by hs_neigh_hold: up to HOLD_PER packets held (HOLD_TOTAL
 *               over all), one ARP request / NS per second; after RESOLVE_S
 *               the held packets are dropped (HS_DPDROP_NO_NEIGH) and the
 *               entry is deleted. A reply (hs_neigh_learn/_update) resolves it
 *               and sends what was held through the main lcore's TX queue.
 *   REACHABLE   learned; deleted AGE_S after the last confirmation; a worker
 *               that uses it marks it, and a marked entry is re-resolved
 *               (unicast request, once a second) from PROBE_S on.
 *   STATIC      from the config; never expires, never overwritten by learning.
 *   DYING       deleted, waiting for the grace period; then FREE.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_log.h>
#include <rte_malloc.h>

#include "dp.h"
#include "slowpath.h"

#define NEIGH_MAX 4096
#define HOLD_PER 8
#define HOLD_TOTAL 256
#define AGE_S 300
#define PROBE_S 290
#define RESOLVE_S 3
#define SCANS_PER_S 10

#define MAC_VALID (UINT64_C(1) << 63)

enum neigh_state { N_FREE, N_INCOMPLETE, N_REACHABLE, N_STATIC, N_DYING };

struct neigh_key {
	uint16_t port;
	uint8_t family;
	uint8_t zero;
	uint8_t addr[16];
};

struct neigh_entry {
	_Atomic uint64_t mac; /* MAC_VALID | 48-bit MAC; 0 while unresolved */
	atomic_bool used;     /* set by readers, cleared by each confirmation */
	uint8_t state;	      /* enum neigh_state; main lcore only, as the rest */
	uint16_t port;
	struct hs_addr addr;
	uint64_t since_tsc; /* confirmed (REACHABLE) or created (INCOMPLETE) */
	uint64_t req_tsc;   /* last request / solicitation; 0: none */
	uint16_t n_held;
	struct rte_mbuf *held[HOLD_PER];
};

struct hs_neigh {
	struct rte_hash *h;
	struct neigh_entry *ent; /* [NEIGH_MAX], by hash key position */
	struct rte_rcu_qsbr_dq *dq;
	uint32_t n_held;
	uint64_t scan_tsc;
};

static uint64_t
mac_pack(const struct rte_ether_addr *mac)
{
	uint64_t v = 0;

	for (int i = 0; i < RTE_ETHER_ADDR_LEN; i++)
		v |= (uint64_t)mac->addr_bytes[i] << (8 * i);
	return v | MAC_VALID;
}

static void
mac_unpack(uint64_t v, struct rte_ether_addr *mac)
{
	for (int i = 0; i < RTE_ETHER_ADDR_LEN; i++)
		mac->addr_bytes[i] = (uint8_t)(v >> (8 * i));
}

static bool
key_make(struct neigh_key *k, uint16_t port, const struct hs_addr *a)
{
	memset(k, 0, sizeof(*k));
	if (a == NULL || (a->family != AF_INET && a->family != AF_INET6))
		return false;
	k->port = port;
	k->family = a->family;
	memcpy(k->addr, a->bytes, a->family == AF_INET ? 4 : 16);
	return true;
}

static uint64_t
since(uint64_t now, uint64_t t)
{
	return now > t ? now - t : 0;
}

static uint64_t
hz(const struct hs_dp *dp)
{
	return dp->tsc_hz != 0 ? dp->tsc_hz : rte_get_tsc_hz();
}

static struct neigh_entry *
entry_find(const struct hs_neigh *n, uint16_t port, const struct hs_addr *a)
{
	struct neigh_key k;
	int32_t pos;

	if (!key_make(&k, port, a))
		return NULL;
	pos = rte_hash_lookup(n->h, &k);
	if (pos < 0 || pos >= NEIGH_MAX)
		return NULL;
	return &n->ent[pos];
}

/* The grace period of a deleted entry is over: its position is free again. */
static void
pos_release(void *p, void *e, unsigned int cnt)
{
	struct hs_neigh *n = p;
	const uint64_t *pos = e;

	for (unsigned int i = 0; i < cnt; i++) {
		rte_hash_free_key_with_position(n->h, (int32_t)pos[i]);
		n->ent[pos[i]].state = N_FREE;
	}
}

static struct neigh_entry *
entry_create(struct hs_neigh *n, uint16_t port, const struct hs_addr *a, uint64_t now)
{
	struct neigh_entry *e;
	struct neigh_key k;
	int32_t pos;

	if (!key_make(&k, port, a))
		return NULL;
	pos = rte_hash_add_key(n->h, &k);
	if (pos < 0 && n->dq != NULL) {
		rte_rcu_qsbr_dq_reclaim(n->dq, NEIGH_MAX, NULL, NULL, NULL);
		pos = rte_hash_add_key(n->h, &k);
	}
	if (pos < 0)
		return NULL;
	if (pos >= NEIGH_MAX) { /* cannot happen: positions are below the hash size */
		pos = rte_hash_del_key(n->h, &k);
		rte_hash_free_key_with_position(n->h, pos);
		return NULL;
	}
	e = &n->ent[pos];
	atomic_store_explicit(&e->mac, 0, memory_order_release);
	atomic_store_explicit(&e->used, false, memory_order_relaxed);
	e->state = N_INCOMPLETE;
	e->port = port;
	e->addr = *a;
	e->since_tsc = now;
	e->req_tsc = 0;
	e->n_held = 0;
	return e;
}

static void
entry_delete(struct hs_dp *dp, struct hs_neigh *n, struct neigh_entry *e)
{
	struct neigh_key k;
	uint64_t pos;

	for (uint16_t i = 0; i < e->n_held; i++)
		hs_main_drop(dp, e->held[i], HS_DPDROP_NO_NEIGH);
	n->n_held -= e->n_held;
	e->n_held = 0;
	atomic_store_explicit(&e->mac, 0, memory_order_release);
	key_make(&k, e->port, &e->addr);
	if (rte_hash_del_key(n->h, &k) < 0) {
		e->state = N_FREE; /* cannot happen: the entry was in the hash */
		return;
	}
	e->state = N_DYING;
	pos = (uint64_t)(e - n->ent);
	if (n->dq == NULL || rte_rcu_qsbr_dq_enqueue(n->dq, &pos) != 0)
		pos_release(n, &pos, 1); /* no readers (or full: cannot happen, it holds them all) */
}

/* Send an ARP request / NS for e: broadcast (multicast), or unicast to its MAC. */
static void
solicit(struct hs_dp *dp, struct neigh_entry *e, uint64_t now, bool unicast)
{
	static const struct rte_ether_addr bcast = { .addr_bytes = { 0xff, 0xff, 0xff, 0xff, 0xff,
							       0xff } };
	static const struct rte_ether_addr zero;
	const struct hs_port *p = &dp->ports[e->port];
	struct rte_ether_addr dmac;
	struct hs_addr src;
	struct rte_mbuf *m;
	uint8_t dst6[16];
	uint8_t *f;

	e->req_tsc = now;
	if (!hs_slowpath_src_addr(p, &e->addr, &src))
		return; /* no address of that family on the port: nothing to ask with */
	m = rte_pktmbuf_alloc(dp->pool);
	if (m == NULL)
		return;
	mac_unpack(atomic_load_explicit(&e->mac, memory_order_relaxed), &dmac);
	if (e->addr.family == AF_INET) {
		f = (uint8_t *)rte_pktmbuf_append(m, HS_ARP_FRAME_LEN);
		if (f != NULL)
			hs_slowpath_arp_build(f, RTE_ARP_OP_REQUEST, unicast ? &dmac : &bcast, &p->mac,
				src.v4, &zero, e->addr.v4);
	} else {
		f = (uint8_t *)rte_pktmbuf_append(m, HS_ND_FRAME_LEN);
		if (unicast) /* RFC 4861 §7.3.3: NUD probes are unicast */
			memcpy(dst6, e->addr.v6, 16);
		else
			hs_slowpath_solicited_node(e->addr.v6, dst6, &dmac);
		if (f != NULL)
			hs_slowpath_nd_build(f, &dmac, &p->mac, src.v6, dst6, HS_ICMP6_NS, 0,
				e->addr.v6);
	}
	if (f == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	hs_slowpath_tx(dp, e->port, &m, 1);
}

/* e is resolved: its held packets leave with their Ethernet header. */
static void
held_send(struct hs_dp *dp, struct hs_neigh *n, struct neigh_entry *e)
{
	struct rte_mbuf *out[HOLD_PER];
	struct rte_ether_addr mac;
	uint16_t k = 0;

	mac_unpack(atomic_load_explicit(&e->mac, memory_order_relaxed), &mac);
	for (uint16_t i = 0; i < e->n_held; i++) {
		if (hs_slowpath_l2_prepend(dp, e->port, e->held[i], &mac) == 0)
			out[k++] = e->held[i];
		else
			hs_main_drop(dp, e->held[i], HS_DPDROP_MALFORMED);
	}
	n->n_held -= e->n_held;
	e->n_held = 0;
	if (k > 0)
		hs_slowpath_tx(dp, e->port, out, k);
}

static bool
learn(struct hs_dp *dp, uint16_t port, const struct hs_addr *ip, const struct rte_ether_addr *mac,
	bool create)
{
	struct hs_neigh *n = dp->neigh;
	uint64_t now = rte_rdtsc();
	struct neigh_entry *e;

	if (n == NULL || port >= dp->n_ports || mac == NULL || !rte_is_valid_assigned_ether_addr(mac))
		return false;
	e = entry_find(n, port, ip);
	if (e == NULL && create)
		e = entry_create(n, port, ip, now);
	if (e == NULL || e->state == N_STATIC)
		return false;
	atomic_store_explicit(&e->mac, mac_pack(mac), memory_order_release);
	atomic_store_explicit(&e->used, false, memory_order_relaxed);
	e->state = N_REACHABLE;
	e->since_tsc = now;
	if (e->n_held > 0)
		held_send(dp, n, e);
	return true;
}

void
hs_neigh_learn(struct hs_dp *dp, uint16_t port, const struct hs_addr *ip,
	const struct rte_ether_addr *mac)
{
	learn(dp, port, ip, mac, true);
}

bool
hs_neigh_update(struct hs_dp *dp, uint16_t port, const struct hs_addr *ip,
	const struct rte_ether_addr *mac)
{
	return learn(dp, port, ip, mac, false);
}

bool
hs_neigh_lookup(const struct hs_dp *dp, uint16_t port, const struct hs_addr *nh,
	struct rte_ether_addr *mac)
{
	struct neigh_entry *e;
	uint64_t v;

	if (hs_unlikely(dp->neigh == NULL))
		return false;
	e = entry_find(dp->neigh, port, nh);
	if (e == NULL)
		return false;
	v = atomic_load_explicit(&e->mac, memory_order_acquire);
	if (!(v & MAC_VALID))
		return false;
	/* Written once per confirmation, not per packet: no cache-line ping-pong. */
	if (!atomic_load_explicit(&e->used, memory_order_relaxed))
		atomic_store_explicit(&e->used, true, memory_order_relaxed);
	mac_unpack(v, mac);
	return true;
}

void
hs_neigh_hold(struct hs_dp *dp, uint16_t port, const struct hs_addr *nh, struct rte_mbuf *m)
{
	struct hs_neigh *n = dp->neigh;
	uint64_t now = rte_rdtsc();
	struct neigh_entry *e;

	if (m == NULL)
		return;
	if (n == NULL || port >= dp->n_ports) {
		hs_main_drop(dp, m, HS_DPDROP_NO_ROUTE);
		return;
	}
	e = entry_find(n, port, nh);
	if (e != NULL && (atomic_load_explicit(&e->mac, memory_order_relaxed) & MAC_VALID)) {
		struct rte_ether_addr mac; /* resolved since the worker looked */

		mac_unpack(atomic_load_explicit(&e->mac, memory_order_relaxed), &mac);
		if (hs_slowpath_l2_prepend(dp, port, m, &mac) != 0)
			hs_main_drop(dp, m, HS_DPDROP_MALFORMED);
		else
			hs_slowpath_tx(dp, port, &m, 1);
		return;
	}
	if (e == NULL)
		e = entry_create(n, port, nh, now);
	if (e == NULL || e->n_held >= HOLD_PER || n->n_held >= HOLD_TOTAL) {
		hs_main_drop(dp, m, HS_DPDROP_NO_NEIGH);
		return;
	}
	e->held[e->n_held++] = m;
	n->n_held++;
	if (e->req_tsc == 0 || since(now, e->req_tsc) >= hz(dp))
		solicit(dp, e, now, false);
}

void
hs_neigh_housekeeping(struct hs_dp *dp, uint64_t now_tsc)
{
	struct hs_neigh *n = dp->neigh;
	uint64_t s = hz(dp);

	/* Unsigned: a clock that went back (tests) scans too. */
	if (n == NULL || now_tsc - n->scan_tsc < s / SCANS_PER_S)
		return;
	n->scan_tsc = now_tsc;
	if (n->dq != NULL)
		rte_rcu_qsbr_dq_reclaim(n->dq, NEIGH_MAX, NULL, NULL, NULL);
	for (uint32_t i = 0; i < NEIGH_MAX; i++) {
		struct neigh_entry *e = &n->ent[i];
		uint64_t age = since(now_tsc, e->since_tsc);

		if (e->state == N_INCOMPLETE) {
			if (age >= RESOLVE_S * s)
				entry_delete(dp, n, e);
			else if (e->n_held > 0 && since(now_tsc, e->req_tsc) >= s)
				solicit(dp, e, now_tsc, false);
		} else if (e->state == N_REACHABLE) {
			if (age >= AGE_S * s)
				entry_delete(dp, n, e);
			else if (age >= PROBE_S * s && atomic_load(&e->used) &&
				 since(now_tsc, e->req_tsc) >= s)
				solicit(dp, e, now_tsc, true);
		}
	}
}

static int
add_static(struct hs_dp *dp, const struct hs_config_neighbor *cn)
{
	struct rte_ether_addr mac;
	struct neigh_entry *e;
	char buf[HS_ADDR_STRLEN];
	int port = -1;

	for (uint16_t i = 0; i < dp->n_ports && port < 0; i++)
		if (dp->ports[i].cfg != NULL &&
			(dp->ports[i].cfg == cn->iface || strcmp(dp->ports[i].cfg->name, cn->ifname) == 0))
			port = i;
	memcpy(mac.addr_bytes, cn->mac, RTE_ETHER_ADDR_LEN);
	hs_addr_format(&cn->addr, buf, sizeof(buf));
	if (port < 0 || !rte_is_valid_assigned_ether_addr(&mac)) {
		RTE_LOG(ERR, USER1, "hubsec: neighbor %s: %s\n", buf,
			port < 0 ? "interface has no port" : "not a unicast MAC");
		return -EINVAL;
	}
	e = entry_find(dp->neigh, (uint16_t)port, &cn->addr);
	if (e == NULL)
		e = entry_create(dp->neigh, (uint16_t)port, &cn->addr, rte_rdtsc());
	if (e == NULL) {
		RTE_LOG(ERR, USER1, "hubsec: neighbor %s: table full\n", buf);
		return -ENOSPC;
	}
	e->state = N_STATIC;
	atomic_store_explicit(&e->mac, mac_pack(&mac), memory_order_release);
	return 0;
}

static int
create_table(const struct hs_dp *dp, struct hs_neigh *n)
{
	unsigned int tag = (unsigned int)((uintptr_t)dp & 0xffffff); /* unique names: tests run two */
	char hname[RTE_HASH_NAMESIZE], qname[RTE_RCU_QSBR_DQ_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = hname,
		.entries = NEIGH_MAX,
		.key_len = sizeof(struct neigh_key),
		.socket_id = SOCKET_ID_ANY,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};

	snprintf(hname, sizeof(hname), "hsnb%06x", tag);
	snprintf(qname, sizeof(qname), "hsnq%06x", tag);
	n->h = rte_hash_create(&hp);
	n->ent = rte_calloc("hs_neigh_ent", NEIGH_MAX, sizeof(*n->ent), RTE_CACHE_LINE_SIZE);
	if (n->h == NULL || n->ent == NULL)
		return -ENOMEM;
	if (dp->qsbr != NULL) {
		struct rte_rcu_qsbr_dq_parameters params = {
			.name = qname,
			.size = NEIGH_MAX,
			.esize = sizeof(uint64_t),
			.trigger_reclaim_limit = 64,
			.max_reclaim_size = 64,
			.free_fn = pos_release,
			.p = n,
			.v = dp->qsbr,
		};

		n->dq = rte_rcu_qsbr_dq_create(&params);
		if (n->dq == NULL)
			return -ENOMEM;
	}
	return 0;
}

int
hs_neigh_create(struct hs_dp *dp)
{
	int rc;

	if (dp == NULL || dp->cfg == NULL)
		return -EINVAL;
	dp->neigh = rte_zmalloc("hs_neigh", sizeof(*dp->neigh), RTE_CACHE_LINE_SIZE);
	if (dp->neigh == NULL)
		return -ENOMEM;
	rc = create_table(dp, dp->neigh);
	if (rc < 0)
		RTE_LOG(ERR, USER1, "hubsec: neighbor table: %s\n", strerror(-rc));
	for (unsigned int i = 0; rc == 0 && i < dp->cfg->n_neighbors; i++)
		rc = add_static(dp, &dp->cfg->neighbors[i]);
	if (rc < 0)
		hs_neigh_free(dp);
	return rc;
}

void
hs_neigh_free(struct hs_dp *dp)
{
	struct hs_neigh *n;

	if (dp == NULL || dp->neigh == NULL)
		return;
	n = dp->neigh;
	for (uint32_t i = 0; n->ent != NULL && i < NEIGH_MAX; i++) {
		rte_pktmbuf_free_bulk(n->ent[i].held, n->ent[i].n_held);
		n->ent[i].n_held = 0;
	}
	if (n->dq != NULL)
		rte_rcu_qsbr_dq_delete(n->dq); /* readers are gone at shutdown */
	rte_hash_free(n->h);
	rte_free(n->ent);
	rte_free(n);
	dp->neigh = NULL;
}
