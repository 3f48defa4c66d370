/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration loader (lib/config): the example configs load and mean what
 * they say, every kind of error is reported at its FILE:LINE:COLUMN, secrets
 * never leak into messages or dumps, and garbage never crashes the loader.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <CUnit/CUnit.h>

#include "config.h"
#include "unit_common.h"

#define EX_DIR HS_SRC_DIR "/scripts/configs/"
#define T_DIR HS_SRC_DIR "/tests/unit/configs/"

static struct hs_config_errors errs;

static struct hs_config *
load(const char *path)
{
	struct hs_config *cfg = hs_config_load(path, &errs);

	if (cfg == NULL)
		hs_config_errors_print(&errs, stderr);
	return cfg;
}

static struct hs_addr
addr(const char *s)
{
	struct hs_addr a;

	CU_ASSERT_EQUAL_FATAL(hs_addr_parse(s, &a), 0);
	return a;
}

static bool
prefix_is(const struct hs_prefix *p, const char *s)
{
	char buf[HS_ADDR_STRLEN];

	return strcmp(hs_prefix_format(p, buf, sizeof(buf)), s) == 0;
}

static const struct hs_config_static_sa *
find_static(const struct hs_config *cfg, const char *name)
{
	for (unsigned int i = 0; i < cfg->n_static_sas; i++) {
		if (strcmp(cfg->static_sas[i].name, name) == 0)
			return &cfg->static_sas[i];
	}
	return NULL;
}

static void
test_site1_values(void)
{
	struct hs_config *cfg = load(EX_DIR "site1.yaml");
	const struct hs_config_acl *acl;
	const struct hs_config_crypto_map *m;
	const struct hs_config_crypto_entry *e;
	char sum[256];

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_STRING_EQUAL(cfg->hostname, "site1-fw");
	CU_ASSERT_EQUAL(cfg->n_ifaces, 2);
	CU_ASSERT_STRING_EQUAL(cfg->ifaces[0].port, "net_af_packet0,iface=s1-in");
	CU_ASSERT_EQUAL(cfg->ifaces[0].role, HS_CONFIG_IF_INSIDE);
	CU_ASSERT_EQUAL(cfg->ifaces[0].n_ipv4, 2);
	CU_ASSERT_EQUAL(cfg->ifaces[0].ipv4[1].len, 24);
	CU_ASSERT_EQUAL(cfg->ifaces[1].role, HS_CONFIG_IF_OUTSIDE);
	CU_ASSERT_EQUAL(cfg->ifaces[1].mtu, 1500);
	acl = hs_config_find_acl(cfg, "s2svpn_to_site2");
	CU_ASSERT_PTR_NOT_NULL_FATAL(acl);
	CU_ASSERT_EQUAL_FATAL(acl->n_lines, 2);
	CU_ASSERT(prefix_is(&acl->lines[0].src, "192.168.100.0/24"));
	CU_ASSERT(prefix_is(&acl->lines[1].src, "192.168.200.0/24"));
	CU_ASSERT(prefix_is(&acl->lines[1].dst, "172.16.10.0/24"));
	CU_ASSERT_STRING_EQUAL(acl->lines[0].remark, "YELLOW to PURPLE");
	CU_ASSERT_TRUE(acl->lines[0].proto_any);
	m = hs_config_find_crypto_map(cfg, "outside_map");
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_PTR_EQUAL(m->iface, &cfg->ifaces[1]);
	CU_ASSERT_EQUAL_FATAL(m->n_entries, 1);
	e = &m->entries[0];
	CU_ASSERT_EQUAL(e->seq, 1);
	CU_ASSERT_PTR_EQUAL(e->acl, acl);
	CU_ASSERT_EQUAL(e->pfs_group, 14);
	CU_ASSERT_EQUAL(e->ike_version, 2);
	CU_ASSERT_EQUAL(e->lifetime_sec, 3600);
	CU_ASSERT_EQUAL(e->lifetime_kb, 4608000);
	CU_ASSERT_TRUE(e->initiate);
	CU_ASSERT_EQUAL(e->tsets[0]->cipher, HS_CIPHER_AES_CBC_256);
	CU_ASSERT_EQUAL(e->tsets[0]->integ, HS_INTEG_HMAC_SHA256_128);
	CU_ASSERT_EQUAL(cfg->ike_policies[0].group, 14);
	hs_config_summary(cfg, sum, sizeof(sum));
	CU_ASSERT_STRING_EQUAL(sum, "2 interfaces, 1 access-list, 1 crypto map (1 entry), "
				    "2 static SAs");
	hs_config_free(cfg);
}

static void
test_static_params_cbc(void)
{
	struct hs_config *cfg = load(EX_DIR "site1.yaml");
	const struct hs_config_static_sa *s;
	struct hs_sa_params p;
	struct hs_addr wan1, wan2;

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	wan1 = addr("10.255.1.2");
	wan2 = addr("10.255.2.2");
	s = find_static(cfg, "blue-purple");
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT(prefix_is(&s->sel.src, "192.168.200.0/24")); /* acl-line 2 */
	CU_ASSERT(prefix_is(&s->sel.dst, "172.16.10.0/24"));
	CU_ASSERT_EQUAL_FATAL(hs_config_static_sa_params(cfg, s, HS_SA_OUT, &p), 0);
	CU_ASSERT_EQUAL(p.spi, 0x1002);
	CU_ASSERT_EQUAL(p.dir, HS_SA_OUT);
	CU_ASSERT_EQUAL(p.cipher, HS_CIPHER_AES_CBC_256);
	CU_ASSERT_EQUAL(p.integ, HS_INTEG_HMAC_SHA256_128);
	CU_ASSERT_EQUAL(p.enc_key_len, 32);
	CU_ASSERT(p.enc_key[0] == 0x80 && p.enc_key[31] == 0x9f);
	CU_ASSERT_EQUAL(p.auth_key_len, 32);
	CU_ASSERT(p.auth_key[0] == 0xa0 && p.auth_key[31] == 0xbf);
	CU_ASSERT_TRUE(hs_addr_equal(&p.tun_src, &wan1));
	CU_ASSERT_TRUE(hs_addr_equal(&p.tun_dst, &wan2));
	CU_ASSERT_FALSE(p.natt);
	CU_ASSERT_FALSE(p.esn);
	CU_ASSERT_EQUAL(p.replay_window, 64);
	CU_ASSERT_EQUAL(p.df, HS_DF_COPY);
	CU_ASSERT_EQUAL_FATAL(hs_config_static_sa_params(cfg, s, HS_SA_IN, &p), 0);
	CU_ASSERT_EQUAL(p.spi, 0x2002);
	CU_ASSERT_EQUAL(p.dir, HS_SA_IN);
	CU_ASSERT(p.enc_key[0] == 0xc0 && p.auth_key[31] == 0xff);
	CU_ASSERT_TRUE(hs_addr_equal(&p.tun_src, &wan2));
	CU_ASSERT_TRUE(hs_addr_equal(&p.tun_dst, &wan1));
	explicit_bzero(&p, sizeof(p));
	hs_config_free(cfg);
}

