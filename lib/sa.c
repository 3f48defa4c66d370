/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SA installation: parameter checks, key expansion (once, here), the outer
 * header template and the choice of the per-SA job function.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "esp_internal.h"
#include "sa.h"

_Static_assert(sizeof(struct hs_sa_rt) <= 3 * HS_CACHE_LINE,
	"hot SA part must stay within three cache lines");
_Static_assert(offsetof(struct hs_sa, seq) % HS_CACHE_LINE == 0,
	"sequence number starts its own cache line");

static const char *const cipher_names[] = { HS_CIPHERS(HS_ENUM_STR) };
static const char *const integ_names[] = { HS_INTEGS(HS_ENUM_STR) };
static const char *const state_names[] = { HS_SA_STATES(HS_ENUM_STR) };
static const char *const event_names[] = { HS_SA_EVENTS(HS_ENUM_STR) };
static const char *const df_names[] = { HS_DF_POLICIES(HS_ENUM_STR) };

#define NAME_OR_UNKNOWN(tbl, v) ((unsigned)(v) < HS_ARRAY_SIZE(tbl) ? (tbl)[v] : "unknown")

const char *
hs_cipher_name(enum hs_cipher c)
{
	return NAME_OR_UNKNOWN(cipher_names, c);
}

const char *
hs_integ_name(enum hs_integ i)
{
	return NAME_OR_UNKNOWN(integ_names, i);
}

const char *
hs_sa_state_name(enum hs_sa_state s)
{
	return NAME_OR_UNKNOWN(state_names, s);
}

const char *
hs_sa_event_name(enum hs_sa_event_kind k)
{
	return NAME_OR_UNKNOWN(event_names, k);
}

const char *
hs_df_policy_name(enum hs_df_policy d)
{
	return NAME_OR_UNKNOWN(df_names, d);
}

static int
index_of(const char *const *tbl, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (s != NULL && strcasecmp(tbl[i], s) == 0)
			return (int)i;
	return -1;
}

int
hs_cipher_from_name(const char *s)
{
	return index_of(cipher_names, HS_ARRAY_SIZE(cipher_names), s);
}

int
hs_integ_from_name(const char *s)
{
	return index_of(integ_names, HS_ARRAY_SIZE(integ_names), s);
}

bool
hs_cipher_is_aead(enum hs_cipher c)
{
	return c == HS_CIPHER_AES_GCM_128 || c == HS_CIPHER_AES_GCM_256;
}

uint8_t
hs_cipher_key_len(enum hs_cipher c)
{
	return (c == HS_CIPHER_AES_GCM_256 || c == HS_CIPHER_AES_CBC_256) ? 32 : 16;
}

uint8_t
hs_cipher_salt_len(enum hs_cipher c)
{
	return hs_cipher_is_aead(c) ? 4 : 0; /* RFC 4106 §8.1 */
}

uint8_t
hs_cipher_iv_len(enum hs_cipher c)
{
	return hs_cipher_is_aead(c) ? 8 : 16; /* RFC 4106 §3.1, RFC 3602 §3 */
}

/* Key length = hash output length (RFC 2404 §3, RFC 4868 §2.1.1). */
static const uint8_t integ_key_len[HS_INTEG_MAX] = { 0, 20, 32, 48, 64 };
static const uint8_t integ_icv_len[HS_INTEG_MAX] = { 0, 12, 16, 24, 32 };

uint8_t
hs_integ_key_len(enum hs_integ i)
{
	return (unsigned)i < HS_INTEG_MAX ? integ_key_len[i] : 0;
}

uint8_t
hs_integ_icv_len(enum hs_integ i)
{
	return (unsigned)i < HS_INTEG_MAX ? integ_icv_len[i] : 0;
}

uint32_t
hs_sa_overhead(const struct hs_sa *sa, uint32_t inner_len)
{
	uint32_t pay = inner_len + 2;
	uint32_t pad = (uint32_t)(-pay) & (sa->rt.pad_align - 1u);

	return sa->rt.esp_hdr_len + pad + 2 + sa->rt.icv_len;
}

