/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Views of the configuration in use: "show access-list" (ASA layout, with
 * hitcnt per line), "clear access-list NAME counters", "show crypto map"
 * (IOS layout) and "show running-config" (the YAML dump, secrets masked).
 *
 * hitcnt is what the workers count per policy (one crypto-map ACL line in
 * one map entry). They count on outbound classification only, clear text
 * going inside -> outside (worker.c: outbound()); inbound clear text checked
 * against the reversed selectors and decrypted traffic are not counted, so a
 * line of the responder's ACL can show 0 while its tunnel carries traffic.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "dp_report.h"

/* An ACL line's text without the "extended " that ASA prints and IOS does not. */
#define ACL_TEXT_MAX 256
#define EXTENDED "extended "

/* Per-worker hits of one policy, without the console's baseline. */
/* True when the policy was built from a line of this ACL. */
static bool
policy_of(const struct hs_policy *p, const struct hs_config_acl *acl)
{
	return p->line_no >= 1 && p->line_no <= acl->n_lines &&
		p->line == &acl->lines[p->line_no - 1];
}

static bool
acl_used(const struct hs_config *cfg, const struct hs_config_acl *acl)
{
	for (unsigned int m = 0; m < cfg->n_maps; m++)
		for (unsigned int e = 0; e < cfg->maps[m].n_entries; e++)
			if (cfg->maps[m].entries[e].acl == acl)
				return true;
	return false;
}

/*
 * hits[k] = hitcnt of line k + 1: the sum over every policy made from it
 * (an ACL matched by two map entries has two policies per line).
 */
static void
acl_hits(const struct hs_dp *dp, const struct hs_console *c, const struct hs_config_acl *acl,
	uint64_t *hits)
{
	const struct hs_tables *t = atomic_load(&dp->tables);

	memset(hits, 0, acl->n_lines * sizeof(*hits));
	for (uint32_t i = 0; t != NULL && i < t->n_policies; i++)
		if (policy_of(&t->policies[i], acl))
			hits[t->policies[i].line_no - 1] += hs_cli_policy_hits(dp, c, i);
}

static void
acl_text(FILE *f, const struct hs_config_acl *acl, bool used, const uint64_t *hits)
{
	fprintf(f, "access-list %s; %u elements%s\n", acl->name, acl->n_lines,
		used ? "" : " (not used by a crypto map)");
	for (unsigned int k = 0; k < acl->n_lines; k++) {
		const struct hs_config_acl_line *l = &acl->lines[k];

		if (l->remark[0] != '\0')
			fprintf(f, "access-list %s line %u remark %s\n", acl->name, k + 1,
				l->remark);
		fprintf(f, "access-list %s line %u ", acl->name, k + 1);
		hs_cli_fmt_acl_line(f, l);
		fprintf(f, " (hitcnt=%" PRIu64 ")\n", hits[k]);
	}
}

/* "any", or the prefix in CIDR form. */
static const char *
prefix_str(const struct hs_prefix *p, char *buf, size_t len)
{
	if (p->addr.family == 0)
		return "any";
	return hs_prefix_format(p, buf, len);
}

/* "any", "80" or "1000-2000". */
static const char *
ports_str(uint16_t lo, uint16_t hi, char *buf, size_t len)
{
	if (lo == 0 && hi == UINT16_MAX)
		return "any";
	if (lo == hi)
		snprintf(buf, len, "%u", lo);
	else
		snprintf(buf, len, "%u-%u", lo, hi);
	return buf;
}

static void
line_json(struct hs_json *j, const struct hs_config_acl_line *l, unsigned int no, uint64_t hits)
{
	char b[HS_ADDR_STRLEN];

	hs_json_obj_open(j, NULL);
	hs_json_u64(j, "line", no);
	hs_json_str(j, "action", hs_config_acl_action_name(l->action));
	hs_json_str(j, "protocol", hs_cfg_proto_name(l, b, sizeof(b)));
	hs_json_str(j, "source", prefix_str(&l->src, b, sizeof(b)));
	hs_json_str(j, "destination", prefix_str(&l->dst, b, sizeof(b)));
	hs_json_str(j, "source_port", ports_str(l->sport_lo, l->sport_hi, b, sizeof(b)));
	hs_json_str(j, "destination_port", ports_str(l->dport_lo, l->dport_hi, b, sizeof(b)));
	if (l->remark[0] != '\0')
		hs_json_str(j, "remark", l->remark);
	else
		hs_json_null(j, "remark");
	hs_json_u64(j, "hitcnt", hits);
	hs_json_close(j);
}

