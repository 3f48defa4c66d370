/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside the IKEv2 engine. Files, one job each:
 *   engine.c      the engine object, dispatch of received messages, counters
 *   ike_sa.c      IKE SAs: table by SPI, state setter, lifecycle
 *   child_sa.c    child SAs: state setter, SA messages to the dataplane
 *   transmit.c    requests/responses on the wire: SK protection, the window
 *                 of one, retransmission, the cached response
 *   fragment.c    IKE fragmentation (RFC 7383): SKF sending and reassembly
 *   proposal.c    proposals from the config and the choice among a peer's
 *   selectors.c   traffic selectors from ACL lines, narrowing (RFC 7296 §2.9)
 *   auth.c        IDs and the AUTH payload (PSK)
 *   task_init.c   IKE_SA_INIT (both roles, COOKIE, INVALID_KE_PAYLOAD, NAT-D)
 *   task_auth.c   IKE_AUTH and the first child SA
 *   task_child.c  CREATE_CHILD_SA: new child, child rekey
 *   task_rekey.c  CREATE_CHILD_SA: IKE SA rekey
 *   task_info.c   INFORMATIONAL: delete, liveness (DPD)
 *   timers.c      retransmit, DPD, rekey, expiry, keepalive policy
 *   show.c        the control socket's commands
 */
#ifndef HS_IKEV2_PRIV_H
#define HS_IKEV2_PRIV_H

#include <stdarg.h>
#include <string.h>

#include "config.h"
#include "ike_crypto.h"
#include "ike_msg.h"
#include "ikev2.h"

#define IKE_NONCE_LEN 32	  /* ours: at least half the PRF key size (§2.10) */
#define IKE_HASH_BUCKETS 4096	  /* IKE SA table, by our SPI */
#define IKE_TS_MAX 8		  /* selectors per side of a child SA */
#define IKE_COOKIE_MAX 64
#define IKE_ID_MAX 1024	  /* ID data: a DER DN fits */
#define IKE_AUTH_MAX 1024	  /* AUTH data: RFC 7427 AlgorithmIdentifier + RSA-4096 */
#define IKE_BUF_MAX 16384	  /* a message we build (room for certificates) */
#define IKE_OUT_MAX (2 * IKE_BUF_MAX) /* it sealed: whole, or as up to IKE_FRAG_MAX fragments */
#define IKE_FRAG_MAX 64		  /* fragments of one message, received or sent (RFC 7383) */
#define IKE_FRAG_BYTES_MAX 65536  /* plaintext of one message reassembled from them */
#define IKE_FRAG_UNAUTH_MAX 16384 /* the same before IKE_AUTH is done: certificates fit */
#define IKE_FRAG_RX_MS 30000	  /* a message still missing fragments is dropped after this */
#define IKE_HALF_OPEN_MS 30000	  /* an unfinished IKE SA is dropped after this */
#define IKE_DELETE_WAIT_MS 5000	  /* keep a rekeyed-away SA this long for stragglers */

/* IKE SA states (strongSwan's names, which operators know). */
#define IKE_STATES(X)                                                                              \
	X(IKE_CREATED, "CREATED")                                                                  \
	X(IKE_CONNECTING, "CONNECTING")   /* IKE_SA_INIT / IKE_AUTH in progress */                \
	X(IKE_ESTABLISHED, "ESTABLISHED")                                                          \
	X(IKE_REKEYING, "REKEYING")       /* our IKE SA rekey in progress */                      \
	X(IKE_REKEYED, "REKEYED")         /* replaced by a new IKE SA, being deleted */           \
	X(IKE_DELETING, "DELETING")                                                                \
	X(IKE_DESTROYING, "DESTROYING")
enum ike_state { IKE_STATES(HS_ENUM_ITEM) IKE_STATE_MAX };

#define CHILD_STATES(X)                                                                            \
	X(CHILD_CREATED, "CREATED")                                                                \
	X(CHILD_INSTALLING, "INSTALLING") /* SA message sent, waiting for the ack */              \
	X(CHILD_INSTALLED, "INSTALLED")                                                            \
	X(CHILD_REKEYING, "REKEYING")                                                              \
	X(CHILD_REKEYED, "REKEYED")       /* replaced; inbound kept until deleted */              \
	X(CHILD_DELETING, "DELETING")                                                              \
	X(CHILD_DESTROYING, "DESTROYING")
enum child_state { CHILD_STATES(HS_ENUM_ITEM) CHILD_STATE_MAX };

/* Negotiated selectors of one side: ranges as on the wire. */
struct ts_list {
	unsigned int n;
	struct hs_ike_ts ts[IKE_TS_MAX];
};

/* What a child SA is for: a crypto map entry, one ACL line of it or all (0). */
struct child_cfg {
	const struct hs_config_crypto_map *map;
	const struct hs_config_crypto_entry *entry;
	uint32_t acl_line;
};

