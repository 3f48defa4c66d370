/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKE SA rekey (RFC 7296 §1.3.2, §2.18): a CREATE_CHILD_SA with an IKE
 * proposal carrying the new SPI, a fresh nonce and KE. The new IKE SA takes
 * over the child SAs and queued exchanges; the old one is deleted by the
 * side that started the rekey (the responder drops it itself if that delete
 * never comes). Child SAs are not touched: traffic does not notice.
 *
 * Both ends rekeying at once (§2.8.2): the peer's request is answered as
 * usual, but its new SA waits; when our own answer comes in, the exchange
 * with the lowest nonce made the redundant SA, which its creator deletes,
 * and the other new SA takes the children (strongSwan does the same). A
 * delete of the old SA meanwhile means the peer never saw our request: its
 * new SA takes over.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "ikev2_priv.h"

#define PROPS_MAX 16

/* Keys of the new IKE SA from the old one's SK_d (§2.18). */
static int
rekey_keys(struct ike_sa *nsa, const struct ike_sa *old, const uint8_t *ni, size_t ni_len,
	const uint8_t *nr, size_t nr_len, const uint8_t *g_ir, size_t g_len)
{
	struct hs_ike_kdf_in in = { .ni = ni, .ni_len = ni_len, .nr = nr, .nr_len = nr_len,
		.g_ir = g_ir, .g_ir_len = g_len };
	int rc;

	ike_put64(nsa->spi_i, in.spi_i);
	ike_put64(nsa->spi_r, in.spi_r);
	rc = hs_ike_keys_rekey(&nsa->keys, &old->keys, &nsa->suite, &in);
	if (rc == 0)
		rc = hs_ike_sk_init(&nsa->sk_out, &nsa->sk_in, &nsa->keys, nsa->initiator);
	if (rc == 0) {
		nsa->keyed = true;
		nsa->authenticated = true;
		memcpy(nsa->ni, ni, ni_len);
		nsa->ni_len = (uint16_t)ni_len;
		memcpy(nsa->nr, nr, nr_len);
		nsa->nr_len = (uint16_t)nr_len;
	}
	return rc;
}

/* The new IKE SA is up: children move over, counters and timers start. */
static void
switch_over(struct ike_sa *nsa, struct ike_sa *old)
{
	char name[128];

	ike_sa_adopt(nsa, old);
	nsa->policy = prop_ike_policy(nsa->e->cfg, &nsa->suite, nsa->dh_group);
	nsa->sig_hashes = old->sig_hashes;
	nsa->auths = old->auths;
	nsa->sign_cert = old->sign_cert;
	nsa->established_ms = nsa->e->now;
	nsa->last_rx_ms = nsa->e->now;
	ike_sa_set_state(nsa, IKE_ESTABLISHED);
	timers_established(nsa);
	ike_sa_set_state(old, IKE_REKEYED);
	ike_count(nsa->e, HS_IKEV2_C_IKE_REKEYED);
	IKE_LOG(old, NOTICE, "rekeyed: IKE_SA %" PRIu64 " takes over (%s)", nsa->uid,
		prop_suite_name(&nsa->suite, nsa->dh_group, name, sizeof(name)));
}

/* ---- collisions (§2.8.2) ---- */

static struct ike_sa *
sa_by_uid(struct hs_ikev2 *e, uint64_t uid)
{
	for (struct ike_sa *sa = e->sas; sa != NULL && uid != 0; sa = sa->next)
		if (sa->uid == uid && sa->state != IKE_DESTROYING)
			return sa;
	return NULL;
}

/* Whether the exchange of nonces (a, b) holds a lower nonce than that of (c, d). */
static bool
nonces_lower(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, const uint8_t *c,
	size_t clen, const uint8_t *d, size_t dlen)
{
	size_t xl, yl;
	const uint8_t *x = ike_nonce_low(a, alen, b, blen, &xl);
	const uint8_t *y = ike_nonce_low(c, clen, d, dlen, &yl);

	return ike_nonce_lower(x, xl, y, yl);
}

