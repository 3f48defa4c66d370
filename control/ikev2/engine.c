/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The engine object and the dispatch of received IKE messages (RFC 7296
 * §2.1-§2.3): which IKE SA a message is for, whether it is the response to
 * our request in flight or the peer's next request, a retransmission, or
 * something to drop and count.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "ikev2_priv.h"

static const char *const counter_names[] = { HS_IKEV2_COUNTERS(HS_ENUM_STR) };
static const char *const level_names[] = { HS_IKEV2_LOG_LEVELS(HS_ENUM_STR) };

const char *
hs_ikev2_counter_name(enum hs_ikev2_counter c)
{
	return c < HS_IKEV2_C_MAX ? counter_names[c] : "?";
}

uint64_t
hs_ikev2_counter(const struct hs_ikev2 *e, enum hs_ikev2_counter c)
{
	return c < HS_IKEV2_C_MAX ? e->counters[c] : 0;
}

void
ike_log(struct hs_ikev2 *e, enum hs_ikev2_log_level lvl, const struct ike_sa *sa, const char *fmt,
	...)
{
	char line[512], peer[INET6_ADDRSTRLEN];
	int n = 0;
	va_list ap;

	if (lvl > e->o.log_level || e->io.log == NULL)
		return;
	if (sa != NULL) {
		hs_addr_format(&sa->path.remote, peer, sizeof(peer));
		n = snprintf(line, sizeof(line), "[%s] IKE_SA %" PRIu64 " %s: ", peer, sa->uid,
			ike_state_name(sa->state));
		if (n < 0 || (size_t)n >= sizeof(line))
			n = 0;
	}
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	e->io.log(e->io.ctx, lvl, line);
}

const char *
hs_ikev2_log_level_name(enum hs_ikev2_log_level l)
{
	return l < HS_IKEV2_LOG_MAX ? level_names[l] : "?";
}

uint64_t
ike_msg_id_next(struct hs_ikev2 *e)
{
	return ++e->next_msg_id;
}

int
ike_random(void *buf, size_t len)
{
	/* Public values (SPIs, nonces, jitter): from the batched pool, one syscall in many. */
	return hs_ike_random(buf, len);
}

