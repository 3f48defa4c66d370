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
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "config.h"
#include "msg.h"

#define ACK_TIMEOUT_MS 2000
#define EAL_TIMEOUT_S 10
#define POLL_SLEEP_US 1000
#define EXIT_REFUSED 1
#define EXIT_USAGE 2

enum cmd { CMD_ADD, CMD_REPLACE, CMD_DEL, CMD_FLUSH, CMD_RESPONDER, CMD_EVENTS, CMD_MAX };
static const char *const cmd_names[CMD_MAX] = { "add", "replace", "del", "flush",
	"acquire-responder", "events" };

struct opts {
	enum cmd cmd;
	const char *map, *peer, *local, *cipher, *integ;
	const char *key_in, *key_out, *auth_in, *auth_out;
	const char *ts[HS_MSG_TS_MAX];
	unsigned int n_ts;
	uint32_t seq, line, spi_in, spi_out, old_spi, spi, replay;
	uint16_t sport, dport;
	bool natt, esn, has_replay;
	int dir; /* del: enum hs_sa_dir, -1 unset */
	const char *config, *static_name;
	uint32_t delay_ms, count, timeout_s;
	const char *prefix; /* EAL --file-prefix, for messages */
};

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
		ACK_TIMEOUT_MS);
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
		o->dir = strcmp(arg, "in") == 0 ? HS_SA_IN : strcmp(arg, "out") == 0 ? HS_SA_OUT : -2;
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

/* ---- building SA messages ---- */

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Hex text -> bytes; never echoes the text. */
static int
parse_hex(const char *what, const char *s, uint8_t *out, size_t max, uint8_t *len)
{
	size_t n;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	n = strlen(s);
	if (n == 0 || n % 2 != 0 || n / 2 > max) {
		fprintf(stderr, "hubsec-sactl: %s: an even number of hex digits, at most %zu bytes\n",
			what, max);
		return -EINVAL;
	}
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			fprintf(stderr, "hubsec-sactl: %s: not hex\n", what);
			return -EINVAL;
		}
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*len = (uint8_t)(n / 2);
	return 0;
}

/* "10.1.0.0/24:10.2.0.0/24", "2001:db8::/64:2001:db8:1::/64", "any:10.2.0.0/16". */
static int
parse_ts(const char *s, struct hs_msg_ts *ts)
{
	char buf[2 * HS_ADDR_STRLEN + 8];
	char *sep;

	snprintf(buf, sizeof(buf), "%s", s);
	if (strncmp(buf, "any:", 4) == 0) {
		sep = buf + 3;
	} else {
		sep = strchr(buf, '/');
		if (sep == NULL)
			return -EINVAL;
		sep += 1 + strspn(sep + 1, "0123456789");
		if (*sep != ':')
			return -EINVAL;
	}
	*sep = '\0';
	memset(ts, 0, sizeof(*ts));
	ts->lport_hi = ts->rport_hi = 65535;
	if ((strcmp(buf, "any") != 0 && hs_prefix_parse(buf, &ts->local) != 0) ||
		(strcmp(sep + 1, "any") != 0 && hs_prefix_parse(sep + 1, &ts->remote) != 0))
		return -EINVAL;
	return 0;
}

/* One direction of an SA given on the command line. */
static int
explicit_dir(const struct opts *o, enum hs_sa_dir dir, const struct hs_addr *local,
	const struct hs_addr *peer, struct hs_sa_params *p)
{
	bool in = dir == HS_SA_IN;
	const char *auth = in ? o->auth_in : o->auth_out;

	p->spi = in ? o->spi_in : o->spi_out;
	p->dir = dir;
	p->cipher = (enum hs_cipher)hs_cipher_from_name(o->cipher);
	p->integ = (enum hs_integ)hs_integ_from_name(o->integ);
	p->tun_src = in ? *peer : *local;
	p->tun_dst = in ? *local : *peer;
	p->natt = o->natt;
	p->natt_sport = in ? o->dport : o->sport;
	p->natt_dport = in ? o->sport : o->dport;
	p->esn = o->esn;
	p->replay_window = o->has_replay ? o->replay : HS_CONFIG_REPLAY_DEFAULT;
	p->df = HS_DF_COPY;
	p->dscp_copy = true;
	p->ttl = 64;
	if (parse_hex(in ? "--key-in" : "--key-out", in ? o->key_in : o->key_out, p->enc_key,
		    sizeof(p->enc_key), &p->enc_key_len) != 0)
		return -EINVAL;
	if (auth != NULL && parse_hex(in ? "--auth-in" : "--auth-out", auth, p->auth_key,
				    sizeof(p->auth_key), &p->auth_key_len) != 0)
		return -EINVAL;
	return 0;
}

