/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKE SAs: creation, the table by our SPI, the one state setter (checked
 * against a transition table, logged), the task queue with its window of
 * one, and destruction (deferred to the end of the engine call, so that no
 * caller up the stack holds a freed SA).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ikev2_priv.h"

static const char *const state_names[] = { IKE_STATES(HS_ENUM_STR) };
static const char *const task_names[] = { TASK_KINDS(HS_ENUM_STR) };

const char *
ike_state_name(enum ike_state s)
{
	return s < IKE_STATE_MAX ? state_names[s] : "?";
}

/* Allowed transitions: from -> bit set of to. */
#define BIT(s) (1u << (s))
static const uint32_t transitions[IKE_STATE_MAX] = {
	[IKE_CREATED] = BIT(IKE_CONNECTING) | BIT(IKE_ESTABLISHED) | BIT(IKE_DESTROYING),
	[IKE_CONNECTING] = BIT(IKE_ESTABLISHED) | BIT(IKE_DELETING) | BIT(IKE_DESTROYING),
	[IKE_ESTABLISHED] = BIT(IKE_REKEYING) | BIT(IKE_REKEYED) | BIT(IKE_DELETING) |
		BIT(IKE_DESTROYING),
	[IKE_REKEYING] = BIT(IKE_ESTABLISHED) | BIT(IKE_REKEYED) | BIT(IKE_DELETING) |
		BIT(IKE_DESTROYING),
	[IKE_REKEYED] = BIT(IKE_DELETING) | BIT(IKE_DESTROYING),
	[IKE_DELETING] = BIT(IKE_DESTROYING),
	[IKE_DESTROYING] = 0,
};

void
ike_sa_set_state(struct ike_sa *sa, enum ike_state to)
{
	enum ike_state from = sa->state;

	if (from == to)
		return;
	if (!(transitions[from] & BIT(to))) {
		ike_count(sa->e, HS_IKEV2_C_STATE_REFUSED);
		IKE_LOG(sa, ERR, "state %s -> %s refused (bug)", ike_state_name(from),
			ike_state_name(to));
		return;
	}
	if (from <= IKE_CONNECTING && to > IKE_CONNECTING && !sa->initiator &&
		sa->e->n_half_open > 0)
		sa->e->n_half_open--;
	sa->state = to;
	IKE_LOG(sa, DEBUG, "%s -> %s", ike_state_name(from), ike_state_name(to));
}

uint64_t
ike_sa_our_spi(const struct ike_sa *sa)
{
	return sa->initiator ? sa->spi_i : sa->spi_r;
}

static unsigned int
bucket(uint64_t spi)
{
	return (unsigned int)((spi ^ (spi >> 32)) % IKE_HASH_BUCKETS);
}

struct ike_sa *
ike_sa_find(struct hs_ikev2 *e, uint64_t our_spi)
{
	if (our_spi == 0)
		return NULL;
	for (struct ike_sa *sa = e->buckets[bucket(our_spi)]; sa != NULL; sa = sa->hnext)
		if (ike_sa_our_spi(sa) == our_spi)
			return sa;
	return NULL;
}

uint64_t
ike_sa_new_spi(struct hs_ikev2 *e)
{
	uint64_t spi = 0;

	while (spi == 0 || ike_sa_find(e, spi) != NULL)
		if (ike_random(&spi, sizeof(spi)) != 0)
			return 0;
	return spi;
}

static void
hash_add(struct ike_sa *sa)
{
	struct ike_sa **b = &sa->e->buckets[bucket(ike_sa_our_spi(sa))];

	sa->hnext = *b;
	*b = sa;
	if (!sa->initiator && sa->spi_i != 0) {
		b = &sa->e->ibuckets[bucket(sa->spi_i)];
		sa->inext = *b;
		*b = sa;
	}
}

static void
ihash_del(struct ike_sa *sa)
{
	for (struct ike_sa **p = &sa->e->ibuckets[bucket(sa->spi_i)]; *p != NULL; p = &(*p)->inext)
		if (*p == sa) {
			*p = sa->inext;
			return;
		}
}

struct ike_sa *
ike_sa_find_spi_i(struct hs_ikev2 *e, uint64_t spi_i, const struct hs_addr *peer)
{
	for (struct ike_sa *sa = e->ibuckets[bucket(spi_i)]; sa != NULL; sa = sa->inext)
		if (sa->spi_i == spi_i && hs_addr_equal(&sa->path.remote, peer))
			return sa;
	return NULL;
}

static void
hash_del(struct ike_sa *sa, uint64_t spi)
{
	for (struct ike_sa **p = &sa->e->buckets[bucket(spi)]; *p != NULL; p = &(*p)->hnext)
		if (*p == sa) {
			*p = sa->hnext;
			return;
		}
}

void
ike_sa_rehash(struct ike_sa *sa, uint64_t old_spi)
{
	hash_del(sa, old_spi);
	if (!sa->initiator)
		ihash_del(sa);
	hash_add(sa);
}

