/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Certificate authentication (RFC 7296 §2.15, §3.5-3.8) with RFC 7427
 * digital signatures, from the config's pki section: our certificate and
 * intermediates go out as CERT payloads (X.509 Certificate - Signature, DER),
 * our trust anchors as one CERTREQ (SHA-1 hashes of their public keys,
 * §3.7), and the peer's chain is verified with OpenSSL's X509_verify_cert()
 * against those anchors. The peer's ID must be one its certificate holds
 * (subject DN, DNS/email/IP subjectAltName), so a valid certificate cannot
 * be used to claim another name. Hashes: SHA2-256/384/512 (SHA-1 is not
 * offered, RFC 8247); RSA signs with PKCS#1 v1.5, EC with ECDSA. A peer that
 * does not announce RFC 7427 gets, and may use, the ECDSA methods of RFC
 * 4754 (9, 10, 11: the curve fixes the hash, the signature is r | s); RSA
 * method 1 is not built, as it means SHA-1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ikev2_priv.h"

#define PKI_CHAIN_MAX 8	  /* certificates we send: ours and intermediates */
#define PKI_PEER_CERTS 8  /* CERT payloads of the peer we look at */
#define ALGID_MAX 64	  /* DER AlgorithmIdentifier of the signatures we know */

const uint8_t pki_sig_hashes[6] = { 0, HS_IKE_HASH_SHA2_256, 0, HS_IKE_HASH_SHA2_384, 0,
	HS_IKE_HASH_SHA2_512 };

static const enum hs_ike_hash hashes[] = { HS_IKE_HASH_SHA2_256, HS_IKE_HASH_SHA2_384,
	HS_IKE_HASH_SHA2_512 };

struct ike_pki {
	EVP_PKEY *key;
	X509_STORE *store;
	uint8_t *der[PKI_CHAIN_MAX]; /* ours first */
	uint16_t der_len[PKI_CHAIN_MAX];
	unsigned int n_der;
	uint8_t certreq[20 * HS_CONFIG_CA_MAX * 4];
	uint16_t certreq_len;
	/* Our ID when its kind comes from the certificate (not address). */
	uint8_t id_type;
	uint8_t id[IKE_ID_MAX];
	uint16_t id_len;
};

/* §3.7: the SHA-1 hash of a CA's Subject Public Key Info. */
static int
add_ca(struct ike_pki *p, X509 *ca)
{
	unsigned char *spki = NULL;
	unsigned int n = 0;
	int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(ca), &spki);
	int rc = -EIO;

	if (X509_STORE_add_cert(p->store, ca) != 1)
		goto out;
	rc = 0;
	if (len > 0 && p->certreq_len + 20u <= sizeof(p->certreq) &&
		EVP_Digest(spki, (size_t)len, p->certreq + p->certreq_len, &n, EVP_sha1(), NULL) &&
		n == 20)
		p->certreq_len += 20;
out:
	OPENSSL_free(spki);
	return rc;
}

/* The first subjectAltName of a type as our ID data. */
static int
san_id(X509 *x, int gen, struct ike_pki *p)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	int rc = -ENOENT;

	for (int i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens) && rc != 0; i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const ASN1_STRING *s = g->type == GEN_DNS ? g->d.dNSName : g->d.rfc822Name;

		if (g->type != gen || ASN1_STRING_length(s) <= 0 ||
			ASN1_STRING_length(s) > (int)sizeof(p->id))
			continue;
		p->id_len = (uint16_t)ASN1_STRING_length(s);
		memcpy(p->id, ASN1_STRING_get0_data(s), p->id_len);
		p->id_type = gen == GEN_DNS ? HS_IKE_ID_FQDN : HS_IKE_ID_RFC822_ADDR;
		rc = 0;
	}
	GENERAL_NAMES_free(gens);
	return rc;
}

