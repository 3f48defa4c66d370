/* SPDX-License-Identifier: BSD-3-Clause */
/* transform-sets, ike-policies and crypto-maps (Cisco "crypto ipsec/isakmp/map"). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_priv.h"

static const char *const cipher_names[] = { HS_CIPHERS(HS_ENUM_STR) };
static const char *const hash_names[] = { HS_CONFIG_IKE_HASHES(HS_ENUM_STR) };
static const char *const auth_names[] = { HS_CONFIG_IKE_AUTHS(HS_ENUM_STR) };
static const char *const df_names[] = { HS_DF_POLICIES(HS_ENUM_STR) };

/* Cisco transform names, spaces folded to '-' ("esp-aes 256" -> "esp-aes-256"). */
static const struct {
	const char *name;
	bool is_cipher;
	int alg; /* enum hs_cipher or enum hs_integ */
} transforms[] = {
	/* The first name of each algorithm is the one hs_config_dump() prints. */
	{ "esp-aes-128", true, HS_CIPHER_AES_CBC_128 },
	{ "esp-aes", true, HS_CIPHER_AES_CBC_128 },
	{ "esp-aes-256", true, HS_CIPHER_AES_CBC_256 },
	{ "esp-gcm-128", true, HS_CIPHER_AES_GCM_128 },
	{ "esp-gcm", true, HS_CIPHER_AES_GCM_128 },
	{ "esp-gcm-256", true, HS_CIPHER_AES_GCM_256 },
	{ "esp-sha-hmac", false, HS_INTEG_HMAC_SHA1_96 },
	{ "esp-sha1-hmac", false, HS_INTEG_HMAC_SHA1_96 },
	{ "esp-sha256-hmac", false, HS_INTEG_HMAC_SHA256_128 },
	{ "esp-sha384-hmac", false, HS_INTEG_HMAC_SHA384_192 },
	{ "esp-sha512-hmac", false, HS_INTEG_HMAC_SHA512_256 },
};

#define TRANSFORM_HELP                                                                             \
	"ciphers: esp-aes 128|256, esp-gcm 128|256; integrity: esp-sha-hmac, esp-sha256-hmac, "    \
	"esp-sha384-hmac, esp-sha512-hmac"

const char *
hs_cfg_transform_name(bool cipher, int alg)
{
	for (size_t k = 0; k < HS_ARRAY_SIZE(transforms); k++) {
		if (transforms[k].is_cipher == cipher && transforms[k].alg == alg)
			return transforms[k].name;
	}
	return "?";
}

static int
find_transform(const char *s)
{
	char norm[32];
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < sizeof(norm); i++)
		norm[i] = s[i] == ' ' ? '-' : (char)tolower((unsigned char)s[i]);
	if (s[i] != '\0')
		return -1;
	norm[i] = '\0';
	for (size_t k = 0; k < HS_ARRAY_SIZE(transforms); k++) {
		if (strcmp(norm, transforms[k].name) == 0)
			return (int)k;
	}
	return -1;
}

/* The esp list: one cipher, and one integrity algorithm exactly when it is CBC. */
static void
parse_esp(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path,
	struct hs_config_transform_set *ts)
{
	const struct hs_cfg_node *items[4], *integ_node = NULL;
	char show[HS_CFG_SHOW_MAX + 16];
	int cnt = hs_cfg_list(c, n, path, HS_ARRAY_SIZE(items), items);
	bool cipher = false, bad = cnt < 0;

