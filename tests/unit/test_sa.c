/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SA installation (lib/sa.h): every transform created and destroyed, bad
 * parameters refused with a reason, name tables, the state machine and the
 * per-packet overhead.
 */
#include <errno.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "esp.h"
#include "esp_test_pkt.h"
#include "sa.h"
#include "unit_common.h"

static struct hs_esp_ctx ctx;

static int
suite_init(void)
{
	return hs_esp_ctx_init(&ctx) == 0 ? 0 : -1;
}

static int
suite_fini(void)
{
	hs_esp_ctx_fini(&ctx);
	return 0;
}

static bool
all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

/* Every valid transform, both directions, IPv4 and IPv6 outer, NAT-T or not. */
static void
test_create_all(void)
{
	for (size_t i = 0; i < HS_ARRAY_SIZE(tp_xforms); i++) {
		const struct tp_xform *x = &tp_xforms[i];

		for (int d = 0; d < HS_SA_DIR_MAX; d++) {
			for (int v6 = 0; v6 < 2; v6++) {
				for (int natt = 0; natt < 2; natt++) {
					struct hs_sa_params p;
					struct hs_sa *sa;
					const char *why = NULL;
					int err = 1;
					bool gcm = hs_cipher_is_aead(x->cipher);

					tp_params(&p, (enum hs_sa_dir)d, x, 0x1000 + (uint32_t)i,
						v6, (uint32_t)i);
					p.natt = natt;
					p.esn = (i & 1) != 0;
					sa = hs_sa_create(&p, ctx.mgr, &err, &why);
					CU_ASSERT_PTR_NOT_NULL_FATAL(sa);
					CU_ASSERT_EQUAL(err, 0);
					CU_ASSERT_EQUAL(((uintptr_t)sa) % HS_CACHE_LINE, 0);
					CU_ASSERT_EQUAL(sa->rt.spi, 0x1000 + i);
					CU_ASSERT_EQUAL(sa->rt.spi_be, htonl(0x1000 + (uint32_t)i));
					CU_ASSERT_EQUAL(sa->rt.state, HS_SA_ACTIVE);
					CU_ASSERT_EQUAL(sa->rt.dir, d);
					CU_ASSERT_EQUAL(sa->rt.iv_len, gcm ? 8 : 16);
					CU_ASSERT_EQUAL(sa->rt.icv_len,
						gcm ? 16 : hs_integ_icv_len(x->integ));
					CU_ASSERT_EQUAL(sa->rt.pad_align, gcm ? 4 : 16);
					CU_ASSERT_EQUAL(
						sa->rt.outer_len, (v6 ? 40 : 20) + (natt ? 8 : 0));
					CU_ASSERT_EQUAL(sa->rt.esp_hdr_len,
						sa->rt.outer_len + 8 + sa->rt.iv_len);
					CU_ASSERT_EQUAL(sa->rt.esn, p.esn);
					CU_ASSERT_EQUAL(sa->rt.natt, natt);
					CU_ASSERT_EQUAL(sa->rt.outer_v6, v6);
					CU_ASSERT_PTR_NOT_NULL(sa->rt.fill_job);
					CU_ASSERT_EQUAL(sa->seq, 0);
					CU_ASSERT_EQUAL(sa->replay.top, 0);
					CU_ASSERT_EQUAL(hs_replay_window(&sa->replay), 64);
					CU_ASSERT_EQUAL(sa->replay.esn, p.esn);
					CU_ASSERT_EQUAL(sa->stats.packets, 0);
					/* The stored copy has no key material left. */
					CU_ASSERT_TRUE(
						all_zero(sa->cfg.enc_key, sizeof(sa->cfg.enc_key)));
					CU_ASSERT_TRUE(all_zero(
						sa->cfg.auth_key, sizeof(sa->cfg.auth_key)));
					CU_ASSERT_EQUAL(sa->cfg.spi, p.spi);
					CU_ASSERT_EQUAL(sa->cfg.cipher, x->cipher);
					CU_ASSERT_EQUAL(sa->cfg.integ, x->integ);
					/* The caller's params are untouched (const). */
					CU_ASSERT_FALSE(all_zero(p.enc_key, p.enc_key_len));
					if (gcm) /* salt = last 4 bytes of KEYMAT, RFC 4106 §8.1 */
						CU_ASSERT_EQUAL(
							memcmp(&sa->rt.salt,
								p.enc_key + p.enc_key_len - 4, 4),
							0);
					hs_sa_destroy(sa);
				}
			}
		}
	}
	hs_sa_destroy(NULL);
}

