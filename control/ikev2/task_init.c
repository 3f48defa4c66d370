/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKE_SA_INIT (RFC 7296 §1.2, §2.6 cookies, §1.3/§2.7 INVALID_KE_PAYLOAD,
 * §2.23 NAT detection), initiator task and responder. The responder keeps
 * no state before it has a proposal, a matching KE and (under load) a valid
 * cookie: refusals are answered statelessly.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "ikev2_priv.h"

#define PROPS_MAX 16
#define INIT_RETRIES_MAX 3

void
natd_hash(uint64_t spi_i, uint64_t spi_r, const struct hs_addr *a, uint16_t port, uint8_t out[20])
{
	uint8_t buf[8 + 8 + 16 + 2];
	size_t alen = a->family == AF_INET6 ? 16 : 4;
	unsigned int olen = 20;

	ike_put64(spi_i, buf);
	ike_put64(spi_r, buf + 8);
	memcpy(buf + 16, a->bytes, alen);
	buf[16 + alen] = (uint8_t)(port >> 8);
	buf[17 + alen] = (uint8_t)port;
	if (EVP_Digest(buf, 18 + alen, out, &olen, EVP_sha1(), NULL) != 1)
		memset(out, 0, 20);
}

/*
 * NAT detection (§2.23): does the peer's hash of the source match where the
 * message came from (else the peer is behind a NAT), and its hash of the
 * destination match us (else we are)?
 */
static void
natd_check(struct ike_sa *sa, const struct hs_ike_msg *m)
{
	uint8_t h[20];
	bool src_seen = false, src_ok = false, dst_seen = false, dst_ok = false;

	for (unsigned int i = 0; i < m->n_pl; i++) {
		const struct hs_ike_pl_notify *n = &m->pl[i].u.notify;

		if (m->pl[i].type != HS_IKE_PL_NOTIFY || n->len != 20)
			continue;
		if (n->type == HS_IKE_N_NAT_DETECTION_SOURCE_IP) {
			src_seen = true;
			natd_hash(m->hdr.spi_i, m->hdr.spi_r, &sa->path.remote, sa->path.rport, h);
			src_ok |= CRYPTO_memcmp(h, n->data, 20) == 0;
		} else if (n->type == HS_IKE_N_NAT_DETECTION_DESTINATION_IP) {
			dst_seen = true;
			natd_hash(m->hdr.spi_i, m->hdr.spi_r, &sa->path.local, sa->path.lport, h);
			dst_ok |= CRYPTO_memcmp(h, n->data, 20) == 0;
		}
	}
	sa->nat_remote = src_seen && !src_ok;
	sa->nat_local = dst_seen && !dst_ok;
	if (sa->nat_remote || sa->nat_local)
		IKE_LOG(sa, INFO, "NAT detected: %s%s", sa->nat_local ? "we are behind a NAT " : "",
			sa->nat_remote ? "the peer is behind a NAT" : "");
}

/* The two NAT-D notifies; the hashes live in sa until the message is encoded. */
static int
add_natd(struct hs_ike_msg *m, struct ike_sa *sa)
{
	uint8_t *src = sa->natd[0], *dst = sa->natd[1];

	natd_hash(m->hdr.spi_i, m->hdr.spi_r, &sa->path.local, sa->path.lport, src);
	natd_hash(m->hdr.spi_i, m->hdr.spi_r, &sa->path.remote, sa->path.rport, dst);
	if (hs_ike_msg_add_notify(m, 0, NULL, 0, HS_IKE_N_NAT_DETECTION_SOURCE_IP, src, 20) != 0 ||
		hs_ike_msg_add_notify(m, 0, NULL, 0, HS_IKE_N_NAT_DETECTION_DESTINATION_IP, dst,
			20) != 0)
		return -ENOSPC;
	return 0;
}

/* Keys from the exchange: g^ir, SKEYSEED and the seven secrets (§2.14). */
static int
derive(struct ike_sa *sa, const uint8_t *peer_ke, size_t peer_len)
{
	uint8_t secret[HS_IKE_DH_SECRET_MAX];
	size_t slen = 0;
	const char *why = NULL;
	struct hs_ike_kdf_in in = { .ni = sa->ni, .ni_len = sa->ni_len, .nr = sa->nr,
		.nr_len = sa->nr_len };
	int rc = hs_ike_dh_compute(sa->dh, peer_ke, peer_len, secret, sizeof(secret), &slen, &why);

	if (rc != 0) {
		IKE_LOG(sa, NOTICE, "peer's KE refused: %s", why != NULL ? why : strerror(-rc));
		goto out;
	}
	in.g_ir = secret;
	in.g_ir_len = slen;
	ike_put64(sa->spi_i, in.spi_i);
	ike_put64(sa->spi_r, in.spi_r);
	rc = hs_ike_keys_derive(&sa->keys, &sa->suite, &in);
	if (rc == 0)
		rc = hs_ike_sk_init(&sa->sk_out, &sa->sk_in, &sa->keys, sa->initiator);
	if (rc == 0)
		sa->keyed = true;
out:
	explicit_bzero(secret, sizeof(secret));
	hs_ike_dh_free(sa->dh);
	sa->dh = NULL;
	return rc;
}

