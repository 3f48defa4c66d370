/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * access-lists: named extended ACLs, Cisco semantics. Lines keep their file
 * order because the first matching line decides.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "config_priv.h"

static const char *const action_names[] = { HS_CONFIG_ACL_ACTIONS(HS_ENUM_STR) };

/* Protocol names an ACL line accepts; "ip" is any protocol. */
static const struct {
	const char *name;
	int proto; /* -1: any */
} protos[] = {
	{ "ip", -1 }, { "icmp", 1 }, { "icmpv6", 58 }, { "ipv6-icmp", 58 }, { "tcp", 6 },
	{ "udp", 17 }, { "gre", 47 }, { "esp", 50 }, { "ah", 51 }, { "sctp", 132 },
};

const char *
hs_cfg_proto_name(const struct hs_config_acl_line *l, char *buf, size_t len)
{
	for (size_t i = 0; i < HS_ARRAY_SIZE(protos); i++) {
		if (l->proto_any ? protos[i].proto < 0 : protos[i].proto == l->proto)
			return protos[i].name;
	}
	snprintf(buf, len, "%u", l->proto);
	return buf;
}

#define IPPROTO_NUM_TCP 6
#define IPPROTO_NUM_UDP 17

#define LINE_KEYS(X)                                                                               \
	X(LK_ACTION, "action")                                                                     \
	X(LK_PROTOCOL, "protocol")                                                                 \
	X(LK_SOURCE, "source")                                                                     \
	X(LK_DESTINATION, "destination")                                                           \
	X(LK_SPORT, "source-port")                                                                 \
	X(LK_DPORT, "destination-port")                                                            \
	X(LK_REMARK, "remark")
enum line_key { LINE_KEYS(HS_ENUM_ITEM) LK_MAX };
static const char *const line_keys[] = { LINE_KEYS(HS_ENUM_STR) };

static int
parse_proto(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path,
	struct hs_config_acl_line *l)
{
	char show[HS_CFG_SHOW_MAX + 16];
	const char *s = hs_cfg_scalar(c, n, path);
	uint64_t v;

	if (s == NULL)
		return -EINVAL;
	for (size_t i = 0; i < HS_ARRAY_SIZE(protos); i++) {
		if (strcasecmp(s, protos[i].name) == 0) {
			l->proto_any = protos[i].proto < 0;
			l->proto = protos[i].proto < 0 ? 0 : (uint8_t)protos[i].proto;
			return 0;
		}
	}
	if (s[0] >= '0' && s[0] <= '9') {
		if (hs_cfg_u64(c, n, path, 0, 255, &v) < 0)
			return -EINVAL;
		l->proto_any = false;
		l->proto = (uint8_t)v;
		return 0;
	}
	hs_cfg_err(c, n, path,
		"unknown protocol '%s' (use ip, icmp, icmpv6, tcp, udp, gre, esp, ah, sctp or a "
		"number 0-255)", hs_cfg_show(n, show, sizeof(show)));
	return -EINVAL;
}

int
hs_cfg_parse_endpoint(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path,
	struct hs_prefix *out)
{
	char show[HS_CFG_SHOW_MAX + 16];
	const char *s = hs_cfg_scalar(c, n, path);
	struct hs_addr a;

	if (s == NULL)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (strcasecmp(s, "any") == 0)
		return 0;
	if (strcasecmp(s, "any4") == 0)
		return hs_prefix_parse("0.0.0.0/0", out);
	if (strcasecmp(s, "any6") == 0)
		return hs_prefix_parse("::/0", out);
	if (strncasecmp(s, "host ", 5) == 0) {
		if (hs_addr_parse(s + 5, &a) == 0) {
			hs_prefix_make(out, &a, a.family == AF_INET ? 32 : 128);
			return 0;
		}
		hs_cfg_err(c, n, path, "invalid host address in '%s'",
			hs_cfg_show(n, show, sizeof(show)));
		return -EINVAL;
	}
	if (strchr(s, '/') != NULL || hs_addr_parse(s, &a) == 0)
		return hs_cfg_prefix(c, n, path, out) < 0 ? -EINVAL : 0;
	hs_cfg_err(c, n, path,
		"invalid address '%s' (use any, any4, any6, host ADDRESS, or a prefix like "
		"10.0.0.0/8)", hs_cfg_show(n, show, sizeof(show)));
	return -EINVAL;
}

/* "80" or "1024-65535". */
static int
parse_ports(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path, uint16_t *lo,
	uint16_t *hi)
{
	char show[HS_CFG_SHOW_MAX + 16];
	const char *s = hs_cfg_scalar(c, n, path);
	const char *dash;
	unsigned long a, b;
	char *end;

	if (s == NULL)
		return -EINVAL;
	dash = strchr(s, '-');
	if (s[0] < '0' || s[0] > '9')
		goto bad;
	a = strtoul(s, &end, 10);
	if (dash == NULL ? *end != '\0' : end != dash)
		goto bad;
	b = a;
	if (dash != NULL) {
		if (dash[1] < '0' || dash[1] > '9')
			goto bad;
		b = strtoul(dash + 1, &end, 10);
		if (*end != '\0')
			goto bad;
	}
	if (a > 65535 || b > 65535 || a > b)
		goto bad;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
bad:
	hs_cfg_err(c, n, path, "invalid port '%s' (expected 0-65535 or a range like 1024-65535)",
		hs_cfg_show(n, show, sizeof(show)));
	return -EINVAL;
}

