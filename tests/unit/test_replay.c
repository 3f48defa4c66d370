/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Anti-replay window (lib/replay.h): table-driven tests of the window edges
 * (RFC 4303 §3.4.3), extended sequence number inference across the 2^32
 * boundary (RFC 4303 Appendix A), and a differential test against a plain
 * reference model that remembers every sequence number it accepted.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "replay.h"
#include "unit_common.h"

static const uint32_t sizes[] = {64, 65, 100, 128, 1000, 1024, 4000, 4095, 4096};

/* --- reference model: the set of accepted numbers in [base, base + span) --- */

#define MODEL_SPAN (1u << 22)

struct model {
	uint64_t base; /* first sequence number the model can hold */
	uint64_t top;
	uint32_t window;
	uint8_t seen[MODEL_SPAN / 8];
};

static struct model model;

static void
model_init(uint64_t base, uint32_t window)
{
	memset(&model, 0, sizeof(model));
	model.base = base;
	model.window = window;
}

static bool
model_seen(uint64_t s)
{
	uint64_t i = s - model.base;

	return s >= model.base && i < MODEL_SPAN && (model.seen[i / 8] >> (i % 8)) & 1;
}

/* RFC 4303 §3.4.3: new if above top, else inside the window and not seen. */
static bool
model_ok(uint64_t s)
{
	if (s == 0)
		return false;
	if (s > model.top)
		return true;
	return model.top - s < model.window && !model_seen(s);
}

static void
model_take(uint64_t s)
{
	uint64_t i = s - model.base;

	CU_ASSERT_FATAL(s >= model.base && i < MODEL_SPAN);
	model.seen[i / 8] |= (uint8_t)(1u << (i % 8));
	if (s > model.top)
		model.top = s;
}