/* Outer header template: addresses, protocol, NAT-T ports (4500 by default), TTL. */
static void
test_template(void)
{
	struct hs_sa_params p;
	struct hs_sa *sa;
	const uint8_t *t;

	tp_params(&p, HS_SA_OUT, &tp_xforms[0], 0x4242, false, 1);
	p.natt = true;
	sa = tp_sa(&p, &ctx);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sa);
	t = sa->rt.outer_tmpl;
	CU_ASSERT_EQUAL(t[0], 0x45);
	CU_ASSERT_EQUAL(t[8], 64); /* TTL 64 when 0 */
	CU_ASSERT_EQUAL(t[9], 17);
	CU_ASSERT_EQUAL(memcmp(t + 12, p.tun_src.v4, 4), 0);
	CU_ASSERT_EQUAL(memcmp(t + 16, p.tun_dst.v4, 4), 0);
	CU_ASSERT_EQUAL(tp_be16(t + 20), 4500);
	CU_ASSERT_EQUAL(tp_be16(t + 22), 4500);
	hs_sa_destroy(sa);

	tp_params(&p, HS_SA_OUT, &tp_xforms[2], 0x4243, true, 1);
	p.natt = true;
	p.natt_sport = 1111;
	p.natt_dport = 2222;
	p.ttl = 7;
	sa = tp_sa(&p, &ctx);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sa);
	t = sa->rt.outer_tmpl;
	CU_ASSERT_EQUAL(t[0] >> 4, 6);
	CU_ASSERT_EQUAL(t[6], 17);
	CU_ASSERT_EQUAL(t[7], 7);
	CU_ASSERT_EQUAL(memcmp(t + 8, p.tun_src.v6, 16), 0);
	CU_ASSERT_EQUAL(memcmp(t + 24, p.tun_dst.v6, 16), 0);
	CU_ASSERT_EQUAL(tp_be16(t + 40), 1111);
	CU_ASSERT_EQUAL(tp_be16(t + 42), 2222);
	hs_sa_destroy(sa);

	tp_params(&p, HS_SA_OUT, &tp_xforms[3], 0x4244, false, 1);
	p.ttl = 255;
	sa = tp_sa(&p, &ctx);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sa);
	CU_ASSERT_EQUAL(sa->rt.outer_tmpl[8], 255);
	CU_ASSERT_EQUAL(sa->rt.outer_tmpl[9], 50);
	hs_sa_destroy(sa);
}

/* A parameter change that must be refused, with a reason. */
struct bad_case {
	const char *name;
	size_t xform; /* index into tp_xforms */
	void (*mutate)(struct hs_sa_params *p);
};

static void
m_spi0(struct hs_sa_params *p)
{
	p->spi = 0;
}

static void
m_spi1(struct hs_sa_params *p)
{
	p->spi = 1;
}

static void
m_spi255(struct hs_sa_params *p)
{
	p->spi = 255; /* RFC 4303 §2.1: 1..255 reserved by IANA */
}

static void
m_dir(struct hs_sa_params *p)
{
	p->dir = HS_SA_DIR_MAX;
}

static void
m_cipher(struct hs_sa_params *p)
{
	p->cipher = HS_CIPHER_MAX;
}

static void
m_integ(struct hs_sa_params *p)
{
	p->integ = HS_INTEG_MAX;
}