static uint8_t *
copy_msg(const uint8_t *buf, size_t len, size_t *out_len)
{
	uint8_t *p = malloc(len);

	if (p != NULL) {
		memcpy(p, buf, len);
		*out_len = len;
	}
	return p;
}

/*
 * RFC 7427 §4: the hashes the peer can verify signatures with; we announce
 * ours when we have certificates.
 */
static void
sig_hashes_of(struct ike_sa *sa, const struct hs_ike_msg *m)
{
	const struct hs_ike_pl *n = hs_ike_msg_find_notify(m, HS_IKE_N_SIGNATURE_HASH_ALGORITHMS);

	sa->sig_hashes = 0;
	for (uint16_t i = 0; n != NULL && i + 1u < n->u.notify.len; i += 2) {
		uint16_t h = (uint16_t)(n->u.notify.data[i] << 8 | n->u.notify.data[i + 1]);

		if (h < 8)
			sa->sig_hashes |= (uint8_t)(1u << h);
	}
}

static int
add_sig_hashes(struct ike_sa *sa, struct hs_ike_msg *m)
{
	if (sa->e->pki == NULL)
		return 0;
	return hs_ike_msg_add_notify(m, 0, NULL, 0, HS_IKE_N_SIGNATURE_HASH_ALGORITHMS,
		pki_sig_hashes, sizeof(pki_sig_hashes));
}

/* ---- initiator ---- */

static int
init_build(struct ike_sa *sa, struct task *t, struct hs_ike_msg *m)
{
	struct hs_ike_prop_desc d[PROPS_MAX];
	unsigned int n = prop_ike_offer(sa->e->cfg, d, PROPS_MAX, t->dh_group, NULL, 0);
	const uint8_t *pub;
	size_t pub_len;
	int rc;

	if (n == 0) {
		IKE_LOG(sa, ERR, "no usable ike-policies in the config");
		return -ENOENT;
	}
	if (t->dh_group == 0)
		t->dh_group = d[0].dh[0];
	if (sa->dh == NULL || hs_ike_dh_group(sa->dh) != t->dh_group) {
		hs_ike_dh_free(sa->dh);
		sa->dh = NULL;
		rc = hs_ike_dh_new(&sa->dh, (enum hs_ike_dh)t->dh_group);
		if (rc != 0)
			return rc;
	}
	if (sa->ni_len == 0) {
		sa->ni_len = IKE_NONCE_LEN;
		if (ike_random(sa->ni, sa->ni_len) != 0)
			return -EIO;
	}
	sa->dh_group = t->dh_group;
	pub = hs_ike_dh_pub(sa->dh, &pub_len);
	/* §2.6: the cookie goes first when the responder asked for one. */
	if (sa->cookie_len > 0 && hs_ike_msg_add_notify(m, 0, NULL, 0, HS_IKE_N_COOKIE,
					  sa->cookie, sa->cookie_len) != 0)
		return -ENOSPC;
	if (hs_ike_msg_add_sa(m, d, n) != 0 ||
		hs_ike_msg_add_ke(m, t->dh_group, pub, (uint16_t)pub_len) != 0 ||
		hs_ike_msg_add_nonce(m, sa->ni, sa->ni_len) != 0 || add_sig_hashes(sa, m) != 0)
		return -ENOSPC;
	if (frag_announce(sa, m) != 0)
		return -ENOSPC;
	if (ike_sa_our_spi(sa) != 0 && sa->state == IKE_CREATED)
		ike_sa_set_state(sa, IKE_CONNECTING);
	return add_natd(m, sa);
}

/* Start IKE_SA_INIT again (message ID 0, §2.6, §1.3) after COOKIE or INVALID_KE. */
static int
restart(struct ike_sa *sa, struct task *t, const char *why)
{
	if (++t->retries > INIT_RETRIES_MAX) {
		ike_sa_fail(sa, why);
		return -EPROTO;
	}
	IKE_LOG(sa, INFO, "IKE_SA_INIT again: %s", why);
	sa->tx_next = 0;
	if (ike_send_request(sa, t) != 0) {
		ike_sa_fail(sa, "IKE_SA_INIT could not be sent again");
		return -EPROTO;
	}
	return -EAGAIN;
}

