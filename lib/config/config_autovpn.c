/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * autovpn: Meraki-style Auto VPN (registry servers, hub/spoke role, hubs by
 * priority, exported subnets, exit hub). Parsed and checked here; consumed
 * by the control process.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config_priv.h"

static const char *const role_names[] = { HS_CONFIG_AUTOVPN_ROLES(HS_ENUM_STR) };

#define AV_KEYS(X)                                                                                 \
	X(AK_ENABLED, "enabled")                                                                   \
	X(AK_ROLE, "role")                                                                         \
	X(AK_REGISTRY, "registry")                                                                 \
	X(AK_HUBS, "hubs")                                                                         \
	X(AK_SUBNETS, "exported-subnets")                                                          \
	X(AK_EXIT_HUB, "exit-hub")                                                                 \
	X(AK_FULL_TUNNEL, "full-tunnel")
enum av_key { AV_KEYS(HS_ENUM_ITEM) AK_MAX };
static const char *const av_keys[] = { AV_KEYS(HS_ENUM_STR) };

#define HUB_KEYS(X)                                                                                \
	X(HK_PEER, "peer")                                                                         \
	X(HK_PRIORITY, "priority")
enum hub_key { HUB_KEYS(HS_ENUM_ITEM) HK_MAX };
static const char *const hub_keys[] = { HUB_KEYS(HS_ENUM_STR) };

static bool
hostname_ok(const char *s, size_t len)
{
	if (len == 0 || len > 253)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '.')
			return false;
	}
	return true;
}

static int
parse_port_range(const char *s, uint16_t *lo, uint16_t *hi)
{
	char *end;
	unsigned long a, b;

	if (!isdigit((unsigned char)s[0]))
		return -EINVAL;
	a = strtoul(s, &end, 10);
	b = a;
	if (*end == '-') {
		if (!isdigit((unsigned char)end[1]))
			return -EINVAL;
		b = strtoul(end + 1, &end, 10);
	}
	if (*end != '\0' || a == 0 || a > 65535 || b > 65535 || a > b)
		return -EINVAL;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

/* "host", "host:port", "host:lo-hi", "[v6]:port", or a bare IPv6 address. */
static int
split_registry(const char *s, struct hs_config_registry *r)
{
	const char *colon = strrchr(s, ':');
	struct hs_addr a;
	size_t hlen;

	r->port_lo = HS_CONFIG_REGISTRY_PORT_LO;
	r->port_hi = HS_CONFIG_REGISTRY_PORT_HI;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL || (close[1] != '\0' && close[1] != ':'))
			return -EINVAL;
		hlen = (size_t)(close - s - 1);
		if (hlen >= sizeof(r->host))
			return -EINVAL;
		memcpy(r->host, s + 1, hlen);
		r->host[hlen] = '\0';
		if (hs_addr_parse(r->host, &a) < 0 || a.family != AF_INET6)
			return -EINVAL;
		return close[1] == ':' ? parse_port_range(close + 2, &r->port_lo, &r->port_hi) : 0;
	}
	if (colon != NULL && strchr(s, ':') != colon) /* several colons: a bare IPv6 address */
		colon = NULL;
	hlen = colon != NULL ? (size_t)(colon - s) : strlen(s);
	if (hlen >= sizeof(r->host))
		return -EINVAL;
	memcpy(r->host, s, hlen);
	r->host[hlen] = '\0';
	if (hs_addr_parse(r->host, &a) < 0 && !hostname_ok(r->host, hlen))
		return -EINVAL;
	return colon != NULL ? parse_port_range(colon + 1, &r->port_lo, &r->port_hi) : 0;
}

static void
parse_registry(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, struct hs_config_autovpn *av)
{
	const struct hs_cfg_node *items[HS_CONFIG_REGISTRY_MAX];
	char show[HS_CFG_SHOW_MAX + 16];
	int cnt = hs_cfg_list(c, n, "autovpn.registry", HS_CONFIG_REGISTRY_MAX, items);

	for (int i = 0; i < cnt; i++) {
		struct hs_config_registry *r = &av->registry[av->n_registry];

		r->mark = hs_cfg_mark(items[i]);
		if (split_registry(items[i]->str, r) == 0) {
			av->n_registry++;
			continue;
		}
		hs_cfg_err(c, items[i], "autovpn.registry",
			"invalid registry server '%s' (expected host, host:port or host:port-port)",
			hs_cfg_show(items[i], show, sizeof(show)));
	}
}

