/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hubsec-dataplane: the process context and the contracts between its
 * modules. One struct hs_dp per process (no mutable globals); one struct
 * hs_lcore per worker. Modules:
 *   main.c      EAL, arguments, start/stop, main-lcore loop
 *   port.c      ports from the config (PCI or vdev), queues, RSS, stats
 *   worker.c    the burst pipeline of a worker lcore
 *   classify.c  crypto-map ACLs as rte_acl contexts (outbound and inbound)
 *   sad.c       SA database: SPI hash, policy -> SA, install/replace/delete
 *               through RCU QSBR, SA ownership and handoff between workers
 *   route.c     rte_lpm/rte_lpm6 routes (static table + VPN table)
 *   neigh.c     ARP/ND neighbour table, resolution, packets held for it
 *   slowpath.c  ARP, ICMP/ICMPv6 echo, ND for our own addresses (main lcore)
 *   rings.c     the named rings to the control process, messages, acquire
 *               rate limit and hold queues, static SAs installed through them
 *   telemetry.c DPDK telemetry endpoints for every counter
 */
#ifndef HS_DP_H
#define HS_DP_H

#include <stdatomic.h>

#include <rte_acl.h>
#include <rte_ether.h>
#include <rte_hash.h>
/* rte_lpm.h's inline bulk lookup has a VLA; we build with -Werror=vla. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wvla"
#include <rte_lpm.h>
#pragma GCC diagnostic pop
#include <rte_lpm6.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "addr.h"
#include "config.h"
#include "drop.h"
#include "esp.h"
#include "hs_common.h"
#include "msg.h"
#include "sa.h"

#define HS_PORTS_MAX 8
#define HS_WORKERS_MAX 32
#define HS_POLICIES_MAX 65536 /* crypto-map ACL lines, all maps together */
#define HS_SAS_MAX 65536
#define HS_TX_BUFFER 32

/* Dataplane drop reasons beyond the ESP engine's (lib/drop.h has those). */
#define HS_DP_DROP_REASONS(X)                                                                      \
	X(HS_DPDROP_NOT_IP, "not-ip")                 /* unknown ethertype */                     \
	X(HS_DPDROP_NOT_FOR_US, "not-for-us")         /* unicast frame to another MAC */          \
	X(HS_DPDROP_MALFORMED, "malformed")           /* L2/L3 header broken */                   \
	X(HS_DPDROP_IP_CKSUM, "ip-checksum")          /* IPv4 header checksum wrong */            \
	X(HS_DPDROP_TTL, "ttl-exceeded")              /* TTL/hop limit ran out */                 \
	X(HS_DPDROP_NO_ROUTE, "no-route")             /* no route to the destination */           \
	X(HS_DPDROP_NO_NEIGH, "no-neighbor")          /* ARP/ND unresolved, hold full */          \
	X(HS_DPDROP_NO_SA, "no-sa")                   /* matched a map entry, SA not up, hold full */ \
	X(HS_DPDROP_UNKNOWN_SPI, "unknown-spi")       /* inbound ESP for no SA */                 \
	X(HS_DPDROP_POLICY, "policy")                 /* clear-text that must be protected */     \
	X(HS_DPDROP_SELECTOR, "selector-mismatch")    /* decrypted inner outside SA selectors */ \
	X(HS_DPDROP_MTU, "mtu-exceeded")              /* larger than the egress MTU */            \
	X(HS_DPDROP_TX_FULL, "tx-full")               /* NIC queue full */                        \
	X(HS_DPDROP_RING_FULL, "ring-full")           /* punt/handoff/slow ring full */           \
	X(HS_DPDROP_TO_US, "to-us-unhandled")         /* for our address, nothing to do */

enum hs_dp_drop { HS_DP_DROP_REASONS(HS_ENUM_ITEM) HS_DPDROP_MAX };
const char *hs_dp_drop_name(enum hs_dp_drop r);

/* One configured interface bound to a DPDK port. */
struct hs_port {
	uint16_t port_id;
	bool inside; /* role */
	const struct hs_config_interface *cfg;
	struct rte_ether_addr mac;
	uint16_t mtu;
	uint16_t nb_rxq, nb_txq; /* workers' queues (+ one TX queue for the main lcore) */
	/*
	 * The main lcore's TX queue; UINT16_MAX when the device has no spare
	 * one: the main lcore then passes its packets to worker 0 (dp->main_tx).
	 */
	uint16_t main_txq;
};

/* Per-worker, per-port counters (summed on read). */
struct hs_port_stats {
	uint64_t rx_pkts, rx_bytes, tx_pkts, tx_bytes, drops;
};

/* Per-worker counters of one SA policy (crypto-map ACL line). */
struct hs_policy_stats {
	uint64_t hits;
};