static void
acl_json(struct hs_json *j, const struct hs_config_acl *acl, bool used, const uint64_t *hits)
{
	hs_json_obj_open(j, NULL);
	hs_json_str(j, "name", acl->name);
	hs_json_u64(j, "elements", acl->n_lines);
	hs_json_bool(j, "used", used);
	hs_json_arr_open(j, "lines");
	for (unsigned int k = 0; k < acl->n_lines; k++)
		line_json(j, &acl->lines[k], k + 1, hits[k]);
	hs_json_close(j);
	hs_json_close(j);
}

/* One ACL in o's format; hits is scratch space for the longest ACL. */
static void
acl_show(struct hs_dp *dp, struct hs_console *c, const struct hs_config_acl *acl,
	struct hs_cli_out *o, uint64_t *hits)
{
	bool used = acl_used(dp->cfg, acl);

	acl_hits(dp, c, acl, hits);
	if (o->json)
		acl_json(&o->j, acl, used, hits);
	else
		acl_text(o->f, acl, used, hits);
}

/* Every ACL (only is NULL) or one. */
static int
acls_show(struct hs_dp *dp, struct hs_console *c, const struct hs_config_acl *only,
	struct hs_cli_out *o)
{
	const struct hs_config *cfg = dp->cfg;
	unsigned int most = 1;
	uint64_t *hits;

	for (unsigned int i = 0; i < cfg->n_acls; i++)
		if (cfg->acls[i].n_lines > most)
			most = cfg->acls[i].n_lines;
	hits = calloc(most, sizeof(*hits));
	if (hits == NULL) {
		fprintf(o->f, "%% out of memory\n");
		return -ENOMEM;
	}
	if (o->json) {
		hs_json_obj_open(&o->j, NULL);
		hs_json_arr_open(&o->j, "access_lists");
	} else if (only == NULL && cfg->n_acls == 0) {
		fprintf(o->f, "No access lists configured\n");
	}
	for (unsigned int i = 0; i < cfg->n_acls; i++)
		if (only == NULL || only == &cfg->acls[i])
			acl_show(dp, c, &cfg->acls[i], o, hits);
	if (o->json) {
		hs_json_close(&o->j);
		hs_json_close(&o->j);
	}
	free(hits);
	return 0;
}

int
hs_cli_show_access_list(struct hs_dp *dp, struct hs_console *c, const struct hs_cli_args *a,
	struct hs_cli_out *o)
{
	(void)a;
	return acls_show(dp, c, NULL, o);
}

static const struct hs_config_acl *
acl_find(const struct hs_dp *dp, const char *name, FILE *f)
{
	const struct hs_config_acl *acl = hs_config_find_acl(dp->cfg, name);

	if (acl == NULL)
		fprintf(f, "%% access-list %s not found\n", name);
	return acl;
}

int
hs_cli_show_access_list_name(struct hs_dp *dp, struct hs_console *c,
	const struct hs_cli_args *a, struct hs_cli_out *o)
{
	const struct hs_config_acl *acl = acl_find(dp, a->v[0], o->f);

	if (acl == NULL)
		return -ENOENT;
	return acls_show(dp, c, acl, o);
}

/*
 * The baseline becomes the current raw sum, so hs_cli_policy_hits() reads 0
 * for every policy made from this ACL; the workers' counters stay as they are.
 */
int
hs_cli_clear_access_list(struct hs_dp *dp, struct hs_console *c, const struct hs_cli_args *a,
	struct hs_cli_out *o)
{
	const struct hs_config_acl *acl = acl_find(dp, a->v[0], o->f);
	const struct hs_tables *t = atomic_load(&dp->tables);

	if (acl == NULL)
		return -ENOENT;
	hs_cli_policy_base_sync(dp, c);
	for (uint32_t i = 0; t != NULL && i < t->n_policies && i < HS_POLICIES_MAX; i++)
		if (policy_of(&t->policies[i], acl))
			c->base.policy[i] = hs_report_policy_hits(dp, i);
	return 0;
}

