/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Diffie-Hellman for the KE payload on EVP_PKEY: MODP groups 14 and 15
 * (RFC 3526; OpenSSL's named groups "modp_2048"/"modp_3072" are those
 * primes), ECP groups 19-21 (RFC 5903) and Curve25519 (RFC 8031).
 *
 * Wire formats: MODP public values and shared secrets are big-endian and
 * zero-padded to the prime's length (RFC 7296 §3.4, §2.14); ECP public values
 * are x | y without the 0x04 prefix of SEC 1, the shared secret is x only
 * (RFC 5903 §7, §9); X25519 values are the 32 bytes of RFC 7748.
 *
 * Cost: OpenSSL builds an EC_GROUP (Montgomery constants, a modular inverse)
 * each time a key is made or imported by group name, which in an IKE set-up
 * cost about as much as the scalar multiplications. So each group gets, once
 * (struct tmpl), a key-generation context made from its parameters and a
 * key object that takes each peer's value in turn.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/dh.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "hs_common.h"
#include "ike_crypto.h"

enum kind { MODP, ECP, ECX };

struct group {
	enum hs_ike_dh id;
	enum kind kind;
	const char *type; /* EVP_PKEY key type */
	const char *name; /* OpenSSL group name */
	uint16_t pub_len;
	uint16_t secret_len;
};

static const struct group groups[] = {
	{ HS_IKE_DH_MODP2048, MODP, "DH", "modp_2048", 256, 256 },
	{ HS_IKE_DH_MODP3072, MODP, "DH", "modp_3072", 384, 384 },
	{ HS_IKE_DH_ECP256, ECP, "EC", "P-256", 64, 32 },
	{ HS_IKE_DH_ECP384, ECP, "EC", "P-384", 96, 48 },
	{ HS_IKE_DH_ECP521, ECP, "EC", "P-521", 132, 66 },
	{ HS_IKE_DH_CURVE25519, ECX, "X25519", NULL, 32, 32 },
};

/*
 * Per group, made on first use and kept for the life of the process (the
 * control process runs IKE on one thread). It holds public values only: the
 * scratch peer key gets the peer's value anew for each derivation, which
 * spares a key object per exchange.
 */
struct tmpl {
	bool ready;
	EVP_PKEY_CTX *gen;   /* makes every key pair of the group */
	EVP_PKEY *peer;	     /* the peer's public value, of the last derivation */
	EVP_PKEY_CTX *check; /* ECP: validates peer */
	BIGNUM *p_less_1;    /* MODP: p - 1, for the range check */
};

static struct tmpl tmpls[HS_ARRAY_SIZE(groups)];

struct hs_ike_dh_key {
	const struct group *g;
	EVP_PKEY *key;
	uint8_t pub[HS_IKE_DH_PUB_MAX];
};

static const struct group *
group_of(enum hs_ike_dh id)
{
	for (size_t i = 0; i < HS_ARRAY_SIZE(groups); i++)
		if (groups[i].id == id)
			return &groups[i];
	return NULL;
}

size_t
hs_ike_dh_pub_len(enum hs_ike_dh group)
{
	const struct group *g = group_of(group);

	return g != NULL ? g->pub_len : 0;
}

size_t
hs_ike_dh_secret_len(enum hs_ike_dh group)
{
	const struct group *g = group_of(group);

	return g != NULL ? g->secret_len : 0;
}

/* A key from parameters (public, or a key pair for tests); NULL on failure. */
static EVP_PKEY *
from_params(const char *type, OSSL_PARAM_BLD *bld, int selection)
{
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *key = NULL;

	if (params != NULL)
		ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
		EVP_PKEY_fromdata(ctx, &key, selection, params) != 1) {
		EVP_PKEY_free(key);
		key = NULL;
	}
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params); /* clears the secure (private) part */
	return key;
}

static bool
push_group(OSSL_PARAM_BLD *bld, const struct group *g)
{
	return OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, g->name, 0) == 1;
}

/* X25519 has no parameters: its scratch peer starts as the base point u = 9. */
static const uint8_t x25519_base[32] = { 9 };

/* The group's domain parameters as a key without a value; NULL for X25519. */
static EVP_PKEY *
params_of(const struct group *g)
{
	OSSL_PARAM_BLD *bld;
	EVP_PKEY *params = NULL;

	if (g->kind == ECX)
		return NULL;
	bld = OSSL_PARAM_BLD_new();
	if (bld != NULL && push_group(bld, g))
		params = from_params(g->type, bld, EVP_PKEY_KEY_PARAMETERS);
	OSSL_PARAM_BLD_free(bld);
	return params;
}

