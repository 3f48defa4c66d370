/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker lcore: a burst pipeline (l3fwd, ipsec-secgw, grout shape).
 *
 *   rx burst -> L2/L3 checks -> to us? (ESP in | IKE punt | slow path)
 *            -> inside:  one bulk classify -> protect | bypass | acquire+hold
 *            -> outside: inbound policy check for clear-text -> bypass | drop
 *   protect -> SA owner? else handoff ring -> ESP out burst -> route outer -> TX
 *   ESP in  -> SA owner? else handoff ring -> ESP in burst -> selectors -> route -> TX
 *
 * Each SA is owned by one worker (sad.c picks it): only the owner runs its
 * packets through the ESP engine, so sequence numbers and replay windows are
 * single-writer (VPP's handoff model). No locks, allocation, syscalls or logs
 * here; the one syscall is the idle sleep when nothing arrived (l3fwd-power).
 */
#include <unistd.h>

#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "dp.h"

#define IKE_PORT 500
#define NATT_PORT 4500

/* A burst split by what happens next. */
struct sorted {
	struct rte_mbuf *out[HS_BURST_MAX]; /* inside -> classify */
	uint16_t n_out;
	struct rte_mbuf *esp[HS_BURST_MAX]; /* ESP to us */
	uint16_t n_esp;
	struct rte_mbuf *clear_in[HS_BURST_MAX]; /* outside clear-text transit */
	uint16_t n_clear_in;
};

/* Packets for one ESP burst call, with their SAs. */
struct esp_batch {
	struct rte_mbuf *pkts[HS_BURST_MAX];
	struct hs_sa *sas[HS_BURST_MAX];
	uint16_t n;
};

static inline void
drop(struct hs_lcore *lc, struct rte_mbuf *m, enum hs_dp_drop why)
{
	lc->drops[why]++;
	lc->drop_list[lc->n_drop++] = m;
	if (hs_unlikely(lc->n_drop == HS_ARRAY_SIZE(lc->drop_list))) {
		rte_pktmbuf_free_bulk(lc->drop_list, lc->n_drop);
		lc->n_drop = 0;
	}
}

void
hs_worker_tx_flush(struct hs_lcore *lc)
{
	const struct hs_dp *dp = lc->dp;

	for (uint16_t p = 0; p < dp->n_ports; p++) {
		uint16_t n = lc->tx_n[p], sent;

		if (n == 0)
			continue;
		sent = rte_eth_tx_burst(dp->ports[p].port_id, lc->txq, lc->tx[p], n);
		lc->port[p].tx_pkts += sent;
		for (uint16_t i = 0; i < sent; i++)
			lc->port[p].tx_bytes += lc->tx[p][i]->pkt_len;
		for (uint16_t i = sent; i < n; i++) {
			lc->port[p].drops++;
			drop(lc, lc->tx[p][i], HS_DPDROP_TX_FULL);
		}
		lc->tx_n[p] = 0;
	}
}

void
hs_worker_tx(struct hs_lcore *lc, uint16_t port, struct rte_mbuf *m)
{
	lc->tx[port][lc->tx_n[port]++] = m;
	if (lc->tx_n[port] == HS_TX_BUFFER)
		hs_worker_tx_flush(lc);
}

static inline void
addr_from_ip(const uint8_t *l3, bool dst, struct hs_addr *a)
{
	if ((l3[0] >> 4) == 4) {
		a->family = AF_INET;
		memcpy(a->v4, l3 + (dst ? 16 : 12), 4);
	} else {
		a->family = AF_INET6;
		memcpy(a->v6, l3 + (dst ? 24 : 8), 16);
	}
}

static inline bool
is_local(const struct hs_dp *dp, const struct hs_addr *a)
{
	if (a->family == AF_INET) {
		uint32_t v;

		memcpy(&v, a->v4, 4);
		for (uint8_t i = 0; i < dp->n_local4; i++)
			if (dp->local4[i] == v)
				return true;
		return false;
	}
	return hs_port_is_local(dp, a);
}

static inline bool
addr_is_multicast(const struct hs_addr *a)
{
	if (a->family == AF_INET)
		return (a->v4[0] & 0xf0) == 0xe0 || (a->v4[0] == 0xff && a->v4[1] == 0xff &&
							    a->v4[2] == 0xff && a->v4[3] == 0xff);
	return a->v6[0] == 0xff;
}

/* Forwarding a packet is a router hop: TTL/hop limit down by one (RFC 1812 §5.3.1). */
static inline bool
ttl_dec(struct rte_mbuf *m)
{
	uint8_t *l3 = rte_pktmbuf_mtod(m, uint8_t *);

	if ((l3[0] >> 4) == 4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)l3;
		uint32_t sum;

		if (ip->time_to_live <= 1)
			return false;
		ip->time_to_live--;
		/* RFC 1624 incremental update: TTL is the high byte of its word. */
		sum = (uint32_t)rte_be_to_cpu_16(ip->hdr_checksum) + 0x0100;
		sum = (sum & 0xffff) + (sum >> 16);
		ip->hdr_checksum = rte_cpu_to_be_16((uint16_t)sum);
		return true;
	}
	if (l3[7] <= 1)
		return false;
	l3[7]--;
	return true;
}

