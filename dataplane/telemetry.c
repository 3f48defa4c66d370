/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK telemetry endpoints for every counter, read with
 * `dpdk-telemetry.py -f PREFIX` (or any client of the telemetry socket):
 *
 *   /hubsec/info              version, host name, workers, ports, uptime
 *   /hubsec/ports             per interface: worker counters + rte_eth_stats
 *   /hubsec/drops             every drop reason (lib/drop.h, dp.h), summed
 *   /hubsec/rings             control rings: counters, fill levels, held packets
 *   /hubsec/policies[,FIRST]  hits per crypto-map ACL line ("MAP/SEQ/LINE"),
 *                             250 at a time from FIRST; "next" says where to go on
 *   /hubsec/sa[,from=N]       SAs as "in/0x0000abcd" / "out/0x...", 512 at a time
 *                             ("count" in all, "next": the from= of the next 512)
 *   /hubsec/sa,[in/|out/]SPI  one SA: state, transforms, counters, errors
 *
 * Telemetry 22.11 dict keys may hold only [A-Za-z0-9_/]: names with '-' or
 * '.' are written with '_'. Counters are per worker, summed (racily) on read.
 * Callbacks run on DPDK's telemetry threads, never on a worker.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_mempool.h>
#include <rte_telemetry.h>
#include <rte_version.h>

#include "dp.h"
#include "dp_report.h"

#ifndef HS_VERSION
#define HS_VERSION "unknown"
#endif

#define POLICIES_PER_CALL 250 /* RTE_TEL_MAX_DICT_ENTRIES is 256 */

/*
 * Telemetry callbacks in DPDK 22.11 take no user pointer: the one process
 * context is kept here, set once by hs_telemetry_register() and only read
 * afterwards.
 */
static const struct hs_dp *tel_dp;

/* A dict key from a format, with characters telemetry refuses made '_'. */
static const char *
key(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	for (char *c = buf; *c != '\0'; c++) {
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			    (*c >= '0' && *c <= '9') || *c == '_' || *c == '/'))
			*c = '_';
	}
	return buf;
}

static int
tel_info(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct hs_dp *dp = tel_dp;
	const struct hs_tables *t = atomic_load(&dp->tables);

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "version", HS_VERSION);
	rte_tel_data_add_dict_string(d, "dpdk", rte_version());
	rte_tel_data_add_dict_string(d, "hostname", dp->cfg->hostname);
	rte_tel_data_add_dict_u64(d, "workers", dp->n_workers);
	rte_tel_data_add_dict_u64(d, "ports", dp->n_ports);
	rte_tel_data_add_dict_u64(d, "policies", t != NULL ? t->n_policies : 0);
	rte_tel_data_add_dict_u64(d, "tables_generation", t != NULL ? t->generation : 0);
	rte_tel_data_add_dict_u64(d, "static_sas", dp->cfg->n_static_sas);
	rte_tel_data_add_dict_u64(d, "uptime_s",
		dp->tsc_hz != 0 ? (rte_rdtsc() - dp->start_tsc) / dp->tsc_hz : 0);
	return 0;
}

