/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Crypto-map ACLs as rte_acl contexts.
 *
 * Every ACL line of every crypto-map entry becomes one struct hs_policy, in
 * classification order: maps as configured, entries by seq, lines in file
 * order. Cisco semantics: the first matching line decides and a deny line
 * means "not interesting" (sent in clear). rte_acl returns the match with
 * the highest priority, so policy i gets priority HS_POLICIES_MAX - i and
 * the first line wins; userdata is i + 1 (0 is rte_acl's "no match").
 *
 * Four contexts, built once off the packet path (hs_tables_build):
 *   acl4_out / acl6_out  inside -> outside packets, (src, dst) = (line src, line dst)
 *   acl4_in  / acl6_in   clear-text outside -> inside packets, the line reversed
 *                        (src = line dst, ports swapped): RFC 4301 §5.2, inbound
 *                        traffic that a permit line says must be protected is
 *                        dropped. Deny lines are in these too, so that a deny
 *                        line before a permit keeps its traffic in clear; the
 *                        caller checks policies[res].permit, as for outbound.
 * A line whose prefixes are both "any" (family 0) goes into the IPv4 and the
 * IPv6 contexts; a line with an IPv4 (IPv6) prefix only into that family's.
 *
 * Input layout: offsets from the start of the IP header (the classifier is
 * given packets whose data starts at the L3 header), as ipsec-secgw's sp4/sp6
 * but from the header's first byte. Ports are read right after a fixed
 * header (offset 20 / 40). Packets for which that is not where the ports are
 * (IPv4 options, non-initial fragments, a first segment too short to hold
 * them) are copied into a normalised 20+4 / 40+4 byte key on the stack, with
 * the ports from the real L4 header or zero when there are none.
 *
 * Non-TCP/UDP packets have no ports: the bytes at the port offsets are
 * whatever follows the header. That is correct because a line with ports is
 * always TCP or UDP (the config refuses ports on other protocols; a line that
 * had them anyway is expanded to a TCP rule and a UDP rule), and a line
 * without ports matches every value there.
 *
 * IPv6 extension headers are not walked: the protocol is the fixed header's
 * next header. A TCP/UDP packet behind extension headers therefore matches
 * only lines with protocol "ip" (any), which is where interesting-traffic ACLs
 * almost always are.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_acl.h>
#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_log.h>

#include "dp.h"

#define CLS_LOG(level, fmt, ...) RTE_LOG(level, USER1, "classify: " fmt "\n", ##__VA_ARGS__)

/* Where the ports are in the input (just after a fixed-size header). */
#define KEY4_LEN (sizeof(struct rte_ipv4_hdr) + 4)
#define KEY6_LEN (sizeof(struct rte_ipv6_hdr) + 4)
#define KEY_MAX 48

enum { F4_PROTO, F4_SRC, F4_DST, F4_SPORT, F4_DPORT, F4_NUM };

enum {
	F6_PROTO,
	F6_SRC0,
	F6_SRC1,
	F6_SRC2,
	F6_SRC3,
	F6_DST0,
	F6_DST1,
	F6_DST2,
	F6_DST3,
	F6_SPORT,
	F6_DPORT,
	F6_NUM
};

RTE_ACL_RULE_DEF(rule4, F4_NUM);
RTE_ACL_RULE_DEF(rule6, F6_NUM);

/*
 * rte_acl reads the first field as one byte, then every other input group
 * as 4 consecutive bytes: protocol alone, each address word alone, the two
 * ports together.
 */
static const struct rte_acl_field_def defs4[F4_NUM] = {
#define V4_OFF(f) offsetof(struct rte_ipv4_hdr, f)
	{ RTE_ACL_FIELD_TYPE_BITMASK, 1, F4_PROTO, 0, V4_OFF(next_proto_id) },
	{ RTE_ACL_FIELD_TYPE_MASK, 4, F4_SRC, 1, V4_OFF(src_addr) },
	{ RTE_ACL_FIELD_TYPE_MASK, 4, F4_DST, 2, V4_OFF(dst_addr) },
	{ RTE_ACL_FIELD_TYPE_RANGE, 2, F4_SPORT, 3, sizeof(struct rte_ipv4_hdr) },
	{ RTE_ACL_FIELD_TYPE_RANGE, 2, F4_DPORT, 3, sizeof(struct rte_ipv4_hdr) + 2 },
};

#define V6_SRC offsetof(struct rte_ipv6_hdr, src_addr)
#define V6_DST offsetof(struct rte_ipv6_hdr, dst_addr)
static const struct rte_acl_field_def defs6[F6_NUM] = {
	{ RTE_ACL_FIELD_TYPE_BITMASK, 1, F6_PROTO, 0, offsetof(struct rte_ipv6_hdr, proto) },
	{ RTE_ACL_FIELD_TYPE_MASK, 4, F6_SRC0, 1, V6_SRC },
	{ RTE_ACL_FIELD_TYPE_MASK, 4, F6_SRC1, 2, V6_SRC + 4 },
	{ RTE_ACL_FIELD_TYPE_MASK, 4, F6_SRC2, 3, V6_SRC + 8 },
	{ RTE_ACL_FIELD_TYPE_MASK, 4, F6_SRC3, 4, V6_SRC + 12 },
	{ RTE_ACL_FIELD_TYPE_MASK, 4, F6_DST0, 5, V6_DST },
	{ RTE_ACL_FIELD_TYPE_MASK, 4, F6_DST1, 6, V6_DST + 4 },
	{ RTE_ACL_FIELD_TYPE_MASK, 4, F6_DST2, 7, V6_DST + 8 },
	{ RTE_ACL_FIELD_TYPE_MASK, 4, F6_DST3, 8, V6_DST + 12 },
	{ RTE_ACL_FIELD_TYPE_RANGE, 2, F6_SPORT, 9, sizeof(struct rte_ipv6_hdr) },
	{ RTE_ACL_FIELD_TYPE_RANGE, 2, F6_DPORT, 9, sizeof(struct rte_ipv6_hdr) + 2 },
};

/*
 * Memory cap for one context's run-time tries. rte_acl splits the rules
 * into more tries (slower classify, bounded memory) rather than exceed it;
 * 10,000 prefix-pair lines stay far below.
 */
#define ACL_MAX_SIZE (256u << 20)

/* One line as the rules of one direction see it (reversed for inbound). */
struct sel {
	const struct hs_prefix *src, *dst;
	uint16_t sport_lo, sport_hi, dport_lo, dport_hi;
};

static bool
family_fits(const struct hs_prefix *p, uint8_t family)
{
	return p->addr.family == 0 || p->addr.family == family;
}

static bool
line_in_family(const struct hs_config_acl_line *l, uint8_t family)
{
	return family_fits(&l->src, family) && family_fits(&l->dst, family);
}

static bool
ports_restricted(const struct hs_config_acl_line *l)
{
	return l->sport_lo != 0 || l->sport_hi != 65535 || l->dport_lo != 0 || l->dport_hi != 65535;
}

/* How many rte_acl rules a line needs: 2 for the (refused) "ip with ports". */
static unsigned int
line_rules(const struct hs_config_acl_line *l)
{
	return l->proto_any && ports_restricted(l) ? 2 : 1;
}

static void
sel_of(const struct hs_config_acl_line *l, bool outbound, struct sel *s)
{
	if (outbound) {
		*s = (struct sel){ &l->src, &l->dst, l->sport_lo, l->sport_hi, l->dport_lo,
			l->dport_hi };
	} else {
		*s = (struct sel){ &l->dst, &l->src, l->dport_lo, l->dport_hi, l->sport_lo,
			l->sport_hi };
	}
}

static void
rule_data(struct rte_acl_rule_data *d, uint32_t index)
{
	d->category_mask = 1;
	d->priority = (int32_t)(HS_POLICIES_MAX - index);
	d->userdata = index + 1;
}

static void
field_proto(struct rte_acl_field *f, int proto)
{
	f->value.u8 = (uint8_t)(proto >= 0 ? proto : 0);
	f->mask_range.u8 = proto >= 0 ? 0xff : 0;
}

static void
field_ports(struct rte_acl_field *f, const struct sel *s)
{
	f[0].value.u16 = s->sport_lo;
	f[0].mask_range.u16 = s->sport_hi;
	f[1].value.u16 = s->dport_lo;
	f[1].mask_range.u16 = s->dport_hi;
}

/* IPv4 prefix as a MASK field: host-order value, prefix length. */
static void
field_addr4(struct rte_acl_field *f, const struct hs_prefix *p)
{
	uint32_t a;

	if (p->addr.family != AF_INET || p->len == 0) {
		f->value.u32 = 0;
		f->mask_range.u32 = 0;
		return;
	}
	memcpy(&a, p->addr.v4, 4);
	f->value.u32 = rte_be_to_cpu_32(a);
	f->mask_range.u32 = p->len;
}

/* IPv6 prefix as four 32-bit MASK fields. */
static void
field_addr6(struct rte_acl_field *f, const struct hs_prefix *p)
{
	for (int w = 0; w < 4; w++) {
		int bits = p->addr.family == AF_INET6 ? (int)p->len - 32 * w : 0;
		uint32_t a;

		memcpy(&a, p->addr.v6 + 4 * w, 4);
		bits = bits < 0 ? 0 : bits > 32 ? 32 : bits;
		f[w].value.u32 = bits > 0 ? rte_be_to_cpu_32(a) : 0;
		f[w].mask_range.u32 = (uint32_t)bits;
	}
}

/* proto: -1 any, else the protocol the rule requires. */
static void
make_rule4(struct rule4 *r, const struct hs_policy *pol, bool outbound, int proto)
{
	struct sel s;

	sel_of(pol->line, outbound, &s);
	memset(r, 0, sizeof(*r));
	rule_data(&r->data, pol->index);
	field_proto(&r->field[F4_PROTO], proto);
	field_addr4(&r->field[F4_SRC], s.src);
	field_addr4(&r->field[F4_DST], s.dst);
	field_ports(&r->field[F4_SPORT], &s);
}

static void
make_rule6(struct rule6 *r, const struct hs_policy *pol, bool outbound, int proto)
{
	struct sel s;

	sel_of(pol->line, outbound, &s);
	memset(r, 0, sizeof(*r));
	rule_data(&r->data, pol->index);
	field_proto(&r->field[F6_PROTO], proto);
	field_addr6(&r->field[F6_SRC0], s.src);
	field_addr6(&r->field[F6_DST0], s.dst);
	field_ports(&r->field[F6_SPORT], &s);
}

/* The protocols the rules of a line require: one, or TCP and UDP, or any. */
static unsigned int
line_protos(const struct hs_config_acl_line *l, int protos[2])
{
	if (!l->proto_any) {
		protos[0] = l->proto;
		return 1;
	}
	if (!ports_restricted(l)) {
		protos[0] = -1;
		return 1;
	}
	protos[0] = IPPROTO_TCP;
	protos[1] = IPPROTO_UDP;
	return 2;
}

/* Rules of one context, built in a plain array (rule4 or rule6). */
struct ctx_spec {
	uint8_t family;
	bool outbound;
	const char *tag;
};

static uint32_t
count_rules(const struct hs_tables *t, const struct ctx_spec *cs)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < t->n_policies; i++)
		if (line_in_family(t->policies[i].line, cs->family))
			n += line_rules(t->policies[i].line);
	return n;
}

