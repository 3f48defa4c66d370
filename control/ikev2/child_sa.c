/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Child SAs: state, keys (RFC 7296 §2.17) and the one installation path into
 * the dataplane (hs_msg_sa through the transport), deletion, and the
 * dataplane's answers. A rekey installs the new pair with REPLACE naming the
 * old outbound SPI, so that the dataplane swaps outbound traffic over in
 * one store while the old inbound SA keeps decrypting until it is deleted
 * (make-before-break). The responder of a rekey installs the new inbound SA
 * at once but holds the outbound swap back until the initiator deletes the
 * old pair (or the wait for that delete runs out): the initiator installs
 * its new inbound SA only when our answer has arrived, and ESP under the new
 * SPI sent before that would be dropped there as an unknown SPI.
 *
 * Rekey collisions (RFC 7296 §2.8.1): the redundant new pair never carries
 * outbound traffic here. Our own redundant child goes in inbound only; the
 * peer's redundant child keeps its outbound SA held back until it is
 * deleted (then dropped). So outbound stays on the old pair until the
 * surviving pair takes it over, and never points at a pair being deleted.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ikev2_priv.h"

static const char *const state_names[] = { CHILD_STATES(HS_ENUM_STR) };

const char *
child_state_name(enum child_state s)
{
	return s < CHILD_STATE_MAX ? state_names[s] : "?";
}

void
child_sa_set_state(struct child_sa *c, enum child_state to)
{
	/* Allowed transitions: from -> bit set of to (DESTROYING from anywhere). */
#define B(s) (1u << (s))
	static const uint32_t next[CHILD_STATE_MAX] = {
		[CHILD_CREATED] = B(CHILD_INSTALLING) | B(CHILD_INSTALLED) | B(CHILD_REKEYED) |
			B(CHILD_DELETING),
		[CHILD_INSTALLING] = B(CHILD_INSTALLED) | B(CHILD_REKEYED) | B(CHILD_DELETING),
		[CHILD_INSTALLED] = B(CHILD_REKEYING) | B(CHILD_REKEYED) | B(CHILD_DELETING),
		[CHILD_REKEYING] = B(CHILD_INSTALLED) | B(CHILD_REKEYED) | B(CHILD_DELETING),
		[CHILD_REKEYED] = B(CHILD_DELETING),
		[CHILD_DELETING] = 0,
		[CHILD_DESTROYING] = 0,
	};
	enum child_state from = c->state;

	if (from == to)
		return;
	if (to != CHILD_DESTROYING && !(next[from] & B(to))) {
		ike_count(c->ike->e, HS_IKEV2_C_STATE_REFUSED);
		IKE_LOG(c->ike, ERR, "CHILD_SA %" PRIu32 " state %s -> %s refused (bug)", c->uid,
			child_state_name(from), child_state_name(to));
		return;
	}
#undef B
	IKE_LOG(c->ike, DEBUG, "CHILD_SA %" PRIu32 " %s -> %s", c->uid, child_state_name(from),
		child_state_name(to));
	c->state = to;
}

struct child_sa *
child_sa_new(struct ike_sa *sa, const struct child_cfg *cfg, bool initiator)
{
	struct child_sa *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->ike = sa;
	c->uid = ++sa->e->next_child_uid;
	c->cfg = *cfg;
	c->initiator = initiator;
	c->created_ms = sa->e->now;
	c->next = sa->children;
	sa->children = c;
	return c;
}

void
child_sa_unlink(struct child_sa *c)
{
	for (struct child_sa **p = &c->ike->children; *p != NULL; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			return;
		}
}

struct child_sa *
child_sa_by_spi_in(struct ike_sa *sa, uint32_t spi)
{
	for (struct child_sa *c = sa->children; c != NULL; c = c->next)
		if (c->spi_in == spi)
			return c;
	return NULL;
}

struct child_sa *
child_sa_by_spi_out(struct ike_sa *sa, uint32_t spi)
{
	for (struct child_sa *c = sa->children; c != NULL; c = c->next)
		if (c->spi_out == spi)
			return c;
	return NULL;
}

struct child_sa *
child_sa_for_cfg(struct ike_sa *sa, const struct child_cfg *cfg)
{
	for (struct child_sa *c = sa->children; c != NULL; c = c->next)
		if (c->cfg.entry == cfg->entry && c->cfg.acl_line == cfg->acl_line &&
			(c->state == CHILD_INSTALLING || c->state == CHILD_INSTALLED ||
				c->state == CHILD_REKEYING))
			return c;
	return NULL;
}

