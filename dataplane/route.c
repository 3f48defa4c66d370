/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Routes: rte_lpm (IPv4) and rte_lpm6 (IPv6), two tables per family.
 *
 *   main  connected prefixes of every interface address and the config's
 *         static routes; built once at start, never changed after.
 *   vpn   routes learned from tunnels (Auto VPN), added and deleted at run
 *         time by the main lcore (hs_route_vpn_add/_del).
 *
 * A lookup takes the longest match of both tables; on equal length the VPN
 * route wins. (A VPN default route, Auto VPN's full tunnel through an exit
 * hub, must not capture the connected LANs, so "VPN table first, whatever
 * its length" would be wrong.) Prefixes of length 0 are kept beside the LPM
 * (rte_lpm refuses depth 0) as an atomic next-hop index.
 *
 * The LPM tables store a next-hop index (24 bits in rte_lpm, 21 in rte_lpm6)
 * into an array of {port, next-hop address, prefix length}, one per route.
 * An entry is written before its index is published and never changed while
 * published; a replaced or deleted route's entry is recycled only after an
 * RCU QSBR grace period (dp->qsbr; workers report quiescent states), so a
 * worker never reads a half-written entry.
 *
 * Concurrency: workers read lock-free, only the main lcore writes. rte_lpm
 * deletes are RCU-safe through rte_lpm_rcu_qsbr_add (RTE_LPM_QSBR_MODE_DQ:
 * freed tbl8 groups wait for the grace period). rte_lpm6 in DPDK 22.11 has no
 * RCU hook: a deleted IPv6 VPN route's tbl8 group can be reused by the next
 * add while a reader is still walking it, so that reader may, in that
 * nanosecond window, get another route's valid next hop (never an invalid
 * index or memory: indexes are bounds-checked here). The main table is never
 * deleted from. Without dp->qsbr (tests) entries are recycled at once.
 *
 * Memory: each rte_lpm/rte_lpm6 has a 2^24-entry tbl24 (64 MiB): 256 MiB
 * for the four tables, plus their tbl8 groups.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_malloc.h>

#include "dp.h"

#define RT_MAIN 0
#define RT_VPN 1
#define RT_TABLES 2

#define NH_MAX (1u << 17)	/* routes of all tables; fits rte_lpm6's 21 bits */
#define NH_NONE UINT32_MAX
#define MAIN4_RULES_MIN 1024
#define MAIN4_TBL8 1024
#define MAIN6_TBL8 4096
#define VPN_RULES 65536
#define VPN4_TBL8 8192
#define VPN6_TBL8 16384

/* One route's next hop; immutable while its index is in a table. */
struct route_nh {
	struct hs_addr addr; /* family 0: connected, the destination is the next hop */
	uint8_t depth;	     /* prefix length, to compare the two tables' matches */
	uint16_t port;	     /* index in dp->ports */
};

struct hs_routes {
	struct rte_lpm *lpm4[RT_TABLES];
	struct rte_lpm6 *lpm6[RT_TABLES];
	_Atomic uint32_t dflt4[RT_TABLES]; /* 0.0.0.0/0 and ::/0: NH_NONE when none */
	_Atomic uint32_t dflt6[RT_TABLES];
	struct route_nh *nh;		   /* [NH_MAX] */
	uint32_t *free_nh;		   /* stack of free indexes */
	uint32_t n_free;
	struct rte_rcu_qsbr *qsbr;	   /* NULL: recycle at once */
	struct rte_rcu_qsbr_dq *dq;	   /* retired indexes waiting for a grace period */
};

static void
nh_release(void *p, void *e, unsigned int n)
{
	struct hs_routes *r = p;
	const uint64_t *idx = e;

	for (unsigned int i = 0; i < n; i++)
		r->free_nh[r->n_free++] = (uint32_t)idx[i];
}

