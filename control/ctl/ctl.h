/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hubsec-control's process: the shell around the IKEv2 engine
 * (control/ikev2/ikev2.h). It owns the event loop, the transports that
 * carry IKE messages and SA messages, and the command socket:
 *   main.c            options, the loop, signals
 *   ctl_common.c      logging, the clock, the counters, received IKE -> engine
 *   ip_udp.c          IP/UDP headers of punted packets, checked (DPDK-free)
 *   transport_dpdk.c  beside hubsec-dataplane: a DPDK secondary process on
 *                     the punt/inject rings, SA/ack/acquire/event rings
 *   transport_udp.c   --udp: kernel UDP sockets on ports 500 and 4500, no EAL
 *   ctl_sock.c        the unix socket of hubsec-cli and the dataplane's relay
 * Single-threaded: nothing here takes a lock.
 */
#ifndef HS_CTL_H
#define HS_CTL_H

#include <poll.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "ikev2.h"
#include "msg.h"

#define HS_CTL_LISTEN_MAX 16
#define HS_CTL_SOCK_NAME "hubsec-control.sock" /* dataplane/console.h HS_CONTROL_SOCK_NAME */
#define HS_CTL_SOCK_DEFAULT "/run/hubsec/control.sock" /* --udp without --socket */
#define HS_CTL_PKT_MAX 65535
#define HS_CTL_POLLFDS_MAX 64

#define HS_CTL_EXIT_FAILED 1 /* the dataplane went away, or a runtime error */
#define HS_CTL_EXIT_USAGE 2  /* bad options, config, or nothing to attach to */

/* The process's own counters ("show control counters"); the engine has its own. */
#define HS_CTL_COUNTERS(X)                                                                         \
	X(HS_CTL_C_RX, "rx-ike")                  /* IKE messages handed to the engine */         \
	X(HS_CTL_C_RX_MALFORMED, "rx-malformed")  /* bad IP/UDP header, lengths */                \
	X(HS_CTL_C_RX_CKSUM, "rx-bad-checksum")   /* punted UDP with a wrong checksum */          \
	X(HS_CTL_C_RX_FRAGMENT, "rx-fragments")   /* IP fragments: no reassembly here */          \
	X(HS_CTL_C_RX_NOT_IKE, "rx-not-ike")      /* punted, but neither IKE nor registry */     \
	X(HS_CTL_C_RX_ESP_IN_UDP, "rx-esp-in-udp") /* 4500, non-zero SPI: not ours (RFC 3948) */ \
	X(HS_CTL_C_RX_KEEPALIVE, "rx-natt-keepalive") /* 4500, one 0xff byte (RFC 3948 §2.3) */   \
	X(HS_CTL_C_RX_REGISTRY, "rx-registry")    /* Auto VPN registry: no client yet */          \
	X(HS_CTL_C_TX, "tx-ike")                  /* IKE messages sent */                          \
	X(HS_CTL_C_TX_FAILED, "tx-failed")        /* no buffer, ring full, socket error */         \
	X(HS_CTL_C_SA_SENT, "sa-messages")        /* SA messages queued to the dataplane */        \
	X(HS_CTL_C_SA_FAILED, "sa-send-failed")   /* ... not queued */                             \
	X(HS_CTL_C_ACKS, "acks")                                                                   \
	X(HS_CTL_C_ACQUIRES, "acquires")                                                           \
	X(HS_CTL_C_EVENTS, "events")                                                               \
	X(HS_CTL_C_BAD_MSG, "bad-ring-messages")  /* refused by hs_msg_validate() */              \
	X(HS_CTL_C_COMMANDS, "commands")          /* lines served on the command socket */
enum hs_ctl_counter { HS_CTL_COUNTERS(HS_ENUM_ITEM) HS_CTL_C_MAX };

struct hs_ctl_opts {
	const char *config;
	bool udp;
	const char *listen[HS_CTL_LISTEN_MAX]; /* --udp */
	unsigned int n_listen;
	uint16_t ike_port, natt_port; /* --udp; 500 and 4500 */
	enum hs_ikev2_log_level log_level;
	bool has_log_level; /* else the config's log-level */
	const char *socket; /* NULL: the default of the mode */
	uint32_t idle_us;   /* dataplane mode: sleep when a loop found nothing */
	const char *prefix; /* EAL --file-prefix, for messages */
	uint32_t dpd_sec, retransmit_ms, retransmit_tries; /* 0: the engine's defaults */
	uint32_t fragment_size; /* 0: the engine's default; HS_IKEV2_FRAGMENT_OFF */
};

struct hs_ctl_dpdk;
struct hs_ctl_udp;
struct hs_ctl_sock;

struct hs_ctl {
	struct hs_ctl_opts opts;
	struct hs_config *cfg;
	struct hs_ikev2 *ike;
	struct hs_ikev2_io io;
	struct hs_ctl_dpdk *dpdk; /* dataplane mode */
	struct hs_ctl_udp *udp;	  /* --udp */
	struct hs_ctl_sock *sock;
	atomic_bool stop; /* set by SIGINT/SIGTERM */
	uint64_t start_ms;
	uint64_t count[HS_CTL_C_MAX];
};

/* ---- ctl_common.c ---- */

/* Monotonic milliseconds: what the engine's now_ms is. */
uint64_t hs_ctl_now_ms(void);

