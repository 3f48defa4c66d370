/* SPDX-License-Identifier: BSD-3-Clause */
/* interfaces, routes and neighbors (static ARP/ND entries). */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "config_priv.h"

static const char *const role_names[] = { HS_CONFIG_IF_ROLES(HS_ENUM_STR) };

#define IF_KEYS(X)                                                                                 \
	X(IK_NAME, "name")                                                                         \
	X(IK_PORT, "port")                                                                         \
	X(IK_ROLE, "role")                                                                         \
	X(IK_IPV4, "ipv4")                                                                         \
	X(IK_IPV6, "ipv6")                                                                         \
	X(IK_MAC, "mac")                                                                           \
	X(IK_MTU, "mtu")
enum if_key { IF_KEYS(HS_ENUM_ITEM) IK_MAX };
static const char *const if_keys[] = { IF_KEYS(HS_ENUM_STR) };

/* A PCI address or a vdev string with its arguments: no spaces, no quotes. */
static int
parse_port(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path, char *out)
{
	char show[HS_CFG_SHOW_MAX + 16];
	bool ok;

	if (hs_cfg_text(c, n, path, out, HS_CONFIG_STR_MAX) < 0)
		return -EINVAL;
	ok = n->len > 0;
	for (size_t i = 0; ok && i < n->len; i++)
		ok = isalnum((unsigned char)out[i]) || strchr("_.:,=/-+", out[i]) != NULL;
	if (!ok) {
		hs_cfg_err(c, n, path,
			"invalid port '%s' (expected a PCI address like 0000:03:00.0 or a vdev "
			"like net_af_packet0,iface=veth1)", hs_cfg_show(n, show, sizeof(show)));
		return -EINVAL;
	}
	return 0;
}

/* IPv4 network and broadcast addresses are not interface addresses (/31, /32 aside). */
static bool
v4_edge(const struct hs_config_ifaddr *a)
{
	uint32_t v, host;

	if (a->len >= 31)
		return false;
	v = (uint32_t)a->addr.v4[0] << 24 | (uint32_t)a->addr.v4[1] << 16 |
		(uint32_t)a->addr.v4[2] << 8 | a->addr.v4[3];
	host = a->len == 0 ? UINT32_MAX : (1u << (32 - a->len)) - 1;
	return (v & host) == 0 || (v & host) == host;
}

static unsigned int
parse_ifaddrs(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path, int family,
	struct hs_config_ifaddr *out)
{
	const struct hs_cfg_node *items[HS_CONFIG_IFADDR_MAX];
	char show[HS_CFG_SHOW_MAX + 16];
	const char *fam = family == AF_INET ? "IPv4" : "IPv6";
	unsigned int k = 0;
	int cnt;

	cnt = hs_cfg_list(c, n, path, HS_CONFIG_IFADDR_MAX, items);
	for (int i = 0; i < cnt; i++) {
		const struct hs_cfg_node *it = items[i];
		struct hs_config_ifaddr *a = &out[k];

		if (hs_addr_parse_cidr(it->str, &a->addr, &a->len) < 0 ||
			a->addr.family != family || strchr(it->str, '/') == NULL || a->len == 0) {
			hs_cfg_err(c, it, path,
				"invalid %s interface address '%s' (expected e.g. %s)", fam,
				hs_cfg_show(it, show, sizeof(show)),
				family == AF_INET ? "192.168.1.1/24" : "2001:db8::1/64");
			continue;
		}
		if (family == AF_INET && v4_edge(a)) {
			hs_cfg_err(c, it, path,
				"'%s' is the network or broadcast address of its subnet",
				hs_cfg_show(it, show, sizeof(show)));
			continue;
		}
		k++;
	}
	return k;
}

static void
parse_interface(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path,
	struct hs_config_interface *ifc)
{
	const struct hs_cfg_node *v[IK_MAX];
	char p[HS_CFG_PATH_MAX];
	unsigned int role;
	uint32_t mtu;

