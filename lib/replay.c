/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Anti-replay window: RFC 4303 §3.4.3 semantics, RFC 4303 Appendix A for
 * extended sequence numbers, RFC 6479 block ring for storage.
 */
#include <errno.h>
#include <string.h>

#include "replay.h"

#define BIT_SHIFT 6 /* log2(HS_REPLAY_BLOCK_BITS) */

static uint32_t
pow2_at_least(uint32_t v)
{
	uint32_t p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

int
hs_replay_init(struct hs_replay *r, uint32_t window, bool esn)
{
	uint32_t blocks;

	if (window != 0 && (window < 64 || window > HS_REPLAY_WINDOW_MAX))
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	r->window = window;
	r->esn = esn;
	/* One spare block so that sliding only ever clears whole blocks. */
	blocks = pow2_at_least((window + HS_REPLAY_BLOCK_BITS - 1) / HS_REPLAY_BLOCK_BITS + 1);
	r->mask = blocks - 1;
	return 0;
}

uint32_t
hs_replay_window(const struct hs_replay *r)
{
	return r->window;
}

/*
 * RFC 4303 Appendix A.2: guess the high 32 bits of a received sequence number
 * from the top of the window. A window of 0 (checking off) still needs the
 * guess for the ICV; it behaves as a window of one block.
 */
static bool
infer_esn(const struct hs_replay *r, uint32_t seq_lo, uint64_t *seq)
{
	uint32_t w = r->window ? r->window : HS_REPLAY_BLOCK_BITS;
	uint32_t tl = (uint32_t)r->top;
	uint32_t th = (uint32_t)(r->top >> 32);
	uint32_t bottom = tl - w + 1; /* modulo 2^32 on purpose */
	uint32_t sh;

	if (tl >= w - 1) { /* Case A: window within one epoch */
		sh = seq_lo >= bottom ? th : th + 1;
		if (seq_lo < bottom && th == UINT32_MAX)
			return false; /* would need a 65th bit */
	} else { /* Case B: window spans the epoch boundary */
		if (seq_lo >= bottom) {
			if (th == 0)
				return false; /* before the first epoch */
			sh = th - 1;
		} else {
			sh = th;
		}
	}
	*seq = (uint64_t)sh << 32 | seq_lo;
	return true;
}

static bool
seen(const struct hs_replay *r, uint64_t seq)
{
	uint64_t block = (seq >> BIT_SHIFT) & r->mask;

	return (r->bitmap[block] >> (seq & (HS_REPLAY_BLOCK_BITS - 1))) & 1;
}

static bool
acceptable(const struct hs_replay *r, uint64_t seq)
{
	if (seq == 0)
		return false; /* never sent: RFC 4303 §3.3.3 starts at 1 */
	if (r->window == 0 || seq > r->top)
		return true;
	if (r->top - seq >= r->window)
		return false; /* left of the window */
	return !seen(r, seq);
}

bool
hs_replay_check(const struct hs_replay *r, uint32_t seq_lo, uint64_t *seq)
{
	uint64_t s = seq_lo;

	if (r->esn && !infer_esn(r, seq_lo, &s))
		return false;
	*seq = s;
	return acceptable(r, s);
}

bool
hs_replay_advance(struct hs_replay *r, uint64_t seq)
{
	if (!acceptable(r, seq))
		return false;
	if (seq > r->top) {
		uint64_t top_block = r->top >> BIT_SHIFT;
		uint64_t new_block = seq >> BIT_SHIFT;
		uint64_t diff = new_block - top_block;

		if (diff > (uint64_t)r->mask + 1)
			diff = (uint64_t)r->mask + 1;
		for (uint64_t i = 1; i <= diff; i++)
			r->bitmap[(top_block + i) & r->mask] = 0;
		r->top = seq;
	}
	r->bitmap[(seq >> BIT_SHIFT) & r->mask] |= 1ULL << (seq & (HS_REPLAY_BLOCK_BITS - 1));
	return true;
}

size_t
hs_replay_bitmap(const struct hs_replay *r, uint8_t *out, size_t len)
{
	size_t n = (r->window + 7) / 8;

	if (n > len)
		n = len;
	memset(out, 0, n);
	for (uint32_t i = 0; i < r->window && i / 8 < n; i++) {
		if (r->top >= i + 1 && seen(r, r->top - i))
			out[i / 8] |= (uint8_t)(1u << (i % 8));
	}
	return n;
}
