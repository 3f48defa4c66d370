/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sending side, structs: a message is assembled payload by payload, arrays
 * copied into its pools, before ike_msg_encode.c writes it. The builders
 * refuse what could not be encoded, so encode failures are only about room.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "ike_msg_priv.h"

void
hs_ike_msg_init(struct hs_ike_msg *m, const struct hs_ike_hdr *h)
{
	memset(&m->hdr, 0, sizeof(m->hdr));
	if (h != NULL)
		m->hdr = *h;
	if (m->hdr.version == 0)
		m->hdr.version = HS_IKE_VERSION;
	m->raw = NULL;
	m->raw_len = 0;
	m->n_pl = 0;
	m->n_props = m->n_xf = m->n_ts = m->n_cp_attrs = 0;
}

/* A zeroed slot; one SK/SKF per message, and the payloads after it are its plaintext. */
static int
append(struct hs_ike_msg *m, uint8_t type, struct hs_ike_pl **out)
{
	bool inner = hs_ike_msg_sk_index(m) < m->n_pl;
	struct hs_ike_pl *pl;

	if (inner && hs_ike_pl_is_sk(type))
		return -EINVAL;
	if (m->n_pl >= HS_IKE_MAX_PAYLOADS)
		return -ENOSPC;
	pl = &m->pl[m->n_pl++];
	memset(pl, 0, sizeof(*pl));
	pl->type = type;
	pl->inner = inner;
	*out = pl;
	return 0;
}

struct hs_ike_pl *
hs_ike_msg_add(struct hs_ike_msg *m, uint8_t type)
{
	struct hs_ike_pl *pl;

	return append(m, type, &pl) == 0 ? pl : NULL;
}

static bool
desc_ok(const struct hs_ike_prop_desc *d)
{
	return d->spi_size <= HS_IKE_SPI_MAX && d->n_encr <= HS_IKE_DESC_ALGS &&
		d->n_prf <= HS_IKE_DESC_ALGS && d->n_integ <= HS_IKE_DESC_ALGS &&
		d->n_dh <= HS_IKE_DESC_ALGS && d->n_esn <= 2;
}

static unsigned int
desc_xfs(const struct hs_ike_prop_desc *d)
{
	return (unsigned int)d->n_encr + d->n_prf + d->n_integ + d->n_dh + d->n_esn;
}

static void
add_xfs(struct hs_ike_msg *m, struct hs_ike_proposal *p, uint8_t type, const uint16_t *ids,
	const uint16_t *key_lens, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		struct hs_ike_transform *t = &m->xf[m->n_xf++];

		memset(t, 0, sizeof(*t));
		t->type = type;
		t->id = ids[i];
		t->key_len = key_lens != NULL ? key_lens[i] : 0;
		p->n_xf++;
	}
}

static void
prop_from_desc(struct hs_ike_msg *m, const struct hs_ike_prop_desc *d, unsigned int i,
	struct hs_ike_proposal *p)
{
	memset(p, 0, sizeof(*p));
	p->num = d->num != 0 ? d->num : (uint8_t)(i + 1);
	p->proto = d->proto;
	p->spi_size = d->spi_size;
	memcpy(p->spi, d->spi, d->spi_size);
	p->xf = &m->xf[m->n_xf];
	add_xfs(m, p, HS_IKE_TT_ENCR, d->encr, d->encr_key_len, d->n_encr);
	add_xfs(m, p, HS_IKE_TT_PRF, d->prf, NULL, d->n_prf);
	add_xfs(m, p, HS_IKE_TT_INTEG, d->integ, NULL, d->n_integ);
	add_xfs(m, p, HS_IKE_TT_DH, d->dh, NULL, d->n_dh);
	add_xfs(m, p, HS_IKE_TT_ESN, d->esn, NULL, d->n_esn);
}