/*
 * A policy is one crypto-map ACL line in classification order. The rte_acl
 * rules carry the policy index + 1 as userdata. The SA of a policy is
 * published in sad.c (an atomic pointer); NULL means "no SA yet": acquire.
 */
struct hs_policy {
	uint32_t index;
	const struct hs_config_crypto_map *map;
	const struct hs_config_crypto_entry *entry;
	const struct hs_config_acl_line *line;
	uint32_t line_no; /* 1-based, within its ACL */
	bool permit;	  /* deny = bypass ("not interesting") */
};

/*
 * Everything workers read that the main lcore may replace: swapped as one
 * pointer, old generation freed after an RCU QSBR grace period.
 */
struct hs_tables {
	uint64_t generation;
	struct rte_acl_ctx *acl4_out; /* inside -> outside, by inner src/dst */
	struct rte_acl_ctx *acl6_out;
	struct rte_acl_ctx *acl4_in; /* outside clear-text, reversed selectors */
	struct rte_acl_ctx *acl6_in;
	struct hs_policy *policies;
	uint32_t n_policies;
};

/*
 * What a packet on dp->slow is (struct hs_mbuf_meta.kind):
 *   HS_META_RX       received, data at the Ethernet header, for the main lcore
 *                    (ARP, ICMP/ICMPv6 echo and ND to us): hs_slowpath_burst
 *                    handles it
 *   HS_META_SEND_L3  data at the L3 header, whose next hop's MAC a worker did
 *                    not know: hs_slowpath_burst routes it again and passes
 *                    it to hs_main_send_l3 (which holds it until ARP/ND
 *                    resolves)
 */
enum hs_meta_kind { HS_META_RX = 0, HS_META_SEND_L3 = 1 };

/* Metadata a worker puts in the mbuf dynamic field (handoff, hold, slow ring). */
struct hs_mbuf_meta {
	uint32_t policy; /* policy index; UINT32_MAX: none */
	uint8_t dir;	 /* enum hs_sa_dir, for handoff to the SA's owner */
	uint8_t kind;	 /* enum hs_meta_kind, on dp->slow */
	uint8_t in_port; /* index in dp->ports */
	uint8_t out_port; /* index in dp->ports (HS_META_SEND_L3, main_tx) */
};
/*
 * Small on purpose: PMDs register dynamic fields too (net_pcap's 8-byte RX
 * timestamp splits the 36 free bytes), and ours must still fit.
 */
_Static_assert(sizeof(struct hs_mbuf_meta) <= 8, "mbuf metadata must stay small");

struct hs_dp;

/* The state of one worker lcore; only that lcore writes it. */
struct hs_lcore {
	struct hs_dp *dp;
	unsigned int lcore_id;
	unsigned int worker; /* 0..nb_workers-1, also its RCU thread id */
	uint16_t rxq;	     /* its RX queue on every port */
	uint16_t txq;	     /* its TX queue on every port */
	struct hs_esp_ctx esp;
	struct rte_ring *handoff; /* packets of SAs this worker owns, from others */
	struct rte_mbuf *tx[HS_PORTS_MAX][HS_TX_BUFFER];
	uint16_t tx_n[HS_PORTS_MAX];
	uint64_t tx_tsc; /* last TX drain */
	uint64_t drops[HS_DPDROP_MAX];
	struct rte_mbuf *drop_list[2 * HS_BURST_MAX]; /* freed in bulk once per loop */
	uint16_t n_drop;
	struct hs_port_stats port[HS_PORTS_MAX];
	struct hs_policy_stats *policy; /* [HS_POLICIES_MAX], per worker */
	uint32_t idle_polls;
	/*
	 * Last route + neighbour answer, valid for one loop iteration: a burst
	 * to one peer (every ESP packet of a tunnel) needs one lookup, and an
	 * ARP/ND change is seen by the next iteration.
	 */
	bool nh_valid;
	uint16_t nh_port;
	struct hs_addr nh_dst;
	struct rte_ether_addr nh_mac;
} __attribute__((aligned(HS_CACHE_LINE)));

/* Options from the command line after EAL's. */
struct hs_dp_opts {
	const char *config_path;
	bool interactive;    /* -i: the console's prompt on this terminal */
	const char *cli_socket; /* --cli-socket PATH; NULL: the EAL runtime dir's */
	uint32_t idle_sleep_us; /* sleep after idle_polls empty polls; 0: busy poll */
	uint32_t idle_polls;
	bool no_static_sas; /* start without the config's static SAs (tests) */
	bool stats_on_exit;
};

struct hs_sad;
struct hs_console;
struct hs_neigh;
struct hs_routes;

