/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The payloads with flat bodies (RFC 7296 §3.4 to §3.16, RFC 7383 §2.5):
 * their checks, decoders and encoders, and the ops table of every type the
 * codec knows. SA is in ike_msg_sa.c, TS and CP in ike_msg_ts.c.
 */
#include <errno.h>
#include <string.h>

#include "ike_msg_priv.h"

#define FAIL(c, r, ...) hs_ike_pctx_fail((c), -EBADMSG, (r)->off, __VA_ARGS__)

/* Caller bytes for the encoder: len bytes at data, which must exist when len > 0. */
static void
put_data(struct hs_ike_wr *w, const uint8_t *data, size_t len)
{
	if (len > 0 && data == NULL)
		hs_ike_wr_fail(w, -EINVAL);
	else
		hs_ike_wr_put_bytes(w, data, len);
}

/* The rest of the body as (data, len). */
static void
rest(struct hs_ike_rd *r, const uint8_t **data, uint16_t *len)
{
	size_t n = hs_ike_rd_left(r);

	*len = (uint16_t)n;
	hs_ike_rd_get_ref(r, data, n);
}

/* --- KE (§3.4): DH Group Num, RESERVED(2), Key Exchange Data --- */

static int
ke_parse(struct hs_ike_pctx *c, struct hs_ike_rd *r, struct hs_ike_pl *pl)
{
	(void)c;
	hs_ike_rd_get_u16(r, &pl->u.ke.group);
	hs_ike_rd_skip(r, 2);
	rest(r, &pl->u.ke.data, &pl->u.ke.len);
	return r->err;
}

static void
ke_encode(const struct hs_ike_pl *pl, struct hs_ike_wr *w)
{
	hs_ike_wr_put_u16(w, pl->u.ke.group);
	hs_ike_wr_put_zero(w, 2);
	put_data(w, pl->u.ke.data, pl->u.ke.len);
}

/*
 * Type byte, `pad` reserved bytes, data: ID (§3.5) and AUTH (§3.8) have 3
 * reserved bytes, CERT and CERTREQ (§3.6, §3.7) none.
 */
static int
typed_parse(struct hs_ike_rd *r, struct hs_ike_pl_typed *t, size_t pad)
{
	hs_ike_rd_get_u8(r, &t->type);
	hs_ike_rd_skip(r, pad);
	rest(r, &t->data, &t->len);
	return r->err;
}

static void
typed_encode(const struct hs_ike_pl_typed *t, size_t pad, struct hs_ike_wr *w)
{
	hs_ike_wr_put_u8(w, t->type);
	hs_ike_wr_put_zero(w, pad);
	put_data(w, t->data, t->len);
}

/* An address identity has the address's length (§3.5); the others are free-form. */
static int
id_validate(struct hs_ike_pctx *c, struct hs_ike_rd *r)
{
	size_t len = hs_ike_rd_left(r) - 4;
	uint8_t type;

	hs_ike_rd_get_u8(r, &type);
	hs_ike_rd_skip(r, 3);
	if (type == HS_IKE_ID_IPV4_ADDR && len != 4)
		return FAIL(c, r, "%s of %zu bytes, expected 4", hs_ike_id_type_name(type), len);
	if (type == HS_IKE_ID_IPV6_ADDR && len != 16)
		return FAIL(c, r, "%s of %zu bytes, expected 16", hs_ike_id_type_name(type), len);
	return 0;
}

static int
id_parse(struct hs_ike_pctx *c, struct hs_ike_rd *r, struct hs_ike_pl *pl)
{
	(void)c;
	return typed_parse(r, &pl->u.id, 3);
}

static void
id_encode(const struct hs_ike_pl *pl, struct hs_ike_wr *w)
{
	typed_encode(&pl->u.id, 3, w);
}

static int
cert_parse(struct hs_ike_pctx *c, struct hs_ike_rd *r, struct hs_ike_pl *pl)
{
	(void)c;
	return typed_parse(r, &pl->u.cert, 0);
}

static void
cert_encode(const struct hs_ike_pl *pl, struct hs_ike_wr *w)
{
	typed_encode(&pl->u.cert, 0, w);
}

