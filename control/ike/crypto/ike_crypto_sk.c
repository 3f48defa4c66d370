/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Protection of the Encrypted payload (RFC 7296 §3.14) with AES-CBC and an
 * HMAC ICV, or with AES-GCM (RFC 5282). The SK payload body is
 *
 *	IV | ciphertext(inner payloads | padding | pad length) | ICV
 *
 * and the caller (the message codec) hands us the bytes before it, from the
 * IKE header through the SK generic payload header, as "aad". What exactly is
 * authenticated is documented at hs_ike_sk_encrypt() in ike_crypto.h.
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "hs_common.h"
#include "ike_crypto.h"

#define CBC_BLOCK 16
#define CBC_IV_LEN 16	 /* RFC 3602 §3 */
#define GCM_IV_LEN 8	 /* RFC 5282 §3.1 */
#define GCM_ICV_LEN 16	 /* AES_GCM_16 */
#define GCM_NONCE_LEN 12 /* salt | IV (RFC 5282 §4) */

static bool
is_gcm(const struct hs_ike_sk *sk)
{
	return sk->encr == HS_IKE_ENCR_AES_GCM_16;
}

static void
init_dir(struct hs_ike_sk *sk, const struct hs_ike_keys *k, const uint8_t *ekey,
	const uint8_t *akey)
{
	const struct hs_ike_integ_alg *ia = hs_ike_integ_alg(k->suite.integ);

	memset(sk, 0, sizeof(*sk));
	sk->encr = k->suite.encr;
	sk->integ = k->suite.integ;
	sk->key_len = (uint8_t)(k->suite.key_bits / 8);
	if (is_gcm(sk)) {
		sk->iv_len = GCM_IV_LEN;
		sk->block = 1;
		sk->icv_len = GCM_ICV_LEN;
	} else {
		sk->iv_len = CBC_IV_LEN;
		sk->block = CBC_BLOCK;
		sk->icv_len = ia->icv_len;
		sk->integ_key_len = ia->key_len;
		memcpy(sk->akey, akey, ia->key_len);
	}
	memcpy(sk->ekey, ekey, k->encr_len);
}

int
hs_ike_sk_init(struct hs_ike_sk *out, struct hs_ike_sk *in, const struct hs_ike_keys *k,
	bool initiator)
{
	if (out == NULL || in == NULL || k == NULL)
		return -EINVAL;
	if (hs_ike_suite_check(&k->suite, HS_IKE_PROTO_IKE) != 0 ||
		k->encr_len != hs_ike_encr_key_len(&k->suite))
		return -EINVAL;
	/* SK_ei/SK_ai protect what the IKE SA initiator sends (RFC 7296 §2.14). */
	init_dir(out, k, initiator ? k->sk_ei : k->sk_er, initiator ? k->sk_ai : k->sk_ar);
	init_dir(in, k, initiator ? k->sk_er : k->sk_ei, initiator ? k->sk_ar : k->sk_ai);
	return 0;
}

void
hs_ike_sk_wipe(struct hs_ike_sk *sk)
{
	if (sk != NULL)
		OPENSSL_cleanse(sk, sizeof(*sk));
}

/* Inner payloads + padding + the pad length octet, a multiple of the block. */
static size_t
padded_len(const struct hs_ike_sk *sk, size_t plain_len)
{
	size_t n = plain_len + 1;

	return n + (sk->block - n % sk->block) % sk->block;
}

size_t
hs_ike_sk_len(const struct hs_ike_sk *sk, size_t plain_len)
{
	if (sk == NULL || sk->block == 0 || plain_len > HS_IKE_MSG_MAX)
		return 0;
	return sk->iv_len + padded_len(sk, plain_len) + sk->icv_len;
}

/* The cipher of sk, fetched once per mode and key size: per message it cost more than AES. */
static EVP_CIPHER *
cipher_of(const struct hs_ike_sk *sk)
{
	static const char *const names[2][3] = {
		{ "AES-128-CBC", "AES-192-CBC", "AES-256-CBC" },
		{ "AES-128-GCM", "AES-192-GCM", "AES-256-GCM" },
	};
	static EVP_CIPHER *cache[2][3];
	unsigned int m = is_gcm(sk) ? 1 : 0, k = (sk->key_len - 16u) / 8u;

	/* 16, 24 or 32 bytes: hs_ike_encr_key_len() allows no other. */
	if (sk->key_len < 16 || sk->key_len % 8 != 0 || k >= HS_ARRAY_SIZE(names[0]))
		return NULL;
	if (cache[m][k] == NULL)
		cache[m][k] = EVP_CIPHER_fetch(NULL, names[m][k], NULL);
	return cache[m][k];
}

