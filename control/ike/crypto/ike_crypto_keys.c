/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Key derivation: SKEYSEED and the seven IKE SA secrets (RFC 7296 §2.14),
 * their rekey variant (§2.18), and Child SA KEYMAT (§2.17) split into the
 * dataplane's SA parameters (lib/sa.h). Intermediate key material lives in
 * stack buffers that are wiped before every return.
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ike_crypto.h"
#include "sa.h"

_Static_assert(HS_ENC_KEY_MAX >= HS_IKE_ENCR_KEY_MAX, "SA encryption key too small");
_Static_assert(HS_AUTH_KEY_MAX >= HS_IKE_INTEG_KEY_MAX, "SA integrity key too small");

/* The longest IKE keying material: 3 PRF keys, 2 integrity and 2 encryption keys. */
#define IKE_KEYMAT_MAX (3 * HS_IKE_PRF_MAX + 2 * HS_IKE_INTEG_KEY_MAX + 2 * HS_IKE_ENCR_KEY_MAX)
#define CHILD_KEYMAT_MAX (2 * (HS_IKE_ENCR_KEY_MAX + HS_IKE_INTEG_KEY_MAX))

/* Nonces are 16..256 bytes (RFC 7296 §3.9); a shared secret is required here. */
static bool
nonces_ok(const struct hs_ike_kdf_in *in)
{
	return in->ni != NULL && in->nr != NULL && in->ni_len >= HS_IKE_NONCE_MIN &&
		in->ni_len <= HS_IKE_NONCE_MAX && in->nr_len >= HS_IKE_NONCE_MIN &&
		in->nr_len <= HS_IKE_NONCE_MAX;
}

static bool
secret_ok(const struct hs_ike_kdf_in *in)
{
	return in->g_ir != NULL && in->g_ir_len != 0 && in->g_ir_len <= HS_IKE_DH_SECRET_MAX;
}

/* Copies the next len bytes of keying material to dst. */
static void
take(uint8_t *dst, const uint8_t *km, size_t *off, size_t len)
{
	memcpy(dst, km + *off, len);
	*off += len;
}

/* Sets the lengths in k for suite s; s has been checked. */
static void
set_lens(struct hs_ike_keys *k, const struct hs_ike_suite *s)
{
	const struct hs_ike_integ_alg *ia = hs_ike_integ_alg(s->integ);

	k->suite = *s;
	k->prf_len = (uint8_t)hs_ike_prf_len(s->prf);
	k->integ_len = ia != NULL ? ia->key_len : 0;
	k->encr_len = (uint8_t)hs_ike_encr_key_len(s);
}

/*
 * {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} =
 * prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) (RFC 7296 §2.14), in that order.
 */
static int
split_ike(struct hs_ike_keys *k, const uint8_t *skeyseed, size_t seed_len,
	const struct hs_ike_kdf_in *in)
{
	const struct hs_ike_iov seed[] = {
		{ in->ni, in->ni_len },
		{ in->nr, in->nr_len },
		{ in->spi_i, HS_IKE_SPI_LEN },
		{ in->spi_r, HS_IKE_SPI_LEN },
	};
	uint8_t km[IKE_KEYMAT_MAX];
	size_t total = 3u * k->prf_len + 2u * k->integ_len + 2u * k->encr_len;
	size_t off = 0;
	int rc;

	rc = hs_ike_prf_plus(k->suite.prf, skeyseed, seed_len, seed, 4, km, total);
	if (rc == 0) {
		take(k->sk_d, km, &off, k->prf_len);
		take(k->sk_ai, km, &off, k->integ_len);
		take(k->sk_ar, km, &off, k->integ_len);
		take(k->sk_ei, km, &off, k->encr_len);
		take(k->sk_er, km, &off, k->encr_len);
		take(k->sk_pi, km, &off, k->prf_len);
		take(k->sk_pr, km, &off, k->prf_len);
	}
	OPENSSL_cleanse(km, sizeof(km));
	return rc;
}