static int
build_explicit(const struct opts *o, struct hs_msg_sa *m)
{
	struct hs_addr local, peer;

	if (hs_cipher_from_name(o->cipher) < 0 || hs_integ_from_name(o->integ) < 0) {
		fprintf(stderr, "hubsec-sactl: unknown --cipher or --integ (see --help)\n");
		return -EINVAL;
	}
	if (hs_addr_parse(o->local, &local) != 0 || hs_addr_parse(o->peer, &peer) != 0) {
		fprintf(stderr, "hubsec-sactl: --local and --peer must be IP addresses\n");
		return -EINVAL;
	}
	snprintf(m->map, sizeof(m->map), "%s", o->map);
	m->seq = o->seq;
	m->acl_line = o->line;
	m->peer = peer;
	for (unsigned int i = 0; i < o->n_ts; i++) {
		if (parse_ts(o->ts[i], &m->ts[i]) != 0) {
			fprintf(stderr, "hubsec-sactl: --ts %s: want LOCAL_PREFIX:REMOTE_PREFIX\n",
				o->ts[i]);
			return -EINVAL;
		}
	}
	m->n_ts = (uint8_t)o->n_ts;
	m->has_in = m->has_out = true;
	if (explicit_dir(o, HS_SA_IN, &local, &peer, &m->in) != 0 ||
		explicit_dir(o, HS_SA_OUT, &local, &peer, &m->out) != 0)
		return -EINVAL;
	return 0;
}