static int
our_id(struct ike_pki *p, X509 *x, enum hs_config_id_kind kind)
{
	unsigned char *der = NULL;
	int len;

	switch (kind) {
	case HS_CONFIG_ID_DN:
		len = i2d_X509_NAME(X509_get_subject_name(x), &der);
		if (len <= 0 || len > (int)sizeof(p->id)) {
			OPENSSL_free(der);
			return -EINVAL;
		}
		p->id_type = HS_IKE_ID_DER_ASN1_DN;
		p->id_len = (uint16_t)len;
		memcpy(p->id, der, (size_t)len);
		OPENSSL_free(der);
		return 0;
	case HS_CONFIG_ID_FQDN:
		return san_id(x, GEN_DNS, p);
	case HS_CONFIG_ID_EMAIL:
		return san_id(x, GEN_EMAIL, p);
	default:
		return 0; /* address: per IKE SA */
	}
}

static int
load(struct ike_pki *p, const struct hs_config_pki *k)
{
	STACK_OF(X509) *certs = hs_config_pem_certs(&k->cert);
	BIO *b = BIO_new_mem_buf(k->key.data, (int)k->key.len);
	int rc = -EINVAL;

	p->key = b != NULL ? PEM_read_bio_PrivateKey(b, NULL, NULL, (void *)"") : NULL;
	BIO_free(b);
	if (p->key == NULL || certs == NULL)
		goto out;
	for (int i = 0; i < sk_X509_num(certs) && p->n_der < PKI_CHAIN_MAX; i++) {
		unsigned char *der = NULL;
		int len = i2d_X509(sk_X509_value(certs, i), &der);

		if (len <= 0 || len > UINT16_MAX) {
			OPENSSL_free(der);
			goto out;
		}
		p->der[p->n_der] = der;
		p->der_len[p->n_der++] = (uint16_t)len;
	}
	if (our_id(p, sk_X509_value(certs, 0), k->identity) != 0)
		goto out;
	p->store = X509_STORE_new();
	if (p->store == NULL)
		goto out;
	for (unsigned int i = 0; i < k->n_ca; i++) {
		STACK_OF(X509) *ca = hs_config_pem_certs(&k->ca[i]);

		for (int j = 0; ca != NULL && j < sk_X509_num(ca); j++)
			if (add_ca(p, sk_X509_value(ca, j)) != 0) {
				sk_X509_pop_free(ca, X509_free);
				goto out;
			}
		sk_X509_pop_free(ca, X509_free);
	}
	rc = 0;
out:
	sk_X509_pop_free(certs, X509_free);
	ERR_clear_error();
	return rc;
}

void
pki_free(struct hs_ikev2 *e)
{
	struct ike_pki *p = e->pki;

	if (p == NULL)
		return;
	EVP_PKEY_free(p->key); /* OpenSSL wipes the private key */
	X509_STORE_free(p->store);
	for (unsigned int i = 0; i < p->n_der; i++)
		OPENSSL_free(p->der[i]);
	free(p);
	e->pki = NULL;
}

int
pki_load(struct hs_ikev2 *e)
{
	const struct hs_config_pki *k = &e->cfg->pki;

	if (!k->present)
		return 0;
	e->pki = calloc(1, sizeof(*e->pki));
	if (e->pki == NULL)
		return -ENOMEM;
	if (!k->ok || load(e->pki, k) != 0) {
		ike_log(e, HS_IKEV2_LOG_ERR, NULL, "pki: cannot use the certificate, key or CAs "
						   "of the config (check it with --check)");
		pki_free(e);
		return -EINVAL;
	}
	return 0;
}

int
pki_id_ours(const struct ike_sa *sa, uint8_t *type, uint8_t *data, size_t cap, uint16_t *len)
{
	const struct ike_pki *p = sa->e->pki;

	if (p == NULL)
		return -ENOENT;
	if (p->id_len == 0)
		return -ENODATA; /* identity: address, as with PSKs */
	if (p->id_len > cap)
		return -ENOSPC;
	*type = p->id_type;
	memcpy(data, p->id, p->id_len);
	*len = p->id_len;
	return 0;
}

int
pki_add_certs(struct hs_ikev2 *e, struct hs_ike_msg *m)
{
	const struct ike_pki *p = e->pki;

	for (unsigned int i = 0; p != NULL && i < p->n_der; i++) {
		struct hs_ike_pl *pl = hs_ike_msg_add(m, HS_IKE_PL_CERT);

		if (pl == NULL)
			return -ENOSPC;
		pl->u.cert.type = HS_IKE_CERT_X509_SIG;
		pl->u.cert.data = p->der[i];
		pl->u.cert.len = p->der_len[i];
	}
	return p != NULL ? 0 : -ENOENT;
}