static void *
make_rules(const struct hs_tables *t, const struct ctx_spec *cs, uint32_t n, size_t rsize)
{
	uint8_t *rules = calloc(n, rsize);
	uint32_t k = 0;

	if (rules == NULL)
		return NULL;
	for (uint32_t i = 0; i < t->n_policies; i++) {
		const struct hs_policy *pol = &t->policies[i];
		int protos[2];
		unsigned int np;

		if (!line_in_family(pol->line, cs->family))
			continue;
		np = line_protos(pol->line, protos);
		for (unsigned int j = 0; j < np; j++, k++) {
			if (cs->family == AF_INET)
				make_rule4((struct rule4 *)(rules + k * rsize), pol, cs->outbound,
					protos[j]);
			else
				make_rule6((struct rule6 *)(rules + k * rsize), pol, cs->outbound,
					protos[j]);
		}
	}
	return rules;
}

/*
 * One context; *out stays NULL when no line belongs to it (classify then
 * answers "no match" for that family). Names carry the tables' address:
 * rte_acl_create() hands back an existing context of the same name.
 */
static int
build_ctx(const struct hs_tables *t, const struct ctx_spec *cs, struct rte_acl_ctx **out,
	char *err, size_t errlen)
{
	bool v4 = cs->family == AF_INET;
	size_t rsize = v4 ? sizeof(struct rule4) : sizeof(struct rule6);
	uint32_t n = count_rules(t, cs);
	struct rte_acl_config cfg = { .num_categories = 1, .max_size = ACL_MAX_SIZE };
	char name[RTE_ACL_NAMESIZE];
	struct rte_acl_param prm = { .name = name, .socket_id = SOCKET_ID_ANY,
		.rule_size = (uint32_t)rsize, .max_rule_num = n };
	void *rules;
	int rc;

	*out = NULL;
	if (n == 0)
		return 0;
	snprintf(name, sizeof(name), "hs%s_%" PRIxPTR, cs->tag, (uintptr_t)t);
	rules = make_rules(t, cs, n, rsize);
	if (rules == NULL) {
		snprintf(err, errlen, "%s: out of memory for %" PRIu32 " rules", cs->tag, n);
		return -ENOMEM;
	}
	*out = rte_acl_create(&prm);
	if (*out == NULL) {
		rc = -(rte_errno ? rte_errno : ENOMEM);
		snprintf(err, errlen, "%s: rte_acl_create: %s", cs->tag, rte_strerror(-rc));
		goto out;
	}
	cfg.num_fields = v4 ? F4_NUM : F6_NUM;
	memcpy(cfg.defs, v4 ? defs4 : defs6, (v4 ? F4_NUM : F6_NUM) * sizeof(cfg.defs[0]));
	rc = rte_acl_add_rules(*out, rules, n);
	if (rc == 0)
		rc = rte_acl_build(*out, &cfg);
	if (rc != 0)
		snprintf(err, errlen, "%s: %" PRIu32 " rules: rte_acl build failed: %s", cs->tag, n,
			strerror(-rc));
out:
	free(rules);
	return rc;
}

