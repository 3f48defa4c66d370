/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKEv2 exchange tests: two engines back to back, messages handed over one
 * at a time by the test, the states of both checked after each (strongSwan's
 * test_ike_rekey.c style). The SA messages the engines hand to "the
 * dataplane" are recorded and acknowledged here, so that the keys each side
 * would install can be compared: A's outbound SA must be B's inbound one,
 * byte for byte.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "ikev2_priv.h"
#include "unit_common.h"

#define QUEUE_MAX 16
#define SAS_MAX 64

struct wire {
	struct hs_ike_path path;
	size_t len;
	uint8_t buf[IKE_BUF_MAX];
};

struct peer {
	const char *name;
	struct hs_config *cfg;
	struct hs_ikev2 *e;
	struct wire out[QUEUE_MAX];
	unsigned int n_out;
	struct hs_msg_sa sas[SAS_MAX]; /* every SA message, in order */
	unsigned int n_sas;
	unsigned int n_acked; /* SA messages answered so far */
	unsigned int coll_lost, coll_won; /* child rekey collisions, from the log */
	bool verbose;
};

static uint64_t now;

static int
io_send(void *ctx, const struct hs_ike_path *path, const uint8_t *msg, size_t len)
{
	struct peer *p = ctx;

	if (p->n_out >= QUEUE_MAX || len > IKE_BUF_MAX)
		return -ENOBUFS;
	p->out[p->n_out].path = *path;
	p->out[p->n_out].len = len;
	memcpy(p->out[p->n_out].buf, msg, len);
	p->n_out++;
	return 0;
}

static int
io_sa(void *ctx, const struct hs_msg_sa *msg)
{
	struct peer *p = ctx;

	if (p->n_sas >= SAS_MAX)
		return -ENOBUFS;
	p->sas[p->n_sas++] = *msg;
	return 0;
}

static void
io_log(void *ctx, enum hs_ikev2_log_level level, const char *line)
{
	struct peer *p = ctx;

	p->coll_lost += strstr(line, "CHILD_SA rekey collision lost") != NULL;
	p->coll_won += strstr(line, "CHILD_SA rekey collision won") != NULL;
	if (p->verbose || getenv("HS_TEST_VERBOSE") != NULL)
		printf("  [%s] %s: %s\n", p->name, hs_ikev2_log_level_name(level), line);
}

static const char cfg_a[] =
	"interfaces:\n"
	"  - {name: in, port: net_null0, role: inside, ipv4: 192.168.1.1/24}\n"
	"  - {name: out, port: net_null1, role: outside, ipv4: 10.0.0.1/24}\n"
	"access-lists:\n"
	"  to-b:\n"
	"    - {action: permit, source: 192.168.1.0/24, destination: 172.16.1.0/24}\n"
	"    - {action: permit, source: 192.168.2.0/24, destination: 172.16.1.0/24}\n"
	"transform-sets:\n"
	"  T1: {esp: [esp-aes 256, esp-sha256-hmac]}\n"
	"  T2: {esp: [esp-gcm 128]}\n"
	"ike-policies:\n"
	"  - {priority: 10, encryption: aes-cbc-256, hash: sha256, group: %s}\n"
	"  - {priority: 20, encryption: aes-gcm-128, hash: sha256, group: 14}\n"
	"crypto-maps:\n"
	"  m:\n"
	"    interface: out\n"
	"    entries:\n"
	"      - {seq: 1, match-address: to-b, peer: 10.0.0.2, transform-sets: [%s],"
	" pfs: group14, child-sa: %s}\n"
	"pre-shared-keys:\n"
	"  - {peer: 10.0.0.2, key: %s}\n";

static const char cfg_b[] =
	"interfaces:\n"
	"  - {name: in, port: net_null0, role: inside, ipv4: 172.16.1.1/24}\n"
	"  - {name: out, port: net_null1, role: outside, ipv4: 10.0.0.2/24}\n"
	"access-lists:\n"
	"  to-a:\n"
	"    - {action: permit, source: 172.16.1.0/24, destination: 192.168.1.0/24}\n"
	"%s"
	"transform-sets:\n"
	"  T1: {esp: [esp-aes 256, esp-sha256-hmac]}\n"
	"  T2: {esp: [esp-gcm 128]}\n"
	"ike-policies:\n"
	"  - {priority: 10, encryption: aes-cbc-256, hash: sha256, group: 14}\n"
	"  - {priority: 20, encryption: aes-gcm-128, hash: sha256, group: 14}\n"
	"crypto-maps:\n"
	"  m:\n"
	"    interface: out\n"
	"    entries:\n"
	"      - {seq: 5, match-address: to-a, peer: 10.0.0.1, transform-sets: [T2, T1],"
	" pfs: group14, child-sa: %s}\n"
	"pre-shared-keys:\n"
	"  - {peer: 10.0.0.1, key: %s}\n";

static const char line2_b[] =
	"    - {action: permit, source: 172.16.1.0/24, destination: 192.168.2.0/24}\n";

struct setup {
	const char *a_group;  /* A's first ike-policy group */
	const char *a_tsets;  /* A's transform sets */
	const char *a_child;  /* per-acl-line | single */
	bool b_line2;	      /* B allows the second subnet pair */
	const char *psk_b;    /* B's key (A's is "secret-one") */
	struct hs_ikev2_opts opts_b;
};

static struct peer A, B;

static void
peer_init(struct peer *p, const char *name, const char *yaml, const struct hs_ikev2_opts *o)
{
	struct hs_config_errors err;
	struct hs_ikev2_io io = { .ctx = p, .send = io_send, .sa = io_sa, .log = io_log };

	memset(p, 0, sizeof(*p));
	p->name = name;
	p->cfg = hs_config_load_buf(name, yaml, strlen(yaml), NULL, &err);
	if (p->cfg == NULL)
		hs_config_errors_print(&err, stdout);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p->cfg);
	p->e = hs_ikev2_new(p->cfg, &io, o);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p->e);
}

static void
setup(const struct setup *s)
{
	char a[4096], b[4096];
	struct hs_ikev2_opts oa = { .log_level = HS_IKEV2_LOG_DEBUG };
	struct hs_ikev2_opts ob = s->opts_b;

	ob.log_level = HS_IKEV2_LOG_DEBUG;
	snprintf(a, sizeof(a), cfg_a, s->a_group ? s->a_group : "14",
		s->a_tsets ? s->a_tsets : "T1", s->a_child ? s->a_child : "per-acl-line",
		"secret-one");
	snprintf(b, sizeof(b), cfg_b, s->b_line2 ? line2_b : "",
		s->a_child ? s->a_child : "per-acl-line", s->psk_b ? s->psk_b : "secret-one");
	now = 1000000;
	peer_init(&A, "A", a, &oa);
	peer_init(&B, "B", b, &ob);
}

static void
teardown(void)
{
	hs_ikev2_free(A.e);
	hs_ikev2_free(B.e);
	hs_config_free(A.cfg);
	hs_config_free(B.cfg);
}

/* Hand the oldest message of from to to (its path seen from the receiver). */
static bool
deliver(struct peer *from, struct peer *to)
{
	struct hs_ike_path p;
	struct wire w;

	if (from->n_out == 0)
		return false;
	w = from->out[0];
	memmove(from->out, from->out + 1, (from->n_out - 1) * sizeof(from->out[0]));
	from->n_out--;
	p.local = w.path.remote;
	p.remote = w.path.local;
	p.lport = w.path.rport;
	p.rport = w.path.lport;
	hs_ikev2_input(to->e, &p, w.buf, w.len, now);
	return true;
}

/* Drop the oldest message of from (lost on the wire). */
static void
lose(struct peer *from)
{
	if (from->n_out > 0) {
		memmove(from->out, from->out + 1, (from->n_out - 1) * sizeof(from->out[0]));
		from->n_out--;
	}
}

/* Acknowledge every SA message not yet answered (the dataplane took it). */
static void
ack_all(struct peer *p)
{
	for (; p->n_acked < p->n_sas; p->n_acked++)
		hs_ikev2_sa_result(p->e, p->sas[p->n_acked].hdr.id, 0, NULL, now);
}

/* Exchange messages until both are quiet (acking SA messages on the way). */
static unsigned int
run(void)
{
	unsigned int n = 0;

	for (int guard = 0; guard < 100; guard++) {
		ack_all(&A);
		ack_all(&B);
		if (deliver(&A, &B) || deliver(&B, &A))
			n++;
		else
			break;
	}
	return n;
}

static struct ike_sa *
only_sa(struct peer *p)
{
	struct ike_sa *sa = p->e->sas;

	return sa;
}

static unsigned int
n_children(struct ike_sa *sa, enum child_state st)
{
	unsigned int n = 0;

	for (struct child_sa *c = sa ? sa->children : NULL; c != NULL; c = c->next)
		n += c->state == st;
	return n;
}

/* The last ADD/REPLACE with this inbound SPI in p's record. */
static const struct hs_msg_sa *
sa_msg_in(const struct peer *p, uint32_t spi_in)
{
	for (int i = (int)p->n_sas - 1; i >= 0; i--)
		if ((p->sas[i].hdr.type == HS_MSG_SA_ADD || p->sas[i].hdr.type == HS_MSG_SA_REPLACE) &&
			p->sas[i].has_in && p->sas[i].in.spi == spi_in)
			return &p->sas[i];
	return NULL;
}

/* The last ADD/REPLACE with this outbound SPI (a rekey's responder sends it apart). */
static const struct hs_msg_sa *
sa_msg_out(const struct peer *p, uint32_t spi_out)
{
	for (int i = (int)p->n_sas - 1; i >= 0; i--)
		if ((p->sas[i].hdr.type == HS_MSG_SA_ADD || p->sas[i].hdr.type == HS_MSG_SA_REPLACE) &&
			p->sas[i].has_out && p->sas[i].out.spi == spi_out)
			return &p->sas[i];
	return NULL;
}

static bool
deleted(const struct peer *p, uint32_t spi, enum hs_sa_dir dir)
{
	for (unsigned int i = 0; i < p->n_sas; i++)
		if (p->sas[i].hdr.type == HS_MSG_SA_DEL && p->sas[i].del_spi == spi &&
			p->sas[i].del_dir == dir)
			return true;
	return false;
}

/* Every child of A has its mirror in B: SPIs crossed, keys equal. */
static void
check_pairs(void)
{
	struct ike_sa *sa = only_sa(&A);

	for (struct child_sa *c = sa->children; c != NULL; c = c->next) {
		const struct hs_msg_sa *ma, *mb, *oa, *ob; /* in and out halves */

		if (c->state != CHILD_INSTALLED)
			continue;
		ma = sa_msg_in(&A, c->spi_in);
		oa = sa_msg_out(&A, c->spi_out);
		mb = sa_msg_in(&B, c->spi_out);
		ob = sa_msg_out(&B, c->spi_in);
		CU_ASSERT_PTR_NOT_NULL_FATAL(ma);
		CU_ASSERT_PTR_NOT_NULL_FATAL(oa);
		CU_ASSERT_PTR_NOT_NULL_FATAL(mb);
		CU_ASSERT_PTR_NOT_NULL_FATAL(ob);
		CU_ASSERT_EQUAL(oa->out.enc_key_len, mb->in.enc_key_len);
		CU_ASSERT_EQUAL(memcmp(oa->out.enc_key, mb->in.enc_key, oa->out.enc_key_len), 0);
		CU_ASSERT_EQUAL(memcmp(ma->in.enc_key, ob->out.enc_key, ma->in.enc_key_len), 0);
		CU_ASSERT_EQUAL(oa->out.auth_key_len, mb->in.auth_key_len);
		CU_ASSERT_EQUAL(memcmp(oa->out.auth_key, mb->in.auth_key, oa->out.auth_key_len), 0);
		CU_ASSERT_EQUAL(memcmp(ma->in.auth_key, ob->out.auth_key, ma->in.auth_key_len), 0);
		CU_ASSERT_EQUAL(ma->origin, HS_SA_ORIGIN_IKEV2);
		CU_ASSERT_EQUAL(oa->out.cipher, mb->in.cipher);
		CU_ASSERT_EQUAL(oa->out.tun_dst.v4[3], 2);
		CU_ASSERT_EQUAL(ob->out.tun_dst.v4[3], 1);
	}
}

