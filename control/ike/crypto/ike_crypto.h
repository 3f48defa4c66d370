/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKEv2 cryptography for hubsec-control, on OpenSSL 3 (EVP, EVP_MAC,
 * EVP_PKEY): the PRF and prf+ (RFC 7296 §2.13), IKE SA and Child SA key
 * derivation (§2.14, §2.17, §2.18), Diffie-Hellman (RFC 3526, RFC 5903,
 * RFC 8031), protection of the Encrypted payload (§3.14, RFC 5282) and the
 * AUTH payload (§2.15, RFC 7427). DPDK-free: unit tests and fuzzers call it
 * directly.
 *
 * Conventions: functions return 0 or -errno: -EINVAL for bad arguments or a
 * bad peer value, -ENOTSUP for an algorithm we do not implement, -ENOSPC when
 * an output buffer is too small, -EBADMSG when an ICV or AUTH value does not
 * verify, -EIO when OpenSSL fails (out of memory, most likely). Every buffer
 * that held key material is wiped before it is released, on every path; no
 * function here logs. Secret outputs (keys, plaintext) are wiped on failure.
 *
 * Files: ike_crypto_alg.c (algorithm properties), ike_crypto_prf.c (PRF,
 * prf+), ike_crypto_keys.c (SKEYSEED, SK_*, KEYMAT), ike_crypto_dh.c,
 * ike_crypto_sk.c (SK payload), ike_crypto_auth.c (AUTH, signatures),
 * ike_crypto_rand.c (random bytes for public values).
 */
#ifndef HS_IKE_CRYPTO_H
#define HS_IKE_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "ike_const.h"

#define HS_IKE_SPI_LEN 8	       /* RFC 7296 §3.1 */
#define HS_IKE_NONCE_MIN 16	       /* RFC 7296 §3.9 */
#define HS_IKE_NONCE_MAX 256	       /* RFC 7296 §3.9 */
#define HS_IKE_PRF_MAX 64	       /* HMAC-SHA2-512 output: SK_d, SK_pi, SK_pr */
#define HS_IKE_INTEG_KEY_MAX 64	       /* HMAC-SHA2-512 key (RFC 4868 §2.1.1) */
#define HS_IKE_ICV_MAX 32	       /* HMAC-SHA2-512-256 */
#define HS_IKE_GCM_SALT_LEN 4	       /* RFC 5282 §7.1, RFC 4106 §8.1 */
#define HS_IKE_ENCR_KEY_MAX (32 + 4)   /* AES-256 key and the GCM salt */
#define HS_IKE_DH_PUB_MAX 384	       /* MODP 3072 (RFC 3526 §4) */
#define HS_IKE_DH_SECRET_MAX 384       /* the same */
#define HS_IKE_PRF_PLUS_ITER_MAX 255   /* the counter is one octet (RFC 7296 §2.13) */

/* One piece of a PRF input that is the concatenation of several fields. */
struct hs_ike_iov {
	const void *base;
	size_t len;
};

/*
 * The negotiated transforms of an IKE SA or of an ESP Child SA. key_bits is
 * the Key Length attribute (RFC 7296 §3.3.5), mandatory for AES. integ is
 * HS_IKE_INTEG_NONE with AES-GCM (RFC 5282 §8). prf is unused for ESP.
 */
struct hs_ike_suite {
	enum hs_ike_encr encr;
	uint16_t key_bits;
	enum hs_ike_integ integ;
	enum hs_ike_prf prf;
};

/* --- algorithm properties (ike_crypto_alg.c) --- */

struct hs_ike_prf_alg {
	enum hs_ike_prf id;
	const char *digest; /* OpenSSL digest name of the HMAC */
	uint8_t len;	    /* output length = SK_d, SK_pi, SK_pr length (§2.14) */
};

struct hs_ike_integ_alg {
	enum hs_ike_integ id;
	enum hs_ike_prf hmac; /* the same HMAC as this PRF, truncated to icv_len */
	uint8_t key_len;
	uint8_t icv_len;
};