struct ike_sa;
struct frag_rx; /* fragment.c */

struct child_sa {
	struct child_sa *next;
	struct ike_sa *ike;
	enum child_state state;
	uint32_t uid; /* per engine, for logs */
	struct child_cfg cfg;
	uint32_t spi_in, spi_out; /* host order */
	struct hs_ike_suite esp;
	bool esn;
	uint16_t pfs_group;
	bool initiator; /* we initiated the exchange that created it (key order) */
	struct ts_list ts_local, ts_remote;
	uint64_t install_id;	/* SA message id awaiting its ack; 0: none */
	bool installed;		/* the dataplane has it */
	uint32_t rekeyed_from;	/* spi_in of the child it replaced; 0: none */
	uint64_t created_ms;
	uint64_t rekey_ms;	/* soft expiry: rekey */
	uint64_t expire_ms;	/* hard expiry */
	uint64_t delete_ms;	/* REKEYED: deleted then at the latest */
	/*
	 * Responder of a child rekey: the outbound half, installed (REPLACE of
	 * the old outbound SA) only once the initiator deletes the old pair --
	 * before that the initiator's dataplane may not have the new inbound SA
	 * yet. Holds keys: wiped when sent or dropped.
	 */
	struct hs_msg_sa *pending_out;
	uint64_t out_install_id; /* its SA message's id awaiting the ack; 0: none */
	bool out_installed;	 /* its outbound SA went to the dataplane and was not replaced */
	/*
	 * Made answering the peer's rekey of another child: the lower nonce of
	 * that exchange, which decides a collision with our own rekey of the
	 * same child (RFC 7296 §2.8.1). NULL otherwise.
	 */
	uint8_t *rekey_nonce;
	uint16_t rekey_nonce_len;
};

/* Where a new child's outbound SA goes when it is installed (child_sa_install). */
enum child_out {
	CHILD_OUT_NOW,	/* into the dataplane with the inbound SA */
	CHILD_OUT_HELD, /* rekey responder: held back (pending_out) until the old pair goes */
	CHILD_OUT_NONE, /* redundant after a rekey collision (§2.8.1): inbound SA only */
};

/* An exchange we initiate (RFC 7296: window of one). */
#define TASK_KINDS(X)                                                                              \
	X(TASK_INIT, "IKE_SA_INIT")                                                                \
	X(TASK_AUTH, "IKE_AUTH")                                                                   \
	X(TASK_CHILD, "CREATE_CHILD_SA")                                                           \
	X(TASK_CHILD_REKEY, "CREATE_CHILD_SA(rekey child)")                                        \
	X(TASK_IKE_REKEY, "CREATE_CHILD_SA(rekey IKE)")                                            \
	X(TASK_DELETE_CHILD, "INFORMATIONAL(delete child)")                                        \
	X(TASK_DELETE_IKE, "INFORMATIONAL(delete IKE)")                                            \
	X(TASK_DPD, "INFORMATIONAL(liveness)")
enum task_kind { TASK_KINDS(HS_ENUM_ITEM) TASK_KIND_MAX };

struct task;

/*
 * The initiator side of an exchange (STYLE.md: tasks). build fills the
 * request's payloads (the engine encrypts and sends it); process handles the
 * response: 0 done, -EAGAIN sent again (task kept: COOKIE, INVALID_KE), or
 * -errno failed (the caller decides what fails with it). destroy frees what
 * the task holds (keys wiped).
 */
struct task_ops {
	enum hs_ike_exchange exchange;
	int (*build)(struct ike_sa *sa, struct task *t, struct hs_ike_msg *req);
	int (*process)(struct ike_sa *sa, struct task *t, const struct hs_ike_msg *resp);
	void (*destroy)(struct task *t);
};

struct task {
	struct task *next;
	struct hs_ikev2 *e;
	enum task_kind kind;
	const struct task_ops *ops;
	struct child_cfg child;		/* TASK_CHILD, TASK_AUTH: what to request */
	struct child_sa *target;	/* TASK_CHILD_REKEY, TASK_DELETE_CHILD */
	struct child_sa *created;	/* the new child, until installed */
	struct ike_sa *new_ike;		/* TASK_IKE_REKEY */
	struct hs_ike_dh_key *dh;	/* CREATE_CHILD_SA with PFS / IKE rekey */
	uint16_t dh_group;
	uint8_t nonce[IKE_NONCE_LEN];
	uint8_t rekey_spi[4];		/* N(REKEY_SA) data: the old child's inbound SPI */
	uint32_t spi;			/* our proposed ESP SPI */
	uint64_t new_spi;		/* our proposed IKE SPI (IKE rekey) */
	unsigned int retries;		/* INVALID_KE / COOKIE restarts */
};

