/* SPDX-License-Identifier: BSD-3-Clause */
/* Counter reports for people: SAs, ports, drops (summed over workers on read). */
#ifndef HS_DP_REPORT_H
#define HS_DP_REPORT_H

#include <stdio.h>

#include "dp.h"

/* Sum of one drop reason over the workers (and the main lcore). */
uint64_t hs_report_dp_drops(const struct hs_dp *dp, enum hs_dp_drop r);
uint64_t hs_report_esp_drops(const struct hs_dp *dp, enum hs_drop_reason r);
/* Hits of one policy (crypto-map ACL line) summed over the workers. */
uint64_t hs_report_policy_hits(const struct hs_dp *dp, uint32_t policy);
/* Port counters summed over workers. */
void hs_report_port(const struct hs_dp *dp, uint16_t port, struct hs_port_stats *out);
/* Everything, plain text. */
void hs_report_print(const struct hs_dp *dp, FILE *out);

#endif
