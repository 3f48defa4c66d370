/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Anti-replay window for inbound ESP (RFC 4303 §3.4.3, with extended
 * sequence numbers per RFC 4303 Appendix A), kept as an RFC 6479 ring of
 * 64-bit blocks with one spare block so that sliding the window only clears
 * whole blocks.
 *
 * Usage on the packet path: hs_replay_check() before decrypting (it also
 * infers the high 32 bits of an extended sequence number, needed for the
 * ICV), then hs_replay_advance() only after the ICV verified. advance checks
 * again, so a duplicate that was in the same burst is still refused.
 */
#ifndef HS_REPLAY_H
#define HS_REPLAY_H

#include "hs_common.h"

#define HS_REPLAY_WINDOW_MAX 4096
#define HS_REPLAY_BLOCK_BITS 64
/*
 * Blocks of storage: at least one spare block beyond the window (RFC 6479
 * §3), rounded up to a power of two so that the block index is a mask.
 */
#define HS_REPLAY_BLOCKS 128

struct hs_replay {
	uint64_t top;	 /* highest sequence number accepted so far (64-bit) */
	uint32_t window; /* window size in packets; 0: replay checking off */
	uint32_t mask;	 /* blocks in use - 1; blocks in use is a power of two */
	bool esn;
	uint64_t bitmap[HS_REPLAY_BLOCKS];
};

/*
 * Set up an empty window. window is 0 (off) or 64..4096 packets, kept exactly
 * (storage is rounded up, the acceptance test is not).
 * Returns 0 or -EINVAL for a size out of range.
 */
int hs_replay_init(struct hs_replay *r, uint32_t window, bool esn);

/*
 * Check the low 32 bits of a received sequence number before decrypting.
 * On success stores the full 64-bit sequence number in *seq (the high half
 * inferred as RFC 4303 Appendix A describes) and returns true; returns false
 * for a replayed or too old packet, and for sequence number 0 without ESN.
 */
bool hs_replay_check(const struct hs_replay *r, uint32_t seq_lo, uint64_t *seq);

/*
 * Record seq (from hs_replay_check) after its ICV verified. Returns false if
 * seq was accepted meanwhile (a duplicate in the same burst) or fell out of
 * the window: the caller drops the packet as a replay.
 */
bool hs_replay_advance(struct hs_replay *r, uint64_t seq);

/* Window size in packets (0: off). */
uint32_t hs_replay_window(const struct hs_replay *r);

/*
 * The window as Cisco's "replay detection" bitmap shows it: bit i set when
 * top - i was received, for i in [0, window). Writes (window + 7) / 8 bytes
 * into out (at most len); returns the bytes written.
 */
size_t hs_replay_bitmap(const struct hs_replay *r, uint8_t *out, size_t len);

#endif /* HS_REPLAY_H */