static void
m_gcm_with_hmac(struct hs_sa_params *p)
{
	p->integ = HS_INTEG_HMAC_SHA256_128;
	p->auth_key_len = 32;
}

static void
m_gcm_no_salt(struct hs_sa_params *p)
{
	p->enc_key_len = 16; /* GCM-128 needs key || 4-byte salt = 20 */
}

static void
m_gcm_key24(struct hs_sa_params *p)
{
	p->enc_key_len = 28; /* AES-192 + salt: not offered */
}

static void
m_cbc_with_salt(struct hs_sa_params *p)
{
	p->enc_key_len = 20; /* CBC-128 takes no salt */
}

static void
m_cbc_key24(struct hs_sa_params *p)
{
	p->enc_key_len = 24;
}

static void
m_cbc256_key16(struct hs_sa_params *p)
{
	p->enc_key_len = 16;
}

static void
m_enc_key_zero(struct hs_sa_params *p)
{
	p->enc_key_len = 0;
}

static void
m_enc_key_huge(struct hs_sa_params *p)
{
	p->enc_key_len = 255;
}

static void
m_auth_none(struct hs_sa_params *p)
{
	p->auth_key_len = 0;
}

static void
m_auth_short(struct hs_sa_params *p)
{
	p->auth_key_len = 16; /* RFC 4868 §2.1.1: HMAC-SHA-256 key is 32 bytes */
}

static void
m_auth_long(struct hs_sa_params *p)
{
	p->auth_key_len = 65;
}

static void
m_auth_sha1_32(struct hs_sa_params *p)
{
	p->auth_key_len = 32; /* RFC 2404 §3: 160-bit key */
}

static void
m_none_with_key(struct hs_sa_params *p)
{
	p->auth_key_len = 20; /* key with no integrity algorithm */
}

static void
m_window_1(struct hs_sa_params *p)
{
	p->replay_window = 1;
}

static void
m_window_63(struct hs_sa_params *p)
{
	p->replay_window = 63;
}

static void
m_window_4097(struct hs_sa_params *p)
{
	p->replay_window = 4097;
}

static void
m_window_huge(struct hs_sa_params *p)
{
	p->replay_window = UINT32_MAX;
}

static void
m_no_family(struct hs_sa_params *p)
{
	memset(&p->tun_src, 0, sizeof(p->tun_src));
	memset(&p->tun_dst, 0, sizeof(p->tun_dst));
}

static void
m_mixed_family(struct hs_sa_params *p)
{
	tp_addr(&p->tun_dst, true, 2);
}

static void
m_df(struct hs_sa_params *p)
{
	p->df = HS_DF_MAX;
}

static void
m_dscp(struct hs_sa_params *p)
{
	p->dscp_copy = false;
	p->dscp = 64;
}

static void
m_soft_above_hard_pk(struct hs_sa_params *p)
{
	p->lifetime.soft_packets = 100;
	p->lifetime.hard_packets = 99;
}

static void
m_soft_above_hard_by(struct hs_sa_params *p)
{
	p->lifetime.soft_bytes = 1000001;
	p->lifetime.hard_bytes = 1000000;
}

