/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hs-esp-pcap: run the packets of a pcap file through the ESP engine with one
 * SA and write what comes out to another pcap file. The interop tests use it
 * to pit lib/esp_*.c against ESP implementations nobody here wrote (scapy,
 * Wireshark): outbound it encrypts clear-text IP packets into tunnel-mode ESP,
 * inbound it decrypts ESP packets back to the inner IP packets.
 *
 * Input link types: Ethernet (the 14-byte header, or 18 with one VLAN tag, is
 * stripped and trailing Ethernet padding trimmed to the IP length) or raw IP.
 * Output: the same link type unless --linktype says otherwise (Ethernet gets
 * dummy MAC addresses). Every packet the engine drops is printed with its
 * reason (hs_drop_name) to stderr, then a summary line. Keys are never printed.
 *
 * Exit status: 0 when every packet came through, 1 when some were dropped,
 * 2 on a usage or setup error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pcap/pcap.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>

#include "esp.h"
#include "sa.h"

#define TOOL "hs-esp-pcap"
#define POOL_SIZE 4095
#define SEG_ROOM 2048
/* Tailroom kept free in every segment, so the last one has room for the trailer. */
#define SEG_SLACK 64
#define PKT_MAX 65535
#define ETH_HDR_LEN 14
#define VLAN_HDR_LEN 4

/* Drops of the tool itself, before a packet reaches the engine. */
#define TOOL_DROPS(X)                                                                              \
	X(TOOL_DROP_NOT_IP, "not-ip")       /* no IPv4/IPv6 packet behind the link header */       \
	X(TOOL_DROP_SNAPPED, "snapped")     /* captured shorter than it was on the wire */         \
	X(TOOL_DROP_NO_MBUF, "no-mbuf")     /* pool empty or packet too big */                     \
	X(TOOL_DROP_LOST, "lost-by-engine") /* neither returned nor dropped by the engine */

enum tool_drop { TOOL_DROPS(HS_ENUM_ITEM) TOOL_DROP_MAX };
static const char *const tool_drop_names[TOOL_DROP_MAX] = { TOOL_DROPS(HS_ENUM_STR) };

enum link_kind { LINK_RAW, LINK_ETHER };

struct opts {
	struct hs_sa_params sa;
	uint64_t seq;
	bool seq_set;
	uint64_t replay_start;
	uint16_t burst;
	int out_link; /* enum link_kind, -1: same as the input */
	const char *in_path;
	const char *out_path;
};

/* One packet of the burst being assembled: its number in the input and timestamp. */
struct entry {
	struct rte_mbuf *m;
	uint64_t idx;
	struct timeval ts;
};

struct run {
	struct hs_esp_ctx ctx;
	struct hs_sa *sa;
	enum hs_sa_dir dir;
	struct rte_mempool *pool;
	pcap_dumper_t *dumper;
	enum link_kind in_link;
	enum link_kind out_link;
	uint16_t burst_max;
	uint16_t n;
	struct entry burst[HS_BURST_MAX];
	uint64_t in, out, dropped;
	uint64_t engine_drops[HS_DROP_MAX];
	uint64_t tool_drops[TOOL_DROP_MAX];
	uint8_t buf[ETH_HDR_LEN + PKT_MAX];
};

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: " TOOL " --dir out|in --spi SPI --cipher NAME --integ NAME\n"
		"\t[--enc-key HEX] [--auth-key HEX] --src ADDR --dst ADDR\n"
		"\t[--natt [--sport PORT] [--dport PORT]] [--esn] [--seq N]\n"
		"\t[--replay-window W] [--replay-start N] [--burst N] [--linktype raw|ether]\n"
		"\tIN.pcap OUT.pcap\n"
		"  --src/--dst: outer addresses as on the wire (source: the sender of the ESP)\n"
		"  --seq N: outbound, last sequence number sent (the first packet gets N+1)\n"
		"  --replay-window W: inbound, 0 (off) or 64..4096; default 64\n"
		"  --replay-start N: inbound, start as if (64-bit) sequence number N had been\n"
		"      received, like an SA that has been up for a while\n"
		"  --burst N: packets per engine call, 1..%d; default %d\n"
		"  ciphers:",
		HS_BURST_MAX, HS_BURST_MAX);