static int
auth_parse(struct hs_ike_pctx *c, struct hs_ike_rd *r, struct hs_ike_pl *pl)
{
	(void)c;
	return typed_parse(r, &pl->u.auth, 3);
}

static void
auth_encode(const struct hs_ike_pl *pl, struct hs_ike_wr *w)
{
	typed_encode(&pl->u.auth, 3, w);
}

/* --- Nonce (§3.9), Vendor ID (§3.12), EAP (§3.16): the body is the data --- */

static int
nonce_validate(struct hs_ike_pctx *c, struct hs_ike_rd *r)
{
	size_t len = hs_ike_rd_left(r);

	/* The minimum is the ops table's; both bounds are §2.10's. */
	if (len > HS_IKE_NONCE_MAX)
		return FAIL(c, r, "nonce of %zu bytes, expected %d..%d (RFC 7296 §2.10)", len,
			HS_IKE_NONCE_MIN, HS_IKE_NONCE_MAX);
	return 0;
}

static int
nonce_parse(struct hs_ike_pctx *c, struct hs_ike_rd *r, struct hs_ike_pl *pl)
{
	(void)c;
	rest(r, &pl->u.nonce.data, &pl->u.nonce.len);
	return r->err;
}

static void
nonce_encode(const struct hs_ike_pl *pl, struct hs_ike_wr *w)
{
	put_data(w, pl->u.nonce.data, pl->u.nonce.len);
}

static int
vendor_parse(struct hs_ike_pctx *c, struct hs_ike_rd *r, struct hs_ike_pl *pl)
{
	(void)c;
	rest(r, &pl->u.vendor.data, &pl->u.vendor.len);
	return r->err;
}

static void
vendor_encode(const struct hs_ike_pl *pl, struct hs_ike_wr *w)
{
	put_data(w, pl->u.vendor.data, pl->u.vendor.len);
}

/* The EAP message's own Length (RFC 3748 §4) must be the payload body. */
static int
eap_validate(struct hs_ike_pctx *c, struct hs_ike_rd *r)
{
	size_t len = hs_ike_rd_left(r);
	uint16_t eap_len;

	hs_ike_rd_skip(r, 2);
	hs_ike_rd_get_u16(r, &eap_len);
	if (eap_len != len)
		return FAIL(c, r, "EAP Length %u, but the payload holds %zu bytes", eap_len, len);
	return 0;
}

static int
eap_parse(struct hs_ike_pctx *c, struct hs_ike_rd *r, struct hs_ike_pl *pl)
{
	(void)c;
	rest(r, &pl->u.eap.data, &pl->u.eap.len);
	return r->err;
}

static void
eap_encode(const struct hs_ike_pl *pl, struct hs_ike_wr *w)
{
	put_data(w, pl->u.eap.data, pl->u.eap.len);
}

/* --- Notify (§3.10): Protocol ID, SPI Size, Notify Message Type, SPI, data --- */

static int
notify_validate(struct hs_ike_pctx *c, struct hs_ike_rd *r)
{
	uint8_t spi_size;

	hs_ike_rd_skip(r, 1);
	hs_ike_rd_get_u8(r, &spi_size);
	hs_ike_rd_skip(r, 2);
	if (spi_size > HS_IKE_SPI_MAX)
		return FAIL(c, r, "SPI size %u, at most %d", spi_size, HS_IKE_SPI_MAX);
	if (spi_size > hs_ike_rd_left(r))
		return FAIL(c, r, "SPI size %u, but only %zu bytes follow", spi_size,
			hs_ike_rd_left(r));
	return 0;
}

static int
notify_parse(struct hs_ike_pctx *c, struct hs_ike_rd *r, struct hs_ike_pl *pl)
{
	struct hs_ike_pl_notify *n = &pl->u.notify;

	(void)c;
	hs_ike_rd_get_u8(r, &n->proto);
	hs_ike_rd_get_u8(r, &n->spi_size);
	hs_ike_rd_get_u16(r, &n->type);
	if (n->spi_size > HS_IKE_SPI_MAX)
		return -EBADMSG;
	hs_ike_rd_get_bytes(r, n->spi, n->spi_size);
	rest(r, &n->data, &n->len);
	return r->err;
}

