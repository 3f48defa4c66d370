/* SPDX-License-Identifier: BSD-3-Clause */
/* Joining a running hubsec-dataplane as a DPDK secondary process (secondary.h). */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "secondary.h"

#define EAL_TIMEOUT_S 10
#define EXIT_ATTACH 2 /* both programs' usage/attach exit status */

static bool
has_arg(int argc, char **argv, const char *name)
{
	size_t n = strlen(name);

	for (int i = 0; i < argc; i++) {
		if (strncmp(argv[i], name, n) == 0 && (argv[i][n] == '\0' || argv[i][n] == '='))
			return true;
	}
	return false;
}

const char *
hs_secondary_file_prefix(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		if (strncmp(argv[i], "--file-prefix=", 14) == 0)
			return argv[i] + 14;
		if (strcmp(argv[i], "--file-prefix") == 0 && i + 1 < argc)
			return argv[i + 1];
	}
	return "rte";
}

/* Where a primary with this file prefix keeps its config (EAL's runtime dir). */
static void
config_path(const char *prefix, char *buf, size_t len)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (getuid() == 0 || xdg == NULL)
		snprintf(buf, len, "%s/dpdk/%s/config", getuid() == 0 ? "/var/run" : "/tmp",
			prefix);
	else
		snprintf(buf, len, "%s/dpdk/%s/config", xdg, prefix);
}

/* Set before the alarm: a signal handler may only write(). */
static char alarm_msg[256];

static void
on_alarm(int sig)
{
	(void)sig;
	if (write(STDERR_FILENO, alarm_msg, strlen(alarm_msg)) < 0)
		_exit(EXIT_ATTACH);
	_exit(EXIT_ATTACH);
}

int
hs_secondary_eal_attach(int argc, char **argv, const char *prog, const char *prefix,
	const char *no_primary)
{
	char path[512];
	char *args[64];
	int n = 0, rc;

	if (argc > 56) {
		fprintf(stderr, "%s: too many EAL options\n", prog);
		return -1;
	}
	for (int i = 0; i < argc; i++)
		args[n++] = argv[i];
	if (!has_arg(argc, argv, "--proc-type"))
		args[n++] = (char *)(uintptr_t)"--proc-type=secondary";
	if (!has_arg(argc, argv, "--no-pci") && !has_arg(argc, argv, "-a"))
		args[n++] = (char *)(uintptr_t)"--no-pci";
	if (!has_arg(argc, argv, "--telemetry") && !has_arg(argc, argv, "--no-telemetry"))
		args[n++] = (char *)(uintptr_t)"--no-telemetry";
	if (!has_arg(argc, argv, "--log-level"))
		args[n++] = (char *)(uintptr_t)"--log-level=lib.eal:error";
	args[n] = NULL;
	/*
	 * A secondary spins forever on the config of a primary that died while
	 * starting: ask first whether one holds its lock, and bound EAL's time.
	 */
	config_path(prefix, path, sizeof(path));
	if (!rte_eal_primary_proc_alive(path)) {
		fprintf(stderr, "%s: no DPDK primary process with --file-prefix %s (%s): %s\n", prog,
			prefix, path, no_primary);
		return -1;
	}
	snprintf(alarm_msg, sizeof(alarm_msg), "%s: EAL did not attach in time: is the "
		"dataplane with this --file-prefix still starting, or stuck?\n", prog);
	rte_openlog_stream(stderr); /* keep stdout for results */
	signal(SIGALRM, on_alarm);
	alarm(EAL_TIMEOUT_S);
	rc = rte_eal_init(n, args);
	alarm(0);
	if (rc < 0) {
		fprintf(stderr, "%s: cannot attach (%s): is hubsec-dataplane running "
				"with --file-prefix %s?\n", prog,
			rte_errno != 0 ? rte_strerror(rte_errno) : "EAL init failed", prefix);
		return -1;
	}
	if (rte_eal_process_type() != RTE_PROC_SECONDARY) {
		fprintf(stderr, "%s: must run as --proc-type=secondary\n", prog);
		rte_eal_cleanup();
		return -1;
	}
	return 0;
}

void
hs_secondary_rings(struct hs_rings *r)
{
	r->sa = rte_ring_lookup(HS_RING_SA);
	r->ack = rte_ring_lookup(HS_RING_ACK);
	r->acquire = rte_ring_lookup(HS_RING_ACQUIRE);
	r->event = rte_ring_lookup(HS_RING_EVENT);
	r->punt = rte_ring_lookup(HS_RING_PUNT);
	r->inject = rte_ring_lookup(HS_RING_INJECT);
	r->msg_pool = rte_mempool_lookup(HS_MSG_POOL);
}
