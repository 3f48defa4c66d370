/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hubsec-control's socket commands (the dataplane's console relays the IKE
 * ones here). "show crypto isakmp sa" follows the Cisco ASA layout operators
 * know (seed 003): a session line per IKE SA, the tunnel line with Status
 * READY / IN-NEG / DELETE and Role, the suite, life and active time, and each
 * child SA's selectors and SPIs. Every show has a json form.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ikev2_priv.h"
#include "json.h"

#define WORDS_MAX 8

static const char *
tunnel_status(const struct ike_sa *sa)
{
	switch (sa->state) {
	case IKE_ESTABLISHED:
	case IKE_REKEYING:
		return "READY";
	case IKE_CREATED:
	case IKE_CONNECTING:
		return "IN-NEG";
	default:
		return "DELETE";
	}
}

static unsigned int
n_children(const struct ike_sa *sa)
{
	unsigned int n = 0;

	for (const struct child_sa *c = sa->children; c != NULL; c = c->next)
		n++;
	return n;
}

static const char *
session_status(const struct ike_sa *sa)
{
	if (sa->state == IKE_CONNECTING || sa->state == IKE_CREATED)
		return "DOWN-NEGOTIATING";
	if (sa->state == IKE_ESTABLISHED || sa->state == IKE_REKEYING)
		return n_children(sa) > 0 ? "UP-ACTIVE" : "UP-IDLE";
	return "DOWN";
}

static const char *
hash_name(enum hs_ike_prf prf)
{
	switch (prf) {
	case HS_IKE_PRF_HMAC_SHA1:
		return "SHA1";
	case HS_IKE_PRF_HMAC_SHA2_384:
		return "SHA384";
	case HS_IKE_PRF_HMAC_SHA2_512:
		return "SHA512";
	default:
		return "SHA256";
	}
}

static const char *
encr_name(enum hs_ike_encr e)
{
	return e == HS_IKE_ENCR_AES_GCM_16 ? "AES-GCM" : "AES-CBC";
}

static uint64_t
secs(uint64_t now, uint64_t since)
{
	return since != 0 && now > since ? (now - since) / 1000 : 0;
}

static void
endpoint(const struct hs_addr *a, uint16_t port, char *buf, size_t len)
{
	char s[INET6_ADDRSTRLEN];

	snprintf(buf, len, "%s/%u", hs_addr_format(a, s, sizeof(s)), port);
}

static void
child_text(const struct child_sa *c, FILE *f, bool detail, uint64_t now)
{
	for (unsigned int i = 0; i < c->ts_local.n || i < c->ts_remote.n; i++) {
		char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
		const struct hs_ike_ts *l = &c->ts_local.ts[i < c->ts_local.n ? i : 0];
		const struct hs_ike_ts *r = &c->ts_remote.ts[i < c->ts_remote.n ? i : 0];

		fprintf(f, "%s local selector  %s/%u - %s/%u\n", i == 0 ? "Child sa:" : "         ",
			hs_addr_format(&l->start, a, sizeof(a)), l->start_port,
			hs_addr_format(&l->end, b, sizeof(b)), l->end_port);
		fprintf(f, "          remote selector %s/%u - %s/%u\n",
			hs_addr_format(&r->start, a, sizeof(a)), r->start_port,
			hs_addr_format(&r->end, b, sizeof(b)), r->end_port);
	}
	fprintf(f, "          ESP spi in/out: 0x%08" PRIx32 "/0x%08" PRIx32 "\n", c->spi_in,
		c->spi_out);
	if (!detail)
		return;
	char name[128];

	fprintf(f, "          CHILD_SA %" PRIu32 " %s, %s%s, PFS: %s, crypto map %s seq %" PRIu32
		   " line %s%" PRIu32 "\n", c->uid, child_state_name(c->state),
		prop_suite_name(&c->esp, 0, name, sizeof(name)), c->esn ? "/ESN" : "",
		c->pfs_group ? hs_ike_dh_name(c->pfs_group) : "none", c->cfg.map->name,
		c->cfg.entry->seq, c->cfg.acl_line == 0 ? "all " : "", c->cfg.acl_line);
	fprintf(f, "          installed: %s, age %" PRIu64 " sec, rekey in %" PRId64 " sec\n",
		c->installed ? "yes" : "no (no dataplane, or refused)", secs(now, c->created_ms),
		c->rekey_ms > now ? (int64_t)((c->rekey_ms - now) / 1000) : 0);
}

