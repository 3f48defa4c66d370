/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration loader: reads the file, builds the YAML tree, hands each
 * top-level section to its parser, runs the cross-reference checks, and
 * collects every error as "FILE:LINE:COLUMN: message".
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_priv.h"

static const char *const log_level_names[] = { HS_CONFIG_LOG_LEVELS(HS_ENUM_STR) };
static const char *const if_role_names[] = { HS_CONFIG_IF_ROLES(HS_ENUM_STR) };
static const char *const acl_action_names[] = { HS_CONFIG_ACL_ACTIONS(HS_ENUM_STR) };
static const char *const ike_hash_names[] = { HS_CONFIG_IKE_HASHES(HS_ENUM_STR) };
static const char *const ike_auth_names[] = { HS_CONFIG_IKE_AUTHS(HS_ENUM_STR) };
static const char *const natt_names[] = { HS_CONFIG_NATT_MODES(HS_ENUM_STR) };
static const char *const autovpn_role_names[] = { HS_CONFIG_AUTOVPN_ROLES(HS_ENUM_STR) };

#define NAME_FN(fn, type, table)                                                                   \
	const char *fn(type v)                                                                     \
	{                                                                                          \
		return (unsigned int)v < HS_ARRAY_SIZE(table) ? table[v] : "?";                    \
	}
NAME_FN(hs_config_log_level_name, enum hs_config_log_level, log_level_names)
NAME_FN(hs_config_if_role_name, enum hs_config_if_role, if_role_names)
NAME_FN(hs_config_acl_action_name, enum hs_config_acl_action, acl_action_names)
NAME_FN(hs_config_ike_hash_name, enum hs_config_ike_hash, ike_hash_names)
NAME_FN(hs_config_ike_auth_name, enum hs_config_ike_auth, ike_auth_names)
NAME_FN(hs_config_natt_name, enum hs_config_natt, natt_names)
NAME_FN(hs_config_autovpn_role_name, enum hs_config_autovpn_role, autovpn_role_names)

static void
add_error(struct hs_cfg_ctx *c, uint32_t line, uint32_t col, const char *path, const char *fmt,
	va_list ap)
{
	char msg[HS_CONFIG_ERROR_LEN];
	struct hs_config_error *e;
	bool has_path = path != NULL && path[0] != '\0';
	int w;

	c->n_errors++;
	if (c->errs == NULL)
		return;
	if (c->errs->count >= HS_CONFIG_ERRORS_MAX) {
		c->errs->dropped++;
		return;
	}
	e = &c->errs->err[c->errs->count++];
	e->line = line;
	e->col = col;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* Long messages are cut: the position and the start of the message matter most. */
	if (line == 0)
		w = snprintf(e->text, sizeof(e->text), "%s: %s%s%s", c->file,
			has_path ? path : "", has_path ? ": " : "", msg);
	else
		w = snprintf(e->text, sizeof(e->text), "%s:%u:%u: %s%s%s", c->file, line, col,
			has_path ? path : "", has_path ? ": " : "", msg);
	if (w < 0)
		e->text[0] = '\0';
}

void
hs_cfg_err_at(struct hs_cfg_ctx *c, uint32_t line, uint32_t col, const char *path,
	const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_error(c, line, col, path, fmt, ap);
	va_end(ap);
}

void
hs_cfg_err(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path, const char *fmt,
	...)
{
	va_list ap;

	va_start(ap, fmt);
	add_error(c, n != NULL ? n->line : 1, n != NULL ? n->col : 1, path, fmt, ap);
	va_end(ap);
}

int
hs_cfg_open(struct hs_cfg_ctx *c, const char *path, char *full, size_t size)
{
	if (path[0] == '/' || c->dir == NULL)
		snprintf(full, size, "%s", path);
	else
		snprintf(full, size, "%s/%s", c->dir, path);
	return open(full, O_RDONLY | O_CLOEXEC);
}

struct hs_config_mark
hs_cfg_mark(const struct hs_cfg_node *n)
{
	struct hs_config_mark m = { 0, 0 };

	if (n != NULL) {
		m.line = n->line;
		m.col = n->col;
	}
	return m;
}

/* Stable sort by position, so that a user reads them top to bottom. */
static void
sort_errors(struct hs_config_errors *errs)
{
	for (unsigned int i = 1; i < errs->count; i++) {
		struct hs_config_error tmp = errs->err[i];
		unsigned int j = i;

		while (j > 0 && (errs->err[j - 1].line > tmp.line ||
					(errs->err[j - 1].line == tmp.line &&
						errs->err[j - 1].col > tmp.col))) {
			errs->err[j] = errs->err[j - 1];
			j--;
		}
		errs->err[j] = tmp;
	}
}