	ifc->mark = hs_cfg_mark(n);
	ifc->mtu = 1500;
	if (hs_cfg_map(c, n, path, if_keys, IK_MAX, 1u << IK_NAME | 1u << IK_PORT | 1u << IK_ROLE,
		    v) < 0)
		return;
	if (v[IK_NAME] != NULL) {
		hs_cfg_path(p, path, "name");
		hs_cfg_name(c, v[IK_NAME], p, ifc->name);
	}
	if (v[IK_PORT] != NULL) {
		hs_cfg_path(p, path, "port");
		parse_port(c, v[IK_PORT], p, ifc->port);
	}
	hs_cfg_path(p, path, "role");
	if (v[IK_ROLE] != NULL && hs_cfg_enum(c, v[IK_ROLE], p, role_names, HS_CONFIG_IF_ROLE_MAX,
					  &role) == 0)
		ifc->role = (enum hs_config_if_role)role;
	hs_cfg_path(p, path, "ipv4");
	if (v[IK_IPV4] != NULL)
		ifc->n_ipv4 = parse_ifaddrs(c, v[IK_IPV4], p, AF_INET, ifc->ipv4);
	hs_cfg_path(p, path, "ipv6");
	if (v[IK_IPV6] != NULL)
		ifc->n_ipv6 = parse_ifaddrs(c, v[IK_IPV6], p, AF_INET6, ifc->ipv6);
	hs_cfg_path(p, path, "mac");
	if (v[IK_MAC] != NULL && hs_cfg_mac(c, v[IK_MAC], p, ifc->mac) == 0)
		ifc->has_mac = true;
	hs_cfg_path(p, path, "mtu");
	if (v[IK_MTU] != NULL && hs_cfg_u32(c, v[IK_MTU], p, 576, 9600, &mtu) == 0) {
		ifc->mtu = (uint16_t)mtu;
		/* RFC 8200 §5: every IPv6 link carries at least 1280 bytes. */
		if (ifc->n_ipv6 > 0 && mtu < 1280)
			hs_cfg_err(c, v[IK_MTU], p, "must be at least 1280 on an IPv6 interface "
						    "(got %u)", mtu);
	}
}

void
hs_cfg_parse_interfaces(struct hs_cfg_ctx *c, const struct hs_cfg_node *n)
{
	struct hs_config *cfg = c->cfg;
	char p[HS_CFG_PATH_MAX];
	int cnt = hs_cfg_seq(c, n, "interfaces");

	if (cnt <= 0)
		return;
	if (cnt > HS_CFG_IFACES_MAX) {
		hs_cfg_err(c, n, "interfaces", "at most %u interfaces (got %d)", HS_CFG_IFACES_MAX,
			cnt);
		return;
	}
	cfg->ifaces = hs_cfg_calloc(c, n, (size_t)cnt, sizeof(*cfg->ifaces));
	if (cfg->ifaces == NULL)
		return;
	cfg->n_ifaces = (unsigned int)cnt;
	for (int i = 0; i < cnt; i++) {
		hs_cfg_path_idx(p, "interfaces", (unsigned int)i);
		parse_interface(c, n->kids[i], p, &cfg->ifaces[i]);
	}
}

#define ROUTE_KEYS(X)                                                                              \
	X(RK_PREFIX, "prefix")                                                                     \
	X(RK_NEXT_HOP, "next-hop")                                                                 \
	X(RK_INTERFACE, "interface")
enum route_key { ROUTE_KEYS(HS_ENUM_ITEM) RK_MAX };
static const char *const route_keys[] = { ROUTE_KEYS(HS_ENUM_STR) };

static void
parse_route(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path,
	struct hs_config_route *r)
{
	const struct hs_cfg_node *v[RK_MAX];
	char p[HS_CFG_PATH_MAX];
	bool have_prefix = false;