static void
notify_encode(const struct hs_ike_pl *pl, struct hs_ike_wr *w)
{
	const struct hs_ike_pl_notify *n = &pl->u.notify;

	if (n->spi_size > HS_IKE_SPI_MAX) {
		hs_ike_wr_fail(w, -EINVAL);
		return;
	}
	hs_ike_wr_put_u8(w, n->proto);
	hs_ike_wr_put_u8(w, n->spi_size);
	hs_ike_wr_put_u16(w, n->type);
	hs_ike_wr_put_bytes(w, n->spi, n->spi_size);
	put_data(w, n->data, n->len);
}

/* --- Delete (§3.11): Protocol ID, SPI Size, Num of SPIs, SPIs --- */

static int
delete_validate(struct hs_ike_pctx *c, struct hs_ike_rd *r)
{
	uint8_t proto, spi_size;
	uint16_t n;

	hs_ike_rd_get_u8(r, &proto);
	hs_ike_rd_get_u8(r, &spi_size);
	hs_ike_rd_get_u16(r, &n);
	/* §3.11: zero for IKE (its SPIs are in the header), four for AH and ESP. */
	if (proto == HS_IKE_PROTO_IKE && spi_size != 0)
		return FAIL(c, r, "SPI size %u for IKE, expected 0", spi_size);
	if ((proto == HS_IKE_PROTO_AH || proto == HS_IKE_PROTO_ESP) && spi_size != 4)
		return FAIL(c, r, "SPI size %u for %s, expected 4", spi_size,
			hs_ike_proto_name(proto));
	if (spi_size > HS_IKE_SPI_MAX)
		return FAIL(c, r, "SPI size %u, at most %d", spi_size, HS_IKE_SPI_MAX);
	if (n > HS_IKE_MAX_SPIS)
		return hs_ike_pctx_fail(c, -E2BIG, r->off - 2, "%u SPIs, at most %d", n,
			HS_IKE_MAX_SPIS);
	if ((size_t)n * spi_size != hs_ike_rd_left(r))
		return FAIL(c, r, "%u SPIs of %u bytes, but %zu bytes follow", n, spi_size,
			hs_ike_rd_left(r));
	return 0;
}

static int
delete_parse(struct hs_ike_pctx *c, struct hs_ike_rd *r, struct hs_ike_pl *pl)
{
	struct hs_ike_pl_delete *d = &pl->u.del;

	(void)c;
	hs_ike_rd_get_u8(r, &d->proto);
	hs_ike_rd_get_u8(r, &d->spi_size);
	hs_ike_rd_get_u16(r, &d->n_spis);
	hs_ike_rd_get_ref(r, &d->spis, (size_t)d->n_spis * d->spi_size);
	return r->err;
}

static void
delete_encode(const struct hs_ike_pl *pl, struct hs_ike_wr *w)
{
	const struct hs_ike_pl_delete *d = &pl->u.del;

	if (d->spi_size > HS_IKE_SPI_MAX || d->n_spis > HS_IKE_MAX_SPIS) {
		hs_ike_wr_fail(w, -EINVAL);
		return;
	}
	hs_ike_wr_put_u8(w, d->proto);
	hs_ike_wr_put_u8(w, d->spi_size);
	hs_ike_wr_put_u16(w, d->n_spis);
	put_data(w, d->spis, (size_t)d->n_spis * d->spi_size);
}

/* --- SK (§3.14): opaque; SKF (RFC 7383 §2.5): Fragment Number, Total Fragments, opaque --- */

static int
sk_parse(struct hs_ike_pctx *c, struct hs_ike_rd *r, struct hs_ike_pl *pl)
{
	(void)c;
	rest(r, &pl->u.sk.data, &pl->u.sk.len);
	return r->err;
}

