/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Typed readers over the node tree. Each one reports its own error, with
 * the offending value shown (escaped, truncated) — callers that read a
 * secret never pass it to these messages: see config_keys.c.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_priv.h"

void
hs_cfg_path(char *buf, const char *parent, const char *key)
{
	int n;

	if (parent == NULL || parent[0] == '\0')
		n = snprintf(buf, HS_CFG_PATH_MAX, "%s", key);
	else
		n = snprintf(buf, HS_CFG_PATH_MAX, "%s.%s", parent, key);
	if (n < 0)
		buf[0] = '\0';
}

void
hs_cfg_path_idx(char *buf, const char *parent, unsigned int idx)
{
	if (snprintf(buf, HS_CFG_PATH_MAX, "%s[%u]", parent, idx) < 0)
		buf[0] = '\0';
}

/* A scalar for a message: at most HS_CFG_SHOW_MAX characters, unprintables as \xNN. */
const char *
hs_cfg_show(const struct hs_cfg_node *n, char *buf, size_t len)
{
	size_t o = 0;

	if (len < 8) {
		if (len > 0)
			buf[0] = '\0';
		return buf;
	}
	if (n == NULL || n->type != HS_CFG_SCALAR) {
		snprintf(buf, len, "%s", hs_cfg_type_name(n));
		return buf;
	}
	for (size_t i = 0; i < n->len; i++) {
		unsigned char ch = (unsigned char)n->str[i];

		if (i >= HS_CFG_SHOW_MAX || o + 8 >= len) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (ch >= 0x20 && ch < 0x7f)
			buf[o++] = (char)ch;
		else
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", ch);
	}
	buf[o] = '\0';
	return buf;
}

bool
hs_cfg_is_null(const struct hs_cfg_node *n)
{
	if (n == NULL)
		return true;
	if (n->type != HS_CFG_SCALAR || !n->plain)
		return false;
	return n->len == 0 || strcmp(n->str, "~") == 0 || strcasecmp(n->str, "null") == 0;
}

const char *
hs_cfg_type_name(const struct hs_cfg_node *n)
{
	if (hs_cfg_is_null(n))
		return "an empty value";
	switch (n->type) {
	case HS_CFG_SEQ:
		return "a list";
	case HS_CFG_MAP:
		return "a mapping";
	default:
		return "a scalar";
	}
}

static void
allowed_list(char *buf, size_t len, const char *const *keys, unsigned int nkeys)
{
	size_t o = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < nkeys && o < len; i++) {
		int w = snprintf(buf + o, len - o, "%s%s", i > 0 ? ", " : "", keys[i]);

		if (w < 0)
			break;
		o += (size_t)w;
	}
}

static int
map_key(struct hs_cfg_ctx *c, const struct hs_cfg_node *k, const char *path,
	const char *const *keys, unsigned int nkeys, const struct hs_cfg_node **vals,
	const struct hs_cfg_node **knodes)
{
	char show[HS_CFG_SHOW_MAX + 16], allowed[400];

	if (k->type != HS_CFG_SCALAR) {
		hs_cfg_err(c, k, path, "keys must be plain names (got %s)", hs_cfg_type_name(k));
		return -1;
	}
	for (unsigned int i = 0; i < nkeys; i++) {
		if (strcmp(k->str, keys[i]) != 0)
			continue;
		if (vals[i] != NULL) {
			hs_cfg_err(c, k, path, "duplicate key '%s' (first at line %u)", keys[i],
				knodes[i]->line);
			return -1;
		}
		return (int)i;
	}
	allowed_list(allowed, sizeof(allowed), keys, nkeys);
	hs_cfg_err(c, k, path, "unknown key '%s' (allowed: %s)", hs_cfg_show(k, show, sizeof(show)),
		allowed);
	return -1;
}

int
hs_cfg_map(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path,
	const char *const *keys, unsigned int nkeys, uint64_t required,
	const struct hs_cfg_node **vals)
{
	const struct hs_cfg_node *knodes[64] = { NULL };

	for (unsigned int i = 0; i < nkeys; i++)
		vals[i] = NULL;
	if (nkeys > HS_ARRAY_SIZE(knodes))
		return -EINVAL;
	if (n->type != HS_CFG_MAP && !hs_cfg_is_null(n)) {
		hs_cfg_err(c, n, path, "expected a mapping (got %s)", hs_cfg_type_name(n));
		return -EINVAL;
	}
	for (uint32_t i = 0; n->type == HS_CFG_MAP && i + 1 < n->n; i += 2) {
		int k = map_key(c, n->kids[i], path, keys, nkeys, vals, knodes);

		if (k < 0)
			continue;
		vals[k] = n->kids[i + 1];
		knodes[k] = n->kids[i];
	}
	for (unsigned int i = 0; i < nkeys; i++) {
		if ((required & (1ull << i)) != 0 && vals[i] == NULL)
			hs_cfg_err(c, n, path, "missing required key '%s'", keys[i]);
	}
	return 0;
}

