/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hubsec-sactl: SA messages from the command line or the config file's
 * static SAs, sent on the SA ring, answered on the ack ring. Keys are
 * parsed straight into the pool object and never printed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_mempool.h>
#include <rte_ring.h>

#include "sactl.h"

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
		fprintf(stderr,
			"hubsec-sactl: %s: an even number of hex digits, at most %zu bytes\n", what,
			max);
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

const struct hs_config_static_sa *
hs_sactl_find_static(const struct hs_config *cfg, const char *name)
{
	for (unsigned int i = 0; i < cfg->n_static_sas; i++) {
		if (strcmp(cfg->static_sas[i].name, name) == 0)
			return &cfg->static_sas[i];
	}
	return NULL;
}

struct hs_config *
hs_sactl_load_config(const char *path)
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

uint64_t
hs_sactl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t
next_id(void)
{
	struct timespec ts;

	/* pid and the monotonic clock's nanoseconds: one process sends one at a time. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)(getpid() & 0x7fffffff) << 32) |
	       (uint32_t)((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
}

/* Wait for the answer to message id; its result, or -ETIMEDOUT. */
static int
wait_ack(const struct hs_rings *r, uint64_t id, char *err, size_t errlen)
{
	uint64_t deadline = hs_sactl_now_ms() + SACTL_ACK_TIMEOUT_MS;
	int rc;

	while (hs_sactl_now_ms() < deadline) {
		void *obj;
		const struct hs_msg_ack *ack;
		const char *why;

		if (rte_ring_dequeue(r->ack, &obj) != 0) {
			usleep(SACTL_POLL_US);
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
		SACTL_ACK_TIMEOUT_MS);
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
int
hs_sactl_send_sa(const struct hs_rings *r, const struct opts *o, const struct hs_config *cfg,
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
	msg->sa.origin = HS_SA_ORIGIN_MANUAL;
	describe(&msg->sa, what, sizeof(what));
	return send_msg(r, msg, what);
}