struct ike_sa {
	struct ike_sa *next, *prev; /* engine list */
	struct ike_sa *hnext;	    /* bucket chain by our SPI */
	struct ike_sa *inext;	    /* responder SAs: chain by the initiator's SPI */
	struct hs_ikev2 *e;
	uint64_t uid; /* "IKE SA 3" in logs; hs_msg_sa.ike_sa_id */
	enum ike_state state;
	bool initiator; /* the IKE SA's original initiator (SK_ei/SK_ai are ours) */
	bool authenticated;
	uint64_t spi_i, spi_r;
	struct hs_ike_path path;
	/* What the peer is to us: the crypto map entry we initiated for, or matched. */
	const struct hs_config_crypto_map *map;
	const struct hs_config_crypto_entry *entry;
	/* Negotiation of IKE_SA_INIT. */
	const struct hs_config_ike_policy *policy; /* the one agreed: lifetime, our auth */
	uint8_t auths;	    /* auth kinds the policies with these algorithms allow: bit per kind */
	bool sign_cert;	    /* we authenticate with our certificate (else our PSK) */
	uint8_t sig_hashes; /* RFC 7427 hashes the peer accepts: bit n for hash n */
	struct hs_ike_suite suite;
	uint16_t dh_group;
	struct hs_ike_dh_key *dh;
	uint8_t ni[HS_IKE_NONCE_MAX], nr[HS_IKE_NONCE_MAX];
	uint16_t ni_len, nr_len;
	uint8_t *init_req, *init_resp; /* whole IKE_SA_INIT messages: AUTH octets */
	size_t init_req_len, init_resp_len;
	uint8_t cookie[IKE_COOKIE_MAX]; /* initiator: the responder asked for it */
	uint8_t cookie_len;
	uint8_t natd[2][20]; /* NAT-D hashes of the message being built */
	bool keyed;
	bool resync; /* negotiated to replace kept SAs: no INITIAL_CONTACT */
	struct hs_ike_keys keys;
	struct hs_ike_sk sk_out, sk_in;
	/*
	 * RFC 7383: both ends announced IKEV2_FRAGMENTATION_SUPPORTED in
	 * IKE_SA_INIT (kept by a rekey, §2.3), and the peer's request / the
	 * response to ours being reassembled (fragment.c; NULL: none).
	 */
	bool frag;
	struct frag_rx *frag_rx[2];
	/* NAT (RFC 7296 §2.23). */
	bool nat_local, nat_remote, natt;
	/* Message IDs and the windows of one (§2.3). */
	uint32_t tx_next;     /* our next request */
	uint32_t rx_next;     /* the peer's next request */
	struct task *active;  /* request in flight */
	struct task *processing; /* the active task whose response is being processed */
	struct task *queue;   /* waiting to be sent */
	uint8_t *req_buf;     /* the request in flight, for retransmission */
	size_t req_len;
	uint32_t req_id;
	uint32_t req_tries;
	uint64_t req_next_ms;
	uint8_t *resp_buf;    /* our last response, resent on a retransmitted request */
	size_t resp_len;
	uint32_t resp_id;
	bool resp_valid;
	/* Peer identity as authenticated (for show). */
	const char *peer_auth; /* how it authenticated: "PSK", "RSA", "ECDSA" (static) */
	uint8_t peer_id_type;
	char peer_id[128];
	/* Timers. */
	uint64_t created_ms, established_ms, last_rx_ms, last_tx_ms;
	uint64_t rekey_ms, expire_ms, dpd_ms, destroy_ms, keepalive_ms;
	uint32_t lifetime_sec;
	struct child_sa *children;
	/* Set up without INITIAL_CONTACT: when to look for the older SAs it replaces. */
	uint64_t supersede_ms;
	/* IKE rekey: the SA this one replaced / replaces. */
	uint64_t rekeyed_to; /* uid of the new IKE SA */
	/*
	 * §2.8.2: uid of the new IKE SA we made answering the peer's rekey of
	 * this one while our own rekey of it was in flight; which of the two
	 * new SAs survives is decided by the nonces when our answer comes in.
	 */
	uint64_t rekey_collision;
	/*
	 * Made by our rekey of another IKE SA and owned by that task (which
	 * frees it when it fails): never expired as half-open on its own.
	 */
	bool rekey_new;
};

/* An SA the dataplane kept over a restart of ours (hs_ikev2_resync). */
struct kept_sa {
	struct child_cfg cfg;
	struct hs_addr peer;
	uint32_t spi;
	uint8_t dir;
	uint64_t delete_ms; /* 0: not replaced yet */
};

#define IKE_KEPT_GRACE_MS 10000 /* a replaced kept SA is deleted this long after */