static uint32_t
nh_alloc(struct hs_routes *r, uint16_t port, const struct hs_addr *nh, uint8_t depth)
{
	struct route_nh *e;
	uint32_t idx;

	if (r->n_free == 0 && r->dq != NULL)
		rte_rcu_qsbr_dq_reclaim(r->dq, NH_MAX, NULL, NULL, NULL);
	if (r->n_free == 0)
		return NH_NONE;
	idx = r->free_nh[--r->n_free];
	e = &r->nh[idx];
	memset(e, 0, sizeof(*e));
	if (nh != NULL && (nh->family == AF_INET || nh->family == AF_INET6))
		e->addr = *nh;
	e->depth = depth;
	e->port = port;
	/* The entry is complete before any table can point at it. */
	rte_atomic_thread_fence(__ATOMIC_RELEASE);
	return idx;
}

/* A route no longer points at idx: recycle it after readers moved on. */
static void
nh_retire(struct hs_routes *r, uint32_t idx)
{
	uint64_t e = idx;

	if (idx >= NH_MAX)
		return;
	if (r->dq == NULL || rte_rcu_qsbr_dq_enqueue(r->dq, &e) != 0)
		nh_release(r, &e, 1); /* no readers to wait for (or cannot happen: dq holds NH_MAX) */
}

static uint32_t
ip4_host(const struct hs_addr *a)
{
	uint32_t v;

	memcpy(&v, a->v4, 4);
	return rte_be_to_cpu_32(v);
}

/* Point p at idx in table t; the previous next hop (if any) is retired. */
static int
table_set(struct hs_routes *r, int t, const struct hs_prefix *p, uint32_t idx)
{
	uint32_t old = NH_NONE;
	int rc;

	if (p->len == 0) {
		_Atomic uint32_t *slot = p->addr.family == AF_INET ? &r->dflt4[t] : &r->dflt6[t];

		old = atomic_exchange_explicit(slot, idx, memory_order_acq_rel);
	} else if (p->addr.family == AF_INET) {
		if (rte_lpm_is_rule_present(r->lpm4[t], ip4_host(&p->addr), p->len, &old) != 1)
			old = NH_NONE;
		rc = rte_lpm_add(r->lpm4[t], ip4_host(&p->addr), p->len, idx);
		if (rc < 0)
			return rc;
	} else {
		if (rte_lpm6_is_rule_present(r->lpm6[t], p->addr.v6, p->len, &old) != 1)
			old = NH_NONE;
		rc = rte_lpm6_add(r->lpm6[t], p->addr.v6, p->len, idx);
		if (rc < 0)
			return rc;
	}
	if (old != NH_NONE)
		nh_retire(r, old);
	return 0;
}

static int
table_add(struct hs_routes *r, int t, const struct hs_prefix *p, uint16_t port,
	const struct hs_addr *nh)
{
	struct hs_prefix clean;
	uint32_t idx;
	int rc;

	if ((p->addr.family != AF_INET || p->len > 32) &&
		(p->addr.family != AF_INET6 || p->len > 128))
		return -EINVAL;
	hs_prefix_make(&clean, &p->addr, p->len); /* host bits would be ignored anyway */
	idx = nh_alloc(r, port, nh, clean.len);
	if (idx == NH_NONE)
		return -ENOSPC;
	rc = table_set(r, t, &clean, idx);
	if (rc < 0) {
		nh_release(r, &(uint64_t){ idx }, 1); /* never published */
		return rc == -ENOSPC ? -ENOSPC : -EINVAL;
	}
	return 0;
}

static int
table_del(struct hs_routes *r, int t, const struct hs_prefix *p)
{
	struct hs_prefix clean;
	uint32_t old = NH_NONE;

	if ((p->addr.family != AF_INET || p->len > 32) &&
		(p->addr.family != AF_INET6 || p->len > 128))
		return -EINVAL;
	hs_prefix_make(&clean, &p->addr, p->len);
	if (clean.len == 0) {
		_Atomic uint32_t *slot =
			clean.addr.family == AF_INET ? &r->dflt4[t] : &r->dflt6[t];

		old = atomic_exchange_explicit(slot, NH_NONE, memory_order_acq_rel);
	} else if (clean.addr.family == AF_INET) {
		if (rte_lpm_is_rule_present(r->lpm4[t], ip4_host(&clean.addr), clean.len, &old) ==
			1)
			rte_lpm_delete(r->lpm4[t], ip4_host(&clean.addr), clean.len);
		else
			old = NH_NONE;
	} else {
		if (rte_lpm6_is_rule_present(r->lpm6[t], clean.addr.v6, clean.len, &old) == 1)
			rte_lpm6_delete(r->lpm6[t], clean.addr.v6, clean.len);
		else
			old = NH_NONE;
	}
	if (old == NH_NONE)
		return -ENOENT;
	nh_retire(r, old);
	return 0;
}

