/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * static-sas: manually keyed SAs for running without IKE (Cisco "crypto map
 * ... ipsec-manual" with "set session-key"). Each names a crypto map entry
 * (and an ACL line of it) or gives its selectors, addresses and transform
 * outright; the key lengths are checked against the transform. Key text is
 * never shown in a message.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config_priv.h"

static const char *const df_names[] = { HS_DF_POLICIES(HS_ENUM_STR) };

#define ERR_AT(c, m, path, ...) hs_cfg_err_at(c, (m).line, (m).col, path, __VA_ARGS__)

/*
 * Hex key text -> bytes. An optional "0x" prefix; digits only. On a bad
 * character or an odd count the error says so, without the text.
 */
static void
parse_hex_key(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path, uint8_t *out,
	size_t max, uint16_t *len, struct hs_config_sa_keys *k)
{
	const char *s = hs_cfg_secret_scalar(c, n, path);
	size_t digits;

	if (s == NULL) {
		k->bad = true;
		return;
	}
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	digits = strlen(s);
	for (size_t i = 0; i < digits; i++) {
		if (!isxdigit((unsigned char)s[i])) {
			hs_cfg_err(c, n, path, "must be hex digits only (0-9, a-f; character %zu "
					       "is not)", i + 1 + (size_t)(s - n->str));
			k->bad = true;
			return;
		}
	}
	if (digits == 0 || digits % 2 != 0) {
		hs_cfg_err(c, n, path, "must be a non-empty, even number of hex digits (got %zu)",
			digits);
		k->bad = true;
		return;
	}
	for (size_t i = 0; i < digits / 2 && i < max; i++) {
		char b[3] = { s[2 * i], s[2 * i + 1], '\0' };

		out[i] = (uint8_t)strtoul(b, NULL, 16);
		explicit_bzero(b, sizeof(b));
	}
	*len = (uint16_t)(digits / 2 > UINT16_MAX ? UINT16_MAX : digits / 2);
}

#define DIR_KEYS(X)                                                                                \
	X(DK_SPI, "spi")                                                                           \
	X(DK_ENC_KEY, "enc-key")                                                                   \
	X(DK_AUTH_KEY, "auth-key")
enum dir_key { DIR_KEYS(HS_ENUM_ITEM) DK_MAX };
static const char *const dir_keys[] = { DIR_KEYS(HS_ENUM_STR) };

static void
parse_sa_dir(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path,
	struct hs_config_sa_keys *k)
{
	const struct hs_cfg_node *v[DK_MAX];
	char p[HS_CFG_PATH_MAX];
	uint64_t spi;

	k->mark = hs_cfg_mark(n);
	if (hs_cfg_map(c, n, path, dir_keys, DK_MAX, 1u << DK_SPI | 1u << DK_ENC_KEY, v) < 0) {
		k->bad = true;
		return;
	}
	hs_cfg_path(p, path, "spi");
	if (v[DK_SPI] != NULL && hs_cfg_u64(c, v[DK_SPI], p, 0, UINT32_MAX, &spi) == 0) {
		k->spi_mark = hs_cfg_mark(v[DK_SPI]);
		/* RFC 4303 §2.1: SPIs 1..255 are reserved by IANA, 0 is local use only. */
		if (spi < 256)
			hs_cfg_err(c, v[DK_SPI], p, "SPI %llu is reserved (0-255, RFC 4303 "
						    "section 2.1): use 256 or more",
				(unsigned long long)spi);
		k->spi = (uint32_t)spi;
	}
	hs_cfg_path(p, path, "enc-key");
	if (v[DK_ENC_KEY] != NULL) {
		k->enc_mark = hs_cfg_mark(v[DK_ENC_KEY]);
		parse_hex_key(c, v[DK_ENC_KEY], p, k->enc_key, sizeof(k->enc_key),
			&k->enc_key_len, k);
	} else {
		k->bad = true;
	}
	hs_cfg_path(p, path, "auth-key");
	if (v[DK_AUTH_KEY] != NULL) {
		k->has_auth_key = true;
		k->auth_mark = hs_cfg_mark(v[DK_AUTH_KEY]);
		parse_hex_key(c, v[DK_AUTH_KEY], p, k->auth_key, sizeof(k->auth_key),
			&k->auth_key_len, k);
	}
}

int
hs_config_static_sa_params(const struct hs_config *cfg, const struct hs_config_static_sa *s,
	enum hs_sa_dir dir, struct hs_sa_params *p)
{
	const struct hs_config_sa_keys *k = dir == HS_SA_IN ? &s->in : &s->out;

	(void)cfg;
	if (p == NULL || s->tset == NULL || k->bad || (dir != HS_SA_IN && dir != HS_SA_OUT) ||
		k->enc_key_len > sizeof(p->enc_key) || k->auth_key_len > sizeof(p->auth_key))
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	p->spi = k->spi;
	p->dir = dir;
	p->cipher = s->tset->cipher;
	p->integ = s->tset->integ;
	memcpy(p->enc_key, k->enc_key, k->enc_key_len);
	p->enc_key_len = (uint8_t)k->enc_key_len;
	memcpy(p->auth_key, k->auth_key, k->auth_key_len);
	p->auth_key_len = (uint8_t)k->auth_key_len;
	/* Outer addresses and NAT-T ports as the packets of this direction carry them. */
	p->tun_src = dir == HS_SA_OUT ? s->local : s->peer;
	p->tun_dst = dir == HS_SA_OUT ? s->peer : s->local;
	p->natt = s->natt;
	if (s->natt) {
		p->natt_sport = dir == HS_SA_OUT ? s->natt_local_port : s->natt_remote_port;
		p->natt_dport = dir == HS_SA_OUT ? s->natt_remote_port : s->natt_local_port;
	}
	p->esn = s->esn;
	p->replay_window = s->replay_window;
	p->df = s->df;
	p->dscp_copy = true; /* RFC 4301 §5.1.2.1 */
	p->ttl = 64;
	return 0;
}

#define SSA_KEYS(X)                                                                                \
	X(SK_NAME, "name")                                                                         \
	X(SK_MAP, "crypto-map")                                                                    \
	X(SK_SEQ, "seq")                                                                           \
	X(SK_ACL_LINE, "acl-line")                                                                 \
	X(SK_LOCAL_SUBNET, "local-subnet")                                                         \
	X(SK_REMOTE_SUBNET, "remote-subnet")                                                       \
	X(SK_LOCAL_ADDR, "local-address")                                                          \
	X(SK_PEER, "peer")                                                                         \
	X(SK_TSET, "transform-set")                                                                \
	X(SK_IN, "inbound")                                                                        \
	X(SK_OUT, "outbound")                                                                      \
	X(SK_NATT, "nat-t")                                                                        \
	X(SK_NATT_LPORT, "nat-t-local-port")                                                       \
	X(SK_NATT_RPORT, "nat-t-remote-port")                                                      \
	X(SK_ESN, "esn")                                                                           \
	X(SK_REPLAY, "replay-window-size")                                                         \
	X(SK_DF, "df-bit")
enum ssa_key { SSA_KEYS(HS_ENUM_ITEM) SK_MAX };
static const char *const ssa_keys[] = { SSA_KEYS(HS_ENUM_STR) };

/* Where the SA comes from: a crypto map entry, or explicit keys (then all required). */
static void
parse_origin(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path,
	const struct hs_cfg_node **v, struct hs_config_static_sa *s)
{
	static const enum ssa_key needed[] = { SK_LOCAL_SUBNET, SK_REMOTE_SUBNET, SK_LOCAL_ADDR,
		SK_PEER, SK_TSET };
	char p[HS_CFG_PATH_MAX];

	hs_cfg_path(p, path, "crypto-map");
	if (v[SK_MAP] != NULL) {
		s->map_mark = hs_cfg_mark(v[SK_MAP]);
		hs_cfg_name(c, v[SK_MAP], p, s->map_name);
	}
	hs_cfg_path(p, path, "seq");
	if (v[SK_SEQ] != NULL)
		hs_cfg_u32(c, v[SK_SEQ], p, 1, 65535, &s->seq);
	hs_cfg_path(p, path, "acl-line");
	if (v[SK_ACL_LINE] != NULL)
		hs_cfg_u32(c, v[SK_ACL_LINE], p, 1, 1000000, &s->acl_line);
	if (v[SK_MAP] != NULL && v[SK_SEQ] == NULL)
		hs_cfg_err(c, v[SK_MAP], path,
			"crypto-map needs seq (the entry's sequence number)");
	if (v[SK_MAP] == NULL && v[SK_SEQ] != NULL)
		hs_cfg_err(c, v[SK_SEQ], path, "seq needs crypto-map");
	if (v[SK_MAP] == NULL && v[SK_ACL_LINE] != NULL)
		hs_cfg_err(c, v[SK_ACL_LINE], path, "acl-line needs crypto-map and seq");
	for (size_t i = 0; v[SK_MAP] == NULL && i < HS_ARRAY_SIZE(needed); i++) {
		if (v[needed[i]] == NULL)
			hs_cfg_err(c, n, path,
				"missing required key '%s' (needed without crypto-map)",
				ssa_keys[needed[i]]);
	}
}

static void
parse_tunnel(struct hs_cfg_ctx *c, const char *path, const struct hs_cfg_node **v,
	struct hs_config_static_sa *s)
{
	char p[HS_CFG_PATH_MAX];

	hs_cfg_path(p, path, "local-subnet");
	if (v[SK_LOCAL_SUBNET] != NULL)
		s->has_local_sel =
			hs_cfg_parse_endpoint(c, v[SK_LOCAL_SUBNET], p, &s->sel.src) == 0;
	hs_cfg_path(p, path, "remote-subnet");
	if (v[SK_REMOTE_SUBNET] != NULL)
		s->has_remote_sel =
			hs_cfg_parse_endpoint(c, v[SK_REMOTE_SUBNET], p, &s->sel.dst) == 0;
	hs_cfg_path(p, path, "local-address");
	if (v[SK_LOCAL_ADDR] != NULL) {
		s->local_mark = hs_cfg_mark(v[SK_LOCAL_ADDR]);
		s->has_local = hs_cfg_addr(c, v[SK_LOCAL_ADDR], p, &s->local) == 0;
	}
	hs_cfg_path(p, path, "peer");
	if (v[SK_PEER] != NULL) {
		s->peer_mark = hs_cfg_mark(v[SK_PEER]);
		s->has_peer = hs_cfg_addr(c, v[SK_PEER], p, &s->peer) == 0;
	}
	hs_cfg_path(p, path, "transform-set");
	if (v[SK_TSET] != NULL) {
		s->tset_mark = hs_cfg_mark(v[SK_TSET]);
		hs_cfg_name(c, v[SK_TSET], p, s->tset_name);
	}
}

static void
parse_options(struct hs_cfg_ctx *c, const char *path, const struct hs_cfg_node **v,
	struct hs_config_static_sa *s)
{
	char p[HS_CFG_PATH_MAX];
	unsigned int df;
	uint32_t port;

	hs_cfg_path(p, path, "nat-t");
	if (v[SK_NATT] != NULL)
		hs_cfg_bool(c, v[SK_NATT], p, &s->natt);
	hs_cfg_path(p, path, "nat-t-local-port");
	if (v[SK_NATT_LPORT] != NULL && hs_cfg_u32(c, v[SK_NATT_LPORT], p, 1, 65535, &port) == 0)
		s->natt_local_port = (uint16_t)port;
	hs_cfg_path(p, path, "nat-t-remote-port");
	if (v[SK_NATT_RPORT] != NULL && hs_cfg_u32(c, v[SK_NATT_RPORT], p, 1, 65535, &port) == 0)
		s->natt_remote_port = (uint16_t)port;
	hs_cfg_path(p, path, "esn");
	if (v[SK_ESN] != NULL)
		s->has_esn = hs_cfg_bool(c, v[SK_ESN], p, &s->esn) == 0;
	hs_cfg_path(p, path, "replay-window-size");
	if (v[SK_REPLAY] != NULL)
		s->has_replay = hs_cfg_replay_window(c, v[SK_REPLAY], p, &s->replay_window) == 0;
	hs_cfg_path(p, path, "df-bit");
	if (v[SK_DF] != NULL && hs_cfg_enum(c, v[SK_DF], p, df_names, HS_DF_MAX, &df) == 0) {
		s->df = (enum hs_df_policy)df;
		s->has_df = true;
	}
}

static void
parse_static_sa(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path,
	struct hs_config_static_sa *s)
{
	const struct hs_cfg_node *v[SK_MAX];
	char p[HS_CFG_PATH_MAX];

	s->mark = hs_cfg_mark(n);
	s->sel.action = HS_CONFIG_ACL_PERMIT;
	s->sel.proto_any = true;
	s->sel.sport_hi = 65535;
	s->sel.dport_hi = 65535;
	s->natt_local_port = HS_CONFIG_NATT_PORT;
	s->natt_remote_port = HS_CONFIG_NATT_PORT;
	s->replay_window = HS_CONFIG_REPLAY_DEFAULT;
	s->in.bad = s->out.bad = true; /* until parsed */
	if (hs_cfg_map(c, n, path, ssa_keys, SK_MAX, 1u << SK_NAME | 1u << SK_IN | 1u << SK_OUT,
		    v) < 0)
		return;
	hs_cfg_path(p, path, "name");
	if (v[SK_NAME] != NULL)
		hs_cfg_name(c, v[SK_NAME], p, s->name);
	parse_origin(c, n, path, v, s);
	parse_tunnel(c, path, v, s);
	hs_cfg_path(p, path, "inbound");
	if (v[SK_IN] != NULL) {
		s->in.bad = false;
		parse_sa_dir(c, v[SK_IN], p, &s->in);
	}
	hs_cfg_path(p, path, "outbound");
	if (v[SK_OUT] != NULL) {
		s->out.bad = false;
		parse_sa_dir(c, v[SK_OUT], p, &s->out);
	}
	parse_options(c, path, v, s);
}

void
hs_cfg_parse_static_sas(struct hs_cfg_ctx *c, const struct hs_cfg_node *n)
{
	struct hs_config *cfg = c->cfg;
	char p[HS_CFG_PATH_MAX];
	int cnt = hs_cfg_seq(c, n, "static-sas");

	if (cnt <= 0)
		return;
	cfg->static_sas = hs_cfg_calloc(c, n, (size_t)cnt, sizeof(*cfg->static_sas));
	if (cfg->static_sas == NULL)
		return;
	cfg->n_static_sas = (unsigned int)cnt;
	for (int i = 0; i < cnt; i++) {
		hs_cfg_path_idx(p, "static-sas", (unsigned int)i);
		parse_static_sa(c, n->kids[i], p, &cfg->static_sas[i]);
	}
}

/* The ACL line that gives the selectors: acl-line, or the ACL's only permit line. */
static const struct hs_config_acl_line *
pick_acl_line(struct hs_cfg_ctx *c, const char *path, const struct hs_config_static_sa *s,
	const struct hs_config_acl *acl)
{
	const struct hs_config_acl_line *line = NULL;
	unsigned int permits = 0;

	if (s->acl_line != 0) {
		if (s->acl_line > acl->n_lines) {
			hs_cfg_err_at(c, s->mark.line, s->mark.col, path,
				"acl-line %u is out of range: access-list '%s' has %u line%s",
				s->acl_line, acl->name, acl->n_lines, acl->n_lines == 1 ? "" : "s");
			return NULL;
		}
		line = &acl->lines[s->acl_line - 1];
		if (line->action != HS_CONFIG_ACL_PERMIT) {
			hs_cfg_err_at(c, s->mark.line, s->mark.col, path,
				"acl-line %u of access-list '%s' is a deny line", s->acl_line,
				acl->name);
			return NULL;
		}
		return line;
	}
	for (unsigned int i = 0; i < acl->n_lines; i++) {
		if (acl->lines[i].action == HS_CONFIG_ACL_PERMIT) {
			permits++;
			line = &acl->lines[i];
		}
	}
	if (permits == 1 || (s->has_local_sel && s->has_remote_sel))
		return line;
	hs_cfg_err_at(c, s->map_mark.line, s->map_mark.col, path,
		"access-list '%s' has %u permit lines: say which one with acl-line (one static SA "
		"pair per ACL line)", acl->name, permits);
	return NULL;
}

/* Take what was not written from the crypto map entry it names. */
static void
from_entry(struct hs_cfg_ctx *c, const char *path, struct hs_config_static_sa *s)
{
	const struct hs_config_crypto_entry *e;
	const struct hs_config_acl_line *line;
	struct hs_config_acl_line sel = s->sel;

	s->map = hs_config_find_crypto_map(c->cfg, s->map_name);
	if (s->map == NULL) {
		hs_cfg_err_at(c, s->map_mark.line, s->map_mark.col, path,
			"crypto-map '%s' is not defined", s->map_name);
		return;
	}
	for (unsigned int i = 0; i < s->map->n_entries && s->entry == NULL; i++) {
		if (s->map->entries[i].seq == s->seq)
			s->entry = &s->map->entries[i];
	}
	if (s->entry == NULL) {
		hs_cfg_err_at(c, s->map_mark.line, s->map_mark.col, path,
			"crypto map '%s' has no entry with seq %u", s->map_name, s->seq);
		return;
	}
	e = s->entry;
	line = e->acl != NULL ? pick_acl_line(c, path, s, e->acl) : NULL;
	if (line != NULL) {
		s->sel = *line;
		if (s->has_local_sel)
			s->sel.src = sel.src;
		if (s->has_remote_sel)
			s->sel.dst = sel.dst;
	}
	if (!s->has_peer && e->n_peers > 0)
		s->peer = e->peers[0];
	if (s->tset_name[0] == '\0' && e->n_tsets > 0)
		memcpy(s->tset_name, e->tset_names[0], sizeof(s->tset_name));
	if (!s->has_esn)
		s->esn = e->esn;
	if (!s->has_replay)
		s->replay_window = e->replay_window;
	if (!s->has_df)
		s->df = e->df;
}

/* The map interface's first address of the peer's family. */
static void
local_from_interface(struct hs_cfg_ctx *c, const char *path, struct hs_config_static_sa *s)
{
	const struct hs_config_interface *ifc = s->map != NULL ? s->map->iface : NULL;

	if (ifc == NULL || s->peer.family == 0)
		return;
	if (s->peer.family == AF_INET && ifc->n_ipv4 > 0)
		s->local = ifc->ipv4[0].addr;
	else if (s->peer.family == AF_INET6 && ifc->n_ipv6 > 0)
		s->local = ifc->ipv6[0].addr;
	else
		hs_cfg_err_at(c, s->mark.line, s->mark.col, path,
			"no local-address given and interface '%s' has no %s address", ifc->name,
			s->peer.family == AF_INET ? "IPv4" : "IPv6");
}

static void
check_key_len(struct hs_cfg_ctx *c, const char *path, const char *dir,
	const struct hs_config_static_sa *s, const struct hs_config_sa_keys *k)
{
	enum hs_cipher ci = s->tset->cipher;
	enum hs_integ in = s->tset->integ;
	unsigned int enc = hs_cipher_key_len(ci) + hs_cipher_salt_len(ci);
	unsigned int auth = hs_integ_key_len(in);
	char p[HS_CFG_PATH_MAX], kp[HS_CFG_PATH_MAX];

	hs_cfg_path(p, path, dir);
	hs_cfg_path(kp, p, "enc-key");
	if (k->enc_key_len != enc)
		hs_cfg_err_at(c, k->enc_mark.line, k->enc_mark.col, kp,
			"must be %u hex digits for %s (got %u)", 2 * enc, hs_cipher_name(ci),
			2u * k->enc_key_len);
	hs_cfg_path(kp, p, "auth-key");
	if (hs_cipher_is_aead(ci) && k->has_auth_key)
		hs_cfg_err_at(c, k->auth_mark.line, k->auth_mark.col, kp,
			"not used with %s (it has its own integrity): remove it",
			hs_cipher_name(ci));
	else if (!hs_cipher_is_aead(ci) && !k->has_auth_key)
		hs_cfg_err_at(c, k->mark.line, k->mark.col, p,
			"missing required key 'auth-key' (%u hex digits for %s)", 2 * auth,
			hs_integ_name(in));
	else if (!hs_cipher_is_aead(ci) && k->auth_key_len != auth)
		hs_cfg_err_at(c, k->auth_mark.line, k->auth_mark.col, kp,
			"must be %u hex digits for %s (got %u)", 2 * auth, hs_integ_name(in),
			2u * k->auth_key_len);
}

static bool
is_ours(const struct hs_config *cfg, const struct hs_addr *a)
{
	for (unsigned int i = 0; i < cfg->n_ifaces; i++) {
		const struct hs_config_interface *f = &cfg->ifaces[i];

		for (unsigned int k = 0; k < f->n_ipv4; k++) {
			if (hs_addr_equal(&f->ipv4[k].addr, a))
				return true;
		}
		for (unsigned int k = 0; k < f->n_ipv6; k++) {
			if (hs_addr_equal(&f->ipv6[k].addr, a))
				return true;
		}
	}
	return false;
}

static void
validate_one(struct hs_cfg_ctx *c, const char *path, struct hs_config_static_sa *s)
{
	char buf[HS_ADDR_STRLEN];

	if (s->map_name[0] != '\0')
		from_entry(c, path, s);
	if (!s->has_local)
		local_from_interface(c, path, s);
	else if (!is_ours(c->cfg, &s->local))
		ERR_AT(c, s->local_mark, path,
			"local-address %s is not an address of any interface",
			hs_addr_format(&s->local, buf, sizeof(buf)));
	if (s->local.family != 0 && s->peer.family != 0 && s->local.family != s->peer.family)
		hs_cfg_err_at(c, s->mark.line, s->mark.col, path,
			"local address and peer are of different families");
	if (s->sel.src.addr.family != 0 && s->sel.dst.addr.family != 0 &&
		s->sel.src.addr.family != s->sel.dst.addr.family)
		hs_cfg_err_at(c, s->mark.line, s->mark.col, path,
			"local and remote selectors are of different families");
	if (s->tset_name[0] != '\0') {
		s->tset = hs_config_find_transform_set(c->cfg, s->tset_name);
		if (s->tset == NULL)
			hs_cfg_err_at(c, s->tset_mark.line ? s->tset_mark.line : s->map_mark.line,
				s->tset_mark.line ? s->tset_mark.col : s->map_mark.col, path,
				"transform-set '%s' is not defined", s->tset_name);
	}
	if (s->tset == NULL || !s->tset->ok)
		return;
	if (!s->in.bad)
		check_key_len(c, path, "inbound", s, &s->in);
	if (!s->out.bad)
		check_key_len(c, path, "outbound", s, &s->out);
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct hs_config_static_sa *)a)->name,
		((const struct hs_config_static_sa *)b)->name);
}

