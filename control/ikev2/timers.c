/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Timer policy (WireGuard's style: callers report events, this file decides):
 * retransmission, half-open expiry, liveness checks (RFC 7296 §2.4), IKE SA
 * and child SA rekeys before their lifetimes end (§2.8), the clean-up of
 * rekeyed-away SAs, and NAT keepalives (RFC 3948 §2.3).
 *
 * Rekey times: the SA's creator rekeys at (100 - margin)% of the lifetime,
 * the other end only at (100 - margin/2)%, so that both rarely start the
 * same rekey (§2.8.1); a little jitter spreads thousands of tunnels.
 */
#include <inttypes.h>
#include <stdlib.h>

#include "ikev2_priv.h"

static uint64_t
jitter_ms(uint64_t span)
{
	uint32_t r = 0;

	if (span == 0 || ike_random(&r, sizeof(r)) != 0)
		return 0;
	return r % span;
}

static uint64_t
rekey_after_ms(struct hs_ikev2 *e, uint32_t life_sec, bool creator)
{
	uint64_t life = (uint64_t)life_sec * 1000;
	uint32_t pct = creator ? 100 - e->o.rekey_margin_pct : 100 - e->o.rekey_margin_pct / 2;

	return life * pct / 100 - jitter_ms(life / 100);
}

/* The lifetime of the ike-policy the IKE SA was negotiated with. */
static uint32_t
ike_lifetime(const struct ike_sa *sa)
{
	const struct hs_config *cfg = sa->e->cfg;

	if (sa->policy != NULL)
		return sa->policy->lifetime;
	for (unsigned int i = 0; i < cfg->n_ike_policies; i++)
		if (cfg->ike_policies[i].group == sa->dh_group)
			return cfg->ike_policies[i].lifetime;
	return HS_CONFIG_IKE_LIFETIME_DEFAULT;
}

void
timers_established(struct ike_sa *sa)
{
	struct hs_ikev2 *e = sa->e;

	sa->lifetime_sec = ike_lifetime(sa);
	sa->rekey_ms = e->now + rekey_after_ms(e, sa->lifetime_sec, sa->initiator);
	sa->expire_ms = e->now + (uint64_t)sa->lifetime_sec * 1000;
	sa->dpd_ms = e->now + (uint64_t)e->o.dpd_sec * 1000;
	sa->keepalive_ms = e->now + (uint64_t)e->o.natt_keepalive_sec * 1000;
}

void
timers_child_installed(struct child_sa *c)
{
	struct hs_ikev2 *e = c->ike->e;
	uint32_t life = c->cfg.entry->lifetime_sec;

	if (c->rekey_ms != 0)
		return; /* the ack of a REPLACE after an earlier -ENOTCONN path */
	c->rekey_ms = c->created_ms + rekey_after_ms(e, life, c->initiator);
	c->expire_ms = c->created_ms + (uint64_t)life * 1000;
}

static void
queue(struct ike_sa *sa, enum task_kind kind, struct child_sa *target)
{
	struct task *t = ike_task_new(sa, kind);

	if (t == NULL)
		return;
	t->target = target;
	ike_task_queue(sa, t, false);
}

static void
children(struct ike_sa *sa, uint64_t now)
{
	struct child_sa *c, *next;

	for (c = sa->children; c != NULL; c = next) {
		next = c->next;
		if (c->state == CHILD_REKEYED && c->delete_ms != 0 && now >= c->delete_ms) {
			/* The peer never deleted the old pair: do it here. */
			child_sa_delete(c, child_sa_in_dataplane(c));
		} else if (c->state == CHILD_INSTALLED && c->rekey_ms != 0 && now >= c->rekey_ms &&
			   sa->state == IKE_ESTABLISHED) {
			child_sa_set_state(c, CHILD_REKEYING);
			queue(sa, TASK_CHILD_REKEY, c);
		} else if ((c->state == CHILD_INSTALLED || c->state == CHILD_REKEYING) &&
			   c->expire_ms != 0 && now >= c->expire_ms) {
			IKE_LOG(sa, NOTICE, "CHILD_SA %" PRIu32 " expired before its rekey", c->uid);
			child_sa_set_state(c, CHILD_DELETING);
			queue(sa, TASK_DELETE_CHILD, c);
		}
	}
}

void
timers_sa(struct ike_sa *sa, uint64_t now)
{
	struct hs_ikev2 *e = sa->e;

	ike_retransmit(sa);
	if (sa->state == IKE_DESTROYING)
		return;
	frag_expire(sa, now);
	if (sa->state <= IKE_CONNECTING && !sa->rekey_new && now - sa->created_ms > IKE_HALF_OPEN_MS) {
		ike_sa_fail(sa, "not established in time");
		return;
	}
	if (sa->state == IKE_REKEYED && sa->destroy_ms != 0 && now >= sa->destroy_ms) {
		ike_sa_destroy(sa, false);
		return;
	}
	if (sa->state != IKE_ESTABLISHED)
		return;
	children(sa, now);
	if (now >= sa->expire_ms) {
		IKE_LOG(sa, NOTICE, "IKE SA lifetime over before a rekey: deleting it");
		queue(sa, TASK_DELETE_IKE, NULL);
	} else if (now >= sa->rekey_ms && sa->active == NULL) {
		sa->rekey_ms = UINT64_MAX;
		queue(sa, TASK_IKE_REKEY, NULL);
	}
	/*
	 * Liveness (§2.4): only when the peer has been quiet and we have nothing
	 * to send. Heard from lately: look again when its quiet time is up (not
	 * a whole period from now, which let a peer that only answers our checks
	 * go unchecked for up to twice --dpd).
	 */
	if (now >= sa->dpd_ms) {
		uint64_t dpd = (uint64_t)e->o.dpd_sec * 1000;

		if (now - sa->last_rx_ms < dpd) {
			sa->dpd_ms = sa->last_rx_ms + dpd;
		} else {
			sa->dpd_ms = now + dpd;
			if (sa->active == NULL && sa->queue == NULL)
				queue(sa, TASK_DPD, NULL);
		}
	}
	/* RFC 3948 §2.3: keep our NAT's mapping open. */
	if (sa->nat_local && now >= sa->keepalive_ms) {
		static const uint8_t ka = 0xff;

		sa->keepalive_ms = now + (uint64_t)e->o.natt_keepalive_sec * 1000;
		if (now - sa->last_tx_ms >= (uint64_t)e->o.natt_keepalive_sec * 1000)
			ike_send_raw(e, &sa->path, &ka, 1);
	}
	ike_sa_kick(sa);
}
