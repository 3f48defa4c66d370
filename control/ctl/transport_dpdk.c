/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hubsec-control beside hubsec-dataplane: a DPDK secondary process on the
 * dataplane's rings (lib/msg.h). IKE packets arrive on the punt ring as
 * mbufs with the data at the L3 header (dataplane/worker.c to_us) and leave
 * on the inject ring the same way (dataplane/rings.c inject_poll routes
 * them); SA messages go on the SA ring, their answers come on the ack
 * ring, acquires and lifetime events on theirs.
 *
 * mbufs are taken from and given back to the dataplane's pool without a
 * per-lcore cache: the caches live in shared memory, indexed by lcore id,
 * and our main lcore (0 unless -l says otherwise) would share the
 * dataplane's main lcore's cache, which is not thread-safe.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include "ctl.h"
#include "secondary.h"

#define MBUF_POOL "hs_mbuf_pool" /* dataplane/main.c create_shared */
#define ALIVE_CHECK_MS 1000
#define TTL 64

struct hs_ctl_dpdk {
	struct hs_rings rings; /* the first seven pointers */
	struct rte_mempool *pool;
	uint16_t registry_lo, registry_hi; /* source ports of the Auto VPN registry */
	uint16_t ip_id;
	uint64_t alive_ms; /* last liveness check */
	uint8_t lin[HS_CTL_PKT_MAX]; /* a multi-segment packet, made contiguous */
};

/* ---- mbufs, without the lcore cache ---- */

static struct rte_mbuf *
mbuf_alloc(struct rte_mempool *pool)
{
	void *obj;

	if (rte_mempool_generic_get(pool, &obj, 1, NULL) != 0)
		return NULL;
	rte_pktmbuf_reset(obj);
	return obj;
}

static void
mbuf_free(struct rte_mbuf *m)
{
	while (m != NULL) {
		struct rte_mbuf *next = m->next, *seg = rte_pktmbuf_prefree_seg(m);

		if (seg != NULL)
			rte_mempool_generic_put(seg->pool, (void **)&seg, 1, NULL);
		m = next;
	}
}

/* ---- punt: IP/UDP for us ---- */

static const enum hs_ctl_counter punt_counter[] = {
	[HS_CTL_PKT_OTHER_UDP] = HS_CTL_C_RX_NOT_IKE,
	[HS_CTL_PKT_NOT_UDP] = HS_CTL_C_RX_NOT_IKE,
	[HS_CTL_PKT_FRAGMENT] = HS_CTL_C_RX_FRAGMENT,
	[HS_CTL_PKT_CKSUM] = HS_CTL_C_RX_CKSUM,
	[HS_CTL_PKT_MALFORMED] = HS_CTL_C_RX_MALFORMED,
};

static void
punt_one(struct hs_ctl *c, struct rte_mbuf *m, uint64_t now)
{
	struct hs_ctl_dpdk *d = c->dpdk;
	struct hs_ike_path path;
	uint32_t len = rte_pktmbuf_pkt_len(m);
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *), *pl = NULL;
	size_t pl_len = 0;
	enum hs_ctl_pkt_kind k = HS_CTL_PKT_MALFORMED;

	if (rte_pktmbuf_data_len(m) < len)
		p = len <= sizeof(d->lin) ? rte_pktmbuf_read(m, 0, len, d->lin) : NULL;
	if (p != NULL)
		k = hs_ctl_ip_udp_parse(p, len, &path, &pl, &pl_len);
	if (k == HS_CTL_PKT_IKE || k == HS_CTL_PKT_NATT) {
		hs_ctl_input(c, &path, k == HS_CTL_PKT_NATT, pl, pl_len, now);
	} else if (k == HS_CTL_PKT_OTHER_UDP && path.rport >= d->registry_lo &&
		   path.rport <= d->registry_hi) {
		/* The Auto VPN registry client is a later issue: counted and dropped for now. */
		c->count[HS_CTL_C_RX_REGISTRY]++;
	} else {
		c->count[punt_counter[k]]++;
		hs_ctl_log(c, HS_IKEV2_LOG_DEBUG, "punted packet of %" PRIu32 " bytes dropped: %s",
			len, hs_ctl_counter_name(punt_counter[k]));
	}
	mbuf_free(m);
}

