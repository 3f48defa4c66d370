/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKEv2 numbers from the IANA "Internet Key Exchange Version 2 (IKEv2)
 * Parameters" registry (RFC 7296 §3 and the RFCs named per list), each list
 * once as an X-macro: X(ENUMERATOR, value, "name"). The names are the ones
 * strongSwan and Cisco print, so logs read the same on both sides.
 */
#ifndef HS_IKE_CONST_H
#define HS_IKE_CONST_H

#include <stdint.h>

#define HS_IKE_ENUM_VAL(name, val, str) name = (val),

#define HS_IKE_PORT 500
#define HS_IKE_NATT_PORT 4500
#define HS_IKE_HDR_LEN 28	    /* RFC 7296 §3.1 */
#define HS_IKE_GENERIC_HDR_LEN 4    /* RFC 7296 §3.2 */
#define HS_IKE_VERSION 0x20	    /* major 2, minor 0 */
#define HS_IKE_MSG_MAX 65535	    /* largest message we parse or build */

/* Header flags (RFC 7296 §3.1). */
#define HS_IKE_FLAG_INITIATOR 0x08
#define HS_IKE_FLAG_VERSION 0x10
#define HS_IKE_FLAG_RESPONSE 0x20

/* Generic payload header: critical bit (RFC 7296 §3.2). */
#define HS_IKE_CRITICAL 0x80

/* Exchange types (RFC 7296 §3.1). */
#define HS_IKE_EXCHANGES(X)                                                                        \
	X(HS_IKE_SA_INIT, 34, "IKE_SA_INIT")                                                       \
	X(HS_IKE_AUTH, 35, "IKE_AUTH")                                                             \
	X(HS_IKE_CREATE_CHILD_SA, 36, "CREATE_CHILD_SA")                                           \
	X(HS_IKE_INFORMATIONAL, 37, "INFORMATIONAL")
enum hs_ike_exchange { HS_IKE_EXCHANGES(HS_IKE_ENUM_VAL) };

/* Payload types (RFC 7296 §3.2; SKF: RFC 7383). */
#define HS_IKE_PAYLOADS(X)                                                                         \
	X(HS_IKE_PL_NONE, 0, "NONE")                                                               \
	X(HS_IKE_PL_SA, 33, "SA")                                                                  \
	X(HS_IKE_PL_KE, 34, "KE")                                                                  \
	X(HS_IKE_PL_IDI, 35, "IDi")                                                                \
	X(HS_IKE_PL_IDR, 36, "IDr")                                                                \
	X(HS_IKE_PL_CERT, 37, "CERT")                                                              \
	X(HS_IKE_PL_CERTREQ, 38, "CERTREQ")                                                        \
	X(HS_IKE_PL_AUTH, 39, "AUTH")                                                              \
	X(HS_IKE_PL_NONCE, 40, "No")                                                               \
	X(HS_IKE_PL_NOTIFY, 41, "N")                                                               \
	X(HS_IKE_PL_DELETE, 42, "D")                                                               \
	X(HS_IKE_PL_VENDOR, 43, "V")                                                               \
	X(HS_IKE_PL_TSI, 44, "TSi")                                                                \
	X(HS_IKE_PL_TSR, 45, "TSr")                                                                \
	X(HS_IKE_PL_SK, 46, "SK")                                                                  \
	X(HS_IKE_PL_CP, 47, "CP")                                                                  \
	X(HS_IKE_PL_EAP, 48, "EAP")                                                                \
	X(HS_IKE_PL_SKF, 53, "SKF")
enum hs_ike_payload { HS_IKE_PAYLOADS(HS_IKE_ENUM_VAL) };

/* Protocol IDs in proposals, notifies and deletes (RFC 7296 §3.3.1). */
#define HS_IKE_PROTOS(X)                                                                           \
	X(HS_IKE_PROTO_NONE, 0, "none")                                                            \
	X(HS_IKE_PROTO_IKE, 1, "IKE")                                                              \
	X(HS_IKE_PROTO_AH, 2, "AH")                                                                \
	X(HS_IKE_PROTO_ESP, 3, "ESP")
enum hs_ike_proto { HS_IKE_PROTOS(HS_IKE_ENUM_VAL) };

/* Transform types (RFC 7296 §3.3.2). */
#define HS_IKE_TRANSFORM_TYPES(X)                                                                  \
	X(HS_IKE_TT_ENCR, 1, "ENCR")                                                               \
	X(HS_IKE_TT_PRF, 2, "PRF")                                                                 \
	X(HS_IKE_TT_INTEG, 3, "INTEG")                                                             \
	X(HS_IKE_TT_DH, 4, "DH")                                                                   \
	X(HS_IKE_TT_ESN, 5, "ESN")
