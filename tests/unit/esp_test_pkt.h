/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet builders shared by test_esp.c and test_esp_kat.c (static inline, so
 * nothing to add to meson): inner IPv4/IPv6 packets, SA parameter sets, and an
 * independent ESP implementation on OpenSSL EVP (RFC 4303 tunnel mode, RFC
 * 4106 GCM, RFC 3602 CBC + RFC 2404/4868 HMAC) to build and open packets.
 */
#ifndef HS_ESP_TEST_PKT_H
#define HS_ESP_TEST_PKT_H

#include <arpa/inet.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <rte_mbuf.h>

#include "esp.h"
#include "sa.h"
#include "unit_common.h"

#define TP_MAX_PKT 12000

/* Valid transforms: GCM alone, CBC with each integrity (and none). */
struct tp_xform {
	enum hs_cipher cipher;
	enum hs_integ integ;
};

static const struct tp_xform tp_xforms[] = {
	{HS_CIPHER_AES_GCM_128, HS_INTEG_NONE},
	{HS_CIPHER_AES_GCM_256, HS_INTEG_NONE},
	{HS_CIPHER_AES_CBC_128, HS_INTEG_HMAC_SHA1_96},
	{HS_CIPHER_AES_CBC_128, HS_INTEG_HMAC_SHA256_128},
	{HS_CIPHER_AES_CBC_128, HS_INTEG_HMAC_SHA384_192},
	{HS_CIPHER_AES_CBC_128, HS_INTEG_HMAC_SHA512_256},
	{HS_CIPHER_AES_CBC_256, HS_INTEG_HMAC_SHA1_96},
	{HS_CIPHER_AES_CBC_256, HS_INTEG_HMAC_SHA256_128},
	{HS_CIPHER_AES_CBC_256, HS_INTEG_HMAC_SHA384_192},
	{HS_CIPHER_AES_CBC_256, HS_INTEG_HMAC_SHA512_256},
	{HS_CIPHER_AES_CBC_128, HS_INTEG_NONE},
	{HS_CIPHER_AES_CBC_256, HS_INTEG_NONE},
};

/* Transforms with an ICV (everything but CBC without integrity). */
static inline bool
tp_has_icv(const struct tp_xform *x)
{
	return hs_cipher_is_aead(x->cipher) || x->integ != HS_INTEG_NONE;
}

static inline uint16_t
tp_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
tp_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void
tp_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
tp_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* One's complement sum (RFC 1071), folded. */
static inline uint32_t
tp_sum(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static inline uint16_t
tp_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Recompute an IPv4 header checksum in place. */
static inline void
tp_ip4_fix_csum(uint8_t *ip)
{
	size_t ihl = (size_t)(ip[0] & 0xf) * 4;

	ip[10] = ip[11] = 0;
	tp_put16(ip + 10, tp_fold(tp_sum(ip, ihl, 0)));
}

static inline bool
tp_ip4_csum_ok(const uint8_t *ip)
{
	return tp_fold(tp_sum(ip, (size_t)(ip[0] & 0xf) * 4, 0)) == 0;
}

/* UDP over IPv6 checksum check (RFC 8200 §8.1); 0 is not a valid value. */
static inline bool
tp_udp6_csum_ok(const uint8_t *ip6)
{
	const uint8_t *udp = ip6 + 40;
	uint16_t ulen = tp_be16(udp + 4);
	uint32_t sum = tp_sum(ip6 + 8, 32, 0);

	sum += ulen;
	sum += 17;
	sum = tp_sum(udp, ulen, sum);
	return tp_be16(udp + 6) != 0 && tp_fold(sum) == 0;
}

/* Traffic class (DSCP << 2 | ECN) of an IPv4 or IPv6 header. */
static inline uint8_t
tp_tos(const uint8_t *ip)
{
	if ((ip[0] >> 4) == 4)
		return ip[1];
	return (uint8_t)((ip[0] & 0x0f) << 4 | ip[1] >> 4);
}

static inline void
tp_set_tos(uint8_t *ip, uint8_t tos)
{
	if ((ip[0] >> 4) == 4) {
		ip[1] = tos;
		tp_ip4_fix_csum(ip);
	} else {
		ip[0] = (uint8_t)(0x60 | tos >> 4);
		ip[1] = (uint8_t)((ip[1] & 0x0f) | (tos & 0x0f) << 4);
	}
}

/*
 * Inner IPv4 packet of len bytes (>= 20): UDP when there is room, else
 * protocol 253 (RFC 3692 experimentation); payload pattern from seed.
 */
static inline void
tp_ipv4(uint8_t *p, uint32_t len, uint8_t tos, bool df, uint32_t seed)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	p[1] = tos;
	tp_put16(p + 2, (uint16_t)len);
	tp_put16(p + 4, (uint16_t)(seed * 7 + 1));
	p[6] = df ? 0x40 : 0;
	p[8] = 61;
	p[9] = len >= 28 ? 17 : 253;
	p[12] = 10, p[13] = 1, p[14] = (uint8_t)(seed >> 8), p[15] = (uint8_t)seed;
	p[16] = 10, p[17] = 2, p[18] = 0, p[19] = 1;
	tp_ip4_fix_csum(p);
	for (uint32_t i = 20; i < len; i++)
		p[i] = (uint8_t)(seed * 31 + i * 7);
	if (len >= 28) {
		tp_put16(p + 20, 1234);
		tp_put16(p + 22, 5678);
		tp_put16(p + 24, (uint16_t)(len - 20));
		p[26] = p[27] = 0;
	}
}

