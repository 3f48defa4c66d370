/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The pki section (certificates for IKEv2 signature authentication) and IKE
 * identities (pki.identity, a crypto map entry's peer-identity). The PEM
 * files are read whole and checked here with OpenSSL, so that a wrong file
 * is an error with its position at load time rather than a failed IKE_AUTH
 * later; the IKE engine parses the same text into its own objects. The
 * private key's text is a secret: no message quotes it (OpenSSL's reasons
 * name a format problem, never key material).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "config_priv.h"

static const char *const id_kind_names[] = { HS_CONFIG_ID_KINDS(HS_ENUM_STR) };

const char *
hs_config_id_kind_name(enum hs_config_id_kind k)
{
	return (unsigned int)k < HS_ARRAY_SIZE(id_kind_names) ? id_kind_names[k] : "?";
}

#define PKI_KEYS(X)                                                                                \
	X(PKK_CERT, "certificate")                                                                 \
	X(PKK_KEY, "private-key")                                                                  \
	X(PKK_CA, "ca-certificates")                                                               \
	X(PKK_ID, "identity")
enum pki_key { PKI_KEYS(HS_ENUM_ITEM) PKK_MAX };
static const char *const pki_keys[] = { PKI_KEYS(HS_ENUM_STR) };

/* The reason of OpenSSL's last error, for a message (a format problem, no data). */
static const char *
ssl_reason(void)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e != 0 ? ERR_reason_error_string(e) : NULL;

	return r != NULL ? r : "not valid PEM";
}

/* Read a whole file (relative to the config's directory) into f->data. */
static int
read_pem(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path,
	struct hs_config_pem *f)
{
	char full[2 * HS_CONFIG_STR_MAX];
	struct stat st;
	size_t got = 0;
	int fd;