static void
parse_hub(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path,
	struct hs_config_autovpn_hub *h)
{
	const struct hs_cfg_node *v[HK_MAX] = { n, NULL };
	char show[HS_CFG_SHOW_MAX + 16], p[HS_CFG_PATH_MAX];
	const struct hs_cfg_node *peer;

	h->mark = hs_cfg_mark(n);
	if (n->type == HS_CFG_MAP &&
		hs_cfg_map(c, n, path, hub_keys, HK_MAX, 1u << HK_PEER, v) < 0)
		return;
	hs_cfg_path(p, path, "priority");
	if (v[HK_PRIORITY] != NULL)
		hs_cfg_u32(c, v[HK_PRIORITY], p, 1, 255, &h->priority);
	peer = v[HK_PEER];
	if (peer == NULL || hs_cfg_scalar(c, peer, path) == NULL)
		return;
	h->is_addr = hs_addr_parse(peer->str, &h->addr) == 0;
	if (h->is_addr || (peer->len < HS_CONFIG_NAME_MAX && hostname_ok(peer->str, peer->len))) {
		memcpy(h->peer, peer->str, peer->len + 1);
		return;
	}
	hs_cfg_err(c, peer, path, "invalid hub '%s' (a peer name or an IP address)",
		hs_cfg_show(peer, show, sizeof(show)));
}

static int
cmp_hub(const void *a, const void *b)
{
	return strcmp(((const struct hs_config_autovpn_hub *)a)->peer,
		((const struct hs_config_autovpn_hub *)b)->peer);
}

static void
dup_hub(struct hs_cfg_ctx *c, const void *dup, const void *first)
{
	const struct hs_config_autovpn_hub *h = dup, *o = first;

	if (h->peer[0] != '\0')
		hs_cfg_err_at(c, h->mark.line, h->mark.col, "autovpn.hubs",
			"duplicate hub '%s' (first at line %u)", h->peer, o->mark.line);
}

static void
parse_hubs(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, struct hs_config_autovpn *av)
{
	char p[HS_CFG_PATH_MAX];
	int cnt = hs_cfg_seq(c, n, "autovpn.hubs");

	if (cnt <= 0)
		return;
	av->hubs = hs_cfg_calloc(c, n, (size_t)cnt, sizeof(*av->hubs));
	if (av->hubs == NULL)
		return;
	av->n_hubs = (unsigned int)cnt;
	for (int i = 0; i < cnt; i++) {
		struct hs_config_autovpn_hub *h = &av->hubs[i];

		hs_cfg_path_idx(p, "autovpn.hubs", (unsigned int)i);
		h->priority = (uint32_t)i + 1; /* listed order unless given */
		parse_hub(c, n->kids[i], p, h);
	}
	hs_cfg_find_dups(c, av->hubs, av->n_hubs, sizeof(*av->hubs), cmp_hub, dup_hub);
}

/* A parsed subnet and where it was written, for the duplicate check. */
struct subnet_at {
	struct hs_prefix p;
	const struct hs_cfg_node *n;
};

static int
cmp_subnet(const void *a, const void *b)
{
	return hs_cfg_prefix_cmp(&((const struct subnet_at *)a)->p,
		&((const struct subnet_at *)b)->p);
}

static void
dup_subnet(struct hs_cfg_ctx *c, const void *dup, const void *first)
{
	const struct subnet_at *s = dup, *o = first;
	char buf[HS_ADDR_STRLEN];

	hs_cfg_err(c, s->n, "autovpn.exported-subnets", "duplicate subnet %s (first at line %u)",
		hs_prefix_format(&s->p, buf, sizeof(buf)), o->n->line);
}