struct hs_ikev2 {
	const struct hs_config *cfg;
	struct hs_ikev2_io io;
	struct hs_ikev2_opts o;
	uint64_t counters[HS_IKEV2_C_MAX];
	struct ike_sa *sas;  /* list of all */
	struct ike_sa *reap; /* destroyed during this call, freed at its end */
	unsigned int n_sas, n_half_open;
	struct ike_sa *buckets[IKE_HASH_BUCKETS];
	struct ike_sa *ibuckets[IKE_HASH_BUCKETS]; /* responder SAs by SPIi (§2.1 retransmits) */
	/* Our inbound ESP SPIs in use: open addressing, 0 = free, 1 = deleted. */
	uint32_t *spis;
	uint32_t spis_cap, spis_used;
	uint64_t next_uid;
	uint32_t next_child_uid;
	uint64_t next_msg_id;
	uint64_t now; /* ms, of the call in progress */
	uint8_t cookie_secret[32];
	/* A CREATE_CHILD_SA response's Nr and KE, until it is encoded. */
	uint8_t nonce_r[IKE_NONCE_LEN];
	struct hs_ike_dh_key *dh_r;
	struct kept_sa *kept;
	unsigned int n_kept;
	struct ike_pki *pki; /* certificates (pki.c); NULL without a pki section */
	/* Scratch, single-threaded: the message received and the one being built. */
	struct hs_ike_msg rx, tx;
	uint8_t id_out[4 + IKE_ID_MAX]; /* our ID payload body until encoded */
	uint8_t auth_out[IKE_AUTH_MAX]; /* our AUTH data until encoded */
	uint8_t plain[IKE_FRAG_BYTES_MAX]; /* decrypted inner payloads of rx, or reassembled */
	uint8_t out[IKE_OUT_MAX];
	uint8_t inner[IKE_BUF_MAX];
};

/* Wire-order helpers (SPIs are big-endian on the wire, RFC 7296 §3.1, §3.3.1). */
static inline void
ike_put32(uint32_t v, uint8_t out[4])
{
	out[0] = (uint8_t)(v >> 24), out[1] = (uint8_t)(v >> 16);
	out[2] = (uint8_t)(v >> 8), out[3] = (uint8_t)v;
}

static inline uint32_t
ike_get32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static inline void
ike_put64(uint64_t v, uint8_t out[8])
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		out[i] = (uint8_t)v;
}

static inline uint64_t
ike_get64(const uint8_t *b)
{
	return (uint64_t)ike_get32(b) << 32 | ike_get32(b + 4);
}

/*
 * Rekey collisions (§2.8.1, §2.8.2) compare nonces: "lowest" octet by octet,
 * a prefix of the other nonce being the lower (as strongSwan does).
 */
static inline bool
ike_nonce_lower(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	int r = memcmp(a, b, alen < blen ? alen : blen);

	return r < 0 || (r == 0 && alen < blen);
}

/* The lower of an exchange's two nonces. */
static inline const uint8_t *
ike_nonce_low(const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len, size_t *len)
{
	bool i_low = !ike_nonce_lower(nr, nr_len, ni, ni_len);

	*len = i_low ? ni_len : nr_len;
	return i_low ? ni : nr;
}

/* The first error notify (type below 16384, §3.10.1) of m, or 0. */
static inline uint16_t
ike_error_notify(const struct hs_ike_msg *m)
{
	for (unsigned int i = 0; i < m->n_pl; i++)
		if (m->pl[i].type == HS_IKE_PL_NOTIFY && m->pl[i].u.notify.type <= HS_IKE_N_ERROR_MAX)
			return m->pl[i].u.notify.type;
	return 0;
}

/* engine.c */
int ike_request_child(struct hs_ikev2 *e, const struct child_cfg *cc);
void ike_log(struct hs_ikev2 *e, enum hs_ikev2_log_level lvl, const struct ike_sa *sa,
	const char *fmt, ...) __attribute__((format(printf, 4, 5)));
#define IKE_LOG(sa, lvl, ...) ike_log((sa)->e, HS_IKEV2_LOG_##lvl, (sa), __VA_ARGS__)
static inline void
ike_count(struct hs_ikev2 *e, enum hs_ikev2_counter c)
{
	e->counters[c]++;
}
uint64_t ike_msg_id_next(struct hs_ikev2 *e);
/* Free the IKE SAs destroyed during this call (end of every entry point). */
void ike_reap(struct hs_ikev2 *e);
int ike_random(void *buf, size_t len);