static void
port_add(struct rte_tel_data *d, const struct hs_dp *dp, uint16_t i)
{
	const struct hs_port *p = &dp->ports[i];
	const char *n = p->cfg->name;
	struct hs_port_stats s;
	struct rte_eth_stats e;
	char k[RTE_TEL_MAX_STRING_LEN];

	hs_report_port(dp, i, &s);
	rte_tel_data_add_dict_u64(d, key(k, sizeof(k), "%s/port_id", n), p->port_id);
	rte_tel_data_add_dict_string(d, key(k, sizeof(k), "%s/role", n),
		p->inside ? "inside" : "outside");
	rte_tel_data_add_dict_u64(d, key(k, sizeof(k), "%s/mtu", n), p->mtu);
	rte_tel_data_add_dict_u64(d, key(k, sizeof(k), "%s/rx_pkts", n), s.rx_pkts);
	rte_tel_data_add_dict_u64(d, key(k, sizeof(k), "%s/rx_bytes", n), s.rx_bytes);
	rte_tel_data_add_dict_u64(d, key(k, sizeof(k), "%s/tx_pkts", n), s.tx_pkts);
	rte_tel_data_add_dict_u64(d, key(k, sizeof(k), "%s/tx_bytes", n), s.tx_bytes);
	rte_tel_data_add_dict_u64(d, key(k, sizeof(k), "%s/drops", n), s.drops);
	if (rte_eth_stats_get(p->port_id, &e) != 0)
		return;
	rte_tel_data_add_dict_u64(d, key(k, sizeof(k), "%s/eth_ipackets", n), e.ipackets);
	rte_tel_data_add_dict_u64(d, key(k, sizeof(k), "%s/eth_opackets", n), e.opackets);
	rte_tel_data_add_dict_u64(d, key(k, sizeof(k), "%s/eth_ibytes", n), e.ibytes);
	rte_tel_data_add_dict_u64(d, key(k, sizeof(k), "%s/eth_obytes", n), e.obytes);
	rte_tel_data_add_dict_u64(d, key(k, sizeof(k), "%s/eth_imissed", n), e.imissed);
	rte_tel_data_add_dict_u64(d, key(k, sizeof(k), "%s/eth_ierrors", n), e.ierrors);
	rte_tel_data_add_dict_u64(d, key(k, sizeof(k), "%s/eth_oerrors", n), e.oerrors);
	rte_tel_data_add_dict_u64(d, key(k, sizeof(k), "%s/eth_rx_nombuf", n), e.rx_nombuf);
}

static int
tel_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	for (uint16_t i = 0; i < tel_dp->n_ports; i++)
		port_add(d, tel_dp, i);
	return 0;
}

static int
tel_drops(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char k[RTE_TEL_MAX_STRING_LEN];

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	for (int r = 0; r < HS_DROP_MAX; r++)
		rte_tel_data_add_dict_u64(d, key(k, sizeof(k), "%s", hs_drop_name(r)),
			hs_report_esp_drops(tel_dp, r));
	for (int r = 0; r < HS_DPDROP_MAX; r++)
		rte_tel_data_add_dict_u64(d, key(k, sizeof(k), "%s", hs_dp_drop_name(r)),
			hs_report_dp_drops(tel_dp, r));
	return 0;
}

static int
tel_rings(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct hs_rings *r = &tel_dp->rings;
	const struct {
		const char *name;
		const struct rte_ring *ring;
	} rings[] = {
		{ "queued/sa", r->sa }, { "queued/ack", r->ack },
		{ "queued/acquire", r->acquire }, { "queued/event", r->event },
		{ "queued/punt", r->punt }, { "queued/inject", r->inject },
		{ "queued/held", r->held }, { "queued/slow", tel_dp->slow },
	};
	char k[RTE_TEL_MAX_STRING_LEN];

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	for (int c = 0; c < HS_RC_MAX; c++)
		rte_tel_data_add_dict_u64(d, key(k, sizeof(k), "%s", hs_rings_counter_name(c)),
			atomic_load_explicit(&r->count[c], memory_order_relaxed));
	for (size_t i = 0; i < HS_ARRAY_SIZE(rings); i++) {
		if (rings[i].ring != NULL)
			rte_tel_data_add_dict_u64(d, rings[i].name, rte_ring_count(rings[i].ring));
	}
	if (r->msg_pool != NULL)
		rte_tel_data_add_dict_u64(d, "msg_pool_free", rte_mempool_avail_count(r->msg_pool));
	return 0;
}

/*
 * Policies are read from the current tables; tables are built once at start
 * (a reload that frees a generation under this reader would need it to be
 * an RCU reader as well).
 */
static int
tel_policies(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct hs_dp *dp = tel_dp;
	const struct hs_tables *t = atomic_load(&dp->tables);
	uint32_t first = params != NULL && params[0] != '\0' ? strtoul(params, NULL, 0) : 0;
	char k[RTE_TEL_MAX_STRING_LEN];
	uint32_t i;

	(void)cmd;
	rte_tel_data_start_dict(d);
	if (t == NULL)
		return 0;
	rte_tel_data_add_dict_u64(d, "n_policies", t->n_policies);
	for (i = first; i < t->n_policies && i - first < POLICIES_PER_CALL; i++) {
		const struct hs_policy *p = &t->policies[i];
		uint64_t hits = hs_report_policy_hits(dp, i);

		key(k, sizeof(k), "%s/%u/%u", p->map != NULL ? p->map->name : "-",
			p->entry != NULL ? p->entry->seq : 0, p->line_no);
		rte_tel_data_add_dict_u64(d, k, hits);
	}
	if (i < t->n_policies)
		rte_tel_data_add_dict_u64(d, "next", i);
	return 0;
}