#define TOP_KEYS(X)                                                                                \
	X(TK_HOSTNAME, "hostname")                                                                 \
	X(TK_LOG_LEVEL, "log-level")                                                               \
	X(TK_INTERFACES, "interfaces")                                                             \
	X(TK_ROUTES, "routes")                                                                     \
	X(TK_NEIGHBORS, "neighbors")                                                               \
	X(TK_ACLS, "access-lists")                                                                 \
	X(TK_TSETS, "transform-sets")                                                              \
	X(TK_IKE, "ike-policies")                                                                  \
	X(TK_MAPS, "crypto-maps")                                                                  \
	X(TK_PSKS, "pre-shared-keys")                                                              \
	X(TK_STATIC, "static-sas")                                                                 \
	X(TK_PKI, "pki")                                                                           \
	X(TK_AUTOVPN, "autovpn")
enum top_key { TOP_KEYS(HS_ENUM_ITEM) TK_MAX };
static const char *const top_keys[] = { TOP_KEYS(HS_ENUM_STR) };

static void
parse_top(struct hs_cfg_ctx *c, const struct hs_cfg_node *root)
{
	struct hs_config *cfg = c->cfg;
	const struct hs_cfg_node *v[TK_MAX];
	unsigned int lvl;

	if (hs_cfg_map(c, root, NULL, top_keys, TK_MAX, 0, v) < 0)
		return;
	if (v[TK_HOSTNAME] != NULL)
		hs_cfg_name(c, v[TK_HOSTNAME], "hostname", cfg->hostname);
	if (v[TK_LOG_LEVEL] != NULL &&
		hs_cfg_enum(c, v[TK_LOG_LEVEL], "log-level", log_level_names, HS_CONFIG_LOG_MAX,
			&lvl) == 0)
		cfg->log_level = (enum hs_config_log_level)lvl;
	/* Order matters only for the checks in hs_cfg_validate(), which run after all. */
	if (v[TK_INTERFACES] != NULL)
		hs_cfg_parse_interfaces(c, v[TK_INTERFACES]);
	if (v[TK_ROUTES] != NULL)
		hs_cfg_parse_routes(c, v[TK_ROUTES]);
	if (v[TK_NEIGHBORS] != NULL)
		hs_cfg_parse_neighbors(c, v[TK_NEIGHBORS]);
	if (v[TK_ACLS] != NULL)
		hs_cfg_parse_acls(c, v[TK_ACLS]);
	if (v[TK_TSETS] != NULL)
		hs_cfg_parse_tsets(c, v[TK_TSETS]);
	if (v[TK_IKE] != NULL)
		hs_cfg_parse_ike_policies(c, v[TK_IKE]);
	if (v[TK_MAPS] != NULL)
		hs_cfg_parse_maps(c, v[TK_MAPS]);
	if (v[TK_PSKS] != NULL)
		hs_cfg_parse_psks(c, v[TK_PSKS]);
	if (v[TK_STATIC] != NULL)
		hs_cfg_parse_static_sas(c, v[TK_STATIC]);
	if (v[TK_PKI] != NULL)
		hs_cfg_parse_pki(c, v[TK_PKI]);
	if (v[TK_AUTOVPN] != NULL)
		hs_cfg_parse_autovpn(c, v[TK_AUTOVPN]);
}

struct hs_config *
hs_config_load_buf(const char *name, const char *buf, size_t len, const char *dir,
	struct hs_config_errors *errors)
{
	struct hs_cfg_ctx c = { .file = name != NULL ? name : "<config>", .dir = dir,
		.errs = errors };
	struct hs_cfg_node *root;
	struct hs_config *cfg = NULL;

	if (errors != NULL) {
		errors->count = 0;
		errors->dropped = 0;
	}
	root = hs_cfg_tree_build(&c, buf != NULL ? buf : "", buf != NULL ? len : 0);
	if (root == NULL)
		goto out;
	cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL || (cfg->path = strdup(c.file)) == NULL) {
		hs_cfg_err_at(&c, 0, 0, NULL, "out of memory");
		goto out;
	}
	snprintf(cfg->hostname, sizeof(cfg->hostname), "%s", "hubsec");
	cfg->log_level = HS_CONFIG_LOG_INFO;
	c.cfg = cfg;
	parse_top(&c, root);
	hs_cfg_validate(&c);
out:
	hs_cfg_tree_free(root);
	if (c.n_errors > 0) {
		hs_config_free(cfg);
		cfg = NULL;
	}
	if (errors != NULL)
		sort_errors(errors);
	return cfg;
}