static uint32_t
count_policies(const struct hs_config *cfg)
{
	uint32_t n = 0;

	for (unsigned int m = 0; m < cfg->n_maps; m++)
		for (unsigned int e = 0; e < cfg->maps[m].n_entries; e++)
			if (cfg->maps[m].entries[e].acl != NULL)
				n += cfg->maps[m].entries[e].acl->n_lines;
	return n;
}

/* Policies in classification order: map, entry (sorted by seq), line. */
static void
fill_policies(struct hs_tables *t, const struct hs_config *cfg)
{
	uint32_t i = 0;

	for (unsigned int m = 0; m < cfg->n_maps; m++) {
		const struct hs_config_crypto_map *map = &cfg->maps[m];

		for (unsigned int e = 0; e < map->n_entries; e++) {
			const struct hs_config_crypto_entry *ent = &map->entries[e];

			for (unsigned int l = 0; ent->acl != NULL && l < ent->acl->n_lines; l++) {
				const struct hs_config_acl_line *line = &ent->acl->lines[l];

				t->policies[i] = (struct hs_policy){ .index = i, .map = map,
					.entry = ent, .line = line, .line_no = l + 1,
					.permit = line->action == HS_CONFIG_ACL_PERMIT };
				i++;
			}
		}
	}
	t->n_policies = i;
}

