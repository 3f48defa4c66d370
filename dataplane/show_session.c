/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * show crypto session [brief | detail] [json]: one session per peer, its
 * status derived from what the dataplane knows, never guessed:
 *   UP-ACTIVE         IPsec SAs up and a packet through one of them in the
 *                     last HS_CLI_ACTIVE_S seconds (per-SA last-used stamps)
 *   UP-IDLE           IPsec SAs up, no packet for that long
 *   UP-NO-IKE         IKE-negotiated IPsec SAs whose IKE SA is gone (or
 *                     hubsec-control, which holds it, is not running)
 *   DOWN-NEGOTIATING  no SA, an acquire raised in the last HS_CLI_NEGOTIATING_S
 *   DOWN              a crypto-map peer with no SA and nothing under way
 * Manually keyed SAs (static, hubsec-sactl) never have an IKE SA: they are
 * UP-ACTIVE or UP-IDLE by their traffic.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "console.h"

#define HS_CLI_ACTIVE_S 10
#define HS_CLI_NEGOTIATING_S 30
#define PEERS_MAX 4096 /* sessions listed; more are counted */

#define SESSION_STATES(X)                                                                          \
	X(S_UP_ACTIVE, "UP-ACTIVE")                                                                \
	X(S_UP_IDLE, "UP-IDLE")                                                                    \
	X(S_UP_NO_IKE, "UP-NO-IKE")                                                                \
	X(S_DOWN_NEG, "DOWN-NEGOTIATING")                                                          \
	X(S_DOWN, "DOWN")
enum session_state { SESSION_STATES(HS_ENUM_ITEM) S_MAX };
static const char *const state_names[S_MAX] = { SESSION_STATES(HS_ENUM_STR) };
static const char *const state_codes[S_MAX] = { "UA", "UI", "UK", "DN", "D" };

/* One peer: its SAs are [first, first + n) of several groups, kept as indexes. */
struct session {
	struct hs_addr peer;
	const char *ifname;
	enum session_state state;
	uint32_t n_in, n_out;
	uint64_t in_pkts, out_pkts, in_drops, out_drops;
	uint64_t idle_s;   /* UINT64_MAX: never used */
	uint64_t uptime_s; /* of its oldest SA */
	bool ike;	   /* IKE-negotiated SAs */
	bool ike_up;	   /* ... and hubsec-control says their IKE SA is up */
	bool natt;
	uint16_t natt_port;
};

struct sessions {
	struct session *v;
	uint32_t n, dropped;
};

static struct session *
session_of(struct sessions *ss, const struct hs_addr *peer, const char *ifname)
{
	for (uint32_t i = 0; i < ss->n; i++)
		if (hs_addr_equal(&ss->v[i].peer, peer))
			return &ss->v[i];
	if (ss->n == PEERS_MAX) {
		ss->dropped++;
		return NULL;
	}
	ss->v[ss->n] = (struct session){ .peer = *peer, .ifname = ifname, .state = S_DOWN,
		.idle_s = UINT64_MAX };
	return &ss->v[ss->n++];
}

static const char *
map_ifname(const struct hs_dp *dp, const char *map)
{
	for (unsigned int i = 0; map != NULL && i < dp->cfg->n_maps; i++)
		if (strcmp(dp->cfg->maps[i].name, map) == 0)
			return dp->cfg->maps[i].ifname;
	return "-";
}

static void
add_sa(const struct hs_dp *dp, struct session *s, const struct hs_cli_sa *r)
{
	const struct hs_sa *sa = r->sa;
	uint64_t idle = hs_cli_sa_idle_s(dp, sa), age = hs_cli_age_s(dp, r->info.install_tsc);
	uint64_t drops = 0;

	for (int e = 0; e < HS_DROP_MAX; e++)
		drops += sa->stats.errors[e];
	if (r->info.dir == HS_SA_IN) {
		s->n_in++;
		s->in_pkts += sa->stats.packets;
		s->in_drops += drops;
	} else {
		s->n_out++;
		s->out_pkts += sa->stats.packets;
		s->out_drops += drops;
		if (sa->cfg.natt) {
			s->natt = true;
			s->natt_port = sa->cfg.natt_dport ? sa->cfg.natt_dport : 4500;
		}
	}
	if (idle < s->idle_s)
		s->idle_s = idle;
	if (age > s->uptime_s)
		s->uptime_s = age;
	s->ike |= r->info.origin == HS_SA_ORIGIN_IKEV1 || r->info.origin == HS_SA_ORIGIN_IKEV2;
}

/* Crypto-map peers with no SA: negotiating (a recent acquire) or down. */
static void
add_configured(const struct hs_dp *dp, struct sessions *ss)
{
	const struct hs_tables *t = atomic_load(&dp->tables);

	for (uint32_t p = 0; t != NULL && p < t->n_policies; p++) {
		const struct hs_policy *pol = &t->policies[p];
		uint64_t acq = hs_rings_last_acquire(dp, p);
		struct session *s;

		if (!pol->permit || pol->entry == NULL || pol->entry->n_peers == 0)
			continue;
		s = session_of(ss, &pol->entry->peers[0], pol->map->ifname);
		if (s == NULL || s->n_in + s->n_out > 0)
			continue;
		if (acq != 0 && hs_cli_age_s(dp, acq) < HS_CLI_NEGOTIATING_S)
			s->state = S_DOWN_NEG;
	}
}

