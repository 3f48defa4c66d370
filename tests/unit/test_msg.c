/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ring messages (lib/msg.h): the header check refuses every wrong version,
 * type and length; the name tables; static SAs of a config become the same
 * SA messages the control process sends (map, seq, ACL line, selectors, both
 * directions), and an incomplete one leaves nothing behind.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <CUnit/CUnit.h>

#include "config.h"
#include "msg.h"
#include "unit_common.h"

#define EX_DIR HS_SRC_DIR "/scripts/configs/"

static const struct {
	enum hs_msg_type type;
	uint32_t len;
} good[] = {
	{ HS_MSG_SA_ADD, sizeof(struct hs_msg_sa) },
	{ HS_MSG_SA_DEL, sizeof(struct hs_msg_sa) },
	{ HS_MSG_SA_REPLACE, sizeof(struct hs_msg_sa) },
	{ HS_MSG_SA_FLUSH, sizeof(struct hs_msg_sa) },
	{ HS_MSG_ACK, sizeof(struct hs_msg_ack) },
	{ HS_MSG_ACQUIRE, sizeof(struct hs_msg_acquire) },
	{ HS_MSG_EVENT, sizeof(struct hs_msg_event) },
};

static void
test_validate_good(void)
{
	CU_ASSERT_EQUAL(HS_ARRAY_SIZE(good), HS_MSG_TYPE_MAX);
	for (size_t i = 0; i < HS_ARRAY_SIZE(good); i++) {
		struct hs_msg_hdr h;
		const char *why = NULL;

		hs_msg_init(&h, good[i].type, good[i].len, 42 + i);
		CU_ASSERT_EQUAL(h.version, HS_MSG_VERSION);
		CU_ASSERT_EQUAL(h.id, 42 + i);
		CU_ASSERT_EQUAL(hs_msg_validate(&h, &why), 0);
		CU_ASSERT_PTR_NULL(why);
		/* Every message fits a pool object. */
		CU_ASSERT(good[i].len <= sizeof(union hs_msg_any));
	}
}

static void
test_validate_version(void)
{
	static const uint16_t bad[] = { 0, HS_MSG_VERSION + 1, 0xffff };

	for (size_t i = 0; i < HS_ARRAY_SIZE(bad); i++) {
		struct hs_msg_hdr h;
		const char *why = NULL;

		hs_msg_init(&h, HS_MSG_SA_ADD, sizeof(struct hs_msg_sa), 1);
		h.version = bad[i];
		CU_ASSERT_EQUAL(hs_msg_validate(&h, &why), -EPROTO);
		CU_ASSERT_PTR_NOT_NULL_FATAL(why);
		CU_ASSERT_PTR_NOT_NULL(strstr(why, "version"));
	}
}

static void
test_validate_type(void)
{
	static const uint16_t bad[] = { HS_MSG_TYPE_MAX, HS_MSG_TYPE_MAX + 1, 0x7fff, 0xffff };

	for (size_t i = 0; i < HS_ARRAY_SIZE(bad); i++) {
		struct hs_msg_hdr h;
		const char *why = NULL;

		hs_msg_init(&h, HS_MSG_SA_ADD, sizeof(struct hs_msg_sa), 1);
		h.type = bad[i];
		CU_ASSERT_EQUAL(hs_msg_validate(&h, &why), -EPROTO);
		CU_ASSERT_PTR_NOT_NULL_FATAL(why);
		CU_ASSERT_PTR_NOT_NULL(strstr(why, "type"));
	}
}

