/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The AUTH payload: the signed octets of RFC 7296 §2.15, the PSK MAC over
 * them, and RFC 7427 digital signatures (RSA PKCS#1 v1.5, ECDSA) on
 * EVP_DigestSign/EVP_DigestVerify. The PSK is never logged or kept.
 */
#include <errno.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "ike_crypto.h"

/* The pad string of RFC 7296 §2.15: 17 ASCII bytes, no terminating NUL. */
static const char key_pad[] = "Key Pad for IKEv2";
#define KEY_PAD_LEN (sizeof(key_pad) - 1)

static bool
auth_in_ok(const struct hs_ike_keys *k, const struct hs_ike_auth_in *in)
{
	/* ID' is at least the ID type and 3 reserved bytes (RFC 7296 §3.5). */
	return k != NULL && in != NULL && k->prf_len != 0 && in->msg != NULL &&
		in->msg_len >= HS_IKE_HDR_LEN && in->msg_len <= HS_IKE_MSG_MAX &&
		in->nonce != NULL && in->nonce_len >= HS_IKE_NONCE_MIN &&
		in->nonce_len <= HS_IKE_NONCE_MAX && in->id != NULL && in->id_len >= 4 &&
		in->id_len <= HS_IKE_MSG_MAX;
}

size_t
hs_ike_auth_octets_len(const struct hs_ike_keys *k, const struct hs_ike_auth_in *in)
{
	if (!auth_in_ok(k, in))
		return 0;
	return in->msg_len + in->nonce_len + k->prf_len;
}

/*
 * InitiatorSignedOctets = RealMessage1 | NonceRData | MACedIDForI,
 * MACedIDForI = prf(SK_pi, IDi'); the responder's with SK_pr and IDr'.
 */
int
hs_ike_auth_octets(const struct hs_ike_keys *k, const struct hs_ike_auth_in *in, uint8_t *out,
	size_t out_cap, size_t *out_len)
{
	size_t len = hs_ike_auth_octets_len(k, in);
	struct hs_ike_iov id;
	int rc;

	if (len == 0 || out == NULL || out_len == NULL)
		return -EINVAL;
	*out_len = 0;
	if (out_cap < len)
		return -ENOSPC;
	memcpy(out, in->msg, in->msg_len);
	memcpy(out + in->msg_len, in->nonce, in->nonce_len);
	id = (struct hs_ike_iov){ in->id, in->id_len };
	rc = hs_ike_prf(k->suite.prf, in->initiator ? k->sk_pi : k->sk_pr, k->prf_len, &id, 1,
		out + in->msg_len + in->nonce_len, k->prf_len);
	if (rc == 0)
		*out_len = len;
	return rc;
}

int
hs_ike_auth_psk(enum hs_ike_prf prf, const uint8_t *psk, size_t psk_len, const uint8_t *octets,
	size_t octets_len, uint8_t *auth, size_t auth_cap)
{
	const struct hs_ike_iov pad = { key_pad, KEY_PAD_LEN };
	const struct hs_ike_iov msg = { octets, octets_len };
	size_t len = hs_ike_prf_len(prf);
	uint8_t kp[HS_IKE_PRF_MAX];
	int rc;

	if (len == 0)
		return -ENOTSUP;
	if (psk == NULL || psk_len == 0 || octets == NULL || octets_len == 0 || auth == NULL)
		return -EINVAL;
	if (auth_cap < len)
		return -ENOSPC;
	/* AUTH = prf(prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>) */
	rc = hs_ike_prf(prf, psk, psk_len, &pad, 1, kp, sizeof(kp));
	if (rc == 0)
		rc = hs_ike_prf(prf, kp, len, &msg, 1, auth, auth_cap);
	OPENSSL_cleanse(kp, sizeof(kp));
	return rc;
}

int
hs_ike_auth_psk_verify(enum hs_ike_prf prf, const uint8_t *psk, size_t psk_len,
	const uint8_t *octets, size_t octets_len, const uint8_t *auth, size_t auth_len)
{
	uint8_t want[HS_IKE_PRF_MAX];
	int rc;

	if (auth == NULL)
		return -EINVAL;
	rc = hs_ike_auth_psk(prf, psk, psk_len, octets, octets_len, want, sizeof(want));
	/* The length is public (it follows from the PRF); the bytes are not. */
	if (rc == 0 &&
		(auth_len != hs_ike_prf_len(prf) || CRYPTO_memcmp(want, auth, auth_len) != 0))
		rc = -EBADMSG;
	OPENSSL_cleanse(want, sizeof(want));
	return rc;
}

/* SHA-1 is not offered for signatures (RFC 8247 §3.3, RFC 7427 §5). */
static const char *
hash_name(enum hs_ike_hash hash)
{
	switch (hash) {
	case HS_IKE_HASH_SHA2_256:
		return "SHA2-256";
	case HS_IKE_HASH_SHA2_384:
		return "SHA2-384";
	case HS_IKE_HASH_SHA2_512:
		return "SHA2-512";
	case HS_IKE_HASH_SHA1:
		break;
	}
	return NULL;
}

/* A digest-sign or -verify context for key with hash; RSA uses PKCS#1 v1.5. */
static int
sig_ctx(EVP_PKEY *key, enum hs_ike_hash hash, bool sign, EVP_MD_CTX **out)
{
	const char *md = hash_name(hash);
	EVP_PKEY_CTX *pctx = NULL;
	EVP_MD_CTX *ctx;
	bool rsa, ok;

	*out = NULL;
	if (key == NULL)
		return -EINVAL;
	rsa = EVP_PKEY_is_a(key, "RSA");
	if (md == NULL || (!rsa && !EVP_PKEY_is_a(key, "EC")))
		return -ENOTSUP;
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL)
		return -EIO;
	ok = sign ? EVP_DigestSignInit_ex(ctx, &pctx, md, NULL, NULL, key, NULL) == 1
		  : EVP_DigestVerifyInit_ex(ctx, &pctx, md, NULL, NULL, key, NULL) == 1;
	if (ok && rsa)
		ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
	if (!ok) {
		EVP_MD_CTX_free(ctx);
		return -EIO;
	}
	*out = ctx;
	return 0;
}