/* Inner IPv6 packet of len bytes (>= 40). */
static inline void
tp_ipv6(uint8_t *p, uint32_t len, uint8_t tc, uint32_t seed)
{
	static const uint8_t src[16] = {0xfd, 0, 0, 1, [15] = 1};
	static const uint8_t dst[16] = {0xfd, 0, 0, 2, [15] = 1};

	memset(p, 0, 40);
	p[0] = (uint8_t)(0x60 | tc >> 4);
	p[1] = (uint8_t)((tc & 0x0f) << 4 | 0x0a);
	p[2] = 0xbc, p[3] = 0xde; /* flow label */
	tp_put16(p + 4, (uint16_t)(len - 40));
	p[6] = len >= 48 ? 17 : 253;
	p[7] = 61;
	memcpy(p + 8, src, 16);
	memcpy(p + 24, dst, 16);
	p[22] = (uint8_t)(seed >> 8), p[23] = (uint8_t)seed;
	for (uint32_t i = 40; i < len; i++)
		p[i] = (uint8_t)(seed * 13 + i * 3);
	if (len >= 48) {
		tp_put16(p + 40, 1234);
		tp_put16(p + 42, 5678);
		tp_put16(p + 44, (uint16_t)(len - 40));
	}
}

static inline void
tp_inner(uint8_t *p, bool v6, uint32_t len, uint8_t tos, uint32_t seed)
{
	if (v6)
		tp_ipv6(p, len, tos, seed);
	else
		tp_ipv4(p, len, tos, false, seed);
}

static inline void
tp_addr(struct hs_addr *a, bool v6, uint8_t last)
{
	memset(a, 0, sizeof(*a));
	if (v6) {
		static const uint8_t pfx[4] = {0x20, 0x01, 0x0d, 0xb8};

		a->family = AF_INET6;
		memcpy(a->v6, pfx, 4);
		a->v6[15] = last;
	} else {
		a->family = AF_INET;
		a->v4[0] = 192, a->v4[1] = 0, a->v4[2] = 2, a->v4[3] = last;
	}
}

/*
 * Parameters of one direction. Both ends of a tunnel describe the same
 * packets: tun_src is the sender (.1), tun_dst the receiver (.2); keys come
 * from key_seed so that an outbound and an inbound SA made with the same seed
 * and SPI match.
 */
static inline void
tp_params(struct hs_sa_params *p, enum hs_sa_dir dir, const struct tp_xform *x, uint32_t spi,
	bool outer_v6, uint32_t key_seed)
{
	memset(p, 0, sizeof(*p));
	p->spi = spi;
	p->dir = dir;
	p->cipher = x->cipher;
	p->integ = x->integ;
	p->enc_key_len = (uint8_t)(hs_cipher_key_len(x->cipher) + hs_cipher_salt_len(x->cipher));
	for (unsigned int i = 0; i < p->enc_key_len; i++)
		p->enc_key[i] = (uint8_t)(key_seed * 17 + i * 29 + 3);
	p->auth_key_len = hs_integ_key_len(x->integ);
	for (unsigned int i = 0; i < p->auth_key_len; i++)
		p->auth_key[i] = (uint8_t)(key_seed * 5 + i * 11 + 0x40);
	tp_addr(&p->tun_src, outer_v6, 1);
	tp_addr(&p->tun_dst, outer_v6, 2);
	p->replay_window = 64;
	p->df = HS_DF_COPY;
	p->dscp_copy = true;
}