/* Message by message: IKE_SA_INIT, IKE_AUTH with line 1, CREATE_CHILD_SA for line 2. */
static void
establish(void)
{
	struct ike_sa *a, *b;

	CU_ASSERT_EQUAL_FATAL(hs_ikev2_initiate(A.e, "m", 1, now), 0);
	a = only_sa(&A);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_EQUAL(a->state, IKE_CONNECTING);
	CU_ASSERT_EQUAL(A.n_out, 1);
	CU_ASSERT_TRUE(deliver(&A, &B)); /* IKE_SA_INIT request */
	b = only_sa(&B);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_EQUAL(b->state, IKE_CONNECTING);
	CU_ASSERT_FALSE(b->initiator);
	CU_ASSERT_EQUAL(B.e->n_half_open, 1);
	CU_ASSERT_TRUE(deliver(&B, &A)); /* IKE_SA_INIT response; A sends IKE_AUTH */
	CU_ASSERT_TRUE(a->keyed);
	CU_ASSERT_EQUAL(a->spi_r, b->spi_r);
	CU_ASSERT_EQUAL(memcmp(a->keys.sk_d, b->keys.sk_d, a->keys.prf_len), 0);
	CU_ASSERT_EQUAL(A.n_out, 1);
	CU_ASSERT_TRUE(deliver(&A, &B)); /* IKE_AUTH request */
	CU_ASSERT_EQUAL(b->state, IKE_ESTABLISHED);
	CU_ASSERT_EQUAL(B.e->n_half_open, 0);
	CU_ASSERT_EQUAL(n_children(b, CHILD_INSTALLING), 1);
	ack_all(&B);
	CU_ASSERT_EQUAL(n_children(b, CHILD_INSTALLED), 1);
	CU_ASSERT_TRUE(deliver(&B, &A)); /* IKE_AUTH response */
	CU_ASSERT_EQUAL(a->state, IKE_ESTABLISHED);
	CU_ASSERT_EQUAL(n_children(a, CHILD_INSTALLING), 1);
	ack_all(&A);
	CU_ASSERT_EQUAL(n_children(a, CHILD_INSTALLED), 1);
	CU_ASSERT_EQUAL(hs_ikev2_counter(A.e, HS_IKEV2_C_IKE_UP), 1);
	CU_ASSERT_EQUAL(hs_ikev2_counter(B.e, HS_IKEV2_C_IKE_UP), 1);
}

static void
test_establish_per_line(void)
{
	struct setup s = { .b_line2 = true };
	struct ike_sa *a, *b;

	setup(&s);
	establish();
	a = only_sa(&A);
	b = only_sa(&B);
	/* Line 2 comes with a CREATE_CHILD_SA of its own, with PFS (§1.3.1). */
	CU_ASSERT_EQUAL(A.n_out, 1);
	run();
	CU_ASSERT_EQUAL(n_children(a, CHILD_INSTALLED), 2);
	CU_ASSERT_EQUAL(n_children(b, CHILD_INSTALLED), 2);
	for (struct child_sa *c = a->children; c != NULL; c = c->next) {
		CU_ASSERT_EQUAL(c->cfg.entry->seq, 1);
		CU_ASSERT_TRUE(c->cfg.acl_line == 1 || c->cfg.acl_line == 2);
		CU_ASSERT_EQUAL(c->pfs_group, c->cfg.acl_line == 2 ? 14 : 0);
		CU_ASSERT_EQUAL(c->ts_local.n, 1);
	}
	for (struct child_sa *c = b->children; c != NULL; c = c->next)
		CU_ASSERT_EQUAL(c->cfg.entry->seq, 5);
	check_pairs();
	/* The dataplane gets one message per child, per line, with selectors. */
	CU_ASSERT_EQUAL(A.sas[0].hdr.type, HS_MSG_SA_ADD);
	CU_ASSERT_EQUAL(A.sas[0].acl_line, 1);
	CU_ASSERT_EQUAL(A.sas[0].n_ts, 1);
	CU_ASSERT_EQUAL(A.sas[0].ts[0].local.len, 24);
	CU_ASSERT_EQUAL(A.sas[0].ts[0].remote.addr.v4[0], 172);
	CU_ASSERT_STRING_EQUAL(A.sas[0].map, "m");
	/* Show commands. */
	{
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		CU_ASSERT_EQUAL(hs_ikev2_command(A.e, "show crypto isakmp sa", f, now), 0);
		CU_ASSERT_EQUAL(hs_ikev2_command(A.e, "ike-sa-up 10.0.0.2", f, now), 0);
		CU_ASSERT_EQUAL(hs_ikev2_command(A.e, "ike-sa-up 10.0.0.9", f, now), 1);
		CU_ASSERT_EQUAL(hs_ikev2_command(A.e, "bogus words", f, now), 2);
		fclose(f);
		CU_ASSERT_PTR_NOT_NULL(strstr(buf, "READY    INITIATOR"));
		CU_ASSERT_PTR_NOT_NULL(strstr(buf, "Encr: AES-CBC, keysize: 256, Hash: SHA256, DH Grp:14"));
		CU_ASSERT_PTR_NOT_NULL(strstr(buf, "local selector  192.168.1.0/0 - 192.168.1.255/65535"));
		CU_ASSERT_PTR_NULL(strstr(buf, "secret-one"));
		free(buf);
	}
	teardown();
}

/* B allows only line 1: A asked for both lines in one child and gets line 1. */
static void
test_narrowing(void)
{
	struct setup s = { .a_child = "single", .b_line2 = false };
	struct ike_sa *a;

	setup(&s);
	establish();
	run();
	a = only_sa(&A);
	CU_ASSERT_EQUAL(n_children(a, CHILD_INSTALLED), 1);
	CU_ASSERT_EQUAL(a->children->cfg.acl_line, 1);
	CU_ASSERT_EQUAL(a->children->ts_local.n, 1);
	CU_ASSERT_EQUAL(a->children->ts_local.ts[0].start.v4[2], 1);
	/* Line 2 was asked for on its own and refused by B: counted, IKE SA kept. */
	CU_ASSERT_EQUAL(hs_ikev2_counter(A.e, HS_IKEV2_C_CHILD_FAILED), 1);
	CU_ASSERT_EQUAL(hs_ikev2_counter(B.e, HS_IKEV2_C_CHILD_FAILED), 1);
	CU_ASSERT_EQUAL(a->state, IKE_ESTABLISHED);
	check_pairs();
	teardown();
}

/* With both lines allowed, single mode gives one child covering both (Meraki). */
static void
test_single_child(void)
{
	struct setup s = { .a_child = "single", .b_line2 = true, .a_tsets = "T2" };
	struct ike_sa *a;

	setup(&s);
	establish();
	run();
	a = only_sa(&A);
	CU_ASSERT_EQUAL(n_children(a, CHILD_INSTALLED), 1);
	CU_ASSERT_EQUAL(a->children->cfg.acl_line, 0);
	CU_ASSERT_EQUAL(a->children->ts_local.n, 2);
	CU_ASSERT_EQUAL(a->children->esp.encr, HS_IKE_ENCR_AES_GCM_16);
	CU_ASSERT_EQUAL(A.sas[0].n_ts, 2);
	check_pairs();
	teardown();
}

static void
test_child_rekey(void)
{
	struct setup s = { .b_line2 = true };
	struct hs_msg_event ev = { .kind = HS_SA_EV_SOFT_LIMIT, .dir = HS_SA_OUT };
	struct ike_sa *a, *b;
	uint32_t old_in, old_out;
	unsigned int n_b;
	struct child_sa *c;

	setup(&s);
	establish();
	run();
	a = only_sa(&A);
	b = only_sa(&B);
	c = a->children;
	old_in = c->spi_in;
	old_out = c->spi_out;
	ev.spi = old_out;
	hs_ikev2_event(A.e, &ev, now);
	CU_ASSERT_EQUAL(c->state, CHILD_REKEYING);
	CU_ASSERT_EQUAL(A.n_out, 1);
	CU_ASSERT_TRUE(deliver(&A, &B)); /* CREATE_CHILD_SA with REKEY_SA */
	ack_all(&B);
	CU_ASSERT_EQUAL(n_children(b, CHILD_REKEYED), 1);
	/*
	 * The responder installs its new inbound SA only: its outbound traffic
	 * moves when A deletes the old pair, once A has the new inbound SA.
	 */
	CU_ASSERT_EQUAL(B.sas[B.n_sas - 1].hdr.type, HS_MSG_SA_ADD);
	CU_ASSERT_TRUE(B.sas[B.n_sas - 1].has_in);
	CU_ASSERT_FALSE(B.sas[B.n_sas - 1].has_out);
	n_b = B.n_sas;
	CU_ASSERT_TRUE(deliver(&B, &A));
	ack_all(&A);
	CU_ASSERT_EQUAL(A.sas[A.n_sas - 1].hdr.type, HS_MSG_SA_REPLACE);
	CU_ASSERT_EQUAL(A.sas[A.n_sas - 1].del_spi, old_out);
	CU_ASSERT_EQUAL(A.sas[A.n_sas - 1].pfs_group, 14);
	/* Make-before-break: the old pair is still there until the delete. */
	CU_ASSERT_FALSE(deleted(&A, old_in, HS_SA_IN));
	CU_ASSERT_EQUAL(B.n_sas, n_b);
	CU_ASSERT_TRUE(deliver(&A, &B)); /* INFORMATIONAL delete of the old pair */
	/* Now B's outbound swap (REPLACE of its old outbound SA), then the old inbound goes. */
	CU_ASSERT_EQUAL_FATAL(B.n_sas, n_b + 2);
	CU_ASSERT_EQUAL(B.sas[n_b].hdr.type, HS_MSG_SA_REPLACE);
	CU_ASSERT_FALSE(B.sas[n_b].has_in);
	CU_ASSERT_TRUE(B.sas[n_b].has_out);
	CU_ASSERT_EQUAL(B.sas[n_b].del_spi, old_in); /* B's old outbound */
	CU_ASSERT_EQUAL(B.sas[n_b].pfs_group, 14);
	CU_ASSERT_EQUAL(B.sas[n_b + 1].hdr.type, HS_MSG_SA_DEL);
	CU_ASSERT_TRUE(deleted(&B, old_out, HS_SA_IN));
	CU_ASSERT_FALSE(deleted(&B, old_in, HS_SA_OUT)); /* replaced, not deleted */
	CU_ASSERT_TRUE(deliver(&B, &A));
	CU_ASSERT_TRUE(deleted(&A, old_in, HS_SA_IN));
	CU_ASSERT_EQUAL(n_children(a, CHILD_INSTALLED), 2);
	CU_ASSERT_EQUAL(n_children(b, CHILD_INSTALLED), 2);
	CU_ASSERT_EQUAL(n_children(a, CHILD_REKEYED), 0);
	CU_ASSERT_EQUAL(hs_ikev2_counter(A.e, HS_IKEV2_C_CHILD_REKEYED), 1);
	check_pairs();
	teardown();
}

static void
test_ike_rekey(void)
{
	struct setup s = { .b_line2 = true };
	struct ike_sa *a, *b, *na, *nb;
	uint64_t old_spi;

	setup(&s);
	establish();
	run();
	a = only_sa(&A);
	b = only_sa(&B);
	old_spi = a->spi_i;
	a->rekey_ms = now;
	hs_ikev2_tick(A.e, now);
	CU_ASSERT_EQUAL(a->state, IKE_REKEYING);
	CU_ASSERT_TRUE(deliver(&A, &B));
	CU_ASSERT_EQUAL(b->state, IKE_REKEYED);
	nb = B.e->sas;
	CU_ASSERT_NOT_EQUAL(nb, b);
	CU_ASSERT_EQUAL(nb->state, IKE_ESTABLISHED);
	CU_ASSERT_EQUAL(n_children(nb, CHILD_INSTALLED), 2);
	CU_ASSERT_TRUE(deliver(&B, &A));
	na = NULL;
	for (struct ike_sa *x = A.e->sas; x != NULL; x = x->next)
		if (x != a)
			na = x;
	CU_ASSERT_PTR_NOT_NULL_FATAL(na);
	CU_ASSERT_EQUAL(na->state, IKE_ESTABLISHED);
	CU_ASSERT_EQUAL(a->state, IKE_REKEYED);
	CU_ASSERT_NOT_EQUAL(na->spi_i, old_spi);
	CU_ASSERT_EQUAL(na->spi_i, nb->spi_i);
	CU_ASSERT_EQUAL(na->spi_r, nb->spi_r);
	CU_ASSERT_EQUAL(memcmp(na->keys.sk_ei, nb->keys.sk_ei, na->keys.encr_len), 0);
	CU_ASSERT_EQUAL(n_children(na, CHILD_INSTALLED), 2);
	run(); /* the old IKE SA's delete */
	CU_ASSERT_EQUAL(A.e->n_sas, 1);
	CU_ASSERT_EQUAL(B.e->n_sas, 1);
	/* No child SA was deleted from the dataplane. */
	for (unsigned int i = 0; i < A.n_sas; i++)
		CU_ASSERT_NOT_EQUAL(A.sas[i].hdr.type, HS_MSG_SA_DEL);
	for (unsigned int i = 0; i < B.n_sas; i++)
		CU_ASSERT_NOT_EQUAL(B.sas[i].hdr.type, HS_MSG_SA_DEL);
	/* The new IKE SA works: a child rekey over it. */
	struct hs_msg_event ev = { .kind = HS_SA_EV_SOFT_LIMIT, .dir = HS_SA_IN,
		.spi = A.e->sas->children->spi_in };

	hs_ikev2_event(A.e, &ev, now);
	run();
	CU_ASSERT_EQUAL(hs_ikev2_counter(A.e, HS_IKEV2_C_CHILD_REKEYED), 1);
	CU_ASSERT_EQUAL(hs_ikev2_counter(B.e, HS_IKEV2_C_CHILD_REKEYED), 1);
	teardown();
}

