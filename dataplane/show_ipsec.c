/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * show crypto ipsec sa [detail | peer ADDR | map NAME] [json], and clear
 * crypto sa [peer ADDR]. The text follows Cisco ASA's layout (seed 003) so
 * that an operator's eyes and scripts find the same lines: one block per
 * crypto-map entry, ACL line and peer, then its inbound and outbound ESP
 * SAs. Lines Cisco prints for features hubsec does not have (compression,
 * fragmentation, PMTU) are left out rather than filled with made-up zeros.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_cycles.h>

#include "console.h"

/* What a view shows. */
struct ipsec_view {
	bool detail;
	const char *map;  /* NULL: every map */
	struct hs_addr peer; /* family 0: every peer */
};

/* A crypto map's name for the views: "-" for an SA installed without one. */
static const char *
map_name(const char *m)
{
	return m != NULL && m[0] != '\0' ? m : "-";
}

/* ---- collecting ---- */

static void
collect_one(const struct hs_sa *sa, const struct hs_sad_info *info, void *arg)
{
	struct hs_cli_sas *s = arg;

	if (s->n == s->cap) {
		uint32_t cap = s->cap != 0 ? 2 * s->cap : 64;
		struct hs_cli_sa *v = realloc(s->v, cap * sizeof(*v));

		if (v == NULL)
			return; /* counted below: n stays short of what the SAD holds */
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = (struct hs_cli_sa){ .sa = sa, .info = *info };
}

static int
cmp_group(const struct hs_cli_sa *a, const struct hs_cli_sa *b)
{
	int r = strcmp(a->info.map != NULL ? a->info.map : "", b->info.map != NULL ? b->info.map : "");

	if (r != 0)
		return r;
	if (a->info.seq != b->info.seq)
		return a->info.seq < b->info.seq ? -1 : 1;
	if (a->info.acl_line != b->info.acl_line)
		return a->info.acl_line < b->info.acl_line ? -1 : 1;
	if (a->info.peer.family != b->info.peer.family)
		return a->info.peer.family < b->info.peer.family ? -1 : 1;
	return memcmp(a->info.peer.bytes, b->info.peer.bytes, sizeof(a->info.peer.bytes));
}

static int
cmp_sa(const void *x, const void *y)
{
	const struct hs_cli_sa *a = x, *b = y;
	int r = cmp_group(a, b);

	if (r != 0)
		return r;
	if (a->info.dir != b->info.dir)
		return a->info.dir < b->info.dir ? -1 : 1; /* inbound first, as Cisco */
	if (a->info.install_tsc != b->info.install_tsc)
		return a->info.install_tsc < b->info.install_tsc ? -1 : 1;
	return 0;
}

int
hs_cli_sas_collect(const struct hs_dp *dp, struct hs_cli_sas *s)
{
	*s = (struct hs_cli_sas){ .v = NULL };
	hs_sad_walk(dp, collect_one, s);
	if (s->n > 0)
		qsort(s->v, s->n, sizeof(*s->v), cmp_sa);
	return 0;
}

void
hs_cli_sas_free(struct hs_cli_sas *s)
{
	free(s->v);
	*s = (struct hs_cli_sas){ .v = NULL };
}

uint32_t
hs_cli_sas_group_end(const struct hs_cli_sas *s, uint32_t i)
{
	uint32_t end = i + 1;

	while (end < s->n && cmp_group(&s->v[i], &s->v[end]) == 0)
		end++;
	return end;
}

uint64_t
hs_cli_sa_idle_s(const struct hs_dp *dp, const struct hs_sa *sa)
{
	uint64_t used = sa->stats.last_used, now = rte_rdtsc();

	if (used == 0)
		return UINT64_MAX;
	return used < now && dp->tsc_hz != 0 ? (now - used) / dp->tsc_hz : 0;
}

/* ---- one group: a crypto-map entry's ACL line with one peer ---- */

struct group {
	const struct hs_cli_sa *v;
	uint32_t n;
	const struct hs_config_crypto_map *map;
	const struct hs_config_crypto_entry *entry;
	const struct hs_sa *cur_in, *cur_out; /* newest of each direction */
	uint64_t encaps, decaps;
	uint64_t err_out[HS_DROP_MAX], err_in[HS_DROP_MAX];
	uint64_t send_errors, recv_errors;
};

static void
group_fill(const struct hs_dp *dp, struct group *g, const struct hs_cli_sa *v, uint32_t n)
{
	*g = (struct group){ .v = v, .n = n };
	for (unsigned int i = 0; i < dp->cfg->n_maps && v->info.map != NULL; i++) {
		const struct hs_config_crypto_map *m = &dp->cfg->maps[i];

		if (strcmp(m->name, v->info.map) != 0)
			continue;
		g->map = m;
		for (unsigned int e = 0; e < m->n_entries; e++)
			if (m->entries[e].seq == v->info.seq)
				g->entry = &m->entries[e];
	}
	for (uint32_t i = 0; i < n; i++) {
		const struct hs_sa *sa = v[i].sa;
		bool in = v[i].info.dir == HS_SA_IN;
		uint64_t *err = in ? g->err_in : g->err_out;

		if (in) {
			g->decaps += sa->stats.packets;
			g->cur_in = sa; /* sorted oldest first: the last is the newest */
		} else {
			g->encaps += sa->stats.packets;
			g->cur_out = sa;
		}
		for (int r = 0; r < HS_DROP_MAX; r++) {
			err[r] += sa->stats.errors[r];
			*(in ? &g->recv_errors : &g->send_errors) += sa->stats.errors[r];
		}
	}
}

/* The SA whose cfg describes the tunnel (either direction will do for most fields). */
static const struct hs_sa *
group_sa(const struct group *g)
{
	return g->cur_out != NULL ? g->cur_out : g->cur_in;
}

static const char *
ifname(const struct group *g)
{
	return g->map != NULL ? g->map->ifname : "-";
}

static uint16_t
path_mtu(const struct hs_dp *dp, const struct group *g)
{
	int p = g->map != NULL ? hs_port_index(dp, g->map->ifname) : -1;

	return p >= 0 ? dp->ports[p].mtu : 0;
}

/* Largest ESP overhead (full padding), with and without the outer IP (+UDP) header. */
static void
overhead(const struct hs_sa *sa, unsigned int *all, unsigned int *esp)
{
	*esp = 8u + sa->rt.iv_len + (sa->rt.pad_align - 1u) + 2u + sa->rt.icv_len;
	*all = *esp + sa->rt.outer_len;
}

/* The ACL lines a group stands for: its own line, or every permit line (acl_line 0). */
static void
acl_lines(FILE *f, const struct group *g)
{
	const struct hs_config_acl *acl = g->entry != NULL ? g->entry->acl : NULL;
	uint32_t line = g->v[0].info.acl_line;

	if (acl == NULL)
		return;
	for (unsigned int i = 0; i < acl->n_lines; i++) {
		if (line != 0 ? i + 1 != line : acl->lines[i].action != HS_CONFIG_ACL_PERMIT)
			continue;
		fprintf(f, "      access-list %s ", acl->name);
		hs_cli_fmt_acl_line(f, &acl->lines[i]);
		fputc('\n', f);
	}
}

/* Selectors: the inbound SA's (negotiated), else the ACL line's. */
static void
idents(FILE *f, const struct group *g)
{
	const struct hs_cli_sa *in = NULL;

	for (uint32_t i = 0; i < g->n; i++)
		if (g->v[i].info.dir == HS_SA_IN && g->v[i].info.n_ts > 0)
			in = &g->v[i];
	if (in == NULL)
		return;
	for (uint8_t k = 0; k < in->info.n_ts; k++) {
		const struct hs_msg_ts *ts = &in->info.ts[k];

		fprintf(f, "      local ident (addr/mask/prot/port): ");
		hs_cli_fmt_ident(f, &ts->local, ts->proto, ts->lport_lo, ts->lport_hi);
		fprintf(f, "\n      remote ident (addr/mask/prot/port): ");
		hs_cli_fmt_ident(f, &ts->remote, ts->proto, ts->rport_lo, ts->rport_hi);
		fputc('\n', f);
	}
}

static void
errors_text(FILE *f, const char *dir, const uint64_t err[], bool all)
{
	for (int r = 0; r < HS_DROP_MAX; r++)
		if (all || err[r] != 0)
			fprintf(f, "      #%s %s: %" PRIu64 "\n", dir, hs_drop_name(r), err[r]);
}

static void
endpoints(FILE *f, const struct hs_sa *sa)
{
	char l[HS_ADDR_STRLEN], r[HS_ADDR_STRLEN];

	hs_addr_format(&sa->cfg.tun_src, l, sizeof(l));
	hs_addr_format(&sa->cfg.tun_dst, r, sizeof(r));
	if (sa->rt.dir == HS_SA_IN) { /* inbound: src is the peer */
		hs_addr_format(&sa->cfg.tun_dst, l, sizeof(l));
		hs_addr_format(&sa->cfg.tun_src, r, sizeof(r));
	}
	if (sa->cfg.natt) {
		uint16_t lp = sa->cfg.natt_sport ? sa->cfg.natt_sport : 4500;
		uint16_t rp = sa->cfg.natt_dport ? sa->cfg.natt_dport : 4500;

		if (sa->rt.dir == HS_SA_IN) {
			uint16_t t = lp;

			lp = rp;
			rp = t;
		}
		fprintf(f, "      local crypto endpt.: %s/%u, remote crypto endpt.: %s/%u\n", l, lp,
			r, rp);
	} else {
		fprintf(f, "      local crypto endpt.: %s, remote crypto endpt.: %s\n", l, r);
	}
}

static const char *
df_name(enum hs_df_policy d)
{
	return d == HS_DF_SET ? "set-df" : d == HS_DF_CLEAR ? "clear-df" : "copy-df";
}

static void
state_lower(const struct hs_sa *sa, char *buf, size_t len)
{
	const char *s = hs_sa_state_name(sa->rt.state);
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < len; i++)
		buf[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]);
	buf[i] = '\0';
}