static inline struct hs_sa
*tp_sa(const struct hs_sa_params *p, struct hs_esp_ctx *ctx)
{
	int err = 1;
	const char *why = NULL;
	struct hs_sa *sa = hs_sa_create(p, ctx->mgr, &err, &why);

	if (sa == NULL)
		fprintf(stderr, "hs_sa_create: %d %s\n", err, why ? why : "");
	return sa;
}

/* Offset of the ESP header in an outer packet (IPv4 options, NAT-T UDP). */
static inline uint32_t
tp_esp_off(const uint8_t *pkt)
{
	uint32_t off;
	uint8_t proto;

	if ((pkt[0] >> 4) == 4) {
		off = (uint32_t)(pkt[0] & 0xf) * 4;
		proto = pkt[9];
	} else {
		off = 40;
		proto = pkt[6];
	}
	return proto == 17 ? off + 8 : off;
}

/* --- an independent ESP on OpenSSL --- */

static inline const EVP_CIPHER
*tp_evp_cipher(enum hs_cipher c)
{
	switch (c) {
	case HS_CIPHER_AES_GCM_128:
		return EVP_aes_128_gcm();
	case HS_CIPHER_AES_GCM_256:
		return EVP_aes_256_gcm();
	case HS_CIPHER_AES_CBC_128:
		return EVP_aes_128_cbc();
	default:
		return EVP_aes_256_cbc();
	}
}

static inline const EVP_MD
*tp_evp_md(enum hs_integ i)
{
	switch (i) {
	case HS_INTEG_HMAC_SHA1_96:
		return EVP_sha1();
	case HS_INTEG_HMAC_SHA256_128:
		return EVP_sha256();
	case HS_INTEG_HMAC_SHA384_192:
		return EVP_sha384();
	default:
		return EVP_sha512();
	}
}

static inline uint32_t
tp_icv_len(const struct hs_sa_params *p)
{
	return hs_cipher_is_aead(p->cipher) ? 16 : hs_integ_icv_len(p->integ);
}

/* AES-CBC (no padding) or AES-GCM with OpenSSL; enc selects the direction. */
static inline bool
tp_evp(const struct hs_sa_params *p, bool enc, const uint8_t *iv, const uint8_t *aad,
	uint32_t aad_len, const uint8_t *in, uint32_t len, uint8_t *out, uint8_t *tag)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	bool gcm = hs_cipher_is_aead(p->cipher);
	int n = 0, ok;

	ok = EVP_CipherInit_ex(c, tp_evp_cipher(p->cipher), NULL, NULL, NULL, enc);
	if (gcm)
		ok &= EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, 12, NULL);
	ok &= EVP_CipherInit_ex(c, NULL, NULL, p->enc_key, iv, enc);
	EVP_CIPHER_CTX_set_padding(c, 0);
	if (gcm && aad_len > 0)
		ok &= EVP_CipherUpdate(c, NULL, &n, aad, (int)aad_len);
	if (gcm && !enc)
		ok &= EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, tag);
	if (len > 0)
		ok &= EVP_CipherUpdate(c, out, &n, in, (int)len);
	ok &= EVP_CipherFinal_ex(c, out + n, &n) == 1;
	if (gcm && enc)
		ok &= EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag);
	EVP_CIPHER_CTX_free(c);
	return ok == 1;
}

/* HMAC over data (+ seq_hi when ESN), truncated to the ICV length. */
static inline void
tp_hmac(const struct hs_sa_params *p, const uint8_t *data, uint32_t len, bool esn, uint32_t seq_hi,
	uint8_t *icv)
{
	uint8_t buf[TP_MAX_PKT + 4];
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	memcpy(buf, data, len);
	if (esn) {
		tp_put32(buf + len, seq_hi);
		len += 4;
	}
	HMAC(tp_evp_md(p->integ), p->auth_key, p->auth_key_len, buf, len, md, &mdlen);
	memcpy(icv, md, hs_integ_icv_len(p->integ));
}