static void
test_static_params_gcm_natt(void)
{
	struct hs_config *cfg = load(EX_DIR "static-gcm.yaml");
	const struct hs_config_static_sa *s;
	struct hs_sa_params p;
	struct hs_addr local;

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	local = addr("192.0.2.1");
	s = find_static(cfg, "lab-gcm");
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL_FATAL(hs_config_static_sa_params(cfg, s, HS_SA_OUT, &p), 0);
	CU_ASSERT_EQUAL(p.spi, 0x3001);
	CU_ASSERT_EQUAL(p.cipher, HS_CIPHER_AES_GCM_128);
	CU_ASSERT_EQUAL(p.integ, HS_INTEG_NONE);
	CU_ASSERT_EQUAL(p.enc_key_len, 20); /* key + salt */
	CU_ASSERT(p.enc_key[0] == 0x10 && p.enc_key[19] == 0x23);
	CU_ASSERT_EQUAL(p.auth_key_len, 0);
	CU_ASSERT_TRUE(p.natt);
	CU_ASSERT_EQUAL(p.natt_sport, 4500);
	CU_ASSERT_EQUAL(p.natt_dport, 31000);
	CU_ASSERT_TRUE(p.esn);
	CU_ASSERT_EQUAL(p.replay_window, 128);
	CU_ASSERT_TRUE(hs_addr_equal(&p.tun_src, &local));
	CU_ASSERT_EQUAL_FATAL(hs_config_static_sa_params(cfg, s, HS_SA_IN, &p), 0);
	CU_ASSERT_EQUAL(p.spi, 0x3002);
	CU_ASSERT_EQUAL(p.natt_sport, 31000);
	CU_ASSERT_EQUAL(p.natt_dport, 4500);
	CU_ASSERT_TRUE(hs_addr_equal(&p.tun_dst, &local));
	CU_ASSERT(prefix_is(&s->sel.src, "10.1.0.0/24"));
	explicit_bzero(&p, sizeof(p));
	hs_config_free(cfg);
}

static void
test_order_and_transforms(void)
{
	struct hs_config *cfg = load(T_DIR "good_order.yaml");
	const struct hs_config_acl *acl;
	const struct hs_config_crypto_map *m;
	static const struct {
		const char *name;
		enum hs_cipher c;
		enum hs_integ i;
	} ts[] = {
		{ "A", HS_CIPHER_AES_CBC_128, HS_INTEG_HMAC_SHA1_96 },
		{ "B", HS_CIPHER_AES_GCM_128, HS_INTEG_NONE },
		{ "C", HS_CIPHER_AES_CBC_256, HS_INTEG_HMAC_SHA512_256 },
		{ "D", HS_CIPHER_AES_GCM_256, HS_INTEG_NONE },
		{ "E", HS_CIPHER_AES_CBC_128, HS_INTEG_HMAC_SHA384_192 },
	};

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	acl = hs_config_find_acl(cfg, "ordered");
	CU_ASSERT_PTR_NOT_NULL_FATAL(acl);
	CU_ASSERT_EQUAL_FATAL(acl->n_lines, 4);
	CU_ASSERT_EQUAL(acl->lines[0].action, HS_CONFIG_ACL_DENY);
	CU_ASSERT_EQUAL(acl->lines[0].proto, 6);
	CU_ASSERT(prefix_is(&acl->lines[0].src, "10.0.0.5/32"));
	CU_ASSERT_EQUAL(acl->lines[0].dst.addr.family, 0); /* any */
	CU_ASSERT(acl->lines[0].dport_lo == 22 && acl->lines[0].dport_hi == 22);
	CU_ASSERT(acl->lines[1].sport_lo == 1024 && acl->lines[1].sport_hi == 65535);
	CU_ASSERT(acl->lines[1].dport_lo == 0 && acl->lines[1].dport_hi == 65535);
	CU_ASSERT_EQUAL(acl->lines[1].proto, 17);
	CU_ASSERT(acl->lines[2].proto == 47 && !acl->lines[2].proto_any);
	CU_ASSERT(prefix_is(&acl->lines[2].src, "0.0.0.0/0"));
	CU_ASSERT(prefix_is(&acl->lines[3].src, "::/0"));
	CU_ASSERT(prefix_is(&acl->lines[3].dst, "2001:db8::9/128"));
	CU_ASSERT_TRUE(acl->lines[3].proto_any);
	m = hs_config_find_crypto_map(cfg, "m");
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_EQUAL_FATAL(m->n_entries, 3);
	CU_ASSERT(m->entries[0].seq == 10 && m->entries[1].seq == 20 && m->entries[2].seq == 30);
	CU_ASSERT_EQUAL(m->entries[1].n_peers, 2);
	CU_ASSERT_EQUAL(m->entries[1].peers[1].family, AF_INET6);
	CU_ASSERT_EQUAL(m->entries[1].pfs_group, 19);
	CU_ASSERT_EQUAL(m->entries[1].natt, HS_CONFIG_NATT_ALWAYS);
	CU_ASSERT_EQUAL(m->entries[1].df, HS_DF_SET);
	CU_ASSERT_TRUE(m->entries[1].esn);
	CU_ASSERT_EQUAL(m->entries[0].natt, HS_CONFIG_NATT_AUTO);
	CU_ASSERT_STRING_EQUAL(m->entries[2].tset_names[0], "C"); /* order kept */
	CU_ASSERT_STRING_EQUAL(m->entries[2].tset_names[1], "A");
	for (size_t i = 0; i < HS_ARRAY_SIZE(ts); i++) {
		const struct hs_config_transform_set *t = hs_config_find_transform_set(cfg,
			ts[i].name);

		CU_ASSERT_PTR_NOT_NULL_FATAL(t);
		CU_ASSERT_EQUAL(t->cipher, ts[i].c);
		CU_ASSERT_EQUAL(t->integ, ts[i].i);
	}
	hs_config_free(cfg);
}