	for (int i = 0; i < cnt; i++) {
		int k = find_transform(items[i]->str);

		if (k < 0) {
			hs_cfg_err(c, items[i], path, "unknown or unsupported transform '%s' (%s)",
				hs_cfg_show(items[i], show, sizeof(show)), TRANSFORM_HELP);
			bad = true;
		} else if (transforms[k].is_cipher ? cipher : integ_node != NULL) {
			hs_cfg_err(c, items[i], path, "more than one %s",
				transforms[k].is_cipher ? "cipher" : "integrity algorithm");
			bad = true;
		} else if (transforms[k].is_cipher) {
			cipher = true;
			ts->cipher = (enum hs_cipher)transforms[k].alg;
		} else {
			integ_node = items[i];
			ts->integ = (enum hs_integ)transforms[k].alg;
		}
	}
	if (bad)
		return;
	if (!cipher) {
		hs_cfg_err(c, n, path, "needs a cipher (%s)", TRANSFORM_HELP);
	} else if (hs_cipher_is_aead(ts->cipher) && integ_node != NULL) {
		hs_cfg_err(c, integ_node, path,
			"%s is an AEAD cipher with its own integrity: remove '%s'",
			hs_cipher_name(ts->cipher), hs_cfg_show(integ_node, show, sizeof(show)));
	} else if (!hs_cipher_is_aead(ts->cipher) && integ_node == NULL) {
		hs_cfg_err(c, n, path,
			"%s needs an integrity algorithm (e.g. esp-sha256-hmac): ESP without "
			"integrity is refused", hs_cipher_name(ts->cipher));
	} else {
		ts->ok = true;
	}
}

#define TS_KEYS(X)                                                                                 \
	X(TSK_ESP, "esp")                                                                          \
	X(TSK_MODE, "mode")
enum ts_key { TS_KEYS(HS_ENUM_ITEM) TSK_MAX };
static const char *const ts_keys[] = { TS_KEYS(HS_ENUM_STR) };

static void
parse_tset(struct hs_cfg_ctx *c, const struct hs_cfg_node *key, const struct hs_cfg_node *val,
	struct hs_config_transform_set *ts)
{
	const struct hs_cfg_node *v[TSK_MAX];
	char path[HS_CFG_PATH_MAX], p[HS_CFG_PATH_MAX], show[HS_CFG_SHOW_MAX + 16];
	const char *mode;

	ts->mark = hs_cfg_mark(key);
	ts->integ = HS_INTEG_NONE;
	if (hs_cfg_name(c, key, "transform-sets", ts->name) < 0)
		return;
	hs_cfg_path(path, "transform-sets", ts->name);
	if (hs_cfg_map(c, val, path, ts_keys, TSK_MAX, 1u << TSK_ESP, v) < 0)
		return;
	hs_cfg_path(p, path, "esp");
	if (v[TSK_ESP] != NULL)
		parse_esp(c, v[TSK_ESP], p, ts);
	hs_cfg_path(p, path, "mode");
	if (v[TSK_MODE] == NULL || (mode = hs_cfg_scalar(c, v[TSK_MODE], p)) == NULL)
		return;
	if (strcmp(mode, "transport") == 0)
		hs_cfg_err(c, v[TSK_MODE], p, "transport mode is not supported: hubsec does "
					      "tunnel mode only");
	else if (strcmp(mode, "tunnel") != 0)
		hs_cfg_err(c, v[TSK_MODE], p, "must be tunnel (got '%s')",
			hs_cfg_show(v[TSK_MODE], show, sizeof(show)));
}

static bool
named_map(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *sect)
{
	if (hs_cfg_is_null(n))
		return false;
	if (n->type != HS_CFG_MAP) {
		hs_cfg_err(c, n, sect, "expected a mapping of names to definitions (got %s)",
			hs_cfg_type_name(n));
		return false;
	}
	hs_cfg_dup_keys(c, n, sect);
	return n->n > 0;
}

void
hs_cfg_parse_tsets(struct hs_cfg_ctx *c, const struct hs_cfg_node *n)
{
	struct hs_config *cfg = c->cfg;

	if (!named_map(c, n, "transform-sets"))
		return;
	cfg->tsets = hs_cfg_calloc(c, n, n->n / 2, sizeof(*cfg->tsets));
	for (uint32_t i = 0; cfg->tsets != NULL && i + 1 < n->n; i += 2)
		parse_tset(c, n->kids[i], n->kids[i + 1], &cfg->tsets[cfg->n_tsets++]);
}