static void
sa_text(const struct ike_sa *sa, FILE *f, bool detail, uint64_t now)
{
	char l[64], r[64];

	fprintf(f, "Session-id:%" PRIu64 ", Status:%s, IKE count:1, CHILD count:%u\n\n", sa->uid,
		session_status(sa), n_children(sa));
	fprintf(f, "Tunnel-id Local                                               Remote      "
		   "                                            Status         Role\n");
	endpoint(&sa->path.local, sa->path.lport, l, sizeof(l));
	endpoint(&sa->path.remote, sa->path.rport, r, sizeof(r));
	fprintf(f, "%-9" PRIu64 " %-51s %-56s %-8s %s\n", sa->uid, l, r, tunnel_status(sa),
		sa->initiator ? "INITIATOR" : "RESPONDER");
	if (sa->keyed)
		fprintf(f, "      Encr: %s, keysize: %u, Hash: %s, DH Grp:%u, Auth sign: %s, "
			   "Auth verify: %s\n", encr_name(sa->suite.encr), sa->suite.key_bits,
			hash_name(sa->suite.prf), sa->dh_group, auth_sign_name(sa),
			sa->peer_auth != NULL ? sa->peer_auth : "-");
	fprintf(f, "      Life/Active Time: %" PRIu32 "/%" PRIu64 " sec\n",
		sa->lifetime_sec, secs(now, sa->established_ms));
	if (detail) {
		fprintf(f, "      Local spi: %016" PRIX64 "       Remote spi: %016" PRIX64 "\n",
			sa->initiator ? sa->spi_i : sa->spi_r, sa->initiator ? sa->spi_r : sa->spi_i);
		fprintf(f, "      Remote id: %s, state %s%s\n", sa->peer_id[0] ? sa->peer_id : "-",
			ike_state_name(sa->state), sa->authenticated ? ", authenticated" : "");
		fprintf(f, "      NAT-T: %s%s%s\n", sa->natt ? "yes (UDP 4500)" : "no",
			sa->nat_local ? ", local side behind NAT" : "",
			sa->nat_remote ? ", remote side behind NAT" : "");
		fprintf(f, "      IKE fragmentation: %s\n", sa->frag ? "yes" : "no");
		fprintf(f, "      Message id: out %" PRIu32 ", in %" PRIu32 ", last heard %" PRIu64
			   " sec ago, rekey in %" PRId64 " sec\n", sa->tx_next, sa->rx_next,
			secs(now, sa->last_rx_ms),
			sa->rekey_ms > now && sa->rekey_ms != UINT64_MAX ?
				(int64_t)((sa->rekey_ms - now) / 1000) : 0);
	}
	for (const struct child_sa *c = sa->children; c != NULL; c = c->next)
		child_text(c, f, detail, now);
	fprintf(f, "\n");
}

static void
ts_json(struct hs_json *j, const char *key, const struct ts_list *l)
{
	hs_json_arr_open(j, key);
	for (unsigned int i = 0; i < l->n; i++) {
		char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

		hs_json_obj_open(j, NULL);
		hs_json_str(j, "start", hs_addr_format(&l->ts[i].start, a, sizeof(a)));
		hs_json_str(j, "end", hs_addr_format(&l->ts[i].end, b, sizeof(b)));
		hs_json_u64(j, "protocol", l->ts[i].proto);
		hs_json_u64(j, "port-start", l->ts[i].start_port);
		hs_json_u64(j, "port-end", l->ts[i].end_port);
		hs_json_close(j);
	}
	hs_json_close(j);
}

