/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Receiving side: the header (RFC 7296 §3.1), the generic payload header and
 * the next-payload chain (§3.2), critical-bit handling (§2.5), and the
 * validate-then-decode passes over a chain. The bodies are checked and
 * decoded by the per-type functions of the ops table (ike_msg_pl.c).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ike_msg_priv.h"

static uint16_t
notify_for(int code)
{
	switch (code) {
	case -EOPNOTSUPP:
		return HS_IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD;
	case -EPROTONOSUPPORT:
		return HS_IKE_N_INVALID_MAJOR_VERSION;
	default:
		/* Malformed, or over one of our limits: both answered as bad syntax. */
		return HS_IKE_N_INVALID_SYNTAX;
	}
}

int
hs_ike_pctx_fail(struct hs_ike_pctx *c, int code, size_t off, const char *fmt, ...)
{
	struct hs_ike_err *e = c->err;
	char what[32];
	va_list ap;
	int n;

	if (e == NULL)
		return code;
	memset(e, 0, sizeof(*e));
	e->code = code;
	e->offset = off;
	e->inner = c->inner;
	e->payload = c->type;
	e->notify = notify_for(code);
	if (c->type == HS_IKE_PL_NONE)
		snprintf(what, sizeof(what), "header");
	else if (hs_ike_pl_known(c->type))
		snprintf(what, sizeof(what), "%s", hs_ike_payload_name(c->type));
	else
		snprintf(what, sizeof(what), "payload type %u", c->type);
	n = snprintf(e->text, sizeof(e->text), "%soffset %zu: %s: ", c->inner ? "inner " : "", off,
		what);
	if (n < 0 || (size_t)n >= sizeof(e->text))
		return code;
	va_start(ap, fmt);
	vsnprintf(e->text + n, sizeof(e->text) - (size_t)n, fmt, ap);
	va_end(ap);
	return code;
}

static void
pctx_init(struct hs_ike_pctx *c, struct hs_ike_msg *m, struct hs_ike_err *err, bool inner)
{
	memset(c, 0, sizeof(*c));
	c->m = m;
	c->err = err;
	c->inner = inner;
	if (m != NULL) {
		c->n_pl = m->n_pl;
		c->n_props = m->n_props;
		c->n_xf = m->n_xf;
		c->n_ts = m->n_ts;
		c->n_cp_attrs = m->n_cp_attrs;
	}
}

int
hs_ike_hdr_parse(const uint8_t *buf, size_t len, struct hs_ike_hdr *h, struct hs_ike_err *err)
{
	struct hs_ike_pctx c;
	struct hs_ike_rd r;

	pctx_init(&c, NULL, err, false);
	if (err != NULL)
		memset(err, 0, sizeof(*err));
	if (buf == NULL || len < HS_IKE_HDR_LEN)
		return hs_ike_pctx_fail(&c, -EBADMSG, 0, "message of %zu bytes, shorter than %d",
			buf == NULL ? 0 : len, HS_IKE_HDR_LEN);
	hs_ike_rd_init(&r, buf, len);
	hs_ike_rd_get_u64(&r, &h->spi_i);
	hs_ike_rd_get_u64(&r, &h->spi_r);
	hs_ike_rd_get_u8(&r, &h->next);
	hs_ike_rd_get_u8(&r, &h->version);
	hs_ike_rd_get_u8(&r, &h->exchange);
	hs_ike_rd_get_u8(&r, &h->flags);
	hs_ike_rd_get_u32(&r, &h->msg_id);
	hs_ike_rd_get_u32(&r, &h->length);
	if (r.err != 0)
		return hs_ike_pctx_fail(&c, -EBADMSG, r.off, "short read");
	/* A major version we do not speak gets INVALID_MAJOR_VERSION (§2.5); minor is ignored. */
	if (h->version >> 4 != HS_IKE_VERSION >> 4)
		return hs_ike_pctx_fail(&c, -EPROTONOSUPPORT, 17,
			"version 0x%02x: major %u, expected %u", h->version, h->version >> 4,
			HS_IKE_VERSION >> 4);
	if (h->length != len)
		return hs_ike_pctx_fail(&c, -EBADMSG, 24,
			"Length field %u, but the message has %zu bytes", h->length, len);
	if (len > HS_IKE_MSG_MAX)
		return hs_ike_pctx_fail(&c, -E2BIG, 24, "message of %zu bytes, more than %d", len,
			HS_IKE_MSG_MAX);
	return 0;
}