int
hs_ike_keys_derive(struct hs_ike_keys *k, const struct hs_ike_suite *s,
	const struct hs_ike_kdf_in *in)
{
	uint8_t nonces[2 * HS_IKE_NONCE_MAX];
	uint8_t skeyseed[HS_IKE_PRF_MAX];
	struct hs_ike_iov g_ir;
	int rc;

	if (k == NULL || s == NULL || in == NULL || !nonces_ok(in) || !secret_ok(in))
		return -EINVAL;
	rc = hs_ike_suite_check(s, HS_IKE_PROTO_IKE);
	if (rc != 0)
		return rc;
	memset(k, 0, sizeof(*k));
	set_lens(k, s);
	/*
	 * SKEYSEED = prf(Ni | Nr, g^ir). Only fixed-key-size PRFs (AES-XCBC,
	 * AES-CMAC) cut or pad Ni | Nr; HMAC takes it whole (§2.14).
	 */
	memcpy(nonces, in->ni, in->ni_len);
	memcpy(nonces + in->ni_len, in->nr, in->nr_len);
	g_ir = (struct hs_ike_iov){ in->g_ir, in->g_ir_len };
	rc = hs_ike_prf(s->prf, nonces, in->ni_len + in->nr_len, &g_ir, 1, skeyseed,
		sizeof(skeyseed));
	if (rc == 0)
		rc = split_ike(k, skeyseed, k->prf_len, in);
	OPENSSL_cleanse(skeyseed, sizeof(skeyseed));
	if (rc != 0)
		hs_ike_keys_wipe(k);
	return rc;
}

int
hs_ike_keys_rekey(struct hs_ike_keys *k, const struct hs_ike_keys *old,
	const struct hs_ike_suite *s, const struct hs_ike_kdf_in *in)
{
	uint8_t skeyseed[HS_IKE_PRF_MAX];
	int rc;

	if (k == NULL || old == NULL || k == old || s == NULL || in == NULL || !nonces_ok(in) ||
		!secret_ok(in) || old->prf_len == 0)
		return -EINVAL;
	rc = hs_ike_suite_check(s, HS_IKE_PROTO_IKE);
	if (rc != 0)
		return rc;
	memset(k, 0, sizeof(*k));
	set_lens(k, s);
	/*
	 * SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr) with the old SA's PRF:
	 * the rekeying exchange belongs to the old IKE SA (§2.18).
	 */
	const struct hs_ike_iov data[] = {
		{ in->g_ir, in->g_ir_len },
		{ in->ni, in->ni_len },
		{ in->nr, in->nr_len },
	};
	rc = hs_ike_prf(old->suite.prf, old->sk_d, old->prf_len, data, 3, skeyseed,
		sizeof(skeyseed));
	if (rc == 0)
		rc = split_ike(k, skeyseed, hs_ike_prf_len(old->suite.prf), in);
	OPENSSL_cleanse(skeyseed, sizeof(skeyseed));
	if (rc != 0)
		hs_ike_keys_wipe(k);
	return rc;
}

void
hs_ike_keys_wipe(struct hs_ike_keys *k)
{
	if (k != NULL)
		OPENSSL_cleanse(k, sizeof(*k));
}

int
hs_ike_child_keys_derive(struct hs_ike_child_keys *ck, const struct hs_ike_keys *ike,
	const struct hs_ike_suite *esp, const struct hs_ike_kdf_in *in)
{
	const struct hs_ike_integ_alg *ia;
	uint8_t km[CHILD_KEYMAT_MAX];
	struct hs_ike_iov seed[3];
	size_t n = 0, off = 0;
	int rc;

	if (ck == NULL || ike == NULL || ike->prf_len == 0 || esp == NULL || in == NULL ||
		!nonces_ok(in) || (in->g_ir != NULL && !secret_ok(in)))
		return -EINVAL;
	rc = hs_ike_suite_check(esp, HS_IKE_PROTO_ESP);
	if (rc != 0)
		return rc;
	memset(ck, 0, sizeof(*ck));
	ck->suite = *esp;
	ck->encr_len = (uint8_t)hs_ike_encr_key_len(esp);
	ia = hs_ike_integ_alg(esp->integ);
	ck->integ_len = ia != NULL ? ia->key_len : 0;
	/* KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr) (RFC 7296 §2.17). */
	if (in->g_ir != NULL)
		seed[n++] = (struct hs_ike_iov){ in->g_ir, in->g_ir_len };
	seed[n++] = (struct hs_ike_iov){ in->ni, in->ni_len };
	seed[n++] = (struct hs_ike_iov){ in->nr, in->nr_len };
	rc = hs_ike_prf_plus(ike->suite.prf, ike->sk_d, ike->prf_len, seed, n, km,
		2u * (ck->encr_len + ck->integ_len));
	if (rc == 0) {
		/* Initiator-to-responder first; per SA the encryption key first. */
		take(ck->encr_ir, km, &off, ck->encr_len);
		take(ck->integ_ir, km, &off, ck->integ_len);
		take(ck->encr_ri, km, &off, ck->encr_len);
		take(ck->integ_ri, km, &off, ck->integ_len);
	} else {
		hs_ike_child_keys_wipe(ck);
	}
	OPENSSL_cleanse(km, sizeof(km));
	return rc;
}

