/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IKEv2 engine of hubsec-control (RFC 7296): IKE SAs and their child
 * SAs, the exchanges as tasks, timers, and the SA messages for the
 * dataplane. DPDK-free and single-threaded: hubsec-control's loop (and the
 * exchange tests, which drive two engines back to back) call it with the
 * packets, acquires and lifetime events they receive and the current time;
 * it answers through the transport's ops. Nothing here blocks.
 *
 * The transport (struct hs_ikev2_io) is what differs between running beside
 * a dataplane (punt/inject rings, SA ring) and running on kernel UDP
 * sockets (labs, tests): the engine only sends IKE messages on a path and
 * hands SA messages over.
 */
#ifndef HS_IKEV2_H
#define HS_IKEV2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"
#include "ike_const.h" /* HS_IKE_PORT, HS_IKE_NATT_PORT (after NAT detection, RFC 7296 §2.23) */
#include "msg.h"

/* Where an IKE message came from or goes to (ports in host order). */
struct hs_ike_path {
	struct hs_addr local;
	struct hs_addr remote;
	uint16_t lport;
	uint16_t rport;
};

#define HS_IKEV2_LOG_LEVELS(X)                                                                     \
	X(HS_IKEV2_LOG_ERR, "error")                                                               \
	X(HS_IKEV2_LOG_WARNING, "warning")                                                         \
	X(HS_IKEV2_LOG_NOTICE, "notice")                                                           \
	X(HS_IKEV2_LOG_INFO, "info")                                                               \
	X(HS_IKEV2_LOG_DEBUG, "debug")
enum hs_ikev2_log_level { HS_IKEV2_LOG_LEVELS(HS_ENUM_ITEM) HS_IKEV2_LOG_MAX };

const char *hs_ikev2_log_level_name(enum hs_ikev2_log_level l);

/*
 * The transport, given by the process. ctx is passed back unchanged.
 *   send: one IKE message, as encoded (the transport adds the 4-byte
 *     non-ESP marker on port 4500, RFC 3948 §2.2, and the IP/UDP headers).
 *     The buffer is the engine's; copy it. 0, or -errno (the engine counts
 *     the failure and relies on retransmission). A message of one byte
 *     0xff is a NAT keepalive (RFC 3948 §2.3): sent as is, without the
 *     marker, on the path's ports (4500).
 *   sa: an SA message for the dataplane (add, replace, delete), msg->hdr.id
 *     set by the engine; the result comes back later through
 *     hs_ikev2_sa_result() with that id. The message holds keys: the
 *     transport copies it and wipes its copy once sent; the engine wipes
 *     its own. 0, or -errno when it could not be queued (-ENOTCONN: no
 *     dataplane; the child SA is then negotiated but not installed, and the
 *     show commands say so).
 *   log: one finished line, without a newline, never containing a secret.
 */
struct hs_ikev2_io {
	void *ctx;
	int (*send)(void *ctx, const struct hs_ike_path *path, const uint8_t *msg, size_t len);
	int (*sa)(void *ctx, const struct hs_msg_sa *msg);
	void (*log)(void *ctx, enum hs_ikev2_log_level level, const char *line);
};

/* Knobs; zero picks the default in brackets. */
struct hs_ikev2_opts {
	uint32_t retransmit_ms;	      /* first retransmission timeout [500], doubled each time */
	uint32_t retransmit_tries;    /* transmissions before giving up [6] */
	uint32_t dpd_sec;	      /* liveness check after this long without a message [30] */
	uint32_t half_open_cookie;    /* half-open IKE SAs beyond which COOKIEs are asked [100] */
	uint32_t half_open_max;	      /* refuse new IKE SAs beyond this many half-open [5000] */
	uint32_t half_open_peer_max;  /* ... from one peer address [32] */
	uint32_t natt_keepalive_sec;  /* NAT keepalive when behind a NAT [20] */
	uint32_t rekey_margin_pct;    /* rekey this % before the hard lifetime [10] */
	/*
	 * IKE fragmentation (RFC 7383): a protected message whose IP datagram
	 * would be larger than this many bytes (IP and UDP headers and the
	 * NAT-T marker included) goes as fragments, when both ends announced
	 * support; 576..65535 [1280, strongSwan's default]. HS_IKEV2_FRAGMENT_OFF:
	 * support neither announced nor used.
	 */
	uint32_t fragment_size;
	enum hs_ikev2_log_level log_level; /* [info] */
};