/* The whole file, or NULL with an error reported. The caller wipes and frees it. */
static char *
read_file(struct hs_cfg_ctx *c, const char *path, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		hs_cfg_err_at(c, 0, 0, NULL, "cannot open: %s", strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		hs_cfg_err_at(c, 0, 0, NULL, "not a regular file");
		goto fail;
	}
	if ((size_t)st.st_size > HS_CONFIG_FILE_MAX) {
		hs_cfg_err_at(c, 0, 0, NULL, "file too large (at most %u bytes)",
			HS_CONFIG_FILE_MAX);
		goto fail;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		hs_cfg_err_at(c, 0, 0, NULL, "out of memory");
		goto fail;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			hs_cfg_err_at(c, 0, 0, NULL, "cannot read: %s", strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	*len = got;
	return buf;
fail:
	if (buf != NULL) {
		explicit_bzero(buf, (size_t)st.st_size);
		free(buf);
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

struct hs_config *
hs_config_load(const char *path, struct hs_config_errors *errors)
{
	struct hs_cfg_ctx c = { .file = path != NULL ? path : "<config>", .errs = errors };
	struct hs_config *cfg;
	char *buf, *dircopy;
	size_t len = 0;

	if (errors != NULL) {
		errors->count = 0;
		errors->dropped = 0;
	}
	if (path == NULL) {
		hs_cfg_err_at(&c, 0, 0, NULL, "no file name");
		return NULL;
	}
	buf = read_file(&c, path, &len);
	if (buf == NULL)
		return NULL;
	dircopy = strdup(path);
	if (dircopy == NULL) {
		hs_cfg_err_at(&c, 0, 0, NULL, "out of memory");
		cfg = NULL;
	} else {
		cfg = hs_config_load_buf(path, buf, len, dirname(dircopy), errors);
	}
	free(dircopy);
	explicit_bzero(buf, len);
	free(buf);
	return cfg;
}

void
hs_config_free(struct hs_config *cfg)
{
	if (cfg == NULL)
		return;
	for (unsigned int i = 0; i < cfg->n_acls; i++)
		free(cfg->acls[i].lines);
	for (unsigned int i = 0; i < cfg->n_maps; i++)
		free(cfg->maps[i].entries);
	if (cfg->psks != NULL)
		explicit_bzero(cfg->psks, cfg->n_psks * sizeof(*cfg->psks));
	if (cfg->static_sas != NULL)
		explicit_bzero(cfg->static_sas, cfg->n_static_sas * sizeof(*cfg->static_sas));
	free(cfg->ifaces);
	free(cfg->routes);
	free(cfg->neighbors);
	free(cfg->acls);
	free(cfg->tsets);
	free(cfg->ike_policies);
	free(cfg->maps);
	free(cfg->psks);
	free(cfg->static_sas);
	if (cfg->pki.key.data != NULL)
		explicit_bzero(cfg->pki.key.data, cfg->pki.key.len);
	free(cfg->pki.key.data);
	free(cfg->pki.cert.data);
	for (unsigned int i = 0; i < cfg->pki.n_ca; i++)
		free(cfg->pki.ca[i].data);
	free(cfg->autovpn.hubs);
	free(cfg->autovpn.subnets);
	free(cfg->path);
	free(cfg);
}

void
hs_config_errors_print(const struct hs_config_errors *errors, FILE *out)
{
	for (unsigned int i = 0; i < errors->count; i++)
		fprintf(out, "%s\n", errors->err[i].text);
	if (errors->dropped > 0)
		fprintf(out, "... and %u more error%s\n", errors->dropped,
			errors->dropped == 1 ? "" : "s");
}

static size_t
count_item(char *buf, size_t len, size_t o, unsigned int n, const char *one, const char *many)
{
	int w;

	if (o >= len)
		return o;
	w = snprintf(buf + o, len - o, "%s%u %s", o > 0 ? ", " : "", n, n == 1 ? one : many);
	return w < 0 ? o : o + (size_t)w;
}

void
hs_config_summary(const struct hs_config *cfg, char *buf, size_t len)
{
	unsigned int entries = 0;
	size_t o = 0;
	int w;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (unsigned int i = 0; i < cfg->n_maps; i++)
		entries += cfg->maps[i].n_entries;
	o = count_item(buf, len, o, cfg->n_ifaces, "interface", "interfaces");
	o = count_item(buf, len, o, cfg->n_acls, "access-list", "access-lists");
	o = count_item(buf, len, o, cfg->n_maps, "crypto map", "crypto maps");
	if (o < len) {
		w = snprintf(buf + o, len - o, " (%u entr%s)", entries, entries == 1 ? "y" : "ies");
		o = w < 0 ? o : o + (size_t)w;
	}
	o = count_item(buf, len, o, cfg->n_static_sas, "static SA", "static SAs");
	if (cfg->autovpn.enabled && o < len)
		snprintf(buf + o, len - o, ", autovpn %s",
			hs_config_autovpn_role_name(cfg->autovpn.role));
}

#define FIND_FN(fn, type, array, count)                                                            \
	const type *fn(const struct hs_config *cfg, const char *name)                              \
	{                                                                                          \
		for (unsigned int i = 0; cfg != NULL && name != NULL && i < cfg->count; i++) {     \
			if (strcmp(cfg->array[i].name, name) == 0)                                 \
				return &cfg->array[i];                                             \
		}                                                                                  \
		return NULL;                                                                       \
	}
FIND_FN(hs_config_find_interface, struct hs_config_interface, ifaces, n_ifaces)
FIND_FN(hs_config_find_acl, struct hs_config_acl, acls, n_acls)
FIND_FN(hs_config_find_transform_set, struct hs_config_transform_set, tsets, n_tsets)
FIND_FN(hs_config_find_crypto_map, struct hs_config_crypto_map, maps, n_maps)
