/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Identities and the AUTH payload (RFC 7296 §2.15, §3.5, §3.8). The
 * ike-policies decide how the ends authenticate: pre-share, or
 * rsa-sig/ecdsa-sig (certificates, pki.c). The peer may use the kind of any
 * policy with the algorithms agreed in IKE_SA_INIT (a hub can have PSK and
 * certificate branches on one suite, with two policies); any other kind is
 * refused, so where only certificates are configured a guessed PSK gets
 * nowhere. We sign as the first such policy says when we initiate, and
 * answer in the kind the peer used when we respond. With PSKs our ID is our outer address (ID_IPV4_ADDR/
 * ID_IPV6_ADDR, what Cisco and strongSwan use by default), and the peer's
 * key is looked up by its ID when that is an address, else by the address it
 * talks from; keys are never logged. With certificates our ID is the
 * pki.identity kind.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/x509.h>

#include "ikev2_priv.h"

#define AUTH_CERTS (1u << HS_CONFIG_IKE_AUTH_RSA | 1u << HS_CONFIG_IKE_AUTH_ECDSA)

void
auth_negotiated(struct ike_sa *sa)
{
	sa->auths = prop_ike_auths(sa->e->cfg, &sa->suite, sa->dh_group);
	sa->sign_cert = sa->policy != NULL && sa->policy->auth != HS_CONFIG_IKE_AUTH_PSK;
}

bool
auth_by_cert(const struct ike_sa *sa)
{
	return sa->sign_cert;
}

bool
auth_cert_allowed(const struct ike_sa *sa)
{
	return (sa->auths & AUTH_CERTS) != 0 && sa->e->pki != NULL;
}

const char *
auth_sign_name(const struct ike_sa *sa)
{
	if (!auth_by_cert(sa))
		return "PSK";
	return sa->e->cfg->pki.key_rsa ? "RSA" : "ECDSA";
}

static void
address_id(const struct hs_addr *a, uint8_t *type, uint8_t *data, uint16_t *len)
{
	*type = a->family == AF_INET ? HS_IKE_ID_IPV4_ADDR : HS_IKE_ID_IPV6_ADDR;
	*len = a->family == AF_INET ? 4 : 16;
	memcpy(data, a->family == AF_INET ? a->v4 : a->v6, *len);
}

/* The PSK for the peer: by its ID address, else by its source address. */
static const struct hs_config_psk *
peer_psk(const struct ike_sa *sa)
{
	const struct hs_config_psk *k = NULL;
	struct hs_addr id = { 0 };

	if (sa->peer_id_type == HS_IKE_ID_IPV4_ADDR || sa->peer_id_type == HS_IKE_ID_IPV6_ADDR) {
		if (hs_addr_parse(sa->peer_id, &id) == 0)
			k = hs_config_find_psk(sa->e->cfg, &id);
	}
	return k != NULL ? k : hs_config_find_psk(sa->e->cfg, &sa->path.remote);
}

/* The signed octets of one side (§2.15). */
static int
octets(struct ike_sa *sa, bool initiator, const uint8_t *idbody, size_t idlen, uint8_t *out,
	size_t cap, size_t *len)
{
	struct hs_ike_auth_in in = { .initiator = initiator, .id = idbody, .id_len = idlen };

	if (initiator) {
		in.msg = sa->init_req, in.msg_len = sa->init_req_len;
		in.nonce = sa->nr, in.nonce_len = sa->nr_len;
	} else {
		in.msg = sa->init_resp, in.msg_len = sa->init_resp_len;
		in.nonce = sa->ni, in.nonce_len = sa->ni_len;
	}
	if (in.msg == NULL)
		return -EINVAL;
	return hs_ike_auth_octets(&sa->keys, &in, out, cap, len);
}

