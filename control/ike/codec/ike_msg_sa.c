/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SA payload (RFC 7296 §3.3): proposals (§3.3.1) holding transforms
 * (§3.3.2) holding attributes (§3.3.5). Every substructure carries its own
 * length and a Last Substruc flag; both must agree with each other and with
 * the enclosing length, and Num Transforms with what the proposal holds.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ike_msg_priv.h"

#define PROP_HDR_LEN 8
#define XF_HDR_LEN 8
#define ATTR_TYPE_MASK 0x7fff

/*
 * Attributes of one transform (§3.3.5): TV (AF set, 2-byte value) or TLV.
 * Key Length must be TV and appear once; the others are counted, not
 * understood (§3.3.6 leaves such a transform unselectable). `where` names
 * the transform in reasons: "proposal 1 transform 2".
 */
static int
attrs_validate(struct hs_ike_pctx *c, struct hs_ike_rd *r, const char *where)
{
	bool have_key_len = false;

	while (hs_ike_rd_left(r) > 0) {
		size_t at = r->off, left = hs_ike_rd_left(r);
		uint16_t type, val;
		bool tv;

		if (left < 4)
			return hs_ike_pctx_fail(c, -EBADMSG, at,
				"%s: %zu bytes left, an attribute takes 4", where, left);
		hs_ike_rd_get_u16(r, &type);
		hs_ike_rd_get_u16(r, &val);
		tv = (type & HS_IKE_ATTR_TV) != 0;
		if ((type & ATTR_TYPE_MASK) == HS_IKE_ATTR_KEY_LENGTH && !tv)
			return hs_ike_pctx_fail(c, -EBADMSG, at,
				"%s: Key Length in TLV form, must be TV (RFC 7296 §3.3.5)", where);
		if ((type & ATTR_TYPE_MASK) == HS_IKE_ATTR_KEY_LENGTH && have_key_len)
			return hs_ike_pctx_fail(c, -EBADMSG, at, "%s: second Key Length attribute",
				where);
		if ((type & ATTR_TYPE_MASK) == HS_IKE_ATTR_KEY_LENGTH)
			have_key_len = true;
		if (!tv && val > hs_ike_rd_left(r))
			return hs_ike_pctx_fail(c, -EBADMSG, at + 2,
				"%s: attribute length %u, only %zu bytes left", where, val,
				hs_ike_rd_left(r));
		if (!tv)
			hs_ike_rd_skip(r, val);
	}
	return 0;
}

/* One transform at r (the rest of its proposal); *more: its Last Substruc says another follows. */
static int
xf_validate(struct hs_ike_pctx *c, struct hs_ike_rd *r, unsigned int pi, unsigned int xi,
	bool *more)
{
	size_t at = r->off, left = hs_ike_rd_left(r);
	struct hs_ike_rd x;
	char where[40];
	uint8_t last;
	uint16_t len;

	snprintf(where, sizeof(where), "proposal %u transform %u", pi, xi);
	if (left < XF_HDR_LEN)
		return hs_ike_pctx_fail(c, -EBADMSG, at,
			"%s: %zu bytes left, a transform takes at least %d", where, left,
			XF_HDR_LEN);
	hs_ike_rd_get_u8(r, &last);
	hs_ike_rd_skip(r, 1);
	hs_ike_rd_get_u16(r, &len);
	if (last != HS_IKE_PROP_LAST && last != HS_IKE_XF_MORE)
		return hs_ike_pctx_fail(c, -EBADMSG, at, "%s: Last Substruc %u, expected 0 or 3",
			where, last);
	if (len < XF_HDR_LEN || len > left)
		return hs_ike_pctx_fail(c, -EBADMSG, at + 2,
			"%s: Transform Length %u, expected %d..%zu", where, len, XF_HDR_LEN, left);
	hs_ike_rd_split(r, &x, len - 4u);
	hs_ike_rd_skip(&x, 4); /* type, reserved, id */
	*more = last == HS_IKE_XF_MORE;
	return attrs_validate(c, &x, where);
}