/* "permit ip 192.168.100.0 255.255.255.0 172.16.10.0 255.255.255.0" (IOS has no "extended"). */
static const char *
acl_line_str(const struct hs_config_acl_line *l, char *buf, size_t len)
{
	FILE *m = fmemopen(buf, len, "w");

	buf[0] = '\0';
	if (m == NULL)
		return buf;
	hs_cli_fmt_acl_line(m, l);
	fclose(m);
	buf[len - 1] = '\0';
	if (strncmp(buf, EXTENDED, strlen(EXTENDED)) == 0)
		return buf + strlen(EXTENDED);
	return buf;
}

/*
 * IOS calls an entry keyed by hand "ipsec-manual". Ours is when a static SA
 * names it for each of its permit lines (a static SA without acl-line takes
 * the ACL's only permit line); any line left over is negotiated by IKE.
 */
static bool
line_static(const struct hs_config *cfg, const struct hs_config_crypto_entry *e,
	unsigned int line_no, bool only_permit)
{
	for (unsigned int i = 0; i < cfg->n_static_sas; i++) {
		const struct hs_config_static_sa *s = &cfg->static_sas[i];

		if (s->entry == e && (s->acl_line == line_no || (s->acl_line == 0 && only_permit)))
			return true;
	}
	return false;
}

static bool
entry_manual(const struct hs_config *cfg, const struct hs_config_crypto_entry *e)
{
	unsigned int permits = 0, covered = 0;

	for (unsigned int k = 0; e->acl != NULL && k < e->acl->n_lines; k++)
		permits += e->acl->lines[k].action == HS_CONFIG_ACL_PERMIT;
	for (unsigned int k = 0; e->acl != NULL && k < e->acl->n_lines; k++)
		if (e->acl->lines[k].action == HS_CONFIG_ACL_PERMIT)
			covered += line_static(cfg, e, k + 1, permits == 1);
	return permits > 0 && covered == permits;
}

static void
tsets_text(FILE *f, const struct hs_config_crypto_entry *e)
{
	fprintf(f, "\tTransform sets={ \n");
	for (unsigned int i = 0; i < e->n_tsets; i++) {
		const struct hs_config_transform_set *t = e->tsets[i];

		if (t == NULL)
			continue;
		fprintf(f, "\t\t%s:  { %s ", t->name, hs_cli_cipher_name(t->cipher));
		if (t->integ != HS_INTEG_NONE)
			fprintf(f, "%s ", hs_cli_integ_name(t->integ));
		fprintf(f, " } , \n");
	}
	fprintf(f, "\t}\n");
}

static void
entry_text(FILE *f, const struct hs_config *cfg, const struct hs_config_crypto_map *map,
	const struct hs_config_crypto_entry *e)
{
	char b[ACL_TEXT_MAX];

	fprintf(f, "Crypto Map \"%s\" %u %s\n", map->name, e->seq,
		entry_manual(cfg, e) ? "ipsec-manual" : "ipsec-isakmp");
	for (unsigned int i = 0; i < e->n_peers; i++)
		fprintf(f, "\tPeer = %s\n", hs_addr_format(&e->peers[i], b, sizeof(b)));
	fprintf(f, "\tExtended IP access list %s\n", e->acl_name);
	for (unsigned int k = 0; e->acl != NULL && k < e->acl->n_lines; k++)
		fprintf(f, "\t    access-list %s %s\n", e->acl_name,
			acl_line_str(&e->acl->lines[k], b, sizeof(b)));
	fprintf(f, "\tSecurity association lifetime: %" PRIu64 " kilobytes/%u seconds\n",
		e->lifetime_kb, e->lifetime_sec);
	fprintf(f, "\tPFS (Y/N): %s\n", e->pfs_group != 0 ? "Y" : "N");
	if (e->pfs_group != 0)
		fprintf(f, "\tDH group:  group%u\n", e->pfs_group);
	fprintf(f, "\tIKE version: IKEv%u\n", e->ike_version);
	fprintf(f, "\tReplay window size: %u%s\n", e->replay_window,
		e->replay_window == 0 ? " (anti-replay off)" : "");
	fprintf(f, "\tESN: %s\n", e->esn ? "Y" : "N");
	fprintf(f, "\tNAT-T: %s\n", hs_config_natt_name(e->natt));
	fprintf(f, "\tDF bit: %s\n", hs_df_policy_name(e->df));
	tsets_text(f, e);
	fprintf(f, "\tInterfaces using crypto map %s:\n\t\t%s\n\n", map->name, map->ifname);
}