static const struct bad_case bad_cases[] = {
	{"SPI 0", 0, m_spi0},
	{"SPI 1", 2, m_spi1},
	{"SPI 255", 2, m_spi255},
	{"direction", 0, m_dir},
	{"cipher", 0, m_cipher},
	{"integrity", 2, m_integ},
	{"GCM with HMAC", 0, m_gcm_with_hmac},
	{"GCM-256 with HMAC", 1, m_gcm_with_hmac},
	{"GCM key without salt", 0, m_gcm_no_salt},
	{"GCM 192-bit key", 0, m_gcm_key24},
	{"CBC key with salt", 2, m_cbc_with_salt},
	{"CBC 192-bit key", 2, m_cbc_key24},
	{"CBC-256 with 128-bit key", 6, m_cbc256_key16},
	{"no cipher key", 2, m_enc_key_zero},
	{"cipher key too long", 0, m_enc_key_huge},
	{"HMAC without key", 3, m_auth_none},
	{"HMAC-SHA-256 16-byte key", 3, m_auth_short},
	{"HMAC key too long", 5, m_auth_long},
	{"HMAC-SHA1 32-byte key", 2, m_auth_sha1_32},
	{"integrity none with key", 10, m_none_with_key},
	{"GCM with integrity key", 0, m_none_with_key},
	{"window 1", 0, m_window_1},
	{"window 63", 2, m_window_63},
	{"window 4097", 0, m_window_4097},
	{"window 2^32-1", 3, m_window_huge},
	{"no tunnel family", 0, m_no_family},
	{"IPv4 src, IPv6 dst", 2, m_mixed_family},
	{"DF policy", 0, m_df},
	{"DSCP 64", 2, m_dscp},
	{"soft packets > hard", 0, m_soft_above_hard_pk},
	{"soft bytes > hard", 2, m_soft_above_hard_by},
};

static void
test_bad_params(void)
{
	for (size_t i = 0; i < HS_ARRAY_SIZE(bad_cases); i++) {
		const struct bad_case *b = &bad_cases[i];
		struct hs_sa_params p;
		struct hs_sa *sa;
		const char *why = NULL;
		int err = 0;

		tp_params(&p, HS_SA_IN, &tp_xforms[b->xform], 0x5000, false, 9);
		/* The unmodified parameters are fine... */
		sa = hs_sa_create(&p, ctx.mgr, &err, &why);
		CU_ASSERT_PTR_NOT_NULL(sa);
		hs_sa_destroy(sa);
		/* ...and the one change makes them refused, with a reason. */
		b->mutate(&p);
		why = NULL;
		sa = hs_sa_create(&p, ctx.mgr, &err, &why);
		if (sa != NULL)
			fprintf(stderr, "accepted: %s\n", b->name);
		CU_ASSERT_PTR_NULL(sa);
		CU_ASSERT_EQUAL(err, -EINVAL);
		CU_ASSERT_PTR_NOT_NULL(why);
		if (why != NULL)
			CU_ASSERT(strlen(why) > 0);
		hs_sa_destroy(sa);
		/* why may be NULL. */
		err = 0;
		sa = hs_sa_create(&p, ctx.mgr, &err, NULL);
		CU_ASSERT_PTR_NULL(sa);
		CU_ASSERT_EQUAL(err, -EINVAL);
		hs_sa_destroy(sa);
	}
}

/* Edges that must be accepted. */
static void
test_good_edges(void)
{
	static const uint32_t windows[] = {0, 64, 65, 100, 1024, 4096};
	static const uint32_t spis[] = {256, 0x12345678, UINT32_MAX};
	struct hs_sa_params p;
	struct hs_sa *sa;

	for (size_t i = 0; i < HS_ARRAY_SIZE(windows); i++) {
		tp_params(&p, HS_SA_IN, &tp_xforms[0], 0x6000, false, 1);
		p.replay_window = windows[i];
		sa = tp_sa(&p, &ctx);
		CU_ASSERT_PTR_NOT_NULL_FATAL(sa);
		CU_ASSERT_EQUAL(hs_replay_window(&sa->replay), windows[i]);
		hs_sa_destroy(sa);
	}
	for (size_t i = 0; i < HS_ARRAY_SIZE(spis); i++) {
		tp_params(&p, HS_SA_OUT, &tp_xforms[4], spis[i], true, 1);
		sa = tp_sa(&p, &ctx);
		CU_ASSERT_PTR_NOT_NULL_FATAL(sa);
		CU_ASSERT_EQUAL(sa->rt.spi, spis[i]);
		CU_ASSERT_EQUAL(sa->rt.spi_be, htonl(spis[i]));
		hs_sa_destroy(sa);
	}
	/* DSCP 63 set, DF set/clear, soft == hard, lifetimes only hard. */
	tp_params(&p, HS_SA_OUT, &tp_xforms[1], 0x6001, false, 1);
	p.dscp_copy = false;
	p.dscp = 63;
	p.df = HS_DF_SET;
	p.lifetime.soft_packets = p.lifetime.hard_packets = 10;
	p.lifetime.hard_bytes = 5;
	sa = tp_sa(&p, &ctx);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sa);
	CU_ASSERT_EQUAL(sa->rt.tos, 63 << 2);
	CU_ASSERT_EQUAL(sa->rt.df, HS_DF_SET);
	CU_ASSERT_FALSE(sa->rt.dscp_copy);
	CU_ASSERT_EQUAL(sa->rt.limit.hard_bytes, 5);
	hs_sa_destroy(sa);
}

