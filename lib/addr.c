/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4/IPv6 addresses and prefixes. Parsing is strict on purpose: the text
 * comes from operators' configuration files, and a router that silently
 * accepts "10.0.0.1/24" for a route or "1.2.3" for a peer hides mistakes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"

static uint8_t
family_bits(uint8_t family)
{
	return family == AF_INET ? 32 : 128;
}

static size_t
family_bytes(uint8_t family)
{
	return family == AF_INET ? 4 : 16;
}

int
hs_addr_parse(const char *s, struct hs_addr *a)
{
	struct hs_addr tmp = { 0 };
	size_t len;

	if (s == NULL || a == NULL)
		return -EINVAL;
	len = strnlen(s, HS_ADDR_STRLEN);
	if (len == 0 || len >= HS_ADDR_STRLEN)
		return -EINVAL;
	/* inet_pton() refuses "1.2.3", leading zeros, zones ("%eth0") and spaces. */
	if (strchr(s, ':') != NULL) {
		if (inet_pton(AF_INET6, s, tmp.v6) != 1)
			return -EINVAL;
		tmp.family = AF_INET6;
	} else {
		if (inet_pton(AF_INET, s, tmp.v4) != 1)
			return -EINVAL;
		tmp.family = AF_INET;
	}
	*a = tmp;
	return 0;
}

/* "0".."128": digits only, no sign, no leading zero, at most three digits. */
static int
parse_len(const char *s, unsigned int max, uint8_t *out)
{
	unsigned int v = 0;
	size_t n;

	n = strlen(s);
	if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned int)(s[i] - '0');
	}
	if (v > max)
		return -EINVAL;
	*out = (uint8_t)v;
	return 0;
}

int
hs_addr_parse_cidr(const char *s, struct hs_addr *a, uint8_t *len)
{
	char buf[HS_ADDR_STRLEN];
	struct hs_addr tmp;
	const char *slash;
	uint8_t plen;
	size_t n;

	if (s == NULL || a == NULL || len == NULL)
		return -EINVAL;
	n = strnlen(s, sizeof(buf));
	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	slash = strchr(s, '/');
	if (slash == NULL) {
		if (hs_addr_parse(s, &tmp) < 0)
			return -EINVAL;
		*a = tmp;
		*len = family_bits(tmp.family);
		return 0;
	}
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	if (hs_addr_parse(buf, &tmp) < 0)
		return -EINVAL;
	if (parse_len(slash + 1, family_bits(tmp.family), &plen) < 0)
		return -EINVAL;
	*a = tmp;
	*len = plen;
	return 0;
}

/* Clear (or, with check, look for) bits beyond len. */
static bool
host_bits(struct hs_addr *a, uint8_t len, bool clear)
{
	size_t nbytes = family_bytes(a->family);
	bool found = false;

	for (size_t i = 0; i < nbytes; i++) {
		unsigned int bit = (unsigned int)i * 8;
		uint8_t keep;

		if (bit + 8 <= len)
			continue;
		keep = bit >= len ? 0 : (uint8_t)(0xff << (8 - (len - bit)));
		if ((a->bytes[i] & (uint8_t)~keep) != 0)
			found = true;
		if (clear)
			a->bytes[i] &= keep;
	}
	return found;
}

int
hs_prefix_parse(const char *s, struct hs_prefix *p)
{
	struct hs_addr a;
	uint8_t len;

	if (p == NULL || hs_addr_parse_cidr(s, &a, &len) < 0)
		return -EINVAL;
	if (host_bits(&a, len, false))
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	p->addr = a;
	p->len = len;
	return 0;
}

void
hs_prefix_make(struct hs_prefix *p, const struct hs_addr *a, uint8_t len)
{
	memset(p, 0, sizeof(*p));
	p->addr = *a;
	if (a->family != AF_INET && a->family != AF_INET6)
		return;
	if (len > family_bits(a->family))
		len = family_bits(a->family);
	p->len = len;
	host_bits(&p->addr, len, true);
}

const char *
hs_addr_format(const struct hs_addr *a, char *buf, size_t len)
{
	char tmp[HS_ADDR_STRLEN];

	if (buf == NULL || len == 0)
		return buf;
	if (a == NULL || (a->family != AF_INET && a->family != AF_INET6) ||
		inet_ntop(a->family, a->bytes, tmp, sizeof(tmp)) == NULL)
		snprintf(buf, len, "%s", "unset");
	else
		snprintf(buf, len, "%s", tmp);
	return buf;
}

const char *
hs_prefix_format(const struct hs_prefix *p, char *buf, size_t len)
{
	char tmp[HS_ADDR_STRLEN];

	if (buf == NULL || len == 0)
		return buf;
	if (p == NULL || (p->addr.family != AF_INET && p->addr.family != AF_INET6)) {
		snprintf(buf, len, "%s", "unset");
		return buf;
	}
	hs_addr_format(&p->addr, tmp, sizeof(tmp));
	snprintf(buf, len, "%s/%u", tmp, p->len);
	return buf;
}

bool
hs_prefix_contains(const struct hs_prefix *p, const struct hs_addr *a)
{
	unsigned int full, rest;

	if (p->addr.family != a->family || (a->family != AF_INET && a->family != AF_INET6))
		return false;
	if (p->len > family_bits(a->family))
		return false;
	full = p->len / 8u;
	rest = p->len % 8u;
	if (memcmp(p->addr.bytes, a->bytes, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((p->addr.bytes[full] ^ a->bytes[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

bool
hs_prefix_equal(const struct hs_prefix *a, const struct hs_prefix *b)
{
	return a->len == b->len && hs_addr_equal(&a->addr, &b->addr);
}
