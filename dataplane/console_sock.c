/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The console's unix socket, for hubsec-cli and scripts: one command per
 * connection ("LINE\n" in; "HS1 <rc>\n" and the output back, then close).
 * Non-blocking throughout, served a little at a time from the main lcore's
 * loop: a slow or silent client costs a slot, never a stall. The socket
 * lives in the EAL runtime directory (beside DPDK's telemetry socket), mode
 * 0600: the console can delete SAs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_log.h>

#include "console.h"

#define HS_CLI_CONNS_MAX 8
/*
 * A client has LINE_TIMEOUT_S to send its line (hubsec-cli sends it at once:
 * a silent one must not hold one of the few slots) and CONN_TIMEOUT_S to
 * read a long answer.
 */
#define LINE_TIMEOUT_S 3
#define CONN_TIMEOUT_S 30
#define ACCEPTS_PER_POLL 4

#define CLOG(level, fmt, ...) RTE_LOG(level, USER1, "console: " fmt "\n", ##__VA_ARGS__)

struct hs_cli_conn {
	int fd; /* -1: free */
	uint64_t start_tsc;
	char in[HS_CLI_LINE_MAX + 1]; /* one more: a longer line is refused, never cut */
	size_t in_len;
	char *out; /* reply, once the command ran */
	size_t out_len, out_off;
};

int
hs_console_sock_open(struct hs_dp *dp, struct hs_console *c)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, n;

	c->conns = calloc(HS_CLI_CONNS_MAX, sizeof(*c->conns));
	if (c->conns == NULL)
		return -ENOMEM;
	for (unsigned int i = 0; i < HS_CLI_CONNS_MAX; i++)
		c->conns[i].fd = -1;
	if (dp->opts.cli_socket != NULL)
		n = snprintf(c->sock_path, sizeof(c->sock_path), "%s", dp->opts.cli_socket);
	else
		n = snprintf(c->sock_path, sizeof(c->sock_path), "%s/%s",
			rte_eal_get_runtime_dir(), HS_CLI_SOCK_NAME);
	if (n < 0 || (size_t)n >= sizeof(c->sock_path) || (size_t)n >= sizeof(sa.sun_path)) {
		CLOG(ERR, "socket path too long");
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, c->sock_path, (size_t)n + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(c->sock_path); /* a stale one from a process that died */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || chmod(c->sock_path, 0600) != 0 ||
		listen(fd, HS_CLI_CONNS_MAX) != 0) {
		int rc = -errno;

		CLOG(ERR, "%s: %s", c->sock_path, strerror(-rc));
		close(fd);
		return rc;
	}
	c->listen_fd = fd;
	CLOG(INFO, "commands on %s (hubsec-cli)", c->sock_path);
	return 0;
}

static void
conn_close(struct hs_cli_conn *k)
{
	close(k->fd);
	free(k->out);
	*k = (struct hs_cli_conn){ .fd = -1 };
}

static void
accept_new(struct hs_console *c)
{
	for (unsigned int n = 0; n < ACCEPTS_PER_POLL; n++) {
		struct hs_cli_conn *k = NULL;
		int fd;

		for (unsigned int i = 0; i < HS_CLI_CONNS_MAX && k == NULL; i++)
			if (c->conns[i].fd < 0)
				k = &c->conns[i];
		if (k == NULL)
			return; /* full: the rest wait in the listen backlog */
		fd = accept4(c->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		*k = (struct hs_cli_conn){ .fd = fd, .start_tsc = rte_rdtsc() };
	}
}

/* Run the command and keep "HS1 rc\n" + its output to send. */
static void
run(struct hs_dp *dp, struct hs_cli_conn *k)
{
	char *body = NULL, head[32];
	size_t body_len = 0;
	FILE *f = open_memstream(&body, &body_len);
	int rc = -ENOMEM, hl;

	if (f != NULL) {
		rc = hs_console_exec(dp, k->in, f);
		fclose(f);
	}
	hl = snprintf(head, sizeof(head), HS_CLI_REPLY_MAGIC " %d\n", rc);
	k->out = malloc((size_t)hl + body_len);
	if (k->out != NULL) {
		memcpy(k->out, head, (size_t)hl);
		if (body_len > 0)
			memcpy(k->out + hl, body, body_len);
		k->out_len = (size_t)hl + body_len;
	}
	free(body);
}

/* Read what is there; true when the line is complete (or the client stopped writing). */
static bool
read_line(struct hs_cli_conn *k)
{
	for (;;) {
		ssize_t r;
		char *nl;

		if (k->in_len == sizeof(k->in) - 1)
			return true; /* too long: the dispatcher says so */
		r = read(k->fd, k->in + k->in_len, sizeof(k->in) - 1 - k->in_len);
		if (r < 0)
			return false;
		if (r == 0)
			return true; /* EOF: a line without '\n' */
		k->in_len += (size_t)r;
		k->in[k->in_len] = '\0';
		nl = memchr(k->in, '\n', k->in_len);
		if (nl != NULL) {
			*nl = '\0';
			return true;
		}
	}
}

static void
serve(struct hs_dp *dp, struct hs_cli_conn *k, uint64_t now)
{
	if (k->out == NULL && k->out_len == 0) {
		if (!read_line(k)) {
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				conn_close(k);
			else if (now - k->start_tsc > LINE_TIMEOUT_S * dp->tsc_hz)
				conn_close(k);
			return;
		}
		k->in[k->in_len < sizeof(k->in) ? k->in_len : sizeof(k->in) - 1] = '\0';
		run(dp, k);
		if (k->out == NULL) {
			conn_close(k);
			return;
		}
	}
	while (k->out_off < k->out_len) {
		ssize_t w = send(k->fd, k->out + k->out_off, k->out_len - k->out_off, MSG_NOSIGNAL);

		if (w < 0) {
			if ((errno != EAGAIN && errno != EWOULDBLOCK) ||
				now - k->start_tsc > CONN_TIMEOUT_S * dp->tsc_hz)
				conn_close(k);
			return;
		}
		k->out_off += (size_t)w;
	}
	conn_close(k);
}

void
hs_console_sock_poll(struct hs_dp *dp, struct hs_console *c)
{
	uint64_t now;

	if (c->listen_fd < 0)
		return;
	accept_new(c);
	now = rte_rdtsc(); /* after the accepts: no connection is younger than now */
	for (unsigned int i = 0; i < HS_CLI_CONNS_MAX; i++)
		if (c->conns[i].fd >= 0)
			serve(dp, &c->conns[i], now);
}

void
hs_console_sock_close(struct hs_console *c)
{
	if (c->conns != NULL) {
		for (unsigned int i = 0; i < HS_CLI_CONNS_MAX; i++)
			if (c->conns[i].fd >= 0)
				conn_close(&c->conns[i]);
		free(c->conns);
		c->conns = NULL;
	}
	if (c->listen_fd >= 0) {
		close(c->listen_fd);
		unlink(c->sock_path);
		c->listen_fd = -1;
	}
}