int
pki_add_certreq(struct hs_ikev2 *e, struct hs_ike_msg *m)
{
	const struct ike_pki *p = e->pki;
	struct hs_ike_pl *pl;

	if (p == NULL || p->certreq_len == 0)
		return 0;
	pl = hs_ike_msg_add(m, HS_IKE_PL_CERTREQ);
	if (pl == NULL)
		return -ENOSPC;
	pl->u.cert.type = HS_IKE_CERT_X509_SIG;
	pl->u.cert.data = p->certreq;
	pl->u.cert.len = p->certreq_len;
	return 0;
}

/* RFC 4754: the method, hash and r/s length of an EC key's curve; 0 if none. */
static uint8_t
ecdsa_method(EVP_PKEY *key, enum hs_ike_hash *hash, size_t *half)
{
	char curve[32];

	if (!EVP_PKEY_is_a(key, "EC") ||
		!EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, curve,
			sizeof(curve), NULL))
		return 0;
	if (strcmp(curve, "prime256v1") == 0) {
		*hash = HS_IKE_HASH_SHA2_256, *half = 32;
		return HS_IKE_AUTH_ECDSA_256;
	}
	if (strcmp(curve, "secp384r1") == 0) {
		*hash = HS_IKE_HASH_SHA2_384, *half = 48;
		return HS_IKE_AUTH_ECDSA_384;
	}
	if (strcmp(curve, "secp521r1") == 0) {
		*hash = HS_IKE_HASH_SHA2_512, *half = 66;
		return HS_IKE_AUTH_ECDSA_521;
	}
	return 0;
}

/* DER Ecdsa-Sig-Value <-> r | s of half bytes each (RFC 4754 §7). */
static int
ecdsa_der_to_rs(const uint8_t *der, size_t len, size_t half, uint8_t *out)
{
	ECDSA_SIG *s = d2i_ECDSA_SIG(NULL, &der, (long)len);
	int rc = -EIO;

	if (s != NULL && BN_bn2binpad(ECDSA_SIG_get0_r(s), out, (int)half) == (int)half &&
		BN_bn2binpad(ECDSA_SIG_get0_s(s), out + half, (int)half) == (int)half)
		rc = 0;
	ECDSA_SIG_free(s);
	return rc;
}

static int
ecdsa_rs_to_der(const uint8_t *rs, size_t half, uint8_t *out, size_t cap, size_t *len)
{
	ECDSA_SIG *s = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(rs, (int)half, NULL), *ss = BN_bin2bn(rs + half, (int)half, NULL);
	unsigned char *p = out;
	int n = -1;

	if (s != NULL && r != NULL && ss != NULL && ECDSA_SIG_set0(s, r, ss) == 1) {
		r = ss = NULL; /* owned by s */
		if (i2d_ECDSA_SIG(s, NULL) <= (int)cap)
			n = i2d_ECDSA_SIG(s, &p);
	}
	BN_free(r);
	BN_free(ss);
	ECDSA_SIG_free(s);
	if (n <= 0)
		return -EIO;
	*len = (size_t)n;
	return 0;
}

int
pki_sign(struct ike_sa *sa, const uint8_t *octets, size_t len, uint8_t *method, uint8_t *out,
	size_t cap, size_t *out_len)
{
	const struct ike_pki *p = sa->e->pki;
	uint8_t der[160];
	enum hs_ike_hash h;
	size_t alen, slen, half;
	int rc;

	if (p == NULL)
		return -ENOENT;
	/* No RFC 7427 from the peer: RFC 4754 with an EC key (Cisco's older ecdsa-sig). */
	*method = sa->sig_hashes == 0 ? ecdsa_method(p->key, &h, &half) : 0;
	if (*method != 0) {
		if (2 * half > cap)
			return -ENOSPC;
		rc = hs_ike_sig_sign(p->key, h, octets, len, der, sizeof(der), &slen);
		if (rc == 0)
			rc = ecdsa_der_to_rs(der, slen, half, out);
		*out_len = 2 * half;
		return rc;
	}
	*method = HS_IKE_AUTH_DIGITAL_SIG;
	for (unsigned int i = 0; i < HS_ARRAY_SIZE(hashes); i++) {
		if (!(sa->sig_hashes & 1u << hashes[i]))
			continue;
		/* RFC 7427 §3: one octet of length, the AlgorithmIdentifier, the signature. */
		rc = hs_ike_sig_algid(p->key, hashes[i], out + 1, cap > 1 ? cap - 1 : 0, &alen);
		if (rc == 0 && alen > 255)
			rc = -EINVAL;
		if (rc == 0)
			rc = hs_ike_sig_sign(p->key, hashes[i], octets, len, out + 1 + alen,
				cap - 1 - alen, &slen);
		if (rc == 0) {
			out[0] = (uint8_t)alen;
			*out_len = 1 + alen + slen;
		}
		return rc;
	}
	IKE_LOG(sa, ERR, "the peer accepts no signature we make: no RFC 7427 hash we have "
			 "(SHA2-256/384/512)%s", EVP_PKEY_is_a(p->key, "RSA") ?
			 ", and RSA method 1 (SHA-1) is not built" : "");
	return -ENOTSUP;
}

