/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hs-ike-bench: IKEv2 tunnel set-ups per second and memory per SA, on one
 * core, with hubsec's own engine on both ends (our own initiator, as the
 * issue allows): an initiator engine and a responder engine back to back in
 * memory, no sockets, so the figure is the engine and OpenSSL alone. Each
 * set-up is IKE_SA_INIT + IKE_AUTH (PSK) with one child SA, i.e. per side
 * one DH key pair and one DH derivation: both sides run on this core, so
 * the public-key limit for a set-up is (ECDH ops/s of `openssl speed`) / 4.
 *
 * The responder keeps every IKE SA (the initiator side is reset after each
 * set-up), so the run ends with N concurrent IKE SAs and 2N child SAs on
 * it; their memory is measured with mallinfo2() before and after.
 *
 *   hs-ike-bench [--group 19|31|14] [--count N] [--lines 1|2]
 */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "ikev2.h"

#define QMAX 8
#define BUF_MAX 8192

struct q {
	unsigned int n;
	struct hs_ike_path path[QMAX];
	size_t len[QMAX];
	uint8_t buf[QMAX][BUF_MAX];
};

struct side {
	struct q out;
	uint64_t sa_msgs;
	uint64_t last_id;
	unsigned int pending_ack;
	uint64_t ack_ids[QMAX];
};

static int
io_send(void *ctx, const struct hs_ike_path *path, const uint8_t *msg, size_t len)
{
	struct side *s = ctx;

	if (s->out.n >= QMAX || len > BUF_MAX)
		return -ENOBUFS;
	s->out.path[s->out.n] = *path;
	s->out.len[s->out.n] = len;
	memcpy(s->out.buf[s->out.n], msg, len);
	s->out.n++;
	return 0;
}

static int
io_sa(void *ctx, const struct hs_msg_sa *msg)
{
	struct side *s = ctx;

	s->sa_msgs++;
	if (s->pending_ack < QMAX)
		s->ack_ids[s->pending_ack++] = msg->hdr.id;
	return 0;
}

static const char cfg_fmt[] =
	"interfaces:\n"
	"  - {name: in, port: net_null0, role: inside, ipv4: %s/24}\n"
	"  - {name: out, port: net_null1, role: outside, ipv4: %s/24}\n"
	"access-lists:\n"
	"  acl:\n"
	"    - {action: permit, source: %s, destination: %s}\n"
	"%s"
	"transform-sets:\n"
	"  T: {esp: [esp-gcm 128]}\n"
	"ike-policies:\n"
	"  - {priority: 10, encryption: aes-gcm-128, hash: sha256, group: %d}\n"
	"crypto-maps:\n"
	"  m:\n"
	"    interface: out\n"
	"    entries:\n"
	"      - {seq: 1, match-address: acl, peer: %s, transform-sets: [T]}\n"
	"pre-shared-keys:\n"
	"  - {peer: %s, key: bench-key}\n";