static void
test_dpd_dead_peer(void)
{
	struct setup s = { .b_line2 = true };
	struct ike_sa *a;
	unsigned int sent = 0;

	setup(&s);
	establish();
	run();
	a = only_sa(&A);
	/* Quiet for longer than the DPD interval: a liveness check, answered. */
	now += 31000;
	hs_ikev2_tick(A.e, now);
	CU_ASSERT_EQUAL(A.n_out, 1);
	run();
	CU_ASSERT_EQUAL(a->state, IKE_ESTABLISHED);
	/* B dies: the checks go unanswered; after the retransmissions A gives up. */
	now += 31000;
	for (int i = 0; i < 200 && A.e->n_sas > 0; i++) {
		hs_ikev2_tick(A.e, now);
		while (A.n_out > 0) {
			lose(&A);
			sent++;
		}
		now += 1000;
	}
	CU_ASSERT_EQUAL(A.e->n_sas, 0);
	CU_ASSERT_EQUAL(sent, 6);
	CU_ASSERT_EQUAL(hs_ikev2_counter(A.e, HS_IKEV2_C_DPD_DEAD), 1);
	CU_ASSERT_EQUAL(hs_ikev2_counter(A.e, HS_IKEV2_C_TX_RETRANSMIT), 5);
	/* Both children removed from the dataplane, both directions. */
	unsigned int dels = 0;

	for (unsigned int i = 0; i < A.n_sas; i++)
		dels += A.sas[i].hdr.type == HS_MSG_SA_DEL;
	CU_ASSERT_EQUAL(dels, 4);
	teardown();
}

static void
test_retransmit_and_duplicate(void)
{
	struct setup s = { .b_line2 = true };
	struct wire copy;

	setup(&s);
	CU_ASSERT_EQUAL(hs_ikev2_initiate(A.e, "m", 1, now), 0);
	lose(&A); /* the first IKE_SA_INIT is lost */
	now += 600;
	hs_ikev2_tick(A.e, now);
	CU_ASSERT_EQUAL(A.n_out, 1);
	CU_ASSERT_TRUE(deliver(&A, &B));
	CU_ASSERT_TRUE(deliver(&B, &A));
	/* IKE_AUTH request delivered twice: B answers the copy from its cache. */
	copy = A.out[0];
	CU_ASSERT_TRUE(deliver(&A, &B));
	A.out[A.n_out++] = copy;
	CU_ASSERT_TRUE(deliver(&A, &B));
	CU_ASSERT_EQUAL(B.n_out, 2);
	CU_ASSERT_EQUAL(B.out[0].len, B.out[1].len);
	CU_ASSERT_EQUAL(memcmp(B.out[0].buf, B.out[1].buf, B.out[0].len), 0);
	CU_ASSERT_EQUAL(hs_ikev2_counter(B.e, HS_IKEV2_C_RX_RETRANSMIT), 1);
	CU_ASSERT_EQUAL(hs_ikev2_counter(B.e, HS_IKEV2_C_CHILD_UP), 1);
	run(); /* A takes the first response, the second is a stray */
	CU_ASSERT_EQUAL(only_sa(&A)->state, IKE_ESTABLISHED);
	CU_ASSERT_EQUAL(hs_ikev2_counter(A.e, HS_IKEV2_C_RX_UNEXPECTED), 1);
	teardown();
}

static void
test_bad_psk(void)
{
	struct setup s = { .b_line2 = true, .psk_b = "secret-two" };

	setup(&s);
	CU_ASSERT_EQUAL(hs_ikev2_initiate(A.e, "m", 1, now), 0);
	run();
	CU_ASSERT_EQUAL(A.e->n_sas, 0);
	CU_ASSERT_EQUAL(B.e->n_sas, 0);
	CU_ASSERT_EQUAL(hs_ikev2_counter(A.e, HS_IKEV2_C_IKE_FAILED), 1);
	CU_ASSERT_EQUAL(hs_ikev2_counter(B.e, HS_IKEV2_C_IKE_FAILED), 1);
	CU_ASSERT_EQUAL(A.n_sas, 0);
	CU_ASSERT_EQUAL(B.n_sas, 0);
	teardown();
}

/* A's first policy is DH 19, B has only 14: INVALID_KE_PAYLOAD, then 14 (§1.3). */
static void
test_invalid_ke(void)
{
	struct setup s = { .a_group = "19", .b_line2 = true };

	setup(&s);
	CU_ASSERT_EQUAL(hs_ikev2_initiate(A.e, "m", 1, now), 0);
	run();
	CU_ASSERT_EQUAL_FATAL(A.e->n_sas, 1);
	CU_ASSERT_EQUAL(only_sa(&A)->state, IKE_ESTABLISHED);
	CU_ASSERT_EQUAL(only_sa(&A)->dh_group, 14);
	/* B keeps no state for the refused attempt. */
	CU_ASSERT_EQUAL(B.e->n_sas, 1);
	teardown();
}

/* Under load B asks for a cookie; A repeats IKE_SA_INIT with it (§2.6). */
static void
test_cookie(void)
{
	struct setup s = { .b_line2 = true, .opts_b = { .half_open_cookie = 1 } };
	struct hs_ike_path p = { .lport = 500, .rport = 500 };
	struct wire w;

	setup(&s);
	CU_ASSERT_EQUAL(hs_ikev2_initiate(A.e, "m", 1, now), 0);
	w = A.out[0];
	/* Another initiator (same bytes, other address) leaves a half-open SA on B. */
	hs_addr_parse("10.0.0.2", &p.local);
	hs_addr_parse("10.0.0.77", &p.remote);
	hs_ikev2_input(B.e, &p, w.buf, w.len, now);
	CU_ASSERT_EQUAL(B.e->n_half_open, 1);
	B.n_out = 0;
	CU_ASSERT_TRUE(deliver(&A, &B));
	CU_ASSERT_EQUAL(hs_ikev2_counter(B.e, HS_IKEV2_C_COOKIES), 1);
	CU_ASSERT_EQUAL(B.e->n_half_open, 1);
	run();
	CU_ASSERT_EQUAL(only_sa(&A)->state, IKE_ESTABLISHED);
	CU_ASSERT_EQUAL(only_sa(&A)->cookie_len, 32);
	teardown();
}

static void
test_delete_ike(void)
{
	struct setup s = { .b_line2 = true };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	setup(&s);
	establish();
	run();
	f = open_memstream(&buf, &len);
	CU_ASSERT_EQUAL(hs_ikev2_command(A.e, "clear crypto isakmp sa", f, now), 0);
	fclose(f);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "1 IKE SA cleared"));
	free(buf);
	run();
	CU_ASSERT_EQUAL(A.e->n_sas, 0);
	CU_ASSERT_EQUAL(B.e->n_sas, 0);
	for (struct peer *p = &A; p != NULL; p = p == &A ? &B : NULL) {
		unsigned int dels = 0;

		for (unsigned int i = 0; i < p->n_sas; i++)
			dels += p->sas[i].hdr.type == HS_MSG_SA_DEL;
		CU_ASSERT_EQUAL(dels, 4);
	}
	teardown();
}

/* A restarts: the dataplane kept A's SAs; A negotiates successors and replaces them. */
static void
test_restart_resync(void)
{
	struct setup s = { .b_line2 = true };
	struct hs_ikev2_kept kept[8];
	struct hs_ikev2_io io = { .ctx = &A, .send = io_send, .sa = io_sa, .log = io_log };
	unsigned int n = 0, first_new;

	setup(&s);
	establish();
	run();
	CU_ASSERT_EQUAL_FATAL(A.n_sas, 2);
	for (unsigned int i = 0; i < A.n_sas; i++) {
		const struct hs_msg_sa *m = &A.sas[i];

		for (int d = 0; d < 2; d++) {
			struct hs_ikev2_kept *k = &kept[n++];

			memset(k, 0, sizeof(*k));
			memcpy(k->map, m->map, sizeof(k->map));
			k->seq = m->seq;
			k->acl_line = m->acl_line;
			k->peer = m->peer;
			k->dir = d == 0 ? HS_SA_IN : HS_SA_OUT;
			k->spi = d == 0 ? m->in.spi : m->out.spi;
		}
	}
	hs_ikev2_free(A.e); /* killed: no messages, nothing deleted */
	A.e = hs_ikev2_new(A.cfg, &io, NULL);
	A.n_out = 0;
	first_new = A.n_sas;
	hs_ikev2_resync(A.e, kept, n, now);
	run();
	CU_ASSERT_EQUAL_FATAL(A.e->n_sas, 1);
	CU_ASSERT_EQUAL(only_sa(&A)->state, IKE_ESTABLISHED);
	CU_ASSERT_EQUAL(n_children(only_sa(&A), CHILD_INSTALLED), 2);
	/* No INITIAL_CONTACT: B keeps the old IKE SA for the grace time. */
	CU_ASSERT_EQUAL(B.e->n_sas, 2);
	/* Each new pair replaced a kept outbound SA in one store. */
	for (unsigned int i = first_new; i < A.n_sas; i++) {
		CU_ASSERT_EQUAL(A.sas[i].hdr.type, HS_MSG_SA_REPLACE);
		CU_ASSERT_TRUE(A.sas[i].del_spi == kept[1].spi || A.sas[i].del_spi == kept[3].spi);
	}
	CU_ASSERT_FALSE(deleted(&A, kept[0].spi, HS_SA_IN));
	now += IKE_KEPT_GRACE_MS + 1;
	hs_ikev2_tick(A.e, now);
	for (unsigned int i = 0; i < n; i++)
		CU_ASSERT_TRUE(deleted(&A, kept[i].spi, kept[i].dir));
	CU_ASSERT_EQUAL(A.e->n_kept, 0);
	/* Then B drops the old IKE SA the new one duplicates, with its SAs, telling no one. */
	hs_ikev2_tick(B.e, now);
	CU_ASSERT_EQUAL(B.e->n_sas, 1);
	CU_ASSERT_EQUAL(B.n_out, 0);
	for (unsigned int i = 0; i < n; i += 2) {
		CU_ASSERT_TRUE(deleted(&B, kept[i].spi, HS_SA_OUT)); /* A's old inbound */
		CU_ASSERT_TRUE(deleted(&B, kept[i + 1].spi, HS_SA_IN));
	}
	check_pairs();
	teardown();
}

/* A peer that really restarted says INITIAL_CONTACT: its old IKE SA goes at once (§2.4). */
static void
test_initial_contact(void)
{
	struct setup s = { .b_line2 = true };
	struct hs_ikev2_io io = { .ctx = &A, .send = io_send, .sa = io_sa, .log = io_log };
	uint32_t old_in[2], old_out[2];
	unsigned int k = 0;

	setup(&s);
	establish();
	run();
	for (struct child_sa *c = only_sa(&B)->children; c != NULL && k < 2; c = c->next, k++)
		old_in[k] = c->spi_in, old_out[k] = c->spi_out;
	CU_ASSERT_EQUAL_FATAL(k, 2);
	hs_ikev2_free(A.e); /* rebooted: its SAs are gone, the dataplane's too */
	A.e = hs_ikev2_new(A.cfg, &io, NULL);
	A.n_out = 0;
	CU_ASSERT_EQUAL_FATAL(hs_ikev2_initiate(A.e, "m", 1, now), 0);
	run();
	CU_ASSERT_EQUAL(B.e->n_sas, 1);
	CU_ASSERT_EQUAL(only_sa(&B)->state, IKE_ESTABLISHED);
	CU_ASSERT_EQUAL(n_children(only_sa(&B), CHILD_INSTALLED), 2);
	for (k = 0; k < 2; k++) {
		CU_ASSERT_TRUE(deleted(&B, old_in[k], HS_SA_IN));
		CU_ASSERT_TRUE(deleted(&B, old_out[k], HS_SA_OUT));
	}
	check_pairs();
	teardown();
}