void
ike_rekey_concede(struct ike_sa *sa)
{
	struct ike_sa *other = sa_by_uid(sa->e, sa->rekey_collision);

	sa->rekey_collision = 0;
	if (other == NULL || sa->state == IKE_REKEYED)
		return;
	switch_over(other, sa);
	sa->destroy_ms = sa->e->now + IKE_DELETE_WAIT_MS * 6;
}

/* Our new IKE SA lost a collision: up only to be deleted by us, its creator. */
static void
delete_redundant(struct ike_sa *nsa)
{
	struct task *del;

	nsa->established_ms = nsa->e->now;
	nsa->last_rx_ms = nsa->e->now;
	ike_sa_set_state(nsa, IKE_ESTABLISHED);
	timers_established(nsa);
	del = ike_task_new(nsa, TASK_DELETE_IKE);
	if (del == NULL) {
		ike_sa_destroy(nsa, false);
		return;
	}
	ike_task_queue(nsa, del, true);
	ike_sa_kick(nsa);
}

/* ---- initiator ---- */

static int
rekey_build(struct ike_sa *sa, struct task *t, struct hs_ike_msg *m)
{
	struct hs_ike_prop_desc d[PROPS_MAX];
	uint8_t spi[8];
	unsigned int n;
	size_t len;
	const uint8_t *pub;
	int rc;

	if (sa->state != IKE_ESTABLISHED)
		return -EAGAIN;
	if (t->new_ike == NULL) {
		t->new_ike = ike_sa_new(sa->e, true, &sa->path);
		if (t->new_ike == NULL)
			return -ENOMEM;
		t->new_ike->rekey_new = true; /* the task's until it ends (rekey_destroy) */
		t->dh_group = sa->dh_group;
		rc = hs_ike_dh_new(&t->dh, (enum hs_ike_dh)t->dh_group);
		if (rc != 0)
			return rc;
	}
	ike_put64(t->new_ike->spi_i, spi);
	n = prop_ike_offer(sa->e->cfg, d, PROPS_MAX, t->dh_group, spi, 8);
	pub = hs_ike_dh_pub(t->dh, &len);
	if (n == 0 || ike_random(t->nonce, sizeof(t->nonce)) != 0 ||
		hs_ike_msg_add_sa(m, d, n) != 0 ||
		hs_ike_msg_add_nonce(m, t->nonce, sizeof(t->nonce)) != 0 ||
		hs_ike_msg_add_ke(m, t->dh_group, pub, (uint16_t)len) != 0)
		return -ENOSPC;
	ike_sa_set_state(sa, IKE_REKEYING);
	return 0;
}

