/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hubsec-sactl: printing acquires and lifetime events, and the test-only
 * acquire responder that stands in for IKE (static SAs of the config).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_mempool.h>
#include <rte_ring.h>

#include "sactl.h"

/* ---- acquires and events ---- */

static void
print_acquire(const struct hs_msg_acquire *a)
{
	char peer[HS_ADDR_STRLEN], src[HS_ADDR_STRLEN], dst[HS_ADDR_STRLEN];

	printf("acquire map=%s seq=%" PRIu32 " line=%" PRIu32 " policy=%" PRIu32
	       " peer=%s src=%s dst=%s proto=%u sport=%u dport=%u\n",
		a->map, a->seq, a->acl_line, a->policy,
		hs_addr_format(&a->peer, peer, sizeof(peer)),
		hs_addr_format(&a->src, src, sizeof(src)),
		hs_addr_format(&a->dst, dst, sizeof(dst)), a->proto, a->sport, a->dport);
	fflush(stdout);
}

static void
print_event(const struct hs_msg_event *e)
{
	printf("event spi=0x%08" PRIx32 " dir=%s kind=%s packets=%" PRIu64 " bytes=%" PRIu64 "\n",
		e->spi, e->dir == HS_SA_IN ? "in" : "out",
		hs_sa_event_name((enum hs_sa_event_kind)e->kind), e->packets, e->bytes);
	fflush(stdout);
}

/* Take one valid message of type from ring into *copy; false when none. */
static bool
take(const struct hs_rings *r, struct rte_ring *ring, enum hs_msg_type type, void *copy,
	size_t len)
{
	const char *why;
	void *obj;
	bool ok;

	if (rte_ring_dequeue(ring, &obj) != 0)
		return false;
	ok = hs_msg_validate(obj, &why) == 0 && ((const struct hs_msg_hdr *)obj)->type == type;
	if (ok)
		memcpy(copy, obj, len);
	else
		fprintf(stderr, "hubsec-sactl: bad %s message: %s\n", hs_msg_type_name(type),
			why != NULL ? why : "wrong type");
	rte_mempool_put(r->msg_pool, obj);
	return ok;
}

static bool
timed_out(const struct opts *o, uint64_t start)
{
	return o->timeout_s != 0 && hs_sactl_now_ms() - start >= (uint64_t)o->timeout_s * 1000;
}

int
hs_sactl_events(const struct hs_rings *r, const struct opts *o)
{
	uint64_t start = hs_sactl_now_ms();
	uint32_t seen = 0;

	while (o->count == 0 || seen < o->count) {
		struct hs_msg_acquire a;
		struct hs_msg_event e;
		bool got = false;

		if (take(r, r->acquire, HS_MSG_ACQUIRE, &a, sizeof(a))) {
			print_acquire(&a);
			seen++;
			got = true;
		}
		if (take(r, r->event, HS_MSG_EVENT, &e, sizeof(e))) {
			print_event(&e);
			seen++;
			got = true;
		}
		if (timed_out(o, start)) {
			if (o->count == 0)
				return 0; /* --timeout alone is how long to watch */
			fprintf(stderr, "hubsec-sactl: timeout: %" PRIu32 " of %" PRIu32
					" message(s)\n",
				seen, o->count);
			return EXIT_REFUSED;
		}
		if (!got)
			usleep(SACTL_POLL_US);
	}
	return 0;
}

static bool
prefix_has(const struct hs_prefix *p, const struct hs_addr *a)
{
	return p->addr.family == 0 || hs_prefix_contains(p, a);
}

/* The static SA that covers an acquire: same map entry (if it has one), selectors. */
static const struct hs_config_static_sa *
static_for(const struct hs_config *cfg, const struct hs_msg_acquire *a)
{
	for (unsigned int i = 0; i < cfg->n_static_sas; i++) {
		const struct hs_config_static_sa *s = &cfg->static_sas[i];

		bool same_entry = strcmp(s->map_name, a->map) == 0 && s->seq == a->seq;

		if (s->map_name[0] != '\0' && !same_entry)
			continue;
		if (prefix_has(&s->sel.src, &a->src) && prefix_has(&s->sel.dst, &a->dst))
			return s;
	}
	return NULL;
}

/*
 * Answer one acquire; 0, EXIT_REFUSED, or -EALREADY when its SA was already
 * installed by an earlier answer (a repeated acquire: the dataplane asks
 * again after a second while the SA is not up, e.g. with --delay-ms 1500).
 */
static int
respond_one(const struct hs_rings *r, struct opts *o, const struct hs_config *cfg,
	const struct hs_msg_acquire *a, bool *installed)
{
	const struct hs_config_static_sa *s = static_for(cfg, a);
	int status;

	if (s == NULL) {
		fprintf(stderr, "hubsec-sactl: no static SA in %s covers this acquire\n",
			o->config);
		return EXIT_REFUSED;
	}
	if (installed[s - cfg->static_sas]) {
		printf("already answered with static SA %s\n", s->name);
		fflush(stdout);
		return -EALREADY;
	}
	if (o->delay_ms > 0)
		usleep(o->delay_ms * 1000u);
	printf("answer static SA %s\n", s->name);
	o->cmd = CMD_ADD;
	status = hs_sactl_send_sa(r, o, cfg, s);
	installed[s - cfg->static_sas] = status == 0;
	return status;
}

int
hs_sactl_responder(const struct hs_rings *r, struct opts *o)
{
	struct hs_config *cfg = hs_sactl_load_config(o->config);
	uint64_t start = hs_sactl_now_ms();
	uint32_t answered = 0;
	bool *installed;
	int status = 0, rc;

	if (cfg == NULL)
		return EXIT_USAGE;
	installed = calloc(cfg->n_static_sas + 1, sizeof(*installed));
	if (installed == NULL) {
		hs_config_free(cfg);
		return EXIT_USAGE;
	}
	printf("acquire-responder: waiting for acquires (%u static SAs in %s)\n",
		cfg->n_static_sas, o->config);
	fflush(stdout);
	while (o->count == 0 || answered < o->count) {
		struct hs_msg_acquire a;

		if (!take(r, r->acquire, HS_MSG_ACQUIRE, &a, sizeof(a))) {
			if (timed_out(o, start)) {
				fprintf(stderr, "hubsec-sactl: timeout: %" PRIu32 " of %" PRIu32
						" acquire(s) answered\n",
					answered, o->count);
				status = EXIT_REFUSED;
				break;
			}
			usleep(SACTL_POLL_US);
			continue;
		}
		print_acquire(&a);
		rc = respond_one(r, o, cfg, &a, installed);
		if (rc == -EALREADY)
			continue;
		if (rc != 0)
			status = EXIT_REFUSED;
		answered++;
	}
	free(installed);
	hs_config_free(cfg);
	return status;
}