static void
parse_subnets(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, struct hs_config_autovpn *av)
{
	char p[HS_CFG_PATH_MAX];
	int cnt = hs_cfg_seq(c, n, "autovpn.exported-subnets");
	struct subnet_at *at;

	if (cnt <= 0)
		return;
	av->subnets = hs_cfg_calloc(c, n, (size_t)cnt, sizeof(*av->subnets));
	at = hs_cfg_calloc(c, n, (size_t)cnt, sizeof(*at));
	for (int i = 0; av->subnets != NULL && at != NULL && i < cnt; i++) {
		hs_cfg_path_idx(p, "autovpn.exported-subnets", (unsigned int)i);
		if (hs_cfg_prefix(c, n->kids[i], p, &av->subnets[av->n_subnets]) < 0)
			continue;
		at[av->n_subnets].p = av->subnets[av->n_subnets];
		at[av->n_subnets].n = n->kids[i];
		av->n_subnets++;
	}
	if (at != NULL)
		hs_cfg_find_dups(c, at, av->n_subnets, sizeof(*at), cmp_subnet, dup_subnet);
	free(at);
}

static void
parse_exit_hub(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, struct hs_config_autovpn *av)
{
	char show[HS_CFG_SHOW_MAX + 16];
	const char *s = hs_cfg_scalar(c, n, "autovpn.exit-hub");

	av->exit_mark = hs_cfg_mark(n);
	if (s == NULL || strcmp(s, "none") == 0 || hs_cfg_is_null(n))
		return;
	for (unsigned int i = 0; i < av->n_hubs; i++) {
		if (strcmp(av->hubs[i].peer, s) == 0) {
			memcpy(av->exit_hub, s, n->len + 1);
			return;
		}
	}
	hs_cfg_err(c, n, "autovpn.exit-hub", "'%s' is not one of the hubs (or none)",
		hs_cfg_show(n, show, sizeof(show)));
}

static void
check_autovpn(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, struct hs_config_autovpn *av)
{
	if (!av->enabled)
		return;
	if (!av->has_role)
		hs_cfg_err(c, n, "autovpn", "missing required key 'role' (needed when enabled)");
	if (av->n_registry == 0)
		hs_cfg_err(c, n, "autovpn", "needs at least one registry server when enabled");
	if (av->has_role && av->role == HS_CONFIG_AUTOVPN_SPOKE && av->n_hubs == 0)
		hs_cfg_err(c, n, "autovpn", "a spoke needs at least one hub in hubs");
	if (av->full_tunnel && av->role == HS_CONFIG_AUTOVPN_SPOKE && av->exit_hub[0] == '\0')
		hs_cfg_err_at(c, av->full_mark.line, av->full_mark.col, "autovpn.full-tunnel",
			"a full-tunnel spoke needs an exit-hub");
}

void
hs_cfg_parse_autovpn(struct hs_cfg_ctx *c, const struct hs_cfg_node *n)
{
	struct hs_config_autovpn *av = &c->cfg->autovpn;
	const struct hs_cfg_node *v[AK_MAX];
	unsigned int role;

	av->present = true;
	av->mark = hs_cfg_mark(n);
	if (hs_cfg_map(c, n, "autovpn", av_keys, AK_MAX, 0, v) < 0)
		return;
	if (v[AK_ENABLED] != NULL)
		hs_cfg_bool(c, v[AK_ENABLED], "autovpn.enabled", &av->enabled);
	if (v[AK_ROLE] != NULL && hs_cfg_enum(c, v[AK_ROLE], "autovpn.role", role_names,
					  HS_CONFIG_AUTOVPN_ROLE_MAX, &role) == 0) {
		av->role = (enum hs_config_autovpn_role)role;
		av->has_role = true;
	}
	if (v[AK_REGISTRY] != NULL)
		parse_registry(c, v[AK_REGISTRY], av);
	if (v[AK_HUBS] != NULL)
		parse_hubs(c, v[AK_HUBS], av);
	if (v[AK_SUBNETS] != NULL)
		parse_subnets(c, v[AK_SUBNETS], av);
	if (v[AK_EXIT_HUB] != NULL)
		parse_exit_hub(c, v[AK_EXIT_HUB], av);
	if (v[AK_FULL_TUNNEL] != NULL) {
		av->full_mark = hs_cfg_mark(v[AK_FULL_TUNNEL]);
		hs_cfg_bool(c, v[AK_FULL_TUNNEL], "autovpn.full-tunnel", &av->full_tunnel);
	}
	check_autovpn(c, n, av);
}