/* ike_sa.c */
const char *ike_state_name(enum ike_state s);
struct ike_sa *ike_sa_new(struct hs_ikev2 *e, bool initiator, const struct hs_ike_path *path);
void ike_sa_set_state(struct ike_sa *sa, enum ike_state to);
struct ike_sa *ike_sa_find(struct hs_ikev2 *e, uint64_t our_spi);
/* An IKE SA in state at least CONNECTING and at most ESTABLISHED with this peer. */
struct ike_sa *ike_sa_find_peer(struct hs_ikev2 *e, const struct hs_addr *peer);
/*
 * The peer of sa (the same authenticated identity from the same address)
 * lost its state: with INITIAL_CONTACT (§2.4) every other IKE SA with it
 * goes, with its child SAs, at once; without it (a restart that keeps the
 * tunnels, as hubsec-control's resync) only the older IKE SAs whose every
 * live child SA has one with the same selectors in sa. Nothing is sent to
 * the peer about them: it no longer has them. Returns how many went.
 */
unsigned int ike_sa_peer_restarted(struct ike_sa *sa, bool initial_contact);
/* hs_ikev2_tick: the supersede checks that are due (sa->supersede_ms). */
void ike_sa_supersede_due(struct hs_ikev2 *e);
/* Rehash after our SPI changed (responder: chosen in IKE_SA_INIT). */
void ike_sa_rehash(struct ike_sa *sa, uint64_t old_spi);
/* A responder SA of this peer with this initiator SPI (a retransmitted IKE_SA_INIT), or NULL. */
struct ike_sa *ike_sa_find_spi_i(struct hs_ikev2 *e, uint64_t spi_i, const struct hs_addr *peer);
/* Our ESP SPIs in use (child_sa.c): add / remove / test. */
int spi_set_add(struct hs_ikev2 *e, uint32_t spi);
void spi_set_del(struct hs_ikev2 *e, uint32_t spi);
bool spi_set_has(const struct hs_ikev2 *e, uint32_t spi);
/* Free now (no messages): children deleted from the dataplane when `delete_children`. */
void ike_sa_destroy(struct ike_sa *sa, bool delete_children);
uint64_t ike_sa_our_spi(const struct ike_sa *sa);
/* A fresh, unused non-zero SPI for us. */
uint64_t ike_sa_new_spi(struct hs_ikev2 *e);
/* Queue an exchange (sent when the window is free). */
struct task *ike_task_new(struct ike_sa *sa, enum task_kind kind);
void ike_task_queue(struct ike_sa *sa, struct task *t, bool front);
void ike_task_free(struct task *t);
/* Send the next queued request when none is in flight. */
void ike_sa_kick(struct ike_sa *sa);
/* The IKE SA failed or is gone: log, count, remove its children, destroy. */
void ike_sa_fail(struct ike_sa *sa, const char *why);
/* Move children and pending tasks from old to new (IKE rekey, §2.18). */
void ike_sa_adopt(struct ike_sa *nsa, struct ike_sa *old);

/* child_sa.c */
const char *child_state_name(enum child_state s);
struct child_sa *child_sa_new(struct ike_sa *sa, const struct child_cfg *cfg, bool initiator);
void child_sa_set_state(struct child_sa *c, enum child_state to);
/*
 * Derive the keys (ike keys, nonces of the creating exchange, PFS secret)
 * and install; the outbound SA as out says, replacing replaces_out_spi (an
 * outbound SA of ours, 0: none) in one store when it goes in.
 */
int child_sa_install(struct child_sa *c, const uint8_t *ni, size_t ni_len, const uint8_t *nr,
	size_t nr_len, const uint8_t *g_ir, size_t g_ir_len, uint32_t replaces_out_spi,
	enum child_out out);
/*
 * Remove from the dataplane (the directions it has there; nothing is sent
 * without tell_dataplane) and free. A rekeyed-away child's successor still
 * holding back its outbound SA (pending_out) installs it first; the child's
 * own held-back one is dropped.
 */
void child_sa_delete(struct child_sa *c, bool tell_dataplane);
/* Whether the dataplane has (or is about to have) the child's SAs: delete them there. */
bool child_sa_in_dataplane(const struct child_sa *c);
void child_sa_unlink(struct child_sa *c);
/*
 * The child made by the peer's rekey (answered by us) of the child whose
 * inbound SPI was old_spi_in, unless already redundant or being deleted.
 */
struct child_sa *child_sa_peer_successor(struct ike_sa *sa, uint32_t old_spi_in);
/*
 * c lost a rekey collision (§2.8.1): outbound traffic never moves to it
 * (a held-back outbound SA is dropped), REKEYED until its creator deletes
 * it, or until the wait for that runs out.
 */
