/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hubsec-control: the IKE control process (DESIGN.md "Processes").
 *
 *   hubsec-control [EAL options] -- --config FILE [options]    beside hubsec-dataplane
 *   hubsec-control --udp --config FILE [options]               kernel UDP sockets, no DPDK
 *
 * One thread, one loop: packets, the dataplane's messages and the command
 * socket in, the engine's timers ticked at least every TICK_MS; when a turn
 * found nothing it sleeps (--idle-us beside the dataplane, whose rings
 * cannot be polled; until the next timer or socket event with --udp), so
 * that an idle control process costs no core. SIGINT and SIGTERM end it
 * cleanly: IKE SAs dropped silently (keys wiped), socket removed; the
 * dataplane's IPsec SAs stay installed.
 *
 * Exit status: 0 stopped by a signal, 1 the dataplane went away (or a
 * runtime error), 2 bad usage, configuration, or nothing to attach to.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"

#define TICK_MS 100 /* hs_ikev2_tick() at least this often */
#define IDLE_US_DEFAULT 1000
#define IDLE_US_MAX 100000

/* The signal handler's only way to the context: it sets the stop flag and nothing else. */
static struct hs_ctl *signal_ctl;

static void
on_signal(int sig)
{
	(void)sig;
	if (signal_ctl != NULL)
		atomic_store(&signal_ctl->stop, true);
}

static void
usage(FILE *out)
{
	fprintf(out,
		"usage: hubsec-control [EAL options] -- --config FILE [options]\n"
		"       hubsec-control --udp --config FILE [options]\n"
		"\n"
		"Beside hubsec-dataplane (default): a DPDK secondary process on its rings.\n"
		"  EAL options: --file-prefix P (the dataplane's) [-l N]; --proc-type=secondary,\n"
		"  --no-pci and --no-telemetry are added when not given. IKE packets come and go\n"
		"  through the dataplane's ports; SAs are installed in it.\n"
		"  --idle-us N         sleep when a loop found nothing (default %d, max %d)\n"
		"\n"
		"--udp: kernel UDP sockets, no DPDK (labs, tests); SAs are negotiated, not\n"
		"installed (there is no dataplane).\n"
		"  --listen ADDR       local address to listen on, IPv4 or IPv6; repeat for more;\n"
		"                      \"any\" (or 0.0.0.0, ::) for the wildcard. Default: the\n"
		"                      config's outside interface addresses\n"
		"  --ike-port P        instead of 500\n"
		"  --natt-port P       instead of 4500 (NAT-T, non-ESP marker)\n"
		"\n"
		"Both:\n"
		"  --config FILE       the configuration (the dataplane's own, beside it)\n"
		"  --log-level L       error warning notice info debug (default: the config's)\n"
		"  --dpd SEC           liveness check after SEC quiet seconds (default 30)\n"
		"  --retransmit-ms MS  first retransmission timeout, doubled each time (500)\n"
		"  --retransmit-tries N  transmissions before a peer is declared dead (6)\n"
		"  --fragment-size BYTES  IKE fragmentation (RFC 7383), when the peer supports\n"
		"                      it: protected messages whose IP datagram would be larger\n"
		"                      go as fragments of at most BYTES (576..65535, default\n"
		"                      1280); 0: fragmentation neither announced nor used\n"
		"  --socket PATH       command socket (hubsec-cli --socket PATH COMMAND). Default:\n"
		"                      beside the dataplane, hubsec-control.sock in its EAL\n"
		"                      runtime dir (where its console relays IKE commands);\n"
		"                      with --udp, " HS_CTL_SOCK_DEFAULT "\n"
		"\n"
		"Exit: 0 stopped (SIGINT, SIGTERM), 1 the dataplane went away, 2 usage or attach "
		"error.\n",
		IDLE_US_DEFAULT, IDLE_US_MAX);
}

/* ---- options ---- */

static int
parse_u32(const char *s, uint32_t *v, uint32_t lo, uint32_t hi)
{
	char *end;
	unsigned long long x;

	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || x < lo || x > hi)
		return -EINVAL;
	*v = (uint32_t)x;
	return 0;
}

