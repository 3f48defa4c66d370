/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKE_AUTH (RFC 7296 §1.2, §2.15) with the first child SA, both roles.
 * Authentication failure ends the IKE SA; a child SA that cannot be agreed
 * (no proposal, selectors refused) does not: the IKE SA stays up and says
 * why (§1.2, §2.21.2).
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "ikev2_priv.h"

static void
established(struct ike_sa *sa)
{
	char name[128];

	sa->authenticated = true;
	sa->established_ms = sa->e->now;
	ike_sa_set_state(sa, IKE_ESTABLISHED);
	ike_count(sa->e, HS_IKEV2_C_IKE_UP);
	timers_established(sa);
	/* The IKE_SA_INIT messages are needed no more (AUTH is done). */
	free(sa->init_req);
	free(sa->init_resp);
	sa->init_req = sa->init_resp = NULL;
	IKE_LOG(sa, NOTICE, "IKE SA established with %s (%s, %s, %s%s)", sa->peer_id,
		prop_suite_name(&sa->suite, sa->dh_group, name, sizeof(name)),
		auth_by_cert(sa) ? "certificates" : "pre-shared key",
		sa->initiator ? "initiator" : "responder", sa->natt ? ", NAT-T" : "");
}

/* ---- initiator ---- */

/*
 * §2.21.2: the responder's AUTH failed: tell it in an INFORMATIONAL request
 * (sent once, not waited for) so that it drops the IKE SA it thinks is up.
 */
static void
tell_auth_failed(struct ike_sa *sa)
{
	struct hs_ike_msg *m = &sa->e->tx;
	size_t len;

	ike_msg_start(sa, m, HS_IKE_INFORMATIONAL, false, sa->tx_next);
	if (hs_ike_msg_add_notify(m, 0, NULL, 0, HS_IKE_N_AUTHENTICATION_FAILED, NULL, 0) == 0 &&
		ike_msg_seal(sa, m, sa->e->out, sizeof(sa->e->out), &len) == 0)
		ike_send_sealed(sa, sa->e->out, len);
}

static int
auth_build_req(struct ike_sa *sa, struct task *t, struct hs_ike_msg *m)
{
	int rc = auth_add_ours(sa, m, HS_IKE_PL_IDI);

	if (rc != 0)
		return rc;
	/*
	 * §2.4: we hold no other IKE SA with this peer that it should forget;
	 * except after our restart, when the peer's old SAs still carry traffic
	 * until the new ones replace them.
	 */
	if (!sa->resync &&
		hs_ike_msg_add_notify(m, 0, NULL, 0, HS_IKE_N_INITIAL_CONTACT, NULL, 0) != 0)
		return -ENOSPC;
	return child_build_req(sa, t, m, false);
}

static int
auth_process(struct ike_sa *sa, struct task *t, const struct hs_ike_msg *m)
{
	uint16_t err = ike_error_notify(m);
	const struct hs_ike_pl *id = hs_ike_msg_find(m, HS_IKE_PL_IDR, NULL);
	const struct hs_ike_pl *auth = hs_ike_msg_find(m, HS_IKE_PL_AUTH, NULL);
	char why[256];

	if (id == NULL || auth == NULL) {
		snprintf(why, sizeof(why), "IKE_AUTH refused by the peer: %s",
			err != 0 ? hs_ike_notify_name(err) : "no IDr/AUTH");
		ike_sa_fail(sa, why);
		return -EACCES;
	}
	if (auth_verify(sa, m, id, auth, why, sizeof(why)) != 0) {
		tell_auth_failed(sa);
		ike_sa_fail(sa, why);
		return -EACCES;
	}
	if (sa->entry != NULL && !auth_peer_id_allowed(sa->entry, id)) {
		snprintf(why, sizeof(why), "the peer's ID %s is not the crypto map entry's "
					   "peer-identity", sa->peer_id);
		tell_auth_failed(sa);
		ike_sa_fail(sa, why);
		return -EACCES;
	}
	established(sa);
	if (err != 0) {
		ike_count(sa->e, HS_IKEV2_C_CHILD_FAILED);
		IKE_LOG(sa, NOTICE, "first child SA refused by the peer: %s",
			hs_ike_notify_name(err));
		return 0;
	}
	return child_process_resp(sa, t, m, sa->ni, sa->ni_len, sa->nr, sa->nr_len);
}

