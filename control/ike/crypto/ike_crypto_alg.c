/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What we know about each transform we implement: digest names, output, key
 * and ICV lengths, and which combinations make a valid suite. One table per
 * transform type, so adding an algorithm is one line.
 */
#include <errno.h>

#include "hs_common.h"
#include "ike_crypto.h"

/* PRF output length = its hash length (RFC 7296 §2.14: SK_d etc. are this long). */
static const struct hs_ike_prf_alg prfs[] = {
	{ HS_IKE_PRF_HMAC_SHA1, "SHA1", 20 },
	{ HS_IKE_PRF_HMAC_SHA2_256, "SHA2-256", 32 }, /* RFC 4868 §4 */
	{ HS_IKE_PRF_HMAC_SHA2_384, "SHA2-384", 48 },
	{ HS_IKE_PRF_HMAC_SHA2_512, "SHA2-512", 64 },
};

/* Key = the hash length, ICV = truncated (RFC 2404 §3, RFC 4868 §2.1.1, §2.3). */
static const struct hs_ike_integ_alg integs[] = {
	{ HS_IKE_INTEG_HMAC_SHA1_96, HS_IKE_PRF_HMAC_SHA1, 20, 12 },
	{ HS_IKE_INTEG_HMAC_SHA2_256_128, HS_IKE_PRF_HMAC_SHA2_256, 32, 16 },
	{ HS_IKE_INTEG_HMAC_SHA2_384_192, HS_IKE_PRF_HMAC_SHA2_384, 48, 24 },
	{ HS_IKE_INTEG_HMAC_SHA2_512_256, HS_IKE_PRF_HMAC_SHA2_512, 64, 32 },
};

const struct hs_ike_prf_alg *
hs_ike_prf_alg(enum hs_ike_prf prf)
{
	for (size_t i = 0; i < HS_ARRAY_SIZE(prfs); i++)
		if (prfs[i].id == prf)
			return &prfs[i];
	return NULL;
}

const struct hs_ike_integ_alg *
hs_ike_integ_alg(enum hs_ike_integ integ)
{
	for (size_t i = 0; i < HS_ARRAY_SIZE(integs); i++)
		if (integs[i].id == integ)
			return &integs[i];
	return NULL;
}

size_t
hs_ike_prf_len(enum hs_ike_prf prf)
{
	const struct hs_ike_prf_alg *a = hs_ike_prf_alg(prf);

	return a != NULL ? a->len : 0;
}

static bool
is_aead(enum hs_ike_encr encr)
{
	return encr == HS_IKE_ENCR_AES_GCM_16;
}

/*
 * AES in IKE may be 128, 192 or 256 bits (RFC 3602 §5.3, RFC 5282 §7.1);
 * the Key Length attribute is mandatory for it (RFC 7296 §3.3.5).
 */
int
hs_ike_encr_key_len(const struct hs_ike_suite *s)
{
	if (s == NULL)
		return -EINVAL;
	if (s->encr != HS_IKE_ENCR_AES_CBC && s->encr != HS_IKE_ENCR_AES_GCM_16)
		return -ENOTSUP;
	if (s->key_bits != 128 && s->key_bits != 192 && s->key_bits != 256)
		return -ENOTSUP;
	/* GCM keying material carries a 4-byte salt after the key (RFC 5282 §7.1). */
	return s->key_bits / 8 + (is_aead(s->encr) ? HS_IKE_GCM_SALT_LEN : 0);
}

int
hs_ike_suite_check(const struct hs_ike_suite *s, enum hs_ike_proto proto)
{
	int len = hs_ike_encr_key_len(s);

	if (len < 0)
		return len;
	if (proto != HS_IKE_PROTO_IKE && proto != HS_IKE_PROTO_ESP)
		return -EINVAL;
	/* The dataplane (lib/sa.h) runs AES-128 and AES-256 only. */
	if (proto == HS_IKE_PROTO_ESP && s->key_bits == 192)
		return -ENOTSUP;
	if (proto == HS_IKE_PROTO_IKE && hs_ike_prf_alg(s->prf) == NULL)
		return -ENOTSUP;
	/* A combined-mode cipher takes no integrity transform (RFC 5282 §8). */
	if (is_aead(s->encr))
		return s->integ == HS_IKE_INTEG_NONE ? 0 : -EINVAL;
	if (s->integ == HS_IKE_INTEG_NONE)
		return -EINVAL;
	return hs_ike_integ_alg(s->integ) != NULL ? 0 : -ENOTSUP;
}