static bool
tmpl_init(struct tmpl *t, const struct group *g)
{
	EVP_PKEY *params = params_of(g);
	bool ok;

	if (g->kind == ECX) {
		t->gen = EVP_PKEY_CTX_new_from_name(NULL, g->type, NULL);
		t->peer = EVP_PKEY_new_raw_public_key_ex(NULL, g->type, NULL, x25519_base,
			sizeof(x25519_base));
	} else if (params != NULL) {
		/* From params: each key gets a copy of the group, not one built from its name. */
		t->gen = EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL);
		t->peer = EVP_PKEY_dup(params);
	}
	if (g->kind == ECP && t->peer != NULL)
		t->check = EVP_PKEY_CTX_new_from_pkey(NULL, t->peer, NULL);
	ok = t->gen != NULL && EVP_PKEY_keygen_init(t->gen) == 1 && t->peer != NULL &&
		(g->kind != ECP || t->check != NULL);
	if (ok && g->kind == MODP)
		ok = EVP_PKEY_get_bn_param(params, OSSL_PKEY_PARAM_FFC_P, &t->p_less_1) == 1 &&
			BN_sub_word(t->p_less_1, 1) == 1;
	EVP_PKEY_free(params); /* gen holds its own reference */
	return ok;
}

/* The group's template, or NULL when OpenSSL could not make it (tried again later). */
static struct tmpl *
tmpl_of(const struct group *g)
{
	struct tmpl *t = &tmpls[g - groups];

	if (t->ready)
		return t;
	if (tmpl_init(t, g)) {
		t->ready = true;
		return t;
	}
	EVP_PKEY_CTX_free(t->gen);
	EVP_PKEY_CTX_free(t->check);
	EVP_PKEY_free(t->peer);
	BN_free(t->p_less_1);
	memset(t, 0, sizeof(*t));
	return NULL;
}

/* Our public value in wire format, into dh->pub. */
static bool
export_pub(struct hs_ike_dh_key *dh)
{
	uint8_t pt[1 + HS_IKE_DH_PUB_MAX];
	size_t n = 0, len = dh->g->pub_len;
	BIGNUM *y = NULL;
	bool ok;

	switch (dh->g->kind) {
	case MODP:
		ok = EVP_PKEY_get_bn_param(dh->key, OSSL_PKEY_PARAM_PUB_KEY, &y) == 1 &&
			BN_bn2binpad(y, dh->pub, (int)len) == (int)len;
		BN_free(y);
		return ok;
	case ECP:
		/* SEC 1 uncompressed point 0x04 | x | y; IKE sends x | y. */
		if (EVP_PKEY_get_octet_string_param(dh->key, OSSL_PKEY_PARAM_PUB_KEY, pt,
			    sizeof(pt), &n) != 1 ||
			n != 1 + len || pt[0] != POINT_CONVERSION_UNCOMPRESSED)
			return false;
		memcpy(dh->pub, pt + 1, len);
		return true;
	case ECX:
		n = len;
		return EVP_PKEY_get_raw_public_key(dh->key, dh->pub, &n) == 1 && n == len;
	}
	return false;
}

/* Takes ownership of key (freed on failure). */
static int
wrap(struct hs_ike_dh_key **out, const struct group *g, EVP_PKEY *key)
{
	struct hs_ike_dh_key *dh;

	if (key == NULL)
		return -EIO;
	dh = calloc(1, sizeof(*dh));
	if (dh == NULL) {
		EVP_PKEY_free(key);
		return -ENOMEM;
	}
	dh->g = g;
	dh->key = key;
	if (!export_pub(dh)) {
		hs_ike_dh_free(dh);
		return -EIO;
	}
	*out = dh;
	return 0;
}

int
hs_ike_dh_new(struct hs_ike_dh_key **out, enum hs_ike_dh group)
{
	const struct group *g = group_of(group);
	const struct tmpl *t;
	EVP_PKEY *key = NULL;

	if (out == NULL)
		return -EINVAL;
	*out = NULL;
	if (g == NULL)
		return -ENOTSUP;
	t = tmpl_of(g);
	/* One context makes every key pair of the group: OpenSSL allows its reuse. */
	if (t == NULL || EVP_PKEY_generate(t->gen, &key) != 1) {
		EVP_PKEY_free(key);
		key = NULL;
	}
	return wrap(out, g, key);
}

