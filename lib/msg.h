/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Messages between hubsec-dataplane and the control process, carried as
 * pointers through named rte_rings in shared hugepage memory; the message
 * objects come from one named mempool. Every message starts with a header
 * whose version both sides check: a mismatch is refused, never guessed.
 *
 * Rings (all created by the dataplane, attached by a secondary process):
 *   HS_RING_SA       control -> dataplane  struct hs_msg_sa   (add/delete/replace)
 *   HS_RING_ACK      dataplane -> control  struct hs_msg_ack  (result of each SA message)
 *   HS_RING_ACQUIRE  dataplane -> control  struct hs_msg_acquire
 *   HS_RING_EVENT    dataplane -> control  struct hs_msg_event (lifetimes, expiry)
 *   HS_RING_PUNT     dataplane -> control  struct rte_mbuf * (IKE, registry packets)
 *   HS_RING_INJECT   control -> dataplane  struct rte_mbuf * (IP packets to send)
 * Keys travel in hs_msg_sa; the dataplane wipes them before the message
 * goes back to the pool.
 */
#ifndef HS_MSG_H
#define HS_MSG_H

#include "addr.h"
#include "hs_common.h"
#include "sa.h"

#define HS_MSG_VERSION 2

#define HS_RING_SA "hs_sa"
#define HS_RING_ACK "hs_ack"
#define HS_RING_ACQUIRE "hs_acquire"
#define HS_RING_EVENT "hs_event"
#define HS_RING_PUNT "hs_punt"
#define HS_RING_INJECT "hs_inject"
#define HS_MSG_POOL "hs_msg_pool"
#define HS_RING_SIZE 1024
#define HS_MSG_POOL_SIZE 4095

/*
 * Message ids with this bit set are the dataplane's own (static SAs from the
 * config, hs_rings_install_static): no ack is sent for them, the result is
 * logged. Senders on the control side keep it clear.
 */
#define HS_MSG_ID_LOCAL (UINT64_C(1) << 63)

#define HS_MSG_TYPES(X)                                                                            \
	X(HS_MSG_SA_ADD, "sa-add")         /* new SA pair for a policy */                          \
	X(HS_MSG_SA_DEL, "sa-del")         /* delete by SPI (either direction) */                 \
	X(HS_MSG_SA_REPLACE, "sa-replace") /* rekey: new pair; old inbound kept until deleted */ \
	X(HS_MSG_SA_FLUSH, "sa-flush")     /* delete every SA (clear crypto sa) */               \
	X(HS_MSG_ACK, "ack")                                                                       \
	X(HS_MSG_ACQUIRE, "acquire")                                                               \
	X(HS_MSG_EVENT, "event")
enum hs_msg_type { HS_MSG_TYPES(HS_ENUM_ITEM) HS_MSG_TYPE_MAX };

struct hs_msg_hdr {
	uint16_t version; /* HS_MSG_VERSION */
	uint16_t type;	  /* enum hs_msg_type */
	uint32_t len;	  /* sizeof the whole message */
	uint64_t id;	  /* chosen by the sender; echoed in the ack */
};

#define HS_MSG_TS_MAX 8
#define HS_MSG_NAME_MAX 64

/* A traffic selector, from the dataplane's point of view (local -> remote). */
struct hs_msg_ts {
	struct hs_prefix local;
	struct hs_prefix remote;
	uint8_t proto; /* 0: any */
	uint16_t lport_lo, lport_hi;
	uint16_t rport_lo, rport_hi;
};

/* Where an SA came from: the console's in-use settings and session status. */
#define HS_SA_ORIGINS(X)                                                                           \
	X(HS_SA_ORIGIN_MANUAL, "manual") /* pushed by hand (hubsec-sactl): no IKE SA */          \
	X(HS_SA_ORIGIN_STATIC, "static") /* the config's static-sas: no IKE SA */                \
	X(HS_SA_ORIGIN_IKEV1, "IKEv1")                                                             \
	X(HS_SA_ORIGIN_IKEV2, "IKEv2")
enum hs_sa_origin { HS_SA_ORIGINS(HS_ENUM_ITEM) HS_SA_ORIGIN_MAX };
const char *hs_sa_origin_name(enum hs_sa_origin o);

/*
 * SA pair for one crypto-map entry. acl_line 0 means the SA covers every
 * permit line of the entry (IKEv2, one child SA for all subnets); n >= 1 is
 * one line (IKEv1 semantics). The selectors are what was negotiated and
 * bound the inbound check (RFC 4301 §5.2); they may be narrower than the ACL.
 */
struct hs_msg_sa {
	struct hs_msg_hdr hdr;
	char map[HS_MSG_NAME_MAX];
	uint32_t seq;
	uint32_t acl_line;
	struct hs_addr peer;
	struct hs_msg_ts ts[HS_MSG_TS_MAX];
	uint8_t n_ts;
	bool has_in, has_out;
	struct hs_sa_params in;
	struct hs_sa_params out;
	uint32_t lifetime_soft_sec; /* 0: none */
	uint32_t lifetime_hard_sec;
	uint32_t del_spi;	    /* HS_MSG_SA_DEL: the SPI; REPLACE: old outbound SPI */
	uint8_t del_dir;	    /* HS_MSG_SA_DEL: enum hs_sa_dir */
	uint8_t origin;		    /* enum hs_sa_origin */
	uint16_t pfs_group;	    /* DH group of the child SA's own exchange; 0: none */
	uint64_t ike_sa_id;	    /* the control process's IKE SA (0: none): sessions */
};