struct hs_dp {
	struct hs_dp_opts opts;
	struct hs_config *cfg;
	atomic_bool stop;
	struct hs_port ports[HS_PORTS_MAX];
	uint16_t n_ports;
	struct hs_lcore *workers[HS_WORKERS_MAX];
	unsigned int n_workers;
	struct rte_mempool *pool;
	struct rte_rcu_qsbr *qsbr;
	_Atomic(struct hs_tables *) tables;
	struct hs_sad *sad;
	struct hs_routes *routes;
	struct hs_neigh *neigh;
	struct hs_rings rings; /* msg.h */
	struct rte_ring *slow; /* workers -> main lcore: ARP, ICMP to us, held for ARP */
	struct rte_ring *main_tx; /* main lcore -> worker 0: L2 frames, meta.out_port */
	int meta_off;	       /* mbuf dynfield offset of struct hs_mbuf_meta */
	uint64_t main_drops[HS_DPDROP_MAX]; /* drops on the main lcore */
	struct hs_port_stats main_port[HS_PORTS_MAX]; /* the main lcore's own TX */
	uint16_t registry_lo, registry_hi; /* Auto VPN registry UDP ports (0: none) */
	/* Our IPv4 addresses, for the per-packet "to us?" test without the config walk. */
	uint32_t local4[64];
	uint8_t n_local4;
	struct hs_esp_ctx main_esp; /* main lcore's IMB manager (key expansion) */
	struct hs_console *console; /* console.h; main lcore only */
	uint64_t tsc_hz;
	uint64_t start_tsc;
};

static inline struct hs_mbuf_meta *
hs_meta(const struct hs_dp *dp, struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, dp->meta_off, struct hs_mbuf_meta *);
}

/* port.c */
int hs_port_init_all(struct hs_dp *dp);
void hs_port_stop_all(struct hs_dp *dp);
/* The configured port that a DPDK port id belongs to, or NULL. */
const struct hs_port *hs_port_by_id(const struct hs_dp *dp, uint16_t port_id);
/* Index in dp->ports of the interface with this name, or -1. */
int hs_port_index(const struct hs_dp *dp, const char *ifname);
/* True if addr is one of our interface addresses (any port). */
bool hs_port_is_local(const struct hs_dp *dp, const struct hs_addr *addr);

/* worker.c */
int hs_worker_main(void *arg); /* struct hs_lcore * */
/* Queue m for TX on dp->ports[port] (ownership passes); drains when full. */
void hs_worker_tx(struct hs_lcore *lc, uint16_t port, struct rte_mbuf *m);
void hs_worker_tx_flush(struct hs_lcore *lc);

/* classify.c: build from dp->cfg; NULL and a message on error. */
struct hs_tables *hs_tables_build(struct hs_dp *dp, char *err, size_t errlen);
void hs_tables_free(struct hs_tables *t);
/*
 * Classify n IPv4/IPv6 packets (data at the L3 header) against the outbound
 * (or inbound, reversed) crypto maps: res[i] = policy index, or UINT32_MAX
 * when no line matched.
 */
void hs_classify_burst(const struct hs_tables *t, bool outbound, struct rte_mbuf *pkts[],
	uint32_t res[], uint16_t n);

/* sad.c */
int hs_sad_create(struct hs_dp *dp);
void hs_sad_free(struct hs_dp *dp);
/* Apply one SA message from the control ring (main lcore only). */
int hs_sad_apply(struct hs_dp *dp, const struct hs_msg_sa *msg, char *err, size_t errlen);
/* Outbound SA of a policy, or NULL (worker, lock-free). */
struct hs_sa *hs_sad_out(const struct hs_dp *dp, uint32_t policy);
/* Inbound SA by SPI, or NULL (worker, lock-free). */
struct hs_sa *hs_sad_in(const struct hs_dp *dp, uint32_t spi);
/* The worker that owns an SA (its sequence numbers / replay window). */
unsigned int hs_sad_owner(const struct hs_dp *dp, const struct hs_sa *sa);
/* Inner packet (after decap) within the inbound SA's selectors? */
bool hs_sad_selector_ok(const struct hs_dp *dp, const struct hs_sa *sa, const struct rte_mbuf *m);
/* Main lcore: time lifetimes, expiry events, deferred frees. */
void hs_sad_housekeeping(struct hs_dp *dp, uint64_t now_tsc);

