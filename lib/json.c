/* SPDX-License-Identifier: BSD-3-Clause */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>

#include "json.h"

void
hs_json_init(struct hs_json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->bad = false;
	j->first[0] = true;
}

/* RFC 8259 §7: quote, backslash and control characters escaped. */
static void
put_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *c = (const unsigned char *)s; *c != '\0'; c++) {
		switch (*c) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*c < 0x20)
				fprintf(f, "\\u%04x", *c);
			else
				fputc(*c, f);
		}
	}
	fputc('"', f);
}

/* Comma and key before a value; false when the value must not be written. */
static bool
member(struct hs_json *j, const char *key)
{
	if (j->bad)
		return false;
	if (j->depth == 0 && !j->first[0]) {
		j->bad = true; /* a second top-level value */
		return false;
	}
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
	if (key != NULL && j->depth > 0 && j->close[j->depth] == '}') {
		put_string(j->f, key);
		fputc(':', j->f);
	}
	return true;
}

static void
open_level(struct hs_json *j, const char *key, char open, char close)
{
	if (j->depth == HS_JSON_DEPTH_MAX) {
		j->bad = true;
		return;
	}
	if (!member(j, key))
		return;
	fputc(open, j->f);
	j->depth++;
	j->first[j->depth] = true;
	j->close[j->depth] = close;
}

void
hs_json_obj_open(struct hs_json *j, const char *key)
{
	open_level(j, key, '{', '}');
}

void
hs_json_arr_open(struct hs_json *j, const char *key)
{
	open_level(j, key, '[', ']');
}

void
hs_json_close(struct hs_json *j)
{
	if (j->bad || j->depth == 0) {
		j->bad = true;
		return;
	}
	fputc(j->close[j->depth], j->f);
	j->depth--;
	if (j->depth == 0)
		fputc('\n', j->f);
}

void
hs_json_str(struct hs_json *j, const char *key, const char *v)
{
	if (member(j, key))
		put_string(j->f, v != NULL ? v : "");
}

void
hs_json_strf(struct hs_json *j, const char *key, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	hs_json_str(j, key, buf);
}

void
hs_json_u64(struct hs_json *j, const char *key, uint64_t v)
{
	if (member(j, key))
		fprintf(j->f, "%" PRIu64, v);
}

void
hs_json_i64(struct hs_json *j, const char *key, int64_t v)
{
	if (member(j, key))
		fprintf(j->f, "%" PRId64, v);
}

void
hs_json_bool(struct hs_json *j, const char *key, bool v)
{
	if (member(j, key))
		fputs(v ? "true" : "false", j->f);
}

void
hs_json_null(struct hs_json *j, const char *key)
{
	if (member(j, key))
		fputs("null", j->f);
}
