/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hubsec-dataplane: EAL, options, start-up in dependency order, the main
 * lcore's loop (control rings, slow path, housekeeping), orderly shutdown.
 *
 *   hubsec-dataplane [EAL options] -- --config FILE [-i] [--cli-socket PATH]
 *                    [--idle-sleep-us N] [--idle-polls N] [--busy-poll]
 *                    [--no-static-sas] [--stats-on-exit]
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf_dyn.h>

#include "console.h"
#include "dp.h"
#include "dp_report.h"

#define MBUFS_PER_PORT_QUEUE 2048
#define MBUF_CACHE 256
#define MAIN_IDLE_US 200

/*
 * Signal handlers get no argument: the one process context is reachable
 * from here for them, and only to set its stop flag.
 */
static struct hs_dp *signal_dp;

static void
on_signal(int sig)
{
	(void)sig;
	if (signal_dp != NULL)
		atomic_store(&signal_dp->stop, true);
}

static void
usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [EAL options] -- --config FILE [options]\n"
		"  --config FILE        the box's YAML configuration (required)\n"
		"  -i, --interactive    the console's prompt on this terminal (hubsec> )\n"
		"  --cli-socket PATH    the console's socket for hubsec-cli\n"
		"                       (default: EAL runtime dir/" HS_CLI_SOCK_NAME ")\n"
		"  --idle-sleep-us N    workers sleep N us after --idle-polls empty polls (default 100)\n"
		"  --idle-polls N       empty polls before sleeping (default 64)\n"
		"  --busy-poll          never sleep (benchmarks)\n"
		"  --no-static-sas      do not install the config's static SAs\n"
		"  --stats-on-exit      print SA, port and drop counters when stopping\n",
		prog);
}

static int
parse_opts(struct hs_dp_opts *o, int argc, char **argv)
{
	static const struct option longs[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "interactive", no_argument, NULL, 'i' },
		{ "cli-socket", required_argument, NULL, 'S' },
		{ "idle-sleep-us", required_argument, NULL, 's' },
		{ "idle-polls", required_argument, NULL, 'p' },
		{ "busy-poll", no_argument, NULL, 'b' },
		{ "no-static-sas", no_argument, NULL, 'n' },
		{ "stats-on-exit", no_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->idle_sleep_us = 100;
	o->idle_polls = 64;
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:ih", longs, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config_path = optarg;
			break;
		case 'i':
			o->interactive = true;
			break;
		case 'S':
			o->cli_socket = optarg;
			break;
		case 's':
			o->idle_sleep_us = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'p':
			o->idle_polls = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'b':
			o->idle_sleep_us = 0;
			break;
		case 'n':
			o->no_static_sas = true;
			break;
		case 'x':
			o->stats_on_exit = true;
			break;
		default:
			return -EINVAL;
		}
	}
	if (optind != argc || o->config_path == NULL)
		return -EINVAL;
	return 0;
}

static int
load_config(struct hs_dp *dp)
{
	struct hs_config_errors *errs = calloc(1, sizeof(*errs));

	if (errs == NULL)
		return -ENOMEM;
	dp->cfg = hs_config_load(dp->opts.config_path, errs);
	if (dp->cfg == NULL)
		hs_config_errors_print(errs, stderr);
	free(errs);
	return dp->cfg != NULL ? 0 : -EINVAL;
}

static int
create_workers(struct hs_dp *dp)
{
	unsigned int lcore_id;

	RTE_LCORE_FOREACH_WORKER(lcore_id) {
		struct hs_lcore *lc;
		char name[RTE_RING_NAMESIZE];
		unsigned int w = dp->n_workers;

		if (w == HS_WORKERS_MAX)
			return -E2BIG;
		lc = rte_zmalloc_socket("hs_lcore", sizeof(*lc), HS_CACHE_LINE,
			(int)rte_lcore_to_socket_id(lcore_id));
		if (lc == NULL)
			return -ENOMEM;
		dp->workers[dp->n_workers++] = lc;
		lc->dp = dp;
		lc->lcore_id = lcore_id;
		lc->worker = w;
		lc->rxq = (uint16_t)w;
		lc->txq = (uint16_t)w;
		lc->policy = rte_zmalloc_socket("hs_policy_stats",
			sizeof(*lc->policy) * HS_POLICIES_MAX, HS_CACHE_LINE,
			(int)rte_lcore_to_socket_id(lcore_id));
		snprintf(name, sizeof(name), "hs_handoff_%u", w);
		lc->handoff = rte_ring_create(name, 4096, (int)rte_lcore_to_socket_id(lcore_id),
			RING_F_SC_DEQ);
		if (lc->policy == NULL || lc->handoff == NULL || hs_esp_ctx_init(&lc->esp) != 0)
			return -ENOMEM;
	}
	if (dp->n_workers == 0) {
		fprintf(stderr, "hubsec: no worker lcore: give EAL at least two (-l 0,1)\n");
		return -EINVAL;
	}
	return 0;
}

