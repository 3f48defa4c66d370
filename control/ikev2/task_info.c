/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * INFORMATIONAL exchanges (RFC 7296 §1.4): deleting a child SA (§1.4.1, both
 * directions are named by the sender's inbound SPI), deleting the IKE SA
 * with all its children, and the empty request that checks liveness (DPD,
 * §2.4). A peer that does not answer a liveness check after the
 * retransmissions is dead: its IKE SA and child SAs are removed (transmit.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "ikev2_priv.h"

#define DEL_SPIS_MAX 64

/* ---- initiator ---- */

static int
del_child_build(struct ike_sa *sa, struct task *t, struct hs_ike_msg *m)
{
	struct child_sa *c = t->target;

	(void)sa;
	if (c == NULL)
		return -ENOENT;
	ike_put32(c->spi_in, t->rekey_spi);
	if (c->state != CHILD_REKEYED)
		child_sa_set_state(c, CHILD_DELETING);
	return hs_ike_msg_add_delete(m, HS_IKE_PROTO_ESP, 4, t->rekey_spi, 1);
}

static int
del_child_process(struct ike_sa *sa, struct task *t, const struct hs_ike_msg *m)
{
	struct child_sa *c = t->target;

	(void)m;
	for (struct child_sa *x = sa->children; x != NULL; x = x->next)
		if (x == c) {
			child_sa_delete(c, child_sa_in_dataplane(c));
			break;
		}
	t->target = NULL;
	return 0;
}

static int
del_ike_build(struct ike_sa *sa, struct task *t, struct hs_ike_msg *m)
{
	(void)t;
	if (sa->state != IKE_REKEYED)
		ike_sa_set_state(sa, IKE_DELETING);
	return hs_ike_msg_add_delete(m, HS_IKE_PROTO_IKE, 0, NULL, 0);
}

static int
del_ike_process(struct ike_sa *sa, struct task *t, const struct hs_ike_msg *m)
{
	(void)t;
	(void)m;
	IKE_LOG(sa, NOTICE, "IKE SA deleted");
	/* A rekeyed-away SA's children now belong to its successor. */
	ike_sa_destroy(sa, true);
	return 0;
}

static int
dpd_build(struct ike_sa *sa, struct task *t, struct hs_ike_msg *m)
{
	(void)sa;
	(void)t;
	(void)m;
	return 0; /* an empty Encrypted payload */
}

static int
dpd_process(struct ike_sa *sa, struct task *t, const struct hs_ike_msg *m)
{
	(void)t;
	(void)m;
	IKE_LOG(sa, DEBUG, "peer alive");
	return 0;
}

const struct task_ops task_delete_child_ops = {
	.exchange = HS_IKE_INFORMATIONAL,
	.build = del_child_build,
	.process = del_child_process,
};

const struct task_ops task_delete_ike_ops = {
	.exchange = HS_IKE_INFORMATIONAL,
	.build = del_ike_build,
	.process = del_ike_process,
};

const struct task_ops task_dpd_ops = {
	.exchange = HS_IKE_INFORMATIONAL,
	.build = dpd_build,
	.process = dpd_process,
};

/* ---- responder ---- */

void
info_respond(struct ike_sa *sa, const struct hs_ike_msg *m)
{
	struct hs_ike_msg *r = &sa->e->tx;
	uint8_t spis[DEL_SPIS_MAX * 4];
	uint16_t n = 0;
	bool delete_ike = false;

	for (unsigned int i = 0; i < m->n_pl; i++) {
		const struct hs_ike_pl_delete *d = &m->pl[i].u.del;

		/* §2.21.2: the initiator could not authenticate us: the IKE SA is gone. */
		if (m->pl[i].type == HS_IKE_PL_NOTIFY &&
			m->pl[i].u.notify.type == HS_IKE_N_AUTHENTICATION_FAILED)
			delete_ike = true;
		if (m->pl[i].type != HS_IKE_PL_DELETE)
			continue;
		if (d->proto == HS_IKE_PROTO_IKE) {
			delete_ike = true;
			continue;
		}
		if (d->proto != HS_IKE_PROTO_ESP || d->spi_size != 4)
			continue;
		for (unsigned int k = 0; k < d->n_spis; k++) {
			/* The sender's inbound SPI is our outbound one (§1.4.1). */
			struct child_sa *c = child_sa_by_spi_out(sa, ike_get32(d->spis + 4 * k));

			if (c == NULL)
				continue;
			if (n < DEL_SPIS_MAX && c->state != CHILD_DELETING) {
				/* Answer with ours, unless we are deleting it ourselves (§1.4.1). */
				ike_put32(c->spi_in, spis + 4 * n);
				n++;
			}
			IKE_LOG(sa, INFO, "peer deletes CHILD_SA %" PRIu32, c->uid);
			child_sa_delete(c, child_sa_in_dataplane(c));
		}
	}
	ike_msg_start(sa, r, HS_IKE_INFORMATIONAL, true, m->hdr.msg_id);
	if (!delete_ike && n > 0)
		hs_ike_msg_add_delete(r, HS_IKE_PROTO_ESP, 4, spis, n);
	ike_send_response(sa, r);
	if (delete_ike) {
		IKE_LOG(sa, NOTICE, "peer deleted the IKE SA");
		/* §2.8.2: deleted while both rekeyed it: the peer's new SA has the children. */
		ike_rekey_concede(sa);
		ike_sa_destroy(sa, sa->state != IKE_REKEYED);
	}
}