void child_sa_redundant(struct child_sa *c);
struct child_sa *child_sa_by_spi_in(struct ike_sa *sa, uint32_t spi);
struct child_sa *child_sa_by_spi_out(struct ike_sa *sa, uint32_t spi);
/* An ESP SPI of ours (random, non-reserved, unused by this engine). */
uint32_t child_sa_new_spi(struct hs_ikev2 *e);
void child_sa_result(struct hs_ikev2 *e, uint64_t id, int result, const char *error);
/* The kept outbound SPI a new child for cfg/peer replaces (0: none); schedules their deletion. */
uint32_t kept_take(struct hs_ikev2 *e, const struct child_cfg *cfg, const struct hs_addr *peer);
/* Delete the kept SAs whose grace period is over. */
void kept_expire(struct hs_ikev2 *e);
/* Whether an installed/installing child covers this crypto map entry line. */
struct child_sa *child_sa_for_cfg(struct ike_sa *sa, const struct child_cfg *cfg);

/* transmit.c */
/* Start a message of ours: header for sa (request: our next id; response: rx id). */
void ike_msg_start(struct ike_sa *sa, struct hs_ike_msg *m, enum hs_ike_exchange x,
	bool response, uint32_t msg_id);
/* Encrypt (when an SK payload is in m) and encode m into buf; *len. */
int ike_msg_seal(struct ike_sa *sa, struct hs_ike_msg *m, uint8_t *buf, size_t cap, size_t *len);
/* Send the active task's request (built and sealed), remember it for retransmission. */
int ike_send_request(struct ike_sa *sa, struct task *t);
/* Send a response to the request with msg_id and cache it. */
int ike_send_response(struct ike_sa *sa, struct hs_ike_msg *m);
/* Send bytes on the SA's path (no caching). */
int ike_send_raw(struct hs_ikev2 *e, const struct hs_ike_path *path, const uint8_t *buf,
	size_t len);
/*
 * Check and decrypt an SK payload of e->rx into e->plain, or take an SKF
 * fragment (-EINPROGRESS until the message is whole); parse the inner
 * payloads. 0, or -errno (counted, logged).
 */
int ike_msg_open(struct ike_sa *sa, struct hs_ike_msg *m);
/* Retransmission timer of the request in flight. */
void ike_retransmit(struct ike_sa *sa);
/* Send a sealed message, or each of its fragments (one buffer, as ike_msg_seal() made it). */
int ike_send_sealed(struct ike_sa *sa, const uint8_t *buf, size_t len);

/* fragment.c */
/* Whether this engine announces and uses fragmentation (--fragment-size not 0). */
bool frag_enabled(const struct hs_ikev2 *e);
/* IKE_SA_INIT: add IKEV2_FRAGMENTATION_SUPPORTED to our request / response when due. */
int frag_announce(struct ike_sa *sa, struct hs_ike_msg *m);
/* IKE_SA_INIT: the peer's request / response m says whether both ends support it. */
void frag_agree(struct ike_sa *sa, const struct hs_ike_msg *m);
/* Whether a sealed message m of len bytes must go as fragments. */
bool frag_wanted(const struct ike_sa *sa, const struct hs_ike_msg *m, size_t len);
/*
 * Seal plen bytes of inner payloads (first: the type of the first) as SKF
 * fragments of the message with header h, one after the other into buf;
 * *len their total length. 0 or -errno (-EMSGSIZE: over IKE_FRAG_MAX).
 */
int frag_seal(struct ike_sa *sa, const struct hs_ike_hdr *h, const uint8_t *plain, size_t plen,
	uint8_t first, uint8_t *buf, size_t cap, size_t *len);
/*
 * A received SKF payload of m (checked, decrypted, kept). 0: the message
 * is whole, its inner payloads in e->plain[0, *plen), the first of type
 * *first; -EINPROGRESS: fragments are missing; other -errno: dropped and
 * counted.
 */
int frag_input(struct ike_sa *sa, const struct hs_ike_msg *m, const struct hs_ike_pl *skf,
	size_t *plen, uint8_t *first);
/*
 * m is a retransmission of the request answered last: whether to resend
 * the answer (RFC 7383 §2.6.1: for a fragment, only fragment 1, verified).
 */
bool frag_resend_answer(struct ike_sa *sa, const struct hs_ike_msg *m);
/* Drop the partial messages started IKE_FRAG_RX_MS ago or more (counted). */
void frag_expire(struct ike_sa *sa, uint64_t now);
/* Free the partial messages (the IKE SA goes). */
void frag_free(struct ike_sa *sa);

/* proposal.c */
/* IKE proposals from the config's ike-policies (dh: first group when 0). */
unsigned int prop_ike_offer(const struct hs_config *cfg, struct hs_ike_prop_desc *d,
	unsigned int max, uint16_t force_group, const uint8_t *spi, uint8_t spi_size);
/* ESP proposals from a crypto map entry (dh_group 0: no KE transform). */
unsigned int prop_esp_offer(const struct hs_config_crypto_entry *ent, struct hs_ike_prop_desc *d,
	unsigned int max, uint32_t spi, uint16_t dh_group);
