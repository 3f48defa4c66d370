/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Proposals (RFC 7296 §2.7, §3.3): what we offer, built from the config's
 * ike-policies (IKE SA) and a crypto map entry's transform sets (ESP), and
 * the choice among a peer's proposals. A responder takes the peer's
 * proposals in the peer's order and, inside each, the first transform of
 * each type that one of our policies allows in full (§2.7: the initiator's
 * preference wins).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ikev2_priv.h"

/* One of our IKE or ESP choices, as transform IDs. */
struct choice {
	uint16_t encr, key_bits, prf, integ, dh;
	bool esn_ok, no_esn_ok;
};

static void
cipher_ids(enum hs_cipher c, uint16_t *encr, uint16_t *bits)
{
	switch (c) {
	case HS_CIPHER_AES_GCM_128:
		*encr = HS_IKE_ENCR_AES_GCM_16, *bits = 128;
		break;
	case HS_CIPHER_AES_GCM_256:
		*encr = HS_IKE_ENCR_AES_GCM_16, *bits = 256;
		break;
	case HS_CIPHER_AES_CBC_128:
		*encr = HS_IKE_ENCR_AES_CBC, *bits = 128;
		break;
	default:
		*encr = HS_IKE_ENCR_AES_CBC, *bits = 256;
		break;
	}
}

static uint16_t
hash_prf(enum hs_config_ike_hash h)
{
	static const uint16_t prf[] = { [HS_CONFIG_IKE_SHA1] = HS_IKE_PRF_HMAC_SHA1,
		[HS_CONFIG_IKE_SHA256] = HS_IKE_PRF_HMAC_SHA2_256,
		[HS_CONFIG_IKE_SHA384] = HS_IKE_PRF_HMAC_SHA2_384,
		[HS_CONFIG_IKE_SHA512] = HS_IKE_PRF_HMAC_SHA2_512 };

	return h < HS_ARRAY_SIZE(prf) ? prf[h] : HS_IKE_PRF_HMAC_SHA2_256;
}

static uint16_t
hash_integ(enum hs_config_ike_hash h)
{
	static const uint16_t integ[] = { [HS_CONFIG_IKE_SHA1] = HS_IKE_INTEG_HMAC_SHA1_96,
		[HS_CONFIG_IKE_SHA256] = HS_IKE_INTEG_HMAC_SHA2_256_128,
		[HS_CONFIG_IKE_SHA384] = HS_IKE_INTEG_HMAC_SHA2_384_192,
		[HS_CONFIG_IKE_SHA512] = HS_IKE_INTEG_HMAC_SHA2_512_256 };

	return h < HS_ARRAY_SIZE(integ) ? integ[h] : HS_IKE_INTEG_HMAC_SHA2_256_128;
}

static uint16_t
esp_integ(enum hs_integ i)
{
	switch (i) {
	case HS_INTEG_HMAC_SHA1_96:
		return HS_IKE_INTEG_HMAC_SHA1_96;
	case HS_INTEG_HMAC_SHA256_128:
		return HS_IKE_INTEG_HMAC_SHA2_256_128;
	case HS_INTEG_HMAC_SHA384_192:
		return HS_IKE_INTEG_HMAC_SHA2_384_192;
	case HS_INTEG_HMAC_SHA512_256:
		return HS_IKE_INTEG_HMAC_SHA2_512_256;
	default:
		return HS_IKE_INTEG_NONE;
	}
}

void
prop_esp_to_sa(const struct hs_ike_suite *s, enum hs_cipher *c, enum hs_integ *i)
{
	bool gcm = s->encr == HS_IKE_ENCR_AES_GCM_16;

	*c = gcm ? (s->key_bits == 256 ? HS_CIPHER_AES_GCM_256 : HS_CIPHER_AES_GCM_128) :
		   (s->key_bits == 256 ? HS_CIPHER_AES_CBC_256 : HS_CIPHER_AES_CBC_128);
	switch (s->integ) {
	case HS_IKE_INTEG_HMAC_SHA1_96:
		*i = HS_INTEG_HMAC_SHA1_96;
		break;
	case HS_IKE_INTEG_HMAC_SHA2_256_128:
		*i = HS_INTEG_HMAC_SHA256_128;
		break;
	case HS_IKE_INTEG_HMAC_SHA2_384_192:
		*i = HS_INTEG_HMAC_SHA384_192;
		break;
	case HS_IKE_INTEG_HMAC_SHA2_512_256:
		*i = HS_INTEG_HMAC_SHA512_256;
		break;
	default:
		*i = HS_INTEG_NONE;
	}
}