/* Every number of the window (and a few above it) answers as the model says. */
static void
scan_window(const struct hs_replay *r)
{
	uint64_t lo = model.top > model.window + 3 ? model.top - model.window - 3 : 1;
	uint64_t hi = model.top + 3;
	unsigned int bad = 0;

	for (uint64_t s = lo; s <= hi; s++) {
		uint64_t got = 0;
		bool ok = hs_replay_check(r, (uint32_t)s, &got);

		if (s < model.base) /* below what the model tracks: must be too old */
			continue;
		if (ok != model_ok(s) || (ok && got != s)) {
			if (bad++ < 4)
				fprintf(stderr, "window %u top %llu: seq %llu check %d want %d\n",
					model.window, (unsigned long long)model.top,
					(unsigned long long)s, ok, model_ok(s));
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(r->top, model.top);
}

/* check + advance as the packet path does after a good ICV. */
static bool
receive(struct hs_replay *r, uint64_t s)
{
	uint64_t got = 0;

	if (!hs_replay_check(r, (uint32_t)s, &got))
		return false;
	CU_ASSERT_EQUAL(got, s);
	if (!hs_replay_advance(r, got))
		return false;
	return true;
}

/* --- init --- */

static void
test_init_sizes(void)
{
	struct hs_replay r;
	static const uint32_t bad[] = {1, 2, 32, 63, 4097, 8192, 65536, UINT32_MAX};

	for (size_t i = 0; i < HS_ARRAY_SIZE(sizes); i++) {
		memset(&r, 0xa5, sizeof(r));
		CU_ASSERT_EQUAL(hs_replay_init(&r, sizes[i], false), 0);
		CU_ASSERT_EQUAL(hs_replay_window(&r), sizes[i]);
		CU_ASSERT_EQUAL(r.top, 0);
		CU_ASSERT_FALSE(r.esn);
		/* Storage: a power of two of blocks with at least one spare (RFC 6479). */
		CU_ASSERT_EQUAL((r.mask + 1) & r.mask, 0);
		CU_ASSERT((r.mask + 1) * HS_REPLAY_BLOCK_BITS >= sizes[i] + HS_REPLAY_BLOCK_BITS);
		CU_ASSERT(r.mask < HS_REPLAY_BLOCKS);
		for (uint32_t b = 0; b <= r.mask; b++)
			CU_ASSERT_EQUAL(r.bitmap[b], 0);
	}
	CU_ASSERT_EQUAL(hs_replay_init(&r, 0, true), 0);
	CU_ASSERT_EQUAL(hs_replay_window(&r), 0);
	CU_ASSERT_TRUE(r.esn);
	for (size_t i = 0; i < HS_ARRAY_SIZE(bad); i++)
		CU_ASSERT_EQUAL(hs_replay_init(&r, bad[i], false), -EINVAL);
}

/* --- the edges of the window, one table for every size --- */

enum step_op {
	OP_CHECK, /* check only: nothing may change */
	OP_RECV,  /* check, then advance when the check passed */
	OP_ADV,   /* advance only (a seq that was checked earlier) */
};

struct step {
	enum step_op op;
	int mult; /* seq = mult * W + off, W the window size */
	int off;
	bool want;
	const char *what;
};

static const struct step edges[] = {
	{OP_CHECK, 0, 0, false, "seq 0 is never valid without ESN"},
	{OP_RECV, 0, 1, true, "first packet"},
	{OP_RECV, 0, 1, false, "duplicate of the first"},
	{OP_RECV, 0, 2, true, "in order"},
	{OP_RECV, 0, 3, true, "in order"},
	{OP_RECV, 0, 2, false, "duplicate below top"},
	{OP_RECV, 0, 5, true, "skips 4"},
	{OP_RECV, 0, 4, true, "late but in the window"},
	{OP_RECV, 0, 4, false, "duplicate of the late one"},
	{OP_RECV, 1, 8, true, "jump ahead by more than the window: top = W + 8"},
	{OP_CHECK, 0, 8, false, "top - W: too old"},
	{OP_CHECK, 0, 7, false, "older still"},
	{OP_CHECK, 0, 1, false, "very old"},
	{OP_CHECK, 0, 9, true, "top - W + 1: the oldest still acceptable"},
	{OP_CHECK, 0, 9, true, "check alone does not record it"},
	{OP_RECV, 0, 9, true, "oldest acceptable, received"},
	{OP_RECV, 0, 9, false, "and now a duplicate"},
	{OP_RECV, 1, 7, true, "top - 1"},
	{OP_RECV, 1, 8, false, "duplicate of top"},
	{OP_CHECK, 1, 9, true, "top + 1"},
	{OP_RECV, 2, 8, true, "jump by exactly W: top = 2W + 8"},
	{OP_CHECK, 1, 8, false, "old top is now top - W: too old"},
	{OP_CHECK, 1, 9, true, "top - W + 1, never received"},
	{OP_RECV, 1, 7, false, "received before, now outside"},
	{OP_RECV, 2, 7, true, "top - 1"},
	{OP_RECV, 3, 7, true, "jump by W - 1: old top is the oldest acceptable"},
	{OP_CHECK, 2, 8, false, "old top, received"},
	{OP_CHECK, 2, 7, false, "old top - 1: top - W, too old"},
	{OP_RECV, 3, 8, true, "top + 1"},
	{OP_CHECK, 2, 8, false, "now top - W"},
	{OP_RECV, 10, 0, true, "far jump"},
	{OP_CHECK, 9, 0, false, "top - W"},
	{OP_CHECK, 9, 1, true, "top - W + 1"},
	{OP_CHECK, 3, 8, false, "the previous top, far behind"},
};

static void
run_edges(uint32_t window)
{
	struct hs_replay r;

	CU_ASSERT_FATAL(hs_replay_init(&r, window, false) == 0);
	model_init(0, window);
	for (size_t i = 0; i < HS_ARRAY_SIZE(edges); i++) {
		const struct step *st = &edges[i];
		uint64_t s = (uint64_t)((int64_t)st->mult * window + st->off);
		struct hs_replay before = r;
		uint64_t got = 0;
		bool ok;

		if (st->op == OP_CHECK) {
			ok = hs_replay_check(&r, (uint32_t)s, &got);
			CU_ASSERT_EQUAL(memcmp(&before, &r, sizeof(r)), 0);
		} else {
			ok = receive(&r, s);
			if (ok)
				model_take(s);
		}
		if (ok != st->want)
			fprintf(stderr, "window %u step %zu (seq %llu, %s): got %d\n", window, i,
				(unsigned long long)s, st->what, ok);
		CU_ASSERT_EQUAL(ok, st->want);
		CU_ASSERT_EQUAL(ok, st->op == OP_CHECK ? model_ok(s) : st->want);
		if (ok && st->op == OP_CHECK)
			CU_ASSERT_EQUAL(got, s);
		scan_window(&r);
	}
}

static void
test_edges(void)
{
	for (size_t i = 0; i < HS_ARRAY_SIZE(sizes); i++)
		run_edges(sizes[i]);
}

/*
 * Fill the whole window, then jump by k: every number in the new window that
 * was received must be refused and every other accepted. Jumps by the block
 * size, the window and the ring size catch stale blocks in the RFC 6479 ring.
 */
static void
test_jumps(void)
{
	for (size_t i = 0; i < HS_ARRAY_SIZE(sizes); i++) {
		uint32_t w = sizes[i];
		struct hs_replay r;
		uint64_t ring, top = 0;

		CU_ASSERT_FATAL(hs_replay_init(&r, w, false) == 0);
		ring = (uint64_t)(r.mask + 1) * HS_REPLAY_BLOCK_BITS;
		const uint64_t jumps[] = {1, 2, 63, 64, 65, w - 1, w, w + 1, ring - 64, ring - 1,
			ring, ring + 1, ring + 64, 2 * ring, 3 * ring + 17, 1000000};

		model_init(0, w);
		for (size_t j = 0; j < HS_ARRAY_SIZE(jumps); j++) {
			/* Receive every other number of the current window, then the top. */
			for (uint64_t s = top > w ? top - w + 1 : 1; s < top; s += 2)
				if (model_ok(s)) {
					CU_ASSERT_TRUE(receive(&r, s));
					model_take(s);
				}
			top += jumps[j];
			CU_ASSERT_TRUE(receive(&r, top));
			model_take(top);
			scan_window(&r);
		}
	}
}

/* Window 0: replay checking off, every non-zero number passes, even twice. */
static void
test_window_off(void)
{
	struct hs_replay r;
	uint64_t got = 0;

	CU_ASSERT_FATAL(hs_replay_init(&r, 0, false) == 0);
	CU_ASSERT_FALSE(hs_replay_check(&r, 0, &got));
	CU_ASSERT_TRUE(receive(&r, 5));
	CU_ASSERT_TRUE(receive(&r, 5));
	CU_ASSERT_TRUE(receive(&r, 1));
	CU_ASSERT_TRUE(receive(&r, 100000));
	CU_ASSERT_TRUE(receive(&r, 2));
	CU_ASSERT_TRUE(hs_replay_check(&r, 5, &got));
	CU_ASSERT_EQUAL(got, 5);
	CU_ASSERT_TRUE(hs_replay_advance(&r, 5));
	CU_ASSERT_TRUE(hs_replay_check(&r, UINT32_MAX, &got));
	CU_ASSERT_EQUAL(got, UINT32_MAX);
}

/* Without ESN the high half is always 0, even right at 2^32 - 1. */
static void
test_no_esn_top(void)
{
	struct hs_replay r;
	uint64_t got = 1;

	CU_ASSERT_FATAL(hs_replay_init(&r, 64, false) == 0);
	CU_ASSERT_TRUE(receive(&r, UINT32_MAX - 1));
	CU_ASSERT_TRUE(receive(&r, UINT32_MAX));
	CU_ASSERT_EQUAL(r.top, UINT32_MAX);
	/* No cycling without ESN (RFC 4303 §3.3.3): 0, 1, 2 are old or invalid. */
	CU_ASSERT_FALSE(hs_replay_check(&r, 0, &got));
	CU_ASSERT_FALSE(hs_replay_check(&r, 1, &got));
	CU_ASSERT_FALSE(hs_replay_check(&r, 2, &got));
	CU_ASSERT_FALSE(hs_replay_check(&r, UINT32_MAX, &got));
	CU_ASSERT_TRUE(hs_replay_check(&r, UINT32_MAX - 2, &got));
	CU_ASSERT_EQUAL(got, (uint64_t)UINT32_MAX - 2);
	CU_ASSERT_FALSE(hs_replay_check(&r, UINT32_MAX - 64, &got));
	CU_ASSERT_TRUE(hs_replay_check(&r, UINT32_MAX - 63, &got));
}

/* --- ESN --- */

/* RFC 4303 Appendix A.2, written out independently of the engine. */
static uint64_t
ref_infer(uint64_t top, uint32_t w, uint32_t seql)
{
	uint32_t tl = (uint32_t)top, th = (uint32_t)(top >> 32);
	uint32_t bottom = tl - w + 1;

	if (tl >= w - 1) /* Case A */
		return (uint64_t)(seql >= bottom ? th : th + 1) << 32 | seql;
	/* Case B */
	return (uint64_t)(seql >= bottom ? th - 1 : th) << 32 | seql;
}

static void
run_esn_wrap(uint32_t w)
{
	struct hs_replay r;
	const uint64_t base = 0xfffffff0ull;
	uint64_t got = 0;

	CU_ASSERT_FATAL(hs_replay_init(&r, w, true) == 0);
	CU_ASSERT_TRUE(hs_replay_advance(&r, base));
	CU_ASSERT_EQUAL(r.top, base);

	/* Before the wrap (Case A: top low half >= W - 1). */
	CU_ASSERT_TRUE(hs_replay_check(&r, 0xfffffff5u, &got));
	CU_ASSERT_EQUAL(got, 0xfffffff5ull);
	CU_ASSERT_FALSE(hs_replay_check(&r, 0xfffffff0u, &got)); /* duplicate */
	CU_ASSERT_TRUE(hs_replay_check(&r, 0xffffffffu, &got));
	CU_ASSERT_EQUAL(got, 0xffffffffull);
	/* Just above the wrap: low half 0 and 2 are in the next epoch. */
	CU_ASSERT_TRUE(hs_replay_check(&r, 0, &got));
	CU_ASSERT_EQUAL(got, 1ull << 32);
	CU_ASSERT_TRUE(hs_replay_check(&r, 2, &got));
	CU_ASSERT_EQUAL(got, (1ull << 32) + 2);
	CU_ASSERT_TRUE(hs_replay_advance(&r, got));
	CU_ASSERT_EQUAL(r.top, (1ull << 32) + 2);

	/* Now Case B: the window spans the boundary. */
	uint64_t top = r.top, oldest = top - w + 1;

	CU_ASSERT_TRUE(hs_replay_check(&r, 0xfffffff5u, &got)); /* late, previous epoch */
	CU_ASSERT_EQUAL(got, 0xfffffff5ull);
	CU_ASSERT_TRUE(hs_replay_advance(&r, got));
	CU_ASSERT_FALSE(hs_replay_check(&r, 0xfffffff5u, &got)); /* now a duplicate */
	CU_ASSERT_FALSE(hs_replay_check(&r, 0xfffffff0u, &got)); /* received before the wrap */
	CU_ASSERT_FALSE(hs_replay_check(&r, 2, &got));           /* the top itself */
	CU_ASSERT_TRUE(hs_replay_check(&r, (uint32_t)oldest, &got));
	CU_ASSERT_EQUAL(got, oldest);
	CU_ASSERT_TRUE(hs_replay_check(&r, 0xffffffffu, &got));
	CU_ASSERT_EQUAL(got, 0xffffffffull);
	CU_ASSERT_TRUE(hs_replay_check(&r, 0, &got));
	CU_ASSERT_EQUAL(got, 1ull << 32);
	CU_ASSERT_TRUE(hs_replay_check(&r, 1, &got));
	CU_ASSERT_EQUAL(got, (1ull << 32) + 1);
	CU_ASSERT_TRUE(hs_replay_check(&r, 3, &got));
	CU_ASSERT_EQUAL(got, (1ull << 32) + 3);
	/*
	 * top - W from the previous epoch is below the window: Appendix A reads
	 * it as the same low half one epoch later (ahead of top), so check says
	 * yes with that number; the ICV, computed with the wrong high half, then
	 * fails. It must never be taken as the old number.
	 */
	CU_ASSERT_TRUE(hs_replay_check(&r, (uint32_t)(oldest - 1), &got));
	CU_ASSERT_EQUAL(got, oldest - 1 + (1ull << 32));
	CU_ASSERT_EQUAL(got, ref_infer(top, w, (uint32_t)(oldest - 1)));

	/* Move the top well into the new epoch (Case A again). */
	top = (1ull << 32) + 2ull * w;
	CU_ASSERT_TRUE(hs_replay_advance(&r, top));
	CU_ASSERT_TRUE(hs_replay_check(&r, (uint32_t)(top - w + 1), &got));
	CU_ASSERT_EQUAL(got, top - w + 1);
	CU_ASSERT_TRUE(hs_replay_check(&r, (uint32_t)(top - w), &got));
	CU_ASSERT_EQUAL(got, top - w + (1ull << 32)); /* read as the next epoch */
	CU_ASSERT_TRUE(hs_replay_check(&r, 0xfffffff0u, &got));
	CU_ASSERT_EQUAL(got, (1ull << 32) + 0xfffffff0ull); /* ahead, same epoch */
	CU_ASSERT_FALSE(hs_replay_check(&r, (uint32_t)top, &got));
}

static void
test_esn_wrap(void)
{
	static const uint32_t w[] = {64, 128, 1024, 4096};

	for (size_t i = 0; i < HS_ARRAY_SIZE(w); i++)
		run_esn_wrap(w[i]);
}

/* ESN: low half 0 is a valid number after a wrap, but 64-bit 0 never is. */
static void
test_esn_zero(void)
{
	struct hs_replay r;
	uint64_t got = 0;

	CU_ASSERT_FATAL(hs_replay_init(&r, 64, true) == 0);
	CU_ASSERT_FALSE(hs_replay_check(&r, 0, &got));
	CU_ASSERT_TRUE(receive(&r, 1));
	CU_ASSERT_TRUE(receive(&r, 2));
	CU_ASSERT_FALSE(hs_replay_check(&r, 0, &got));
	CU_ASSERT_TRUE(hs_replay_check(&r, 100, &got));
	CU_ASSERT_EQUAL(got, 100);
	CU_ASSERT_TRUE(hs_replay_check(&r, 0x7fffffffu, &got));
	CU_ASSERT_EQUAL(got, 0x7fffffffull);
}

/* check never writes the window, whatever it is asked. */
static void
test_check_is_pure(void)
{
	static const bool esn[] = {false, true};

	for (size_t e = 0; e < HS_ARRAY_SIZE(esn); e++) {
		struct hs_replay r, copy;
		uint64_t got;

		CU_ASSERT_FATAL(hs_replay_init(&r, 1024, esn[e]) == 0);
		for (uint64_t s = 1; s < 3000; s += 3)
			CU_ASSERT_TRUE(receive(&r, s));
		copy = r;
		for (uint64_t s = 0; s < 6000; s++)
			(void)hs_replay_check(&r, (uint32_t)s, &got);
		(void)hs_replay_check(&r, UINT32_MAX, &got);
		CU_ASSERT_EQUAL(memcmp(&copy, &r, sizeof(r)), 0);
	}
}

/* advance checks again: a duplicate accepted meanwhile, or a number pushed out. */
static void
test_advance_rechecks(void)
{
	for (size_t i = 0; i < HS_ARRAY_SIZE(sizes); i++) {
		uint32_t w = sizes[i];
		struct hs_replay r;
		uint64_t a = 0, b = 0, c = 0;

		CU_ASSERT_FATAL(hs_replay_init(&r, w, false) == 0);
		/* Two copies of 5 in one burst: both pass check, only one advance. */
		CU_ASSERT_TRUE(hs_replay_check(&r, 5, &a));
		CU_ASSERT_TRUE(hs_replay_check(&r, 5, &b));
		CU_ASSERT_TRUE(hs_replay_advance(&r, a));
		CU_ASSERT_FALSE(hs_replay_advance(&r, b));
		/* 6 checked, then a later packet moves the window past it. */
		CU_ASSERT_TRUE(hs_replay_check(&r, 6, &c));
		CU_ASSERT_TRUE(receive(&r, 6ull + w + 10));
		CU_ASSERT_FALSE(hs_replay_advance(&r, c));
		CU_ASSERT_FALSE(hs_replay_advance(&r, 0));
		CU_ASSERT_EQUAL(r.top, 6ull + w + 10);
		/* Exactly at the edge: top - W + 1 still goes in, once. */
		CU_ASSERT_TRUE(hs_replay_advance(&r, 6ull + 10 + 1));
		CU_ASSERT_FALSE(hs_replay_advance(&r, 6ull + 10 + 1));
		CU_ASSERT_FALSE(hs_replay_advance(&r, 6ull + 10));
	}
}

/* The Cisco-style bitmap: bit i is top - i. */
static void
test_bitmap(void)
{
	struct hs_replay r;
	uint8_t out[HS_REPLAY_WINDOW_MAX / 8 + 8];
	size_t n;

	CU_ASSERT_FATAL(hs_replay_init(&r, 64, false) == 0);
	memset(out, 0xee, sizeof(out));
	n = hs_replay_bitmap(&r, out, sizeof(out));
	CU_ASSERT_EQUAL(n, 8);
	for (size_t i = 0; i < 8; i++)
		CU_ASSERT_EQUAL(out[i], 0);
	CU_ASSERT_EQUAL(out[8], 0xee);
	CU_ASSERT_TRUE(receive(&r, 100));
	CU_ASSERT_TRUE(receive(&r, 99));
	CU_ASSERT_TRUE(receive(&r, 91));
	CU_ASSERT_TRUE(receive(&r, 37)); /* top - 63: the last bit */
	n = hs_replay_bitmap(&r, out, sizeof(out));
	CU_ASSERT_EQUAL(n, 8);
	CU_ASSERT_EQUAL(out[0], 0x03);
	CU_ASSERT_EQUAL(out[1], 0x02); /* bit 9 */
	CU_ASSERT_EQUAL(out[2], 0);
	CU_ASSERT_EQUAL(out[7], 0x80);
	/* Shorter output buffer: truncated, no overrun. */
	memset(out, 0xee, sizeof(out));
	CU_ASSERT_EQUAL(hs_replay_bitmap(&r, out, 2), 2);
	CU_ASSERT_EQUAL(out[0], 0x03);
	CU_ASSERT_EQUAL(out[2], 0xee);

	CU_ASSERT_FATAL(hs_replay_init(&r, 100, false) == 0);
	CU_ASSERT_EQUAL(hs_replay_bitmap(&r, out, sizeof(out)), 13);
	CU_ASSERT_FATAL(hs_replay_init(&r, 4096, false) == 0);
	CU_ASSERT_TRUE(receive(&r, 5000));
	CU_ASSERT_TRUE(receive(&r, 5000 - 4095));
	CU_ASSERT_EQUAL(hs_replay_bitmap(&r, out, sizeof(out)), 512);
	CU_ASSERT_EQUAL(out[0], 0x01);
	CU_ASSERT_EQUAL(out[511], 0x80);
}

/* --- differential tests against the model --- */

static uint32_t rng = 12345;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

/* A random mix of in-order, late, duplicate, too old and jumping packets. */
static uint64_t
pick(uint32_t w, uint64_t lo)
{
	uint64_t top = model.top;
	uint32_t k = rnd() % 100;
	uint64_t s;

	if (k < 40)
		s = top + 1 + rnd() % 3;
	else if (k < 70)
		s = top - (rnd() % (w + 4)); /* around the window, dups included */
	else if (k < 85)
		s = top - w - (rnd() % (2 * w)); /* too old */
	else if (k < 97)
		s = top + 1 + rnd() % (2 * w); /* moderate jump */
	else
		s = top + 1 + rnd() % (8 * w + 4096); /* far jump */
	if (s < lo || s > top + (1ull << 31))
		s = top + 1;
	return s;
}

static void
run_random(uint32_t w, bool esn, uint64_t base, unsigned int steps)
{
	struct hs_replay r;
	unsigned int bad = 0;

	CU_ASSERT_FATAL(hs_replay_init(&r, w, esn) == 0);
	model_init(base, w);
	if (base > 0) {
		CU_ASSERT_TRUE(hs_replay_advance(&r, base));
		model_take(base);
	}
	for (unsigned int i = 0; i < steps && model.top - base < MODEL_SPAN - 70000; i++) {
		uint64_t s = pick(w, base > 0 ? base - 2ull * w : 0);
		uint64_t got = 0, want = esn ? ref_infer(model.top, w, (uint32_t)s) : s;
		bool ok = hs_replay_check(&r, (uint32_t)s, &got);
		bool icv_ok = want == s && rnd() % 8 != 0; /* some forgeries */

		if (ok != model_ok(want) || (ok && got != want)) {
			if (bad++ < 4)
				fprintf(stderr,
					"w %u esn %d top %#llx seq %#llx: ok %d got %#llx "
					"want %d %#llx\n",
					w, esn, (unsigned long long)model.top,
					(unsigned long long)s, ok, (unsigned long long)got,
					model_ok(want), (unsigned long long)want);
			continue;
		}
		/* Numbers below base were never received; the model cannot record them. */
		if (ok && icv_ok && got >= base) {
			CU_ASSERT_TRUE(hs_replay_advance(&r, got));
			model_take(got);
		}
		if (i % 512 == 0 && !esn)
			scan_window(&r);
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(r.top, model.top);
}

static void
test_random(void)
{
	for (size_t i = 0; i < HS_ARRAY_SIZE(sizes); i++)
		run_random(sizes[i], false, 0, 60000);
}

/* ESN across the boundary: start 2^20 below 2^32, run well past it. */
static void
test_random_esn(void)
{
	static const uint32_t w[] = {64, 100, 1024, 4096};

	for (size_t i = 0; i < HS_ARRAY_SIZE(w); i++) {
		rng = 777 + (uint32_t)i;
		run_random(w[i], true, (1ull << 32) - 200000, 200000);
		CU_ASSERT(model.top > (1ull << 32));
	}
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("replay", NULL, NULL);
	CU_add_test(s, "init sizes and -EINVAL", test_init_sizes);
	CU_add_test(s, "window edges, every size", test_edges);
	CU_add_test(s, "jumps by block/window/ring sizes", test_jumps);
	CU_add_test(s, "window 0 is off", test_window_off);
	CU_add_test(s, "no ESN: no cycling at 2^32-1", test_no_esn_top);
	CU_add_test(s, "ESN: Appendix A across 2^32", test_esn_wrap);
	CU_add_test(s, "ESN: 64-bit zero refused", test_esn_zero);
	CU_add_test(s, "check does not change state", test_check_is_pure);
	CU_add_test(s, "advance re-checks", test_advance_rechecks);
	CU_add_test(s, "bitmap view", test_bitmap);
	CU_add_test(s, "random vs model", test_random);
	CU_add_test(s, "random vs model, ESN across 2^32", test_random_esn);
	return hs_test_run();
}