static void
tsets_json(struct hs_json *j, const struct hs_config_crypto_entry *e)
{
	hs_json_arr_open(j, "transform_sets");
	for (unsigned int i = 0; i < e->n_tsets; i++) {
		const struct hs_config_transform_set *t = e->tsets[i];

		if (t == NULL)
			continue;
		hs_json_obj_open(j, NULL);
		hs_json_str(j, "name", t->name);
		hs_json_arr_open(j, "esp");
		hs_json_str(j, NULL, hs_cli_cipher_name(t->cipher));
		if (t->integ != HS_INTEG_NONE)
			hs_json_str(j, NULL, hs_cli_integ_name(t->integ));
		hs_json_close(j);
		hs_json_close(j);
	}
	hs_json_close(j);
}

static void
entry_json(struct hs_json *j, const struct hs_config *cfg, const struct hs_config_crypto_entry *e)
{
	char b[ACL_TEXT_MAX];

	hs_json_obj_open(j, NULL);
	hs_json_u64(j, "seq", e->seq);
	hs_json_str(j, "type", entry_manual(cfg, e) ? "ipsec-manual" : "ipsec-isakmp");
	hs_json_arr_open(j, "peers");
	for (unsigned int i = 0; i < e->n_peers; i++)
		hs_json_str(j, NULL, hs_addr_format(&e->peers[i], b, sizeof(b)));
	hs_json_close(j);
	hs_json_str(j, "access_list", e->acl_name);
	hs_json_arr_open(j, "acl_lines");
	for (unsigned int k = 0; e->acl != NULL && k < e->acl->n_lines; k++)
		hs_json_str(j, NULL, acl_line_str(&e->acl->lines[k], b, sizeof(b)));
	hs_json_close(j);
	hs_json_u64(j, "lifetime_kilobytes", e->lifetime_kb);
	hs_json_u64(j, "lifetime_seconds", e->lifetime_sec);
	hs_json_bool(j, "pfs", e->pfs_group != 0);
	if (e->pfs_group != 0)
		hs_json_u64(j, "pfs_group", e->pfs_group);
	else
		hs_json_null(j, "pfs_group");
	hs_json_u64(j, "ike_version", e->ike_version);
	hs_json_u64(j, "replay_window", e->replay_window);
	hs_json_bool(j, "esn", e->esn);
	hs_json_str(j, "nat_t", hs_config_natt_name(e->natt));
	hs_json_str(j, "df_bit", hs_df_policy_name(e->df));
	hs_json_bool(j, "initiate", e->initiate);
	tsets_json(j, e);
	hs_json_close(j);
}

static void
maps_json(struct hs_json *j, const struct hs_config *cfg)
{
	hs_json_obj_open(j, NULL);
	hs_json_arr_open(j, "crypto_maps");
	for (unsigned int m = 0; m < cfg->n_maps; m++) {
		const struct hs_config_crypto_map *map = &cfg->maps[m];

		hs_json_obj_open(j, NULL);
		hs_json_str(j, "name", map->name);
		hs_json_str(j, "interface", map->ifname);
		hs_json_arr_open(j, "entries");
		for (unsigned int e = 0; e < map->n_entries; e++)
			entry_json(j, cfg, &map->entries[e]);
		hs_json_close(j);
		hs_json_close(j);
	}
	hs_json_close(j);
	hs_json_close(j);
}

int
hs_cli_show_crypto_map(struct hs_dp *dp, struct hs_console *c, const struct hs_cli_args *a,
	struct hs_cli_out *o)
{
	const struct hs_config *cfg = dp->cfg;

	(void)c;
	(void)a;
	if (o->json) {
		maps_json(&o->j, cfg);
		return 0;
	}
	if (cfg->n_maps == 0)
		fprintf(o->f, "No crypto maps configured\n");
	for (unsigned int m = 0; m < cfg->n_maps; m++)
		for (unsigned int e = 0; e < cfg->maps[m].n_entries; e++)
			entry_text(o->f, cfg, &cfg->maps[m], &cfg->maps[m].entries[e]);
	return 0;
}

/* Text only (the command table has no json for it): the dump is already YAML. */
int
hs_cli_show_running_config(struct hs_dp *dp, struct hs_console *c, const struct hs_cli_args *a,
	struct hs_cli_out *o)
{
	(void)c;
	(void)a;
	hs_config_dump(dp->cfg, o->f);
	return 0;
}
