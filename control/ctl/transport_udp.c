/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hubsec-control --udp: IKE over the kernel's UDP sockets, no DPDK (labs,
 * tests, a peer for interop). Two sockets per local address: the IKE port
 * (500) and the NAT-T port (4500, where every IKE message carries the
 * 4-byte non-ESP marker, RFC 3948 §2.2). The addresses are --listen's, or
 * the config's outside interfaces'; a wildcard (--listen any, 0.0.0.0, ::)
 * asks the kernel for each datagram's destination (IP_PKTINFO,
 * IPV6_RECVPKTINFO) so that hs_ike_path.local is always the real local
 * address, and sends from it the same way. There is no dataplane: SA
 * messages are refused with -ENOTCONN (negotiated, not installed).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ctl.h"

#define SOCKS_MAX (2 * (HS_CTL_LISTEN_MAX + 2))
#define RECV_PER_POLL 32 /* per socket and loop: one busy peer cannot starve the rest */

struct udp_sock {
	int fd;
	bool natt;     /* the NAT-T port: marker added and stripped */
	bool wildcard; /* bound to 0.0.0.0 or ::: the local address from pktinfo */
	struct hs_addr addr;
	uint16_t port;
};

struct hs_ctl_udp {
	struct udp_sock s[SOCKS_MAX];
	unsigned int n;
	uint8_t buf[HS_CTL_PKT_MAX + 1]; /* one more: a truncated datagram is seen */
};

static void
to_sockaddr(const struct hs_addr *a, uint16_t port, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, a->v4, 4);
		*len = sizeof(*s4);
		return;
	}
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(port);
	memcpy(&s6->sin6_addr, a->v6, 16);
	*len = sizeof(*s6);
}

static bool
is_wildcard(const struct hs_addr *a)
{
	static const uint8_t zero[16];

	return memcmp(a->bytes, zero, a->family == AF_INET ? 4 : 16) == 0;
}

/* One socket on addr:port; 0 or -errno (logged). */
static int
sock_add(struct hs_ctl *c, const struct hs_addr *addr, uint16_t port, bool natt)
{
	struct hs_ctl_udp *u = c->udp;
	struct udp_sock *s = &u->s[u->n];
	struct sockaddr_storage ss;
	socklen_t sl;
	char a[HS_ADDR_STRLEN];
	int one = 1, fd, rc;

	if (u->n == SOCKS_MAX)
		return -ENOSPC;
	fd = socket(addr->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0)
		return -errno;
	hs_addr_format(addr, a, sizeof(a));
	/* v6-only: a wildcard :: beside 0.0.0.0, and no v4-mapped addresses in paths. */
	if (addr->family == AF_INET)
		rc = setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	else
		rc = setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (rc == 0 && addr->family == AF_INET6)
		rc = setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
	to_sockaddr(addr, port, &ss, &sl);
	if (rc != 0 || bind(fd, (struct sockaddr *)&ss, sl) != 0) {
		rc = -errno;
		hs_ctl_log(c, HS_IKEV2_LOG_ERR, "cannot listen on %s port %u: %s%s", a, port,
			strerror(-rc),
			rc == -EADDRNOTAVAIL ? " (not an address of this host: use --listen ADDR)"
			: rc == -EACCES	     ? " (ports below 1024 need root: --ike-port, --natt-port)"
					     : "");
		close(fd);
		return rc;
	}
	*s = (struct udp_sock){ .fd = fd, .natt = natt, .wildcard = is_wildcard(addr),
		.addr = *addr, .port = port };
	u->n++;
	hs_ctl_log(c, HS_IKEV2_LOG_INFO, "listening on %s port %u (%s)", a, port,
		natt ? "NAT-T, non-ESP marker" : "IKE");
	return 0;
}

static int
addr_add(struct hs_ctl *c, const struct hs_addr *a)
{
	int rc = sock_add(c, a, c->opts.ike_port, false);

	return rc != 0 ? rc : sock_add(c, a, c->opts.natt_port, true);
}

