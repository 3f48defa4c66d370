/* SPDX-License-Identifier: BSD-3-Clause */
/* Address and prefix helpers (lib/addr.c): parse, format, contains, bad input. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <CUnit/CUnit.h>

#include "addr.h"
#include "unit_common.h"

static void
test_addr_v4(void)
{
	struct hs_addr a;
	char buf[HS_ADDR_STRLEN];

	CU_ASSERT_EQUAL(hs_addr_parse("10.1.2.3", &a), 0);
	CU_ASSERT_EQUAL(a.family, AF_INET);
	CU_ASSERT(a.v4[0] == 10 && a.v4[1] == 1 && a.v4[2] == 2 && a.v4[3] == 3);
	CU_ASSERT_STRING_EQUAL(hs_addr_format(&a, buf, sizeof(buf)), "10.1.2.3");
	CU_ASSERT_EQUAL(hs_addr_parse("0.0.0.0", &a), 0);
	CU_ASSERT_EQUAL(hs_addr_parse("255.255.255.255", &a), 0);
	CU_ASSERT_STRING_EQUAL(hs_addr_format(&a, buf, sizeof(buf)), "255.255.255.255");
}

static void
test_addr_v6(void)
{
	struct hs_addr a;
	char buf[HS_ADDR_STRLEN];

	CU_ASSERT_EQUAL(hs_addr_parse("2001:db8::1", &a), 0);
	CU_ASSERT_EQUAL(a.family, AF_INET6);
	CU_ASSERT(a.v6[0] == 0x20 && a.v6[1] == 0x01 && a.v6[15] == 1);
	CU_ASSERT_STRING_EQUAL(hs_addr_format(&a, buf, sizeof(buf)), "2001:db8::1");
	CU_ASSERT_EQUAL(hs_addr_parse("2001:0DB8:0000::0001", &a), 0);
	CU_ASSERT_STRING_EQUAL(hs_addr_format(&a, buf, sizeof(buf)), "2001:db8::1");
	CU_ASSERT_EQUAL(hs_addr_parse("::", &a), 0);
	CU_ASSERT_STRING_EQUAL(hs_addr_format(&a, buf, sizeof(buf)), "::");
	CU_ASSERT_EQUAL(hs_addr_parse("::ffff:10.0.0.1", &a), 0);
	CU_ASSERT_EQUAL(a.family, AF_INET6);
}

static void
test_addr_bad(void)
{
	static const char *const bad[] = {
		"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", " 1.2.3.4", "1.2.3.4 ",
		"::g", "2001:db8::1::2", "fe80::1%eth0", "10.0.0.1/24", "host", "-1.2.3.4",
		"1.2.3.4\n", "12345678901234567890123456789012345678901234567890:1",
	};
	struct hs_addr a = { .family = 99 };

	for (size_t i = 0; i < HS_ARRAY_SIZE(bad); i++) {
		CU_ASSERT_EQUAL(hs_addr_parse(bad[i], &a), -EINVAL);
		if (hs_addr_parse(bad[i], &a) != -EINVAL)
			fprintf(stderr, "accepted bad address '%s'\n", bad[i]);
	}
	CU_ASSERT_EQUAL(a.family, 99); /* untouched on failure */
	CU_ASSERT_EQUAL(hs_addr_parse(NULL, &a), -EINVAL);
}

static void
test_prefix_parse(void)
{
	struct hs_prefix p;
	char buf[HS_ADDR_STRLEN];

	CU_ASSERT_EQUAL(hs_prefix_parse("10.0.0.0/8", &p), 0);
	CU_ASSERT_EQUAL(p.len, 8);
	CU_ASSERT_STRING_EQUAL(hs_prefix_format(&p, buf, sizeof(buf)), "10.0.0.0/8");
	CU_ASSERT_EQUAL(hs_prefix_parse("192.168.100.0/24", &p), 0);
	CU_ASSERT_STRING_EQUAL(hs_prefix_format(&p, buf, sizeof(buf)), "192.168.100.0/24");
	CU_ASSERT_EQUAL(hs_prefix_parse("0.0.0.0/0", &p), 0);
	CU_ASSERT_EQUAL(p.len, 0);
	CU_ASSERT_EQUAL(hs_prefix_parse("10.1.2.3", &p), 0);
	CU_ASSERT_EQUAL(p.len, 32);
	CU_ASSERT_EQUAL(hs_prefix_parse("10.1.2.3/32", &p), 0);
	CU_ASSERT_EQUAL(hs_prefix_parse("2001:db8::/32", &p), 0);
	CU_ASSERT_EQUAL(p.addr.family, AF_INET6);
	CU_ASSERT_EQUAL(p.len, 32);
	CU_ASSERT_STRING_EQUAL(hs_prefix_format(&p, buf, sizeof(buf)), "2001:db8::/32");
	CU_ASSERT_EQUAL(hs_prefix_parse("::/0", &p), 0);
	CU_ASSERT_EQUAL(hs_prefix_parse("2001:db8::1", &p), 0);
	CU_ASSERT_EQUAL(p.len, 128);
	CU_ASSERT_EQUAL(hs_prefix_parse("2001:db8:0:1::/65", &p), 0);
}

static void
test_prefix_bad(void)
{
	static const char *const bad[] = {
		"", "/", "/24", "10.0.0.0/", "10.0.0.1/33", "10.0.0.1/24", "10.0.0.0/8/8",
		"10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/08", "10.0.0.0/1000", "10.0.0.0/ 8",
		"1.2.3/24", "::g/64", "2001:db8::1/64", "2001:db8::/129", "10.128.0.0/8",
		"10.0.0.0/8x", "any",
	};
	struct hs_prefix p;

	for (size_t i = 0; i < HS_ARRAY_SIZE(bad); i++) {
		CU_ASSERT_EQUAL(hs_prefix_parse(bad[i], &p), -EINVAL);
		if (hs_prefix_parse(bad[i], &p) != -EINVAL)
			fprintf(stderr, "accepted bad prefix '%s'\n", bad[i]);
	}
	CU_ASSERT_EQUAL(hs_prefix_parse(NULL, &p), -EINVAL);
}