/* Garbage, truncations and bit flips of real messages: counted, never a crash. */
static void
test_malformed(void)
{
	struct setup s = { .b_line2 = true };
	struct hs_ike_path p = { .lport = 500, .rport = 500 };
	uint8_t buf[IKE_BUF_MAX];
	struct wire w;
	uint32_t seed = 7;

	setup(&s);
	hs_addr_parse("10.0.0.2", &p.local);
	hs_addr_parse("10.0.0.1", &p.remote);
	CU_ASSERT_EQUAL(hs_ikev2_initiate(A.e, "m", 1, now), 0);
	w = A.out[0];
	for (size_t cut = 0; cut < w.len; cut += 3)
		hs_ikev2_input(B.e, &p, w.buf, cut, now);
	for (int i = 0; i < 2000; i++) {
		memcpy(buf, w.buf, w.len);
		seed = seed * 1103515245 + 12345;
		buf[(seed >> 8) % w.len] ^= (uint8_t)(1u << ((seed >> 4) & 7));
		hs_ikev2_input(B.e, &p, buf, w.len, now);
	}
	CU_ASSERT_TRUE(hs_ikev2_counter(B.e, HS_IKEV2_C_RX_MALFORMED) > 0);
	/* B still works: a fresh negotiation from A succeeds. */
	hs_ikev2_free(B.e);
	{
		struct hs_ikev2_io io = { .ctx = &B, .send = io_send, .sa = io_sa, .log = io_log };

		B.e = hs_ikev2_new(B.cfg, &io, NULL);
		B.n_out = 0;
	}
	run();
	CU_ASSERT_EQUAL(only_sa(&A)->state, IKE_ESTABLISHED);
	teardown();
}

/* The one ESTABLISHED IKE SA of p; NULL when there is none or more than one. */
static struct ike_sa *
up_sa(struct peer *p)
{
	struct ike_sa *up = NULL;

	for (struct ike_sa *x = p->e->sas; x != NULL; x = x->next)
		if (x->state == IKE_ESTABLISHED) {
			if (up != NULL)
				return NULL;
			up = x;
		}
	return up;
}

/* ---- certificates (a PKI from tests/tools/mkcerts.sh) ---- */

/* One side's certificate settings; cert NULL: pre-shared keys. */
struct cert_side {
	const char *cert;     /* mkcerts name: "site1-ec" */
	const char *auth;     /* ecdsa-sig | rsa-sig */
	const char *identity; /* dn | fqdn | email | address */
	const char *peer_id;  /* the entry's peer-identity, or NULL */
	bool also_psk;	      /* a pre-share policy with the same algorithms comes first */
};

/* text with the first "from" replaced by "to" into out. */
static void
replace1(char *out, size_t cap, const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);

	CU_ASSERT_PTR_NOT_NULL_FATAL(at);
	snprintf(out, cap, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
}

static void
with_cert(char *yaml, size_t cap, const struct cert_side *c, const char *entry_end)
{
	const char *dir = hs_test_pki_dir();
	char tmp[8192], line[256];

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	if (c->cert != NULL) {
		if (c->also_psk)
			snprintf(line, sizeof(line), "group: 14}\n  - {priority: 15, encryption: "
				"aes-cbc-256, hash: sha256, group: 14, authentication: %s}\n"
				"  - {priority: 20", c->auth);
		else
			snprintf(line, sizeof(line), "group: 14, authentication: %s}\n"
				"  - {priority: 20", c->auth);
		replace1(tmp, sizeof(tmp), yaml, "group: 14}\n  - {priority: 20", line);
		int n = snprintf(yaml, cap, "%spki:\n  certificate: %s/%s.pem\n  private-key: "
			"%s/%s.key\n  ca-certificates: %s/ca.pem\n  identity: %s\n", tmp, dir, c->cert,
			dir, c->cert, dir, c->identity ? c->identity : "dn");

		CU_ASSERT_TRUE_FATAL(n > 0 && (size_t)n < cap);
	}
	if (c->peer_id != NULL) {
		snprintf(line, sizeof(line), "%s, peer-identity: \"%s\"}\n", entry_end, c->peer_id);
		snprintf(tmp, sizeof(tmp), "%s}\n", entry_end);
		memcpy(tmp + 4096, yaml, strlen(yaml) + 1);
		replace1(yaml, cap, tmp + 4096, tmp, line);
	}
}

static void
setup_certs(const struct cert_side *a, const struct cert_side *b)
{
	char ya[8192], yb[8192];
	struct hs_ikev2_opts o = { .log_level = HS_IKEV2_LOG_DEBUG };

	snprintf(ya, sizeof(ya), cfg_a, "14", "T1", "per-acl-line", "secret-one");
	snprintf(yb, sizeof(yb), cfg_b, line2_b, "per-acl-line", "secret-one");
	with_cert(ya, sizeof(ya), a, "child-sa: per-acl-line");
	with_cert(yb, sizeof(yb), b, "child-sa: per-acl-line");
	now = 1000000;
	peer_init(&A, "A", ya, &o);
	peer_init(&B, "B", yb, &o);
}

/* Whether any CERT/CERTREQ payload went out in p's queued messages is not visible
 * (encrypted); the established SAs and the peers' IDs say what was used. */
static void
expect_up(const char *a_sees, const char *b_sees)
{
	struct ike_sa *a, *b;

	CU_ASSERT_EQUAL_FATAL(hs_ikev2_initiate(A.e, "m", 1, now), 0);
	run();
	a = up_sa(&A);
	b = up_sa(&B);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_TRUE(auth_by_cert(a) && auth_by_cert(b));
	CU_ASSERT_STRING_EQUAL(a->peer_id, a_sees);
	CU_ASSERT_STRING_EQUAL(b->peer_id, b_sees);
	CU_ASSERT_EQUAL(n_children(a, CHILD_INSTALLED), 2);
	check_pairs();
}

/* The exchange fails: no IKE SA up on either side. */
static void
expect_refused(void)
{
	CU_ASSERT_EQUAL_FATAL(hs_ikev2_initiate(A.e, "m", 1, now), 0);
	run();
	CU_ASSERT_PTR_NULL(up_sa(&A));
	CU_ASSERT_PTR_NULL(up_sa(&B));
	CU_ASSERT_EQUAL(hs_ikev2_counter(A.e, HS_IKEV2_C_IKE_UP), 0);
}

static void
test_certs_ecdsa(void)
{
	const struct cert_side a = { "site1-ec", "ecdsa-sig", "dn", "dn:C=CH, O=hubsec test, "
								  "CN=site2.hubsec.test", false };
	const struct cert_side b = { "site2-ec", "ecdsa-sig", "dn",
		"dn:/C=CH/O=hubsec test/CN=site1.hubsec.test", false };

	setup_certs(&a, &b);
	expect_up("C=CH, O=hubsec test, CN=site2.hubsec.test",
		"C=CH, O=hubsec test, CN=site1.hubsec.test");
	/* An IKE SA rekey keeps the authentication (no AUTH again, §2.18). */
	{
		FILE *devnull = fopen("/dev/null", "w");

		CU_ASSERT_EQUAL(hs_ikev2_command(A.e, "rekey ike-sa 10.0.0.2", devnull, now), 0);
		fclose(devnull);
	}
	run();
	CU_ASSERT_TRUE(up_sa(&A) != NULL && auth_by_cert(up_sa(&A)));
	teardown();
}

/* A responder without RFC 7427 from the peer signs with RFC 4754 ECDSA (method 9). */
static void
test_certs_rfc4754(void)
{
	const struct cert_side a = { "site1-ec", "ecdsa-sig", "dn", NULL, false };
	const struct cert_side b = { "site2-ec", "ecdsa-sig", "fqdn", NULL, false };

	setup_certs(&a, &b);
	CU_ASSERT_EQUAL_FATAL(hs_ikev2_initiate(A.e, "m", 1, now), 0);
	CU_ASSERT_TRUE(deliver(&A, &B)); /* IKE_SA_INIT request */
	CU_ASSERT_PTR_NOT_NULL_FATAL(only_sa(&B));
	CU_ASSERT_NOT_EQUAL(only_sa(&B)->sig_hashes, 0);
	only_sa(&B)->sig_hashes = 0; /* as if A had not announced RFC 7427 */
	run();
	CU_ASSERT_PTR_NOT_NULL_FATAL(up_sa(&A));
	CU_ASSERT_PTR_NOT_NULL_FATAL(up_sa(&B));
	CU_ASSERT_STRING_EQUAL(up_sa(&A)->peer_id, "site2.hubsec.test");
	CU_ASSERT_STRING_EQUAL(up_sa(&A)->peer_auth, "ECDSA");
	check_pairs();
	teardown();
}

/* One malformed CERT/AUTH case for pki_verify(): refused with a reason containing want. */
static void
pki_refuses(struct ike_sa *sa, const uint8_t *cert, size_t cert_len, const char *id,
	uint8_t method, const uint8_t *auth, size_t auth_len, const char *want)
{
	static const uint8_t octets[64] = { 1 };
	struct hs_ike_msg m;
	struct hs_ike_pl idp = { .type = HS_IKE_PL_IDI }, authp = { .type = HS_IKE_PL_AUTH };
	char why[256] = "";

	hs_ike_msg_init(&m, &(struct hs_ike_hdr){ .exchange = HS_IKE_AUTH });
	if (cert != NULL) {
		struct hs_ike_pl *c = hs_ike_msg_add(&m, HS_IKE_PL_CERT);

		CU_ASSERT_PTR_NOT_NULL_FATAL(c);
		c->u.cert.type = HS_IKE_CERT_X509_SIG;
		c->u.cert.data = cert;
		c->u.cert.len = (uint16_t)cert_len;
	}
	idp.u.id.type = HS_IKE_ID_FQDN;
	idp.u.id.data = (const uint8_t *)id;
	idp.u.id.len = (uint16_t)strlen(id);
	snprintf(sa->peer_id, sizeof(sa->peer_id), "%s", id);
	authp.u.auth.type = method;
	authp.u.auth.data = auth;
	authp.u.auth.len = (uint16_t)auth_len;
	CU_ASSERT_EQUAL(pki_verify(sa, &m, &idp, &authp, octets, sizeof(octets), why, sizeof(why)),
		-EACCES);
	if (strstr(why, want) == NULL)
		fprintf(stderr, "\nwanted \"%s\", got \"%s\"\n", want, why);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, want));
}

