/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hs-esp-bench: throughput of the ESP engine alone (hs_esp_out_burst() and
 * hs_esp_in_burst()) on one lcore, per cipher, frame size and direction.
 *
 *   hs-esp-bench [EAL args --] [--sas N] [--quick] [--csv | --json] ...
 *
 * What is timed: rte_rdtsc_precise() around a pass of bursts over a pool of
 * pre-built packets; inside the pass there are only the burst calls (and the
 * drop-list check after each). Building the clear-text packets, encrypting
 * the packets a decrypt pass will use and restoring them between passes all
 * happen outside the timed region, so no copy is counted.
 *
 * Decrypt passes use packets freshly encrypted by the matching outbound SA
 * (untimed), so sequence numbers keep rising and the inbound replay window
 * stays on and accepts them (--restore copy instead copies saved ciphertext
 * back, with the replay window off; cheaper, for profiling with --perf-ctl). The first (warm-up) pass of every case checks
 * the result: encrypt output has the expected length and SPI, decrypt output
 * is byte for byte the clear-text packet that went in.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_random.h>
#include <rte_udp.h>

#include "esp.h"
#include "sa.h"

#define BENCH_FILE_PREFIX "hsbench"
#define BENCH_NOHUGE_MB "512"
#define BENCH_HUGE_MIN_MB 128 /* less free hugepage memory than this: --no-huge */
#define BENCH_PKTS_DEF 8192   /* as dpdk-test-crypto-perf's default --pool_sz */
#define BENCH_PKTS_ALIGN 96   /* lcm(IMIX period 12, burst 32) */
#define BENCH_POOL_SPARE 512
#define BENCH_ROUNDS_DEF 3
#define BENCH_SECONDS_DEF 1.5
#define BENCH_SECONDS_QUICK 0.3
#define BENCH_REPLAY_DEF 64
#define BENCH_FRAME_MAX 1518
#define BENCH_ROUNDS_MAX 64
#define BENCH_SPI_BASE 0x10000u
#define ETH_HDR 14 /* RTE_ETHER_HDR_LEN; FCS (4 B) not counted in a frame */

/* IMIX 7:4:1 of 64/570/1518-byte frames, interleaved. */
#define IMIX_PERIOD 12
static const uint16_t imix_frames[IMIX_PERIOD] = {
	64, 570, 64, 1518, 64, 570, 64, 64, 570, 64, 570, 64,
};

struct size_case {
	const char *name;
	uint16_t frame; /* 0: IMIX */
};

static const struct size_case size_cases[] = {
	{ "64", 64 },
	{ "imix", 0 },
	{ "1420", 1420 },
};

struct cipher_case {
	const char *name;
	enum hs_cipher cipher;
	enum hs_integ integ;
};

static const struct cipher_case cipher_cases[] = {
	{ "aes-gcm-128", HS_CIPHER_AES_GCM_128, HS_INTEG_NONE },
	{ "aes-cbc-128-sha1", HS_CIPHER_AES_CBC_128, HS_INTEG_HMAC_SHA1_96 },
};

static const char *const dir_names[] = { "encrypt", "decrypt" };

struct bench_opts {
	uint32_t nb_sas;
	uint32_t nb_pkts;
	uint16_t burst;
	uint16_t l2_off; /* where the inner (encrypt) or outer (decrypt) IP header starts */
	unsigned int rounds;
	double seconds; /* timed seconds per case, all rounds together */
	uint32_t replay_window;
	bool esn;
	bool natt;
	bool csv;
	bool json;
	bool restore_copy; /* decrypt: restore saved ciphertext instead of re-encrypting */
	const char *perf_ctl; /* "CTL,ACK" fifos of perf record --control */
	unsigned int cipher_mask;
	unsigned int size_mask;
	unsigned int dir_mask;
};

/* One clear-text inner packet per distinct frame size. */
struct tmpl {
	uint16_t len; /* inner IP packet: frame - 14 */
	uint8_t data[BENCH_FRAME_MAX - ETH_HDR];
};

/* The packets of the case being run; m[] stays, pkts[]/sas[] are rebuilt per pass. */
struct bench_set {
	struct rte_mempool *pool;
	uint32_t n;
	struct rte_mbuf **m;
	struct rte_mbuf **pkts;
	struct hs_sa **sas;
	const struct tmpl **tmpl;
	uint32_t *sa_idx;
	uint32_t sa_next; /* round-robin position, carried across passes */
	uint64_t frame_bytes; /* sum of the frames of one pass */
	struct tmpl tmpls[4];
	unsigned int nb_tmpls;
	struct rte_mbuf *lost[HS_BURST_MAX * 4]; /* dropped (freed) during a pass */
	unsigned int nb_lost;
	uint64_t lost_overflow;
	/* --restore copy: the ciphertext of every packet, saved once per case */
	uint8_t *master;
	uint16_t *master_len;
	bool master_valid;
	int perf_ctl_fd; /* -1: no perf control */
	int perf_ack_fd;
};

#define MASTER_STRIDE 2048

struct bench_sas {
	uint32_t n;
	struct hs_sa **out;
	struct hs_sa **in;
};

struct bench_result {
	const char *cipher;
	const char *size;
	const char *dir;
	double avg_frame;
	uint32_t cipher_bytes; /* ESP payload the cipher covers, per packet (IMIX: mean) */
	uint64_t packets;      /* timed packets, all rounds */
	uint64_t cycles;       /* timed TSC cycles, all rounds */
	double round_mops[BENCH_ROUNDS_MAX];
	unsigned int rounds;
	double best_mops;
	double mean_mops;
	double best_cpp; /* TSC cycles per packet in the best round */
	uint64_t drops[HS_DROP_MAX];
	uint64_t drops_total;
	uint64_t prep_drops; /* drops while encrypting for a decrypt pass (untimed) */
	uint64_t verify_errors;
};

typedef uint16_t (*esp_burst_fn)(struct hs_esp_ctx *ctx, struct rte_mbuf *pkts[],
	struct hs_sa *sas[], uint16_t n);

