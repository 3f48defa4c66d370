/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ports from the config: each interface's `port` is a PCI address (a device
 * EAL already probed, or one hot-plugged here) or vdev devargs
 * ("net_af_packet0,iface=veth1", probed here unless EAL's --vdev did it).
 * Each port gets one RX queue per worker (RSS spreads flows when the PMD can)
 * and one TX queue per worker plus one for the main lcore (the last).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_pci.h>
#include <rte_pdump.h>

#include "dp.h"

#define PLOG(level, ...) RTE_LOG(level, USER1, "hubsec: port: " __VA_ARGS__)

#define PORT_DESC 1024
#define PORT_RSS_HF (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP | RTE_ETH_RSS_TCP)
#define AF_PACKET_DRIVER "net_af_packet"

/* The device name in devargs: what comes before the first comma. */
static void
devargs_name(const char *devargs, char *name, size_t len)
{
	size_t n = strcspn(devargs, ",");

	if (n >= len)
		n = len - 1;
	memcpy(name, devargs, n);
	name[n] = '\0';
}

/* Does this af_packet devargs string set qpairs? */
static bool
af_packet_has_qpairs(const char *devargs)
{
	for (const char *c = strchr(devargs, ','); c != NULL; c = strchr(c + 1, ',')) {
		if (strncmp(c + 1, "qpairs=", 7) == 0)
			return true;
	}
	return false;
}

/*
 * The devargs to probe with. af_packet gives as many TX queues as qpairs
 * (default 1) and we need one per worker plus the main lcore's: when the
 * config does not say, ask for exactly that many.
 */
static void
probe_args(const struct hs_dp *dp, const char *devargs, const char *name, char *buf,
	size_t len)
{
	bool af_packet = strncmp(name, AF_PACKET_DRIVER, strlen(AF_PACKET_DRIVER)) == 0 ||
			 strncmp(name, "eth_af_packet", 13) == 0;

	if (af_packet && !af_packet_has_qpairs(devargs))
		snprintf(buf, len, "%s,qpairs=%u", devargs, dp->n_workers + 1);
	else
		snprintf(buf, len, "%s", devargs);
}

/* The ethdev of a configured port, probing the device when nothing has yet. */
static int
find_or_probe(const struct hs_dp *dp, const struct hs_config_interface *ifc, uint16_t *port_id)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	char args[HS_CONFIG_STR_MAX + 32];
	struct rte_pci_addr pci;
	int rc;

	devargs_name(ifc->port, name, sizeof(name));
	/* PCI ethdevs are named by the full address: "03:00.0" is "0000:03:00.0". */
	if (rte_pci_addr_parse(name, &pci) == 0)
		rte_pci_device_name(&pci, name, sizeof(name));
	if (rte_eth_dev_get_port_by_name(name, port_id) == 0)
		return 0;
	probe_args(dp, ifc->port, name, args, sizeof(args));
	rc = rte_dev_probe(args);
	if (rc != 0) {
		PLOG(ERR, "%s: cannot probe '%s': %s\n", ifc->name, args, strerror(-rc));
		return rc;
	}
	if (rte_eth_dev_get_port_by_name(name, port_id) != 0) {
		PLOG(ERR, "%s: '%s' probed but no ethdev named '%s' appeared\n", ifc->name, args,
			name);
		return -ENODEV;
	}
	return 0;
}

/*
 * Queue counts. af_packet opens one socket per qpair at probe and every one
 * of them receives (kernel fanout), so all its RX queues are configured
 * and polled (worker w polls w, w + n_workers, ...): an unpolled one would
 * swallow the flows hashed to it.
 */
static int
queue_counts(struct hs_dp *dp, struct hs_port *p, const struct rte_eth_dev_info *info)
{
	unsigned int want_tx = dp->n_workers + 1;
	bool af_packet = strcmp(info->driver_name, AF_PACKET_DRIVER) == 0;

	/* No spare TX queue for the main lcore: worker 0 sends for it (dp->main_tx). */
	if (info->max_tx_queues == dp->n_workers)
		want_tx = dp->n_workers;
	if (info->max_rx_queues < dp->n_workers || info->max_tx_queues < want_tx) {
		PLOG(ERR, "%s (%s): %u worker(s) need %u RX and %u TX queues, the device has "
			  "%u and %u: %s\n",
			p->cfg->name, p->cfg->port, dp->n_workers, dp->n_workers, want_tx,
			info->max_rx_queues, info->max_tx_queues,
			af_packet ? "set qpairs=N (N >= workers) in the af_packet devargs, or "
				    "leave qpairs out and hubsec sets it"
				  : "use fewer worker lcores (EAL -l)");
		return -EINVAL;
	}
	p->nb_rxq = af_packet ? info->max_rx_queues : (uint16_t)dp->n_workers;
	p->nb_txq = (uint16_t)want_tx;
	p->main_txq = want_tx > dp->n_workers ? (uint16_t)dp->n_workers : UINT16_MAX;
	return 0;
}