/* MODP key pair for tests: y = g^x mod p with the group's p and g. */
static EVP_PKEY *
modp_from_private(const struct group *g, const BIGNUM *x)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *p = NULL, *gen = NULL, *y = BN_new();
	BN_CTX *bn = BN_CTX_new();
	EVP_PKEY *params = NULL, *key = NULL;

	if (bld == NULL || y == NULL || bn == NULL || !push_group(bld, g))
		goto out;
	params = from_params(g->type, bld, EVP_PKEY_KEY_PARAMETERS);
	/* OSSL_PARAM_BLD_to_param() emptied bld: the group name goes in again. */
	if (params == NULL || EVP_PKEY_get_bn_param(params, OSSL_PKEY_PARAM_FFC_P, &p) != 1 ||
		EVP_PKEY_get_bn_param(params, OSSL_PKEY_PARAM_FFC_G, &gen) != 1 ||
		BN_mod_exp(y, gen, x, p, bn) != 1 ||
		!push_group(bld, g) ||
		OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, x) != 1 ||
		OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y) != 1)
		goto out;
	key = from_params(g->type, bld, EVP_PKEY_KEYPAIR);
out:
	EVP_PKEY_free(params);
	BN_free(p);
	BN_free(gen);
	BN_free(y);
	BN_CTX_free(bn);
	OSSL_PARAM_BLD_free(bld);
	return key;
}

/* ECP key pair for tests: the public point is x * G. */
static EVP_PKEY *
ecp_from_private(const struct group *g, const BIGNUM *x)
{
	EC_GROUP *ec = EC_GROUP_new_by_curve_name(EC_curve_nist2nid(g->name));
	EC_POINT *pt = ec != NULL ? EC_POINT_new(ec) : NULL;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	uint8_t buf[1 + HS_IKE_DH_PUB_MAX];
	EVP_PKEY *key = NULL;
	size_t n = 0;

	if (pt != NULL && bld != NULL && EC_POINT_mul(ec, pt, x, NULL, NULL, NULL) == 1)
		n = EC_POINT_point2oct(ec, pt, POINT_CONVERSION_UNCOMPRESSED, buf, sizeof(buf),
			NULL);
	if (n == 1u + g->pub_len && push_group(bld, g) &&
		OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, x) == 1 &&
		OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, buf, n) == 1)
		key = from_params(g->type, bld, EVP_PKEY_KEYPAIR);
	OSSL_PARAM_BLD_free(bld);
	EC_POINT_free(pt);
	EC_GROUP_free(ec);
	return key;
}

int
hs_ike_dh_new_from_private(struct hs_ike_dh_key **out, enum hs_ike_dh group, const uint8_t *priv,
	size_t priv_len)
{
	const struct group *g = group_of(group);
	EVP_PKEY *key = NULL;
	BIGNUM *x;

	if (out == NULL)
		return -EINVAL;
	*out = NULL;
	if (g == NULL)
		return -ENOTSUP;
	if (priv == NULL || priv_len == 0 || priv_len > HS_IKE_DH_SECRET_MAX ||
		(g->kind == ECX && priv_len != g->secret_len))
		return -EINVAL;
	if (g->kind == ECX) {
		key = EVP_PKEY_new_raw_private_key_ex(NULL, g->type, NULL, priv, priv_len);
		return wrap(out, g, key);
	}
	/* A secure BIGNUM, so that OSSL_PARAM_free() clears its copy too. */
	x = BN_bin2bn(priv, (int)priv_len, BN_secure_new());
	if (x == NULL)
		return -EIO;
	BN_set_flags(x, BN_FLG_CONSTTIME);
	key = g->kind == MODP ? modp_from_private(g, x) : ecp_from_private(g, x);
	BN_clear_free(x);
	return wrap(out, g, key);
}

enum hs_ike_dh
hs_ike_dh_group(const struct hs_ike_dh_key *dh)
{
	return dh != NULL ? dh->g->id : HS_IKE_DH_NONE;
}

const uint8_t *
hs_ike_dh_pub(const struct hs_ike_dh_key *dh, size_t *len)
{
	if (dh == NULL)
		return NULL;
	if (len != NULL)
		*len = dh->g->pub_len;
	return dh->pub;
}

/* The scratch peer key with the peer's value v (as on the wire, but ECP's 0x04). */
static EVP_PKEY *
set_peer(struct tmpl *t, const uint8_t *v, size_t len)
{
	return EVP_PKEY_set1_encoded_public_key(t->peer, v, len) == 1 ? t->peer : NULL;
}

/* The peer's MODP value, after 1 < y < p-1 (RFC 6989 §2.2). */
static EVP_PKEY *
peer_modp(struct tmpl *t, const uint8_t *v, size_t len, const char **why)
{
	BIGNUM *y = BN_bin2bn(v, (int)len, NULL);
	EVP_PKEY *key = NULL;

	if (y == NULL)
		return NULL;
	/*
	 * With a safe prime, y in (1, p-1) can only be in the subgroup of
	 * order q or 2q: the range check is all RFC 6989 §2.2 asks, and it
	 * spares a full-size exponentiation per KE payload.
	 */
	if (BN_cmp(y, BN_value_one()) <= 0 || BN_cmp(y, t->p_less_1) >= 0)
		*why = "MODP public value not in 2..p-2";
	else
		key = set_peer(t, v, len); /* big-endian, the prime's length: as on the wire */
	BN_free(y);
	return key;
}