static void
settings(FILE *f, const struct hs_cli_sa *r)
{
	const struct hs_sa *sa = r->sa;

	fprintf(f, "{L2L, Tunnel, ");
	if (r->info.pfs_group != 0)
		fprintf(f, "PFS Group %u, ", r->info.pfs_group);
	switch (r->info.origin) {
	case HS_SA_ORIGIN_IKEV1:
		fprintf(f, "IKEv1, ");
		break;
	case HS_SA_ORIGIN_IKEV2:
		fprintf(f, "IKEv2, ");
		break;
	default:
		fprintf(f, "Manual key (%s), ", hs_sa_origin_name(r->info.origin));
		break;
	}
	if (sa->cfg.natt)
		fprintf(f, "NAT-T-Encaps, ");
	if (sa->cfg.esn)
		fprintf(f, "ESN, ");
	fputc('}', f);
}

/* Remaining hard lifetime: kB (volume) and seconds; false when the SA has neither. */
static bool
remaining(const struct hs_dp *dp, const struct hs_cli_sa *r, uint64_t *kb, uint64_t *sec,
	bool *has_kb, bool *has_sec)
{
	const struct hs_sa *sa = r->sa;
	uint64_t age = hs_cli_age_s(dp, r->info.install_tsc);

	*has_kb = sa->rt.limit.hard_bytes != 0;
	*has_sec = r->info.lifetime_hard_sec != 0;
	*kb = *has_kb && sa->rt.limit.hard_bytes > sa->stats.bytes ?
		(sa->rt.limit.hard_bytes - sa->stats.bytes) / 1024 : 0;
	*sec = *has_sec && r->info.lifetime_hard_sec > age ? r->info.lifetime_hard_sec - age : 0;
	return *has_kb || *has_sec;
}

