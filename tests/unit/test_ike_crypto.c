/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKEv2 crypto (control/ike/crypto): known-answer vectors for the PRF
 * (RFC 2202, RFC 4231), ECDH (RFC 5903 §8) and X25519 (RFC 7748 §6.1);
 * prf+, SKEYSEED/SK_*, rekey and KEYMAT against a reference written here with
 * OpenSSL's one-shot HMAC() (a different code path from EVP_MAC); Encrypted
 * payload and PSK AUTH vectors computed independently with /usr/bin/python3
 * and python3-cryptography 38 (script summarised next to each vector);
 * MODP range checks against the RFC 3526 prime; tampering and bad lengths.
 */
#include <errno.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

#include "ike_crypto.h"
#include "sa.h"
#include "unit_common.h"

#define BUF_MAX 2048

/* Python's seq(n, start, step): byte i = start + i * step (mod 256). */
static void
seq(uint8_t *p, size_t n, unsigned int start, unsigned int step)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(start + i * step);
}

static size_t
hex(const char *s, uint8_t *out, size_t max)
{
	size_t n = hs_test_hex(s, out, max);

	CU_ASSERT_FATAL(n <= max);
	return n;
}

static bool
hex_eq(const uint8_t *p, size_t len, const char *want)
{
	uint8_t w[BUF_MAX];

	return hex(want, w, sizeof(w)) == len && memcmp(p, w, len) == 0;
}

static const EVP_MD *
md_of(enum hs_ike_prf prf)
{
	switch (prf) {
	case HS_IKE_PRF_HMAC_SHA1:
		return EVP_sha1();
	case HS_IKE_PRF_HMAC_SHA2_256:
		return EVP_sha256();
	case HS_IKE_PRF_HMAC_SHA2_384:
		return EVP_sha384();
	case HS_IKE_PRF_HMAC_SHA2_512:
		return EVP_sha512();
	}
	return NULL;
}

static const enum hs_ike_prf prfs[] = { HS_IKE_PRF_HMAC_SHA1, HS_IKE_PRF_HMAC_SHA2_256,
	HS_IKE_PRF_HMAC_SHA2_384, HS_IKE_PRF_HMAC_SHA2_512 };
static const enum hs_ike_integ integs[] = { HS_IKE_INTEG_HMAC_SHA1_96,
	HS_IKE_INTEG_HMAC_SHA2_256_128, HS_IKE_INTEG_HMAC_SHA2_384_192,
	HS_IKE_INTEG_HMAC_SHA2_512_256 };
static const uint16_t key_bits[] = { 128, 192, 256 };

/* Suite n of 15: key size n / 5; CBC with integs[n % 5], or GCM for n % 5 == 4. */
#define N_SUITES 15
static struct hs_ike_suite
suite(size_t n, enum hs_ike_prf prf)
{
	bool gcm = n % 5 == 4;

	return (struct hs_ike_suite){ gcm ? HS_IKE_ENCR_AES_GCM_16 : HS_IKE_ENCR_AES_CBC,
		key_bits[n / 5], gcm ? HS_IKE_INTEG_NONE : integs[n % 5], prf };
}

/* Reference prf+ (RFC 7296 §2.13) unrolled over one-shot HMAC() calls. */
static void
ref_prf_plus(enum hs_ike_prf prf, const uint8_t *key, size_t key_len, const uint8_t *seed,
	size_t seed_len, uint8_t *out, size_t out_len)
{
	static uint8_t buf[64 + BUF_MAX + 1];
	uint8_t t[64];
	unsigned int hl = 0;
	size_t tl = 0;

	CU_ASSERT_FATAL(seed_len <= BUF_MAX);
	for (unsigned int n = 1, done = 0; done < out_len; n++) {
		memcpy(buf, t, tl); /* T(n-1), empty for T1 */
		memcpy(buf + tl, seed, seed_len);
		buf[tl + seed_len] = (uint8_t)n;
		HMAC(md_of(prf), key, (int)key_len, buf, tl + seed_len + 1, t, &hl);
		tl = hl;
		memcpy(out + done, t, out_len - done < hl ? out_len - done : hl);
		done += hl;
	}
}

/* --- PRF known answers --- */

struct prf_kat {
	enum hs_ike_prf prf;
	const char *key;
	const char *data; /* text */
	const char *mac;  /* RFC 4231 case 5 is given truncated to 128 bits */
};

#define K20(b) b b b b b b b b b b b b b b b b b b b b
#define K25 "0102030405060708090a0b0c0d0e0f10111213141516171819"
#define KAA80 K20("aa") K20("aa") K20("aa") K20("aa")
#define KAA131 KAA80 K20("aa") K20("aa") "aaaaaaaaaaaaaaaaaaaaaa" /* 131 bytes */
#define T6 "Test Using Larger Than Block-Size Key - Hash Key First"
#define T7                                                                                         \
	"This is a test using a larger than block-size key and a larger than block-size data. "    \
	"The key needs to be hashed before being used by the HMAC algorithm."