/* ---- messages from the dataplane ---- */

/* Take one message of type from ring into *copy (the object goes back); false when none. */
static bool
take(struct hs_ctl *c, struct rte_ring *ring, enum hs_msg_type type, union hs_msg_any *copy,
	bool *got)
{
	const char *why = "wrong type for its ring";
	void *obj;
	bool ok;

	*got = rte_ring_dequeue(ring, &obj) == 0;
	if (!*got)
		return false;
	ok = hs_msg_validate(obj, &why) == 0 && ((const struct hs_msg_hdr *)obj)->type == type;
	if (ok)
		memcpy(copy, obj, ((const struct hs_msg_hdr *)obj)->len);
	rte_mempool_put(c->dpdk->rings.msg_pool, obj);
	if (!ok) {
		c->count[HS_CTL_C_BAD_MSG]++;
		hs_ctl_log(c, HS_IKEV2_LOG_WARNING, "%s ring: message refused: %s",
			hs_msg_type_name(type), why);
	}
	return ok;
}

static unsigned int
msgs_poll(struct hs_ctl *c, uint64_t now)
{
	const struct hs_rings *r = &c->dpdk->rings;
	unsigned int work = 0;
	union hs_msg_any m;
	bool got = true;

	for (unsigned int i = 0; i < HS_BURST_MAX && got; i++, work += got) {
		if (!take(c, r->ack, HS_MSG_ACK, &m, &got))
			continue;
		m.ack.error[sizeof(m.ack.error) - 1] = '\0';
		c->count[HS_CTL_C_ACKS]++;
		hs_ikev2_sa_result(c->ike, m.ack.req_id, m.ack.result, m.ack.error, now);
	}
	got = true;
	for (unsigned int i = 0; i < HS_BURST_MAX && got; i++, work += got) {
		if (!take(c, r->acquire, HS_MSG_ACQUIRE, &m, &got))
			continue;
		m.acquire.map[sizeof(m.acquire.map) - 1] = '\0';
		c->count[HS_CTL_C_ACQUIRES]++;
		hs_ikev2_acquire(c->ike, &m.acquire, now);
	}
	got = true;
	for (unsigned int i = 0; i < HS_BURST_MAX && got; i++, work += got) {
		if (!take(c, r->event, HS_MSG_EVENT, &m, &got))
			continue;
		c->count[HS_CTL_C_EVENTS]++;
		hs_ikev2_event(c->ike, &m.event, now);
	}
	return work;
}

unsigned int
hs_ctl_dpdk_poll(struct hs_ctl *c, uint64_t now)
{
	struct rte_mbuf *pkts[HS_BURST_MAX];
	unsigned int n = rte_ring_dequeue_burst(c->dpdk->rings.punt, (void **)pkts, HS_BURST_MAX,
		NULL);

	for (unsigned int i = 0; i < n; i++)
		punt_one(c, pkts[i], now);
	return n + msgs_poll(c, now);
}

/* ---- to the dataplane ---- */

/* IP + UDP headers in front of the (marker and) message at p; checksums filled. */
static void
headers(struct hs_ctl_dpdk *d, uint8_t *p, const struct hs_addr *src,
	const struct hs_ike_path *path, uint16_t ulen)
{
	struct rte_udp_hdr *udp;

	if (path->remote.family == AF_INET) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;

		*ip = (struct rte_ipv4_hdr){ .version_ihl = RTE_IPV4_VHL_DEF,
			.total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + ulen)),
			.packet_id = rte_cpu_to_be_16(d->ip_id++), .time_to_live = TTL,
			.next_proto_id = IPPROTO_UDP };
		memcpy(&ip->src_addr, src->v4, 4);
		memcpy(&ip->dst_addr, path->remote.v4, 4);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		udp = (struct rte_udp_hdr *)(ip + 1);
		*udp = (struct rte_udp_hdr){ .src_port = rte_cpu_to_be_16(path->lport),
			.dst_port = rte_cpu_to_be_16(path->rport),
			.dgram_len = rte_cpu_to_be_16(ulen) };
		udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
		return;
	}
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)p;

	*ip6 = (struct rte_ipv6_hdr){ .vtc_flow = rte_cpu_to_be_32(UINT32_C(6) << 28),
		.payload_len = rte_cpu_to_be_16(ulen), .proto = IPPROTO_UDP, .hop_limits = TTL };
	memcpy(ip6->src_addr, src->v6, 16);
	memcpy(ip6->dst_addr, path->remote.v6, 16);
	udp = (struct rte_udp_hdr *)(ip6 + 1);
	*udp = (struct rte_udp_hdr){ .src_port = rte_cpu_to_be_16(path->lport),
		.dst_port = rte_cpu_to_be_16(path->rport), .dgram_len = rte_cpu_to_be_16(ulen) };
	udp->dgram_cksum = rte_ipv6_udptcp_cksum(ip6, udp);
}