/* What the SAD knows about one installed SA (console, telemetry). */
struct hs_sad_info {
	uint32_t slot;
	uint8_t dir;	    /* enum hs_sa_dir */
	const char *map;    /* crypto map name */
	uint32_t seq;	    /* crypto map entry */
	uint32_t acl_line;  /* 1-based; 0: every permit line of the entry */
	struct hs_addr peer;
	unsigned int owner; /* worker index (hs_sad_owner) */
	uint64_t install_tsc;
	uint32_t lifetime_soft_sec, lifetime_hard_sec; /* 0: none */
	uint8_t origin;	    /* enum hs_sa_origin */
	uint16_t pfs_group; /* 0: none */
	uint64_t ike_sa_id; /* 0: none */
	const struct hs_msg_ts *ts; /* selectors (inbound check), n_ts of them */
	uint8_t n_ts;
};
typedef void (*hs_sad_walk_fn)(const struct hs_sa *sa, const struct hs_sad_info *info, void *arg);
/*
 * Call fn for every installed SA, by slot (retired ones excluded). Main
 * lcore or a control thread (telemetry): it holds the SAD's writer lock, so
 * fn must not call back into sad.c. Counters in sa->stats are read racily.
 */
void hs_sad_walk(const struct hs_dp *dp, hs_sad_walk_fn fn, void *arg);

/* route.c */
int hs_routes_create(struct hs_dp *dp);
void hs_routes_free(struct hs_dp *dp);
/*
 * Next hop for dst: the egress port index and the neighbour address (dst
 * itself when directly connected). Returns 0 or -ENOENT.
 */
int hs_route_lookup(const struct hs_dp *dp, const struct hs_addr *dst, uint16_t *port,
	struct hs_addr *nh);
/*
 * Main lcore: add (or replace) / delete a route in the VPN table (routes
 * learned from tunnels, Auto VPN). port: index in dp->ports; nh NULL or
 * family 0: directly connected. The longest match of both tables wins; on
 * equal length the VPN route does. Returns 0, -EINVAL, -ENOSPC / -ENOENT.
 */
int hs_route_vpn_add(struct hs_dp *dp, const struct hs_prefix *p, uint16_t port,
	const struct hs_addr *nh);
int hs_route_vpn_del(struct hs_dp *dp, const struct hs_prefix *p);

/* neigh.c */
int hs_neigh_create(struct hs_dp *dp);
void hs_neigh_free(struct hs_dp *dp);
/* Worker: MAC of a neighbour, lock-free; false when unresolved. */
bool hs_neigh_lookup(const struct hs_dp *dp, uint16_t port, const struct hs_addr *nh,
	struct rte_ether_addr *mac);
/* Main lcore: learn / resolve / flush held packets. */
void hs_neigh_learn(struct hs_dp *dp, uint16_t port, const struct hs_addr *ip,
	const struct rte_ether_addr *mac);
void hs_neigh_hold(struct hs_dp *dp, uint16_t port, const struct hs_addr *nh, struct rte_mbuf *m);
void hs_neigh_housekeeping(struct hs_dp *dp, uint64_t now_tsc);

/* slowpath.c: main lcore, packets from dp->slow (Ethernet header present). */
void hs_slowpath_burst(struct hs_dp *dp, struct rte_mbuf *pkts[], uint16_t n);
/* Main lcore: send an L3 packet out of port (L2 added; held if unresolved). */
void hs_main_send_l3(struct hs_dp *dp, uint16_t port, const struct hs_addr *nh,
	struct rte_mbuf *m);

/* rings.c */
int hs_rings_create(struct hs_dp *dp);
void hs_rings_free(struct hs_dp *dp);
/* Main lcore: drain SA messages, inject, hold queues; install static SAs at start. */
void hs_rings_poll(struct hs_dp *dp);
int hs_rings_install_static(struct hs_dp *dp);
/*
 * Worker: raise an acquire for policy (rate-limited) and hold m (data at the
 * L3 header). Returns true when m was taken; false when it was not (hold
 * full): the caller drops it with HS_DPDROP_NO_SA.
 */
bool hs_rings_acquire(struct hs_lcore *lc, uint32_t policy, struct rte_mbuf *m);
/*
 * Worker: punt an IKE / registry packet (data at the L3 header, m->port the
 * DPDK port) to the control process. true: taken; false: the caller drops.
 */
bool hs_rings_punt(struct hs_lcore *lc, struct rte_mbuf *m);
/* Worker: lifetime events from its ESP context to the control process. */
void hs_rings_events(struct hs_lcore *lc);
/* TSC of the last acquire raised for a policy; 0: none (console: negotiating). */
uint64_t hs_rings_last_acquire(const struct hs_dp *dp, uint32_t policy);
/* Main lcore: send one event (sad.c: time lifetimes); false: ring full, dropped. */
bool hs_rings_event_send(struct hs_dp *dp, const struct hs_msg_event *ev);

/* telemetry.c */
int hs_telemetry_register(struct hs_dp *dp);

#endif /* HS_DP_H */
