/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include "msg.h"

static const char *const type_names[HS_MSG_TYPE_MAX] = { HS_MSG_TYPES(HS_ENUM_STR) };

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