/* NULL data: room for the ciphertext, encrypted in place later. */
static void
sk_encode(const struct hs_ike_pl *pl, struct hs_ike_wr *w)
{
	if (pl->u.sk.data == NULL)
		hs_ike_wr_put_zero(w, pl->u.sk.len);
	else
		hs_ike_wr_put_bytes(w, pl->u.sk.data, pl->u.sk.len);
}

/* RFC 7383 §2.6: numbers count from 1 and never exceed the total. */
static int
skf_validate(struct hs_ike_pctx *c, struct hs_ike_rd *r)
{
	uint16_t num, total;

	hs_ike_rd_get_u16(r, &num);
	hs_ike_rd_get_u16(r, &total);
	if (num == 0 || total == 0 || num > total)
		return hs_ike_pctx_fail(c, -EBADMSG, r->off - 4,
			"fragment %u of %u, expected 1 <= number <= total", num, total);
	return 0;
}

static int
skf_parse(struct hs_ike_pctx *c, struct hs_ike_rd *r, struct hs_ike_pl *pl)
{
	(void)c;
	hs_ike_rd_get_u16(r, &pl->u.sk.frag_num);
	hs_ike_rd_get_u16(r, &pl->u.sk.frag_total);
	return sk_parse(c, r, pl);
}

static void
skf_encode(const struct hs_ike_pl *pl, struct hs_ike_wr *w)
{
	hs_ike_wr_put_u16(w, pl->u.sk.frag_num);
	hs_ike_wr_put_u16(w, pl->u.sk.frag_total);
	sk_encode(pl, w);
}

/*
 * Least body lengths: SA one 8-byte proposal; KE, ID, AUTH their 4 fixed
 * bytes and some data; CERT/CERTREQ the encoding; Nonce 16 (§2.10); Notify,
 * Delete, TS, CP their 4 fixed bytes; SK one byte; SKF 4 + one; EAP its
 * 4-byte header (RFC 3748 §4).
 */
static const struct hs_ike_pl_ops table[] = {
	{ HS_IKE_PL_SA, 8, hs_ike_pl_sa_validate, hs_ike_pl_sa_parse, hs_ike_pl_sa_encode },
	{ HS_IKE_PL_KE, 5, NULL, ke_parse, ke_encode },
	{ HS_IKE_PL_IDI, 5, id_validate, id_parse, id_encode },
	{ HS_IKE_PL_IDR, 5, id_validate, id_parse, id_encode },
	{ HS_IKE_PL_CERT, 1, NULL, cert_parse, cert_encode },
	{ HS_IKE_PL_CERTREQ, 1, NULL, cert_parse, cert_encode },
	{ HS_IKE_PL_AUTH, 5, NULL, auth_parse, auth_encode },
	{ HS_IKE_PL_NONCE, HS_IKE_NONCE_MIN, nonce_validate, nonce_parse, nonce_encode },
	{ HS_IKE_PL_NOTIFY, 4, notify_validate, notify_parse, notify_encode },
	{ HS_IKE_PL_DELETE, 4, delete_validate, delete_parse, delete_encode },
	{ HS_IKE_PL_VENDOR, 0, NULL, vendor_parse, vendor_encode },
	{ HS_IKE_PL_TSI, 4, hs_ike_pl_ts_validate, hs_ike_pl_ts_parse, hs_ike_pl_ts_encode },
	{ HS_IKE_PL_TSR, 4, hs_ike_pl_ts_validate, hs_ike_pl_ts_parse, hs_ike_pl_ts_encode },
	{ HS_IKE_PL_SK, 1, NULL, sk_parse, sk_encode },
	{ HS_IKE_PL_CP, 4, hs_ike_pl_cp_validate, hs_ike_pl_cp_parse, hs_ike_pl_cp_encode },
	{ HS_IKE_PL_EAP, 4, eap_validate, eap_parse, eap_encode },
	{ HS_IKE_PL_SKF, 5, skf_validate, skf_parse, skf_encode },
};

const struct hs_ike_pl_ops *
hs_ike_pl_ops_find(uint8_t type)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].type == type)
			return &table[i];
	return NULL;
}

bool
hs_ike_pl_known(uint8_t type)
{
	return hs_ike_pl_ops_find(type) != NULL;
}