static void
derive(struct session *s, bool control_up)
{
	if (s->n_in + s->n_out == 0)
		return; /* DOWN or DOWN-NEGOTIATING, set by add_configured */
	s->ike_up = s->ike && control_up && hs_cli_control_ike_up(&s->peer);
	if (s->ike && !s->ike_up)
		s->state = S_UP_NO_IKE;
	else if (s->idle_s < HS_CLI_ACTIVE_S)
		s->state = S_UP_ACTIVE;
	else
		s->state = S_UP_IDLE;
}

static int
build(struct hs_dp *dp, struct sessions *ss, struct hs_cli_sas *sas)
{
	bool control_up = hs_cli_control_running();

	ss->v = calloc(PEERS_MAX, sizeof(*ss->v));
	ss->n = ss->dropped = 0;
	if (ss->v == NULL)
		return -ENOMEM;
	hs_cli_sas_collect(dp, sas);
	for (uint32_t i = 0; i < sas->n; i++) {
		struct session *s = session_of(ss, &sas->v[i].info.peer,
			map_ifname(dp, sas->v[i].info.map));

		if (s != NULL)
			add_sa(dp, s, &sas->v[i]);
	}
	add_configured(dp, ss);
	for (uint32_t i = 0; i < ss->n; i++)
		derive(&ss->v[i], control_up);
	return 0;
}

static const char *
proto_name(uint8_t p, char *buf, size_t len)
{
	switch (p) {
	case 0:
		return "ip";
	case 1:
		return "icmp";
	case 6:
		return "tcp";
	case 17:
		return "udp";
	case 58:
		return "icmpv6";
	default:
		snprintf(buf, len, "%u", p);
		return buf;
	}
}

/* "192.168.100.0/255.255.255.0" (IPv4, Cisco), "2001:db8::/64", "any". */
static void
flow_addr(FILE *f, const struct hs_prefix *p, uint16_t lo, uint16_t hi)
{
	char a[HS_ADDR_STRLEN], m[16];

	if (p->addr.family == AF_INET) {
		hs_cli_fmt_mask4(p->len, m, sizeof(m));
		fprintf(f, "%s/%s", hs_addr_format(&p->addr, a, sizeof(a)), m);
	} else {
		fputs(p->addr.family == 0 ? "any" : hs_prefix_format(p, a, sizeof(a)), f);
	}
	if (lo == hi)
		fprintf(f, " port %u", lo);
	else if (lo != 0 || hi != UINT16_MAX)
		fprintf(f, " port %u-%u", lo, hi);
}

/* "permit ip 192.168.100.0/255.255.255.0 172.16.10.0/255.255.255.0" per inbound selector. */
static void
flows(FILE *f, const struct hs_cli_sas *sas, const struct hs_addr *peer, bool detail,
	const struct session *s)
{
	for (uint32_t i = 0; i < sas->n; i++) {
		const struct hs_cli_sa *r = &sas->v[i];

		if (r->info.dir != HS_SA_IN || !hs_addr_equal(&r->info.peer, peer))
			continue;
		for (uint8_t k = 0; k < r->info.n_ts; k++) {
			const struct hs_msg_ts *ts = &r->info.ts[k];
			char pb[8];

			fprintf(f, "  IPSEC FLOW: permit %s ", proto_name(ts->proto, pb, sizeof(pb)));
			flow_addr(f, &ts->local, ts->lport_lo, ts->lport_hi);
			fputc(' ', f);
			flow_addr(f, &ts->remote, ts->rport_lo, ts->rport_hi);
			fprintf(f, "\n        Active SA: inbound spi 0x%08" PRIX32 ", origin: crypto map %s"
				   " seq %" PRIu32 "\n", r->sa->rt.spi, r->info.map && r->info.map[0] ? r->info.map : "-",
				r->info.seq);
		}
	}
	if (detail) {
		fprintf(f, "        Inbound:  #pkts dec'ed %" PRIu64 " drop %" PRIu64 "\n",
			s->in_pkts, s->in_drops);
		fprintf(f, "        Outbound: #pkts enc'ed %" PRIu64 " drop %" PRIu64 "\n",
			s->out_pkts, s->out_drops);
	}
}