#define PRINT_NAME(name, str) fprintf(f, " %s", str);
	HS_CIPHERS(PRINT_NAME)
	fprintf(f, "\n  integrity:");
	HS_INTEGS(PRINT_NAME)
#undef PRINT_NAME
	fprintf(f, "\n");
}

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Hex (optional 0x, ':' separators) to bytes; returns the length or -1. */
static int
parse_key(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	while (*s != '\0') {
		int hi, lo;

		if (*s == ':') {
			s++;
			continue;
		}
		hi = hex_value(s[0]);
		lo = hi < 0 ? -1 : hex_value(s[1]);
		if (lo < 0 || n == max)
			return -1;
		out[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	return (int)n;
}

static int
parse_addr(const char *s, struct hs_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->v4) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->v6) == 1) {
		a->family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

static int
parse_u64(const char *s, uint64_t max, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || *v > max || s[0] == '-')
		return -EINVAL;
	return 0;
}

enum {
	OPT_DIR = 256,
	OPT_SPI,
	OPT_CIPHER,
	OPT_INTEG,
	OPT_ENC_KEY,
	OPT_AUTH_KEY,
	OPT_SRC,
	OPT_DST,
	OPT_NATT,
	OPT_SPORT,
	OPT_DPORT,
	OPT_ESN,
	OPT_SEQ,
	OPT_WINDOW,
	OPT_REPLAY_START,
	OPT_BURST,
	OPT_LINKTYPE,
	OPT_HELP,
};