static int
send_fail(struct hs_ctl *c, const struct hs_ike_path *path, int rc, const char *why)
{
	char r[HS_ADDR_STRLEN];

	c->count[HS_CTL_C_TX_FAILED]++;
	hs_ctl_log(c, HS_IKEV2_LOG_DEBUG, "not sent to %s port %u: %s",
		hs_addr_format(&path->remote, r, sizeof(r)), path->rport, why);
	return rc;
}

static int
dpdk_send(void *ctx, const struct hs_ike_path *path, const uint8_t *msg, size_t len)
{
	struct hs_ctl *c = ctx;
	struct hs_ctl_dpdk *d = c->dpdk;
	int family = path->remote.family;
	const struct hs_addr *src = &path->local;
	/* The marker, except on a NAT keepalive (one 0xff byte, RFC 3948 §2.3). */
	bool natt = path->lport == HS_IKE_NATT_PORT && !(len == 1 && msg[0] == 0xff);
	size_t l3 = family == AF_INET ? sizeof(struct rte_ipv4_hdr) : sizeof(struct rte_ipv6_hdr);
	size_t ulen = sizeof(struct rte_udp_hdr) + (natt ? 4 : 0) + len;
	struct rte_mbuf *m;
	uint8_t *p;

	if (family != AF_INET && family != AF_INET6)
		return send_fail(c, path, -EAFNOSUPPORT, "no remote address");
	if (src->family != family)
		src = hs_ctl_outside_addr(c->cfg, family); /* the engine left it to us */
	if (src == NULL)
		return send_fail(c, path, -EADDRNOTAVAIL, "no outside address of that family");
	if (l3 + ulen > UINT16_MAX)
		return send_fail(c, path, -EMSGSIZE, "too long");
	m = mbuf_alloc(d->pool);
	if (m == NULL)
		return send_fail(c, path, -ENOBUFS, "mbuf pool empty");
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(l3 + ulen));
	if (p == NULL) {
		mbuf_free(m);
		return send_fail(c, path, -EMSGSIZE, "longer than one mbuf (IKE fragmentation?)");
	}
	if (natt)
		memset(p + l3 + sizeof(struct rte_udp_hdr), 0, 4); /* RFC 3948 §2.2 */
	memcpy(p + l3 + ulen - len, msg, len);
	headers(d, p, src, path, (uint16_t)ulen);
	m->packet_type = (family == AF_INET ? RTE_PTYPE_L3_IPV4 : RTE_PTYPE_L3_IPV6) |
			 RTE_PTYPE_L4_UDP;
	if (rte_ring_enqueue(d->rings.inject, m) != 0) {
		mbuf_free(m);
		return send_fail(c, path, -ENOBUFS, "inject ring full");
	}
	c->count[HS_CTL_C_TX]++;
	return 0;
}

