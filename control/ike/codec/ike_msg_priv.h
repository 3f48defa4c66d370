/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared by the codec's files, not by its users: the parse context, the
 * per-payload-type ops table and the functions it points to.
 */
#ifndef HS_IKE_MSG_PRIV_H
#define HS_IKE_MSG_PRIV_H

#include "ike_buf.h"
#include "ike_msg.h"

/*
 * One parse (outer or inner chain). The readers all share the origin of the
 * parsed buffer, so r->off is the offset reported in errors.
 */
struct hs_ike_pctx {
	struct hs_ike_msg *m;
	struct hs_ike_err *err;
	bool inner;
	uint8_t type; /* payload being checked; HS_IKE_PL_NONE: header or chain */
	/* Pool use counted while validating, so the parse that follows cannot overflow. */
	unsigned int n_pl, n_props, n_xf, n_ts, n_cp_attrs;
};

/*
 * Fill c->err with "offset N: <payload>: <fmt...>" and the notify that goes
 * with code; returns code.
 */
int hs_ike_pctx_fail(struct hs_ike_pctx *c, int code, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * Per payload type: the least body length, a check that reads the whole body
 * (r covers exactly the body) and refuses anything malformed (NULL when the
 * least length is all there is to check), a decoder run only on checked
 * bodies, and the body encoder (errors go to w->err). The generic header is
 * handled by the chain walker and the message encoder.
 */
struct hs_ike_pl_ops {
	uint8_t type;
	uint16_t min_len;
	int (*validate)(struct hs_ike_pctx *c, struct hs_ike_rd *r);
	int (*parse)(struct hs_ike_pctx *c, struct hs_ike_rd *r, struct hs_ike_pl *pl);
	void (*encode)(const struct hs_ike_pl *pl, struct hs_ike_wr *w);
};

/* NULL for a type we do not know. */
const struct hs_ike_pl_ops *hs_ike_pl_ops_find(uint8_t type);

/* ike_msg_encode.c: index of the SK/SKF payload, n_pl when there is none. */
unsigned int hs_ike_msg_sk_index(const struct hs_ike_msg *m);

static inline bool
hs_ike_pl_is_sk(uint8_t type)
{
	return type == HS_IKE_PL_SK || type == HS_IKE_PL_SKF;
}

/* ike_msg_sa.c */
int hs_ike_pl_sa_validate(struct hs_ike_pctx *c, struct hs_ike_rd *r);
int hs_ike_pl_sa_parse(struct hs_ike_pctx *c, struct hs_ike_rd *r, struct hs_ike_pl *pl);
void hs_ike_pl_sa_encode(const struct hs_ike_pl *pl, struct hs_ike_wr *w);

/* ike_msg_ts.c: traffic selectors and configuration attributes, both lists of records. */
int hs_ike_pl_ts_validate(struct hs_ike_pctx *c, struct hs_ike_rd *r);
int hs_ike_pl_ts_parse(struct hs_ike_pctx *c, struct hs_ike_rd *r, struct hs_ike_pl *pl);
void hs_ike_pl_ts_encode(const struct hs_ike_pl *pl, struct hs_ike_wr *w);
int hs_ike_pl_cp_validate(struct hs_ike_pctx *c, struct hs_ike_rd *r);
int hs_ike_pl_cp_parse(struct hs_ike_pctx *c, struct hs_ike_rd *r, struct hs_ike_pl *pl);
void hs_ike_pl_cp_encode(const struct hs_ike_pl *pl, struct hs_ike_wr *w);

#endif /* HS_IKE_MSG_PRIV_H */