/* The PRF or INTEG algorithm, or NULL when we do not implement it. */
const struct hs_ike_prf_alg *hs_ike_prf_alg(enum hs_ike_prf prf);
const struct hs_ike_integ_alg *hs_ike_integ_alg(enum hs_ike_integ integ);

/* PRF output length in bytes; 0 when unsupported. */
size_t hs_ike_prf_len(enum hs_ike_prf prf);

/* Encryption key length in bytes including the GCM salt; -EINVAL/-ENOTSUP. */
int hs_ike_encr_key_len(const struct hs_ike_suite *s);

/*
 * Checks that the suite is one we implement for proto (HS_IKE_PROTO_IKE or
 * HS_IKE_PROTO_ESP; ESP is limited to what the dataplane runs: AES-128/256).
 * 0, -ENOTSUP (unknown algorithm or key size) or -EINVAL (bad combination).
 */
int hs_ike_suite_check(const struct hs_ike_suite *s, enum hs_ike_proto proto);

/* --- random bytes (ike_crypto_rand.c) --- */

/*
 * len random bytes from OpenSSL's public DRBG, for public values (SPIs,
 * nonces, IVs, jitter), drawn in batches; never for private keys. 0, -EIO.
 */
int hs_ike_random(void *buf, size_t len);

/* --- PRF and prf+ (ike_crypto_prf.c) --- */

/*
 * out = prf(key, in[0] | in[1] | ...) (RFC 7296 §2.13); writes
 * hs_ike_prf_len(prf) bytes, out_cap must hold them.
 */
int hs_ike_prf(enum hs_ike_prf prf, const void *key, size_t key_len, const struct hs_ike_iov *in,
	size_t n_in, uint8_t *out, size_t out_cap);

/*
 * out = the first out_len bytes of prf+(key, seed) (RFC 7296 §2.13), at most
 * 255 PRF outputs; -EINVAL beyond that.
 */
int hs_ike_prf_plus(enum hs_ike_prf prf, const void *key, size_t key_len,
	const struct hs_ike_iov *seed, size_t n_seed, uint8_t *out, size_t out_len);

/* --- IKE SA and Child SA keys (ike_crypto_keys.c) --- */

/*
 * The inputs of a key derivation besides the suite: the nonce data of both
 * sides (without payload headers), the Diffie-Hellman shared secret g^ir, and
 * the SPIs as on the wire (of the new IKE SA when rekeying). For a Child SA
 * the SPIs are unused and g^ir is NULL without PFS.
 */
struct hs_ike_kdf_in {
	const uint8_t *ni;
	size_t ni_len;
	const uint8_t *nr;
	size_t nr_len;
	const uint8_t *g_ir;
	size_t g_ir_len;
	uint8_t spi_i[HS_IKE_SPI_LEN];
	uint8_t spi_r[HS_IKE_SPI_LEN];
};

/* The seven secrets of an IKE SA (RFC 7296 §2.14) and the suite they are for. */
struct hs_ike_keys {
	struct hs_ike_suite suite;
	uint8_t prf_len;   /* SK_d, SK_pi, SK_pr */
	uint8_t integ_len; /* SK_ai, SK_ar; 0 with GCM */
	uint8_t encr_len;  /* SK_ei, SK_er, the GCM salt included */
	uint8_t sk_d[HS_IKE_PRF_MAX];
	uint8_t sk_ai[HS_IKE_INTEG_KEY_MAX];
	uint8_t sk_ar[HS_IKE_INTEG_KEY_MAX];
	uint8_t sk_ei[HS_IKE_ENCR_KEY_MAX];
	uint8_t sk_er[HS_IKE_ENCR_KEY_MAX];
	uint8_t sk_pi[HS_IKE_PRF_MAX];
	uint8_t sk_pr[HS_IKE_PRF_MAX];
};

/*
 * IKE_SA_INIT: SKEYSEED = prf(Ni | Nr, g^ir), then
 * {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} =
 * prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) (RFC 7296 §2.14). Nonces must be
 * 16..256 bytes (§3.9). SKEYSEED never leaves the function.
 */