#define HS_IKEV2_FRAGMENT_MIN 576
#define HS_IKEV2_FRAGMENT_DEFAULT 1280
#define HS_IKEV2_FRAGMENT_OFF UINT32_MAX

struct hs_config;
struct hs_ikev2;

/*
 * A new engine for this configuration (borrowed: it must outlive the
 * engine). NULL with errno set on failure (EINVAL: a knob out of range).
 */
struct hs_ikev2 *hs_ikev2_new(const struct hs_config *cfg, const struct hs_ikev2_io *io,
	const struct hs_ikev2_opts *opts);

/* Deletes every IKE SA silently (no messages), wipes keys, frees. NULL is fine. */
void hs_ikev2_free(struct hs_ikev2 *e);

/*
 * A received IKE message (UDP payload without the non-ESP marker) on path.
 * The buffer is borrowed for the call. Malformed or unexpected messages are
 * counted and dropped (or answered with an error notify where RFC 7296 says
 * so); never a crash.
 */
void hs_ikev2_input(struct hs_ikev2 *e, const struct hs_ike_path *path, const uint8_t *msg,
	size_t len, uint64_t now_ms);

/* An acquire from the dataplane: start (or join) the negotiation for that policy. */
void hs_ikev2_acquire(struct hs_ikev2 *e, const struct hs_msg_acquire *a, uint64_t now_ms);

/* A lifetime/deletion event about an installed SA (soft limit: rekey; hard/deleted: delete). */
void hs_ikev2_event(struct hs_ikev2 *e, const struct hs_msg_event *ev, uint64_t now_ms);

/* The dataplane's answer to the SA message with id (result 0 or -errno, error text). */
void hs_ikev2_sa_result(struct hs_ikev2 *e, uint64_t id, int result, const char *error,
	uint64_t now_ms);

/* Timers: retransmissions, DPD, rekeys, half-open expiry, keepalives. Call often (>= 10/s). */
void hs_ikev2_tick(struct hs_ikev2 *e, uint64_t now_ms);

/* Milliseconds until the next timer is due (for the caller's sleep); at most 1000. */
uint32_t hs_ikev2_next_timer_ms(const struct hs_ikev2 *e, uint64_t now_ms);

/*
 * Bring up the crypto map entries marked "initiate", and, after a restart,
 * the tunnels the dataplane still has (hubsec-control passes what it found).
 */
void hs_ikev2_start(struct hs_ikev2 *e, uint64_t now_ms);

/*
 * After a restart of hubsec-control: SAs of IKEv2 origin that the dataplane
 * kept (read from its "show crypto ipsec sa brief"). They are not torn
 * down: an IKE SA is negotiated again with each peer (without
 * INITIAL_CONTACT, so the peer keeps its old SAs meanwhile), each new
 * child SA replaces the kept outbound SA of its crypto map line in one
 * store, and the kept SAs are deleted from the dataplane a grace period
 * later. Kept SAs whose peer does not answer stay until their lifetime ends.
 */
struct hs_ikev2_kept {
	char map[HS_MSG_NAME_MAX];
	uint32_t seq;
	uint32_t acl_line;
	struct hs_addr peer;
	uint32_t spi;
	uint8_t dir; /* enum hs_sa_dir */
};
void hs_ikev2_resync(struct hs_ikev2 *e, const struct hs_ikev2_kept *k, unsigned int n,
	uint64_t now_ms);

/*
 * Initiate towards the entry map/seq now (console, tests). 0, -ENOENT (no
 * such IKEv2 entry) or -EALREADY (an IKE SA with that peer is up or being
 * set up: its children are requested on it).
 */