/* Index in dp->ports of a configured interface, or -1. */
static int
port_of_iface(const struct hs_dp *dp, const struct hs_config_interface *ifc, const char *name)
{
	for (uint16_t i = 0; i < dp->n_ports; i++) {
		const struct hs_config_interface *c = dp->ports[i].cfg;

		if (c != NULL && (c == ifc || (name != NULL && strcmp(c->name, name) == 0)))
			return i;
	}
	return -1;
}

/* The port whose connected prefix (the longest) holds a, or -1. */
static int
port_on_link(const struct hs_dp *dp, const struct hs_addr *a)
{
	int best = -1, best_len = -1;

	for (uint16_t i = 0; i < dp->n_ports; i++) {
		const struct hs_config_interface *c = dp->ports[i].cfg;
		const struct hs_config_ifaddr *ia;
		unsigned int n;

		if (c == NULL)
			continue;
		ia = a->family == AF_INET ? c->ipv4 : c->ipv6;
		n = a->family == AF_INET ? c->n_ipv4 : c->n_ipv6;
		for (unsigned int k = 0; k < n; k++) {
			struct hs_prefix p;

			hs_prefix_make(&p, &ia[k].addr, ia[k].len);
			if (hs_prefix_contains(&p, a) && (int)p.len > best_len) {
				best = i;
				best_len = p.len;
			}
		}
	}
	return best;
}

static int
add_connected(struct hs_dp *dp)
{
	for (uint16_t i = 0; i < dp->n_ports; i++) {
		const struct hs_config_interface *c = dp->ports[i].cfg;
		const struct hs_config_ifaddr *all[2];
		unsigned int n[2];

		if (c == NULL)
			continue;
		all[0] = c->ipv4, n[0] = c->n_ipv4;
		all[1] = c->ipv6, n[1] = c->n_ipv6;
		for (int f = 0; f < 2; f++) {
			for (unsigned int k = 0; k < n[f]; k++) {
				struct hs_prefix p;
				char buf[HS_ADDR_STRLEN];
				int rc;

				hs_prefix_make(&p, &all[f][k].addr, all[f][k].len);
				rc = table_add(dp->routes, RT_MAIN, &p, i, NULL);
				if (rc < 0) {
					RTE_LOG(ERR, USER1, "hubsec: route: connected %s on %s: %s\n",
						hs_prefix_format(&p, buf, sizeof(buf)), c->name,
						strerror(-rc));
					return rc;
				}
			}
		}
	}
	return 0;
}

/*
 * A static route goes out of its interface when one is given, else out of
 * the interface whose connected prefix holds the next hop.
 */
static int
add_static(struct hs_dp *dp, const struct hs_config_route *rt)
{
	const struct hs_addr *nh = rt->next_hop.family != 0 ? &rt->next_hop : NULL;
	char pbuf[HS_ADDR_STRLEN], nbuf[HS_ADDR_STRLEN];
	int port = -1, rc;

	hs_prefix_format(&rt->prefix, pbuf, sizeof(pbuf));
	if (rt->iface != NULL || rt->ifname[0] != '\0') {
		port = port_of_iface(dp, rt->iface, rt->ifname);
		if (port < 0) {
			RTE_LOG(ERR, USER1, "hubsec: route %s: interface %s has no port\n", pbuf,
				rt->ifname);
			return -EINVAL;
		}
	} else if (nh != NULL) {
		port = port_on_link(dp, nh);
		if (port < 0) {
			RTE_LOG(ERR, USER1,
				"hubsec: route %s: next hop %s is on no interface's network "
				"(give the interface)\n",
				pbuf, hs_addr_format(nh, nbuf, sizeof(nbuf)));
			return -EINVAL;
		}
	} else {
		RTE_LOG(ERR, USER1, "hubsec: route %s: neither next hop nor interface\n", pbuf);
		return -EINVAL;
	}
	rc = table_add(dp->routes, RT_MAIN, &rt->prefix, (uint16_t)port, nh);
	if (rc < 0)
		RTE_LOG(ERR, USER1, "hubsec: route %s: %s\n", pbuf, strerror(-rc));
	return rc;
}