#define IKE_KEYS(X)                                                                                \
	X(IKK_PRIORITY, "priority")                                                                \
	X(IKK_ENCRYPTION, "encryption")                                                            \
	X(IKK_HASH, "hash")                                                                        \
	X(IKK_GROUP, "group")                                                                      \
	X(IKK_AUTH, "authentication")                                                              \
	X(IKK_LIFETIME, "lifetime")
enum ike_key { IKE_KEYS(HS_ENUM_ITEM) IKK_MAX };
static const char *const ike_keys[] = { IKE_KEYS(HS_ENUM_STR) };

static void
parse_ike_policy(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path,
	struct hs_config_ike_policy *ip)
{
	const struct hs_cfg_node *v[IKK_MAX];
	char p[HS_CFG_PATH_MAX];
	unsigned int e;

	ip->mark = hs_cfg_mark(n);
	ip->encryption = HS_CIPHER_AES_CBC_256;
	ip->hash = HS_CONFIG_IKE_SHA256;
	ip->group = 14;
	ip->auth = HS_CONFIG_IKE_AUTH_PSK;
	ip->lifetime = HS_CONFIG_IKE_LIFETIME_DEFAULT;
	if (hs_cfg_map(c, n, path, ike_keys, IKK_MAX, 1u << IKK_PRIORITY, v) < 0)
		return;
	hs_cfg_path(p, path, "priority");
	if (v[IKK_PRIORITY] != NULL)
		hs_cfg_u32(c, v[IKK_PRIORITY], p, 1, 10000, &ip->priority);
	hs_cfg_path(p, path, "encryption");
	if (v[IKK_ENCRYPTION] != NULL &&
		hs_cfg_enum(c, v[IKK_ENCRYPTION], p, cipher_names, HS_CIPHER_MAX, &e) == 0)
		ip->encryption = (enum hs_cipher)e;
	hs_cfg_path(p, path, "hash");
	if (v[IKK_HASH] != NULL &&
		hs_cfg_enum(c, v[IKK_HASH], p, hash_names, HS_CONFIG_IKE_HASH_MAX, &e) == 0)
		ip->hash = (enum hs_config_ike_hash)e;
	hs_cfg_path(p, path, "group");
	if (v[IKK_GROUP] != NULL)
		hs_cfg_dh_group(c, v[IKK_GROUP], p, false, &ip->group);
	hs_cfg_path(p, path, "authentication");
	if (v[IKK_AUTH] != NULL &&
		hs_cfg_enum(c, v[IKK_AUTH], p, auth_names, HS_CONFIG_IKE_AUTH_MAX, &e) == 0)
		ip->auth = (enum hs_config_ike_auth)e;
	hs_cfg_path(p, path, "lifetime");
	if (v[IKK_LIFETIME] != NULL)
		hs_cfg_u32(c, v[IKK_LIFETIME], p, 60, 86400, &ip->lifetime);
}

static int
cmp_priority(const void *a, const void *b)
{
	const struct hs_config_ike_policy *x = a, *y = b;

	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	return x->mark.line < y->mark.line ? -1 : x->mark.line > y->mark.line;
}

void
hs_cfg_parse_ike_policies(struct hs_cfg_ctx *c, const struct hs_cfg_node *n)
{
	struct hs_config *cfg = c->cfg;
	char p[HS_CFG_PATH_MAX];
	int cnt = hs_cfg_seq(c, n, "ike-policies");

	if (cnt <= 0)
		return;
	cfg->ike_policies = hs_cfg_calloc(c, n, (size_t)cnt, sizeof(*cfg->ike_policies));
	if (cfg->ike_policies == NULL)
		return;
	cfg->n_ike_policies = (unsigned int)cnt;
	for (int i = 0; i < cnt; i++) {
		hs_cfg_path_idx(p, "ike-policies", (unsigned int)i);
		parse_ike_policy(c, n->kids[i], p, &cfg->ike_policies[i]);
	}
	qsort(cfg->ike_policies, cfg->n_ike_policies, sizeof(*cfg->ike_policies), cmp_priority);
	for (unsigned int i = 1; i < cfg->n_ike_policies; i++) {
		const struct hs_config_ike_policy *a = &cfg->ike_policies[i - 1];
		const struct hs_config_ike_policy *b = &cfg->ike_policies[i];

		if (a->priority != 0 && a->priority == b->priority)
			hs_cfg_err_at(c, b->mark.line, b->mark.col, "ike-policies",
				"duplicate priority %u (first at line %u)", b->priority,
				a->mark.line);
	}
}