static const struct option long_opts[] = {
	{ "dir", required_argument, NULL, OPT_DIR },
	{ "spi", required_argument, NULL, OPT_SPI },
	{ "cipher", required_argument, NULL, OPT_CIPHER },
	{ "integ", required_argument, NULL, OPT_INTEG },
	{ "enc-key", required_argument, NULL, OPT_ENC_KEY },
	{ "auth-key", required_argument, NULL, OPT_AUTH_KEY },
	{ "src", required_argument, NULL, OPT_SRC },
	{ "dst", required_argument, NULL, OPT_DST },
	{ "natt", no_argument, NULL, OPT_NATT },
	{ "sport", required_argument, NULL, OPT_SPORT },
	{ "dport", required_argument, NULL, OPT_DPORT },
	{ "esn", no_argument, NULL, OPT_ESN },
	{ "seq", required_argument, NULL, OPT_SEQ },
	{ "replay-window", required_argument, NULL, OPT_WINDOW },
	{ "replay-start", required_argument, NULL, OPT_REPLAY_START },
	{ "burst", required_argument, NULL, OPT_BURST },
	{ "linktype", required_argument, NULL, OPT_LINKTYPE },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

/* A key option: the key itself never appears in a message. */
static int
parse_key_opt(const char *name, const char *arg, uint8_t *key, size_t max, uint8_t *len)
{
	int n = parse_key(arg, key, max);

	if (n < 0) {
		fprintf(stderr, TOOL ": --%s: not hex, or longer than %zu bytes\n", name, max);
		return -1;
	}
	*len = (uint8_t)n;
	return 0;
}

/* An option that sets an SA parameter: 0, -1 for a bad value, 1 when c is not one. */
static int
parse_sa_opt(struct hs_sa_params *p, int c, const char *arg)
{
	uint64_t v;
	int id;

	switch (c) {
	case OPT_DIR:
		if (strcmp(arg, "out") != 0 && strcmp(arg, "in") != 0)
			return -1;
		p->dir = strcmp(arg, "out") == 0 ? HS_SA_OUT : HS_SA_IN;
		return 0;
	case OPT_SPI:
		if (parse_u64(arg, UINT32_MAX, &v) != 0)
			return -1;
		p->spi = (uint32_t)v;
		return 0;
	case OPT_CIPHER:
		id = hs_cipher_from_name(arg);
		p->cipher = (enum hs_cipher)id;
		return id < 0 ? -1 : 0;
	case OPT_INTEG:
		id = hs_integ_from_name(arg);
		p->integ = (enum hs_integ)id;
		return id < 0 ? -1 : 0;
	case OPT_SRC:
		return parse_addr(arg, &p->tun_src) == 0 ? 0 : -1;
	case OPT_DST:
		return parse_addr(arg, &p->tun_dst) == 0 ? 0 : -1;
	case OPT_NATT:
		p->natt = true;
		return 0;
	case OPT_SPORT:
	case OPT_DPORT:
		if (parse_u64(arg, UINT16_MAX, &v) != 0 || v == 0)
			return -1;
		*(c == OPT_SPORT ? &p->natt_sport : &p->natt_dport) = (uint16_t)v;
		return 0;
	case OPT_ESN:
		p->esn = true;
		return 0;
	case OPT_WINDOW:
		if (parse_u64(arg, HS_REPLAY_WINDOW_MAX, &v) != 0)
			return -1;
		p->replay_window = (uint32_t)v;
		return 0;
	}
	return 1;
}

/* One command-line option into o: 0, or -1 with the message printed. */
static int
parse_opt(struct opts *o, int c, const char *name, const char *arg)
{
	uint64_t v;
	int rc;

	switch (c) {
	case OPT_ENC_KEY:
		return parse_key_opt(name, arg, o->sa.enc_key, sizeof(o->sa.enc_key),
			&o->sa.enc_key_len);
	case OPT_AUTH_KEY:
		return parse_key_opt(name, arg, o->sa.auth_key, sizeof(o->sa.auth_key),
			&o->sa.auth_key_len);
	case OPT_SEQ:
		rc = parse_u64(arg, UINT64_MAX, &v);
		o->seq = v;
		o->seq_set = true;
		break;
	case OPT_REPLAY_START:
		rc = parse_u64(arg, UINT64_MAX, &o->replay_start);
		if (rc == 0 && o->replay_start == 0)
			rc = -1;
		break;
	case OPT_BURST:
		rc = parse_u64(arg, HS_BURST_MAX, &v);
		if (rc == 0 && v == 0)
			rc = -1;
		o->burst = (uint16_t)v;
		break;
	case OPT_LINKTYPE:
		rc = 0;
		if (strcmp(arg, "raw") == 0)
			o->out_link = LINK_RAW;
		else if (strcmp(arg, "ether") == 0)
			o->out_link = LINK_ETHER;
		else
			rc = -1;
		break;
	default:
		rc = parse_sa_opt(&o->sa, c, arg);
		break;
	}
	if (rc != 0)
		fprintf(stderr, TOOL ": --%s: bad value '%s'\n", name, arg);
	return rc == 0 ? 0 : -1;
}

/* Checks what the options cannot check one at a time. */
static int
check_opts(struct opts *o, int nargs)
{
	const char *missing = NULL;

	if (o->sa.dir == HS_SA_DIR_MAX)
		missing = "--dir";
	else if (o->sa.cipher == HS_CIPHER_MAX)
		missing = "--cipher";
	else if (o->sa.integ == HS_INTEG_MAX)
		missing = "--integ";
	else if (o->sa.tun_src.family == 0)
		missing = "--src";
	else if (o->sa.tun_dst.family == 0)
		missing = "--dst";
	if (missing != NULL) {
		fprintf(stderr, TOOL ": %s is required\n", missing);
		return -1;
	}
	if (nargs != 2) {
		usage(stderr);
		return -1;
	}
	if (o->seq_set && o->sa.dir != HS_SA_OUT) {
		fprintf(stderr, TOOL ": --seq is for --dir out\n");
		return -1;
	}
	if (o->replay_start != 0 && o->sa.dir != HS_SA_IN) {
		fprintf(stderr, TOOL ": --replay-start is for --dir in\n");
		return -1;
	}
	if (o->sa.dir == HS_SA_OUT)
		o->sa.replay_window = 0;
	return 0;
}

/* Returns 0 to go on, 1 after --help, -1 on a usage error. */
static int
parse_args(int argc, char **argv, struct opts *o)
{
	int c, li = 0;

	memset(o, 0, sizeof(*o));
	o->out_link = -1;
	o->burst = HS_BURST_MAX;
	o->sa.dir = HS_SA_DIR_MAX;
	o->sa.cipher = HS_CIPHER_MAX;
	o->sa.integ = HS_INTEG_MAX;
	o->sa.replay_window = 64;
	o->sa.df = HS_DF_COPY;
	o->sa.dscp_copy = true;
	while ((c = getopt_long(argc, argv, "h", long_opts, &li)) != -1) {
		if (c == 'h' || c == OPT_HELP) {
			usage(stdout);
			return 1;
		}
		if (c == '?') {
			usage(stderr);
			return -1;
		}
		if (parse_opt(o, c, long_opts[li].name, optarg) != 0)
			return -1;
	}
	if (check_opts(o, argc - optind) != 0)
		return -1;
	o->in_path = argv[optind];
	o->out_path = argv[optind + 1];
	return 0;
}

static struct rte_mempool *
eal_start(void)
{
	/*
	 * No hugepages, no shared config, no telemetry socket: runs at the same
	 * time share nothing, so one fixed prefix (one runtime directory) will do.
	 */
	char *argv[] = { TOOL, "--no-huge", "--no-pci", "--no-shconf", "--no-telemetry", "-l", "0",
		"-m", "256", "--log-level", "error", "--file-prefix", "hs_esp_pcap", NULL };
	struct rte_mempool *pool;

	if (rte_eal_init((int)HS_ARRAY_SIZE(argv) - 1, argv) < 0) {
		fprintf(stderr, TOOL ": rte_eal_init: %s\n", rte_strerror(rte_errno));
		return NULL;
	}
	pool = rte_pktmbuf_pool_create("hs_esp_pcap", POOL_SIZE, 0, 0,
		SEG_ROOM + RTE_PKTMBUF_HEADROOM, SOCKET_ID_ANY);
	if (pool == NULL)
		fprintf(stderr, TOOL ": mbuf pool: %s\n", rte_strerror(rte_errno));
	return pool;
}

/* A copy of data in an mbuf chain, each segment leaving SEG_SLACK bytes of tailroom. */
static struct rte_mbuf *
mbuf_from(struct rte_mempool *pool, const uint8_t *data, uint32_t len)
{
	struct rte_mbuf *head = NULL;
	uint32_t off = 0;

	do {
		struct rte_mbuf *seg = rte_pktmbuf_alloc(pool);
		uint32_t room, n;

		if (seg == NULL)
			goto fail;
		room = rte_pktmbuf_tailroom(seg) - SEG_SLACK;
		n = len - off < room ? len - off : room;
		memcpy(rte_pktmbuf_append(seg, (uint16_t)n), data + off, n);
		off += n;
		if (head == NULL) {
			head = seg;
		} else if (rte_pktmbuf_chain(head, seg) != 0) {
			rte_pktmbuf_free(seg);
			goto fail;
		}
	} while (off < len);
	return head;
fail:
	rte_pktmbuf_free(head);
	return NULL;
}

static uint16_t
get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * The IP packet in a captured frame, or NULL when there is none. For Ethernet
 * the link header goes and the frame's padding beyond the IP length too.
 */
static const uint8_t *
frame_ip(enum link_kind link, const uint8_t *data, uint32_t *len)
{
	uint32_t off = 0, ip_len = 0;

	if (link == LINK_ETHER) {
		uint16_t type;

		if (*len < ETH_HDR_LEN)
			return NULL;
		type = get_be16(data + 12);
		off = ETH_HDR_LEN;
		if (type == 0x8100 || type == 0x88a8) {
			if (*len < ETH_HDR_LEN + VLAN_HDR_LEN)
				return NULL;
			type = get_be16(data + 16);
			off += VLAN_HDR_LEN;
		}
		if (type != 0x0800 && type != 0x86dd)
			return NULL;
	}
	data += off;
	*len -= off;
	if (*len == 0 || (data[0] >> 4 != 4 && data[0] >> 4 != 6))
		return NULL;
	if (link == LINK_ETHER && data[0] >> 4 == 4 && *len >= 20)
		ip_len = get_be16(data + 2);
	else if (link == LINK_ETHER && data[0] >> 4 == 6 && *len >= 40 && get_be16(data + 4) != 0)
		ip_len = 40u + get_be16(data + 4);
	if (ip_len != 0 && ip_len < *len)
		*len = ip_len;
	return data;
}

/* Write one packet (starting at its IP header) with the output link header. */
static int
write_pkt(struct run *r, const struct rte_mbuf *m, const struct timeval *ts)
{
	static const uint8_t macs[12] = { 0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01 };
	uint32_t off = r->out_link == LINK_ETHER ? ETH_HDR_LEN : 0;
	uint8_t *ip = r->buf + off;
	struct pcap_pkthdr h;
	const void *p;

	if (m->pkt_len == 0 || m->pkt_len > PKT_MAX)
		return -1;
	p = rte_pktmbuf_read(m, 0, m->pkt_len, ip);
	if (p == NULL)
		return -1;
	if (p != ip)
		memcpy(ip, p, m->pkt_len);
	if (off != 0) {
		uint16_t type = ip[0] >> 4 == 6 ? 0x86dd : 0x0800;

		memcpy(r->buf, macs, sizeof(macs));
		r->buf[12] = (uint8_t)(type >> 8);
		r->buf[13] = (uint8_t)type;
	}
	h.ts = *ts;
	h.caplen = h.len = off + m->pkt_len;
	pcap_dump((u_char *)r->dumper, &h, r->buf);
	return 0;
}

static void
tool_drop(struct run *r, uint64_t idx, enum tool_drop why)
{
	fprintf(stderr, TOOL ": packet %" PRIu64 " dropped: %s\n", idx, tool_drop_names[why]);
	r->tool_drops[why]++;
	r->dropped++;
}

static int
find_entry(const struct run *r, const struct rte_mbuf *m)
{
	for (uint16_t i = 0; i < r->n; i++)
		if (r->burst[i].m == m)
			return i;
	return -1;
}

/* Account for the engine's drop list (packet numbers, reasons) and free it. */
static void
take_drops(struct run *r, bool *seen)
{
	struct hs_esp_drops *d = &r->ctx.drops;

	for (uint16_t i = 0; i < d->n; i++) {
		int e = find_entry(r, d->pkts[i]);
		uint8_t why = d->reason[i];

		if (e >= 0)
			seen[e] = true;
		fprintf(stderr, TOOL ": packet %" PRIu64 " dropped: %s\n",
			e >= 0 ? r->burst[e].idx : 0, hs_drop_name((enum hs_drop_reason)why));
		if (why < HS_DROP_MAX)
			r->engine_drops[why]++;
		r->dropped++;
	}
	hs_esp_drops_free(&r->ctx);
}

/* Run the assembled burst through the engine, write the good packets, count the drops. */
static void
flush_burst(struct run *r)
{
	struct rte_mbuf *pkts[HS_BURST_MAX];
	struct hs_sa *sas[HS_BURST_MAX];
	struct hs_sa_event ev[HS_ESP_EVENTS_MAX];
	bool seen[HS_BURST_MAX] = { false };
	uint16_t i, k, nev;

	for (i = 0; i < r->n; i++) {
		pkts[i] = r->burst[i].m;
		sas[i] = r->sa;
	}
	r->ctx.now = (uint64_t)time(NULL);
	if (r->dir == HS_SA_OUT)
		k = hs_esp_out_burst(&r->ctx, pkts, sas, r->n);
	else
		k = hs_esp_in_burst(&r->ctx, pkts, sas, r->n);
	for (i = 0; i < k && i < r->n; i++) {
		int e = find_entry(r, pkts[i]);

		if (e < 0) {
			fprintf(stderr, TOOL ": engine returned an mbuf it was not given\n");
			continue;
		}
		seen[e] = true;
		if (write_pkt(r, pkts[i], &r->burst[e].ts) == 0)
			r->out++;
		else
			tool_drop(r, r->burst[e].idx, TOOL_DROP_NO_MBUF);
		rte_pktmbuf_free(pkts[i]);
	}
	take_drops(r, seen);
	for (i = 0; i < r->n; i++)
		if (!seen[i])
			tool_drop(r, r->burst[i].idx, TOOL_DROP_LOST);
	while ((nev = hs_esp_events_take(&r->ctx, ev, HS_ESP_EVENTS_MAX)) > 0)
		for (i = 0; i < nev; i++)
			fprintf(stderr, TOOL ": SA 0x%08x event: %s\n", ev[i].spi,
				hs_sa_event_name((enum hs_sa_event_kind)ev[i].kind));
	r->n = 0;
}

/* Read every frame, in bursts of up to HS_BURST_MAX. */
static int
process(struct run *r, pcap_t *in)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc;

	while ((rc = pcap_next_ex(in, &h, &data)) == 1) {
		uint64_t idx = ++r->in;
		uint32_t len = h->caplen;
		const uint8_t *ip = frame_ip(r->in_link, data, &len);
		struct rte_mbuf *m;

		if (ip == NULL) {
			tool_drop(r, idx, TOOL_DROP_NOT_IP);
			continue;
		}
		if (h->caplen < h->len) {
			tool_drop(r, idx, TOOL_DROP_SNAPPED);
			continue;
		}
		m = mbuf_from(r->pool, ip, len);
		if (m == NULL) {
			tool_drop(r, idx, TOOL_DROP_NO_MBUF);
			continue;
		}
		r->burst[r->n++] = (struct entry){ .m = m, .idx = idx, .ts = h->ts };
		if (r->n == r->burst_max)
			flush_burst(r);
	}
	if (r->n > 0)
		flush_burst(r);
	if (rc != PCAP_ERROR_BREAK) {
		fprintf(stderr, TOOL ": reading: %s\n", pcap_geterr(in));
		return -1;
	}
	return 0;
}