/*
 * The peer's ECP point x | y, checked to be on the curve and not the point at
 * infinity: all RFC 6989 §2.3 asks for curves of cofactor 1, which is what
 * EVP_PKEY_public_check_quick() does for EC (OpenSSL also refuses a point off
 * the curve when it is set).
 */
static EVP_PKEY *
peer_ecp(struct tmpl *t, const uint8_t *v, size_t len, const char **why)
{
	uint8_t pt[1 + HS_IKE_DH_PUB_MAX];
	EVP_PKEY *key;

	pt[0] = POINT_CONVERSION_UNCOMPRESSED;
	memcpy(pt + 1, v, len);
	key = set_peer(t, pt, 1 + len);
	if (key == NULL || EVP_PKEY_public_check_quick(t->check) != 1) {
		*why = "ECP public value is not a point on the curve";
		return NULL;
	}
	return key;
}

/* The peer's value as a key, valid until the next call for the group; NULL on failure. */
static EVP_PKEY *
peer_key(const struct hs_ike_dh_key *dh, const uint8_t *v, size_t len, const char **why)
{
	struct tmpl *t = tmpl_of(dh->g);

	if (t == NULL)
		return NULL;
	switch (dh->g->kind) {
	case MODP:
		return peer_modp(t, v, len, why);
	case ECP:
		return peer_ecp(t, v, len, why);
	case ECX:
		/* Every 32-byte string is a valid X25519 input (RFC 7748 §5). */
		return set_peer(t, v, len);
	}
	return NULL;
}

static bool
all_zero(const uint8_t *p, size_t len)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < len; i++)
		acc |= p[i];
	return acc == 0;
}

/*
 * The peer key has been validated by peer_key(); MODP secrets are padded to
 * the prime's length (RFC 7296 §2.14).
 */
static int
derive(const struct hs_ike_dh_key *dh, EVP_PKEY *peer, uint8_t *secret, const char **why)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, dh->key, NULL);
	size_t n = dh->g->secret_len;
	int rc = 0;

	if (ctx == NULL || EVP_PKEY_derive_init(ctx) != 1 ||
		(dh->g->kind == MODP && EVP_PKEY_CTX_set_dh_pad(ctx, 1) != 1)) {
		rc = -EIO;
	} else if (EVP_PKEY_derive_set_peer_ex(ctx, peer, 0) != 1 ||
		EVP_PKEY_derive(ctx, secret, &n) != 1 || n != dh->g->secret_len) {
		/* OpenSSL refuses an all-zero X25519 result (RFC 7748 §6.1). */
		*why = dh->g->kind == ECX ? "X25519 shared secret is zero" : "derivation failed";
		rc = -EINVAL;
	} else if (dh->g->kind == ECX && all_zero(secret, n)) {
		/* RFC 8031 §2.3: reject the all-zero value, should OpenSSL not. */
		*why = "X25519 shared secret is zero";
		rc = -EINVAL;
	}
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

int
hs_ike_dh_compute(const struct hs_ike_dh_key *dh, const uint8_t *peer, size_t peer_len,
	uint8_t *secret, size_t secret_cap, size_t *secret_len, const char **why)
{
	const char *reason = NULL;
	EVP_PKEY *pk;
	int rc;

	if (why != NULL)
		*why = NULL;
	if (dh == NULL || peer == NULL || secret == NULL || secret_len == NULL)
		return -EINVAL;
	*secret_len = 0;
	if (secret_cap < dh->g->secret_len)
		return -ENOSPC;
	/* The exact length of the group (RFC 7296 §3.4; RFC 5903 §7; RFC 8031 §2). */
	if (peer_len != dh->g->pub_len) {
		if (why != NULL)
			*why = "public value length does not match the group";
		return -EINVAL;
	}
	pk = peer_key(dh, peer, peer_len, &reason);
	if (pk == NULL)
		rc = reason != NULL ? -EINVAL : -EIO;
	else
		rc = derive(dh, pk, secret, &reason);
	if (rc == 0)
		*secret_len = dh->g->secret_len;
	else
		OPENSSL_cleanse(secret, dh->g->secret_len);
	if (rc != 0 && why != NULL)
		*why = reason != NULL ? reason : "out of memory";
	return rc;
}

void
hs_ike_dh_free(struct hs_ike_dh_key *dh)
{
	if (dh == NULL)
		return;
	EVP_PKEY_free(dh->key);
	OPENSSL_cleanse(dh, sizeof(*dh));
	free(dh);
}