int
hs_ike_sig_sign(EVP_PKEY *key, enum hs_ike_hash hash, const uint8_t *octets, size_t octets_len,
	uint8_t *sig, size_t sig_cap, size_t *sig_len)
{
	EVP_MD_CTX *ctx;
	size_t n;
	int rc;

	if (octets == NULL || octets_len == 0 || sig == NULL || sig_len == NULL)
		return -EINVAL;
	*sig_len = 0;
	rc = sig_ctx(key, hash, true, &ctx);
	if (rc != 0)
		return rc;
	n = (size_t)EVP_PKEY_get_size(key); /* the largest signature */
	if (sig_cap < n)
		rc = -ENOSPC;
	else if (EVP_DigestSign(ctx, sig, &n, octets, octets_len) != 1)
		rc = -EIO;
	else
		*sig_len = n;
	EVP_MD_CTX_free(ctx);
	return rc;
}

int
hs_ike_sig_verify(EVP_PKEY *key, enum hs_ike_hash hash, const uint8_t *octets,
	size_t octets_len, const uint8_t *sig, size_t sig_len)
{
	EVP_MD_CTX *ctx;
	int rc;

	if (octets == NULL || octets_len == 0 || sig == NULL || sig_len == 0)
		return -EINVAL;
	rc = sig_ctx(key, hash, false, &ctx);
	if (rc != 0)
		return rc;
	/* 0 is a wrong signature, < 0 a malformed one: both fail the peer. */
	if (EVP_DigestVerify(ctx, sig, sig_len, octets, octets_len) != 1)
		rc = -EBADMSG;
	EVP_MD_CTX_free(ctx);
	return rc;
}

int
hs_ike_sig_algid(EVP_PKEY *key, enum hs_ike_hash hash, uint8_t *out, size_t out_cap,
	size_t *out_len)
{
	OSSL_PARAM params[2];
	EVP_MD_CTX *ctx;
	int rc;

	if (out == NULL || out_len == NULL)
		return -EINVAL;
	*out_len = 0;
	/* A verify context: it needs only the public half of the key. */
	rc = sig_ctx(key, hash, false, &ctx);
	if (rc != 0)
		return rc;
	params[0] = OSSL_PARAM_construct_octet_string(OSSL_SIGNATURE_PARAM_ALGORITHM_ID, out,
		out_cap);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_PKEY_CTX_get_params(EVP_MD_CTX_get_pkey_ctx(ctx), params) != 1 ||
		!OSSL_PARAM_modified(&params[0]))
		rc = params[0].return_size > out_cap ? -ENOSPC : -EIO;
	else
		*out_len = params[0].return_size;
	EVP_MD_CTX_free(ctx);
	return rc;
}