enum hs_ike_transform_type { HS_IKE_TRANSFORM_TYPES(HS_IKE_ENUM_VAL) };

/* Encryption algorithms we implement (RFC 7296 §3.3.2; GCM: RFC 4106/5282). */
#define HS_IKE_ENCRS(X)                                                                            \
	X(HS_IKE_ENCR_AES_CBC, 12, "AES_CBC")                                                      \
	X(HS_IKE_ENCR_AES_GCM_16, 20, "AES_GCM_16")
enum hs_ike_encr { HS_IKE_ENCRS(HS_IKE_ENUM_VAL) };

/* Transform attribute: key length in bits, TV format (RFC 7296 §3.3.5). */
#define HS_IKE_ATTR_KEY_LENGTH 14
#define HS_IKE_ATTR_TV 0x8000

#define HS_IKE_PRFS(X)                                                                             \
	X(HS_IKE_PRF_HMAC_SHA1, 2, "PRF_HMAC_SHA1")                                                \
	X(HS_IKE_PRF_HMAC_SHA2_256, 5, "PRF_HMAC_SHA2_256")                                        \
	X(HS_IKE_PRF_HMAC_SHA2_384, 6, "PRF_HMAC_SHA2_384")                                        \
	X(HS_IKE_PRF_HMAC_SHA2_512, 7, "PRF_HMAC_SHA2_512")
enum hs_ike_prf { HS_IKE_PRFS(HS_IKE_ENUM_VAL) };

#define HS_IKE_INTEGS(X)                                                                           \
	X(HS_IKE_INTEG_NONE, 0, "NONE")                                                            \
	X(HS_IKE_INTEG_HMAC_SHA1_96, 2, "AUTH_HMAC_SHA1_96")                                       \
	X(HS_IKE_INTEG_HMAC_SHA2_256_128, 12, "AUTH_HMAC_SHA2_256_128")                            \
	X(HS_IKE_INTEG_HMAC_SHA2_384_192, 13, "AUTH_HMAC_SHA2_384_192")                            \
	X(HS_IKE_INTEG_HMAC_SHA2_512_256, 14, "AUTH_HMAC_SHA2_512_256")
enum hs_ike_integ { HS_IKE_INTEGS(HS_IKE_ENUM_VAL) };

/* Key exchange (Diffie-Hellman) groups (RFC 3526, RFC 5903, RFC 8031). */
#define HS_IKE_DH_GROUPS(X)                                                                        \
	X(HS_IKE_DH_NONE, 0, "NONE")                                                               \
	X(HS_IKE_DH_MODP2048, 14, "MODP_2048")                                                     \
	X(HS_IKE_DH_MODP3072, 15, "MODP_3072")                                                     \
	X(HS_IKE_DH_ECP256, 19, "ECP_256")                                                         \
	X(HS_IKE_DH_ECP384, 20, "ECP_384")                                                         \
	X(HS_IKE_DH_ECP521, 21, "ECP_521")                                                         \
	X(HS_IKE_DH_CURVE25519, 31, "CURVE_25519")
enum hs_ike_dh { HS_IKE_DH_GROUPS(HS_IKE_ENUM_VAL) };

#define HS_IKE_ESNS(X)                                                                             \
	X(HS_IKE_ESN_NO, 0, "NO_EXT_SEQ")                                                          \
	X(HS_IKE_ESN_YES, 1, "EXT_SEQ")
enum hs_ike_esn { HS_IKE_ESNS(HS_IKE_ENUM_VAL) };

/* Identification types (RFC 7296 §3.5). */
#define HS_IKE_ID_TYPES(X)                                                                         \
	X(HS_IKE_ID_IPV4_ADDR, 1, "ID_IPV4_ADDR")                                                  \
	X(HS_IKE_ID_FQDN, 2, "ID_FQDN")                                                            \
	X(HS_IKE_ID_RFC822_ADDR, 3, "ID_RFC822_ADDR")                                              \
	X(HS_IKE_ID_IPV6_ADDR, 5, "ID_IPV6_ADDR")                                                  \
	X(HS_IKE_ID_DER_ASN1_DN, 9, "ID_DER_ASN1_DN")                                              \
	X(HS_IKE_ID_DER_ASN1_GN, 10, "ID_DER_ASN1_GN")                                             \
	X(HS_IKE_ID_KEY_ID, 11, "ID_KEY_ID")
