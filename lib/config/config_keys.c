/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pre-shared-keys and static-sas: the two places with secrets. A secret's
 * text is never passed to an error message (not even hs_cfg_show()): errors
 * say what is wrong with it (length, characters) and where, never what it is.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config_priv.h"

#define PSK_KEYS(X)                                                                                \
	X(PK_PEER, "peer")                                                                         \
	X(PK_KEY, "key")                                                                           \
	X(PK_KEY_FILE, "key-file")
enum psk_key { PSK_KEYS(HS_ENUM_ITEM) PK_MAX };
static const char *const psk_keys[] = { PSK_KEYS(HS_ENUM_STR) };

const char *
hs_cfg_secret_scalar(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path)
{
	if (n->type != HS_CFG_SCALAR) {
		hs_cfg_err(c, n, path, "expected a scalar value (got %s)",
			n->type == HS_CFG_MAP ? "a mapping" : "a list");
		return NULL;
	}
	return n->str;
}

/* Read a key file (relative to the config's directory), trailing newlines stripped. */
static void
read_key_file(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path,
	struct hs_config_psk *k)
{
	char full[2 * HS_CONFIG_STR_MAX], buf[HS_CONFIG_PSK_MAX + 2];
	ssize_t got;
	int fd;

	if (hs_cfg_text(c, n, path, k->key_file, sizeof(k->key_file)) < 0)
		return;
	fd = hs_cfg_open(c, k->key_file, full, sizeof(full));
	if (fd < 0) {
		hs_cfg_err(c, n, path, "cannot read key file '%s': %s", full, strerror(errno));
		return;
	}
	do {
		got = read(fd, buf, sizeof(buf));
	} while (got < 0 && errno == EINTR);
	if (got < 0)
		hs_cfg_err(c, n, path, "cannot read key file '%s': %s", full, strerror(errno));
	close(fd);
	while (got > 0 && (buf[got - 1] == '\n' || buf[got - 1] == '\r'))
		got--;
	if (got == 0)
		hs_cfg_err(c, n, path, "key file '%s' is empty", full);
	else if (got > HS_CONFIG_PSK_MAX)
		hs_cfg_err(c, n, path, "key in '%s' is longer than %u bytes", full,
			HS_CONFIG_PSK_MAX);
	else if (got > 0)
		memcpy(k->key, buf, (size_t)got);
	if (got > 0 && got <= HS_CONFIG_PSK_MAX)
		k->key_len = (uint16_t)got;
	explicit_bzero(buf, sizeof(buf));
}

static void
parse_psk_peer(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path,
	struct hs_config_psk *k)
{
	struct hs_addr a;

	if (n->type == HS_CFG_SCALAR && strcmp(n->str, "*") == 0) {
		k->wildcard = true;
		return;
	}
	if (n->type == HS_CFG_SCALAR && hs_addr_parse(n->str, &a) == 0) {
		hs_prefix_make(&k->peer, &a, a.family == AF_INET ? 32 : 128);
		return;
	}
	hs_cfg_prefix(c, n, path, &k->peer);
}

static void
parse_psk(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path,
	struct hs_config_psk *k)
{
	const struct hs_cfg_node *v[PK_MAX];
	char p[HS_CFG_PATH_MAX];
	const char *key;

	k->mark = hs_cfg_mark(n);
	if (hs_cfg_map(c, n, path, psk_keys, PK_MAX, 1u << PK_PEER, v) < 0)
		return;
	hs_cfg_path(p, path, "peer");
	if (v[PK_PEER] != NULL)
		parse_psk_peer(c, v[PK_PEER], p, k);
	if ((v[PK_KEY] == NULL) == (v[PK_KEY_FILE] == NULL)) {
		if (v[PK_KEY] == NULL)
			hs_cfg_err(c, n, path, "needs key or key-file");
		else
			hs_cfg_err(c, n, path, "key and key-file are both given: use one");
		return;
	}
	hs_cfg_path(p, path, "key-file");
	if (v[PK_KEY_FILE] != NULL) {
		read_key_file(c, v[PK_KEY_FILE], p, k);
		return;
	}
	hs_cfg_path(p, path, "key");
	key = hs_cfg_secret_scalar(c, v[PK_KEY], p);
	if (key == NULL)
		return;
	if (v[PK_KEY]->len == 0 || v[PK_KEY]->len > HS_CONFIG_PSK_MAX) {
		hs_cfg_err(c, v[PK_KEY], p, "must be 1 to %u bytes (got %zu)", HS_CONFIG_PSK_MAX,
			v[PK_KEY]->len);
		return;
	}
	memcpy(k->key, key, v[PK_KEY]->len);
	k->key_len = (uint16_t)v[PK_KEY]->len;
}

static int
cmp_psk(const void *a, const void *b)
{
	const struct hs_config_psk *x = a, *y = b;

	if (x->wildcard != y->wildcard)
		return x->wildcard ? -1 : 1;
	return hs_cfg_prefix_cmp(&x->peer, &y->peer);
}

static void
dup_psk(struct hs_cfg_ctx *c, const void *dup, const void *first)
{
	const struct hs_config_psk *k = dup, *o = first;
	char pfx[HS_ADDR_STRLEN];

	if (!k->wildcard && k->peer.addr.family == 0)
		return; /* its peer was not valid: already reported */
	hs_cfg_err_at(c, k->mark.line, k->mark.col, "pre-shared-keys",
		"duplicate pre-shared key for peer %s (first at line %u)",
		k->wildcard ? "*" : hs_prefix_format(&k->peer, pfx, sizeof(pfx)), o->mark.line);
}

void
hs_cfg_parse_psks(struct hs_cfg_ctx *c, const struct hs_cfg_node *n)
{
	struct hs_config *cfg = c->cfg;
	char p[HS_CFG_PATH_MAX];
	int cnt = hs_cfg_seq(c, n, "pre-shared-keys");

	if (cnt <= 0)
		return;
	cfg->psks = hs_cfg_calloc(c, n, (size_t)cnt, sizeof(*cfg->psks));
	if (cfg->psks == NULL)
		return;
	cfg->n_psks = (unsigned int)cnt;
	for (int i = 0; i < cnt; i++) {
		hs_cfg_path_idx(p, "pre-shared-keys", (unsigned int)i);
		parse_psk(c, n->kids[i], p, &cfg->psks[i]);
	}
	hs_cfg_find_dups(c, cfg->psks, cfg->n_psks, sizeof(*cfg->psks), cmp_psk, dup_psk);
}

const struct hs_config_psk *
hs_config_find_psk(const struct hs_config *cfg, const struct hs_addr *peer)
{
	const struct hs_config_psk *best = NULL;

	for (unsigned int i = 0; cfg != NULL && i < cfg->n_psks; i++) {
		const struct hs_config_psk *k = &cfg->psks[i];

		if (k->wildcard) {
			if (best == NULL)
				best = k;
			continue;
		}
		if (!hs_prefix_contains(&k->peer, peer))
			continue;
		if (best == NULL || best->wildcard || k->peer.len > best->peer.len)
			best = k;
	}
	return best;
}

