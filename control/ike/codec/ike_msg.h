/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKEv2 message codec (RFC 7296 §3; SKF: RFC 7383 §2.5), with no daemon
 * state: hubsec-control, the unit tests and the fuzzer call it directly.
 *
 * Receiving: hs_ike_msg_parse() checks the header and the whole payload chain
 * (every length, count and flag) before it decodes anything, then decodes
 * each payload into its struct. The SK/SKF payload stays opaque; once the
 * crypto has decrypted it, hs_ike_msg_parse_inner() checks and decodes the
 * inner chain and appends it to the same message.
 *
 * Sending: hs_ike_msg_init(), hs_ike_msg_add_*() (or hs_ike_msg_add() and
 * filling the struct), then hs_ike_msg_encode(). Payloads added after an
 * SK/SKF are its inner chain: encode them first with
 * hs_ike_msg_encode_inner(), encrypt, store the ciphertext in the SK payload,
 * then encode the message. encode(parse(x)) gives back x byte for byte, as
 * long as x's reserved fields are zero (they are ignored on receipt and sent
 * as zero, RFC 7296 §3.2).
 *
 * Ownership: nothing is allocated. Decoded byte fields (data, SPIs, raw
 * attributes) point into the buffer given to the parser, which must outlive
 * the message; arrays (proposals, transforms, selectors, CP attributes) live
 * in pools inside struct hs_ike_msg, so a message must not be copied with
 * memcpy while those pointers are in use. Builders keep the caller's data
 * pointers until encode.
 */
#ifndef HS_IKE_MSG_H
#define HS_IKE_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "ike_const.h"

/*
 * Limits. A message that goes beyond one is refused with -E2BIG and a clear
 * reason, never truncated. Real peers stay far below them (strongSwan's
 * default IKE proposal is one proposal of about 20 transforms).
 */
#define HS_IKE_MAX_PAYLOADS 64	   /* per message, outer and inner together */
#define HS_IKE_MAX_PROPOSALS 32	   /* per message, in all SA payloads */
#define HS_IKE_MAX_TRANSFORMS 256  /* per message, in all proposals */
#define HS_IKE_MAX_TS 32	   /* per message, TSi and TSr together */
#define HS_IKE_MAX_SPIS 256	   /* per Delete payload */
#define HS_IKE_MAX_CP_ATTRS 32	   /* per message */
#define HS_IKE_SPI_MAX 8	   /* IKE SPIs are 8 bytes, AH/ESP 4 (RFC 7296 §3.3.1) */
#define HS_IKE_NONCE_MIN 16	   /* RFC 7296 §2.10, §3.9 */
#define HS_IKE_NONCE_MAX 256
#define HS_IKE_PROP_LAST 0	   /* Last Substruc of the last proposal/transform (§3.3.1) */
#define HS_IKE_PROP_MORE 2	   /* ... of a proposal that has another after it */
#define HS_IKE_XF_MORE 3	   /* ... of a transform that has another after it */
#define HS_IKE_TS_V4_LEN 16	   /* selector lengths (RFC 7296 §3.13.1) */
#define HS_IKE_TS_V6_LEN 40
#define HS_IKE_ERR_TEXT 160

/* Header (RFC 7296 §3.1). SPIs in host order, read big-endian. */
struct hs_ike_hdr {
	uint64_t spi_i;
	uint64_t spi_r;
	uint8_t next;	  /* first payload type (set by the encoder) */
	uint8_t version;  /* major << 4 | minor: HS_IKE_VERSION */
	uint8_t exchange; /* enum hs_ike_exchange */
	uint8_t flags;	  /* HS_IKE_FLAG_* */
	uint32_t msg_id;
	uint32_t length; /* whole message (set by the encoder) */
};

/*
 * Why a message was refused. code is the -errno returned: -EBADMSG malformed,
 * -EOPNOTSUPP unsupported critical payload, -EPROTONOSUPPORT major version not
 * 2, -E2BIG over a limit above. notify is the error notify to answer with
 * (RFC 7296 §3.10.1), data its one-byte data (the payload type for
 * UNSUPPORTED_CRITICAL_PAYLOAD). text reads like
 * "offset 56: TSi: selector length 12, expected 16 for TS_IPV4_ADDR_RANGE".
 */
struct hs_ike_err {
	int code;
	size_t offset; /* in the parsed buffer (the decrypted one when inner) */
	bool inner;
	uint8_t payload; /* payload type being checked; HS_IKE_PL_NONE: header */
	uint16_t notify;
	uint8_t data;
	char text[HS_IKE_ERR_TEXT];
};