#define ENTRY_KEYS(X)                                                                              \
	X(EK_SEQ, "seq")                                                                           \
	X(EK_MATCH, "match-address")                                                               \
	X(EK_PEER, "peer")                                                                         \
	X(EK_TSETS, "transform-sets")                                                              \
	X(EK_PFS, "pfs")                                                                           \
	X(EK_LIFE_SEC, "lifetime-seconds")                                                         \
	X(EK_LIFE_KB, "lifetime-kilobytes")                                                        \
	X(EK_IKE_VERSION, "ike-version")                                                           \
	X(EK_REPLAY, "replay-window-size")                                                         \
	X(EK_ESN, "esn")                                                                           \
	X(EK_NATT, "nat-t")                                                                        \
	X(EK_DF, "df-bit")                                                                         \
	X(EK_INITIATE, "initiate")                                                                 \
	X(EK_CHILD_SA, "child-sa")                                                                 \
	X(EK_PEER_ID, "peer-identity")
enum entry_key { ENTRY_KEYS(HS_ENUM_ITEM) EK_MAX };
static const char *const entry_keys[] = { ENTRY_KEYS(HS_ENUM_STR) };

/* IKEv2: one child SA per permit line (Cisco), or one for all of them (Meraki). */
static const char *const child_sa_names[] = { "per-acl-line", "single" };

static void
parse_natt(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path,
	enum hs_config_natt *out)
{
	static const char *const names[] = { "auto", "true", "false", "yes", "no", "on", "off" };
	static const enum hs_config_natt modes[] = { HS_CONFIG_NATT_AUTO, HS_CONFIG_NATT_ALWAYS,
		HS_CONFIG_NATT_NEVER, HS_CONFIG_NATT_ALWAYS, HS_CONFIG_NATT_NEVER,
		HS_CONFIG_NATT_ALWAYS, HS_CONFIG_NATT_NEVER };
	unsigned int k;

	/* Only the first three are listed in the message: the others are bool spellings. */
	if (n->type == HS_CFG_SCALAR) {
		for (k = 0; k < HS_ARRAY_SIZE(names); k++) {
			if (strcasecmp(n->str, names[k]) == 0) {
				*out = modes[k];
				return;
			}
		}
	}
	if (hs_cfg_enum(c, n, path, names, 3, &k) == 0)
		*out = modes[k];
}

static void
entry_lists(struct hs_cfg_ctx *c, const struct hs_cfg_node **v, const char *path,
	struct hs_config_crypto_entry *e)
{
	const struct hs_cfg_node *items[HS_CONFIG_TSETS_MAX + HS_CONFIG_PEERS_MAX];
	char p[HS_CFG_PATH_MAX];
	int cnt;

	hs_cfg_path(p, path, "peer");
	cnt = v[EK_PEER] != NULL ? hs_cfg_list(c, v[EK_PEER], p, HS_CONFIG_PEERS_MAX, items) : -1;
	if (cnt == 0)
		hs_cfg_err(c, v[EK_PEER], p, "needs at least one peer address");
	for (int i = 0; i < cnt; i++) {
		if (hs_cfg_addr(c, items[i], p, &e->peers[e->n_peers]) == 0)
			e->n_peers++;
	}
	hs_cfg_path(p, path, "transform-sets");
	cnt = v[EK_TSETS] != NULL ? hs_cfg_list(c, v[EK_TSETS], p, HS_CONFIG_TSETS_MAX, items) : -1;
	if (cnt == 0)
		hs_cfg_err(c, v[EK_TSETS], p, "needs at least one transform set");
	for (int i = 0; i < cnt; i++) {
		e->tset_marks[e->n_tsets] = hs_cfg_mark(items[i]);
		if (hs_cfg_name(c, items[i], p, e->tset_names[e->n_tsets]) == 0)
			e->n_tsets++;
	}
}

