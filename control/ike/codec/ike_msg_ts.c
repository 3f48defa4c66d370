/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Lists of self-sized records after a 4-byte head: Traffic Selector payloads
 * (RFC 7296 §3.13: Number of TSs, RESERVED(3), selectors) and Configuration
 * payloads (§3.15: CFG Type, RESERVED(3), attributes).
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "ike_msg_priv.h"

#define SEL_HDR_LEN 4
#define CP_ATTR_HDR_LEN 4
#define CP_TYPE_MASK 0x7fff

/* The fixed selector length of a type we decode (§3.13.1); 0 for the others. */
static unsigned int
sel_len(uint8_t type)
{
	switch (type) {
	case HS_IKE_TS_IPV4_ADDR_RANGE:
		return HS_IKE_TS_V4_LEN;
	case HS_IKE_TS_IPV6_ADDR_RANGE:
		return HS_IKE_TS_V6_LEN;
	default:
		return 0;
	}
}

static unsigned int
addr_len(uint8_t type)
{
	return type == HS_IKE_TS_IPV4_ADDR_RANGE ? 4 : 16;
}

static int
sel_validate(struct hs_ike_pctx *c, struct hs_ike_rd *r, unsigned int i, unsigned int n)
{
	size_t at = r->off, left = hs_ike_rd_left(r);
	unsigned int want;
	uint8_t type;
	uint16_t len;

	if (left < SEL_HDR_LEN)
		return hs_ike_pctx_fail(c, -EBADMSG, at,
			"Number of TSs %u, but selector %u starts with %zu bytes left", n, i, left);
	hs_ike_rd_get_u8(r, &type);
	hs_ike_rd_skip(r, 1);
	hs_ike_rd_get_u16(r, &len);
	want = sel_len(type);
	if (want != 0 && len != want)
		return hs_ike_pctx_fail(c, -EBADMSG, at + 2,
			"selector length %u, expected %u for %s", len, want,
			hs_ike_ts_type_name(type));
	if (len < SEL_HDR_LEN || len > left)
		return hs_ike_pctx_fail(c, -EBADMSG, at + 2,
			"selector %u: length %u, expected %d..%zu", i, len, SEL_HDR_LEN, left);
	hs_ike_rd_skip(r, len - SEL_HDR_LEN);
	return 0;
}

int
hs_ike_pl_ts_validate(struct hs_ike_pctx *c, struct hs_ike_rd *r)
{
	size_t at = r->off;
	uint8_t n;

	hs_ike_rd_get_u8(r, &n);
	hs_ike_rd_skip(r, 3);
	if (n == 0)
		return hs_ike_pctx_fail(c, -EBADMSG, at, "Number of TSs 0, expected at least 1");
	if (c->n_ts + n > HS_IKE_MAX_TS)
		return hs_ike_pctx_fail(c, -E2BIG, at,
			"more than %d traffic selectors in the message", HS_IKE_MAX_TS);
	for (unsigned int i = 1; i <= n; i++) {
		int rc = sel_validate(c, r, i, n);

		if (rc < 0)
			return rc;
	}
	if (hs_ike_rd_left(r) != 0)
		return hs_ike_pctx_fail(c, -EBADMSG, r->off, "%zu bytes after the %u selectors",
			hs_ike_rd_left(r), n);
	c->n_ts += n;
	return 0;
}

/*
 * start > end matches nothing; the OPAQUE ports 65535..0 (§3.13.1) are not
 * such a range. Left to the caller to judge, only flagged here.
 */
static bool
inverted(const struct hs_ike_ts *t)
{
	bool opaque = t->start_port == 65535 && t->end_port == 0;

	if (t->start_port > t->end_port && !opaque)
		return true;
	return memcmp(t->start.bytes, t->end.bytes, addr_len(t->type)) > 0;
}

static void
sel_parse(struct hs_ike_rd *r, struct hs_ike_ts *t)
{
	uint16_t len;

	memset(t, 0, sizeof(*t));
	hs_ike_rd_get_u8(r, &t->type);
	hs_ike_rd_get_u8(r, &t->proto);
	hs_ike_rd_get_u16(r, &len);
	if (sel_len(t->type) == 0) {
		t->raw_len = len >= SEL_HDR_LEN ? (uint16_t)(len - SEL_HDR_LEN) : 0;
		hs_ike_rd_get_ref(r, &t->raw, t->raw_len);
		return;
	}
	hs_ike_rd_get_u16(r, &t->start_port);
	hs_ike_rd_get_u16(r, &t->end_port);
	t->start.family = t->end.family =
		t->type == HS_IKE_TS_IPV4_ADDR_RANGE ? AF_INET : AF_INET6;
	hs_ike_rd_get_bytes(r, t->start.bytes, addr_len(t->type));
	hs_ike_rd_get_bytes(r, t->end.bytes, addr_len(t->type));
	t->inverted = inverted(t);
}

int
hs_ike_pl_ts_parse(struct hs_ike_pctx *c, struct hs_ike_rd *r, struct hs_ike_pl *pl)
{
	struct hs_ike_msg *m = c->m;
	uint8_t n;

	hs_ike_rd_get_u8(r, &n);
	hs_ike_rd_skip(r, 3);
	if (m->n_ts + n > HS_IKE_MAX_TS)
		return -E2BIG;
	pl->u.ts.ts = &m->ts[m->n_ts];
	pl->u.ts.n_ts = n;
	for (unsigned int i = 0; i < n; i++)
		sel_parse(r, &m->ts[m->n_ts + i]);
	m->n_ts += n;
	return r->err;
}