static void
sa_json(const struct ike_sa *sa, struct hs_json *j, uint64_t now)
{
	char a[INET6_ADDRSTRLEN], name[128];

	hs_json_obj_open(j, NULL);
	hs_json_u64(j, "session-id", sa->uid);
	hs_json_str(j, "status", session_status(sa));
	hs_json_str(j, "tunnel-status", tunnel_status(sa));
	hs_json_str(j, "state", ike_state_name(sa->state));
	hs_json_str(j, "role", sa->initiator ? "initiator" : "responder");
	hs_json_str(j, "local", hs_addr_format(&sa->path.local, a, sizeof(a)));
	hs_json_u64(j, "local-port", sa->path.lport);
	hs_json_str(j, "remote", hs_addr_format(&sa->path.remote, a, sizeof(a)));
	hs_json_u64(j, "remote-port", sa->path.rport);
	hs_json_strf(j, "spi-i", "%016" PRIx64, sa->spi_i);
	hs_json_strf(j, "spi-r", "%016" PRIx64, sa->spi_r);
	hs_json_str(j, "remote-id", sa->peer_id);
	hs_json_str(j, "auth-sign", auth_sign_name(sa));
	hs_json_str(j, "auth-verify", sa->peer_auth != NULL ? sa->peer_auth : "");
	hs_json_str(j, "suite", sa->keyed ? prop_suite_name(&sa->suite, sa->dh_group, name,
						       sizeof(name)) : "");
	hs_json_bool(j, "nat-t", sa->natt);
	hs_json_bool(j, "fragmentation", sa->frag); /* RFC 7383, agreed */
	hs_json_u64(j, "lifetime", sa->lifetime_sec);
	hs_json_u64(j, "active-time", secs(now, sa->established_ms));
	hs_json_arr_open(j, "children");
	for (const struct child_sa *c = sa->children; c != NULL; c = c->next) {
		hs_json_obj_open(j, NULL);
		hs_json_u64(j, "id", c->uid);
		hs_json_str(j, "state", child_state_name(c->state));
		hs_json_strf(j, "spi-in", "%08" PRIx32, c->spi_in);
		hs_json_strf(j, "spi-out", "%08" PRIx32, c->spi_out);
		hs_json_str(j, "suite", prop_suite_name(&c->esp, 0, name, sizeof(name)));
		hs_json_u64(j, "pfs-group", c->pfs_group);
		hs_json_bool(j, "esn", c->esn);
		hs_json_str(j, "crypto-map", c->cfg.map->name);
		hs_json_u64(j, "seq", c->cfg.entry->seq);
		hs_json_u64(j, "acl-line", c->cfg.acl_line);
		hs_json_bool(j, "installed", c->installed);
		ts_json(j, "local-ts", &c->ts_local);
		ts_json(j, "remote-ts", &c->ts_remote);
		hs_json_close(j);
	}
	hs_json_close(j);
	hs_json_close(j);
}

static int
show_isakmp(struct hs_ikev2 *e, FILE *f, bool detail, bool json)
{
	if (json) {
		struct hs_json j;

		hs_json_init(&j, f);
		hs_json_obj_open(&j, NULL);
		hs_json_str(&j, "control", "running");
		hs_json_arr_open(&j, "ikev1");
		hs_json_close(&j);
		hs_json_arr_open(&j, "ikev2");
		for (const struct ike_sa *sa = e->sas; sa != NULL; sa = sa->next)
			sa_json(sa, &j, e->now);
		hs_json_close(&j);
		hs_json_close(&j);
		fputc('\n', f);
		return 0;
	}
	fprintf(f, "\nThere are no IKEv1 SAs\n\n");
	if (e->sas == NULL) {
		fprintf(f, "There are no IKEv2 SAs\n\n");
		return 0;
	}
	fprintf(f, "IKEv2 SAs:\n\n");
	for (const struct ike_sa *sa = e->sas; sa != NULL; sa = sa->next)
		sa_text(sa, f, detail, e->now);
	return 0;
}

static int
clear_isakmp(struct hs_ikev2 *e, FILE *f, const struct hs_addr *peer)
{
	struct ike_sa *sa, *next;
	unsigned int n = 0;

	for (sa = e->sas; sa != NULL; sa = next) {
		struct task *t;

		next = sa->next;

		if (peer != NULL && !hs_addr_equal(&sa->path.remote, peer))
			continue;
		if (sa->state != IKE_ESTABLISHED && sa->state != IKE_REKEYING) {
			ike_sa_destroy(sa, true);
			n++;
			continue;
		}
		/* Tell the peer; the children go from the dataplane with the IKE SA. */
		t = ike_task_new(sa, TASK_DELETE_IKE);
		if (t == NULL)
			continue;
		ike_sa_set_state(sa, IKE_DELETING);
		ike_task_queue(sa, t, true);
		ike_sa_kick(sa);
		n++;
	}
	fprintf(f, "%u IKE SA%s cleared%s\n", n, n == 1 ? "" : "s",
		n ? " (their child SAs are deleted with them)" : "");
	return 0;
}