static void
parse_entry(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path,
	struct hs_config_crypto_entry *e)
{
	const struct hs_cfg_node *v[EK_MAX];
	char p[HS_CFG_PATH_MAX];
	uint32_t ver;
	unsigned int df, child;

	e->mark = hs_cfg_mark(n);
	e->lifetime_sec = HS_CONFIG_LIFETIME_SEC_DEFAULT;
	e->lifetime_kb = HS_CONFIG_LIFETIME_KB_DEFAULT;
	e->ike_version = 2;
	e->replay_window = HS_CONFIG_REPLAY_DEFAULT;
	if (hs_cfg_map(c, n, path, entry_keys, EK_MAX, 1u << EK_SEQ | 1u << EK_MATCH |
				1u << EK_PEER | 1u << EK_TSETS, v) < 0)
		return;
	hs_cfg_path(p, path, "seq");
	if (v[EK_SEQ] != NULL)
		hs_cfg_u32(c, v[EK_SEQ], p, 1, 65535, &e->seq);
	hs_cfg_path(p, path, "match-address");
	if (v[EK_MATCH] != NULL) {
		e->acl_mark = hs_cfg_mark(v[EK_MATCH]);
		hs_cfg_name(c, v[EK_MATCH], p, e->acl_name);
	}
	entry_lists(c, v, path, e);
	hs_cfg_path(p, path, "pfs");
	if (v[EK_PFS] != NULL)
		hs_cfg_dh_group(c, v[EK_PFS], p, true, &e->pfs_group);
	hs_cfg_path(p, path, "lifetime-seconds");
	if (v[EK_LIFE_SEC] != NULL)
		hs_cfg_u32(c, v[EK_LIFE_SEC], p, 120, 86400, &e->lifetime_sec);
	hs_cfg_path(p, path, "lifetime-kilobytes");
	if (v[EK_LIFE_KB] != NULL)
		hs_cfg_u64(c, v[EK_LIFE_KB], p, 2560, UINT32_MAX, &e->lifetime_kb);
	hs_cfg_path(p, path, "ike-version");
	if (v[EK_IKE_VERSION] != NULL && hs_cfg_u32(c, v[EK_IKE_VERSION], p, 1, 2, &ver) == 0)
		e->ike_version = (uint8_t)ver;
	hs_cfg_path(p, path, "replay-window-size");
	if (v[EK_REPLAY] != NULL)
		hs_cfg_replay_window(c, v[EK_REPLAY], p, &e->replay_window);
	hs_cfg_path(p, path, "esn");
	if (v[EK_ESN] != NULL)
		hs_cfg_bool(c, v[EK_ESN], p, &e->esn);
	hs_cfg_path(p, path, "nat-t");
	if (v[EK_NATT] != NULL)
		parse_natt(c, v[EK_NATT], p, &e->natt);
	hs_cfg_path(p, path, "df-bit");
	if (v[EK_DF] != NULL && hs_cfg_enum(c, v[EK_DF], p, df_names, HS_DF_MAX, &df) == 0)
		e->df = (enum hs_df_policy)df;
	hs_cfg_path(p, path, "initiate");
	if (v[EK_INITIATE] != NULL)
		hs_cfg_bool(c, v[EK_INITIATE], p, &e->initiate);
	hs_cfg_path(p, path, "child-sa");
	e->child_per_line = true;
	if (v[EK_CHILD_SA] != NULL &&
		hs_cfg_enum(c, v[EK_CHILD_SA], p, child_sa_names, 2, &child) == 0)
		e->child_per_line = child == 0;
	hs_cfg_path(p, path, "peer-identity");
	if (v[EK_PEER_ID] != NULL && hs_cfg_ike_id(c, v[EK_PEER_ID], p, &e->peer_id) == 0)
		e->has_peer_id = true;
}

