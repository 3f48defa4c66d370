/* SPDX-License-Identifier: BSD-3-Clause */
#include "ike_const.h"

#define CASE_NAME(name, val, str)                                                                  \
	case (val):                                                                                \
		return str;

/* One switch per list: the values are sparse, so no table indexed by value. */
#define NAME_FN(fn, list)                                                                          \
	const char *fn(unsigned int v)                                                             \
	{                                                                                          \
		switch (v) {                                                                       \
			list(CASE_NAME) default : return "UNKNOWN";                                \
		}                                                                                  \
	}

NAME_FN(hs_ike_exchange_name, HS_IKE_EXCHANGES)
NAME_FN(hs_ike_payload_name, HS_IKE_PAYLOADS)
NAME_FN(hs_ike_proto_name, HS_IKE_PROTOS)
NAME_FN(hs_ike_transform_type_name, HS_IKE_TRANSFORM_TYPES)
NAME_FN(hs_ike_encr_name, HS_IKE_ENCRS)
NAME_FN(hs_ike_prf_name, HS_IKE_PRFS)
NAME_FN(hs_ike_integ_name, HS_IKE_INTEGS)
NAME_FN(hs_ike_dh_name, HS_IKE_DH_GROUPS)
NAME_FN(hs_ike_id_type_name, HS_IKE_ID_TYPES)
NAME_FN(hs_ike_auth_method_name, HS_IKE_AUTH_METHODS)
NAME_FN(hs_ike_ts_type_name, HS_IKE_TS_TYPES)
NAME_FN(hs_ike_notify_name, HS_IKE_NOTIFIES)