/* The window as 32-bit words, oldest first, the newest packet in the lowest bit. */
static unsigned int
bitmap_words(const struct hs_sa *sa, uint32_t words[], unsigned int max)
{
	uint8_t b[HS_REPLAY_WINDOW_MAX / 8];
	size_t n = hs_replay_bitmap(&sa->replay, b, sizeof(b));
	unsigned int nw = (unsigned int)((n + 3) / 4);

	if (nw > max)
		nw = max;
	for (unsigned int k = 0; k < nw; k++) {
		uint32_t w = 0;

		for (unsigned int j = 0; j < 4 && 4 * k + j < n; j++)
			w |= (uint32_t)b[4 * k + j] << (8 * j);
		words[nw - 1 - k] = w;
	}
	return nw;
}

static void
sa_text(const struct hs_dp *dp, FILE *f, const struct hs_cli_sa *r, bool detail)
{
	const struct hs_sa *sa = r->sa;
	uint32_t words[HS_REPLAY_WINDOW_MAX / 32];
	uint64_t kb, sec;
	bool has_kb, has_sec;
	char st[16];

	state_lower(sa, st, sizeof(st));
	fprintf(f, "      spi: 0x%08" PRIX32 " (%" PRIu32 ")\n", sa->rt.spi, sa->rt.spi);
	fprintf(f, "         SA State: %s\n", st);
	fprintf(f, "         transform: %s", hs_cli_cipher_name(sa->cfg.cipher));
	if (sa->cfg.integ != HS_INTEG_NONE)
		fprintf(f, " %s", hs_cli_integ_name(sa->cfg.integ));
	fprintf(f, " no compression\n         in use settings =");
	settings(f, r);
	fprintf(f, "\n         slot: %" PRIu32 ", worker: %u, crypto-map: %s\n", r->info.slot,
		r->info.owner, map_name(r->info.map));
	if (remaining(dp, r, &kb, &sec, &has_kb, &has_sec)) {
		fprintf(f, "         sa timing: remaining key lifetime (kB/sec): (");
		fprintf(f, has_kb ? "%" PRIu64 "/" : "-/", kb);
		fprintf(f, has_sec ? "%" PRIu64 ")\n" : "-)\n", sec);
	} else {
		fprintf(f, "         sa timing: remaining key lifetime (kB/sec): (not applicable)\n");
	}
	fprintf(f, "         IV size: %u bytes\n", sa->rt.iv_len);
	fprintf(f, "         replay detection support: %s\n", sa->cfg.replay_window ? "Y" : "N");
	if (r->info.dir == HS_SA_IN && sa->cfg.replay_window != 0) {
		unsigned int nw = bitmap_words(sa, words, HS_ARRAY_SIZE(words));

		fprintf(f, "         Anti replay bitmap: ");
		for (unsigned int k = 0; k < nw; k++)
			fprintf(f, "%s0x%08" PRIX32, k % 8 == 0 ? "\n          " : " ", words[k]);
		fputc('\n', f);
	}
	if (!detail)
		return;
	fprintf(f, "         packets: %" PRIu64 ", bytes: %" PRIu64 ", esp bytes: %" PRIu64 "\n",
		sa->stats.packets, sa->stats.bytes, sa->stats.esp_bytes);
	fprintf(f, "         %s sequence number: %" PRIu64 "\n",
		r->info.dir == HS_SA_IN ? "highest received" : "last sent",
		r->info.dir == HS_SA_IN ? sa->replay.top : sa->seq);
	if (hs_cli_sa_idle_s(dp, sa) == UINT64_MAX)
		fprintf(f, "         last used: never, age: %" PRIu64 " s\n",
			hs_cli_age_s(dp, r->info.install_tsc));
	else
		fprintf(f, "         last used: %" PRIu64 " s ago, age: %" PRIu64 " s\n",
			hs_cli_sa_idle_s(dp, sa), hs_cli_age_s(dp, r->info.install_tsc));
}

