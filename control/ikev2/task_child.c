/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Child SAs (RFC 7296 §1.3.1 new, §1.3.3 rekey, §2.8 make-before-break,
 * §2.9 selectors, §2.17 keys), shared by IKE_AUTH (the first child) and
 * CREATE_CHILD_SA, both roles.
 *
 * Rekey, as initiator: the new pair is installed with REPLACE naming the
 * old outbound SPI (the dataplane swaps outbound traffic in one store), then
 * the old pair is deleted with an INFORMATIONAL exchange; the old inbound SA
 * decrypts until then, so no packet in flight is lost. As responder the
 * same REPLACE is done when the request is answered, and the old pair goes
 * when the initiator deletes it.
 *
 * Collisions (§2.8.1): both ends rekeyed the same child at once, each
 * answering the other's request. The child we made answering keeps the
 * lower nonce of the peer's exchange; when our own answer comes in, the
 * pair created by the exchange with the lowest of the four nonces is
 * redundant and its creator deletes it. Lost: our new child goes in
 * inbound only and we delete it; the peer, the winner, deletes the old
 * pair, and that moves our outbound traffic to its new pair. Won: ours
 * takes outbound traffic, the peer's new child never does (the peer deletes
 * it) and we delete the old pair. The old pair deleted by the peer before
 * our answer came means the peer won. A rekey request for a child we are
 * already replacing or deleting is refused with TEMPORARY_FAILURE (§2.25):
 * the rekey that got there first stands, no redundant pair is made.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ikev2_priv.h"

#define PROPS_MAX 8

/* PFS group for a CREATE_CHILD_SA of this entry (IKE_AUTH has none, §1.2). */
static uint16_t
pfs_of(const struct child_cfg *cc)
{
	return cc->entry->pfs_group;
}

int
child_build_req(struct ike_sa *sa, struct task *t, struct hs_ike_msg *m, bool with_nonce)
{
	struct hs_ike_prop_desc d[PROPS_MAX];
	struct ts_list l, r;
	unsigned int n;
	int rc;

	if (t->spi == 0)
		t->spi = child_sa_new_spi(sa->e);
	if (with_nonce && pfs_of(&t->child) != 0 && t->dh == NULL) {
		t->dh_group = pfs_of(&t->child);
		rc = hs_ike_dh_new(&t->dh, (enum hs_ike_dh)t->dh_group);
		if (rc != 0)
			return rc;
	}
	n = prop_esp_offer(t->child.entry, d, PROPS_MAX, t->spi, with_nonce ? t->dh_group : 0);
	if (t->target != NULL) {
		l = t->target->ts_local;
		r = t->target->ts_remote;
	} else if (ts_from_cfg(&t->child, &l, &r) != 0) {
		IKE_LOG(sa, ERR, "crypto map %s seq %" PRIu32 " line %" PRIu32
			": no permit line to build selectors from", t->child.map->name,
			t->child.entry->seq, t->child.acl_line);
		return -ENOENT;
	}
	if (n == 0 || hs_ike_msg_add_sa(m, d, n) != 0)
		return -ENOSPC;
	if (with_nonce) {
		if (ike_random(t->nonce, sizeof(t->nonce)) != 0 ||
			hs_ike_msg_add_nonce(m, t->nonce, sizeof(t->nonce)) != 0)
			return -ENOSPC;
		if (t->dh != NULL) {
			size_t len;
			const uint8_t *pub = hs_ike_dh_pub(t->dh, &len);

			if (hs_ike_msg_add_ke(m, t->dh_group, pub, (uint16_t)len) != 0)
				return -ENOSPC;
		}
	}
	if (hs_ike_msg_add_ts(m, HS_IKE_PL_TSI, l.ts, l.n) != 0 ||
		hs_ike_msg_add_ts(m, HS_IKE_PL_TSR, r.ts, r.n) != 0)
		return -ENOSPC;
	return 0;
}

/* Ask for the ACL lines of entry that a narrowed child left out (§2.9). */
static void
request_rest(struct ike_sa *sa, const struct child_cfg *asked, const struct child_cfg *got)
{
	const struct hs_config_acl *acl = asked->entry->acl;

	if (asked->acl_line != 0 || got->acl_line == 0)
		return;
	for (uint32_t l = 1; l <= acl->n_lines; l++) {
		struct child_cfg cc = { .map = asked->map, .entry = asked->entry, .acl_line = l };
		struct task *t;

		if (l == got->acl_line || acl->lines[l - 1].action != HS_CONFIG_ACL_PERMIT ||
			child_sa_for_cfg(sa, &cc) != NULL)
			continue;
		t = ike_task_new(sa, TASK_CHILD);
		if (t == NULL)
			return;
		t->child = cc;
		ike_task_queue(sa, t, false);
		IKE_LOG(sa, INFO, "peer narrowed the selectors to ACL line %" PRIu32
			": asking for line %" PRIu32 " with a child SA of its own", got->acl_line, l);
	}
}