static int
rekey_process(struct ike_sa *sa, struct task *t, const struct hs_ike_msg *m)
{
	const struct hs_ike_pl *psa = hs_ike_msg_find(m, HS_IKE_PL_SA, NULL);
	const struct hs_ike_pl *nr = hs_ike_msg_find(m, HS_IKE_PL_NONCE, NULL);
	const struct hs_ike_pl *ke = hs_ike_msg_find(m, HS_IKE_PL_KE, NULL);
	struct ike_sa *nsa = t->new_ike;
	struct hs_ike_prop_desc d[PROPS_MAX];
	uint8_t spi[8], spi_size, secret[HS_IKE_DH_SECRET_MAX];
	size_t slen = 0;
	uint16_t dh;
	unsigned int n;
	int rc = -EBADMSG;

	ike_put64(nsa->spi_i, spi);
	n = prop_ike_offer(sa->e->cfg, d, PROPS_MAX, t->dh_group, spi, 8);
	if (sa->state == IKE_REKEYING)
		ike_sa_set_state(sa, IKE_ESTABLISHED);
	if (psa == NULL || nr == NULL || ke == NULL ||
		prop_parse_reply(&psa->u.sa, HS_IKE_PROTO_IKE, d, n, &nsa->suite, &dh, NULL, spi,
			&spi_size) != 0 ||
		spi_size != 8 || ke->u.ke.group != t->dh_group ||
		hs_ike_dh_compute(t->dh, ke->u.ke.data, ke->u.ke.len, secret, sizeof(secret), &slen,
			NULL) != 0) {
		IKE_LOG(sa, NOTICE, "IKE SA rekey refused or malformed; keeping the old SA");
		goto fail;
	}
	nsa->spi_r = ike_get64(spi);
	nsa->dh_group = dh;
	rc = rekey_keys(nsa, sa, t->nonce, sizeof(t->nonce), nr->u.nonce.data, nr->u.nonce.len,
		secret, slen);
	explicit_bzero(secret, sizeof(secret));
	if (rc != 0)
		goto fail;
	t->new_ike = NULL;
	nsa->rekey_new = false;
	struct ike_sa *other = sa_by_uid(sa->e, sa->rekey_collision);

	sa->rekey_collision = 0;
	if (other != NULL) {
		/* §2.8.2: the SA of the exchange with the lowest nonce is redundant. */
		if (nonces_lower(t->nonce, sizeof(t->nonce), nr->u.nonce.data, nr->u.nonce.len,
			    other->ni, other->ni_len, other->nr, other->nr_len)) {
			IKE_LOG(sa, NOTICE, "IKE SA rekey collision lost: deleting our redundant "
					    "IKE_SA %" PRIu64 ", the peer's IKE_SA %" PRIu64 " takes over",
				nsa->uid, other->uid);
			switch_over(other, sa);
			/* The winner deletes the old SA; drop it ourselves if that never comes. */
			sa->destroy_ms = sa->e->now + IKE_DELETE_WAIT_MS * 6;
			delete_redundant(nsa);
			return 0;
		}
		IKE_LOG(sa, NOTICE, "IKE SA rekey collision won: the peer deletes its redundant "
				    "IKE_SA %" PRIu64, other->uid);
		ike_sa_set_state(other, IKE_ESTABLISHED);
		ike_sa_set_state(other, IKE_REKEYED);
		other->destroy_ms = sa->e->now + IKE_DELETE_WAIT_MS * 6;
	}
	switch_over(nsa, sa);
	/* §2.18: the side that rekeyed deletes the old IKE SA. */
	struct task *del = ike_task_new(sa, TASK_DELETE_IKE);

	if (del != NULL)
		ike_task_queue(sa, del, true);
	sa->destroy_ms = sa->e->now + IKE_DELETE_WAIT_MS;
	return 0;
fail:
	explicit_bzero(secret, sizeof(secret));
	sa->rekey_ms = sa->e->now + 60000; /* try again in a minute */
	ike_rekey_concede(sa); /* the peer's rekey, if it collided with ours, stands */
	return rc;
}

static void
rekey_destroy(struct task *t)
{
	if (t->new_ike != NULL)
		ike_sa_destroy(t->new_ike, false);
	t->new_ike = NULL;
}

const struct task_ops task_ike_rekey_ops = {
	.exchange = HS_IKE_CREATE_CHILD_SA,
	.build = rekey_build,
	.process = rekey_process,
	.destroy = rekey_destroy,
};

/* ---- responder ---- */

static void
refuse(struct ike_sa *sa, struct hs_ike_msg *r, uint16_t type, const uint8_t *data, uint16_t len,
	const char *why)
{
	IKE_LOG(sa, NOTICE, "IKE SA rekey refused (%s): %s", hs_ike_notify_name(type), why);
	hs_ike_msg_add_notify(r, 0, NULL, 0, type, data, len);
	ike_send_response(sa, r);
}

