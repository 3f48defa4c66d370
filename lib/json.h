/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A streaming JSON writer for the console's "json" output: objects and
 * arrays nest up to HS_JSON_DEPTH_MAX, commas and string escaping are its
 * job, so a command only says what goes where. Keys are NULL inside arrays
 * and at the top. Output is one line per document, ended by "\n" when the
 * top-level value closes. A misuse (closing what is not open, nesting too
 * deep) is remembered in .bad and writes nothing, never past a buffer.
 */
#ifndef HS_JSON_H
#define HS_JSON_H

#include <stdio.h>

#include "hs_common.h"

#define HS_JSON_DEPTH_MAX 16

struct hs_json {
	FILE *f;
	uint8_t depth;
	bool bad;
	bool first[HS_JSON_DEPTH_MAX + 1]; /* nothing written yet at this level */
	char close[HS_JSON_DEPTH_MAX + 1]; /* '}' or ']' */
};

void hs_json_init(struct hs_json *j, FILE *f);
void hs_json_obj_open(struct hs_json *j, const char *key);
void hs_json_arr_open(struct hs_json *j, const char *key);
/* Closes the innermost object or array. */
void hs_json_close(struct hs_json *j);
void hs_json_str(struct hs_json *j, const char *key, const char *v);
void hs_json_strf(struct hs_json *j, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void hs_json_u64(struct hs_json *j, const char *key, uint64_t v);
void hs_json_i64(struct hs_json *j, const char *key, int64_t v);
void hs_json_bool(struct hs_json *j, const char *key, bool v);
void hs_json_null(struct hs_json *j, const char *key);

#endif /* HS_JSON_H */