/* "N in, K out, D dropped (reason: count, ...)" on stderr. */
static void
print_summary(const struct run *r)
{
	const char *sep = " (";

	fprintf(stderr, "%" PRIu64 " in, %" PRIu64 " out, %" PRIu64 " dropped", r->in, r->out,
		r->dropped);
	for (int i = 0; i < HS_DROP_MAX; i++) {
		if (r->engine_drops[i] == 0)
			continue;
		fprintf(stderr, "%s%s: %" PRIu64, sep, hs_drop_name((enum hs_drop_reason)i),
			r->engine_drops[i]);
		sep = ", ";
	}
	for (int i = 0; i < TOOL_DROP_MAX; i++) {
		if (r->tool_drops[i] == 0)
			continue;
		fprintf(stderr, "%s%s: %" PRIu64, sep, tool_drop_names[i], r->tool_drops[i]);
		sep = ", ";
	}
	fprintf(stderr, "%s\n", sep[0] == ',' ? ")" : "");
}

static int
open_input(const char *path, pcap_t **in, enum link_kind *link)
{
	char err[PCAP_ERRBUF_SIZE];
	int dlt;

	*in = pcap_open_offline(path, err);
	if (*in == NULL) {
		fprintf(stderr, TOOL ": %s: %s\n", path, err);
		return -1;
	}
	dlt = pcap_datalink(*in);
	/* LINKTYPE_RAW (101) reads as DLT_RAW; 101 itself is not a DLT anywhere. */
	if (dlt == DLT_EN10MB) {
		*link = LINK_ETHER;
	} else if (dlt == DLT_RAW || dlt == 101 || dlt == DLT_IPV4 || dlt == DLT_IPV6) {
		*link = LINK_RAW;
	} else {
		fprintf(stderr, TOOL ": %s: link type %s not supported (Ethernet or raw IP)\n",
			path, pcap_datalink_val_to_name(dlt));
		return -1;
	}
	return 0;
}