/* Malformed certificates and AUTH data from a peer: refused with a reason, no crash. */
static void
test_certs_malformed(void)
{
	const struct cert_side a = { "site1-ec", "ecdsa-sig", "dn", NULL, false };
	const struct cert_side b = { "site2-ec", "ecdsa-sig", "dn", NULL, false };
	/* ecdsa-with-SHA256 (RFC 7427 Appendix A) and a signature that is not one. */
	static const uint8_t algid_sig[] = { 12, 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
		0x3d, 0x04, 0x03, 0x02, 0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01 };
	static const uint8_t unknown_algid[] = { 4, 0x30, 0x02, 0x05, 0x00, 0xaa, 0xbb };
	static const uint8_t garbage[96] = { 0x30, 0x82, 0xff, 0xff };
	static const uint8_t short_auth[] = { 5, 1, 2 }, zero_len[] = { 0, 1, 2, 3 };
	uint8_t der[4096], *p = der;
	char path[512];
	struct ike_sa *sa;
	FILE *f;
	X509 *x;
	int n;

	setup_certs(&a, &b);
	expect_up("C=CH, O=hubsec test, CN=site2.hubsec.test",
		"C=CH, O=hubsec test, CN=site1.hubsec.test");
	sa = up_sa(&A);
	snprintf(path, sizeof(path), "%s/site2-ec.pem", hs_test_pki_dir());
	f = fopen(path, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	n = i2d_X509(x, NULL);
	CU_ASSERT_TRUE_FATAL(n > 0 && n <= (int)sizeof(der));
	i2d_X509(x, &p);
	X509_free(x);
	pki_refuses(sa, NULL, 0, "site2.hubsec.test", HS_IKE_AUTH_DIGITAL_SIG, algid_sig,
		sizeof(algid_sig), "no X.509 certificate");
	pki_refuses(sa, garbage, 40, "site2.hubsec.test", HS_IKE_AUTH_DIGITAL_SIG, algid_sig,
		sizeof(algid_sig), "no X.509 certificate");
	pki_refuses(sa, der, (size_t)n - 1, "site2.hubsec.test", HS_IKE_AUTH_DIGITAL_SIG,
		algid_sig, sizeof(algid_sig), "no X.509 certificate");
	pki_refuses(sa, der, (size_t)n, "site9.hubsec.test", HS_IKE_AUTH_DIGITAL_SIG, algid_sig,
		sizeof(algid_sig), "is not in its certificate");
	pki_refuses(sa, der, (size_t)n, "site2.hubsec.test", HS_IKE_AUTH_DIGITAL_SIG, short_auth,
		1, "malformed RFC 7427 AUTH data");
	pki_refuses(sa, der, (size_t)n, "site2.hubsec.test", HS_IKE_AUTH_DIGITAL_SIG, zero_len,
		sizeof(zero_len), "malformed RFC 7427 AUTH data");
	pki_refuses(sa, der, (size_t)n, "site2.hubsec.test", HS_IKE_AUTH_DIGITAL_SIG, short_auth,
		sizeof(short_auth), "malformed RFC 7427 AUTH data");
	pki_refuses(sa, der, (size_t)n, "site2.hubsec.test", HS_IKE_AUTH_DIGITAL_SIG,
		unknown_algid, sizeof(unknown_algid), "not one we accept");
	pki_refuses(sa, der, (size_t)n, "site2.hubsec.test", HS_IKE_AUTH_DIGITAL_SIG, algid_sig,
		sizeof(algid_sig), "signature does not verify");
	pki_refuses(sa, der, (size_t)n, "site2.hubsec.test", HS_IKE_AUTH_ECDSA_256, garbage, 63,
		"does not fit its certificate's key");
	pki_refuses(sa, der, (size_t)n, "site2.hubsec.test", HS_IKE_AUTH_ECDSA_256, garbage, 64,
		"signature does not verify");
	pki_refuses(sa, der, (size_t)n, "site2.hubsec.test", HS_IKE_AUTH_ECDSA_384, garbage, 96,
		"does not fit its certificate's key");
	pki_refuses(sa, der, (size_t)n, "site2.hubsec.test", HS_IKE_AUTH_RSA_SIG, garbage, 40,
		"RFC 7427 digital signatures and RFC 4754 ECDSA are built");
	teardown();
}

/*
 * A hub with PSK and certificate branches on one suite (two ike-policies):
 * each branch authenticates its way and the hub answers in the same kind.
 */
static void
test_certs_and_psk(void)
{
	const struct cert_side psk_a = { NULL, NULL, NULL, NULL, false };
	const struct cert_side cert_a = { "site1-ec", "ecdsa-sig", "dn", NULL, false };
	const struct cert_side hub = { "site2-ec", "ecdsa-sig", "dn", NULL, true };

	setup_certs(&psk_a, &hub);
	CU_ASSERT_EQUAL_FATAL(hs_ikev2_initiate(A.e, "m", 1, now), 0);
	run();
	CU_ASSERT_PTR_NOT_NULL_FATAL(up_sa(&B));
	CU_ASSERT_FALSE(auth_by_cert(up_sa(&B)));
	CU_ASSERT_STRING_EQUAL(up_sa(&B)->peer_auth, "PSK");
	CU_ASSERT_STRING_EQUAL(up_sa(&A)->peer_auth, "PSK");
	teardown();
	setup_certs(&cert_a, &hub);
	expect_up("C=CH, O=hubsec test, CN=site2.hubsec.test",
		"C=CH, O=hubsec test, CN=site1.hubsec.test");
	CU_ASSERT_STRING_EQUAL(up_sa(&B)->peer_auth, "ECDSA");
	CU_ASSERT_STRING_EQUAL(up_sa(&A)->peer_auth, "ECDSA");
	teardown();
}

/* RSA one way, ECDSA the other; B sends an intermediate with its certificate. */
static void
test_certs_rsa_chain(void)
{
	const struct cert_side a = { "site1-rsa", "rsa-sig", "email", "fqdn:SITE2.hubsec.test", false };
	const struct cert_side b = { "site2-chain", "ecdsa-sig", "fqdn", "email:site1@hubsec.test", false };

	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	setup_certs(&a, &b);
	expect_up("site2.hubsec.test", "site1@hubsec.test");
	f = open_memstream(&buf, &len);
	CU_ASSERT_EQUAL(hs_ikev2_command(A.e, "show crypto isakmp sa detail", f, now), 0);
	CU_ASSERT_EQUAL(hs_ikev2_command(B.e, "show crypto isakmp sa json", f, now), 0);
	fclose(f);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "Auth sign: RSA, Auth verify: ECDSA"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "Remote id: site2.hubsec.test, state ESTABLISHED"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"auth-sign\":\"ECDSA\",\"auth-verify\":\"RSA\""));
	free(buf);
	teardown();
}

static void
test_certs_refused(void)
{
	const struct cert_side ok_a = { "site1-ec", "ecdsa-sig", "dn", NULL, false };
	const struct cert_side ok_b = { "site2-ec", "ecdsa-sig", "dn", NULL, false };
	const struct cert_side rogue_b = { "rogue", "ecdsa-sig", "dn", NULL, false };
	const struct cert_side rogue_a = { "rogue", "ecdsa-sig", "dn", NULL, false };
	const struct cert_side wrong_id_b = { "site2-ec", "ecdsa-sig", "dn",
		"fqdn:site9.hubsec.test", false };
	const struct cert_side addr_a = { "site2-ec", "ecdsa-sig", "address", NULL, false };
	const struct cert_side psk_b = { NULL, NULL, NULL, NULL, false };

	/* B's certificate is from another CA: A, the initiator, refuses B's AUTH. */
	setup_certs(&ok_a, &rogue_b);
	expect_refused();
	teardown();
	/* A's is: B refuses with AUTHENTICATION_FAILED. */
	setup_certs(&rogue_a, &ok_b);
	expect_refused();
	CU_ASSERT_TRUE(hs_ikev2_counter(B.e, HS_IKEV2_C_IKE_FAILED) > 0);
	teardown();
	/* A valid certificate, but not the identity B's entry wants. */
	setup_certs(&ok_a, &wrong_id_b);
	expect_refused();
	teardown();
	/* A claims an address its certificate does not hold (site2's certificate). */
	setup_certs(&addr_a, &ok_b);
	expect_refused();
	teardown();
	/* Certificates against a pre-share policy: refused, not downgraded. */
	setup_certs(&ok_a, &psk_b);
	expect_refused();
	teardown();
}


/*
 * Both ends rekey the IKE SA at once (§2.8.2), each request reaching the
 * other before its answer: each end answers, and when its own answer comes
 * in the new SA of the exchange with the lowest nonce is deleted by its
 * creator; the other one takes the children, on both ends the same.
 */
static void
test_ike_rekey_collision(void)
{
	struct setup s = { .b_line2 = true };

	setup(&s);
	establish();
	run();
	for (int round = 0; round < 8; round++) {
		struct ike_sa *a = up_sa(&A), *b = up_sa(&B), *na, *nb;
		uint64_t old_spi;

		CU_ASSERT_PTR_NOT_NULL_FATAL(a);
		CU_ASSERT_PTR_NOT_NULL_FATAL(b);
		old_spi = a->spi_i;
		a->rekey_ms = now;
		b->rekey_ms = now;
		hs_ikev2_tick(A.e, now);
		hs_ikev2_tick(B.e, now);
		CU_ASSERT_EQUAL(a->state, IKE_REKEYING);
		CU_ASSERT_EQUAL(b->state, IKE_REKEYING);
		CU_ASSERT_TRUE(deliver(&A, &B)); /* A's request; B's own is in flight */
		CU_ASSERT_TRUE(deliver(&B, &A)); /* B's request; A's own is in flight */
		CU_ASSERT_NOT_EQUAL(a->rekey_collision, 0);
		CU_ASSERT_NOT_EQUAL(b->rekey_collision, 0);
		run(); /* both answers, the redundant SA's delete, the old SA's delete */
		now += IKE_DELETE_WAIT_MS * 6 + 1000;
		hs_ikev2_tick(A.e, now);
		hs_ikev2_tick(B.e, now);
		run();
		na = up_sa(&A);
		nb = up_sa(&B);
		CU_ASSERT_PTR_NOT_NULL_FATAL(na);
		CU_ASSERT_PTR_NOT_NULL_FATAL(nb);
		CU_ASSERT_EQUAL(A.e->n_sas, 1);
		CU_ASSERT_EQUAL(B.e->n_sas, 1);
		CU_ASSERT_NOT_EQUAL(na->spi_i, old_spi);
		CU_ASSERT_EQUAL(na->spi_i, nb->spi_i);
		CU_ASSERT_EQUAL(na->spi_r, nb->spi_r);
		CU_ASSERT_EQUAL(memcmp(na->keys.sk_ei, nb->keys.sk_ei, na->keys.encr_len), 0);
		CU_ASSERT_EQUAL(n_children(na, CHILD_INSTALLED), 2);
		CU_ASSERT_EQUAL(n_children(nb, CHILD_INSTALLED), 2);
	}
	/* No child SA left the dataplane. */
	for (unsigned int i = 0; i < A.n_sas; i++)
		CU_ASSERT_NOT_EQUAL(A.sas[i].hdr.type, HS_MSG_SA_DEL);
	for (unsigned int i = 0; i < B.n_sas; i++)
		CU_ASSERT_NOT_EQUAL(B.sas[i].hdr.type, HS_MSG_SA_DEL);
	/* The survivor works: a child rekey over it. */
	struct hs_msg_event ev = { .kind = HS_SA_EV_SOFT_LIMIT, .dir = HS_SA_IN,
		.spi = up_sa(&A)->children->spi_in };

	hs_ikev2_event(A.e, &ev, now);
	run();
	CU_ASSERT_EQUAL(hs_ikev2_counter(A.e, HS_IKEV2_C_CHILD_REKEYED), 1);
	teardown();
}

/*
 * An IKE SA rekey the peer never answers: the new SA belongs to the rekey
 * until the old SA gives up (31.5 s of retransmissions), it is not expired
 * on its own as half-open at 30 s (the task would then free it again).
 */
static void
test_ike_rekey_unanswered(void)
{
	struct setup s = { .b_line2 = true };
	struct ike_sa *a;

	setup(&s);
	establish();
	run();
	a = only_sa(&A);
	a->rekey_ms = now;
	hs_ikev2_tick(A.e, now);
	CU_ASSERT_EQUAL(a->state, IKE_REKEYING);
	CU_ASSERT_EQUAL(A.e->n_sas, 2);
	for (int i = 0; i < 200 && A.e->n_sas > 0; i++) {
		while (A.n_out > 0)
			lose(&A);
		now += 250;
		hs_ikev2_tick(A.e, now);
		CU_ASSERT_TRUE(A.e->n_sas == 2 || A.e->n_sas == 0);
	}
	CU_ASSERT_EQUAL(A.e->n_sas, 0);
	teardown();
}

/* Stopped (hs_ikev2_free) with an IKE SA rekey in flight: each SA freed once. */
static void
test_free_during_ike_rekey(void)
{
	struct setup s = { .b_line2 = true };

	setup(&s);
	establish();
	run();
	only_sa(&A)->rekey_ms = now;
	hs_ikev2_tick(A.e, now);
	CU_ASSERT_EQUAL(A.e->n_sas, 2);
	teardown();
}

/* ---- IKE fragmentation (RFC 7383) ---- */

/*
 * p's engine again, fragmenting at size bytes (HS_IKEV2_FRAGMENT_OFF: off).
 * PSK messages are 150 to 500 bytes: the tests set sizes below the option's
 * minimum of 576 to get several fragments per message.
 */
static void
reopen(struct peer *p, uint32_t size)
{
	struct hs_ikev2_io io = { .ctx = p, .send = io_send, .sa = io_sa, .log = io_log };
	struct hs_ikev2_opts o = { .log_level = HS_IKEV2_LOG_DEBUG,
		.fragment_size = size == HS_IKEV2_FRAGMENT_OFF ? size : HS_IKEV2_FRAGMENT_MIN };

	hs_ikev2_free(p->e);
	p->e = hs_ikev2_new(p->cfg, &io, &o);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p->e);
	p->e->o.fragment_size = size;
	p->n_out = 0;
}

static void
frag_setup(uint32_t size_a, uint32_t size_b)
{
	struct setup s = { .b_line2 = true };

	setup(&s);
	reopen(&A, size_a);
	reopen(&B, size_b);
}

static bool
is_frag(const struct wire *w)
{
	return w->len > HS_IKE_HDR_LEN + 8 && w->buf[16] == HS_IKE_PL_SKF;
}

/* Fragment number and total of a queued SKF message. */
static void
frag_nums(const struct wire *w, unsigned int *num, unsigned int *total)
{
	*num = (unsigned int)w->buf[32] << 8 | w->buf[33];
	*total = (unsigned int)w->buf[34] << 8 | w->buf[35];
}

