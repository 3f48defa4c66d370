/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The running configuration, printed in the file's own YAML schema with
 * every default filled in and every reference resolved (what "show
 * running-config" shows). Secrets are printed as HS_CONFIG_SECRET_MASK.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "config_priv.h"

/* A double-quoted YAML string: \" \\ and unprintables escaped. */
static void
put_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(out, "\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			fprintf(out, "\\x%02x", ch);
		else
			fputc(ch, out);
	}
	fputc('"', out);
}

/* In a flow collection a plain scalar may not start with ':' ("::1"): quote those. */
static const char *
flow_safe(char *buf)
{
	size_t n = strlen(buf);

	if (buf[0] == ':' && n + 3 <= HS_ADDR_STRLEN) {
		memmove(buf + 1, buf, n + 1);
		buf[0] = '"';
		buf[n + 1] = '"';
		buf[n + 2] = '\0';
	}
	return buf;
}

static const char *
addr_str(const struct hs_addr *a, char *buf)
{
	hs_addr_format(a, buf, HS_ADDR_STRLEN);
	return flow_safe(buf);
}

static const char *
endpoint_str(const struct hs_prefix *p, char *buf)
{
	if (p->addr.family == 0)
		return "any";
	return hs_prefix_format(p, buf, HS_ADDR_STRLEN);
}

static void
put_ifaddrs(FILE *out, const char *key, const struct hs_config_ifaddr *a, unsigned int n)
{
	char buf[HS_ADDR_STRLEN];

	if (n == 0)
		return;
	fprintf(out, "    %s: [", key);
	for (unsigned int i = 0; i < n; i++) {
		hs_addr_format(&a[i].addr, buf, sizeof(buf));
		fprintf(out, "%s%s%s/%u%s", i > 0 ? ", " : "", buf[0] == ':' ? "\"" : "", buf,
			a[i].len, buf[0] == ':' ? "\"" : "");
	}
	fprintf(out, "]\n");
}

static void
dump_net(const struct hs_config *cfg, FILE *out)
{
	char buf[HS_ADDR_STRLEN];

	fprintf(out, "interfaces:%s\n", cfg->n_ifaces == 0 ? " []" : "");
	for (unsigned int i = 0; i < cfg->n_ifaces; i++) {
		const struct hs_config_interface *f = &cfg->ifaces[i];

		fprintf(out, "  - name: %s\n    port: ", f->name);
		put_str(out, f->port);
		fprintf(out, "\n    role: %s\n", hs_config_if_role_name(f->role));
		put_ifaddrs(out, "ipv4", f->ipv4, f->n_ipv4);
		put_ifaddrs(out, "ipv6", f->ipv6, f->n_ipv6);
		if (f->has_mac)
			fprintf(out, "    mac: %02x:%02x:%02x:%02x:%02x:%02x\n", f->mac[0],
				f->mac[1], f->mac[2], f->mac[3], f->mac[4], f->mac[5]);
		fprintf(out, "    mtu: %u\n", f->mtu);
	}
	fprintf(out, "routes:%s\n", cfg->n_routes == 0 ? " []" : "");
	for (unsigned int i = 0; i < cfg->n_routes; i++) {
		const struct hs_config_route *r = &cfg->routes[i];

		fprintf(out, "  - prefix: %s\n", hs_prefix_format(&r->prefix, buf, sizeof(buf)));
		if (r->next_hop.family != 0)
			fprintf(out, "    next-hop: %s\n", addr_str(&r->next_hop, buf));
		if (r->ifname[0] != '\0')
			fprintf(out, "    interface: %s\n", r->ifname);
	}
	fprintf(out, "neighbors:%s\n", cfg->n_neighbors == 0 ? " []" : "");
	for (unsigned int i = 0; i < cfg->n_neighbors; i++) {
		const struct hs_config_neighbor *nb = &cfg->neighbors[i];

		fprintf(out,
			"  - {address: %s, mac: %02x:%02x:%02x:%02x:%02x:%02x, interface: %s}\n",
			addr_str(&nb->addr, buf), nb->mac[0], nb->mac[1], nb->mac[2], nb->mac[3],
			nb->mac[4], nb->mac[5], nb->ifname);
	}
}

