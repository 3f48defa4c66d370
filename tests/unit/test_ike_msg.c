/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKEv2 message codec (control/ike/codec): the bounds-checked buffer, a
 * hand-laid IKE_SA_INIT request (RFC 7296 §1.2, fields from §3), byte-exact
 * round trips of every payload type, one test per way a message can be
 * malformed (with the reason text checked), the limits, truncation at every
 * offset, and a few thousand random bit flips.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <CUnit/CUnit.h>

#include "ike_buf.h"
#include "ike_msg.h"
#include "unit_common.h"

#define BUF_MAX 8192

/* One decoded message for the whole program: ~15 KiB, too big for comfort on a test's stack. */
static struct hs_ike_msg msg, msg2;

/* Parse and report the reason on failure, so a broken case says why. */
static int
parse(struct hs_ike_msg *m, const uint8_t *buf, size_t len, struct hs_ike_err *err)
{
	int rc = hs_ike_msg_parse(m, buf, len, err);

	if (rc != 0 && getenv("HS_TEST_VERBOSE") != NULL)
		printf("\n  parse: %d %s\n", rc, err->text);
	return rc;
}

/* Expect rejection with code and a reason containing want. */
static void
expect_bad(const uint8_t *buf, size_t len, int code, const char *want)
{
	struct hs_ike_err err;
	int rc = hs_ike_msg_parse(&msg, buf, len, &err);

	CU_ASSERT_EQUAL(rc, code);
	CU_ASSERT_EQUAL(err.code, code);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.text, want));
	if (rc != code || strstr(err.text, want) == NULL)
		printf("\n  got %d \"%s\", want %d \"%s\"\n", rc, err.text, code, want);
}

/* --- byte layout helpers for hand-made messages --- */

static size_t
put_hex(uint8_t *buf, size_t at, const char *hex)
{
	return at + hs_test_hex(hex, buf + at, BUF_MAX - at);
}