	r->mark = hs_cfg_mark(n);
	if (hs_cfg_map(c, n, path, route_keys, RK_MAX, 1u << RK_PREFIX, v) < 0)
		return;
	hs_cfg_path(p, path, "prefix");
	if (v[RK_PREFIX] != NULL)
		have_prefix = hs_cfg_prefix(c, v[RK_PREFIX], p, &r->prefix) == 0;
	if (v[RK_NEXT_HOP] == NULL && v[RK_INTERFACE] == NULL)
		hs_cfg_err(c, n, path, "needs a next-hop, an interface, or both");
	hs_cfg_path(p, path, "next-hop");
	if (v[RK_NEXT_HOP] != NULL && hs_cfg_addr(c, v[RK_NEXT_HOP], p, &r->next_hop) == 0 &&
		have_prefix && r->next_hop.family != r->prefix.addr.family)
		hs_cfg_err(c, v[RK_NEXT_HOP], p, "next-hop is %s but the prefix is %s",
			r->next_hop.family == AF_INET ? "IPv4" : "IPv6",
			r->prefix.addr.family == AF_INET ? "IPv4" : "IPv6");
	hs_cfg_path(p, path, "interface");
	if (v[RK_INTERFACE] != NULL) {
		r->if_mark = hs_cfg_mark(v[RK_INTERFACE]);
		hs_cfg_name(c, v[RK_INTERFACE], p, r->ifname);
	}
}

void
hs_cfg_parse_routes(struct hs_cfg_ctx *c, const struct hs_cfg_node *n)
{
	struct hs_config *cfg = c->cfg;
	char p[HS_CFG_PATH_MAX];
	int cnt = hs_cfg_seq(c, n, "routes");

	if (cnt <= 0)
		return;
	cfg->routes = hs_cfg_calloc(c, n, (size_t)cnt, sizeof(*cfg->routes));
	if (cfg->routes == NULL)
		return;
	cfg->n_routes = (unsigned int)cnt;
	for (int i = 0; i < cnt; i++) {
		hs_cfg_path_idx(p, "routes", (unsigned int)i);
		parse_route(c, n->kids[i], p, &cfg->routes[i]);
	}
}

#define NB_KEYS(X)                                                                                 \
	X(NK_ADDRESS, "address")                                                                   \
	X(NK_MAC, "mac")                                                                           \
	X(NK_INTERFACE, "interface")
enum nb_key { NB_KEYS(HS_ENUM_ITEM) NK_MAX };
static const char *const nb_keys[] = { NB_KEYS(HS_ENUM_STR) };

static void
parse_neighbor(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path,
	struct hs_config_neighbor *nb)
{
	const struct hs_cfg_node *v[NK_MAX];
	char p[HS_CFG_PATH_MAX];

	nb->mark = hs_cfg_mark(n);
	if (hs_cfg_map(c, n, path, nb_keys, NK_MAX, 1u << NK_ADDRESS | 1u << NK_MAC |
				1u << NK_INTERFACE, v) < 0)
		return;
	hs_cfg_path(p, path, "address");
	if (v[NK_ADDRESS] != NULL)
		hs_cfg_addr(c, v[NK_ADDRESS], p, &nb->addr);
	hs_cfg_path(p, path, "mac");
	if (v[NK_MAC] != NULL)
		hs_cfg_mac(c, v[NK_MAC], p, nb->mac);
	hs_cfg_path(p, path, "interface");
	if (v[NK_INTERFACE] != NULL) {
		nb->if_mark = hs_cfg_mark(v[NK_INTERFACE]);
		hs_cfg_name(c, v[NK_INTERFACE], p, nb->ifname);
	}
}

void
hs_cfg_parse_neighbors(struct hs_cfg_ctx *c, const struct hs_cfg_node *n)
{
	struct hs_config *cfg = c->cfg;
	char p[HS_CFG_PATH_MAX];
	int cnt = hs_cfg_seq(c, n, "neighbors");

	if (cnt <= 0)
		return;
	cfg->neighbors = hs_cfg_calloc(c, n, (size_t)cnt, sizeof(*cfg->neighbors));
	if (cfg->neighbors == NULL)
		return;
	cfg->n_neighbors = (unsigned int)cnt;
	for (int i = 0; i < cnt; i++) {
		hs_cfg_path_idx(p, "neighbors", (unsigned int)i);
		parse_neighbor(c, n->kids[i], p, &cfg->neighbors[i]);
	}
}