/* Name tables: every value has a name, every name maps back. */
static void
test_names(void)
{
	static const char *const ciphers[] = {
		"aes-gcm-128", "aes-gcm-256", "aes-cbc-128", "aes-cbc-256"};
	static const char *const integs[] = {
		"none", "hmac-sha1-96", "hmac-sha256-128", "hmac-sha384-192", "hmac-sha512-256"};
	static const char *const states[] = {"ACTIVE", "SOFT-EXPIRED", "EXPIRED", "DEAD"};
	static const char *const events[] = {"soft-limit", "hard-limit", "seq-near-wrap", "deleted"};
	static const char *const dfs[] = {"copy", "set", "clear"};

	CU_ASSERT_EQUAL(HS_ARRAY_SIZE(ciphers), HS_CIPHER_MAX);
	CU_ASSERT_EQUAL(HS_ARRAY_SIZE(integs), HS_INTEG_MAX);
	for (int i = 0; i < HS_CIPHER_MAX; i++) {
		CU_ASSERT_STRING_EQUAL(hs_cipher_name((enum hs_cipher)i), ciphers[i]);
		CU_ASSERT_EQUAL(hs_cipher_from_name(ciphers[i]), i);
		CU_ASSERT_EQUAL(hs_cipher_from_name(hs_cipher_name((enum hs_cipher)i)), i);
	}
	for (int i = 0; i < HS_INTEG_MAX; i++) {
		CU_ASSERT_STRING_EQUAL(hs_integ_name((enum hs_integ)i), integs[i]);
		CU_ASSERT_EQUAL(hs_integ_from_name(integs[i]), i);
	}
	for (int i = 0; i < HS_SA_STATE_MAX; i++)
		CU_ASSERT_STRING_EQUAL(hs_sa_state_name((enum hs_sa_state)i), states[i]);
	for (int i = 0; i < HS_SA_EV_MAX; i++)
		CU_ASSERT_STRING_EQUAL(hs_sa_event_name((enum hs_sa_event_kind)i), events[i]);
	for (int i = 0; i < HS_DF_MAX; i++)
		CU_ASSERT_STRING_EQUAL(hs_df_policy_name((enum hs_df_policy)i), dfs[i]);

	/* Out of range: a name, never NULL or a crash. */
	CU_ASSERT_STRING_EQUAL(hs_cipher_name(HS_CIPHER_MAX), "unknown");
	CU_ASSERT_STRING_EQUAL(hs_cipher_name((enum hs_cipher) - 1), "unknown");
	CU_ASSERT_STRING_EQUAL(hs_integ_name(HS_INTEG_MAX), "unknown");
	CU_ASSERT_STRING_EQUAL(hs_sa_state_name(HS_SA_STATE_MAX), "unknown");
	CU_ASSERT_STRING_EQUAL(hs_sa_event_name(HS_SA_EV_MAX), "unknown");
	CU_ASSERT_STRING_EQUAL(hs_df_policy_name(HS_DF_MAX), "unknown");
	CU_ASSERT_STRING_EQUAL(hs_drop_name(HS_DROP_MAX), "unknown");
	CU_ASSERT_STRING_EQUAL(hs_drop_name(HS_DROP_AUTH), "auth-failed");
	CU_ASSERT_STRING_EQUAL(hs_drop_name(HS_DROP_TOO_SHORT), "too-short");
	CU_ASSERT_STRING_EQUAL(hs_drop_name(HS_DROP_ECN), "ecn");
	for (int i = 0; i < HS_DROP_MAX; i++) {
		CU_ASSERT_PTR_NOT_NULL(hs_drop_name((enum hs_drop_reason)i));
		CU_ASSERT_STRING_NOT_EQUAL(hs_drop_name((enum hs_drop_reason)i), "unknown");
	}

	/* Unknown names and NULL: -1. */
	CU_ASSERT_EQUAL(hs_cipher_from_name("aes-gcm-192"), -1);
	CU_ASSERT_EQUAL(hs_cipher_from_name(""), -1);
	CU_ASSERT_EQUAL(hs_cipher_from_name("aes-gcm-128 "), -1);
	CU_ASSERT_EQUAL(hs_cipher_from_name("aes-gcm"), -1);
	CU_ASSERT_EQUAL(hs_cipher_from_name(NULL), -1);
	CU_ASSERT_EQUAL(hs_integ_from_name("hmac-md5-96"), -1);
	CU_ASSERT_EQUAL(hs_integ_from_name("hmac-sha1"), -1);
	CU_ASSERT_EQUAL(hs_integ_from_name(NULL), -1);
}