/* The child's shared secret with PFS; 0 and len 0 without. */
static int
pfs_secret(struct ike_sa *sa, struct hs_ike_dh_key *dh, const struct hs_ike_msg *m,
	uint8_t *secret, size_t cap, size_t *len)
{
	const struct hs_ike_pl *ke = hs_ike_msg_find(m, HS_IKE_PL_KE, NULL);
	const char *why = NULL;
	int rc;

	*len = 0;
	if (dh == NULL)
		return 0;
	if (ke == NULL || ke->u.ke.group != hs_ike_dh_group(dh)) {
		IKE_LOG(sa, NOTICE, "child SA: KE missing or of another group");
		return -EBADMSG;
	}
	rc = hs_ike_dh_compute(dh, ke->u.ke.data, ke->u.ke.len, secret, cap, len, &why);
	if (rc != 0)
		IKE_LOG(sa, NOTICE, "child SA: peer's KE refused: %s", why ? why : "");
	return rc;
}

/* Our child rekey against the peer's rekey of the same child (§2.8.1). */
struct collision {
	struct child_sa *peer_new; /* made answering the peer's rekey; NULL: no collision */
	bool lost;		   /* ours had the lowest nonce: our new child is redundant */
};

static void
collision_check(struct ike_sa *sa, const struct task *t, const uint8_t *ni, size_t ni_len,
	const uint8_t *nr, size_t nr_len, struct collision *col)
{
	size_t len;
	const uint8_t *low = ike_nonce_low(ni, ni_len, nr, nr_len, &len);

	col->peer_new = child_sa_peer_successor(sa, ike_get32(t->rekey_spi));
	col->lost = col->peer_new != NULL &&
		ike_nonce_lower(low, len, col->peer_new->rekey_nonce, col->peer_new->rekey_nonce_len);
}

/*
 * The outbound SA our new child of a rekey takes over: the old pair's, or
 * the peer's new pair's once the old pair went (its delete came first).
 */
static uint32_t
outbound_now(const struct child_sa *old, const struct child_sa *peer_new)
{
	if (old != NULL && old->out_installed)
		return old->spi_out;
	if (peer_new != NULL && peer_new->out_installed)
		return peer_new->spi_out;
	return 0;
}

static void
log_child(struct child_sa *c, const char *what)
{
	char l[256], r[256], name[128];

	IKE_LOG(c->ike, NOTICE, "CHILD_SA %" PRIu32 " %s: %s === %s, in 0x%08" PRIx32
		" out 0x%08" PRIx32 ", %s%s", c->uid, what, ts_list_format(&c->ts_local, l, sizeof(l)),
		ts_list_format(&c->ts_remote, r, sizeof(r)), c->spi_in, c->spi_out,
		prop_suite_name(&c->esp, c->pfs_group, name, sizeof(name)), c->esn ? "/ESN" : "");
}

static void
queue_delete(struct ike_sa *sa, struct child_sa *c)
{
	struct task *d = ike_task_new(sa, TASK_DELETE_CHILD);

	if (d != NULL) {
		d->target = c;
		ike_task_queue(sa, d, true);
	}
}