static void
check_line(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path,
	const struct hs_cfg_node **v, const struct hs_config_acl_line *l)
{
	bool ports_ok = !l->proto_any && (l->proto == IPPROTO_NUM_TCP ||
						 l->proto == IPPROTO_NUM_UDP);
	const struct hs_cfg_node *port = v[LK_SPORT] != NULL ? v[LK_SPORT] : v[LK_DPORT];

	if (port != NULL && !ports_ok)
		hs_cfg_err(c, port, path, "ports are only allowed with protocol tcp or udp");
	if (l->src.addr.family != 0 && l->dst.addr.family != 0 &&
		l->src.addr.family != l->dst.addr.family)
		hs_cfg_err(c, n, path, "source is %s but destination is %s",
			l->src.addr.family == AF_INET ? "IPv4" : "IPv6",
			l->dst.addr.family == AF_INET ? "IPv4" : "IPv6");
}

static void
parse_line(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path,
	struct hs_config_acl_line *l)
{
	const struct hs_cfg_node *v[LK_MAX];
	char p[HS_CFG_PATH_MAX];
	unsigned int act;

	l->mark = hs_cfg_mark(n);
	l->proto_any = true;
	l->sport_hi = 65535;
	l->dport_hi = 65535;
	if (hs_cfg_map(c, n, path, line_keys, LK_MAX, 1u << LK_ACTION, v) < 0)
		return;
	hs_cfg_path(p, path, "action");
	if (v[LK_ACTION] != NULL &&
		hs_cfg_enum(c, v[LK_ACTION], p, action_names, HS_CONFIG_ACL_ACTION_MAX, &act) == 0)
		l->action = (enum hs_config_acl_action)act;
	hs_cfg_path(p, path, "protocol");
	if (v[LK_PROTOCOL] != NULL)
		parse_proto(c, v[LK_PROTOCOL], p, l);
	hs_cfg_path(p, path, "source");
	if (v[LK_SOURCE] != NULL)
		hs_cfg_parse_endpoint(c, v[LK_SOURCE], p, &l->src);
	hs_cfg_path(p, path, "destination");
	if (v[LK_DESTINATION] != NULL)
		hs_cfg_parse_endpoint(c, v[LK_DESTINATION], p, &l->dst);
	hs_cfg_path(p, path, "source-port");
	if (v[LK_SPORT] != NULL)
		parse_ports(c, v[LK_SPORT], p, &l->sport_lo, &l->sport_hi);
	hs_cfg_path(p, path, "destination-port");
	if (v[LK_DPORT] != NULL)
		parse_ports(c, v[LK_DPORT], p, &l->dport_lo, &l->dport_hi);
	hs_cfg_path(p, path, "remark");
	if (v[LK_REMARK] != NULL)
		hs_cfg_text(c, v[LK_REMARK], p, l->remark, sizeof(l->remark));
	check_line(c, n, path, v, l);
}

static void
parse_acl(struct hs_cfg_ctx *c, const struct hs_cfg_node *key, const struct hs_cfg_node *val,
	struct hs_config_acl *acl)
{
	char path[HS_CFG_PATH_MAX], p[HS_CFG_PATH_MAX];
	int cnt;

	acl->mark = hs_cfg_mark(key);
	if (hs_cfg_name(c, key, "access-lists", acl->name) < 0)
		return;
	hs_cfg_path(path, "access-lists", acl->name);
	cnt = hs_cfg_seq(c, val, path);
	if (cnt == 0)
		hs_cfg_err(c, val, path, "access-list has no lines");
	if (cnt <= 0)
		return;
	acl->lines = hs_cfg_calloc(c, val, (size_t)cnt, sizeof(*acl->lines));
	if (acl->lines == NULL)
		return;
	acl->n_lines = (unsigned int)cnt;
	for (int i = 0; i < cnt; i++) {
		hs_cfg_path_idx(p, path, (unsigned int)i);
		parse_line(c, val->kids[i], p, &acl->lines[i]);
	}
}

void
hs_cfg_parse_acls(struct hs_cfg_ctx *c, const struct hs_cfg_node *n)
{
	struct hs_config *cfg = c->cfg;

	if (hs_cfg_is_null(n))
		return;
	if (n->type != HS_CFG_MAP) {
		hs_cfg_err(c, n, "access-lists",
			"expected a mapping of access-list names to lists of lines (got %s)",
			hs_cfg_type_name(n));
		return;
	}
	hs_cfg_dup_keys(c, n, "access-lists");
	cfg->acls = hs_cfg_calloc(c, n, n->n / 2, sizeof(*cfg->acls));
	for (uint32_t i = 0; cfg->acls != NULL && i + 1 < n->n; i += 2)
		parse_acl(c, n->kids[i], n->kids[i + 1], &cfg->acls[cfg->n_acls++]);
}