/* Hand w, sent by from, to to (as deliver() does with from's oldest). */
static void
put(const struct wire *w, struct peer *to)
{
	struct hs_ike_path p = { .local = w->path.remote, .remote = w->path.local,
		.lport = w->path.rport, .rport = w->path.lport };

	hs_ikev2_input(to->e, &p, w->buf, w->len, now);
}

/* Take p's queued messages into w[] (at most max); how many. */
static unsigned int
take(struct peer *p, struct wire *w, unsigned int max)
{
	unsigned int n = p->n_out < max ? p->n_out : max;

	memcpy(w, p->out, n * sizeof(*w));
	p->n_out = 0;
	return n;
}

/* IKE_SA_INIT both ways; A's IKE_AUTH request is then queued. */
static void
frag_init(void)
{
	CU_ASSERT_EQUAL_FATAL(hs_ikev2_initiate(A.e, "m", 1, now), 0);
	CU_ASSERT_TRUE(deliver(&A, &B));
	CU_ASSERT_EQUAL(B.n_out, 1);
	CU_ASSERT_FALSE(is_frag(&B.out[0])); /* §2.5: IKE_SA_INIT never is */
	CU_ASSERT_TRUE(deliver(&B, &A));
}

/* (a) IKE_AUTH, CREATE_CHILD_SA both ways, an IKE SA rekey and a child rekey, all in fragments. */
static void
test_frag_exchanges(void)
{
	struct wire w[QUEUE_MAX];
	struct ike_sa *a, *b, *na = NULL, *nb;
	unsigned int n, num, total;
	uint64_t tx_a;

	frag_setup(200, 200);
	frag_init();
	a = only_sa(&A);
	b = only_sa(&B);
	CU_ASSERT_TRUE(a->frag);
	CU_ASSERT_TRUE(b->frag);
	n = take(&A, w, QUEUE_MAX);
	CU_ASSERT_FATAL(n >= 2);
	for (unsigned int i = 0; i < n; i++) {
		CU_ASSERT_TRUE(is_frag(&w[i]));
		CU_ASSERT_TRUE(w[i].len <= 200 - 28);
		frag_nums(&w[i], &num, &total);
		CU_ASSERT_EQUAL(num, i + 1);
		CU_ASSERT_EQUAL(total, n);
		/* §2.5: only the first names the first inner payload; one message ID. */
		CU_ASSERT_EQUAL(w[i].buf[28] != 0, i == 0);
		CU_ASSERT_EQUAL(memcmp(w[i].buf + 20, w[0].buf + 20, 4), 0);
	}
	for (unsigned int i = 0; i + 1 < n; i++) {
		put(&w[i], &B);
		CU_ASSERT_EQUAL(b->state, IKE_CONNECTING);
		CU_ASSERT_EQUAL(B.n_out, 0);
	}
	put(&w[n - 1], &B);
	CU_ASSERT_EQUAL(b->state, IKE_ESTABLISHED);
	CU_ASSERT_EQUAL(hs_ikev2_counter(B.e, HS_IKEV2_C_RX_FRAGMENTS), n);
	CU_ASSERT_EQUAL(hs_ikev2_counter(B.e, HS_IKEV2_C_RX_REASSEMBLED), 1);
	CU_ASSERT_EQUAL(hs_ikev2_counter(A.e, HS_IKEV2_C_TX_FRAGMENTS), n);
	run(); /* the IKE_AUTH response, line 2's CREATE_CHILD_SA with KE both ways */
	CU_ASSERT_EQUAL(a->state, IKE_ESTABLISHED);
	CU_ASSERT_EQUAL(n_children(a, CHILD_INSTALLED), 2);
	CU_ASSERT_EQUAL(n_children(b, CHILD_INSTALLED), 2);
	CU_ASSERT(hs_ikev2_counter(A.e, HS_IKEV2_C_RX_REASSEMBLED) >= 1);
	CU_ASSERT(hs_ikev2_counter(B.e, HS_IKEV2_C_RX_REASSEMBLED) >= 2);
	CU_ASSERT_EQUAL(hs_ikev2_counter(A.e, HS_IKEV2_C_RX_FRAGMENT_DROPPED), 0);
	CU_ASSERT_EQUAL(hs_ikev2_counter(B.e, HS_IKEV2_C_RX_FRAGMENT_DROPPED), 0);
	check_pairs();
	/* §2.3: an IKE SA rekey keeps fragmentation without asking again. */
	a->rekey_ms = now;
	hs_ikev2_tick(A.e, now);
	run();
	CU_ASSERT_EQUAL_FATAL(A.e->n_sas, 1);
	CU_ASSERT_EQUAL_FATAL(B.e->n_sas, 1);
	na = only_sa(&A);
	nb = only_sa(&B);
	CU_ASSERT_NOT_EQUAL(na, a);
	CU_ASSERT_TRUE(na->frag);
	CU_ASSERT_TRUE(nb->frag);
	CU_ASSERT_EQUAL(hs_ikev2_counter(A.e, HS_IKEV2_C_IKE_REKEYED), 1);
	/* A child rekey on the new IKE SA, started by B: A reassembles B's request. */
	struct hs_msg_event ev = { .kind = HS_SA_EV_SOFT_LIMIT, .dir = HS_SA_IN,
		.spi = nb->children->spi_in };
	uint64_t rx_a = hs_ikev2_counter(A.e, HS_IKEV2_C_RX_REASSEMBLED);

	tx_a = hs_ikev2_counter(A.e, HS_IKEV2_C_TX_FRAGMENTS);
	hs_ikev2_event(B.e, &ev, now);
	CU_ASSERT(B.n_out >= 2);
	CU_ASSERT_TRUE(is_frag(&B.out[0]));
	run();
	CU_ASSERT_EQUAL(hs_ikev2_counter(B.e, HS_IKEV2_C_CHILD_REKEYED), 1);
	CU_ASSERT(hs_ikev2_counter(A.e, HS_IKEV2_C_RX_REASSEMBLED) > rx_a);
	CU_ASSERT(hs_ikev2_counter(A.e, HS_IKEV2_C_TX_FRAGMENTS) > tx_a);
	CU_ASSERT_EQUAL(n_children(na, CHILD_INSTALLED), 2);
	CU_ASSERT_EQUAL(n_children(nb, CHILD_INSTALLED), 2);
	check_pairs();
	teardown();
}

/* (b) Out of order, with duplicates: reassembled once; late copies after the answer. */
static void
test_frag_out_of_order(void)
{
	struct wire w[QUEUE_MAX];
	unsigned int n, n_resp;
	struct ike_sa *b;

	frag_setup(200, 200);
	frag_init();
	b = only_sa(&B);
	n = take(&A, w, QUEUE_MAX);
	CU_ASSERT_FATAL(n >= 2);
	put(&w[n - 1], &B);
	put(&w[n - 1], &B); /* duplicate */
	for (unsigned int i = n - 1; i-- > 1;)
		put(&w[i], &B);
	put(&w[1], &B); /* duplicate */
	CU_ASSERT_EQUAL(b->state, IKE_CONNECTING);
	CU_ASSERT_EQUAL(hs_ikev2_counter(B.e, HS_IKEV2_C_RX_FRAGMENT_DROPPED), 2);
	put(&w[0], &B);
	CU_ASSERT_EQUAL(b->state, IKE_ESTABLISHED);
	CU_ASSERT_EQUAL(hs_ikev2_counter(B.e, HS_IKEV2_C_RX_REASSEMBLED), 1);
	CU_ASSERT_EQUAL(hs_ikev2_counter(B.e, HS_IKEV2_C_CHILD_UP), 1);
	n_resp = B.n_out; /* the answer, in fragments too */
	CU_ASSERT_FATAL(n_resp >= 1 && 2 * n_resp <= QUEUE_MAX);
	/* §2.6.1: of a request answered already, only fragment 1 again brings the answer. */
	put(&w[1], &B);
	CU_ASSERT_EQUAL(B.n_out, n_resp);
	put(&w[0], &B);
	CU_ASSERT_EQUAL_FATAL(B.n_out, 2 * n_resp);
	for (unsigned int i = 0; i < n_resp; i++)
		CU_ASSERT_EQUAL(memcmp(B.out[i].buf, B.out[n_resp + i].buf, B.out[i].len), 0);
	CU_ASSERT_EQUAL(hs_ikev2_counter(B.e, HS_IKEV2_C_RX_RETRANSMIT), 1);
	CU_ASSERT_EQUAL(hs_ikev2_counter(B.e, HS_IKEV2_C_RX_REASSEMBLED), 1);
	CU_ASSERT_EQUAL(hs_ikev2_counter(B.e, HS_IKEV2_C_CHILD_UP), 1);
	run();
	CU_ASSERT_EQUAL(only_sa(&A)->state, IKE_ESTABLISHED);
	check_pairs();
	/* Stopped with a message half reassembled: its fragments are freed too. */
	only_sa(&A)->rekey_ms = now;
	hs_ikev2_tick(A.e, now);
	CU_ASSERT(A.n_out >= 2);
	CU_ASSERT_TRUE(deliver(&A, &B));
	CU_ASSERT_PTR_NOT_NULL(b->frag_rx[0]);
	teardown();
}

/* (c) A lost fragment: the retransmission of the whole set completes the message. */
static void
test_frag_lost(void)
{
	struct wire w[QUEUE_MAX];
	unsigned int n;
	struct ike_sa *a, *b;

	frag_setup(200, 200);
	frag_init();
	a = only_sa(&A);
	b = only_sa(&B);
	n = take(&A, w, QUEUE_MAX);
	CU_ASSERT_FATAL(n >= 2);
	for (unsigned int i = 1; i < n; i++) /* fragment 1 is lost */
		put(&w[i], &B);
	CU_ASSERT_EQUAL(b->state, IKE_CONNECTING);
	CU_ASSERT_EQUAL(B.n_out, 0);
	now += 600;
	hs_ikev2_tick(A.e, now);
	CU_ASSERT_EQUAL(A.n_out, n); /* §2.6: all of them again */
	CU_ASSERT_EQUAL(hs_ikev2_counter(A.e, HS_IKEV2_C_TX_FRAGMENTS), 2 * n);
	CU_ASSERT_EQUAL(hs_ikev2_counter(A.e, HS_IKEV2_C_TX_RETRANSMIT), 1);
	run();
	CU_ASSERT_EQUAL(b->state, IKE_ESTABLISHED);
	CU_ASSERT_EQUAL(a->state, IKE_ESTABLISHED);
	CU_ASSERT_EQUAL(hs_ikev2_counter(B.e, HS_IKEV2_C_RX_REASSEMBLED) >= 1, 1);
	/* The copies of fragments 2..n it held: duplicates of the retransmission. */
	CU_ASSERT(hs_ikev2_counter(B.e, HS_IKEV2_C_RX_FRAGMENT_DROPPED) >= n - 1);
	CU_ASSERT_EQUAL(n_children(a, CHILD_INSTALLED), 2);
	check_pairs();
	/* A message never completed is dropped after IKE_FRAG_RX_MS (the SA stays). */
	struct hs_msg_event ev = { .kind = HS_SA_EV_SOFT_LIMIT, .dir = HS_SA_IN,
		.spi = a->children->spi_in };
	uint64_t dropped = hs_ikev2_counter(B.e, HS_IKEV2_C_RX_FRAGMENT_DROPPED);

	hs_ikev2_event(A.e, &ev, now);
	CU_ASSERT(A.n_out >= 2);
	CU_ASSERT_TRUE(deliver(&A, &B));
	A.n_out = 0;
	CU_ASSERT_PTR_NOT_NULL(b->frag_rx[0]);
	now += IKE_FRAG_RX_MS - 1;
	hs_ikev2_tick(B.e, now);
	CU_ASSERT_PTR_NOT_NULL(b->frag_rx[0]);
	now += 1;
	hs_ikev2_tick(B.e, now);
	CU_ASSERT_PTR_NULL(b->frag_rx[0]);
	CU_ASSERT_EQUAL(hs_ikev2_counter(B.e, HS_IKEV2_C_RX_FRAGMENT_DROPPED), dropped + 1);
	CU_ASSERT_EQUAL(b->state, IKE_ESTABLISHED);
	teardown();
}

