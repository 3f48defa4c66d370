/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include "ike_buf.h"

void
hs_ike_rd_init(struct hs_ike_rd *r, const void *p, size_t len)
{
	r->p = p;
	r->len = p != NULL ? len : 0;
	r->off = 0;
	r->err = 0;
}

/*
 * The one bounds check every read goes through. Comparing n with what is left
 * (len - off, which cannot underflow since off <= len) rather than off + n
 * with len means a huge n cannot wrap around.
 */
static const uint8_t *
take(struct hs_ike_rd *r, size_t n)
{
	const uint8_t *p;

	if (r->err != 0 || n > r->len - r->off) {
		r->err = -EBADMSG;
		return NULL;
	}
	p = r->p + r->off;
	r->off += n;
	return p;
}

int
hs_ike_rd_get_u8(struct hs_ike_rd *r, uint8_t *v)
{
	const uint8_t *p = take(r, 1);

	*v = p != NULL ? p[0] : 0;
	return r->err;
}

int
hs_ike_rd_get_u16(struct hs_ike_rd *r, uint16_t *v)
{
	const uint8_t *p = take(r, 2);

	*v = p != NULL ? (uint16_t)(p[0] << 8 | p[1]) : 0;
	return r->err;
}

int
hs_ike_rd_get_u32(struct hs_ike_rd *r, uint32_t *v)
{
	const uint8_t *p = take(r, 4);

	*v = p != NULL ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
		       : 0;
	return r->err;
}

int
hs_ike_rd_get_u64(struct hs_ike_rd *r, uint64_t *v)
{
	const uint8_t *p = take(r, 8);
	uint64_t x = 0;

	for (unsigned int i = 0; p != NULL && i < 8; i++)
		x = x << 8 | p[i];
	*v = x;
	return r->err;
}

int
hs_ike_rd_get_bytes(struct hs_ike_rd *r, void *out, size_t n)
{
	const uint8_t *p = take(r, n);

	if (n == 0)
		return r->err;
	if (p != NULL)
		memcpy(out, p, n);
	else
		memset(out, 0, n);
	return r->err;
}

int
hs_ike_rd_get_ref(struct hs_ike_rd *r, const uint8_t **p, size_t n)
{
	*p = take(r, n);
	return r->err;
}

int
hs_ike_rd_skip(struct hs_ike_rd *r, size_t n)
{
	take(r, n);
	return r->err;
}

int
hs_ike_rd_split(struct hs_ike_rd *r, struct hs_ike_rd *sub, size_t n)
{
	size_t at = r->off;

	sub->p = r->p;
	sub->off = at;
	sub->len = at;
	sub->err = 0;
	if (take(r, n) == NULL) {
		sub->err = -EBADMSG;
		return r->err;
	}
	sub->len = at + n;
	return 0;
}

void
hs_ike_wr_init(struct hs_ike_wr *w, void *p, size_t cap)
{
	w->p = p;
	w->cap = p != NULL ? cap : 0;
	w->len = 0;
	w->err = 0;
}

/* Room for n more bytes, or NULL with err set; the same wrap-free check as take(). */
static uint8_t *
room(struct hs_ike_wr *w, size_t n)
{
	uint8_t *p;

	if (w->err != 0)
		return NULL;
	if (n > w->cap - w->len) {
		w->err = -ENOBUFS;
		return NULL;
	}
	p = w->p + w->len;
	w->len += n;
	return p;
}

static void
be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
be32(uint8_t *p, uint32_t v)
{
	be16(p, (uint16_t)(v >> 16));
	be16(p + 2, (uint16_t)v);
}

void
hs_ike_wr_put_u8(struct hs_ike_wr *w, uint8_t v)
{
	uint8_t *p = room(w, 1);

	if (p != NULL)
		p[0] = v;
}

void
hs_ike_wr_put_u16(struct hs_ike_wr *w, uint16_t v)
{
	uint8_t *p = room(w, 2);

	if (p != NULL)
		be16(p, v);
}

void
hs_ike_wr_put_u32(struct hs_ike_wr *w, uint32_t v)
{
	uint8_t *p = room(w, 4);

	if (p != NULL)
		be32(p, v);
}

void
hs_ike_wr_put_u64(struct hs_ike_wr *w, uint64_t v)
{
	uint8_t *p = room(w, 8);

	if (p != NULL) {
		be32(p, (uint32_t)(v >> 32));
		be32(p + 4, (uint32_t)v);
	}
}

void
hs_ike_wr_put_bytes(struct hs_ike_wr *w, const void *src, size_t n)
{
	uint8_t *p = room(w, n);

	if (p != NULL && n > 0)
		memcpy(p, src, n);
}

void
hs_ike_wr_put_zero(struct hs_ike_wr *w, size_t n)
{
	uint8_t *p = room(w, n);

	if (p != NULL && n > 0)
		memset(p, 0, n);
}

size_t
hs_ike_wr_reserve(struct hs_ike_wr *w, size_t n)
{
	size_t at = w->len;

	hs_ike_wr_put_zero(w, n);
	return at;
}

/* A patch must land inside what was written: never past len, even with a bogus offset. */
static uint8_t *
patch_at(struct hs_ike_wr *w, size_t at, size_t n)
{
	if (w->err != 0)
		return NULL;
	if (at > w->len || n > w->len - at) {
		w->err = -ENOBUFS;
		return NULL;
	}
	return w->p + at;
}

void
hs_ike_wr_patch_u8(struct hs_ike_wr *w, size_t at, uint8_t v)
{
	uint8_t *p = patch_at(w, at, 1);

	if (p != NULL)
		p[0] = v;
}

void
hs_ike_wr_patch_u16(struct hs_ike_wr *w, size_t at, uint16_t v)
{
	uint8_t *p = patch_at(w, at, 2);

	if (p != NULL)
		be16(p, v);
}

void
hs_ike_wr_patch_u32(struct hs_ike_wr *w, size_t at, uint32_t v)
{
	uint8_t *p = patch_at(w, at, 4);

	if (p != NULL)
		be32(p, v);
}

void
hs_ike_wr_patch_len16(struct hs_ike_wr *w, size_t at, size_t start)
{
	if (w->err != 0)
		return;
	if (start > w->len || w->len - start > UINT16_MAX) {
		w->err = -EMSGSIZE;
		return;
	}
	hs_ike_wr_patch_u16(w, at, (uint16_t)(w->len - start));
}