static size_t
put_fill(uint8_t *buf, size_t at, uint8_t first, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf[at + i] = (uint8_t)(first + i);
	return at + n;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* A raw payload for raw_msg(): type, flags byte, body. */
struct rawpl {
	uint8_t type;
	uint8_t flags;
	const uint8_t *body;
	size_t len;
};

/* Header (IKE_SA_INIT request) and the payloads chained as given; returns the length. */
static size_t
raw_msg(uint8_t *buf, const struct rawpl *p, unsigned int n, uint8_t flags)
{
	struct hs_ike_wr w;

	hs_ike_wr_init(&w, buf, BUF_MAX);
	hs_ike_wr_put_u64(&w, 0x0102030405060708ull);
	hs_ike_wr_put_u64(&w, 0);
	hs_ike_wr_put_u8(&w, n > 0 ? p[0].type : 0);
	hs_ike_wr_put_u8(&w, HS_IKE_VERSION);
	hs_ike_wr_put_u8(&w, HS_IKE_SA_INIT);
	hs_ike_wr_put_u8(&w, flags);
	hs_ike_wr_put_u32(&w, 0);
	hs_ike_wr_put_u32(&w, 0);
	for (unsigned int i = 0; i < n; i++) {
		hs_ike_wr_put_u8(&w, i + 1 < n ? p[i + 1].type : 0);
		hs_ike_wr_put_u8(&w, p[i].flags);
		hs_ike_wr_put_u16(&w, (uint16_t)(4 + p[i].len));
		hs_ike_wr_put_bytes(&w, p[i].body, p[i].len);
	}
	hs_ike_wr_patch_u32(&w, 24, (uint32_t)w.len);
	CU_ASSERT_EQUAL_FATAL(w.err, 0);
	return w.len;
}

/*
 * IKE_SA_INIT request laid out by hand from RFC 7296 §3: SA (one IKE
 * proposal: AES_CBC-256, PRF_HMAC_SHA2_256, AUTH_HMAC_SHA2_256_128, ECP_256),
 * KE (group 19, 64 bytes), Ni (32), N(NAT_DETECTION_SOURCE_IP),
 * N(NAT_DETECTION_DESTINATION_IP). 240 bytes; the offsets used below:
 * SA 28, proposal 32, transforms 40/52/60/68, KE 76, Ni 148, N 184 and 212.
 */
static size_t
sa_init(uint8_t *b)
{
	size_t n = 0;

	n = put_hex(b, n, "0102030405060708 0000000000000000 21 20 22 08 00000000 000000f0");
	n = put_hex(b, n, "22 00 0030");			 /* SA, next KE */
	n = put_hex(b, n, "00 00 002c 01 01 00 04");		 /* proposal 1, IKE, 4 transforms */
	n = put_hex(b, n, "03 00 000c 01 00 000c 800e 0100"); /* ENCR AES_CBC, key 256 */
	n = put_hex(b, n, "03 00 0008 02 00 0005");		 /* PRF_HMAC_SHA2_256 */
	n = put_hex(b, n, "03 00 0008 03 00 000c");		 /* AUTH_HMAC_SHA2_256_128 */
	n = put_hex(b, n, "00 00 0008 04 00 0013");		 /* ECP_256 */
	n = put_hex(b, n, "28 00 0048 0013 0000");		 /* KE, next Nonce */
	n = put_fill(b, n, 0xa0, 64);
	n = put_hex(b, n, "29 00 0024"); /* Ni, next N */
	n = put_fill(b, n, 0x10, 32);
	n = put_hex(b, n, "29 00 001c 00 00 4004"); /* N(NAT_DETECTION_SOURCE_IP) */
	n = put_fill(b, n, 0x40, 20);
	n = put_hex(b, n, "00 00 001c 00 00 4005"); /* N(NAT_DETECTION_DESTINATION_IP) */
	n = put_fill(b, n, 0x60, 20);
	return n;
}

/* --- ike_buf --- */

static void
test_reader(void)
{
	static const uint8_t b[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	struct hs_ike_rd r, sub;
	const uint8_t *p;
	uint64_t v64;
	uint32_t v32;
	uint16_t v16;
	uint8_t v8;

	hs_ike_rd_init(&r, b, sizeof(b));
	CU_ASSERT_EQUAL(hs_ike_rd_get_u16(&r, &v16), 0);
	CU_ASSERT_EQUAL(v16, 0x0102);
	CU_ASSERT_EQUAL(hs_ike_rd_get_u64(&r, &v64), 0);
	CU_ASSERT_EQUAL(v64, 0x030405060708090aull);
	CU_ASSERT_EQUAL(hs_ike_rd_get_u8(&r, &v8), -EBADMSG);
	CU_ASSERT_EQUAL(v8, 0);
	/* Sticky: nothing more, even what would fit. */
	hs_ike_rd_init(&r, b, sizeof(b));
	CU_ASSERT_EQUAL(hs_ike_rd_skip(&r, SIZE_MAX), -EBADMSG);
	CU_ASSERT_EQUAL(r.off, 0);
	CU_ASSERT_EQUAL(hs_ike_rd_get_u8(&r, &v8), -EBADMSG);
	/* A size that would wrap off + n is refused. */
	hs_ike_rd_init(&r, b, sizeof(b));
	hs_ike_rd_skip(&r, 4);
	CU_ASSERT_EQUAL(hs_ike_rd_get_ref(&r, &p, SIZE_MAX - 2), -EBADMSG);
	CU_ASSERT_PTR_NULL(p);
	/* A split reader keeps the origin and stops at its own end. */
	hs_ike_rd_init(&r, b, sizeof(b));
	hs_ike_rd_skip(&r, 2);
	CU_ASSERT_EQUAL(hs_ike_rd_split(&r, &sub, 4), 0);
	CU_ASSERT_EQUAL(sub.off, 2);
	CU_ASSERT_EQUAL(r.off, 6);
	CU_ASSERT_EQUAL(hs_ike_rd_get_u32(&sub, &v32), 0);
	CU_ASSERT_EQUAL(v32, 0x03040506);
	CU_ASSERT_EQUAL(hs_ike_rd_get_u8(&sub, &v8), -EBADMSG);
	CU_ASSERT_EQUAL(hs_ike_rd_split(&r, &sub, 5), -EBADMSG);
	CU_ASSERT_EQUAL(hs_ike_rd_left(&sub), 0);
	hs_ike_rd_init(&r, NULL, 100);
	CU_ASSERT_EQUAL(hs_ike_rd_left(&r), 0);
}

static void
test_writer(void)
{
	uint8_t b[16];
	struct hs_ike_wr w;
	size_t at;

	memset(b, 0xee, sizeof(b));
	hs_ike_wr_init(&w, b, 8);
	hs_ike_wr_put_u16(&w, 0x0102);
	at = hs_ike_wr_reserve(&w, 2);
	hs_ike_wr_put_u32(&w, 0x03040506);
	hs_ike_wr_patch_len16(&w, at, 0);
	CU_ASSERT_EQUAL(w.err, 0);
	CU_ASSERT_EQUAL(b[2], 0);
	CU_ASSERT_EQUAL(b[3], 8);
	/* Full: refused, recorded, nothing written past the capacity. */
	hs_ike_wr_put_u8(&w, 7);
	CU_ASSERT_EQUAL(w.err, -ENOBUFS);
	CU_ASSERT_EQUAL(w.len, 8);
	CU_ASSERT_EQUAL(b[8], 0xee);
	hs_ike_wr_init(&w, b, 8);
	hs_ike_wr_put_u32(&w, 1);
	hs_ike_wr_put_u64(&w, 2); /* does not fit: not even partly written */
	CU_ASSERT_EQUAL(w.err, -ENOBUFS);
	CU_ASSERT_EQUAL(w.len, 4);
	CU_ASSERT_EQUAL(b[4], 0x03); /* left from before */
	hs_ike_wr_init(&w, b, 8);
	hs_ike_wr_put_bytes(&w, b, SIZE_MAX);
	CU_ASSERT_EQUAL(w.err, -ENOBUFS);
	/* Patches only land inside what was written. */
	hs_ike_wr_init(&w, b, 8);
	hs_ike_wr_put_u16(&w, 0);
	hs_ike_wr_patch_u16(&w, 1, 0xffff);
	CU_ASSERT_EQUAL(w.err, -ENOBUFS);
	hs_ike_wr_init(&w, b, 8);
	hs_ike_wr_patch_u32(&w, SIZE_MAX, 1);
	CU_ASSERT_EQUAL(w.err, -ENOBUFS);
}

static void
test_writer_len16(void)
{
	static uint8_t big[70000];
	struct hs_ike_wr w;
	size_t at;

	hs_ike_wr_init(&w, big, sizeof(big));
	at = hs_ike_wr_reserve(&w, 2);
	hs_ike_wr_put_zero(&w, 65533);
	hs_ike_wr_patch_len16(&w, at, 0);
	CU_ASSERT_EQUAL(w.err, 0);
	CU_ASSERT_EQUAL(big[0], 0xff);
	CU_ASSERT_EQUAL(big[1], 0xff);
	hs_ike_wr_put_u8(&w, 0);
	hs_ike_wr_patch_len16(&w, at, 0);
	CU_ASSERT_EQUAL(w.err, -EMSGSIZE);
}

/* --- a real message layout --- */

static void
test_sa_init_decode(void)
{
	uint8_t b[BUF_MAX], out[BUF_MAX];
	size_t len = sa_init(b), olen = 0;
	const struct hs_ike_proposal *p;
	const struct hs_ike_pl *pl;
	struct hs_ike_err err;

	CU_ASSERT_EQUAL_FATAL(len, 240);
	CU_ASSERT_EQUAL_FATAL(parse(&msg, b, len, &err), 0);
	CU_ASSERT_EQUAL(msg.hdr.spi_i, 0x0102030405060708ull);
	CU_ASSERT_EQUAL(msg.hdr.spi_r, 0);
	CU_ASSERT_EQUAL(msg.hdr.exchange, HS_IKE_SA_INIT);
	CU_ASSERT_EQUAL(msg.hdr.flags, HS_IKE_FLAG_INITIATOR);
	CU_ASSERT_EQUAL(msg.hdr.length, 240);
	CU_ASSERT_EQUAL_FATAL(msg.n_pl, 5);
	pl = &msg.pl[0];
	CU_ASSERT_EQUAL(pl->type, HS_IKE_PL_SA);
	CU_ASSERT_EQUAL(pl->offset, 28);
	CU_ASSERT_EQUAL(pl->len, 48);
	CU_ASSERT_EQUAL_FATAL(pl->u.sa.n_props, 1);
	p = &pl->u.sa.props[0];
	CU_ASSERT_EQUAL(p->num, 1);
	CU_ASSERT_EQUAL(p->proto, HS_IKE_PROTO_IKE);
	CU_ASSERT_EQUAL(p->spi_size, 0);
	CU_ASSERT_EQUAL_FATAL(p->n_xf, 4);
	CU_ASSERT_EQUAL(p->xf[0].type, HS_IKE_TT_ENCR);
	CU_ASSERT_EQUAL(p->xf[0].id, HS_IKE_ENCR_AES_CBC);
	CU_ASSERT_EQUAL(p->xf[0].key_len, 256);
	CU_ASSERT_EQUAL(p->xf[0].n_unknown, 0);
	CU_ASSERT_EQUAL(p->xf[1].id, HS_IKE_PRF_HMAC_SHA2_256);
	CU_ASSERT_EQUAL(p->xf[2].id, HS_IKE_INTEG_HMAC_SHA2_256_128);
	CU_ASSERT_EQUAL(p->xf[3].type, HS_IKE_TT_DH);
	CU_ASSERT_EQUAL(p->xf[3].id, HS_IKE_DH_ECP256);
	CU_ASSERT_EQUAL(p->xf[3].key_len, 0);
	pl = hs_ike_msg_find(&msg, HS_IKE_PL_KE, NULL);
	CU_ASSERT_FATAL(pl != NULL);
	CU_ASSERT_EQUAL(pl->u.ke.group, HS_IKE_DH_ECP256);
	CU_ASSERT_EQUAL(pl->u.ke.len, 64);
	CU_ASSERT_PTR_EQUAL(pl->u.ke.data, b + 84);
	pl = hs_ike_msg_find(&msg, HS_IKE_PL_NONCE, NULL);
	CU_ASSERT_FATAL(pl != NULL);
	CU_ASSERT_EQUAL(pl->u.nonce.len, 32);
	CU_ASSERT_EQUAL(pl->u.nonce.data[0], 0x10);
	pl = hs_ike_msg_find_notify(&msg, HS_IKE_N_NAT_DETECTION_DESTINATION_IP);
	CU_ASSERT_FATAL(pl != NULL);
	CU_ASSERT_EQUAL(pl->offset, 212);
	CU_ASSERT_EQUAL(pl->u.notify.len, 20);
	CU_ASSERT_EQUAL(pl->u.notify.data[0], 0x60);
	CU_ASSERT_PTR_EQUAL(hs_ike_msg_find(&msg, HS_IKE_PL_NOTIFY, &msg.pl[3]), pl);
	CU_ASSERT_PTR_NULL(hs_ike_msg_find(&msg, HS_IKE_PL_NOTIFY, pl));
	CU_ASSERT_PTR_NULL(hs_ike_msg_find_notify(&msg, HS_IKE_N_COOKIE));
	/* Encoding the decoded message gives the same bytes. */
	CU_ASSERT_EQUAL_FATAL(hs_ike_msg_encode(&msg, out, sizeof(out), &olen), 0);
	CU_ASSERT_EQUAL(olen, len);
	CU_ASSERT_EQUAL(memcmp(out, b, len), 0);
}

/* The same message from the builders: the same bytes. */
static void
test_sa_init_build(void)
{
	uint8_t b[BUF_MAX], out[BUF_MAX], data[64], nonce[32], nat_s[20], nat_d[20];
	struct hs_ike_prop_desc d = { .proto = HS_IKE_PROTO_IKE, .n_encr = 1, .n_prf = 1,
		.n_integ = 1, .n_dh = 1, .encr = { HS_IKE_ENCR_AES_CBC }, .encr_key_len = { 256 },
		.prf = { HS_IKE_PRF_HMAC_SHA2_256 }, .integ = { HS_IKE_INTEG_HMAC_SHA2_256_128 },
		.dh = { HS_IKE_DH_ECP256 } };
	struct hs_ike_hdr h = { .spi_i = 0x0102030405060708ull, .exchange = HS_IKE_SA_INIT,
		.flags = HS_IKE_FLAG_INITIATOR };
	size_t len = sa_init(b), olen = 0;

	put_fill(data, 0, 0xa0, 64);
	put_fill(nonce, 0, 0x10, 32);
	put_fill(nat_s, 0, 0x40, 20);
	put_fill(nat_d, 0, 0x60, 20);
	hs_ike_msg_init(&msg, &h);
	CU_ASSERT_EQUAL(hs_ike_msg_add_sa(&msg, &d, 1), 0);
	CU_ASSERT_EQUAL(hs_ike_msg_add_ke(&msg, HS_IKE_DH_ECP256, data, 64), 0);
	CU_ASSERT_EQUAL(hs_ike_msg_add_nonce(&msg, nonce, 32), 0);
	CU_ASSERT_EQUAL(hs_ike_msg_add_notify(&msg, 0, NULL, 0, HS_IKE_N_NAT_DETECTION_SOURCE_IP,
				nat_s, 20), 0);
	CU_ASSERT_EQUAL(hs_ike_msg_add_notify(&msg, 0, NULL, 0,
				HS_IKE_N_NAT_DETECTION_DESTINATION_IP, nat_d, 20), 0);
	CU_ASSERT_EQUAL_FATAL(hs_ike_msg_encode(&msg, out, sizeof(out), &olen), 0);
	CU_ASSERT_EQUAL(olen, len);
	CU_ASSERT_EQUAL(memcmp(out, b, len), 0);
	CU_ASSERT_EQUAL(msg.pl[2].offset, 148);
	CU_ASSERT_PTR_EQUAL(msg.pl[2].body, out + 152);
}

/* Encoding into every capacity short of the message: -ENOBUFS, and nothing written past it. */
static void
test_encode_short_buffer(void)
{
	uint8_t b[BUF_MAX], out[BUF_MAX];
	size_t len = sa_init(b), olen;
	struct hs_ike_err err;

	CU_ASSERT_EQUAL_FATAL(parse(&msg, b, len, &err), 0);
	for (size_t cap = 0; cap < len; cap++) {
		memset(out, 0x5a, sizeof(out));
		CU_ASSERT_EQUAL(hs_ike_msg_encode(&msg, out, cap, &olen), -ENOBUFS);
		CU_ASSERT_EQUAL(out[cap], 0x5a);
	}
}

/* --- every payload type, built, encoded, decoded, encoded again --- */

static const uint8_t spi_esp[4] = { 0xc0, 0x01, 0xd0, 0x0d };
static const uint8_t del_spis[12] = { 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3 };
static const uint8_t fqdn[] = "hub.example";
static const uint8_t eap[] = { 1, 5, 0, 5, 1 };
static const uint8_t xf_attrs[] = { 0x80, 0x0e, 0x00, 0x80, 0x00, 0x63, 0x00, 0x02, 0xaa, 0xbb };
static uint8_t blob[512];

/* A transform with an unknown TLV attribute after Key Length, kept raw (§3.3.5, §3.3.6). */
static const struct hs_ike_transform odd_xf[] = {
	{ .type = HS_IKE_TT_ENCR, .id = HS_IKE_ENCR_AES_CBC, .attrs = xf_attrs,
		.attrs_len = sizeof(xf_attrs) },
	{ .type = HS_IKE_TT_INTEG, .id = HS_IKE_INTEG_HMAC_SHA1_96 },
};
static const struct hs_ike_proposal odd_prop = { .num = 1, .proto = HS_IKE_PROTO_AH,
	.spi_size = 4, .spi = { 9, 9, 9, 9 }, .n_xf = 2, .xf = odd_xf };

static void
add_sas(struct hs_ike_msg *m)
{
	struct hs_ike_prop_desc d[2] = {
		{ .proto = HS_IKE_PROTO_ESP, .spi_size = 4, .n_encr = 1, .n_esn = 2,
			.encr = { HS_IKE_ENCR_AES_GCM_16 }, .encr_key_len = { 256 },
			.esn = { HS_IKE_ESN_NO, HS_IKE_ESN_YES } },
		{ .proto = HS_IKE_PROTO_ESP, .spi_size = 4, .n_encr = 2, .n_integ = 1, .n_dh = 1,
			.n_esn = 1, .encr = { HS_IKE_ENCR_AES_CBC, HS_IKE_ENCR_AES_CBC },
			.encr_key_len = { 128, 256 }, .integ = { HS_IKE_INTEG_HMAC_SHA1_96 },
			.dh = { HS_IKE_DH_MODP2048 } },
	};
	struct hs_ike_pl *pl;

	memcpy(d[0].spi, spi_esp, 4);
	memcpy(d[1].spi, spi_esp, 4);
	CU_ASSERT_EQUAL(hs_ike_msg_add_sa(m, d, 2), 0);
	pl = hs_ike_msg_add(m, HS_IKE_PL_SA);
	CU_ASSERT_FATAL(pl != NULL);
	pl->u.sa.props = &odd_prop;
	pl->u.sa.n_props = 1;
}

static void
add_ts_cp(struct hs_ike_msg *m)
{
	static const struct hs_ike_cp_attr attrs[] = { { 1, 0, NULL }, { 3, 0, NULL },
		{ 25, 4, (const uint8_t *)"\x0a\x00\x00\x01" } };
	struct hs_ike_ts ts[3];
	struct hs_prefix p;

	CU_ASSERT_EQUAL(hs_prefix_parse("10.1.0.0/16", &p), 0);
	hs_ike_ts_from_prefix(&ts[0], &p, 0, 0, 65535);
	CU_ASSERT_EQUAL(hs_prefix_parse("2001:db8:1::/48", &p), 0);
	hs_ike_ts_from_prefix(&ts[1], &p, 6, 443, 443);
	CU_ASSERT_EQUAL(hs_ike_msg_add_ts(m, HS_IKE_PL_TSI, ts, 2), 0);
	/* A selector type we do not decode (RFC 9478's TS_SECLABEL), kept raw. */
	memset(&ts[2], 0, sizeof(ts[2]));
	ts[2].type = 10;
	ts[2].raw = blob;
	ts[2].raw_len = 6;
	CU_ASSERT_EQUAL(hs_ike_msg_add_ts(m, HS_IKE_PL_TSR, &ts[1], 2), 0);
	CU_ASSERT_EQUAL(hs_ike_msg_add_cp(m, HS_IKE_CFG_REQUEST, attrs, 3), 0);
}

/* One of each payload type (and an unknown non-critical one): 18 payloads. */
static void
build_all(struct hs_ike_msg *m)
{
	struct hs_ike_hdr h = { .spi_i = 1, .spi_r = 2, .exchange = HS_IKE_CREATE_CHILD_SA,
		.flags = HS_IKE_FLAG_INITIATOR, .msg_id = 7 };
	struct hs_ike_pl *pl;

	put_fill(blob, 0, 0x30, sizeof(blob));
	hs_ike_msg_init(m, &h);
	add_sas(m);
	CU_ASSERT_EQUAL(hs_ike_msg_add_ke(m, HS_IKE_DH_MODP2048, blob, 256), 0);
	CU_ASSERT_EQUAL(hs_ike_msg_add_id(m, HS_IKE_PL_IDI, HS_IKE_ID_FQDN, fqdn, 11), 0);
	CU_ASSERT_EQUAL(hs_ike_msg_add_id(m, HS_IKE_PL_IDR, HS_IKE_ID_IPV4_ADDR, blob, 4), 0);
	pl = hs_ike_msg_add(m, HS_IKE_PL_CERT);
	pl->u.cert = (struct hs_ike_pl_typed){ HS_IKE_CERT_X509_SIG, 10, blob };
	pl = hs_ike_msg_add(m, HS_IKE_PL_CERTREQ);
	pl->u.cert = (struct hs_ike_pl_typed){ HS_IKE_CERT_X509_SIG, 20, blob };
	CU_ASSERT_EQUAL(hs_ike_msg_add_auth(m, HS_IKE_AUTH_PSK, blob, 32), 0);
	CU_ASSERT_EQUAL(hs_ike_msg_add_nonce(m, blob, HS_IKE_NONCE_MIN), 0);
	CU_ASSERT_EQUAL(hs_ike_msg_add_notify(m, HS_IKE_PROTO_ESP, spi_esp, 4, HS_IKE_N_REKEY_SA,
				NULL, 0), 0);
	CU_ASSERT_EQUAL(hs_ike_msg_add_delete(m, HS_IKE_PROTO_ESP, 4, del_spis, 3), 0);
	CU_ASSERT_EQUAL(hs_ike_msg_add_delete(m, HS_IKE_PROTO_IKE, 0, NULL, 0), 0);
	pl = hs_ike_msg_add(m, HS_IKE_PL_VENDOR);
	pl->u.vendor = (struct hs_ike_pl_data){ 16, blob };
	add_ts_cp(m);
	pl = hs_ike_msg_add(m, HS_IKE_PL_EAP);
	pl->u.eap = (struct hs_ike_pl_data){ sizeof(eap), eap };
	pl = hs_ike_msg_add(m, 99);
	pl->u.raw = (struct hs_ike_pl_data){ 3, blob };
	CU_ASSERT_EQUAL(m->n_pl, 18);
}

static void
check_all_sa(const struct hs_ike_msg *m)
{
	const struct hs_ike_pl_sa *sa = &m->pl[0].u.sa;
	const struct hs_ike_transform *t;

	CU_ASSERT_EQUAL_FATAL(sa->n_props, 2);
	CU_ASSERT_EQUAL(sa->props[1].num, 2);
	CU_ASSERT_EQUAL(sa->props[1].spi_size, 4);
	CU_ASSERT_EQUAL(memcmp(sa->props[1].spi, spi_esp, 4), 0);
	CU_ASSERT_EQUAL_FATAL(sa->props[0].n_xf, 3);
	CU_ASSERT_EQUAL(sa->props[0].xf[2].type, HS_IKE_TT_ESN);
	CU_ASSERT_EQUAL(sa->props[0].xf[2].id, HS_IKE_ESN_YES);
	CU_ASSERT_EQUAL_FATAL(sa->props[1].n_xf, 5);
	CU_ASSERT_EQUAL(sa->props[1].xf[1].key_len, 256);
	t = &m->pl[1].u.sa.props[0].xf[0];
	CU_ASSERT_EQUAL(t->key_len, 128);
	CU_ASSERT_EQUAL(t->n_unknown, 1);
	CU_ASSERT_EQUAL(t->attrs_len, sizeof(xf_attrs));
	CU_ASSERT_EQUAL(m->pl[1].u.sa.props[0].proto, HS_IKE_PROTO_AH);
}

static void
check_all_ts(const struct hs_ike_msg *m)
{
	const struct hs_ike_pl *pl = hs_ike_msg_find(m, HS_IKE_PL_TSI, NULL);
	const struct hs_ike_ts *ts;

	CU_ASSERT_FATAL(pl != NULL && pl->u.ts.n_ts == 2);
	ts = pl->u.ts.ts;
	CU_ASSERT_EQUAL(ts[0].type, HS_IKE_TS_IPV4_ADDR_RANGE);
	CU_ASSERT_EQUAL(ts[0].start.family, AF_INET);
	CU_ASSERT_EQUAL(memcmp(ts[0].start.v4, "\x0a\x01\x00\x00", 4), 0);
	CU_ASSERT_EQUAL(memcmp(ts[0].end.v4, "\x0a\x01\xff\xff", 4), 0);
	CU_ASSERT_EQUAL(ts[0].end_port, 65535);
	CU_ASSERT_FALSE(ts[0].inverted);
	CU_ASSERT_EQUAL(ts[1].type, HS_IKE_TS_IPV6_ADDR_RANGE);
	CU_ASSERT_EQUAL(ts[1].proto, 6);
	CU_ASSERT_EQUAL(ts[1].start_port, 443);
	CU_ASSERT_EQUAL(ts[1].end.v6[5], 0x01);
	CU_ASSERT_EQUAL(ts[1].end.v6[6], 0xff);
	CU_ASSERT_EQUAL(ts[1].end.v6[15], 0xff);
	CU_ASSERT_EQUAL(ts[1].start.v6[15], 0x00);
	pl = hs_ike_msg_find(m, HS_IKE_PL_TSR, NULL);
	CU_ASSERT_FATAL(pl != NULL && pl->u.ts.n_ts == 2);
	CU_ASSERT_EQUAL(pl->u.ts.ts[1].type, 10);
	CU_ASSERT_EQUAL(pl->u.ts.ts[1].raw_len, 6);
	pl = hs_ike_msg_find(m, HS_IKE_PL_CP, NULL);
	CU_ASSERT_FATAL(pl != NULL && pl->u.cp.n_attrs == 3);
	CU_ASSERT_EQUAL(pl->u.cp.type, HS_IKE_CFG_REQUEST);
	CU_ASSERT_EQUAL(pl->u.cp.attrs[2].type, 25);
	CU_ASSERT_EQUAL(pl->u.cp.attrs[2].len, 4);
	CU_ASSERT_EQUAL(pl->u.cp.attrs[2].value[3], 1);
}

static void
check_all_flat(const struct hs_ike_msg *m)
{
	const struct hs_ike_pl *pl = m->pl;

	CU_ASSERT_EQUAL(pl[2].u.ke.group, HS_IKE_DH_MODP2048);
	CU_ASSERT_EQUAL(pl[2].u.ke.len, 256);
	CU_ASSERT_EQUAL(pl[3].type, HS_IKE_PL_IDI);
	CU_ASSERT_EQUAL(pl[3].u.id.type, HS_IKE_ID_FQDN);
	CU_ASSERT_EQUAL(memcmp(pl[3].u.id.data, "hub.example", 11), 0);
	CU_ASSERT_EQUAL(pl[4].u.id.len, 4);
	CU_ASSERT_EQUAL(pl[5].u.cert.type, HS_IKE_CERT_X509_SIG);
	CU_ASSERT_EQUAL(pl[6].type, HS_IKE_PL_CERTREQ);
	CU_ASSERT_EQUAL(pl[6].u.cert.len, 20);
	CU_ASSERT_EQUAL(pl[7].u.auth.type, HS_IKE_AUTH_PSK);
	CU_ASSERT_EQUAL(pl[8].u.nonce.len, 16);
	CU_ASSERT_EQUAL(pl[9].u.notify.proto, HS_IKE_PROTO_ESP);
	CU_ASSERT_EQUAL(pl[9].u.notify.type, HS_IKE_N_REKEY_SA);
	CU_ASSERT_EQUAL(memcmp(pl[9].u.notify.spi, spi_esp, 4), 0);
	CU_ASSERT_EQUAL(pl[9].u.notify.len, 0);
	CU_ASSERT_EQUAL(pl[10].u.del.n_spis, 3);
	CU_ASSERT_EQUAL(pl[10].u.del.spis[8], 3);
	CU_ASSERT_EQUAL(pl[11].u.del.proto, HS_IKE_PROTO_IKE);
	CU_ASSERT_EQUAL(pl[11].u.del.n_spis, 0);
	CU_ASSERT_EQUAL(pl[12].u.vendor.len, 16);
	CU_ASSERT_EQUAL(pl[16].u.eap.len, 5);
	CU_ASSERT_EQUAL(pl[17].type, 99);
	CU_ASSERT_FALSE(hs_ike_pl_known(99));
	CU_ASSERT_EQUAL(pl[17].u.raw.len, 3);
}

static size_t
encode_all(uint8_t *out)
{
	size_t len = 0;

	build_all(&msg);
	CU_ASSERT_EQUAL_FATAL(hs_ike_msg_encode(&msg, out, BUF_MAX, &len), 0);
	return len;
}

static void
test_roundtrip_all(void)
{
	uint8_t a[BUF_MAX], b[BUF_MAX];
	size_t alen = encode_all(a), blen = 0;
	struct hs_ike_err err;

	CU_ASSERT_EQUAL_FATAL(parse(&msg2, a, alen, &err), 0);
	CU_ASSERT_EQUAL_FATAL(msg2.n_pl, 18);
	CU_ASSERT_EQUAL(msg2.hdr.msg_id, 7);
	CU_ASSERT_EQUAL(msg2.hdr.exchange, HS_IKE_CREATE_CHILD_SA);
	for (unsigned int i = 0; i < msg2.n_pl; i++) {
		CU_ASSERT_EQUAL(msg2.pl[i].type, msg.pl[i].type);
		CU_ASSERT_EQUAL(msg2.pl[i].offset, msg.pl[i].offset);
		CU_ASSERT_EQUAL(msg2.pl[i].len, msg.pl[i].len);
		CU_ASSERT_FALSE(msg2.pl[i].inner);
	}
	check_all_sa(&msg2);
	check_all_flat(&msg2);
	check_all_ts(&msg2);
	CU_ASSERT_EQUAL_FATAL(hs_ike_msg_encode(&msg2, b, sizeof(b), &blen), 0);
	CU_ASSERT_EQUAL(blen, alen);
	CU_ASSERT_EQUAL(memcmp(a, b, alen), 0);
}

/* IKE_AUTH: SK around IDi, AUTH, SA, TSi, TSr, N; the ciphertext here is just bytes. */
static void
build_auth(struct hs_ike_msg *m, uint8_t *plain, size_t *plen)
{
	struct hs_ike_prop_desc d = { .proto = HS_IKE_PROTO_ESP, .spi_size = 4, .n_encr = 1,
		.n_esn = 1, .encr = { HS_IKE_ENCR_AES_GCM_16 }, .encr_key_len = { 128 } };
	struct hs_ike_hdr h = { .spi_i = 5, .spi_r = 6, .exchange = HS_IKE_AUTH, .msg_id = 1,
		.flags = HS_IKE_FLAG_INITIATOR };
	struct hs_ike_ts ts;
	struct hs_prefix p;

	hs_ike_msg_init(m, &h);
	CU_ASSERT_EQUAL(hs_ike_msg_add_sk(m, NULL, 0), 0);
	CU_ASSERT_EQUAL(hs_ike_msg_add_id(m, HS_IKE_PL_IDI, HS_IKE_ID_FQDN, fqdn, 11), 0);
	CU_ASSERT_EQUAL(hs_ike_msg_add_auth(m, HS_IKE_AUTH_PSK, blob, 32), 0);
	CU_ASSERT_EQUAL(hs_ike_msg_add_sa(m, &d, 1), 0);
	CU_ASSERT_EQUAL(hs_prefix_parse("192.168.0.0/24", &p), 0);
	hs_ike_ts_from_prefix(&ts, &p, 0, 0, 65535);
	CU_ASSERT_EQUAL(hs_ike_msg_add_ts(m, HS_IKE_PL_TSI, &ts, 1), 0);
	CU_ASSERT_EQUAL(hs_ike_msg_add_ts(m, HS_IKE_PL_TSR, &ts, 1), 0);
	CU_ASSERT_EQUAL(hs_ike_msg_add_notify(m, 0, NULL, 0, HS_IKE_N_INITIAL_CONTACT, NULL, 0), 0);
	CU_ASSERT_TRUE(m->pl[6].inner);
	CU_ASSERT_FALSE(m->pl[0].inner);
	CU_ASSERT_EQUAL_FATAL(hs_ike_msg_encode_inner(m, plain, BUF_MAX, plen), 0);
	CU_ASSERT_EQUAL(m->pl[0].u.sk.first_inner, HS_IKE_PL_IDI);
}

static void
test_sk_inner(void)
{
	uint8_t plain[BUF_MAX], wire[BUF_MAX], again[BUF_MAX];
	size_t plen, wlen, alen;
	struct hs_ike_err err;

	build_auth(&msg, plain, &plen);
	msg.pl[0].u.sk.data = plain; /* stands in for IV | ciphertext | ICV */
	msg.pl[0].u.sk.len = (uint16_t)plen;
	CU_ASSERT_EQUAL_FATAL(hs_ike_msg_encode(&msg, wire, sizeof(wire), &wlen), 0);
	CU_ASSERT_EQUAL(wlen, HS_IKE_HDR_LEN + 4 + plen);
	CU_ASSERT_EQUAL(wire[16], HS_IKE_PL_SK);
	CU_ASSERT_EQUAL(wire[28], HS_IKE_PL_IDI);
	CU_ASSERT_EQUAL_FATAL(parse(&msg2, wire, wlen, &err), 0);
	CU_ASSERT_EQUAL_FATAL(msg2.n_pl, 1);
	CU_ASSERT_EQUAL(msg2.pl[0].u.sk.first_inner, HS_IKE_PL_IDI);
	CU_ASSERT_PTR_EQUAL(msg2.pl[0].u.sk.data, wire + 32);
	CU_ASSERT_EQUAL(msg2.pl[0].u.sk.len, plen);
	/* Decryption is someone else's: hand the plaintext to the inner parser. */
	CU_ASSERT_EQUAL_FATAL(hs_ike_msg_parse_inner(&msg2, HS_IKE_PL_IDI, plain, plen, &err), 0);
	CU_ASSERT_EQUAL_FATAL(msg2.n_pl, 7);
	CU_ASSERT_TRUE(msg2.pl[6].inner);
	CU_ASSERT_EQUAL(msg2.pl[1].offset, 0);
	CU_ASSERT_PTR_NOT_NULL(hs_ike_msg_find_notify(&msg2, HS_IKE_N_INITIAL_CONTACT));
	CU_ASSERT_EQUAL(hs_ike_msg_find(&msg2, HS_IKE_PL_TSR, NULL)->u.ts.ts[0].end.v4[3], 255);
	CU_ASSERT_EQUAL_FATAL(hs_ike_msg_encode_inner(&msg2, again, sizeof(again), &alen), 0);
	CU_ASSERT_EQUAL(alen, plen);
	CU_ASSERT_EQUAL(memcmp(again, plain, plen), 0);
	CU_ASSERT_EQUAL_FATAL(hs_ike_msg_encode(&msg2, again, sizeof(again), &alen), 0);
	CU_ASSERT_EQUAL(alen, wlen);
	CU_ASSERT_EQUAL(memcmp(again, wire, wlen), 0);
	/* A bad inner chain: refused, offsets in the plaintext, outer payloads kept. */
	CU_ASSERT_EQUAL_FATAL(parse(&msg2, wire, wlen, &err), 0);
	CU_ASSERT_EQUAL(hs_ike_msg_parse_inner(&msg2, HS_IKE_PL_IDI, plain, plen - 1, &err),
		-EBADMSG);
	CU_ASSERT_TRUE(err.inner);
	CU_ASSERT_EQUAL(strncmp(err.text, "inner offset ", 13), 0);
	CU_ASSERT_EQUAL(msg2.n_pl, 1);
	CU_ASSERT_EQUAL(msg2.n_props, 0);
	CU_ASSERT_EQUAL(hs_ike_msg_parse_inner(&msg2, HS_IKE_PL_NONE, NULL, 0, &err), 0);
}

static void
test_skf(void)
{
	uint8_t wire[BUF_MAX], again[BUF_MAX];
	struct hs_ike_hdr h = { .spi_i = 5, .spi_r = 6, .exchange = HS_IKE_AUTH, .msg_id = 1 };
	struct hs_ike_err err;
	struct hs_ike_pl *pl;
	size_t len, alen;

	hs_ike_msg_init(&msg, &h);
	pl = hs_ike_msg_add(&msg, HS_IKE_PL_SKF);
	pl->u.sk = (struct hs_ike_pl_sk){ .first_inner = HS_IKE_PL_IDI, .frag_num = 1,
		.frag_total = 3, .len = 100, .data = blob };
	CU_ASSERT_PTR_NULL(hs_ike_msg_add(&msg, HS_IKE_PL_SK)); /* one per message */
	CU_ASSERT_EQUAL_FATAL(hs_ike_msg_encode(&msg, wire, sizeof(wire), &len), 0);
	CU_ASSERT_EQUAL_FATAL(parse(&msg2, wire, len, &err), 0);
	CU_ASSERT_EQUAL(msg2.pl[0].type, HS_IKE_PL_SKF);
	CU_ASSERT_EQUAL(msg2.pl[0].u.sk.frag_num, 1);
	CU_ASSERT_EQUAL(msg2.pl[0].u.sk.frag_total, 3);
	CU_ASSERT_EQUAL(msg2.pl[0].u.sk.first_inner, HS_IKE_PL_IDI);
	CU_ASSERT_EQUAL(msg2.pl[0].u.sk.len, 100);
	CU_ASSERT_EQUAL_FATAL(hs_ike_msg_encode(&msg2, again, sizeof(again), &alen), 0);
	CU_ASSERT_EQUAL(memcmp(again, wire, len), 0);
	wire[33] = 0; /* fragment 0 of 3 */
	expect_bad(wire, len, -EBADMSG,
		"offset 32: SKF: fragment 0 of 3, expected 1 <= number <= total");
	wire[33] = 4;
	expect_bad(wire, len, -EBADMSG, "fragment 4 of 3");
}

/* --- malformed messages, each refused with a reason --- */

static void
bad_sa_init(size_t off, uint8_t v, int code, const char *want)
{
	uint8_t b[BUF_MAX];
	size_t len = sa_init(b);

	b[off] = v;
	expect_bad(b, len, code, want);
}

static void
test_bad_header(void)
{
	uint8_t b[BUF_MAX];
	size_t len = sa_init(b);
	struct hs_ike_err err;

	expect_bad(b, 0, -EBADMSG, "offset 0: header: message of 0 bytes, shorter than 28");
	expect_bad(b, 27, -EBADMSG, "message of 27 bytes, shorter than 28");
	expect_bad(NULL, 100, -EBADMSG, "shorter than 28");
	expect_bad(b, len - 1, -EBADMSG,
		"offset 24: header: Length field 240, but the message has 239");
	bad_sa_init(27, 0xf1, -EBADMSG, "Length field 241, but the message has 240 bytes");
	bad_sa_init(17, 0x10, -EPROTONOSUPPORT,
		"offset 17: header: version 0x10: major 1, expected 2");
	CU_ASSERT_EQUAL(hs_ike_msg_parse(&msg, b, len, &err), 0);
	b[17] = 0x30;
	CU_ASSERT_EQUAL(hs_ike_msg_parse(&msg, b, len, &err), -EPROTONOSUPPORT);
	CU_ASSERT_EQUAL(err.notify, HS_IKE_N_INVALID_MAJOR_VERSION);
	b[17] = 0x21; /* minor versions are ignored (§2.5) */
	CU_ASSERT_EQUAL(hs_ike_msg_parse(&msg, b, len, &err), 0);
	CU_ASSERT_EQUAL(hs_ike_hdr_parse(b, len, &msg.hdr, NULL), 0);
	CU_ASSERT_EQUAL(hs_ike_hdr_parse(b, 20, &msg.hdr, NULL), -EBADMSG);
	CU_ASSERT_EQUAL(hs_ike_msg_parse(&msg, b, 10, NULL), -EBADMSG);
}

static void
test_bad_chain(void)
{
	uint8_t b[BUF_MAX];
	size_t len = sa_init(b);
	struct hs_ike_err err;

	bad_sa_init(79, 3, -EBADMSG, "offset 78: KE: payload length 3, expected at least 4");
	bad_sa_init(79, 8, -EBADMSG, "offset 78: KE: payload length 8, expected at least 9");
	bad_sa_init(215, 0x1d, -EBADMSG,
		"offset 214: N: payload length 29 runs past the end: 28 bytes left");
	bad_sa_init(151, 0xff, -EBADMSG, "offset 150: No: payload length 255 runs past the end");
	bad_sa_init(212, HS_IKE_PL_VENDOR, -EBADMSG,
		"offset 240: V: announced by the previous Next Payload, but only 0 bytes left");
	/* Trailing bytes after a chain that ended. */
	memset(b + len, 0, 4);
	b[27] = (uint8_t)(len + 4);
	expect_bad(b, len + 4, -EBADMSG, "offset 240: header: 4 bytes after the last payload");
	CU_ASSERT_EQUAL(hs_ike_msg_parse(&msg, b, len + 4, &err), -EBADMSG);
	CU_ASSERT_EQUAL(err.offset, 240);
	CU_ASSERT_EQUAL(err.payload, HS_IKE_PL_NONE);
	CU_ASSERT_EQUAL(err.notify, HS_IKE_N_INVALID_SYNTAX);
	CU_ASSERT_EQUAL(msg.n_pl, 0);
	/* An empty chain is a valid (if useless) message. */
	CU_ASSERT_EQUAL(hs_ike_msg_parse(&msg, b, raw_msg(b, NULL, 0, 0), &err), 0);
	CU_ASSERT_EQUAL(msg.n_pl, 0);
}

static void
test_unknown_payloads(void)
{
	uint8_t b[BUF_MAX], out[BUF_MAX];
	struct rawpl p[3] = { { HS_IKE_PL_VENDOR, 0, blob, 4 }, { 99, 0, blob, 7 },
		{ HS_IKE_PL_NONCE, HS_IKE_CRITICAL, blob, 16 } };
	size_t len = raw_msg(b, p, 3, 0), olen;
	struct hs_ike_err err;

	/* Not critical: skipped (kept raw so it re-encodes); critical on a known type: ignored. */
	CU_ASSERT_EQUAL_FATAL(parse(&msg, b, len, &err), 0);
	CU_ASSERT_EQUAL(msg.n_pl, 3);
	CU_ASSERT_EQUAL(msg.pl[1].type, 99);
	CU_ASSERT_EQUAL(msg.pl[1].u.raw.len, 7);
	CU_ASSERT_TRUE(msg.pl[2].critical);
	CU_ASSERT_EQUAL(msg.pl[2].u.nonce.len, 16);
	CU_ASSERT_EQUAL_FATAL(hs_ike_msg_encode(&msg, out, sizeof(out), &olen), 0);
	CU_ASSERT_EQUAL(olen, len);
	CU_ASSERT_EQUAL(memcmp(out, b, len), 0);
	/* Critical and unknown: UNSUPPORTED_CRITICAL_PAYLOAD naming the type (§2.5). */
	p[1].flags = HS_IKE_CRITICAL;
	len = raw_msg(b, p, 3, 0);
	expect_bad(b, len, -EOPNOTSUPP,
		"offset 37: payload type 99: critical payload type 99 not supported");
	CU_ASSERT_EQUAL(hs_ike_msg_parse(&msg, b, len, &err), -EOPNOTSUPP);
	CU_ASSERT_EQUAL(err.notify, HS_IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD);
	CU_ASSERT_EQUAL(err.data, 99);
	CU_ASSERT_EQUAL(err.payload, 99);
}

static void
test_bad_proposals(void)
{
	bad_sa_init(35, 0x2d, -EBADMSG,
		"offset 34: SA: proposal 1: Proposal Length 45, expected 8..44");
	bad_sa_init(35, 0x07, -EBADMSG, "proposal 1: Proposal Length 7, expected 8..44");
	bad_sa_init(31, 0x2f, -EBADMSG, "proposal 1: Proposal Length 44, expected 8..43");
	bad_sa_init(39, 3, -EBADMSG,
		"offset 39: SA: proposal 1: Num Transforms 3, but the proposal holds 4");
	bad_sa_init(39, 5, -EBADMSG, "Num Transforms 5, but the proposal holds 4");
	bad_sa_init(32, 2, -EBADMSG,
		"offset 76: SA: proposal 1 has Last Substruc 2, but the payload ends");
	bad_sa_init(32, 1, -EBADMSG, "offset 32: SA: proposal 1: Last Substruc 1, expected 0 or 2");
	bad_sa_init(36, 2, -EBADMSG, "offset 36: SA: proposal 1: Proposal Num 2, expected 1");
	bad_sa_init(36, 0, -EBADMSG, "Proposal Num 0, expected 1");
	bad_sa_init(38, 9, -EBADMSG, "offset 38: SA: proposal 1: SPI size 9, at most 8");
	bad_sa_init(38, 4, -EBADMSG, "proposal 1 transform 1: Last Substruc 1, expected 0 or 3");
}

static void
test_bad_transforms(void)
{
	uint8_t b[BUF_MAX];
	size_t len = sa_init(b);
	struct hs_ike_err err;

	bad_sa_init(68, 3, -EBADMSG,
		"proposal 1: transform 4 has Last Substruc 3, but the proposal ends");
	bad_sa_init(40, 0, -EBADMSG,
		"offset 52: SA: proposal 1: transform 1 had Last Substruc 0, but 24 bytes follow");
	bad_sa_init(40, 2, -EBADMSG,
		"offset 40: SA: proposal 1 transform 1: Last Substruc 2, expected 0 or 3");
	bad_sa_init(55, 0x40, -EBADMSG,
		"offset 54: SA: proposal 1 transform 2: Transform Length 64, expected 8..24");
	bad_sa_init(55, 4, -EBADMSG, "proposal 1 transform 2: Transform Length 4, expected 8..24");
	bad_sa_init(48, 0x00, -EBADMSG,
		"offset 48: SA: proposal 1 transform 1: Key Length in TLV form");
	/* An unknown TLV attribute whose length runs past the transform. */
	b[48] = 0x00;
	b[49] = 0x63;
	expect_bad(b, len, -EBADMSG,
		"offset 50: SA: proposal 1 transform 1: attribute length 256, only 0 bytes left");
	b[48] = 0x80;
	b[49] = 0x0e;
	/* A response keeps the number of the proposal it accepted (§3.3.1). */
	b[19] = HS_IKE_FLAG_RESPONSE;
	b[36] = 3;
	CU_ASSERT_EQUAL(parse(&msg, b, len, &err), 0);
	CU_ASSERT_EQUAL(msg.pl[0].u.sa.props[0].num, 3);
	b[36] = 0;
	expect_bad(b, len, -EBADMSG, "Proposal Num 0, expected 1");
}

/* SA bodies built from hex: a second Key Length, and proposals numbered out of order. */
static void
test_bad_sa_bodies(void)
{
	uint8_t b[BUF_MAX], body[64];
	struct rawpl p = { HS_IKE_PL_SA, 0, body, 0 };

	p.len = hs_test_hex("00 00 0018 01 01 00 01  00 00 0010 01 00 000c 800e 0080 800e 0080",
		body, sizeof(body));
	expect_bad(b, raw_msg(b, &p, 1, 0), -EBADMSG,
		"offset 52: SA: proposal 1 transform 1: second Key Length attribute");
	p.len = hs_test_hex("02 00 0008 01 01 00 00  00 00 0008 03 01 00 00", body, sizeof(body));
	expect_bad(b, raw_msg(b, &p, 1, 0), -EBADMSG,
		"offset 44: SA: proposal 2: Proposal Num 3, expected 2");
	p.len = hs_test_hex("02 00 0008 01 01 00 00  00 00 0008 02 01 00 00", body, sizeof(body));
	CU_ASSERT_EQUAL(hs_ike_msg_parse(&msg, b, raw_msg(b, &p, 1, 0), NULL), 0);
	CU_ASSERT_EQUAL(msg.pl[0].u.sa.n_props, 2);
	p.len = hs_test_hex("00 00 0008 01 01 00 00  00 00 0008 02 01 00 00", body, sizeof(body));
	expect_bad(b, raw_msg(b, &p, 1, 0), -EBADMSG,
		"offset 40: SA: proposal 1 had Last Substruc 0, but 8 bytes follow");
	p.len = hs_test_hex("00 00 000b 01 01 00 01  00 00 00", body, sizeof(body));
	expect_bad(b, raw_msg(b, &p, 1, 0), -EBADMSG,
		"proposal 1 transform 1: 3 bytes left, a transform takes at least 8");
	p.len = hs_test_hex("00 00 0008 01 01", body, sizeof(body));
	expect_bad(b, raw_msg(b, &p, 1, 0), -EBADMSG,
		"offset 30: SA: payload length 10, expected at least 12");
	p.len = hs_test_hex("00 00 0012 01 01 00 01  00 00 000a 01 00 000c 8001", body,
		sizeof(body));
	expect_bad(b, raw_msg(b, &p, 1, 0), -EBADMSG,
		"proposal 1 transform 1: 2 bytes left, an attribute takes 4");
}

static void
test_bad_ts(void)
{
	uint8_t b[BUF_MAX], body[128];
	struct rawpl p = { HS_IKE_PL_TSI, 0, body, 0 };

	p.len = hs_test_hex("01 000000  07 06 000c 0000 ffff 0a000000 0a0000ff", body,
		sizeof(body));
	expect_bad(b, raw_msg(b, &p, 1, 0), -EBADMSG,
		"offset 38: TSi: selector length 12, expected 16 for TS_IPV4_ADDR_RANGE");
	p.type = HS_IKE_PL_TSR;
	p.len = hs_test_hex("01 000000  08 00 0010 0000 ffff 0a000000 0a0000ff", body,
		sizeof(body));
	expect_bad(b, raw_msg(b, &p, 1, 0), -EBADMSG,
		"TSr: selector length 16, expected 40 for TS_IPV6_ADDR_RANGE");
	p.len = hs_test_hex("00 000000", body, sizeof(body));
	expect_bad(b, raw_msg(b, &p, 1, 0), -EBADMSG,
		"offset 32: TSr: Number of TSs 0, expected at least 1");
	p.len = hs_test_hex("02 000000  07 00 0010 0000 ffff 0a000000 0a0000ff", body,
		sizeof(body));
	expect_bad(b, raw_msg(b, &p, 1, 0), -EBADMSG,
		"Number of TSs 2, but selector 2 starts with 0 bytes left");
	p.len = hs_test_hex("01 000000  07 00 0010 0000 ffff 0a000000 0a0000ff 0000", body,
		sizeof(body));
	expect_bad(b, raw_msg(b, &p, 1, 0), -EBADMSG,
		"offset 52: TSr: 2 bytes after the 1 selectors");
	p.len = hs_test_hex("01 000000  0a 00 0002", body, sizeof(body));
	expect_bad(b, raw_msg(b, &p, 1, 0), -EBADMSG, "selector 1: length 2, expected 4..4");
	p.len = hs_test_hex("01 000000  0a 00 0009 0000", body, sizeof(body));
	expect_bad(b, raw_msg(b, &p, 1, 0), -EBADMSG,
		"offset 38: TSr: selector 1: length 9, expected 4..6");
}

/* start > end is flagged, not refused; OPAQUE ports (65535..0, §3.13.1) are not inverted. */
static void
test_ts_semantics(void)
{
	uint8_t b[BUF_MAX], body[128];
	struct rawpl p = { HS_IKE_PL_TSI, 0, body, 0 };
	const struct hs_ike_ts *ts;
	struct hs_ike_err err;

	p.len = hs_test_hex("04 000000  07 00 0010 ffff 0000 0a000000 0a0000ff"
			    "07 00 0010 000a 0005 0a000000 0a0000ff"
			    "07 00 0010 0000 ffff 0a0000ff 0a000000"
			    "08 11 0028 01f4 01f4 20010db8000000000000000000000001"
			    "20010db8000000000000000000000001", body, sizeof(body));
	CU_ASSERT_EQUAL_FATAL(parse(&msg, b, raw_msg(b, &p, 1, 0), &err), 0);
	ts = msg.pl[0].u.ts.ts;
	CU_ASSERT_FALSE(ts[0].inverted);
	CU_ASSERT_TRUE(ts[1].inverted);
	CU_ASSERT_TRUE(ts[2].inverted);
	CU_ASSERT_FALSE(ts[3].inverted);
	CU_ASSERT_EQUAL(ts[3].proto, 17);
	CU_ASSERT_EQUAL(ts[3].start_port, 500);
	CU_ASSERT_EQUAL(ts[3].start.family, AF_INET6);
	CU_ASSERT_EQUAL(ts[3].end.v6[15], 1);
}

static void
test_bad_flat(void)
{
	uint8_t b[BUF_MAX], body[300];
	struct rawpl p = { HS_IKE_PL_NONCE, 0, blob, 15 };

	expect_bad(b, raw_msg(b, &p, 1, 0), -EBADMSG,
		"offset 30: No: payload length 19, expected at least 20");
	p.len = 257;
	expect_bad(b, raw_msg(b, &p, 1, 0), -EBADMSG,
		"offset 32: No: nonce of 257 bytes, expected 16..256");
	p = (struct rawpl){ HS_IKE_PL_NOTIFY, 0, body, 0 };
	p.len = hs_test_hex("03 09 4009 0102030405060708 09", body, sizeof(body));
	expect_bad(b, raw_msg(b, &p, 1, 0), -EBADMSG, "offset 36: N: SPI size 9, at most 8");
	p.len = hs_test_hex("03 04 4009 0102", body, sizeof(body));
	expect_bad(b, raw_msg(b, &p, 1, 0), -EBADMSG, "N: SPI size 4, but only 2 bytes follow");
	p.type = HS_IKE_PL_DELETE;
	p.len = hs_test_hex("03 08 0001 0102030405060708", body, sizeof(body));
	expect_bad(b, raw_msg(b, &p, 1, 0), -EBADMSG, "D: SPI size 8 for ESP, expected 4");
	p.len = hs_test_hex("01 04 0001 01020304", body, sizeof(body));
	expect_bad(b, raw_msg(b, &p, 1, 0), -EBADMSG, "D: SPI size 4 for IKE, expected 0");
	p.len = hs_test_hex("03 04 0003 01020304 05060708", body, sizeof(body));
	expect_bad(b, raw_msg(b, &p, 1, 0), -EBADMSG,
		"offset 36: D: 3 SPIs of 4 bytes, but 8 bytes follow");
	p.type = HS_IKE_PL_IDI;
	p.len = hs_test_hex("01 000000 0a000001 02", body, sizeof(body));
	expect_bad(b, raw_msg(b, &p, 1, 0), -EBADMSG, "IDi: ID_IPV4_ADDR of 5 bytes, expected 4");
	p.type = HS_IKE_PL_IDR;
	p.len = hs_test_hex("05 000000 0a000001", body, sizeof(body));
	expect_bad(b, raw_msg(b, &p, 1, 0), -EBADMSG, "IDr: ID_IPV6_ADDR of 4 bytes, expected 16");
	p.type = HS_IKE_PL_EAP;
	p.len = hs_test_hex("01 05 0009 01", body, sizeof(body));
	expect_bad(b, raw_msg(b, &p, 1, 0), -EBADMSG,
		"EAP: EAP Length 9, but the payload holds 5 bytes");
	p.type = HS_IKE_PL_CP;
	p.len = hs_test_hex("01 000000 0001 0008 0a000001", body, sizeof(body));
	expect_bad(b, raw_msg(b, &p, 1, 0), -EBADMSG,
		"offset 38: CP: attribute 1: length 8, only 4 bytes left");
	p.len = hs_test_hex("01 000000 0001 0000 000300", body, sizeof(body));
	expect_bad(b, raw_msg(b, &p, 1, 0), -EBADMSG,
		"offset 40: CP: 3 bytes left, an attribute takes at least 4");
	p.type = HS_IKE_PL_KE;
	p.len = 4;
	expect_bad(b, raw_msg(b, &p, 1, 0), -EBADMSG, "KE: payload length 8, expected at least 9");
}

static void
test_bad_encrypted(void)
{
	uint8_t b[BUF_MAX], body[64];
	struct rawpl p[2] = { { HS_IKE_PL_SK, 0, blob, 40 }, { HS_IKE_PL_VENDOR, 0, blob, 4 } };
	struct hs_ike_err err;
	size_t len;

	/* raw_msg chains SK's Next Payload to V, but SK must end the message anyway. */
	expect_bad(b, raw_msg(b, p, 2, 0), -EBADMSG,
		"offset 28: SK: must be the last payload (RFC 7296 §3.14), 8 bytes follow");
	p[0].type = HS_IKE_PL_SKF;
	expect_bad(b, raw_msg(b, p, 2, 0), -EBADMSG, "SKF: must be the last payload");
	p[0] = (struct rawpl){ HS_IKE_PL_SK, 0, NULL, 0 };
	expect_bad(b, raw_msg(b, p, 1, 0), -EBADMSG, "SK: payload length 4, expected at least 5");
	/* An inner chain may not hold another encrypted payload. */
	p[0] = (struct rawpl){ HS_IKE_PL_SK, 0, blob, 40 };
	len = raw_msg(b, p, 1, 0);
	CU_ASSERT_EQUAL_FATAL(parse(&msg, b, len, &err), 0);
	len = hs_test_hex("2e 00 0004  00 00 0008 00000000", body, sizeof(body));
	CU_ASSERT_EQUAL(hs_ike_msg_parse_inner(&msg, HS_IKE_PL_VENDOR, body, len, &err), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.text, "inner offset 4: SK: encrypted payload inside SK"));
	CU_ASSERT_EQUAL(msg.n_pl, 1);
}

/* --- limits: a clear -E2BIG, never a crash or a silent cut --- */

static void
test_limit_payloads(void)
{
	static struct rawpl p[HS_IKE_MAX_PAYLOADS + 1];
	static uint8_t b[BUF_MAX];
	struct hs_ike_err err;

	for (unsigned int i = 0; i < HS_IKE_MAX_PAYLOADS + 1; i++)
		p[i] = (struct rawpl){ HS_IKE_PL_VENDOR, 0, blob, 1 };
	CU_ASSERT_EQUAL(parse(&msg, b, raw_msg(b, p, HS_IKE_MAX_PAYLOADS, 0), &err), 0);
	CU_ASSERT_EQUAL(msg.n_pl, HS_IKE_MAX_PAYLOADS);
	expect_bad(b, raw_msg(b, p, HS_IKE_MAX_PAYLOADS + 1, 0), -E2BIG,
		"offset 348: V: more than 64 payloads");
	CU_ASSERT_EQUAL(hs_ike_msg_parse(&msg, b, raw_msg(b, p, HS_IKE_MAX_PAYLOADS + 1, 0), &err),
		-E2BIG);
	CU_ASSERT_EQUAL(err.notify, HS_IKE_N_INVALID_SYNTAX);
	/* Outer and inner together. */
	CU_ASSERT_EQUAL(parse(&msg, b, raw_msg(b, (struct rawpl[]){ { HS_IKE_PL_SK, 0, blob, 9 } },
				1, 0), &err), 0);
	raw_msg(b, p, HS_IKE_MAX_PAYLOADS, 0);
	CU_ASSERT_EQUAL(hs_ike_msg_parse_inner(&msg, HS_IKE_PL_VENDOR, b + 28, 64 * 5, &err),
		-E2BIG);
	CU_ASSERT_EQUAL(msg.n_pl, 1);
}

/* n proposals of 8 bytes (no transforms), numbered 1..n. */
static size_t
many_props(uint8_t *body, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		hs_test_hex("02 00 0008 00 01 00 00", body + 8 * i, 8);
	for (unsigned int i = 0; i < n; i++)
		body[8 * i + 4] = (uint8_t)(i + 1);
	body[8 * (n - 1)] = 0;
	return 8 * n;
}

static void
test_limit_sa(void)
{
	static uint8_t b[BUF_MAX], body[4096];
	struct rawpl p = { HS_IKE_PL_SA, 0, body, 0 };
	struct hs_ike_err err;
	size_t n;

	p.len = many_props(body, HS_IKE_MAX_PROPOSALS);
	CU_ASSERT_EQUAL(parse(&msg, b, raw_msg(b, &p, 1, 0), &err), 0);
	p.len = many_props(body, HS_IKE_MAX_PROPOSALS + 1);
	expect_bad(b, raw_msg(b, &p, 1, 0), -E2BIG, "offset 288: SA: more than 32 proposals");
	/* 255 + 2 transforms. */
	n = hs_test_hex("02 00 0800 01 01 00 ff", body, 8);
	for (unsigned int i = 0; i < 255; i++)
		n += hs_test_hex("03 00 0008 01 00 000c", body + n, 8);
	body[n - 8] = 0;
	n += hs_test_hex("00 00 0018 02 01 00 02  03 00 0008 01 00 000c  00 00 0008 01 00 000c",
		body + n, 24);
	p.len = n;
	expect_bad(b, raw_msg(b, &p, 1, 0), -E2BIG, "more than 256 transforms in the message");
}

static void
test_limit_lists(void)
{
	static uint8_t b[BUF_MAX], body[4096];
	struct rawpl p = { HS_IKE_PL_TSI, 0, body, 4 + 16 * 33 };
	size_t n;

	body[0] = 33;
	for (unsigned int i = 0; i < 33; i++)
		hs_test_hex("07 00 0010 0000 ffff 0a000000 0a0000ff", body + 4 + 16 * i, 16);
	expect_bad(b, raw_msg(b, &p, 1, 0), -E2BIG,
		"offset 32: TSi: more than 32 traffic selectors");
	body[0] = 32;
	p.len = 4 + 16 * 32;
	CU_ASSERT_EQUAL(hs_ike_msg_parse(&msg, b, raw_msg(b, &p, 1, 0), NULL), 0);
	p.type = HS_IKE_PL_CP;
	n = 4;
	for (unsigned int i = 0; i < 33; i++)
		n += hs_test_hex("0001 0000", body + n, 4);
	p.len = n;
	expect_bad(b, raw_msg(b, &p, 1, 0), -E2BIG,
		"offset 164: CP: more than 32 configuration attributes");
	p.type = HS_IKE_PL_DELETE;
	hs_test_hex("03 04 0101", body, 4);
	p.len = 4 + 4 * 257;
	expect_bad(b, raw_msg(b, &p, 1, 0), -E2BIG, "offset 34: D: 257 SPIs, at most 256");
}

static void
test_builder_limits(void)
{
	static uint8_t big[100000];
	struct hs_ike_prop_desc d[HS_IKE_MAX_PROPOSALS + 1];
	uint8_t out[64];
	size_t len;

	memset(d, 0, sizeof(d));
	hs_ike_msg_init(&msg, NULL);
	CU_ASSERT_EQUAL(msg.hdr.version, HS_IKE_VERSION);
	CU_ASSERT_EQUAL(hs_ike_msg_add_sa(&msg, d, HS_IKE_MAX_PROPOSALS + 1), -ENOSPC);
	CU_ASSERT_EQUAL(hs_ike_msg_add_sa(&msg, d, 0), -EINVAL);
	d[0].spi_size = 9;
	CU_ASSERT_EQUAL(hs_ike_msg_add_sa(&msg, d, 1), -EINVAL);
	CU_ASSERT_EQUAL(hs_ike_msg_add_nonce(&msg, blob, 15), -EINVAL);
	CU_ASSERT_EQUAL(hs_ike_msg_add_nonce(&msg, blob, 257), -EINVAL);
	CU_ASSERT_EQUAL(hs_ike_msg_add_notify(&msg, 3, blob, 9, 1, NULL, 0), -EINVAL);
	CU_ASSERT_EQUAL(hs_ike_msg_add_delete(&msg, 3, 4, blob, 257), -EINVAL);
	CU_ASSERT_EQUAL(hs_ike_msg_add_ts(&msg, HS_IKE_PL_TSI, NULL, 0), -EINVAL);
	CU_ASSERT_EQUAL(hs_ike_msg_add_ts(&msg, HS_IKE_PL_TSI, msg.ts, HS_IKE_MAX_TS + 1), -ENOSPC);
	CU_ASSERT_EQUAL(hs_ike_msg_add_id(&msg, HS_IKE_PL_AUTH, 1, blob, 1), -EINVAL);
	CU_ASSERT_EQUAL(hs_ike_msg_add_cp(&msg, 1, msg.cp_attrs, HS_IKE_MAX_CP_ATTRS + 1), -ENOSPC);
	CU_ASSERT_EQUAL(msg.n_pl, 0);
	CU_ASSERT_EQUAL(hs_ike_msg_encode_inner(&msg, out, sizeof(out), &len), -EINVAL);
	/* An SA payload with no proposal cannot be encoded. */
	CU_ASSERT_PTR_NOT_NULL(hs_ike_msg_add(&msg, HS_IKE_PL_SA));
	CU_ASSERT_EQUAL(hs_ike_msg_encode(&msg, out, sizeof(out), &len), -EINVAL);
	hs_ike_msg_init(&msg, NULL);
	for (unsigned int i = 0; i < HS_IKE_MAX_PAYLOADS; i++)
		CU_ASSERT_EQUAL(hs_ike_msg_add_nonce(&msg, blob, 16), 0);
	CU_ASSERT_EQUAL(hs_ike_msg_add_nonce(&msg, blob, 16), -ENOSPC);
	CU_ASSERT_PTR_NULL(hs_ike_msg_add(&msg, HS_IKE_PL_VENDOR));
	CU_ASSERT_EQUAL(hs_ike_msg_encode(&msg, out, sizeof(out), &len), -ENOBUFS);
	/* Over 65535 bytes in all. */
	hs_ike_msg_init(&msg, NULL);
	CU_ASSERT_EQUAL(hs_ike_msg_add_sk(&msg, NULL, 40000), 0);
	CU_ASSERT_EQUAL(hs_ike_msg_add_sk(&msg, NULL, 40000), -EINVAL); /* one per message */
	CU_ASSERT_EQUAL(hs_ike_msg_encode(&msg, big, sizeof(big), &len), 0);
	msg.pl[0].u.sk.len = 65535 - 4;
	CU_ASSERT_EQUAL(hs_ike_msg_encode(&msg, big, sizeof(big), &len), -EMSGSIZE);
}

/* --- robustness: truncation everywhere, random bit flips; ASan sees any overread --- */

/* Parse from a heap copy of exactly len bytes, so a read past it is caught. */
static int
parse_exact(struct hs_ike_msg *m, const uint8_t *buf, size_t len, bool fix_len, bool inner)
{
	uint8_t *copy = malloc(len > 0 ? len : 1);
	struct hs_ike_err err;
	int rc;

	CU_ASSERT_FATAL(copy != NULL);
	memcpy(copy, buf, len);
	if (fix_len && len >= HS_IKE_HDR_LEN) {
		put16(copy + 24, 0);
		put16(copy + 26, (uint16_t)len);
	}
	if (inner) {
		m->n_pl = m->n_props = m->n_xf = m->n_ts = m->n_cp_attrs = 0;
		rc = hs_ike_msg_parse_inner(m, HS_IKE_PL_IDI, copy, len, &err);
	} else {
		rc = hs_ike_msg_parse(m, copy, len, &err);
	}
	free(copy);
	return rc;
}

static unsigned int
truncate_all(const uint8_t *b, size_t len, bool inner)
{
	unsigned int bad = 0;

	CU_ASSERT_EQUAL(parse_exact(&msg2, b, len, false, inner), 0);
	for (size_t n = 0; n < len; n++) {
		/* As cut, and with the header's Length made to agree so the payloads are read. */
		bad += parse_exact(&msg2, b, n, false, inner) == 0;
		bad += parse_exact(&msg2, b, n, true, inner) == 0;
	}
	return bad;
}

static void
test_truncation(void)
{
	uint8_t b[BUF_MAX], plain[BUF_MAX];
	size_t len = sa_init(b), plen;

	CU_ASSERT_EQUAL(truncate_all(b, len, false), 0);
	len = encode_all(b);
	CU_ASSERT_EQUAL(truncate_all(b, len, false), 0);
	build_auth(&msg, plain, &plen);
	CU_ASSERT_EQUAL(truncate_all(plain, plen, true), 0);
}

static uint32_t
lcg(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

/* What parses after a flip must encode, and what it encodes to must parse. */
static unsigned int
flip_run(const uint8_t *orig, size_t len, unsigned int rounds, uint32_t seed)
{
	static uint8_t out[BUF_MAX];
	unsigned int ok = 0;
	uint8_t *b = malloc(len);

	CU_ASSERT_FATAL(b != NULL);
	for (unsigned int i = 0; i < rounds; i++) {
		unsigned int flips = 1 + lcg(&seed) % 4;
		size_t olen;

		memcpy(b, orig, len);
		for (unsigned int f = 0; f < flips; f++) {
			uint32_t bit = lcg(&seed) % (uint32_t)(len * 8);

			b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		}
		if (hs_ike_msg_parse(&msg2, b, len, NULL) != 0)
			continue;
		ok++;
		CU_ASSERT_EQUAL(hs_ike_msg_encode(&msg2, out, sizeof(out), &olen), 0);
		CU_ASSERT_EQUAL(hs_ike_msg_parse(&msg, out, olen, NULL), 0);
	}
	free(b);
	return ok;
}

static void
test_bit_flips(void)
{
	uint8_t b[BUF_MAX];
	size_t len = sa_init(b);
	unsigned int ok;

	ok = flip_run(b, len, 3000, 1);
	printf("(%u/3000 still valid) ", ok);
	len = encode_all(b);
	ok = flip_run(b, len, 3000, 2);
	printf("(%u/3000 still valid) ", ok);
}


int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("ike_msg", NULL, NULL);
	CU_add_test(s, "reader bounds, overflow, sticky error, split", test_reader);
	CU_add_test(s, "writer capacity, reserve and patch", test_writer);
	CU_add_test(s, "writer 16-bit length overflow", test_writer_len16);
	CU_add_test(s, "IKE_SA_INIT by hand: decode, re-encode", test_sa_init_decode);
	CU_add_test(s, "IKE_SA_INIT from the builders", test_sa_init_build);
	CU_add_test(s, "encode into short buffers", test_encode_short_buffer);
	CU_add_test(s, "every payload type: build, encode, decode, re-encode", test_roundtrip_all);
	CU_add_test(s, "SK: outer parse, inner parse, both re-encode", test_sk_inner);
	CU_add_test(s, "SKF round trip and fragment numbers", test_skf);
	CU_add_test(s, "header: short, length, version", test_bad_header);
	CU_add_test(s, "chain: lengths, past the end, trailing bytes", test_bad_chain);
	CU_add_test(s, "unknown payloads: skipped, critical refused", test_unknown_payloads);
	CU_add_test(s, "proposals: lengths, flags, numbering", test_bad_proposals);
	CU_add_test(s, "transforms: lengths, flags, attributes", test_bad_transforms);
	CU_add_test(s, "SA bodies by hand", test_bad_sa_bodies);
	CU_add_test(s, "traffic selectors malformed", test_bad_ts);
	CU_add_test(s, "traffic selectors: inverted ranges flagged", test_ts_semantics);
	CU_add_test(s, "flat payloads malformed", test_bad_flat);
	CU_add_test(s, "SK/SKF placement, nested SK", test_bad_encrypted);
	CU_add_test(s, "limit: payloads", test_limit_payloads);
	CU_add_test(s, "limit: proposals, transforms", test_limit_sa);
	CU_add_test(s, "limit: selectors, CP attributes, SPIs", test_limit_lists);
	CU_add_test(s, "builders refuse what cannot be encoded", test_builder_limits);
	CU_add_test(s, "truncation at every offset", test_truncation);
	CU_add_test(s, "random bit flips", test_bit_flips);
	return hs_test_run();
}