static const struct prf_kat kats[] = {
	/* RFC 2202 §3 (HMAC-SHA-1); cases 3 and 4 have binary data, below. */
	{ HS_IKE_PRF_HMAC_SHA1, K20("0b"), "Hi There", "b617318655057264e28bc0b6fb378c8ef146be00" },
	{ HS_IKE_PRF_HMAC_SHA1, "4a656665", "what do ya want for nothing?",
		"effcdf6ae5eb2fa2d27416d5f184df9c259a7c79" },
	{ HS_IKE_PRF_HMAC_SHA1, K20("0c"), "Test With Truncation",
		"4c1a03424b55e07fe7f27be1d58bb9324a9a5a04" },
	{ HS_IKE_PRF_HMAC_SHA1, KAA80, T6, "aa4ae5e15272d00e95705637ce8a3b55ed402112" },
	{ HS_IKE_PRF_HMAC_SHA1, KAA80,
		"Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data",
		"e8e99d0f45237d786d6bbaa7965c7808bbff1a91" },
	/* RFC 4231 §4.2, 4.3, 4.6, 4.7, 4.8 */
	{ HS_IKE_PRF_HMAC_SHA2_256, K20("0b"), "Hi There",
		"b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
	{ HS_IKE_PRF_HMAC_SHA2_384, K20("0b"), "Hi There",
		"afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c"
		"faea9ea9076ede7f4af152e8b2fa9cb6" },
	{ HS_IKE_PRF_HMAC_SHA2_512, K20("0b"), "Hi There",
		"87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
		"daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854" },
	{ HS_IKE_PRF_HMAC_SHA2_256, "4a656665", "what do ya want for nothing?",
		"5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
	{ HS_IKE_PRF_HMAC_SHA2_384, "4a656665", "what do ya want for nothing?",
		"af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
		"8e2240ca5e69e2c78b3239ecfab21649" },
	{ HS_IKE_PRF_HMAC_SHA2_512, "4a656665", "what do ya want for nothing?",
		"164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
		"9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737" },
	{ HS_IKE_PRF_HMAC_SHA2_256, K20("0c"), "Test With Truncation",
		"a3b6167473100ee06e0c796c2955552b" },
	{ HS_IKE_PRF_HMAC_SHA2_512, K20("0c"), "Test With Truncation",
		"415fad6271580a531d4179bc891d87a6" },
	{ HS_IKE_PRF_HMAC_SHA2_256, KAA131, T6,
		"60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54" },
	{ HS_IKE_PRF_HMAC_SHA2_384, KAA131, T6,
		"4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c6"
		"0c2ef6ab4030fe8296248df163f44952" },
	{ HS_IKE_PRF_HMAC_SHA2_512, KAA131, T6,
		"80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
		"6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598" },
	{ HS_IKE_PRF_HMAC_SHA2_256, KAA131, T7,
		"9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2" },
	{ HS_IKE_PRF_HMAC_SHA2_384, KAA131, T7,
		"6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5"
		"a678cc31e799176d3860e6110c46523e" },
	{ HS_IKE_PRF_HMAC_SHA2_512, KAA131, T7,
		"e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944"
		"b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58" },
};

static void
test_prf_kat(void)
{
	for (size_t i = 0; i < HS_ARRAY_SIZE(kats); i++) {
		uint8_t key[256], want[64], out[64];
		size_t kl = hex(kats[i].key, key, sizeof(key));
		size_t wl = hex(kats[i].mac, want, sizeof(want));
		struct hs_ike_iov in = { kats[i].data, strlen(kats[i].data) };

		CU_ASSERT_EQUAL(hs_ike_prf(kats[i].prf, key, kl, &in, 1, out, sizeof(out)), 0);
		CU_ASSERT(memcmp(out, want, wl) == 0);
	}
}

/* RFC 2202 cases 3, 4 and RFC 4231 4.4, 4.5: binary data, fed in pieces. */
static void
test_prf_kat_binary(void)
{
	uint8_t k3[20], k4[25], dd[50], cd[50], out[64];
	struct hs_ike_iov d3[] = { { dd, 7 }, { NULL, 0 }, { dd + 7, 43 } };
	struct hs_ike_iov d4[] = { { cd, 1 }, { cd + 1, 49 } };

	memset(k3, 0xaa, sizeof(k3));
	memset(dd, 0xdd, sizeof(dd));
	memset(cd, 0xcd, sizeof(cd));
	hex(K25, k4, sizeof(k4));
	CU_ASSERT_EQUAL(hs_ike_prf(HS_IKE_PRF_HMAC_SHA1, k3, 20, d3, 3, out, sizeof(out)), 0);
	CU_ASSERT(hex_eq(out, 20, "125d7342b9ac11cd91a39af48aa17b4f63f175d3"));
	CU_ASSERT_EQUAL(hs_ike_prf(HS_IKE_PRF_HMAC_SHA1, k4, 25, d4, 2, out, sizeof(out)), 0);
	CU_ASSERT(hex_eq(out, 20, "4c9007f4026250c6bc8414f9bf50c86c2d7235da"));
	CU_ASSERT_EQUAL(hs_ike_prf(HS_IKE_PRF_HMAC_SHA2_256, k3, 20, d3, 3, out, sizeof(out)), 0);
	CU_ASSERT(hex_eq(out, 32,
		"773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"));
	CU_ASSERT_EQUAL(hs_ike_prf(HS_IKE_PRF_HMAC_SHA2_384, k4, 25, d4, 2, out, sizeof(out)), 0);
	CU_ASSERT(hex_eq(out, 48,
		"3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e"
		"6801dd23c4a7d679ccf8a386c674cffb"));
	/* Errors: unknown PRF, empty key, short output. */
	CU_ASSERT_EQUAL(hs_ike_prf((enum hs_ike_prf)3, k3, 20, d4, 2, out, sizeof(out)), -ENOTSUP);
	CU_ASSERT_EQUAL(hs_ike_prf(HS_IKE_PRF_HMAC_SHA1, k3, 0, d4, 2, out, sizeof(out)), -EINVAL);
	CU_ASSERT_EQUAL(hs_ike_prf(HS_IKE_PRF_HMAC_SHA2_256, k3, 20, d4, 2, out, 31), -ENOSPC);
}

static void
test_prf_plus(void)
{
	uint8_t key[40], seed[300], got[255 * 64 + 1], want[255 * 64];
	struct hs_ike_iov s[] = { { seed, 100 }, { seed + 100, 200 } };

	seq(key, sizeof(key), 0x10, 3);
	seq(seed, sizeof(seed), 0x99, 5);
	for (size_t i = 0; i < HS_ARRAY_SIZE(prfs); i++) {
		size_t hl = hs_ike_prf_len(prfs[i]);
		const size_t lens[] = { 1, hl - 1, hl, hl + 1, 3 * hl - 5, 3 * hl, 255 * hl };

		for (size_t j = 0; j < HS_ARRAY_SIZE(lens); j++) {
			memset(got, 0, sizeof(got));
			ref_prf_plus(prfs[i], key, sizeof(key), seed, sizeof(seed), want, lens[j]);
			CU_ASSERT_EQUAL(
				hs_ike_prf_plus(prfs[i], key, sizeof(key), s, 2, got, lens[j]), 0);
			CU_ASSERT(memcmp(got, want, lens[j]) == 0);
		}
		/* 255 blocks at most (RFC 7296 §2.13), and never nothing. */
		CU_ASSERT_EQUAL(hs_ike_prf_plus(prfs[i], key, 40, s, 2, got, 255 * hl + 1),
			-EINVAL);
		CU_ASSERT_EQUAL(hs_ike_prf_plus(prfs[i], key, 40, s, 2, got, 0), -EINVAL);
	}
}

/* --- IKE SA keys, rekey, KEYMAT --- */

struct kdf_fix {
	uint8_t ni[32], nr[32], gir[256];
	struct hs_ike_kdf_in in;
};

/* The inputs of the python vector below. */
static void
kdf_fix(struct kdf_fix *f)
{
	seq(f->ni, 32, 0x01, 1);
	seq(f->nr, 32, 0x81, 1);
	seq(f->gir, 256, 0x5a, 7);
	memset(&f->in, 0, sizeof(f->in));
	f->in = (struct hs_ike_kdf_in){ f->ni, 32, f->nr, 32, f->gir, 256, { 0 }, { 0 } };
	hex("0001020304050607", f->in.spi_i, 8);
	hex("f0f1f2f3f4f5f6f7", f->in.spi_r, 8);
}

/* Concatenation of the seven keys in §2.14 order. */
static size_t
keys_cat(const struct hs_ike_keys *k, uint8_t *out)
{
	const uint8_t *part[] = { k->sk_d, k->sk_ai, k->sk_ar, k->sk_ei, k->sk_er, k->sk_pi,
		k->sk_pr };
	const size_t len[] = { k->prf_len, k->integ_len, k->integ_len, k->encr_len, k->encr_len,
		k->prf_len, k->prf_len };
	size_t n = 0;

	for (size_t i = 0; i < 7; i++) {
		memcpy(out + n, part[i], len[i]);
		n += len[i];
	}
	return n;
}

/*
 * python: skeyseed = hmac(ni|nr, gir, sha256); km = prf+(skeyseed,
 * ni|nr|spi_i|spi_r) for PRF HMAC-SHA2-256, AES-CBC-128, HMAC-SHA2-256-128.
 */
static void
test_ike_keys_vector(void)
{
	const struct hs_ike_suite s = { HS_IKE_ENCR_AES_CBC, 128, HS_IKE_INTEG_HMAC_SHA2_256_128,
		HS_IKE_PRF_HMAC_SHA2_256 };
	struct hs_ike_keys k;
	struct kdf_fix f;
	uint8_t cat[512];

	kdf_fix(&f);
	CU_ASSERT_EQUAL_FATAL(hs_ike_keys_derive(&k, &s, &f.in), 0);
	CU_ASSERT_EQUAL(k.prf_len, 32);
	CU_ASSERT_EQUAL(k.integ_len, 32);
	CU_ASSERT_EQUAL(k.encr_len, 16);
	CU_ASSERT(hex_eq(cat, keys_cat(&k, cat),
		"3a26d65b1b76138db37d6f3b5843a1977198ba5e63891222f3dd76048ce5e4b5"
		"2ca66df06cf30a5dc4faadf1007b07517e0927bce395c49b4a0840a380d67122"
		"ec96b06d02b1021a794324af05a330ed702516a4ebc7f46a983d2e73dfcbe91e"
		"76fc85c2b0a60e3f1c30e4d2eed505e4c0fbc032bab488690adefc9ac38ff0d4"
		"c247d792e426434471ec41b7f3db7e8976021c97fc50ce02a0a267dde9b9e41a"
		"51f3ecc56291345bc01d6c19324748fa230dd1ad871a7f28019d7cb6cbd6f7ed"));
	hs_ike_keys_wipe(&k);
	CU_ASSERT_EQUAL(k.prf_len, 0);
}

/* Every IKE suite against the reference; lengths from the transforms. */
static void
test_ike_keys_all_suites(void)
{
	uint8_t seed[2 * 32 + 16], nonces[64], skeyseed[64], want[512], cat[512];
	struct kdf_fix f;
	unsigned int hl;

	kdf_fix(&f);
	memcpy(nonces, f.ni, 32);
	memcpy(nonces + 32, f.nr, 32);
	memcpy(seed, nonces, 64);
	memcpy(seed + 64, f.in.spi_i, 8);
	memcpy(seed + 72, f.in.spi_r, 8);
	for (size_t p = 0; p < HS_ARRAY_SIZE(prfs); p++) {
		for (size_t j = 0; j < N_SUITES; j++) {
			struct hs_ike_suite s = suite(j, prfs[p]);
			const struct hs_ike_integ_alg *ia = hs_ike_integ_alg(s.integ);
			struct hs_ike_keys k;
			size_t n;

			CU_ASSERT_EQUAL_FATAL(hs_ike_keys_derive(&k, &s, &f.in), 0);
			CU_ASSERT_EQUAL(k.encr_len, hs_ike_encr_key_len(&s));
			CU_ASSERT_EQUAL(k.encr_len, s.key_bits / 8 + (ia == NULL ? 4 : 0));
			CU_ASSERT_EQUAL(k.integ_len, ia == NULL ? 0 : ia->key_len);
			CU_ASSERT_EQUAL(k.prf_len, hs_ike_prf_len(prfs[p]));
			HMAC(md_of(prfs[p]), nonces, 64, f.gir, 256, skeyseed, &hl);
			n = keys_cat(&k, cat);
			ref_prf_plus(prfs[p], skeyseed, hl, seed, sizeof(seed), want, n);
			CU_ASSERT(memcmp(cat, want, n) == 0);
			hs_ike_keys_wipe(&k);
		}
	}
}

static void
test_ike_keys_rekey(void)
{
	const struct hs_ike_suite s1 = { HS_IKE_ENCR_AES_CBC, 256, HS_IKE_INTEG_HMAC_SHA1_96,
		HS_IKE_PRF_HMAC_SHA1 };
	const struct hs_ike_suite s2 = { HS_IKE_ENCR_AES_GCM_16, 256, HS_IKE_INTEG_NONE,
		HS_IKE_PRF_HMAC_SHA2_384 };
	uint8_t data[256 + 64], seed[80], skeyseed[64], want[512], cat[512];
	struct hs_ike_keys old, k;
	struct kdf_fix f;
	unsigned int hl;
	size_t n;

	kdf_fix(&f);
	CU_ASSERT_EQUAL_FATAL(hs_ike_keys_derive(&old, &s1, &f.in), 0);
	f.in.spi_i[0] ^= 0x55; /* the new SA's SPIs */
	CU_ASSERT_EQUAL_FATAL(hs_ike_keys_rekey(&k, &old, &s2, &f.in), 0);
	/* SKEYSEED = prf_old(SK_d (old), g^ir | Ni | Nr), then prf+ with the new PRF. */
	memcpy(data, f.gir, 256);
	memcpy(data + 256, f.ni, 32);
	memcpy(data + 288, f.nr, 32);
	HMAC(EVP_sha1(), old.sk_d, 20, data, sizeof(data), skeyseed, &hl);
	CU_ASSERT_EQUAL(hl, 20);
	memcpy(seed, f.ni, 32);
	memcpy(seed + 32, f.nr, 32);
	memcpy(seed + 64, f.in.spi_i, 8);
	memcpy(seed + 72, f.in.spi_r, 8);
	n = keys_cat(&k, cat);
	CU_ASSERT_EQUAL(n, 3 * 48 + 2 * 36);
	ref_prf_plus(HS_IKE_PRF_HMAC_SHA2_384, skeyseed, hl, seed, sizeof(seed), want, n);
	CU_ASSERT(memcmp(cat, want, n) == 0);
	CU_ASSERT_EQUAL(hs_ike_keys_rekey(&old, &old, &s2, &f.in), -EINVAL);
	hs_ike_keys_wipe(&old);
	hs_ike_keys_wipe(&k);
}

static void
test_suite_check(void)
{
	struct hs_ike_suite s = { HS_IKE_ENCR_AES_GCM_16, 256, HS_IKE_INTEG_HMAC_SHA1_96,
		HS_IKE_PRF_HMAC_SHA2_256 };
	struct hs_ike_keys k;
	struct kdf_fix f;

	CU_ASSERT_EQUAL(hs_ike_suite_check(&s, HS_IKE_PROTO_IKE), -EINVAL); /* GCM + INTEG */
	s = (struct hs_ike_suite){ HS_IKE_ENCR_AES_CBC, 128, HS_IKE_INTEG_NONE, s.prf };
	CU_ASSERT_EQUAL(hs_ike_suite_check(&s, HS_IKE_PROTO_IKE), -EINVAL); /* CBC, no INTEG */
	s.integ = HS_IKE_INTEG_HMAC_SHA2_256_128;
	CU_ASSERT_EQUAL(hs_ike_suite_check(&s, HS_IKE_PROTO_IKE), 0);
	s.key_bits = 0; /* the Key Length attribute is mandatory */
	CU_ASSERT_EQUAL(hs_ike_suite_check(&s, HS_IKE_PROTO_IKE), -ENOTSUP);
	s.key_bits = 192;
	CU_ASSERT_EQUAL(hs_ike_suite_check(&s, HS_IKE_PROTO_IKE), 0);
	CU_ASSERT_EQUAL(hs_ike_suite_check(&s, HS_IKE_PROTO_ESP), -ENOTSUP);
	s.key_bits = 128;
	s.prf = (enum hs_ike_prf)4; /* AES-XCBC: not ours */
	CU_ASSERT_EQUAL(hs_ike_suite_check(&s, HS_IKE_PROTO_IKE), -ENOTSUP);
	CU_ASSERT_EQUAL(hs_ike_suite_check(&s, HS_IKE_PROTO_ESP), 0);
	s.prf = HS_IKE_PRF_HMAC_SHA2_256;
	/* Nonces of 16..256 bytes only (RFC 7296 §3.9). */
	kdf_fix(&f);
	f.in.ni_len = 15;
	CU_ASSERT_EQUAL(hs_ike_keys_derive(&k, &s, &f.in), -EINVAL);
	f.in.ni_len = 16;
	CU_ASSERT_EQUAL(hs_ike_keys_derive(&k, &s, &f.in), 0);
	f.in.g_ir = NULL;
	CU_ASSERT_EQUAL(hs_ike_keys_derive(&k, &s, &f.in), -EINVAL);
	hs_ike_keys_wipe(&k);
}

/* python: KEYMAT = prf+(SK_d, g^ir | Ni | Nr), SK_d of the vector above, GCM-128. */
static void
test_child_vector(void)
{
	const struct hs_ike_suite s = { HS_IKE_ENCR_AES_CBC, 128, HS_IKE_INTEG_HMAC_SHA2_256_128,
		HS_IKE_PRF_HMAC_SHA2_256 };
	const struct hs_ike_suite esp = { HS_IKE_ENCR_AES_GCM_16, 128, HS_IKE_INTEG_NONE, 0 };
	uint8_t ni[16], nr[20], gir[32], km[64];
	struct hs_ike_child_keys ck;
	struct hs_ike_keys k;
	struct kdf_fix f;

	kdf_fix(&f);
	CU_ASSERT_EQUAL_FATAL(hs_ike_keys_derive(&k, &s, &f.in), 0);
	seq(ni, 16, 0xa0, 1);
	seq(nr, 20, 0xb0, 1);
	seq(gir, 32, 0x11, 5);
	f.in = (struct hs_ike_kdf_in){ ni, 16, nr, 20, gir, 32, { 0 }, { 0 } };
	CU_ASSERT_EQUAL_FATAL(hs_ike_child_keys_derive(&ck, &k, &esp, &f.in), 0);
	CU_ASSERT_EQUAL(ck.encr_len, 20);
	CU_ASSERT_EQUAL(ck.integ_len, 0);
	memcpy(km, ck.encr_ir, 20);
	memcpy(km + 20, ck.encr_ri, 20);
	CU_ASSERT(hex_eq(km, 40,
		"c6d976a22842deae987037efadc92bd5ad3020e49144a8091c68e501d1d5ec99"
		"444921b590f47bb6"));
	hs_ike_child_keys_wipe(&ck);
	hs_ike_keys_wipe(&k);
}

static void
check_to_sa(const struct hs_ike_child_keys *ck)
{
	struct hs_sa_params out, in;
	enum hs_cipher c;

	memset(&out, 0, sizeof(out));
	memset(&in, 0, sizeof(in));
	CU_ASSERT_EQUAL_FATAL(hs_ike_child_keys_to_sa(ck, true, &out, &in), 0);
	CU_ASSERT(out.dir == HS_SA_OUT && in.dir == HS_SA_IN);
	c = out.cipher;
	CU_ASSERT_EQUAL(out.enc_key_len, hs_cipher_key_len(c) + hs_cipher_salt_len(c));
	CU_ASSERT_EQUAL(out.auth_key_len, hs_integ_key_len(out.integ));
	CU_ASSERT_EQUAL(hs_cipher_key_len(c) * 8, ck->suite.key_bits);
	CU_ASSERT_EQUAL(hs_cipher_is_aead(c), ck->suite.encr == HS_IKE_ENCR_AES_GCM_16);
	CU_ASSERT(memcmp(out.enc_key, ck->encr_ir, ck->encr_len) == 0);
	CU_ASSERT(memcmp(out.auth_key, ck->integ_ir, ck->integ_len) == 0);
	CU_ASSERT(memcmp(in.enc_key, ck->encr_ri, ck->encr_len) == 0);
	CU_ASSERT(memcmp(in.auth_key, ck->integ_ri, ck->integ_len) == 0);
	/* The responder sends with the r->i keys. */
	CU_ASSERT_EQUAL_FATAL(hs_ike_child_keys_to_sa(ck, false, &out, &in), 0);
	CU_ASSERT(memcmp(out.enc_key, ck->encr_ri, ck->encr_len) == 0);
	CU_ASSERT(memcmp(in.enc_key, ck->encr_ir, ck->encr_len) == 0);
	CU_ASSERT(memcmp(in.auth_key, ck->integ_ir, ck->integ_len) == 0);
}

/* Every ESP suite, with and without PFS: order encr_ir integ_ir encr_ri integ_ri. */
static void
test_child_all_suites(void)
{
	const struct hs_ike_suite s = { HS_IKE_ENCR_AES_CBC, 256, HS_IKE_INTEG_HMAC_SHA2_512_256,
		HS_IKE_PRF_HMAC_SHA2_512 };
	uint8_t seed[256 + 64], want[512];
	struct hs_ike_keys k;
	struct kdf_fix f;

	kdf_fix(&f);
	CU_ASSERT_EQUAL_FATAL(hs_ike_keys_derive(&k, &s, &f.in), 0);
	for (int pfs = 0; pfs <= 1; pfs++) {
		for (size_t j = 0; j < N_SUITES; j++) {
			struct hs_ike_suite esp = suite(j, 0);
			struct hs_ike_kdf_in in = f.in;
			struct hs_ike_child_keys ck;
			size_t e, a, n = pfs ? 256 : 0;

			if (esp.key_bits == 192) /* not in the dataplane */
				continue;
			if (!pfs)
				in.g_ir = NULL;
			memcpy(seed, f.gir, n);
			memcpy(seed + n, f.ni, 32);
			memcpy(seed + n + 32, f.nr, 32);
			CU_ASSERT_EQUAL_FATAL(hs_ike_child_keys_derive(&ck, &k, &esp, &in), 0);
			e = ck.encr_len;
			a = ck.integ_len;
			ref_prf_plus(k.suite.prf, k.sk_d, 64, seed, n + 64, want, 2 * (e + a));
			CU_ASSERT(memcmp(ck.encr_ir, want, e) == 0);
			CU_ASSERT(memcmp(ck.integ_ir, want + e, a) == 0);
			CU_ASSERT(memcmp(ck.encr_ri, want + e + a, e) == 0);
			CU_ASSERT(memcmp(ck.integ_ri, want + 2 * e + a, a) == 0);
			check_to_sa(&ck);
			hs_ike_child_keys_wipe(&ck);
		}
	}
	hs_ike_keys_wipe(&k);
}

/* --- Diffie-Hellman --- */

struct ecp_kat {
	enum hs_ike_dh group;
	const char *i, *gi, *r, *gr, *girx;
};

/* RFC 5903 §8.1-8.3: private values, public x | y, shared x. */
static const struct ecp_kat ecp_kats[] = {
	{ HS_IKE_DH_ECP256, "c88f01f510d9ac3f70a292daa2316de544e9aab8afe84049c62a9c57862d1433",
		"dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c3772581180"
		"5271a0461cdb8252d61f1c456fa3e59ab1f45b33accf5f58389e0577b8990bb3",
		"c6ef9c5d78ae012a011164acb397ce2088685d8f06bf9be0b283ab46476bee53",
		"d12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf63"
		"56fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872ab",
		"d6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de" },
	{ HS_IKE_DH_ECP384,
		"099f3c7034d4a2c699884d73a375a67f7624ef7c6b3c0f160647b67414dce655"
		"e35b538041e649ee3faef896783ab194",
		"667842d7d180ac2cde6f74f37551f55755c7645c20ef73e31634fe72b4c55ee6"
		"de3ac808acb4bdb4c88732aee95f41aa9482ed1fc0eeb9cafc4984625ccfc23f"
		"65032149e0e144ada024181535a0f38eeb9fcff3c2c947dae69b4c634573a81c",
		"41cb0779b4bdb85d47846725fbec3c9430fab46cc8dc5060855cc9bda0aa2942"
		"e0308312916b8ed2960e4bd55a7448fc",
		"e558dbef53eecde3d3fccfc1aea08a89a987475d12fd950d83cfa41732bc509d"
		"0d1ac43a0336def96fda41d0774a3571dcfbec7aacf3196472169e838430367f"
		"66eebe3c6e70c416dd5f0c68759dd1fff83fa40142209dff5eaad96db9e6386c",
		"11187331c279962d93d604243fd592cb9d0a926f422e47187521287e7156c5c4"
		"d603135569b9e9d09cf5d4a270f59746" },
	{ HS_IKE_DH_ECP521,
		"0037ade9319a89f4dabdb3ef411aaccca5123c61acab57b5393dce47608172a0"
		"95aa85a30fe1c2952c6771d937ba9777f5957b2639bab072462f68c27a57382d4a52",
		"0015417e84dbf28c0ad3c278713349dc7df153c897a1891bd98bab4357c9ecbe"
		"e1e3bf42e00b8e380aeae57c2d107564941885942af5a7f4601723c4195d176ced3e"
		"017cae20b6641d2eeb695786d8c946146239d099e18e1d5a514c739d7cb4a10a"
		"d8a788015ac405d7799dc75e7b7d5b6cf2261a6a7f1507438bf01beb6ca3926f9582",
		"0145ba99a847af43793fdd0e872e7cdfa16be30fdc780f97bccc3f078380201e"
		"9c677d600b343757a3bdbf2a3163e4c2f869cca7458aa4a4effc311f5cb151685eb9",
		"00d0b3975ac4b799f5bea16d5e13e9af971d5e9b984c9f39728b5e5739735a21"
		"9b97c356436adc6e95bb0352f6be64a6c2912d4ef2d0433ced2b6171640012d9460f"
		"015c68226383956e3bd066e797b623c27ce0eac2f551a10c2c724d9852077b87"
		"220b6536c5c408a1d2aebb8e86d678ae49cb57091f4732296579ab44fcd17f0fc56a",
		"01144c7d79ae6956bc8edb8e7c787c4521cb086fa64407f97894e5e6b2d79b04"
		"d1427e73ca4baa240a34786859810c06b3c715a3a8cc3151f2bee417996d19f3ddea" },
	/* RFC 7748 §6.1: Alice's and Bob's keys, K. */
	{ HS_IKE_DH_CURVE25519, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
		"8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
		"5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
		"de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
		"4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742" },
};

static void
ecp_kat_one(const struct ecp_kat *v)
{
	uint8_t priv[80], gr[HS_IKE_DH_PUB_MAX], ss[HS_IKE_DH_SECRET_MAX];
	struct hs_ike_dh_key *i = NULL, *r = NULL;
	const uint8_t *pub;
	size_t len, sl;

	CU_ASSERT_EQUAL_FATAL(
		hs_ike_dh_new_from_private(&i, v->group, priv, hex(v->i, priv, sizeof(priv))), 0);
	CU_ASSERT_EQUAL_FATAL(
		hs_ike_dh_new_from_private(&r, v->group, priv, hex(v->r, priv, sizeof(priv))), 0);
	pub = hs_ike_dh_pub(i, &len);
	CU_ASSERT_EQUAL(len, hs_ike_dh_pub_len(v->group));
	CU_ASSERT(hex_eq(pub, len, v->gi));
	pub = hs_ike_dh_pub(r, &len);
	CU_ASSERT(hex_eq(pub, len, v->gr));
	/* Both directions give the published shared value. */
	CU_ASSERT_EQUAL(hs_ike_dh_compute(i, pub, len, ss, sizeof(ss), &sl, NULL), 0);
	CU_ASSERT(hex_eq(ss, sl, v->girx));
	pub = hs_ike_dh_pub(i, &len);
	CU_ASSERT_EQUAL(hs_ike_dh_compute(r, pub, len, ss, sizeof(ss), &sl, NULL), 0);
	CU_ASSERT(hex_eq(ss, sl, v->girx));
	CU_ASSERT_EQUAL(sl, hs_ike_dh_secret_len(v->group));
	/* A public value of the wrong length. */
	memcpy(gr, pub, len);
	CU_ASSERT_EQUAL(hs_ike_dh_compute(r, gr, len - 1, ss, sizeof(ss), &sl, NULL), -EINVAL);
	CU_ASSERT_EQUAL(hs_ike_dh_compute(r, gr, len + 1, ss, sizeof(ss), &sl, NULL), -EINVAL);
	hs_ike_dh_free(i);
	hs_ike_dh_free(r);
}

static void
test_dh_kat(void)
{
	for (size_t i = 0; i < HS_ARRAY_SIZE(ecp_kats); i++)
		ecp_kat_one(&ecp_kats[i]);
}

/* Points off the curve, (0, 0), and the all-zero X25519 result are refused. */
static void
test_dh_bad_points(void)
{
	const enum hs_ike_dh g[] = { HS_IKE_DH_ECP256, HS_IKE_DH_ECP384, HS_IKE_DH_ECP521 };
	uint8_t v[HS_IKE_DH_PUB_MAX], ss[HS_IKE_DH_SECRET_MAX];
	struct hs_ike_dh_key *dh;
	const uint8_t *pub;
	const char *why;
	size_t len, sl;

	for (size_t i = 0; i < HS_ARRAY_SIZE(g); i++) {
		CU_ASSERT_EQUAL_FATAL(hs_ike_dh_new(&dh, g[i]), 0);
		pub = hs_ike_dh_pub(dh, &len);
		memcpy(v, pub, len);
		v[len - 1] ^= 1; /* y changed: off the curve */
		why = NULL;
		CU_ASSERT_EQUAL(hs_ike_dh_compute(dh, v, len, ss, sizeof(ss), &sl, &why), -EINVAL);
		CU_ASSERT(why != NULL);
		memset(v, 0, len);
		CU_ASSERT_EQUAL(hs_ike_dh_compute(dh, v, len, ss, sizeof(ss), &sl, &why), -EINVAL);
		memset(v, 0xff, len);
		CU_ASSERT_EQUAL(hs_ike_dh_compute(dh, v, len, ss, sizeof(ss), &sl, &why), -EINVAL);
		hs_ike_dh_free(dh);
	}
	CU_ASSERT_EQUAL_FATAL(hs_ike_dh_new(&dh, HS_IKE_DH_CURVE25519), 0);
	memset(v, 0, 32); /* a low-order point: the result is zero (RFC 7748 §6.1) */
	why = NULL;
	CU_ASSERT_EQUAL(hs_ike_dh_compute(dh, v, 32, ss, sizeof(ss), &sl, &why), -EINVAL);
	CU_ASSERT(why != NULL && strstr(why, "zero") != NULL);
	CU_ASSERT_EQUAL(hs_ike_dh_compute(dh, v, 31, ss, sizeof(ss), &sl, &why), -EINVAL);
	hs_ike_dh_free(dh);
	CU_ASSERT_EQUAL(hs_ike_dh_new(&dh, (enum hs_ike_dh)18), -ENOTSUP);
	CU_ASSERT(dh == NULL);
}

/* RFC 3526 §3 group 14 prime, from 2^2048 - 2^1984 - 1 + 2^64 * ([2^1918 pi] + 124476). */
static const char modp2048_p[] =
	"ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74020bbea63b139b22514a0879"
	"8e3404ddef9519b3cd3a431b302b0a6df25f14374fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b"
	"0bff5cb6f406b7edee386bfb5a899fa5ae9f24117c4b1fe649286651ece45b3dc2007cb8a163bf0598da4836"
	"1c55d39a69163fa8fd24cf5f83655d23dca3ad961c62f356208552bb9ed529077096966d670c354e4abc9804"
	"f1746c08ca18217c32905e462e36ce3be39e772c180e86039b2783a2ec07a28fb5c55df06f4c52c9de2bcbf6"
	"955817183995497cea956ae515d2261898fa051015728e5a8aacaa68ffffffffffffffff";

static void
test_dh_modp(void)
{
	uint8_t a_ss[384], b_ss[384], v[257], x = 2;
	struct hs_ike_dh_key *a, *b;
	const uint8_t *pub;
	const char *why;
	size_t len, al, bl;

	for (enum hs_ike_dh g = HS_IKE_DH_MODP2048; g <= HS_IKE_DH_MODP3072; g++) {
		CU_ASSERT_EQUAL_FATAL(hs_ike_dh_new(&a, g), 0);
		CU_ASSERT_EQUAL_FATAL(hs_ike_dh_new(&b, g), 0);
		CU_ASSERT_EQUAL(hs_ike_dh_group(a), g);
		pub = hs_ike_dh_pub(b, &len);
		CU_ASSERT_EQUAL(len, g == HS_IKE_DH_MODP2048 ? 256u : 384u);
		CU_ASSERT_EQUAL(hs_ike_dh_compute(a, pub, len, a_ss, sizeof(a_ss), &al, NULL), 0);
		pub = hs_ike_dh_pub(a, &len);
		CU_ASSERT_EQUAL(hs_ike_dh_compute(b, pub, len, b_ss, sizeof(b_ss), &bl, NULL), 0);
		CU_ASSERT(al == len && bl == len && memcmp(a_ss, b_ss, al) == 0);
		CU_ASSERT_EQUAL(hs_ike_dh_compute(b, pub, len - 1, b_ss, sizeof(b_ss), &bl, NULL),
			-EINVAL);
		CU_ASSERT_EQUAL(hs_ike_dh_compute(b, pub, len, b_ss, len - 1, &bl, NULL), -ENOSPC);
		hs_ike_dh_free(a);
		hs_ike_dh_free(b);
	}
	/* 1 < y < p-1 (RFC 6989 §2.2) on the RFC 3526 prime: p-2 passes, so p is that prime. */
	CU_ASSERT_EQUAL_FATAL(hs_ike_dh_new(&a, HS_IKE_DH_MODP2048), 0);
	hex(modp2048_p, v, 256);
	v[255] -= 1;
	CU_ASSERT_EQUAL(hs_ike_dh_compute(a, v, 256, a_ss, sizeof(a_ss), &al, &why), -EINVAL);
	CU_ASSERT(why != NULL);
	v[255] -= 1;
	CU_ASSERT_EQUAL(hs_ike_dh_compute(a, v, 256, a_ss, sizeof(a_ss), &al, NULL), 0);
	v[255] += 2; /* p itself */
	CU_ASSERT_EQUAL(hs_ike_dh_compute(a, v, 256, a_ss, sizeof(a_ss), &al, NULL), -EINVAL);
	memset(v, 0xff, 256);
	CU_ASSERT_EQUAL(hs_ike_dh_compute(a, v, 256, a_ss, sizeof(a_ss), &al, NULL), -EINVAL);
	memset(v, 0, 256);
	CU_ASSERT_EQUAL(hs_ike_dh_compute(a, v, 256, a_ss, sizeof(a_ss), &al, NULL), -EINVAL);
	v[255] = 1;
	CU_ASSERT_EQUAL(hs_ike_dh_compute(a, v, 256, a_ss, sizeof(a_ss), &al, NULL), -EINVAL);
	hs_ike_dh_free(a);
	/* x = 2: y = g^2 = 4 and with the peer's y = 2 the secret is 4, both zero-padded. */
	CU_ASSERT_EQUAL_FATAL(hs_ike_dh_new_from_private(&a, HS_IKE_DH_MODP2048, &x, 1), 0);
	memset(v, 0, 256);
	v[255] = 4;
	pub = hs_ike_dh_pub(a, &len);
	CU_ASSERT(len == 256 && memcmp(pub, v, 256) == 0);
	v[255] = 2;
	CU_ASSERT_EQUAL(hs_ike_dh_compute(a, v, 256, a_ss, sizeof(a_ss), &al, NULL), 0);
	v[255] = 4;
	CU_ASSERT(al == 256 && memcmp(a_ss, v, 256) == 0);
	hs_ike_dh_free(a);
}

static void
test_dh_lengths(void)
{
	const struct {
		enum hs_ike_dh g;
		size_t pub, secret;
	} t[] = { { HS_IKE_DH_MODP2048, 256, 256 }, { HS_IKE_DH_MODP3072, 384, 384 },
		{ HS_IKE_DH_ECP256, 64, 32 }, { HS_IKE_DH_ECP384, 96, 48 },
		{ HS_IKE_DH_ECP521, 132, 66 }, { HS_IKE_DH_CURVE25519, 32, 32 },
		{ HS_IKE_DH_NONE, 0, 0 } };

	for (size_t i = 0; i < HS_ARRAY_SIZE(t); i++) {
		CU_ASSERT_EQUAL(hs_ike_dh_pub_len(t[i].g), t[i].pub);
		CU_ASSERT_EQUAL(hs_ike_dh_secret_len(t[i].g), t[i].secret);
	}
}

/* --- the Encrypted payload --- */

/* A 28-byte IKE header and the SK generic header, lengths for plain_len. */
static void
make_aad(uint8_t *aad, const struct hs_ike_sk *sk, size_t plain_len)
{
	size_t sk_len = 4 + hs_ike_sk_len(sk, plain_len), total = 28 + sk_len;

	seq(aad, 28, 0x30, 1);
	aad[16] = HS_IKE_PL_SK;
	aad[24] = (uint8_t)(total >> 24);
	aad[25] = (uint8_t)(total >> 16);
	aad[26] = (uint8_t)(total >> 8);
	aad[27] = (uint8_t)total;
	aad[28] = HS_IKE_PL_IDI;
	aad[29] = 0;
	aad[30] = (uint8_t)(sk_len >> 8);
	aad[31] = (uint8_t)sk_len;
}

static uint8_t dec[1200];
static size_t dec_len;

/* Decrypts into dec/dec_len; returns what hs_ike_sk_decrypt() does. */
static int
open_sk(const struct hs_ike_sk *sk, const uint8_t *aad, const uint8_t *enc, size_t el)
{
	return hs_ike_sk_decrypt(sk, aad, 32, enc, el, dec, sizeof(dec), &dec_len);
}

/* Round trip initiator -> responder and back; one byte flipped anywhere fails. */
static void
sk_round_trip(const struct hs_ike_suite *s)
{
	static const size_t lens[] = { 0, 1, 15, 16, 17, 100, 1000 };
	struct hs_ike_sk i_out, i_in, r_out, r_in;
	uint8_t plain[1000], aad[32], enc[1200];
	struct hs_ike_keys k;
	struct kdf_fix f;
	size_t el;

	kdf_fix(&f);
	CU_ASSERT_EQUAL_FATAL(hs_ike_keys_derive(&k, s, &f.in), 0);
	CU_ASSERT_EQUAL_FATAL(hs_ike_sk_init(&i_out, &i_in, &k, true), 0);
	CU_ASSERT_EQUAL_FATAL(hs_ike_sk_init(&r_out, &r_in, &k, false), 0);
	seq(plain, sizeof(plain), 7, 13);
	for (size_t j = 0; j < HS_ARRAY_SIZE(lens); j++) {
		size_t n = lens[j];

		make_aad(aad, &i_out, n);
		CU_ASSERT_EQUAL_FATAL(
			hs_ike_sk_encrypt(&i_out, aad, 32, plain, n, enc, sizeof(enc), &el), 0);
		CU_ASSERT_EQUAL(el, hs_ike_sk_len(&i_out, n));
		CU_ASSERT_EQUAL((el - i_out.iv_len - i_out.icv_len) % i_out.block, 0);
		CU_ASSERT_EQUAL(open_sk(&r_in, aad, enc, el), 0);
		CU_ASSERT(dec_len == n && memcmp(dec, plain, n) == 0);
		/* Our own receive keys are the other direction's. */
		CU_ASSERT_EQUAL(open_sk(&i_in, aad, enc, el), -EBADMSG);
		for (size_t b = 0; b < el; b += (b < 40 ? 1 : 97)) { /* IV, ciphertext */
			enc[b] ^= 0x01;
			CU_ASSERT_EQUAL(open_sk(&r_in, aad, enc, el), -EBADMSG);
			enc[b] ^= 0x01;
		}
		enc[el - 1] ^= 0x80; /* ICV */
		CU_ASSERT_EQUAL(open_sk(&r_in, aad, enc, el), -EBADMSG);
		enc[el - 1] ^= 0x80;
		for (size_t b = 0; b < 32; b += 5) { /* the IKE header and SK header */
			aad[b] ^= 0x20;
			CU_ASSERT_EQUAL(open_sk(&r_in, aad, enc, el), -EBADMSG);
			aad[b] ^= 0x20;
		}
		/* And back: the responder's messages. */
		CU_ASSERT_EQUAL(
			hs_ike_sk_encrypt(&r_out, aad, 32, plain, n, enc, sizeof(enc), &el), 0);
		CU_ASSERT_EQUAL(open_sk(&i_in, aad, enc, el), 0);
		CU_ASSERT(dec_len == n && memcmp(dec, plain, n) == 0);
		CU_ASSERT_EQUAL(
			hs_ike_sk_encrypt(&r_out, aad, 32, plain, n, enc, el - 1, &el), -ENOSPC);
	}
	hs_ike_sk_wipe(&i_out);
	hs_ike_sk_wipe(&i_in);
	hs_ike_sk_wipe(&r_out);
	hs_ike_sk_wipe(&r_in);
	hs_ike_keys_wipe(&k);
}

static void
test_sk_all_suites(void)
{
	for (size_t j = 0; j < N_SUITES; j++) {
		struct hs_ike_suite s = suite(j, HS_IKE_PRF_HMAC_SHA2_256);

		sk_round_trip(&s);
	}
}

/* Receive keys for a message from the initiator: SK_ei/SK_ai set by hand. */
static void
sk_in(struct hs_ike_sk *in, const struct hs_ike_suite *s, const char *ek, const char *ak)
{
	struct hs_ike_keys k;
	struct hs_ike_sk out;

	memset(&k, 0, sizeof(k));
	k.suite = *s;
	k.prf_len = 32;
	k.encr_len = (uint8_t)hex(ek, k.sk_ei, sizeof(k.sk_ei));
	if (ak != NULL)
		k.integ_len = (uint8_t)hex(ak, k.sk_ai, sizeof(k.sk_ai));
	CU_ASSERT_EQUAL_FATAL(hs_ike_sk_init(&out, in, &k, false), 0);
	hs_ike_sk_wipe(&out);
}

/*
 * python: CBC: AES-128-CBC(ek, iv, plain | a5 * 10 | 0a), ICV = HMAC-SHA-256(ak,
 * aad | iv | ct)[:16]. GCM: AESGCM(key).encrypt(salt | iv, plain | 01 02 03 03,
 * aad). plain = seq(37, 0x40); aad = IKE header (SPIs 0001..07/f0f1..f7, next SK,
 * IKE_AUTH, I flag, message ID 1, length) | SK header (next IDi, length).
 */
static void
test_sk_vectors(void)
{
	const struct hs_ike_suite cbc = { HS_IKE_ENCR_AES_CBC, 128, HS_IKE_INTEG_HMAC_SHA2_256_128,
		HS_IKE_PRF_HMAC_SHA2_256 };
	const struct hs_ike_suite gcm = { HS_IKE_ENCR_AES_GCM_16, 256, HS_IKE_INTEG_NONE,
		HS_IKE_PRF_HMAC_SHA2_256 };
	const struct hs_ike_suite gcm128 = { HS_IKE_ENCR_AES_GCM_16, 128, HS_IKE_INTEG_NONE,
		HS_IKE_PRF_HMAC_SHA2_256 };
	uint8_t aad[32], body[128], plain[37];
	struct hs_ike_sk in;
	size_t bl;

	seq(plain, sizeof(plain), 0x40, 1);
	sk_in(&in, &cbc, "101112131415161718191a1b1c1d1e1f",
		"808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
	hex("0001020304050607f0f1f2f3f4f5f6f72e202308000000010000007023000054", aad, 32);
	bl = hex("c0c1c2c3c4c5c6c7c8c9cacbcccdcecf38a8fd08bb8d0e9fc008a1cbe33080895a9714508253"
		 "1bb03719857315360acdbd060b2d30940f969ef31b78d1dec01ec9d2e627655943bf2de618f9e9"
		 "c1a3f8",
		body, sizeof(body));
	CU_ASSERT_EQUAL(open_sk(&in, aad, body, bl), 0);
	CU_ASSERT(dec_len == 37 && memcmp(dec, plain, 37) == 0);
	CU_ASSERT_EQUAL(open_sk(&in, aad, body, bl - 1), -EINVAL);  /* not whole blocks */
	CU_ASSERT_EQUAL(open_sk(&in, aad, body, 16 + 16), -EINVAL); /* no ciphertext */
	hs_ike_sk_wipe(&in);

	sk_in(&in, &gcm, "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3fa1a2a3a4",
		NULL);
	hex("0001020304050607f0f1f2f3f4f5f6f72e202308000000010000006123000045", aad, 32);
	bl = hex("0102030405060708dfa237fe2782783c9a3c6b7aeff17d3aad14526fb4b354c07a78a9756c70"
		 "13e7137f5c65c9c96e86bffeafd372e15ada1c48ec312089d43fe9",
		body, sizeof(body));
	CU_ASSERT_EQUAL(open_sk(&in, aad, body, bl), 0);
	CU_ASSERT(dec_len == 37 && memcmp(dec, plain, 37) == 0);
	CU_ASSERT_EQUAL(hs_ike_sk_decrypt(&in, aad, 32, body, bl, dec, bl - 25, &dec_len), -ENOSPC);
	hs_ike_sk_wipe(&in);

	/* python: GCM-128, plain 29 00 00 08 | pad length 200: authentic but malformed. */
	sk_in(&in, &gcm128, "606162636465666768696a6b6c6d6e6f0badcafe", NULL);
	hex("0001020304050607f0f1f2f3f4f5f6f72e202308000000020000003d23000021", aad, 32);
	bl = hex("0000000000000000257e28edd7a3a5120c31f725df9f609fa174c44c40", body, sizeof(body));
	CU_ASSERT_EQUAL(open_sk(&in, aad, body, bl), -EINVAL);
	CU_ASSERT_EQUAL(dec_len, 0);
	hs_ike_sk_wipe(&in);
}

/* --- AUTH --- */

/*
 * python: octets = msg1 | Nr | hmac(SK_pi, IDi', sha256); AUTH = hmac(hmac(psk,
 * b"Key Pad for IKEv2", sha256), octets, sha256); msg1 = seq(60, 1, 3),
 * Nr = seq(32, 0x77), SK_pi = seq(32, 0x33), IDi' = FQDN site1.example.net.
 */
static void
test_auth_psk(void)
{
	static const char psk[] = "correct horse battery staple";
	uint8_t msg[60], nr[32], id[64], oct[256], auth[64], mac[64];
	struct hs_ike_auth_in in = { true, msg, 60, nr, 32, id, 0 };
	struct hs_ike_keys k;
	size_t ol, pl = sizeof(psk) - 1;
	unsigned int ml;

	memset(&k, 0, sizeof(k));
	k.suite.prf = HS_IKE_PRF_HMAC_SHA2_256;
	k.prf_len = 32;
	seq(k.sk_pi, 32, 0x33, 1);
	seq(k.sk_pr, 32, 0x44, 1);
	seq(msg, 60, 1, 3);
	seq(nr, 32, 0x77, 1);
	in.id_len = hex("0200000073697465312e6578616d706c652e6e6574", id, sizeof(id));
	CU_ASSERT_EQUAL(hs_ike_auth_octets_len(&k, &in), 60 + 32 + 32);
	CU_ASSERT_EQUAL_FATAL(hs_ike_auth_octets(&k, &in, oct, sizeof(oct), &ol), 0);
	CU_ASSERT_EQUAL(ol, 124);
	CU_ASSERT_EQUAL(hs_ike_auth_psk(k.suite.prf, (const uint8_t *)psk, pl, oct, ol, auth,
				sizeof(auth)), 0);
	CU_ASSERT(hex_eq(auth, 32,
		"91a081db331b0f877f0e189dcdae89c483178aace75ef8ddaf67d611debd465d"));
	CU_ASSERT_EQUAL(hs_ike_auth_psk_verify(k.suite.prf, (const uint8_t *)psk, pl, oct, ol,
				auth, 32), 0);
	CU_ASSERT_EQUAL(hs_ike_auth_psk_verify(k.suite.prf, (const uint8_t *)psk, pl, oct, ol,
				auth, 31), -EBADMSG);
	CU_ASSERT_EQUAL(hs_ike_auth_psk_verify(k.suite.prf, (const uint8_t *)psk, pl - 1, oct, ol,
				auth, 32), -EBADMSG);
	auth[31] ^= 1;
	CU_ASSERT_EQUAL(hs_ike_auth_psk_verify(k.suite.prf, (const uint8_t *)psk, pl, oct, ol,
				auth, 32), -EBADMSG);
	/* The responder's octets MAC its ID with SK_pr. */
	in.initiator = false;
	CU_ASSERT_EQUAL_FATAL(hs_ike_auth_octets(&k, &in, oct, sizeof(oct), &ol), 0);
	HMAC(EVP_sha256(), k.sk_pr, 32, id, in.id_len, mac, &ml);
	CU_ASSERT(memcmp(oct, msg, 60) == 0 && memcmp(oct + 60, nr, 32) == 0);
	CU_ASSERT(memcmp(oct + 92, mac, 32) == 0);
	CU_ASSERT_EQUAL(hs_ike_auth_octets(&k, &in, oct, 123, &ol), -ENOSPC);
	in.nonce_len = 15;
	CU_ASSERT_EQUAL(hs_ike_auth_octets(&k, &in, oct, sizeof(oct), &ol), -EINVAL);
	CU_ASSERT_EQUAL(hs_ike_auth_psk(k.suite.prf, (const uint8_t *)psk, 0, oct, 92, auth,
				sizeof(auth)), -EINVAL);
}

/* RFC 7427 Appendix A AlgorithmIdentifiers. */
static const char *const rsa_aid[] = { "300d06092a864886f70d01010b0500",
	"300d06092a864886f70d01010c0500", "300d06092a864886f70d01010d0500" };
static const char *const ec_aid[] = { "300a06082a8648ce3d040302", "300a06082a8648ce3d040303",
	"300a06082a8648ce3d040304" };

static void
sig_one(EVP_PKEY *key, enum hs_ike_hash h, const char *aid, bool deterministic)
{
	uint8_t oct[300], sig[512], sig2[512], der[64];
	size_t sl, sl2, dl;

	seq(oct, sizeof(oct), 3, 11);
	CU_ASSERT_EQUAL_FATAL(hs_ike_sig_sign(key, h, oct, sizeof(oct), sig, sizeof(sig), &sl), 0);
	CU_ASSERT_EQUAL(hs_ike_sig_verify(key, h, oct, sizeof(oct), sig, sl), 0);
	CU_ASSERT_EQUAL(hs_ike_sig_sign(key, h, oct, sizeof(oct), sig2, sizeof(sig2), &sl2), 0);
	/* PKCS#1 v1.5 is deterministic (not PSS); ECDSA is not. */
	CU_ASSERT_EQUAL(sl == sl2 && memcmp(sig, sig2, sl) == 0, deterministic);
	oct[7] ^= 1;
	CU_ASSERT_EQUAL(hs_ike_sig_verify(key, h, oct, sizeof(oct), sig, sl), -EBADMSG);
	oct[7] ^= 1;
	sig[sl / 2] ^= 1;
	CU_ASSERT_EQUAL(hs_ike_sig_verify(key, h, oct, sizeof(oct), sig, sl), -EBADMSG);
	CU_ASSERT_EQUAL(hs_ike_sig_algid(key, h, der, sizeof(der), &dl), 0);
	CU_ASSERT(hex_eq(der, dl, aid));
	CU_ASSERT_EQUAL(hs_ike_sig_sign(key, HS_IKE_HASH_SHA1, oct, sizeof(oct), sig, sizeof(sig),
				&sl), -ENOTSUP);
}

static void
test_sig(void)
{
	EVP_PKEY *rsa = EVP_RSA_gen(2048);
	EVP_PKEY *p256 = EVP_EC_gen("P-256");
	EVP_PKEY *p384 = EVP_EC_gen("P-384");
	EVP_PKEY *x = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	uint8_t sig[16];
	size_t sl;

	CU_ASSERT_FATAL(rsa != NULL && p256 != NULL && p384 != NULL && x != NULL);
	for (int h = HS_IKE_HASH_SHA2_256; h <= HS_IKE_HASH_SHA2_512; h++)
		sig_one(rsa, (enum hs_ike_hash)h, rsa_aid[h - HS_IKE_HASH_SHA2_256], true);
	sig_one(p256, HS_IKE_HASH_SHA2_256, ec_aid[0], false);
	sig_one(p384, HS_IKE_HASH_SHA2_384, ec_aid[1], false);
	sig_one(p384, HS_IKE_HASH_SHA2_512, ec_aid[2], false);
	CU_ASSERT_EQUAL(hs_ike_sig_sign(rsa, HS_IKE_HASH_SHA2_256, sig, 16, sig, 16, &sl), -ENOSPC);
	CU_ASSERT_EQUAL(hs_ike_sig_sign(x, HS_IKE_HASH_SHA2_256, sig, 16, sig, 16, &sl), -ENOTSUP);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(p256);
	EVP_PKEY_free(p384);
	EVP_PKEY_free(x);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("ike_crypto", NULL, NULL);
	CU_add_test(s, "PRF: RFC 2202 / RFC 4231 vectors", test_prf_kat);
	CU_add_test(s, "PRF: binary vectors, input in pieces, errors", test_prf_kat_binary);
	CU_add_test(s, "prf+: against unrolled HMAC, 255-block limit", test_prf_plus);
	CU_add_test(s, "IKE SA keys: python vector", test_ike_keys_vector);
	CU_add_test(s, "IKE SA keys: every suite vs reference", test_ike_keys_all_suites);
	CU_add_test(s, "IKE SA rekey: old PRF for SKEYSEED", test_ike_keys_rekey);
	CU_add_test(s, "suite checks, nonce lengths", test_suite_check);
	CU_add_test(s, "KEYMAT: python vector (PFS, GCM)", test_child_vector);
	CU_add_test(s, "KEYMAT: every ESP suite, order, hs_sa_params", test_child_all_suites);
	CU_add_test(s, "DH: group lengths", test_dh_lengths);
	CU_add_test(s, "DH: RFC 5903 / RFC 7748 vectors", test_dh_kat);
	CU_add_test(s, "DH: bad points, zero X25519 result", test_dh_bad_points);
	CU_add_test(s, "DH: MODP round trip and range checks", test_dh_modp);
	CU_add_test(s, "SK: round trip and tampering, every suite", test_sk_all_suites);
	CU_add_test(s, "SK: python CBC/GCM vectors, bad lengths", test_sk_vectors);
	CU_add_test(s, "AUTH: PSK vector, octets, verify", test_auth_psk);
	CU_add_test(s, "AUTH: RSA/ECDSA signatures, RFC 7427 AlgorithmIdentifiers", test_sig);
	return hs_test_run();
}