static void
usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [EAL args --] [options]\n"
		"  --sas N            SAs per cipher and direction, packets round-robin (1)\n"
		"  --cipher LIST      aes-gcm-128,aes-cbc-128-sha1 (all)\n"
		"  --size LIST        64,imix,1420 (all); frame = Ethernet, no FCS\n"
		"  --dir LIST         encrypt,decrypt (all)\n"
		"  --pkts N           pre-built packets per case (%u, rounded up to %u)\n"
		"  --burst N          packets per burst call, <= %u (%u)\n"
		"  --seconds S        timed seconds per case, all rounds (%.1f)\n"
		"  --rounds R         rounds per case; the best is reported (%u)\n"
		"  --quick            --seconds %.1f\n"
		"  --replay-window W  inbound replay window, 0 = off (%u)\n"
		"  --esn              extended sequence numbers\n"
		"  --natt             UDP-encapsulated ESP (RFC 3948)\n"
		"  --l2-offset B      bytes before the IP header in the mbuf (%u)\n"
		"  --restore MODE     decrypt packets between passes: encrypt (fresh sequence\n"
		"                     numbers, replay window on) or copy (saved ciphertext,\n"
		"                     cheaper, forces --replay-window 0) (encrypt)\n"
		"  --perf-ctl C,A     perf record --control fifos: sample the timed passes only\n"
		"  --csv | --json     machine-readable results on stdout (table on stderr)\n"
		"Without EAL args the defaults are: -l 1 --file-prefix " BENCH_FILE_PREFIX
		" --no-pci,\nplus --no-huge -m " BENCH_NOHUGE_MB " when no hugepages are free.\n",
		prog, BENCH_PKTS_DEF, BENCH_PKTS_ALIGN, HS_BURST_MAX, HS_BURST_MAX, BENCH_SECONDS_DEF,
		BENCH_ROUNDS_DEF, BENCH_SECONDS_QUICK, BENCH_REPLAY_DEF, ETH_HDR);
}

/* "a,b" against names[] -> bit mask; 0 on an unknown name. */
static unsigned int
parse_list(const char *arg, const char *const *names, unsigned int n)
{
	char buf[256];
	unsigned int mask = 0;
	char *save = NULL;

	if (strcmp(arg, "all") == 0)
		return (1u << n) - 1;
	snprintf(buf, sizeof(buf), "%s", arg);
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		unsigned int i;

		for (i = 0; i < n && strcmp(tok, names[i]) != 0; i++)
			;
		if (i == n) {
			fprintf(stderr, "unknown value '%s'\n", tok);
			return 0;
		}
		mask |= 1u << i;
	}
	return mask;
}

static int
parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *v)
{
	char *end;
	unsigned long x;

	errno = 0;
	x = strtoul(s, &end, 0);
	if (errno != 0 || *end != '\0' || end == s || x < min || x > max) {
		fprintf(stderr, "value '%s' out of range %u..%u\n", s, min, max);
		return -EINVAL;
	}
	*v = (uint32_t)x;
	return 0;
}

enum {
	OPT_SAS = 256, OPT_CIPHER, OPT_SIZE, OPT_DIR, OPT_PKTS, OPT_BURST, OPT_SECONDS,
	OPT_ROUNDS, OPT_QUICK, OPT_REPLAY, OPT_ESN, OPT_NATT, OPT_L2OFF, OPT_CSV, OPT_JSON,
	OPT_RESTORE, OPT_PERF_CTL,
};

static const struct option long_opts[] = {
	{ "sas", required_argument, NULL, OPT_SAS },
	{ "cipher", required_argument, NULL, OPT_CIPHER },
	{ "size", required_argument, NULL, OPT_SIZE },
	{ "dir", required_argument, NULL, OPT_DIR },
	{ "pkts", required_argument, NULL, OPT_PKTS },
	{ "burst", required_argument, NULL, OPT_BURST },
	{ "seconds", required_argument, NULL, OPT_SECONDS },
	{ "rounds", required_argument, NULL, OPT_ROUNDS },
	{ "quick", no_argument, NULL, OPT_QUICK },
	{ "replay-window", required_argument, NULL, OPT_REPLAY },
	{ "esn", no_argument, NULL, OPT_ESN },
	{ "natt", no_argument, NULL, OPT_NATT },
	{ "l2-offset", required_argument, NULL, OPT_L2OFF },
	{ "csv", no_argument, NULL, OPT_CSV },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "restore", required_argument, NULL, OPT_RESTORE },
	{ "perf-ctl", required_argument, NULL, OPT_PERF_CTL },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int
