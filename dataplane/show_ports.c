/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port and drop views: "show interfaces" (IOS), "show port stats" and "show
 * port info" (testpmd), "show drops", and "clear counters", which takes the
 * baseline every console view subtracts (console.h: the workers' counters
 * and the NIC's are never reset, telemetry keeps reading the raw sums).
 * Ports are named by their index in dp->ports (the baseline's index) and
 * shown with their DPDK port id, as testpmd does.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "console.h"
#include "dp_report.h"

#define BORDER "########################"

/* a - b, never below zero (a PMD that reset its counters under the baseline). */
static uint64_t
sub(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

/* The NIC's counters as they are; zeros when the PMD cannot say. */
static void
eth_raw(uint16_t port_id, struct rte_eth_stats *e)
{
	if (rte_eth_stats_get(port_id, e) != 0)
		memset(e, 0, sizeof(*e));
}

/* The NIC's counters since "clear counters" (the fields the views show). */
static void
eth_since_clear(const struct rte_eth_stats *raw, const struct rte_eth_stats *b,
	struct rte_eth_stats *e)
{
	memset(e, 0, sizeof(*e));
	e->ipackets = sub(raw->ipackets, b->ipackets);
	e->opackets = sub(raw->opackets, b->opackets);
	e->ibytes = sub(raw->ibytes, b->ibytes);
	e->obytes = sub(raw->obytes, b->obytes);
	e->imissed = sub(raw->imissed, b->imissed);
	e->ierrors = sub(raw->ierrors, b->ierrors);
	e->oerrors = sub(raw->oerrors, b->oerrors);
	e->rx_nombuf = sub(raw->rx_nombuf, b->rx_nombuf);
}

/* Link state without waiting for autonegotiation; "down" when unknown. */
static void
link_of(uint16_t port_id, struct rte_eth_link *l)
{
	memset(l, 0, sizeof(*l));
	if (rte_eth_link_get_nowait(port_id, l) != 0)
		memset(l, 0, sizeof(*l));
}

static const char *
duplex_name(const struct rte_eth_link *l)
{
	return l->link_duplex == RTE_ETH_LINK_FULL_DUPLEX ? "full-duplex" : "half-duplex";
}

static const char *
driver_of(uint16_t port_id, struct rte_eth_dev_info *di)
{
	if (rte_eth_dev_info_get(port_id, di) != 0) {
		memset(di, 0, sizeof(*di));
		return "unknown";
	}
	return di->driver_name != NULL ? di->driver_name : "unknown";
}

static const char *
dev_name(uint16_t port_id, char name[RTE_ETH_NAME_MAX_LEN])
{
	if (rte_eth_dev_get_name_by_port(port_id, name) != 0)
		snprintf(name, RTE_ETH_NAME_MAX_LEN, "?");
	return name;
}

static const char *
role_of(const struct hs_port *p)
{
	return p->inside ? "inside" : "outside";
}

static const char *
mac_str(const struct rte_ether_addr *m, char *buf, size_t len)
{
	snprintf(buf, len, RTE_ETHER_ADDR_PRT_FMT, RTE_ETHER_ADDR_BYTES(m));
	return buf;
}

static const char *
ifaddr_str(const struct hs_config_ifaddr *a, char *buf, size_t len)
{
	char s[HS_ADDR_STRLEN];

	snprintf(buf, len, "%s/%u", hs_addr_format(&a->addr, s, sizeof(s)), a->len);
	return buf;
}

/* ------------------------------------------------------------ show interfaces */

static void
iface_text(FILE *f, const struct hs_dp *dp, const struct hs_console *c, uint16_t i)
{
	const struct hs_port *p = &dp->ports[i];
	const struct hs_config_interface *ic = p->cfg;
	char name[RTE_ETH_NAME_MAX_LEN], b[HS_ADDR_STRLEN + 8];
	struct rte_eth_dev_info di;
	struct rte_eth_stats raw, e;
	struct rte_eth_link l;
	struct hs_port_stats s;

	link_of(p->port_id, &l);
	eth_raw(p->port_id, &raw);
	eth_since_clear(&raw, &c->base.eth[i], &e);
	hs_cli_port_stats(dp, c, i, &s);
	fprintf(f, "Interface %s (port %u, %s), role %s\n", ic->name, p->port_id,
		dev_name(p->port_id, name), role_of(p));
	fprintf(f, "  Hardware is %s, address is %s\n", driver_of(p->port_id, &di),
		mac_str(&p->mac, b, sizeof(b)));
	if (l.link_status == RTE_ETH_LINK_UP)
		fprintf(f, "  Link is up, speed %s, %s\n", rte_eth_link_speed_to_str(l.link_speed),
			duplex_name(&l));
	else
		fprintf(f, "  Link is down\n");
	for (unsigned int k = 0; k < ic->n_ipv4; k++)
		fprintf(f, "  Internet address is %s\n", ifaddr_str(&ic->ipv4[k], b, sizeof(b)));
	for (unsigned int k = 0; k < ic->n_ipv6; k++)
		fprintf(f, "  Internet address is %s\n", ifaddr_str(&ic->ipv6[k], b, sizeof(b)));
	if (ic->n_ipv4 + ic->n_ipv6 == 0)
		fprintf(f, "  No Internet address\n");
	fprintf(f, "  MTU %u bytes\n", p->mtu);
	fprintf(f, "  %" PRIu64 " packets input, %" PRIu64 " bytes, %" PRIu64 " dropped\n",
		s.rx_pkts, s.rx_bytes, s.drops);
	fprintf(f, "  %" PRIu64 " input errors, %" PRIu64 " missed, %" PRIu64 " no buffer\n",
		e.ierrors, e.imissed, e.rx_nombuf);
	fprintf(f, "  %" PRIu64 " packets output, %" PRIu64 " bytes, %" PRIu64
		   " output errors\n",
		s.tx_pkts, s.tx_bytes, e.oerrors);
}

static void
addrs_json(struct hs_json *j, const char *key, const struct hs_config_ifaddr *a, unsigned int n)
{
	char b[HS_ADDR_STRLEN + 8];

	hs_json_arr_open(j, key);
	for (unsigned int k = 0; k < n; k++)
		hs_json_str(j, NULL, ifaddr_str(&a[k], b, sizeof(b)));
	hs_json_close(j);
}

static void
iface_json(struct hs_json *j, const struct hs_dp *dp, const struct hs_console *c, uint16_t i)
{
	const struct hs_port *p = &dp->ports[i];
	char name[RTE_ETH_NAME_MAX_LEN], b[32];
	struct rte_eth_dev_info di;
	struct rte_eth_stats raw, e;
	struct rte_eth_link l;
	struct hs_port_stats s;

	link_of(p->port_id, &l);
	eth_raw(p->port_id, &raw);
	eth_since_clear(&raw, &c->base.eth[i], &e);
	hs_cli_port_stats(dp, c, i, &s);
	hs_json_obj_open(j, NULL);
	hs_json_str(j, "name", p->cfg->name);
	hs_json_u64(j, "port_id", p->port_id);
	hs_json_str(j, "device", dev_name(p->port_id, name));
	hs_json_str(j, "driver", driver_of(p->port_id, &di));
	hs_json_str(j, "role", role_of(p));
	hs_json_str(j, "mac", mac_str(&p->mac, b, sizeof(b)));
	hs_json_bool(j, "link_up", l.link_status == RTE_ETH_LINK_UP);
	hs_json_u64(j, "speed_mbps", l.link_status == RTE_ETH_LINK_UP ? l.link_speed : 0);
	hs_json_str(j, "duplex", duplex_name(&l));
	addrs_json(j, "ipv4", p->cfg->ipv4, p->cfg->n_ipv4);
	addrs_json(j, "ipv6", p->cfg->ipv6, p->cfg->n_ipv6);
	hs_json_u64(j, "mtu", p->mtu);
	hs_json_u64(j, "rx_packets", s.rx_pkts);
	hs_json_u64(j, "rx_bytes", s.rx_bytes);
	hs_json_u64(j, "rx_dropped", s.drops);
	hs_json_u64(j, "rx_errors", e.ierrors);
	hs_json_u64(j, "rx_missed", e.imissed);
	hs_json_u64(j, "rx_nombuf", e.rx_nombuf);
	hs_json_u64(j, "tx_packets", s.tx_pkts);
	hs_json_u64(j, "tx_bytes", s.tx_bytes);
	hs_json_u64(j, "tx_errors", e.oerrors);
	hs_json_close(j);
}

int
hs_cli_show_interfaces(struct hs_dp *dp, struct hs_console *c, const struct hs_cli_args *a,
	struct hs_cli_out *o)
{
	(void)a;
	if (o->json) {
		hs_json_obj_open(&o->j, NULL);
		hs_json_arr_open(&o->j, "interfaces");
	}
	for (uint16_t i = 0; i < dp->n_ports; i++) {
		if (o->json)
			iface_json(&o->j, dp, c, i);
		else
			iface_text(o->f, dp, c, i);
	}
	if (o->json) {
		hs_json_close(&o->j);
		hs_json_close(&o->j);
	}
	return 0;
}

/* ------------------------------------------------------------ show port stats */

/* One port's counters since "clear counters", and rates since the last show. */
struct pstats {
	struct rte_eth_stats e;
	struct hs_port_stats w; /* the workers' own */
	uint64_t rx_pps, rx_bps, tx_pps, tx_bps;
};

/* Per second over dt TSC cycles; double because diff * hz overflows 64 bits. */
static uint64_t
per_sec(uint64_t now, uint64_t prev, uint64_t dt, uint64_t hz)
{
	if (dt == 0 || now < prev)
		return 0;
	return (uint64_t)((double)(now - prev) * (double)hz / (double)dt);
}

/*
 * Rates come from the raw NIC counters (not the baseline-subtracted ones) so
 * that a "clear counters" between two shows cannot make them negative; the
 * first show after start or a clear has no previous sample and prints 0.
 */
static void
pstats_read(const struct hs_dp *dp, struct hs_console *c, uint16_t i, struct pstats *ps)
{
	struct hs_cli_rate *r = &c->rate[i];
	uint64_t now = rte_rdtsc();
	uint64_t dt = r->tsc != 0 && now > r->tsc ? now - r->tsc : 0;
	struct rte_eth_stats raw;

	eth_raw(dp->ports[i].port_id, &raw);
	eth_since_clear(&raw, &c->base.eth[i], &ps->e);
	hs_cli_port_stats(dp, c, i, &ps->w);
	ps->rx_pps = per_sec(raw.ipackets, r->ipackets, dt, dp->tsc_hz);
	ps->tx_pps = per_sec(raw.opackets, r->opackets, dt, dp->tsc_hz);
	ps->rx_bps = per_sec(raw.ibytes, r->ibytes, dt, dp->tsc_hz) * 8;
	ps->tx_bps = per_sec(raw.obytes, r->obytes, dt, dp->tsc_hz) * 8;
	*r = (struct hs_cli_rate){ .tsc = now, .ipackets = raw.ipackets,
		.opackets = raw.opackets, .ibytes = raw.ibytes, .obytes = raw.obytes };
}

/* testpmd's "show port stats" layout, with the workers' counters added. */
static void
pstats_text(FILE *f, const struct hs_port *p, const struct pstats *ps)
{
	const struct rte_eth_stats *e = &ps->e;

	fprintf(f, "%s NIC statistics for port %-2u %s\n", BORDER, p->port_id, BORDER);
	fprintf(f, "Interface: %s, role %s\n", p->cfg->name, role_of(p));
	fprintf(f, "RX-packets: %-10" PRIu64 " RX-missed: %-10" PRIu64 " RX-bytes:  %" PRIu64 "\n",
		e->ipackets, e->imissed, e->ibytes);
	fprintf(f, "RX-errors: %" PRIu64 "\n", e->ierrors);
	fprintf(f, "RX-nombuf:  %-10" PRIu64 "\n", e->rx_nombuf);
	fprintf(f, "TX-packets: %-10" PRIu64 " TX-errors: %-10" PRIu64 " TX-bytes:  %" PRIu64 "\n",
		e->opackets, e->oerrors, e->obytes);
	fprintf(f, "Worker RX-packets: %-10" PRIu64 " TX-packets: %-10" PRIu64 " drops: %" PRIu64
		   "\n",
		ps->w.rx_pkts, ps->w.tx_pkts, ps->w.drops);
	fprintf(f, "\nThroughput (since last show)\n");
	fprintf(f, "Rx-pps: %12" PRIu64 "          Rx-bps: %12" PRIu64 "\n", ps->rx_pps,
		ps->rx_bps);
	fprintf(f, "Tx-pps: %12" PRIu64 "          Tx-bps: %12" PRIu64 "\n", ps->tx_pps,
		ps->tx_bps);
	fprintf(f, "%s############################%s\n", BORDER, BORDER);
}

static void
pstats_json(struct hs_json *j, const struct hs_port *p, const struct pstats *ps)
{
	hs_json_obj_open(j, NULL);
	hs_json_u64(j, "port_id", p->port_id);
	hs_json_str(j, "name", p->cfg->name);
	hs_json_u64(j, "rx_packets", ps->e.ipackets);
	hs_json_u64(j, "rx_missed", ps->e.imissed);
	hs_json_u64(j, "rx_bytes", ps->e.ibytes);
	hs_json_u64(j, "rx_errors", ps->e.ierrors);
	hs_json_u64(j, "rx_nombuf", ps->e.rx_nombuf);
	hs_json_u64(j, "tx_packets", ps->e.opackets);
	hs_json_u64(j, "tx_errors", ps->e.oerrors);
	hs_json_u64(j, "tx_bytes", ps->e.obytes);
	hs_json_u64(j, "worker_rx_packets", ps->w.rx_pkts);
	hs_json_u64(j, "worker_rx_bytes", ps->w.rx_bytes);
	hs_json_u64(j, "worker_tx_packets", ps->w.tx_pkts);
	hs_json_u64(j, "worker_tx_bytes", ps->w.tx_bytes);
	hs_json_u64(j, "worker_drops", ps->w.drops);
	hs_json_u64(j, "rx_pps", ps->rx_pps);
	hs_json_u64(j, "rx_bps", ps->rx_bps);
	hs_json_u64(j, "tx_pps", ps->tx_pps);
	hs_json_u64(j, "tx_bps", ps->tx_bps);
	hs_json_close(j);
}

/* Ports [first, last) in o's format. */
static int
pstats_show(struct hs_dp *dp, struct hs_console *c, uint16_t first, uint16_t last,
	struct hs_cli_out *o)
{
	if (o->json) {
		hs_json_obj_open(&o->j, NULL);
		hs_json_arr_open(&o->j, "ports");
	}
	for (uint16_t i = first; i < last; i++) {
		struct pstats ps;

		pstats_read(dp, c, i, &ps);
		if (o->json)
			pstats_json(&o->j, &dp->ports[i], &ps);
		else
			pstats_text(o->f, &dp->ports[i], &ps);
	}
	if (o->json) {
		hs_json_close(&o->j);
		hs_json_close(&o->j);
	}
	return 0;
}

int
hs_cli_show_port_stats(struct hs_dp *dp, struct hs_console *c, const struct hs_cli_args *a,
	struct hs_cli_out *o)
{
	(void)a;
	return pstats_show(dp, c, 0, dp->n_ports, o);
}

/* Index in dp->ports of a DPDK port id ("0") or an interface name; -1: none. */
static int
port_find(const struct hs_dp *dp, const char *s)
{
	char *end;
	unsigned long id;

	if (s[0] >= '0' && s[0] <= '9') {
		id = strtoul(s, &end, 10);
		for (uint16_t i = 0; *end == '\0' && i < dp->n_ports; i++)
			if (dp->ports[i].port_id == id)
				return i;
	}
	return hs_port_index(dp, s);
}

int
hs_cli_show_port_stats_one(struct hs_dp *dp, struct hs_console *c, const struct hs_cli_args *a,
	struct hs_cli_out *o)
{
	int i = port_find(dp, a->v[0]);

	if (i < 0) {
		fprintf(o->f, "%% no such port %s\n", a->v[0]);
		return -ENOENT;
	}
	return pstats_show(dp, c, (uint16_t)i, (uint16_t)(i + 1), o);
}

/* ------------------------------------------------------------- show port info */

struct pinfo {
	char dev[RTE_ETH_NAME_MAX_LEN];
	const char *driver;
	struct rte_eth_dev_info di;
	struct rte_eth_link link;
	int promisc; /* 1, 0, or -errno */
	bool rss;
	uint64_t rss_hf;
};

static void
pinfo_read(const struct hs_port *p, struct pinfo *pi)
{
	struct rte_eth_rss_conf rc = { .rss_key = NULL };

	dev_name(p->port_id, pi->dev);
	pi->driver = driver_of(p->port_id, &pi->di);
	link_of(p->port_id, &pi->link);
	pi->promisc = rte_eth_promiscuous_get(p->port_id);
	/* port.c asks for RSS only with several RX queues; one queue needs none. */
	pi->rss = p->nb_rxq > 1 && rte_eth_dev_rss_hash_conf_get(p->port_id, &rc) == 0 &&
		rc.rss_hf != 0;
	pi->rss_hf = pi->rss ? rc.rss_hf : 0;
}

static void
rss_text(FILE *f, const struct hs_port *p, const struct pinfo *pi)
{
	static const struct {
		uint64_t mask;
		const char *name;
	} kinds[] = {
		{ RTE_ETH_RSS_IP, "ip" }, { RTE_ETH_RSS_TCP, "tcp" },
		{ RTE_ETH_RSS_UDP, "udp" }, { RTE_ETH_RSS_SCTP, "sctp" },
	};

	if (p->nb_rxq <= 1) {
		fprintf(f, "RSS: off (one RX queue)\n");
		return;
	}
	if (!pi->rss) {
		fprintf(f, "RSS: not in use (the device spreads flows over its queues itself)\n");
		return;
	}
	fprintf(f, "RSS: on, hash types 0x%" PRIx64 " (", pi->rss_hf);
	for (size_t k = 0, n = 0; k < HS_ARRAY_SIZE(kinds); k++)
		if (pi->rss_hf & kinds[k].mask)
			fprintf(f, "%s%s", n++ == 0 ? "" : " ", kinds[k].name);
	fprintf(f, ")\n");
}

static void
pinfo_text(FILE *f, const struct hs_port *p, const struct pinfo *pi)
{
	char b[32];

	fprintf(f, "********************* Infos for port %-2u *********************\n", p->port_id);
	fprintf(f, "MAC address: %s\n", mac_str(&p->mac, b, sizeof(b)));
	fprintf(f, "Device name: %s\n", pi->dev);
	fprintf(f, "Driver name: %s\n", pi->driver);
	fprintf(f, "Interface: %s (role %s)\n", p->cfg->name, role_of(p));
	fprintf(f, "Link status: %s\n", pi->link.link_status == RTE_ETH_LINK_UP ? "up" : "down");
	fprintf(f, "Link speed: %s\n", rte_eth_link_speed_to_str(pi->link.link_speed));
	fprintf(f, "Link duplex: %s\n", duplex_name(&pi->link));
	fprintf(f, "MTU: %u\n", p->mtu);
	fprintf(f, "Promiscuous mode: %s\n",
		pi->promisc == 1 ? "enabled" : pi->promisc == 0 ? "disabled" : "unknown");
	fprintf(f, "Max possible RX queues: %u\n", pi->di.max_rx_queues);
	fprintf(f, "Max possible TX queues: %u\n", pi->di.max_tx_queues);
	fprintf(f, "Current number of RX queues: %u\n", p->nb_rxq);
	fprintf(f, "Current number of TX queues: %u\n", p->nb_txq);
	if (p->main_txq != UINT16_MAX)
		fprintf(f, "Main lcore TX queue: %u\n", p->main_txq);
	else
		fprintf(f, "Main lcore TX queue: none (via worker 0)\n");
	rss_text(f, p, pi);
	fputc('\n', f);
}

static void
pinfo_json(struct hs_json *j, const struct hs_port *p, const struct pinfo *pi)
{
	char b[32];

	hs_json_obj_open(j, NULL);
	hs_json_u64(j, "port_id", p->port_id);
	hs_json_str(j, "mac", mac_str(&p->mac, b, sizeof(b)));
	hs_json_str(j, "device", pi->dev);
	hs_json_str(j, "driver", pi->driver);
	hs_json_str(j, "interface", p->cfg->name);
	hs_json_str(j, "role", role_of(p));
	hs_json_bool(j, "link_up", pi->link.link_status == RTE_ETH_LINK_UP);
	hs_json_u64(j, "link_speed_mbps", pi->link.link_speed);
	hs_json_str(j, "duplex", duplex_name(&pi->link));
	hs_json_u64(j, "mtu", p->mtu);
	if (pi->promisc >= 0)
		hs_json_bool(j, "promiscuous", pi->promisc == 1);
	else
		hs_json_null(j, "promiscuous");
	hs_json_u64(j, "max_rx_queues", pi->di.max_rx_queues);
	hs_json_u64(j, "max_tx_queues", pi->di.max_tx_queues);
	hs_json_u64(j, "rx_queues", p->nb_rxq);
	hs_json_u64(j, "tx_queues", p->nb_txq);
	if (p->main_txq != UINT16_MAX)
		hs_json_u64(j, "main_txq", p->main_txq);
	else
		hs_json_null(j, "main_txq");
	hs_json_bool(j, "rss", pi->rss);
	hs_json_u64(j, "rss_hf", pi->rss_hf);
	hs_json_close(j);
}

int
hs_cli_show_port_info(struct hs_dp *dp, struct hs_console *c, const struct hs_cli_args *a,
	struct hs_cli_out *o)
{
	(void)c;
	(void)a;
	if (o->json) {
		hs_json_obj_open(&o->j, NULL);
		hs_json_arr_open(&o->j, "ports");
	}
	for (uint16_t i = 0; i < dp->n_ports; i++) {
		struct pinfo pi;

		pinfo_read(&dp->ports[i], &pi);
		if (o->json)
			pinfo_json(&o->j, &dp->ports[i], &pi);
		else
			pinfo_text(o->f, &dp->ports[i], &pi);
	}
	if (o->json) {
		hs_json_close(&o->j);
		hs_json_close(&o->j);
	}
	return 0;
}

/* ------------------------------------------------------------------ drops */

static void
drop_row(FILE *f, const char *name, uint64_t n)
{
	if (n != 0)
		fprintf(f, "%-24s %12" PRIu64 "\n", name, n);
}

/* Dataplane reasons first, then the ESP engine's, each in its enum's order. */
int
hs_cli_show_drops(struct hs_dp *dp, struct hs_console *c, const struct hs_cli_args *a,
	struct hs_cli_out *o)
{
	uint64_t total = 0;

	(void)a;
	for (int r = 0; r < HS_DPDROP_MAX; r++)
		total += hs_cli_dp_drops(dp, c, r);
	for (int r = 0; r < HS_DROP_MAX; r++)
		total += hs_cli_esp_drops(dp, c, r);
	if (o->json) {
		hs_json_obj_open(&o->j, NULL);
		hs_json_obj_open(&o->j, "drops");
		for (int r = 0; r < HS_DPDROP_MAX; r++)
			hs_json_u64(&o->j, hs_dp_drop_name(r), hs_cli_dp_drops(dp, c, r));
		for (int r = 0; r < HS_DROP_MAX; r++)
			hs_json_u64(&o->j, hs_drop_name(r), hs_cli_esp_drops(dp, c, r));
		hs_json_close(&o->j);
		hs_json_u64(&o->j, "total", total);
		hs_json_close(&o->j);
		return 0;
	}
	if (total == 0) {
		fprintf(o->f, "No packets dropped\n");
		return 0;
	}
	fprintf(o->f, "%-24s %12s\n", "Reason", "Packets");
	for (int r = 0; r < HS_DPDROP_MAX; r++)
		drop_row(o->f, hs_dp_drop_name(r), hs_cli_dp_drops(dp, c, r));
	for (int r = 0; r < HS_DROP_MAX; r++)
		drop_row(o->f, hs_drop_name(r), hs_cli_esp_drops(dp, c, r));
	fprintf(o->f, "Total: %" PRIu64 "\n", total);
	return 0;
}

/* --------------------------------------------------------------- clear counters */

/*
 * The baseline becomes the raw counters of now: ports (workers' and NIC's),
 * drops, and every policy of the current tables (the ACL hitcnt). Rates
 * start over too: the next "show port stats" has no previous sample.
 */
int
hs_cli_clear_counters(struct hs_dp *dp, struct hs_console *c, const struct hs_cli_args *a,
	struct hs_cli_out *o)
{
	const struct hs_tables *t = atomic_load(&dp->tables);

	(void)a;
	for (uint16_t i = 0; i < dp->n_ports; i++) {
		hs_report_port(dp, i, &c->base.port[i]);
		eth_raw(dp->ports[i].port_id, &c->base.eth[i]);
	}
	for (int r = 0; r < HS_DPDROP_MAX; r++)
		c->base.dp_drops[r] = hs_report_dp_drops(dp, r);
	for (int r = 0; r < HS_DROP_MAX; r++)
		c->base.esp_drops[r] = hs_report_esp_drops(dp, r);
	hs_cli_policy_base_sync(dp, c);
	for (uint32_t p = 0; t != NULL && p < t->n_policies && p < HS_POLICIES_MAX; p++)
		c->base.policy[p] = hs_report_policy_hits(dp, p);
	memset(c->rate, 0, sizeof(c->rate));
	fprintf(o->f, "Counters cleared\n");
	return 0;
}