/*
 * Send an L3 packet (data at the IP header) towards dst: route, MTU,
 * neighbour, Ethernet header, TX buffer. Unknown neighbours go to the main
 * lcore, which resolves them and holds the packet meanwhile.
 */
static void
send_l3(struct hs_lcore *lc, struct rte_mbuf *m, const struct hs_addr *dst)
{
	struct hs_dp *dp = lc->dp;
	struct hs_mbuf_meta *meta;
	struct rte_ether_hdr *eh;
	struct rte_ether_addr mac;
	struct hs_addr nh;
	uint16_t port;

	if (lc->nh_valid && hs_addr_equal(&lc->nh_dst, dst)) {
		port = lc->nh_port;
		mac = lc->nh_mac;
		goto resolved;
	}
	if (hs_unlikely(hs_route_lookup(dp, dst, &port, &nh) != 0)) {
		drop(lc, m, HS_DPDROP_NO_ROUTE);
		return;
	}
	if (hs_unlikely(!hs_neigh_lookup(dp, port, &nh, &mac))) {
		if (hs_unlikely(m->pkt_len > dp->ports[port].mtu)) {
			drop(lc, m, HS_DPDROP_MTU);
			return;
		}
		meta = hs_meta(dp, m);
		meta->kind = HS_META_SEND_L3;
		meta->out_port = (uint8_t)port;
		if (rte_ring_enqueue(dp->slow, m) != 0)
			drop(lc, m, HS_DPDROP_RING_FULL);
		return;
	}
	lc->nh_valid = true;
	lc->nh_dst = *dst;
	lc->nh_port = port;
	lc->nh_mac = mac;
resolved:
	if (hs_unlikely(m->pkt_len > dp->ports[port].mtu)) {
		drop(lc, m, HS_DPDROP_MTU); /* no fragmentation (DF/PMTU: see README) */
		return;
	}
	eh = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(*eh));
	if (hs_unlikely(eh == NULL)) {
		drop(lc, m, HS_DPDROP_MALFORMED);
		return;
	}
	eh->dst_addr = mac;
	eh->src_addr = dp->ports[port].mac;
	eh->ether_type = rte_cpu_to_be_16(dst->family == AF_INET ? RTE_ETHER_TYPE_IPV4 :
								    RTE_ETHER_TYPE_IPV6);
	hs_worker_tx(lc, port, m);
}

static void
forward_clear(struct hs_lcore *lc, struct rte_mbuf *m)
{
	struct hs_addr dst;

	if (hs_unlikely(!ttl_dec(m))) {
		drop(lc, m, HS_DPDROP_TTL);
		return;
	}
	addr_from_ip(rte_pktmbuf_mtod(m, uint8_t *), true, &dst);
	send_l3(lc, m, &dst);
}

