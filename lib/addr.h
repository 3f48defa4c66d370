/* SPDX-License-Identifier: BSD-3-Clause */
/* IPv4/IPv6 addresses and prefixes, in network byte order. */
#ifndef HS_ADDR_H
#define HS_ADDR_H

#include <netinet/in.h>

#include "hs_common.h"

struct hs_addr {
	uint8_t family; /* AF_INET or AF_INET6; 0: unset */
	union {
		uint8_t v4[4];
		uint8_t v6[16];
		uint8_t bytes[16];
	};
};

struct hs_prefix {
	struct hs_addr addr; /* host bits cleared */
	uint8_t len;	     /* 0..32 or 0..128 */
};

/* Longest text form (IPv6 with a /128) including the NUL. */
#define HS_ADDR_STRLEN 48

/* Parse "10.1.2.3" or "2001:db8::1". Returns 0 or -EINVAL. */
int hs_addr_parse(const char *s, struct hs_addr *a);

/*
 * Parse "10.0.0.0/8", "2001:db8::/32", or a bare address (a host prefix).
 * Host bits set under the mask are refused (-EINVAL), as a router would.
 */
int hs_prefix_parse(const char *s, struct hs_prefix *p);

/*
 * Parse an interface address with its prefix length, "192.168.1.1/24" or
 * "2001:db8::1/64": host bits are kept (they are the address). A bare
 * address gets /32 or /128. Returns 0 or -EINVAL.
 */
int hs_addr_parse_cidr(const char *s, struct hs_addr *a, uint8_t *len);

/* The prefix of length len that contains a (host bits cleared). */
void hs_prefix_make(struct hs_prefix *p, const struct hs_addr *a, uint8_t len);

/* Format into buf (at least HS_ADDR_STRLEN); returns buf. */
const char *hs_addr_format(const struct hs_addr *a, char *buf, size_t len);
const char *hs_prefix_format(const struct hs_prefix *p, char *buf, size_t len);

/*
 * Same family and address (two unset addresses are equal). Inline, with
 * fixed-size compares: workers call it per packet.
 */
static inline bool
hs_addr_equal(const struct hs_addr *a, const struct hs_addr *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return __builtin_memcmp(a->v4, b->v4, 4) == 0;
	if (a->family == AF_INET6)
		return __builtin_memcmp(a->v6, b->v6, 16) == 0;
	return true;
}
bool hs_prefix_contains(const struct hs_prefix *p, const struct hs_addr *a);
bool hs_prefix_equal(const struct hs_prefix *a, const struct hs_prefix *b);

#endif /* HS_ADDR_H */