static void
test_cidr(void)
{
	struct hs_addr a;
	struct hs_prefix p;
	uint8_t len;
	char buf[HS_ADDR_STRLEN];

	CU_ASSERT_EQUAL(hs_addr_parse_cidr("192.168.100.1/24", &a, &len), 0);
	CU_ASSERT_EQUAL(len, 24);
	CU_ASSERT_STRING_EQUAL(hs_addr_format(&a, buf, sizeof(buf)), "192.168.100.1");
	hs_prefix_make(&p, &a, len);
	CU_ASSERT_STRING_EQUAL(hs_prefix_format(&p, buf, sizeof(buf)), "192.168.100.0/24");
	CU_ASSERT_EQUAL(hs_addr_parse_cidr("2001:db8:1::1/64", &a, &len), 0);
	hs_prefix_make(&p, &a, len);
	CU_ASSERT_STRING_EQUAL(hs_prefix_format(&p, buf, sizeof(buf)), "2001:db8:1::/64");
	CU_ASSERT_EQUAL(hs_addr_parse_cidr("10.9.9.9", &a, &len), 0);
	CU_ASSERT_EQUAL(len, 32);
	hs_addr_parse("10.255.255.255", &a);
	hs_prefix_make(&p, &a, 13);
	CU_ASSERT_STRING_EQUAL(hs_prefix_format(&p, buf, sizeof(buf)), "10.248.0.0/13");
	CU_ASSERT_EQUAL(hs_addr_parse_cidr("10.0.0.1/33", &a, &len), -EINVAL);
	CU_ASSERT_EQUAL(hs_addr_parse_cidr("10.0.0.1/", &a, &len), -EINVAL);
}

static void
test_contains(void)
{
	struct hs_prefix p;
	struct hs_addr a;

	hs_prefix_parse("192.168.100.0/24", &p);
	hs_addr_parse("192.168.100.77", &a);
	CU_ASSERT_TRUE(hs_prefix_contains(&p, &a));
	hs_addr_parse("192.168.101.1", &a);
	CU_ASSERT_FALSE(hs_prefix_contains(&p, &a));
	hs_prefix_parse("10.240.0.0/12", &p);
	hs_addr_parse("10.255.1.2", &a);
	CU_ASSERT_TRUE(hs_prefix_contains(&p, &a));
	hs_addr_parse("10.224.0.1", &a);
	CU_ASSERT_FALSE(hs_prefix_contains(&p, &a));
	hs_prefix_parse("0.0.0.0/0", &p);
	CU_ASSERT_TRUE(hs_prefix_contains(&p, &a));
	hs_addr_parse("2001:db8::1", &a);
	CU_ASSERT_FALSE(hs_prefix_contains(&p, &a)); /* family differs */
	hs_prefix_parse("2001:db8::/33", &p);
	CU_ASSERT_TRUE(hs_prefix_contains(&p, &a));
	hs_addr_parse("2001:db8:8000::1", &a);
	CU_ASSERT_FALSE(hs_prefix_contains(&p, &a));
	hs_prefix_parse("::/0", &p);
	CU_ASSERT_TRUE(hs_prefix_contains(&p, &a));
	hs_prefix_parse("2001:db8::5", &p);
	hs_addr_parse("2001:db8::5", &a);
	CU_ASSERT_TRUE(hs_prefix_contains(&p, &a));
	hs_addr_parse("2001:db8::4", &a);
	CU_ASSERT_FALSE(hs_prefix_contains(&p, &a));
}

static void
test_equal_format(void)
{
	struct hs_addr a, b;
	struct hs_prefix p, q;
	char small[6];

	hs_addr_parse("10.0.0.1", &a);
	hs_addr_parse("10.0.0.1", &b);
	CU_ASSERT_TRUE(hs_addr_equal(&a, &b));
	hs_addr_parse("::a00:1", &b); /* same bytes at the end, other family */
	CU_ASSERT_FALSE(hs_addr_equal(&a, &b));
	hs_prefix_parse("10.0.0.0/8", &p);
	hs_prefix_parse("10.0.0.0/9", &q);
	CU_ASSERT_FALSE(hs_prefix_equal(&p, &q));
	hs_prefix_parse("10.0.0.0/8", &q);
	CU_ASSERT_TRUE(hs_prefix_equal(&p, &q));
	/* A short buffer truncates, never overflows. */
	hs_addr_format(&a, small, sizeof(small));
	CU_ASSERT_STRING_EQUAL(small, "10.0.");
	memset(&a, 0, sizeof(a));
	CU_ASSERT_STRING_EQUAL(hs_addr_format(&a, small, sizeof(small)), "unset");
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("addr", NULL, NULL);
	CU_add_test(s, "ipv4 parse/format", test_addr_v4);
	CU_add_test(s, "ipv6 parse/format", test_addr_v6);
	CU_add_test(s, "bad addresses", test_addr_bad);
	CU_add_test(s, "prefix parse/format", test_prefix_parse);
	CU_add_test(s, "bad prefixes", test_prefix_bad);
	CU_add_test(s, "interface address (cidr)", test_cidr);
	CU_add_test(s, "prefix contains", test_contains);
	CU_add_test(s, "equal and format", test_equal_format);
	return hs_test_run();
}