static void
group_text(const struct hs_dp *dp, FILE *f, const struct group *g, bool detail)
{
	const struct hs_sa *sa = group_sa(g);
	char peer[HS_ADDR_STRLEN], local[HS_ADDR_STRLEN];
	unsigned int all, esp;

	hs_addr_format(&g->v[0].info.peer, peer, sizeof(peer));
	hs_addr_format(sa->rt.dir == HS_SA_OUT ? &sa->cfg.tun_src : &sa->cfg.tun_dst, local,
		sizeof(local));
	fprintf(f, "    Crypto map tag: %s, seq num: %" PRIu32 ", local addr: %s\n\n",
		map_name(g->v[0].info.map), g->v[0].info.seq, local);
	acl_lines(f, g);
	idents(f, g);
	fprintf(f, "      current_peer: %s\n\n", peer);
	fprintf(f, "      #pkts encaps: %" PRIu64 ", #pkts encrypt: %" PRIu64
		   ", #pkts digest: %" PRIu64 "\n", g->encaps, g->encaps, g->encaps);
	fprintf(f, "      #pkts decaps: %" PRIu64 ", #pkts decrypt: %" PRIu64
		   ", #pkts verify: %" PRIu64 "\n", g->decaps, g->decaps, g->decaps);
	fprintf(f, "      #pkts compressed: 0, #pkts decompressed: 0\n");
	fprintf(f, "      #pkts not compressed: %" PRIu64 "\n", g->encaps);
	fprintf(f, "      #send errors: %" PRIu64 ", #recv errors: %" PRIu64 "\n",
		g->send_errors, g->recv_errors);
	errors_text(f, "send", g->err_out, detail);
	errors_text(f, "recv", g->err_in, detail);
	fputc('\n', f);
	endpoints(f, sa);
	overhead(sa, &all, &esp);
	fprintf(f, "      path mtu %u, ipsec overhead %u(%u), media mtu %u\n", path_mtu(dp, g), all,
		esp, path_mtu(dp, g));
	fprintf(f, "      DF policy: %s\n", df_name(sa->cfg.df));
	fprintf(f, "      ICMP error validation: disabled, TFC packets: disabled\n");
	if (g->cur_out != NULL)
		fprintf(f, "      current outbound spi: %08" PRIX32 "\n", g->cur_out->rt.spi);
	if (g->cur_in != NULL)
		fprintf(f, "      current inbound spi : %08" PRIX32 "\n", g->cur_in->rt.spi);
	for (int dir = HS_SA_IN; dir <= HS_SA_OUT; dir++) {
		fprintf(f, "\n    %s esp sas:\n", dir == HS_SA_IN ? "inbound" : "outbound");
		for (uint32_t i = 0; i < g->n; i++)
			if (g->v[i].info.dir == dir)
				sa_text(dp, f, &g->v[i], detail);
	}
	fputc('\n', f);
}