static struct choice
ike_choice(const struct hs_config_ike_policy *p)
{
	struct choice c = { .prf = hash_prf(p->hash), .dh = p->group };

	cipher_ids(p->encryption, &c.encr, &c.key_bits);
	if (c.encr != HS_IKE_ENCR_AES_GCM_16)
		c.integ = hash_integ(p->hash);
	return c;
}

static struct choice
esp_choice(const struct hs_config_crypto_entry *ent, unsigned int i, uint16_t dh)
{
	struct choice c = { .integ = esp_integ(ent->tsets[i]->integ), .dh = dh,
		.esn_ok = ent->esn, .no_esn_ok = !ent->esn };

	cipher_ids(ent->tsets[i]->cipher, &c.encr, &c.key_bits);
	return c;
}

static void
desc_from(struct hs_ike_prop_desc *d, const struct choice *c, uint8_t proto, const uint8_t *spi,
	uint8_t spi_size)
{
	memset(d, 0, sizeof(*d));
	d->proto = proto;
	d->spi_size = spi_size;
	if (spi_size > 0)
		memcpy(d->spi, spi, spi_size);
	d->n_encr = 1;
	d->encr[0] = c->encr;
	d->encr_key_len[0] = c->key_bits;
	if (proto == HS_IKE_PROTO_IKE) {
		d->n_prf = 1;
		d->prf[0] = c->prf;
	}
	if (c->integ != HS_IKE_INTEG_NONE) {
		d->n_integ = 1;
		d->integ[0] = c->integ;
	}
	if (c->dh != 0) {
		d->n_dh = 1;
		d->dh[0] = c->dh;
	}
	if (proto == HS_IKE_PROTO_ESP) {
		d->n_esn = 1;
		d->esn[0] = c->esn_ok ? HS_IKE_ESN_YES : HS_IKE_ESN_NO;
	}
}

unsigned int
prop_ike_offer(const struct hs_config *cfg, struct hs_ike_prop_desc *d, unsigned int max,
	uint16_t force_group, const uint8_t *spi, uint8_t spi_size)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < cfg->n_ike_policies && n < max; i++) {
		struct choice c = ike_choice(&cfg->ike_policies[i]);

		/* After INVALID_KE_PAYLOAD only proposals with that group are sent again. */
		if (force_group != 0 && c.dh != force_group)
			continue;
		desc_from(&d[n], &c, HS_IKE_PROTO_IKE, spi, spi_size);
		d[n].num = (uint8_t)(n + 1);
		n++;
	}
	return n;
}

unsigned int
prop_esp_offer(const struct hs_config_crypto_entry *ent, struct hs_ike_prop_desc *d,
	unsigned int max, uint32_t spi, uint16_t dh_group)
{
	uint8_t s[4] = { (uint8_t)(spi >> 24), (uint8_t)(spi >> 16), (uint8_t)(spi >> 8),
		(uint8_t)spi };
	unsigned int n = 0;

	for (unsigned int i = 0; i < ent->n_tsets && n < max; i++) {
		struct choice c = esp_choice(ent, i, dh_group);

		desc_from(&d[n], &c, HS_IKE_PROTO_ESP, s, 4);
		d[n].num = (uint8_t)(n + 1);
		n++;
	}
	return n;
}