parse_one(struct bench_opts *o, int c, const char *arg)
{
	const char *sizes[HS_ARRAY_SIZE(size_cases)];
	const char *ciphers[HS_ARRAY_SIZE(cipher_cases)];
	uint32_t v;
	char *end;

	for (unsigned int i = 0; i < HS_ARRAY_SIZE(size_cases); i++)
		sizes[i] = size_cases[i].name;
	for (unsigned int i = 0; i < HS_ARRAY_SIZE(cipher_cases); i++)
		ciphers[i] = cipher_cases[i].name;

	switch (c) {
	case OPT_SAS:
		return parse_u32(arg, 1, 1000000, &o->nb_sas);
	case OPT_CIPHER:
		o->cipher_mask = parse_list(arg, ciphers, HS_ARRAY_SIZE(ciphers));
		return o->cipher_mask ? 0 : -EINVAL;
	case OPT_SIZE:
		o->size_mask = parse_list(arg, sizes, HS_ARRAY_SIZE(sizes));
		return o->size_mask ? 0 : -EINVAL;
	case OPT_DIR:
		o->dir_mask = parse_list(arg, dir_names, HS_ARRAY_SIZE(dir_names));
		return o->dir_mask ? 0 : -EINVAL;
	case OPT_PKTS:
		return parse_u32(arg, HS_BURST_MAX, 1u << 20, &o->nb_pkts);
	case OPT_BURST:
		if (parse_u32(arg, 1, HS_BURST_MAX, &v) < 0)
			return -EINVAL;
		o->burst = (uint16_t)v;
		return 0;
	case OPT_SECONDS:
		o->seconds = strtod(arg, &end);
		return (*end == '\0' && o->seconds > 0 && o->seconds <= 600) ? 0 : -EINVAL;
	case OPT_ROUNDS:
		return parse_u32(arg, 1, BENCH_ROUNDS_MAX, &o->rounds);
	case OPT_QUICK:
		o->seconds = BENCH_SECONDS_QUICK;
		return 0;
	case OPT_REPLAY:
		return parse_u32(arg, 0, HS_REPLAY_WINDOW_MAX, &o->replay_window);
	case OPT_ESN:
		o->esn = true;
		return 0;
	case OPT_NATT:
		o->natt = true;
		return 0;
	case OPT_L2OFF:
		if (parse_u32(arg, 0, 64, &v) < 0)
			return -EINVAL;
		o->l2_off = (uint16_t)v;
		return 0;
	case OPT_CSV:
		o->csv = true;
		return 0;
	case OPT_JSON:
		o->json = true;
		return 0;
	case OPT_RESTORE:
		if (strcmp(arg, "copy") != 0 && strcmp(arg, "encrypt") != 0)
			return -EINVAL;
		o->restore_copy = strcmp(arg, "copy") == 0;
		return 0;
	case OPT_PERF_CTL:
		o->perf_ctl = arg;
		return 0;
	default:
		return -EINVAL;
	}
}

static int
parse_opts(struct bench_opts *o, int argc, char **argv)
{
	int c;

	*o = (struct bench_opts){
		.nb_sas = 1,
		.nb_pkts = BENCH_PKTS_DEF,
		.burst = HS_BURST_MAX,
		.l2_off = ETH_HDR,
		.rounds = BENCH_ROUNDS_DEF,
		.seconds = BENCH_SECONDS_DEF,
		.replay_window = BENCH_REPLAY_DEF,
		.cipher_mask = (1u << HS_ARRAY_SIZE(cipher_cases)) - 1,
		.size_mask = (1u << HS_ARRAY_SIZE(size_cases)) - 1,
		.dir_mask = 3,
	};
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		if (c == 'h' || c == '?' || parse_one(o, c, optarg) < 0) {
			usage(argv[0]);
			return c == 'h' ? 1 : -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "unexpected argument '%s' (EAL args go before '--')\n",
			argv[optind]);
		usage(argv[0]);
		return -EINVAL;
	}
	if (o->restore_copy)
		o->replay_window = 0; /* the same sequence numbers come again */
	if (o->replay_window != 0 && o->replay_window < 64) {
		fprintf(stderr, "--replay-window: 0 or 64..%u\n", HS_REPLAY_WINDOW_MAX);
		return -EINVAL;
	}
	/* Not a power of two: RTE_ALIGN_CEIL does not apply. */
	o->nb_pkts = (o->nb_pkts + BENCH_PKTS_ALIGN - 1) / BENCH_PKTS_ALIGN * BENCH_PKTS_ALIGN;
	return 0;
}

/* Free 2 MiB/1 GiB hugepage memory in MiB, 0 without a hugetlbfs mount. */
static uint64_t
hugepages_free_mb(void)
{
	static const struct {
		const char *path;
		uint64_t mb;
	} sizes[] = {
		{ "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", 2 },
		{ "/sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages", 1024 },
	};
	char line[512];
	bool mounted = false;
	uint64_t mb = 0;
	FILE *f;

	f = fopen("/proc/mounts", "r");
	if (f != NULL) {
		while (fgets(line, sizeof(line), f) != NULL)
			if (strstr(line, " hugetlbfs ") != NULL)
				mounted = true;
		fclose(f);
	}
	if (!mounted)
		return 0;
	for (unsigned int i = 0; i < HS_ARRAY_SIZE(sizes); i++) {
		unsigned long long n = 0;

		f = fopen(sizes[i].path, "r");
		if (f == NULL)
			continue;
		if (fscanf(f, "%llu", &n) == 1)
			mb += n * sizes[i].mb;
		fclose(f);
	}
	return mb;
}

static bool
has_arg(int argc, char **argv, const char *const *names)
{
	for (int i = 1; i < argc; i++)
		for (const char *const *n = names; *n != NULL; n++)
			if (strncmp(argv[i], *n, strlen(*n)) == 0)
				return true;
	return false;
}

/*
 * Split argv at "--": before it EAL args (plus defaults the user left out),
 * after it ours. Without "--" everything is ours. Returns the EAL argc.
 */
static int
build_eal_args(int argc, char **argv, char **eal, int *app_first)
{
	static const char *const core_opts[] = { "-l", "-c", "--lcores", NULL };
	static const char *const prefix_opts[] = { "--file-prefix", "--in-memory", NULL };
	static const char *const dev_opts[] = { "--no-pci", "-a", "-b", "--allow", "--block",
		NULL };
	static const char *const mem_opts[] = { "--no-huge", "-m", "--socket-mem", NULL };
	static char core[16];
	int dd = 0, n = 0;

	for (int i = 1; i < argc && dd == 0; i++)
		if (strcmp(argv[i], "--") == 0)
			dd = i;
	eal[n++] = argv[0];
	for (int i = 1; i < dd; i++)
		eal[n++] = argv[i];
	*app_first = dd ? dd + 1 : 1;
	if (!has_arg(dd, argv, core_opts)) {
		/* The last CPU we may run on: the other one is left to the system. */
		cpu_set_t set;
		int cpu = 0;

		if (sched_getaffinity(0, sizeof(set), &set) == 0)
			for (int c = 0; c < CPU_SETSIZE; c++)
				if (CPU_ISSET(c, &set))
					cpu = c;
		snprintf(core, sizeof(core), "%d", cpu);
		eal[n++] = "-l";
		eal[n++] = core;
	}
	if (!has_arg(dd, argv, prefix_opts))
		eal[n++] = "--file-prefix=" BENCH_FILE_PREFIX;
	if (!has_arg(dd, argv, dev_opts))
		eal[n++] = "--no-pci";
	if (!has_arg(dd, argv, mem_opts) && hugepages_free_mb() < BENCH_HUGE_MIN_MB) {
		fprintf(stderr, "WARNING: fewer than %u MiB of free hugepages (or no hugetlbfs "
				"mount): running with --no-huge -m " BENCH_NOHUGE_MB
				" (4 KiB pages: more TLB misses, numbers may be lower; "
				"scripts/setup.sh reserves hugepages)\n",
			BENCH_HUGE_MIN_MB);
		eal[n++] = "--no-huge";
		eal[n++] = "-m";
		eal[n++] = BENCH_NOHUGE_MB;
	}
	eal[n] = NULL;
	return n;
}