static void
fill_conf(struct hs_port *p, const struct rte_eth_dev_info *info, struct rte_eth_conf *conf)
{
	uint64_t hf = PORT_RSS_HF & info->flow_type_rss_offloads;

	memset(conf, 0, sizeof(*conf));
	if (p->nb_rxq > 1 && hf != 0) {
		conf->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf->rx_adv_conf.rss_conf.rss_hf = hf;
	} else if (p->nb_rxq > 1) {
		PLOG(INFO, "%s: no RSS in this PMD (%s): flows are spread by the device itself\n",
			p->cfg->name, info->driver_name);
	}
	if (info->tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
		conf->txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	if (p->cfg->mtu > RTE_ETHER_MTU && (info->rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER))
		conf->rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
}

static int
setup_queues(struct hs_dp *dp, struct hs_port *p, const struct rte_eth_dev_info *info)
{
	uint16_t nb_rxd = PORT_DESC, nb_txd = PORT_DESC;
	int socket = rte_eth_dev_socket_id(p->port_id);
	struct rte_eth_txconf txconf = info->default_txconf;
	int rc;

	if (socket < 0)
		socket = SOCKET_ID_ANY;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(p->port_id, &nb_rxd, &nb_txd);
	if (rc != 0)
		return rc;
	for (uint16_t q = 0; q < p->nb_rxq; q++) {
		rc = rte_eth_rx_queue_setup(p->port_id, q, nb_rxd, (unsigned int)socket, NULL,
			dp->pool);
		if (rc != 0) {
			PLOG(ERR, "%s: RX queue %u: %s\n", p->cfg->name, q, strerror(-rc));
			return rc;
		}
	}
	txconf.offloads = 0;
	if (info->tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
		txconf.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	for (uint16_t q = 0; q < p->nb_txq; q++) {
		rc = rte_eth_tx_queue_setup(p->port_id, q, nb_txd, (unsigned int)socket, &txconf);
		if (rc != 0) {
			PLOG(ERR, "%s: TX queue %u: %s\n", p->cfg->name, q, strerror(-rc));
			return rc;
		}
	}
	return 0;
}

/*
 * MTU: the configured one (ESP overhead is the workers' business: they
 * compare the encapsulated size with the egress port's mtu). A PMD that
 * cannot set it keeps its own; we then use the smaller of the two.
 */
static void
set_mtu(struct hs_port *p)
{
	uint16_t cur = RTE_ETHER_MTU;
	int rc = rte_eth_dev_set_mtu(p->port_id, p->cfg->mtu);

	p->mtu = p->cfg->mtu;
	if (rc == 0)
		return;
	if (rte_eth_dev_get_mtu(p->port_id, &cur) != 0 || rc == -ENOTSUP) {
		PLOG(WARNING, "%s: the PMD cannot set the MTU (%s): using %u as configured\n",
			p->cfg->name, strerror(-rc), p->mtu);
		return;
	}
	if (cur < p->mtu)
		p->mtu = cur;
	PLOG(WARNING, "%s: MTU %u refused (%s): the port stays at %u, using %u\n", p->cfg->name,
		p->cfg->mtu, strerror(-rc), cur, p->mtu);
}

/* MAC: the configured one if the device takes it; the MAC in use is stored. */
static void
set_mac(struct hs_port *p)
{
	if (p->cfg->has_mac) {
		struct rte_ether_addr mac;
		int rc;

		memcpy(mac.addr_bytes, p->cfg->mac, RTE_ETHER_ADDR_LEN);
		rc = rte_eth_dev_default_mac_addr_set(p->port_id, &mac);
		if (rc != 0)
			PLOG(WARNING, "%s: MAC " RTE_ETHER_ADDR_PRT_FMT " refused (%s): keeping "
				      "the device's\n",
				p->cfg->name, RTE_ETHER_ADDR_BYTES(&mac), strerror(-rc));
	}
	rte_eth_macaddr_get(p->port_id, &p->mac);
}

static void
print_link(const struct hs_port *p)
{
	struct rte_eth_link link;
	char text[RTE_ETH_LINK_MAX_STR_LEN];

	if (rte_eth_link_get_nowait(p->port_id, &link) != 0)
		snprintf(text, sizeof(text), "link status unknown");
	else
		rte_eth_link_to_str(text, sizeof(text), &link);
	PLOG(INFO,
		"%s: port %u (%s) %s, " RTE_ETHER_ADDR_PRT_FMT ", MTU %u, %u RX / %u TX queues, "
		"%s\n",
		p->cfg->name, p->port_id, p->cfg->port, p->inside ? "inside" : "outside",
		RTE_ETHER_ADDR_BYTES(&p->mac), p->mtu, p->nb_rxq, p->nb_txq, text);
}

static int
port_init(struct hs_dp *dp, struct hs_port *p)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	int rc;

	if ((rc = find_or_probe(dp, p->cfg, &p->port_id)) != 0)
		return rc;
	if ((rc = rte_eth_dev_info_get(p->port_id, &info)) != 0)
		return rc;
	if ((rc = queue_counts(dp, p, &info)) != 0)
		return rc;
	fill_conf(p, &info, &conf);
	rc = rte_eth_dev_configure(p->port_id, p->nb_rxq, p->nb_txq, &conf);
	if (rc != 0) {
		PLOG(ERR, "%s: configure: %s\n", p->cfg->name, strerror(-rc));
		return rc;
	}
	set_mtu(p);
	if ((rc = setup_queues(dp, p, &info)) != 0)
		return rc;
	set_mac(p);
	/* af_packet and most NICs filter on the kernel's / factory MAC otherwise. */
	if ((rc = rte_eth_promiscuous_enable(p->port_id)) != 0)
		PLOG(WARNING, "%s: promiscuous mode: %s\n", p->cfg->name, strerror(-rc));
	rc = rte_eth_dev_start(p->port_id);
	if (rc != 0) {
		PLOG(ERR, "%s: start: %s\n", p->cfg->name, strerror(-rc));
		return rc;
	}
	rte_eth_macaddr_get(p->port_id, &p->mac); /* some PMDs settle it only at start */
	print_link(p);
	return 0;
}

int
hs_port_init_all(struct hs_dp *dp)
{
	const struct hs_config *cfg = dp->cfg;
	int rc;

	if (cfg->n_ifaces > HS_PORTS_MAX) {
		PLOG(ERR, "%u interfaces configured, at most %u supported\n", cfg->n_ifaces,
			HS_PORTS_MAX);
		return -E2BIG;
	}
	/*
	 * Packet capture: lets dpdk-dumpcap / dpdk-pdump (secondary processes)
	 * copy our ports' traffic. Once per process; a failure costs only that.
	 */
	if (rte_pdump_init() != 0)
		PLOG(WARNING, "packet capture (rte_pdump) unavailable: %s\n",
			rte_strerror(rte_errno));
	for (unsigned int i = 0; i < cfg->n_ifaces; i++) {
		struct hs_port *p = &dp->ports[i];

		memset(p, 0, sizeof(*p));
		p->cfg = &cfg->ifaces[i];
		p->inside = p->cfg->role == HS_CONFIG_IF_INSIDE;
		rc = port_init(dp, p);
		if (rc != 0) {
			PLOG(ERR, "interface %s (%s) not started\n", p->cfg->name, p->cfg->port);
			dp->n_ports = (uint16_t)i;
			hs_port_stop_all(dp);
			return rc;
		}
	}
	dp->n_ports = (uint16_t)cfg->n_ifaces;
	return 0;
}

void
hs_port_stop_all(struct hs_dp *dp)
{
	for (uint16_t i = 0; i < dp->n_ports; i++) {
		uint16_t id = dp->ports[i].port_id;
		int rc = rte_eth_dev_stop(id);

		if (rc != 0)
			PLOG(WARNING, "%s: stop: %s\n", dp->ports[i].cfg->name, strerror(-rc));
		rte_eth_dev_close(id);
	}
	dp->n_ports = 0;
	rte_pdump_uninit();
}

const struct hs_port *
hs_port_by_id(const struct hs_dp *dp, uint16_t port_id)
{
	for (uint16_t i = 0; i < dp->n_ports; i++) {
		if (dp->ports[i].port_id == port_id)
			return &dp->ports[i];
	}
	return NULL;
}

int
hs_port_index(const struct hs_dp *dp, const char *ifname)
{
	for (uint16_t i = 0; i < dp->n_ports; i++) {
		if (strcmp(dp->ports[i].cfg->name, ifname) == 0)
			return i;
	}
	return -1;
}

static bool
in_ifaddrs(const struct hs_config_ifaddr *a, unsigned int n, const struct hs_addr *addr)
{
	for (unsigned int i = 0; i < n; i++) {
		if (hs_addr_equal(&a[i].addr, addr))
			return true;
	}
	return false;
}

bool
hs_port_is_local(const struct hs_dp *dp, const struct hs_addr *addr)
{
	for (uint16_t i = 0; i < dp->n_ports; i++) {
		const struct hs_config_interface *c = dp->ports[i].cfg;

		if (addr->family == AF_INET && in_ifaddrs(c->ipv4, c->n_ipv4, addr))
			return true;
		if (addr->family == AF_INET6 && in_ifaddrs(c->ipv6, c->n_ipv6, addr))
			return true;
	}
	return false;
}
