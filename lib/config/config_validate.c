/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Checks across sections, once everything is parsed: names that must be
 * unique, references that must resolve (interfaces, access lists, transform
 * sets), and rules a router enforces (one crypto map per interface, applied
 * on an outside interface).
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "config_priv.h"

#define ERR_AT(c, m, path, ...) hs_cfg_err_at(c, (m).line, (m).col, path, __VA_ARGS__)

static void
validate_interfaces(struct hs_cfg_ctx *c)
{
	const struct hs_config *cfg = c->cfg;
	char path[HS_CFG_PATH_MAX], buf[HS_ADDR_STRLEN];

	for (unsigned int i = 0; i < cfg->n_ifaces; i++) {
		const struct hs_config_interface *a = &cfg->ifaces[i];

		hs_cfg_path_idx(path, "interfaces", i);
		for (unsigned int j = 0; j < i; j++) {
			const struct hs_config_interface *b = &cfg->ifaces[j];

			if (a->name[0] != '\0' && strcmp(a->name, b->name) == 0)
				ERR_AT(c, a->mark, path, "duplicate interface name '%s' (first at "
							 "line %u)", a->name, b->mark.line);
			if (a->port[0] != '\0' && strcmp(a->port, b->port) == 0)
				ERR_AT(c, a->mark, path, "port '%s' is already used by interface "
							 "'%s'", a->port, b->name);
			for (unsigned int k = 0; k < a->n_ipv4; k++) {
				for (unsigned int l = 0; l < b->n_ipv4; l++) {
					if (hs_addr_equal(&a->ipv4[k].addr, &b->ipv4[l].addr))
						ERR_AT(c, a->mark, path, "address %s is also on "
									 "interface '%s'",
							hs_addr_format(&a->ipv4[k].addr, buf,
								sizeof(buf)), b->name);
				}
			}
		}
	}
}

static const struct hs_config_interface *
resolve_if(struct hs_cfg_ctx *c, const char *name, struct hs_config_mark m, const char *path)
{
	const struct hs_config_interface *ifc;

	if (name[0] == '\0')
		return NULL;
	ifc = hs_config_find_interface(c->cfg, name);
	if (ifc == NULL)
		ERR_AT(c, m, path, "interface '%s' is not defined", name);
	return ifc;
}

static int
cmp_route(const void *a, const void *b)
{
	const struct hs_config_route *x = a, *y = b;
	int r = hs_cfg_prefix_cmp(&x->prefix, &y->prefix);

	if (r == 0)
		r = hs_cfg_addr_cmp(&x->next_hop, &y->next_hop);
	return r != 0 ? r : strcmp(x->ifname, y->ifname);
}

static void
dup_route(struct hs_cfg_ctx *c, const void *dup, const void *first)
{
	const struct hs_config_route *r = dup, *o = first;
	char buf[HS_ADDR_STRLEN];

	if (r->prefix.addr.family != 0)
		ERR_AT(c, r->mark, "routes", "duplicate route to %s (first at line %u)",
			hs_prefix_format(&r->prefix, buf, sizeof(buf)), o->mark.line);
}

static void
validate_routes(struct hs_cfg_ctx *c)
{
	struct hs_config *cfg = c->cfg;
	char path[HS_CFG_PATH_MAX];

	for (unsigned int i = 0; i < cfg->n_routes; i++) {
		struct hs_config_route *r = &cfg->routes[i];

		hs_cfg_path_idx(path, "routes", i);
		r->iface = resolve_if(c, r->ifname, r->if_mark, path);
	}
	hs_cfg_find_dups(c, cfg->routes, cfg->n_routes, sizeof(*cfg->routes), cmp_route,
		dup_route);
}

static int
cmp_neighbor(const void *a, const void *b)
{
	const struct hs_config_neighbor *x = a, *y = b;
	int r = hs_cfg_addr_cmp(&x->addr, &y->addr);

	return r != 0 ? r : strcmp(x->ifname, y->ifname);
}