/* The GCM AAD (RFC 4106 §5): SPI || seq, or SPI || seq_hi || seq_lo with ESN. */
static inline uint32_t
tp_aad(const struct hs_sa_params *p, uint64_t seq, uint8_t *aad)
{
	tp_put32(aad, p->spi);
	if (p->esn) {
		tp_put32(aad + 4, (uint32_t)(seq >> 32));
		tp_put32(aad + 8, (uint32_t)seq);
		return 12;
	}
	tp_put32(aad + 4, (uint32_t)seq);
	return 8;
}

/*
 * Encrypt a complete clear text (payload, padding, pad length, next header:
 * ctl bytes) into an ESP packet (SPI .. ICV) with OpenSSL; iv is the IV on
 * the wire (8 bytes GCM, 16 CBC). Returns the ESP length, 0 on failure.
 */
static inline uint32_t
tp_esp_seal_raw(const struct hs_sa_params *p, uint64_t seq, const uint8_t *iv, const uint8_t *clear,
	uint32_t ctl, uint8_t *esp)
{
	bool gcm = hs_cipher_is_aead(p->cipher);
	uint8_t nonce[16], aad[12], tag[16];
	uint32_t aad_len = tp_aad(p, seq, aad);

	tp_put32(esp, p->spi);
	tp_put32(esp + 4, (uint32_t)seq);
	if (gcm) {
		memcpy(esp + 8, iv, 8);
		memcpy(nonce, p->enc_key + p->enc_key_len - 4, 4);
		memcpy(nonce + 4, iv, 8);
		if (!tp_evp(p, true, nonce, aad, aad_len, clear, ctl, esp + 16, tag))
			return 0;
		memcpy(esp + 16 + ctl, tag, 16);
		return 16 + ctl + 16;
	}
	memcpy(esp + 8, iv, 16);
	if (!tp_evp(p, true, iv, NULL, 0, clear, ctl, esp + 24, NULL))
		return 0;
	if (p->integ != HS_INTEG_NONE)
		tp_hmac(p, esp, 24 + ctl, p->esn, (uint32_t)(seq >> 32), esp + 24 + ctl);
	return 24 + ctl + hs_integ_icv_len(p->integ);
}

/*
 * Build an ESP packet around payload: pad_len bytes of padding (pad NULL:
 * 1, 2, 3...), then pad length and next header nh. Returns the ESP length.
 */
static inline uint32_t
tp_esp_seal(const struct hs_sa_params *p, uint64_t seq, const uint8_t *iv, const uint8_t *payload,
	uint32_t plen, uint8_t pad_len, const uint8_t *pad, uint8_t nh, uint8_t *esp)
{
	uint8_t clear[TP_MAX_PKT];

	memcpy(clear, payload, plen);
	for (uint32_t i = 0; i < pad_len; i++)
		clear[plen + i] = pad != NULL ? pad[i] : (uint8_t)(i + 1);
	clear[plen + pad_len] = pad_len;
	clear[plen + pad_len + 1] = nh;
	return tp_esp_seal_raw(p, seq, iv, clear, plen + pad_len + 2u, esp);
}

/* Default padding for the cipher: payload + pad + 2 a multiple of 16 (CBC) or 4. */
static inline uint8_t
tp_pad_len(const struct hs_sa_params *p, uint32_t plen)
{
	uint32_t align = hs_cipher_is_aead(p->cipher) ? 4 : 16;

	return (uint8_t)((align - (plen + 2) % align) % align);
}

/*
 * Open an ESP packet with OpenSSL: decrypts into clear (payload, padding,
 * pad length, next header) and returns its length, or 0 when the ICV is
 * wrong. seq_hi is the high half for ESN.
 */