static struct hs_config *
config(bool initiator, int group, int lines)
{
	char yaml[4096], line2[256] = "";
	struct hs_config_errors err;
	struct hs_config *cfg;

	if (lines == 2)
		snprintf(line2, sizeof(line2),
			"    - {action: permit, source: %s, destination: %s}\n",
			initiator ? "192.168.2.0/24" : "172.16.1.0/24",
			initiator ? "172.16.1.0/24" : "192.168.2.0/24");
	snprintf(yaml, sizeof(yaml), cfg_fmt, initiator ? "192.168.1.1" : "172.16.1.1",
		initiator ? "10.0.0.1" : "10.0.0.2", initiator ? "192.168.1.0/24" : "172.16.1.0/24",
		initiator ? "172.16.1.0/24" : "192.168.1.0/24", line2, group,
		initiator ? "10.0.0.2" : "10.0.0.1", initiator ? "10.0.0.2" : "10.0.0.1");
	cfg = hs_config_load_buf("bench", yaml, strlen(yaml), NULL, &err);
	if (cfg == NULL)
		hs_config_errors_print(&err, stderr);
	return cfg;
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static bool
deliver(struct side *from, struct hs_ikev2 *to, uint64_t now_ms)
{
	struct hs_ike_path p;

	if (from->out.n == 0)
		return false;
	p.local = from->out.path[0].remote;
	p.remote = from->out.path[0].local;
	p.lport = from->out.path[0].rport;
	p.rport = from->out.path[0].lport;
	hs_ikev2_input(to, &p, from->out.buf[0], from->out.len[0], now_ms);
	from->out.n--;
	memmove(&from->out.path[0], &from->out.path[1], from->out.n * sizeof(from->out.path[0]));
	memmove(&from->out.len[0], &from->out.len[1], from->out.n * sizeof(from->out.len[0]));
	memmove(from->out.buf[0], from->out.buf[1], from->out.n * sizeof(from->out.buf[0]));
	return true;
}

static void
acks(struct side *s, struct hs_ikev2 *e, uint64_t now_ms)
{
	for (unsigned int i = 0; i < s->pending_ack; i++)
		hs_ikev2_sa_result(e, s->ack_ids[i], 0, NULL, now_ms);
	s->pending_ack = 0;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = { { "group", required_argument, NULL, 'g' },
		{ "count", required_argument, NULL, 'n' }, { "lines", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 } };
	int group = 19, lines = 2, o;
	unsigned long count = 2000;
	struct side si = { 0 }, sr = { 0 };
	struct hs_ikev2_io ioi = { .ctx = &si, .send = io_send, .sa = io_sa };
	struct hs_ikev2_io ior = { .ctx = &sr, .send = io_send, .sa = io_sa };
	struct hs_config *ci, *cr;
	struct hs_ikev2 *r;
	struct mallinfo2 m0, m1;
	uint64_t t0, t1, up, children;

	while ((o = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (o == 'g')
			group = atoi(optarg);
		else if (o == 'n')
			count = strtoul(optarg, NULL, 10);
		else if (o == 'l')
			lines = atoi(optarg) == 1 ? 1 : 2;
		else
			return 2;
	}
	/* The bench's fresh initiator per set-up: from the heap, not mmap (page faults). */
	mallopt(M_MMAP_THRESHOLD, 64 << 20);
	ci = config(true, group, lines);
	cr = config(false, group, lines);
	if (ci == NULL || cr == NULL)
		return 2;
	r = hs_ikev2_new(cr, &ior, NULL);
	m0 = mallinfo2();
	t0 = now_ns();
	for (unsigned long i = 0; i < count; i++) {
		/* A fresh initiator each time: the responder sees a new IKE SA. */
		struct hs_ikev2 *e = hs_ikev2_new(ci, &ioi, NULL);
		uint64_t ms = i; /* time only matters for timers, which do not fire here */

		if (e == NULL || hs_ikev2_initiate(e, "m", 1, ms) != 0)
			return 1;
		for (int guard = 0; guard < 32; guard++) {
			acks(&si, e, ms);
			acks(&sr, r, ms);
			if (!deliver(&si, r, ms) && !deliver(&sr, e, ms))
				break;
		}
		hs_ikev2_free(e);
		si.out.n = 0;
		si.pending_ack = 0;
	}
	t1 = now_ns();
	m1 = mallinfo2();
	up = hs_ikev2_counter(r, HS_IKEV2_C_IKE_UP);
	children = hs_ikev2_counter(r, HS_IKEV2_C_CHILD_UP);
	printf("group %d, %lu set-ups asked, %llu IKE SAs and %llu child SAs up on the responder\n",
		group, count, (unsigned long long)up, (unsigned long long)children);
	printf("set-ups/s (both ends on one core): %.0f\n",
		(double)up / ((double)(t1 - t0) / 1e9));
	printf("responder memory: %.0f bytes per IKE SA with %d child SAs (%zu bytes in all)\n",
		up ? (double)(m1.uordblks - m0.uordblks) / (double)up : 0.0, lines,
		m1.uordblks - m0.uordblks);
	hs_ikev2_free(r);
	hs_config_free(ci);
	hs_config_free(cr);
	return up == count ? 0 : 1;
}