int hs_ikev2_initiate(struct hs_ikev2 *e, const char *map, uint32_t seq, uint64_t now_ms);

/*
 * One command line of hubsec-control's socket protocol, output to out:
 *   show crypto isakmp sa [detail] [json]
 *   clear crypto isakmp sa [peer ADDR]
 *   show vpn status [json]
 *   ike-sa-up ADDR          (rc 0: an IKE SA with ADDR is established)
 *   initiate MAP SEQ
 *   rekey ike-sa PEER | rekey child-sa SPI   (now, as the timers would)
 *   show ikev2 counters [json]
 * Returns the rc of the protocol: 0 done, 1 failed, 2 usage.
 */
int hs_ikev2_command(struct hs_ikev2 *e, const char *line, FILE *out, uint64_t now_ms);

/* Counters of the engine, summed in "show ikev2 counters". */
#define HS_IKEV2_COUNTERS(X)                                                                       \
	X(HS_IKEV2_C_RX, "rx-messages")                                                            \
	X(HS_IKEV2_C_RX_MALFORMED, "rx-malformed")       /* the codec refused it */               \
	X(HS_IKEV2_C_RX_NO_SA, "rx-no-sa")               /* unknown SPIs */                       \
	X(HS_IKEV2_C_RX_BAD_ICV, "rx-bad-icv")           /* SK integrity check failed */          \
	X(HS_IKEV2_C_RX_UNEXPECTED, "rx-unexpected")     /* wrong state or message id */          \
	X(HS_IKEV2_C_RX_RETRANSMIT, "rx-retransmits")    /* request answered from the cache */    \
	X(HS_IKEV2_C_TX, "tx-messages")                                                            \
	X(HS_IKEV2_C_TX_FAILED, "tx-failed")                                                       \
	X(HS_IKEV2_C_TX_RETRANSMIT, "tx-retransmits")                                              \
	X(HS_IKEV2_C_COOKIES, "cookies-sent")                                                      \
	X(HS_IKEV2_C_HALF_OPEN_REFUSED, "half-open-refused")                                       \
	X(HS_IKEV2_C_IKE_UP, "ike-sa-established")                                                 \
	X(HS_IKEV2_C_IKE_FAILED, "ike-sa-failed")                                                  \
	X(HS_IKEV2_C_IKE_REKEYED, "ike-sa-rekeyed")                                                \
	X(HS_IKEV2_C_CHILD_UP, "child-sa-established")                                             \
	X(HS_IKEV2_C_CHILD_REKEYED, "child-sa-rekeyed")                                            \
	X(HS_IKEV2_C_CHILD_FAILED, "child-sa-failed")                                              \
	X(HS_IKEV2_C_SA_MSG_FAILED, "sa-install-failed")                                           \
	X(HS_IKEV2_C_DPD_DEAD, "dpd-dead-peers")                                                   \
	X(HS_IKEV2_C_RX_FRAGMENTS, "rx-fragments")       /* SKF (RFC 7383) for an IKE SA */        \
	X(HS_IKEV2_C_RX_REASSEMBLED, "rx-reassembled")   /* messages made whole */                 \
	X(HS_IKEV2_C_RX_FRAGMENT_DROPPED, "rx-fragment-dropped") /* not kept (fragment.c) */       \
	X(HS_IKEV2_C_TX_FRAGMENTS, "tx-fragments")       /* SKF sent, resends too */        \
	X(HS_IKEV2_C_STATE_REFUSED, "state-change-refused") /* not in the table: a bug */
enum hs_ikev2_counter { HS_IKEV2_COUNTERS(HS_ENUM_ITEM) HS_IKEV2_C_MAX };

const char *hs_ikev2_counter_name(enum hs_ikev2_counter c);
uint64_t hs_ikev2_counter(const struct hs_ikev2 *e, enum hs_ikev2_counter c);

#endif /* HS_IKEV2_H */