void
ike_rekey_respond(struct ike_sa *sa, const struct hs_ike_msg *m)
{
	struct hs_ikev2 *e = sa->e;
	const struct hs_ike_pl *psa = hs_ike_msg_find(m, HS_IKE_PL_SA, NULL);
	const struct hs_ike_pl *ni = hs_ike_msg_find(m, HS_IKE_PL_NONCE, NULL);
	const struct hs_ike_pl *ke = hs_ike_msg_find(m, HS_IKE_PL_KE, NULL);
	struct hs_ike_msg *r = &e->tx;
	struct hs_ike_prop_desc chosen;
	struct hs_ike_suite suite;
	struct ike_sa *nsa;
	uint8_t spi[8], spi_size, secret[HS_IKE_DH_SECRET_MAX];
	size_t slen = 0, len;
	uint16_t dh;

	ike_msg_start(sa, r, HS_IKE_CREATE_CHILD_SA, true, m->hdr.msg_id);
	if ((sa->state != IKE_ESTABLISHED && sa->state != IKE_REKEYING) || sa->rekey_collision != 0) {
		refuse(sa, r, HS_IKE_N_TEMPORARY_FAILURE, NULL, 0, "not established");
		return;
	}
	if (psa == NULL || ni == NULL || ke == NULL) {
		refuse(sa, r, HS_IKE_N_INVALID_SYNTAX, NULL, 0, "SA, Ni or KE missing");
		return;
	}
	dh = ke->u.ke.group;
	if (prop_select(e->cfg, NULL, &psa->u.sa, HS_IKE_PROTO_IKE, &chosen, &suite, &dh, NULL, spi,
		    &spi_size) != 0 ||
		spi_size != 8) {
		refuse(sa, r, HS_IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0, "no ike-policy matches");
		return;
	}
	if (dh != ke->u.ke.group) {
		uint8_t g[2] = { (uint8_t)(dh >> 8), (uint8_t)dh };

		refuse(sa, r, HS_IKE_N_INVALID_KE_PAYLOAD, g, 2, "KE of another group");
		return;
	}
	nsa = ike_sa_new(e, false, &sa->path);
	if (nsa == NULL) {
		refuse(sa, r, HS_IKE_N_TEMPORARY_FAILURE, NULL, 0, "out of memory");
		return;
	}
	nsa->spi_i = ike_get64(spi);
	nsa->spi_r = ike_sa_new_spi(e);
	ike_sa_rehash(nsa, 0);
	nsa->suite = suite;
	nsa->dh_group = dh;
	if (ike_random(e->nonce_r, sizeof(e->nonce_r)) != 0 ||
		hs_ike_dh_new(&nsa->dh, (enum hs_ike_dh)dh) != 0 ||
		hs_ike_dh_compute(nsa->dh, ke->u.ke.data, ke->u.ke.len, secret, sizeof(secret), &slen,
			NULL) != 0 ||
		rekey_keys(nsa, sa, ni->u.nonce.data, ni->u.nonce.len, e->nonce_r,
			sizeof(e->nonce_r), secret, slen) != 0) {
		explicit_bzero(secret, sizeof(secret));
		ike_sa_destroy(nsa, false);
		refuse(sa, r, HS_IKE_N_TEMPORARY_FAILURE, NULL, 0, "keys could not be made");
		return;
	}
	explicit_bzero(secret, sizeof(secret));
	ike_put64(nsa->spi_r, chosen.spi);
	chosen.spi_size = 8;
	const uint8_t *pub = hs_ike_dh_pub(nsa->dh, &len);

	hs_ike_msg_add_sa(r, &chosen, 1);
	hs_ike_msg_add_nonce(r, e->nonce_r, sizeof(e->nonce_r));
	hs_ike_msg_add_ke(r, dh, pub, (uint16_t)len);
	ike_send_response(sa, r);
	hs_ike_dh_free(nsa->dh);
	nsa->dh = NULL;
	if (sa->state == IKE_REKEYING) {
		/* A rekey of our own in flight collides (§2.8.2): decided when it ends. */
		sa->rekey_collision = nsa->uid;
		IKE_LOG(sa, INFO, "IKE SA rekey collision: the peer's IKE_SA %" PRIu64
				  " waits for the answer to ours", nsa->uid);
		return;
	}
	switch_over(nsa, sa);
	sa->destroy_ms = e->now + IKE_DELETE_WAIT_MS * 6;
}
