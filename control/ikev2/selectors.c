/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Traffic selectors (RFC 7296 §2.9, §3.13): ours from the crypto map ACL
 * lines, the responder's narrowing of a peer's proposal to what our policy
 * allows, the initiator's check of what the responder agreed to, and the
 * conversion of address ranges into the dataplane's prefix pairs.
 *
 * In a crypto map ACL line the source is our side and the destination the
 * peer's; the line's source ports go with our selector, the destination
 * ports with the peer's.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ikev2_priv.h"

static unsigned int
bits_of(uint8_t family)
{
	return family == AF_INET6 ? 128 : 32;
}

static int
addr_cmp(const struct hs_addr *a, const struct hs_addr *b)
{
	return memcmp(a->bytes, b->bytes, a->family == AF_INET6 ? 16 : 4);
}

/* Selector for a prefix (family 0, "any": all of IPv4), protocol and ports. */
static void
ts_make(struct hs_ike_ts *ts, const struct hs_prefix *p, bool proto_any, uint8_t proto,
	uint16_t lo, uint16_t hi)
{
	struct hs_prefix any4 = { .addr = { .family = AF_INET }, .len = 0 };

	hs_ike_ts_from_prefix(ts, p->addr.family == 0 ? &any4 : p, proto_any ? 0 : proto, lo, hi);
}

static bool
ts_equal(const struct hs_ike_ts *a, const struct hs_ike_ts *b)
{
	return a->type == b->type && a->proto == b->proto && a->start_port == b->start_port &&
		a->end_port == b->end_port && hs_addr_equal(&a->start, &b->start) &&
		hs_addr_equal(&a->end, &b->end);
}

bool
ts_list_equal(const struct ts_list *a, const struct ts_list *b)
{
	if (a->n != b->n)
		return false;
	for (unsigned int i = 0; i < a->n; i++)
		if (!ts_equal(&a->ts[i], &b->ts[i]))
			return false;
	return true;
}

static void
list_add(struct ts_list *l, const struct hs_ike_ts *ts)
{
	for (unsigned int i = 0; i < l->n; i++)
		if (ts_equal(&l->ts[i], ts))
			return;
	if (l->n < IKE_TS_MAX)
		l->ts[l->n++] = *ts;
}

int
ts_from_cfg(const struct child_cfg *cfg, struct ts_list *local, struct ts_list *remote)
{
	const struct hs_config_acl *acl = cfg->entry->acl;

	local->n = remote->n = 0;
	for (uint32_t l = 1; l <= acl->n_lines; l++) {
		const struct hs_config_acl_line *line = &acl->lines[l - 1];
		struct hs_ike_ts ts;

		if (line->action != HS_CONFIG_ACL_PERMIT || (cfg->acl_line != 0 && l != cfg->acl_line))
			continue;
		ts_make(&ts, &line->src, line->proto_any, line->proto, line->sport_lo, line->sport_hi);
		list_add(local, &ts);
		ts_make(&ts, &line->dst, line->proto_any, line->proto, line->dport_lo, line->dport_hi);
		list_add(remote, &ts);
	}
	return local->n > 0 && remote->n > 0 ? 0 : -ENOENT;
}

/* a ∩ b into out; false when empty (different families, protocols, ports or addresses). */
static bool
ts_intersect(const struct hs_ike_ts *a, const struct hs_ike_ts *b, struct hs_ike_ts *out)
{
	if (a->type != b->type || a->inverted || b->inverted ||
		(a->type != HS_IKE_TS_IPV4_ADDR_RANGE && a->type != HS_IKE_TS_IPV6_ADDR_RANGE))
		return false;
	if (a->proto != 0 && b->proto != 0 && a->proto != b->proto)
		return false;
	memset(out, 0, sizeof(*out));
	out->type = a->type;
	out->proto = a->proto != 0 ? a->proto : b->proto;
	out->start_port = a->start_port > b->start_port ? a->start_port : b->start_port;
	out->end_port = a->end_port < b->end_port ? a->end_port : b->end_port;
	out->start = addr_cmp(&a->start, &b->start) > 0 ? a->start : b->start;
	out->end = addr_cmp(&a->end, &b->end) < 0 ? a->end : b->end;
	return out->start_port <= out->end_port && addr_cmp(&out->start, &out->end) <= 0;
}