/* Whether proposal p (all its transform types) allows choice c; fills out. */
static bool
prop_allows(const struct hs_ike_proposal *p, const struct choice *c, uint8_t proto, bool *esn)
{
	bool encr = false, prf = proto != HS_IKE_PROTO_IKE, integ = c->integ == HS_IKE_INTEG_NONE;
	bool dh = c->dh == 0, esn_any = proto != HS_IKE_PROTO_ESP;
	bool has_integ = false, has_dh = false;

	for (unsigned int i = 0; i < p->n_xf; i++) {
		const struct hs_ike_transform *x = &p->xf[i];

		if (x->n_unknown > 0)
			continue; /* §3.3.6: an attribute we do not understand */
		switch (x->type) {
		case HS_IKE_TT_ENCR:
			encr |= x->id == c->encr && x->key_len == c->key_bits;
			break;
		case HS_IKE_TT_PRF:
			prf |= x->id == c->prf;
			break;
		case HS_IKE_TT_INTEG:
			has_integ |= x->id != HS_IKE_INTEG_NONE;
			integ |= x->id == c->integ;
			break;
		case HS_IKE_TT_DH:
			has_dh |= x->id != HS_IKE_DH_NONE;
			dh |= x->id == c->dh;
			break;
		case HS_IKE_TT_ESN:
			if (x->id == HS_IKE_ESN_YES && c->esn_ok && !esn_any) {
				esn_any = true;
				*esn = true;
			} else if (x->id == HS_IKE_ESN_NO && !esn_any) {
				esn_any = true;
				*esn = false;
			}
			break;
		default:
			break;
		}
	}
	/*
	 * An AEAD cipher with an integrity transform is refused. DH transforms
	 * offered when we want none are ignored: in IKE_AUTH they mean nothing
	 * (§1.2, the first child has no KE of its own), and a peer that wants
	 * PFS gets an answer without KE and decides itself.
	 */
	if (c->integ == HS_IKE_INTEG_NONE && has_integ)
		return false;
	(void)has_dh;
	if (proto == HS_IKE_PROTO_ESP && *esn && !c->esn_ok)
		return false;
	return encr && prf && integ && dh && esn_any;
}

static void
fill_out(const struct hs_ike_proposal *p, const struct choice *c, bool esn,
	struct hs_ike_prop_desc *out, struct hs_ike_suite *suite, uint16_t *dh, bool *esn_out,
	uint8_t *peer_spi, uint8_t *spi_size)
{
	struct choice cc = *c;

	cc.esn_ok = esn;
	desc_from(out, &cc, p->proto, NULL, 0);
	out->num = p->num;
	suite->encr = (enum hs_ike_encr)c->encr;
	suite->key_bits = c->key_bits;
	suite->integ = (enum hs_ike_integ)c->integ;
	suite->prf = (enum hs_ike_prf)c->prf;
	*dh = c->dh;
	if (esn_out != NULL)
		*esn_out = esn;
	*spi_size = p->spi_size;
	if (p->spi_size > 0)
		memcpy(peer_spi, p->spi, p->spi_size);
}

int
prop_select(const struct hs_config *cfg, const struct hs_config_crypto_entry *ent,
	const struct hs_ike_pl_sa *sa, uint8_t proto, struct hs_ike_prop_desc *out,
	struct hs_ike_suite *suite, uint16_t *dh, bool *esn, uint8_t *peer_spi, uint8_t *spi_size)
{
	for (unsigned int i = 0; i < sa->n_props; i++) {
		const struct hs_ike_proposal *p = &sa->props[i];

		if (p->proto != proto ||
			p->spi_size != (proto == HS_IKE_PROTO_ESP ? 4 : (p->spi_size == 8 ? 8 : 0)))
			continue;
		if (proto == HS_IKE_PROTO_IKE) {
			/*
			 * First a policy with the group of the peer's KE (*dh), which
			 * saves an INVALID_KE_PAYLOAD round trip (§1.3), then any.
			 */
			for (int pass = *dh != 0 ? 0 : 1; pass < 2; pass++)
				for (unsigned int k = 0; k < cfg->n_ike_policies; k++) {
					struct choice c = ike_choice(&cfg->ike_policies[k]);
					bool e = false;

					if (pass == 0 && c.dh != *dh)
						continue;
					if (prop_allows(p, &c, proto, &e)) {
						fill_out(p, &c, false, out, suite, dh, esn, peer_spi,
							spi_size);
						return 0;
					}
				}
			continue;
		}
		for (unsigned int k = 0; ent != NULL && k < ent->n_tsets; k++) {
			/* With PFS our group is required; without it, no KE transform. */
			struct choice c = esp_choice(ent, k, *dh);
			bool e = false;

			c.esn_ok = ent->esn;
			if (prop_allows(p, &c, proto, &e)) {
				fill_out(p, &c, e, out, suite, dh, esn, peer_spi, spi_size);
				return 0;
			}
		}
	}
	return -ENOENT;
}

