/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Why a packet was dropped: one list for the whole project. Every reason has
 * a per-lcore counter and the console name given here (STYLE.md: greppable,
 * one X-macro list).
 */
#ifndef HS_DROP_H
#define HS_DROP_H

#include "hs_common.h"

#define HS_DROP_REASONS(X)                                                                         \
	X(HS_DROP_TOO_SHORT, "too-short")             /* shorter than its headers say */          \
	X(HS_DROP_BAD_HEADER, "bad-header")           /* outer IP/UDP/ESP header malformed */     \
	X(HS_DROP_INVALID_SPI, "invalid-spi")         /* SPI not the SA's / unknown */            \
	X(HS_DROP_REPLAY, "replay")                   /* replayed or older than the window */     \
	X(HS_DROP_AUTH, "auth-failed")                /* ICV did not verify */                    \
	X(HS_DROP_BAD_LENGTH, "bad-length")           /* ciphertext not a block multiple */       \
	X(HS_DROP_BAD_PADDING, "bad-padding")         /* pad bytes not 1, 2, 3... */              \
	X(HS_DROP_BAD_NEXT_HEADER, "bad-next-header") /* not IPv4/IPv6 in tunnel mode */         \
	X(HS_DROP_TFC_DUMMY, "tfc-dummy")             /* next header 59, RFC 4303 §2.6 */        \
	X(HS_DROP_BAD_INNER, "bad-inner")             /* inner packet malformed */                \
	X(HS_DROP_ECN, "ecn")                         /* RFC 6040 §4.2: CE on a Not-ECT inner */ \
	X(HS_DROP_SEQ_OVERFLOW, "seq-overflow")       /* RFC 4303 §3.3.3: no cycling */          \
	X(HS_DROP_SA_EXPIRED, "sa-expired")           /* hard lifetime reached */                 \
	X(HS_DROP_NO_ROOM, "no-room")                 /* no head/tailroom for ESP */              \
	X(HS_DROP_CRYPTO, "crypto-error")             /* intel-ipsec-mb job failed */

enum hs_drop_reason { HS_DROP_REASONS(HS_ENUM_ITEM) HS_DROP_MAX };

/* Console name of a reason ("auth-failed"); "unknown" out of range. */
const char *hs_drop_name(enum hs_drop_reason r);

#endif /* HS_DROP_H */