int
auth_add_ours(struct ike_sa *sa, struct hs_ike_msg *m, uint8_t id_pl)
{
	struct hs_ikev2 *e = sa->e;
	const struct hs_config_psk *k = NULL;
	uint8_t *body = e->id_out, type, method, buf[IKE_BUF_MAX];
	bool cert = auth_by_cert(sa);
	size_t blen, alen = 0;
	uint16_t len;
	int rc = 0;

	if (cert) {
		rc = pki_id_ours(sa, &type, body + 4, IKE_ID_MAX, &len);
	} else {
		k = hs_config_find_psk(e->cfg, &sa->path.remote);
		if (k == NULL) {
			IKE_LOG(sa, ERR, "no pre-shared key for this peer (pre-shared-keys in the "
					 "config)");
			return -EACCES;
		}
		rc = -ENODATA;
	}
	if (rc == -ENODATA) {
		address_id(&sa->path.local, &type, body + 4, &len);
		rc = 0;
	}
	if (rc != 0)
		return -EACCES;
	/* The ID payload body as signed: type, 3 reserved bytes, data. */
	memset(body, 0, 4);
	body[0] = type;
	rc = octets(sa, sa->initiator, body, 4u + len, buf, sizeof(buf), &blen);
	if (rc == 0 && cert) {
		rc = pki_sign(sa, buf, blen, &method, e->auth_out, sizeof(e->auth_out), &alen);
	} else if (rc == 0) {
		rc = hs_ike_auth_psk(sa->suite.prf, k->key, k->key_len, buf, blen, e->auth_out,
			sizeof(e->auth_out));
		alen = hs_ike_prf_len(sa->suite.prf);
		method = HS_IKE_AUTH_PSK;
	}
	if (rc != 0)
		return -EACCES;
	/* §3.2 order: ID, CERT (ours, then intermediates), CERTREQ, AUTH. */
	if (hs_ike_msg_add_id(m, id_pl, type, body + 4, len) != 0 ||
		(cert && pki_add_certs(e, m) != 0) ||
		(cert && id_pl == HS_IKE_PL_IDI && pki_add_certreq(e, m) != 0) ||
		hs_ike_msg_add_auth(m, method, e->auth_out, (uint16_t)alen) != 0)
		return -ENOSPC;
	return 0;
}

/* The peer's ID as text for logs and show: addresses, names, a DN; never raw bytes. */
static void
peer_id_text(struct ike_sa *sa, const struct hs_ike_pl_typed *id)
{
	const unsigned char *d = id->data;
	struct hs_addr a = { 0 };
	X509_NAME *dn;

	sa->peer_id_type = id->type;
	sa->peer_id[0] = '\0';
	if ((id->type == HS_IKE_ID_IPV4_ADDR && id->len == 4) ||
		(id->type == HS_IKE_ID_IPV6_ADDR && id->len == 16)) {
		a.family = id->len == 4 ? AF_INET : AF_INET6;
		memcpy(id->len == 4 ? a.v4 : a.v6, id->data, id->len);
		hs_addr_format(&a, sa->peer_id, sizeof(sa->peer_id));
		return;
	}
	if (id->type == HS_IKE_ID_DER_ASN1_DN &&
		(dn = d2i_X509_NAME(NULL, &d, id->len)) != NULL) {
		BIO *b = BIO_new(BIO_s_mem());
		int n = 0;

		/* "C=CH, O=Example, CN=vpn", as strongSwan and Cisco print DNs. */
		if (b != NULL && X509_NAME_print_ex(b, dn, 0, XN_FLAG_SEP_CPLUS_SPC |
				(ASN1_STRFLGS_RFC2253 & ~ASN1_STRFLGS_ESC_MSB)) >= 0)
			n = BIO_read(b, sa->peer_id, sizeof(sa->peer_id) - 1);
		sa->peer_id[n > 0 ? n : 0] = '\0';
		BIO_free(b);
		X509_NAME_free(dn);
		if (n > 0)
			return;
	}
	/* FQDN, RFC822 and others: printable characters only. */
	size_t n = id->len < sizeof(sa->peer_id) - 1 ? id->len : sizeof(sa->peer_id) - 1;

	for (size_t i = 0; i < n; i++) {
		uint8_t ch = id->data[i];

		sa->peer_id[i] = (char)(ch >= 0x20 && ch < 0x7f ? ch : '?');
	}
	sa->peer_id[n] = '\0';
}