int hs_ike_keys_derive(struct hs_ike_keys *k, const struct hs_ike_suite *s,
	const struct hs_ike_kdf_in *in);

/*
 * IKE SA rekey (RFC 7296 §2.18): SKEYSEED = prf(SK_d (old), g^ir (new) |
 * Ni | Nr) with the old SA's PRF, then the seven keys as above with the new
 * suite and the new SPIs. k must not be old.
 */
int hs_ike_keys_rekey(struct hs_ike_keys *k, const struct hs_ike_keys *old,
	const struct hs_ike_suite *s, const struct hs_ike_kdf_in *in);

void hs_ike_keys_wipe(struct hs_ike_keys *k);

/* The keys of an ESP Child SA pair, named by the direction they protect. */
struct hs_ike_child_keys {
	struct hs_ike_suite suite;
	uint8_t encr_len;  /* AES key and the GCM salt */
	uint8_t integ_len; /* 0 with GCM */
	uint8_t encr_ir[HS_IKE_ENCR_KEY_MAX]; /* initiator -> responder */
	uint8_t integ_ir[HS_IKE_INTEG_KEY_MAX];
	uint8_t encr_ri[HS_IKE_ENCR_KEY_MAX]; /* responder -> initiator */
	uint8_t integ_ri[HS_IKE_INTEG_KEY_MAX];
};

/*
 * KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr) (RFC 7296 §2.17), taken as
 * encr_ir | integ_ir | encr_ri | integ_ri: initiator-to-responder first, the
 * encryption key before the integrity key (RFC 4301 via §2.17), the GCM salt
 * as the last 4 bytes of each encryption key (RFC 4106 §8.1). esp must pass
 * hs_ike_suite_check(esp, HS_IKE_PROTO_ESP).
 */
int hs_ike_child_keys_derive(struct hs_ike_child_keys *ck, const struct hs_ike_keys *ike,
	const struct hs_ike_suite *esp, const struct hs_ike_kdf_in *in);

struct hs_sa_params;

/*
 * Fills cipher, integ, dir and the keys of the dataplane's SA parameters
 * (lib/sa.h) for this end: initiator is true when we initiated the exchange
 * that created the Child SA. The other fields are left alone.
 */
int hs_ike_child_keys_to_sa(const struct hs_ike_child_keys *ck, bool initiator,
	struct hs_sa_params *out, struct hs_sa_params *in);

void hs_ike_child_keys_wipe(struct hs_ike_child_keys *ck);

/* --- Diffie-Hellman (ike_crypto_dh.c) --- */

struct hs_ike_dh_key;

/*
 * Key Exchange Data length for the group (RFC 7296 §3.4: the MODP prime's
 * length; RFC 5903 §7: x | y; RFC 8031 §2: 32) and the shared secret length
 * (MODP: the prime's length; ECP: x only; X25519: 32). 0 when unsupported.
 */
size_t hs_ike_dh_pub_len(enum hs_ike_dh group);
size_t hs_ike_dh_secret_len(enum hs_ike_dh group);

/* A fresh ephemeral key pair in *out. -ENOTSUP for a group we lack. */
int hs_ike_dh_new(struct hs_ike_dh_key **out, enum hs_ike_dh group);

/*
 * For known-answer tests only: the key pair with this private value (MODP,
 * ECP: big-endian integer; X25519: the 32-byte scalar of RFC 7748).
 */
int hs_ike_dh_new_from_private(struct hs_ike_dh_key **out, enum hs_ike_dh group,
	const uint8_t *priv, size_t priv_len);

enum hs_ike_dh hs_ike_dh_group(const struct hs_ike_dh_key *dh);

/* Our public value as sent in the KE payload; *len = hs_ike_dh_pub_len(). */
const uint8_t *hs_ike_dh_pub(const struct hs_ike_dh_key *dh, size_t *len);

/*
 * secret = g^ir from the peer's KE data. The peer value is validated first:
 * exact length, 1 < y < p-1 for MODP (RFC 6989 §2.2), a point on the curve
 * for ECP (RFC 6989 §2.3), a non-zero result for X25519 (RFC 8031 §2.3).
 * -EINVAL with *why (may be NULL; a static string, no secrets) on rejection.
 * secret_cap must hold hs_ike_dh_secret_len().
 */
