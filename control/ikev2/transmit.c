/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Messages on the wire: the Encrypted payload (RFC 7296 §3.14) around every
 * message after IKE_SA_INIT, the window of one request in flight (§2.3),
 * retransmission with exponential back-off (§2.1, §2.4), and the cached
 * response resent for a retransmitted request. A sealed message too large
 * for one datagram is its fragments (fragment.c, RFC 7383), one after the
 * other in the same buffer: sent, cached and resent together (§2.6).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ikev2_priv.h"

int
ike_send_raw(struct hs_ikev2 *e, const struct hs_ike_path *path, const uint8_t *buf, size_t len)
{
	int rc = e->io.send(e->io.ctx, path, buf, len);

	ike_count(e, rc == 0 ? HS_IKEV2_C_TX : HS_IKEV2_C_TX_FAILED);
	return rc;
}

int
ike_send_sealed(struct ike_sa *sa, const uint8_t *buf, size_t len)
{
	struct hs_ikev2 *e = sa->e;
	int first_rc = 0;

	/* Each message's length is in its header (§3.1): the buffer is self-delimiting. */
	while (len >= HS_IKE_HDR_LEN) {
		size_t n = ike_get32(buf + 24);
		int rc;

		if (n < HS_IKE_HDR_LEN || n > len)
			return -EINVAL; /* not ours: cannot happen */
		if (buf[16] == HS_IKE_PL_SKF)
			ike_count(e, HS_IKEV2_C_TX_FRAGMENTS);
		rc = ike_send_raw(e, &sa->path, buf, n);
		if (first_rc == 0)
			first_rc = rc;
		buf += n;
		len -= n;
	}
	return first_rc;
}

void
ike_msg_start(struct ike_sa *sa, struct hs_ike_msg *m, enum hs_ike_exchange x, bool response,
	uint32_t msg_id)
{
	struct hs_ike_hdr h = { .spi_i = sa->spi_i, .spi_r = sa->spi_r, .exchange = (uint8_t)x,
		.msg_id = msg_id };

	/* §3.1: I marks the original initiator of the IKE SA, R a response. */
	if (sa->initiator)
		h.flags |= HS_IKE_FLAG_INITIATOR;
	if (response)
		h.flags |= HS_IKE_FLAG_RESPONSE;
	hs_ike_msg_init(m, &h);
	if (x != HS_IKE_SA_INIT)
		hs_ike_msg_add_sk(m, NULL, 0);
}

int
ike_msg_seal(struct ike_sa *sa, struct hs_ike_msg *m, uint8_t *buf, size_t cap, size_t *len)
{
	struct hs_ikev2 *e = sa->e;
	struct hs_ike_pl *sk = NULL;
	size_t plen, sklen, out_len;
	int rc;

	for (unsigned int i = 0; i < m->n_pl; i++)
		if (m->pl[i].type == HS_IKE_PL_SK)
			sk = &m->pl[i];
	if (sk == NULL)
		return hs_ike_msg_encode(m, buf, cap, len);
	if (!sa->keyed)
		return -EINVAL;
	rc = hs_ike_msg_encode_inner(m, e->inner, sizeof(e->inner), &plen);
	if (rc != 0)
		return rc;
	sklen = hs_ike_sk_len(&sa->sk_out, plen);
	if (sklen == 0 || sklen > UINT16_MAX - 4) {
		rc = -EMSGSIZE;
		goto out;
	}
	sk->u.sk.data = NULL;
	sk->u.sk.len = (uint16_t)sklen;
	rc = hs_ike_msg_encode(m, buf, cap, len);
	if (rc != 0)
		goto out;
	if (frag_wanted(sa, m, *len)) {
		rc = frag_seal(sa, &m->hdr, e->inner, plen, sk->u.sk.first_inner, buf, cap, len);
		goto out;
	}
	rc = hs_ike_sk_encrypt(&sa->sk_out, buf, sk->offset + 4u, e->inner, plen,
		buf + sk->offset + 4, cap - sk->offset - 4, &out_len);
out:
	explicit_bzero(e->inner, plen < sizeof(e->inner) ? plen : sizeof(e->inner));
	return rc;
}

int
ike_send_request(struct ike_sa *sa, struct task *t)
{
	struct hs_ikev2 *e = sa->e;
	struct hs_ike_msg *m = &e->tx;
	size_t len;
	int rc;

	ike_msg_start(sa, m, t->ops->exchange, false, sa->tx_next);
	rc = t->ops->build(sa, t, m);
	if (rc != 0)
		return rc;
	rc = ike_msg_seal(sa, m, e->out, sizeof(e->out), &len);
	if (rc != 0) {
		IKE_LOG(sa, ERR, "%s request not encoded: %s", hs_ike_exchange_name(m->hdr.exchange),
			strerror(-rc));
		return rc;
	}
	free(sa->req_buf);
	sa->req_buf = malloc(len);
	if (sa->req_buf == NULL)
		return -ENOMEM;
	memcpy(sa->req_buf, e->out, len);
	sa->req_len = len;
	sa->req_id = sa->tx_next++;
	sa->req_tries = 1;
	sa->req_next_ms = e->now + e->o.retransmit_ms;
	sa->last_tx_ms = e->now;
	IKE_LOG(sa, DEBUG, "sending %s request id %" PRIu32 " (%zu bytes)",
		hs_ike_exchange_name(m->hdr.exchange), sa->req_id, len);
	ike_send_sealed(sa, sa->req_buf, len);
	return 0;
}