const struct task_ops task_auth_ops = {
	.exchange = HS_IKE_AUTH,
	.build = auth_build_req,
	.process = auth_process,
};

/* ---- responder ---- */

/* The crypto map entry for the peer: by its address, else by its ID address. */
static bool
peer_known(struct ike_sa *sa, struct hs_addr *peer)
{
	const struct hs_config *cfg = sa->e->cfg;
	struct hs_addr id;

	for (int pass = 0; pass < 2; pass++) {
		const struct hs_addr *a = &sa->path.remote;

		if (pass == 1) {
			if (hs_addr_parse(sa->peer_id, &id) != 0)
				return false;
			a = &id;
		}
		for (unsigned int i = 0; i < cfg->n_maps; i++)
			for (unsigned int k = 0; k < cfg->maps[i].n_entries; k++) {
				const struct hs_config_crypto_entry *ent = &cfg->maps[i].entries[k];

				for (unsigned int p = 0; p < ent->n_peers; p++)
					if (ent->ike_version == 2 && hs_addr_equal(&ent->peers[p], a)) {
						sa->map = &cfg->maps[i];
						sa->entry = ent;
						*peer = *a;
						return true;
					}
			}
	}
	return false;
}

static void
refuse(struct ike_sa *sa, uint32_t msg_id, uint16_t notify, const char *why)
{
	struct hs_ike_msg *r = &sa->e->tx;

	ike_msg_start(sa, r, HS_IKE_AUTH, true, msg_id);
	hs_ike_msg_add_notify(r, 0, NULL, 0, notify, NULL, 0);
	ike_send_response(sa, r);
	ike_sa_fail(sa, why);
}

void
auth_respond(struct ike_sa *sa, const struct hs_ike_msg *m)
{
	const struct hs_ike_pl *id = hs_ike_msg_find(m, HS_IKE_PL_IDI, NULL);
	const struct hs_ike_pl *auth = hs_ike_msg_find(m, HS_IKE_PL_AUTH, NULL);
	struct hs_ike_msg *r = &sa->e->tx;
	struct hs_addr peer;
	char why[256];

	if (sa->initiator || sa->authenticated || sa->state != IKE_CONNECTING) {
		ike_count(sa->e, HS_IKEV2_C_RX_UNEXPECTED);
		return;
	}
	if (id == NULL || auth == NULL) {
		refuse(sa, m->hdr.msg_id, HS_IKE_N_INVALID_SYNTAX, "IKE_AUTH without IDi or AUTH");
		return;
	}
	if (auth_verify(sa, m, id, auth, why, sizeof(why)) != 0) {
		refuse(sa, m->hdr.msg_id, HS_IKE_N_AUTHENTICATION_FAILED, why);
		return;
	}
	if (!peer_known(sa, &peer)) {
		refuse(sa, m->hdr.msg_id, HS_IKE_N_AUTHENTICATION_FAILED,
			"no IKEv2 crypto map entry has this peer");
		return;
	}
	if (!auth_peer_id_allowed(sa->entry, id)) {
		snprintf(why, sizeof(why), "the peer's ID %s is not the crypto map entry's "
					   "peer-identity", sa->peer_id);
		refuse(sa, m->hdr.msg_id, HS_IKE_N_AUTHENTICATION_FAILED, why);
		return;
	}
	ike_msg_start(sa, r, HS_IKE_AUTH, true, m->hdr.msg_id);
	if (auth_add_ours(sa, r, HS_IKE_PL_IDR) != 0) {
		ike_msg_start(sa, r, HS_IKE_AUTH, true, m->hdr.msg_id);
		refuse(sa, m->hdr.msg_id, HS_IKE_N_AUTHENTICATION_FAILED, "no key to answer with");
		return;
	}
	established(sa);
	/*
	 * §2.4: the peer forgot its other IKE SAs with us, so do we (their child
	 * SAs leave the dataplane before the new ones come in). Without
	 * INITIAL_CONTACT, older ones that this one duplicates go after a grace.
	 */
	if (hs_ike_msg_find_notify(m, HS_IKE_N_INITIAL_CONTACT) != NULL)
		ike_sa_peer_restarted(sa, true);
	else
		sa->supersede_ms = sa->e->now + IKE_KEPT_GRACE_MS;
	/* A child refused here still leaves the IKE SA up: the notify says why. */
	child_respond_payloads(sa, m, r, NULL, 0);
	ike_send_response(sa, r);
}