/*
 * The set of our inbound SPIs: open addressing with linear probing, grown
 * at half load. A set of our own rather than a scan of every child SA
 * (which made set-up cost grow with the number of tunnels).
 */
#define SPI_FREE 0u
#define SPI_GONE 1u /* SPIs 0..255 are reserved (RFC 4303 §2.1): free for markers */

static uint32_t
spi_slot(uint32_t spi, uint32_t cap)
{
	return (spi * 2654435761u) & (cap - 1);
}

bool
spi_set_has(const struct hs_ikev2 *e, uint32_t spi)
{
	if (e->spis == NULL)
		return false;
	for (uint32_t i = spi_slot(spi, e->spis_cap);; i = (i + 1) & (e->spis_cap - 1)) {
		if (e->spis[i] == spi)
			return true;
		if (e->spis[i] == SPI_FREE)
			return false;
	}
}

int
spi_set_add(struct hs_ikev2 *e, uint32_t spi)
{
	if ((e->spis_used + 1) * 2 > e->spis_cap) {
		uint32_t cap = e->spis_cap ? e->spis_cap * 2 : 1024, *old = e->spis, ocap = e->spis_cap;
		uint32_t *n = calloc(cap, sizeof(*n));

		if (n == NULL)
			return -ENOMEM;
		e->spis = n;
		e->spis_cap = cap;
		e->spis_used = 0;
		for (uint32_t i = 0; i < ocap; i++)
			if (old[i] > SPI_GONE)
				spi_set_add(e, old[i]);
		free(old);
	}
	for (uint32_t i = spi_slot(spi, e->spis_cap);; i = (i + 1) & (e->spis_cap - 1))
		if (e->spis[i] <= SPI_GONE) {
			e->spis[i] = spi;
			e->spis_used++;
			return 0;
		}
}

void
spi_set_del(struct hs_ikev2 *e, uint32_t spi)
{
	if (e->spis == NULL || spi <= SPI_GONE)
		return;
	for (uint32_t i = spi_slot(spi, e->spis_cap);; i = (i + 1) & (e->spis_cap - 1)) {
		if (e->spis[i] == spi) {
			/* A tombstone keeps later probes going; counted until the next growth. */
			e->spis[i] = SPI_GONE;
			return;
		}
		if (e->spis[i] == SPI_FREE)
			return;
	}
}

uint32_t
child_sa_new_spi(struct hs_ikev2 *e)
{
	for (;;) {
		uint32_t spi;

		if (ike_random(&spi, sizeof(spi)) != 0)
			return 0;
		if (spi < 256) /* RFC 4303 §2.1: 1..255 reserved */
			continue;
		if (!spi_set_has(e, spi))
			return spi_set_add(e, spi) == 0 ? spi : 0;
	}
}

/* The dataplane parameters of one direction, without keys. */
static void
params(const struct child_sa *c, struct hs_sa_params *p, bool in)
{
	const struct ike_sa *sa = c->ike;
	const struct hs_config_crypto_entry *ent = c->cfg.entry;

	p->spi = in ? c->spi_in : c->spi_out;
	p->dir = in ? HS_SA_IN : HS_SA_OUT;
	p->tun_src = in ? sa->path.remote : sa->path.local;
	p->tun_dst = in ? sa->path.local : sa->path.remote;
	/* RFC 3948: UDP-encapsulated ESP on the ports IKE moved to (§2.23). */
	p->natt = sa->natt;
	if (sa->natt) {
		p->natt_sport = in ? sa->path.rport : sa->path.lport;
		p->natt_dport = in ? sa->path.lport : sa->path.rport;
	}
	p->esn = c->esn;
	p->replay_window = in ? ent->replay_window : 0;
	p->df = ent->df;
	p->dscp_copy = true;
	if (ent->lifetime_kb > 0) {
		/* Rekey before the volume runs out; the hard limit stops the SA. */
		uint64_t hard = ent->lifetime_kb * 1024;

		p->lifetime.hard_bytes = hard;
		p->lifetime.soft_bytes = hard - hard / 100 * sa->e->o.rekey_margin_pct;
	}
}

/* A held-back outbound SA that will not be installed: keys wiped. */
static void
pending_drop(struct child_sa *c)
{
	if (c->pending_out == NULL)
		return;
	explicit_bzero(c->pending_out, sizeof(*c->pending_out));
	free(c->pending_out);
	c->pending_out = NULL;
}