/* The peer's end-entity certificate and the others (untrusted) from m's CERT payloads. */
static X509 *
peer_certs(const struct hs_ike_msg *m, STACK_OF(X509) *untrusted)
{
	const struct hs_ike_pl *pl = NULL;
	X509 *ee = NULL;
	unsigned int n = 0;

	while ((pl = hs_ike_msg_find(m, HS_IKE_PL_CERT, pl)) != NULL && n++ < PKI_PEER_CERTS) {
		const unsigned char *d = pl->u.cert.data;
		X509 *x;

		if (pl->u.cert.type != HS_IKE_CERT_X509_SIG)
			continue;
		x = d2i_X509(NULL, &d, pl->u.cert.len);
		if (x == NULL || d != pl->u.cert.data + pl->u.cert.len) {
			X509_free(x);
			continue;
		}
		if (ee == NULL)
			ee = x;
		else if (!sk_X509_push(untrusted, x))
			X509_free(x);
	}
	return ee;
}

/* Whether the certificate holds the ID the peer sent (§3.5, RFC 4945 §3.1). */
static bool
id_in_cert(X509 *x, const struct hs_ike_pl_typed *id)
{
	const char *s = (const char *)id->data;
	const unsigned char *d = id->data;
	X509_NAME *dn;
	bool ok;

	switch (id->type) {
	case HS_IKE_ID_DER_ASN1_DN:
		dn = d2i_X509_NAME(NULL, &d, id->len);
		ok = dn != NULL && d == id->data + id->len &&
		     X509_NAME_cmp(dn, X509_get_subject_name(x)) == 0;
		X509_NAME_free(dn);
		return ok;
	case HS_IKE_ID_FQDN:
		return X509_check_host(x, s, id->len, X509_CHECK_FLAG_NEVER_CHECK_SUBJECT, NULL) ==
		       1;
	case HS_IKE_ID_RFC822_ADDR:
		return X509_check_email(x, s, id->len, 0) == 1;
	case HS_IKE_ID_IPV4_ADDR:
	case HS_IKE_ID_IPV6_ADDR:
		return id->len == (id->type == HS_IKE_ID_IPV4_ADDR ? 4 : 16) &&
		       X509_check_ip(x, id->data, id->len, 0) == 1;
	default:
		return false;
	}
}

/* The hash of an RFC 7427 AlgorithmIdentifier that we know for this key; 0 if none. */
static enum hs_ike_hash
algid_hash(EVP_PKEY *key, const uint8_t *algid, size_t len)
{
	uint8_t want[ALGID_MAX];
	size_t wlen;

	for (unsigned int i = 0; i < HS_ARRAY_SIZE(hashes); i++)
		if (hs_ike_sig_algid(key, hashes[i], want, sizeof(want), &wlen) == 0 &&
			wlen == len && memcmp(want, algid, len) == 0)
			return hashes[i];
	return 0;
}

static int
fail(char *why, size_t why_len, const char *fmt, const char *arg)
{
	snprintf(why, why_len, fmt, arg);
	return -EACCES;
}