static const struct option longopts[] = {
	{ "config", required_argument, NULL, 'c' }, { "udp", no_argument, NULL, 'u' },
	{ "listen", required_argument, NULL, 'L' }, { "ike-port", required_argument, NULL, 'p' },
	{ "natt-port", required_argument, NULL, 'n' },
	{ "log-level", required_argument, NULL, 'v' },
	{ "socket", required_argument, NULL, 's' }, { "idle-us", required_argument, NULL, 'i' },
	{ "dpd", required_argument, NULL, 'd' }, { "retransmit-ms", required_argument, NULL, 'r' },
	{ "retransmit-tries", required_argument, NULL, 't' },
	{ "fragment-size", required_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
};

static int
parse_opt(struct hs_ctl_opts *o, int c, const char *arg)
{
	uint32_t v = 0;
	int rc = 0;

	switch (c) {
	case 'c': o->config = arg; break;
	case 'u': o->udp = true; break;
	case 's': o->socket = arg; break;
	case 'L':
		if (o->n_listen == HS_CTL_LISTEN_MAX) {
			fprintf(stderr, "hubsec-control: at most %d --listen\n", HS_CTL_LISTEN_MAX);
			return -EINVAL;
		}
		o->listen[o->n_listen++] = arg;
		break;
	case 'p':
		rc = parse_u32(arg, &v, 1, 65535);
		o->ike_port = (uint16_t)v;
		break;
	case 'n':
		rc = parse_u32(arg, &v, 1, 65535);
		o->natt_port = (uint16_t)v;
		break;
	case 'i': rc = parse_u32(arg, &o->idle_us, 0, IDLE_US_MAX); break;
	case 'd': rc = parse_u32(arg, &o->dpd_sec, 1, 86400); break;
	case 'r': rc = parse_u32(arg, &o->retransmit_ms, 50, 60000); break;
	case 't': rc = parse_u32(arg, &o->retransmit_tries, 1, 20); break;
	case 'f':
		rc = parse_u32(arg, &v, 0, 65535);
		if (rc == 0 && v != 0 && v < HS_IKEV2_FRAGMENT_MIN)
			rc = -EINVAL;
		o->fragment_size = v == 0 ? HS_IKEV2_FRAGMENT_OFF : v;
		break;
	case 'v':
		rc = hs_ctl_log_level_parse(arg, &o->log_level);
		o->has_log_level = true;
		break;
	default:
		return -EINVAL;
	}
	if (rc != 0)
		fprintf(stderr, "hubsec-control: bad value for an option: '%s'%s\n", arg,
			c == 'v' ? " (error, warning, notice, info or debug)" : "");
	return rc;
}

static int
parse_args(struct hs_ctl_opts *o, int argc, char **argv)
{
	int c;

	o->ike_port = HS_IKE_PORT;
	o->natt_port = HS_IKE_NATT_PORT;
	o->idle_us = IDLE_US_DEFAULT;
	optind = 1;
	opterr = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			exit(0);
		}
		if (parse_opt(o, c, optarg) != 0)
			return -EINVAL;
	}
	if (optind != argc) {
		fprintf(stderr, "hubsec-control: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (o->config == NULL) {
		fprintf(stderr, "hubsec-control: --config FILE is required\n");
		return -EINVAL;
	}
	if (!o->udp && (o->n_listen > 0 || o->ike_port != HS_IKE_PORT ||
			       o->natt_port != HS_IKE_NATT_PORT)) {
		fprintf(stderr, "hubsec-control: --listen, --ike-port and --natt-port need --udp "
				"(beside the dataplane, packets come through its ports)\n");
		return -EINVAL;
	}
	if (o->ike_port == o->natt_port) {
		fprintf(stderr, "hubsec-control: --ike-port and --natt-port must differ\n");
		return -EINVAL;
	}
	return 0;
}

static struct hs_config *
load_config(const char *path)
{
	struct hs_config_errors *errs = calloc(1, sizeof(*errs));
	struct hs_config *cfg;

	if (errs == NULL)
		return NULL;
	cfg = hs_config_load(path, errs);
	if (cfg == NULL)
		hs_config_errors_print(errs, stderr);
	free(errs);
	return cfg;
}

/* ---- the loop ---- */

static int
loop(struct hs_ctl *c)
{
	uint64_t next_tick = 0;

	while (!atomic_load(&c->stop)) {
		struct pollfd pfd[HS_CTL_POLLFDS_MAX];
		unsigned int n_udp, n = 0, work = 0;
		uint64_t now = hs_ctl_now_ms();
		struct timespec ts;
		int64_t wait_us;

		if (c->dpdk != NULL) {
			if (!hs_ctl_dpdk_alive(c)) {
				hs_ctl_log(c, HS_IKEV2_LOG_ERR, "hubsec-dataplane (--file-prefix %s) "
								"has exited: stopping",
					c->opts.prefix);
				return HS_CTL_EXIT_FAILED;
			}
			work += hs_ctl_dpdk_poll(c, now);
		}
		if (now >= next_tick) {
			uint32_t t;

			hs_ikev2_tick(c->ike, now);
			t = hs_ikev2_next_timer_ms(c->ike, now);
			next_tick = now + (t < TICK_MS ? (t > 0 ? t : 1) : TICK_MS);
		}
		n_udp = hs_ctl_udp_pollfds(c, pfd, HS_CTL_POLLFDS_MAX);
		n = n_udp + hs_ctl_sock_pollfds(c, pfd + n_udp, HS_CTL_POLLFDS_MAX - n_udp);
		if (c->dpdk != NULL)
			wait_us = work > 0 ? 0 : c->opts.idle_us; /* the rings have no fd */
		else
			wait_us = (int64_t)(next_tick - now) * 1000;
		ts = (struct timespec){ .tv_sec = wait_us / 1000000,
			.tv_nsec = (wait_us % 1000000) * 1000 };
		if (ppoll(pfd, n, &ts, NULL) < 0 && errno != EINTR) {
			hs_ctl_log(c, HS_IKEV2_LOG_ERR, "poll: %s", strerror(errno));
			return HS_CTL_EXIT_FAILED;
		}
		now = hs_ctl_now_ms();
		if (n_udp > 0)
			hs_ctl_udp_poll(c, pfd, now);
		hs_ctl_sock_poll(c, now);
	}
	hs_ctl_log(c, HS_IKEV2_LOG_INFO, "stopping");
	return 0;
}