/* Our rekey is in: c, the new child, installed as col decided. */
static void
rekey_conclude(struct ike_sa *sa, struct task *t, struct child_sa *c, const struct collision *col)
{
	struct child_sa *old = t->target, *p = col->peer_new;

	ike_count(sa->e, HS_IKEV2_C_CHILD_REKEYED);
	if (col->lost) {
		IKE_LOG(sa, NOTICE, "CHILD_SA rekey collision lost: deleting our redundant "
			"CHILD_SA %" PRIu32 " (in 0x%08" PRIx32 " out 0x%08" PRIx32 "), the peer's "
			"CHILD_SA %" PRIu32 " (in 0x%08" PRIx32 " out 0x%08" PRIx32 ") takes over",
			c->uid, c->spi_in, c->spi_out, p->uid, p->spi_in, p->spi_out);
		/* The old pair: the peer deletes it (it won), or our wait for that runs out. */
		child_sa_redundant(c);
		queue_delete(sa, c);
		return;
	}
	if (p != NULL) {
		IKE_LOG(sa, NOTICE, "CHILD_SA rekey collision won: the peer deletes its redundant "
			"CHILD_SA %" PRIu32 " (in 0x%08" PRIx32 " out 0x%08" PRIx32 "), our "
			"CHILD_SA %" PRIu32 " (in 0x%08" PRIx32 " out 0x%08" PRIx32 ") takes over",
			p->uid, p->spi_in, p->spi_out, c->uid, c->spi_in, c->spi_out);
		child_sa_redundant(p);
	}
	log_child(c, "rekeyed");
	if (old == NULL) {
		IKE_LOG(sa, INFO, "CHILD_SA %" PRIu32 ": the peer deleted the child it replaces "
			"meanwhile", c->uid);
		return;
	}
	/* Make-before-break: the new pair is in; now the old one goes (§2.8). */
	child_sa_set_state(old, CHILD_REKEYED);
	queue_delete(sa, old);
}