static int
error_notify(struct ike_sa *sa, struct task *t, const struct hs_ike_msg *m)
{
	const struct hs_ike_pl *n = hs_ike_msg_find_notify(m, HS_IKE_N_COOKIE);
	char why[96];

	if (n != NULL) {
		if (n->u.notify.len == 0 || n->u.notify.len > IKE_COOKIE_MAX) {
			ike_sa_fail(sa, "COOKIE of a bad length");
			return -EPROTO;
		}
		memcpy(sa->cookie, n->u.notify.data, n->u.notify.len);
		sa->cookie_len = (uint8_t)n->u.notify.len;
		return restart(sa, t, "the responder asked for a COOKIE");
	}
	n = hs_ike_msg_find_notify(m, HS_IKE_N_INVALID_KE_PAYLOAD);
	if (n != NULL && n->u.notify.len == 2) {
		uint16_t g = (uint16_t)(n->u.notify.data[0] << 8 | n->u.notify.data[1]);
		struct hs_ike_prop_desc d[PROPS_MAX];

		if (prop_ike_offer(sa->e->cfg, d, PROPS_MAX, g, NULL, 0) == 0) {
			snprintf(why, sizeof(why), "peer wants DH group %u, not in our ike-policies",
				g);
			ike_sa_fail(sa, why);
			return -EPROTO;
		}
		t->dh_group = g;
		snprintf(why, sizeof(why), "INVALID_KE_PAYLOAD, the peer wants %s",
			hs_ike_dh_name(g));
		return restart(sa, t, why);
	}
	for (unsigned int i = 0; i < m->n_pl; i++)
		if (m->pl[i].type == HS_IKE_PL_NOTIFY &&
			m->pl[i].u.notify.type <= HS_IKE_N_ERROR_MAX) {
			snprintf(why, sizeof(why), "IKE_SA_INIT refused: %s",
				hs_ike_notify_name(m->pl[i].u.notify.type));
			ike_sa_fail(sa, why);
			return -EPROTO;
		}
	return 0;
}

static int
init_process(struct ike_sa *sa, struct task *t, const struct hs_ike_msg *m)
{
	const struct hs_ike_pl *psa = hs_ike_msg_find(m, HS_IKE_PL_SA, NULL);
	const struct hs_ike_pl *ke = hs_ike_msg_find(m, HS_IKE_PL_KE, NULL);
	const struct hs_ike_pl *nr = hs_ike_msg_find(m, HS_IKE_PL_NONCE, NULL);
	struct hs_ike_prop_desc d[PROPS_MAX];
	unsigned int n = prop_ike_offer(sa->e->cfg, d, PROPS_MAX, t->dh_group, NULL, 0);
	uint8_t spi[8], spi_size;
	uint16_t dh;
	int rc = error_notify(sa, t, m);

	if (rc != 0 || sa->state == IKE_DESTROYING)
		return rc;
	if (psa == NULL || ke == NULL || nr == NULL || m->hdr.spi_r == 0) {
		ike_sa_fail(sa, "IKE_SA_INIT response without SA, KE or Nr");
		return -EBADMSG;
	}
	if (prop_parse_reply(&psa->u.sa, HS_IKE_PROTO_IKE, d, n, &sa->suite, &dh, NULL, spi,
		    &spi_size) != 0 ||
		dh != sa->dh_group || ke->u.ke.group != dh) {
		ike_sa_fail(sa, "IKE_SA_INIT response: a proposal or KE we did not offer");
		return -EBADMSG;
	}
	sa->init_req = copy_msg(sa->req_buf, sa->req_len, &sa->init_req_len);
	sa->init_resp = copy_msg(m->raw, m->raw_len, &sa->init_resp_len);
	sa->nr_len = nr->u.nonce.len;
	memcpy(sa->nr, nr->u.nonce.data, sa->nr_len);
	sa->spi_r = m->hdr.spi_r;
	frag_agree(sa, m);
	sa->policy = prop_ike_policy(sa->e->cfg, &sa->suite, dh);
	auth_negotiated(sa);
	sig_hashes_of(sa, m);
	natd_check(sa, m);
	if (sa->init_req == NULL || sa->init_resp == NULL ||
		derive(sa, ke->u.ke.data, ke->u.ke.len) != 0) {
		ike_sa_fail(sa, "IKE SA keys could not be derived");
		return -EPROTO;
	}
	/* §2.23: after NAT detection, everything moves to port 4500. */
	if ((sa->nat_local || sa->nat_remote || (sa->entry && sa->entry->natt == HS_CONFIG_NATT_ALWAYS)) &&
		!(sa->entry && sa->entry->natt == HS_CONFIG_NATT_NEVER)) {
		sa->natt = true;
		sa->path.lport = HS_IKE_NATT_PORT;
		sa->path.rport = HS_IKE_NATT_PORT;
	}
	char name[128];

	IKE_LOG(sa, INFO, "IKE_SA_INIT done: %s",
		prop_suite_name(&sa->suite, sa->dh_group, name, sizeof(name)));
	return 0;
}