/* --udp's default socket is in /run/hubsec: make that directory (root only) when missing. */
static const char *
sock_path(struct hs_ctl *c, char *buf, size_t len)
{
	if (c->opts.socket != NULL)
		return c->opts.socket;
	if (c->dpdk != NULL) {
		snprintf(buf, len, "%s/%s", hs_ctl_dpdk_runtime_dir(), HS_CTL_SOCK_NAME);
		return buf;
	}
	if (mkdir("/run/hubsec", 0700) != 0 && errno != EEXIST)
		hs_ctl_log(c, HS_IKEV2_LOG_WARNING, "/run/hubsec: %s (--socket PATH?)",
			strerror(errno));
	return HS_CTL_SOCK_DEFAULT;
}

/* Everything after the transport is up: engine, socket, loop. */
static int
run(struct hs_ctl *c)
{
	struct hs_ikev2_opts eo = { .log_level = c->opts.log_level, .dpd_sec = c->opts.dpd_sec,
		.retransmit_ms = c->opts.retransmit_ms,
		.retransmit_tries = c->opts.retransmit_tries,
		.fragment_size = c->opts.fragment_size };
	struct sigaction sa = { .sa_handler = on_signal };
	char path[512];
	int status;

	c->io.ctx = c;
	c->io.log = hs_ctl_io_log;
	c->ike = hs_ikev2_new(c->cfg, &c->io, &eo);
	if (c->ike == NULL) {
		hs_ctl_log(c, HS_IKEV2_LOG_ERR, "IKEv2 engine: %s", strerror(errno));
		return HS_CTL_EXIT_USAGE;
	}
	if (hs_ctl_sock_open(c, sock_path(c, path, sizeof(path))) != 0) {
		hs_ikev2_free(c->ike);
		c->ike = NULL;
		return HS_CTL_EXIT_USAGE;
	}
	signal_ctl = c;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	c->start_ms = hs_ctl_now_ms();
	hs_ctl_log(c, HS_IKEV2_LOG_NOTICE, "running (%s, config %s, log level %s)",
		c->opts.udp ? "kernel UDP sockets" : "beside hubsec-dataplane", c->opts.config,
		hs_ctl_log_level_name(c->opts.log_level));
	if (!c->opts.udp)
		hs_ctl_resync(c, c->start_ms);
	hs_ikev2_start(c->ike, c->start_ms);
	status = loop(c);
	hs_ikev2_free(c->ike);
	c->ike = NULL;
	hs_ctl_sock_close(c);
	signal_ctl = NULL;
	return status;
}

int
main(int argc, char **argv)
{
	struct hs_ctl c = { 0 };
	int dashes = 0, status;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			dashes = i;
			break;
		}
	}
	if (argc < 2) {
		usage(stderr);
		return HS_CTL_EXIT_USAGE;
	}
	/* Without "--", everything is ours and EAL gets only our defaults. */
	argv[dashes] = argv[0];
	if (parse_args(&c.opts, argc - dashes, argv + dashes) != 0) {
		fprintf(stderr, "(hubsec-control --help for usage)\n");
		return HS_CTL_EXIT_USAGE;
	}
	if (c.opts.udp && dashes > 1)
		fprintf(stderr, "hubsec-control: --udp runs without DPDK: EAL options ignored\n");
	c.cfg = load_config(c.opts.config);
	if (c.cfg == NULL)
		return HS_CTL_EXIT_USAGE;
	if (!c.opts.has_log_level)
		c.opts.log_level = hs_ctl_log_level_from_config(c.cfg->log_level);
	if (c.opts.udp)
		status = hs_ctl_udp_open(&c) == 0 ? 0 : HS_CTL_EXIT_USAGE;
	else
		status = hs_ctl_dpdk_open(&c, dashes == 0 ? 1 : dashes, argv);
	if (status == 0)
		status = run(&c);
	hs_ctl_udp_close(&c);
	hs_ctl_dpdk_close(&c);
	hs_config_free(c.cfg);
	return status;
}