int
auth_verify(struct ike_sa *sa, const struct hs_ike_msg *m, const struct hs_ike_pl *id,
	const struct hs_ike_pl *auth, char *why, size_t why_len)
{
	uint8_t idbody[4 + IKE_ID_MAX], buf[IKE_BUF_MAX];
	const struct hs_config_psk *k;
	bool cert = auth->u.auth.type != HS_IKE_AUTH_PSK;
	size_t blen;
	int rc;

	if (id == NULL || auth == NULL || id->u.id.len == 0 || id->u.id.len > IKE_ID_MAX) {
		snprintf(why, why_len, "no usable ID or AUTH payload");
		return -EACCES;
	}
	/* The ID payload body as signed: type, 3 reserved bytes, data (§2.15). */
	memset(idbody, 0, 4);
	idbody[0] = id->u.id.type;
	memcpy(idbody + 4, id->u.id.data, id->u.id.len);
	peer_id_text(sa, &id->u.id);
	if (cert ? !auth_cert_allowed(sa) : !(sa->auths & 1u << HS_CONFIG_IKE_AUTH_PSK)) {
		snprintf(why, why_len, "the peer authenticates with %s: the ike-policies for "
				       "these algorithms do not allow %s",
			hs_ike_auth_method_name(auth->u.auth.type),
			cert ? "certificates (rsa-sig/ecdsa-sig and a pki section)" : "pre-share");
		return -EACCES;
	}
	rc = octets(sa, !sa->initiator, idbody, 4u + id->u.id.len, buf, sizeof(buf), &blen);
	if (rc != 0) {
		snprintf(why, why_len, "cannot compute the signed octets");
		return -EACCES;
	}
	/* As responder we answer in the peer's kind. */
	if (!sa->initiator)
		sa->sign_cert = cert;
	if (cert)
		return pki_verify(sa, m, id, auth, buf, blen, why, why_len);
	k = peer_psk(sa);
	if (k == NULL) {
		snprintf(why, why_len, "no pre-shared key for peer ID %s", sa->peer_id);
		return -EACCES;
	}
	rc = hs_ike_auth_psk_verify(sa->suite.prf, k->key, k->key_len, buf, blen,
		auth->u.auth.data, auth->u.auth.len);
	explicit_bzero(buf, sizeof(buf));
	if (rc != 0) {
		snprintf(why, why_len, "the peer's AUTH does not verify (pre-shared key mismatch?)");
		return -EACCES;
	}
	sa->peer_auth = "PSK";
	return 0;
}

bool
auth_peer_id_allowed(const struct hs_config_crypto_entry *ent, const struct hs_ike_pl *id)
{
	const struct hs_config_ike_id *want = &ent->peer_id;
	const struct hs_ike_pl_typed *got = &id->u.id;
	const unsigned char *d = got->data;
	X509_NAME *a = NULL, *b = NULL;
	const char *why;
	bool ok;

	if (!ent->has_peer_id)
		return true;
	switch (want->kind) {
	case HS_CONFIG_ID_ADDRESS:
		if (want->addr.family == AF_INET)
			return got->type == HS_IKE_ID_IPV4_ADDR && got->len == 4 &&
			       memcmp(got->data, want->addr.v4, 4) == 0;
		return got->type == HS_IKE_ID_IPV6_ADDR && got->len == 16 &&
		       memcmp(got->data, want->addr.v6, 16) == 0;
	case HS_CONFIG_ID_FQDN:
	case HS_CONFIG_ID_EMAIL:
		/* Names compare without case (RFC 4945 §3.1.2, §3.1.3). */
		return got->type == (want->kind == HS_CONFIG_ID_FQDN ? HS_IKE_ID_FQDN :
								       HS_IKE_ID_RFC822_ADDR) &&
		       got->len == strlen(want->value) &&
		       strncasecmp((const char *)got->data, want->value, got->len) == 0;
	case HS_CONFIG_ID_DN:
		if (got->type != HS_IKE_ID_DER_ASN1_DN)
			return false;
		a = d2i_X509_NAME(NULL, &d, got->len);
		ok = a != NULL && hs_config_dn_parse(want->value, &b, &why) == 0 &&
		     X509_NAME_cmp(a, b) == 0;
		X509_NAME_free(a);
		X509_NAME_free(b);
		return ok;
	default:
		return false;
	}
}