int
hs_ike_msg_add_sa(struct hs_ike_msg *m, const struct hs_ike_prop_desc *d, unsigned int n)
{
	struct hs_ike_pl *pl;
	unsigned int n_xf = 0;
	int rc;

	if (n == 0 || d == NULL)
		return -EINVAL;
	for (unsigned int i = 0; i < n; i++) {
		if (!desc_ok(&d[i]))
			return -EINVAL;
		n_xf += desc_xfs(&d[i]);
	}
	if (n > HS_IKE_MAX_PROPOSALS - m->n_props || n_xf > HS_IKE_MAX_TRANSFORMS - m->n_xf)
		return -ENOSPC;
	rc = append(m, HS_IKE_PL_SA, &pl);
	if (rc < 0)
		return rc;
	pl->u.sa.props = &m->props[m->n_props];
	pl->u.sa.n_props = n;
	for (unsigned int i = 0; i < n; i++)
		prop_from_desc(m, &d[i], i, &m->props[m->n_props++]);
	return 0;
}

int
hs_ike_msg_add_ke(struct hs_ike_msg *m, uint16_t group, const uint8_t *data, uint16_t len)
{
	struct hs_ike_pl *pl;
	int rc = append(m, HS_IKE_PL_KE, &pl);

	if (rc < 0)
		return rc;
	pl->u.ke.group = group;
	pl->u.ke.data = data;
	pl->u.ke.len = len;
	return 0;
}

int
hs_ike_msg_add_nonce(struct hs_ike_msg *m, const uint8_t *data, uint16_t len)
{
	struct hs_ike_pl *pl;
	int rc;

	if (len < HS_IKE_NONCE_MIN || len > HS_IKE_NONCE_MAX || data == NULL)
		return -EINVAL;
	rc = append(m, HS_IKE_PL_NONCE, &pl);
	if (rc < 0)
		return rc;
	pl->u.nonce.data = data;
	pl->u.nonce.len = len;
	return 0;
}

/* ID (§3.5) and AUTH (§3.8) share a layout: a type byte, then data. */
static int
add_typed(struct hs_ike_msg *m, uint8_t type, uint8_t sub, const uint8_t *data, uint16_t len)
{
	struct hs_ike_pl *pl;
	struct hs_ike_pl_typed *t;
	int rc = append(m, type, &pl);

	if (rc < 0)
		return rc;
	t = type == HS_IKE_PL_AUTH ? &pl->u.auth : &pl->u.id;
	t->type = sub;
	t->data = data;
	t->len = len;
	return 0;
}

int
hs_ike_msg_add_id(struct hs_ike_msg *m, uint8_t type, uint8_t id_type, const uint8_t *data,
	uint16_t len)
{
	if (type != HS_IKE_PL_IDI && type != HS_IKE_PL_IDR)
		return -EINVAL;
	return add_typed(m, type, id_type, data, len);
}

int
hs_ike_msg_add_auth(struct hs_ike_msg *m, uint8_t method, const uint8_t *data, uint16_t len)
{
	return add_typed(m, HS_IKE_PL_AUTH, method, data, len);
}

int
hs_ike_msg_add_notify(struct hs_ike_msg *m, uint8_t proto, const uint8_t *spi, uint8_t spi_size,
	uint16_t type, const uint8_t *data, uint16_t len)
{
	struct hs_ike_pl *pl;
	int rc;

	if (spi_size > HS_IKE_SPI_MAX || (spi_size > 0 && spi == NULL))
		return -EINVAL;
	rc = append(m, HS_IKE_PL_NOTIFY, &pl);
	if (rc < 0)
		return rc;
	pl->u.notify.proto = proto;
	pl->u.notify.spi_size = spi_size;
	if (spi_size > 0)
		memcpy(pl->u.notify.spi, spi, spi_size);
	pl->u.notify.type = type;
	pl->u.notify.data = data;
	pl->u.notify.len = len;
	return 0;
}

