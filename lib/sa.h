/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ESP security association: what the control plane (or a static config)
 * installs and what the ESP engine reads for every packet.
 *
 * Layout follows VPP's ipsec_sa.h: a hot runtime part (struct hs_sa_rt, two
 * cache lines, read by every packet), the sequence number and replay window
 * on cache lines of their own (written by the owner lcore only), counters,
 * expanded keys, and the cold configuration last. Keys are expanded once in
 * hs_sa_create(); the raw key material is wiped there and never kept.
 */
#ifndef HS_SA_H
#define HS_SA_H

#include <intel-ipsec-mb.h>

#include "addr.h"
#include "drop.h"
#include "hs_common.h"
#include "replay.h"

/* Transform lists: enum name, config/console name. */
#define HS_CIPHERS(X)                                                                              \
	X(HS_CIPHER_AES_GCM_128, "aes-gcm-128")                                                    \
	X(HS_CIPHER_AES_GCM_256, "aes-gcm-256")                                                    \
	X(HS_CIPHER_AES_CBC_128, "aes-cbc-128")                                                    \
	X(HS_CIPHER_AES_CBC_256, "aes-cbc-256")

/*
 * HS_INTEG_NONE is for AEAD ciphers. With CBC it is confidentiality-only ESP
 * (RFC 4303 §3.2, not recommended): the engine supports it so that RFC 3602's
 * test vectors can be run, but the configuration refuses it.
 */
#define HS_INTEGS(X)                                                                               \
	X(HS_INTEG_NONE, "none")                                                                   \
	X(HS_INTEG_HMAC_SHA1_96, "hmac-sha1-96")                                                   \
	X(HS_INTEG_HMAC_SHA256_128, "hmac-sha256-128")                                             \
	X(HS_INTEG_HMAC_SHA384_192, "hmac-sha384-192")                                             \
	X(HS_INTEG_HMAC_SHA512_256, "hmac-sha512-256")

enum hs_cipher { HS_CIPHERS(HS_ENUM_ITEM) HS_CIPHER_MAX };
enum hs_integ { HS_INTEGS(HS_ENUM_ITEM) HS_INTEG_MAX };

#define HS_SA_DIRS(X)                                                                              \
	X(HS_SA_IN, "inbound")                                                                     \
	X(HS_SA_OUT, "outbound")
enum hs_sa_dir { HS_SA_DIRS(HS_ENUM_ITEM) HS_SA_DIR_MAX };

/* DF bit of the outer IPv4 header (Cisco "crypto ipsec df-bit"). */
#define HS_DF_POLICIES(X)                                                                          \
	X(HS_DF_COPY, "copy")                                                                      \
	X(HS_DF_SET, "set")                                                                        \
	X(HS_DF_CLEAR, "clear")
enum hs_df_policy { HS_DF_POLICIES(HS_ENUM_ITEM) HS_DF_MAX };

/*
 * SA lifecycle. ACTIVE -> SOFT_EXPIRED when a soft limit is crossed (the
 * control plane rekeys), -> EXPIRED at a hard limit (no more packets), ->
 * DEAD once removed. Changed only by hs_sa_set_state().
 */
#define HS_SA_STATES(X)                                                                            \
	X(HS_SA_ACTIVE, "ACTIVE")                                                                  \
	X(HS_SA_SOFT_EXPIRED, "SOFT-EXPIRED")                                                      \
	X(HS_SA_EXPIRED, "EXPIRED")                                                                \
	X(HS_SA_DEAD, "DEAD")
enum hs_sa_state { HS_SA_STATES(HS_ENUM_ITEM) HS_SA_STATE_MAX };

/* Events the packet path raises for the control plane (lifetimes). */
#define HS_SA_EVENTS(X)                                                                            \
	X(HS_SA_EV_SOFT_LIMIT, "soft-limit")                                                       \
	X(HS_SA_EV_HARD_LIMIT, "hard-limit")                                                       \
	X(HS_SA_EV_SEQ_NEAR_WRAP, "seq-near-wrap")                                                 \
	X(HS_SA_EV_DELETED, "deleted") /* removed by the operator (clear crypto sa) */
enum hs_sa_event_kind { HS_SA_EVENTS(HS_ENUM_ITEM) HS_SA_EV_MAX };

#define HS_ENC_KEY_MAX 36  /* AES-256 key + 4-byte GCM salt (RFC 4106 §8.1) */
#define HS_AUTH_KEY_MAX 64 /* HMAC-SHA-512 key */
#define HS_ICV_MAX 32
#define HS_IV_MAX 16

/* Volume limits; 0 means none. Time limits are the housekeeping's job. */
struct hs_sa_lifetime {
	uint64_t soft_bytes;
	uint64_t hard_bytes;
	uint64_t soft_packets;
	uint64_t hard_packets;
};

/* What to install. Keys are KEYMAT as IKE derives it (GCM: key then salt). */
struct hs_sa_params {
	uint32_t spi; /* host order */
	enum hs_sa_dir dir;
	enum hs_cipher cipher;
	enum hs_integ integ;
	uint8_t enc_key[HS_ENC_KEY_MAX];
	uint8_t enc_key_len; /* 16/32, +4 salt for GCM */
	uint8_t auth_key[HS_AUTH_KEY_MAX];
	uint8_t auth_key_len;
	struct hs_addr tun_src; /* outer source (ours for outbound) */
	struct hs_addr tun_dst; /* outer destination */
	bool natt;		/* RFC 3948 UDP encapsulation */
	uint16_t natt_sport;	/* host order; 4500 if 0 */
	uint16_t natt_dport;	/* host order; 4500 if 0 */
	bool esn;		/* RFC 4304 extended sequence numbers */
	uint32_t replay_window; /* 0: off; 64..4096 */
	enum hs_df_policy df;
	bool dscp_copy; /* copy DSCP inner -> outer; else use dscp */
	uint8_t dscp;
	uint8_t ttl; /* outer TTL / hop limit; 64 if 0 */
	struct hs_sa_lifetime lifetime;
};

