/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the IKEv2 message parser (control/ike/codec). The
 * input is parsed as a whole message, and also as a decrypted inner chain
 * whose first payload type is the input's first byte (the rest is the
 * chain), so both entry points a peer can reach are covered. Whatever
 * parses must encode, and the encoding must parse again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ike_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Encode what parsed and parse it again: a codec bug shows as an abort the fuzzer reports. */
static void
reencode(struct hs_ike_msg *m, struct hs_ike_msg *again)
{
	static uint8_t out[HS_IKE_MSG_MAX];
	size_t len;

	if (hs_ike_msg_encode(m, out, sizeof(out), &len) != 0)
		abort();
	if (hs_ike_msg_parse(again, out, len, NULL) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hs_ike_msg m, again;
	static const uint8_t hdr[HS_IKE_HDR_LEN] = { [17] = HS_IKE_VERSION,
		[18] = HS_IKE_AUTH, [27] = HS_IKE_HDR_LEN };
	struct hs_ike_err err;

	if (hs_ike_msg_parse(&m, data, size, &err) == 0)
		reencode(&m, &again);
	if (size == 0)
		return 0;
	/* Inner chain: a header-only message to hang it on, then the plaintext. */
	if (hs_ike_msg_parse(&m, hdr, sizeof(hdr), NULL) != 0)
		abort();
	hs_ike_msg_parse_inner(&m, data[0], data + 1, size - 1, &err);
	return 0;
}
