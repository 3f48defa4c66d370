/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hubsec-control's command socket: the dataplane console's relay
 * (dataplane/console_ike.c) and hubsec-cli --socket talk to it. The same
 * protocol as the dataplane's console socket (dataplane/console_sock.c):
 * one line ending in '\n' in, at most HS_CTL_LINE_MAX - 1 bytes (longer is
 * refused, never cut); "HS1 <rc>\n" and the output back, then close.
 * Non-blocking throughout and served from the loop a little at a time: a
 * slow or silent client costs one of the few slots, never a stall. Mode
 * 0600: the socket can clear IKE SAs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl.h"

#define HS_CTL_LINE_MAX 512
#define CONNS_MAX 8
#define ACCEPTS_PER_POLL 4
/* A client sends its line at once (hubsec-cli, the relay): a silent one loses its slot. */
#define LINE_TIMEOUT_MS 3000
#define CONN_TIMEOUT_MS 30000
#define REPLY_MAGIC "HS1"

struct conn {
	int fd; /* -1: free */
	uint64_t start_ms;
	char in[HS_CTL_LINE_MAX + 1]; /* one more: a longer line is refused, never cut */
	size_t in_len;
	bool too_long;
	char *out; /* the answer, once the command ran */
	size_t out_len, out_off;
};

struct hs_ctl_sock {
	int listen_fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct conn conns[CONNS_MAX];
};

/* true when a process accepts connections on path (another hubsec-control). */
static bool
answers(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok;

	if (fd < 0)
		return false;
	ok = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0;
	close(fd);
	return ok;
}