static bool
ts_within(const struct hs_ike_ts *in, const struct hs_ike_ts *outer)
{
	struct hs_ike_ts x;

	return ts_intersect(in, outer, &x) && ts_equal(&x, in);
}

/* Every selector of want intersected with every one of ours, into out. */
static void
narrow_list(const struct hs_ike_pl_ts *want, const struct ts_list *ours, struct ts_list *out)
{
	out->n = 0;
	for (unsigned int i = 0; i < want->n_ts; i++)
		for (unsigned int k = 0; k < ours->n; k++) {
			struct hs_ike_ts x;

			if (ts_intersect(&want->ts[i], &ours->ts[k], &x))
				list_add(out, &x);
		}
}

static bool
entry_has_peer(const struct hs_config_crypto_entry *ent, const struct hs_addr *peer)
{
	for (unsigned int i = 0; i < ent->n_peers; i++)
		if (hs_addr_equal(&ent->peers[i], peer))
			return true;
	return false;
}

/* One candidate (an entry's line, or the whole entry): narrowed selectors, or -ENOENT. */
static int
try_cfg(const struct child_cfg *cc, const struct hs_ike_pl_ts *tsi, const struct hs_ike_pl_ts *tsr,
	struct ts_list *local, struct ts_list *remote)
{
	struct ts_list l, r;

	if (ts_from_cfg(cc, &l, &r) != 0)
		return -ENOENT;
	/* TSi is the initiator's side: our remote; TSr ours. */
	narrow_list(tsr, &l, local);
	narrow_list(tsi, &r, remote);
	return local->n > 0 && remote->n > 0 ? 0 : -ENOENT;
}

int
ts_narrow(const struct hs_config *cfg, const struct hs_addr *peer, const struct hs_ike_pl_ts *tsi,
	const struct hs_ike_pl_ts *tsr, struct child_cfg *out, struct ts_list *local,
	struct ts_list *remote)
{
	for (unsigned int m = 0; m < cfg->n_maps; m++) {
		const struct hs_config_crypto_map *map = &cfg->maps[m];

		for (unsigned int i = 0; i < map->n_entries; i++) {
			const struct hs_config_crypto_entry *ent = &map->entries[i];
			struct child_cfg cc = { .map = map, .entry = ent };

			if (ent->ike_version != 2 || !entry_has_peer(ent, peer))
				continue;
			if (!ent->child_per_line) {
				if (try_cfg(&cc, tsi, tsr, local, remote) == 0) {
					*out = cc;
					return 0;
				}
				continue;
			}
			for (uint32_t l = 1; l <= ent->acl->n_lines; l++) {
				cc.acl_line = l;
				if (ent->acl->lines[l - 1].action == HS_CONFIG_ACL_PERMIT &&
					try_cfg(&cc, tsi, tsr, local, remote) == 0) {
					*out = cc;
					return 0;
				}
			}
		}
	}
	return -ENOENT;
}

static bool
list_within(const struct hs_ike_pl_ts *got, const struct ts_list *asked, struct ts_list *out)
{
	out->n = 0;
	for (unsigned int i = 0; i < got->n_ts; i++) {
		bool ok = false;

		for (unsigned int k = 0; k < asked->n && !ok; k++)
			ok = ts_within(&got->ts[i], &asked->ts[k]);
		if (!ok)
			return false;
		list_add(out, &got->ts[i]);
	}
	return out->n > 0;
}

int
ts_accept(const struct child_cfg *asked, const struct hs_ike_pl_ts *tsi,
	const struct hs_ike_pl_ts *tsr, struct child_cfg *got, struct ts_list *local,
	struct ts_list *remote)
{
	struct ts_list al, ar;
	const struct hs_config_acl *acl = asked->entry->acl;

	if (ts_from_cfg(asked, &al, &ar) != 0 || !list_within(tsi, &al, local) ||
		!list_within(tsr, &ar, remote))
		return -EINVAL;
	*got = *asked;
	if (asked->acl_line != 0)
		return 0;
	/*
	 * All lines were asked for and the responder narrowed (§2.9): when it
	 * kept less than every line, the child carries the first line it
	 * covers (the dataplane publishes an SA per line or for all), and the
	 * caller asks for the other lines with children of their own.
	 */
	struct ts_list l, r;
	unsigned int covered = 0, permits = 0;
	uint32_t first = 0;