static int
cmp_seq(const void *a, const void *b)
{
	const struct hs_config_crypto_entry *x = a, *y = b;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->mark.line < y->mark.line ? -1 : x->mark.line > y->mark.line;
}

static void
parse_entries(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path,
	struct hs_config_crypto_map *m)
{
	char p[HS_CFG_PATH_MAX];
	int cnt = hs_cfg_seq(c, n, path);

	if (cnt == 0)
		hs_cfg_err(c, n, path, "crypto map has no entries");
	if (cnt <= 0)
		return;
	m->entries = hs_cfg_calloc(c, n, (size_t)cnt, sizeof(*m->entries));
	if (m->entries == NULL)
		return;
	m->n_entries = (unsigned int)cnt;
	for (int i = 0; i < cnt; i++) {
		hs_cfg_path_idx(p, path, (unsigned int)i);
		parse_entry(c, n->kids[i], p, &m->entries[i]);
	}
	/* Entries are tried in sequence order, whatever order the file has. */
	qsort(m->entries, m->n_entries, sizeof(*m->entries), cmp_seq);
	for (unsigned int i = 1; i < m->n_entries; i++) {
		const struct hs_config_crypto_entry *a = &m->entries[i - 1], *b = &m->entries[i];

		if (a->seq != 0 && a->seq == b->seq)
			hs_cfg_err_at(c, b->mark.line, b->mark.col, path,
				"duplicate seq %u in crypto map '%s' (first at line %u)", b->seq,
				m->name, a->mark.line);
	}
}

#define MAP_KEYS(X)                                                                                \
	X(MK_INTERFACE, "interface")                                                               \
	X(MK_ENTRIES, "entries")
enum map_key { MAP_KEYS(HS_ENUM_ITEM) MK_MAX };
static const char *const map_keys[] = { MAP_KEYS(HS_ENUM_STR) };

static void
parse_map(struct hs_cfg_ctx *c, const struct hs_cfg_node *key, const struct hs_cfg_node *val,
	struct hs_config_crypto_map *m)
{
	const struct hs_cfg_node *v[MK_MAX];
	char path[HS_CFG_PATH_MAX], p[HS_CFG_PATH_MAX];

	m->mark = hs_cfg_mark(key);
	if (hs_cfg_name(c, key, "crypto-maps", m->name) < 0)
		return;
	hs_cfg_path(path, "crypto-maps", m->name);
	if (hs_cfg_map(c, val, path, map_keys, MK_MAX, 1u << MK_INTERFACE | 1u << MK_ENTRIES,
		    v) < 0)
		return;
	hs_cfg_path(p, path, "interface");
	if (v[MK_INTERFACE] != NULL) {
		m->if_mark = hs_cfg_mark(v[MK_INTERFACE]);
		hs_cfg_name(c, v[MK_INTERFACE], p, m->ifname);
	}
	hs_cfg_path(p, path, "entries");
	if (v[MK_ENTRIES] != NULL)
		parse_entries(c, v[MK_ENTRIES], p, m);
}

void
hs_cfg_parse_maps(struct hs_cfg_ctx *c, const struct hs_cfg_node *n)
{
	struct hs_config *cfg = c->cfg;

	if (!named_map(c, n, "crypto-maps"))
		return;
	if (n->n / 2 > HS_CFG_IFACES_MAX) {
		hs_cfg_err(c, n, "crypto-maps",
			"at most %u crypto maps, one per interface (got %u)", HS_CFG_IFACES_MAX,
			n->n / 2);
		return;
	}
	cfg->maps = hs_cfg_calloc(c, n, n->n / 2, sizeof(*cfg->maps));
	for (uint32_t i = 0; cfg->maps != NULL && i + 1 < n->n; i += 2)
		parse_map(c, n->kids[i], n->kids[i + 1], &cfg->maps[cfg->n_maps++]);
}