/* The dataplane's names for an ESP suite that passed hs_ike_suite_check(). */
static int
sa_algs(const struct hs_ike_suite *s, enum hs_cipher *cipher, enum hs_integ *integ)
{
	bool k256 = s->key_bits == 256;

	if (s->encr == HS_IKE_ENCR_AES_GCM_16)
		*cipher = k256 ? HS_CIPHER_AES_GCM_256 : HS_CIPHER_AES_GCM_128;
	else
		*cipher = k256 ? HS_CIPHER_AES_CBC_256 : HS_CIPHER_AES_CBC_128;
	switch (s->integ) {
	case HS_IKE_INTEG_NONE:
		*integ = HS_INTEG_NONE;
		return 0;
	case HS_IKE_INTEG_HMAC_SHA1_96:
		*integ = HS_INTEG_HMAC_SHA1_96;
		return 0;
	case HS_IKE_INTEG_HMAC_SHA2_256_128:
		*integ = HS_INTEG_HMAC_SHA256_128;
		return 0;
	case HS_IKE_INTEG_HMAC_SHA2_384_192:
		*integ = HS_INTEG_HMAC_SHA384_192;
		return 0;
	case HS_IKE_INTEG_HMAC_SHA2_512_256:
		*integ = HS_INTEG_HMAC_SHA512_256;
		return 0;
	}
	return -ENOTSUP;
}

static void
fill_sa(struct hs_sa_params *p, enum hs_sa_dir dir, enum hs_cipher cipher, enum hs_integ integ,
	const uint8_t *ekey, uint8_t elen, const uint8_t *akey, uint8_t alen)
{
	p->dir = dir;
	p->cipher = cipher;
	p->integ = integ;
	OPENSSL_cleanse(p->enc_key, sizeof(p->enc_key));
	OPENSSL_cleanse(p->auth_key, sizeof(p->auth_key));
	memcpy(p->enc_key, ekey, elen);
	p->enc_key_len = elen;
	memcpy(p->auth_key, akey, alen);
	p->auth_key_len = alen;
}

int
hs_ike_child_keys_to_sa(const struct hs_ike_child_keys *ck, bool initiator,
	struct hs_sa_params *out, struct hs_sa_params *in)
{
	enum hs_cipher cipher;
	enum hs_integ integ;
	int rc;

	if (ck == NULL || out == NULL || in == NULL || out == in || ck->encr_len == 0)
		return -EINVAL;
	rc = hs_ike_suite_check(&ck->suite, HS_IKE_PROTO_ESP);
	if (rc == 0)
		rc = sa_algs(&ck->suite, &cipher, &integ);
	if (rc != 0)
		return rc;
	/* What we send uses the keys of our direction: i->r when we initiated. */
	if (initiator) {
		fill_sa(out, HS_SA_OUT, cipher, integ, ck->encr_ir, ck->encr_len, ck->integ_ir,
			ck->integ_len);
		fill_sa(in, HS_SA_IN, cipher, integ, ck->encr_ri, ck->encr_len, ck->integ_ri,
			ck->integ_len);
	} else {
		fill_sa(out, HS_SA_OUT, cipher, integ, ck->encr_ri, ck->encr_len, ck->integ_ri,
			ck->integ_len);
		fill_sa(in, HS_SA_IN, cipher, integ, ck->encr_ir, ck->encr_len, ck->integ_ir,
			ck->integ_len);
	}
	return 0;
}

void
hs_ike_child_keys_wipe(struct hs_ike_child_keys *ck)
{
	if (ck != NULL)
		OPENSSL_cleanse(ck, sizeof(*ck));
}