/* --listen's addresses ("any": both wildcards). */
static int
listen_opts(struct hs_ctl *c)
{
	for (unsigned int i = 0; i < c->opts.n_listen; i++) {
		const char *s = c->opts.listen[i];
		struct hs_addr a;
		int rc;

		if (strcmp(s, "any") == 0) {
			struct hs_addr any4 = { .family = AF_INET }, any6 = { .family = AF_INET6 };

			rc = addr_add(c, &any4);
			if (rc == 0)
				rc = addr_add(c, &any6);
		} else if (hs_addr_parse(s, &a) == 0) {
			rc = addr_add(c, &a);
		} else {
			hs_ctl_log(c, HS_IKEV2_LOG_ERR, "--listen %s: not an IPv4 or IPv6 address", s);
			rc = -EINVAL;
		}
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* The outside interfaces' addresses of the config. */
static int
listen_config(struct hs_ctl *c)
{
	const struct hs_config *cfg = c->cfg;
	unsigned int n = 0;

	for (unsigned int i = 0; i < cfg->n_ifaces; i++) {
		const struct hs_config_interface *f = &cfg->ifaces[i];
		int rc = 0;

		if (f->role != HS_CONFIG_IF_OUTSIDE)
			continue;
		for (unsigned int k = 0; k < f->n_ipv4 && rc == 0; k++, n++)
			rc = addr_add(c, &f->ipv4[k].addr);
		for (unsigned int k = 0; k < f->n_ipv6 && rc == 0; k++, n++)
			rc = addr_add(c, &f->ipv6[k].addr);
		if (rc != 0)
			return rc;
	}
	if (n == 0) {
		hs_ctl_log(c, HS_IKEV2_LOG_ERR, "%s has no outside interface address to listen "
						"on: use --listen ADDR (or --listen any)",
			c->opts.config);
		return -EINVAL;
	}
	return 0;
}

/* The socket to send path from: its port and local address; NULL when none fits. */
static const struct udp_sock *
sock_for(const struct hs_ctl *c, const struct hs_ike_path *path)
{
	const struct hs_ctl_udp *u = c->udp;
	const struct udp_sock *wild = NULL, *any = NULL;
	bool natt;

	/* The engine may name the standard ports while we listen on others (tests). */
	if (path->lport == c->opts.natt_port || path->lport == HS_IKE_NATT_PORT)
		natt = path->lport != c->opts.ike_port;
	else if (path->lport == c->opts.ike_port || path->lport == HS_IKE_PORT)
		natt = false;
	else
		return NULL;
	for (unsigned int i = 0; i < u->n; i++) {
		const struct udp_sock *s = &u->s[i];

		if (s->natt != natt || s->addr.family != path->remote.family)
			continue;
		if (!s->wildcard && hs_addr_equal(&s->addr, &path->local))
			return s;
		if (s->wildcard && wild == NULL)
			wild = s;
		if (any == NULL)
			any = s;
	}
	if (wild != NULL)
		return wild;
	return path->local.family == 0 ? any : NULL;
}

static int
udp_send(void *ctx, const struct hs_ike_path *path, const uint8_t *msg, size_t len)
{
	struct hs_ctl *c = ctx;
	static const uint8_t marker[4] = { 0, 0, 0, 0 };
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} cm;
	struct sockaddr_storage ss;
	struct iovec iov[2];
	struct msghdr mh = { .msg_name = &ss, .msg_iov = iov };
	const struct udp_sock *s = sock_for(c, path);
	char r[HS_ADDR_STRLEN];

	if (s == NULL || len + 4 > HS_CTL_PKT_MAX - 8 - 40) {
		c->count[HS_CTL_C_TX_FAILED]++;
		hs_ctl_log(c, HS_IKEV2_LOG_DEBUG, "not sent to %s port %u: %s",
			hs_addr_format(&path->remote, r, sizeof(r)), path->rport,
			s == NULL ? "no socket for that local address and port" : "too long");
		return s == NULL ? -EADDRNOTAVAIL : -EMSGSIZE;
	}
	to_sockaddr(&path->remote, path->rport, &ss, &mh.msg_namelen);
	/* A NAT keepalive (one 0xff byte, RFC 3948 §2.3) goes without the marker. */
	if (s->natt && !(len == 1 && msg[0] == 0xff))
		iov[mh.msg_iovlen++] = (struct iovec){ (void *)(uintptr_t)marker, sizeof(marker) };
	iov[mh.msg_iovlen++] = (struct iovec){ (void *)(uintptr_t)msg, len };
	if (s->wildcard && path->local.family == s->addr.family) {
		struct cmsghdr *h;

		memset(&cm, 0, sizeof(cm));
		mh.msg_control = cm.buf;
		mh.msg_controllen = s->addr.family == AF_INET ? CMSG_SPACE(sizeof(struct in_pktinfo))
							      : CMSG_SPACE(sizeof(struct in6_pktinfo));
		h = CMSG_FIRSTHDR(&mh);
		if (s->addr.family == AF_INET) {
			struct in_pktinfo pi = { 0 };

			memcpy(&pi.ipi_spec_dst, path->local.v4, 4);
			*h = (struct cmsghdr){ .cmsg_len = CMSG_LEN(sizeof(pi)),
				.cmsg_level = IPPROTO_IP, .cmsg_type = IP_PKTINFO };
			memcpy(CMSG_DATA(h), &pi, sizeof(pi));
		} else {
			struct in6_pktinfo pi = { 0 };

			memcpy(&pi.ipi6_addr, path->local.v6, 16);
			*h = (struct cmsghdr){ .cmsg_len = CMSG_LEN(sizeof(pi)),
				.cmsg_level = IPPROTO_IPV6, .cmsg_type = IPV6_PKTINFO };
			memcpy(CMSG_DATA(h), &pi, sizeof(pi));
		}
	}
	if (sendmsg(s->fd, &mh, MSG_DONTWAIT) < 0) {
		int rc = errno == EAGAIN || errno == EWOULDBLOCK ? -ENOBUFS : -errno;

		c->count[HS_CTL_C_TX_FAILED]++;
		hs_ctl_log(c, HS_IKEV2_LOG_DEBUG, "send to %s port %u: %s",
			hs_addr_format(&path->remote, r, sizeof(r)), path->rport, strerror(-rc));
		return rc;
	}
	c->count[HS_CTL_C_TX]++;
	return 0;
}

static int
udp_sa(void *ctx, const struct hs_msg_sa *msg)
{
	struct hs_ctl *c = ctx;

	(void)msg;
	c->count[HS_CTL_C_SA_FAILED]++;
	return -ENOTCONN; /* no dataplane behind kernel sockets */
}

int
hs_ctl_udp_open(struct hs_ctl *c)
{
	int rc;

	c->udp = calloc(1, sizeof(*c->udp));
	if (c->udp == NULL)
		return -ENOMEM;
	rc = c->opts.n_listen > 0 ? listen_opts(c) : listen_config(c);
	if (rc != 0) {
		hs_ctl_udp_close(c);
		return rc;
	}
	c->io.send = udp_send;
	c->io.sa = udp_sa;
	return 0;
}

unsigned int
hs_ctl_udp_pollfds(struct hs_ctl *c, struct pollfd *pfd, unsigned int max)
{
	unsigned int n = 0;

	for (unsigned int i = 0; c->udp != NULL && i < c->udp->n && n < max; i++)
		pfd[n++] = (struct pollfd){ .fd = c->udp->s[i].fd, .events = POLLIN };
	return n;
}

/* The local address of a datagram from its pktinfo; false when there is none. */
static bool
local_of(struct msghdr *mh, struct hs_addr *local)
{
	for (struct cmsghdr *h = CMSG_FIRSTHDR(mh); h != NULL; h = CMSG_NXTHDR(mh, h)) {
		if (h->cmsg_level == IPPROTO_IP && h->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(h), sizeof(pi));
			local->family = AF_INET;
			memcpy(local->v4, &pi.ipi_addr, 4);
			return true;
		}
		if (h->cmsg_level == IPPROTO_IPV6 && h->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(h), sizeof(pi));
			local->family = AF_INET6;
			memcpy(local->v6, &pi.ipi6_addr, 16);
			return true;
		}
	}
	return false;
}

