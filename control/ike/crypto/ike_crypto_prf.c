/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IKEv2 PRF and prf+ (RFC 7296 §2.13) on EVP_MAC "HMAC".
 *
 * prf+ is computed here rather than with EVP_KDF "HKDF" in expand-only mode,
 * which is the same construction (RFC 5869 §2.3): OpenSSL 3.0 caps the HKDF
 * info at 1024 bytes, and a CREATE_CHILD_SA seed (g^ir | Ni | Nr) can come
 * close to that; here the seed is also passed in pieces, so the shared secret
 * is never copied into a concatenation buffer.
 */
#include <errno.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "hs_common.h"
#include "ike_crypto.h"

/*
 * An HMAC context with the PRF's digest set but no key, made once per
 * digest and duplicated per use: fetching "HMAC" and its digest by name on
 * every call cost more than the hashing itself in IKE set-ups. Kept for the
 * life of the process; never keyed, so it holds no secret.
 */
static EVP_MAC_CTX *
hmac_template(const struct hs_ike_prf_alg *a)
{
	static struct {
		const char *digest;
		EVP_MAC_CTX *ctx;
	} cache[8];
	char digest[16]; /* OSSL_PARAM wants a mutable string */
	OSSL_PARAM params[2];
	EVP_MAC_CTX *ctx = NULL;
	EVP_MAC *mac;
	size_t n = strlen(a->digest), i;

	for (i = 0; i < HS_ARRAY_SIZE(cache) && cache[i].digest != NULL; i++)
		if (cache[i].digest == a->digest)
			return cache[i].ctx;
	if (n >= sizeof(digest))
		return NULL;
	memcpy(digest, a->digest, n + 1);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (mac != NULL)
		ctx = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac); /* the context keeps its own reference */
	if (ctx != NULL && EVP_MAC_CTX_set_params(ctx, params) != 1) {
		EVP_MAC_CTX_free(ctx);
		return NULL;
	}
	if (ctx != NULL && i < HS_ARRAY_SIZE(cache)) {
		cache[i].digest = a->digest;
		cache[i].ctx = ctx;
	}
	return ctx;
}

/* An HMAC context keyed for the PRF's hash, or NULL. */
static EVP_MAC_CTX *
hmac_new(const struct hs_ike_prf_alg *a, const void *key, size_t key_len)
{
	EVP_MAC_CTX *t = hmac_template(a);
	EVP_MAC_CTX *ctx = t != NULL ? EVP_MAC_CTX_dup(t) : NULL;

	if (ctx != NULL && EVP_MAC_init(ctx, key, key_len, NULL) != 1) {
		EVP_MAC_CTX_free(ctx);
		ctx = NULL;
	}
	return ctx;
}

static bool
update(EVP_MAC_CTX *ctx, const struct hs_ike_iov *in, size_t n_in)
{
	for (size_t i = 0; i < n_in; i++)
		if (in[i].len != 0 && EVP_MAC_update(ctx, in[i].base, in[i].len) != 1)
			return false;
	return true;
}

static bool
iov_ok(const struct hs_ike_iov *in, size_t n_in)
{
	if (n_in != 0 && in == NULL)
		return false;
	for (size_t i = 0; i < n_in; i++)
		if (in[i].len != 0 && in[i].base == NULL)
			return false;
	return true;
}

int
hs_ike_prf(enum hs_ike_prf prf, const void *key, size_t key_len, const struct hs_ike_iov *in,
	size_t n_in, uint8_t *out, size_t out_cap)
{
	const struct hs_ike_prf_alg *a = hs_ike_prf_alg(prf);
	EVP_MAC_CTX *ctx;
	size_t got = 0;
	int rc = -EIO;

	if (a == NULL)
		return -ENOTSUP;
	/* Every key we use (nonces, SK_*, PSK) is non-empty; an empty one is a bug. */
	if (key == NULL || key_len == 0 || out == NULL || !iov_ok(in, n_in))
		return -EINVAL;
	if (out_cap < a->len)
		return -ENOSPC;
	ctx = hmac_new(a, key, key_len);
	if (ctx == NULL)
		return -EIO;
	if (update(ctx, in, n_in) && EVP_MAC_final(ctx, out, &got, out_cap) == 1 && got == a->len)
		rc = 0;
	EVP_MAC_CTX_free(ctx); /* frees (and clears) the keyed digest state */
	if (rc != 0)
		OPENSSL_cleanse(out, a->len);
	return rc;
}

/*
 * One block of prf+: T(n) = prf(K, T(n-1) | S | n), T(0) empty. EVP_MAC_init
 * with no key restarts the HMAC with the key already set.
 */
static bool
block(EVP_MAC_CTX *ctx, uint8_t *t, size_t t_len, const struct hs_ike_iov *seed, size_t n_seed,
	uint8_t n)
{
	size_t got = 0;

	if (n > 1 && (EVP_MAC_init(ctx, NULL, 0, NULL) != 1 || EVP_MAC_update(ctx, t, t_len) != 1))
		return false;
	return update(ctx, seed, n_seed) && EVP_MAC_update(ctx, &n, 1) == 1 &&
		EVP_MAC_final(ctx, t, &got, HS_IKE_PRF_MAX) == 1 && got == t_len;
}

int
hs_ike_prf_plus(enum hs_ike_prf prf, const void *key, size_t key_len,
	const struct hs_ike_iov *seed, size_t n_seed, uint8_t *out, size_t out_len)
{
	const struct hs_ike_prf_alg *a = hs_ike_prf_alg(prf);
	uint8_t t[HS_IKE_PRF_MAX];
	EVP_MAC_CTX *ctx;
	size_t done = 0;
	int rc = 0;

	if (a == NULL)
		return -ENOTSUP;
	if (key == NULL || key_len == 0 || out == NULL || !iov_ok(seed, n_seed))
		return -EINVAL;
	/* The block counter is one octet: at most 255 blocks (RFC 7296 §2.13). */
	if (out_len == 0 || out_len > (size_t)HS_IKE_PRF_PLUS_ITER_MAX * a->len)
		return -EINVAL;
	ctx = hmac_new(a, key, key_len);
	if (ctx == NULL)
		return -EIO;
	for (unsigned int n = 1; done < out_len; n++) {
		size_t take = out_len - done < a->len ? out_len - done : a->len;

		if (!block(ctx, t, a->len, seed, n_seed, (uint8_t)n)) {
			rc = -EIO;
			break;
		}
		memcpy(out + done, t, take);
		done += take;
	}
	OPENSSL_cleanse(t, sizeof(t));
	EVP_MAC_CTX_free(ctx);
	if (rc != 0)
		OPENSSL_cleanse(out, out_len);
	return rc;
}