/* (d) A corrupted fragment: dropped and counted; the retransmission completes the message. */
static void
test_frag_corrupted(void)
{
	struct wire w[QUEUE_MAX];
	unsigned int n;
	struct ike_sa *b;

	frag_setup(200, 200);
	frag_init();
	b = only_sa(&B);
	n = take(&A, w, QUEUE_MAX);
	CU_ASSERT_FATAL(n >= 2);
	w[1].buf[w[1].len - 1] ^= 0x01; /* in its ICV */
	w[0].buf[40] ^= 0x80;		/* in its IV */
	for (unsigned int i = 0; i < n; i++)
		put(&w[i], &B);
	CU_ASSERT_EQUAL(b->state, IKE_CONNECTING);
	CU_ASSERT_EQUAL(hs_ikev2_counter(B.e, HS_IKEV2_C_RX_BAD_ICV), 2);
	CU_ASSERT_EQUAL(hs_ikev2_counter(B.e, HS_IKEV2_C_RX_FRAGMENT_DROPPED), 2);
	CU_ASSERT_EQUAL(B.n_out, 0);
	now += 600;
	hs_ikev2_tick(A.e, now);
	run();
	CU_ASSERT_EQUAL(b->state, IKE_ESTABLISHED);
	CU_ASSERT_EQUAL(only_sa(&A)->state, IKE_ESTABLISHED);
	CU_ASSERT_EQUAL(n_children(b, CHILD_INSTALLED), 2);
	check_pairs();
	teardown();
}

/* (e) A peer that did not announce support gets no SKF, and drops SKF it did not agree to. */
static void
test_frag_unsupported(void)
{
	struct hs_ikev2_io io = { .ctx = &A, .send = io_send, .sa = io_sa, .log = io_log };
	struct hs_ikev2_opts o = { .fragment_size = 575 };
	uint8_t plain[600] = { 0 }, buf[IKE_OUT_MAX];
	struct hs_ike_hdr h = { .version = HS_IKE_VERSION, .exchange = HS_IKE_AUTH,
		.flags = HS_IKE_FLAG_INITIATOR, .msg_id = 1 };
	struct ike_sa *a, *b;
	size_t len;

	/* The option's bounds. */
	frag_setup(200, HS_IKEV2_FRAGMENT_OFF);
	CU_ASSERT_PTR_NULL(hs_ikev2_new(A.cfg, &io, &o));
	CU_ASSERT_EQUAL(errno, EINVAL);
	o.fragment_size = 65536;
	CU_ASSERT_PTR_NULL(hs_ikev2_new(A.cfg, &io, &o));
	frag_init();
	a = only_sa(&A);
	b = only_sa(&B);
	CU_ASSERT_FALSE(a->frag);
	CU_ASSERT_FALSE(b->frag);
	/* A's IKE_AUTH goes whole although it is larger than 200 bytes. */
	CU_ASSERT_EQUAL_FATAL(A.n_out, 1);
	CU_ASSERT_FALSE(is_frag(&A.out[0]));
	CU_ASSERT(A.out[0].len + 28 > 200);
	/* Fragments B never agreed to (sealed with A's keys) are dropped. */
	h.spi_i = a->spi_i;
	h.spi_r = a->spi_r;
	CU_ASSERT_EQUAL_FATAL(frag_seal(a, &h, plain, sizeof(plain), HS_IKE_PL_IDI, buf,
				      sizeof(buf), &len), 0);
	for (size_t at = 0; at < len;) {
		size_t n = (size_t)buf[at + 24] << 24 | (size_t)buf[at + 25] << 16 |
			(size_t)buf[at + 26] << 8 | buf[at + 27];
		struct wire x = { .path = A.out[0].path, .len = n };

		memcpy(x.buf, buf + at, n);
		put(&x, &B);
		at += n;
	}
	CU_ASSERT(hs_ikev2_counter(B.e, HS_IKEV2_C_RX_FRAGMENT_DROPPED) >= 2);
	CU_ASSERT_PTR_NULL(b->frag_rx[0]);
	run();
	CU_ASSERT_EQUAL(a->state, IKE_ESTABLISHED);
	CU_ASSERT_EQUAL(b->state, IKE_ESTABLISHED);
	CU_ASSERT_EQUAL(n_children(a, CHILD_INSTALLED), 2);
	CU_ASSERT_EQUAL(hs_ikev2_counter(A.e, HS_IKEV2_C_TX_FRAGMENTS), 0);
	CU_ASSERT_EQUAL(hs_ikev2_counter(B.e, HS_IKEV2_C_TX_FRAGMENTS), 0);
	check_pairs();
	teardown();
	/* The other way round: B supports it, A does not announce it. */
	frag_setup(HS_IKEV2_FRAGMENT_OFF, 200);
	CU_ASSERT_EQUAL(hs_ikev2_initiate(A.e, "m", 1, now), 0);
	run();
	CU_ASSERT_EQUAL(only_sa(&A)->state, IKE_ESTABLISHED);
	CU_ASSERT_FALSE(only_sa(&B)->frag);
	CU_ASSERT_EQUAL(hs_ikev2_counter(B.e, HS_IKEV2_C_TX_FRAGMENTS), 0);
	teardown();
}

/* A copy of fragment w with number and total changed (the ICV no longer verifies). */
static struct wire
renumber(const struct wire *w, unsigned int num, unsigned int total)
{
	struct wire x = *w;

	x.buf[32] = (uint8_t)(num >> 8), x.buf[33] = (uint8_t)num;
	x.buf[34] = (uint8_t)(total >> 8), x.buf[35] = (uint8_t)total;
	return x;
}

/* (f) Malformed and inconsistent fragments: counted, never a crash, the message still completes. */
static void
test_frag_malformed(void)
{
	struct wire w[QUEUE_MAX], x;
	unsigned int n;
	uint32_t seed = 11;
	uint64_t malformed, dropped, bad_icv;
	struct ike_sa *b;

	frag_setup(200, 200);
	frag_init();
	b = only_sa(&B);
	n = take(&A, w, QUEUE_MAX);
	CU_ASSERT_FATAL(n >= 2);
	/* Refused by the codec: number 0, number over the total. */
	malformed = hs_ikev2_counter(B.e, HS_IKEV2_C_RX_MALFORMED);
	x = renumber(&w[0], 0, n);
	put(&x, &B);
	x = renumber(&w[0], n + 1, n);
	put(&x, &B);
	CU_ASSERT_EQUAL(hs_ikev2_counter(B.e, HS_IKEV2_C_RX_MALFORMED), malformed + 2);
	/* Over our limit of fragments: refused before its ICV is even looked at. */
	x = renumber(&w[0], 1, IKE_FRAG_MAX + 1);
	put(&x, &B);
	CU_ASSERT_EQUAL(hs_ikev2_counter(B.e, HS_IKEV2_C_RX_FRAGMENT_DROPPED), 1);
	CU_ASSERT_EQUAL(hs_ikev2_counter(B.e, HS_IKEV2_C_RX_BAD_ICV), 0);
	/* Inconsistent totals against the fragment held (§2.6). */
	put(&w[0], &B);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b->frag_rx[0]);
	x = renumber(&w[1], 1, 1);
	put(&x, &B); /* fewer: dropped, the ICV not looked at */
	CU_ASSERT_EQUAL(hs_ikev2_counter(B.e, HS_IKEV2_C_RX_BAD_ICV), 0);
	x = renumber(&w[1], 2, n + 1);
	put(&x, &B); /* more: would start over, but it does not verify */
	CU_ASSERT_EQUAL(hs_ikev2_counter(B.e, HS_IKEV2_C_RX_BAD_ICV), 1);
	CU_ASSERT_EQUAL(hs_ikev2_counter(B.e, HS_IKEV2_C_RX_FRAGMENT_DROPPED), 3);
	CU_ASSERT_PTR_NOT_NULL(b->frag_rx[0]);
	/* Truncated, and random bit flips of every fragment. */
	for (unsigned int i = 0; i < n; i++)
		for (size_t cut = 0; cut < w[i].len; cut += 5) {
			x = w[i];
			x.len = cut;
			put(&x, &B);
		}
	for (int k = 0; k < 3000; k++) {
		seed = seed * 1103515245 + 12345;
		x = w[(seed >> 16) % n];
		seed = seed * 1103515245 + 12345;
		x.buf[(seed >> 8) % x.len] ^= (uint8_t)(1u << ((seed >> 4) & 7));
		put(&x, &B);
	}
	CU_ASSERT_EQUAL(b->state, IKE_CONNECTING);
	bad_icv = hs_ikev2_counter(B.e, HS_IKEV2_C_RX_BAD_ICV);
	dropped = hs_ikev2_counter(B.e, HS_IKEV2_C_RX_FRAGMENT_DROPPED);
	CU_ASSERT(bad_icv > 0);
	CU_ASSERT(dropped > bad_icv);
	/* The genuine ones still make the message. */
	for (unsigned int i = 0; i < n; i++)
		put(&w[i], &B);
	CU_ASSERT_EQUAL(b->state, IKE_ESTABLISHED);
	CU_ASSERT_EQUAL(hs_ikev2_counter(B.e, HS_IKEV2_C_RX_REASSEMBLED), 1);
	run();
	CU_ASSERT_EQUAL(only_sa(&A)->state, IKE_ESTABLISHED);
	check_pairs();
	teardown();
}

/* ---- child SA rekey collisions (RFC 7296 §2.8.1) ---- */

/* The i-th queued message of from to to (the wire reordered them). */
static bool
deliver_at(struct peer *from, struct peer *to, unsigned int i)
{
	struct wire w;

	if (i >= from->n_out)
		return false;
	w = from->out[i];
	/* The others keep their order. */
	memmove(from->out + 1, from->out, i * sizeof(from->out[0]));
	from->out[0] = w;
	return deliver(from, to);
}

/* A dataplane rebuilt from the SA messages p sent it. */
struct dp_model {
	uint32_t in[SAS_MAX], out[SAS_MAX];
	unsigned int n_in, n_out;
	uint32_t active;     /* the outbound SA the child's traffic goes out on; 0: none */
	unsigned int errors; /* a REPLACE or DEL of an SA it lacks; the active outbound SA deleted */
};

static bool
spi_has(const uint32_t *set, unsigned int n, uint32_t spi)
{
	for (unsigned int i = 0; i < n; i++)
		if (set[i] == spi)
			return true;
	return false;
}

static bool
spi_take(uint32_t *set, unsigned int *n, uint32_t spi)
{
	for (unsigned int i = 0; i < *n; i++)
		if (set[i] == spi) {
			set[i] = set[--*n];
			return true;
		}
	return false;
}

static void
dp_replay(const struct peer *p, struct dp_model *d)
{
	memset(d, 0, sizeof(*d));
	for (unsigned int i = 0; i < p->n_sas; i++) {
		const struct hs_msg_sa *m = &p->sas[i];

		if (m->hdr.type == HS_MSG_SA_DEL) {
			bool in = m->del_dir == HS_SA_IN;

			d->errors += !spi_take(in ? d->in : d->out, in ? &d->n_in : &d->n_out,
				m->del_spi);
			d->errors += !in && m->del_spi == d->active;
			continue;
		}
		if (m->hdr.type == HS_MSG_SA_REPLACE) {
			d->errors += !spi_take(d->out, &d->n_out, m->del_spi);
			if (d->active == m->del_spi)
				d->active = 0;
		}
		if (m->has_in)
			d->in[d->n_in++] = m->in.spi;
		if (m->has_out) {
			d->out[d->n_out++] = m->out.spi;
			d->active = m->out.spi;
		}
	}
}

/* No loss: each end sends on an SA the other end has inbound; both dataplanes consistent. */
static void
check_dataplanes(void)
{
	struct dp_model a, b;

	dp_replay(&A, &a);
	dp_replay(&B, &b);
	CU_ASSERT_EQUAL(a.errors, 0);
	CU_ASSERT_EQUAL(b.errors, 0);
	CU_ASSERT_TRUE(a.active != 0 && spi_has(b.in, b.n_in, a.active));
	CU_ASSERT_TRUE(b.active != 0 && spi_has(a.in, a.n_in, b.active));
}

/* The i-th queued message of from to to; SA messages acknowledged, dataplanes checked. */
static void
step(struct peer *from, struct peer *to, unsigned int i)
{
	CU_ASSERT_TRUE_FATAL(deliver_at(from, to, i));
	ack_all(&A);
	ack_all(&B);
	check_dataplanes();
}

/* run(), checking the dataplanes after each message. */
static void
run_checked(void)
{
	for (int guard = 0; guard < 100 && (A.n_out > 0 || B.n_out > 0); guard++)
		if (A.n_out > 0)
			step(&A, &B, 0);
		else
			step(&B, &A, 0);
	CU_ASSERT_EQUAL(A.n_out + B.n_out, 0);
}

static unsigned int
n_all(const struct ike_sa *sa)
{
	unsigned int n = 0;

	for (const struct child_sa *c = sa->children; c != NULL; c = c->next)
		n++;
	return n;
}