struct hs_ikev2 *
hs_ikev2_new(const struct hs_config *cfg, const struct hs_ikev2_io *io,
	const struct hs_ikev2_opts *opts)
{
	struct hs_ikev2 *e;

	if (cfg == NULL || io == NULL || io->send == NULL || io->sa == NULL) {
		errno = EINVAL;
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return NULL;
	e->cfg = cfg;
	e->io = *io;
	if (opts != NULL)
		e->o = *opts;
	else
		e->o.log_level = HS_IKEV2_LOG_INFO;
#define DEF(f, v)                                                                                  \
	do {                                                                                       \
		if (e->o.f == 0)                                                                   \
			e->o.f = (v);                                                                      \
	} while (0)
	DEF(retransmit_ms, 500);
	DEF(retransmit_tries, 6);
	DEF(dpd_sec, 30);
	DEF(half_open_cookie, 100);
	DEF(half_open_max, 5000);
	DEF(half_open_peer_max, 32);
	DEF(natt_keepalive_sec, 20);
	DEF(rekey_margin_pct, 10);
	DEF(fragment_size, HS_IKEV2_FRAGMENT_DEFAULT);
#undef DEF
	if (e->o.fragment_size != HS_IKEV2_FRAGMENT_OFF &&
		(e->o.fragment_size < HS_IKEV2_FRAGMENT_MIN || e->o.fragment_size > UINT16_MAX)) {
		free(e);
		errno = EINVAL;
		return NULL;
	}
	/* A secret: OpenSSL's private generator, not the pool of public values. */
	if (RAND_priv_bytes(e->cookie_secret, (int)sizeof(e->cookie_secret)) != 1) {
		free(e);
		errno = EIO;
		return NULL;
	}
	if (pki_load(e) != 0) {
		free(e);
		errno = EINVAL;
		return NULL;
	}
	return e;
}

void
ike_reap(struct hs_ikev2 *e)
{
	while (e->reap != NULL) {
		struct ike_sa *sa = e->reap;

		e->reap = sa->next;
		hs_ike_keys_wipe(&sa->keys);
		hs_ike_sk_wipe(&sa->sk_out);
		hs_ike_sk_wipe(&sa->sk_in);
		hs_ike_dh_free(sa->dh);
		free(sa->init_req);
		free(sa->init_resp);
		free(sa->req_buf);
		free(sa->resp_buf);
		frag_free(sa);
		explicit_bzero(sa, sizeof(*sa));
		free(sa);
	}
}

void
hs_ikev2_free(struct hs_ikev2 *e)
{
	if (e == NULL)
		return;
	while (e->sas != NULL)
		ike_sa_destroy(e->sas, false);
	ike_reap(e);
	free(e->kept);
	free(e->spis);
	pki_free(e);
	explicit_bzero(e->cookie_secret, sizeof(e->cookie_secret));
	explicit_bzero(e->plain, sizeof(e->plain));
	explicit_bzero(e->inner, sizeof(e->inner));
	free(e);
}

/* Our SPI in a message: the responder's when the initiator sent it (I flag). */
static uint64_t
our_spi(const struct hs_ike_hdr *h)
{
	return (h->flags & HS_IKE_FLAG_INITIATOR) ? h->spi_r : h->spi_i;
}

/*
 * An authenticated message from another address or port: the peer (or its
 * NAT) moved, or it floated to port 4500 (RFC 7296 §2.23). Answer and send
 * there from now on; child SAs installed later use the new ports.
 */
static void
update_path(struct ike_sa *sa, const struct hs_ike_path *path)
{
	if (hs_addr_equal(&sa->path.remote, &path->remote) && sa->path.rport == path->rport &&
		sa->path.lport == path->lport)
		return;
	IKE_LOG(sa, INFO, "peer now at port %u (ours %u)%s", path->rport, path->lport,
		path->lport == HS_IKE_NATT_PORT ? ": UDP encapsulation" : "");
	sa->path = *path;
	if (path->lport == HS_IKE_NATT_PORT &&
		(sa->entry == NULL || sa->entry->natt != HS_CONFIG_NATT_NEVER))
		sa->natt = true;
}

static void
dispatch_request(struct ike_sa *sa, const struct hs_ike_msg *m)
{
	switch (m->hdr.exchange) {
	case HS_IKE_AUTH:
		auth_respond(sa, m);
		break;
	case HS_IKE_CREATE_CHILD_SA: {
		const struct hs_ike_pl *p = hs_ike_msg_find(m, HS_IKE_PL_SA, NULL);

		if (p != NULL && p->u.sa.n_props > 0 && p->u.sa.props[0].proto == HS_IKE_PROTO_IKE)
			ike_rekey_respond(sa, m);
		else
			child_respond(sa, m);
		break;
	}
	case HS_IKE_INFORMATIONAL:
		info_respond(sa, m);
		break;
	default:
		ike_count(sa->e, HS_IKEV2_C_RX_UNEXPECTED);
		IKE_LOG(sa, DEBUG, "request of exchange %s(%u) ignored",
			hs_ike_exchange_name(m->hdr.exchange), m->hdr.exchange);
	}
}

static void
input_request(struct ike_sa *sa, const struct hs_ike_path *path, struct hs_ike_msg *m)
{
	struct hs_ikev2 *e = sa->e;

	if (sa->resp_valid && m->hdr.msg_id == sa->resp_id) {
		/* §2.1: a retransmitted request gets the same response again (all its fragments). */
		if (!frag_resend_answer(sa, m))
			return;
		ike_count(e, HS_IKEV2_C_RX_RETRANSMIT);
		ike_send_sealed(sa, sa->resp_buf, sa->resp_len);
		return;
	}
	if (m->hdr.msg_id != sa->rx_next || !sa->keyed) {
		ike_count(e, HS_IKEV2_C_RX_UNEXPECTED);
		IKE_LOG(sa, DEBUG, "request %s id %" PRIu32 " dropped: expected id %" PRIu32,
			hs_ike_exchange_name(m->hdr.exchange), m->hdr.msg_id, sa->rx_next);
		return;
	}
	if (ike_msg_open(sa, m) != 0)
		return;
	sa->last_rx_ms = e->now;
	update_path(sa, path);
	if (m->hdr.exchange != HS_IKE_AUTH && !sa->authenticated) {
		ike_count(e, HS_IKEV2_C_RX_UNEXPECTED);
		return;
	}
	dispatch_request(sa, m);
}

static void
input_response(struct ike_sa *sa, const struct hs_ike_path *path, struct hs_ike_msg *m)
{
	struct hs_ikev2 *e = sa->e;
	struct task *t = sa->active;
	int rc;

	if (t == NULL || m->hdr.msg_id != sa->req_id || m->hdr.exchange != t->ops->exchange) {
		ike_count(e, HS_IKEV2_C_RX_UNEXPECTED);
		IKE_LOG(sa, DEBUG, "response %s id %" PRIu32 " matches no request in flight",
			hs_ike_exchange_name(m->hdr.exchange), m->hdr.msg_id);
		return;
	}
	if (m->hdr.exchange != HS_IKE_SA_INIT && ike_msg_open(sa, m) != 0)
		return;
	sa->last_rx_ms = e->now;
	if (m->hdr.exchange != HS_IKE_SA_INIT)
		update_path(sa, path);
	sa->processing = t; /* a destroy during process leaves t to us */
	rc = t->ops->process(sa, t, m);
	sa->processing = NULL;
	if (rc == -EAGAIN && sa->state != IKE_DESTROYING)
		return; /* the task sent a new request itself */
	free(sa->req_buf);
	sa->req_buf = NULL;
	if (sa->active == t)
		sa->active = NULL;
	ike_task_free(t);
	if (sa->state != IKE_DESTROYING)
		ike_sa_kick(sa);
}

void
hs_ikev2_input(struct hs_ikev2 *e, const struct hs_ike_path *path, const uint8_t *msg, size_t len,
	uint64_t now_ms)
{
	struct hs_ike_msg *m = &e->rx;
	struct hs_ike_err err;
	struct ike_sa *sa;

	e->now = now_ms;
	ike_count(e, HS_IKEV2_C_RX);
	if (hs_ike_msg_parse(m, msg, len, &err) != 0) {
		char peer[INET6_ADDRSTRLEN];

		ike_count(e, HS_IKEV2_C_RX_MALFORMED);
		ike_log(e, HS_IKEV2_LOG_INFO, NULL, "[%s] malformed IKE message dropped: %s",
			hs_addr_format(&path->remote, peer, sizeof(peer)), err.text);
		return;
	}
	if (m->hdr.exchange == HS_IKE_SA_INIT && !(m->hdr.flags & HS_IKE_FLAG_RESPONSE)) {
		if (m->hdr.spi_r != 0 || !(m->hdr.flags & HS_IKE_FLAG_INITIATOR)) {
			ike_count(e, HS_IKEV2_C_RX_MALFORMED);
			return;
		}
		sa = ike_sa_find_spi_i(e, m->hdr.spi_i, &path->remote);
		if (sa != NULL) {
			/* Only while our IKE_SA_INIT answer is the cached one (not IKE_AUTH's). */
			if (sa->resp_valid && sa->resp_id == 0 && m->hdr.msg_id == 0) {
				ike_count(e, HS_IKEV2_C_RX_RETRANSMIT);
				ike_send_sealed(sa, sa->resp_buf, sa->resp_len);
			}
		} else {
			init_respond(e, path, m, msg, len);
		}
		ike_reap(e);
		return;
	}
	sa = ike_sa_find(e, our_spi(&m->hdr));
	if (sa == NULL || sa->state == IKE_DESTROYING ||
		(m->hdr.exchange != HS_IKE_SA_INIT && sa->spi_i != m->hdr.spi_i)) {
		ike_count(e, HS_IKEV2_C_RX_NO_SA);
		ike_reap(e);
		return;
	}
	/* Messages are answered on the path they came on (NAT, §2.23, §2.11). */
	if (m->hdr.flags & HS_IKE_FLAG_RESPONSE)
		input_response(sa, path, m);
	else
		input_request(sa, path, m);
	ike_reap(e);
}

void
hs_ikev2_tick(struct hs_ikev2 *e, uint64_t now_ms)
{
	struct ike_sa *sa, *next;

	e->now = now_ms;
	for (sa = e->sas; sa != NULL; sa = next) {
		next = sa->next;
		timers_sa(sa, now_ms);
	}
	ike_sa_supersede_due(e);
	kept_expire(e);
	ike_reap(e);
}

uint32_t
hs_ikev2_next_timer_ms(const struct hs_ikev2 *e, uint64_t now_ms)
{
	uint64_t best = now_ms + 1000;

	for (const struct ike_sa *sa = e->sas; sa != NULL; sa = sa->next)
		if (sa->req_buf != NULL && sa->req_next_ms < best)
			best = sa->req_next_ms;
	return best <= now_ms ? 0 : (uint32_t)(best - now_ms);
}

void
hs_ikev2_sa_result(struct hs_ikev2 *e, uint64_t id, int result, const char *error, uint64_t now_ms)
{
	e->now = now_ms;
	child_sa_result(e, id, result, error);
	ike_reap(e);
}

/* ---- initiation ---- */

/* The IKEv2 entry of a crypto map entry reference, or NULL. */
static const struct hs_config_crypto_entry *
find_entry(const struct hs_config *cfg, const char *map, uint32_t seq,
	const struct hs_config_crypto_map **mapp)
{
	const struct hs_config_crypto_map *m = hs_config_find_crypto_map(cfg, map);

	if (m == NULL)
		return NULL;
	for (unsigned int i = 0; i < m->n_entries; i++)
		if (m->entries[i].seq == seq && m->entries[i].ike_version == 2) {
			*mapp = m;
			return &m->entries[i];
		}
	return NULL;
}

/* Local outer address: the crypto map interface's first address of the peer's family. */
static int
local_addr(const struct hs_config_crypto_map *map, const struct hs_addr *peer, struct hs_addr *out)
{
	const struct hs_config_interface *i = map->iface;

	if (i == NULL)
		return -ENOENT;
	if (peer->family == AF_INET && i->n_ipv4 > 0)
		*out = i->ipv4[0].addr;
	else if (peer->family == AF_INET6 && i->n_ipv6 > 0)
		*out = i->ipv6[0].addr;
	else
		return -ENOENT;
	return 0;
}

/* Ask for a child SA for cfg on the peer's IKE SA, creating the IKE SA when there is none. */
int
ike_request_child(struct hs_ikev2 *e, const struct child_cfg *cc)
{
	const struct hs_addr *peer = &cc->entry->peers[0];
	struct ike_sa *sa = ike_sa_find_peer(e, peer);
	struct hs_ike_path path = { .remote = *peer, .lport = HS_IKE_PORT, .rport = HS_IKE_PORT };
	struct task *t;

	if (sa != NULL) {
		if (child_sa_for_cfg(sa, cc) != NULL)
			return -EALREADY;
		for (t = sa->active; t != NULL; t = NULL)
			if ((t->kind == TASK_CHILD || t->kind == TASK_AUTH) &&
				t->child.entry == cc->entry && t->child.acl_line == cc->acl_line)
				return -EALREADY;
		for (t = sa->queue; t != NULL; t = t->next)
			if ((t->kind == TASK_CHILD || t->kind == TASK_AUTH) &&
				t->child.entry == cc->entry && t->child.acl_line == cc->acl_line)
				return -EALREADY;
		t = ike_task_new(sa, TASK_CHILD);
		if (t == NULL)
			return -ENOMEM;
		t->child = *cc;
		ike_task_queue(sa, t, false);
		ike_sa_kick(sa);
		return 0;
	}
	if (local_addr(cc->map, peer, &path.local) != 0) {
		ike_log(e, HS_IKEV2_LOG_ERR, NULL, "crypto map %s seq %" PRIu32
			": interface %s has no address for the peer's family", cc->map->name,
			cc->entry->seq, cc->map->ifname);
		return -ENOENT;
	}
	sa = ike_sa_new(e, true, &path);
	if (sa == NULL)
		return -ENOMEM;
	sa->map = cc->map;
	sa->entry = cc->entry;
	t = ike_task_new(sa, TASK_INIT);
	if (t == NULL) {
		ike_sa_destroy(sa, false);
		return -ENOMEM;
	}
	ike_task_queue(sa, t, false);
	t = ike_task_new(sa, TASK_AUTH);
	if (t == NULL) {
		ike_sa_destroy(sa, false);
		return -ENOMEM;
	}
	t->child = *cc;
	ike_task_queue(sa, t, false);
	IKE_LOG(sa, INFO, "initiating to crypto map %s seq %" PRIu32 " line %" PRIu32,
		cc->map->name, cc->entry->seq, cc->acl_line);
	ike_sa_kick(sa);
	return 0;
}

/*
 * Whether the peer narrowed the entry's one-for-all child (§2.9): its IKE SA
 * has a child of the entry that carries a single line (ts_accept()).
 */
static bool
entry_narrowed(struct hs_ikev2 *e, const struct hs_config_crypto_entry *ent)
{
	struct ike_sa *sa = ike_sa_find_peer(e, &ent->peers[0]);

	for (const struct child_sa *c = sa != NULL ? sa->children : NULL; c != NULL; c = c->next)
		if (c->cfg.entry == ent && c->cfg.acl_line != 0 &&
			(c->state == CHILD_INSTALLING || c->state == CHILD_INSTALLED ||
				c->state == CHILD_REKEYING))
			return true;
	return false;
}

/*
 * The children an entry wants: one per permit line, or one for all of them.
 * only_line (an acquire's line, 0: all) picks one line; for a one-for-all
 * entry only once the peer has narrowed it, so that traffic of a line the
 * peer left out asks for that line alone instead of all lines again (which
 * the peer would narrow again: a duplicate of the child it already gave).
 */
static void
request_entry(struct hs_ikev2 *e, const struct hs_config_crypto_map *map,
	const struct hs_config_crypto_entry *ent, uint32_t only_line)
{
	struct child_cfg cc = { .map = map, .entry = ent };

	if (!ent->child_per_line) {
		if (only_line != 0 && only_line <= ent->acl->n_lines && entry_narrowed(e, ent))
			cc.acl_line = only_line;
		ike_request_child(e, &cc);
		return;
	}
	for (uint32_t l = 1; l <= ent->acl->n_lines; l++) {
		if (ent->acl->lines[l - 1].action != HS_CONFIG_ACL_PERMIT)
			continue;
		if (only_line != 0 && l != only_line)
			continue;
		cc.acl_line = l;
		ike_request_child(e, &cc);
	}
}

void
hs_ikev2_acquire(struct hs_ikev2 *e, const struct hs_msg_acquire *a, uint64_t now_ms)
{
	const struct hs_config_crypto_map *map = NULL;
	const struct hs_config_crypto_entry *ent;
	char name[HS_MSG_NAME_MAX];

	e->now = now_ms;
	memcpy(name, a->map, sizeof(name));
	name[sizeof(name) - 1] = '\0';
	ent = find_entry(e->cfg, name, a->seq, &map);
	if (ent == NULL) {
		ike_log(e, HS_IKEV2_LOG_DEBUG, NULL,
			"acquire for %s seq %" PRIu32 " ignored: not an IKEv2 entry", name, a->seq);
		return;
	}
	request_entry(e, map, ent, a->acl_line);
	ike_reap(e);
}

int
hs_ikev2_initiate(struct hs_ikev2 *e, const char *map, uint32_t seq, uint64_t now_ms)
{
	const struct hs_config_crypto_map *m = NULL;
	const struct hs_config_crypto_entry *ent = find_entry(e->cfg, map, seq, &m);
	bool had;

	e->now = now_ms;
	if (ent == NULL)
		return -ENOENT;
	had = ike_sa_find_peer(e, &ent->peers[0]) != NULL;
	request_entry(e, m, ent, 0);
	ike_reap(e);
	return had ? -EALREADY : 0;
}

void
hs_ikev2_start(struct hs_ikev2 *e, uint64_t now_ms)
{
	e->now = now_ms;
	for (unsigned int i = 0; i < e->cfg->n_maps; i++) {
		const struct hs_config_crypto_map *m = &e->cfg->maps[i];

		for (unsigned int j = 0; j < m->n_entries; j++)
			if (m->entries[j].ike_version == 2 && m->entries[j].initiate)
				request_entry(e, m, &m->entries[j], 0);
	}
	ike_reap(e);
}

void
hs_ikev2_event(struct hs_ikev2 *e, const struct hs_msg_event *ev, uint64_t now_ms)
{
	e->now = now_ms;
	for (struct ike_sa *sa = e->sas; sa != NULL; sa = sa->next) {
		struct child_sa *c = ev->dir == HS_SA_IN ? child_sa_by_spi_in(sa, ev->spi) :
							   child_sa_by_spi_out(sa, ev->spi);
		struct task *t;

		if (c == NULL)
			continue;
		switch (ev->kind) {
		case HS_SA_EV_SOFT_LIMIT:
		case HS_SA_EV_SEQ_NEAR_WRAP:
			if (c->state != CHILD_INSTALLED)
				break;
			t = ike_task_new(sa, TASK_CHILD_REKEY);
			if (t == NULL)
				break;
			t->target = c;
			child_sa_set_state(c, CHILD_REKEYING);
			ike_task_queue(sa, t, false);
			ike_sa_kick(sa);
			break;
		case HS_SA_EV_HARD_LIMIT:
		case HS_SA_EV_DELETED:
			/* Gone (or going) from the dataplane: tell the peer, then forget it. */
			if (c->state == CHILD_DELETING)
				break;
			t = ike_task_new(sa, TASK_DELETE_CHILD);
			if (t == NULL)
				break;
			t->target = c;
			child_sa_set_state(c, CHILD_DELETING);
			ike_task_queue(sa, t, false);
			ike_sa_kick(sa);
			break;
		default:
			break;
		}
		break;
	}
	ike_reap(e);
}

/* ---- resynchronisation after a restart ---- */

void
hs_ikev2_resync(struct hs_ikev2 *e, const struct hs_ikev2_kept *k, unsigned int n,
	uint64_t now_ms)
{
	e->now = now_ms;
	free(e->kept);
	e->kept = calloc(n + 1, sizeof(*e->kept));
	e->n_kept = 0;
	if (e->kept == NULL)
		return;
	for (unsigned int i = 0; i < n; i++) {
		const struct hs_config_crypto_map *map = NULL;
		char name[HS_MSG_NAME_MAX];
		const struct hs_config_crypto_entry *ent;

		memcpy(name, k[i].map, sizeof(name));
		name[sizeof(name) - 1] = '\0';
		ent = find_entry(e->cfg, name, k[i].seq, &map);
		if (ent == NULL || k[i].acl_line > ent->acl->n_lines)
			continue; /* the config changed: those SAs age out */
		e->kept[e->n_kept++] = (struct kept_sa){ .cfg = { .map = map, .entry = ent,
			.acl_line = k[i].acl_line }, .peer = k[i].peer, .spi = k[i].spi,
			.dir = k[i].dir };
	}
	ike_log(e, HS_IKEV2_LOG_NOTICE, NULL,
		"restart: the dataplane kept %u IKEv2 SAs; negotiating their successors", e->n_kept);
	for (unsigned int i = 0; i < e->n_kept; i++) {
		struct ike_sa *sa;

		if (e->kept[i].dir != HS_SA_OUT)
			continue;
		ike_request_child(e, &e->kept[i].cfg);
		sa = ike_sa_find_peer(e, &e->kept[i].cfg.entry->peers[0]);
		if (sa != NULL && sa->state == IKE_CONNECTING)
			sa->resync = true;
	}
	ike_reap(e);
}