int
ike_send_response(struct ike_sa *sa, struct hs_ike_msg *m)
{
	struct hs_ikev2 *e = sa->e;
	size_t len;
	int rc = ike_msg_seal(sa, m, e->out, sizeof(e->out), &len);

	if (rc != 0) {
		IKE_LOG(sa, ERR, "%s response not encoded: %s",
			hs_ike_exchange_name(m->hdr.exchange), strerror(-rc));
		return rc;
	}
	free(sa->resp_buf);
	sa->resp_buf = malloc(len);
	if (sa->resp_buf == NULL) {
		sa->resp_valid = false;
		return -ENOMEM;
	}
	memcpy(sa->resp_buf, e->out, len);
	sa->resp_len = len;
	sa->resp_id = m->hdr.msg_id;
	sa->resp_valid = true;
	if (m->hdr.msg_id == sa->rx_next)
		sa->rx_next++;
	sa->last_tx_ms = e->now;
	return ike_send_sealed(sa, sa->resp_buf, len);
}

int
ike_msg_open(struct ike_sa *sa, struct hs_ike_msg *m)
{
	struct hs_ikev2 *e = sa->e;
	const struct hs_ike_pl *sk = NULL;
	struct hs_ike_err err;
	uint8_t first;
	size_t plen;
	int rc;

	for (unsigned int i = 0; i < m->n_pl; i++)
		if (m->pl[i].type == HS_IKE_PL_SK || m->pl[i].type == HS_IKE_PL_SKF)
			sk = &m->pl[i];
	if (sk == NULL || !sa->keyed) {
		ike_count(e, HS_IKEV2_C_RX_UNEXPECTED);
		IKE_LOG(sa, INFO, "%s without an Encrypted payload we can open: dropped",
			hs_ike_exchange_name(m->hdr.exchange));
		return -EBADMSG;
	}
	if (sk->type == HS_IKE_PL_SKF) {
		/* RFC 7383 §2.6: kept until the message is whole (-EINPROGRESS before). */
		rc = frag_input(sa, m, sk, &plen, &first);
		if (rc != 0)
			return rc;
	} else {
		rc = hs_ike_sk_decrypt(&sa->sk_in, m->raw, (size_t)(sk->u.sk.data - m->raw),
			sk->u.sk.data, sk->u.sk.len, e->plain, sizeof(e->plain), &plen);
		if (rc != 0) {
			/* §2.21.4: a message that fails integrity is dropped without an answer. */
			ike_count(e, HS_IKEV2_C_RX_BAD_ICV);
			IKE_LOG(sa, INFO, "%s id %" PRIu32 ": integrity check failed, dropped",
				hs_ike_exchange_name(m->hdr.exchange), m->hdr.msg_id);
			return -EBADMSG;
		}
		first = sk->u.sk.first_inner;
	}
	if (plen == 0)
		return 0; /* empty INFORMATIONAL: liveness check */
	rc = hs_ike_msg_parse_inner(m, first, e->plain, plen, &err);
	if (rc != 0) {
		ike_count(e, HS_IKEV2_C_RX_MALFORMED);
		IKE_LOG(sa, INFO, "%s id %" PRIu32 ": malformed inside: %s",
			hs_ike_exchange_name(m->hdr.exchange), m->hdr.msg_id, err.text);
		return rc;
	}
	return 0;
}

void
ike_retransmit(struct ike_sa *sa)
{
	struct hs_ikev2 *e = sa->e;

	if (sa->req_buf == NULL || sa->active == NULL || e->now < sa->req_next_ms)
		return;
	if (sa->req_tries >= e->o.retransmit_tries) {
		char why[96];

		snprintf(why, sizeof(why), "no answer to %s after %u transmissions",
			hs_ike_exchange_name(sa->active->ops->exchange), sa->req_tries);
		if (sa->active->kind == TASK_DPD)
			ike_count(e, HS_IKEV2_C_DPD_DEAD);
		ike_sa_fail(sa, why);
		return;
	}
	sa->req_tries++;
	/* Back-off doubles each time (§2.4), capped at 32 s. */
	uint64_t wait = (uint64_t)e->o.retransmit_ms << (sa->req_tries - 1);

	sa->req_next_ms = e->now + (wait > 32000 ? 32000 : wait);
	ike_count(e, HS_IKEV2_C_TX_RETRANSMIT);
	IKE_LOG(sa, DEBUG, "retransmitting request id %" PRIu32 " (try %u)", sa->req_id,
		sa->req_tries);
	ike_send_sealed(sa, sa->req_buf, sa->req_len);
}