static void
dup_neighbor(struct hs_cfg_ctx *c, const void *dup, const void *first)
{
	const struct hs_config_neighbor *nb = dup, *o = first;
	char buf[HS_ADDR_STRLEN];

	if (nb->addr.family != 0)
		ERR_AT(c, nb->mark, "neighbors", "duplicate neighbor %s on '%s' (first at line %u)",
			hs_addr_format(&nb->addr, buf, sizeof(buf)), nb->ifname, o->mark.line);
}

static void
validate_neighbors(struct hs_cfg_ctx *c)
{
	struct hs_config *cfg = c->cfg;
	char path[HS_CFG_PATH_MAX];

	for (unsigned int i = 0; i < cfg->n_neighbors; i++) {
		struct hs_config_neighbor *nb = &cfg->neighbors[i];

		hs_cfg_path_idx(path, "neighbors", i);
		nb->iface = resolve_if(c, nb->ifname, nb->if_mark, path);
	}
	hs_cfg_find_dups(c, cfg->neighbors, cfg->n_neighbors, sizeof(*cfg->neighbors),
		cmp_neighbor, dup_neighbor);
}

static void
validate_entry(struct hs_cfg_ctx *c, const char *path, const struct hs_config_interface *ifc,
	struct hs_config_crypto_entry *e)
{
	char buf[HS_ADDR_STRLEN];

	for (unsigned int k = 0; ifc != NULL && k < e->n_peers; k++) {
		bool v4 = e->peers[k].family == AF_INET;

		if ((v4 && ifc->n_ipv4 == 0) || (!v4 && ifc->n_ipv6 == 0))
			ERR_AT(c, e->mark, path,
				"peer %s is %s but interface '%s' has no %s address",
				hs_addr_format(&e->peers[k], buf, sizeof(buf)),
				v4 ? "IPv4" : "IPv6", ifc->name, v4 ? "IPv4" : "IPv6");
	}
	if (e->acl_name[0] != '\0') {
		e->acl = hs_config_find_acl(c->cfg, e->acl_name);
		if (e->acl == NULL)
			ERR_AT(c, e->acl_mark, path, "match-address: access-list '%s' is not "
						     "defined", e->acl_name);
	}
	for (unsigned int k = 0; k < e->n_tsets; k++) {
		e->tsets[k] = hs_config_find_transform_set(c->cfg, e->tset_names[k]);
		if (e->tsets[k] == NULL)
			ERR_AT(c, e->tset_marks[k], path, "transform-sets: transform set '%s' is "
							  "not defined", e->tset_names[k]);
	}
}

static void
validate_maps(struct hs_cfg_ctx *c)
{
	struct hs_config *cfg = c->cfg;
	char path[HS_CFG_PATH_MAX], p[HS_CFG_PATH_MAX];

	for (unsigned int i = 0; i < cfg->n_maps; i++) {
		struct hs_config_crypto_map *m = &cfg->maps[i];

		hs_cfg_path(path, "crypto-maps", m->name);
		m->iface = resolve_if(c, m->ifname, m->if_mark, path);
		if (m->iface != NULL && m->iface->role != HS_CONFIG_IF_OUTSIDE)
			ERR_AT(c, m->if_mark, path, "interface '%s' is an inside interface: a "
						    "crypto map is applied to an outside one",
				m->ifname);
		/* Cisco: one crypto map per interface; more peers are more entries. */
		for (unsigned int j = 0; j < i; j++) {
			if (m->ifname[0] != '\0' && strcmp(m->ifname, cfg->maps[j].ifname) == 0)
				ERR_AT(c, m->if_mark, path, "interface '%s' already has crypto map "
							    "'%s' (one map per interface: add "
							    "entries to it)",
					m->ifname, cfg->maps[j].name);
		}
		for (unsigned int k = 0; k < m->n_entries; k++) {
			/* Sorted by now: name the entry by its seq, not its position. */
			if (snprintf(p, sizeof(p), "%s[seq %u]", path, m->entries[k].seq) < 0)
				p[0] = '\0';
			validate_entry(c, p, m->iface, &m->entries[k]);
		}
	}
}

void
hs_cfg_validate(struct hs_cfg_ctx *c)
{
	validate_interfaces(c);
	validate_routes(c);
	validate_neighbors(c);
	validate_maps(c);
	hs_cfg_validate_static_sas(c);
	hs_cfg_validate_pki(c);
}