/*
 * Allowed transitions. Hard expiry may come straight from ACTIVE (a packet
 * can cross both limits at once); DEAD is the end.
 */
static const bool state_ok[HS_SA_STATE_MAX][HS_SA_STATE_MAX] = {
	[HS_SA_ACTIVE] = { [HS_SA_SOFT_EXPIRED] = true, [HS_SA_EXPIRED] = true,
		[HS_SA_DEAD] = true },
	[HS_SA_SOFT_EXPIRED] = { [HS_SA_EXPIRED] = true, [HS_SA_DEAD] = true },
	[HS_SA_EXPIRED] = { [HS_SA_DEAD] = true },
};

int
hs_sa_set_state(struct hs_sa *sa, enum hs_sa_state to)
{
	if ((unsigned)to >= HS_SA_STATE_MAX || !state_ok[sa->rt.state][to])
		return -EINVAL;
	sa->rt.state = (uint8_t)to;
	sa->state_changes++;
	return 0;
}

static const char *
check_params(const struct hs_sa_params *p)
{
	if (p->spi < 256)
		return "SPI 0..255 are reserved (RFC 4303 §2.1)";
	if ((unsigned)p->dir >= HS_SA_DIR_MAX)
		return "bad direction";
	if ((unsigned)p->cipher >= HS_CIPHER_MAX || (unsigned)p->integ >= HS_INTEG_MAX)
		return "unknown algorithm";
	if (hs_cipher_is_aead(p->cipher) && p->integ != HS_INTEG_NONE)
		return "AES-GCM takes no separate integrity algorithm";
	if (p->enc_key_len != hs_cipher_key_len(p->cipher) + hs_cipher_salt_len(p->cipher))
		return "encryption key length does not fit the cipher";
	if (p->auth_key_len != hs_integ_key_len(p->integ))
		return "integrity key length does not fit the algorithm";
	if ((p->tun_src.family != AF_INET && p->tun_src.family != AF_INET6) ||
		p->tun_src.family != p->tun_dst.family)
		return "tunnel endpoints must both be IPv4 or both IPv6";
	if (p->replay_window != 0 &&
		(p->replay_window < 64 || p->replay_window > HS_REPLAY_WINDOW_MAX))
		return "replay window must be 0 (off) or 64..4096";
	if ((unsigned)p->df >= HS_DF_MAX)
		return "bad DF policy";
	if (p->dscp > 63)
		return "DSCP must be 0..63";
	if ((p->lifetime.soft_bytes && p->lifetime.hard_bytes &&
		    p->lifetime.soft_bytes > p->lifetime.hard_bytes) ||
		(p->lifetime.soft_packets && p->lifetime.hard_packets &&
			p->lifetime.soft_packets > p->lifetime.hard_packets))
		return "soft lifetime above the hard one";
	return NULL;
}

static void
build_template(struct hs_sa *sa, const struct hs_sa_params *p)
{
	uint8_t *t = sa->rt.outer_tmpl;
	uint8_t proto = p->natt ? IPPROTO_UDP : IPPROTO_ESP;
	uint8_t ttl = p->ttl ? p->ttl : 64;
	uint32_t ip_len;

	if (p->tun_src.family == AF_INET) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)t;

		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->time_to_live = ttl;
		ip->next_proto_id = proto;
		memcpy(&ip->src_addr, p->tun_src.v4, 4);
		memcpy(&ip->dst_addr, p->tun_dst.v4, 4);
		ip_len = sizeof(*ip);
		/* TOS, length, ID, flags and checksum are zero here: added per packet. */
		for (uint32_t i = 0; i < ip_len; i += 2)
			sa->rt.csum_base += (uint32_t)t[i] << 8 | t[i + 1];
	} else {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)t;

		ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip6->proto = proto;
		ip6->hop_limits = ttl;
		memcpy(ip6->src_addr, p->tun_src.v6, 16);
		memcpy(ip6->dst_addr, p->tun_dst.v6, 16);
		ip_len = sizeof(*ip6);
	}
	if (p->natt) {
		struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(t + ip_len);

		udp->src_port = rte_cpu_to_be_16(p->natt_sport ? p->natt_sport : 4500);
		udp->dst_port = rte_cpu_to_be_16(p->natt_dport ? p->natt_dport : 4500);
		ip_len += sizeof(*udp);
	}
	sa->rt.outer_len = (uint8_t)ip_len;
}