/* Decode one checked body (of payload type c->type, header at `at`) into the next slot. */
static int
store(struct hs_ike_pctx *c, struct hs_ike_rd *body, size_t at, uint8_t flags, uint8_t next)
{
	const struct hs_ike_pl_ops *ops = hs_ike_pl_ops_find(c->type);
	uint8_t type = c->type;
	struct hs_ike_msg *m = c->m;
	struct hs_ike_pl *pl;
	int rc = 0;

	if (m->n_pl >= HS_IKE_MAX_PAYLOADS)
		return hs_ike_pctx_fail(c, -E2BIG, at, "payload slots used up after validation");
	pl = &m->pl[m->n_pl];
	memset(pl, 0, sizeof(*pl));
	pl->type = type;
	pl->critical = (flags & HS_IKE_CRITICAL) != 0;
	pl->inner = c->inner;
	pl->offset = (uint32_t)at;
	pl->len = (uint16_t)(body->len - at); /* body ends where the payload does */
	pl->body = body->p + body->off;
	if (ops != NULL)
		rc = ops->parse(c, body, pl);
	else if (hs_ike_rd_get_ref(body, &pl->u.raw.data, hs_ike_rd_left(body)) == 0)
		pl->u.raw.len = (uint16_t)(pl->len - HS_IKE_GENERIC_HDR_LEN);
	if (hs_ike_pl_is_sk(type))
		pl->u.sk.first_inner = next;
	if (rc == 0 && body->err != 0)
		rc = hs_ike_pctx_fail(c, -EBADMSG, body->off, "body shorter than checked");
	if (rc == 0)
		m->n_pl++;
	return rc;
}

/*
 * One payload of the chain: its generic header, then its body (checked, or
 * decoded when fill). *type is this payload's type on entry and the next one
 * on return; *last is set after SK/SKF, whose Next Payload is the first inner
 * payload rather than the next outer one (§3.14).
 */
static int
payload(struct hs_ike_pctx *c, struct hs_ike_rd *r, uint8_t *type, bool *last, bool fill)
{
	const struct hs_ike_pl_ops *ops = hs_ike_pl_ops_find(*type);
	size_t at = r->off, left = hs_ike_rd_left(r);
	struct hs_ike_rd body;
	uint8_t next, flags;
	uint16_t len;
	int rc;

	c->type = *type;
	if (left < HS_IKE_GENERIC_HDR_LEN)
		return hs_ike_pctx_fail(c, -EBADMSG, at,
			"announced by the previous Next Payload, but only %zu bytes left", left);
	hs_ike_rd_get_u8(r, &next);
	hs_ike_rd_get_u8(r, &flags);
	hs_ike_rd_get_u16(r, &len);
	if (len < HS_IKE_GENERIC_HDR_LEN)
		return hs_ike_pctx_fail(c, -EBADMSG, at + 2,
			"payload length %u, expected at least %d", len, HS_IKE_GENERIC_HDR_LEN);
	if (len > left)
		return hs_ike_pctx_fail(c, -EBADMSG, at + 2,
			"payload length %u runs past the end: %zu bytes left", len, left);
	if (!fill && c->n_pl >= HS_IKE_MAX_PAYLOADS)
		return hs_ike_pctx_fail(c, -E2BIG, at, "more than %d payloads",
			HS_IKE_MAX_PAYLOADS);
	if (ops == NULL && (flags & HS_IKE_CRITICAL) != 0) {
		/* §2.5: reject, and answer UNSUPPORTED_CRITICAL_PAYLOAD naming the type. */
		rc = hs_ike_pctx_fail(c, -EOPNOTSUPP, at + 1,
			"critical payload type %u not supported", *type);
		if (c->err != NULL)
			c->err->data = *type;
		return rc;
	}
	if (ops != NULL && len - HS_IKE_GENERIC_HDR_LEN < ops->min_len)
		return hs_ike_pctx_fail(c, -EBADMSG, at + 2,
			"payload length %u, expected at least %u", len,
			HS_IKE_GENERIC_HDR_LEN + ops->min_len);
	hs_ike_rd_split(r, &body, len - HS_IKE_GENERIC_HDR_LEN);
	if (hs_ike_pl_is_sk(*type)) {
		if (c->inner)
			return hs_ike_pctx_fail(c, -EBADMSG, at, "encrypted payload inside SK");
		if (hs_ike_rd_left(r) != 0)
			return hs_ike_pctx_fail(c, -EBADMSG, at,
				"must be the last payload (RFC 7296 §3.14), %zu bytes follow",
				hs_ike_rd_left(r));
		*last = true;
	}
	if (fill)
		rc = store(c, &body, at, flags, next);
	else
		rc = ops != NULL && ops->validate != NULL ? ops->validate(c, &body) : 0;
	c->n_pl++;
	*type = next;
	return rc;
}

