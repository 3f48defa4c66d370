/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The console's streaming JSON writer (lib/json.h): nesting and commas,
 * string escaping (RFC 8259 §7), the scalar kinds, and misuse (closing what
 * is not open, a second top-level value, nesting past HS_JSON_DEPTH_MAX),
 * which must set .bad and write nothing more.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "json.h"
#include "unit_common.h"

/* A writer on a memory stream; out() flushes and returns what was written. */
static char *buf;
static size_t buf_len;
static FILE *mem;

static void
start(struct hs_json *j)
{
	buf = NULL;
	buf_len = 0;
	mem = open_memstream(&buf, &buf_len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mem);
	hs_json_init(j, mem);
}

static const char *
out(void)
{
	fflush(mem);
	return buf;
}

static void
finish(void)
{
	fclose(mem);
	free(buf);
	buf = NULL;
	mem = NULL;
}

static void
test_empty(void)
{
	struct hs_json j;

	start(&j);
	hs_json_obj_open(&j, NULL);
	hs_json_close(&j);
	CU_ASSERT_STRING_EQUAL(out(), "{}\n");
	CU_ASSERT_FALSE(j.bad);
	finish();

	start(&j);
	hs_json_arr_open(&j, NULL);
	hs_json_close(&j);
	CU_ASSERT_STRING_EQUAL(out(), "[]\n");
	CU_ASSERT_FALSE(j.bad);
	finish();

	/* Nothing written: nothing out. */
	start(&j);
	CU_ASSERT_STRING_EQUAL(out(), "");
	CU_ASSERT_FALSE(j.bad);
	finish();
}

static void
test_nesting_commas(void)
{
	struct hs_json j;

	start(&j);
	hs_json_obj_open(&j, "ignored at top");
	hs_json_str(&j, "a", "x");
	hs_json_u64(&j, "b", 1);
	hs_json_arr_open(&j, "c");
	hs_json_u64(&j, NULL, 1);
	hs_json_u64(&j, "keys are dropped in arrays", 2);
	hs_json_obj_open(&j, NULL);
	hs_json_close(&j);
	hs_json_arr_open(&j, NULL);
	hs_json_close(&j);
	hs_json_obj_open(&j, NULL);
	hs_json_bool(&j, "d", true);
	hs_json_close(&j);
	hs_json_close(&j);
	hs_json_obj_open(&j, "e");
	hs_json_obj_open(&j, "f");
	hs_json_null(&j, "g");
	hs_json_close(&j);
	hs_json_close(&j);
	hs_json_str(&j, "h", "");
	CU_ASSERT_STRING_EQUAL(out(),
		"{\"a\":\"x\",\"b\":1,\"c\":[1,2,{},[],{\"d\":true}],\"e\":{\"f\":{\"g\":null}},\"h\":\"\"");
	hs_json_close(&j);
	CU_ASSERT_STRING_EQUAL(out(),
		"{\"a\":\"x\",\"b\":1,\"c\":[1,2,{},[],{\"d\":true}],\"e\":{\"f\":{\"g\":null}},\"h\":\"\"}\n");
	CU_ASSERT_FALSE(j.bad);
	CU_ASSERT_EQUAL(j.depth, 0);
	finish();

	/* A top-level array of scalars. */
	start(&j);
	hs_json_arr_open(&j, NULL);
	hs_json_str(&j, NULL, "a");
	hs_json_i64(&j, NULL, -1);
	hs_json_bool(&j, NULL, false);
	hs_json_null(&j, NULL);
	hs_json_close(&j);
	CU_ASSERT_STRING_EQUAL(out(), "[\"a\",-1,false,null]\n");
	CU_ASSERT_FALSE(j.bad);
	finish();
}