/* Hand m to the worker that owns its SA. */
static void
handoff(struct hs_lcore *lc, struct rte_mbuf *m, unsigned int owner, uint8_t dir, uint32_t pol)
{
	struct hs_mbuf_meta *meta = hs_meta(lc->dp, m);

	meta->dir = dir;
	meta->policy = pol;
	if (rte_ring_enqueue(lc->dp->workers[owner]->handoff, m) != 0)
		drop(lc, m, HS_DPDROP_RING_FULL);
}

static void
esp_out_run(struct hs_lcore *lc, struct esp_batch *b)
{
	uint16_t k;

	if (b->n == 0)
		return;
	k = hs_esp_out_burst(&lc->esp, b->pkts, b->sas, b->n);
	hs_esp_drops_free(&lc->esp);
	for (uint16_t i = 0; i < k; i++)
		send_l3(lc, b->pkts[i], &b->sas[i]->cfg.tun_dst);
	b->n = 0;
}

static void
esp_in_run(struct hs_lcore *lc, struct esp_batch *b)
{
	struct hs_dp *dp = lc->dp;
	uint16_t k;

	if (b->n == 0)
		return;
	k = hs_esp_in_burst(&lc->esp, b->pkts, b->sas, b->n);
	hs_esp_drops_free(&lc->esp);
	for (uint16_t i = 0; i < k; i++) {
		struct rte_mbuf *m = b->pkts[i];

		/* RFC 4301 §5.2 step 4: the inner packet must fit the SA's selectors. */
		if (hs_unlikely(!hs_sad_selector_ok(dp, b->sas[i], m))) {
			drop(lc, m, HS_DPDROP_SELECTOR);
			continue;
		}
		forward_clear(lc, m);
	}
	b->n = 0;
}

/* Outbound packet with a permit policy: its SA, or an acquire. */
static void
protect(struct hs_lcore *lc, struct rte_mbuf *m, uint32_t pol, struct esp_batch *b)
{
	struct hs_dp *dp = lc->dp;
	struct hs_sa *sa = hs_sad_out(dp, pol);
	unsigned int owner;

	if (sa == NULL) {
		if (!hs_rings_acquire(lc, pol, m))
			drop(lc, m, HS_DPDROP_NO_SA);
		return;
	}
	owner = hs_sad_owner(dp, sa);
	if (owner != lc->worker) {
		handoff(lc, m, owner, HS_SA_OUT, pol);
		return;
	}
	if (hs_unlikely(!ttl_dec(m))) {
		drop(lc, m, HS_DPDROP_TTL);
		return;
	}
	b->pkts[b->n] = m;
	b->sas[b->n++] = sa;
	if (b->n == HS_BURST_MAX)
		esp_out_run(lc, b);
}

static void
outbound(struct hs_lcore *lc, const struct hs_tables *t, struct rte_mbuf *pkts[], uint16_t n)
{
	uint32_t res[HS_BURST_MAX];
	struct esp_batch b = { .n = 0 };

	if (n == 0)
		return;
	hs_classify_burst(t, true, pkts, res, n);
	for (uint16_t i = 0; i < n; i++) {
		uint32_t pol = res[i];

		if (pol == UINT32_MAX || !t->policies[pol].permit) {
			if (pol != UINT32_MAX)
				lc->policy[pol].hits++;
			forward_clear(lc, pkts[i]); /* not interesting: in clear */
			continue;
		}
		lc->policy[pol].hits++;
		protect(lc, pkts[i], pol, &b);
	}
	esp_out_run(lc, &b);
}

/* Clear-text arriving outside: drop what a crypto map says must be protected. */
static void
inbound_clear(struct hs_lcore *lc, const struct hs_tables *t, struct rte_mbuf *pkts[],
	uint16_t n)
{
	uint32_t res[HS_BURST_MAX];

	if (n == 0)
		return;
	hs_classify_burst(t, false, pkts, res, n);
	for (uint16_t i = 0; i < n; i++) {
		if (res[i] != UINT32_MAX && t->policies[res[i]].permit)
			drop(lc, pkts[i], HS_DPDROP_POLICY);
		else
			forward_clear(lc, pkts[i]);
	}
}