struct hs_tables *
hs_tables_build(struct hs_dp *dp, char *err, size_t errlen)
{
	static const struct ctx_spec specs[4] = {
		{ AF_INET, true, "4o" },
		{ AF_INET6, true, "6o" },
		{ AF_INET, false, "4i" },
		{ AF_INET6, false, "6i" },
	};
	const struct hs_tables *old;
	struct hs_tables *t;
	struct rte_acl_ctx **ctx[4];
	uint32_t n;

	if (dp == NULL || dp->cfg == NULL) {
		snprintf(err, errlen, "no configuration");
		return NULL;
	}
	n = count_policies(dp->cfg);
	if (n > HS_POLICIES_MAX) {
		snprintf(err, errlen, "%" PRIu32 " crypto-map ACL lines, at most %u are supported",
			n, HS_POLICIES_MAX);
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL || (n > 0 && (t->policies = calloc(n, sizeof(*t->policies))) == NULL)) {
		snprintf(err, errlen, "out of memory for %" PRIu32 " policies", n);
		free(t);
		return NULL;
	}
	old = atomic_load_explicit(&dp->tables, memory_order_acquire);
	t->generation = old != NULL ? old->generation + 1 : 1;
	fill_policies(t, dp->cfg);
	ctx[0] = &t->acl4_out;
	ctx[1] = &t->acl6_out;
	ctx[2] = &t->acl4_in;
	ctx[3] = &t->acl6_in;
	for (int i = 0; i < 4; i++) {
		if (build_ctx(t, &specs[i], ctx[i], err, errlen) != 0) {
			hs_tables_free(t);
			return NULL;
		}
	}
	CLS_LOG(INFO, "generation %" PRIu64 ": %" PRIu32 " policies", t->generation, t->n_policies);
	return t;
}