static int
dpdk_sa(void *ctx, const struct hs_msg_sa *msg)
{
	struct hs_ctl *c = ctx;
	const struct hs_rings *r = &c->dpdk->rings;
	const char *why = "message id with HS_MSG_ID_LOCAL (the dataplane's own)";
	void *obj;

	if (hs_msg_validate(&msg->hdr, &why) != 0 || (msg->hdr.id & HS_MSG_ID_LOCAL)) {
		c->count[HS_CTL_C_SA_FAILED]++;
		hs_ctl_log(c, HS_IKEV2_LOG_ERR, "SA message not sent: %s", why);
		return -EINVAL;
	}
	if (rte_mempool_get(r->msg_pool, &obj) != 0) {
		c->count[HS_CTL_C_SA_FAILED]++;
		return -ENOBUFS;
	}
	memcpy(obj, msg, sizeof(*msg));
	if (rte_ring_enqueue(r->sa, obj) != 0) {
		explicit_bzero(obj, sizeof(union hs_msg_any)); /* keys */
		rte_mempool_put(r->msg_pool, obj);
		c->count[HS_CTL_C_SA_FAILED]++;
		return -ENOBUFS;
	}
	c->count[HS_CTL_C_SA_SENT]++;
	return 0;
}

/* ---- attach ---- */

/* The source ports of the registry's answers (dataplane/main.c registry_ports). */
static void
registry_ports(struct hs_ctl_dpdk *d, const struct hs_config *cfg)
{
	const struct hs_config_autovpn *a = &cfg->autovpn;

	d->registry_lo = 1;
	d->registry_hi = 0; /* empty */
	if (!a->present || !a->enabled)
		return;
	for (unsigned int i = 0; i < a->n_registry; i++) {
		if (i == 0 || a->registry[i].port_lo < d->registry_lo)
			d->registry_lo = a->registry[i].port_lo;
		if (a->registry[i].port_hi > d->registry_hi)
			d->registry_hi = a->registry[i].port_hi;
	}
}

static int
attach(struct hs_ctl *c, struct hs_ctl_dpdk *d)
{
	struct hs_rings *r = &d->rings;

	hs_secondary_rings(r);
	d->pool = rte_mempool_lookup(MBUF_POOL);
	if (r->sa != NULL && r->ack != NULL && r->acquire != NULL && r->event != NULL &&
		r->punt != NULL && r->inject != NULL && r->msg_pool != NULL && d->pool != NULL)
		return 0;
	fprintf(stderr, "hubsec-control: attached to DPDK prefix '%s' but its hubsec rings or "
			"pools are missing: is hubsec-dataplane (not another DPDK program) "
			"running with --file-prefix %s, and fully started?\n",
		c->opts.prefix, c->opts.prefix);
	return -ENOENT;
}

int
hs_ctl_dpdk_open(struct hs_ctl *c, int argc, char **argv)
{
	struct hs_ctl_dpdk *d;

	c->opts.prefix = hs_secondary_file_prefix(argc, argv);
	if (hs_secondary_eal_attach(argc, argv, "hubsec-control", c->opts.prefix,
		    "start hubsec-dataplane first, or use --udp to run on kernel sockets "
		    "without it") != 0)
		return HS_CTL_EXIT_USAGE;
	d = calloc(1, sizeof(*d));
	if (d == NULL || attach(c, d) != 0) {
		free(d);
		rte_eal_cleanup();
		return HS_CTL_EXIT_USAGE;
	}
	registry_ports(d, c->cfg);
	d->ip_id = (uint16_t)getpid();
	d->alive_ms = hs_ctl_now_ms();
	c->dpdk = d;
	c->io.send = dpdk_send;
	c->io.sa = dpdk_sa;
	hs_ctl_log(c, HS_IKEV2_LOG_INFO, "attached to hubsec-dataplane (--file-prefix %s)",
		c->opts.prefix);
	return 0;
}

bool
hs_ctl_dpdk_alive(struct hs_ctl *c)
{
	uint64_t now = hs_ctl_now_ms();

	if (now - c->dpdk->alive_ms < ALIVE_CHECK_MS)
		return true;
	c->dpdk->alive_ms = now;
	return rte_eal_primary_proc_alive(NULL) != 0;
}

const char *
hs_ctl_dpdk_runtime_dir(void)
{
	return rte_eal_get_runtime_dir();
}

void
hs_ctl_dpdk_close(struct hs_ctl *c)
{
	if (c->dpdk == NULL)
		return;
	/* What is still queued to us stays: a restarted hubsec-control takes it. */
	free(c->dpdk);
	c->dpdk = NULL;
	rte_eal_cleanup();
}