static void
test_validate_len(void)
{
	struct hs_msg_hdr h;
	const char *why = NULL;

	for (size_t i = 0; i < HS_ARRAY_SIZE(good); i++) {
		const uint32_t bad[] = { 0, good[i].len - 1, good[i].len + 1,
			(uint32_t)sizeof(union hs_msg_any) + 1, UINT32_MAX };

		for (size_t k = 0; k < HS_ARRAY_SIZE(bad); k++) {
			why = NULL;
			hs_msg_init(&h, good[i].type, bad[k], 1);
			CU_ASSERT_EQUAL(hs_msg_validate(&h, &why), -EPROTO);
			CU_ASSERT_PTR_NOT_NULL_FATAL(why);
			CU_ASSERT_PTR_NOT_NULL(strstr(why, "length"));
		}
	}
	/* A message of one type with the length of another is refused too. */
	hs_msg_init(&h, HS_MSG_ACK, sizeof(struct hs_msg_sa), 1);
	CU_ASSERT_EQUAL(hs_msg_validate(&h, &why), -EPROTO);
}

static void
test_names(void)
{
	CU_ASSERT_STRING_EQUAL(hs_msg_type_name(HS_MSG_SA_ADD), "sa-add");
	CU_ASSERT_STRING_EQUAL(hs_msg_type_name(HS_MSG_EVENT), "event");
	CU_ASSERT_STRING_EQUAL(hs_msg_type_name(HS_MSG_TYPE_MAX), "unknown");
	CU_ASSERT_STRING_EQUAL(hs_rings_counter_name(HS_RC_ACQUIRES), "acquires");
	CU_ASSERT_STRING_EQUAL(hs_rings_counter_name(HS_RC_MAX), "unknown");
	for (int c = 0; c < HS_RC_MAX; c++)
		CU_ASSERT_STRING_NOT_EQUAL(hs_rings_counter_name(c), "unknown");
	/* Our own ids never collide with a control process's (pid << 32 | n). */
	CU_ASSERT((((uint64_t)0x7fffffff << 32 | 0xffffffffu) & HS_MSG_ID_LOCAL) == 0);
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

static void
prefix_is(const struct hs_prefix *p, const char *want)
{
	char buf[HS_ADDR_STRLEN];

	CU_ASSERT_STRING_EQUAL(hs_prefix_format(p, buf, sizeof(buf)), want);
}

/* site1.yaml: two static SAs on ACL lines 1 and 2 of outside_map seq 1. */
static void
test_static_from_map(void)
{
	struct hs_config *cfg = hs_config_load(EX_DIR "site1.yaml", NULL);
	const char *why = NULL;
	struct hs_msg_sa m;

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_EQUAL_FATAL(cfg->n_static_sas, 2);
	CU_ASSERT_EQUAL(hs_msg_sa_from_static(cfg, &cfg->static_sas[1], HS_MSG_SA_ADD,
				HS_MSG_ID_LOCAL | 1, &m),
		0);
	CU_ASSERT_EQUAL(hs_msg_validate(&m.hdr, &why), 0);
	CU_ASSERT_EQUAL(m.hdr.type, HS_MSG_SA_ADD);
	CU_ASSERT_EQUAL(m.hdr.id, HS_MSG_ID_LOCAL | 1);
	CU_ASSERT_STRING_EQUAL(m.map, "outside_map");
	CU_ASSERT_EQUAL(m.seq, 1);
	CU_ASSERT_EQUAL(m.acl_line, 2);
	CU_ASSERT_EQUAL(m.n_ts, 1);
	prefix_is(&m.ts[0].local, "192.168.200.0/24");
	prefix_is(&m.ts[0].remote, "172.16.10.0/24");
	CU_ASSERT_EQUAL(m.ts[0].proto, 0);
	CU_ASSERT(m.ts[0].lport_lo == 0 && m.ts[0].lport_hi == 65535);
	CU_ASSERT(m.has_in && m.has_out);
	CU_ASSERT_EQUAL(m.in.spi, 0x2002);
	CU_ASSERT_EQUAL(m.out.spi, 0x1002);
	CU_ASSERT_EQUAL(m.in.dir, HS_SA_IN);
	CU_ASSERT_EQUAL(m.out.dir, HS_SA_OUT);
	CU_ASSERT_EQUAL(m.out.cipher, HS_CIPHER_AES_CBC_256);
	CU_ASSERT_EQUAL(m.out.integ, HS_INTEG_HMAC_SHA256_128);
	CU_ASSERT_EQUAL(m.out.enc_key_len, 32);
	CU_ASSERT_EQUAL(m.out.enc_key[0], 0x80);
	CU_ASSERT_EQUAL(m.in.auth_key[0], 0xe0);
	CU_ASSERT(hs_addr_equal(&m.peer, &m.out.tun_dst));
	CU_ASSERT(hs_addr_equal(&m.out.tun_src, &m.in.tun_dst));
	CU_ASSERT_EQUAL(m.del_spi, 0);
	explicit_bzero(&m, sizeof(m));
	hs_config_free(cfg);
}

/* static-gcm.yaml: explicit selectors, no crypto map, NAT-T. */
static void
test_static_explicit(void)
{
	struct hs_config *cfg = hs_config_load(EX_DIR "static-gcm.yaml", NULL);
	struct hs_msg_sa m;

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_EQUAL_FATAL(hs_msg_sa_from_static(cfg, &cfg->static_sas[0], HS_MSG_SA_REPLACE,
				      7, &m),
		0);
	CU_ASSERT_EQUAL(m.hdr.type, HS_MSG_SA_REPLACE);
	CU_ASSERT_STRING_EQUAL(m.map, "");
	CU_ASSERT_EQUAL(m.seq, 0);
	CU_ASSERT_EQUAL(m.acl_line, 0);
	prefix_is(&m.ts[0].local, "10.1.0.0/24");
	prefix_is(&m.ts[0].remote, "10.2.0.0/24");
	CU_ASSERT_EQUAL(m.out.spi, 0x3001);
	CU_ASSERT_EQUAL(m.in.spi, 0x3002);
	CU_ASSERT_EQUAL(m.out.enc_key_len, 20);
	CU_ASSERT(m.out.natt && m.out.natt_dport == 31000 && m.in.natt_sport == 31000);
	CU_ASSERT(m.out.esn);
	CU_ASSERT_EQUAL(m.in.replay_window, 128);
	explicit_bzero(&m, sizeof(m));
	hs_config_free(cfg);
}

/* Wrong type or an incomplete static SA: -EINVAL and nothing (no key) left. */
static void
test_static_refused(void)
{
	struct hs_config *cfg = hs_config_load(EX_DIR "site1.yaml", NULL);
	struct hs_config_static_sa broken;
	struct hs_msg_sa m;

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	memset(&m, 0xaa, sizeof(m));
	CU_ASSERT_EQUAL(hs_msg_sa_from_static(cfg, &cfg->static_sas[0], HS_MSG_SA_DEL, 1, &m),
		-EINVAL);
	CU_ASSERT(all_zero(&m, sizeof(m)));
	broken = cfg->static_sas[0];
	broken.out.bad = true;
	memset(&m, 0xaa, sizeof(m));
	CU_ASSERT_EQUAL(hs_msg_sa_from_static(cfg, &broken, HS_MSG_SA_ADD, 1, &m), -EINVAL);
	CU_ASSERT(all_zero(&m, sizeof(m)));
	explicit_bzero(&broken, sizeof(broken));
	hs_config_free(cfg);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("msg", NULL, NULL);
	CU_add_test(s, "validate: every type with its length", test_validate_good);
	CU_add_test(s, "validate: bad version", test_validate_version);
	CU_add_test(s, "validate: bad type", test_validate_type);
	CU_add_test(s, "validate: bad length", test_validate_len);
	CU_add_test(s, "names and ids", test_names);
	CU_add_test(s, "static SA from a crypto map entry", test_static_from_map);
	CU_add_test(s, "static SA with explicit selectors, NAT-T", test_static_explicit);
	CU_add_test(s, "static SA refused, message wiped", test_static_refused);
	return hs_test_run();
}