/* The transforms after the SPI: as many as Num Transforms says, filling the proposal. */
static int
xfs_validate(struct hs_ike_pctx *c, struct hs_ike_rd *r, unsigned int pi, uint8_t n_xf,
	size_t n_at)
{
	unsigned int count = 0;
	bool more = true;

	while (hs_ike_rd_left(r) > 0) {
		int rc;

		if (!more)
			return hs_ike_pctx_fail(c, -EBADMSG, r->off,
				"proposal %u: transform %u had Last Substruc 0, "
				"but %zu bytes follow", pi, count, hs_ike_rd_left(r));
		rc = xf_validate(c, r, pi, ++count, &more);
		if (rc < 0)
			return rc;
	}
	if (count > 0 && more)
		return hs_ike_pctx_fail(c, -EBADMSG, r->off,
			"proposal %u: transform %u has Last Substruc 3, but the proposal ends", pi,
			count);
	if (count != n_xf)
		return hs_ike_pctx_fail(c, -EBADMSG, n_at,
			"proposal %u: Num Transforms %u, but the proposal holds %u", pi, n_xf,
			count);
	if (c->n_xf + count > HS_IKE_MAX_TRANSFORMS)
		return hs_ike_pctx_fail(c, -E2BIG, n_at, "more than %d transforms in the message",
			HS_IKE_MAX_TRANSFORMS);
	c->n_xf += count;
	return 0;
}

/*
 * §3.3.1: proposals offered are numbered 1, 2, ...; an accepted one keeps
 * the number it was offered with, so a response may start anywhere above 0.
 */
static int
num_check(struct hs_ike_pctx *c, size_t at, unsigned int pi, uint8_t num, uint8_t prev)
{
	bool response = c->m != NULL && (c->m->hdr.flags & HS_IKE_FLAG_RESPONSE) != 0;

	if (pi == 1 && response && num > 0)
		return 0;
	if (num != (uint8_t)(prev + 1) || (pi > 1 && prev == 255))
		return hs_ike_pctx_fail(c, -EBADMSG, at,
			"proposal %u: Proposal Num %u, expected %u (RFC 7296 §3.3.1)", pi, num,
			(prev + 1) & 0xff);
	return 0;
}

static int
prop_validate(struct hs_ike_pctx *c, struct hs_ike_rd *r, unsigned int pi, uint8_t *num,
	bool *more)
{
	size_t at = r->off, left = hs_ike_rd_left(r);
	uint8_t last, proto, spi_size, n_xf, prev = *num;
	struct hs_ike_rd h = *r, p;
	uint16_t len;
	int rc;

	if (left < PROP_HDR_LEN)
		return hs_ike_pctx_fail(c, -EBADMSG, at,
			"proposal %u: %zu bytes left, a proposal takes at least %d", pi, left,
			PROP_HDR_LEN);
	/* Read the fixed part through a copy: r moves once, over the whole proposal. */
	hs_ike_rd_get_u8(&h, &last);
	hs_ike_rd_skip(&h, 1);
	hs_ike_rd_get_u16(&h, &len);
	hs_ike_rd_get_u8(&h, num);
	hs_ike_rd_get_u8(&h, &proto);
	hs_ike_rd_get_u8(&h, &spi_size);
	hs_ike_rd_get_u8(&h, &n_xf);
	if (last != HS_IKE_PROP_LAST && last != HS_IKE_PROP_MORE)
		return hs_ike_pctx_fail(c, -EBADMSG, at,
			"proposal %u: Last Substruc %u, expected 0 or 2", pi, last);
	if (spi_size > HS_IKE_SPI_MAX)
		return hs_ike_pctx_fail(c, -EBADMSG, at + 6, "proposal %u: SPI size %u, at most %d",
			pi, spi_size, HS_IKE_SPI_MAX);
	if (len < PROP_HDR_LEN + spi_size || len > left)
		return hs_ike_pctx_fail(c, -EBADMSG, at + 2,
			"proposal %u: Proposal Length %u, expected %u..%zu", pi, len,
			PROP_HDR_LEN + spi_size, left);
	rc = num_check(c, at + 4, pi, *num, prev);
	if (rc < 0)
		return rc;
	hs_ike_rd_split(r, &p, len);
	hs_ike_rd_skip(&p, PROP_HDR_LEN + spi_size);
	*more = last == HS_IKE_PROP_MORE;
	return xfs_validate(c, &p, pi, n_xf, at + 7);
}

