/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Formats the console's views share: Cisco's address/mask forms, ACL lines,
 * transform names, and counters with the console's baseline subtracted.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_cycles.h>

#include "console.h"
#include "dp_report.h"

void
hs_cli_fmt_mask4(uint8_t len, char *buf, size_t n)
{
	uint32_t m = len == 0 ? 0 : UINT32_MAX << (32 - len);

	snprintf(buf, n, "%u.%u.%u.%u", m >> 24, (m >> 16) & 0xff, (m >> 8) & 0xff, m & 0xff);
}

void
hs_cli_fmt_prefix_mask(FILE *f, const struct hs_prefix *p)
{
	char a[HS_ADDR_STRLEN], m[16];

	if (p->addr.family == 0) {
		fputs("any", f);
	} else if (p->addr.family == AF_INET6) {
		fputs(hs_prefix_format(p, a, sizeof(a)), f);
	} else if (p->len == 32) {
		fprintf(f, "host %s", hs_addr_format(&p->addr, a, sizeof(a)));
	} else {
		hs_cli_fmt_mask4(p->len, m, sizeof(m));
		fprintf(f, "%s %s", hs_addr_format(&p->addr, a, sizeof(a)), m);
	}
}

static void
ports(FILE *f, uint16_t lo, uint16_t hi)
{
	if (lo == 0 && hi == UINT16_MAX)
		return;
	if (lo == hi)
		fprintf(f, " eq %u", lo);
	else
		fprintf(f, " range %u %u", lo, hi);
}

void
hs_cli_fmt_acl_line(FILE *f, const struct hs_config_acl_line *l)
{
	char pb[8];

	fprintf(f, "extended %s %s ", hs_config_acl_action_name(l->action),
		hs_cfg_proto_name(l, pb, sizeof(pb)));
	hs_cli_fmt_prefix_mask(f, &l->src);
	ports(f, l->sport_lo, l->sport_hi);
	fputc(' ', f);
	hs_cli_fmt_prefix_mask(f, &l->dst);
	ports(f, l->dport_lo, l->dport_hi);
}

void
hs_cli_fmt_ident(FILE *f, const struct hs_prefix *p, uint8_t proto, uint16_t port_lo,
	uint16_t port_hi)
{
	char a[HS_ADDR_STRLEN], m[16];
	/* Cisco prints one port; a range shows its first port and "+". */
	uint16_t port = port_lo == 0 && port_hi == UINT16_MAX ? 0 : port_lo;
	const char *more = port_lo != port_hi && port != 0 ? "+" : "";

	if (p->addr.family == AF_INET6) {
		fprintf(f, "(%s/%u/%u%s)", hs_prefix_format(p, a, sizeof(a)), proto, port, more);
		return;
	}
	if (p->addr.family == 0) {
		fprintf(f, "(0.0.0.0/0.0.0.0/%u/%u%s)", proto, port, more);
		return;
	}
	hs_cli_fmt_mask4(p->len, m, sizeof(m));
	fprintf(f, "(%s/%s/%u/%u%s)", hs_addr_format(&p->addr, a, sizeof(a)), m, proto, port, more);
}

const char *
hs_cli_cipher_name(enum hs_cipher c)
{
	switch (c) {
	case HS_CIPHER_AES_GCM_128:
		return "esp-aes-gcm";
	case HS_CIPHER_AES_GCM_256:
		return "esp-aes-gcm-256";
	case HS_CIPHER_AES_CBC_128:
		return "esp-aes";
	case HS_CIPHER_AES_CBC_256:
		return "esp-aes-256";
	default:
		return "unknown";
	}
}

const char *
hs_cli_integ_name(enum hs_integ i)
{
	switch (i) {
	case HS_INTEG_NONE:
		return "esp-null-hmac";
	case HS_INTEG_HMAC_SHA1_96:
		return "esp-sha-hmac";
	case HS_INTEG_HMAC_SHA256_128:
		return "esp-sha256-hmac";
	case HS_INTEG_HMAC_SHA384_192:
		return "esp-sha384-hmac";
	case HS_INTEG_HMAC_SHA512_256:
		return "esp-sha512-hmac";
	default:
		return "unknown";
	}
}

uint64_t
hs_cli_age_s(const struct hs_dp *dp, uint64_t tsc)
{
	uint64_t now = rte_rdtsc();

	if (tsc == 0 || tsc > now || dp->tsc_hz == 0)
		return 0;
	return (now - tsc) / dp->tsc_hz;
}

/* a - b, never below zero (a counter reset under the baseline). */
static uint64_t
sub(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

void
hs_cli_port_stats(const struct hs_dp *dp, const struct hs_console *c, uint16_t port,
	struct hs_port_stats *s)
{
	const struct hs_port_stats *b = &c->base.port[port];

	hs_report_port(dp, port, s);
	s->rx_pkts = sub(s->rx_pkts, b->rx_pkts);
	s->rx_bytes = sub(s->rx_bytes, b->rx_bytes);
	s->tx_pkts = sub(s->tx_pkts, b->tx_pkts);
	s->tx_bytes = sub(s->tx_bytes, b->tx_bytes);
	s->drops = sub(s->drops, b->drops);
}

uint64_t
hs_cli_dp_drops(const struct hs_dp *dp, const struct hs_console *c, enum hs_dp_drop r)
{
	return sub(hs_report_dp_drops(dp, r), c->base.dp_drops[r]);
}

uint64_t
hs_cli_esp_drops(const struct hs_dp *dp, const struct hs_console *c, enum hs_drop_reason r)
{
	return sub(hs_report_esp_drops(dp, r), c->base.esp_drops[r]);
}

static uint64_t
tables_gen(const struct hs_dp *dp)
{
	const struct hs_tables *t = atomic_load(&dp->tables);

	return t != NULL ? t->generation : 0;
}

uint64_t
hs_cli_policy_hits(const struct hs_dp *dp, const struct hs_console *c, uint32_t policy)
{
	uint64_t hits;

	if (policy >= HS_POLICIES_MAX)
		return 0;
	hits = hs_report_policy_hits(dp, policy);
	if (c->base.policy_gen != tables_gen(dp))
		return hits; /* a baseline of other tables: not ours to subtract */
	return sub(hits, c->base.policy[policy]);
}

void
hs_cli_policy_base_sync(const struct hs_dp *dp, struct hs_console *c)
{
	uint64_t gen = tables_gen(dp);

	if (c->base.policy_gen == gen)
		return;
	memset(c->base.policy, 0, HS_POLICIES_MAX * sizeof(c->base.policy[0]));
	c->base.policy_gen = gen;
}