static void
fill_random(uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)rte_rand();
}

static void
set_v4(struct hs_addr *a, uint32_t host_order)
{
	uint32_t be = rte_cpu_to_be_32(host_order);

	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	memcpy(a->v4, &be, 4);
}

static void
sas_free(struct bench_sas *s)
{
	for (uint32_t i = 0; i < s->n; i++) {
		hs_sa_destroy(s->out != NULL ? s->out[i] : NULL);
		hs_sa_destroy(s->in != NULL ? s->in[i] : NULL);
	}
	free(s->out);
	free(s->in);
	memset(s, 0, sizeof(*s));
}

/* One outbound and one matching inbound SA per index, random keys. */
static int
sas_create(struct bench_sas *s, const struct bench_opts *o, const struct cipher_case *cc,
	IMB_MGR *mgr)
{
	struct hs_sa_params p;
	const char *why = NULL;
	int err = 0;

	s->n = o->nb_sas;
	s->out = calloc(s->n, sizeof(*s->out));
	s->in = calloc(s->n, sizeof(*s->in));
	if (s->out == NULL || s->in == NULL)
		goto fail;
	for (uint32_t i = 0; i < s->n; i++) {
		memset(&p, 0, sizeof(p));
		p.spi = BENCH_SPI_BASE + i;
		p.cipher = cc->cipher;
		p.integ = cc->integ;
		p.enc_key_len = hs_cipher_key_len(cc->cipher) + hs_cipher_salt_len(cc->cipher);
		fill_random(p.enc_key, p.enc_key_len);
		p.auth_key_len = hs_integ_key_len(cc->integ);
		fill_random(p.auth_key, p.auth_key_len);
		/* The tunnel as both ends see it: from us (192.0.2.1) to a branch. */
		set_v4(&p.tun_src, RTE_IPV4(192, 0, 2, 1));
		set_v4(&p.tun_dst, RTE_IPV4(198, 18, 0, 0) + i);
		p.natt = o->natt;
		p.esn = o->esn;
		p.df = HS_DF_COPY;
		p.dscp_copy = true;
		p.ttl = 64;
		p.dir = HS_SA_OUT;
		s->out[i] = hs_sa_create(&p, mgr, &err, &why);
		if (s->out[i] == NULL)
			goto fail;
		p.dir = HS_SA_IN;
		p.replay_window = o->replay_window;
		s->in[i] = hs_sa_create(&p, mgr, &err, &why);
		if (s->in[i] == NULL)
			goto fail;
	}
	explicit_bzero(&p, sizeof(p));
	return 0;
fail:
	explicit_bzero(&p, sizeof(p));
	fprintf(stderr, "hs_sa_create(%s): %s%s%s\n", cc->name, strerror(-err),
		why ? ": " : "", why ? why : "");
	sas_free(s);
	return err ? err : -ENOMEM;
}

/* An inner IPv4/UDP packet of len bytes (a clear-text frame minus Ethernet). */
static void
build_inner(struct tmpl *t, uint16_t frame)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)t->data;
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	uint16_t len = frame - ETH_HDR;

	memset(t->data, 0, sizeof(t->data));
	t->len = len;
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(len);
	ip->packet_id = rte_cpu_to_be_16(frame);
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(RTE_IPV4(10, 1, 0, 1));
	ip->dst_addr = rte_cpu_to_be_32(RTE_IPV4(10, 2, 0, 1));
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16(1024);
	udp->dst_port = rte_cpu_to_be_16(5001);
	udp->dgram_len = rte_cpu_to_be_16(len - sizeof(*ip));
	for (uint16_t i = sizeof(*ip) + sizeof(*udp); i < len; i++)
		t->data[i] = (uint8_t)(i * 13 + 7);
}

static const struct tmpl *
tmpl_get(struct bench_set *set, uint16_t frame)
{
	for (unsigned int i = 0; i < set->nb_tmpls; i++)
		if (set->tmpls[i].len == frame - ETH_HDR)
			return &set->tmpls[i];
	build_inner(&set->tmpls[set->nb_tmpls], frame);
	return &set->tmpls[set->nb_tmpls++];
}

/* ESP payload the cipher covers for an inner packet (RFC 4303 §2.4 padding). */
static uint32_t
cipher_bytes(const struct cipher_case *cc, uint32_t inner)
{
	uint32_t align = hs_cipher_is_aead(cc->cipher) ? 4 : 16;

	return RTE_ALIGN_CEIL(inner + 2, align);
}

/* Give every packet its frame size and template for this case. */
static void
set_sizes(struct bench_set *set, const struct size_case *sc, const struct cipher_case *cc,
	struct bench_result *res)
{
	uint64_t cbytes = 0;