/*
 * DPDK object names must be unique in the process: tag them with the context
 * (tests run two). Short: rte_lpm's RCU defer queue prefixes the name twice.
 */
static void
obj_name(char *buf, size_t len, const char *what, const struct hs_dp *dp)
{
	snprintf(buf, len, "hs%s%06x", what, (unsigned int)((uintptr_t)dp & 0xffffff));
}

static int
create_tables(const struct hs_dp *dp, struct hs_routes *r, uint32_t main_rules)
{
	static const char *const names4[RT_TABLES] = { "4m", "4v" };
	static const char *const names6[RT_TABLES] = { "6m", "6v" };
	const struct rte_lpm_config c4[RT_TABLES] = {
		{ .max_rules = main_rules, .number_tbl8s = MAIN4_TBL8 },
		{ .max_rules = VPN_RULES, .number_tbl8s = VPN4_TBL8 },
	};
	const struct rte_lpm6_config c6[RT_TABLES] = {
		{ .max_rules = main_rules, .number_tbl8s = MAIN6_TBL8 },
		{ .max_rules = VPN_RULES, .number_tbl8s = VPN6_TBL8 },
	};

	char name[RTE_LPM_NAMESIZE];

	for (int t = 0; t < RT_TABLES; t++) {
		obj_name(name, sizeof(name), names4[t], dp);
		r->lpm4[t] = rte_lpm_create(name, SOCKET_ID_ANY, &c4[t]);
		obj_name(name, sizeof(name), names6[t], dp);
		r->lpm6[t] = rte_lpm6_create(name, SOCKET_ID_ANY, &c6[t]);
		if (r->lpm4[t] == NULL || r->lpm6[t] == NULL)
			return -ENOMEM;
		atomic_init(&r->dflt4[t], NH_NONE);
		atomic_init(&r->dflt6[t], NH_NONE);
	}
	if (dp->qsbr != NULL) {
		struct rte_lpm_rcu_config rcu = { .v = dp->qsbr, .mode = RTE_LPM_QSBR_MODE_DQ };

		if (rte_lpm_rcu_qsbr_add(r->lpm4[RT_VPN], &rcu) != 0)
			return -rte_errno;
	}
	return 0;
}

static int
create_nh(const struct hs_dp *dp, struct hs_routes *r)
{
	char name[RTE_RCU_QSBR_DQ_NAMESIZE];

	r->nh = rte_calloc("hs_route_nh", NH_MAX, sizeof(*r->nh), RTE_CACHE_LINE_SIZE);
	r->free_nh = rte_malloc("hs_route_nh_free", NH_MAX * sizeof(uint32_t), 0);
	if (r->nh == NULL || r->free_nh == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < NH_MAX; i++)
		r->free_nh[i] = NH_MAX - 1 - i; /* hand out 0, 1, 2... */
	r->n_free = NH_MAX;
	r->qsbr = dp->qsbr;
	if (dp->qsbr != NULL) {
		struct rte_rcu_qsbr_dq_parameters params = {
			.name = name,
			.size = NH_MAX,
			.esize = sizeof(uint64_t),
			.trigger_reclaim_limit = 64,
			.max_reclaim_size = 64,
			.free_fn = nh_release,
			.p = r,
			.v = dp->qsbr,
		};

		obj_name(name, sizeof(name), "nh", dp);
		r->dq = rte_rcu_qsbr_dq_create(&params);
		if (r->dq == NULL)
			return -ENOMEM;
	}
	return 0;
}