struct ike_sa *
ike_sa_find_peer(struct hs_ikev2 *e, const struct hs_addr *peer)
{
	struct ike_sa *best = NULL;

	for (struct ike_sa *sa = e->sas; sa != NULL; sa = sa->next) {
		if (sa->state < IKE_CONNECTING || sa->state > IKE_REKEYING ||
			!hs_addr_equal(&sa->path.remote, peer))
			continue;
		/* An established SA wins over one being set up. */
		if (best == NULL || (best->state == IKE_CONNECTING && sa->state != IKE_CONNECTING))
			best = sa;
	}
	return best;
}

struct ike_sa *
ike_sa_new(struct hs_ikev2 *e, bool initiator, const struct hs_ike_path *path)
{
	struct ike_sa *sa = calloc(1, sizeof(*sa));

	if (sa == NULL)
		return NULL;
	sa->e = e;
	sa->uid = ++e->next_uid;
	sa->initiator = initiator;
	sa->path = *path;
	sa->created_ms = sa->last_rx_ms = e->now;
	if (initiator) {
		sa->spi_i = ike_sa_new_spi(e);
		if (sa->spi_i == 0) {
			free(sa);
			return NULL;
		}
	} else {
		e->n_half_open++;
	}
	sa->next = e->sas;
	if (e->sas != NULL)
		e->sas->prev = sa;
	e->sas = sa;
	e->n_sas++;
	if (ike_sa_our_spi(sa) != 0)
		hash_add(sa);
	return sa;
}

void
ike_task_free(struct task *t)
{
	if (t == NULL)
		return;
	if (t->ops->destroy != NULL)
		t->ops->destroy(t);
	/* An SPI proposed for a child that never came is free again. */
	if (t->spi != 0 && t->created == NULL)
		spi_set_del(t->e, t->spi);
	hs_ike_dh_free(t->dh);
	explicit_bzero(t, sizeof(*t));
	free(t);
}

static const struct task_ops *
task_ops_of(enum task_kind k)
{
	switch (k) {
	case TASK_INIT:
		return &task_init_ops;
	case TASK_AUTH:
		return &task_auth_ops;
	case TASK_CHILD:
		return &task_child_ops;
	case TASK_CHILD_REKEY:
		return &task_child_rekey_ops;
	case TASK_IKE_REKEY:
		return &task_ike_rekey_ops;
	case TASK_DELETE_CHILD:
		return &task_delete_child_ops;
	case TASK_DELETE_IKE:
		return &task_delete_ike_ops;
	case TASK_DPD:
		return &task_dpd_ops;
	default:
		return NULL;
	}
}

struct task *
ike_task_new(struct ike_sa *sa, enum task_kind kind)
{
	struct task *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->e = sa->e;
	t->kind = kind;
	t->ops = task_ops_of(kind);
	return t;
}

void
ike_task_queue(struct ike_sa *sa, struct task *t, bool front)
{
	struct task **p = &sa->queue;

	if (front) {
		t->next = sa->queue;
		sa->queue = t;
		return;
	}
	while (*p != NULL)
		p = &(*p)->next;
	t->next = NULL;
	*p = t;
}

void
ike_sa_kick(struct ike_sa *sa)
{
	while (sa->active == NULL && sa->queue != NULL && sa->state != IKE_DESTROYING) {
		struct task *t = sa->queue;

		/* Only IKE_SA_INIT and IKE_AUTH run before the SA is up (§1.2). */
		if (sa->state == IKE_CONNECTING && t->kind != TASK_AUTH && t->kind != TASK_INIT)
			return;
		if (sa->state == IKE_DELETING && t->kind != TASK_DELETE_IKE)
			return;
		sa->queue = t->next;
		t->next = NULL;
		sa->active = t;
		IKE_LOG(sa, DEBUG, "starting %s", task_names[t->kind]);
		if (ike_send_request(sa, t) != 0) {
			sa->active = NULL;
			IKE_LOG(sa, WARNING, "%s could not be sent", task_names[t->kind]);
			ike_task_free(t);
			if (sa->state == IKE_DESTROYING)
				return;
		}
	}
}

