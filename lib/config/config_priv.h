/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside the config module: the YAML node tree built from libyaml events
 * (config_tree.c), the load context with error collection (config.c), and
 * the typed value readers every section parser uses (config_value.c).
 */
#ifndef HS_CONFIG_PRIV_H
#define HS_CONFIG_PRIV_H

#include "config.h"

/* Refused beyond these, so that garbage cannot exhaust the stack or memory. */
#define HS_CFG_DEPTH_MAX 32
#define HS_CFG_NODES_MAX 1000000
#define HS_CFG_SCALAR_MAX 4096
#define HS_CFG_PATH_MAX 160
#define HS_CFG_SHOW_MAX 64 /* characters of a bad value shown in a message */
#define HS_CFG_IFACES_MAX 64 /* interfaces, and so crypto maps (one per interface) */

enum hs_cfg_node_type { HS_CFG_SCALAR, HS_CFG_SEQ, HS_CFG_MAP };

struct hs_cfg_node {
	enum hs_cfg_node_type type;
	bool plain; /* scalar written without quotes */
	uint32_t line, col;
	char *str; /* scalar, NUL-terminated */
	size_t len;
	struct hs_cfg_node **kids; /* seq: items; map: key, value, key, value... */
	uint32_t n, cap;
};

struct hs_cfg_ctx {
	const char *file;
	const char *dir; /* key-file paths are relative to it; NULL: "." */
	struct hs_config_errors *errs;
	unsigned int n_errors; /* all errors, stored or not */
	struct hs_config *cfg;
	uint32_t n_nodes;
};

