/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hubsec configuration: one YAML file for the whole box, in the words a Cisco
 * IOS / Meraki operator uses. Loaded with libyaml; no EAL needed. The full
 * reference with examples is scripts/configs/README.md.
 *
 * Top level is a mapping; every section is optional. NAME is 1..63 of
 * [A-Za-z0-9_.-]. PREFIX is "10.0.0.0/8" or "2001:db8::/32" (host bits
 * must be clear); ADDR is "10.1.2.3" or "2001:db8::1"; IFADDR is an
 * interface address with its length, "192.168.100.1/24". Integers are
 * decimal or 0x-hex. Bools are true/false (yes/no, on/off).
 *
 *   hostname: NAME                          default "hubsec"
 *   log-level: emergency|alert|critical|error|warning|notice|info|debug  (info)
 *   interfaces:                             list
 *     - name: NAME                          required, unique
 *       port: DEVARGS                       required, unique: 0000:03:00.0 or
 *                                           net_af_packet0,iface=veth1
 *       role: inside|outside                required
 *       ipv4: IFADDR | [IFADDR...]          optional (up to 8)
 *       ipv6: IFADDR | [IFADDR...]          optional (up to 8)
 *       mac: xx:xx:xx:xx:xx:xx              optional (default: the port's)
 *       mtu: 576..9600                      default 1500 (1280.. with ipv6)
 *   routes:                                 list; next-hop and/or interface
 *     - prefix: PREFIX                      required
 *       next-hop: ADDR                      same family as prefix
 *       interface: NAME                     an interface
 *   neighbors:                              static ARP/ND entries, list
 *     - {address: ADDR, mac: MAC, interface: NAME}     all required
 *   access-lists:                           mapping NAME -> ordered list of lines;
 *     NAME:                                 first match wins (Cisco)
 *       - action: permit|deny               required
 *         protocol: ip|icmp|icmpv6|tcp|udp|gre|esp|ah|sctp|0..255   default ip
 *         source: any|any4|any6|host ADDR|PREFIX|ADDR               default any
 *         destination: (as source)                                  default any
 *         source-port: N | N-M              tcp/udp only; default any
 *         destination-port: N | N-M         tcp/udp only; default any
 *         remark: STRING                    optional
 *   transform-sets:                         mapping NAME -> transform set
 *     NAME:
 *       esp: [CIPHER, INTEG]                required; Cisco names:
 *         CIPHER: esp-aes 128|esp-aes 256 (AES-CBC; "esp-aes" = 128),
 *                 esp-gcm 128|esp-gcm 256 (AES-GCM; "esp-gcm" = 128);
 *                 "esp-aes-256" etc. also accepted
 *         INTEG:  esp-sha-hmac (SHA1-96), esp-sha256-hmac, esp-sha384-hmac,
 *                 esp-sha512-hmac; required with CBC, refused with GCM
 *       mode: tunnel                        default tunnel (transport: refused)
 *   ike-policies:                           list, tried by priority (lowest first)
 *     - priority: 1..10000                  required, unique
 *       encryption: aes-cbc-128|aes-cbc-256|aes-gcm-128|aes-gcm-256  (aes-cbc-256)
 *       hash: sha1|sha256|sha384|sha512     (sha256) integrity/PRF
 *       group: 14|15|19|20|21|31            (14) also "group14"
 *       authentication: pre-share|rsa-sig|ecdsa-sig   (pre-share)
 *       lifetime: 60..86400 seconds         (86400)
 *   crypto-maps:                            mapping NAME -> map
 *     NAME:
 *       interface: NAME                     required, an outside interface, one map each
 *       entries:                            required list, sorted by seq
 *         - seq: 1..65535                   required, unique in the map
 *           match-address: NAME             required, an access list
 *           peer: ADDR | [ADDR...]          required (up to 8; first is preferred)
 *           transform-sets: NAME | [NAME...]  required (up to 6), in order
 *           pfs: none|14|15|19|20|21|31     (none) also "group14"
 *           lifetime-seconds: 120..86400    (3600)
 *           lifetime-kilobytes: 2560..4294967295   (4608000)
 *           ike-version: 1|2                (2)
 *           replay-window-size: 0 | 64..4096, a multiple of 64   (64; 0 = off)
 *           esn: BOOL                       (false)
 *           nat-t: auto|true|false          (auto: when NAT is detected;
 *                                           true: always UDP 4500; false: never)
 *           df-bit: copy|set|clear          (copy)
 *           initiate: BOOL                  (false) bring the tunnel up at start
 *           child-sa: per-acl-line|single   (per-acl-line) IKEv2: a child SA per permit
 *                                           line (Cisco), or one covering all (Meraki)
 *           peer-identity: KIND:VALUE       IKEv2: the ID the peer must authenticate as:
 *                                           fqdn:NAME, email:ADDR, dn:"C=CH, O=x, CN=y",
 *                                           address:ADDR (default: any ID that its PSK
 *                                           or certificate vouches for)
 *   pre-shared-keys:                        list; secrets, never printed
 *     - peer: ADDR | PREFIX | "*"           required, unique ("*" = any peer)
 *       key: STRING                         1..128 bytes, or
 *       key-file: PATH                      relative to the config file's directory;
 *                                           trailing newline stripped
 *   pki:                                    certificates for ike-policies with rsa-sig or
 *                                           ecdsa-sig (IKEv2, RFC 7427 signatures)
 *     certificate: PATH                     required: PEM, our certificate first, then
 *                                           the intermediates to send with it
 *     private-key: PATH                     required: PEM, its RSA or EC key, unencrypted;
 *                                           a secret, never printed
 *     ca-certificates: PATH | [PATH...]     required (up to 8 files): PEM trust anchors;
 *                                           a peer's chain must end at one of them
 *     identity: dn|fqdn|email|address       (dn) our IKE ID: the certificate's subject,
 *                                           its first DNS or email subjectAltName, or
 *                                           our outer address (an IP subjectAltName)
 *     PATHs are relative to the config file's directory; files up to 256 KiB.
 *   static-sas:                             manually keyed SAs (no IKE), list
 *     - name: NAME                          required, unique
 *       crypto-map: NAME                    with seq: take peer, transform set,
 *       seq: N                              options and selectors from that entry
 *       acl-line: N                         1-based line of the entry's ACL
 *                                           (default: its only permit line)
 *       local-subnet: PREFIX|any            explicit selectors (instead of, or
 *       remote-subnet: PREFIX|any           overriding, the ACL line)
 *       local-address: ADDR                 an interface's (default: the map interface's)
 *       peer: ADDR                          (default: the entry's first peer)
 *       transform-set: NAME                 (default: the entry's first)
 *       inbound:  {spi: SPI, enc-key: HEX, auth-key: HEX}   required
 *       outbound: {spi: SPI, enc-key: HEX, auth-key: HEX}   required
 *         SPI: 256..0xffffffff (0..255 reserved), unique per direction
 *         enc-key: 16/32 bytes for CBC-128/256, 20/36 for GCM-128/256 (key+salt)
 *         auth-key: 20/32/48/64 bytes for SHA1/256/384/512; none with GCM
 *       nat-t: BOOL                         (false) UDP-encapsulate (RFC 3948)
 *       nat-t-local-port: 1..65535          (4500)
 *       nat-t-remote-port: 1..65535         (4500)
 *       esn, replay-window-size, df-bit     (as the crypto map entry, or its defaults)
 *   autovpn:
 *     enabled: BOOL                         (false)
 *     role: hub|spoke                       required when enabled
 *     registry: [HOST[:PORT[-PORT]]...]     (default ports 9350-9381); >= 1 when enabled
 *     hubs: [NAME-or-ADDR | {peer: X, priority: 1..255}...]  (priority = position)
 *     exported-subnets: [PREFIX...]
 *     exit-hub: none | a hub's peer         (none)
 *     full-tunnel: BOOL                     (false) needs an exit-hub on a spoke
 *
 * Errors are "FILE:LINE:COLUMN: path: what is wrong" (1-based, from libyaml's
 * marks); all of them are collected, up to HS_CONFIG_ERRORS_MAX. Secret
 * values (PSKs, static SA keys) never appear in an error, in a dump or in a
 * log: hs_config_dump() prints them as "*****", hs_config_free() wipes them.
 * YAML aliases are refused; anchors are ignored. Limits: 16 MiB, 1,000,000
 * values, 32 levels, 4096-byte values, 64 interfaces.
 */
#ifndef HS_CONFIG_H
#define HS_CONFIG_H

#include <stdio.h>

#include "addr.h"
#include "hs_common.h"
#include "sa.h"

#define HS_CONFIG_NAME_MAX 64	   /* NAME, with the NUL */
#define HS_CONFIG_STR_MAX 256	   /* ports, paths, host names, remarks */
#define HS_CONFIG_IFADDR_MAX 8	   /* addresses per family per interface */
#define HS_CONFIG_PEERS_MAX 8	   /* peers per crypto map entry */
#define HS_CONFIG_TSETS_MAX 6	   /* transform sets per entry, as Cisco */
#define HS_CONFIG_REGISTRY_MAX 8   /* autovpn registry servers */
#define HS_CONFIG_PSK_MAX 128	   /* bytes */
#define HS_CONFIG_ERRORS_MAX 50	   /* stored messages; more are counted */
#define HS_CONFIG_ERROR_LEN 512	   /* one message, with the NUL */
#define HS_CONFIG_FILE_MAX (16u << 20) /* larger files are refused */
#define HS_CONFIG_SECRET_MASK "*****"
#define HS_CONFIG_CA_MAX 8	   /* ca-certificates files */
#define HS_CONFIG_PEM_MAX (256u << 10) /* bytes of one pki file */

#define HS_CONFIG_REPLAY_DEFAULT 64
#define HS_CONFIG_LIFETIME_SEC_DEFAULT 3600
#define HS_CONFIG_LIFETIME_KB_DEFAULT 4608000
#define HS_CONFIG_IKE_LIFETIME_DEFAULT 86400
#define HS_CONFIG_NATT_PORT 4500
#define HS_CONFIG_REGISTRY_PORT_LO 9350
#define HS_CONFIG_REGISTRY_PORT_HI 9381

#define HS_CONFIG_LOG_LEVELS(X)                                                                    \
	X(HS_CONFIG_LOG_EMERG, "emergency")                                                        \
	X(HS_CONFIG_LOG_ALERT, "alert")                                                            \
	X(HS_CONFIG_LOG_CRIT, "critical")                                                          \
	X(HS_CONFIG_LOG_ERR, "error")                                                              \
	X(HS_CONFIG_LOG_WARNING, "warning")                                                        \
	X(HS_CONFIG_LOG_NOTICE, "notice")                                                          \
	X(HS_CONFIG_LOG_INFO, "info")                                                              \
	X(HS_CONFIG_LOG_DEBUG, "debug")
enum hs_config_log_level { HS_CONFIG_LOG_LEVELS(HS_ENUM_ITEM) HS_CONFIG_LOG_MAX };

#define HS_CONFIG_IF_ROLES(X)                                                                      \
	X(HS_CONFIG_IF_INSIDE, "inside")                                                           \
	X(HS_CONFIG_IF_OUTSIDE, "outside")
enum hs_config_if_role { HS_CONFIG_IF_ROLES(HS_ENUM_ITEM) HS_CONFIG_IF_ROLE_MAX };

#define HS_CONFIG_ACL_ACTIONS(X)                                                                   \
	X(HS_CONFIG_ACL_PERMIT, "permit")                                                          \
	X(HS_CONFIG_ACL_DENY, "deny")
enum hs_config_acl_action { HS_CONFIG_ACL_ACTIONS(HS_ENUM_ITEM) HS_CONFIG_ACL_ACTION_MAX };

#define HS_CONFIG_IKE_HASHES(X)                                                                    \
	X(HS_CONFIG_IKE_SHA1, "sha1")                                                              \
	X(HS_CONFIG_IKE_SHA256, "sha256")                                                          \
	X(HS_CONFIG_IKE_SHA384, "sha384")                                                          \
	X(HS_CONFIG_IKE_SHA512, "sha512")
enum hs_config_ike_hash { HS_CONFIG_IKE_HASHES(HS_ENUM_ITEM) HS_CONFIG_IKE_HASH_MAX };

#define HS_CONFIG_IKE_AUTHS(X)                                                                     \
	X(HS_CONFIG_IKE_AUTH_PSK, "pre-share")                                                     \
	X(HS_CONFIG_IKE_AUTH_RSA, "rsa-sig")                                                       \
	X(HS_CONFIG_IKE_AUTH_ECDSA, "ecdsa-sig")
enum hs_config_ike_auth { HS_CONFIG_IKE_AUTHS(HS_ENUM_ITEM) HS_CONFIG_IKE_AUTH_MAX };

/* Kinds of IKE identity (RFC 7296 §3.5): our pki.identity, an entry's peer-identity. */
#define HS_CONFIG_ID_KINDS(X)                                                                      \
	X(HS_CONFIG_ID_DN, "dn")                                                                   \
	X(HS_CONFIG_ID_FQDN, "fqdn")                                                               \
	X(HS_CONFIG_ID_EMAIL, "email")                                                             \
	X(HS_CONFIG_ID_ADDRESS, "address")
enum hs_config_id_kind { HS_CONFIG_ID_KINDS(HS_ENUM_ITEM) HS_CONFIG_ID_MAX };

/* NAT traversal of a crypto map entry (RFC 3947, RFC 7296 §2.23, RFC 3948). */
#define HS_CONFIG_NATT_MODES(X)                                                                    \
	X(HS_CONFIG_NATT_AUTO, "auto")                                                             \
	X(HS_CONFIG_NATT_ALWAYS, "true")                                                           \
	X(HS_CONFIG_NATT_NEVER, "false")
enum hs_config_natt { HS_CONFIG_NATT_MODES(HS_ENUM_ITEM) HS_CONFIG_NATT_MAX };

#define HS_CONFIG_AUTOVPN_ROLES(X)                                                                 \
	X(HS_CONFIG_AUTOVPN_HUB, "hub")                                                            \
	X(HS_CONFIG_AUTOVPN_SPOKE, "spoke")
enum hs_config_autovpn_role { HS_CONFIG_AUTOVPN_ROLES(HS_ENUM_ITEM) HS_CONFIG_AUTOVPN_ROLE_MAX };

/* Where something was written (1-based; 0 when it came from a default). */
struct hs_config_mark {
	uint32_t line;
	uint32_t col;
};

struct hs_config_error {
	uint32_t line;
	uint32_t col;
	char text[HS_CONFIG_ERROR_LEN]; /* "FILE:LINE:COL: message" */
};

/* Filled by hs_config_load(); no allocation, so it can live on the stack. */
struct hs_config_errors {
	unsigned int count;   /* messages stored in err[] */
	unsigned int dropped; /* further errors, counted only */
	struct hs_config_error err[HS_CONFIG_ERRORS_MAX];
};

/* An interface address: host bits kept. */
struct hs_config_ifaddr {
	struct hs_addr addr;
	uint8_t len;
};

struct hs_config_interface {
	char name[HS_CONFIG_NAME_MAX];
	char port[HS_CONFIG_STR_MAX];
	enum hs_config_if_role role;
	struct hs_config_ifaddr ipv4[HS_CONFIG_IFADDR_MAX];
	unsigned int n_ipv4;
	struct hs_config_ifaddr ipv6[HS_CONFIG_IFADDR_MAX];
	unsigned int n_ipv6;
	bool has_mac;
	uint8_t mac[6];
	uint16_t mtu;
	struct hs_config_mark mark;
};

struct hs_config_route {
	struct hs_prefix prefix;
	struct hs_addr next_hop; /* family 0: none (directly connected) */
	char ifname[HS_CONFIG_NAME_MAX]; /* "": none */
	const struct hs_config_interface *iface;
	struct hs_config_mark mark, if_mark;
};

struct hs_config_neighbor {
	struct hs_addr addr;
	uint8_t mac[6];
	char ifname[HS_CONFIG_NAME_MAX];
	const struct hs_config_interface *iface;
	struct hs_config_mark mark, if_mark;
};

/*
 * One ACL line; also a static SA's selectors. A prefix whose family is 0
 * is "any" (either family). proto_any is Cisco's "ip".
 */
struct hs_config_acl_line {
	enum hs_config_acl_action action;
	bool proto_any;
	uint8_t proto;
	struct hs_prefix src;
	struct hs_prefix dst;
	uint16_t sport_lo, sport_hi; /* 0-65535 when not given */
	uint16_t dport_lo, dport_hi;
	char remark[HS_CONFIG_STR_MAX];
	struct hs_config_mark mark;
};

struct hs_config_acl {
	char name[HS_CONFIG_NAME_MAX];
	struct hs_config_acl_line *lines; /* in file order: first match wins */
	unsigned int n_lines;
	struct hs_config_mark mark;
};

struct hs_config_transform_set {
	char name[HS_CONFIG_NAME_MAX];
	enum hs_cipher cipher;
	enum hs_integ integ; /* HS_INTEG_NONE exactly when cipher is GCM */
	bool ok;	     /* esp list valid (keys are checked against it only then) */
	struct hs_config_mark mark;
};

struct hs_config_ike_policy {
	uint32_t priority;
	enum hs_cipher encryption;
	enum hs_config_ike_hash hash;
	uint16_t group; /* DH group number (RFC 7296 / IANA) */
	enum hs_config_ike_auth auth;
	uint32_t lifetime; /* seconds */
	struct hs_config_mark mark;
};

/* An IKE identity as written, "fqdn:vpn.example.net" (the DN is parsed when matched). */
struct hs_config_ike_id {
	enum hs_config_id_kind kind;
	char value[HS_CONFIG_STR_MAX]; /* after "KIND:" */
	struct hs_addr addr;	       /* kind address */
	struct hs_config_mark mark;
};

struct hs_config_crypto_entry {
	uint32_t seq;
	char acl_name[HS_CONFIG_NAME_MAX];
	const struct hs_config_acl *acl;
	struct hs_addr peers[HS_CONFIG_PEERS_MAX];
	unsigned int n_peers;
	char tset_names[HS_CONFIG_TSETS_MAX][HS_CONFIG_NAME_MAX];
	const struct hs_config_transform_set *tsets[HS_CONFIG_TSETS_MAX];
	unsigned int n_tsets;
	uint16_t pfs_group; /* 0: no PFS */
	uint32_t lifetime_sec;
	uint64_t lifetime_kb;
	uint8_t ike_version;
	uint32_t replay_window; /* 0: off */
	bool esn;
	enum hs_config_natt natt;
	enum hs_df_policy df;
	bool initiate;
	bool child_per_line; /* IKEv2 child SAs: one per permit line, else one for all */
	bool has_peer_id;
	struct hs_config_ike_id peer_id;
	struct hs_config_mark mark;
	struct hs_config_mark acl_mark;
	struct hs_config_mark tset_marks[HS_CONFIG_TSETS_MAX];
};

struct hs_config_crypto_map {
	char name[HS_CONFIG_NAME_MAX];
	char ifname[HS_CONFIG_NAME_MAX];
	const struct hs_config_interface *iface;
	struct hs_config_crypto_entry *entries; /* sorted by seq */
	unsigned int n_entries;
	struct hs_config_mark mark;
	struct hs_config_mark if_mark;
};

struct hs_config_psk {
	bool wildcard;	       /* "*": any peer without a key of its own */
	struct hs_prefix peer; /* when not a wildcard */
	uint8_t key[HS_CONFIG_PSK_MAX];
	uint16_t key_len;
	char key_file[HS_CONFIG_STR_MAX]; /* "" when inline */
	struct hs_config_mark mark;
};

/* A PEM file of the pki section, read whole at load time. */
struct hs_config_pem {
	char path[HS_CONFIG_STR_MAX]; /* as written */
	char *data;		      /* NUL-terminated */
	size_t len;
	struct hs_config_mark mark;
};

/*
 * Certificates (pki:). Loading checks that every file parses, that the key
 * belongs to the certificate, and that the identity kind is in it; the IKE
 * engine parses the PEM text again into OpenSSL objects. key.data is a
 * secret: wiped by hs_config_free(), never printed.
 */
struct hs_config_pki {
	bool present;
	struct hs_config_pem cert, key;
	struct hs_config_pem ca[HS_CONFIG_CA_MAX];
	unsigned int n_ca;
	enum hs_config_id_kind identity;
	bool key_rsa; /* the private key is RSA; else EC */
	bool ok;      /* every file loaded and checked */
	struct hs_config_mark mark, id_mark;
};

/* Keys of one direction of a static SA, as bytes. */
struct hs_config_sa_keys {
	uint32_t spi;
	uint8_t enc_key[HS_ENC_KEY_MAX];
	uint16_t enc_key_len; /* bytes given (checked against the transform) */
	uint8_t auth_key[HS_AUTH_KEY_MAX];
	uint16_t auth_key_len;
	bool has_auth_key;
	bool bad; /* a key was not valid hex (already reported) */
	struct hs_config_mark mark, spi_mark, enc_mark, auth_mark;
};

struct hs_config_static_sa {
	char name[HS_CONFIG_NAME_MAX];
	char map_name[HS_CONFIG_NAME_MAX]; /* "": explicit selectors */
	uint32_t seq;
	uint32_t acl_line; /* 1-based; 0: not given */
	const struct hs_config_crypto_map *map;
	const struct hs_config_crypto_entry *entry;
	struct hs_config_acl_line sel; /* src: local side, dst: remote side */
	struct hs_addr local;	       /* outer addresses */
	struct hs_addr peer;
	char tset_name[HS_CONFIG_NAME_MAX];
	const struct hs_config_transform_set *tset;
	struct hs_config_sa_keys in, out;
	bool natt;
	uint16_t natt_local_port, natt_remote_port;
	bool esn;
	uint32_t replay_window;
	enum hs_df_policy df;
	struct hs_config_mark mark;
	/* Which of the optional keys were written (the rest come from the entry). */
	bool has_local_sel, has_remote_sel, has_local, has_peer, has_esn, has_replay, has_df;
	struct hs_config_mark map_mark, tset_mark, local_mark, peer_mark;
};

struct hs_config_registry {
	char host[HS_CONFIG_STR_MAX]; /* name or address */
	uint16_t port_lo, port_hi;
	struct hs_config_mark mark;
};

struct hs_config_autovpn_hub {
	char peer[HS_CONFIG_STR_MAX]; /* peer name or address */
	bool is_addr;
	struct hs_addr addr;
	uint32_t priority; /* 1 first */
	struct hs_config_mark mark;
};

struct hs_config_autovpn {
	bool present; /* the section was written */
	bool enabled;
	enum hs_config_autovpn_role role;
	bool has_role;
	struct hs_config_registry registry[HS_CONFIG_REGISTRY_MAX];
	unsigned int n_registry;
	struct hs_config_autovpn_hub *hubs;
	unsigned int n_hubs;
	struct hs_prefix *subnets;
	unsigned int n_subnets;
	char exit_hub[HS_CONFIG_STR_MAX]; /* "": none */
	bool full_tunnel;
	struct hs_config_mark mark, exit_mark, full_mark;
};

struct hs_config {
	char *path; /* as given to hs_config_load() */
	char hostname[HS_CONFIG_NAME_MAX];
	enum hs_config_log_level log_level;
	struct hs_config_interface *ifaces;
	unsigned int n_ifaces;
	struct hs_config_route *routes;
	unsigned int n_routes;
	struct hs_config_neighbor *neighbors;
	unsigned int n_neighbors;
	struct hs_config_acl *acls;
	unsigned int n_acls;
	struct hs_config_transform_set *tsets;
	unsigned int n_tsets;
	struct hs_config_ike_policy *ike_policies; /* sorted by priority */
	unsigned int n_ike_policies;
	struct hs_config_crypto_map *maps;
	unsigned int n_maps;
	struct hs_config_psk *psks;
	unsigned int n_psks;
	struct hs_config_static_sa *static_sas;
	unsigned int n_static_sas;
	struct hs_config_pki pki;
	struct hs_config_autovpn autovpn;
};

/*
 * Load and validate a configuration file. Returns the configuration, or NULL
 * when there is any error; errors (may be NULL) then holds the messages,
 * "FILE:LINE:COLUMN: what is wrong", sorted by position. Never prints.
 */
struct hs_config *hs_config_load(const char *path, struct hs_config_errors *errors);

/*
 * The same from a buffer (tests, fuzzers): name is used in messages, dir is
 * where key-file paths are relative to (NULL: the current directory).
 */
struct hs_config *hs_config_load_buf(const char *name, const char *buf, size_t len,
	const char *dir, struct hs_config_errors *errors);

/* Wipe the secrets (explicit_bzero) and free. NULL is fine. */
void hs_config_free(struct hs_config *cfg);

/* Errors, one per line, then "... and N more errors" when some were dropped. */
void hs_config_errors_print(const struct hs_config_errors *errors, FILE *out);

/*
 * Fill p with the inbound or outbound SA of a static SA entry (keys, SPI,
 * outer addresses and NAT-T ports as seen by that direction). p holds key
 * material: the caller wipes it after hs_sa_create(). Returns 0, or -EINVAL
 * when the entry is not complete (cannot happen for a loaded config).
 */
int hs_config_static_sa_params(const struct hs_config *cfg, const struct hs_config_static_sa *s,
	enum hs_sa_dir dir, struct hs_sa_params *p);

/* Running configuration in the file's own YAML schema, defaults filled, secrets masked. */
void hs_config_dump(const struct hs_config *cfg, FILE *out);

/* "2 interfaces, 3 access-lists, 1 crypto map (2 entries), 2 static SAs" */
void hs_config_summary(const struct hs_config *cfg, char *buf, size_t len);

/* Lookups by name; NULL when absent. */
const struct hs_config_interface *hs_config_find_interface(const struct hs_config *cfg,
	const char *name);
const struct hs_config_acl *hs_config_find_acl(const struct hs_config *cfg, const char *name);
const struct hs_config_transform_set *hs_config_find_transform_set(const struct hs_config *cfg,
	const char *name);
const struct hs_config_crypto_map *hs_config_find_crypto_map(const struct hs_config *cfg,
	const char *name);

/*
 * The pre-shared key for a peer: the longest matching peer prefix, "*" last.
 * NULL when none. The key is a secret: never log it.
 */
const struct hs_config_psk *hs_config_find_psk(const struct hs_config *cfg,
	const struct hs_addr *peer);

const char *hs_config_log_level_name(enum hs_config_log_level l);
const char *hs_config_if_role_name(enum hs_config_if_role r);
const char *hs_config_acl_action_name(enum hs_config_acl_action a);
const char *hs_config_ike_hash_name(enum hs_config_ike_hash h);
const char *hs_config_ike_auth_name(enum hs_config_ike_auth a);
const char *hs_config_natt_name(enum hs_config_natt n);
const char *hs_config_id_kind_name(enum hs_config_id_kind k);
const char *hs_config_autovpn_role_name(enum hs_config_autovpn_role r);

struct X509_name_st;
struct stack_st_X509;

/*
 * The certificates of a pki PEM file, in file order, as a new OpenSSL
 * STACK_OF(X509) (free with sk_X509_pop_free(sk, X509_free)); NULL when it
 * holds none or memory ran out.
 */
struct stack_st_X509 *hs_config_pem_certs(const struct hs_config_pem *f);

/*
 * A distinguished name as text, "C=CH, O=Example, CN=vpn" (RFC 4514 order
 * as strongSwan and Cisco print it; "/C=CH/O=Example/CN=vpn" as OpenSSL
 * does; "\," escapes a comma), into a new X509_NAME. Attribute names are
 * OpenSSL's (C, ST, L, O, OU, CN, DC, UID, serialNumber, emailAddress or
 * E). 0, or -EINVAL with *why (a static string) set.
 */
int hs_config_dn_parse(const char *text, struct X509_name_st **out, const char **why);

/* An ACL line's protocol as the config writes it ("ip", "tcp", "47"); buf for numbers. */
const char *hs_cfg_proto_name(const struct hs_config_acl_line *l, char *buf, size_t len);

#endif /* HS_CONFIG_H */