void
ike_sa_destroy(struct ike_sa *sa, bool delete_children)
{
	struct hs_ikev2 *e = sa->e;
	struct task *t;

	/*
	 * Once only: an SA can be reached twice in one call, e.g. a rekey's new
	 * SA by hs_ikev2_free()'s walk and again by the rekey task that owns it
	 * (rekey_destroy) when the old SA goes. A second unlink would put the
	 * reap list into e->sas and free the SA twice.
	 */
	if (sa->state == IKE_DESTROYING)
		return;
	while (sa->children != NULL) {
		struct child_sa *c = sa->children;

		child_sa_delete(c, delete_children && child_sa_in_dataplane(c));
	}
	if (sa->active != sa->processing)
		ike_task_free(sa->active);
	sa->active = NULL;
	while ((t = sa->queue) != NULL) {
		sa->queue = t->next;
		ike_task_free(t);
	}
	if (sa->state <= IKE_CONNECTING && !sa->initiator && e->n_half_open > 0)
		e->n_half_open--;
	sa->state = IKE_DESTROYING;
	if (ike_sa_our_spi(sa) != 0)
		hash_del(sa, ike_sa_our_spi(sa));
	if (!sa->initiator)
		ihash_del(sa);
	if (sa->prev != NULL)
		sa->prev->next = sa->next;
	else
		e->sas = sa->next;
	if (sa->next != NULL)
		sa->next->prev = sa->prev;
	e->n_sas--;
	sa->prev = NULL;
	sa->next = e->reap;
	e->reap = sa;
}

void
ike_sa_fail(struct ike_sa *sa, const char *why)
{
	if (sa->state == IKE_DESTROYING)
		return;
	IKE_LOG(sa, NOTICE, "IKE SA failed: %s; deleting it and its child SAs", why);
	if (sa->state < IKE_ESTABLISHED)
		ike_count(sa->e, HS_IKEV2_C_IKE_FAILED);
	ike_sa_destroy(sa, true);
}

void
ike_sa_adopt(struct ike_sa *nsa, struct ike_sa *old)
{
	struct child_sa **tail = &nsa->children;
	struct task **q;

	while (*tail != NULL)
		tail = &(*tail)->next;
	*tail = old->children;
	for (struct child_sa *c = old->children; c != NULL; c = c->next)
		c->ike = nsa;
	old->children = NULL;
	/* Queued exchanges move too: they are for the peer, not for these keys. */
	for (q = &nsa->queue; *q != NULL; q = &(*q)->next)
		;
	*q = old->queue;
	old->queue = NULL;
	nsa->map = old->map;
	nsa->entry = old->entry;
	nsa->peer_id_type = old->peer_id_type;
	nsa->peer_auth = old->peer_auth;
	memcpy(nsa->peer_id, old->peer_id, sizeof(nsa->peer_id));
	nsa->nat_local = old->nat_local;
	nsa->nat_remote = old->nat_remote;
	nsa->natt = old->natt;
	/* RFC 7383 §2.3: agreed once per IKE SA in IKE_SA_INIT, inherited by a rekey. */
	nsa->frag = old->frag;
	old->rekeyed_to = nsa->uid;
}

/* Every live child of old has one with the same selectors in nsa. */
static bool
children_covered(const struct ike_sa *old, const struct ike_sa *nsa)
{
	for (const struct child_sa *c = old->children; c != NULL; c = c->next) {
		bool found = false;

		if (c->state == CHILD_REKEYED || c->state == CHILD_DELETING)
			continue;
		for (const struct child_sa *n = nsa->children; n != NULL && !found; n = n->next)
			found = n->state == CHILD_INSTALLED &&
				ts_list_equal(&c->ts_local, &n->ts_local) &&
				ts_list_equal(&c->ts_remote, &n->ts_remote);
		if (!found)
			return false;
	}
	return true;
}

static bool
same_peer(const struct ike_sa *a, const struct ike_sa *b)
{
	return a != b && a->authenticated && b->authenticated &&
	       a->peer_id_type == b->peer_id_type && strcmp(a->peer_id, b->peer_id) == 0 &&
	       hs_addr_equal(&a->path.remote, &b->path.remote);
}

unsigned int
ike_sa_peer_restarted(struct ike_sa *sa, bool initial_contact)
{
	unsigned int n = 0;
	struct ike_sa *o;

again:
	for (o = sa->e->sas; o != NULL; o = o->next) {
		if ((o->state != IKE_ESTABLISHED && o->state != IKE_REKEYING) || !same_peer(o, sa))
			continue;
		if (!initial_contact &&
			(o->established_ms > sa->established_ms || !children_covered(o, sa)))
			continue;
		if (initial_contact)
			IKE_LOG(o, NOTICE, "the peer restarted (INITIAL_CONTACT on IKE_SA %" PRIu64
				"): deleting this IKE SA and its child SAs", sa->uid);
		else
			IKE_LOG(o, NOTICE, "superseded by IKE_SA %" PRIu64 " with the same peer and "
				"child SAs (it restarted without INITIAL_CONTACT): deleting this IKE SA "
				"and its child SAs", sa->uid);
		ike_sa_destroy(o, true);
		n++;
		goto again; /* the list changed */
	}
	return n;
}

void
ike_sa_supersede_due(struct hs_ikev2 *e)
{
again:
	for (struct ike_sa *sa = e->sas; sa != NULL; sa = sa->next) {
		if (sa->supersede_ms == 0 || e->now < sa->supersede_ms)
			continue;
		sa->supersede_ms = 0;
		if (sa->state == IKE_ESTABLISHED && ike_sa_peer_restarted(sa, false) > 0)
			goto again;
	}
}