int hs_ike_dh_compute(const struct hs_ike_dh_key *dh, const uint8_t *peer, size_t peer_len,
	uint8_t *secret, size_t secret_cap, size_t *secret_len, const char **why);

/* Frees the key pair; OpenSSL wipes the private key. NULL is fine. */
void hs_ike_dh_free(struct hs_ike_dh_key *dh);

/* --- the Encrypted (SK) payload (ike_crypto_sk.c) --- */

/*
 * Keys and lengths for one direction of an IKE SA. Sending messages uses
 * SK_ei/SK_ai when we are the IKE SA's initiator, SK_er/SK_ar otherwise.
 */
struct hs_ike_sk {
	enum hs_ike_encr encr;
	enum hs_ike_integ integ;
	uint8_t key_len;   /* AES key, without the salt */
	uint8_t iv_len;	   /* CBC: 16; GCM: 8, explicit (RFC 5282 §3.1) */
	uint8_t block;	   /* padding unit: CBC 16; GCM 1 (stream-like, RFC 5282 §3) */
	uint8_t icv_len;   /* CBC: the truncated HMAC; GCM: 16 */
	uint8_t integ_key_len;
	uint8_t ekey[HS_IKE_ENCR_KEY_MAX]; /* AES key | GCM salt */
	uint8_t akey[HS_IKE_INTEG_KEY_MAX];
};

/*
 * The contexts for messages this end sends (out) and receives (in), from
 * the IKE SA keys; initiator: we are the initiator of this IKE SA (the
 * original one, or the one who started the rekey that created it).
 */
int hs_ike_sk_init(struct hs_ike_sk *out, struct hs_ike_sk *in, const struct hs_ike_keys *k,
	bool initiator);

void hs_ike_sk_wipe(struct hs_ike_sk *sk);

/*
 * Length of IV | ciphertext | ICV for plain_len bytes of inner payloads: what
 * the codec puts in the SK payload length (plus its 4-byte header) and in the
 * IKE header length before it calls hs_ike_sk_encrypt(). 0 when too large.
 */
size_t hs_ike_sk_len(const struct hs_ike_sk *sk, size_t plain_len);

/*
 * Encrypts the inner payloads into out = IV | ciphertext | ICV (RFC 7296
 * §3.14), the ciphertext covering plain | padding | pad length.
 *
 * aad: the message from the first byte of the IKE header to the last byte of
 * the SK payload's generic header (SKF: its 8-byte header, RFC 7383 §2.5.3),
 * inclusive, with the final length fields already written, so unencrypted
 * payloads before SK are covered too. The codec's in-place flow: encode the
 * inner payloads, reserve hs_ike_sk_len() bytes of SK body, encode the
 * message, then encrypt with aad = msg[0, body offset), out = msg + offset.
 * What is authenticated:
 *   AES-CBC + HMAC: ICV = HMAC(SK_a, aad | IV | ciphertext), truncated
 *     (RFC 7296 §3.14: from the IKE header through the encrypted data);
 *   AES-GCM: the GCM tag over AAD = aad and the ciphertext, nonce =
 *     salt | IV (RFC 5282 §5.1, §4); the IV itself is not in the AAD.
 * IVs come from hs_ike_random for both modes: CBC needs an unpredictable IV
 * (§3.14); for GCM a random 8-byte IV is chosen over a counter (RFC 5282
 * §3.1 allows either) because a counter restarts when the context is rebuilt
 * from the keys, which would reuse nonces; two equal random IVs among n
 * messages have a chance of about n^2 / 2^65, negligible at IKE's message
 * counts. Padding is zeros, the minimum (CBC: up to 16 bytes; GCM: none, only
 * the pad length octet). out must not overlap plain or aad;
 * *out_len = hs_ike_sk_len(sk, plain_len).
 */