/* RFC 4754: the method must be the one of the key's curve; r | s of its size. */
static int
verify_ecdsa(struct ike_sa *sa, EVP_PKEY *key, const struct hs_ike_pl_typed *auth,
	const uint8_t *octets, size_t len, char *why, size_t why_len)
{
	enum hs_ike_hash h;
	uint8_t der[160];
	size_t half, dlen;

	if (ecdsa_method(key, &h, &half) != auth->type || auth->len != 2 * half)
		return fail(why, why_len, "the peer's %s AUTH does not fit its certificate's key",
			hs_ike_auth_method_name(auth->type));
	if (ecdsa_rs_to_der(auth->data, half, der, sizeof(der), &dlen) != 0 ||
		hs_ike_sig_verify(key, h, octets, len, der, dlen) != 0)
		return fail(why, why_len, "%s", "the peer's signature does not verify");
	sa->peer_auth = "ECDSA";
	return 0;
}

int
pki_verify(struct ike_sa *sa, const struct hs_ike_msg *m, const struct hs_ike_pl *id,
	const struct hs_ike_pl *auth, const uint8_t *octets, size_t len, char *why,
	size_t why_len)
{
	const struct ike_pki *p = sa->e->pki;
	const uint8_t *a = auth->u.auth.data;
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	X509_STORE_CTX *ctx = NULL;
	enum hs_ike_hash h;
	X509 *ee = NULL;
	int rc;

	if (p == NULL) {
		rc = fail(why, why_len, "%s", "no pki section to verify certificates with");
		goto out;
	}
	if (auth->u.auth.type != HS_IKE_AUTH_DIGITAL_SIG &&
		auth->u.auth.type != HS_IKE_AUTH_ECDSA_256 &&
		auth->u.auth.type != HS_IKE_AUTH_ECDSA_384 &&
		auth->u.auth.type != HS_IKE_AUTH_ECDSA_521) {
		rc = fail(why, why_len, "the peer signs with %s: RFC 7427 digital signatures and "
					"RFC 4754 ECDSA are built", hs_ike_auth_method_name(auth->u.auth.type));
		goto out;
	}
	ee = untrusted != NULL ? peer_certs(m, untrusted) : NULL;
	if (ee == NULL) {
		rc = fail(why, why_len, "%s", "no X.509 certificate from the peer (CERT payload)");
		goto out;
	}
	ctx = X509_STORE_CTX_new();
	if (ctx == NULL || X509_STORE_CTX_init(ctx, p->store, ee, untrusted) != 1) {
		rc = fail(why, why_len, "%s", "out of memory");
		goto out;
	}
	if (X509_verify_cert(ctx) != 1) {
		rc = fail(why, why_len, "the peer's certificate does not verify: %s",
			X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
		goto out;
	}
	if (!id_in_cert(ee, &id->u.id)) {
		rc = fail(why, why_len, "the peer's ID %s is not in its certificate", sa->peer_id);
		goto out;
	}
	if (auth->u.auth.type != HS_IKE_AUTH_DIGITAL_SIG) {
		rc = verify_ecdsa(sa, X509_get0_pubkey(ee), &auth->u.auth, octets, len, why,
			why_len);
		goto out;
	}
	if (auth->u.auth.len < 2 || a[0] == 0 || 1u + a[0] >= auth->u.auth.len) {
		rc = fail(why, why_len, "%s", "malformed RFC 7427 AUTH data");
		goto out;
	}
	h = algid_hash(X509_get0_pubkey(ee), a + 1, a[0]);
	if (h == 0) {
		rc = fail(why, why_len, "%s", "the peer's signature algorithm is not one we accept "
					      "(RSA PKCS#1 v1.5 or ECDSA with SHA2-256/384/512)");
		goto out;
	}
	rc = hs_ike_sig_verify(X509_get0_pubkey(ee), h, octets, len, a + 1 + a[0],
		auth->u.auth.len - 1u - a[0]);
	if (rc != 0)
		rc = fail(why, why_len, "%s", "the peer's signature does not verify");
	else
		sa->peer_auth = EVP_PKEY_is_a(X509_get0_pubkey(ee), "RSA") ? "RSA" : "ECDSA";
out:
	X509_STORE_CTX_free(ctx);
	X509_free(ee);
	sk_X509_pop_free(untrusted, X509_free);
	ERR_clear_error();
	return rc;
}
