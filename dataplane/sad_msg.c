/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SA messages from the control ring, applied on the main lcore (sad.c has
 * the storage): validation first, nothing created before every check
 * passed, errors with a reason (never key bytes) for the ack.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "sad.h"

static int
fail(char *err, size_t errlen, int rc, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* ---- SA messages (main lcore) ---- */

static bool
prefix_valid(const struct hs_prefix *p)
{
	switch (p->addr.family) {
	case 0:
		return p->len == 0;
	case AF_INET:
		return p->len <= 32;
	case AF_INET6:
		return p->len <= 128;
	default:
		return false;
	}
}

/* Policies of crypto map entry (map, seq): contiguous, line 1 first. */
static int
find_entry(const struct hs_dp *dp, const struct hs_msg_sa *msg, struct hs_sad_target *tg, char *err,
	size_t errlen)
{
	const struct hs_tables *t = tg->t;
	uint32_t i = 0;

	if (t == NULL)
		return fail(err, errlen, -EAGAIN, "crypto-map tables not built yet");
	while (i < t->n_policies) {
		const struct hs_policy *pol = &t->policies[i];
		uint32_t n = pol->entry->acl->n_lines;

		if (pol->entry->seq == msg->seq && strcmp(pol->map->name, msg->map) == 0) {
			tg->first = i;
			tg->count = n;
			return 0;
		}
		i += n > 0 ? n : 1;
	}
	if (hs_config_find_crypto_map(dp->cfg, msg->map) == NULL)
		return fail(err, errlen, -ENOENT, "unknown crypto map '%s'", msg->map);
	return fail(err, errlen, -ENOENT, "crypto map '%s' has no entry with seq %" PRIu32,
		msg->map, msg->seq);
}

/* The policies an SA message is for; none for an SA without a crypto map. */
static int
resolve(const struct hs_dp *dp, const struct hs_msg_sa *msg, struct hs_sad_target *tg, char *err,
	size_t errlen)
{
	uint32_t permits = 0;
	int rc;

	tg->t = atomic_load_explicit(&dp->tables, memory_order_acquire);
	tg->first = tg->count = 0;
	if (memchr(msg->map, '\0', sizeof(msg->map)) == NULL)
		return fail(err, errlen, -EINVAL, "crypto map name is not terminated");
	if (msg->map[0] == '\0')
		return msg->seq == 0 && msg->acl_line == 0 ?
			0 :
			fail(err, errlen, -EINVAL, "seq or acl-line given without a crypto map");
	if ((rc = find_entry(dp, msg, tg, err, errlen)) != 0)
		return rc;
	if (msg->acl_line > tg->count)
		return fail(err, errlen, -EINVAL,
			"crypto map '%s' seq %" PRIu32 ": its ACL has %" PRIu32
			" lines, no line %" PRIu32, msg->map, msg->seq, tg->count, msg->acl_line);
	if (msg->acl_line > 0) {
		tg->first += msg->acl_line - 1;
		tg->count = 1;
	}
	for (uint32_t p = tg->first; p < tg->first + tg->count; p++)
		permits += tg->t->policies[p].permit;
	if (permits == 0)
		return fail(err, errlen, -EINVAL,
			"crypto map '%s' seq %" PRIu32 " line %" PRIu32 ": deny lines take no SA",
			msg->map, msg->seq, msg->acl_line);
	return 0;
}

static int
check_ts(const struct hs_msg_sa *msg, char *err, size_t errlen)
{
	if (msg->n_ts > HS_MSG_TS_MAX)
		return fail(err, errlen, -EINVAL, "%u traffic selectors, at most %d", msg->n_ts,
			HS_MSG_TS_MAX);
	for (unsigned int i = 0; i < msg->n_ts; i++) {
		const struct hs_msg_ts *ts = &msg->ts[i];

		if (!prefix_valid(&ts->local) || !prefix_valid(&ts->remote))
			return fail(err, errlen, -EINVAL, "traffic selector %u: bad prefix", i + 1);
		if (ts->local.addr.family != 0 && ts->remote.addr.family != 0 &&
			ts->local.addr.family != ts->remote.addr.family)
			return fail(err, errlen, -EINVAL, "traffic selector %u mixes IPv4 and IPv6",
				i + 1);
		if (ts->lport_lo > ts->lport_hi || ts->rport_lo > ts->rport_hi)
			return fail(err, errlen, -EINVAL,
				"traffic selector %u: port range low > high", i + 1);
	}
	return 0;
}

/* Everything that can be refused before anything is created. */
static int
check_msg(const struct hs_sad *sad, const struct hs_msg_sa *msg, char *err, size_t errlen)
{
	uint32_t spi = msg->in.spi;

	if (!msg->has_in && !msg->has_out)
		return fail(err, errlen, -EINVAL, "neither an inbound nor an outbound SA");
	if (msg->has_in && msg->in.dir != HS_SA_IN)
		return fail(err, errlen, -EINVAL, "inbound SA parameters have direction %d",
			(int)msg->in.dir);
	if (msg->has_out && msg->out.dir != HS_SA_OUT)
		return fail(err, errlen, -EINVAL, "outbound SA parameters have direction %d",
			(int)msg->out.dir);
	if (msg->lifetime_soft_sec != 0 && msg->lifetime_hard_sec != 0 &&
		msg->lifetime_soft_sec > msg->lifetime_hard_sec)
		return fail(err, errlen, -EINVAL,
			"soft lifetime %" PRIu32 " s above the hard one %" PRIu32 " s",
			msg->lifetime_soft_sec, msg->lifetime_hard_sec);
	if (msg->has_in && rte_hash_lookup(sad->spi, &spi) >= 0)
		return fail(err, errlen, -EEXIST, "inbound SPI 0x%08" PRIx32 " is already in use",
			spi);
	if (HS_SAS_MAX - sad->n_used < (uint32_t)msg->has_in + msg->has_out)
		return fail(err, errlen, -ENOSPC, "SA table full (%u SAs)", HS_SAS_MAX);
	return check_ts(msg, err, errlen);
}

/* The message's selectors, or the permit lines' when it has none. */
static struct hs_sad_sel *
make_sel(const struct hs_msg_sa *msg, const struct hs_sad_target *tg)
{
	uint32_t n = msg->n_ts, k = 0;
	struct hs_sad_sel *sel;

	for (uint32_t p = tg->first; n == 0 && p < tg->first + tg->count; p++)
		k += tg->t->policies[p].permit;
	sel = malloc(sizeof(*sel) + (n ? n : k) * sizeof(sel->ts[0]));
	if (sel == NULL)
		return NULL;
	sel->n = n ? n : k;
	if (n > 0) {
		memcpy(sel->ts, msg->ts, n * sizeof(sel->ts[0]));
		return sel;
	}
	for (uint32_t p = tg->first, j = 0; p < tg->first + tg->count; p++) {
		const struct hs_config_acl_line *l = tg->t->policies[p].line;

		if (!tg->t->policies[p].permit)
			continue;
		sel->ts[j++] = (struct hs_msg_ts){ .local = l->src, .remote = l->dst,
			.proto = l->proto_any ? 0 : l->proto, .lport_lo = l->sport_lo,
			.lport_hi = l->sport_hi, .rport_lo = l->dport_lo, .rport_hi = l->dport_hi };
	}
	return sel;
}

/* Create one SA with the main lcore's IMB manager; the reason goes to err. */
static struct hs_sa *
sa_new(struct hs_dp *dp, const struct hs_sa_params *p, int *rc, char *err, size_t errlen)
{
	const char *why = NULL;
	struct hs_sa *sa = hs_sa_create(p, dp->main_esp.mgr, rc, &why);

	if (sa == NULL)
		fail(err, errlen, *rc, "%s SA 0x%08" PRIx32 ": %s", p->dir == HS_SA_IN ? "inbound" :
			"outbound", p->spi, why != NULL ? why : strerror(-*rc));
	return sa;
}

static uint32_t
slot_fill(struct hs_dp *dp, const struct hs_msg_sa *msg, struct hs_sa *sa, struct hs_sad_sel *sel,
	const struct hs_sad_target *tg)
{
	struct hs_sad *sad = dp->sad;
	uint32_t i = hs_sad_slot_alloc(sad);
	struct hs_sad_slot *s = &sad->slots[i];

	s->sa = sa;
	s->sel = sel;
	s->dir = sa->rt.dir;
	s->owner = (uint16_t)hs_sad_owner(dp, sa);
	s->pol_first = tg->first;
	s->pol_count = tg->count;
	s->seq = msg->seq;
	s->acl_line = msg->acl_line;
	s->peer = msg->peer;
	s->install_tsc = rte_get_tsc_cycles();
	s->soft_sec = msg->lifetime_soft_sec;
	s->hard_sec = msg->lifetime_hard_sec;
	s->origin = msg->origin;
	s->pfs_group = msg->pfs_group;
	s->ike_sa_id = msg->ike_sa_id;
	memcpy(s->map, msg->map, sizeof(s->map));
	return i;
}

/* Retire the live outbound SAs with this SPI (and peer, when given). */
static unsigned int
retire_out_spi(struct hs_dp *dp, uint32_t spi, const struct hs_addr *peer, bool dry_run)
{
	struct hs_sad *sad = dp->sad;
	unsigned int n = 0;

	for (uint32_t i = 0; i < sad->hi_water; i++) {
		const struct hs_sad_slot *s = &sad->slots[i];

		if (s->state != HS_SAD_LIVE || s->dir != HS_SA_OUT || s->sa->rt.spi != spi ||
			(peer->family != 0 && !hs_addr_equal(peer, &s->peer)))
			continue;
		if (!dry_run)
			hs_sad_retire(dp, i);
		n++;
	}
	return n;
}

/*
 * ADD and REPLACE: the inbound SA first (so answers to our first packets
 * decrypt), then the outbound one is published on the target's permit
 * policies. An outbound SA displaced from all its policies is retired: a
 * REPLACE (rekey) swaps in one store per policy; the old inbound SA stays
 * until it is deleted or expires (in-flight packets still decrypt).
 */
static int
sa_add(struct hs_dp *dp, const struct hs_msg_sa *msg, char *err, size_t errlen)
{
	struct hs_sad *sad = dp->sad;
	struct hs_sa *in = NULL, *out = NULL;
	struct hs_sad_sel *sel = NULL;
	struct hs_sad_target tg;
	uint32_t si = HS_SAD_NIL, so = HS_SAD_NIL, spi = msg->in.spi;
	int rc;

	if ((rc = resolve(dp, msg, &tg, err, errlen)) != 0 ||
		(rc = check_msg(sad, msg, err, errlen)) != 0)
		return rc;
	if (msg->has_in && (sel = make_sel(msg, &tg)) == NULL)
		return fail(err, errlen, -ENOMEM, "out of memory for selectors");
	if (sel != NULL && sel->n == 0) {
		free(sel);
		return fail(err, errlen, -EINVAL,
			"no traffic selectors (and no crypto map to take them from)");
	}
	if ((msg->has_in && (in = sa_new(dp, &msg->in, &rc, err, errlen)) == NULL) ||
		(msg->has_out && (out = sa_new(dp, &msg->out, &rc, err, errlen)) == NULL)) {
		hs_sa_destroy(in);
		free(sel);
		return rc;
	}
	if (in != NULL) {
		si = slot_fill(dp, msg, in, sel, &tg);
		hs_sad_slot_show(sad, si);
		rc = rte_hash_add_key_data(sad->spi, &spi, (void *)(uintptr_t)si);
		if (rc < 0) {
			hs_sad_slot_release(sad, si); /* never reachable: freed at once */
			hs_sa_destroy(out);
			return fail(err, errlen, rc, "inbound SPI 0x%08" PRIx32 ": SPI table: %s",
				spi, strerror(-rc));
		}
	}
	if (out != NULL) {
		so = slot_fill(dp, msg, out, NULL, &tg);
		hs_sad_slot_show(sad, so);
		if (tg.count > 0)
			hs_sad_publish(dp, so, &tg);
		else
			HS_SAD_LOG(WARNING, "outbound SA 0x%08" PRIx32
				" has no crypto map: not used", out->rt.spi);
		/* After the swap, so that no policy is ever without an SA in between. */
		if (msg->hdr.type == HS_MSG_SA_REPLACE && msg->del_spi != 0 &&
			msg->del_spi != out->rt.spi)
			retire_out_spi(dp, msg->del_spi, &msg->peer, false);
	}
	HS_SAD_LOG(INFO,
		"%s %s seq %" PRIu32 " line %" PRIu32 ": in 0x%08" PRIx32 " (worker %d)"
		" out 0x%08" PRIx32 " (worker %d)", hs_msg_type_name(msg->hdr.type), msg->map,
		msg->seq, msg->acl_line, in ? in->rt.spi : 0, in ? sad->slots[si].owner : -1,
		out ? out->rt.spi : 0, out ? sad->slots[so].owner : -1);
	return 0;
}

static int
sa_del(struct hs_dp *dp, const struct hs_msg_sa *msg, char *err, size_t errlen)
{
	struct hs_sad *sad = dp->sad;
	uint32_t spi = msg->del_spi, slot;
	unsigned int n;

	if (msg->del_dir == HS_SA_IN) {
		slot = hs_sad_spi_slot(sad, spi);
		if (slot >= HS_SAS_MAX)
			return fail(err, errlen, -ENOENT, "no inbound SA with SPI 0x%08" PRIx32,
				spi);
		hs_sad_retire(dp, slot);
		HS_SAD_LOG(INFO, "deleted inbound SA 0x%08" PRIx32, spi);
		return 0;
	}
	if (msg->del_dir != HS_SA_OUT)
		return fail(err, errlen, -EINVAL, "bad direction %u", msg->del_dir);
	/* Outbound SPIs are chosen by the peers: two peers may pick the same one. */
	n = retire_out_spi(dp, spi, &msg->peer, true);
	if (n == 0)
		return fail(err, errlen, -ENOENT, "no outbound SA with SPI 0x%08" PRIx32, spi);
	if (n > 1 && msg->peer.family == 0)
		return fail(err, errlen, -EINVAL,
			"outbound SPI 0x%08" PRIx32 " is used by %u SAs: name the peer", spi, n);
	retire_out_spi(dp, spi, &msg->peer, false);
	HS_SAD_LOG(INFO, "deleted outbound SA 0x%08" PRIx32, spi);
	return 0;
}

static int
sa_flush(struct hs_dp *dp)
{
	struct hs_sad *sad = dp->sad;
	unsigned int n = 0;

	for (uint32_t i = 0; i < sad->hi_water; i++) {
		if (sad->slots[i].state == HS_SAD_LIVE) {
			hs_sad_retire(dp, i);
			n++;
		}
	}
	HS_SAD_LOG(INFO, "flushed %u SAs", n);
	return 0;
}

int
hs_sad_apply(struct hs_dp *dp, const struct hs_msg_sa *msg, char *err, size_t errlen)
{
	const char *why = NULL;
	int rc = hs_msg_validate(&msg->hdr, &why);

	if (rc != 0)
		return fail(err, errlen, rc, "%s", why);
	if (dp->sad == NULL)
		return fail(err, errlen, -ENODEV, "SA database not created");
	rte_spinlock_lock(&dp->sad->lock);
	switch (msg->hdr.type) {
	case HS_MSG_SA_ADD:
	case HS_MSG_SA_REPLACE:
		rc = sa_add(dp, msg, err, errlen);
		break;
	case HS_MSG_SA_DEL:
		rc = sa_del(dp, msg, err, errlen);
		break;
	case HS_MSG_SA_FLUSH:
		rc = sa_flush(dp);
		break;
	default:
		rc = fail(err, errlen, -EPROTO, "%s is not an SA message",
			hs_msg_type_name(msg->hdr.type));
		break;
	}
	rte_spinlock_unlock(&dp->sad->lock);
	return rc;
}