int
hs_ctl_sock_open(struct hs_ctl *c, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct hs_ctl_sock *s;
	size_t n = strlen(path);
	int fd, rc;

	if (n >= sizeof(sa.sun_path)) {
		hs_ctl_log(c, HS_IKEV2_LOG_ERR, "%s: socket path too long (at most %zu bytes)", path,
			sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, n + 1);
	if (answers(&sa)) {
		hs_ctl_log(c, HS_IKEV2_LOG_ERR, "%s: another hubsec-control answers on this "
						"socket: only one may run per dataplane",
			path);
		return -EADDRINUSE;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	for (unsigned int i = 0; i < CONNS_MAX; i++)
		s->conns[i].fd = -1;
	memcpy(s->path, path, n + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		free(s);
		return rc;
	}
	unlink(path); /* a stale one from a process that died */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || chmod(path, 0600) != 0 ||
		listen(fd, CONNS_MAX) != 0) {
		rc = -errno;
		hs_ctl_log(c, HS_IKEV2_LOG_ERR, "%s: %s", path, strerror(-rc));
		close(fd);
		free(s);
		return rc;
	}
	s->listen_fd = fd;
	c->sock = s;
	hs_ctl_log(c, HS_IKEV2_LOG_INFO, "commands on %s (hubsec-cli --socket %s COMMAND)", path,
		path);
	return 0;
}

static void
conn_close(struct conn *k)
{
	close(k->fd);
	free(k->out);
	*k = (struct conn){ .fd = -1 };
}

static unsigned int
accept_new(struct hs_ctl_sock *s, uint64_t now)
{
	unsigned int n;

	for (n = 0; n < ACCEPTS_PER_POLL; n++) {
		struct conn *k = NULL;
		int fd;

		for (unsigned int i = 0; i < CONNS_MAX && k == NULL; i++)
			if (s->conns[i].fd < 0)
				k = &s->conns[i];
		if (k == NULL)
			break; /* full: the rest wait in the listen backlog */
		fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			break;
		*k = (struct conn){ .fd = fd, .start_ms = now };
	}
	return n;
}

/* Read what is there; true when the line is complete (or the client stopped writing). */
static bool
read_line(struct conn *k)
{
	for (;;) {
		ssize_t r;
		char *nl;

		if (k->in_len == sizeof(k->in) - 1) {
			k->too_long = true; /* run() says so */
			return true;
		}
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

/*
 * Read what the client sent after its line (the rest of an over-long one):
 * closing with unread input resets the connection, and the client would
 * lose the answer it has not read yet.
 */
static void
drain(struct conn *k)
{
	char buf[1024];

	for (int i = 0; i < 8 && read(k->fd, buf, sizeof(buf)) > 0; i++)
		;
}

/* Run the command; keep "HS1 rc\n" and its output to send. */
static void
run(struct hs_ctl *c, struct conn *k, uint64_t now)
{
	char *body = NULL, head[32];
	size_t body_len = 0, n;
	FILE *f = open_memstream(&body, &body_len);
	int rc = 1, hl;

	if (f == NULL)
		return;
	k->in[k->in_len] = '\0';
	n = strlen(k->in);
	while (n > 0 && (k->in[n - 1] == '\r' || k->in[n - 1] == ' ' || k->in[n - 1] == '\t'))
		k->in[--n] = '\0';
	if (k->too_long) {
		fprintf(f, "%% command line too long (at most %d bytes)\n", HS_CTL_LINE_MAX - 1);
		rc = 2;
	} else {
		rc = hs_ctl_command(c, k->in, f, now);
	}
	fclose(f);
	hl = snprintf(head, sizeof(head), REPLY_MAGIC " %d\n", rc);
	k->out = malloc((size_t)hl + body_len);
	if (k->out != NULL) {
		memcpy(k->out, head, (size_t)hl);
		if (body_len > 0)
			memcpy(k->out + hl, body, body_len);
		k->out_len = (size_t)hl + body_len;
	}
	free(body);
}

/* One connection a step further; true when something happened. */
static bool
serve(struct hs_ctl *c, struct conn *k, uint64_t now)
{
	if (k->out == NULL) {
		if (!read_line(k)) {
			if ((errno != EAGAIN && errno != EWOULDBLOCK) ||
				now - k->start_ms > LINE_TIMEOUT_MS) {
				conn_close(k);
				return true;
			}
			return false;
		}
		run(c, k, now);
		if (k->out == NULL) {
			conn_close(k);
			return true;
		}
	}
	while (k->out_off < k->out_len) {
		ssize_t w = send(k->fd, k->out + k->out_off, k->out_len - k->out_off, MSG_NOSIGNAL);

		if (w < 0) {
			if ((errno != EAGAIN && errno != EWOULDBLOCK) ||
				now - k->start_ms > CONN_TIMEOUT_MS)
				conn_close(k);
			return true;
		}
		k->out_off += (size_t)w;
	}
	drain(k);
	conn_close(k);
	return true;
}

unsigned int
hs_ctl_sock_pollfds(struct hs_ctl *c, struct pollfd *pfd, unsigned int max)
{
	struct hs_ctl_sock *s = c->sock;
	unsigned int n = 0;

	if (s == NULL || max == 0)
		return 0;
	pfd[n++] = (struct pollfd){ .fd = s->listen_fd, .events = POLLIN };
	for (unsigned int i = 0; i < CONNS_MAX && n < max; i++) {
		const struct conn *k = &s->conns[i];

		if (k->fd >= 0)
			pfd[n++] = (struct pollfd){ .fd = k->fd,
				.events = k->out != NULL ? POLLOUT : POLLIN };
	}
	return n;
}

unsigned int
hs_ctl_sock_poll(struct hs_ctl *c, uint64_t now)
{
	struct hs_ctl_sock *s = c->sock;
	unsigned int work;

	if (s == NULL)
		return 0;
	work = accept_new(s, now);
	for (unsigned int i = 0; i < CONNS_MAX; i++)
		if (s->conns[i].fd >= 0 && serve(c, &s->conns[i], now))
			work++;
	return work;
}

void
hs_ctl_sock_close(struct hs_ctl *c)
{
	struct hs_ctl_sock *s = c->sock;

	if (s == NULL)
		return;
	for (unsigned int i = 0; i < CONNS_MAX; i++)
		if (s->conns[i].fd >= 0)
			conn_close(&s->conns[i]);
	close(s->listen_fd);
	unlink(s->path);
	free(s);
	c->sock = NULL;
}