/* The child whose outbound SA a REPLACE naming spi retires (none: a kept SA, or nothing). */
static void
out_replaced(struct ike_sa *sa, uint32_t spi, const struct child_sa *by)
{
	struct child_sa *old = spi != 0 ? child_sa_by_spi_out(sa, spi) : NULL;

	if (old != NULL && old != by)
		old->out_installed = false;
}

int
child_sa_install(struct child_sa *c, const uint8_t *ni, size_t ni_len, const uint8_t *nr,
	size_t nr_len, const uint8_t *g_ir, size_t g_ir_len, uint32_t replaces_out_spi,
	enum child_out out)
{
	struct ike_sa *sa = c->ike;
	struct hs_ikev2 *e = sa->e;
	struct hs_ike_kdf_in kin = { .ni = ni, .ni_len = ni_len, .nr = nr, .nr_len = nr_len,
		.g_ir = g_ir, .g_ir_len = g_ir_len };
	struct hs_ike_child_keys ck;
	struct hs_msg_sa *m = calloc(1, sizeof(*m));
	uint32_t life = c->cfg.entry->lifetime_sec;
	int rc;

	if (m == NULL)
		return -ENOMEM;
	rc = hs_ike_child_keys_derive(&ck, &sa->keys, &c->esp, &kin);
	if (rc == 0)
		rc = hs_ike_child_keys_to_sa(&ck, c->initiator, &m->out, &m->in);
	hs_ike_child_keys_wipe(&ck);
	if (rc != 0) {
		IKE_LOG(sa, ERR, "CHILD_SA %" PRIu32 ": key derivation failed (%s)", c->uid,
			strerror(-rc));
		goto out;
	}
	params(c, &m->in, true);
	params(c, &m->out, false);
	hs_msg_init(&m->hdr, replaces_out_spi ? HS_MSG_SA_REPLACE : HS_MSG_SA_ADD, sizeof(*m),
		ike_msg_id_next(e));
	snprintf(m->map, sizeof(m->map), "%s", c->cfg.map->name);
	m->seq = c->cfg.entry->seq;
	m->acl_line = c->cfg.acl_line;
	m->peer = sa->path.remote;
	m->n_ts = (uint8_t)ts_to_msg(&c->ts_local, &c->ts_remote, m->ts, HS_MSG_TS_MAX);
	m->has_in = m->has_out = true;
	/* Rekeys are timed here (timers.c); the dataplane enforces the hard limit. */
	m->lifetime_soft_sec = 0;
	m->lifetime_hard_sec = life + life / 10;
	if (replaces_out_spi == 0 && out == CHILD_OUT_NOW)
		replaces_out_spi = kept_take(e, &c->cfg, &sa->path.remote);
	if (replaces_out_spi != 0)
		hs_msg_init(&m->hdr, HS_MSG_SA_REPLACE, sizeof(*m), m->hdr.id);
	m->del_spi = replaces_out_spi;
	m->origin = HS_SA_ORIGIN_IKEV2;
	m->pfs_group = c->pfs_group;
	m->ike_sa_id = sa->uid;
	if (out == CHILD_OUT_HELD && (c->pending_out = malloc(sizeof(*m))) != NULL) {
		/* The inbound SA now (ADD), the outbound swap when the old pair goes. */
		memcpy(c->pending_out, m, sizeof(*m));
		c->pending_out->has_in = false;
		memset(&c->pending_out->in, 0, sizeof(c->pending_out->in));
	}
	if (c->pending_out != NULL || out == CHILD_OUT_NONE) {
		hs_msg_init(&m->hdr, HS_MSG_SA_ADD, sizeof(*m), m->hdr.id);
		m->has_out = false;
		m->del_spi = 0;
		explicit_bzero(&m->out, sizeof(m->out));
	}
	c->install_id = m->hdr.id;
	child_sa_set_state(c, CHILD_INSTALLING);
	rc = e->io.sa(e->io.ctx, m);
	if (rc == 0 && m->has_out) {
		c->out_installed = true;
		out_replaced(sa, m->del_spi, c);
	}
	if (rc != 0) {
		c->install_id = 0;
		pending_drop(c); /* no dataplane, or no inbound SA: nothing to hold back */
		if (rc == -ENOTCONN) {
			/* No dataplane (kernel-socket mode): negotiated, not installed. */
			child_sa_set_state(c, CHILD_INSTALLED);
			timers_child_installed(c);
			rc = 0;
		} else {
			ike_count(e, HS_IKEV2_C_SA_MSG_FAILED);
			IKE_LOG(sa, ERR, "CHILD_SA %" PRIu32 ": SA message not queued (%s)",
				c->uid, strerror(-rc));
		}
	}
out:
	explicit_bzero(m, sizeof(*m));
	free(m);
	return rc;
}