static const struct hs_config_static_sa *
find_static(const struct hs_config *cfg, const char *name)
{
	for (unsigned int i = 0; i < cfg->n_static_sas; i++) {
		if (strcmp(cfg->static_sas[i].name, name) == 0)
			return &cfg->static_sas[i];
	}
	return NULL;
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

/* ---- talking to the dataplane ---- */

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t
next_id(void)
{
	static uint32_t counter; /* ids of this process: pid and a counter */

	return ((uint64_t)(getpid() & 0x7fffffff) << 32) | ++counter;
}

static int
attach(struct hs_rings *r, const char *prefix)
{
	r->sa = rte_ring_lookup(HS_RING_SA);
	r->ack = rte_ring_lookup(HS_RING_ACK);
	r->acquire = rte_ring_lookup(HS_RING_ACQUIRE);
	r->event = rte_ring_lookup(HS_RING_EVENT);
	r->punt = rte_ring_lookup(HS_RING_PUNT);
	r->inject = rte_ring_lookup(HS_RING_INJECT);
	r->msg_pool = rte_mempool_lookup(HS_MSG_POOL);
	if (r->sa != NULL && r->ack != NULL && r->acquire != NULL && r->event != NULL &&
		r->msg_pool != NULL)
		return 0;
	fprintf(stderr, "hubsec-sactl: attached to DPDK prefix '%s' but its hubsec rings are "
			"missing: is hubsec-dataplane (not another DPDK program) running with "
			"--file-prefix %s, and fully started?\n",
		prefix, prefix);
	return -ENOENT;
}

/* Wait for the answer to message id; its result, or -ETIMEDOUT. */
static int
wait_ack(const struct hs_rings *r, uint64_t id, char *err, size_t errlen)
{
	uint64_t deadline = now_ms() + ACK_TIMEOUT_MS;
	int rc;

	while (now_ms() < deadline) {
		void *obj;
		const struct hs_msg_ack *ack;
		const char *why;

		if (rte_ring_dequeue(r->ack, &obj) != 0) {
			usleep(POLL_SLEEP_US);
			continue;
		}
		ack = obj;
		if (hs_msg_validate(&ack->hdr, &why) != 0 || ack->hdr.type != HS_MSG_ACK ||
			ack->req_id != id) {
			fprintf(stderr, "hubsec-sactl: discarded an answer to another request\n");
			rte_mempool_put(r->msg_pool, obj);
			continue;
		}
		snprintf(err, errlen, "%s", ack->error);
		rc = ack->result;
		rte_mempool_put(r->msg_pool, obj);
		return rc;
	}
	snprintf(err, errlen, "no answer in %d ms: is the dataplane's main lcore running?",
		ACK_TIMEOUT_MS);
	return -ETIMEDOUT;
}

/* Send a filled message object (it then belongs to the dataplane) and wait. */
static int
send_msg(const struct hs_rings *r, union hs_msg_any *msg, const char *what)
{
	uint64_t id = msg->hdr.id;
	char err[sizeof(msg->ack.error)];
	int rc;

	if (rte_ring_enqueue(r->sa, msg) != 0) {
		explicit_bzero(msg, sizeof(*msg));
		rte_mempool_put(r->msg_pool, msg);
		fprintf(stderr, "hubsec-sactl: %s: SA ring full (dataplane not draining it?)\n",
			what);
		return EXIT_USAGE;
	}
	rc = wait_ack(r, id, err, sizeof(err));
	if (rc == 0) {
		printf("ok: %s\n", what);
		fflush(stdout);
		return 0;
	}
	fprintf(stderr, "hubsec-sactl: %s: %s: %s\n", what,
		rc == -ETIMEDOUT ? "timed out" : "refused", err);
	return EXIT_REFUSED;
}

/* "sa-add map=vpn seq=10 line=1 spi-in=0x... spi-out=0x..." (no keys). */
static void
describe(const struct hs_msg_sa *m, char *buf, size_t len)
{
	const char *t = hs_msg_type_name((enum hs_msg_type)m->hdr.type);

	if (m->hdr.type == HS_MSG_SA_DEL)
		snprintf(buf, len, "%s spi=0x%08" PRIx32 " dir=%s", t, m->del_spi,
			m->del_dir == HS_SA_IN ? "in" : "out");
	else if (m->hdr.type == HS_MSG_SA_FLUSH)
		snprintf(buf, len, "%s", t);
	else
		snprintf(buf, len,
			"%s map=%s seq=%" PRIu32 " line=%" PRIu32 " spi-in=0x%08" PRIx32
			" spi-out=0x%08" PRIx32,
			t, m->map, m->seq, m->acl_line, m->in.spi, m->out.spi);
}

/* Build the message of an SA command in a pool object and send it. */
static int
cmd_sa(const struct hs_rings *r, const struct opts *o, const struct hs_config *cfg,
	const struct hs_config_static_sa *s)
{
	enum hs_msg_type type = o->cmd == CMD_ADD       ? HS_MSG_SA_ADD
				: o->cmd == CMD_REPLACE ? HS_MSG_SA_REPLACE
				: o->cmd == CMD_DEL     ? HS_MSG_SA_DEL
							: HS_MSG_SA_FLUSH;
	union hs_msg_any *msg;
	char what[256];
	void *obj;
	int rc = 0;

	if (rte_mempool_get(r->msg_pool, &obj) != 0) {
		fprintf(stderr, "hubsec-sactl: message pool empty (nobody reading acks?)\n");
		return EXIT_USAGE;
	}
	msg = obj;
	memset(msg, 0, sizeof(*msg));
	if (s != NULL)
		rc = hs_msg_sa_from_static(cfg, s, type, next_id(), &msg->sa);
	else if (type == HS_MSG_SA_ADD || type == HS_MSG_SA_REPLACE)
		rc = build_explicit(o, &msg->sa);
	if (rc != 0) {
		if (s != NULL)
			fprintf(stderr, "hubsec-sactl: static SA %s is incomplete\n", s->name);
		explicit_bzero(msg, sizeof(*msg));
		rte_mempool_put(r->msg_pool, msg);
		return EXIT_USAGE;
	}
	if (s == NULL)
		hs_msg_init(&msg->hdr, type, sizeof(msg->sa), next_id());
	msg->sa.del_spi = type == HS_MSG_SA_DEL ? o->spi : o->old_spi;
	msg->sa.del_dir = (uint8_t)(o->dir < 0 ? HS_SA_OUT : o->dir);
	describe(&msg->sa, what, sizeof(what));
	return send_msg(r, msg, what);
}

/* ---- acquires and events ---- */

static void
print_acquire(const struct hs_msg_acquire *a)
{
	char peer[HS_ADDR_STRLEN], src[HS_ADDR_STRLEN], dst[HS_ADDR_STRLEN];

	printf("acquire map=%s seq=%" PRIu32 " line=%" PRIu32 " policy=%" PRIu32
	       " peer=%s src=%s dst=%s proto=%u sport=%u dport=%u\n",
		a->map, a->seq, a->acl_line, a->policy, hs_addr_format(&a->peer, peer, sizeof(peer)),
		hs_addr_format(&a->src, src, sizeof(src)), hs_addr_format(&a->dst, dst, sizeof(dst)),
		a->proto, a->sport, a->dport);
	fflush(stdout);
}

static void
print_event(const struct hs_msg_event *e)
{
	printf("event spi=0x%08" PRIx32 " dir=%s kind=%s packets=%" PRIu64 " bytes=%" PRIu64 "\n",
		e->spi, e->dir == HS_SA_IN ? "in" : "out",
		hs_sa_event_name((enum hs_sa_event_kind)e->kind), e->packets, e->bytes);
	fflush(stdout);
}

/* Take one valid message of type from ring into *copy; false when none. */
static bool
take(const struct hs_rings *r, struct rte_ring *ring, enum hs_msg_type type, void *copy,
	size_t len)
{
	const char *why;
	void *obj;
	bool ok;

	if (rte_ring_dequeue(ring, &obj) != 0)
		return false;
	ok = hs_msg_validate(obj, &why) == 0 && ((const struct hs_msg_hdr *)obj)->type == type;
	if (ok)
		memcpy(copy, obj, len);
	else
		fprintf(stderr, "hubsec-sactl: bad %s message: %s\n", hs_msg_type_name(type),
			why != NULL ? why : "wrong type");
	rte_mempool_put(r->msg_pool, obj);
	return ok;
}

static bool
timed_out(const struct opts *o, uint64_t start)
{
	return o->timeout_s != 0 && now_ms() - start >= (uint64_t)o->timeout_s * 1000;
}

static int
cmd_events(const struct hs_rings *r, const struct opts *o)
{
	uint64_t start = now_ms();
	uint32_t seen = 0;

	while (o->count == 0 || seen < o->count) {
		struct hs_msg_acquire a;
		struct hs_msg_event e;
		bool got = false;

		if (take(r, r->acquire, HS_MSG_ACQUIRE, &a, sizeof(a))) {
			print_acquire(&a);
			seen++;
			got = true;
		}
		if (take(r, r->event, HS_MSG_EVENT, &e, sizeof(e))) {
			print_event(&e);
			seen++;
			got = true;
		}
		if (timed_out(o, start)) {
			fprintf(stderr, "hubsec-sactl: timeout after %" PRIu32 " message(s)\n", seen);
			return EXIT_REFUSED;
		}
		if (!got)
			usleep(POLL_SLEEP_US);
	}
	return 0;
}

static bool
prefix_has(const struct hs_prefix *p, const struct hs_addr *a)
{
	return p->addr.family == 0 || hs_prefix_contains(p, a);
}

/* The static SA that covers an acquire: same map entry (if it has one), selectors. */
static const struct hs_config_static_sa *
static_for(const struct hs_config *cfg, const struct hs_msg_acquire *a)
{
	for (unsigned int i = 0; i < cfg->n_static_sas; i++) {
		const struct hs_config_static_sa *s = &cfg->static_sas[i];

		if (s->map_name[0] != '\0' && (strcmp(s->map_name, a->map) != 0 || s->seq != a->seq))
			continue;
		if (prefix_has(&s->sel.src, &a->src) && prefix_has(&s->sel.dst, &a->dst))
			return s;
	}
	return NULL;
}

static int
respond_one(const struct hs_rings *r, struct opts *o, const struct hs_config *cfg,
	const struct hs_msg_acquire *a)
{
	const struct hs_config_static_sa *s = static_for(cfg, a);

	if (s == NULL) {
		fprintf(stderr, "hubsec-sactl: no static SA in %s covers this acquire\n",
			o->config);
		return EXIT_REFUSED;
	}
	if (o->delay_ms > 0)
		usleep(o->delay_ms * 1000u);
	printf("answer static SA %s\n", s->name);
	o->cmd = CMD_ADD;
	return cmd_sa(r, o, cfg, s);
}

static int
cmd_responder(const struct hs_rings *r, struct opts *o)
{
	struct hs_config *cfg = load_config(o->config);
	uint64_t start = now_ms();
	uint32_t answered = 0;
	int status = 0;

	if (cfg == NULL)
		return EXIT_USAGE;
	printf("acquire-responder: waiting for acquires (%u static SAs in %s)\n",
		cfg->n_static_sas, o->config);
	fflush(stdout);
	while (o->count == 0 || answered < o->count) {
		struct hs_msg_acquire a;

		if (!take(r, r->acquire, HS_MSG_ACQUIRE, &a, sizeof(a))) {
			if (timed_out(o, start)) {
				fprintf(stderr, "hubsec-sactl: timeout: %" PRIu32 " of %" PRIu32
						" acquire(s) answered\n",
					answered, o->count);
				status = EXIT_REFUSED;
				break;
			}
			usleep(POLL_SLEEP_US);
			continue;
		}
		print_acquire(&a);
		if (respond_one(r, o, cfg, &a) != 0)
			status = EXIT_REFUSED;
		answered++;
	}
	hs_config_free(cfg);
	return status;
}

/* ---- EAL ---- */

static bool
has_arg(int argc, char **argv, const char *name)
{
	size_t n = strlen(name);

	for (int i = 0; i < argc; i++) {
		if (strncmp(argv[i], name, n) == 0 && (argv[i][n] == '\0' || argv[i][n] == '='))
			return true;
	}
	return false;
}

static const char *
file_prefix(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		if (strncmp(argv[i], "--file-prefix=", 14) == 0)
			return argv[i] + 14;
		if (strcmp(argv[i], "--file-prefix") == 0 && i + 1 < argc)
			return argv[i + 1];
	}
	return "rte";
}