void
hs_tables_free(struct hs_tables *t)
{
	if (t == NULL)
		return;
	rte_acl_free(t->acl4_out);
	rte_acl_free(t->acl6_out);
	rte_acl_free(t->acl4_in);
	rte_acl_free(t->acl6_in);
	free(t->policies);
	free(t);
}

/* ---- packet path: no allocation, no lock, no log ---- */

static bool
has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP;
}

/* Ports at off into key (zero when absent or truncated). */
static void
key_ports(const struct rte_mbuf *m, uint32_t off, uint8_t *key)
{
	uint8_t tmp[4];
	const uint8_t *p = rte_pktmbuf_read(m, off, 4, tmp);

	if (p != NULL)
		memcpy(key, p, 4);
	else
		memset(key, 0, 4);
}

/*
 * Classifier input of an IPv4 packet: the packet itself when the ports are
 * at offset 20 of the first segment, else a normalised copy in key. NULL
 * when the header is truncated or broken (no match).
 */
static const uint8_t *
input4(const struct rte_mbuf *m, uint8_t *key)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)p;
	uint32_t ihl;

	if (hs_likely(rte_pktmbuf_data_len(m) >= KEY4_LEN && p[0] == 0x45 &&
		(ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_OFFSET_MASK)) == 0))
		return p;
	p = rte_pktmbuf_read(m, 0, sizeof(*ip), key);
	if (p == NULL)
		return NULL;
	if (p != key)
		memcpy(key, p, sizeof(*ip));
	ip = (const struct rte_ipv4_hdr *)key;
	ihl = (key[0] & 0x0f) * 4u;
	if (ihl < sizeof(*ip))
		return NULL;
	if (has_ports(ip->next_proto_id) &&
		(ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_OFFSET_MASK)) == 0)
		key_ports(m, ihl, key + sizeof(*ip));
	else
		memset(key + sizeof(*ip), 0, 4);
	return key;
}