/* Transform sizes (RFC 4106, RFC 3602, RFC 2404, RFC 4868). */
static void
test_lengths(void)
{
	CU_ASSERT_EQUAL(hs_cipher_key_len(HS_CIPHER_AES_GCM_128), 16);
	CU_ASSERT_EQUAL(hs_cipher_key_len(HS_CIPHER_AES_GCM_256), 32);
	CU_ASSERT_EQUAL(hs_cipher_key_len(HS_CIPHER_AES_CBC_128), 16);
	CU_ASSERT_EQUAL(hs_cipher_key_len(HS_CIPHER_AES_CBC_256), 32);
	CU_ASSERT_EQUAL(hs_cipher_salt_len(HS_CIPHER_AES_GCM_128), 4);
	CU_ASSERT_EQUAL(hs_cipher_salt_len(HS_CIPHER_AES_GCM_256), 4);
	CU_ASSERT_EQUAL(hs_cipher_salt_len(HS_CIPHER_AES_CBC_128), 0);
	CU_ASSERT_EQUAL(hs_cipher_salt_len(HS_CIPHER_AES_CBC_256), 0);
	CU_ASSERT_EQUAL(hs_cipher_iv_len(HS_CIPHER_AES_GCM_128), 8);
	CU_ASSERT_EQUAL(hs_cipher_iv_len(HS_CIPHER_AES_GCM_256), 8);
	CU_ASSERT_EQUAL(hs_cipher_iv_len(HS_CIPHER_AES_CBC_128), 16);
	CU_ASSERT_EQUAL(hs_cipher_iv_len(HS_CIPHER_AES_CBC_256), 16);
	CU_ASSERT_TRUE(hs_cipher_is_aead(HS_CIPHER_AES_GCM_128));
	CU_ASSERT_TRUE(hs_cipher_is_aead(HS_CIPHER_AES_GCM_256));
	CU_ASSERT_FALSE(hs_cipher_is_aead(HS_CIPHER_AES_CBC_128));
	CU_ASSERT_FALSE(hs_cipher_is_aead(HS_CIPHER_AES_CBC_256));
	CU_ASSERT_EQUAL(hs_integ_key_len(HS_INTEG_NONE), 0);
	CU_ASSERT_EQUAL(hs_integ_key_len(HS_INTEG_HMAC_SHA1_96), 20);
	CU_ASSERT_EQUAL(hs_integ_key_len(HS_INTEG_HMAC_SHA256_128), 32);
	CU_ASSERT_EQUAL(hs_integ_key_len(HS_INTEG_HMAC_SHA384_192), 48);
	CU_ASSERT_EQUAL(hs_integ_key_len(HS_INTEG_HMAC_SHA512_256), 64);
	CU_ASSERT_EQUAL(hs_integ_icv_len(HS_INTEG_NONE), 0);
	CU_ASSERT_EQUAL(hs_integ_icv_len(HS_INTEG_HMAC_SHA1_96), 12);
	CU_ASSERT_EQUAL(hs_integ_icv_len(HS_INTEG_HMAC_SHA256_128), 16);
	CU_ASSERT_EQUAL(hs_integ_icv_len(HS_INTEG_HMAC_SHA384_192), 24);
	CU_ASSERT_EQUAL(hs_integ_icv_len(HS_INTEG_HMAC_SHA512_256), 32);
	CU_ASSERT(HS_ENC_KEY_MAX >= 32 + 4);
	CU_ASSERT(HS_AUTH_KEY_MAX >= 64);
	CU_ASSERT(HS_ICV_MAX >= 32);
}