/* config.c */
void hs_cfg_err(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path,
	const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void hs_cfg_err_at(struct hs_cfg_ctx *c, uint32_t line, uint32_t col, const char *path,
	const char *fmt, ...) __attribute__((format(printf, 5, 6)));
struct hs_config_mark hs_cfg_mark(const struct hs_cfg_node *n);

/* config_tree.c: NULL (errors reported) on a YAML error, an alias or a limit. */
struct hs_cfg_node *hs_cfg_tree_build(struct hs_cfg_ctx *c, const char *buf, size_t len);
void hs_cfg_tree_free(struct hs_cfg_node *n); /* wipes scalars: they may be secrets */

/* config_value.c: each reports its own error and returns -EINVAL. */
void hs_cfg_path(char *buf, const char *parent, const char *key);
void hs_cfg_path_idx(char *buf, const char *parent, unsigned int idx);
const char *hs_cfg_show(const struct hs_cfg_node *n, char *buf, size_t len);
const char *hs_cfg_type_name(const struct hs_cfg_node *n);
bool hs_cfg_is_null(const struct hs_cfg_node *n);
int hs_cfg_map(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path,
	const char *const *keys, unsigned int nkeys, uint64_t required,
	const struct hs_cfg_node **vals);
int hs_cfg_seq(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path);
const char *hs_cfg_scalar(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path);
int hs_cfg_u64(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path,
	uint64_t min, uint64_t max, uint64_t *out);
int hs_cfg_u32(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path,
	uint32_t min, uint32_t max, uint32_t *out);
int hs_cfg_bool(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path, bool *out);
int hs_cfg_enum(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path,
	const char *const *names, unsigned int nnames, unsigned int *out);
int hs_cfg_name(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path, char *out);
int hs_cfg_text(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path, char *out,
	size_t size);
int hs_cfg_addr(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path,
	struct hs_addr *out);
int hs_cfg_prefix(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path,
	struct hs_prefix *out);
int hs_cfg_mac(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path,
	uint8_t mac[6]);
int hs_cfg_dh_group(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path,
	bool allow_none, uint16_t *out);
int hs_cfg_replay_window(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path,
	uint32_t *out);
/* A secret scalar (config_keys.c): its type may be reported, never its value. */
const char *hs_cfg_secret_scalar(struct hs_cfg_ctx *c, const struct hs_cfg_node *n,
	const char *path);
/* Report mapping keys written twice: "duplicate name 'x' (first at line L)". */
void hs_cfg_dup_keys(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path);
/*
 * Duplicates among count elements of size bytes at base: sorted (n log n, a hub
 * may have thousands of peers), then report(dup, first) for each element that
 * compares equal to an earlier one. cmp and report may skip elements (unnamed).
 */
typedef int (*hs_cfg_cmp_fn)(const void *a, const void *b);
typedef void (*hs_cfg_dup_fn)(struct hs_cfg_ctx *c, const void *dup, const void *first);
void hs_cfg_find_dups(struct hs_cfg_ctx *c, const void *base, size_t count, size_t size,
	hs_cfg_cmp_fn cmp, hs_cfg_dup_fn report);
/* Order of two addresses / prefixes (family first), for hs_cfg_find_dups() comparators. */
int hs_cfg_addr_cmp(const struct hs_addr *a, const struct hs_addr *b);
int hs_cfg_prefix_cmp(const struct hs_prefix *a, const struct hs_prefix *b);
/* A scalar or a list of scalars: the count (0 allowed), or -EINVAL. */
int hs_cfg_list(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path,
	unsigned int max, const struct hs_cfg_node **items);

/* Section parsers: config_net.c, config_acl.c, config_crypto.c, config_keys.c,
 * config_autovpn.c. Each fills its part of c->cfg and reports errors. */
void hs_cfg_parse_interfaces(struct hs_cfg_ctx *c, const struct hs_cfg_node *n);
void hs_cfg_parse_routes(struct hs_cfg_ctx *c, const struct hs_cfg_node *n);
void hs_cfg_parse_neighbors(struct hs_cfg_ctx *c, const struct hs_cfg_node *n);
void hs_cfg_parse_acls(struct hs_cfg_ctx *c, const struct hs_cfg_node *n);
int hs_cfg_parse_endpoint(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path,
	struct hs_prefix *out);
void hs_cfg_parse_tsets(struct hs_cfg_ctx *c, const struct hs_cfg_node *n);
void hs_cfg_parse_ike_policies(struct hs_cfg_ctx *c, const struct hs_cfg_node *n);
void hs_cfg_parse_maps(struct hs_cfg_ctx *c, const struct hs_cfg_node *n);
void hs_cfg_parse_psks(struct hs_cfg_ctx *c, const struct hs_cfg_node *n);
void hs_cfg_parse_static_sas(struct hs_cfg_ctx *c, const struct hs_cfg_node *n);
void hs_cfg_parse_autovpn(struct hs_cfg_ctx *c, const struct hs_cfg_node *n);
void hs_cfg_parse_pki(struct hs_cfg_ctx *c, const struct hs_cfg_node *n);
/* config_pki.c: "fqdn:vpn.example.net" and the other KIND:VALUE identities. */
int hs_cfg_ike_id(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path,
	struct hs_config_ike_id *id);

/* Names for hs_config_dump(): a transform ("esp-aes-256"), an ACL protocol ("tcp", "47"). */
const char *hs_cfg_transform_name(bool cipher, int alg);

/* config_validate.c: cross references, uniqueness, defaults from references. */
void hs_cfg_validate(struct hs_cfg_ctx *c);
void hs_cfg_validate_static_sas(struct hs_cfg_ctx *c);
void hs_cfg_validate_pki(struct hs_cfg_ctx *c);

/*
 * Open a file the config names (key-file, pki files) for reading: path is
 * relative to the config file's directory unless absolute; full gets the
 * path opened, for messages. The fd, or -1 with errno.
 */
int hs_cfg_open(struct hs_cfg_ctx *c, const char *path, char *full, size_t size);

/* Allocate n zeroed elements (n may be 0: returns NULL, not an error). */
void *hs_cfg_calloc(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, size_t count,
	size_t size);

#endif /* HS_CONFIG_PRIV_H */