static int
create_shared(struct hs_dp *dp)
{
	static const struct rte_mbuf_dynfield meta_desc = {
		.name = "hubsec_meta",
		.size = sizeof(struct hs_mbuf_meta),
		.align = __alignof__(struct hs_mbuf_meta),
	};
	unsigned int nb_mbufs;
	size_t qsz;

	dp->meta_off = rte_mbuf_dynfield_register(&meta_desc);
	if (dp->meta_off < 0)
		return -rte_errno;
	nb_mbufs = (unsigned int)dp->cfg->n_ifaces * (dp->n_workers + 1) * MBUFS_PER_PORT_QUEUE +
		   16384;
	dp->main_tx = rte_ring_create("hs_main_tx", 1024, (int)rte_socket_id(),
		RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (dp->main_tx == NULL)
		return -rte_errno;
	dp->pool = rte_pktmbuf_pool_create("hs_mbuf_pool", nb_mbufs, MBUF_CACHE, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (dp->pool == NULL)
		return -rte_errno;
	qsz = rte_rcu_qsbr_get_memsize(dp->n_workers);
	dp->qsbr = rte_zmalloc("hs_qsbr", qsz, RTE_CACHE_LINE_SIZE);
	if (dp->qsbr == NULL || rte_rcu_qsbr_init(dp->qsbr, dp->n_workers) != 0)
		return -ENOMEM;
	return hs_esp_ctx_init(&dp->main_esp);
}

/* The UDP ports the Auto VPN registry answers from, punted to the control process. */
static void
registry_ports(struct hs_dp *dp)
{
	const struct hs_config_autovpn *a = &dp->cfg->autovpn;

	dp->registry_lo = 1;
	dp->registry_hi = 0; /* empty range */
	if (!a->present || !a->enabled)
		return;
	for (unsigned int i = 0; i < a->n_registry; i++) {
		if (i == 0 || a->registry[i].port_lo < dp->registry_lo)
			dp->registry_lo = a->registry[i].port_lo;
		if (a->registry[i].port_hi > dp->registry_hi)
			dp->registry_hi = a->registry[i].port_hi;
	}
}

/* Our IPv4 addresses as words, for the workers' "to us?" test. */
static void
local_addrs(struct hs_dp *dp)
{
	for (unsigned int i = 0; i < dp->cfg->n_ifaces; i++) {
		const struct hs_config_interface *c = &dp->cfg->ifaces[i];

		for (unsigned int a = 0; a < c->n_ipv4; a++) {
			if (dp->n_local4 == HS_ARRAY_SIZE(dp->local4))
				return;
			memcpy(&dp->local4[dp->n_local4++], c->ipv4[a].addr.v4, 4);
		}
	}
}

/* Start-up in dependency order; every step says what failed. */
static int
start(struct hs_dp *dp)
{
	char err[256] = "";
	struct hs_tables *t;
	int rc;

	if ((rc = create_workers(dp)) != 0 || (rc = create_shared(dp)) != 0) {
		fprintf(stderr, "hubsec: start-up: %s\n", strerror(-rc));
		return rc;
	}
	if ((rc = hs_port_init_all(dp)) != 0 || (rc = hs_routes_create(dp)) != 0 ||
		(rc = hs_neigh_create(dp)) != 0)
		return rc;
	t = hs_tables_build(dp, err, sizeof(err));
	if (t == NULL) {
		fprintf(stderr, "hubsec: crypto-map classifier: %s\n", err);
		return -EINVAL;
	}
	atomic_store(&dp->tables, t);
	if ((rc = hs_sad_create(dp)) != 0 || (rc = hs_rings_create(dp)) != 0)
		return rc;
	if ((rc = hs_telemetry_register(dp)) != 0)
		fprintf(stderr, "hubsec: telemetry endpoints not registered: %s\n", strerror(-rc));
	if (!dp->opts.no_static_sas && (rc = hs_rings_install_static(dp)) != 0)
		return rc;
	return 0;
}

static void
main_loop(struct hs_dp *dp)
{
	while (!atomic_load(&dp->stop)) {
		uint64_t now = rte_rdtsc();

		hs_rings_poll(dp);
		hs_sad_housekeeping(dp, now);
		hs_neigh_housekeeping(dp, now);
		hs_console_poll(dp);
		usleep(MAIN_IDLE_US);
	}
}

static void
stop(struct hs_dp *dp)
{
	rte_eal_mp_wait_lcore();
	hs_console_fini(dp);
	if (dp->opts.stats_on_exit)
		hs_report_print(dp, stdout);
	hs_port_stop_all(dp);
	hs_sad_free(dp); /* wipes the keys */
}

int
main(int argc, char **argv)
{
	static struct hs_dp dp;
	int n, rc;

	n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "hubsec: EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	if (parse_opts(&dp.opts, argc - n, argv + n) != 0) {
		usage(argv[0]);
		rte_eal_cleanup();
		return 2;
	}
	if (load_config(&dp) != 0) {
		rte_eal_cleanup();
		return 1;
	}
	registry_ports(&dp);
	local_addrs(&dp);
	dp.tsc_hz = rte_get_tsc_hz();
	dp.start_tsc = rte_rdtsc();
	rc = start(&dp);
	if (rc != 0) {
		fprintf(stderr, "hubsec: not started (%s)\n", strerror(-rc));
		rte_eal_cleanup();
		return 1;
	}
	signal_dp = &dp;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	for (unsigned int w = 0; w < dp.n_workers; w++)
		rte_eal_remote_launch(hs_worker_main, dp.workers[w], dp.workers[w]->lcore_id);
	printf("hubsec-dataplane: %s: %u worker(s), %u port(s), running\n", dp.cfg->hostname,
		dp.n_workers, dp.n_ports);
	fflush(stdout);
	rc = hs_console_init(&dp);
	if (rc != 0)
		fprintf(stderr, "hubsec: console: %s (the box runs without it)\n", strerror(-rc));
	main_loop(&dp);
	stop(&dp);
	rte_eal_cleanup();
	return 0;
}