static struct hs_sa
*state_sa(void)
{
	struct hs_sa_params p;

	tp_params(&p, HS_SA_IN, &tp_xforms[0], 0x7000, false, 1);
	return tp_sa(&p, &ctx);
}

/* From each state, to each state: allowed or refused with the state kept. */
static void
test_states(void)
{
	/* ok[from][to] per sa.h: ACTIVE -> SOFT -> EXPIRED -> DEAD, skips allowed. */
	static const bool ok[HS_SA_STATE_MAX][HS_SA_STATE_MAX] = {
		[HS_SA_ACTIVE] = {false, true, true, true},
		[HS_SA_SOFT_EXPIRED] = {false, false, true, true},
		[HS_SA_EXPIRED] = {false, false, false, true},
		[HS_SA_DEAD] = {false, false, false, false},
	};
	/* How to reach each state from ACTIVE. */
	static const enum hs_sa_state path[HS_SA_STATE_MAX][3] = {
		[HS_SA_ACTIVE] = {HS_SA_STATE_MAX},
		[HS_SA_SOFT_EXPIRED] = {HS_SA_SOFT_EXPIRED, HS_SA_STATE_MAX},
		[HS_SA_EXPIRED] = {HS_SA_SOFT_EXPIRED, HS_SA_EXPIRED, HS_SA_STATE_MAX},
		[HS_SA_DEAD] = {HS_SA_EXPIRED, HS_SA_DEAD, HS_SA_STATE_MAX},
	};

	for (int from = 0; from < HS_SA_STATE_MAX; from++) {
		for (int to = 0; to < HS_SA_STATE_MAX; to++) {
			struct hs_sa *sa = state_sa();
			uint32_t changes;
			int rc;

			CU_ASSERT_PTR_NOT_NULL_FATAL(sa);
			CU_ASSERT_EQUAL(sa->state_changes, 0);
			for (int k = 0; path[from][k] != HS_SA_STATE_MAX && k < 3; k++)
				CU_ASSERT_EQUAL(hs_sa_set_state(sa, path[from][k]), 0);
			CU_ASSERT_EQUAL(sa->rt.state, from);
			changes = sa->state_changes;
			rc = hs_sa_set_state(sa, (enum hs_sa_state)to);
			if (ok[from][to]) {
				CU_ASSERT_EQUAL(rc, 0);
				CU_ASSERT_EQUAL(sa->rt.state, to);
				CU_ASSERT_EQUAL(sa->state_changes, changes + 1);
			} else {
				if (rc != -EINVAL)
					fprintf(stderr, "%s -> %s allowed\n",
						hs_sa_state_name((enum hs_sa_state)from),
						hs_sa_state_name((enum hs_sa_state)to));
				CU_ASSERT_EQUAL(rc, -EINVAL);
				CU_ASSERT_EQUAL(sa->rt.state, from);
				CU_ASSERT_EQUAL(sa->state_changes, changes);
			}
			/* Out of range is refused from anywhere. */
			CU_ASSERT_EQUAL(hs_sa_set_state(sa, HS_SA_STATE_MAX), -EINVAL);
			CU_ASSERT_EQUAL(hs_sa_set_state(sa, (enum hs_sa_state)200), -EINVAL);
			hs_sa_destroy(sa);
		}
	}
}

