/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Identities and the AUTH payload (RFC 7296 §2.15, §3.5, §3.8) with
 * pre-shared keys. Our ID is our outer address (ID_IPV4_ADDR/ID_IPV6_ADDR),
 * what Cisco and strongSwan use by default with PSKs. The peer's key is
 * looked up by its ID when that is an address, else by the address it
 * talks from; keys are never logged.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ikev2_priv.h"

int
auth_id_ours(const struct ike_sa *sa, uint8_t *type, uint8_t *data, uint16_t *len)
{
	const struct hs_addr *a = &sa->path.local;

	if (a->family == AF_INET) {
		*type = HS_IKE_ID_IPV4_ADDR;
		memcpy(data, a->v4, 4);
		*len = 4;
	} else {
		*type = HS_IKE_ID_IPV6_ADDR;
		memcpy(data, a->v6, 16);
		*len = 16;
	}
	return 0;
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
auth_build(struct ike_sa *sa, const uint8_t *idbody, size_t idlen, uint8_t *method, uint8_t *out,
	size_t cap, size_t *out_len)
{
	const struct hs_config_psk *k = hs_config_find_psk(sa->e->cfg, &sa->path.remote);
	uint8_t buf[IKE_BUF_MAX];
	size_t blen;
	int rc;

	if (k == NULL) {
		IKE_LOG(sa, ERR, "no pre-shared key for this peer (pre-shared-keys in the config)");
		return -EACCES;
	}
	rc = octets(sa, sa->initiator, idbody, idlen, buf, sizeof(buf), &blen);
	if (rc == 0)
		rc = hs_ike_auth_psk(sa->suite.prf, k->key, k->key_len, buf, blen, out, cap);
	if (rc == 0) {
		*out_len = hs_ike_prf_len(sa->suite.prf);
		*method = HS_IKE_AUTH_PSK;
	}
	return rc;
}

int
auth_verify(struct ike_sa *sa, const struct hs_ike_pl *id, const struct hs_ike_pl *auth)
{
	uint8_t idbody[4 + 256], buf[IKE_BUF_MAX];
	const struct hs_config_psk *k;
	size_t blen;
	int rc;

	if (id == NULL || auth == NULL || id->u.id.len > 256)
		return -EBADMSG;
	/* The ID payload body as signed: type, 3 reserved bytes, data (§2.15). */
	memset(idbody, 0, 4);
	idbody[0] = id->u.id.type;
	memcpy(idbody + 4, id->u.id.data, id->u.id.len);
	sa->peer_id_type = id->u.id.type;
	if (id->u.id.type == HS_IKE_ID_IPV4_ADDR && id->u.id.len == 4) {
		struct hs_addr a = { .family = AF_INET };

		memcpy(a.v4, id->u.id.data, 4);
		hs_addr_format(&a, sa->peer_id, sizeof(sa->peer_id));
	} else if (id->u.id.type == HS_IKE_ID_IPV6_ADDR && id->u.id.len == 16) {
		struct hs_addr a = { .family = AF_INET6 };

		memcpy(a.v6, id->u.id.data, 16);
		hs_addr_format(&a, sa->peer_id, sizeof(sa->peer_id));
	} else {
		/* FQDN, RFC822 and others: printable characters only, for logs. */
		size_t n = id->u.id.len < sizeof(sa->peer_id) - 1 ? id->u.id.len :
								    sizeof(sa->peer_id) - 1;

		for (size_t i = 0; i < n; i++) {
			uint8_t ch = id->u.id.data[i];

			sa->peer_id[i] = (char)(ch >= 0x20 && ch < 0x7f ? ch : '?');
		}
		sa->peer_id[n] = '\0';
	}
	if (auth->u.auth.type != HS_IKE_AUTH_PSK) {
		IKE_LOG(sa, NOTICE, "peer authenticates with %s: only pre-shared keys are built",
			hs_ike_auth_method_name(auth->u.auth.type));
		return -EACCES;
	}
	k = peer_psk(sa);
	if (k == NULL) {
		IKE_LOG(sa, NOTICE, "no pre-shared key for peer ID %s", sa->peer_id);
		return -EACCES;
	}
	rc = octets(sa, !sa->initiator, idbody, 4 + id->u.id.len, buf, sizeof(buf), &blen);
	if (rc == 0)
		rc = hs_ike_auth_psk_verify(sa->suite.prf, k->key, k->key_len, buf, blen,
			auth->u.auth.data, auth->u.auth.len);
	explicit_bzero(buf, sizeof(buf));
	return rc;
}