int
hs_ike_pl_sa_validate(struct hs_ike_pctx *c, struct hs_ike_rd *r)
{
	unsigned int pi = 0;
	uint8_t num = 0;
	bool more = true;

	while (hs_ike_rd_left(r) > 0) {
		int rc;

		if (!more)
			return hs_ike_pctx_fail(c, -EBADMSG, r->off,
				"proposal %u had Last Substruc 0, but %zu bytes follow", pi,
				hs_ike_rd_left(r));
		if (c->n_props >= HS_IKE_MAX_PROPOSALS)
			return hs_ike_pctx_fail(c, -E2BIG, r->off,
				"more than %d proposals in the message", HS_IKE_MAX_PROPOSALS);
		rc = prop_validate(c, r, ++pi, &num, &more);
		if (rc < 0)
			return rc;
		c->n_props++;
	}
	if (more)
		return hs_ike_pctx_fail(c, -EBADMSG, r->off,
			"proposal %u has Last Substruc 2, but the payload ends", pi);
	return 0;
}

/* Decode one checked transform into t (§3.3.2, attributes §3.3.5). */
static void
xf_parse(struct hs_ike_rd *r, struct hs_ike_transform *t)
{
	struct hs_ike_rd x, a;
	uint16_t len;

	memset(t, 0, sizeof(*t));
	hs_ike_rd_skip(r, 2);
	hs_ike_rd_get_u16(r, &len);
	hs_ike_rd_split(r, &x, len >= 4 ? len - 4u : 0);
	hs_ike_rd_get_u8(&x, &t->type);
	hs_ike_rd_skip(&x, 1);
	hs_ike_rd_get_u16(&x, &t->id);
	if (hs_ike_rd_left(&x) == 0)
		return;
	a = x;
	t->attrs_len = (uint16_t)hs_ike_rd_left(&x);
	hs_ike_rd_get_ref(&x, &t->attrs, t->attrs_len);
	while (hs_ike_rd_left(&a) >= 4) {
		uint16_t type, val;

		hs_ike_rd_get_u16(&a, &type);
		hs_ike_rd_get_u16(&a, &val);
		if ((type & ATTR_TYPE_MASK) == HS_IKE_ATTR_KEY_LENGTH)
			t->key_len = val;
		else if (t->n_unknown < UINT8_MAX)
			t->n_unknown++;
		if (!(type & HS_IKE_ATTR_TV))
			hs_ike_rd_skip(&a, val);
	}
}

static int
prop_parse(struct hs_ike_pctx *c, struct hs_ike_rd *r, struct hs_ike_proposal *p)
{
	struct hs_ike_msg *m = c->m;
	struct hs_ike_transform *xf = &m->xf[m->n_xf];
	struct hs_ike_rd pr;
	uint16_t len;

	memset(p, 0, sizeof(*p));
	hs_ike_rd_skip(r, 2);
	hs_ike_rd_get_u16(r, &len);
	hs_ike_rd_split(r, &pr, len >= 4 ? len - 4u : 0);
	hs_ike_rd_get_u8(&pr, &p->num);
	hs_ike_rd_get_u8(&pr, &p->proto);
	hs_ike_rd_get_u8(&pr, &p->spi_size);
	hs_ike_rd_get_u8(&pr, &p->n_xf);
	if (p->spi_size > HS_IKE_SPI_MAX || m->n_xf + p->n_xf > HS_IKE_MAX_TRANSFORMS)
		return -E2BIG;
	hs_ike_rd_get_bytes(&pr, p->spi, p->spi_size);
	for (unsigned int i = 0; i < p->n_xf; i++)
		xf_parse(&pr, &xf[i]);
	m->n_xf += p->n_xf;
	p->xf = xf;
	return pr.err;
}