int hs_ike_sk_encrypt(const struct hs_ike_sk *sk, const uint8_t *aad, size_t aad_len,
	const uint8_t *plain, size_t plain_len, uint8_t *out, size_t out_cap, size_t *out_len);

/*
 * The inverse: in = IV | ciphertext | ICV (the SK payload body), aad as for
 * encryption taken from the received message. The ICV is checked (constant
 * time) before anything is decrypted; any padding value and any pad length
 * that fits are accepted (§3.14). plain gets the inner payloads, without
 * padding; plain_cap must hold the ciphertext (in_len - IV - ICV).
 * -EBADMSG when the ICV does not verify, -EINVAL for a malformed length.
 */
int hs_ike_sk_decrypt(const struct hs_ike_sk *sk, const uint8_t *aad, size_t aad_len,
	const uint8_t *in, size_t in_len, uint8_t *plain, size_t plain_cap, size_t *plain_len);

/* --- AUTH payload (ike_crypto_auth.c) --- */

/*
 * What goes into InitiatorSignedOctets / ResponderSignedOctets (RFC 7296
 * §2.15) for the signer: its first message, whole (IKE_SA_INIT request for
 * the initiator, response for the responder), the other side's nonce data,
 * and the signer's ID payload body (IDi'/IDr': ID type, 3 reserved bytes,
 * identification data; no generic header).
 */
struct hs_ike_auth_in {
	bool initiator; /* the signer is the IKE SA initiator: prf(SK_pi, IDi') */
	const uint8_t *msg;
	size_t msg_len;
	const uint8_t *nonce;
	size_t nonce_len;
	const uint8_t *id;
	size_t id_len;
};

/* Length of the signed octets: msg_len + nonce_len + prf length. 0: bad. */
size_t hs_ike_auth_octets_len(const struct hs_ike_keys *k, const struct hs_ike_auth_in *in);

/* out = RealMessage | NonceData | prf(SK_p, ID') (RFC 7296 §2.15). */
int hs_ike_auth_octets(const struct hs_ike_keys *k, const struct hs_ike_auth_in *in,
	uint8_t *out, size_t out_cap, size_t *out_len);

/*
 * PSK authentication (RFC 7296 §2.15): auth = prf(prf(PSK, "Key Pad for
 * IKEv2"), octets), hs_ike_prf_len(prf) bytes. The verify variant compares in
 * constant time: 0 or -EBADMSG (also for a wrong length).
 */
int hs_ike_auth_psk(enum hs_ike_prf prf, const uint8_t *psk, size_t psk_len,
	const uint8_t *octets, size_t octets_len, uint8_t *auth, size_t auth_cap);
int hs_ike_auth_psk_verify(enum hs_ike_prf prf, const uint8_t *psk, size_t psk_len,
	const uint8_t *octets, size_t octets_len, const uint8_t *auth, size_t auth_len);

/*
 * Digital signatures (RFC 7427) over the signed octets with key (RSA:
 * PKCS#1 v1.5; EC: ECDSA, DER-encoded Ecdsa-Sig-Value as RFC 7427 §3 asks)
 * and hash SHA2-256/384/512. sign needs a private key; verify returns 0 or
 * -EBADMSG.
 */
int hs_ike_sig_sign(EVP_PKEY *key, enum hs_ike_hash hash, const uint8_t *octets,
	size_t octets_len, uint8_t *sig, size_t sig_cap, size_t *sig_len);
int hs_ike_sig_verify(EVP_PKEY *key, enum hs_ike_hash hash, const uint8_t *octets,
	size_t octets_len, const uint8_t *sig, size_t sig_len);

/*
 * The DER AlgorithmIdentifier of key's signature with hash (RFC 7427 §3,
 * Appendix A: e.g. sha256WithRSAEncryption, ecdsa-with-SHA256), which goes
 * in front of the signature in the AUTH payload (with its one-byte length).
 */
int hs_ike_sig_algid(EVP_PKEY *key, enum hs_ike_hash hash, uint8_t *out, size_t out_cap,
	size_t *out_len);

#endif /* HS_IKE_CRYPTO_H */