static void
counters(struct hs_ikev2 *e, FILE *f, bool json)
{
	struct hs_json j;

	if (json) {
		hs_json_init(&j, f);
		hs_json_obj_open(&j, NULL);
		for (unsigned int i = 0; i < HS_IKEV2_C_MAX; i++)
			hs_json_u64(&j, hs_ikev2_counter_name(i), e->counters[i]);
		hs_json_u64(&j, "ike-sas", e->n_sas);
		hs_json_u64(&j, "half-open", e->n_half_open);
		hs_json_close(&j);
		fputc('\n', f);
		return;
	}
	fprintf(f, "IKEv2 counters:\n");
	for (unsigned int i = 0; i < HS_IKEV2_C_MAX; i++)
		fprintf(f, "  %-22s %" PRIu64 "\n", hs_ikev2_counter_name(i), e->counters[i]);
	fprintf(f, "  %-22s %u\n  %-22s %u\n", "ike-sas", e->n_sas, "half-open", e->n_half_open);
}

static void
vpn_status(struct hs_ikev2 *e, FILE *f, bool json)
{
	unsigned int up = 0, neg = 0, children = 0;

	for (const struct ike_sa *sa = e->sas; sa != NULL; sa = sa->next) {
		up += sa->state == IKE_ESTABLISHED || sa->state == IKE_REKEYING;
		neg += sa->state <= IKE_CONNECTING;
		children += n_children(sa);
	}
	if (json) {
		struct hs_json j;

		hs_json_init(&j, f);
		hs_json_obj_open(&j, NULL);
		hs_json_u64(&j, "ike-sas-up", up);
		hs_json_u64(&j, "ike-sas-negotiating", neg);
		hs_json_u64(&j, "child-sas", children);
		hs_json_str(&j, "autovpn-registry", "not built");
		hs_json_close(&j);
		fputc('\n', f);
		return;
	}
	fprintf(f, "IKEv2: %u IKE SA%s up, %u negotiating, %u child SA%s\n", up, up == 1 ? "" : "s",
		neg, children, children == 1 ? "" : "s");
	fprintf(f, "Auto VPN registry client: not built yet (IKEv2 tunnels come from the crypto maps)\n");
}

/* Operator-requested rekeys (strongSwan's swanctl --rekey): the same tasks as the timers'. */
static int
rekey_ike(struct hs_ikev2 *e, FILE *f, const struct hs_addr *peer)
{
	struct ike_sa *sa = ike_sa_find_peer(e, peer);
	struct task *t;

	if (sa == NULL || sa->state != IKE_ESTABLISHED) {
		fprintf(f, "%% no established IKE SA with that peer\n");
		return 1;
	}
	t = ike_task_new(sa, TASK_IKE_REKEY);
	if (t == NULL)
		return 1;
	ike_task_queue(sa, t, false);
	ike_sa_kick(sa);
	fprintf(f, "rekeying IKE SA %" PRIu64 "\n", sa->uid);
	return 0;
}

static int
rekey_child(struct hs_ikev2 *e, FILE *f, uint32_t spi)
{
	for (struct ike_sa *sa = e->sas; sa != NULL; sa = sa->next) {
		struct child_sa *c = child_sa_by_spi_in(sa, spi);
		struct task *t;

		if (c == NULL)
			c = child_sa_by_spi_out(sa, spi);
		if (c == NULL)
			continue;
		if (c->state != CHILD_INSTALLED || sa->state != IKE_ESTABLISHED) {
			fprintf(f, "%% CHILD_SA %" PRIu32 " is %s\n", c->uid, child_state_name(c->state));
			return 1;
		}
		t = ike_task_new(sa, TASK_CHILD_REKEY);
		if (t == NULL)
			return 1;
		t->target = c;
		child_sa_set_state(c, CHILD_REKEYING);
		ike_task_queue(sa, t, false);
		ike_sa_kick(sa);
		fprintf(f, "rekeying CHILD_SA %" PRIu32 " (in 0x%08" PRIx32 " out 0x%08" PRIx32 ")\n",
			c->uid, c->spi_in, c->spi_out);
		return 0;
	}
	fprintf(f, "%% no child SA with SPI 0x%08" PRIx32 "\n", spi);
	return 1;
}