/* Overhead: outer + ESP header + IV + padding + 2 + ICV, for every size. */
static void
test_overhead(void)
{
	for (size_t i = 0; i < HS_ARRAY_SIZE(tp_xforms); i++) {
		const struct tp_xform *x = &tp_xforms[i];
		bool gcm = hs_cipher_is_aead(x->cipher);

		for (int v6 = 0; v6 < 2; v6++) {
			for (int natt = 0; natt < 2; natt++) {
				struct hs_sa_params p;
				struct hs_sa *sa;

				tp_params(&p, HS_SA_OUT, x, 0x8000, v6, 3);
				p.natt = natt;
				sa = tp_sa(&p, &ctx);
				CU_ASSERT_PTR_NOT_NULL_FATAL(sa);
				for (uint32_t len = 0; len <= 1500; len++) {
					uint32_t align = gcm ? 4 : 16;
					uint32_t pad = (align - (len + 2) % align) % align;
					uint32_t want = (v6 ? 40u : 20u) + (natt ? 8u : 0u) + 8 +
							(gcm ? 8u : 16u) + pad + 2 +
							(gcm ? 16u : hs_integ_icv_len(x->integ));

					if (hs_sa_overhead(sa, len) != want) {
						fprintf(stderr, "%s/%s len %u: %u want %u\n",
							hs_cipher_name(x->cipher),
							hs_integ_name(x->integ), len,
							hs_sa_overhead(sa, len), want);
						CU_FAIL("overhead");
						break;
					}
				}
				hs_sa_destroy(sa);
			}
		}
	}
}

/* Published examples of the overhead, worked out by hand. */
static void
test_overhead_examples(void)
{
	struct hs_sa_params p;
	struct hs_sa *sa;

	/* GCM-128, IPv4: 1400 + 2 = 1402, pad 2 -> 20 + 8 + 8 + 2 + 2 + 16 = 56. */
	tp_params(&p, HS_SA_OUT, &tp_xforms[0], 0x9000, false, 1);
	sa = tp_sa(&p, &ctx);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sa);
	CU_ASSERT_EQUAL(hs_sa_overhead(sa, 1400), 56);
	CU_ASSERT_EQUAL(hs_sa_overhead(sa, 1402), 54); /* 1404: no pad */
	hs_sa_destroy(sa);
	/* CBC-256/SHA-256, IPv6 NAT-T: 100 + 2 = 102, pad 10 -> 40+8+8+16+10+2+16 = 100. */
	tp_params(&p, HS_SA_OUT, &tp_xforms[7], 0x9001, true, 1);
	p.natt = true;
	sa = tp_sa(&p, &ctx);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sa);
	CU_ASSERT_EQUAL(hs_sa_overhead(sa, 100), 100);
	CU_ASSERT_EQUAL(hs_sa_overhead(sa, 110), 90); /* 112: no pad */
	hs_sa_destroy(sa);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("sa", suite_init, suite_fini);
	CU_add_test(s, "create/destroy every transform", test_create_all);
	CU_add_test(s, "outer header template", test_template);
	CU_add_test(s, "bad parameters refused with why", test_bad_params);
	CU_add_test(s, "edge parameters accepted", test_good_edges);
	CU_add_test(s, "name tables", test_names);
	CU_add_test(s, "transform lengths", test_lengths);
	CU_add_test(s, "state transitions", test_states);
	CU_add_test(s, "overhead, every size", test_overhead);
	CU_add_test(s, "overhead examples", test_overhead_examples);
	return hs_test_run();
}