static void
inbound_esp(struct hs_lcore *lc, struct rte_mbuf *pkts[], uint16_t n)
{
	struct hs_dp *dp = lc->dp;
	struct esp_batch b = { .n = 0 };

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct hs_sa *sa;
		unsigned int owner;
		uint32_t spi;

		if (hs_esp_peek_spi(m, &spi) != 0 || (sa = hs_sad_in(dp, spi)) == NULL) {
			drop(lc, m, HS_DPDROP_UNKNOWN_SPI);
			continue;
		}
		owner = hs_sad_owner(dp, sa);
		if (owner != lc->worker) {
			handoff(lc, m, owner, HS_SA_IN, UINT32_MAX);
			continue;
		}
		b.pkts[b.n] = m;
		b.sas[b.n++] = sa;
	}
	esp_in_run(lc, &b);
}

/*
 * IPv4/IPv6 header sanity (version as the ethertype said); trims Ethernet
 * padding. Data at L3 on entry. Returns HS_DPDROP_MAX when the packet is fine.
 */
static enum hs_dp_drop
l3_check(struct rte_mbuf *m, uint8_t version)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m), total;
	uint64_t ck = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;

	if (len < 20 || (p[0] >> 4) != version)
		return HS_DPDROP_MALFORMED;
	if (version == 4) {
		uint32_t ihl = (uint32_t)(p[0] & 0xf) * 4;

		total = (uint32_t)p[2] << 8 | p[3];
		if (ihl < 20 || len < ihl || total < ihl)
			return HS_DPDROP_MALFORMED;
		/* RFC 1812 §5.2.2: verify the header checksum, unless the NIC did. */
		if (ck == RTE_MBUF_F_RX_IP_CKSUM_BAD ||
			(ck != RTE_MBUF_F_RX_IP_CKSUM_GOOD && rte_raw_cksum(p, ihl) != 0xffff))
			return HS_DPDROP_IP_CKSUM;
		m->packet_type = RTE_PTYPE_L3_IPV4;
	} else {
		if (len < 40)
			return HS_DPDROP_MALFORMED;
		total = 40 + ((uint32_t)p[4] << 8 | p[5]);
		m->packet_type = RTE_PTYPE_L3_IPV6;
	}
	if (total > m->pkt_len)
		return HS_DPDROP_MALFORMED;
	if (total < m->pkt_len)
		rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - total));
	return HS_DPDROP_MAX;
}

/*
 * The upper-layer protocol and its offset: IPv6 extension headers that may
 * precede ESP or UDP are skipped (RFC 8200 §4.1); fragments are not (no
 * reassembly here: they go to the slow path, which drops them).
 */
static void
l4_of(const struct rte_mbuf *m, uint32_t *l3, uint8_t *proto)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m);

	if ((p[0] >> 4) == 4) {
		*l3 = (uint32_t)(p[0] & 0xf) * 4;
		*proto = p[9];
		return;
	}
	*l3 = 40;
	*proto = p[6];
	for (int i = 0; i < 8 && (*proto == IPPROTO_HOPOPTS || *proto == IPPROTO_DSTOPTS ||
					 *proto == IPPROTO_ROUTING);
		i++) {
		if (*l3 + 8 > len)
			return;
		*proto = p[*l3];
		*l3 += ((uint32_t)p[*l3 + 1] + 1) * 8;
	}
}

