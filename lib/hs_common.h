/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Small things every hubsec module uses: burst size, branch hints, the
 * X-macro helpers that turn one list into an enum and its string table.
 */
#ifndef HS_COMMON_H
#define HS_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Packets per burst on the packet path; every per-burst array is this big. */
#define HS_BURST_MAX 32

#define HS_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define hs_likely(x) __builtin_expect(!!(x), 1)
#define hs_unlikely(x) __builtin_expect(!!(x), 0)

#define HS_CACHE_LINE 64

/*
 * Enum <-> string from one list: a list macro X(NAME, "string") expands once
 * into the enumerators and once into the name table, so the two never drift.
 */
#define HS_ENUM_ITEM(name, str) name,
#define HS_ENUM_STR(name, str) [name] = str,

/* Compare two byte strings in time independent of their contents. */
static inline bool
hs_mem_equal_ct(const void *a, const void *b, size_t len)
{
	const volatile uint8_t *x = a;
	const volatile uint8_t *y = b;
	uint8_t diff = 0;

	for (size_t i = 0; i < len; i++)
		diff |= x[i] ^ y[i];
	return diff == 0;
}

/*
 * The same for ICVs (12, 16, 24 or 32 bytes: multiples of 4), a word at a
 * time; still no early exit.
 */
static inline bool
hs_icv_equal_ct(const void *a, const void *b, size_t len)
{
	const uint8_t *x = a, *y = b;
	uint64_t diff = 0;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t u, v;

		__builtin_memcpy(&u, x + i, 8);
		__builtin_memcpy(&v, y + i, 8);
		diff |= u ^ v;
	}
	for (; i < len; i++)
		diff |= (uint64_t)(x[i] ^ y[i]);
	/* Stop the compiler from turning the loop into an early-exit compare. */
	__asm__ volatile("" : "+r"(diff));
	return diff == 0;
}

#endif /* HS_COMMON_H */