/* Transform substructure (RFC 7296 §3.3.2). */
struct hs_ike_transform {
	uint8_t type; /* enum hs_ike_transform_type, or one we do not know */
	uint16_t id;
	uint16_t key_len; /* bits, from the Key Length attribute (§3.3.5); 0: none */
	/*
	 * Attributes other than Key Length. A transform with one it does not
	 * understand cannot be chosen (§3.3.6); proposal selection skips it.
	 */
	uint8_t n_unknown;
	/* Attribute bytes as received, re-sent verbatim; NULL: encode key_len alone. */
	const uint8_t *attrs;
	uint16_t attrs_len;
};

/* Proposal substructure (RFC 7296 §3.3.1). */
struct hs_ike_proposal {
	uint8_t num;
	uint8_t proto; /* enum hs_ike_proto */
	uint8_t spi_size;
	uint8_t spi[HS_IKE_SPI_MAX];
	uint8_t n_xf;
	const struct hs_ike_transform *xf;
};

/* Traffic selector (RFC 7296 §3.13.1). */
struct hs_ike_ts {
	uint8_t type;  /* HS_IKE_TS_IPV4/IPV6_ADDR_RANGE; any other is kept raw */
	uint8_t proto; /* IP protocol, 0: any */
	uint16_t start_port;
	uint16_t end_port;
	struct hs_addr start;
	struct hs_addr end;
	/* Other types: the bytes after the 4-byte type/protocol/length header. */
	const uint8_t *raw;
	uint16_t raw_len;
	/*
	 * Set by the parser when start > end (address, or port other than the
	 * OPAQUE 65535..0 of §3.13.1): the selector matches nothing. A semantic
	 * question the caller answers (TS_UNACCEPTABLE or narrowing), not a
	 * syntax error.
	 */
	bool inverted;
};

/* Configuration attribute (RFC 7296 §3.15.1). */
struct hs_ike_cp_attr {
	uint16_t type; /* 15 bits; the reserved top bit is dropped */
	uint16_t len;
	const uint8_t *value;
};

struct hs_ike_pl_sa {
	unsigned int n_props;
	const struct hs_ike_proposal *props;
};
struct hs_ike_pl_ke {
	uint16_t group; /* enum hs_ike_dh */
	uint16_t len;
	const uint8_t *data;
};
/* IDi, IDr (§3.5): type is the ID type; CERT, CERTREQ (§3.6, §3.7): encoding; AUTH: method. */
struct hs_ike_pl_typed {
	uint8_t type;
	uint16_t len;
	const uint8_t *data;
};
/* Nonce, Vendor ID, EAP, and payloads we do not know (kept so they re-encode). */
struct hs_ike_pl_data {
	uint16_t len;
	const uint8_t *data;
};
struct hs_ike_pl_notify {
	uint8_t proto;
	uint8_t spi_size;
	uint8_t spi[HS_IKE_SPI_MAX];
	uint16_t type; /* enum hs_ike_notify */
	uint16_t len;
	const uint8_t *data;
};
struct hs_ike_pl_delete {
	uint8_t proto;
	uint8_t spi_size;
	uint16_t n_spis;
	const uint8_t *spis; /* n_spis SPIs of spi_size bytes each, back to back */
};
struct hs_ike_pl_ts {
	unsigned int n_ts;
	const struct hs_ike_ts *ts;
};
struct hs_ike_pl_cp {
	uint8_t type; /* enum hs_ike_cfg_type */
	unsigned int n_attrs;
	const struct hs_ike_cp_attr *attrs;
};
/*
 * SK (§3.14) and SKF (RFC 7383 §2.5): IV, ciphertext, padding and ICV stay
 * opaque. first_inner is the Next Payload field, the type of the first inner
 * payload (0 in fragments after the first). The encoder writes len zero bytes
 * when data is NULL, as room for the crypto to encrypt in place.
 */
struct hs_ike_pl_sk {
	uint8_t first_inner;
	uint16_t frag_num;   /* SKF only */
	uint16_t frag_total; /* SKF only */
	uint16_t len;
	const uint8_t *data;
};