	set->nb_tmpls = 0;
	set->frame_bytes = 0;
	set->master_valid = false;
	for (uint32_t i = 0; i < set->n; i++) {
		uint16_t frame = sc->frame ? sc->frame : imix_frames[i % IMIX_PERIOD];

		set->tmpl[i] = tmpl_get(set, frame);
		set->frame_bytes += frame;
		cbytes += cipher_bytes(cc, frame - ETH_HDR);
	}
	res->avg_frame = (double)set->frame_bytes / set->n;
	res->cipher_bytes = (uint32_t)(cbytes / set->n);
}

/* Clear-text packets at headroom + l2_off, SAs round-robin. Untimed. */
static int
prepare_clear(struct bench_set *set, const struct bench_sas *sas, uint16_t l2_off)
{
	for (uint32_t i = 0; i < set->n; i++) {
		struct rte_mbuf *m = set->m[i];
		const struct tmpl *t = set->tmpl[i];
		uint32_t k = set->sa_next;

		rte_pktmbuf_reset(m);
		m->data_off = RTE_PKTMBUF_HEADROOM + l2_off;
		if (rte_pktmbuf_append(m, t->len) == NULL)
			return -ENOSPC;
		memcpy(rte_pktmbuf_mtod(m, void *), t->data, t->len);
		m->packet_type = RTE_PTYPE_L3_IPV4;
		set->pkts[i] = m;
		set->sa_idx[i] = k;
		set->sas[i] = sas->out[k];
		set->sa_next = k + 1 == sas->n ? 0 : k + 1;
	}
	return 0;
}

/* Remember what the engine dropped (a bug here) and free it. */
static void
take_drops(struct hs_esp_ctx *ctx, struct bench_set *set, uint64_t *counts, uint64_t *total)
{
	for (uint16_t i = 0; i < ctx->drops.n; i++) {
		if (ctx->drops.reason[i] < HS_DROP_MAX)
			counts[ctx->drops.reason[i]]++;
		(*total)++;
		if (set->nb_lost < HS_ARRAY_SIZE(set->lost))
			set->lost[set->nb_lost++] = ctx->drops.pkts[i];
		else
			set->lost_overflow++;
	}
	hs_esp_drops_free(ctx);
}

/* Put fresh mbufs where the engine dropped (and freed) ours. Untimed. */
static int
replace_lost(struct bench_set *set)
{
	if (set->lost_overflow != 0) {
		fprintf(stderr, "too many drops to recover from\n");
		return -EIO;
	}
	for (unsigned int l = 0; l < set->nb_lost; l++) {
		for (uint32_t i = 0; i < set->n; i++) {
			if (set->m[i] != set->lost[l])
				continue;
			set->m[i] = rte_pktmbuf_alloc(set->pool);
			if (set->m[i] == NULL)
				return -ENOMEM;
			break;
		}
	}
	set->nb_lost = 0;
	return 0;
}

static bool
was_lost(const struct bench_set *set, const struct rte_mbuf *m)
{
	for (unsigned int l = 0; l < set->nb_lost; l++)
		if (set->lost[l] == m)
			return true;
	return false;
}

/* --restore copy: the saved ciphertext back into the mbufs. Untimed. */
static int
restore_cipher(struct bench_set *set, const struct bench_sas *sas, uint16_t l2_off)
{
	for (uint32_t i = 0; i < set->n; i++) {
		struct rte_mbuf *m = set->m[i];

		rte_pktmbuf_reset(m);
		m->data_off = RTE_PKTMBUF_HEADROOM + l2_off;
		if (rte_pktmbuf_append(m, set->master_len[i]) == NULL)
			return -ENOSPC;
		memcpy(rte_pktmbuf_mtod(m, void *), set->master + (size_t)i * MASTER_STRIDE,
			set->master_len[i]);
		m->packet_type = RTE_PTYPE_L3_IPV4;
		set->pkts[i] = m;
		set->sas[i] = sas->in[set->sa_idx[i]];
	}
	return 0;
}

/*
 * Packets a decrypt pass will use: clear-text encrypted by the outbound SA
 * (fresh sequence numbers), moved so that the outer IP header is where a NIC
 * would put it, paired with the inbound SA. Untimed.
 */
static int
prepare_cipher(struct hs_esp_ctx *ctx, struct bench_set *set, const struct bench_sas *sas,
	uint16_t l2_off, struct bench_result *res)
{
	uint64_t dummy[HS_DROP_MAX] = { 0 };
	int ret;

	if (set->master_valid)
		return restore_cipher(set, sas, l2_off);
	ret = prepare_clear(set, sas, l2_off);
	if (ret < 0)
		return ret;
	for (uint32_t i = 0; i < set->n; i += HS_BURST_MAX) {
		uint16_t nb = (uint16_t)RTE_MIN((uint32_t)HS_BURST_MAX, set->n - i);

		hs_esp_out_burst(ctx, &set->pkts[i], &set->sas[i], nb);
		if (ctx->drops.n != 0)
			take_drops(ctx, set, dummy, &res->prep_drops);
	}
	if (set->nb_lost != 0)
		return -EIO; /* the outbound path failed: nothing sensible to decrypt */
	for (uint32_t i = 0; i < set->n; i++) {
		struct rte_mbuf *m = set->m[i];
		char *want = (char *)m->buf_addr + RTE_PKTMBUF_HEADROOM + l2_off;

		if (want + m->data_len > (char *)m->buf_addr + m->buf_len)
			return -ENOSPC;
		memmove(want, rte_pktmbuf_mtod(m, char *), m->data_len);
		m->data_off = RTE_PKTMBUF_HEADROOM + l2_off;
		m->packet_type = RTE_PTYPE_L3_IPV4;
		set->pkts[i] = m;
		set->sas[i] = sas->in[set->sa_idx[i]];
		if (set->master != NULL) {
			if (m->data_len > MASTER_STRIDE)
				return -ENOSPC;
			memcpy(set->master + (size_t)i * MASTER_STRIDE,
				rte_pktmbuf_mtod(m, void *), m->data_len);
			set->master_len[i] = m->data_len;
		}
	}
	set->master_valid = set->master != NULL;
	return 0;
}