static void
dup_name(struct hs_cfg_ctx *c, const void *dup, const void *first)
{
	const struct hs_config_static_sa *s = dup, *t = first;

	if (s->name[0] != '\0')
		ERR_AT(c, s->mark, "static-sas", "duplicate name '%s' (first at line %u)", s->name,
			t->mark.line);
}

/* Inbound SPIs are unique on the box (the SAD is keyed on them, RFC 4301 §4.1). */
static int
cmp_spi_in(const void *a, const void *b)
{
	const struct hs_config_static_sa *x = a, *y = b;

	if (x->in.spi != y->in.spi)
		return x->in.spi < y->in.spi ? -1 : 1;
	return 0;
}

static void
dup_spi_in(struct hs_cfg_ctx *c, const void *dup, const void *first)
{
	const struct hs_config_static_sa *s = dup, *t = first;

	if (!s->in.bad && !t->in.bad && s->in.spi >= 256)
		ERR_AT(c, s->in.spi_mark, "static-sas",
			"duplicate inbound SPI 0x%x (also in static SA '%s' at line %u)", s->in.spi,
			t->name, t->in.spi_mark.line);
}

/* Outbound SPIs are the peer's choice: unique per peer only. */
static int
cmp_spi_out(const void *a, const void *b)
{
	const struct hs_config_static_sa *x = a, *y = b;

	if (x->out.spi != y->out.spi)
		return x->out.spi < y->out.spi ? -1 : 1;
	return hs_cfg_addr_cmp(&x->peer, &y->peer);
}