/* Both ends rekey their one child at once: both requests on the wire, none delivered. */
static void
rekey_both(uint32_t *a_old, uint32_t *b_old)
{
	struct child_sa *a = only_sa(&A)->children, *b = only_sa(&B)->children;
	struct hs_msg_event ev = { .kind = HS_SA_EV_SOFT_LIMIT, .dir = HS_SA_IN };

	CU_ASSERT_EQUAL_FATAL(n_all(only_sa(&A)), 1);
	CU_ASSERT_EQUAL_FATAL(n_all(only_sa(&B)), 1);
	*a_old = ev.spi = a->spi_in;
	hs_ikev2_event(A.e, &ev, now);
	*b_old = ev.spi = b->spi_in;
	hs_ikev2_event(B.e, &ev, now);
	CU_ASSERT_EQUAL(a->state, CHILD_REKEYING);
	CU_ASSERT_EQUAL(b->state, CHILD_REKEYING);
	CU_ASSERT_EQUAL_FATAL(A.n_out, 1);
	CU_ASSERT_EQUAL_FATAL(B.n_out, 1);
}

/* Each end answers the other's request while its own is unanswered. */
static void
cross_requests(void)
{
	step(&A, &B, 0); /* A's request: B answers */
	step(&B, &A, 0); /* B's request (queued before its answer): A answers */
	CU_ASSERT_EQUAL(A.n_out, 1);
	CU_ASSERT_EQUAL(B.n_out, 1);
}

/*
 * The lowest nonce of the exchange whose new child p made answering it,
 * made v...v: forces which exchange had the lowest of the four.
 */
static void
force_nonce(struct peer *p, uint32_t old_spi_in, uint8_t v)
{
	struct child_sa *c = child_sa_peer_successor(only_sa(p), old_spi_in);

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	memset(c->rekey_nonce, v, c->rekey_nonce_len);
}

/* After a rekey: one child pair on each end, the same pair with its keys crossed, nothing else. */
static void
check_one_pair(void)
{
	struct ike_sa *a = only_sa(&A), *b = only_sa(&B);
	struct dp_model da, db;

	CU_ASSERT_EQUAL_FATAL(n_all(a), 1);
	CU_ASSERT_EQUAL_FATAL(n_all(b), 1);
	CU_ASSERT_EQUAL(a->children->state, CHILD_INSTALLED);
	CU_ASSERT_EQUAL(b->children->state, CHILD_INSTALLED);
	CU_ASSERT_EQUAL(a->children->spi_in, b->children->spi_out);
	CU_ASSERT_EQUAL(a->children->spi_out, b->children->spi_in);
	CU_ASSERT_NOT_EQUAL(a->children->initiator, b->children->initiator);
	check_pairs();
	dp_replay(&A, &da);
	dp_replay(&B, &db);
	CU_ASSERT_EQUAL(da.n_in, 1);
	CU_ASSERT_EQUAL(da.n_out, 1);
	CU_ASSERT_EQUAL(db.n_in, 1);
	CU_ASSERT_EQUAL(db.n_out, 1);
	CU_ASSERT_EQUAL(da.in[0], a->children->spi_in);
	CU_ASSERT_EQUAL(da.active, a->children->spi_out);
	CU_ASSERT_EQUAL(db.in[0], b->children->spi_in);
	CU_ASSERT_EQUAL(db.active, b->children->spi_out);
	CU_ASSERT_EQUAL(hs_ikev2_counter(A.e, HS_IKEV2_C_CHILD_FAILED), 0);
	CU_ASSERT_EQUAL(hs_ikev2_counter(B.e, HS_IKEV2_C_CHILD_FAILED), 0);
}

static bool
nonce_below(const struct child_sa *x, const struct child_sa *y)
{
	size_t n = x->rekey_nonce_len < y->rekey_nonce_len ? x->rekey_nonce_len :
							      y->rekey_nonce_len;
	int r = memcmp(x->rekey_nonce, y->rekey_nonce, n);

	return r < 0 || (r == 0 && x->rekey_nonce_len < y->rekey_nonce_len);
}

/*
 * Both ends rekey the child at once, each request reaching the other end
 * before its answer. The pair of the exchange with the lowest nonce is
 * deleted by its creator; its outbound SA never carries traffic, and each
 * end's outbound SA is always one the other end has inbound. Rounds 0 and 1
 * force A's, then B's exchange to have the lowest nonce; the others take the
 * nonces as they come and check the outcome against them.
 */
static void
test_child_rekey_collision(void)
{
	struct setup s = { .a_child = "single", .b_line2 = true };
	unsigned int a_lost = 0;

	setup(&s);
	establish();
	run();
	check_dataplanes();
	for (int round = 0; round < 12; round++) {
		struct child_sa *pa, *pb;
		uint32_t a_old, b_old;
		unsigned int lost0 = A.coll_lost + B.coll_lost, won0 = A.coll_won + B.coll_won;
		bool a_loses;

		rekey_both(&a_old, &b_old);
		cross_requests();
		if (round < 2) {
			force_nonce(&A, a_old, round == 0 ? 0xff : 0x00);
			force_nonce(&B, b_old, round == 0 ? 0x00 : 0xff);
		}
		pa = child_sa_peer_successor(only_sa(&A), a_old); /* B's exchange */
		pb = child_sa_peer_successor(only_sa(&B), b_old); /* A's exchange */
		CU_ASSERT_PTR_NOT_NULL_FATAL(pa);
		CU_ASSERT_PTR_NOT_NULL_FATAL(pb);
		a_loses = nonce_below(pb, pa);
		if (round < 2)
			CU_ASSERT_EQUAL(a_loses, round == 0);
		run_checked(); /* answers, the redundant pair's delete, the old pair's delete */
		CU_ASSERT_EQUAL(A.coll_lost + B.coll_lost, lost0 + 1);
		CU_ASSERT_EQUAL(A.coll_won + B.coll_won, won0 + 1);
		CU_ASSERT_EQUAL(A.coll_lost, B.coll_won);
		check_one_pair();
		/* The survivor is the winner's: made by A's exchange when B lost. */
		CU_ASSERT_EQUAL(only_sa(&A)->children->initiator, !a_loses);
		a_lost += a_loses;
	}
	CU_ASSERT_TRUE(a_lost > 0 && a_lost < 12);
	teardown();
}

/*
 * A's rekey completes before B's request reaches A (B's answer overtook
 * it): A refuses it with TEMPORARY_FAILURE (§2.25), no redundant pair is
 * made. A's delete of the old pair reaches B before (round 0) or after
 * (round 1) that refusal.
 */
static void
test_child_rekey_late_request(void)
{
	struct setup s = { .a_child = "single", .b_line2 = true };

	setup(&s);
	establish();
	run();
	for (int round = 0; round < 2; round++) {
		uint32_t a_old, b_old;

		rekey_both(&a_old, &b_old);
		step(&A, &B, 0); /* A's request: B answers, its own request still queued before */
		step(&B, &A, 1); /* B's answer first: A's rekey is done, A deletes the old pair */
		CU_ASSERT_EQUAL(n_all(only_sa(&A)), 2);
		CU_ASSERT_EQUAL(A.n_out, 1);
		step(&B, &A, 0); /* B's request, late */
		CU_ASSERT_EQUAL(n_all(only_sa(&A)), 2); /* refused: nothing made */
		CU_ASSERT_EQUAL(A.n_out, 2);
		if (round == 1)
			step(&A, &B, 1); /* the refusal before the delete */
		run_checked();
		check_one_pair();
		CU_ASSERT_TRUE(only_sa(&A)->children->initiator);
		CU_ASSERT_EQUAL(A.coll_lost + A.coll_won + B.coll_lost + B.coll_won, 0);
	}
	teardown();
}

/*
 * A collision's loser learns of it by a delete before its own answer
 * comes: round 0, B won and its delete of the old pair overtakes A's
 * answer (A's outbound traffic moves to B's pair; A then deletes its own
 * redundant one); round 1, A won and B's delete of its redundant pair
 * overtakes A's answer (A's outbound traffic stays on the old pair until
 * A's new pair takes it over).
 */
static void
test_child_rekey_collision_deletes(void)
{
	struct setup s = { .a_child = "single", .b_line2 = true };

	setup(&s);
	establish();
	run();
	for (int round = 0; round < 2; round++) {
		uint32_t a_old, b_old;
		struct child_sa *pa;

		rekey_both(&a_old, &b_old);
		cross_requests();
		force_nonce(&A, a_old, round == 0 ? 0xff : 0x00);
		force_nonce(&B, b_old, round == 0 ? 0x00 : 0xff);
		pa = child_sa_peer_successor(only_sa(&A), a_old);
		step(&A, &B, 0); /* A's answer to B: B decides */
		CU_ASSERT_EQUAL(B.coll_won, round == 0);
		CU_ASSERT_EQUAL(B.coll_lost, round == 1);
		CU_ASSERT_EQUAL(B.n_out, 2); /* its answer to A, then its delete */
		step(&B, &A, 1); /* B's delete overtakes B's answer to A */
		if (round == 0) {
			/* The old pair went: B's pair carries A's traffic now. */
			CU_ASSERT_PTR_NULL(child_sa_by_spi_in(only_sa(&A), a_old));
			CU_ASSERT_TRUE(pa->out_installed);
		} else {
			CU_ASSERT_PTR_NULL(child_sa_peer_successor(only_sa(&A), a_old));
			CU_ASSERT_PTR_NOT_NULL(child_sa_by_spi_in(only_sa(&A), a_old));
		}
		step(&B, &A, 0); /* B's answer to A */
		run_checked();
		check_one_pair();
		CU_ASSERT_EQUAL(only_sa(&A)->children->initiator, round == 1);
		CU_ASSERT_EQUAL(A.coll_lost, round == 0);
		CU_ASSERT_EQUAL(A.coll_won, 0); /* round 1: no collision left for A's answer */
		A.coll_lost = A.coll_won = B.coll_lost = B.coll_won = 0;
	}
	teardown();
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("ikev2", NULL, NULL);
	CU_add_test(s, "establish, child per ACL line", test_establish_per_line);
	CU_add_test(s, "narrowing by the responder", test_narrowing);
	CU_add_test(s, "one child for all subnets", test_single_child);
	CU_add_test(s, "child rekey, make-before-break", test_child_rekey);
	CU_add_test(s, "IKE SA rekey", test_ike_rekey);
	CU_add_test(s, "IKE SA rekey collision", test_ike_rekey_collision);
	CU_add_test(s, "IKE SA rekey unanswered", test_ike_rekey_unanswered);
	CU_add_test(s, "stopped during an IKE SA rekey", test_free_during_ike_rekey);
	CU_add_test(s, "child SA rekey collision", test_child_rekey_collision);
	CU_add_test(s, "child SA rekey, the peer's request late", test_child_rekey_late_request);
	CU_add_test(s, "child SA rekey collision, deletes first",
		test_child_rekey_collision_deletes);
	CU_add_test(s, "DPD, dead peer", test_dpd_dead_peer);
	CU_add_test(s, "retransmission, duplicate request", test_retransmit_and_duplicate);
	CU_add_test(s, "PSK mismatch", test_bad_psk);
	CU_add_test(s, "INVALID_KE_PAYLOAD", test_invalid_ke);
	CU_add_test(s, "COOKIE under load", test_cookie);
	CU_add_test(s, "delete IKE SA", test_delete_ike);
	CU_add_test(s, "restart: kept SAs replaced", test_restart_resync);
	CU_add_test(s, "INITIAL_CONTACT: the old IKE SA goes", test_initial_contact);
	CU_add_test(s, "malformed input", test_malformed);
	CU_add_test(s, "fragments: IKE_AUTH, CREATE_CHILD_SA, rekeys", test_frag_exchanges);
	CU_add_test(s, "fragments: out of order, duplicates", test_frag_out_of_order);
	CU_add_test(s, "fragments: one lost, retransmitted", test_frag_lost);
	CU_add_test(s, "fragments: one corrupted", test_frag_corrupted);
	CU_add_test(s, "fragments: peer without support", test_frag_unsupported);
	CU_add_test(s, "fragments: malformed, inconsistent", test_frag_malformed);
	CU_add_test(s, "certificates: ECDSA, DN IDs, peer-identity", test_certs_ecdsa);
	CU_add_test(s, "certificates: RSA and a chain, FQDN/email IDs", test_certs_rsa_chain);
	CU_add_test(s, "certificates: RFC 4754 ECDSA without RFC 7427", test_certs_rfc4754);
	CU_add_test(s, "certificates and PSK branches on one suite", test_certs_and_psk);
	CU_add_test(s, "certificates: malformed CERT and AUTH data", test_certs_malformed);
	CU_add_test(s, "certificates: bad CA, ID, policy refused", test_certs_refused);
	return hs_test_run();
}