static void
put_ports(FILE *out, const char *key, uint16_t lo, uint16_t hi)
{
	if (lo == 0 && hi == 65535)
		return;
	if (lo == hi)
		fprintf(out, "      %s: %u\n", key, lo);
	else
		fprintf(out, "      %s: %u-%u\n", key, lo, hi);
}

static void
dump_acls(const struct hs_config *cfg, FILE *out)
{
	char buf[HS_ADDR_STRLEN];

	fprintf(out, "access-lists:%s\n", cfg->n_acls == 0 ? " {}" : "");
	for (unsigned int i = 0; i < cfg->n_acls; i++) {
		const struct hs_config_acl *a = &cfg->acls[i];

		fprintf(out, "  %s:\n", a->name);
		for (unsigned int k = 0; k < a->n_lines; k++) {
			const struct hs_config_acl_line *l = &a->lines[k];

			fprintf(out, "    - action: %s\n", hs_config_acl_action_name(l->action));
			fprintf(out, "      protocol: %s\n",
				hs_cfg_proto_name(l, buf, sizeof(buf)));
			fprintf(out, "      source: %s\n", endpoint_str(&l->src, buf));
			fprintf(out, "      destination: %s\n", endpoint_str(&l->dst, buf));
			put_ports(out, "source-port", l->sport_lo, l->sport_hi);
			put_ports(out, "destination-port", l->dport_lo, l->dport_hi);
			if (l->remark[0] != '\0') {
				fprintf(out, "      remark: ");
				put_str(out, l->remark);
				fputc('\n', out);
			}
		}
	}
}

static void
dump_crypto(const struct hs_config *cfg, FILE *out)
{
	fprintf(out, "transform-sets:%s\n", cfg->n_tsets == 0 ? " {}" : "");
	for (unsigned int i = 0; i < cfg->n_tsets; i++) {
		const struct hs_config_transform_set *t = &cfg->tsets[i];

		fprintf(out, "  %s:\n    esp: [%s", t->name,
			hs_cfg_transform_name(true, t->cipher));
		if (t->integ != HS_INTEG_NONE)
			fprintf(out, ", %s", hs_cfg_transform_name(false, t->integ));
		fprintf(out, "]\n    mode: tunnel\n");
	}
	fprintf(out, "ike-policies:%s\n", cfg->n_ike_policies == 0 ? " []" : "");
	for (unsigned int i = 0; i < cfg->n_ike_policies; i++) {
		const struct hs_config_ike_policy *p = &cfg->ike_policies[i];

		fprintf(out, "  - priority: %u\n    encryption: %s\n    hash: %s\n    group: %u\n"
			     "    authentication: %s\n    lifetime: %u\n",
			p->priority, hs_cipher_name(p->encryption),
			hs_config_ike_hash_name(p->hash), p->group,
			hs_config_ike_auth_name(p->auth), p->lifetime);
	}
}

/* Text inside a YAML double-quoted scalar. */
static void
put_quoted(const char *s, FILE *out)
{
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', out);
		fputc(*s, out);
	}
}