struct hs_msg_ack {
	struct hs_msg_hdr hdr;
	uint64_t req_id;
	int32_t result; /* 0 or -errno */
	char error[128];
};

struct hs_msg_acquire {
	struct hs_msg_hdr hdr;
	char map[HS_MSG_NAME_MAX];
	uint32_t seq;
	uint32_t acl_line;
	uint32_t policy; /* dataplane's policy index */
	struct hs_addr peer;
	struct hs_addr src, dst; /* of the packet that triggered it */
	uint8_t proto;
	uint16_t sport, dport;
};

struct hs_msg_event {
	struct hs_msg_hdr hdr;
	uint32_t spi;
	uint8_t dir;  /* enum hs_sa_dir */
	uint8_t kind; /* enum hs_sa_event_kind */
	uint64_t packets, bytes;
};

/* Every message object in the pool is this big. */
union hs_msg_any {
	struct hs_msg_hdr hdr;
	struct hs_msg_sa sa;
	struct hs_msg_ack ack;
	struct hs_msg_acquire acquire;
	struct hs_msg_event event;
};

/* Counters of the rings, kept by the dataplane (struct hs_rings.count). */
#define HS_RINGS_COUNTERS(X)                                                                       \
	X(HS_RC_SA_MSGS, "sa-messages")       /* SA messages applied or refused */                \
	X(HS_RC_SA_REFUSED, "sa-refused")     /* ... of which refused */                          \
	X(HS_RC_ACK_LOST, "ack-lost")         /* ack ring full: answer dropped */                 \
	X(HS_RC_ACQUIRES, "acquires")         /* acquire messages sent */                         \
	X(HS_RC_ACQUIRE_LOST, "acquire-lost") /* pool empty or ring full */                       \
	X(HS_RC_EVENTS, "events")             /* lifetime events sent */                          \
	X(HS_RC_EVENT_LOST, "event-lost")     /* pool empty or ring full */                       \
	X(HS_RC_HELD, "held")                 /* packets queued until their SA is up */           \
	X(HS_RC_RELEASED, "released")         /* held packets handed to the SA's owner */         \
	X(HS_RC_HOLD_DROPS, "hold-drops")     /* held packets dropped (full, 5 s, no owner) */    \
	X(HS_RC_PUNTED, "punted")             /* packets to the control process */                \
	X(HS_RC_INJECTED, "injected")         /* packets from the control process, sent */        \
	X(HS_RC_INJECT_DROPS, "inject-drops") /* ... not sent (malformed, no route) */
enum hs_rings_counter { HS_RINGS_COUNTERS(HS_ENUM_ITEM) HS_RC_MAX };

struct rte_ring;
struct rte_mempool;
struct hs_hold;

/*
 * The rings and the message pool as one process sees them: the dataplane
 * creates them (dataplane/rings.c), a secondary process looks them up by
 * name and fills only the first seven pointers.
 */
struct hs_rings {
	struct rte_ring *sa;
	struct rte_ring *ack;
	struct rte_ring *acquire;
	struct rte_ring *event;
	struct rte_ring *punt;
	struct rte_ring *inject;
	struct rte_mempool *msg_pool;
	/* Dataplane only. */
	struct rte_ring *held; /* workers -> main lcore: packets waiting for an SA */
	struct hs_hold *hold;  /* main lcore's hold queues, per-policy acquire times */
	_Atomic uint64_t count[HS_RC_MAX];
};

/* Fill a header. */
void hs_msg_init(struct hs_msg_hdr *h, enum hs_msg_type type, uint32_t len, uint64_t id);

/*
 * Check a received message: version, type in range, length matching the
 * type. Returns 0 or -EPROTO with a reason in *why.
 */
int hs_msg_validate(const struct hs_msg_hdr *h, const char **why);

const char *hs_msg_type_name(enum hs_msg_type t);
const char *hs_rings_counter_name(enum hs_rings_counter c);

struct hs_config;
struct hs_config_static_sa;

/*
 * Build the SA message (HS_MSG_SA_ADD or HS_MSG_SA_REPLACE) of a static SA
 * of the config: map, seq, ACL line, peer, one selector (local = the line's
 * source, remote = its destination) and both directions' parameters. The
 * message holds keys: the caller wipes it (explicit_bzero) when done.
 * Returns 0, or -EINVAL (message wiped) when the entry is incomplete.
 */
int hs_msg_sa_from_static(const struct hs_config *cfg, const struct hs_config_static_sa *s,
	enum hs_msg_type type, uint64_t id, struct hs_msg_sa *msg);

#endif /* HS_MSG_H */
