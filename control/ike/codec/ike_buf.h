/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bounds-checked big-endian reader and writer for the IKE codec (STYLE.md
 * "Parsers with no daemon state"). A reader never reads past its end: every
 * get checks the length against what is left (so no size_t overflow) and
 * fails with -EBADMSG without moving. A writer has a fixed capacity; the
 * first write that does not fit records -ENOBUFS, nothing past the capacity
 * is ever written, and every later write is refused, so an encoder may check
 * once at the end.
 */
#ifndef HS_IKE_BUF_H
#define HS_IKE_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Reader over bytes [0, len) at p; off is the next byte to read (off <= len
 * always). err is sticky: after a refused read every later read is refused
 * and yields zeros, so a parser that has already validated its input may
 * read a whole structure and check err once.
 */
struct hs_ike_rd {
	const uint8_t *p;
	size_t len;
	size_t off;
	int err;
};

void hs_ike_rd_init(struct hs_ike_rd *r, const void *p, size_t len);

static inline size_t
hs_ike_rd_left(const struct hs_ike_rd *r)
{
	return r->len - r->off;
}

/*
 * Each returns 0, or -EBADMSG when fewer bytes are left than asked or err is
 * set: then nothing is consumed, the output is zeroed and err is set.
 */
int hs_ike_rd_get_u8(struct hs_ike_rd *r, uint8_t *v);
int hs_ike_rd_get_u16(struct hs_ike_rd *r, uint16_t *v);
int hs_ike_rd_get_u32(struct hs_ike_rd *r, uint32_t *v);
int hs_ike_rd_get_u64(struct hs_ike_rd *r, uint64_t *v);
/* Copy n bytes out. */
int hs_ike_rd_get_bytes(struct hs_ike_rd *r, void *out, size_t n);
/* Point *p at the next n bytes (no copy: they stay in the reader's buffer). */
int hs_ike_rd_get_ref(struct hs_ike_rd *r, const uint8_t **p, size_t n);
int hs_ike_rd_skip(struct hs_ike_rd *r, size_t n);
/*
 * sub reads the next n bytes and this reader moves past them. sub shares
 * this reader's origin (its off starts at r->off, its len is r->off + n), so
 * offsets in error reports stay relative to the whole buffer.
 */
int hs_ike_rd_split(struct hs_ike_rd *r, struct hs_ike_rd *sub, size_t n);

/* Writer into cap bytes at p; len bytes written; err: 0, -ENOBUFS or -EMSGSIZE (sticky). */
struct hs_ike_wr {
	uint8_t *p;
	size_t cap;
	size_t len;
	int err;
};

void hs_ike_wr_init(struct hs_ike_wr *w, void *p, size_t cap);

/* Nothing is written, and err is set, when the bytes do not fit or err is already set. */
void hs_ike_wr_put_u8(struct hs_ike_wr *w, uint8_t v);
void hs_ike_wr_put_u16(struct hs_ike_wr *w, uint16_t v);
void hs_ike_wr_put_u32(struct hs_ike_wr *w, uint32_t v);
void hs_ike_wr_put_u64(struct hs_ike_wr *w, uint64_t v);
void hs_ike_wr_put_bytes(struct hs_ike_wr *w, const void *p, size_t n);
void hs_ike_wr_put_zero(struct hs_ike_wr *w, size_t n);

/*
 * Reserve n zeroed bytes to be filled later (a length field, or room for
 * ciphertext); returns their offset. On failure err is set and the offset
 * returned is never patched.
 */
size_t hs_ike_wr_reserve(struct hs_ike_wr *w, size_t n);
/* Write v at offset at of what is already written; refused (err set) if at + 2 > len. */
void hs_ike_wr_patch_u16(struct hs_ike_wr *w, size_t at, uint16_t v);
void hs_ike_wr_patch_u32(struct hs_ike_wr *w, size_t at, uint32_t v);
void hs_ike_wr_patch_u8(struct hs_ike_wr *w, size_t at, uint8_t v);
/*
 * Patch the 16-bit length field at `at` with the bytes written since start
 * (a payload or substructure length); -EMSGSIZE when that exceeds 65535.
 */
void hs_ike_wr_patch_len16(struct hs_ike_wr *w, size_t at, size_t start);

/* Record an error (the first one stays), e.g. -EINVAL for a struct that cannot be encoded. */
static inline void
hs_ike_wr_fail(struct hs_ike_wr *w, int err)
{
	if (w->err == 0)
		w->err = err;
}

static inline bool
hs_ike_wr_ok(const struct hs_ike_wr *w)
{
	return w->err == 0;
}

#endif /* HS_IKE_BUF_H */