static int
open_output(struct run *r, const char *path, pcap_t **dead)
{
	*dead = pcap_open_dead(r->out_link == LINK_ETHER ? DLT_EN10MB : DLT_RAW, 262144);
	if (*dead == NULL) {
		fprintf(stderr, TOOL ": pcap_open_dead failed\n");
		return -1;
	}
	r->dumper = pcap_dump_open(*dead, path);
	if (r->dumper == NULL) {
		fprintf(stderr, TOOL ": %s: %s\n", path, pcap_geterr(*dead));
		return -1;
	}
	return 0;
}

/* EAL, the engine context and the SA; wipes the keys in o whatever happens. */
static int
engine_start(struct run *r, struct opts *o)
{
	const char *why = NULL;
	int rc, err = 0;

	rc = -1;
	r->pool = eal_start();
	if (r->pool == NULL)
		goto out;
	rc = hs_esp_ctx_init(&r->ctx);
	if (rc != 0) {
		fprintf(stderr, TOOL ": hs_esp_ctx_init: %s\n", strerror(-rc));
		goto out;
	}
	r->dir = o->sa.dir;
	r->sa = hs_sa_create(&o->sa, r->ctx.mgr, &err, &why);
	if (r->sa == NULL) {
		fprintf(stderr, TOOL ": hs_sa_create: %s%s%s\n", strerror(err < 0 ? -err : err),
			why != NULL ? ": " : "", why != NULL ? why : "");
		rc = -1;
		goto out;
	}
	/* sa->seq is the last sequence number sent (RFC 4303 §3.3.3). */
	if (o->seq_set)
		r->sa->seq = o->seq;
	/* As if N had been received and verified (RFC 4303 §3.4.3 window update). */
	if (o->replay_start != 0 && !hs_replay_advance(&r->sa->replay, o->replay_start)) {
		fprintf(stderr, TOOL ": --replay-start refused by the window\n");
		rc = -1;
	}
out:
	explicit_bzero(o->sa.enc_key, sizeof(o->sa.enc_key));
	explicit_bzero(o->sa.auth_key, sizeof(o->sa.auth_key));
	return rc;
}

