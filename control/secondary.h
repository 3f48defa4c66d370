/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Joining a running hubsec-dataplane as a DPDK secondary process, shared by
 * hubsec-sactl and hubsec-control: EAL options completed and bounded in
 * time, and the dataplane's rings looked up by name (lib/msg.h).
 */
#ifndef HS_SECONDARY_H
#define HS_SECONDARY_H

#include "msg.h"

/* The --file-prefix among EAL's arguments ("rte", EAL's default, when none). */
const char *hs_secondary_file_prefix(int argc, char **argv);

/*
 * rte_eal_init() as a secondary of the primary with this prefix, adding
 * --proc-type=secondary, --no-pci, --no-telemetry and a quiet EAL log level
 * unless given. Refuses at once when no primary holds that prefix's lock
 * (a secondary would spin on it), and exits the process if EAL takes more
 * than 10 s. prog names the program in messages; no_primary is the advice
 * printed when there is no primary. 0, or -1 with the reason printed.
 */
int hs_secondary_eal_attach(int argc, char **argv, const char *prog, const char *prefix,
	const char *no_primary);

/* The seven ring/pool pointers of r looked up by name; NULL where missing. */
void hs_secondary_rings(struct hs_rings *r);

#endif /* HS_SECONDARY_H */