/* Where a primary with this file prefix keeps its config (EAL's runtime dir). */
static void
config_path(const char *prefix, char *buf, size_t len)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (getuid() == 0 || xdg == NULL)
		snprintf(buf, len, "%s/dpdk/%s/config", getuid() == 0 ? "/var/run" : "/tmp", prefix);
	else
		snprintf(buf, len, "%s/dpdk/%s/config", xdg, prefix);
}

static void
on_alarm(int sig)
{
	static const char msg[] = "hubsec-sactl: EAL did not attach in time: is the "
				  "dataplane with this --file-prefix still starting, or stuck?\n";

	(void)sig;
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(EXIT_USAGE);
	_exit(EXIT_USAGE);
}

/* EAL as a secondary process of the dataplane, quietly; exit status on failure. */
static int
eal_attach(int argc, char **argv, const char *prefix)
{
	char path[512];
	char *args[64];
	int n = 0, rc;

	if (argc > 56) {
		fprintf(stderr, "hubsec-sactl: too many EAL options\n");
		return EXIT_USAGE;
	}
	for (int i = 0; i < argc; i++)
		args[n++] = argv[i];
	if (!has_arg(argc, argv, "--proc-type"))
		args[n++] = (char *)(uintptr_t)"--proc-type=secondary";
	if (!has_arg(argc, argv, "--no-pci") && !has_arg(argc, argv, "-a"))
		args[n++] = (char *)(uintptr_t)"--no-pci";
	if (!has_arg(argc, argv, "--telemetry") && !has_arg(argc, argv, "--no-telemetry"))
		args[n++] = (char *)(uintptr_t)"--no-telemetry";
	if (!has_arg(argc, argv, "--log-level"))
		args[n++] = (char *)(uintptr_t)"--log-level=lib.eal:error";
	args[n] = NULL;
	/*
	 * A secondary spins forever on the config of a primary that died while
	 * starting: ask first whether one holds its lock, and bound EAL's time.
	 */
	config_path(prefix, path, sizeof(path));
	if (!rte_eal_primary_proc_alive(path)) {
		fprintf(stderr, "hubsec-sactl: no DPDK primary process with --file-prefix %s (%s): "
				"is hubsec-dataplane running with --file-prefix %s?\n",
			prefix, path, prefix);
		return EXIT_USAGE;
	}
	rte_openlog_stream(stderr); /* keep stdout for our results */
	signal(SIGALRM, on_alarm);
	alarm(EAL_TIMEOUT_S);
	rc = rte_eal_init(n, args);
	alarm(0);
	if (rc < 0) {
		fprintf(stderr, "hubsec-sactl: cannot attach (%s): is hubsec-dataplane running "
				"with --file-prefix %s?\n",
			rte_errno != 0 ? rte_strerror(rte_errno) : "EAL init failed", prefix);
		return EXIT_USAGE;
	}
	if (rte_eal_process_type() != RTE_PROC_SECONDARY) {
		fprintf(stderr, "hubsec-sactl: must run as --proc-type=secondary\n");
		rte_eal_cleanup();
		return EXIT_USAGE;
	}
	return 0;
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
		return cmd_responder(&r, o);
	if (o->cmd == CMD_EVENTS)
		return cmd_events(&r, o);
	if (o->static_name != NULL) {
		cfg = load_config(o->config);
		if (cfg == NULL)
			return EXIT_USAGE;
		s = find_static(cfg, o->static_name);
		if (s == NULL) {
			fprintf(stderr, "hubsec-sactl: %s has no static SA named '%s'\n", o->config,
				o->static_name);
			hs_config_free(cfg);
			return EXIT_USAGE;
		}
	}
	status = cmd_sa(&r, o, cfg, s);
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
	o.prefix = file_prefix(dashes == 0 ? 1 : dashes, argv);
	status = eal_attach(dashes == 0 ? 1 : dashes, argv, o.prefix);
	if (status != 0)
		return status;
	status = run(&o);
	rte_eal_cleanup();
	return status;
}