static void
test_scalars(void)
{
	struct hs_json j;

	start(&j);
	hs_json_obj_open(&j, NULL);
	hs_json_u64(&j, "u0", 0);
	hs_json_u64(&j, "umax", UINT64_MAX);
	hs_json_i64(&j, "i0", 0);
	hs_json_i64(&j, "imin", INT64_MIN);
	hs_json_i64(&j, "imax", INT64_MAX);
	hs_json_bool(&j, "t", true);
	hs_json_bool(&j, "f", false);
	hs_json_null(&j, "n");
	hs_json_str(&j, "null string", NULL);
	hs_json_strf(&j, "fmt", "%s-%u-0x%08x", "spi", 7u, 0xdeadbeefu);
	hs_json_close(&j);
	CU_ASSERT_STRING_EQUAL(out(),
		"{\"u0\":0,\"umax\":18446744073709551615,\"i0\":0,"
		"\"imin\":-9223372036854775808,\"imax\":9223372036854775807,"
		"\"t\":true,\"f\":false,\"n\":null,\"null string\":\"\","
		"\"fmt\":\"spi-7-0xdeadbeef\"}\n");
	CU_ASSERT_FALSE(j.bad);
	finish();

	/* A scalar alone is a document (no newline: only a close ends one). */
	start(&j);
	hs_json_u64(&j, NULL, 42);
	CU_ASSERT_STRING_EQUAL(out(), "42");
	CU_ASSERT_FALSE(j.bad);
	finish();
}

static void
test_escaping(void)
{
	struct hs_json j;

	start(&j);
	hs_json_obj_open(&j, NULL);
	hs_json_str(&j, "q", "say \"hi\"");
	hs_json_str(&j, "b", "C:\\dir\\");
	hs_json_str(&j, "nl", "a\nb\tc\rd");
	hs_json_str(&j, "ctl", "\x01\x1f\x7f");
	hs_json_str(&j, "utf8", "caf\xc3\xa9");
	hs_json_str(&j, "slash", "a/b");
	/* Keys are escaped the same way. */
	hs_json_u64(&j, "k\"\\\n", 1);
	hs_json_strf(&j, "f", "%s", "\"\\\x02");
	hs_json_close(&j);
	CU_ASSERT_STRING_EQUAL(out(),
		"{\"q\":\"say \\\"hi\\\"\",\"b\":\"C:\\\\dir\\\\\","
		"\"nl\":\"a\\nb\\tc\\u000dd\",\"ctl\":\"\\u0001\\u001f\x7f\","
		"\"utf8\":\"caf\xc3\xa9\",\"slash\":\"a/b\","
		"\"k\\\"\\\\\\n\":1,\"f\":\"\\\"\\\\\\u0002\"}\n");
	CU_ASSERT_FALSE(j.bad);
	finish();
}

/* hs_json_strf formats into 512 bytes: a longer result is cut, never overflows. */
static void
test_strf_long(void)
{
	struct hs_json j;
	char big[2000];
	const char *o;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	start(&j);
	hs_json_strf(&j, NULL, "%s", big);
	o = out();
	CU_ASSERT_EQUAL(strlen(o), 511 + 2);
	CU_ASSERT_EQUAL(o[0], '"');
	CU_ASSERT_EQUAL(o[strlen(o) - 1], '"');
	CU_ASSERT_FALSE(j.bad);
	finish();
}

static void
test_misuse_close(void)
{
	struct hs_json j;

	/* Closing with nothing open. */
	start(&j);
	hs_json_close(&j);
	CU_ASSERT_TRUE(j.bad);
	hs_json_obj_open(&j, NULL);
	hs_json_u64(&j, "a", 1);
	hs_json_close(&j);
	CU_ASSERT_STRING_EQUAL(out(), "");
	finish();

	/* One close too many: the document stays as it was. */
	start(&j);
	hs_json_obj_open(&j, NULL);
	hs_json_close(&j);
	hs_json_close(&j);
	CU_ASSERT_TRUE(j.bad);
	CU_ASSERT_STRING_EQUAL(out(), "{}\n");
	finish();

	/* A second top-level value. */
	start(&j);
	hs_json_obj_open(&j, NULL);
	hs_json_close(&j);
	hs_json_obj_open(&j, NULL);
	CU_ASSERT_TRUE(j.bad);
	hs_json_str(&j, "a", "b");
	hs_json_close(&j);
	CU_ASSERT_STRING_EQUAL(out(), "{}\n");
	finish();

	start(&j);
	hs_json_u64(&j, NULL, 1);
	hs_json_u64(&j, NULL, 2);
	CU_ASSERT_TRUE(j.bad);
	CU_ASSERT_STRING_EQUAL(out(), "1");
	finish();

	/* Once bad, every call is silent, even ones that would be fine. */
	start(&j);
	hs_json_obj_open(&j, NULL);
	hs_json_u64(&j, "a", 1);
	j.bad = true;
	hs_json_str(&j, "b", "x");
	hs_json_i64(&j, "c", -1);
	hs_json_bool(&j, "d", true);
	hs_json_null(&j, "e");
	hs_json_strf(&j, "f", "%d", 3);
	hs_json_arr_open(&j, "g");
	hs_json_obj_open(&j, "h");
	hs_json_close(&j);
	CU_ASSERT_STRING_EQUAL(out(), "{\"a\":1");
	CU_ASSERT_EQUAL(j.depth, 1);
	finish();
}