/* Up to RECV_PER_POLL datagrams from one socket. */
static unsigned int
recv_some(struct hs_ctl *c, const struct udp_sock *s, uint64_t now)
{
	struct hs_ctl_udp *u = c->udp;
	unsigned int n;

	for (n = 0; n < RECV_PER_POLL; n++) {
		union {
			char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + 64];
			struct cmsghdr align;
		} cm;
		struct sockaddr_storage ss;
		struct iovec iov = { u->buf, sizeof(u->buf) };
		struct msghdr mh = { .msg_name = &ss, .msg_namelen = sizeof(ss), .msg_iov = &iov,
			.msg_iovlen = 1, .msg_control = cm.buf, .msg_controllen = sizeof(cm.buf) };
		struct hs_ike_path path = { .lport = s->port };
		ssize_t r = recvmsg(s->fd, &mh, MSG_DONTWAIT);

		if (r < 0)
			break;
		if ((mh.msg_flags & MSG_TRUNC) || (size_t)r > HS_CTL_PKT_MAX) {
			c->count[HS_CTL_C_RX_MALFORMED]++;
			continue;
		}
		if (ss.ss_family == AF_INET) {
			const struct sockaddr_in *s4 = (const struct sockaddr_in *)&ss;

			path.remote.family = AF_INET;
			memcpy(path.remote.v4, &s4->sin_addr, 4);
			path.rport = ntohs(s4->sin_port);
		} else if (ss.ss_family == AF_INET6) {
			const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&ss;

			path.remote.family = AF_INET6;
			memcpy(path.remote.v6, &s6->sin6_addr, 16);
			path.rport = ntohs(s6->sin6_port);
		} else {
			c->count[HS_CTL_C_RX_MALFORMED]++;
			continue;
		}
		if (!local_of(&mh, &path.local))
			path.local = s->addr;
		hs_ctl_input(c, &path, s->natt, u->buf, (size_t)r, now);
	}
	return n;
}

unsigned int
hs_ctl_udp_poll(struct hs_ctl *c, const struct pollfd *pfd, uint64_t now)
{
	unsigned int work = 0;

	/* pfd[i] is socket i: hs_ctl_udp_pollfds() put them first, in order. */
	for (unsigned int i = 0; c->udp != NULL && i < c->udp->n; i++)
		if (pfd[i].revents & (POLLIN | POLLERR))
			work += recv_some(c, &c->udp->s[i], now);
	return work;
}

void
hs_ctl_udp_close(struct hs_ctl *c)
{
	if (c->udp == NULL)
		return;
	for (unsigned int i = 0; i < c->udp->n; i++)
		close(c->udp->s[i].fd);
	free(c->udp);
	c->udp = NULL;
}