	for (uint32_t n = 1; n <= acl->n_lines; n++) {
		struct child_cfg one = { .map = asked->map, .entry = asked->entry, .acl_line = n };
		struct ts_list ml, mr;

		if (acl->lines[n - 1].action != HS_CONFIG_ACL_PERMIT)
			continue;
		permits++;
		if (ts_from_cfg(&one, &l, &r) != 0)
			continue;
		bool all_in = true;

		for (unsigned int k = 0; k < l.n && all_in; k++) {
			struct hs_ike_pl_ts one_l = { .n_ts = 1, .ts = &l.ts[k] };

			all_in = list_within(&one_l, local, &ml);
		}
		for (unsigned int k = 0; k < r.n && all_in; k++) {
			struct hs_ike_pl_ts one_r = { .n_ts = 1, .ts = &r.ts[k] };

			all_in = list_within(&one_r, remote, &mr);
		}
		if (all_in) {
			covered++;
			if (first == 0)
				first = n;
		}
	}
	if (covered < permits)
		got->acl_line = first != 0 ? first : 1;
	return 0;
}

/* ---- ranges into prefixes (the dataplane's selectors are prefix pairs) ---- */

static bool
bit_set(const uint8_t *b, unsigned int i)
{
	return (b[i / 8] >> (7 - i % 8)) & 1;
}

/* a | host mask of len, into out; false if a has host bits set. */
static bool
block_end(const struct hs_addr *a, unsigned int len, struct hs_addr *out)
{
	unsigned int bits = bits_of(a->family);

	*out = *a;
	for (unsigned int i = len; i < bits; i++) {
		if (bit_set(a->bytes, i))
			return false;
		out->bytes[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	}
	return true;
}

/* a + 1; false on wrap-around. */
static bool
addr_inc(struct hs_addr *a)
{
	for (int i = (int)bits_of(a->family) / 8 - 1; i >= 0; i--)
		if (++a->bytes[i] != 0)
			return true;
	return false;
}

/* Split [start, end] into prefixes (largest first), up to max. */
static unsigned int
range_prefixes(const struct hs_ike_ts *ts, struct hs_prefix *out, unsigned int max)
{
	struct hs_addr cur = ts->start;
	unsigned int n = 0, bits = bits_of(ts->start.family);

	while (n < max) {
		struct hs_addr end;
		unsigned int len;

		for (len = 0; len <= bits; len++)
			if (block_end(&cur, len, &end) && addr_cmp(&end, &ts->end) <= 0)
				break;
		hs_prefix_make(&out[n++], &cur, (uint8_t)len);
		if (addr_cmp(&end, &ts->end) >= 0)
			break;
		cur = end;
		if (!addr_inc(&cur))
			break;
	}
	return n;
}

unsigned int
ts_to_msg(const struct ts_list *local, const struct ts_list *remote, struct hs_msg_ts *out,
	unsigned int max)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < local->n; i++) {
		struct hs_prefix lp[HS_MSG_TS_MAX];
		unsigned int nl = range_prefixes(&local->ts[i], lp, HS_MSG_TS_MAX);

		for (unsigned int k = 0; k < remote->n; k++) {
			struct hs_prefix rp[HS_MSG_TS_MAX];
			unsigned int nr = range_prefixes(&remote->ts[k], rp, HS_MSG_TS_MAX);
			const struct hs_ike_ts *a = &local->ts[i], *b = &remote->ts[k];

			if (a->proto != 0 && b->proto != 0 && a->proto != b->proto)
				continue;
			for (unsigned int x = 0; x < nl; x++)
				for (unsigned int y = 0; y < nr && n < max; y++)
					out[n++] = (struct hs_msg_ts){ .local = lp[x], .remote = rp[y],
						.proto = a->proto != 0 ? a->proto : b->proto,
						.lport_lo = a->start_port, .lport_hi = a->end_port,
						.rport_lo = b->start_port, .rport_hi = b->end_port };
		}
	}
	return n;
}

const char *
ts_list_format(const struct ts_list *l, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < l->n && off < len; i++) {
		char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
		const struct hs_ike_ts *t = &l->ts[i];
		int w = snprintf(buf + off, len - off, "%s%s/%u - %s/%u", i ? ", " : "",
			hs_addr_format(&t->start, a, sizeof(a)), t->start_port,
			hs_addr_format(&t->end, b, sizeof(b)), t->end_port);

		if (w < 0)
			break;
		off += (size_t)w;
	}
	return buf;
}