int
child_process_resp(struct ike_sa *sa, struct task *t, const struct hs_ike_msg *m,
	const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len)
{
	const struct hs_ike_pl *psa = hs_ike_msg_find(m, HS_IKE_PL_SA, NULL);
	const struct hs_ike_pl *tsi = hs_ike_msg_find(m, HS_IKE_PL_TSI, NULL);
	const struct hs_ike_pl *tsr = hs_ike_msg_find(m, HS_IKE_PL_TSR, NULL);
	struct hs_ike_prop_desc d[PROPS_MAX];
	unsigned int n = prop_esp_offer(t->child.entry, d, PROPS_MAX, t->spi, t->dh_group);
	uint8_t peer_spi[8], spi_size, secret[HS_IKE_DH_SECRET_MAX];
	struct child_cfg got;
	struct child_sa *c;
	struct ts_list l, r;
	struct hs_ike_suite esp;
	struct collision col = { 0 };
	uint16_t dh;
	size_t slen = 0;
	bool esn;
	int rc = -EBADMSG;

	if (psa == NULL || tsi == NULL || tsr == NULL ||
		prop_parse_reply(&psa->u.sa, HS_IKE_PROTO_ESP, d, n, &esp, &dh, &esn, peer_spi,
			&spi_size) != 0 || spi_size != 4) {
		IKE_LOG(sa, NOTICE, "child SA answer without a proposal we offered");
		goto fail;
	}
	if (ts_accept(&t->child, &tsi->u.ts, &tsr->u.ts, &got, &l, &r) != 0) {
		IKE_LOG(sa, NOTICE, "child SA answer with selectors outside what we asked");
		goto fail;
	}
	if ((rc = pfs_secret(sa, t->dh, m, secret, sizeof(secret), &slen)) != 0)
		goto fail;
	c = child_sa_new(sa, &got, true);
	if (c == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	c->spi_in = t->spi;
	c->spi_out = ike_get32(peer_spi);
	c->esp = esp;
	c->esn = esn;
	c->pfs_group = t->dh != NULL ? t->dh_group : 0;
	c->ts_local = l;
	c->ts_remote = r;
	if (t->kind == TASK_CHILD_REKEY) {
		c->rekeyed_from = ike_get32(t->rekey_spi);
		c->cfg = t->child;
		collision_check(sa, t, ni, ni_len, nr, nr_len, &col);
	}
	rc = child_sa_install(c, ni, ni_len, nr, nr_len, slen ? secret : NULL, slen,
		col.lost ? 0 : outbound_now(t->target, col.peer_new),
		col.lost ? CHILD_OUT_NONE : CHILD_OUT_NOW);
	explicit_bzero(secret, sizeof(secret));
	if (rc != 0) {
		child_sa_delete(c, false);
		goto fail_counted;
	}
	t->created = c;
	if (t->kind == TASK_CHILD_REKEY) {
		rekey_conclude(sa, t, c, &col);
		return 0;
	}
	ike_count(sa->e, HS_IKEV2_C_CHILD_UP);
	log_child(c, "established");
	request_rest(sa, &t->child, &got);
	return 0;
fail:
	explicit_bzero(secret, sizeof(secret));
fail_counted:
	ike_count(sa->e, HS_IKEV2_C_CHILD_FAILED);
	return rc;
}

/* ---- initiator tasks ---- */

/*
 * A rekey the peer refused (or whose answer we could not use) is tried
 * again after half the time left before the hard expiry, 5 to 60 s: not on
 * the next tick, which would loop as fast as the peer answers.
 */
static void
rekey_later(struct child_sa *c)
{
	uint64_t now = c->ike->e->now;
	uint64_t wait = c->expire_ms > now ? (c->expire_ms - now) / 2 : 0;

	wait = wait < 5000 ? 5000 : wait > 60000 ? 60000 : wait;
	child_sa_set_state(c, CHILD_INSTALLED);
	c->rekey_ms = now + wait;
	IKE_LOG(c->ike, INFO, "CHILD_SA %" PRIu32 ": rekey again in %" PRIu64 " s", c->uid,
		wait / 1000);
}

static int
child_build(struct ike_sa *sa, struct task *t, struct hs_ike_msg *m)
{
	return child_build_req(sa, t, m, true);
}

static int
child_process(struct ike_sa *sa, struct task *t, const struct hs_ike_msg *m)
{
	const struct hs_ike_pl *nr = hs_ike_msg_find(m, HS_IKE_PL_NONCE, NULL);
	uint16_t err = ike_error_notify(m);

	if (err != 0 || nr == NULL) {
		if (t->kind == TASK_CHILD_REKEY &&
			(t->target == NULL ||
				child_sa_peer_successor(sa, ike_get32(t->rekey_spi)) != NULL)) {
			/* §2.25: the peer's own rekey (or delete) of the child got there first. */
			IKE_LOG(sa, INFO, "CHILD_SA rekey refused by the peer (%s): it rekeyed "
				"or deleted the child itself",
				err ? hs_ike_notify_name(err) : "no nonce");
			return 0;
		}
		ike_count(sa->e, HS_IKEV2_C_CHILD_FAILED);
		IKE_LOG(sa, NOTICE, "CREATE_CHILD_SA refused by the peer: %s",
			err ? hs_ike_notify_name(err) : "no nonce");
		if (t->target != NULL && t->target->state == CHILD_REKEYING)
			rekey_later(t->target);
		return 0;
	}
	if (child_process_resp(sa, t, m, t->nonce, sizeof(t->nonce), nr->u.nonce.data,
		    nr->u.nonce.len) != 0) {
		if (t->target != NULL && t->target->state == CHILD_REKEYING)
			rekey_later(t->target);
	}
	return 0;
}

static int
rekey_build(struct ike_sa *sa, struct task *t, struct hs_ike_msg *m)
{
	struct child_sa *old = t->target;

	if (old == NULL || old->state != CHILD_REKEYING)
		return -ENOENT;
	t->child = old->cfg;
	/* §1.3.3: REKEY_SA names the SA being rekeyed by our inbound SPI. */
	ike_put32(old->spi_in, t->rekey_spi);
	if (hs_ike_msg_add_notify(m, HS_IKE_PROTO_ESP, t->rekey_spi, 4, HS_IKE_N_REKEY_SA, NULL,
		    0) != 0)
		return -ENOSPC;
	return child_build_req(sa, t, m, true);
}

const struct task_ops task_child_ops = {
	.exchange = HS_IKE_CREATE_CHILD_SA,
	.build = child_build,
	.process = child_process,
};

const struct task_ops task_child_rekey_ops = {
	.exchange = HS_IKE_CREATE_CHILD_SA,
	.build = rekey_build,
	.process = child_process,
};

/* ---- responder ---- */

static void
add_error(struct ike_sa *sa, struct hs_ike_msg *r, uint16_t type, const uint8_t *data,
	uint16_t len, const char *why)
{
	ike_count(sa->e, HS_IKEV2_C_CHILD_FAILED);
	IKE_LOG(sa, NOTICE, "child SA refused (%s): %s", hs_ike_notify_name(type), why);
	hs_ike_msg_add_notify(r, 0, NULL, 0, type, data, len);
}

/* A rekey's new child keeps the lower nonce of the peer's exchange for a collision (§2.8.1). */
static int
keep_nonce(struct child_sa *c, const struct hs_ike_pl *ni, const uint8_t *nr, size_t nr_len)
{
	size_t len;
	const uint8_t *low = ike_nonce_low(ni->u.nonce.data, ni->u.nonce.len, nr, nr_len, &len);

	c->rekey_nonce = malloc(len);
	if (c->rekey_nonce == NULL)
		return -ENOMEM;
	memcpy(c->rekey_nonce, low, len);
	c->rekey_nonce_len = (uint16_t)len;
	return 0;
}

int
child_respond_payloads(struct ike_sa *sa, const struct hs_ike_msg *m, struct hs_ike_msg *r,
	struct child_sa *old, int create)
{
	struct hs_ikev2 *e = sa->e;
	const struct hs_ike_pl *psa = hs_ike_msg_find(m, HS_IKE_PL_SA, NULL);
	const struct hs_ike_pl *tsi = hs_ike_msg_find(m, HS_IKE_PL_TSI, NULL);
	const struct hs_ike_pl *tsr = hs_ike_msg_find(m, HS_IKE_PL_TSR, NULL);
	const struct hs_ike_pl *ni = hs_ike_msg_find(m, HS_IKE_PL_NONCE, NULL);
	const struct hs_ike_pl *ke = hs_ike_msg_find(m, HS_IKE_PL_KE, NULL);
	struct hs_ike_prop_desc chosen;
	struct hs_ike_suite esp;
	struct child_cfg cc;
	struct ts_list l, rl;
	uint8_t peer_spi[8], spi_size, secret[HS_IKE_DH_SECRET_MAX];
	size_t slen = 0;
	uint16_t dh = 0;
	bool esn = false;
	struct child_sa *c;
	int rc;

	if (psa == NULL || tsi == NULL || tsr == NULL || (create && ni == NULL)) {
		add_error(sa, r, HS_IKE_N_INVALID_SYNTAX, NULL, 0, "SA, Ni, TSi or TSr missing");
		return -EBADMSG;
	}
	if (old != NULL) {
		cc = old->cfg;
		l = old->ts_local;
		rl = old->ts_remote;
	} else if (ts_narrow(e->cfg, &sa->path.remote, &tsi->u.ts, &tsr->u.ts, &cc, &l, &rl) != 0 &&
		(sa->entry == NULL ||
			ts_narrow(e->cfg, &sa->entry->peers[0], &tsi->u.ts, &tsr->u.ts, &cc, &l, &rl) !=
				0)) {
		add_error(sa, r, HS_IKE_N_TS_UNACCEPTABLE, NULL, 0,
			"no crypto map ACL line for this peer allows those selectors");
		return -ENOENT;
	}
	/* PFS: the peer's KE decides in CREATE_CHILD_SA; ours must agree (§1.3.1). */
	if (create && ke != NULL)
		dh = cc.entry->pfs_group != 0 ? cc.entry->pfs_group : ke->u.ke.group;
	if (prop_select(e->cfg, cc.entry, &psa->u.sa, HS_IKE_PROTO_ESP, &chosen, &esp, &dh, &esn,
		    peer_spi, &spi_size) != 0) {
		add_error(sa, r, HS_IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0,
			"no transform set of the entry matches");
		return -ENOENT;
	}
	if (create && dh != 0 && (ke == NULL || ke->u.ke.group != dh)) {
		uint8_t g[2] = { (uint8_t)(dh >> 8), (uint8_t)dh };

		add_error(sa, r, HS_IKE_N_INVALID_KE_PAYLOAD, g, 2, "KE of another group");
		return -EINVAL;
	}
	if (create) {
		hs_ike_dh_free(e->dh_r);
		e->dh_r = NULL;
		if (ike_random(e->nonce_r, sizeof(e->nonce_r)) != 0 ||
			(dh != 0 && hs_ike_dh_new(&e->dh_r, (enum hs_ike_dh)dh) != 0)) {
			add_error(sa, r, HS_IKE_N_TEMPORARY_FAILURE, NULL, 0, "out of resources");
			return -ENOMEM;
		}
		if (dh != 0 && hs_ike_dh_compute(e->dh_r, ke->u.ke.data, ke->u.ke.len, secret,
				       sizeof(secret), &slen, NULL) != 0) {
			add_error(sa, r, HS_IKE_N_INVALID_SYNTAX, NULL, 0, "bad KE value");
			return -EINVAL;
		}
	}
	c = child_sa_new(sa, &cc, false);
	if (c == NULL) {
		add_error(sa, r, HS_IKE_N_TEMPORARY_FAILURE, NULL, 0, "out of memory");
		return -ENOMEM;
	}
	c->spi_in = child_sa_new_spi(e);
	c->spi_out = ike_get32(peer_spi);
	c->esp = esp;
	c->esn = esn;
	c->pfs_group = create ? dh : 0;
	c->ts_local = l;
	c->ts_remote = rl;
	c->rekeyed_from = old != NULL ? old->spi_in : 0;
	ike_put32(c->spi_in, chosen.spi);
	chosen.spi_size = 4;
	if (old != NULL && create && (rc = keep_nonce(c, ni, e->nonce_r, sizeof(e->nonce_r))) != 0)
		goto fail;
	rc = create ? child_sa_install(c, ni->u.nonce.data, ni->u.nonce.len, e->nonce_r,
			      sizeof(e->nonce_r), slen ? secret : NULL, slen,
			      old != NULL ? old->spi_out : 0,
			      old != NULL ? CHILD_OUT_HELD : CHILD_OUT_NOW) :
		      child_sa_install(c, sa->ni, sa->ni_len, sa->nr, sa->nr_len, NULL, 0, 0,
			      CHILD_OUT_NOW);
	if (rc != 0)
		goto fail;
	explicit_bzero(secret, sizeof(secret));
	hs_ike_msg_add_sa(r, &chosen, 1);
	if (create) {
		hs_ike_msg_add_nonce(r, e->nonce_r, sizeof(e->nonce_r));
		if (e->dh_r != NULL) {
			size_t len;
			const uint8_t *pub = hs_ike_dh_pub(e->dh_r, &len);

			hs_ike_msg_add_ke(r, dh, pub, (uint16_t)len);
		}
	}
	/* TSi is the initiator's side (our remote), TSr ours, as narrowed. */
	hs_ike_msg_add_ts(r, HS_IKE_PL_TSI, rl.ts, rl.n);
	hs_ike_msg_add_ts(r, HS_IKE_PL_TSR, l.ts, l.n);
	ike_count(e, old != NULL ? HS_IKEV2_C_CHILD_REKEYED : HS_IKEV2_C_CHILD_UP);
	log_child(c, old != NULL ? "rekeyed (responder)" : "established (responder)");
	if (old != NULL) {
		/* Wait for the initiator's delete of the old pair; drop it ourselves if it never comes. */
		child_sa_set_state(old, CHILD_REKEYED);
		old->delete_ms = e->now + IKE_DELETE_WAIT_MS * 6;
	}
	return 0;
fail:
	explicit_bzero(secret, sizeof(secret));
	child_sa_delete(c, false);
	add_error(sa, r, HS_IKE_N_TEMPORARY_FAILURE, NULL, 0, "could not be installed");
	return rc;
}

void
child_respond(struct ike_sa *sa, const struct hs_ike_msg *m)
{
	struct hs_ikev2 *e = sa->e;
	const struct hs_ike_pl *rk = hs_ike_msg_find_notify(m, HS_IKE_N_REKEY_SA);
	struct hs_ike_msg *r = &e->tx;
	struct child_sa *old = NULL;

	ike_msg_start(sa, r, HS_IKE_CREATE_CHILD_SA, true, m->hdr.msg_id);
	if (rk != NULL) {
		/* The peer names the SA by its inbound SPI: our outbound one. */
		if (rk->u.notify.spi_size == 4)
			old = child_sa_by_spi_out(sa, ike_get32(rk->u.notify.spi));
		if (old == NULL) {
			add_error(sa, r, HS_IKE_N_CHILD_SA_NOT_FOUND, NULL, 0,
				"rekey of an SA we do not have");
			ike_send_response(sa, r);
			return;
		}
		if (old->state == CHILD_REKEYED || old->state == CHILD_DELETING) {
			/*
			 * §2.25: a child being closed -- replaced by a rekey that
			 * completed first (ours, or an earlier one of the peer's), or
			 * being deleted. Not a failure of ours: not counted.
			 */
			IKE_LOG(sa, INFO, "rekey of CHILD_SA %" PRIu32 " refused "
				"(TEMPORARY_FAILURE): it is %s, on its way out", old->uid,
				child_state_name(old->state));
			hs_ike_msg_add_notify(r, 0, NULL, 0, HS_IKE_N_TEMPORARY_FAILURE, NULL, 0);
			ike_send_response(sa, r);
			return;
		}
	}
	child_respond_payloads(sa, m, r, old, 1);
	ike_send_response(sa, r);
	hs_ike_dh_free(e->dh_r);
	e->dh_r = NULL;
	explicit_bzero(e->nonce_r, sizeof(e->nonce_r));
}