static void
test_hub_values(void)
{
	struct hs_config *cfg = load(EX_DIR "hub.yaml");
	const struct hs_config_crypto_map *m;
	const struct hs_config_psk *k;
	struct hs_addr a;

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_EQUAL(cfg->log_level, HS_CONFIG_LOG_NOTICE);
	CU_ASSERT_EQUAL_FATAL(cfg->n_ike_policies, 3);
	CU_ASSERT_EQUAL(cfg->ike_policies[0].priority, 10);
	CU_ASSERT_EQUAL(cfg->ike_policies[0].encryption, HS_CIPHER_AES_GCM_256);
	CU_ASSERT_EQUAL(cfg->ike_policies[0].hash, HS_CONFIG_IKE_SHA384);
	CU_ASSERT_EQUAL(cfg->ike_policies[1].auth, HS_CONFIG_IKE_AUTH_PSK); /* default */
	CU_ASSERT_EQUAL(cfg->ike_policies[1].lifetime, 86400);
	CU_ASSERT_EQUAL(cfg->ike_policies[2].lifetime, 28800);
	m = hs_config_find_crypto_map(cfg, "dc-map");
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_EQUAL_FATAL(m->n_entries, 3);
	CU_ASSERT_EQUAL(m->entries[1].ike_version, 1);
	CU_ASSERT_EQUAL(m->entries[1].df, HS_DF_CLEAR);
	CU_ASSERT_EQUAL(m->entries[1].pfs_group, 0);
	CU_ASSERT_EQUAL(m->entries[2].replay_window, 1024);
	CU_ASSERT_EQUAL(cfg->n_neighbors, 1);
	CU_ASSERT_PTR_EQUAL(cfg->neighbors[0].iface, hs_config_find_interface(cfg, "outside"));
	CU_ASSERT_EQUAL(cfg->ifaces[0].n_ipv6, 1);
	CU_ASSERT_EQUAL(cfg->ifaces[0].mtu, 9000);
	a = addr("203.0.113.78");
	k = hs_config_find_psk(cfg, &a);
	CU_ASSERT(k != NULL && k->peer.len == 32);
	a = addr("192.0.2.200");
	k = hs_config_find_psk(cfg, &a);
	CU_ASSERT(k != NULL && k->wildcard);
	CU_ASSERT_TRUE(cfg->autovpn.enabled);
	CU_ASSERT_EQUAL(cfg->autovpn.role, HS_CONFIG_AUTOVPN_HUB);
	CU_ASSERT_EQUAL_FATAL(cfg->autovpn.n_registry, 2);
	CU_ASSERT_STRING_EQUAL(cfg->autovpn.registry[0].host, "registry1.example.net");
	CU_ASSERT(cfg->autovpn.registry[0].port_lo == 9350 &&
		cfg->autovpn.registry[0].port_hi == 9381);
	CU_ASSERT(cfg->autovpn.registry[1].port_lo == 9350 &&
		cfg->autovpn.registry[1].port_hi == 9350);
	CU_ASSERT_EQUAL(cfg->autovpn.n_subnets, 3);
	CU_ASSERT_EQUAL(cfg->autovpn.exit_hub[0], '\0');
	hs_config_free(cfg);
}