/* The chain from first to a NONE Next Payload (or to an SK), ending exactly where r does. */
static int
walk(struct hs_ike_pctx *c, struct hs_ike_rd *r, uint8_t first, bool fill)
{
	uint8_t type = first;
	bool last = false;

	/*
	 * Every payload takes at least 4 bytes and the reader only moves
	 * forward, so a chain cannot loop; HS_IKE_MAX_PAYLOADS bounds it further.
	 */
	while (type != HS_IKE_PL_NONE && !last) {
		int rc = payload(c, r, &type, &last, fill);

		if (rc < 0)
			return rc;
	}
	c->type = HS_IKE_PL_NONE;
	if (hs_ike_rd_left(r) != 0)
		return hs_ike_pctx_fail(c, -EBADMSG, r->off,
			"%zu bytes after the last payload (Next Payload NONE)", hs_ike_rd_left(r));
	return 0;
}

/* Validate the whole chain, then decode it: nothing is decoded from a bad message. */
static int
chain(struct hs_ike_pctx *c, const uint8_t *buf, size_t len, size_t start, uint8_t first)
{
	struct hs_ike_rd r;
	int rc;

	hs_ike_rd_init(&r, buf, len);
	hs_ike_rd_skip(&r, start);
	rc = walk(c, &r, first, false);
	if (rc < 0)
		return rc;
	hs_ike_rd_init(&r, buf, len);
	hs_ike_rd_skip(&r, start);
	return walk(c, &r, first, true);
}

int
hs_ike_msg_parse(struct hs_ike_msg *m, const uint8_t *buf, size_t len, struct hs_ike_err *err)
{
	struct hs_ike_pctx c;
	int rc;

	m->raw = NULL;
	m->raw_len = 0;
	m->n_pl = 0;
	m->n_props = m->n_xf = m->n_ts = m->n_cp_attrs = 0;
	rc = hs_ike_hdr_parse(buf, len, &m->hdr, err);
	if (rc < 0)
		return rc;
	pctx_init(&c, m, err, false);
	rc = chain(&c, buf, len, HS_IKE_HDR_LEN, m->hdr.next);
	if (rc < 0) {
		m->n_pl = 0;
		return rc;
	}
	m->raw = buf;
	m->raw_len = len;
	return 0;
}

/* What a failed inner parse must give back, so that the outer payloads stay intact. */
struct use {
	unsigned int n_pl, n_props, n_xf, n_ts, n_cp_attrs;
};

int
hs_ike_msg_parse_inner(struct hs_ike_msg *m, uint8_t first, const uint8_t *buf, size_t len,
	struct hs_ike_err *err)
{
	const struct use before = { m->n_pl, m->n_props, m->n_xf, m->n_ts, m->n_cp_attrs };
	struct hs_ike_pctx c;
	int rc;

	pctx_init(&c, m, err, true);
	if (err != NULL)
		memset(err, 0, sizeof(*err));
	if (buf == NULL && len > 0)
		return hs_ike_pctx_fail(&c, -EINVAL, 0, "no buffer");
	if (len > HS_IKE_MSG_MAX)
		return hs_ike_pctx_fail(&c, -E2BIG, 0, "%zu bytes, more than %d", len,
			HS_IKE_MSG_MAX);
	rc = chain(&c, buf, len, 0, first);
	if (rc < 0) {
		m->n_pl = before.n_pl;
		m->n_props = before.n_props;
		m->n_xf = before.n_xf;
		m->n_ts = before.n_ts;
		m->n_cp_attrs = before.n_cp_attrs;
	}
	return rc;
}

const struct hs_ike_pl *
hs_ike_msg_find(const struct hs_ike_msg *m, uint8_t type, const struct hs_ike_pl *after)
{
	unsigned int i = after != NULL ? (unsigned int)(after - m->pl) + 1 : 0;

	for (; i < m->n_pl; i++)
		if (m->pl[i].type == type)
			return &m->pl[i];
	return NULL;
}

const struct hs_ike_pl *
hs_ike_msg_find_notify(const struct hs_ike_msg *m, uint16_t type)
{
	const struct hs_ike_pl *pl = NULL;

	while ((pl = hs_ike_msg_find(m, HS_IKE_PL_NOTIFY, pl)) != NULL)
		if (pl->u.notify.type == type)
			return pl;
	return NULL;
}