/* A cipher context keyed for sk with this IV (GCM: the 8 explicit bytes). */
static EVP_CIPHER_CTX *
cipher_new(const struct hs_ike_sk *sk, const uint8_t *iv, int enc)
{
	uint8_t nonce[GCM_NONCE_LEN];
	EVP_CIPHER *c = cipher_of(sk);
	EVP_CIPHER_CTX *ctx = NULL;
	bool ok;

	if (c != NULL)
		ctx = EVP_CIPHER_CTX_new();
	if (ctx != NULL && is_gcm(sk)) {
		/* Nonce = the salt from the keying material | the explicit IV. */
		memcpy(nonce, sk->ekey + sk->key_len, HS_IKE_GCM_SALT_LEN);
		memcpy(nonce + HS_IKE_GCM_SALT_LEN, iv, GCM_IV_LEN);
		iv = nonce;
	}
	/* GCM's default IV length is 12, as we need; CBC pads itself (§3.14). */
	ok = ctx != NULL && EVP_CipherInit_ex2(ctx, c, sk->ekey, iv, enc, NULL) == 1 &&
		EVP_CIPHER_CTX_set_padding(ctx, 0) == 1;
	OPENSSL_cleanse(nonce, sizeof(nonce));
	if (!ok) {
		EVP_CIPHER_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* Runs len bytes through the cipher, appending at out + *done. */
static bool
run(EVP_CIPHER_CTX *ctx, uint8_t *out, size_t *done, const uint8_t *in, size_t len)
{
	int n = 0;

	if (len == 0)
		return true;
	if (EVP_CipherUpdate(ctx, out != NULL ? out + *done : NULL, &n, in, (int)len) != 1)
		return false;
	if (out != NULL)
		*done += (size_t)n;
	return true;
}

static bool
finish(EVP_CIPHER_CTX *ctx, uint8_t *out, size_t *done)
{
	int n = 0;

	if (EVP_CipherFinal_ex(ctx, out + *done, &n) != 1)
		return false;
	*done += (size_t)n;
	return true;
}

/* ICV = HMAC(SK_a, aad | IV | ciphertext) truncated (RFC 7296 §3.14). */
static int
cbc_icv(const struct hs_ike_sk *sk, const uint8_t *aad, size_t aad_len, const uint8_t *body,
	size_t body_len, uint8_t *icv)
{
	const struct hs_ike_integ_alg *ia = hs_ike_integ_alg(sk->integ);
	const struct hs_ike_iov in[] = { { aad, aad_len }, { body, body_len } };
	uint8_t mac[HS_IKE_PRF_MAX];
	int rc;

	if (ia == NULL)
		return -EINVAL;
	/* The INTEG HMAC is the PRF of the same hash, truncated. */
	rc = hs_ike_prf(ia->hmac, sk->akey, sk->integ_key_len, in, 2, mac, sizeof(mac));
	if (rc == 0)
		memcpy(icv, mac, sk->icv_len);
	OPENSSL_cleanse(mac, sizeof(mac));
	return rc;
}

static bool
args_ok(const struct hs_ike_sk *sk, const uint8_t *aad, size_t aad_len, const void *buf,
	size_t len)
{
	/* At least the IKE header and the SK generic header (RFC 7296 §3.1, §3.2). */
	return sk != NULL && sk->block != 0 && aad != NULL &&
		aad_len >= HS_IKE_HDR_LEN + HS_IKE_GENERIC_HDR_LEN && aad_len <= HS_IKE_MSG_MAX &&
		(buf != NULL || len == 0) && len <= HS_IKE_MSG_MAX;
}

int
hs_ike_sk_encrypt(const struct hs_ike_sk *sk, const uint8_t *aad, size_t aad_len,
	const uint8_t *plain, size_t plain_len, uint8_t *out, size_t out_cap, size_t *out_len)
{
	uint8_t trailer[CBC_BLOCK] = { 0 }; /* padding (zeros) | pad length */
	EVP_CIPHER_CTX *ctx = NULL;
	size_t ct_len, total, done = 0;
	uint8_t *ct, pad;
	int rc = -EIO;

	if (!args_ok(sk, aad, aad_len, plain, plain_len) || out == NULL || out_len == NULL)
		return -EINVAL;
	*out_len = 0;
	total = hs_ike_sk_len(sk, plain_len);
	if (out_cap < total)
		return -ENOSPC;
	ct = out + sk->iv_len;
	ct_len = padded_len(sk, plain_len);
	pad = (uint8_t)(ct_len - plain_len - 1);
	trailer[pad] = pad;
	if (hs_ike_random(out, sk->iv_len) != 0)
		goto out;
	ctx = cipher_new(sk, out, 1);
	if (ctx == NULL)
		goto out;
	if ((is_gcm(sk) && !run(ctx, NULL, &done, aad, aad_len)) ||
		!run(ctx, ct, &done, plain, plain_len) || !run(ctx, ct, &done, trailer, pad + 1u) ||
		!finish(ctx, ct, &done) || done != ct_len)
		goto out;
	if (is_gcm(sk))
		rc = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, GCM_ICV_LEN, ct + ct_len) == 1
			? 0
			: -EIO;
	else
		rc = cbc_icv(sk, aad, aad_len, out, sk->iv_len + ct_len, ct + ct_len);
out:
	EVP_CIPHER_CTX_free(ctx);
	if (rc == 0)
		*out_len = total;
	else
		OPENSSL_cleanse(out, total);
	return rc;
}

/* GCM: decrypt, then the tag check of EVP_DecryptFinal. */
static int
gcm_open(const struct hs_ike_sk *sk, const uint8_t *aad, size_t aad_len, const uint8_t *in,
	size_t ct_len, uint8_t *plain)
{
	uint8_t tag[GCM_ICV_LEN];
	EVP_CIPHER_CTX *ctx = cipher_new(sk, in, 0);
	size_t done = 0;
	int rc = -EIO;

	if (ctx == NULL)
		return -EIO;
	memcpy(tag, in + sk->iv_len + ct_len, sizeof(tag)); /* the ctrl wants it mutable */
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, GCM_ICV_LEN, tag) == 1 &&
		run(ctx, NULL, &done, aad, aad_len) &&
		run(ctx, plain, &done, in + sk->iv_len, ct_len))
		rc = finish(ctx, plain, &done) && done == ct_len ? 0 : -EBADMSG;
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