/* HMAC inner/outer precomputation: hash of (key ^ ipad) and (key ^ opad). */
static void
hmac_precompute(struct hs_sa *sa, IMB_MGR *mgr, const uint8_t *key, uint8_t key_len)
{
	uint8_t ib[128], ob[128];
	size_t block = sa->cfg.integ >= HS_INTEG_HMAC_SHA384_192 ? 128 : 64;

	memset(ib, 0x36, block);
	memset(ob, 0x5c, block);
	for (size_t i = 0; i < key_len; i++) {
		ib[i] ^= key[i];
		ob[i] ^= key[i];
	}
	switch (sa->cfg.integ) {
	case HS_INTEG_HMAC_SHA1_96:
		IMB_SHA1_ONE_BLOCK(mgr, ib, sa->keys.cbc.ipad);
		IMB_SHA1_ONE_BLOCK(mgr, ob, sa->keys.cbc.opad);
		break;
	case HS_INTEG_HMAC_SHA256_128:
		IMB_SHA256_ONE_BLOCK(mgr, ib, sa->keys.cbc.ipad);
		IMB_SHA256_ONE_BLOCK(mgr, ob, sa->keys.cbc.opad);
		break;
	case HS_INTEG_HMAC_SHA384_192:
		IMB_SHA384_ONE_BLOCK(mgr, ib, sa->keys.cbc.ipad);
		IMB_SHA384_ONE_BLOCK(mgr, ob, sa->keys.cbc.opad);
		break;
	case HS_INTEG_HMAC_SHA512_256:
		IMB_SHA512_ONE_BLOCK(mgr, ib, sa->keys.cbc.ipad);
		IMB_SHA512_ONE_BLOCK(mgr, ob, sa->keys.cbc.opad);
		break;
	default:
		break;
	}
	explicit_bzero(ib, sizeof(ib));
	explicit_bzero(ob, sizeof(ob));
}

static const uint16_t imb_hash[HS_INTEG_MAX] = {
	[HS_INTEG_NONE] = IMB_AUTH_NULL,
	[HS_INTEG_HMAC_SHA1_96] = IMB_AUTH_HMAC_SHA_1,
	[HS_INTEG_HMAC_SHA256_128] = IMB_AUTH_HMAC_SHA_256,
	[HS_INTEG_HMAC_SHA384_192] = IMB_AUTH_HMAC_SHA_384,
	[HS_INTEG_HMAC_SHA512_256] = IMB_AUTH_HMAC_SHA_512,
};