/* Where a packet addressed to one of our addresses goes. */
static void
to_us(struct hs_lcore *lc, struct rte_mbuf *m, struct sorted *s)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t l3;
	uint8_t proto;

	l4_of(m, &l3, &proto);
	if (proto == IPPROTO_ESP) {
		s->esp[s->n_esp++] = m;
		return;
	}
	if (proto == IPPROTO_UDP && rte_pktmbuf_data_len(m) >= l3 + 12) {
		const struct rte_udp_hdr *udp = (const struct rte_udp_hdr *)(p + l3);
		uint16_t dport = rte_be_to_cpu_16(udp->dst_port);
		uint32_t marker;

		memcpy(&marker, p + l3 + 8, 4);
		/* RFC 3948 §2.2: on 4500 a zero "SPI" is the non-ESP marker (IKE). */
		if (dport == NATT_PORT && marker != 0) {
			s->esp[s->n_esp++] = m;
			return;
		}
		uint16_t sport = rte_be_to_cpu_16(udp->src_port);
		bool registry = sport >= lc->dp->registry_lo && sport <= lc->dp->registry_hi;

		/* IKE, and the Auto VPN registry's answers (they come from its port). */
		if (dport == IKE_PORT || dport == NATT_PORT || registry) {
			if (!hs_rings_punt(lc, m))
				drop(lc, m, HS_DPDROP_RING_FULL);
			return;
		}
	}
	/* ICMP echo and the rest: the main lcore, with the Ethernet header back. */
	rte_pktmbuf_prepend(m, sizeof(struct rte_ether_hdr));
	hs_meta(lc->dp, m)->kind = HS_META_RX;
	if (rte_ring_enqueue(lc->dp->slow, m) != 0)
		drop(lc, m, HS_DPDROP_RING_FULL);
}

static void
sort_one(struct hs_lcore *lc, uint16_t pi, struct rte_mbuf *m, struct sorted *s)
{
	struct hs_dp *dp = lc->dp;
	const struct hs_port *port = &dp->ports[pi];
	struct rte_ether_hdr *eh;
	uint16_t type;
	struct hs_addr dst;
	enum hs_dp_drop why;

	if (hs_unlikely(rte_pktmbuf_data_len(m) < sizeof(*eh))) {
		drop(lc, m, HS_DPDROP_MALFORMED);
		return;
	}
	eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	if (!rte_is_same_ether_addr(&eh->dst_addr, &port->mac) &&
		!rte_is_multicast_ether_addr(&eh->dst_addr)) {
		drop(lc, m, HS_DPDROP_NOT_FOR_US);
		return;
	}
	type = rte_be_to_cpu_16(eh->ether_type);
	hs_meta(dp, m)->in_port = (uint8_t)pi;
	if (type == RTE_ETHER_TYPE_ARP) {
		hs_meta(dp, m)->kind = HS_META_RX;
		if (rte_ring_enqueue(dp->slow, m) != 0)
			drop(lc, m, HS_DPDROP_RING_FULL);
		return;
	}
	if (type != RTE_ETHER_TYPE_IPV4 && type != RTE_ETHER_TYPE_IPV6) {
		drop(lc, m, HS_DPDROP_NOT_IP);
		return;
	}
	rte_pktmbuf_adj(m, sizeof(*eh));
	why = l3_check(m, type == RTE_ETHER_TYPE_IPV4 ? 4 : 6);
	if (hs_unlikely(why != HS_DPDROP_MAX)) {
		drop(lc, m, why);
		return;
	}
	addr_from_ip(rte_pktmbuf_mtod(m, uint8_t *), true, &dst);
	/* Ours, or multicast/broadcast (no multicast routing here: ND and the like). */
	if (is_local(dp, &dst) || rte_is_multicast_ether_addr(&eh->dst_addr) ||
		addr_is_multicast(&dst))
		to_us(lc, m, s);
	else if (port->inside)
		s->out[s->n_out++] = m;
	else
		s->clear_in[s->n_clear_in++] = m;
}

static void
rx_burst(struct hs_lcore *lc, const struct hs_tables *t, uint16_t pi, struct rte_mbuf *pkts[],
	uint16_t n)
{
	struct sorted s;

	s.n_out = s.n_esp = s.n_clear_in = 0;
	lc->port[pi].rx_pkts += n;
	for (uint16_t i = 0; i < n; i++) {
		lc->port[pi].rx_bytes += pkts[i]->pkt_len;
		sort_one(lc, pi, pkts[i], &s);
	}
	outbound(lc, t, s.out, s.n_out);
	inbound_esp(lc, s.esp, s.n_esp);
	inbound_clear(lc, t, s.clear_in, s.n_clear_in);
}