/* /hubsec/sa: the list. */
struct sa_list {
	struct rte_tel_data *arr;
	uint32_t n;    /* SAs seen */
	uint32_t from; /* first one listed */
};

static void
sa_list_one(const struct hs_sa *sa, const struct hs_sad_info *info, void *arg)
{
	struct sa_list *l = arg;
	char s[32];

	if (l->n >= l->from && l->n - l->from < RTE_TEL_MAX_ARRAY_ENTRIES) {
		snprintf(s, sizeof(s), "%s/0x%08" PRIx32, info->dir == HS_SA_IN ? "in" : "out",
			sa->rt.spi);
		rte_tel_data_add_array_string(l->arr, s);
	}
	l->n++;
}

/* /hubsec/sa,SPI: one SA. */
struct sa_find {
	uint32_t spi;
	int dir; /* -1: either */
	struct rte_tel_data *d;
	bool found;
};

static void
sa_errors(struct rte_tel_data *d, const struct hs_sa *sa)
{
	char k[RTE_TEL_MAX_STRING_LEN];

	for (int r = 0; r < HS_DROP_MAX; r++)
		rte_tel_data_add_dict_u64(d, key(k, sizeof(k), "errors/%s", hs_drop_name(r)),
			sa->stats.errors[r]);
}

static void
sa_detail(const struct hs_sa *sa, const struct hs_sad_info *info, void *arg)
{
	struct sa_find *f = arg;
	struct rte_tel_data *d = f->d;
	uint64_t now = rte_rdtsc(), hz = tel_dp->tsc_hz != 0 ? tel_dp->tsc_hz : 1;
	char buf[2 * HS_ADDR_STRLEN + 8];

	if (f->found || sa->rt.spi != f->spi || (f->dir >= 0 && info->dir != f->dir))
		return;
	f->found = true;
	snprintf(buf, sizeof(buf), "0x%08" PRIx32, sa->rt.spi);
	rte_tel_data_add_dict_string(d, "spi", buf);
	rte_tel_data_add_dict_string(d, "dir", info->dir == HS_SA_IN ? "inbound" : "outbound");
	rte_tel_data_add_dict_string(d, "state", hs_sa_state_name(sa->rt.state));
	rte_tel_data_add_dict_string(d, "cipher", hs_cipher_name(sa->cfg.cipher));
	rte_tel_data_add_dict_string(d, "integ", hs_integ_name(sa->cfg.integ));
	rte_tel_data_add_dict_string(d, "map", info->map != NULL ? info->map : "");
	rte_tel_data_add_dict_u64(d, "seq", info->seq);
	rte_tel_data_add_dict_u64(d, "acl_line", info->acl_line);
	rte_tel_data_add_dict_string(d, "peer", hs_addr_format(&info->peer, buf, sizeof(buf)));
	rte_tel_data_add_dict_string(d, "tun_src",
		hs_addr_format(&sa->cfg.tun_src, buf, sizeof(buf)));
	rte_tel_data_add_dict_string(d, "tun_dst",
		hs_addr_format(&sa->cfg.tun_dst, buf, sizeof(buf)));
	rte_tel_data_add_dict_int(d, "natt", sa->cfg.natt);
	rte_tel_data_add_dict_int(d, "esn", sa->cfg.esn);
	rte_tel_data_add_dict_u64(d, "replay_window", sa->cfg.replay_window);
	rte_tel_data_add_dict_u64(d, "slot", info->slot);
	rte_tel_data_add_dict_u64(d, "owner_worker", info->owner);
	rte_tel_data_add_dict_u64(d, "n_selectors", info->n_ts);
	rte_tel_data_add_dict_u64(d, "packets", sa->stats.packets);
	rte_tel_data_add_dict_u64(d, "bytes", sa->stats.bytes);
	rte_tel_data_add_dict_u64(d, "esp_bytes", sa->stats.esp_bytes);
	rte_tel_data_add_dict_u64(d, "seq_out", info->dir == HS_SA_OUT ? sa->seq : 0);
	/* last_used is the owner's TSC at its last packet (lc->esp.now). */
	rte_tel_data_add_dict_u64(d, "last_used", sa->stats.last_used);
	if (sa->stats.last_used != 0 && now > sa->stats.last_used)
		rte_tel_data_add_dict_u64(d, "idle_s", (now - sa->stats.last_used) / hz);
	if (info->install_tsc != 0 && now > info->install_tsc)
		rte_tel_data_add_dict_u64(d, "age_s", (now - info->install_tsc) / hz);
	rte_tel_data_add_dict_u64(d, "lifetime_soft_s", info->lifetime_soft_sec);
	rte_tel_data_add_dict_u64(d, "lifetime_hard_s", info->lifetime_hard_sec);
	sa_errors(d, sa);
}