static void
dump_entry(const struct hs_config_crypto_entry *e, FILE *out)
{
	char buf[HS_ADDR_STRLEN];

	fprintf(out, "      - seq: %u\n        match-address: %s\n        peer: [", e->seq,
		e->acl_name);
	for (unsigned int k = 0; k < e->n_peers; k++)
		fprintf(out, "%s%s", k > 0 ? ", " : "", addr_str(&e->peers[k], buf));
	fprintf(out, "]\n        transform-sets: [");
	for (unsigned int k = 0; k < e->n_tsets; k++)
		fprintf(out, "%s%s", k > 0 ? ", " : "", e->tset_names[k]);
	fprintf(out, "]\n");
	if (e->pfs_group != 0)
		fprintf(out, "        pfs: group%u\n", e->pfs_group);
	else
		fprintf(out, "        pfs: none\n");
	fprintf(out, "        lifetime-seconds: %u\n        lifetime-kilobytes: %llu\n"
		     "        ike-version: %u\n        replay-window-size: %u\n"
		     "        esn: %s\n        nat-t: %s\n        df-bit: %s\n"
		     "        initiate: %s\n        child-sa: %s\n",
		e->lifetime_sec, (unsigned long long)e->lifetime_kb, e->ike_version,
		e->replay_window, e->esn ? "true" : "false", hs_config_natt_name(e->natt),
		hs_df_policy_name(e->df), e->initiate ? "true" : "false",
		e->child_per_line ? "per-acl-line" : "single");
	if (e->has_peer_id) {
		fprintf(out, "        peer-identity: \"%s:", hs_config_id_kind_name(e->peer_id.kind));
		put_quoted(e->peer_id.value, out);
		fprintf(out, "\"\n");
	}
}

static void
dump_maps(const struct hs_config *cfg, FILE *out)
{
	char buf[HS_ADDR_STRLEN];

	fprintf(out, "crypto-maps:%s\n", cfg->n_maps == 0 ? " {}" : "");
	for (unsigned int i = 0; i < cfg->n_maps; i++) {
		const struct hs_config_crypto_map *m = &cfg->maps[i];

		fprintf(out, "  %s:\n    interface: %s\n    entries:\n", m->name, m->ifname);
		for (unsigned int k = 0; k < m->n_entries; k++)
			dump_entry(&m->entries[k], out);
	}
	fprintf(out, "pre-shared-keys:%s\n", cfg->n_psks == 0 ? " []" : "");
	for (unsigned int i = 0; i < cfg->n_psks; i++) {
		const struct hs_config_psk *k = &cfg->psks[i];
		bool host = k->peer.len == (k->peer.addr.family == AF_INET ? 32 : 128);

		if (k->wildcard)
			fprintf(out, "  - peer: \"*\"\n");
		else if (host)
			fprintf(out, "  - peer: %s\n", addr_str(&k->peer.addr, buf));
		else
			fprintf(out, "  - peer: %s\n",
				hs_prefix_format(&k->peer, buf, sizeof(buf)));
		fprintf(out, "    key: \"%s\"\n", HS_CONFIG_SECRET_MASK);
	}
}

static void
dump_sa_dir(FILE *out, const char *dir, const struct hs_config_sa_keys *k)
{
	fprintf(out, "    %s: {spi: 0x%x, enc-key: \"%s\"%s%s%s}\n", dir, k->spi,
		HS_CONFIG_SECRET_MASK, k->has_auth_key ? ", auth-key: \"" : "",
		k->has_auth_key ? HS_CONFIG_SECRET_MASK : "", k->has_auth_key ? "\"" : "");
}

static void
dump_static(const struct hs_config *cfg, FILE *out)
{
	char buf[HS_ADDR_STRLEN];

	fprintf(out, "static-sas:%s\n", cfg->n_static_sas == 0 ? " []" : "");
	for (unsigned int i = 0; i < cfg->n_static_sas; i++) {
		const struct hs_config_static_sa *s = &cfg->static_sas[i];

		fprintf(out, "  - name: %s\n", s->name);
		if (s->map_name[0] != '\0')
			fprintf(out, "    crypto-map: %s\n    seq: %u\n", s->map_name, s->seq);
		if (s->acl_line != 0)
			fprintf(out, "    acl-line: %u\n", s->acl_line);
		fprintf(out, "    local-subnet: %s\n", endpoint_str(&s->sel.src, buf));
		fprintf(out, "    remote-subnet: %s\n", endpoint_str(&s->sel.dst, buf));
		fprintf(out, "    local-address: %s\n", addr_str(&s->local, buf));
		fprintf(out, "    peer: %s\n", addr_str(&s->peer, buf));
		fprintf(out, "    transform-set: %s\n", s->tset_name);
		dump_sa_dir(out, "inbound", &s->in);
		dump_sa_dir(out, "outbound", &s->out);
		fprintf(out, "    nat-t: %s\n", s->natt ? "true" : "false");
		if (s->natt)
			fprintf(out, "    nat-t-local-port: %u\n    nat-t-remote-port: %u\n",
				s->natt_local_port, s->natt_remote_port);
		fprintf(out, "    esn: %s\n    replay-window-size: %u\n    df-bit: %s\n",
			s->esn ? "true" : "false", s->replay_window, hs_df_policy_name(s->df));
	}
}