/* CBC: ICV first (encrypt-then-MAC), decrypt only what verified. */
static int
cbc_open(const struct hs_ike_sk *sk, const uint8_t *aad, size_t aad_len, const uint8_t *in,
	size_t ct_len, uint8_t *plain)
{
	uint8_t icv[HS_IKE_ICV_MAX];
	EVP_CIPHER_CTX *ctx;
	size_t done = 0;
	int rc;

	rc = cbc_icv(sk, aad, aad_len, in, sk->iv_len + ct_len, icv);
	if (rc == 0 && CRYPTO_memcmp(icv, in + sk->iv_len + ct_len, sk->icv_len) != 0)
		rc = -EBADMSG;
	OPENSSL_cleanse(icv, sizeof(icv));
	if (rc != 0)
		return rc;
	ctx = cipher_new(sk, in, 0);
	if (ctx == NULL)
		return -EIO;
	rc = run(ctx, plain, &done, in + sk->iv_len, ct_len) && finish(ctx, plain, &done) &&
			done == ct_len
		? 0
		: -EIO;
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

int
hs_ike_sk_decrypt(const struct hs_ike_sk *sk, const uint8_t *aad, size_t aad_len,
	const uint8_t *in, size_t in_len, uint8_t *plain, size_t plain_cap, size_t *plain_len)
{
	size_t ct_len;
	uint8_t pad;
	int rc;

	if (!args_ok(sk, aad, aad_len, in, in_len) || in == NULL || plain == NULL ||
		plain_len == NULL)
		return -EINVAL;
	*plain_len = 0;
	/* At least the pad length octet; CBC: whole blocks (RFC 7296 §3.14). */
	if (in_len < (size_t)sk->iv_len + sk->icv_len + 1)
		return -EINVAL;
	ct_len = in_len - sk->iv_len - sk->icv_len;
	if (ct_len % sk->block != 0)
		return -EINVAL;
	if (plain_cap < ct_len)
		return -ENOSPC;
	rc = is_gcm(sk) ? gcm_open(sk, aad, aad_len, in, ct_len, plain)
			: cbc_open(sk, aad, aad_len, in, ct_len, plain);
	if (rc == 0) {
		/* Any padding value and any pad length that fits (§3.14). */
		pad = plain[ct_len - 1];
		if ((size_t)pad + 1 > ct_len)
			rc = -EINVAL;
		else
			*plain_len = ct_len - pad - 1;
	}
	if (rc != 0)
		OPENSSL_cleanse(plain, ct_len);
	return rc;
}