/*
 * Choose from the peer's SA payload the first proposal (in the peer's
 * order, RFC 7296 §2.7) that one of ours allows. ESP proposals are matched
 * against ent's transform sets; IKE ones against the ike-policies. Fills the
 * chosen proposal as the reply (out), the suite, the DH group (0 none) and
 * ESN. Returns 0, or -ENOENT (NO_PROPOSAL_CHOSEN).
 */
int prop_select(const struct hs_config *cfg, const struct hs_config_crypto_entry *ent,
	const struct hs_ike_pl_sa *sa, uint8_t proto, struct hs_ike_prop_desc *out,
	struct hs_ike_suite *suite, uint16_t *dh, bool *esn, uint8_t *peer_spi, uint8_t *spi_size);
/* What a reply proposal (one proposal, one of each transform) says; -EINVAL if it is not one we offered. */
int prop_parse_reply(const struct hs_ike_pl_sa *sa, uint8_t proto,
	const struct hs_ike_prop_desc *offered, unsigned int n_offered, struct hs_ike_suite *suite,
	uint16_t *dh, bool *esn, uint8_t *peer_spi, uint8_t *spi_size);
/* "AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048" */
const char *prop_suite_name(const struct hs_ike_suite *s, uint16_t dh, char *buf, size_t len);
/*
 * The ike-policy an agreed IKE suite came from: the first with these
 * algorithms (both the offer and the choice go in policy order), so its
 * authentication and lifetime apply. NULL when none (cannot happen for a
 * suite we offered or chose).
 */
const struct hs_config_ike_policy *prop_ike_policy(const struct hs_config *cfg,
	const struct hs_ike_suite *s, uint16_t dh);
/* The authentication kinds of all ike-policies with these algorithms: bit 1 << auth. */
uint8_t prop_ike_auths(const struct hs_config *cfg, const struct hs_ike_suite *s, uint16_t dh);
/* Dataplane cipher/integ of an ESP suite. */
void prop_esp_to_sa(const struct hs_ike_suite *s, enum hs_cipher *c, enum hs_integ *i);

/* selectors.c */
/* Selectors of one ACL line (line >= 1) or all permit lines (0), local and remote. */
int ts_from_cfg(const struct child_cfg *cfg, struct ts_list *local, struct ts_list *remote);
/*
 * Responder: the intersection of the peer's proposed selectors (TSi, TSr:
 * theirs and ours) with a permit line of one of our crypto map entries for
 * this peer (first entry, first line that intersects), narrowed. Fills cfg,
 * and local/remote. -ENOENT: TS_UNACCEPTABLE.
 */
int ts_narrow(const struct hs_config *cfg, const struct hs_addr *peer, const struct hs_ike_pl_ts *tsi,
	const struct hs_ike_pl_ts *tsr, struct child_cfg *out, struct ts_list *local,
	struct ts_list *remote);
/* Initiator: check the responder's TS are within what we asked; which ACL line they cover. */
int ts_accept(const struct child_cfg *asked, const struct hs_ike_pl_ts *tsi,
	const struct hs_ike_pl_ts *tsr, struct child_cfg *got, struct ts_list *local,
	struct ts_list *remote);
/* Into the dataplane's selector pairs (cross product, ranges split into prefixes). */
unsigned int ts_to_msg(const struct ts_list *local, const struct ts_list *remote,
	struct hs_msg_ts *out, unsigned int max);
const char *ts_list_format(const struct ts_list *l, char *buf, size_t len);
/* Whether two lists hold the same selectors in the same order. */
bool ts_list_equal(const struct ts_list *a, const struct ts_list *b);

/* auth.c */
/*
 * After IKE_SA_INIT: which kinds of authentication the peer may use (the
 * authentication of every ike-policy with the agreed algorithms, so PSK and
 * certificate peers can share a suite) and how we sign: as initiator as the
 * agreed policy says, as responder as the peer did (auth_verify).
 */
void auth_negotiated(struct ike_sa *sa);
/* Whether we authenticate with certificates (else PSK). */
bool auth_by_cert(const struct ike_sa *sa);
/* Whether the peer may authenticate with a certificate (we ask for one). */
bool auth_cert_allowed(const struct ike_sa *sa);
/* How we sign, for show: "PSK", "RSA" or "ECDSA". */
const char *auth_sign_name(const struct ike_sa *sa);
/*
 * Our ID, AUTH (and, with certificates, CERT and CERTREQ payloads) into m,
 * whose ID payload type is id_pl (IDi/IDr). Their data stay in the engine's
 * scratch until m is encoded. -EACCES when we have no key for the peer.
 */
int auth_add_ours(struct ike_sa *sa, struct hs_ike_msg *m, uint8_t id_pl);
/*
 * Verify the peer's ID and AUTH (with its CERT payloads in m): 0, or
 * -EACCES with why (for the log and the notify decision) filled.
 */
