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
	/* No INITIAL_CONTACT: B keeps the old IKE SA (its DPD will retire it). */
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
	CU_add_test(s, "DPD, dead peer", test_dpd_dead_peer);
	CU_add_test(s, "retransmission, duplicate request", test_retransmit_and_duplicate);
	CU_add_test(s, "PSK mismatch", test_bad_psk);
	CU_add_test(s, "INVALID_KE_PAYLOAD", test_invalid_ke);
	CU_add_test(s, "COOKIE under load", test_cookie);
	CU_add_test(s, "delete IKE SA", test_delete_ike);
	CU_add_test(s, "restart: kept SAs replaced", test_restart_resync);
	CU_add_test(s, "malformed input", test_malformed);
	return hs_test_run();
}