/* Switch perf record's sampling on or off and wait for its ack (untimed). */
static void
perf_toggle(struct bench_set *set, const char *cmd)
{
	char ack[16];

	if (set->perf_ctl_fd < 0)
		return;
	if (write(set->perf_ctl_fd, cmd, strlen(cmd)) < 0 || read(set->perf_ack_fd, ack,
			sizeof(ack)) <= 0) {
		fprintf(stderr, "perf control fifo: %s; profiling the whole run\n", strerror(errno));
		close(set->perf_ctl_fd);
		close(set->perf_ack_fd);
		set->perf_ctl_fd = set->perf_ack_fd = -1;
	}
}

static int
perf_open(struct bench_set *set, const char *spec)
{
	char ctl[256];
	const char *ack;

	set->perf_ctl_fd = set->perf_ack_fd = -1;
	if (spec == NULL)
		return 0;
	ack = strchr(spec, ',');
	if (ack == NULL || (size_t)(ack - spec) >= sizeof(ctl)) {
		fprintf(stderr, "--perf-ctl CTL_FIFO,ACK_FIFO\n");
		return -EINVAL;
	}
	snprintf(ctl, sizeof(ctl), "%.*s", (int)(ack - spec), spec);
	set->perf_ctl_fd = open(ctl, O_WRONLY);
	set->perf_ack_fd = open(ack + 1, O_RDONLY);
	if (set->perf_ctl_fd < 0 || set->perf_ack_fd < 0) {
		fprintf(stderr, "--perf-ctl %s: %s\n", spec, strerror(errno));
		return -errno;
	}
	return 0;
}

/* The timed part: only the burst calls (and a drop check after each). */
static uint64_t
timed_pass(struct hs_esp_ctx *ctx, struct bench_set *set, esp_burst_fn fn, uint16_t burst,
	struct bench_result *res)
{
	struct rte_mbuf **pkts = set->pkts;
	struct hs_sa **sas = set->sas;
	uint32_t n = set->n;
	uint64_t t0, t1;

	perf_toggle(set, "enable");
	t0 = rte_rdtsc_precise();
	for (uint32_t i = 0; i < n; i += burst) {
		uint16_t nb = (uint16_t)RTE_MIN((uint32_t)burst, n - i);

		fn(ctx, &pkts[i], &sas[i], nb);
		if (unlikely(ctx->drops.n != 0))
			take_drops(ctx, set, res->drops, &res->drops_total);
	}
	t1 = rte_rdtsc_precise();
	perf_toggle(set, "disable");
	return t1 - t0;
}

/* After the warm-up pass: is the output what the engine promises? */
static uint64_t
verify_pass(const struct bench_set *set, const struct bench_sas *sas, bool encrypt)
{
	uint64_t bad = 0;

	for (uint32_t i = 0; i < set->n; i++) {
		const struct rte_mbuf *m = set->m[i];
		const struct tmpl *t = set->tmpl[i];
		const struct hs_sa *sa;
		uint32_t spi = 0;

		if (was_lost(set, m))
			continue;
		if (encrypt) {
			sa = sas->out[set->sa_idx[i]];
			if (m->pkt_len != t->len + hs_sa_overhead(sa, t->len) ||
				hs_esp_peek_spi(m, &spi) != 0 || spi != sa->rt.spi)
				bad++;
		} else if (m->pkt_len != t->len ||
			memcmp(rte_pktmbuf_mtod(m, const void *), t->data, t->len) != 0) {
			bad++;
		}
	}
	return bad;
}

