/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sending side, bytes: the header (RFC 7296 §3.1), generic payload headers
 * with their lengths and the next-payload chain (§3.2), each body through
 * the ops table. Reserved fields are written as zero (§3.2: "MUST be sent as
 * zero"), so decoding then encoding a message gives its bytes back.
 */
#include <errno.h>
#include <string.h>

#include "ike_msg_priv.h"

#define HDR_LENGTH_AT 24

unsigned int
hs_ike_msg_sk_index(const struct hs_ike_msg *m)
{
	unsigned int i;

	for (i = 0; i < m->n_pl; i++)
		if (hs_ike_pl_is_sk(m->pl[i].type))
			break;
	return i;
}

static void
hdr_put(struct hs_ike_wr *w, const struct hs_ike_hdr *h)
{
	hs_ike_wr_put_u64(w, h->spi_i);
	hs_ike_wr_put_u64(w, h->spi_r);
	hs_ike_wr_put_u8(w, h->next);
	hs_ike_wr_put_u8(w, h->version);
	hs_ike_wr_put_u8(w, h->exchange);
	hs_ike_wr_put_u8(w, h->flags);
	hs_ike_wr_put_u32(w, h->msg_id);
	hs_ike_wr_put_u32(w, h->length);
}

int
hs_ike_hdr_encode(const struct hs_ike_hdr *h, uint8_t *out, size_t cap)
{
	struct hs_ike_wr w;

	hs_ike_wr_init(&w, out, cap);
	hdr_put(&w, h);
	return w.err;
}

/* Generic header (§3.2), body, then the length patched in; records where it went. */
static void
payload_put(struct hs_ike_pl *pl, uint8_t next, struct hs_ike_wr *w)
{
	const struct hs_ike_pl_ops *ops = hs_ike_pl_ops_find(pl->type);
	size_t start = w->len, len_at;

	hs_ike_wr_put_u8(w, next);
	hs_ike_wr_put_u8(w, pl->critical ? HS_IKE_CRITICAL : 0);
	len_at = hs_ike_wr_reserve(w, 2);
	if (ops != NULL)
		ops->encode(pl, w);
	else if (pl->u.raw.len > 0 && pl->u.raw.data == NULL)
		hs_ike_wr_fail(w, -EINVAL);
	else
		hs_ike_wr_put_bytes(w, pl->u.raw.data, pl->u.raw.len);
	hs_ike_wr_patch_len16(w, len_at, start);
	if (w->err != 0)
		return;
	pl->offset = (uint32_t)start;
	pl->len = (uint16_t)(w->len - start);
	pl->body = w->p + start + HS_IKE_GENERIC_HDR_LEN;
}

/*
 * Payloads [from, to): each Next Payload names the one after it, the last
 * says NONE, except SK/SKF whose Next Payload is its first inner payload
 * (§3.14).
 */
static void
chain_put(struct hs_ike_msg *m, unsigned int from, unsigned int to, struct hs_ike_wr *w)
{
	for (unsigned int i = from; i < to && w->err == 0; i++) {
		struct hs_ike_pl *pl = &m->pl[i];
		uint8_t next = i + 1 < to ? m->pl[i + 1].type : HS_IKE_PL_NONE;

		if (hs_ike_pl_is_sk(pl->type))
			next = pl->u.sk.first_inner;
		payload_put(pl, next, w);
	}
}

static int
finish(struct hs_ike_wr *w, size_t *len)
{
	if (w->err == 0 && w->len > HS_IKE_MSG_MAX)
		w->err = -EMSGSIZE;
	if (w->err != 0)
		return w->err;
	if (len != NULL)
		*len = w->len;
	return 0;
}

int
hs_ike_msg_encode(struct hs_ike_msg *m, uint8_t *out, size_t cap, size_t *len)
{
	unsigned int end = hs_ike_msg_sk_index(m);
	struct hs_ike_wr w;
	int rc;

	/* The outer chain ends with the SK/SKF; what follows it is its plaintext. */
	end = end < m->n_pl ? end + 1 : m->n_pl;
	hs_ike_wr_init(&w, out, cap);
	m->hdr.next = end > 0 ? m->pl[0].type : HS_IKE_PL_NONE;
	hdr_put(&w, &m->hdr);
	chain_put(m, 0, end, &w);
	rc = finish(&w, len);
	if (rc < 0)
		return rc;
	m->hdr.length = (uint32_t)w.len;
	hs_ike_wr_patch_u32(&w, HDR_LENGTH_AT, m->hdr.length);
	return w.err;
}

int
hs_ike_msg_encode_inner(struct hs_ike_msg *m, uint8_t *out, size_t cap, size_t *len)
{
	unsigned int k = hs_ike_msg_sk_index(m);
	struct hs_ike_pl_sk *sk;
	struct hs_ike_wr w;

	if (k >= m->n_pl)
		return -EINVAL;
	sk = &m->pl[k].u.sk;
	/* RFC 7383 §2.5: only the first fragment names the first inner payload. */
	if (m->pl[k].type == HS_IKE_PL_SK || sk->frag_num <= 1)
		sk->first_inner = k + 1 < m->n_pl ? m->pl[k + 1].type : HS_IKE_PL_NONE;
	hs_ike_wr_init(&w, out, cap);
	chain_put(m, k + 1, m->n_pl, &w);
	return finish(&w, len);
}