int
hs_routes_create(struct hs_dp *dp)
{
	uint32_t main_rules = MAIN4_RULES_MIN;
	int rc;

	if (dp == NULL || dp->cfg == NULL)
		return -EINVAL;
	if (dp->cfg->n_routes + 16u * HS_PORTS_MAX > main_rules)
		main_rules = dp->cfg->n_routes + 16u * HS_PORTS_MAX;
	dp->routes = rte_zmalloc("hs_routes", sizeof(*dp->routes), RTE_CACHE_LINE_SIZE);
	if (dp->routes == NULL)
		return -ENOMEM;
	rc = create_tables(dp, dp->routes, main_rules);
	if (rc == 0)
		rc = create_nh(dp, dp->routes);
	if (rc < 0)
		RTE_LOG(ERR, USER1, "hubsec: route tables: %s (256 MiB needed)\n", strerror(-rc));
	/* Static routes first: a connected prefix written again wins (Cisco: distance 0). */
	for (unsigned int i = 0; rc == 0 && i < dp->cfg->n_routes; i++)
		rc = add_static(dp, &dp->cfg->routes[i]);
	if (rc == 0)
		rc = add_connected(dp);
	if (rc < 0)
		hs_routes_free(dp);
	return rc;
}

void
hs_routes_free(struct hs_dp *dp)
{
	struct hs_routes *r;

	if (dp == NULL || dp->routes == NULL)
		return;
	r = dp->routes;
	for (int t = 0; t < RT_TABLES; t++) {
		rte_lpm_free(r->lpm4[t]);
		rte_lpm6_free(r->lpm6[t]);
	}
	if (r->dq != NULL)
		rte_rcu_qsbr_dq_delete(r->dq); /* readers are gone at shutdown */
	rte_free(r->nh);
	rte_free(r->free_nh);
	rte_free(r);
	dp->routes = NULL;
}

/* The next-hop index of dst's longest match in table t, or NH_NONE. */
static uint32_t
match(const struct hs_routes *r, int t, const struct hs_addr *dst)
{
	uint32_t idx;

	if (dst->family == AF_INET) {
		if (rte_lpm_lookup(r->lpm4[t], ip4_host(dst), &idx) == 0)
			return idx;
		return atomic_load_explicit(&r->dflt4[t], memory_order_acquire);
	}
	if (rte_lpm6_lookup(r->lpm6[t], dst->v6, &idx) == 0)
		return idx;
	return atomic_load_explicit(&r->dflt6[t], memory_order_acquire);
}

int
hs_route_lookup(const struct hs_dp *dp, const struct hs_addr *dst, uint16_t *port,
	struct hs_addr *nh)
{
	const struct hs_routes *r = dp->routes;
	const struct route_nh *e;
	uint32_t vpn, mn;

	if (hs_unlikely(r == NULL || (dst->family != AF_INET && dst->family != AF_INET6)))
		return -ENOENT;
	vpn = match(r, RT_VPN, dst);
	mn = match(r, RT_MAIN, dst);
	if (vpn >= NH_MAX || (mn < NH_MAX && r->nh[mn].depth > r->nh[vpn].depth))
		vpn = mn;
	if (vpn >= NH_MAX)
		return -ENOENT;
	e = &r->nh[vpn];
	*port = e->port;
	*nh = e->addr.family != 0 ? e->addr : *dst;
	return 0;
}

static int
vpn_check(const struct hs_dp *dp, const struct hs_prefix *p)
{
	if (dp == NULL || dp->routes == NULL || p == NULL)
		return -EINVAL;
	if (p->addr.family != AF_INET && p->addr.family != AF_INET6)
		return -EINVAL;
	return 0;
}

int
hs_route_vpn_add(struct hs_dp *dp, const struct hs_prefix *p, uint16_t port,
	const struct hs_addr *nh)
{
	if (vpn_check(dp, p) < 0 || port >= dp->n_ports)
		return -EINVAL;
	if (nh != NULL && nh->family != 0 && nh->family != p->addr.family)
		return -EINVAL;
	return table_add(dp->routes, RT_VPN, p, port, nh);
}

int
hs_route_vpn_del(struct hs_dp *dp, const struct hs_prefix *p)
{
	if (vpn_check(dp, p) < 0)
		return -EINVAL;
	return table_del(dp->routes, RT_VPN, p);
}