/* "in/0x3002", "out/12290", "0x3002" -> SPI and direction (-1: either). */
static int
parse_sa_param(const char *params, uint32_t *spi, int *dir)
{
	char *end;
	unsigned long v;

	*dir = -1;
	if (strncmp(params, "in/", 3) == 0) {
		*dir = HS_SA_IN;
		params += 3;
	} else if (strncmp(params, "out/", 4) == 0) {
		*dir = HS_SA_OUT;
		params += 4;
	}
	errno = 0;
	v = strtoul(params, &end, 0);
	if (errno != 0 || end == params || *end != '\0' || v > UINT32_MAX)
		return -EINVAL;
	*spi = (uint32_t)v;
	return 0;
}

/* Up to RTE_TEL_MAX_ARRAY_ENTRIES (512) SAs from the from-th; "next" when more. */
static int
sa_list(struct rte_tel_data *d, uint32_t from)
{
	struct sa_list l = { .arr = rte_tel_data_alloc(), .n = 0, .from = from };

	if (l.arr == NULL)
		return -ENOMEM;
	rte_tel_data_start_array(l.arr, RTE_TEL_STRING_VAL);
	hs_sad_walk(tel_dp, sa_list_one, &l);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "count", l.n);
	rte_tel_data_add_dict_container(d, "sas", l.arr, 0);
	if (l.n > from && l.n - from > RTE_TEL_MAX_ARRAY_ENTRIES)
		rte_tel_data_add_dict_u64(d, "next", from + RTE_TEL_MAX_ARRAY_ENTRIES);
	return 0;
}

static int
tel_sa(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct sa_find f = { .d = d, .found = false };

	(void)cmd;
	if (params == NULL || params[0] == '\0')
		return sa_list(d, 0);
	if (strncmp(params, "from=", 5) == 0)
		return sa_list(d, (uint32_t)strtoul(params + 5, NULL, 0));
	if (parse_sa_param(params, &f.spi, &f.dir) != 0)
		return -EINVAL;
	rte_tel_data_start_dict(d);
	hs_sad_walk(tel_dp, sa_detail, &f);
	if (!f.found)
		rte_tel_data_add_dict_string(d, "error", "no such SA");
	return 0;
}

int
hs_telemetry_register(struct hs_dp *dp)
{
	static const struct {
		const char *cmd;
		telemetry_cb fn;
		const char *help;
	} cmds[] = {
		{ "/hubsec/info", tel_info, "hubsec: version, workers, ports, uptime" },
		{ "/hubsec/ports", tel_ports, "hubsec: per-interface counters. No parameters" },
		{ "/hubsec/drops", tel_drops, "hubsec: packets dropped, by reason" },
		{ "/hubsec/rings", tel_rings, "hubsec: control rings, acquires, held packets" },
		{ "/hubsec/policies", tel_policies,
			"hubsec: hits per crypto-map ACL line. Parameter: first policy index" },
		{ "/hubsec/sa", tel_sa,
			"hubsec: SAs. Parameter: [in/|out/]SPI for one SA, from=N to page" },
	};

	if (tel_dp != NULL)
		return -EALREADY;
	tel_dp = dp;
	for (size_t i = 0; i < HS_ARRAY_SIZE(cmds); i++) {
		int rc = rte_telemetry_register_cmd(cmds[i].cmd, cmds[i].fn, cmds[i].help);

		if (rc != 0)
			return rc;
	}
	return 0;
}