	if (n == NULL)
		return -EINVAL; /* a required key: already reported */
	f->mark = hs_cfg_mark(n);
	if (hs_cfg_text(c, n, path, f->path, sizeof(f->path)) < 0)
		return -EINVAL;
	fd = hs_cfg_open(c, f->path, full, sizeof(full));
	if (fd < 0 || fstat(fd, &st) != 0) {
		hs_cfg_err(c, n, path, "cannot read '%s': %s", full, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -EINVAL;
	}
	if (!S_ISREG(st.st_mode) || st.st_size <= 0 || st.st_size > (off_t)HS_CONFIG_PEM_MAX) {
		hs_cfg_err(c, n, path, "'%s' %s", full,
			!S_ISREG(st.st_mode) ? "is not a regular file" :
			st.st_size <= 0	     ? "is empty" :
						     "is larger than 256 KiB");
		close(fd);
		return -EINVAL;
	}
	f->data = malloc((size_t)st.st_size + 1);
	while (f->data != NULL && got < (size_t)st.st_size) {
		ssize_t r = read(fd, f->data + got, (size_t)st.st_size - got);

		if (r <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			break;
		}
		got += (size_t)r;
	}
	close(fd);
	if (f->data == NULL || got != (size_t)st.st_size) {
		hs_cfg_err(c, n, path, "cannot read '%s'", full);
		return -EINVAL;
	}
	f->data[got] = '\0';
	f->len = got;
	return 0;
}

STACK_OF(X509) *
hs_config_pem_certs(const struct hs_config_pem *f)
{
	BIO *b = BIO_new_mem_buf(f->data, (int)f->len);
	STACK_OF(X509) *sk = sk_X509_new_null();
	X509 *x;

	while (b != NULL && sk != NULL && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
		if (!sk_X509_push(sk, x))
			X509_free(x);
	BIO_free(b);
	ERR_clear_error(); /* the end of the text reads as an error */
	if (sk != NULL && sk_X509_num(sk) == 0) {
		sk_X509_free(sk);
		sk = NULL;
	}
	return sk;
}

/* An encrypted key would make OpenSSL ask a terminal for its passphrase: refuse. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf, (void)size, (void)rwflag;
	*(bool *)u = true;
	return -1;
}

static bool
has_san(X509 *x, int type)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	bool found = false;

	for (int i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens); i++)
		if (sk_GENERAL_NAME_value(gens, i)->type == type)
			found = true;
	GENERAL_NAMES_free(gens);
	return found;
}

static void
check_pki(struct hs_cfg_ctx *c, const struct hs_cfg_node *const *v, struct hs_config_pki *k)
{
	STACK_OF(X509) *certs = hs_config_pem_certs(&k->cert);
	EVP_PKEY *key = NULL;
	bool encrypted = false;
	bool ok = certs != NULL;
	BIO *b;

	if (certs == NULL)
		hs_cfg_err(c, v[PKK_CERT], "pki.certificate", "no PEM certificate in '%s'",
			k->cert.path);
	b = BIO_new_mem_buf(k->key.data, (int)k->key.len);
	if (b != NULL)
		key = PEM_read_bio_PrivateKey(b, NULL, no_passphrase, &encrypted);
	BIO_free(b);
	if (key == NULL) {
		hs_cfg_err(c, v[PKK_KEY], "pki.private-key", "no usable PEM private key in '%s' (%s)",
			k->key.path, encrypted ? "encrypted keys are not supported" : ssl_reason());
		ok = false;
	} else if (!EVP_PKEY_is_a(key, "RSA") && !EVP_PKEY_is_a(key, "EC")) {
		hs_cfg_err(c, v[PKK_KEY], "pki.private-key", "'%s' holds a %s key: RSA or EC only",
			k->key.path, EVP_PKEY_get0_type_name(key));
		ok = false;
	} else {
		k->key_rsa = EVP_PKEY_is_a(key, "RSA");
		if (certs != NULL && X509_check_private_key(sk_X509_value(certs, 0), key) != 1) {
			hs_cfg_err(c, v[PKK_KEY], "pki.private-key",
				"the key in '%s' does not belong to the certificate in '%s'",
				k->key.path, k->cert.path);
			ok = false;
		}
	}
	if (certs != NULL) {
		X509 *x = sk_X509_value(certs, 0);
		int need = k->identity == HS_CONFIG_ID_FQDN  ? GEN_DNS :
			   k->identity == HS_CONFIG_ID_EMAIL ? GEN_EMAIL :
			   k->identity == HS_CONFIG_ID_ADDRESS ? GEN_IPADD :
								   -1;

		if (need >= 0 && !has_san(x, need)) {
			hs_cfg_err_at(c, k->id_mark.line != 0 ? k->id_mark.line : k->mark.line,
				k->id_mark.line != 0 ? k->id_mark.col : k->mark.col, "pki.identity",
				"identity %s: the certificate in '%s' has no %s subjectAltName",
				hs_config_id_kind_name(k->identity), k->cert.path,
				need == GEN_DNS ? "DNS" : need == GEN_EMAIL ? "email" : "IP address");
			ok = false;
		}
	}
	for (unsigned int i = 0; i < k->n_ca; i++) {
		STACK_OF(X509) *ca = hs_config_pem_certs(&k->ca[i]);

		if (ca == NULL) {
			hs_cfg_err_at(c, k->ca[i].mark.line, k->ca[i].mark.col, "pki.ca-certificates",
				"no PEM certificate in '%s'", k->ca[i].path);
			ok = false;
		}
		sk_X509_pop_free(ca, X509_free);
	}
	EVP_PKEY_free(key);
	sk_X509_pop_free(certs, X509_free);
	ERR_clear_error();
	k->ok = ok;
}

void
hs_cfg_parse_pki(struct hs_cfg_ctx *c, const struct hs_cfg_node *n)
{
	struct hs_config_pki *k = &c->cfg->pki;
	const struct hs_cfg_node *v[PKK_MAX];
	const struct hs_cfg_node *items[HS_CONFIG_CA_MAX];
	unsigned int kind;
	int cnt, bad = 0;

	k->present = true;
	k->mark = hs_cfg_mark(n);
	k->identity = HS_CONFIG_ID_DN;
	if (hs_cfg_map(c, n, "pki", pki_keys, PKK_MAX,
		    1u << PKK_CERT | 1u << PKK_KEY | 1u << PKK_CA, v) < 0)
		return;
	if (v[PKK_ID] != NULL) {
		k->id_mark = hs_cfg_mark(v[PKK_ID]);
		if (hs_cfg_enum(c, v[PKK_ID], "pki.identity", id_kind_names, HS_CONFIG_ID_MAX,
			    &kind) == 0)
			k->identity = (enum hs_config_id_kind)kind;
	}
	bad |= read_pem(c, v[PKK_CERT], "pki.certificate", &k->cert);
	bad |= read_pem(c, v[PKK_KEY], "pki.private-key", &k->key);
	cnt = v[PKK_CA] != NULL ?
		      hs_cfg_list(c, v[PKK_CA], "pki.ca-certificates", HS_CONFIG_CA_MAX, items) :
		      -EINVAL;
	if (cnt == 0)
		hs_cfg_err(c, v[PKK_CA], "pki.ca-certificates", "needs at least one file");
	if (cnt <= 0)
		bad = -EINVAL;
	for (int i = 0; i < cnt; i++)
		bad |= read_pem(c, items[i], "pki.ca-certificates", &k->ca[k->n_ca++]);
	if (bad == 0)
		check_pki(c, v, k);
}

/* Ours: an ike-policy that signs needs a key of its kind. */
void
hs_cfg_validate_pki(struct hs_cfg_ctx *c)
{
	const struct hs_config *cfg = c->cfg;

	for (unsigned int i = 0; i < cfg->n_ike_policies; i++) {
		const struct hs_config_ike_policy *p = &cfg->ike_policies[i];
		bool rsa = p->auth == HS_CONFIG_IKE_AUTH_RSA;
		char path[HS_CFG_PATH_MAX];

		if (p->auth == HS_CONFIG_IKE_AUTH_PSK)
			continue;
		hs_cfg_path_idx(path, "ike-policies", i);
		if (!cfg->pki.present)
			hs_cfg_err_at(c, p->mark.line, p->mark.col, path,
				"authentication %s needs a pki section (certificate, private-key, "
				"ca-certificates)", hs_config_ike_auth_name(p->auth));
		else if (cfg->pki.ok && rsa != cfg->pki.key_rsa)
			hs_cfg_err_at(c, p->mark.line, p->mark.col, path,
				"authentication %s needs an %s key in pki.private-key ('%s' is %s)",
				hs_config_ike_auth_name(p->auth), rsa ? "RSA" : "EC",
				cfg->pki.key.path, cfg->pki.key_rsa ? "RSA" : "EC");
	}
}

int
hs_cfg_ike_id(struct hs_cfg_ctx *c, const struct hs_cfg_node *n, const char *path,
	struct hs_config_ike_id *id)
{
	char text[HS_CONFIG_STR_MAX], show[HS_CFG_SHOW_MAX + 16];
	const char *colon, *why = NULL;
	X509_NAME *dn = NULL;
	size_t klen;
	unsigned int k;

	id->mark = hs_cfg_mark(n);
	if (hs_cfg_text(c, n, path, text, sizeof(text)) < 0)
		return -EINVAL;
	colon = strchr(text, ':');
	klen = colon != NULL ? (size_t)(colon - text) : 0;
	for (k = 0; k < HS_CONFIG_ID_MAX; k++)
		if (strlen(id_kind_names[k]) == klen && strncmp(text, id_kind_names[k], klen) == 0)
			break;
	if (k == HS_CONFIG_ID_MAX || colon[1] == '\0') {
		hs_cfg_err(c, n, path, "'%s' is not KIND:VALUE with KIND dn, fqdn, email or address",
			hs_cfg_show(n, show, sizeof(show)));
		return -EINVAL;
	}
	id->kind = (enum hs_config_id_kind)k;
	snprintf(id->value, sizeof(id->value), "%s", colon + 1);
	if (id->kind == HS_CONFIG_ID_ADDRESS && hs_addr_parse(id->value, &id->addr) != 0) {
		hs_cfg_err(c, n, path, "'%s' is not an IPv4 or IPv6 address", id->value);
		return -EINVAL;
	}
	if (id->kind == HS_CONFIG_ID_DN) {
		if (hs_config_dn_parse(id->value, &dn, &why) != 0) {
			hs_cfg_err(c, n, path, "distinguished name '%s': %s", id->value, why);
			return -EINVAL;
		}
		X509_NAME_free(dn);
	}
	return 0;
}

/* One "NAME=VALUE" of a DN (spaces around both trimmed) into name. */
static int
dn_add(X509_NAME *name, char *rdn, const char **why)
{
	char *eq = strchr(rdn, '='), *k = rdn, *v, *end;

	if (eq == NULL) {
		*why = "an attribute without '='";
		return -EINVAL;
	}
	*eq = '\0';
	v = eq + 1;
	while (*k == ' ')
		k++;
	for (end = eq; end > k && end[-1] == ' '; end--)
		end[-1] = '\0';
	while (*v == ' ')
		v++;
	for (end = v + strlen(v); end > v && end[-1] == ' '; end--)
		end[-1] = '\0';
	if (*k == '\0' || *v == '\0') {
		*why = "an empty attribute name or value";
		return -EINVAL;
	}
	if (strcmp(k, "E") == 0)
		k = "emailAddress";
	if (OBJ_txt2nid(k) == NID_undef) {
		*why = "an unknown attribute name (C, ST, L, O, OU, CN, DC, UID, serialNumber, E)";
		return -EINVAL;
	}
	if (!X509_NAME_add_entry_by_txt(name, k, MBSTRING_UTF8, (const unsigned char *)v, -1, -1,
		    0)) {
		*why = "an attribute value OpenSSL refuses (e.g. C must be 2 letters)";
		return -EINVAL;
	}
	return 0;
}

int
hs_config_dn_parse(const char *text, struct X509_name_st **out, const char **why)
{
	char buf[HS_CONFIG_STR_MAX], rdn[HS_CONFIG_STR_MAX];
	char sep = ',';
	const char *s = text;
	X509_NAME *name;
	size_t r = 0;
	int rc = 0;

	*out = NULL;
	if (strlen(text) >= sizeof(buf)) {
		*why = "too long";
		return -EINVAL;
	}
	if (*s == '/') { /* OpenSSL's one-line form */
		sep = '/';
		s++;
	}
	name = X509_NAME_new();
	if (name == NULL) {
		*why = "out of memory";
		return -ENOMEM;
	}
	for (;; s++) {
		if (*s == '\\' && s[1] != '\0') {
			rdn[r++] = *++s;
			continue;
		}
		if (*s != sep && *s != '\0') {
			rdn[r++] = *s;
			continue;
		}
		rdn[r] = '\0';
		rc = dn_add(name, rdn, why);
		r = 0;
		if (rc != 0 || *s == '\0')
			break;
	}
	ERR_clear_error();
	if (rc != 0) {
		X509_NAME_free(name);
		return rc;
	}
	*out = name;
	return 0;
}