static void
test_depth_limit(void)
{
	struct hs_json j;
	char want[6 * HS_JSON_DEPTH_MAX + 8];
	size_t n = 0;

	/* HS_JSON_DEPTH_MAX levels are fine. */
	start(&j);
	for (int i = 0; i < HS_JSON_DEPTH_MAX; i++)
		hs_json_arr_open(&j, NULL);
	CU_ASSERT_FALSE(j.bad);
	CU_ASSERT_EQUAL(j.depth, HS_JSON_DEPTH_MAX);
	hs_json_u64(&j, NULL, 7);
	for (int i = 0; i < HS_JSON_DEPTH_MAX; i++)
		hs_json_close(&j);
	CU_ASSERT_FALSE(j.bad);
	for (int i = 0; i < HS_JSON_DEPTH_MAX; i++)
		want[n++] = '[';
	want[n++] = '7';
	for (int i = 0; i < HS_JSON_DEPTH_MAX; i++)
		want[n++] = ']';
	want[n++] = '\n';
	want[n] = '\0';
	CU_ASSERT_STRING_EQUAL(out(), want);
	finish();

	/* One more (object or array) is refused; nothing is written past it. */
	for (int kind = 0; kind < 2; kind++) {
		start(&j);
		for (int i = 0; i < HS_JSON_DEPTH_MAX; i++)
			hs_json_obj_open(&j, "k");
		CU_ASSERT_FALSE(j.bad);
		if (kind == 0)
			hs_json_obj_open(&j, "deep");
		else
			hs_json_arr_open(&j, "deep");
		CU_ASSERT_TRUE(j.bad);
		CU_ASSERT_EQUAL(j.depth, HS_JSON_DEPTH_MAX);
		hs_json_u64(&j, "x", 1);
		for (int i = 0; i < HS_JSON_DEPTH_MAX + 2; i++)
			hs_json_close(&j);
		n = 0;
		want[n++] = '{';
		for (int i = 1; i < HS_JSON_DEPTH_MAX; i++) {
			memcpy(want + n, "\"k\":{", 5);
			n += 5;
		}
		want[n] = '\0';
		CU_ASSERT_STRING_EQUAL(out(), want);
		CU_ASSERT_EQUAL(j.depth, HS_JSON_DEPTH_MAX);
		finish();
	}
}

/* hs_json_init resets a writer that went bad. */
static void
test_reinit(void)
{
	struct hs_json j;

	start(&j);
	hs_json_close(&j);
	CU_ASSERT_TRUE(j.bad);
	hs_json_init(&j, mem);
	CU_ASSERT_FALSE(j.bad);
	hs_json_arr_open(&j, NULL);
	hs_json_u64(&j, NULL, 1);
	hs_json_close(&j);
	CU_ASSERT_STRING_EQUAL(out(), "[1]\n");
	CU_ASSERT_FALSE(j.bad);
	finish();
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("json", NULL, NULL);
	CU_add_test(s, "empty documents", test_empty);
	CU_add_test(s, "nesting and commas", test_nesting_commas);
	CU_add_test(s, "scalars", test_scalars);
	CU_add_test(s, "string escaping", test_escaping);
	CU_add_test(s, "strf truncates at 512", test_strf_long);
	CU_add_test(s, "misuse: close, second value, bad is sticky", test_misuse_close);
	CU_add_test(s, "depth limit", test_depth_limit);
	CU_add_test(s, "init resets", test_reinit);
	return hs_test_run();
}