static void
dump_pki(const struct hs_config_pki *k, FILE *out)
{
	if (!k->present)
		return;
	fprintf(out, "pki:\n  certificate: \"");
	put_quoted(k->cert.path, out);
	fprintf(out, "\"\n  private-key: \"");
	put_quoted(k->key.path, out); /* the path only: the key is a secret */
	fprintf(out, "\"\n  ca-certificates: [");
	for (unsigned int i = 0; i < k->n_ca; i++) {
		fprintf(out, "%s\"", i > 0 ? ", " : "");
		put_quoted(k->ca[i].path, out);
		fputc('"', out);
	}
	fprintf(out, "]\n  identity: %s\n", hs_config_id_kind_name(k->identity));
}

static void
dump_autovpn(const struct hs_config_autovpn *av, FILE *out)
{
	char buf[HS_ADDR_STRLEN];

	if (!av->present)
		return;
	fprintf(out, "autovpn:\n  enabled: %s\n", av->enabled ? "true" : "false");
	if (av->has_role)
		fprintf(out, "  role: %s\n", hs_config_autovpn_role_name(av->role));
	fprintf(out, "  registry:%s\n", av->n_registry == 0 ? " []" : "");
	for (unsigned int i = 0; i < av->n_registry; i++) {
		const struct hs_config_registry *r = &av->registry[i];
		bool v6 = strchr(r->host, ':') != NULL;

		fprintf(out, "    - \"%s%s%s:%u", v6 ? "[" : "", r->host, v6 ? "]" : "",
			r->port_lo);
		if (r->port_hi != r->port_lo)
			fprintf(out, "-%u", r->port_hi);
		fprintf(out, "\"\n");
	}
	fprintf(out, "  hubs:%s\n", av->n_hubs == 0 ? " []" : "");
	for (unsigned int i = 0; i < av->n_hubs; i++) {
		const char *q = av->hubs[i].peer[0] == ':' ? "\"" : "";

		fprintf(out, "    - {peer: %s%s%s, priority: %u}\n", q, av->hubs[i].peer, q,
			av->hubs[i].priority);
	}
	fprintf(out, "  exported-subnets: [");
	for (unsigned int i = 0; i < av->n_subnets; i++) {
		hs_prefix_format(&av->subnets[i], buf, sizeof(buf));
		fprintf(out, "%s%s", i > 0 ? ", " : "", flow_safe(buf));
	}
	fprintf(out, "]\n  exit-hub: %s\n  full-tunnel: %s\n",
		av->exit_hub[0] != '\0' ? av->exit_hub : "none",
		av->full_tunnel ? "true" : "false");
}

void
hs_config_dump(const struct hs_config *cfg, FILE *out)
{
	if (cfg == NULL || out == NULL)
		return;
	fprintf(out, "# hubsec running configuration (from %s; secrets shown as %s)\n",
		cfg->path != NULL ? cfg->path : "?", HS_CONFIG_SECRET_MASK);
	fprintf(out, "hostname: %s\nlog-level: %s\n", cfg->hostname,
		hs_config_log_level_name(cfg->log_level));
	dump_net(cfg, out);
	dump_acls(cfg, out);
	dump_crypto(cfg, out);
	dump_maps(cfg, out);
	dump_static(cfg, out);
	dump_pki(&cfg->pki, out);
	dump_autovpn(&cfg->autovpn, out);
}
