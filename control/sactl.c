/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hubsec-sactl: install, replace and delete SAs in a running hubsec-dataplane
 * by hand, and watch its acquires and events. A DPDK secondary process: it
 * attaches to the dataplane's named rings and message pool (lib/msg.h) and
 * sends exactly the messages the IKE control process sends, so SAs set here
 * go through the same path as negotiated ones.
 *
 * Exit status: 0 done, 1 the dataplane refused a message (its error is
 * printed) or a wait ran out, 2 bad usage or no dataplane to attach to.
 * Keys are never printed; prefer --static (keys stay in the config file)
 * over --key-* (visible in the process list).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "sactl.h"
#include "secondary.h"


static const char *const cmd_names[CMD_MAX] = { "add", "replace", "del", "flush",
	"acquire-responder", "events" };

static void
usage(FILE *out)
{
	fprintf(out,
		"usage: hubsec-sactl [EAL options] -- COMMAND [options]\n"
		"EAL options: --file-prefix P (the dataplane's) [-l N]; --proc-type=secondary,\n"
		"  --no-pci and --no-telemetry are added when not given.\n"
		"\n"
		"Commands:\n"
		"  add|replace --config FILE --static NAME [--old-spi X]\n"
		"      the static SA NAME of the config file (keys, selectors, addresses)\n"
		"  add|replace --map M --seq N [--line L] --peer ADDR --local ADDR\n"
		"      --cipher C --integ I --spi-in X --spi-out Y --key-in HEX --key-out HEX\n"
		"      [--auth-in HEX --auth-out HEX] [--natt [--sport P] [--dport P]] [--esn]\n"
		"      [--replay N] [--ts LOCAL_PREFIX:REMOTE_PREFIX]... [--old-spi X]\n"
		"      C: aes-gcm-128 aes-gcm-256 aes-cbc-128 aes-cbc-256; I: none hmac-sha1-96\n"
		"      hmac-sha256-128 hmac-sha384-192 hmac-sha512-256. GCM keys are key+salt.\n"
		"      replace: a rekey; --old-spi is the outbound SPI it replaces.\n"
		"  del --spi X --dir in|out      delete one SA\n"
		"  flush                         delete every SA\n"
		"  acquire-responder --config FILE [--delay-ms D] [--count N] [--timeout S]\n"
		"      TEST TOOL standing in for the IKE control process (hubsec-control):\n"
		"      answers each acquire with the config's static SA for that traffic after\n"
		"      D ms, so that \"the first packet of a tunnel whose SA arrives after it\n"
		"      is not lost\" can be tested without IKE. Stops after N answers.\n"
		"  events [--count N] [--timeout S]\n"
		"      print acquires and SA lifetime events as they come\n"
		"\n"
		"Each SA message waits %d ms for the dataplane's answer. Do not run beside\n"
		"hubsec-control: both would read the same answer and acquire rings.\n"
		"Exit: 0 ok, 1 refused by the dataplane (or timed out), 2 usage or attach error.\n",
		SACTL_ACK_TIMEOUT_MS);
}

/* ---- options ---- */

static int
parse_u32(const char *s, uint32_t *v)
{
	char *end;
	unsigned long long x;

	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || x > UINT32_MAX)
		return -EINVAL;
	*v = (uint32_t)x;
	return 0;
}

static int
parse_port(const char *s, uint16_t *p)
{
	uint32_t v;

	if (parse_u32(s, &v) != 0 || v == 0 || v > 65535)
		return -EINVAL;
	*p = (uint16_t)v;
	return 0;
}

static int
parse_cmd(const char *s, enum cmd *c)
{
	for (int i = 0; i < CMD_MAX; i++) {
		if (strcmp(s, cmd_names[i]) == 0) {
			*c = (enum cmd)i;
			return 0;
		}
	}
	return -EINVAL;
}