struct hs_ike_pl {
	uint8_t type;  /* enum hs_ike_payload, or unknown (non-critical, kept in u.raw) */
	bool critical; /* ignored on receipt for the types we know (§3.2) */
	bool inner;    /* inside SK/SKF */
	/* Where it is, set by parse and by encode: offset of its generic header in
	 * that buffer (the decrypted one when inner), whole length, body. */
	uint32_t offset;
	uint16_t len;
	const uint8_t *body;
	union {
		struct hs_ike_pl_sa sa;
		struct hs_ike_pl_ke ke;
		struct hs_ike_pl_typed id;   /* IDi, IDr */
		struct hs_ike_pl_typed cert; /* CERT, CERTREQ */
		struct hs_ike_pl_typed auth;
		struct hs_ike_pl_data nonce;
		struct hs_ike_pl_notify notify;
		struct hs_ike_pl_delete del;
		struct hs_ike_pl_data vendor;
		struct hs_ike_pl_ts ts; /* TSi, TSr */
		struct hs_ike_pl_cp cp;
		struct hs_ike_pl_sk sk; /* SK, SKF */
		struct hs_ike_pl_data eap;
		struct hs_ike_pl_data raw;
	} u;
};

struct hs_ike_msg {
	struct hs_ike_hdr hdr;
	const uint8_t *raw; /* the parsed buffer; NULL when built */
	size_t raw_len;
	unsigned int n_pl;
	struct hs_ike_pl pl[HS_IKE_MAX_PAYLOADS];
	/* Pools the decoded arrays point into. */
	unsigned int n_props, n_xf, n_ts, n_cp_attrs;
	struct hs_ike_proposal props[HS_IKE_MAX_PROPOSALS];
	struct hs_ike_transform xf[HS_IKE_MAX_TRANSFORMS];
	struct hs_ike_ts ts[HS_IKE_MAX_TS];
	struct hs_ike_cp_attr cp_attrs[HS_IKE_MAX_CP_ATTRS];
};

/* --- receiving (ike_msg_parse.c) --- */

/*
 * Check and decode the header alone (for dispatch by SPI before the full
 * parse): at least 28 bytes, Length equal to len, at most HS_IKE_MSG_MAX,
 * major version 2 (minor ignored, §2.5). Returns 0 or -errno with err (may be
 * NULL) filled.
 */
int hs_ike_hdr_parse(const uint8_t *buf, size_t len, struct hs_ike_hdr *h, struct hs_ike_err *err);

/*
 * Check the whole message in buf[0, len), then decode it into m. Unknown
 * payloads are skipped (kept raw) unless critical (-EOPNOTSUPP, §2.5). An
 * SK/SKF must be the last payload; its content is not looked at. Returns 0
 * or -errno with err filled (err may be NULL); m is then unusable. buf is
 * borrowed: m points into it.
 */
int hs_ike_msg_parse(struct hs_ike_msg *m, const uint8_t *buf, size_t len, struct hs_ike_err *err);

/*
 * Check and decode a decrypted inner payload chain (the SK plaintext without
 * padding, or the reassembled SKF plaintext) whose first payload is of type
 * first, and append its payloads to m (inner = true). SK/SKF inside it are
 * refused. Returns 0 or -errno with err filled (offsets are in buf); on
 * error m keeps only its outer payloads. buf is borrowed like the message.
 */
int hs_ike_msg_parse_inner(struct hs_ike_msg *m, uint8_t first, const uint8_t *buf, size_t len,
	struct hs_ike_err *err);

/* The first payload of type after `after` (one of m's payloads; NULL: from the start), or NULL. */
const struct hs_ike_pl *hs_ike_msg_find(const struct hs_ike_msg *m, uint8_t type,
	const struct hs_ike_pl *after);

/* The first Notify of the given notify type, or NULL. */
const struct hs_ike_pl *hs_ike_msg_find_notify(const struct hs_ike_msg *m, uint16_t type);

/* Whether the codec knows the payload type (an unknown one is kept raw). */
bool hs_ike_pl_known(uint8_t type);

/* --- sending (ike_msg_build.c, ike_msg_encode.c) --- */

/* Empty message with header h (version HS_IKE_VERSION when h->version is 0). */
void hs_ike_msg_init(struct hs_ike_msg *m, const struct hs_ike_hdr *h);

/*
 * Append a zeroed payload of the given type to fill in; inner when an SK/SKF
 * was added before it. NULL when HS_IKE_MAX_PAYLOADS are already there.
 */
struct hs_ike_pl *hs_ike_msg_add(struct hs_ike_msg *m, uint8_t type);