int
prop_parse_reply(const struct hs_ike_pl_sa *sa, uint8_t proto,
	const struct hs_ike_prop_desc *offered, unsigned int n_offered, struct hs_ike_suite *suite,
	uint16_t *dh, bool *esn, uint8_t *peer_spi, uint8_t *spi_size)
{
	const struct hs_ike_proposal *p;
	struct choice c = { 0 };
	bool e = false;

	if (sa->n_props != 1)
		return -EINVAL;
	p = &sa->props[0];
	if (p->proto != proto)
		return -EINVAL;
	for (unsigned int i = 0; i < p->n_xf; i++) {
		const struct hs_ike_transform *x = &p->xf[i];

		switch (x->type) {
		case HS_IKE_TT_ENCR:
			c.encr = x->id, c.key_bits = x->key_len;
			break;
		case HS_IKE_TT_PRF:
			c.prf = x->id;
			break;
		case HS_IKE_TT_INTEG:
			c.integ = x->id;
			break;
		case HS_IKE_TT_DH:
			c.dh = x->id;
			break;
		case HS_IKE_TT_ESN:
			e = x->id == HS_IKE_ESN_YES;
			break;
		default:
			return -EINVAL;
		}
	}
	/* §2.7: the accepted proposal must be one of ours, transform for transform. */
	for (unsigned int k = 0; k < n_offered; k++) {
		const struct hs_ike_prop_desc *d = &offered[k];

		if (d->num != p->num || d->encr[0] != c.encr || d->encr_key_len[0] != c.key_bits)
			continue;
		if ((d->n_prf ? d->prf[0] : 0) != c.prf || (d->n_integ ? d->integ[0] : 0) != c.integ ||
			(d->n_dh ? d->dh[0] : 0) != c.dh)
			continue;
		if (proto == HS_IKE_PROTO_ESP && (d->esn[0] == HS_IKE_ESN_YES) != e)
			continue;
		fill_out(p, &c, e, (struct hs_ike_prop_desc[1]){ 0 }, suite, dh, esn, peer_spi,
			spi_size);
		return 0;
	}
	return -EINVAL;
}

const char *
prop_suite_name(const struct hs_ike_suite *s, uint16_t dh, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s_%u", hs_ike_encr_name(s->encr), s->key_bits);

	if (s->integ != HS_IKE_INTEG_NONE && n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, "/%s", hs_ike_integ_name(s->integ));
	if (s->prf != 0 && n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, "/%s", hs_ike_prf_name(s->prf));
	if (dh != 0 && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "/%s", hs_ike_dh_name(dh));
	return buf;
}

static bool
policy_is(const struct hs_config_ike_policy *p, const struct hs_ike_suite *s, uint16_t dh)
{
	struct choice c = ike_choice(p);

	return c.encr == s->encr && c.key_bits == s->key_bits && c.integ == s->integ &&
	       c.prf == s->prf && c.dh == dh;
}

const struct hs_config_ike_policy *
prop_ike_policy(const struct hs_config *cfg, const struct hs_ike_suite *s, uint16_t dh)
{
	for (unsigned int i = 0; i < cfg->n_ike_policies; i++)
		if (policy_is(&cfg->ike_policies[i], s, dh))
			return &cfg->ike_policies[i];
	return NULL;
}

uint8_t
prop_ike_auths(const struct hs_config *cfg, const struct hs_ike_suite *s, uint16_t dh)
{
	uint8_t auths = 0;

	for (unsigned int i = 0; i < cfg->n_ike_policies; i++)
		if (policy_is(&cfg->ike_policies[i], s, dh))
			auths |= (uint8_t)(1u << cfg->ike_policies[i].auth);
	return auths;
}