static const struct option longopts[] = {
	{ "map", required_argument, NULL, 'M' }, { "seq", required_argument, NULL, 'S' },
	{ "line", required_argument, NULL, 'L' }, { "peer", required_argument, NULL, 'P' },
	{ "local", required_argument, NULL, 'l' }, { "cipher", required_argument, NULL, 'c' },
	{ "integ", required_argument, NULL, 'i' }, { "spi-in", required_argument, NULL, 'I' },
	{ "spi-out", required_argument, NULL, 'O' }, { "key-in", required_argument, NULL, 'k' },
	{ "key-out", required_argument, NULL, 'K' }, { "auth-in", required_argument, NULL, 'a' },
	{ "auth-out", required_argument, NULL, 'A' }, { "natt", no_argument, NULL, 'n' },
	{ "sport", required_argument, NULL, 's' }, { "dport", required_argument, NULL, 'd' },
	{ "esn", no_argument, NULL, 'e' }, { "replay", required_argument, NULL, 'r' },
	{ "ts", required_argument, NULL, 't' }, { "old-spi", required_argument, NULL, 'o' },
	{ "spi", required_argument, NULL, 'x' }, { "dir", required_argument, NULL, 'D' },
	{ "config", required_argument, NULL, 'f' }, { "static", required_argument, NULL, 'N' },
	{ "delay-ms", required_argument, NULL, 'w' }, { "count", required_argument, NULL, 'C' },
	{ "timeout", required_argument, NULL, 'T' }, { "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* One option; -EINVAL with a message for a bad value. */
static int
parse_opt(struct opts *o, int c, const char *arg)
{
	int rc = 0;

	switch (c) {
	case 'M': o->map = arg; break;
	case 'P': o->peer = arg; break;
	case 'l': o->local = arg; break;
	case 'c': o->cipher = arg; break;
	case 'i': o->integ = arg; break;
	case 'k': o->key_in = arg; break;
	case 'K': o->key_out = arg; break;
	case 'a': o->auth_in = arg; break;
	case 'A': o->auth_out = arg; break;
	case 'n': o->natt = true; break;
	case 'e': o->esn = true; break;
	case 'f': o->config = arg; break;
	case 'N': o->static_name = arg; break;
	case 'S': rc = parse_u32(arg, &o->seq); break;
	case 'L': rc = parse_u32(arg, &o->line); break;
	case 'I': rc = parse_u32(arg, &o->spi_in); break;
	case 'O': rc = parse_u32(arg, &o->spi_out); break;
	case 'o': rc = parse_u32(arg, &o->old_spi); break;
	case 'x': rc = parse_u32(arg, &o->spi); break;
	case 'w': rc = parse_u32(arg, &o->delay_ms); break;
	case 'C': rc = parse_u32(arg, &o->count); break;
	case 'T': rc = parse_u32(arg, &o->timeout_s); break;
	case 's': rc = parse_port(arg, &o->sport); break;
	case 'd': rc = parse_port(arg, &o->dport); break;
	case 'r':
		rc = parse_u32(arg, &o->replay);
		o->has_replay = true;
		break;
	case 't':
		if (o->n_ts == HS_MSG_TS_MAX) {
			fprintf(stderr, "hubsec-sactl: at most %d --ts\n", HS_MSG_TS_MAX);
			return -EINVAL;
		}
		o->ts[o->n_ts++] = arg;
		break;
	case 'D':
		o->dir = strcmp(arg, "in") == 0    ? HS_SA_IN
			 : strcmp(arg, "out") == 0 ? HS_SA_OUT
						   : -2;
		rc = o->dir == -2 ? -EINVAL : 0;
		break;
	default:
		return -EINVAL;
	}
	if (rc != 0)
		fprintf(stderr, "hubsec-sactl: bad value for an option: '%s'\n",
			c == 'k' || c == 'K' || c == 'a' || c == 'A' ? "(key)" : arg);
	return rc;
}

/* What each command needs; a message for the first thing missing. */
static int
check_opts(const struct opts *o)
{
	const char *missing = NULL;
	bool sa = o->cmd == CMD_ADD || o->cmd == CMD_REPLACE;

	if (sa && o->static_name != NULL && o->config == NULL)
		missing = "--config FILE (with --static)";
	else if (sa && o->static_name == NULL && (o->map == NULL || o->seq == 0))
		missing = "--map and --seq (or --config FILE --static NAME)";
	else if (sa && o->static_name == NULL &&
		 (o->peer == NULL || o->local == NULL || o->cipher == NULL || o->integ == NULL))
		missing = "--peer, --local, --cipher and --integ";
	else if (sa && o->static_name == NULL &&
		 (o->spi_in == 0 || o->spi_out == 0 || o->key_in == NULL || o->key_out == NULL))
		missing = "--spi-in, --spi-out, --key-in and --key-out";
	else if (o->cmd == CMD_DEL && (o->spi == 0 || o->dir < 0))
		missing = "--spi X and --dir in|out";
	else if (o->cmd == CMD_RESPONDER && o->config == NULL)
		missing = "--config FILE";
	if (missing == NULL)
		return 0;
	fprintf(stderr, "hubsec-sactl: %s needs %s\n", cmd_names[o->cmd], missing);
	return -EINVAL;
}

static int
parse_args(struct opts *o, int argc, char **argv)
{
	int c;

	o->dir = -1;
	if (argc < 1 || parse_cmd(argv[0], &o->cmd) != 0) {
		fprintf(stderr, "hubsec-sactl: %s: unknown command (add, replace, del, flush, "
				"acquire-responder, events)\n",
			argc < 1 ? "(none)" : argv[0]);
		return -EINVAL;
	}
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
		fprintf(stderr, "hubsec-sactl: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	return check_opts(o);
}

/* ---- the dataplane ---- */

static int
attach(struct hs_rings *r, const char *prefix)
{
	hs_secondary_rings(r);
	if (r->sa != NULL && r->ack != NULL && r->acquire != NULL && r->event != NULL &&
		r->msg_pool != NULL)
		return 0;
	fprintf(stderr, "hubsec-sactl: attached to DPDK prefix '%s' but its hubsec rings are "
			"missing: is hubsec-dataplane (not another DPDK program) running with "
			"--file-prefix %s, and fully started?\n",
		prefix, prefix);
	return -ENOENT;
}

static int
run(struct opts *o)
{
	struct hs_rings r = { 0 };
	struct hs_config *cfg = NULL;
	const struct hs_config_static_sa *s = NULL;
	int status;

	if (attach(&r, o->prefix) != 0)
		return EXIT_USAGE;
	if (o->cmd == CMD_RESPONDER)
		return hs_sactl_responder(&r, o);
	if (o->cmd == CMD_EVENTS)
		return hs_sactl_events(&r, o);
	if (o->static_name != NULL) {
		cfg = hs_sactl_load_config(o->config);
		if (cfg == NULL)
			return EXIT_USAGE;
		s = hs_sactl_find_static(cfg, o->static_name);
		if (s == NULL) {
			fprintf(stderr, "hubsec-sactl: %s has no static SA named '%s'\n", o->config,
				o->static_name);
			hs_config_free(cfg);
			return EXIT_USAGE;
		}
	}
	status = hs_sactl_send_sa(&r, o, cfg, s);
	hs_config_free(cfg);
	return status;
}

int
main(int argc, char **argv)
{
	struct opts o = { 0 };
	int dashes = argc, status;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			dashes = i;
			break;
		}
	}
	if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	/* Without "--", everything is the command and EAL gets only our defaults. */
	if (dashes == argc)
		dashes = 0;
	/* Commands are checked before EAL so that usage errors need no dataplane. */
	if (parse_args(&o, argc - dashes - 1, argv + dashes + 1) != 0) {
		fprintf(stderr, "(hubsec-sactl --help for usage)\n");
		return EXIT_USAGE;
	}
	o.prefix = hs_secondary_file_prefix(dashes == 0 ? 1 : dashes, argv);
	status = hs_secondary_eal_attach(dashes == 0 ? 1 : dashes, argv, "hubsec-sactl", o.prefix,
			 "is hubsec-dataplane running with this --file-prefix?") == 0 ?
		0 :
		EXIT_USAGE;
	if (status != 0)
		return status;
	status = run(&o);
	rte_eal_cleanup();
	return status;
}