/*
 * One proposal to offer or accept: transforms in the order ENCR, PRF, INTEG,
 * DH, ESN, each list taken in order. num 0 numbers proposals 1, 2, ...
 * (§3.3.1); a responder sets the number of the proposal it accepted.
 */
#define HS_IKE_DESC_ALGS 4
struct hs_ike_prop_desc {
	uint8_t num;
	uint8_t proto; /* HS_IKE_PROTO_IKE, _AH, _ESP */
	uint8_t spi_size;
	uint8_t spi[HS_IKE_SPI_MAX];
	uint8_t n_encr, n_prf, n_integ, n_dh, n_esn;
	uint16_t encr[HS_IKE_DESC_ALGS];
	uint16_t encr_key_len[HS_IKE_DESC_ALGS]; /* bits; 0: no Key Length attribute */
	uint16_t prf[HS_IKE_DESC_ALGS];
	uint16_t integ[HS_IKE_DESC_ALGS];
	uint16_t dh[HS_IKE_DESC_ALGS];
	uint16_t esn[2];
};

/*
 * Builders: append one payload, copying arrays into the message's pools and
 * keeping the caller's byte pointers. Each returns 0, -ENOSPC when a limit
 * above is reached (the message is left as it was), or -EINVAL for values
 * that cannot be encoded (SPI over 8 bytes, counts over the wire fields,
 * nonce outside 16..256).
 */
int hs_ike_msg_add_sa(struct hs_ike_msg *m, const struct hs_ike_prop_desc *d, unsigned int n);
int hs_ike_msg_add_ke(struct hs_ike_msg *m, uint16_t group, const uint8_t *data, uint16_t len);
int hs_ike_msg_add_nonce(struct hs_ike_msg *m, const uint8_t *data, uint16_t len);
/* type: HS_IKE_PL_IDI/IDR, id_type: enum hs_ike_id_type. */
int hs_ike_msg_add_id(struct hs_ike_msg *m, uint8_t type, uint8_t id_type, const uint8_t *data,
	uint16_t len);
int hs_ike_msg_add_auth(struct hs_ike_msg *m, uint8_t method, const uint8_t *data, uint16_t len);
int hs_ike_msg_add_notify(struct hs_ike_msg *m, uint8_t proto, const uint8_t *spi, uint8_t spi_size,
	uint16_t type, const uint8_t *data, uint16_t len);
int hs_ike_msg_add_delete(struct hs_ike_msg *m, uint8_t proto, uint8_t spi_size,
	const uint8_t *spis, uint16_t n_spis);
/* type: HS_IKE_PL_TSI/TSR. */
int hs_ike_msg_add_ts(struct hs_ike_msg *m, uint8_t type, const struct hs_ike_ts *ts,
	unsigned int n);
int hs_ike_msg_add_cp(struct hs_ike_msg *m, uint8_t cfg_type, const struct hs_ike_cp_attr *a,
	unsigned int n);
/* data NULL: len zero bytes, room to encrypt in place once the message is encoded. */
int hs_ike_msg_add_sk(struct hs_ike_msg *m, const uint8_t *data, uint16_t len);

/* A selector covering prefix p, IP protocol proto, ports [sport, eport]. */
void hs_ike_ts_from_prefix(struct hs_ike_ts *ts, const struct hs_prefix *p, uint8_t proto,
	uint16_t sport, uint16_t eport);

/*
 * Encode the header and the outer payloads (up to and including SK/SKF) into
 * out[0, cap), computing every length and the next-payload chain; *len gets
 * the message length. Fills each payload's offset/len/body and hdr.next/
 * length. Returns 0, -ENOBUFS (cap too small), -EMSGSIZE (over
 * HS_IKE_MSG_MAX or a payload over 65535) or -EINVAL (a struct that cannot
 * be encoded). out must not overlap a buffer the message points into.
 */
int hs_ike_msg_encode(struct hs_ike_msg *m, uint8_t *out, size_t cap, size_t *len);

/*
 * Encode the payloads added after the SK/SKF (the plaintext to encrypt,
 * without padding) and set its first_inner. Returns as hs_ike_msg_encode(),
 * -EINVAL when there is no SK/SKF.
 */
int hs_ike_msg_encode_inner(struct hs_ike_msg *m, uint8_t *out, size_t cap, size_t *len);

/* Encode the 28-byte header alone (RFC 7296 §3.1) as given. */
int hs_ike_hdr_encode(const struct hs_ike_hdr *h, uint8_t *out, size_t cap);

#endif /* HS_IKE_MSG_H */
