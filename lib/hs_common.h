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

#endif /* HS_COMMON_H */