/* ---- JSON ---- */

static void
sa_json(const struct hs_dp *dp, struct hs_json *j, const struct hs_cli_sa *r)
{
	const struct hs_sa *sa = r->sa;
	uint32_t words[HS_REPLAY_WINDOW_MAX / 32];
	uint64_t kb, sec, idle = hs_cli_sa_idle_s(dp, sa);
	bool has_kb, has_sec;
	char st[16];

	state_lower(sa, st, sizeof(st));
	hs_json_obj_open(j, NULL);
	hs_json_u64(j, "spi", sa->rt.spi);
	hs_json_strf(j, "spi_hex", "0x%08" PRIX32, sa->rt.spi);
	hs_json_str(j, "state", st);
	hs_json_str(j, "cipher", hs_cipher_name(sa->cfg.cipher));
	hs_json_str(j, "integrity", hs_integ_name(sa->cfg.integ));
	hs_json_str(j, "origin", hs_sa_origin_name(r->info.origin));
	hs_json_u64(j, "pfs_group", r->info.pfs_group);
	hs_json_bool(j, "natt", sa->cfg.natt);
	hs_json_bool(j, "esn", sa->cfg.esn);
	hs_json_u64(j, "slot", r->info.slot);
	hs_json_u64(j, "worker", r->info.owner);
	remaining(dp, r, &kb, &sec, &has_kb, &has_sec);
	if (has_kb)
		hs_json_u64(j, "remaining_kb", kb);
	else
		hs_json_null(j, "remaining_kb");
	if (has_sec)
		hs_json_u64(j, "remaining_s", sec);
	else
		hs_json_null(j, "remaining_s");
	hs_json_u64(j, "iv_size", sa->rt.iv_len);
	hs_json_u64(j, "replay_window", sa->cfg.replay_window);
	if (r->info.dir == HS_SA_IN && sa->cfg.replay_window != 0) {
		unsigned int nw = bitmap_words(sa, words, HS_ARRAY_SIZE(words));

		hs_json_arr_open(j, "replay_bitmap");
		for (unsigned int k = 0; k < nw; k++)
			hs_json_strf(j, NULL, "0x%08" PRIX32, words[k]);
		hs_json_close(j);
	}
	hs_json_u64(j, "packets", sa->stats.packets);
	hs_json_u64(j, "bytes", sa->stats.bytes);
	hs_json_u64(j, "esp_bytes", sa->stats.esp_bytes);
	hs_json_u64(j, "seq", r->info.dir == HS_SA_IN ? sa->replay.top : sa->seq);
	if (idle == UINT64_MAX)
		hs_json_null(j, "idle_s");
	else
		hs_json_u64(j, "idle_s", idle);
	hs_json_u64(j, "age_s", hs_cli_age_s(dp, r->info.install_tsc));
	hs_json_obj_open(j, "errors");
	for (int e = 0; e < HS_DROP_MAX; e++)
		hs_json_u64(j, hs_drop_name(e), sa->stats.errors[e]);
	hs_json_close(j);
	hs_json_close(j);
}