const struct task_ops task_init_ops = {
	.exchange = HS_IKE_SA_INIT,
	.build = init_build,
	.process = init_process,
};

/* ---- responder ---- */

/* A stateless answer: one notify, responder SPI zero (§2.6, §1.3). */
static void
answer_notify(struct hs_ikev2 *e, const struct hs_ike_path *path, const struct hs_ike_msg *req,
	uint16_t type, const uint8_t *data, uint16_t len)
{
	struct hs_ike_hdr h = { .spi_i = req->hdr.spi_i, .exchange = HS_IKE_SA_INIT,
		.flags = HS_IKE_FLAG_RESPONSE, .msg_id = 0 };
	struct hs_ike_msg *m = &e->tx;
	size_t out_len;

	hs_ike_msg_init(m, &h);
	if (hs_ike_msg_add_notify(m, 0, NULL, 0, type, data, len) == 0 &&
		hs_ike_msg_encode(m, e->out, sizeof(e->out), &out_len) == 0)
		ike_send_raw(e, path, e->out, out_len);
}

/* Cookie = prf(secret, Ni | IPi | SPIi) (§2.6); one secret per engine run. */
static void
cookie_of(struct hs_ikev2 *e, const struct hs_ike_path *path, const struct hs_ike_msg *m,
	const struct hs_ike_pl *ni, uint8_t out[32])
{
	uint8_t spi[8];
	struct hs_ike_iov iov[3] = { { ni->u.nonce.data, ni->u.nonce.len },
		{ path->remote.bytes, path->remote.family == AF_INET6 ? 16 : 4 }, { spi, 8 } };

	ike_put64(m->hdr.spi_i, spi);
	if (hs_ike_prf(HS_IKE_PRF_HMAC_SHA2_256, e->cookie_secret, sizeof(e->cookie_secret), iov, 3,
		    out, 32) != 0)
		memset(out, 0, 32);
}

/* Half-open limits and cookies; false when the request is answered or dropped here. */
static bool
admit(struct hs_ikev2 *e, const struct hs_ike_path *path, const struct hs_ike_msg *m,
	const struct hs_ike_pl *ni)
{
	unsigned int from_peer = 0;

	if (e->n_half_open >= e->o.half_open_max) {
		ike_count(e, HS_IKEV2_C_HALF_OPEN_REFUSED);
		return false;
	}
	/* Fewer half-open SAs in all than the per-peer limit: no need to count. */
	for (const struct ike_sa *sa = e->n_half_open >= e->o.half_open_peer_max ? e->sas : NULL;
		sa != NULL; sa = sa->next)
		from_peer += !sa->initiator && sa->state <= IKE_CONNECTING &&
			hs_addr_equal(&sa->path.remote, &path->remote);
	if (from_peer >= e->o.half_open_peer_max) {
		ike_count(e, HS_IKEV2_C_HALF_OPEN_REFUSED);
		return false;
	}
	if (e->n_half_open >= e->o.half_open_cookie) {
		const struct hs_ike_pl *c = hs_ike_msg_find_notify(m, HS_IKE_N_COOKIE);
		uint8_t want[32];

		cookie_of(e, path, m, ni, want);
		if (c == NULL || c->u.notify.len != 32 ||
			CRYPTO_memcmp(c->u.notify.data, want, 32) != 0) {
			ike_count(e, HS_IKEV2_C_COOKIES);
			answer_notify(e, path, m, HS_IKE_N_COOKIE, want, 32);
			return false;
		}
	}
	return true;
}