static void
send_del(struct hs_ikev2 *e, const struct child_sa *c, uint32_t spi, enum hs_sa_dir dir)
{
	struct hs_msg_sa *m = calloc(1, sizeof(*m));

	if (m == NULL || spi == 0) {
		free(m);
		return;
	}
	hs_msg_init(&m->hdr, HS_MSG_SA_DEL, sizeof(*m), ike_msg_id_next(e));
	m->del_spi = spi;
	m->del_dir = (uint8_t)dir;
	m->peer = c->ike->path.remote;
	m->origin = HS_SA_ORIGIN_IKEV2;
	if (e->io.sa(e->io.ctx, m) != 0 && e->io.ctx != NULL)
		IKE_LOG(c->ike, DEBUG, "SA delete 0x%08" PRIx32 " not queued", spi);
	free(m);
}

/* The held-back outbound SA of a rekey's responder: now into the dataplane. */
static void
activate_out(struct child_sa *c)
{
	struct hs_ikev2 *e = c->ike->e;
	struct hs_msg_sa *m = c->pending_out;
	int rc;

	if (m == NULL)
		return;
	c->pending_out = NULL;
	m->hdr.id = ike_msg_id_next(e);
	c->out_install_id = m->hdr.id;
	rc = e->io.sa(e->io.ctx, m);
	if (rc != 0) {
		c->out_install_id = 0;
		ike_count(e, HS_IKEV2_C_SA_MSG_FAILED);
		IKE_LOG(c->ike, ERR, "CHILD_SA %" PRIu32 ": outbound SA message not queued (%s)",
			c->uid, strerror(-rc));
	} else {
		c->out_installed = true;
		out_replaced(c->ike, m->del_spi, c);
		IKE_LOG(c->ike, DEBUG, "CHILD_SA %" PRIu32 ": outbound traffic to 0x%08" PRIx32
			" (replacing 0x%08" PRIx32 ")", c->uid, c->spi_out, m->del_spi);
	}
	explicit_bzero(m, sizeof(*m));
	free(m);
}

/* The successor of a rekeyed-away child that still holds its outbound SA back. */
static struct child_sa *
pending_successor(const struct child_sa *old)
{
	for (struct child_sa *c = old->ike->children; c != NULL; c = c->next)
		if (c != old && c->pending_out != NULL && c->rekeyed_from == old->spi_in)
			return c;
	return NULL;
}

struct child_sa *
child_sa_peer_successor(struct ike_sa *sa, uint32_t old_spi_in)
{
	for (struct child_sa *c = sa->children; c != NULL; c = c->next)
		if (c->rekey_nonce != NULL && c->rekeyed_from == old_spi_in && old_spi_in != 0 &&
			c->state != CHILD_REKEYED && c->state != CHILD_DELETING)
			return c;
	return NULL;
}

void
child_sa_redundant(struct child_sa *c)
{
	if (c->pending_out != NULL)
		IKE_LOG(c->ike, DEBUG, "CHILD_SA %" PRIu32 ": its outbound SA stays out", c->uid);
	pending_drop(c);
	child_sa_set_state(c, CHILD_REKEYED);
	c->delete_ms = c->ike->e->now + IKE_DELETE_WAIT_MS * 6;
}

/* Tasks that name the child forget it (they then do nothing). */
static void
forget_in_tasks(struct child_sa *c)
{
	struct ike_sa *sa = c->ike;

	if (sa->active != NULL && sa->active->target == c)
		sa->active->target = NULL;
	for (struct task *t = sa->queue; t != NULL; t = t->next)
		if (t->target == c)
			t->target = NULL;
}

bool
child_sa_in_dataplane(const struct child_sa *c)
{
	/* An ADD not acknowledged yet still lands: its delete must follow it. */
	return c->installed || c->install_id != 0;
}