int
main(int argc, char **argv)
{
	static struct run r;
	struct opts o;
	pcap_t *in = NULL, *dead = NULL;
	int rc, status = 2;

	rc = parse_args(argc, argv, &o);
	if (rc != 0) {
		explicit_bzero(&o.sa, sizeof(o.sa));
		return rc > 0 ? 0 : 2;
	}
	if (open_input(o.in_path, &in, &r.in_link) != 0) {
		explicit_bzero(&o.sa, sizeof(o.sa));
		goto out;
	}
	r.out_link = o.out_link < 0 ? r.in_link : (enum link_kind)o.out_link;
	r.burst_max = o.burst;
	if (engine_start(&r, &o) != 0 || open_output(&r, o.out_path, &dead) != 0)
		goto out;
	if (process(&r, in) != 0)
		goto out;
	if (pcap_dump_flush(r.dumper) != 0) {
		fprintf(stderr, TOOL ": %s: write failed\n", o.out_path);
		goto out;
	}
	print_summary(&r);
	status = r.dropped == 0 && r.out == r.in ? 0 : 1;
out:
	if (r.dumper != NULL)
		pcap_dump_close(r.dumper);
	if (dead != NULL)
		pcap_close(dead);
	if (in != NULL)
		pcap_close(in);
	hs_sa_destroy(r.sa);
	if (r.ctx.mgr != NULL)
		hs_esp_ctx_fini(&r.ctx);
	if (r.pool != NULL)
		rte_eal_cleanup();
	return status;
}