static void
sel_encode(const struct hs_ike_ts *t, struct hs_ike_wr *w)
{
	unsigned int len = sel_len(t->type);
	int family = t->type == HS_IKE_TS_IPV4_ADDR_RANGE ? AF_INET : AF_INET6;

	if (len == 0) {
		if (t->raw_len > UINT16_MAX - SEL_HDR_LEN || (t->raw_len > 0 && t->raw == NULL)) {
			hs_ike_wr_fail(w, -EINVAL);
			return;
		}
		hs_ike_wr_put_u8(w, t->type);
		hs_ike_wr_put_u8(w, t->proto);
		hs_ike_wr_put_u16(w, (uint16_t)(SEL_HDR_LEN + t->raw_len));
		hs_ike_wr_put_bytes(w, t->raw, t->raw_len);
		return;
	}
	if (t->start.family != family || t->end.family != family) {
		hs_ike_wr_fail(w, -EINVAL);
		return;
	}
	hs_ike_wr_put_u8(w, t->type);
	hs_ike_wr_put_u8(w, t->proto);
	hs_ike_wr_put_u16(w, (uint16_t)len);
	hs_ike_wr_put_u16(w, t->start_port);
	hs_ike_wr_put_u16(w, t->end_port);
	hs_ike_wr_put_bytes(w, t->start.bytes, addr_len(t->type));
	hs_ike_wr_put_bytes(w, t->end.bytes, addr_len(t->type));
}

void
hs_ike_pl_ts_encode(const struct hs_ike_pl *pl, struct hs_ike_wr *w)
{
	const struct hs_ike_pl_ts *ts = &pl->u.ts;

	if (ts->n_ts == 0 || ts->n_ts > UINT8_MAX || ts->ts == NULL) {
		hs_ike_wr_fail(w, -EINVAL);
		return;
	}
	hs_ike_wr_put_u8(w, (uint8_t)ts->n_ts);
	hs_ike_wr_put_zero(w, 3);
	for (unsigned int i = 0; i < ts->n_ts; i++)
		sel_encode(&ts->ts[i], w);
}

/* Attributes (§3.15.1): R bit and 15-bit type, Length, value; they fill the payload. */
int
hs_ike_pl_cp_validate(struct hs_ike_pctx *c, struct hs_ike_rd *r)
{
	unsigned int count = 0;

	hs_ike_rd_skip(r, 4);
	while (hs_ike_rd_left(r) > 0) {
		size_t at = r->off, left = hs_ike_rd_left(r);
		uint16_t type, len;

		if (left < CP_ATTR_HDR_LEN)
			return hs_ike_pctx_fail(c, -EBADMSG, at,
				"%zu bytes left, an attribute takes at least %d", left,
				CP_ATTR_HDR_LEN);
		hs_ike_rd_get_u16(r, &type);
		hs_ike_rd_get_u16(r, &len);
		if (len > left - CP_ATTR_HDR_LEN)
			return hs_ike_pctx_fail(c, -EBADMSG, at + 2,
				"attribute %u: length %u, only %zu bytes left", type & CP_TYPE_MASK,
				len, left - CP_ATTR_HDR_LEN);
		hs_ike_rd_skip(r, len);
		if (c->n_cp_attrs + ++count > HS_IKE_MAX_CP_ATTRS)
			return hs_ike_pctx_fail(c, -E2BIG, at,
				"more than %d configuration attributes in the message",
				HS_IKE_MAX_CP_ATTRS);
	}
	c->n_cp_attrs += count;
	return 0;
}

int
hs_ike_pl_cp_parse(struct hs_ike_pctx *c, struct hs_ike_rd *r, struct hs_ike_pl *pl)
{
	struct hs_ike_msg *m = c->m;

	hs_ike_rd_get_u8(r, &pl->u.cp.type);
	hs_ike_rd_skip(r, 3);
	pl->u.cp.attrs = &m->cp_attrs[m->n_cp_attrs];
	pl->u.cp.n_attrs = 0;
	while (hs_ike_rd_left(r) >= CP_ATTR_HDR_LEN) {
		struct hs_ike_cp_attr *a;

		if (m->n_cp_attrs >= HS_IKE_MAX_CP_ATTRS)
			return -E2BIG;
		a = &m->cp_attrs[m->n_cp_attrs];
		hs_ike_rd_get_u16(r, &a->type);
		a->type &= CP_TYPE_MASK;
		hs_ike_rd_get_u16(r, &a->len);
		hs_ike_rd_get_ref(r, &a->value, a->len);
		m->n_cp_attrs++;
		pl->u.cp.n_attrs++;
	}
	return hs_ike_rd_left(r) == 0 ? r->err : -EBADMSG;
}

void
hs_ike_pl_cp_encode(const struct hs_ike_pl *pl, struct hs_ike_wr *w)
{
	const struct hs_ike_pl_cp *cp = &pl->u.cp;

	if (cp->n_attrs > 0 && cp->attrs == NULL) {
		hs_ike_wr_fail(w, -EINVAL);
		return;
	}
	hs_ike_wr_put_u8(w, cp->type);
	hs_ike_wr_put_zero(w, 3);
	for (unsigned int i = 0; i < cp->n_attrs; i++) {
		const struct hs_ike_cp_attr *a = &cp->attrs[i];

		if (a->len > 0 && a->value == NULL) {
			hs_ike_wr_fail(w, -EINVAL);
			return;
		}
		hs_ike_wr_put_u16(w, a->type & CP_TYPE_MASK);
		hs_ike_wr_put_u16(w, a->len);
		hs_ike_wr_put_bytes(w, a->value, a->len);
	}
}