int
hs_ike_msg_add_delete(struct hs_ike_msg *m, uint8_t proto, uint8_t spi_size,
	const uint8_t *spis, uint16_t n_spis)
{
	struct hs_ike_pl *pl;
	int rc;

	if (spi_size > HS_IKE_SPI_MAX || n_spis > HS_IKE_MAX_SPIS ||
		(n_spis > 0 && spi_size > 0 && spis == NULL))
		return -EINVAL;
	rc = append(m, HS_IKE_PL_DELETE, &pl);
	if (rc < 0)
		return rc;
	pl->u.del.proto = proto;
	pl->u.del.spi_size = spi_size;
	pl->u.del.n_spis = n_spis;
	pl->u.del.spis = spis;
	return 0;
}

int
hs_ike_msg_add_ts(struct hs_ike_msg *m, uint8_t type, const struct hs_ike_ts *ts, unsigned int n)
{
	struct hs_ike_pl *pl;
	int rc;

	if ((type != HS_IKE_PL_TSI && type != HS_IKE_PL_TSR) || n == 0 || ts == NULL)
		return -EINVAL;
	if (n > HS_IKE_MAX_TS - m->n_ts)
		return -ENOSPC;
	rc = append(m, type, &pl);
	if (rc < 0)
		return rc;
	memcpy(&m->ts[m->n_ts], ts, n * sizeof(*ts));
	pl->u.ts.ts = &m->ts[m->n_ts];
	pl->u.ts.n_ts = n;
	m->n_ts += n;
	return 0;
}

int
hs_ike_msg_add_cp(struct hs_ike_msg *m, uint8_t cfg_type, const struct hs_ike_cp_attr *a,
	unsigned int n)
{
	struct hs_ike_pl *pl;
	int rc;

	if (n > 0 && a == NULL)
		return -EINVAL;
	if (n > HS_IKE_MAX_CP_ATTRS - m->n_cp_attrs)
		return -ENOSPC;
	rc = append(m, HS_IKE_PL_CP, &pl);
	if (rc < 0)
		return rc;
	if (n > 0)
		memcpy(&m->cp_attrs[m->n_cp_attrs], a, n * sizeof(*a));
	pl->u.cp.type = cfg_type;
	pl->u.cp.attrs = &m->cp_attrs[m->n_cp_attrs];
	pl->u.cp.n_attrs = n;
	m->n_cp_attrs += n;
	return 0;
}

int
hs_ike_msg_add_sk(struct hs_ike_msg *m, const uint8_t *data, uint16_t len)
{
	struct hs_ike_pl *pl;
	int rc = append(m, HS_IKE_PL_SK, &pl);

	if (rc < 0)
		return rc;
	pl->u.sk.data = data;
	pl->u.sk.len = len;
	return 0;
}

void
hs_ike_ts_from_prefix(struct hs_ike_ts *ts, const struct hs_prefix *p, uint8_t proto,
	uint16_t sport, uint16_t eport)
{
	bool v4 = p->addr.family == AF_INET;
	unsigned int bytes = v4 ? 4 : 16;

	memset(ts, 0, sizeof(*ts));
	ts->type = v4 ? HS_IKE_TS_IPV4_ADDR_RANGE : HS_IKE_TS_IPV6_ADDR_RANGE;
	ts->proto = proto;
	ts->start_port = sport;
	ts->end_port = eport;
	ts->start = p->addr;
	ts->end = p->addr;
	ts->start.family = ts->end.family = v4 ? AF_INET : AF_INET6;
	/* Host bits: cleared in the first address, set in the last. */
	for (unsigned int i = 0; i < bytes; i++) {
		unsigned int covered = p->len > i * 8 ? p->len - i * 8 : 0;
		uint8_t host = covered >= 8 ? 0 : (uint8_t)(0xff >> covered);

		ts->start.bytes[i] &= (uint8_t)~host;
		ts->end.bytes[i] |= host;
	}
}