int auth_verify(struct ike_sa *sa, const struct hs_ike_msg *m, const struct hs_ike_pl *id,
	const struct hs_ike_pl *auth, char *why, size_t why_len);
/* The entry's peer-identity (when it has one) against the peer's ID payload. */
bool auth_peer_id_allowed(const struct hs_config_crypto_entry *ent, const struct hs_ike_pl *id);

/* pki.c: certificates (RFC 7296 §3.5-3.8, RFC 7427), from the config's pki. */
struct ike_pki;
/* Parse cfg->pki into e->pki; 0 also without one; -EINVAL logged. */
int pki_load(struct hs_ikev2 *e);
void pki_free(struct hs_ikev2 *e);
/* Our ID of the configured kind; -ENODATA when that is our address (the caller's). */
int pki_id_ours(const struct ike_sa *sa, uint8_t *type, uint8_t *data, size_t cap, uint16_t *len);
/* CERT payloads (ours, then the intermediates), and a CERTREQ naming our CAs. */
int pki_add_certs(struct hs_ikev2 *e, struct hs_ike_msg *m);
int pki_add_certreq(struct hs_ikev2 *e, struct hs_ike_msg *m);
/*
 * Our AUTH data over octets and its method: RFC 7427 (length |
 * AlgorithmIdentifier | signature) when the peer announced a hash we have,
 * else RFC 4754 ECDSA for an EC key.
 */
int pki_sign(struct ike_sa *sa, const uint8_t *octets, size_t len, uint8_t *method, uint8_t *out,
	size_t cap, size_t *out_len);
/*
 * The peer's certificate chain (CERT payloads of m) to one of our CAs, its ID
 * in that certificate, and its RFC 7427 signature over octets: 0, or -EACCES
 * with why filled.
 */
int pki_verify(struct ike_sa *sa, const struct hs_ike_msg *m, const struct hs_ike_pl *id,
	const struct hs_ike_pl *auth, const uint8_t *octets, size_t len, char *why,
	size_t why_len);
/* The SIGNATURE_HASH_ALGORITHMS notify data we send (RFC 7427 §4). */
extern const uint8_t pki_sig_hashes[6];

/* task_init.c */
extern const struct task_ops task_init_ops;
void init_respond(struct hs_ikev2 *e, const struct hs_ike_path *path, const struct hs_ike_msg *m,
	const uint8_t *raw, size_t len);
/* NAT detection data hash for addr:port with the SPIs (RFC 7296 §2.23). */
void natd_hash(uint64_t spi_i, uint64_t spi_r, const struct hs_addr *a, uint16_t port,
	uint8_t out[20]);

/* task_auth.c */
extern const struct task_ops task_auth_ops;
void auth_respond(struct ike_sa *sa, const struct hs_ike_msg *m);

/* task_child.c */
extern const struct task_ops task_child_ops;
extern const struct task_ops task_child_rekey_ops;
void child_respond(struct ike_sa *sa, const struct hs_ike_msg *m);
/* Add SA, Ni(, KE), TS payloads of a child request to m; the task keeps the secrets. */
int child_build_req(struct ike_sa *sa, struct task *t, struct hs_ike_msg *m, bool with_nonce);
/* Process the SA/TS answer of a child request (IKE_AUTH or CREATE_CHILD_SA). */
int child_process_resp(struct ike_sa *sa, struct task *t, const struct hs_ike_msg *m,
	const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len);
/*
 * Responder part shared with IKE_AUTH (old NULL, no nonces of its own) and
 * CREATE_CHILD_SA: choose, narrow, add SA[, Nr, KEr], TSi, TSr (or an error
 * notify) to r, create and install the child (replacing old's outbound SA
 * when old is not NULL). 0 or -errno (r then holds the error notify).
 */
int child_respond_payloads(struct ike_sa *sa, const struct hs_ike_msg *m, struct hs_ike_msg *r,
	struct child_sa *old, int create);

/* task_rekey.c */
extern const struct task_ops task_ike_rekey_ops;
void ike_rekey_respond(struct ike_sa *sa, const struct hs_ike_msg *m);
/* The peer's IKE SA of a pending rekey collision takes over from sa (its rekey wins). */
void ike_rekey_concede(struct ike_sa *sa);

/* task_info.c */
extern const struct task_ops task_delete_child_ops;
extern const struct task_ops task_delete_ike_ops;
extern const struct task_ops task_dpd_ops;
void info_respond(struct ike_sa *sa, const struct hs_ike_msg *m);

/* timers.c */
void timers_sa(struct ike_sa *sa, uint64_t now);
void timers_established(struct ike_sa *sa);
void timers_child_installed(struct child_sa *c);

/* show.c: in ikev2.h (hs_ikev2_command). */

#endif /* HS_IKEV2_PRIV_H */