int
hs_ike_pl_sa_parse(struct hs_ike_pctx *c, struct hs_ike_rd *r, struct hs_ike_pl *pl)
{
	struct hs_ike_msg *m = c->m;

	pl->u.sa.props = &m->props[m->n_props];
	pl->u.sa.n_props = 0;
	while (hs_ike_rd_left(r) > 0 && r->err == 0) {
		int rc;

		if (m->n_props >= HS_IKE_MAX_PROPOSALS)
			return -E2BIG;
		rc = prop_parse(c, r, &m->props[m->n_props]);
		if (rc < 0)
			return rc;
		m->n_props++;
		pl->u.sa.n_props++;
	}
	return r->err;
}

static void
xf_encode(const struct hs_ike_transform *t, bool last, struct hs_ike_wr *w)
{
	size_t start = w->len, len_at;

	hs_ike_wr_put_u8(w, last ? HS_IKE_PROP_LAST : HS_IKE_XF_MORE);
	hs_ike_wr_put_zero(w, 1);
	len_at = hs_ike_wr_reserve(w, 2);
	hs_ike_wr_put_u8(w, t->type);
	hs_ike_wr_put_zero(w, 1);
	hs_ike_wr_put_u16(w, t->id);
	if (t->attrs != NULL) {
		hs_ike_wr_put_bytes(w, t->attrs, t->attrs_len);
	} else if (t->key_len != 0) {
		hs_ike_wr_put_u16(w, HS_IKE_ATTR_TV | HS_IKE_ATTR_KEY_LENGTH);
		hs_ike_wr_put_u16(w, t->key_len);
	}
	hs_ike_wr_patch_len16(w, len_at, start);
}

static void
prop_encode(const struct hs_ike_proposal *p, bool last, struct hs_ike_wr *w)
{
	size_t start = w->len, len_at;

	if (p->spi_size > HS_IKE_SPI_MAX || (p->n_xf > 0 && p->xf == NULL)) {
		hs_ike_wr_fail(w, -EINVAL);
		return;
	}
	hs_ike_wr_put_u8(w, last ? HS_IKE_PROP_LAST : HS_IKE_PROP_MORE);
	hs_ike_wr_put_zero(w, 1);
	len_at = hs_ike_wr_reserve(w, 2);
	hs_ike_wr_put_u8(w, p->num);
	hs_ike_wr_put_u8(w, p->proto);
	hs_ike_wr_put_u8(w, p->spi_size);
	hs_ike_wr_put_u8(w, p->n_xf);
	hs_ike_wr_put_bytes(w, p->spi, p->spi_size);
	for (unsigned int i = 0; i < p->n_xf; i++)
		xf_encode(&p->xf[i], i + 1 == p->n_xf, w);
	hs_ike_wr_patch_len16(w, len_at, start);
}

void
hs_ike_pl_sa_encode(const struct hs_ike_pl *pl, struct hs_ike_wr *w)
{
	const struct hs_ike_pl_sa *sa = &pl->u.sa;

	/* An SA payload holds at least one proposal (§3.3). */
	if (sa->n_props == 0 || sa->props == NULL) {
		hs_ike_wr_fail(w, -EINVAL);
		return;
	}
	for (unsigned int i = 0; i < sa->n_props; i++)
		prop_encode(&sa->props[i], i + 1 == sa->n_props, w);
}