struct hs_sa;
struct hs_esp_slot;

/* Fills one intel-ipsec-mb job for a packet of this SA (chosen at install). */
typedef void (*hs_esp_job_fn)(const struct hs_sa *sa, IMB_JOB *job, struct hs_esp_slot *slot);

/* Hot, read-mostly part: everything a packet needs, no pointer chasing. */
struct hs_sa_rt {
	uint32_t spi;
	uint32_t spi_be;
	uint8_t state; /* enum hs_sa_state */
	uint8_t dir;
	uint8_t iv_len;
	uint8_t icv_len;
	uint8_t pad_align; /* 16 for CBC, 4 for GCM (RFC 4106 §3.2) */
	uint8_t outer_len; /* outer IP (+ UDP for NAT-T) */
	uint8_t esp_hdr_len; /* outer_len + ESP header + IV */
	bool esn;
	bool natt;
	bool outer_v6;
	bool dscp_copy;
	uint8_t df;
	uint8_t tos; /* DSCP << 2 when not copied */
	uint8_t key_len;
	uint16_t cipher_mode; /* IMB_CIPHER_MODE */
	uint16_t hash_alg;    /* IMB_HASH_ALG */
	uint32_t salt;	      /* GCM salt, as on the wire */
	uint32_t iv_nonce;    /* random, per SA: fourth word of the CBC counter block */
	uint64_t iv_mask;     /* random, per SA: IV counter = seq ^ iv_mask */
	hs_esp_job_fn fill_job;
	const void *enc_keys;
	const void *dec_keys;
	const uint8_t *ipad;
	const uint8_t *opad;
	struct hs_sa_lifetime limit;
	/*
	 * Outer header template: IP (+ UDP), lengths and checksum filled per
	 * packet. csum_base is the one's complement sum of the IPv4 template's
	 * constant words, so the checksum needs no second pass over the header.
	 */
	uint32_t csum_base;
	uint8_t outer_tmpl[48];
} __attribute__((aligned(HS_CACHE_LINE)));

/* Per-SA counters (single writer: the owner lcore). */
struct hs_sa_stats {
	uint64_t packets; /* out: encaps=encrypt=digest; in: decaps=decrypt=verify */
	uint64_t bytes;	  /* inner (clear-text) bytes */
	uint64_t esp_bytes;
	uint64_t last_used; /* caller's clock (hs_esp_ctx.now) of the last packet */
	uint64_t errors[HS_DROP_MAX];
};

struct hs_sa {
	struct hs_sa_rt rt;
	/* Owner-written: sequence number and replay window (RFC 4303 §3.3.3, §3.4.3). */
	uint64_t seq __attribute__((aligned(HS_CACHE_LINE))); /* last sent (outbound) */
	struct hs_replay replay;			       /* inbound */
	struct hs_sa_stats stats __attribute__((aligned(HS_CACHE_LINE)));
	/* Next packets/bytes count at which a lifetime limit needs a look. */
	uint64_t check_packets;
	uint64_t check_bytes;
	uint32_t state_changes;
	uint8_t events_raised; /* bit per enum hs_sa_event_kind, raised once */
	union {
		struct gcm_key_data gcm;
		struct {
			uint8_t enc[16 * 15] __attribute__((aligned(16)));
			uint8_t dec[16 * 15] __attribute__((aligned(16)));
			uint8_t ipad[64] __attribute__((aligned(16)));
			uint8_t opad[64] __attribute__((aligned(16)));
		} cbc;
	} keys __attribute__((aligned(HS_CACHE_LINE)));
	/* Cold: the configuration, keys removed. */
	struct hs_sa_params cfg;
};

/*
 * Allocate and install an SA: validates params (-EINVAL with a reason in
 * *why when not NULL), expands keys with mgr, builds the outer header
 * template and picks the per-SA job function. The key bytes in the stored
 * copy of params are wiped. Returns the SA or NULL with *err set.
 */
struct hs_sa *hs_sa_create(const struct hs_sa_params *p, IMB_MGR *mgr, int *err,
	const char **why);

/* Wipe keys and free. NULL is fine. */
void hs_sa_destroy(struct hs_sa *sa);

/*
 * Change state through the transition table; returns 0 or -EINVAL for a
 * transition that is not allowed (the state stays as it was).
 */
int hs_sa_set_state(struct hs_sa *sa, enum hs_sa_state to);

const char *hs_sa_state_name(enum hs_sa_state s);
const char *hs_cipher_name(enum hs_cipher c);
const char *hs_integ_name(enum hs_integ i);
const char *hs_sa_event_name(enum hs_sa_event_kind k);
const char *hs_df_policy_name(enum hs_df_policy d);
/* Name -> enum; -1 when unknown. */
int hs_cipher_from_name(const char *s);
int hs_integ_from_name(const char *s);

/* Key lengths for a transform: cipher key (without salt), salt, ICV, IV. */
uint8_t hs_cipher_key_len(enum hs_cipher c);
uint8_t hs_cipher_salt_len(enum hs_cipher c);
uint8_t hs_cipher_iv_len(enum hs_cipher c);
uint8_t hs_integ_key_len(enum hs_integ i);
uint8_t hs_integ_icv_len(enum hs_integ i);
bool hs_cipher_is_aead(enum hs_cipher c);

/* ESP overhead in bytes for an inner packet of len (outer headers included). */
uint32_t hs_sa_overhead(const struct hs_sa *sa, uint32_t inner_len);

#endif /* HS_SA_H */
