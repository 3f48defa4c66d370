/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "msg.h"

static const char *const type_names[HS_MSG_TYPE_MAX] = { HS_MSG_TYPES(HS_ENUM_STR) };
static const char *const counter_names[HS_RC_MAX] = { HS_RINGS_COUNTERS(HS_ENUM_STR) };
static const char *const origin_names[HS_SA_ORIGIN_MAX] = { HS_SA_ORIGINS(HS_ENUM_STR) };

const char *
hs_sa_origin_name(enum hs_sa_origin o)
{
	return (unsigned)o < HS_SA_ORIGIN_MAX ? origin_names[o] : "unknown";
}

static const uint32_t type_len[HS_MSG_TYPE_MAX] = {
	[HS_MSG_SA_ADD] = sizeof(struct hs_msg_sa),
	[HS_MSG_SA_DEL] = sizeof(struct hs_msg_sa),
	[HS_MSG_SA_REPLACE] = sizeof(struct hs_msg_sa),
	[HS_MSG_SA_FLUSH] = sizeof(struct hs_msg_sa),
	[HS_MSG_ACK] = sizeof(struct hs_msg_ack),
	[HS_MSG_ACQUIRE] = sizeof(struct hs_msg_acquire),
	[HS_MSG_EVENT] = sizeof(struct hs_msg_event),
};

const char *
hs_msg_type_name(enum hs_msg_type t)
{
	return (unsigned)t < HS_MSG_TYPE_MAX ? type_names[t] : "unknown";
}

void
hs_msg_init(struct hs_msg_hdr *h, enum hs_msg_type type, uint32_t len, uint64_t id)
{
	h->version = HS_MSG_VERSION;
	h->type = (uint16_t)type;
	h->len = len;
	h->id = id;
}

int
hs_msg_validate(const struct hs_msg_hdr *h, const char **why)
{
	if (h->version != HS_MSG_VERSION) {
		*why = "message version mismatch (dataplane and control built apart?)";
		return -EPROTO;
	}
	if (h->type >= HS_MSG_TYPE_MAX) {
		*why = "unknown message type";
		return -EPROTO;
	}
	if (h->len != type_len[h->type]) {
		*why = "message length does not match its type";
		return -EPROTO;
	}
	return 0;
}

const char *
hs_rings_counter_name(enum hs_rings_counter c)
{
	return (unsigned)c < HS_RC_MAX ? counter_names[c] : "unknown";
}

/*
 * The 1-based ACL line a static SA stands for: the one it names, else the
 * entry ACL's only permit line; 0 (every permit line) when neither applies.
 */
static uint32_t
static_acl_line(const struct hs_config_static_sa *s)
{
	const struct hs_config_acl *acl = s->entry != NULL ? s->entry->acl : NULL;
	uint32_t line = 0, permits = 0;

	if (s->acl_line != 0 || acl == NULL)
		return s->acl_line;
	for (unsigned int i = 0; i < acl->n_lines; i++) {
		if (acl->lines[i].action == HS_CONFIG_ACL_PERMIT) {
			permits++;
			line = i + 1;
		}
	}
	return permits == 1 ? line : 0;
}

int
hs_msg_sa_from_static(const struct hs_config *cfg, const struct hs_config_static_sa *s,
	enum hs_msg_type type, uint64_t id, struct hs_msg_sa *msg)
{
	struct hs_msg_ts *ts = &msg->ts[0];

	memset(msg, 0, sizeof(*msg));
	if (type != HS_MSG_SA_ADD && type != HS_MSG_SA_REPLACE)
		return -EINVAL;
	hs_msg_init(&msg->hdr, type, sizeof(*msg), id);
	msg->origin = HS_SA_ORIGIN_STATIC;
	snprintf(msg->map, sizeof(msg->map), "%s", s->map_name);
	msg->seq = s->seq;
	msg->acl_line = static_acl_line(s);
	msg->peer = s->peer;
	/* The SA's selectors from the dataplane's side: src is local, dst remote. */
	ts->local = s->sel.src;
	ts->remote = s->sel.dst;
	ts->proto = s->sel.proto_any ? 0 : s->sel.proto;
	ts->lport_lo = s->sel.sport_lo;
	ts->lport_hi = s->sel.sport_hi;
	ts->rport_lo = s->sel.dport_lo;
	ts->rport_hi = s->sel.dport_hi;
	msg->n_ts = 1;
	msg->has_in = msg->has_out = true;
	if (hs_config_static_sa_params(cfg, s, HS_SA_IN, &msg->in) != 0 ||
		hs_config_static_sa_params(cfg, s, HS_SA_OUT, &msg->out) != 0) {
		explicit_bzero(msg, sizeof(*msg));
		return -EINVAL;
	}
	return 0;
}