static void
idents_json(struct hs_json *j, const struct group *g)
{
	char a[HS_ADDR_STRLEN];

	hs_json_arr_open(j, "selectors");
	for (uint32_t i = 0; i < g->n; i++) {
		const struct hs_cli_sa *r = &g->v[i];

		if (r->info.dir != HS_SA_IN || r->sa != g->cur_in)
			continue;
		for (uint8_t k = 0; k < r->info.n_ts; k++) {
			const struct hs_msg_ts *ts = &r->info.ts[k];

			hs_json_obj_open(j, NULL);
			hs_json_str(j, "local", ts->local.addr.family ?
				hs_prefix_format(&ts->local, a, sizeof(a)) : "any");
			hs_json_str(j, "remote", ts->remote.addr.family ?
				hs_prefix_format(&ts->remote, a, sizeof(a)) : "any");
			hs_json_u64(j, "protocol", ts->proto);
			hs_json_strf(j, "local_ports", "%u-%u", ts->lport_lo, ts->lport_hi);
			hs_json_strf(j, "remote_ports", "%u-%u", ts->rport_lo, ts->rport_hi);
			hs_json_close(j);
		}
	}
	hs_json_close(j);
}

static void
group_json(const struct hs_dp *dp, struct hs_json *j, const struct group *g)
{
	const struct hs_sa *sa = group_sa(g);
	char a[HS_ADDR_STRLEN];
	unsigned int all, esp;

	hs_json_obj_open(j, NULL);
	hs_json_str(j, "interface", ifname(g));
	hs_json_str(j, "map", g->v[0].info.map);
	hs_json_u64(j, "seq", g->v[0].info.seq);
	hs_json_u64(j, "acl_line", g->v[0].info.acl_line);
	hs_json_str(j, "acl", g->entry != NULL ? g->entry->acl_name : "");
	hs_json_str(j, "peer", hs_addr_format(&g->v[0].info.peer, a, sizeof(a)));
	hs_json_str(j, "local_addr", hs_addr_format(sa->rt.dir == HS_SA_OUT ? &sa->cfg.tun_src :
		&sa->cfg.tun_dst, a, sizeof(a)));
	idents_json(j, g);
	hs_json_u64(j, "encaps", g->encaps);
	hs_json_u64(j, "decaps", g->decaps);
	hs_json_u64(j, "send_errors", g->send_errors);
	hs_json_u64(j, "recv_errors", g->recv_errors);
	hs_json_u64(j, "path_mtu", path_mtu(dp, g));
	overhead(sa, &all, &esp);
	hs_json_u64(j, "overhead", all);
	hs_json_str(j, "df_policy", df_name(sa->cfg.df));
	if (g->cur_out != NULL)
		hs_json_u64(j, "current_outbound_spi", g->cur_out->rt.spi);
	if (g->cur_in != NULL)
		hs_json_u64(j, "current_inbound_spi", g->cur_in->rt.spi);
	for (int dir = HS_SA_IN; dir <= HS_SA_OUT; dir++) {
		hs_json_arr_open(j, dir == HS_SA_IN ? "inbound" : "outbound");
		for (uint32_t i = 0; i < g->n; i++)
			if (g->v[i].info.dir == dir)
				sa_json(dp, j, &g->v[i]);
		hs_json_close(j);
	}
	hs_json_close(j);
}

/* ---- commands ---- */

static bool
wanted(const struct ipsec_view *w, const struct hs_cli_sa *r)
{
	if (w->map != NULL && (r->info.map == NULL || strcmp(w->map, r->info.map) != 0))
		return false;
	return w->peer.family == 0 || hs_addr_equal(&w->peer, &r->info.peer);
}

