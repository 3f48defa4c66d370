/* SPDX-License-Identifier: BSD-3-Clause */
#include <inttypes.h>

#include "dp_report.h"

static const char *const dp_drop_names[HS_DPDROP_MAX] = { HS_DP_DROP_REASONS(HS_ENUM_STR) };

const char *
hs_dp_drop_name(enum hs_dp_drop r)
{
	return (unsigned)r < HS_DPDROP_MAX ? dp_drop_names[r] : "unknown";
}

uint64_t
hs_report_dp_drops(const struct hs_dp *dp, enum hs_dp_drop r)
{
	uint64_t sum = dp->main_drops[r];

	for (unsigned int w = 0; w < dp->n_workers; w++)
		sum += dp->workers[w]->drops[r];
	return sum;
}

uint64_t
hs_report_esp_drops(const struct hs_dp *dp, enum hs_drop_reason r)
{
	uint64_t sum = 0;

	for (unsigned int w = 0; w < dp->n_workers; w++)
		sum += dp->workers[w]->esp.drop_count[r];
	return sum;
}

uint64_t
hs_report_policy_hits(const struct hs_dp *dp, uint32_t policy)
{
	uint64_t hits = 0;

	for (unsigned int w = 0; w < dp->n_workers; w++)
		hits += dp->workers[w]->policy[policy].hits;
	return hits;
}

void
hs_report_port(const struct hs_dp *dp, uint16_t port, struct hs_port_stats *out)
{
	*out = dp->main_port[port];
	for (unsigned int w = 0; w < dp->n_workers; w++) {
		const struct hs_port_stats *s = &dp->workers[w]->port[port];

		out->rx_pkts += s->rx_pkts;
		out->rx_bytes += s->rx_bytes;
		out->tx_pkts += s->tx_pkts;
		out->tx_bytes += s->tx_bytes;
		out->drops += s->drops;
	}
}

static void
print_sa(const struct hs_sa *sa, const struct hs_sad_info *info, void *arg)
{
	FILE *out = arg;
	char peer[HS_ADDR_STRLEN];
	bool outbound = sa->rt.dir == HS_SA_OUT;

	fprintf(out, "  %s spi 0x%08x (%u) %s seq %u line %u peer %s %s %s%s%s: #pkts %s %" PRIu64
		     ", bytes %" PRIu64,
		outbound ? "outbound" : "inbound ", sa->rt.spi, sa->rt.spi, info->map, info->seq,
		info->acl_line, hs_addr_format(&info->peer, peer, sizeof(peer)),
		hs_sa_state_name(sa->rt.state), hs_cipher_name(sa->cfg.cipher),
		sa->cfg.integ != HS_INTEG_NONE ? " " : "",
		sa->cfg.integ != HS_INTEG_NONE ? hs_integ_name(sa->cfg.integ) : "",
		outbound ? "encaps" : "decaps", sa->stats.packets, sa->stats.bytes);
	for (int r = 0; r < HS_DROP_MAX; r++)
		if (sa->stats.errors[r] != 0)
			fprintf(out, ", %s %" PRIu64, hs_drop_name(r), sa->stats.errors[r]);
	fputc('\n', out);
}

void
hs_report_print(const struct hs_dp *dp, FILE *out)
{
	fprintf(out, "hubsec-dataplane %s: counters\n SAs:\n", dp->cfg->hostname);
	hs_sad_walk(dp, print_sa, out);
	fprintf(out, " ports:\n");
	for (uint16_t p = 0; p < dp->n_ports; p++) {
		struct hs_port_stats s;

		hs_report_port(dp, p, &s);
		fprintf(out, "  %-10s rx %" PRIu64 " pkts %" PRIu64 " bytes, tx %" PRIu64
			     " pkts %" PRIu64 " bytes, drops %" PRIu64 "\n",
			dp->ports[p].cfg->name, s.rx_pkts, s.rx_bytes, s.tx_pkts, s.tx_bytes, s.drops);
	}
	fprintf(out, " drops:\n");
	for (int r = 0; r < HS_DPDROP_MAX; r++) {
		uint64_t n = hs_report_dp_drops(dp, r);

		if (n != 0)
			fprintf(out, "  %-18s %" PRIu64 "\n", hs_dp_drop_name(r), n);
	}
	for (int r = 0; r < HS_DROP_MAX; r++) {
		uint64_t n = hs_report_esp_drops(dp, r);

		if (n != 0)
			fprintf(out, "  %-18s %" PRIu64 "\n", hs_drop_name(r), n);
	}
	fflush(out);
}