/* "TIME hubsec-control: LEVEL: line" on stderr when level passes --log-level. */
void hs_ctl_log(struct hs_ctl *c, enum hs_ikev2_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The engine's io.log (ctx: struct hs_ctl). */
void hs_ctl_io_log(void *ctx, enum hs_ikev2_log_level level, const char *line);

const char *hs_ctl_log_level_name(enum hs_ikev2_log_level l);
/* Name -> level; -EINVAL when unknown. */
int hs_ctl_log_level_parse(const char *s, enum hs_ikev2_log_level *l);
/* The config's log-level mapped onto the engine's. */
enum hs_ikev2_log_level hs_ctl_log_level_from_config(enum hs_config_log_level l);

const char *hs_ctl_counter_name(enum hs_ctl_counter c);

/* What a UDP payload received on the NAT-T port is (RFC 3948 §2.2, §2.3). */
enum hs_ctl_natt_kind {
	HS_CTL_NATT_IKE,       /* non-ESP marker: the IKE message follows it */
	HS_CTL_NATT_ESP,       /* ESP in UDP: the dataplane's, not ours */
	HS_CTL_NATT_KEEPALIVE, /* one 0xff byte */
	HS_CTL_NATT_MALFORMED, /* too short for any of these */
};
/* Classify; for IKE, *p and *len are moved past the marker. */
enum hs_ctl_natt_kind hs_ctl_natt_strip(const uint8_t **p, size_t *len);

/*
 * A UDP payload for us on path (natt: received on the NAT-T port, marker
 * still on): counted, stripped, handed to the engine or dropped. The buffer
 * is borrowed for the call.
 */
void hs_ctl_input(struct hs_ctl *c, const struct hs_ike_path *path, bool natt, const uint8_t *p,
	size_t len, uint64_t now);

/* The first address of an outside interface of the config in family; NULL when none. */
const struct hs_addr *hs_ctl_outside_addr(const struct hs_config *cfg, int family);

/*
 * One line of the command socket: our own "show control counters [json]",
 * the rest to hs_ikev2_command(). Returns the protocol's rc (0, 1, 2).
 */
int hs_ctl_command(struct hs_ctl *c, const char *line, FILE *out, uint64_t now);

/* ---- ip_udp.c ---- */

/* What a punted packet is. */
enum hs_ctl_pkt_kind {
	HS_CTL_PKT_IKE,	      /* UDP to port 500 */
	HS_CTL_PKT_NATT,      /* UDP to port 4500 (marker still on) */
	HS_CTL_PKT_OTHER_UDP, /* UDP to another port (the registry's answers) */
	HS_CTL_PKT_NOT_UDP,
	HS_CTL_PKT_FRAGMENT, /* IPv4 or IPv6 fragment: no reassembly here */
	HS_CTL_PKT_CKSUM,    /* bad IPv4 header or UDP checksum */
	HS_CTL_PKT_MALFORMED,
};

/*
 * Parse an IPv4 or IPv6 packet of len bytes at p (len may include link
 * padding after the IP datagram). For UDP: *path (remote = IP source and
 * source port, local = destination) and the UDP payload, pointing into p.
 */
enum hs_ctl_pkt_kind hs_ctl_ip_udp_parse(const uint8_t *p, uint32_t len, struct hs_ike_path *path,
	const uint8_t **payload, size_t *payload_len);

/* ---- transport_dpdk.c ---- */

/*
 * Attach to the dataplane with this EAL argv (argv[0] the program): EAL
 * as a secondary process, the rings and pools of lib/msg.h. Sets c->dpdk
 * and the io's send and sa. 0, or an exit status with the reason printed.
 */
int hs_ctl_dpdk_open(struct hs_ctl *c, int argc, char **argv);
/* Rings -> engine; the number of things done (0: idle). */
unsigned int hs_ctl_dpdk_poll(struct hs_ctl *c, uint64_t now);
/* false once the dataplane (the DPDK primary) has exited. */
bool hs_ctl_dpdk_alive(struct hs_ctl *c);
/* EAL's runtime directory (where the dataplane's relay looks for our socket). */
const char *hs_ctl_dpdk_runtime_dir(void);

/* resync.c: hand the IKEv2 SAs the dataplane kept over our restart to the engine. */
void hs_ctl_resync(struct hs_ctl *c, uint64_t now);
/* Detaches (what is queued to us stays for a restarted hubsec-control), rte_eal_cleanup(). */
void hs_ctl_dpdk_close(struct hs_ctl *c);

/* ---- transport_udp.c ---- */

/* Sockets per opts (listen, ports). Sets c->udp, io.send and io.sa. 0 or -errno (logged). */
int hs_ctl_udp_open(struct hs_ctl *c);
/* The sockets to poll for POLLIN; how many were added (at most max). */
unsigned int hs_ctl_udp_pollfds(struct hs_ctl *c, struct pollfd *pfd, unsigned int max);
/* Read what is there on the sockets marked readable in pfd (as filled above). */
unsigned int hs_ctl_udp_poll(struct hs_ctl *c, const struct pollfd *pfd, uint64_t now);
void hs_ctl_udp_close(struct hs_ctl *c);

/* ---- ctl_sock.c ---- */

/*
 * Listen on path (mode 0600). Refuses (-EADDRINUSE) when another process
 * answers on it; a stale socket file is replaced. Sets c->sock.
 */
int hs_ctl_sock_open(struct hs_ctl *c, const char *path);
/* The listening and client sockets with the events they wait for. */
unsigned int hs_ctl_sock_pollfds(struct hs_ctl *c, struct pollfd *pfd, unsigned int max);
/* Accept, read lines, run them, write answers; never blocks. Work done. */
unsigned int hs_ctl_sock_poll(struct hs_ctl *c, uint64_t now);
/* Closes every connection, unlinks the socket. */
void hs_ctl_sock_close(struct hs_ctl *c);

#endif /* HS_CTL_H */