static int
show(struct hs_dp *dp, const struct ipsec_view *w, struct hs_cli_out *o)
{
	struct hs_cli_sas s;
	const char *last_if = NULL;
	unsigned int shown = 0;

	hs_cli_sas_collect(dp, &s);
	if (o->json) {
		hs_json_obj_open(&o->j, NULL);
		hs_json_arr_open(&o->j, "sas");
	}
	for (uint32_t i = 0, end; i < s.n; i = end) {
		struct group g;

		end = hs_cli_sas_group_end(&s, i);
		if (!wanted(w, &s.v[i]))
			continue;
		group_fill(dp, &g, &s.v[i], end - i);
		shown++;
		if (o->json) {
			group_json(dp, &o->j, &g);
			continue;
		}
		if (last_if == NULL || strcmp(last_if, ifname(&g)) != 0)
			fprintf(o->f, "interface: %s\n", ifname(&g));
		last_if = ifname(&g);
		group_text(dp, o->f, &g, w->detail);
	}
	if (o->json) {
		hs_json_close(&o->j);
		hs_json_close(&o->j);
	} else if (shown == 0) {
		fprintf(o->f, "There are no ipsec sas\n");
	}
	hs_cli_sas_free(&s);
	return 0;
}

int
hs_cli_show_ipsec_sa(struct hs_dp *dp, struct hs_console *c, const struct hs_cli_args *a,
	struct hs_cli_out *o)
{
	struct ipsec_view w = { .detail = false };

	(void)c;
	(void)a;
	return show(dp, &w, o);
}

int
hs_cli_show_ipsec_sa_detail(struct hs_dp *dp, struct hs_console *c, const struct hs_cli_args *a,
	struct hs_cli_out *o)
{
	struct ipsec_view w = { .detail = true };

	(void)c;
	(void)a;
	return show(dp, &w, o);
}

static int
parse_peer(const char *s, struct hs_addr *peer, FILE *f)
{
	if (hs_addr_parse(s, peer) == 0)
		return 0;
	fprintf(f, "%% Invalid address \"%s\" (an IPv4 or IPv6 address)\n", s);
	return -EINVAL;
}

int
hs_cli_show_ipsec_sa_peer(struct hs_dp *dp, struct hs_console *c, const struct hs_cli_args *a,
	struct hs_cli_out *o)
{
	struct ipsec_view w = { .detail = false };

	(void)c;
	if (parse_peer(a->v[0], &w.peer, o->f) != 0)
		return -EINVAL;
	return show(dp, &w, o);
}

int
hs_cli_show_ipsec_sa_map(struct hs_dp *dp, struct hs_console *c, const struct hs_cli_args *a,
	struct hs_cli_out *o)
{
	struct ipsec_view w = { .detail = false, .map = a->v[0] };

	(void)c;
	for (unsigned int i = 0; i < dp->cfg->n_maps; i++)
		if (strcmp(dp->cfg->maps[i].name, a->v[0]) == 0)
			return show(dp, &w, o);
	fprintf(o->f, "%% No crypto map \"%s\"\n", a->v[0]);
	return -ENOENT;
}

/* ---- show crypto ipsec sa brief: one line per SA ---- */

/*
 * One SA per line, fixed columns, for operators with thousands of tunnels
 * and for hubsec-control, which reads it after a restart to find the IKEv2
 * SAs the dataplane kept (the columns are part of its socket protocol).
 */
int
hs_cli_show_ipsec_sa_brief(struct hs_dp *dp, struct hs_console *c, const struct hs_cli_args *a,
	struct hs_cli_out *o)
{
	struct hs_cli_sas s;

	(void)c;
	(void)a;
	if (hs_cli_sas_collect(dp, &s) != 0)
		return -ENOMEM;
	if (o->json)
		hs_json_arr_open(&o->j, NULL);
	else
		fprintf(o->f, "%-16s %5s %4s %-39s %-3s %-10s %-6s %s\n", "Crypto map", "Seq",
			"Line", "Peer", "Dir", "SPI", "Origin", "IKE SA");
	for (uint32_t i = 0; i < s.n; i++) {
		const struct hs_cli_sa *r = &s.v[i];
		char peer[INET6_ADDRSTRLEN];

		hs_addr_format(&r->info.peer, peer, sizeof(peer));
		if (o->json) {
			hs_json_obj_open(&o->j, NULL);
			hs_json_str(&o->j, "map", map_name(r->info.map));
			hs_json_u64(&o->j, "seq", r->info.seq);
			hs_json_u64(&o->j, "acl-line", r->info.acl_line);
			hs_json_str(&o->j, "peer", peer);
			hs_json_str(&o->j, "dir", r->info.dir == HS_SA_IN ? "in" : "out");
			hs_json_strf(&o->j, "spi", "0x%08" PRIx32, r->sa->rt.spi);
			hs_json_str(&o->j, "origin", hs_sa_origin_name(r->info.origin));
			hs_json_u64(&o->j, "ike-sa", r->info.ike_sa_id);
			hs_json_close(&o->j);
			continue;
		}
		fprintf(o->f, "%-16s %5" PRIu32 " %4" PRIu32 " %-39s %-3s 0x%08" PRIx32 " %-6s %" PRIu64
			"\n", map_name(r->info.map), r->info.seq, r->info.acl_line, peer,
			r->info.dir == HS_SA_IN ? "in" : "out", r->sa->rt.spi,
			hs_sa_origin_name(r->info.origin), r->info.ike_sa_id);
	}
	if (o->json)
		hs_json_close(&o->j);
	hs_cli_sas_free(&s);
	return 0;
}