static bool
last_is_json(char **w, unsigned int *n)
{
	if (*n > 0 && strcasecmp(w[*n - 1], "json") == 0) {
		(*n)--;
		return true;
	}
	return false;
}

int
hs_ikev2_command(struct hs_ikev2 *e, const char *line, FILE *out, uint64_t now_ms)
{
	char buf[512], *w[WORDS_MAX], *save = NULL;
	unsigned int n = 0;
	struct hs_addr a;
	bool json;
	int rc = 0;

	e->now = now_ms;
	snprintf(buf, sizeof(buf), "%s", line);
	for (char *t = strtok_r(buf, " \t\r\n", &save); t != NULL && n < WORDS_MAX;
		t = strtok_r(NULL, " \t\r\n", &save))
		w[n++] = t;
	json = last_is_json(w, &n);
#define IS(i, s) (n > (i) && strcasecmp(w[i], (s)) == 0)
	if (n >= 4 && IS(0, "show") && IS(1, "crypto") && IS(2, "isakmp") && IS(3, "sa") &&
		(n == 4 || (n == 5 && IS(4, "detail"))))
		rc = show_isakmp(e, out, n == 5, json);
	else if (n >= 4 && IS(0, "clear") && IS(1, "crypto") && IS(2, "isakmp") && IS(3, "sa")) {
		if (n == 4)
			rc = clear_isakmp(e, out, NULL);
		else if (n == 6 && IS(4, "peer") && hs_addr_parse(w[5], &a) == 0)
			rc = clear_isakmp(e, out, &a);
		else {
			fprintf(out, "usage: clear crypto isakmp sa [peer ADDR]\n");
			rc = 2;
		}
	} else if (n == 3 && IS(0, "show") && IS(1, "vpn") && IS(2, "status"))
		vpn_status(e, out, json);
	else if (n == 3 && IS(0, "show") && IS(1, "ikev2") && IS(2, "counters"))
		counters(e, out, json);
	else if (n == 2 && IS(0, "ike-sa-up") && hs_addr_parse(w[1], &a) == 0) {
		struct ike_sa *sa = ike_sa_find_peer(e, &a);

		rc = sa != NULL && sa->state != IKE_CONNECTING ? 0 : 1;
	} else if (n == 3 && IS(0, "rekey") && IS(1, "ike-sa") && hs_addr_parse(w[2], &a) == 0) {
		rc = rekey_ike(e, out, &a);
	} else if (n == 3 && IS(0, "rekey") && IS(1, "child-sa")) {
		char *end;
		unsigned long spi = strtoul(w[2], &end, 16);

		rc = *end == '\0' && spi > 0 && spi <= UINT32_MAX ? rekey_child(e, out, (uint32_t)spi) :
								   2;
		if (rc == 2)
			fprintf(out, "usage: rekey child-sa SPI (hex, either direction)\n");
	} else if (n == 3 && IS(0, "initiate")) {
		char *end;
		unsigned long seq = strtoul(w[2], &end, 10);

		if (*end != '\0' || seq == 0 || seq > 65535) {
			fprintf(out, "usage: initiate MAP SEQ\n");
			rc = 2;
		} else {
			int r = hs_ikev2_initiate(e, w[1], (uint32_t)seq, now_ms);

			if (r == -ENOENT) {
				fprintf(out, "%% no IKEv2 entry %s seq %lu\n", w[1], seq);
				rc = 1;
			} else {
				fprintf(out, "%s\n", r == -EALREADY ?
					"an IKE SA with the peer exists: its child SAs were asked for" :
					"initiating");
			}
		}
	} else {
		fprintf(out, "%% unknown command; hubsec-control answers: show crypto isakmp sa "
			     "[detail] [json], clear crypto isakmp sa [peer ADDR], show vpn status "
			     "[json], show ikev2 counters [json], initiate MAP SEQ, rekey ike-sa PEER, "
			     "rekey child-sa SPI, ike-sa-up ADDR\n");
		rc = 2;
	}
#undef IS
	ike_reap(e);
	return rc;
}