enum hs_ike_id_type { HS_IKE_ID_TYPES(HS_IKE_ENUM_VAL) };

/* Certificate encodings (RFC 7296 §3.6). */
#define HS_IKE_CERT_ENCODINGS(X)                                                                   \
	X(HS_IKE_CERT_X509_SIG, 4, "X509_SIGNATURE")                                               \
	X(HS_IKE_CERT_HASH_URL, 12, "HASH_URL_X509")
enum hs_ike_cert_encoding { HS_IKE_CERT_ENCODINGS(HS_IKE_ENUM_VAL) };

/* Authentication methods (RFC 7296 §3.8; 14: RFC 7427). */
#define HS_IKE_AUTH_METHODS(X)                                                                     \
	X(HS_IKE_AUTH_RSA_SIG, 1, "RSA_SIG")                                                       \
	X(HS_IKE_AUTH_PSK, 2, "SHARED_KEY_MIC")                                                    \
	X(HS_IKE_AUTH_DSS_SIG, 3, "DSS_SIG")                                                       \
	X(HS_IKE_AUTH_ECDSA_256, 9, "ECDSA_SHA256_P256")                                           \
	X(HS_IKE_AUTH_ECDSA_384, 10, "ECDSA_SHA384_P384")                                          \
	X(HS_IKE_AUTH_ECDSA_521, 11, "ECDSA_SHA512_P521")                                          \
	X(HS_IKE_AUTH_DIGITAL_SIG, 14, "DIGITAL_SIGNATURE")
enum hs_ike_auth_method { HS_IKE_AUTH_METHODS(HS_IKE_ENUM_VAL) };

/* Traffic selector types (RFC 7296 §3.13.1). */
#define HS_IKE_TS_TYPES(X)                                                                         \
	X(HS_IKE_TS_IPV4_ADDR_RANGE, 7, "TS_IPV4_ADDR_RANGE")                                      \
	X(HS_IKE_TS_IPV6_ADDR_RANGE, 8, "TS_IPV6_ADDR_RANGE")
enum hs_ike_ts_type { HS_IKE_TS_TYPES(HS_IKE_ENUM_VAL) };

/* Configuration payload types (RFC 7296 §3.15). */
#define HS_IKE_CFG_TYPES(X)                                                                        \
	X(HS_IKE_CFG_REQUEST, 1, "CFG_REQUEST")                                                    \
	X(HS_IKE_CFG_REPLY, 2, "CFG_REPLY")                                                        \
	X(HS_IKE_CFG_SET, 3, "CFG_SET")                                                            \
	X(HS_IKE_CFG_ACK, 4, "CFG_ACK")
enum hs_ike_cfg_type { HS_IKE_CFG_TYPES(HS_IKE_ENUM_VAL) };

/*
 * Notify message types (RFC 7296 §3.10.1; RFC 7383 fragmentation; RFC 7427
 * hash algorithms). Below 16384 are errors.
 */