static int
respond_build(struct ike_sa *sa, const struct hs_ike_prop_desc *chosen)
{
	struct hs_ike_msg *r = &sa->e->tx;
	const uint8_t *pub;
	size_t pub_len;

	ike_msg_start(sa, r, HS_IKE_SA_INIT, true, 0);
	pub = hs_ike_dh_pub(sa->dh, &pub_len);
	if (hs_ike_msg_add_sa(r, chosen, 1) != 0 ||
		hs_ike_msg_add_ke(r, sa->dh_group, pub, (uint16_t)pub_len) != 0 ||
		hs_ike_msg_add_nonce(r, sa->nr, sa->nr_len) != 0 || add_natd(r, sa) != 0 ||
		add_sig_hashes(sa, r) != 0)
		return -ENOSPC;
	/* §1.2: the responder asks for the initiator's certificate here already. */
	if (auth_cert_allowed(sa) && pki_add_certreq(sa->e, r) != 0)
		return -ENOSPC;
	if (frag_announce(sa, r) != 0)
		return -ENOSPC;
	return 0;
}

void
init_respond(struct hs_ikev2 *e, const struct hs_ike_path *path, const struct hs_ike_msg *m,
	const uint8_t *raw, size_t len)
{
	const struct hs_ike_pl *psa = hs_ike_msg_find(m, HS_IKE_PL_SA, NULL);
	const struct hs_ike_pl *ke = hs_ike_msg_find(m, HS_IKE_PL_KE, NULL);
	const struct hs_ike_pl *ni = hs_ike_msg_find(m, HS_IKE_PL_NONCE, NULL);
	struct hs_ike_prop_desc chosen;
	struct hs_ike_suite suite;
	uint8_t spi[8], spi_size, grp[2];
	uint16_t dh;
	struct ike_sa *sa;
	char name[128];

	if (psa == NULL || ke == NULL || ni == NULL) {
		ike_count(e, HS_IKEV2_C_RX_MALFORMED);
		answer_notify(e, path, m, HS_IKE_N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	if (!admit(e, path, m, ni))
		return;
	dh = ke->u.ke.group; /* preferred: no extra round trip */
	if (prop_select(e->cfg, NULL, &psa->u.sa, HS_IKE_PROTO_IKE, &chosen, &suite, &dh, NULL,
		    spi, &spi_size) != 0) {
		ike_log(e, HS_IKEV2_LOG_NOTICE, NULL, "IKE_SA_INIT from a peer: no proposal chosen");
		ike_count(e, HS_IKEV2_C_IKE_FAILED);
		answer_notify(e, path, m, HS_IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	if (dh != ke->u.ke.group) {
		grp[0] = (uint8_t)(dh >> 8), grp[1] = (uint8_t)dh;
		answer_notify(e, path, m, HS_IKE_N_INVALID_KE_PAYLOAD, grp, 2);
		return;
	}
	sa = ike_sa_new(e, false, path);
	if (sa == NULL)
		return;
	sa->spi_i = m->hdr.spi_i;
	sa->spi_r = ike_sa_new_spi(e);
	ike_sa_rehash(sa, 0);
	ike_sa_set_state(sa, IKE_CONNECTING);
	sa->suite = suite;
	sa->dh_group = dh;
	sa->policy = prop_ike_policy(e->cfg, &suite, dh);
	auth_negotiated(sa);
	sig_hashes_of(sa, m);
	sa->ni_len = ni->u.nonce.len;
	memcpy(sa->ni, ni->u.nonce.data, sa->ni_len);
	sa->nr_len = IKE_NONCE_LEN;
	frag_agree(sa, m);
	natd_check(sa, m);
	sa->natt = sa->nat_local || sa->nat_remote;
	if (sa->spi_r == 0 || ike_random(sa->nr, sa->nr_len) != 0 ||
		hs_ike_dh_new(&sa->dh, (enum hs_ike_dh)dh) != 0 || respond_build(sa, &chosen) != 0) {
		ike_sa_destroy(sa, false);
		return;
	}
	/* The response carries our KE: encode it before the private key goes. */
	sa->rx_next = 0;
	if (ike_send_response(sa, &e->tx) != 0 || derive(sa, ke->u.ke.data, ke->u.ke.len) != 0) {
		ike_sa_fail(sa, "IKE_SA_INIT: keys could not be derived");
		return;
	}
	sa->init_req = copy_msg(raw, len, &sa->init_req_len);
	sa->init_resp = copy_msg(sa->resp_buf, sa->resp_len, &sa->init_resp_len);
	if (sa->init_req == NULL || sa->init_resp == NULL) {
		ike_sa_fail(sa, "out of memory");
		return;
	}
	IKE_LOG(sa, INFO, "IKE_SA_INIT answered: %s",
		prop_suite_name(&sa->suite, sa->dh_group, name, sizeof(name)));
}