void
child_sa_delete(struct child_sa *c, bool tell_dataplane)
{
	struct hs_ikev2 *e = c->ike->e;
	struct child_sa *next;

	forget_in_tasks(c);
	/*
	 * The outbound swap a rekey's responder held back happens when the old
	 * pair goes, before its SAs are deleted: the old outbound SA is retired
	 * by it. A new child that goes itself (the peer deleted it, e.g. as the
	 * redundant one of a collision) never takes outbound traffic: it stays
	 * on the old pair, or on the pair that replaces it.
	 */
	pending_drop(c);
	next = tell_dataplane ? pending_successor(c) : NULL;
	if (next != NULL)
		activate_out(next);
	if (tell_dataplane) {
		if (c->out_installed)
			send_del(e, c, c->spi_out, HS_SA_OUT);
		send_del(e, c, c->spi_in, HS_SA_IN);
	}
	IKE_LOG(c->ike, INFO, "CHILD_SA %" PRIu32 " deleted (in 0x%08" PRIx32 " out 0x%08" PRIx32
		")", c->uid, c->spi_in, c->spi_out);
	spi_set_del(e, c->spi_in);
	child_sa_unlink(c);
	free(c->rekey_nonce);
	explicit_bzero(c, sizeof(*c));
	free(c);
}

void
child_sa_result(struct hs_ikev2 *e, uint64_t id, int result, const char *error)
{
	for (struct ike_sa *sa = e->sas; sa != NULL; sa = sa->next)
		for (struct child_sa *c = sa->children; c != NULL; c = c->next) {
			if (c->out_install_id == id && id != 0) {
				c->out_install_id = 0;
				if (result != 0) {
					ike_count(e, HS_IKEV2_C_SA_MSG_FAILED);
					IKE_LOG(sa, ERR, "CHILD_SA %" PRIu32 " outbound SA refused by the "
						"dataplane: %s", c->uid,
						error != NULL ? error : strerror(-result));
				}
				return;
			}
			if (c->install_id != id)
				continue;
			c->install_id = 0;
			if (result != 0) {
				ike_count(e, HS_IKEV2_C_SA_MSG_FAILED);
				IKE_LOG(sa, ERR, "CHILD_SA %" PRIu32 " refused by the dataplane: %s",
					c->uid, error != NULL ? error : strerror(-result));
				c->installed = false;
				pending_drop(c); /* no outbound SA without its inbound one */
				return;
			}
			c->installed = true;
			if (c->state == CHILD_INSTALLING)
				child_sa_set_state(c, CHILD_INSTALLED);
			IKE_LOG(sa, INFO, "CHILD_SA %" PRIu32 " installed: in 0x%08" PRIx32
				" out 0x%08" PRIx32, c->uid, c->spi_in, c->spi_out);
			timers_child_installed(c);
			return;
		}
}

uint32_t
kept_take(struct hs_ikev2 *e, const struct child_cfg *cfg, const struct hs_addr *peer)
{
	uint32_t out = 0;

	for (unsigned int i = 0; i < e->n_kept; i++) {
		struct kept_sa *k = &e->kept[i];

		if (k->delete_ms != 0 || k->cfg.entry != cfg->entry ||
			k->cfg.acl_line != cfg->acl_line || !hs_addr_equal(&k->peer, peer))
			continue;
		/* Old inbound SAs decrypt what is still in flight for a while. */
		k->delete_ms = e->now + IKE_KEPT_GRACE_MS;
		if (k->dir == HS_SA_OUT && out == 0)
			out = k->spi;
	}
	return out;
}

void
kept_expire(struct hs_ikev2 *e)
{
	unsigned int j = 0;

	for (unsigned int i = 0; i < e->n_kept; i++) {
		struct kept_sa *k = &e->kept[i];

		if (k->delete_ms == 0 || e->now < k->delete_ms) {
			e->kept[j++] = *k;
			continue;
		}
		struct hs_msg_sa *m = calloc(1, sizeof(*m));

		if (m == NULL) {
			e->kept[j++] = *k;
			continue;
		}
		hs_msg_init(&m->hdr, HS_MSG_SA_DEL, sizeof(*m), ike_msg_id_next(e));
		m->del_spi = k->spi;
		m->del_dir = k->dir;
		m->peer = k->peer;
		m->origin = HS_SA_ORIGIN_IKEV2;
		e->io.sa(e->io.ctx, m);
		free(m);
		ike_log(e, HS_IKEV2_LOG_INFO, NULL, "kept %s SA 0x%08" PRIx32 " replaced: deleted",
			k->dir == HS_SA_IN ? "inbound" : "outbound", k->spi);
	}
	e->n_kept = j;
}