static void
test_key_file(void)
{
	struct hs_config *cfg = load(T_DIR "good_keyfile.yaml");
	const struct hs_config_psk *k;
	struct hs_addr a;

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	a = addr("10.9.9.9");
	k = hs_config_find_psk(cfg, &a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	CU_ASSERT_EQUAL(k->key_len, 14); /* "\r\n" stripped */
	CU_ASSERT(memcmp(k->key, "file-psk-value", 14) == 0);
	a = addr("10.1.2.3");
	k = hs_config_find_psk(cfg, &a); /* longest match wins over 10.0.0.0/8 */
	CU_ASSERT(k != NULL && k->key_len == 20 && memcmp(k->key, "host key with spaces", 20) == 0);
	a = addr("2001:db8::1");
	k = hs_config_find_psk(cfg, &a);
	CU_ASSERT(k != NULL && k->key_len == 8 && memcmp(k->key, "wildcard", 8) == 0);
	hs_config_free(cfg);
}

/* The dump is itself a valid config, and dumping it again gives the same text. */
static void
test_dump_roundtrip(void)
{
	static const char *const files[] = { EX_DIR "hub.yaml", T_DIR "good_order.yaml",
		T_DIR "good_keyfile.yaml" };

	for (size_t i = 0; i < HS_ARRAY_SIZE(files); i++) {
		struct hs_config *cfg = load(files[i]), *again;
		char *d1 = NULL, *d2 = NULL;
		size_t l1 = 0, l2 = 0;
		FILE *f;

		CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
		f = open_memstream(&d1, &l1);
		hs_config_dump(cfg, f);
		fclose(f);
		again = hs_config_load_buf("dump", d1, l1, NULL, &errs);
		if (again == NULL)
			hs_config_errors_print(&errs, stderr);
		CU_ASSERT_PTR_NOT_NULL_FATAL(again);
		f = open_memstream(&d2, &l2);
		hs_config_dump(again, f);
		fclose(f);
		/* Skip the first line: it names the source. */
		CU_ASSERT_STRING_EQUAL(strchr(d1, '\n'), strchr(d2, '\n'));
		free(d1);
		free(d2);
		hs_config_free(again);
		hs_config_free(cfg);
	}
}

/* Every example config loads, and its dump shows no secret. */
static void
test_examples_no_secret_in_dump(void)
{
	static const char *const files[] = { EX_DIR "site1.yaml", EX_DIR "site2.yaml",
		EX_DIR "hub.yaml", EX_DIR "static-gcm.yaml", T_DIR "good_keyfile.yaml" };
	static const char *const secrets[] = { "lab-only", "000102030405", "404142434445",
		"c0c1c2", "e0e1e2", "101112131415", "file-psk-value", "host key", "wildcard\"" };

	for (size_t i = 0; i < HS_ARRAY_SIZE(files); i++) {
		struct hs_config *cfg = load(files[i]);
		char *d = NULL;
		size_t l = 0;
		FILE *f;

		CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
		CU_ASSERT_EQUAL(errs.count, 0);
		f = open_memstream(&d, &l);
		hs_config_dump(cfg, f);
		fclose(f);
		for (size_t k = 0; k < HS_ARRAY_SIZE(secrets); k++) {
			CU_ASSERT_PTR_NULL(strstr(d, secrets[k]));
			if (strstr(d, secrets[k]) != NULL)
				fprintf(stderr, "%s: dump shows '%s'\n", files[i], secrets[k]);
		}
		CU_ASSERT_PTR_NOT_NULL(strstr(d, HS_CONFIG_SECRET_MASK));
		free(d);
		hs_config_free(cfg);
	}
}

struct expect {
	uint32_t line, col;
	const char *text;
};

/* The error list holds one that starts "PATH:LINE:COL: " and contains text. */
static bool
has_error(const char *path, const struct expect *e)
{
	char prefix[600];
	size_t n;

	n = (size_t)snprintf(prefix, sizeof(prefix), "%s:%u:%u: ", path, e->line, e->col);
	for (unsigned int i = 0; i < errs.count; i++) {
		if (strncmp(errs.err[i].text, prefix, n) == 0 &&
			strstr(errs.err[i].text + n, e->text) != NULL)
			return true;
	}
	fprintf(stderr, "\nmissing: %s...%s\ngot:\n", prefix, e->text);
	hs_config_errors_print(&errs, stderr);
	return false;
}

static void
expect_errors(const char *file, const struct expect *e, size_t n)
{
	char path[512];
	struct hs_config *cfg;

	snprintf(path, sizeof(path), "%s%s", T_DIR, file);
	cfg = hs_config_load(path, &errs);
	CU_ASSERT_PTR_NULL(cfg);
	hs_config_free(cfg);
	for (size_t i = 0; i < n; i++)
		CU_ASSERT_TRUE(has_error(path, &e[i]));
}

#define EXPECT(file, ...)                                                                          \
	do {                                                                                       \
		static const struct expect e_[] = { __VA_ARGS__ };                                 \
		expect_errors(file, e_, HS_ARRAY_SIZE(e_));                                        \
	} while (0)

static void
test_err_syntax(void)
{
	EXPECT("bad_syntax.yaml", { 5, 9, "YAML syntax error: did not find expected ',' or ']'" });
	CU_ASSERT_EQUAL(errs.count, 1);
	EXPECT("bad_multidoc.yaml", { 2, 1, "only one YAML document" });
	EXPECT("bad_toplevel.yaml", { 1, 1, "expected a mapping at the top level (got a list)" });
	EXPECT("bad_empty.yaml", { 1, 1, "empty configuration" });
	EXPECT("bad_comments_only.yaml", { 1, 1, "empty configuration" });
	EXPECT("bad_alias.yaml", { 3, 6, "YAML aliases (*ts) are not supported" });
}

static void
test_err_unknown_key(void)
{
	EXPECT("bad_unknown_key.yaml",
		{ 6, 5, "interfaces[0]: unknown key 'adress' (allowed: name, port, role, ipv4, "
			"ipv6, mac, mtu)" },
		{ 7, 1, "unknown key 'acess-lists' (allowed: hostname, log-level, interfaces," });
	CU_ASSERT_EQUAL(errs.count, 2);
}

static void
test_err_types(void)
{
	EXPECT("bad_types.yaml",
		{ 2, 11, "interfaces[0].name: expected a scalar value (got a list)" },
		{ 5, 10, "interfaces[0].mtu: expected an integer (got 'big')" },
		{ 6, 9, "routes: expected a list (got a mapping)" },
		{ 18, 14, "esn: expected a bool, true or false (got 'maybe')" },
		{ 19, 16, "nat-t: must be one of: auto, true, false (got 'sometimes')" },
		{ 20, 19, "child-sa: must be one of: per-acl-line, single (got 'per-subnet')" });
}

static void
test_err_addresses(void)
{
	EXPECT("bad_addr.yaml",
		{ 5, 11, "invalid IPv4 interface address '10.0.0.1' (expected e.g. "
			 "192.168.1.1/24)" },
		{ 6, 11, "invalid IPv6 interface address '2001:db8::g/64'" },
		{ 8, 13, "routes[0].prefix: invalid prefix '10.0.0.1/33'" },
		{ 9, 15, "routes[0].next-hop: invalid IP address '1.2.3'" },
		{ 11, 15, "next-hop is IPv6 but the prefix is IPv4" },
		{ 15, 15, "invalid prefix '10.0.0.1/24': host bits are set (did you mean "
			  "10.0.0.0/24?)" },
		{ 16, 20, "invalid address 'hots 10.0.0.1'" },
		{ 17, 7, "source is IPv4 but destination is IPv6" },
		{ 22, 10, "MAC address '01:00:5e:00:00:01' is not a unicast address" });
}

static void
test_err_ranges(void)
{
	EXPECT("bad_range.yaml", { 6, 10, "mtu: must be between 576 and 9600 (got 100)" },
		{ 9, 34, "protocol: must be between 0 and 255 (got 256)" },
		{ 10, 58, "ports are only allowed with protocol tcp or udp" },
		{ 11, 57, "invalid port '70000'" },
		{ 18, 14, "seq: must be between 1 and 65535 (got 70000)" },
		{ 22, 29, "must be 0 (off) or a multiple of 64 from 64 to 4096 (got 100)" },
		{ 23, 27, "lifetime-seconds: must be between 120 and 86400 (got 10)" },
		{ 24, 22, "ike-version: must be between 1 and 2 (got 3)" },
		{ 25, 29, "lifetime-kilobytes: must be between 2560 and 4294967295 (got "
			  "99999999999999999999999)" },
		{ 26, 14, "unsupported DH group 'group5'" },
		{ 31, 20, "inbound.spi: SPI 255 is reserved" },
		{ 32, 21, "outbound.spi: must be between 0 and 4294967295 (got -1)" });
}

static void
test_err_duplicates(void)
{
	EXPECT("bad_dup.yaml", { 6, 5, "duplicate interface name 'out' (first at line 2)" },
		{ 12, 3, "access-lists: duplicate name 'a' (first at line 10)" },
		{ 18, 5, "duplicate priority 10 (first at line 17)" },
		{ 31, 9, "duplicate seq 10 in crypto map 'm' (first at line 23)" },
		{ 35, 9, "duplicate key 'transform-sets' (first at line 34)" },
		{ 42, 5, "static-sas: duplicate name 's' (first at line 37)" },
		{ 45, 20, "duplicate inbound SPI 0x1000 (also in static SA 's' at line 40)" },
		{ 46, 21, "duplicate outbound SPI 0x1000 to the same peer" },
		{ 50, 5, "duplicate pre-shared key for peer 10.0.0.2/32 (first at line 49)" },
		{ 51, 5, "duplicate pre-shared key for peer * (first at line 48)" });
}

static void
test_err_references(void)
{
	EXPECT("bad_refs.yaml", { 11, 16, "routes[0]: interface 'wan0' is not defined" },
		{ 19, 16, "interface 'in' is an inside interface" },
		{ 22, 24, "match-address: access-list 'missing-acl' is not defined" },
		{ 24, 30, "transform set 'NO-SUCH-TS' is not defined" },
		{ 29, 20, "static-sas[0]: transform-set 'GHOST' is not defined" },
		{ 33, 17, "static-sas[1]: crypto-map 'nomap' is not defined" });
}

static void
test_err_transforms(void)
{
	EXPECT("bad_transform.yaml",
		{ 3, 10, "aes-cbc-256 needs an integrity algorithm" },
		{ 5, 24, "aes-gcm-256 is an AEAD cipher with its own integrity: remove "
			 "'esp-sha256-hmac'" },
		{ 8, 11, "transport mode is not supported" },
		{ 10, 11, "unknown or unsupported transform 'esp-3des'" },
		{ 10, 21, "unknown or unsupported transform 'esp-md5-hmac'" },
		{ 12, 24, "more than one cipher" },
		{ 15, 17, "encryption: must be one of: aes-gcm-128, aes-gcm-256, aes-cbc-128, "
			  "aes-cbc-256 (got 'des')" },
		{ 16, 12, "unsupported DH group '2'" });
}

static void
test_err_keys(void)
{
	EXPECT("bad_keys.yaml",
		{ 6, 10, "pre-shared-keys[0].key: must be 1 to 128 bytes (got 139)" },
		{ 8, 10, "pre-shared-keys[1].key: expected a scalar value (got a mapping)" },
		{ 16, 37, "static-sas[0].inbound.enc-key: must be 40 hex digits for aes-gcm-128 "
			  "(got 38)" },
		{ 17, 90, "outbound.auth-key: not used with aes-gcm-128" },
		{ 24, 37, "inbound.enc-key: must be hex digits only" },
		{ 25, 38, "outbound.enc-key: must be a non-empty, even number of hex digits "
			  "(got 69)" });
	EXPECT("bad_keyfile.yaml",
		{ 3, 15, "cannot read key file '" HS_SRC_DIR
			 "/tests/unit/configs/no-such-dir/missing.psk': No such file" },
		{ 4, 5, "key and key-file are both given" }, { 7, 5, "needs key or key-file" });
}

static void
test_err_autovpn(void)
{
	EXPECT("bad_autovpn.yaml", { 2, 3, "needs at least one registry server" },
		{ 2, 3, "a spoke needs at least one hub" },
		{ 4, 14, "invalid registry server 'registry.example.net:99999'" },
		{ 4, 42, "invalid registry server 'bad host:1'" },
		{ 5, 35, "duplicate subnet 10.1.0.0/16" },
		{ 6, 13, "'dc9' is not one of the hubs" },
		{ 7, 16, "a full-tunnel spoke needs an exit-hub" });
}

static void
test_err_file(void)
{
	CU_ASSERT_PTR_NULL(hs_config_load(T_DIR "no-such-file.yaml", &errs));
	CU_ASSERT_EQUAL_FATAL(errs.count, 1);
	CU_ASSERT_STRING_EQUAL(errs.err[0].text, T_DIR "no-such-file.yaml: cannot open: No such "
						       "file or directory");
	CU_ASSERT_PTR_NULL(hs_config_load(T_DIR, &errs));
	CU_ASSERT_PTR_NOT_NULL(strstr(errs.err[0].text, "not a regular file"));
}

/* More errors than the cap: the first HS_CONFIG_ERRORS_MAX kept, the rest counted. */
static void
test_err_cap(void)
{
	size_t cap = 64 * 1024, o = 0;
	char *buf = malloc(cap);

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	o += (size_t)snprintf(buf + o, cap - o, "routes:\n");
	for (int i = 0; i < 120; i++)
		o += (size_t)snprintf(buf + o, cap - o, "  - {prefix: 10.0.0.%d/8, interface: x}\n",
			i + 1);
	CU_ASSERT_PTR_NULL(hs_config_load_buf("cap.yaml", buf, o, NULL, &errs));
	CU_ASSERT_EQUAL(errs.count, HS_CONFIG_ERRORS_MAX);
	CU_ASSERT_EQUAL(errs.dropped, 240 - HS_CONFIG_ERRORS_MAX);
	CU_ASSERT_PTR_NOT_NULL(strstr(errs.err[0].text, "cap.yaml:2:14: routes[0].prefix:"));
	free(buf);
}

/* Secrets must not appear in any message, whatever is wrong around them. */
static void
test_no_secret_in_errors(void)
{
	static const char *const inputs[] = {
		"pre-shared-keys:\n  - {peer: 10.0.0.1, key: [SECRET-DO-NOT-PRINT]}\n",
		"pre-shared-keys:\n  - {peer: 10.0.0.1, key: \"SECRET-DO-NOT-PRINT\n",
		"pre-shared-keys:\n  - {peer: bogus-peer, key: SECRET-DO-NOT-PRINT}\n"
		"  - {peer: 10.0.0.1, key: SECRET-DO-NOT-PRINT, extra: 1}\n",
		"static-sas:\n  - name: x\n    inbound: {spi: 0x1000, enc-key: SECRETDONOTPRINT}\n"
		"    outbound: {spi: 0x1001, enc-key: 0xSECRETDONOTPRINT, auth-key: {a: b}}\n",
		"transform-sets: {T: {esp: [esp-gcm 128]}}\nstatic-sas:\n  - {name: x, "
		"local-subnet: any, remote-subnet: any, local-address: 10.0.0.1, peer: 10.0.0.2, "
		"transform-set: T, inbound: {spi: 0x1000, enc-key: abcdef0123456789abcdef}, "
		"outbound: {spi: 0x1001, enc-key: abcdef0123456789abcdef0123456789abcdef01, "
		"auth-key: abcdef0123456789}}\n",
	};
	static const char *const needles[] = { "SECRET", "ECRETD", "abcdef0123", "cdef0123456" };

	for (size_t i = 0; i < HS_ARRAY_SIZE(inputs); i++) {
		CU_ASSERT_PTR_NULL(hs_config_load_buf("s.yaml", inputs[i], strlen(inputs[i]), NULL,
			&errs));
		CU_ASSERT(errs.count > 0);
		for (unsigned int k = 0; k < errs.count; k++) {
			for (size_t j = 0; j < HS_ARRAY_SIZE(needles); j++) {
				if (strstr(errs.err[k].text, needles[j]) != NULL) {
					fprintf(stderr, "secret in: %s\n", errs.err[k].text);
					CU_FAIL("secret text in an error message");
				}
			}
		}
	}
	expect_errors("bad_keys.yaml", NULL, 0);
	for (unsigned int k = 0; k < errs.count; k++) {
		CU_ASSERT_PTR_NULL(strstr(errs.err[k].text, "DO-NOT-PRINT"));
		CU_ASSERT_PTR_NULL(strstr(errs.err[k].text, "c0ffee"));
	}
}

/* xorshift64*: reproducible garbage. */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

/* Never crash, always an error or a config; either way everything is freed. */
static void
feed(const char *buf, size_t len)
{
	struct hs_config *cfg = hs_config_load_buf("fuzz", buf, len, T_DIR, &errs);

	if (cfg == NULL)
		CU_ASSERT(errs.count > 0);
	hs_config_free(cfg);
}

static char *
repeat(const char *head, const char *unit, size_t n, const char *tail, size_t *len)
{
	size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
	char *b = malloc(hl + ul * n + tl + 1);

	if (b == NULL)
		return NULL;
	memcpy(b, head, hl);
	for (size_t i = 0; i < n; i++)
		memcpy(b + hl + i * ul, unit, ul);
	memcpy(b + hl + ul * n, tail, tl + 1);
	*len = hl + ul * n + tl;
	return b;
}

static void
test_fuzz_shapes(void)
{
	static const char *const small[] = {
		"a: &x [1, 2]\nb: [*x, *x, *x]\n",
		"hostname: \"a\\0b\"\n",
		"\xff\xfe h\x00o\x00",
		"hostname: \xc3\x28\n",
		"interfaces:\n\t- name: a\n",
		"interfaces: [{name: a, mtu: 18446744073709551616}]\n",
		"interfaces: [{name: a, mtu: 0xffffffffffffffffffff}]\n",
		"interfaces: [{name: a, mtu: -0}]\n",
		"? [complex, key]\n: value\n",
		"!!binary aGVsbG8=\n",
		"%YAML 1.1\n--- !tag\nhostname: x\n...\n",
		"crypto-maps: {m: {interface: o, entries: [{seq: 1}, {seq: 1}, [], ~, 5]}}\n",
		"static-sas: [{name: x, crypto-map: m}]\n",
		"access-lists: {a: [{action: permit, source: \"host \"}]}\n",
		"autovpn: {enabled: true, registry: [\"[::1]:9350\", \"[::1\", \"[::1]x\", "
		"\":\"]}\n",
		"autovpn: {hubs: [{peer: a}, {priority: 3}, [x], b, a]}\n",
	};
	size_t len;
	char *b;

	for (size_t i = 0; i < HS_ARRAY_SIZE(small); i++)
		feed(small[i], strlen(small[i]));
	b = repeat("a: ", "[", 100000, "", &len); /* deep flow nesting */
	feed(b, len);
	CU_ASSERT_PTR_NOT_NULL(strstr(errs.err[0].text, "nesting deeper than"));
	free(b);
	b = repeat("a: ", "{a: ", 50000, "", &len);
	feed(b, len);
	free(b);
	b = repeat("hostname: ", "x", 1 << 20, "\n", &len); /* a 1 MiB scalar */
	feed(b, len);
	CU_ASSERT_PTR_NOT_NULL(strstr(errs.err[0].text, "value too long"));
	free(b);
	b = repeat("", "A", 70000, ": 1\n", &len); /* a very long key */
	feed(b, len);
	free(b);
	b = repeat("a: &a [x, x]\nb: &b [*a, *a]\n", "c: [*b, *b, *b]\n", 1000, "", &len);
	feed(b, len);
	CU_ASSERT_PTR_NOT_NULL(strstr(errs.err[0].text, "aliases"));
	free(b);
	b = repeat("routes:\n", "  - {prefix: 10.0.0.0/8, interface: x}\n", 30000, "", &len);
	feed(b, len); /* many nodes, many errors: capped */
	CU_ASSERT_EQUAL(errs.count, HS_CONFIG_ERRORS_MAX);
	free(b);
}

static void
test_fuzz_random(void)
{
	static const char alphabet[] = " -:[]{},#&*!|>'\"\n\t?%@`abcxyz0123456789./\\";
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	char buf[2048];

	for (int round = 0; round < 400; round++) {
		size_t len = rnd(&seed) % sizeof(buf);
		bool bytes = round % 2 == 0;

		for (size_t i = 0; i < len; i++)
			buf[i] = bytes ? (char)rnd(&seed) :
					 alphabet[rnd(&seed) % (sizeof(alphabet) - 1)];
		feed(buf, len);
	}
}

/* Mutate and truncate a real config: deep inside the section parsers. */
static void
test_fuzz_mutations(void)
{
	static const char pool[] = " :-[]{}#&*\n0123456789abcdefx/.";
	uint64_t seed = 42;
	FILE *f = fopen(EX_DIR "site1.yaml", "rb");
	char orig[8192], buf[8192];
	size_t len;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	len = fread(orig, 1, sizeof(orig), f);
	fclose(f);
	for (size_t cut = 0; cut < len; cut += 5)
		feed(orig, cut);
	for (int round = 0; round < 1500; round++) {
		int edits = 1 + (int)(rnd(&seed) % 4);

		memcpy(buf, orig, len);
		for (int k = 0; k < edits; k++) {
			size_t at = rnd(&seed) % len;

			buf[at] = round % 3 == 0 ? (char)rnd(&seed) :
						   pool[rnd(&seed) % (sizeof(pool) - 1)];
		}
		feed(buf, len);
	}
}

/* ---- pki (certificates made by tests/tools/mkcerts.sh) ---- */

static const char pki_yaml[] =
	"interfaces:\n"
	"  - {name: out, port: net_null1, role: outside, ipv4: 10.0.0.1/24}\n"
	"ike-policies:\n"
	"  - {priority: 10, authentication: %s}\n"
	"%s";

static struct hs_config *
pki_load(const char *auth, const char *pki)
{
	char buf[2048];
	int n = snprintf(buf, sizeof(buf), pki_yaml, auth, pki);

	CU_ASSERT_PTR_NOT_NULL_FATAL(hs_test_pki_dir());
	return hs_config_load_buf("pki.yaml", buf, (size_t)n, hs_test_pki_dir(), &errs);
}

static bool
any_error(const char *text)
{
	for (unsigned int i = 0; i < errs.count; i++)
		if (strstr(errs.err[i].text, text) != NULL)
			return true;
	fprintf(stderr, "\nmissing error: %s\ngot:\n", text);
	hs_config_errors_print(&errs, stderr);
	return false;
}

static void
pki_refused(const char *auth, const char *pki, const char *text)
{
	struct hs_config *cfg = pki_load(auth, pki);

	CU_ASSERT_PTR_NULL(cfg);
	CU_ASSERT_TRUE(any_error(text));
	hs_config_free(cfg);
}

static void
test_pki_values(void)
{
	struct hs_config *cfg = pki_load("rsa-sig", "pki:\n  certificate: site1-rsa.pem\n"
		"  private-key: site1-rsa.key\n  ca-certificates: ca.pem\n");
	char *dump = NULL;
	size_t len = 0;
	FILE *f;

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_TRUE(cfg->pki.present && cfg->pki.ok && cfg->pki.key_rsa);
	CU_ASSERT_EQUAL(cfg->pki.n_ca, 1);
	CU_ASSERT_EQUAL(cfg->pki.identity, HS_CONFIG_ID_DN);
	CU_ASSERT_PTR_NOT_NULL(strstr(cfg->pki.key.data, "PRIVATE KEY"));
	/* The dump names the key file, never its text. */
	f = open_memstream(&dump, &len);
	hs_config_dump(cfg, f);
	fclose(f);
	CU_ASSERT_PTR_NOT_NULL(strstr(dump, "private-key: \"site1-rsa.key\""));
	CU_ASSERT_PTR_NULL(strstr(dump, "PRIVATE"));
	free(dump);
	hs_config_free(cfg);

	cfg = pki_load("ecdsa-sig", "pki:\n  certificate: site2-chain.pem\n"
		"  private-key: site2-chain.key\n  ca-certificates: [ca.pem, other-ca.pem]\n"
		"  identity: fqdn\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_TRUE(cfg->pki.ok && !cfg->pki.key_rsa);
	CU_ASSERT_EQUAL(cfg->pki.n_ca, 2);
	CU_ASSERT_EQUAL(cfg->pki.identity, HS_CONFIG_ID_FQDN);
	hs_config_free(cfg);
}

static void
test_pki_errors(void)
{
	char cmd[512], line[128] = "";
	const char *dir = hs_test_pki_dir();
	FILE *f;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	pki_refused("rsa-sig", "", "authentication rsa-sig needs a pki section");
	pki_refused("ecdsa-sig", "pki:\n  certificate: site1-rsa.pem\n  private-key: "
		"site1-rsa.key\n  ca-certificates: ca.pem\n", "needs an EC key in pki.private-key");
	pki_refused("rsa-sig", "pki:\n  certificate: site1-rsa.pem\n  private-key: "
		"site2-rsa.key\n  ca-certificates: ca.pem\n", "pki.yaml:7:16: pki.private-key: the "
		"key in 'site2-rsa.key' does not belong to the certificate in 'site1-rsa.pem'");
	pki_refused("rsa-sig", "pki:\n  certificate: site1-rsa.key\n  private-key: "
		"site1-rsa.key\n  ca-certificates: ca.pem\n", "pki.yaml:6:16: pki.certificate: "
		"no PEM certificate in 'site1-rsa.key'");
	pki_refused("rsa-sig", "pki:\n  certificate: site1-rsa.pem\n  private-key: "
		"site1-rsa.key\n  ca-certificates: [ca.pem, nope.pem]\n", "pki.yaml:8:29: "
		"pki.ca-certificates: cannot read");
	pki_refused("rsa-sig", "pki:\n  certificate: site1-rsa.pem\n  private-key: "
		"site1-rsa.key\n  ca-certificates: []\n", "needs at least one file");
	pki_refused("ecdsa-sig", "pki:\n  certificate: ca.pem\n  private-key: ca.key\n"
		"  ca-certificates: ca.pem\n  identity: address\n", "pki.yaml:9:13: pki.identity: "
		"identity address: the certificate in 'ca.pem' has no IP address subjectAltName");
	pki_refused("ecdsa-sig", "pki:\n  certificate: site1-ec.pem\n  private-key: "
		"site1-ec.key\n  ca-certificates: ca.pem\n  identity: ip\n", "pki.identity");
	pki_refused("ecdsa-sig", "pki:\n  certificate: site1-ec.pem\n", "private-key");
	/* An encrypted key would ask a terminal for its passphrase: refused instead. */
	snprintf(cmd, sizeof(cmd), "openssl pkey -in '%s/site1-ec.key' -aes256 -passout pass:x "
		"-out '%s/enc.key'", dir, dir);
	CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
	pki_refused("ecdsa-sig", "pki:\n  certificate: site1-ec.pem\n  private-key: enc.key\n"
		"  ca-certificates: ca.pem\n", "encrypted keys are not supported");
	/* No error quotes the key file (its second line is key material). */
	pki_refused("rsa-sig", "pki:\n  certificate: site1-rsa.pem\n  private-key: "
		"site2-rsa.key\n  ca-certificates: ca.pem\n", "does not belong");
	snprintf(cmd, sizeof(cmd), "%s/site2-rsa.key", dir);
	f = fopen(cmd, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_PTR_NOT_NULL(fgets(line, sizeof(line), f));
	CU_ASSERT_PTR_NOT_NULL(fgets(line, sizeof(line), f));
	fclose(f);
	line[20] = '\0';
	for (unsigned int i = 0; i < errs.count; i++)
		CU_ASSERT_PTR_NULL(strstr(errs.err[i].text, line));
}

static void
test_peer_identity(void)
{
	static const char base[] =
		"interfaces:\n"
		"  - {name: out, port: net_null1, role: outside, ipv4: 10.0.0.1/24}\n"
		"access-lists:\n  a: [{action: permit, source: 10.1.0.0/16, destination: 10.2.0.0/16}]\n"
		"transform-sets:\n  T: {esp: [esp-gcm 128]}\n"
		"crypto-maps:\n  m:\n    interface: out\n    entries:\n"
		"      - {seq: 1, match-address: a, peer: 10.0.0.2, transform-sets: T,"
		" peer-identity: \"%s\"}\n";
	static const struct {
		const char *id;
		const char *err; /* NULL: accepted */
	} cases[] = {
		{ "dn:C=CH, O=hubsec test, CN=site2.hubsec.test", NULL },
		{ "dn:/C=CH/O=hubsec test/CN=site2", NULL },
		{ "dn:CN=a\\\\, b, E=x@y", NULL },
		{ "fqdn:site2.hubsec.test", NULL },
		{ "email:site2@hubsec.test", NULL },
		{ "address:2001:db8::2", NULL },
		{ "dn:C=CHE, CN=x", "e.g. C must be 2 letters" },
		{ "dn:CN", "an attribute without '='" },
		{ "dn:XX=1", "an unknown attribute name" },
		{ "dn:CN=", "an empty attribute name or value" },
		{ "address:site2", "is not an IPv4 or IPv6 address" },
		{ "host:x", "is not KIND:VALUE" },
		{ "fqdn:", "is not KIND:VALUE" },
		{ "site2", "is not KIND:VALUE" },
	};
	char buf[1024];

	for (size_t i = 0; i < HS_ARRAY_SIZE(cases); i++) {
		int n = snprintf(buf, sizeof(buf), base, cases[i].id);
		struct hs_config *cfg = hs_config_load_buf("id.yaml", buf, (size_t)n, NULL, &errs);

		if (cases[i].err == NULL) {
			CU_ASSERT_PTR_NOT_NULL(cfg);
			if (cfg == NULL)
				hs_config_errors_print(&errs, stderr);
			else
				CU_ASSERT_TRUE(cfg->maps[0].entries[0].has_peer_id);
		} else {
			CU_ASSERT_PTR_NULL(cfg);
			CU_ASSERT_TRUE(any_error(cases[i].err));
		}
		hs_config_free(cfg);
	}
}

static void
add_error_tests(void)
{
	CU_pSuite s = CU_add_suite("config errors", NULL, NULL);

	CU_add_test(s, "YAML syntax, documents, top level, empty, aliases", test_err_syntax);
	CU_add_test(s, "unknown keys", test_err_unknown_key);
	CU_add_test(s, "wrong types", test_err_types);
	CU_add_test(s, "bad addresses and prefixes", test_err_addresses);
	CU_add_test(s, "out-of-range numbers", test_err_ranges);
	CU_add_test(s, "duplicates", test_err_duplicates);
	CU_add_test(s, "missing references", test_err_references);
	CU_add_test(s, "transform rules", test_err_transforms);
	CU_add_test(s, "keys and key files", test_err_keys);
	CU_add_test(s, "autovpn", test_err_autovpn);
	CU_add_test(s, "unreadable file", test_err_file);
	CU_add_test(s, "error cap", test_err_cap);
	CU_add_test(s, "no secret in errors", test_no_secret_in_errors);
	CU_add_test(s, "pki: certificate, key, CAs, identity", test_pki_errors);
	CU_add_test(s, "peer-identity", test_peer_identity);
	s = CU_add_suite("config garbage", NULL, NULL);
	CU_add_test(s, "shapes: nesting, aliases, huge values", test_fuzz_shapes);
	CU_add_test(s, "random input", test_fuzz_random);
	CU_add_test(s, "mutated config", test_fuzz_mutations);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("config", NULL, NULL);
	CU_add_test(s, "site1 values", test_site1_values);
	CU_add_test(s, "static SA params, CBC", test_static_params_cbc);
	CU_add_test(s, "static SA params, GCM + NAT-T", test_static_params_gcm_natt);
	CU_add_test(s, "ACL and seq order, transform names", test_order_and_transforms);
	CU_add_test(s, "hub values", test_hub_values);
	CU_add_test(s, "key-file and PSK lookup", test_key_file);
	CU_add_test(s, "dump round trip", test_dump_roundtrip);
	CU_add_test(s, "example configs load, no secret in dumps", test_examples_no_secret_in_dump);
	CU_add_test(s, "pki values, key not in dump", test_pki_values);
	add_error_tests();
	return hs_test_run();
}