static const uint8_t *
input6(const struct rte_mbuf *m, uint8_t *key)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ipv6_hdr *ip6;

	if (hs_likely(rte_pktmbuf_data_len(m) >= KEY6_LEN))
		return p;
	p = rte_pktmbuf_read(m, 0, sizeof(*ip6), key);
	if (p == NULL)
		return NULL;
	if (p != key)
		memcpy(key, p, sizeof(*ip6));
	ip6 = (const struct rte_ipv6_hdr *)key;
	if (has_ports(ip6->proto))
		key_ports(m, sizeof(*ip6), key + sizeof(*ip6));
	else
		memset(key + sizeof(*ip6), 0, 4);
	return key;
}

/* The packets of one family in a chunk, and where their results go. */
struct fam_batch {
	uint16_t n;
	const uint8_t *data[HS_BURST_MAX];
	uint32_t res[HS_BURST_MAX];
	uint16_t idx[HS_BURST_MAX];
};

static void
run_batch(const struct hs_tables *t, const struct rte_acl_ctx *ctx, struct fam_batch *b,
	uint32_t res[])
{
	if (b->n == 0)
		return;
	/* rte_acl_classify() takes a non-const context but does not change it. */
	if (rte_acl_classify((struct rte_acl_ctx *)(uintptr_t)ctx, b->data, b->res, b->n, 1) != 0)
		return;
	for (uint16_t j = 0; j < b->n; j++) {
		uint32_t r = b->res[j];

		res[b->idx[j]] = r != 0 && r <= t->n_policies ? r - 1 : UINT32_MAX;
	}
}

static void
classify_chunk(const struct hs_tables *t, bool outbound, struct rte_mbuf *pkts[], uint32_t res[],
	uint16_t n)
{
	const struct rte_acl_ctx *c4 = outbound ? t->acl4_out : t->acl4_in;
	const struct rte_acl_ctx *c6 = outbound ? t->acl6_out : t->acl6_in;
	uint8_t key[HS_BURST_MAX][KEY_MAX] __rte_aligned(8);
	struct fam_batch b4, b6;

	b4.n = b6.n = 0;
	for (uint16_t i = 0; i < n; i++) {
		const struct rte_mbuf *m = pkts[i];
		const uint8_t *in = NULL;
		uint8_t ver;

		res[i] = UINT32_MAX;
		if (hs_unlikely(rte_pktmbuf_data_len(m) == 0))
			continue;
		ver = rte_pktmbuf_mtod(m, const uint8_t *)[0] >> 4;
		if (ver == 4 && c4 != NULL && (in = input4(m, key[i])) != NULL) {
			b4.data[b4.n] = in;
			b4.idx[b4.n++] = i;
		} else if (ver == 6 && c6 != NULL && (in = input6(m, key[i])) != NULL) {
			b6.data[b6.n] = in;
			b6.idx[b6.n++] = i;
		}
	}
	run_batch(t, c4, &b4, res);
	run_batch(t, c6, &b6, res);
}

void
hs_classify_burst(const struct hs_tables *t, bool outbound, struct rte_mbuf *pkts[],
	uint32_t res[], uint16_t n)
{
	for (uint32_t off = 0; off < n; off += HS_BURST_MAX) {
		uint16_t k = (uint16_t)RTE_MIN(n - off, (uint32_t)HS_BURST_MAX);

		if (t == NULL) {
			for (uint16_t i = 0; i < k; i++)
				res[off + i] = UINT32_MAX;
			continue;
		}
		classify_chunk(t, outbound, pkts + off, res + off, k);
	}
}
