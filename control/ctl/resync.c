/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * After a restart beside a running dataplane: ask its console socket for
 * "show crypto ipsec sa brief" and hand the IKEv2 SAs it kept to the engine
 * (hs_ikev2_resync), which negotiates their successors and replaces them
 * without a gap. The dataplane keeps forwarding with them meanwhile; a
 * dataplane that does not answer only means nothing is resynchronised.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl.h"

#define DP_SOCK_NAME "hubsec.sock" /* dataplane/console.h HS_CLI_SOCK_NAME */
#define RESYNC_TIMEOUT_MS 3000
#define KEPT_MAX 65536

/* The dataplane's answer to line, NUL-terminated, in a malloc'd buffer; NULL on failure. */
static char *
ask_dataplane(const char *line)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = 0, cap = 1 << 16;
	char *buf = NULL;
	int fd;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", hs_ctl_dpdk_runtime_dir(), DP_SOCK_NAME);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
		write(fd, line, strlen(line)) != (ssize_t)strlen(line) ||
		(buf = malloc(cap)) == NULL)
		goto fail;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (poll(&p, 1, RESYNC_TIMEOUT_MS) <= 0)
			goto fail;
		if (len + 1 >= cap) {
			char *nb = cap < (64u << 20) ? realloc(buf, cap * 2) : NULL;

			if (nb == NULL)
				goto fail;
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + len, cap - len - 1);
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	return buf;
fail:
	close(fd);
	free(buf);
	return NULL;
}

/* "map seq line peer dir 0xSPI origin ike-sa" (the brief view's columns). */
static bool
parse_line(char *l, struct hs_ikev2_kept *k)
{
	char map[HS_MSG_NAME_MAX], peer[64], dir[8], origin[16];
	unsigned int seq, line, spi;

	if (sscanf(l, "%63s %u %u %63s %7s 0x%x %15s", map, &seq, &line, peer, dir, &spi,
		    origin) != 7 ||
		strcmp(origin, "IKEv2") != 0 || hs_addr_parse(peer, &k->peer) != 0)
		return false;
	memset(k->map, 0, sizeof(k->map));
	snprintf(k->map, sizeof(k->map), "%s", map);
	k->seq = seq;
	k->acl_line = line;
	k->spi = spi;
	k->dir = strcmp(dir, "in") == 0 ? HS_SA_IN : HS_SA_OUT;
	return true;
}

void
hs_ctl_resync(struct hs_ctl *c, uint64_t now)
{
	char *answer = ask_dataplane("show crypto ipsec sa brief\n"), *save = NULL;
	struct hs_ikev2_kept *k;
	unsigned int n = 0;

	if (answer == NULL || strncmp(answer, "HS1 0\n", 6) != 0) {
		hs_ctl_log(c, HS_IKEV2_LOG_WARNING,
			"the dataplane's console did not list its SAs: nothing to resynchronise");
		free(answer);
		return;
	}
	k = calloc(KEPT_MAX, sizeof(*k));
	if (k == NULL) {
		free(answer);
		return;
	}
	for (char *l = strtok_r(answer + 6, "\n", &save); l != NULL && n < KEPT_MAX;
		l = strtok_r(NULL, "\n", &save))
		n += parse_line(l, &k[n]);
	if (n > 0)
		hs_ikev2_resync(c->ike, k, n, now);
	free(k);
	free(answer);
}