static int
prepare(struct hs_esp_ctx *ctx, struct bench_set *set, const struct bench_sas *sas,
	const struct bench_opts *o, bool encrypt, struct bench_result *res)
{
	struct hs_sa_event ev[HS_ESP_EVENTS_MAX];
	int ret;

	ret = replace_lost(set);
	if (ret < 0)
		return ret;
	ret = encrypt ? prepare_clear(set, sas, o->l2_off) :
			prepare_cipher(ctx, set, sas, o->l2_off, res);
	while (hs_esp_events_take(ctx, ev, HS_ESP_EVENTS_MAX) != 0)
		;
	ctx->now = rte_rdtsc();
	return ret;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Warm-up and check, then rounds of timed passes. */
static int
run_case(struct hs_esp_ctx *ctx, struct bench_set *set, const struct bench_sas *sas,
	const struct bench_opts *o, bool encrypt, struct bench_result *res)
{
	esp_burst_fn fn = encrypt ? hs_esp_out_burst : hs_esp_in_burst;
	uint64_t hz = rte_get_tsc_hz();
	uint64_t round_cycles = (uint64_t)(o->seconds / o->rounds * (double)hz);
	double best_cpp = 0;
	int ret;

	ret = prepare(ctx, set, sas, o, encrypt, res);
	if (ret < 0)
		return ret;
	timed_pass(ctx, set, fn, o->burst, res);
	res->verify_errors = verify_pass(set, sas, encrypt);
	for (unsigned int r = 0; r < o->rounds; r++) {
		uint64_t cyc = 0, pkts = 0;

		while (cyc < round_cycles) {
			ret = prepare(ctx, set, sas, o, encrypt, res);
			if (ret < 0)
				return ret;
			cyc += timed_pass(ctx, set, fn, o->burst, res);
			pkts += set->n;
		}
		res->round_mops[r] = (double)pkts * (double)hz / (double)cyc / 1e6;
		if (best_cpp == 0 || (double)cyc / pkts < best_cpp)
			best_cpp = (double)cyc / pkts;
		res->packets += pkts;
		res->cycles += cyc;
	}
	ret = replace_lost(set);
	res->rounds = o->rounds;
	res->best_cpp = best_cpp;
	res->mean_mops = (double)res->packets * (double)hz / (double)res->cycles / 1e6;
	qsort(res->round_mops, res->rounds, sizeof(double), cmp_double);
	res->best_mops = res->round_mops[res->rounds - 1];
	return ret;
}

static int
set_init(struct bench_set *set, const struct bench_opts *o)
{
	uint32_t n = o->nb_pkts;

	memset(set, 0, sizeof(*set));
	set->n = n;
	if (perf_open(set, o->perf_ctl) < 0)
		return -EINVAL;
	if (o->restore_copy) {
		set->master = malloc((size_t)n * MASTER_STRIDE);
		set->master_len = calloc(n, sizeof(*set->master_len));
		if (set->master == NULL || set->master_len == NULL)
			return -ENOMEM;
	}
	set->pool = rte_pktmbuf_pool_create("hs_bench_pool", n + BENCH_POOL_SPARE, 256, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (set->pool == NULL) {
		fprintf(stderr, "mbuf pool: %s\n", rte_strerror(rte_errno));
		return -ENOMEM;
	}
	set->m = calloc(n, sizeof(*set->m));
	set->pkts = calloc(n, sizeof(*set->pkts));
	set->sas = calloc(n, sizeof(*set->sas));
	set->tmpl = calloc(n, sizeof(*set->tmpl));
	set->sa_idx = calloc(n, sizeof(*set->sa_idx));
	if (set->m == NULL || set->pkts == NULL || set->sas == NULL || set->tmpl == NULL ||
		set->sa_idx == NULL)
		return -ENOMEM;
	if (rte_pktmbuf_alloc_bulk(set->pool, set->m, n) != 0)
		return -ENOMEM;
	return 0;
}

static void
set_fini(struct bench_set *set)
{
	if (set->m != NULL && set->pool != NULL)
		for (uint32_t i = 0; i < set->n; i++)
			rte_pktmbuf_free(set->m[i]);
	free(set->m);
	free(set->pkts);
	free(set->sas);
	free(set->tmpl);
	free(set->sa_idx);
	free(set->master);
	free(set->master_len);
	if (set->perf_ctl_fd >= 0)
		close(set->perf_ctl_fd);
	if (set->perf_ack_fd >= 0)
		close(set->perf_ack_fd);
	rte_mempool_free(set->pool);
	memset(set, 0, sizeof(*set));
}

static double
res_gbps(const struct bench_result *r)
{
	return r->best_mops * r->avg_frame * 8 / 1e3;
}

static void
print_header(FILE *f, const struct hs_esp_ctx *ctx, const struct bench_opts *o, uint32_t n)
{
	fprintf(f, "hs-esp-bench: intel-ipsec-mb %s (%s), lcore %u on cpu %d, TSC %.3f GHz\n",
		imb_get_version_str(), hs_esp_ctx_arch(ctx), rte_lcore_id(), sched_getcpu(),
		(double)rte_get_tsc_hz() / 1e9);
	fprintf(f, "  %u packets per pass, bursts of %u, %u SA(s) per cipher and direction "
		   "(round-robin), replay window %u%s%s%s\n",
		n, o->burst, o->nb_sas, o->replay_window, o->esn ? ", ESN" : "",
		o->natt ? ", NAT-T" : "",
		o->restore_copy ? ", decrypt input restored by copy" : "");
	fprintf(f, "  timed: only hs_esp_out_burst()/hs_esp_in_burst() over pre-built packets "
		   "(packet building/restoring untimed);\n"
		   "  Mops = best of %u rounds (%.2f s timed per case); frame = clear-text Ethernet "
		   "frame without FCS\n"
		   "  (inner IPv4/UDP = frame - 14 B); Gbps = clear-text frame bits; cyc/pkt = "
		   "TSC cycles in the best round\n\n",
		o->rounds, o->seconds);
	fprintf(f, "%-17s %-5s %-8s %9s %8s %8s %8s %8s %7s\n", "cipher", "size", "dir",
		"avg-frame", "Mops", "Gbps", "cyc/pkt", "mean", "drops");
}

static void
print_row(FILE *f, const struct bench_result *r)
{
	fprintf(f, "%-17s %-5s %-8s %9.1f %8.3f %8.2f %8.1f %8.3f %7" PRIu64 "%s\n", r->cipher,
		r->size, r->dir, r->avg_frame, r->best_mops, res_gbps(r), r->best_cpp,
		r->mean_mops, r->drops_total + r->prep_drops,
		(r->drops_total || r->prep_drops || r->verify_errors) ? "  BUG" : "");
	for (unsigned int d = 0; d < HS_DROP_MAX; d++)
		if (r->drops[d] != 0)
			fprintf(f, "    BUG: %" PRIu64 " packets dropped as %s\n", r->drops[d],
				hs_drop_name(d));
	if (r->prep_drops != 0)
		fprintf(f, "    BUG: %" PRIu64 " drops encrypting for the decrypt pass\n",
			r->prep_drops);
	if (r->verify_errors != 0)
		fprintf(f, "    BUG: %" PRIu64 " packets wrong after the warm-up pass\n",
			r->verify_errors);
}

static void
print_csv(const struct bench_result *res, unsigned int n, const struct bench_opts *o)
{
	printf("cipher,size,dir,sas,avg_frame,cipher_bytes,mops,gbps,cycles_per_pkt,mean_mops,"
	       "min_mops,packets,drops,verify_errors\n");
	for (unsigned int i = 0; i < n; i++) {
		const struct bench_result *r = &res[i];

		printf("%s,%s,%s,%u,%.1f,%u,%.4f,%.3f,%.1f,%.4f,%.4f,%" PRIu64 ",%" PRIu64
		       ",%" PRIu64 "\n",
			r->cipher, r->size, r->dir, o->nb_sas, r->avg_frame, r->cipher_bytes,
			r->best_mops, res_gbps(r), r->best_cpp, r->mean_mops, r->round_mops[0],
			r->packets, r->drops_total + r->prep_drops, r->verify_errors);
	}
}

static void
print_json(const struct hs_esp_ctx *ctx, const struct bench_result *res, unsigned int n,
	const struct bench_opts *o, uint32_t nb_pkts)
{
	printf("{\"tool\":\"hs-esp-bench\",\"arch\":\"%s\",\"tsc_hz\":%" PRIu64
	       ",\"burst\":%u,\"packets_per_pass\":%u,\"sas\":%u,\"replay_window\":%u,"
	       "\"esn\":%s,\"natt\":%s,\"rounds\":%u,\"seconds\":%.3f,"
	       "\"timed\":\"hs_esp_out_burst/hs_esp_in_burst calls only\","
	       "\"gbps_counts\":\"clear-text Ethernet frame bits without FCS\",\"results\":[",
		hs_esp_ctx_arch(ctx), rte_get_tsc_hz(), o->burst, nb_pkts, o->nb_sas,
		o->replay_window, o->esn ? "true" : "false", o->natt ? "true" : "false", o->rounds,
		o->seconds);
	for (unsigned int i = 0; i < n; i++) {
		const struct bench_result *r = &res[i];

		printf("%s\n{\"cipher\":\"%s\",\"size\":\"%s\",\"dir\":\"%s\",\"avg_frame\":%.1f,"
		       "\"cipher_bytes\":%u,\"mops\":%.4f,\"gbps\":%.3f,\"cycles_per_pkt\":%.1f,"
		       "\"mean_mops\":%.4f,\"min_mops\":%.4f,\"packets\":%" PRIu64
		       ",\"drops\":%" PRIu64 ",\"verify_errors\":%" PRIu64 "}",
			i ? "," : "", r->cipher, r->size, r->dir, r->avg_frame, r->cipher_bytes,
			r->best_mops, res_gbps(r), r->best_cpp, r->mean_mops, r->round_mops[0],
			r->packets, r->drops_total + r->prep_drops, r->verify_errors);
	}
	printf("\n]}\n");
}

/* Every selected case of one cipher, with its own SAs. Returns results added. */
static int
run_cipher(struct hs_esp_ctx *ctx, struct bench_set *set, const struct bench_opts *o,
	const struct cipher_case *cc, struct bench_result *res, FILE *tf)
{
	struct bench_sas sas = { 0 };
	int n = 0, ret;

	ret = sas_create(&sas, o, cc, ctx->mgr);
	if (ret < 0)
		return ret;
	for (unsigned int s = 0; s < HS_ARRAY_SIZE(size_cases); s++) {
		if (!(o->size_mask & (1u << s)))
			continue;
		for (unsigned int d = 0; d < 2; d++) {
			struct bench_result *r = &res[n];

			if (!(o->dir_mask & (1u << d)))
				continue;
			memset(r, 0, sizeof(*r));
			r->cipher = cc->name;
			r->size = size_cases[s].name;
			r->dir = dir_names[d];
			set_sizes(set, &size_cases[s], cc, r);
			ret = run_case(ctx, set, &sas, o, d == 0, r);
			if (ret < 0) {
				fprintf(stderr, "%s %s %s: %s\n", r->cipher, r->size, r->dir,
					strerror(-ret));
				sas_free(&sas);
				return ret;
			}
			print_row(tf, r);
			fflush(tf);
			n++;
		}
	}
	sas_free(&sas);
	return n;
}

static int
run_all(const struct bench_opts *o)
{
	struct bench_result res[HS_ARRAY_SIZE(cipher_cases) * HS_ARRAY_SIZE(size_cases) * 2];
	FILE *tf = (o->csv || o->json) ? stderr : stdout;
	struct bench_set set;
	struct hs_esp_ctx *ctx;
	unsigned int n = 0;
	bool bug = false;
	int ret;

	ctx = rte_zmalloc("hs_esp_ctx", sizeof(*ctx), RTE_CACHE_LINE_SIZE);
	if (ctx == NULL)
		return -ENOMEM;
	ret = hs_esp_ctx_init(ctx);
	if (ret < 0) {
		fprintf(stderr, "hs_esp_ctx_init: %s\n", strerror(-ret));
		rte_free(ctx);
		return ret;
	}
	ret = set_init(&set, o);
	if (ret < 0)
		goto out;
	print_header(tf, ctx, o, set.n);
	for (unsigned int c = 0; c < HS_ARRAY_SIZE(cipher_cases); c++) {
		if (!(o->cipher_mask & (1u << c)))
			continue;
		ret = run_cipher(ctx, &set, o, &cipher_cases[c], &res[n], tf);
		if (ret < 0)
			goto out;
		n += (unsigned int)ret;
	}
	for (unsigned int i = 0; i < n; i++)
		bug |= res[i].drops_total || res[i].prep_drops || res[i].verify_errors;
	if (o->csv)
		print_csv(res, n, o);
	if (o->json)
		print_json(ctx, res, n, o, set.n);
	ret = bug ? -EIO : 0;
	if (bug)
		fprintf(tf, "\nBUG: the engine dropped or mangled packets (see above)\n");
out:
	set_fini(&set);
	hs_esp_ctx_fini(ctx);
	rte_free(ctx);
	return ret;
}

int
main(int argc, char **argv)
{
	char **eal_argv;
	struct bench_opts o;
	int eal_argc, app_first, ret;

	eal_argv = calloc((size_t)argc + 16, sizeof(*eal_argv));
	if (eal_argv == NULL)
		return 1;
	eal_argc = build_eal_args(argc, argv, eal_argv, &app_first);
	/* Our options, with argv[0] in front for getopt's messages. */
	argv[app_first - 1] = argv[0];
	ret = parse_opts(&o, argc - app_first + 1, &argv[app_first - 1]);
	if (ret != 0)
		return ret > 0 ? 0 : 2;

	/* EAL logs to stdout by default: keep stdout for --csv/--json. */
	rte_openlog_stream(stderr);
	if (rte_eal_init(eal_argc, eal_argv) < 0) {
		fprintf(stderr, "rte_eal_init: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	ret = run_all(&o);
	rte_eal_cleanup();
	free(eal_argv);
	return ret == 0 ? 0 : (ret == -EIO ? 3 : 1);
}