static void
one_text(FILE *f, const struct session *s, const struct hs_cli_sas *sas, bool detail)
{
	char a[HS_ADDR_STRLEN];

	fprintf(f, "Interface: %s\nSession status: %s\n", s->ifname, state_names[s->state]);
	hs_addr_format(&s->peer, a, sizeof(a));
	if (s->natt)
		fprintf(f, "Peer: %s port %u\n", a, s->natt_port);
	else
		fprintf(f, "Peer: %s\n", a);
	if (s->n_in + s->n_out == 0) {
		fprintf(f, "  No IPsec SA%s\n\n", s->state == S_DOWN_NEG ? " (acquire raised)" : "");
		return;
	}
	if (s->ike)
		fprintf(f, "  IKE SA: %s\n", s->ike_up ? "up (hubsec-control)" :
			"none (hubsec-control is not running or has none)");
	else
		fprintf(f, "  IKE SA: none (manually keyed)\n");
	if (detail) {
		fprintf(f, "  Uptime: %" PRIu64 " s, ", s->uptime_s);
		if (s->idle_s == UINT64_MAX)
			fprintf(f, "no packet yet\n");
		else
			fprintf(f, "last packet %" PRIu64 " s ago\n", s->idle_s);
	}
	flows(f, sas, &s->peer, detail, s);
	fprintf(f, "        Active SAs: %u (%u inbound, %u outbound)\n\n", s->n_in + s->n_out,
		s->n_in, s->n_out);
}

static void
brief_text(FILE *f, const struct sessions *ss)
{
	fprintf(f, "Status: A- Active, U - Up, D - Down, I - Idle, N - Negotiating, K - No IKE\n");
	fprintf(f, "%-40s %-12s %-10s %-6s %s\n", "Peer", "I/F", "Uptime(s)", "Status", "SAs");
	for (uint32_t i = 0; i < ss->n; i++) {
		const struct session *s = &ss->v[i];
		char a[HS_ADDR_STRLEN];

		fprintf(f, "%-40s %-12s %-10" PRIu64 " %-6s %u\n",
			hs_addr_format(&s->peer, a, sizeof(a)), s->ifname, s->uptime_s,
			state_codes[s->state], s->n_in + s->n_out);
	}
}

static void
one_json(struct hs_json *j, const struct session *s)
{
	char a[HS_ADDR_STRLEN];

	hs_json_obj_open(j, NULL);
	hs_json_str(j, "peer", hs_addr_format(&s->peer, a, sizeof(a)));
	hs_json_str(j, "interface", s->ifname);
	hs_json_str(j, "status", state_names[s->state]);
	hs_json_bool(j, "ike", s->ike);
	hs_json_bool(j, "ike_sa_up", s->ike_up);
	hs_json_u64(j, "inbound_sas", s->n_in);
	hs_json_u64(j, "outbound_sas", s->n_out);
	hs_json_u64(j, "decaps", s->in_pkts);
	hs_json_u64(j, "encaps", s->out_pkts);
	hs_json_u64(j, "recv_errors", s->in_drops);
	hs_json_u64(j, "send_errors", s->out_drops);
	hs_json_u64(j, "uptime_s", s->uptime_s);
	if (s->idle_s == UINT64_MAX)
		hs_json_null(j, "idle_s");
	else
		hs_json_u64(j, "idle_s", s->idle_s);
	hs_json_close(j);
}

enum view { V_NORMAL, V_BRIEF, V_DETAIL };

static int
show(struct hs_dp *dp, enum view v, struct hs_cli_out *o)
{
	struct sessions ss;
	struct hs_cli_sas sas;
	int rc = build(dp, &ss, &sas);

	if (rc != 0)
		return rc;
	if (o->json) {
		hs_json_obj_open(&o->j, NULL);
		hs_json_arr_open(&o->j, "sessions");
		for (uint32_t i = 0; i < ss.n; i++)
			one_json(&o->j, &ss.v[i]);
		hs_json_close(&o->j);
		hs_json_u64(&o->j, "not_listed", ss.dropped);
		hs_json_close(&o->j);
	} else if (ss.n == 0) {
		fprintf(o->f, "There are no crypto sessions\n");
	} else if (v == V_BRIEF) {
		brief_text(o->f, &ss);
	} else {
		fprintf(o->f, "Crypto session current status\n\n");
		for (uint32_t i = 0; i < ss.n; i++)
			one_text(o->f, &ss.v[i], &sas, v == V_DETAIL);
	}
	if (!o->json && ss.dropped > 0)
		fprintf(o->f, "%% %u more peers not listed\n", ss.dropped);
	hs_cli_sas_free(&sas);
	free(ss.v);
	return 0;
}

int
hs_cli_show_session(struct hs_dp *dp, struct hs_console *c, const struct hs_cli_args *a,
	struct hs_cli_out *o)
{
	(void)c;
	(void)a;
	return show(dp, V_NORMAL, o);
}

int
hs_cli_show_session_brief(struct hs_dp *dp, struct hs_console *c, const struct hs_cli_args *a,
	struct hs_cli_out *o)
{
	(void)c;
	(void)a;
	return show(dp, V_BRIEF, o);
}

int
hs_cli_show_session_detail(struct hs_dp *dp, struct hs_console *c, const struct hs_cli_args *a,
	struct hs_cli_out *o)
{
	(void)c;
	(void)a;
	return show(dp, V_DETAIL, o);
}