/* ---- clear crypto sa ---- */

struct victim {
	uint32_t spi;
	uint8_t dir;
	struct hs_addr peer;
	uint64_t packets, bytes;
};

/*
 * Delete through the same SAD call as the control ring's SA_DEL, then tell
 * the control process ("deleted" event) so that IKE sends its DELETE and
 * negotiates again on the next interesting packet. The config's static SAs
 * are the configuration, not state: they stay (deleting them would only
 * restart their sequence numbers into the peer's replay window).
 */
static int
clear(struct hs_dp *dp, const struct hs_addr *peer, FILE *f)
{
	struct hs_cli_sas s;
	struct victim *v;
	unsigned int n = 0, kept = 0, failed = 0;

	hs_cli_sas_collect(dp, &s);
	v = calloc(s.n + 1, sizeof(*v));
	if (v == NULL) {
		hs_cli_sas_free(&s);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < s.n; i++) {
		const struct hs_cli_sa *r = &s.v[i];

		if (peer->family != 0 && !hs_addr_equal(peer, &r->info.peer))
			continue;
		if (r->info.origin == HS_SA_ORIGIN_STATIC) {
			kept++;
			continue;
		}
		v[n++] = (struct victim){ .spi = r->sa->rt.spi, .dir = r->info.dir,
			.peer = r->info.peer, .packets = r->sa->stats.packets,
			.bytes = r->sa->stats.bytes };
	}
	hs_cli_sas_free(&s);
	for (unsigned int i = 0; i < n; i++) {
		struct hs_msg_sa msg;
		struct hs_msg_event ev;
		char err[128];

		memset(&msg, 0, sizeof(msg));
		hs_msg_init(&msg.hdr, HS_MSG_SA_DEL, sizeof(msg), HS_MSG_ID_LOCAL);
		msg.del_spi = v[i].spi;
		msg.del_dir = v[i].dir;
		msg.peer = v[i].peer;
		if (hs_sad_apply(dp, &msg, err, sizeof(err)) != 0) {
			fprintf(f, "%% SA 0x%08" PRIx32 ": %s\n", v[i].spi, err);
			failed++;
			continue;
		}
		memset(&ev, 0, sizeof(ev));
		hs_msg_init(&ev.hdr, HS_MSG_EVENT, sizeof(ev), 0);
		ev.spi = v[i].spi;
		ev.dir = v[i].dir;
		ev.kind = HS_SA_EV_DELETED;
		ev.packets = v[i].packets;
		ev.bytes = v[i].bytes;
		hs_rings_event_send(dp, &ev);
	}
	free(v);
	fprintf(f, "Deleted %u IPsec SA(s)", n - failed);
	if (kept > 0)
		fprintf(f, "; kept %u static SA(s) of the configuration", kept);
	fputc('\n', f);
	return failed == 0 ? 0 : -EIO;
}

int
hs_cli_clear_crypto_sa(struct hs_dp *dp, struct hs_console *c, const struct hs_cli_args *a,
	struct hs_cli_out *o)
{
	struct hs_addr any = { .family = 0 };

	(void)c;
	(void)a;
	return clear(dp, &any, o->f);
}

int
hs_cli_clear_crypto_sa_peer(struct hs_dp *dp, struct hs_console *c, const struct hs_cli_args *a,
	struct hs_cli_out *o)
{
	struct hs_addr peer;

	(void)c;
	if (parse_peer(a->v[0], &peer, o->f) != 0)
		return -EINVAL;
	return clear(dp, &peer, o->f);
}