#define HS_IKE_NOTIFIES(X)                                                                         \
	X(HS_IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD, 1, "UNSUPPORTED_CRITICAL_PAYLOAD")                \
	X(HS_IKE_N_INVALID_IKE_SPI, 4, "INVALID_IKE_SPI")                                          \
	X(HS_IKE_N_INVALID_MAJOR_VERSION, 5, "INVALID_MAJOR_VERSION")                              \
	X(HS_IKE_N_INVALID_SYNTAX, 7, "INVALID_SYNTAX")                                            \
	X(HS_IKE_N_INVALID_MESSAGE_ID, 9, "INVALID_MESSAGE_ID")                                    \
	X(HS_IKE_N_INVALID_SPI, 11, "INVALID_SPI")                                                 \
	X(HS_IKE_N_NO_PROPOSAL_CHOSEN, 14, "NO_PROPOSAL_CHOSEN")                                   \
	X(HS_IKE_N_INVALID_KE_PAYLOAD, 17, "INVALID_KE_PAYLOAD")                                   \
	X(HS_IKE_N_AUTHENTICATION_FAILED, 24, "AUTHENTICATION_FAILED")                             \
	X(HS_IKE_N_SINGLE_PAIR_REQUIRED, 34, "SINGLE_PAIR_REQUIRED")                               \
	X(HS_IKE_N_NO_ADDITIONAL_SAS, 35, "NO_ADDITIONAL_SAS")                                     \
	X(HS_IKE_N_INTERNAL_ADDRESS_FAILURE, 36, "INTERNAL_ADDRESS_FAILURE")                       \
	X(HS_IKE_N_FAILED_CP_REQUIRED, 37, "FAILED_CP_REQUIRED")                                   \
	X(HS_IKE_N_TS_UNACCEPTABLE, 38, "TS_UNACCEPTABLE")                                         \
	X(HS_IKE_N_INVALID_SELECTORS, 39, "INVALID_SELECTORS")                                     \
	X(HS_IKE_N_TEMPORARY_FAILURE, 43, "TEMPORARY_FAILURE")                                     \
	X(HS_IKE_N_CHILD_SA_NOT_FOUND, 44, "CHILD_SA_NOT_FOUND")                                   \
	X(HS_IKE_N_INITIAL_CONTACT, 16384, "INITIAL_CONTACT")                                      \
	X(HS_IKE_N_SET_WINDOW_SIZE, 16385, "SET_WINDOW_SIZE")                                      \
	X(HS_IKE_N_ADDITIONAL_TS_POSSIBLE, 16386, "ADDITIONAL_TS_POSSIBLE")                        \
	X(HS_IKE_N_IPCOMP_SUPPORTED, 16387, "IPCOMP_SUPPORTED")                                    \
	X(HS_IKE_N_NAT_DETECTION_SOURCE_IP, 16388, "NAT_DETECTION_SOURCE_IP")                      \
	X(HS_IKE_N_NAT_DETECTION_DESTINATION_IP, 16389, "NAT_DETECTION_DESTINATION_IP")            \
	X(HS_IKE_N_COOKIE, 16390, "COOKIE")                                                        \
	X(HS_IKE_N_USE_TRANSPORT_MODE, 16391, "USE_TRANSPORT_MODE")                                \
	X(HS_IKE_N_HTTP_CERT_LOOKUP_SUPPORTED, 16392, "HTTP_CERT_LOOKUP_SUPPORTED")                \
	X(HS_IKE_N_REKEY_SA, 16393, "REKEY_SA")                                                    \
	X(HS_IKE_N_ESP_TFC_PADDING_NOT_SUPPORTED, 16394, "ESP_TFC_PADDING_NOT_SUPPORTED")          \
	X(HS_IKE_N_NON_FIRST_FRAGMENTS_ALSO, 16395, "NON_FIRST_FRAGMENTS_ALSO")                    \
	X(HS_IKE_N_MOBIKE_SUPPORTED, 16396, "MOBIKE_SUPPORTED")                                    \
	X(HS_IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, 16430, "IKEV2_FRAGMENTATION_SUPPORTED")          \
	X(HS_IKE_N_SIGNATURE_HASH_ALGORITHMS, 16431, "SIGNATURE_HASH_ALGORITHMS")
enum hs_ike_notify { HS_IKE_NOTIFIES(HS_IKE_ENUM_VAL) };

/* Notify types below this are errors (RFC 7296 §3.10.1). */
#define HS_IKE_N_ERROR_MAX 16383

/* Hash algorithms of RFC 7427 (SIGNATURE_HASH_ALGORITHMS notify). */
#define HS_IKE_HASHES(X)                                                                           \
	X(HS_IKE_HASH_SHA1, 1, "SHA1")                                                             \
	X(HS_IKE_HASH_SHA2_256, 2, "SHA2_256")                                                     \
	X(HS_IKE_HASH_SHA2_384, 3, "SHA2_384")                                                     \
	X(HS_IKE_HASH_SHA2_512, 4, "SHA2_512")
enum hs_ike_hash { HS_IKE_HASHES(HS_IKE_ENUM_VAL) };

/*
 * Names for log lines and the console; an unknown value gives "UNKNOWN"
 * (never NULL), so a hostile number can be printed safely as "%s(%u)".
 */
const char *hs_ike_exchange_name(unsigned int v);
const char *hs_ike_payload_name(unsigned int v);
const char *hs_ike_proto_name(unsigned int v);
const char *hs_ike_transform_type_name(unsigned int v);
const char *hs_ike_encr_name(unsigned int v);
const char *hs_ike_prf_name(unsigned int v);
const char *hs_ike_integ_name(unsigned int v);
const char *hs_ike_dh_name(unsigned int v);
const char *hs_ike_id_type_name(unsigned int v);
const char *hs_ike_auth_method_name(unsigned int v);
const char *hs_ike_ts_type_name(unsigned int v);
const char *hs_ike_notify_name(unsigned int v);

#endif /* HS_IKE_CONST_H */
