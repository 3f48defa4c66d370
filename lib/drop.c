/* SPDX-License-Identifier: BSD-3-Clause */
#include "drop.h"

static const char *const drop_names[HS_DROP_MAX] = { HS_DROP_REASONS(HS_ENUM_STR) };

const char *
hs_drop_name(enum hs_drop_reason r)
{
	if ((unsigned)r >= HS_DROP_MAX)
		return "unknown";
	return drop_names[r];
}