static inline uint32_t
tp_esp_open(const struct hs_sa_params *p, const uint8_t *esp, uint32_t len, uint32_t seq_hi,
	uint8_t *clear)
{
	bool gcm = hs_cipher_is_aead(p->cipher);
	uint32_t ivl = gcm ? 8 : 16, icvl = tp_icv_len(p);
	uint64_t seq = (uint64_t)seq_hi << 32 | tp_be32(esp + 4);
	uint8_t nonce[16], aad[12], tag[16], icv[HS_ICV_MAX];
	uint32_t ctl;

	if (len < 8 + ivl + icvl)
		return 0;
	ctl = len - 8 - ivl - icvl;
	if (gcm) {
		uint32_t aad_len = tp_aad(p, seq, aad);

		memcpy(nonce, p->enc_key + p->enc_key_len - 4, 4);
		memcpy(nonce + 4, esp + 8, 8);
		memcpy(tag, esp + 16 + ctl, 16);
		if (!tp_evp(p, false, nonce, aad, aad_len, esp + 16, ctl, clear, tag))
			return 0;
		return ctl;
	}
	if (p->integ != HS_INTEG_NONE) {
		tp_hmac(p, esp, 24 + ctl, p->esn, seq_hi, icv);
		if (memcmp(icv, esp + 24 + ctl, icvl) != 0)
			return 0;
	}
	if (!tp_evp(p, false, esp + 8, NULL, 0, esp + 24, ctl, clear, NULL))
		return 0;
	return ctl;
}

/*
 * Outer header for an ESP packet of esp_len bytes as the sender p would
 * write it (ECN/DSCP from tos, DF clear); returns the outer packet length.
 */
static inline uint32_t
tp_outer(const struct hs_sa_params *p, uint8_t tos, const uint8_t *esp, uint32_t esp_len,
	uint8_t *pkt)
{
	bool v6 = p->tun_src.family == AF_INET6;
	uint32_t l3 = v6 ? 40 : 20, udp = p->natt ? 8 : 0;
	uint32_t total = l3 + udp + esp_len;

	memset(pkt, 0, l3 + udp);
	if (v6) {
		pkt[0] = (uint8_t)(0x60 | tos >> 4);
		pkt[1] = (uint8_t)((tos & 0x0f) << 4);
		tp_put16(pkt + 4, (uint16_t)(total - 40));
		pkt[6] = p->natt ? 17 : 50;
		pkt[7] = 64;
		memcpy(pkt + 8, p->tun_src.v6, 16);
		memcpy(pkt + 24, p->tun_dst.v6, 16);
	} else {
		pkt[0] = 0x45;
		pkt[1] = tos;
		tp_put16(pkt + 2, (uint16_t)total);
		tp_put16(pkt + 4, 0x1234);
		pkt[8] = 64;
		pkt[9] = p->natt ? 17 : 50;
		memcpy(pkt + 12, p->tun_src.v4, 4);
		memcpy(pkt + 16, p->tun_dst.v4, 4);
		tp_ip4_fix_csum(pkt);
	}
	if (p->natt) {
		tp_put16(pkt + l3, p->natt_sport ? p->natt_sport : 4500);
		tp_put16(pkt + l3 + 2, p->natt_dport ? p->natt_dport : 4500);
		tp_put16(pkt + l3 + 4, (uint16_t)(udp + esp_len));
	}
	memcpy(pkt + l3 + udp, esp, esp_len);
	if (v6 && p->natt) {
		uint32_t sum = tp_sum(pkt + 8, 32, 0) + (udp + esp_len) + 17;

		tp_put16(pkt + 46, tp_fold(tp_sum(pkt + 40, udp + esp_len, sum)));
	}
	return total;
}

/* A whole outer packet built by OpenSSL with default padding. */
static inline uint32_t
tp_seal_pkt(const struct hs_sa_params *p, uint64_t seq, const uint8_t *inner, uint32_t ilen,
	uint8_t nh, uint8_t *pkt)
{
	uint8_t esp[TP_MAX_PKT], iv[16];

	for (unsigned int i = 0; i < 16; i++)
		iv[i] = (uint8_t)(seq * 3 + i * 101);
	uint32_t n = tp_esp_seal(p, seq, iv, inner, ilen, tp_pad_len(p, ilen), NULL, nh, esp);

	return n == 0 ? 0 : tp_outer(p, tp_tos(inner) & 0x3, esp, n, pkt);
}

#endif /* HS_ESP_TEST_PKT_H */