static void
dup_spi_out(struct hs_cfg_ctx *c, const void *dup, const void *first)
{
	const struct hs_config_static_sa *s = dup, *t = first;

	if (!s->out.bad && !t->out.bad && s->out.spi >= 256)
		ERR_AT(c, s->out.spi_mark, "static-sas",
			"duplicate outbound SPI 0x%x to the same peer (also in static SA '%s' at "
			"line %u)", s->out.spi, t->name, t->out.spi_mark.line);
}

void
hs_cfg_validate_static_sas(struct hs_cfg_ctx *c)
{
	struct hs_config *cfg = c->cfg;
	size_t n = cfg->n_static_sas, sz = sizeof(*cfg->static_sas);
	char path[HS_CFG_PATH_MAX];

	for (unsigned int i = 0; i < cfg->n_static_sas; i++) {
		hs_cfg_path_idx(path, "static-sas", i);
		validate_one(c, path, &cfg->static_sas[i]);
	}
	hs_cfg_find_dups(c, cfg->static_sas, n, sz, cmp_name, dup_name);
	hs_cfg_find_dups(c, cfg->static_sas, n, sz, cmp_spi_in, dup_spi_in);
	hs_cfg_find_dups(c, cfg->static_sas, n, sz, cmp_spi_out, dup_spi_out);
}