int
hs_cfg_seq(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path)
{
	if (hs_cfg_is_null(n))
		return 0;
	if (n->type != HS_CFG_SEQ) {
		hs_cfg_err(c, n, path, "expected a list (got %s)", hs_cfg_type_name(n));
		return -EINVAL;
	}
	return (int)n->n;
}

const char *
hs_cfg_scalar(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path)
{
	if (n->type != HS_CFG_SCALAR) {
		hs_cfg_err(c, n, path, "expected a scalar value (got %s)", hs_cfg_type_name(n));
		return NULL;
	}
	return n->str;
}

/* Decimal or 0x-hex digits only; -ERANGE on overflow. */
static int
parse_u64(const char *s, uint64_t *out)
{
	unsigned int base = 10;
	uint64_t v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (*s == '\0')
		return -EINVAL;
	for (; *s != '\0'; s++) {
		unsigned int d;

		if (isdigit((unsigned char)*s))
			d = (unsigned int)(*s - '0');
		else if (base == 16 && isxdigit((unsigned char)*s))
			d = (unsigned int)(tolower((unsigned char)*s) - 'a' + 10);
		else
			return -EINVAL;
		if (v > (UINT64_MAX - d) / base)
			return -ERANGE;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

int
hs_cfg_u64(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path, uint64_t min,
	uint64_t max, uint64_t *out)
{
	char show[HS_CFG_SHOW_MAX + 16];
	const char *s = hs_cfg_scalar(c, n, path);
	uint64_t v;
	int rc;

	if (s == NULL)
		return -EINVAL;
	rc = parse_u64(s, &v);
	if (rc == -EINVAL && s[0] == '-' && parse_u64(s + 1, &v) == 0)
		rc = -ERANGE;
	if (rc == -EINVAL) {
		hs_cfg_err(c, n, path, "expected an integer (got '%s')",
			hs_cfg_show(n, show, sizeof(show)));
		return -EINVAL;
	}
	if (rc == -ERANGE || v < min || v > max) {
		hs_cfg_err(c, n, path, "must be between %llu and %llu (got %s)",
			(unsigned long long)min, (unsigned long long)max,
			hs_cfg_show(n, show, sizeof(show)));
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int
hs_cfg_u32(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path, uint32_t min,
	uint32_t max, uint32_t *out)
{
	uint64_t v;

	if (hs_cfg_u64(c, n, path, min, max, &v) < 0)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

int
hs_cfg_bool(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };
	char show[HS_CFG_SHOW_MAX + 16];
	const char *s = hs_cfg_scalar(c, n, path);

	if (s == NULL)
		return -EINVAL;
	for (size_t i = 0; i < HS_ARRAY_SIZE(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	hs_cfg_err(c, n, path, "expected a bool, true or false (got '%s')",
		hs_cfg_show(n, show, sizeof(show)));
	return -EINVAL;
}

int
hs_cfg_enum(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path,
	const char *const *names, unsigned int nnames, unsigned int *out)
{
	char show[HS_CFG_SHOW_MAX + 16], allowed[400];
	const char *s = hs_cfg_scalar(c, n, path);

	if (s == NULL)
		return -EINVAL;
	for (unsigned int i = 0; i < nnames; i++) {
		if (names[i] != NULL && strcasecmp(s, names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	allowed_list(allowed, sizeof(allowed), names, nnames);
	hs_cfg_err(c, n, path, "must be one of: %s (got '%s')", allowed,
		hs_cfg_show(n, show, sizeof(show)));
	return -EINVAL;
}

int
hs_cfg_name(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path, char *out)
{
	char show[HS_CFG_SHOW_MAX + 16];
	const char *s = hs_cfg_scalar(c, n, path);
	bool ok;

	if (s == NULL)
		return -EINVAL;
	ok = n->len > 0 && n->len < HS_CONFIG_NAME_MAX;
	for (size_t i = 0; ok && i < n->len; i++)
		ok = isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '-' || s[i] == '.';
	if (!ok) {
		hs_cfg_err(c, n, path,
			"invalid name '%s': use 1 to %u letters, digits, '_', '-' or '.'",
			hs_cfg_show(n, show, sizeof(show)), HS_CONFIG_NAME_MAX - 1);
		return -EINVAL;
	}
	memcpy(out, s, n->len + 1);
	return 0;
}

int
hs_cfg_text(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path, char *out,
	size_t size)
{
	const char *s = hs_cfg_scalar(c, n, path);

	if (s == NULL)
		return -EINVAL;
	if (n->len >= size) {
		hs_cfg_err(c, n, path, "too long (%zu characters, at most %zu)", n->len, size - 1);
		return -EINVAL;
	}
	for (size_t i = 0; i < n->len; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			hs_cfg_err(c, n, path, "contains a control character");
			return -EINVAL;
		}
	}
	memcpy(out, s, n->len + 1);
	return 0;
}

int
hs_cfg_addr(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path,
	struct hs_addr *out)
{
	char show[HS_CFG_SHOW_MAX + 16];
	const char *s = hs_cfg_scalar(c, n, path);

	if (s == NULL)
		return -EINVAL;
	if (hs_addr_parse(s, out) == 0)
		return 0;
	hs_cfg_err(c, n, path, "invalid IP address '%s'%s", hs_cfg_show(n, show, sizeof(show)),
		strchr(s, '/') != NULL ? " (an address, without a prefix length)" : "");
	return -EINVAL;
}

int
hs_cfg_prefix(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path,
	struct hs_prefix *out)
{
	char show[HS_CFG_SHOW_MAX + 16], fixed[HS_ADDR_STRLEN];
	const char *s = hs_cfg_scalar(c, n, path);
	struct hs_prefix p;
	struct hs_addr a;
	uint8_t len;

	if (s == NULL)
		return -EINVAL;
	if (hs_prefix_parse(s, out) == 0)
		return 0;
	if (hs_addr_parse_cidr(s, &a, &len) == 0) {
		hs_prefix_make(&p, &a, len);
		hs_cfg_err(c, n, path, "invalid prefix '%s': host bits are set (did you mean %s?)",
			hs_cfg_show(n, show, sizeof(show)),
			hs_prefix_format(&p, fixed, sizeof(fixed)));
		return -EINVAL;
	}
	hs_cfg_err(c, n, path, "invalid prefix '%s' (expected e.g. 10.0.0.0/8 or 2001:db8::/32)",
		hs_cfg_show(n, show, sizeof(show)));
	return -EINVAL;
}

/* "02:00:00:00:00:01" (or with '-'): two hex digits per byte, one separator kind. */
static bool
mac_parse(const char *s, size_t len, uint8_t mac[6])
{
	if (len != 17)
		return false;
	for (size_t i = 0; i < 6; i++) {
		const char *p = s + i * 3;
		char hex[3] = { p[0], p[1], '\0' };

		if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]))
			return false;
		if (i < 5 && (p[2] != s[2] || (p[2] != ':' && p[2] != '-')))
			return false;
		mac[i] = (uint8_t)strtoul(hex, NULL, 16);
	}
	return true;
}

int
hs_cfg_mac(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path, uint8_t mac[6])
{
	char show[HS_CFG_SHOW_MAX + 16];
	const char *s = hs_cfg_scalar(c, n, path);
	uint8_t m[6];

	if (s == NULL)
		return -EINVAL;
	if (!mac_parse(s, n->len, m)) {
		hs_cfg_err(c, n, path, "invalid MAC address '%s' (expected e.g. 02:00:00:00:00:01)",
			hs_cfg_show(n, show, sizeof(show)));
		return -EINVAL;
	}
	if ((m[0] & 1) != 0 || (m[0] | m[1] | m[2] | m[3] | m[4] | m[5]) == 0) {
		hs_cfg_err(c, n, path, "MAC address '%s' is not a unicast address",
			hs_cfg_show(n, show, sizeof(show)));
		return -EINVAL;
	}
	memcpy(mac, m, 6);
	return 0;
}

int
hs_cfg_dh_group(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path,
	bool allow_none, uint16_t *out)
{
	static const uint16_t groups[] = { 14, 15, 19, 20, 21, 31 };
	char show[HS_CFG_SHOW_MAX + 16];
	const char *s = hs_cfg_scalar(c, n, path);
	uint64_t v;

	if (s == NULL)
		return -EINVAL;
	if (allow_none && (strcasecmp(s, "none") == 0 || strcasecmp(s, "false") == 0 ||
				  strcasecmp(s, "no") == 0)) {
		*out = 0;
		return 0;
	}
	if (strncasecmp(s, "group", 5) == 0)
		s += 5;
	if (parse_u64(s, &v) == 0) {
		for (size_t i = 0; i < HS_ARRAY_SIZE(groups); i++) {
			if (v == groups[i]) {
				*out = groups[i];
				return 0;
			}
		}
	}
	hs_cfg_err(c, n, path, "unsupported DH group '%s' (use %s14, 15, 19, 20, 21 or 31)",
		hs_cfg_show(n, show, sizeof(show)), allow_none ? "none, " : "");
	return -EINVAL;
}

int
hs_cfg_replay_window(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path,
	uint32_t *out)
{
	uint32_t v;

	if (hs_cfg_u32(c, n, path, 0, HS_REPLAY_WINDOW_MAX, &v) < 0)
		return -EINVAL;
	if (v != 0 && (v < 64 || v % 64 != 0)) {
		hs_cfg_err(c, n, path,
			"must be 0 (off) or a multiple of 64 from 64 to %u (got %u)",
			HS_REPLAY_WINDOW_MAX, v);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int
hs_cfg_list(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path,
	unsigned int max, const struct hs_cfg_node **items)
{
	unsigned int cnt = 0;

	if (hs_cfg_is_null(n))
		return 0;
	if (n->type == HS_CFG_SCALAR) {
		items[0] = n;
		return 1;
	}
	if (n->type != HS_CFG_SEQ) {
		hs_cfg_err(c, n, path, "expected a value or a list (got %s)", hs_cfg_type_name(n));
		return -EINVAL;
	}
	if (n->n > max) {
		hs_cfg_err(c, n, path, "at most %u values (got %u)", max, n->n);
		return -EINVAL;
	}
	for (uint32_t i = 0; i < n->n; i++) {
		if (n->kids[i]->type != HS_CFG_SCALAR) {
			hs_cfg_err(c, n->kids[i], path, "expected a scalar value (got %s)",
				hs_cfg_type_name(n->kids[i]));
			return -EINVAL;
		}
		items[cnt++] = n->kids[i];
	}
	return (int)cnt;
}

void *
hs_cfg_calloc(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, size_t count, size_t size)
{
	void *p;

	if (count == 0)
		return NULL;
	p = calloc(count, size);
	if (p == NULL)
		hs_cfg_err(c, n, NULL, "out of memory");
	return p;
}

static int
cmp_key(const void *a, const void *b)
{
	const struct hs_cfg_node *x = *(const struct hs_cfg_node *const *)a;
	const struct hs_cfg_node *y = *(const struct hs_cfg_node *const *)b;
	int r = strcmp(x->str, y->str);

	if (r != 0)
		return r;
	return x->line < y->line ? -1 : x->line > y->line;
}

void
hs_cfg_dup_keys(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path)
{
	const struct hs_cfg_node **keys;
	char show[HS_CFG_SHOW_MAX + 16];
	uint32_t k = 0;

	if (n->type != HS_CFG_MAP || n->n < 4)
		return;
	keys = hs_cfg_calloc(c, n, n->n / 2, sizeof(*keys));
	if (keys == NULL)
		return;
	for (uint32_t i = 0; i + 1 < n->n; i += 2) {
		if (n->kids[i]->type == HS_CFG_SCALAR)
			keys[k++] = n->kids[i];
	}
	/* Sorted, so that thousands of names cost n log n, not n^2. */
	qsort(keys, k, sizeof(*keys), cmp_key);
	for (uint32_t i = 1; i < k; i++) {
		if (strcmp(keys[i - 1]->str, keys[i]->str) == 0)
			hs_cfg_err(c, keys[i], path, "duplicate name '%s' (first at line %u)",
				hs_cfg_show(keys[i], show, sizeof(show)), keys[i - 1]->line);
	}
	free(keys);
}

struct dup_sort {
	hs_cfg_cmp_fn cmp;
};

static int
cmp_indirect(const void *a, const void *b, void *arg)
{
	const struct dup_sort *d = arg;
	const char *x = *(const char *const *)a;
	const char *y = *(const char *const *)b;
	int r = d->cmp(x, y);

	if (r != 0)
		return r;
	return x < y ? -1 : x > y; /* equal ones stay in file order */
}

void
hs_cfg_find_dups(struct hs_cfg_ctx *c, const void *base, size_t count, size_t size,
	hs_cfg_cmp_fn cmp, hs_cfg_dup_fn report)
{
	struct dup_sort d = { .cmp = cmp };
	const char **idx;
	size_t first = 0;

	if (count < 2)
		return;
	idx = calloc(count, sizeof(*idx));
	if (idx == NULL) {
		hs_cfg_err_at(c, 0, 0, NULL, "out of memory");
		return;
	}
	for (size_t i = 0; i < count; i++)
		idx[i] = (const char *)base + i * size;
	qsort_r(idx, count, sizeof(*idx), cmp_indirect, &d);
	for (size_t i = 1; i < count; i++) {
		if (cmp(idx[first], idx[i]) == 0)
			report(c, idx[i], idx[first]);
		else
			first = i;
	}
	free(idx);
}

int
hs_cfg_addr_cmp(const struct hs_addr *a, const struct hs_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->bytes, b->bytes, sizeof(a->bytes));
}

int
hs_cfg_prefix_cmp(const struct hs_prefix *a, const struct hs_prefix *b)
{
	int r = hs_cfg_addr_cmp(&a->addr, &b->addr);

	if (r != 0)
		return r;
	return a->len < b->len ? -1 : a->len > b->len;
}