/* Packets other workers (or the acquire hold queue) handed to this owner. */
static void
handoff_burst(struct hs_lcore *lc, struct rte_mbuf *pkts[], uint16_t n)
{
	struct hs_dp *dp = lc->dp;
	struct rte_mbuf *in[HS_BURST_MAX];
	struct esp_batch b = { .n = 0 };
	uint16_t n_in = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct hs_mbuf_meta *meta = hs_meta(dp, pkts[i]);

		if (meta->dir == HS_SA_IN)
			in[n_in++] = pkts[i];
		else
			protect(lc, pkts[i], meta->policy, &b);
	}
	esp_out_run(lc, &b);
	inbound_esp(lc, in, n_in);
}

/* Worker 0 sends the main lcore's frames on ports with no queue for it. */
static uint16_t
main_tx(struct hs_lcore *lc)
{
	struct rte_mbuf *pkts[HS_BURST_MAX];
	uint16_t n = (uint16_t)rte_ring_dequeue_burst(lc->dp->main_tx, (void **)pkts,
		HS_BURST_MAX, NULL);

	for (uint16_t i = 0; i < n; i++)
		hs_worker_tx(lc, hs_meta(lc->dp, pkts[i])->out_port, pkts[i]);
	return n;
}

static void
idle(struct hs_lcore *lc, bool busy)
{
	const struct hs_dp_opts *o = &lc->dp->opts;

	if (busy || o->idle_sleep_us == 0) {
		lc->idle_polls = 0;
		return;
	}
	if (++lc->idle_polls >= o->idle_polls)
		usleep(o->idle_sleep_us); /* idle back-off, as l3fwd-power */
}

int
hs_worker_main(void *arg)
{
	struct hs_lcore *lc = arg;
	struct hs_dp *dp = lc->dp;
	struct rte_mbuf *pkts[HS_BURST_MAX];

	rte_rcu_qsbr_thread_register(dp->qsbr, lc->worker);
	rte_rcu_qsbr_thread_online(dp->qsbr, lc->worker);
	while (!atomic_load_explicit(&dp->stop, memory_order_relaxed)) {
		const struct hs_tables *t = atomic_load_explicit(&dp->tables, memory_order_acquire);
		uint32_t got = 0;
		uint16_t n;

		lc->esp.now = rte_rdtsc();
		lc->nh_valid = false;
		for (uint16_t p = 0; p < dp->n_ports; p++) {
			/* Queues w, w + workers, ...: af_packet has one per qpair, all live. */
			for (uint16_t q = lc->rxq; q < dp->ports[p].nb_rxq; q += dp->n_workers) {
				n = rte_eth_rx_burst(dp->ports[p].port_id, q, pkts, HS_BURST_MAX);
				if (n > 0)
					rx_burst(lc, t, p, pkts, n);
				got += n;
			}
		}
		if (lc->worker == 0)
			got += main_tx(lc);
		n = (uint16_t)rte_ring_dequeue_burst(lc->handoff, (void **)pkts, HS_BURST_MAX, NULL);
		if (n > 0)
			handoff_burst(lc, pkts, n);
		got += n;
		/* Each burst is already a batch: drain every loop, latency stays low. */
		hs_worker_tx_flush(lc);
		if (lc->esp.nb_events > 0)
			hs_rings_events(lc);
		if (lc->n_drop > 0) {
			rte_pktmbuf_free_bulk(lc->drop_list, lc->n_drop);
			lc->n_drop = 0;
		}
		rte_rcu_qsbr_quiescent(dp->qsbr, lc->worker);
		idle(lc, got > 0);
	}
	hs_worker_tx_flush(lc);
	rte_pktmbuf_free_bulk(lc->drop_list, lc->n_drop);
	lc->n_drop = 0;
	rte_rcu_qsbr_thread_offline(dp->qsbr, lc->worker);
	rte_rcu_qsbr_thread_unregister(dp->qsbr, lc->worker);
	return 0;
}