static void
install_keys(struct hs_sa *sa, IMB_MGR *mgr, const struct hs_sa_params *p)
{
	struct hs_sa_rt *rt = &sa->rt;
	uint8_t klen = hs_cipher_key_len(p->cipher);

	rt->key_len = klen;
	if (hs_cipher_is_aead(p->cipher)) {
		if (klen == 16)
			IMB_AES128_GCM_PRE(mgr, p->enc_key, &sa->keys.gcm);
		else
			IMB_AES256_GCM_PRE(mgr, p->enc_key, &sa->keys.gcm);
		memcpy(&rt->salt, p->enc_key + klen, 4);
		rt->enc_keys = rt->dec_keys = &sa->keys.gcm;
		rt->cipher_mode = IMB_CIPHER_GCM;
		rt->hash_alg = IMB_AUTH_AES_GMAC;
		rt->fill_job = p->dir == HS_SA_OUT ? hs_esp_gcm_job_out : hs_esp_gcm_job_in;
		return;
	}
	if (klen == 16)
		IMB_AES_KEYEXP_128(mgr, p->enc_key, sa->keys.cbc.enc, sa->keys.cbc.dec);
	else
		IMB_AES_KEYEXP_256(mgr, p->enc_key, sa->keys.cbc.enc, sa->keys.cbc.dec);
	hmac_precompute(sa, mgr, p->auth_key, p->auth_key_len);
	rt->enc_keys = sa->keys.cbc.enc;
	rt->dec_keys = sa->keys.cbc.dec;
	rt->ipad = sa->keys.cbc.ipad;
	rt->opad = sa->keys.cbc.opad;
	rt->cipher_mode = IMB_CIPHER_CBC;
	rt->hash_alg = imb_hash[p->integ];
	rt->fill_job = p->dir == HS_SA_OUT ? hs_esp_cbc_job_out : hs_esp_cbc_job_in;
}

struct hs_sa *
hs_sa_create(const struct hs_sa_params *p, IMB_MGR *mgr, int *err, const char **why)
{
	const char *reason = check_params(p);
	struct hs_sa *sa;

	if (reason != NULL) {
		if (why != NULL)
			*why = reason;
		*err = -EINVAL;
		return NULL;
	}
	sa = aligned_alloc(HS_CACHE_LINE, sizeof(*sa));
	if (sa == NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	memset(sa, 0, sizeof(*sa));
	sa->cfg = *p;
	explicit_bzero(sa->cfg.enc_key, sizeof(sa->cfg.enc_key));
	explicit_bzero(sa->cfg.auth_key, sizeof(sa->cfg.auth_key));

	sa->rt.spi = p->spi;
	sa->rt.spi_be = rte_cpu_to_be_32(p->spi);
	sa->rt.state = HS_SA_ACTIVE;
	sa->rt.dir = (uint8_t)p->dir;
	sa->rt.iv_len = hs_cipher_iv_len(p->cipher);
	sa->rt.icv_len = hs_cipher_is_aead(p->cipher) ? 16 : hs_integ_icv_len(p->integ);
	sa->rt.pad_align = hs_cipher_is_aead(p->cipher) ? 4 : 16;
	sa->rt.esn = p->esn;
	sa->rt.natt = p->natt;
	sa->rt.outer_v6 = p->tun_src.family == AF_INET6;
	sa->rt.dscp_copy = p->dscp_copy;
	sa->rt.df = (uint8_t)p->df;
	sa->rt.tos = (uint8_t)(p->dscp << 2);
	sa->rt.limit = p->lifetime;
	build_template(sa, p);
	sa->rt.esp_hdr_len = (uint8_t)(sa->rt.outer_len + 8 + sa->rt.iv_len);
	install_keys(sa, mgr, p);
	/*
	 * Random IV offsets: IVs stay unique within the SA (seq never repeats)
	 * and, with static keys, do not repeat after a restart resets seq -
	 * fatal for GCM (RFC 4106 §8.1).
	 */
	if (getrandom(&sa->rt.iv_mask, sizeof(sa->rt.iv_mask), 0) != sizeof(sa->rt.iv_mask) ||
		getrandom(&sa->rt.iv_nonce, sizeof(sa->rt.iv_nonce), 0) != sizeof(sa->rt.iv_nonce)) {
		hs_sa_destroy(sa);
		*err = -EIO;
		return NULL;
	}
	hs_sa_limits_rearm(sa);
	/* Replay window parameters were checked above, so this cannot fail. */
	hs_replay_init(&sa->replay, p->replay_window, p->esn);
	*err = 0;
	return sa;
}

void
hs_sa_destroy(struct hs_sa *sa)
{
	if (sa == NULL)
		return;
	explicit_bzero(sa, sizeof(*sa));
	free(sa);
}
