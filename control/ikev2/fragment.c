/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKE fragmentation (RFC 7383), agreed in IKE_SA_INIT (task_init.c). A
 * protected message whose datagram would be larger than --fragment-size
 * goes as Encrypted Fragment (SKF) payloads, each in a message of its own
 * with the original header and message ID, each encrypted and
 * integrity-protected on its own (§2.5). The receiver checks and decrypts
 * each fragment on arrival, keeps its plaintext, and once every fragment
 * is there hands the inner payloads to the path an SK payload takes
 * (§2.6). Per IKE SA, one message per direction is reassembled at a time:
 * the peer's request and the response to ours.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ikev2_priv.h"

#define SKF_HDR_LEN 8	     /* generic header, Fragment Number, Total Fragments (§2.5) */
#define UDP_HDR_LEN 8
#define NON_ESP_MARKER_LEN 4 /* on port 4500 (RFC 3948 §2.2) */
#define RX_BUF_FIRST 4096    /* a reassembly buffer's first size, doubled as needed */

enum { FRAG_REQUEST, FRAG_RESPONSE };

/* One message being reassembled: the plaintext of each fragment received so far. */
struct frag_rx {
	uint32_t msg_id;
	uint16_t total;
	uint8_t first_inner; /* fragment 1's Next Payload: the first inner payload */
	uint64_t have;	     /* bit n - 1: fragment n is here */
	uint64_t started_ms;
	uint32_t off[IKE_FRAG_MAX]; /* fragment n's plaintext: buf[off[n - 1], + len[n - 1]) */
	uint16_t len[IKE_FRAG_MAX];
	uint8_t *buf;
	size_t used, cap;
};

_Static_assert(IKE_FRAG_MAX <= 64, "struct frag_rx: one bit per fragment in a uint64_t");

bool
frag_enabled(const struct hs_ikev2 *e)
{
	return e->o.fragment_size != HS_IKEV2_FRAGMENT_OFF;
}

int
frag_announce(struct ike_sa *sa, struct hs_ike_msg *m)
{
	/*
	 * RFC 7383 §2.3: an empty notify in the IKE_SA_INIT request; in the
	 * response only when the request had one.
	 */
	bool want = m->hdr.flags & HS_IKE_FLAG_RESPONSE ? sa->frag : frag_enabled(sa->e);

	if (!want)
		return 0;
	return hs_ike_msg_add_notify(m, 0, NULL, 0, HS_IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, NULL,
		0);
}

void
frag_agree(struct ike_sa *sa, const struct hs_ike_msg *m)
{
	sa->frag = frag_enabled(sa->e) &&
		hs_ike_msg_find_notify(m, HS_IKE_N_IKEV2_FRAGMENTATION_SUPPORTED) != NULL;
	if (sa->frag)
		IKE_LOG(sa, DEBUG, "IKE fragmentation agreed (datagrams up to %" PRIu32 " bytes)",
			sa->e->o.fragment_size);
}

/* What a datagram carries besides the IKE message: IP and UDP headers, the NAT-T marker. */
static size_t
outer_len(const struct ike_sa *sa)
{
	size_t n = (sa->path.remote.family == AF_INET6 ? 40 : 20) + UDP_HDR_LEN;

	if (sa->path.lport == HS_IKE_NATT_PORT || sa->path.rport == HS_IKE_NATT_PORT)
		n += NON_ESP_MARKER_LEN;
	return n;
}

bool
frag_wanted(const struct ike_sa *sa, const struct hs_ike_msg *m, size_t len)
{
	/*
	 * §2.5: never IKE_SA_INIT; and only a message whose one outer payload
	 * is SK (we send no unprotected payloads that §2.5.2 would have to
	 * carry in the first fragment).
	 */
	return sa->frag && frag_enabled(sa->e) && m->hdr.exchange != HS_IKE_SA_INIT &&
		m->n_pl > 0 && m->pl[0].type == HS_IKE_PL_SK &&
		len + outer_len(sa) > sa->e->o.fragment_size;
}

/*
 * The most plaintext one fragment holds: what the datagram leaves for
 * IV | ciphertext | ICV, through hs_ike_sk_len() (padding and ICV are the
 * suite's). 0 when not even one byte fits.
 */
static size_t
chunk_len(const struct ike_sa *sa)
{
	size_t over = outer_len(sa) + HS_IKE_HDR_LEN + SKF_HDR_LEN, room, fixed, n;

	if (sa->e->o.fragment_size <= over)
		return 0;
	room = sa->e->o.fragment_size - over;
	fixed = hs_ike_sk_len(&sa->sk_out, 0); /* IV, ICV, a whole block of padding */
	if (fixed == 0 || fixed >= room)
		return 0;
	n = room - fixed;
	while (hs_ike_sk_len(&sa->sk_out, n + 1) != 0 && hs_ike_sk_len(&sa->sk_out, n + 1) <= room)
		n++;
	return n;
}

static void
put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

int
frag_seal(struct ike_sa *sa, const struct hs_ike_hdr *h, const uint8_t *plain, size_t plen,
	uint8_t first, uint8_t *buf, size_t cap, size_t *len)
{
	size_t chunk = chunk_len(sa), at = 0, off = 0, total;
	struct hs_ike_hdr fh = *h;

	if (chunk == 0)
		return -EMSGSIZE;
	total = plen == 0 ? 1 : (plen + chunk - 1) / chunk;
	if (total > IKE_FRAG_MAX)
		return -EMSGSIZE;
	fh.next = HS_IKE_PL_SKF;
	for (size_t num = 1; num <= total; num++) {
		size_t n = plen - off < chunk ? plen - off : chunk;
		size_t sk_len = hs_ike_sk_len(&sa->sk_out, n), out_len;
		size_t flen = HS_IKE_HDR_LEN + SKF_HDR_LEN + sk_len;
		uint8_t *p = buf + at, *skf = p + HS_IKE_HDR_LEN;
		int rc;

		if (sk_len == 0 || flen > cap - at)
			return -ENOBUFS;
		fh.length = (uint32_t)flen;
		rc = hs_ike_hdr_encode(&fh, p, cap - at);
		if (rc != 0)
			return rc;
		/* §2.5: only the first fragment names the first inner payload. */
		skf[0] = num == 1 ? first : HS_IKE_PL_NONE;
		skf[1] = 0;
		put16(skf + 2, SKF_HDR_LEN + sk_len);
		put16(skf + 4, num);
		put16(skf + 6, total);
		/* §2.5.3: each authenticated from its IKE header through its SKF header. */
		rc = hs_ike_sk_encrypt(&sa->sk_out, p, HS_IKE_HDR_LEN + SKF_HDR_LEN, plain + off, n,
			skf + SKF_HDR_LEN, cap - at - HS_IKE_HDR_LEN - SKF_HDR_LEN, &out_len);
		if (rc != 0)
			return rc;
		at += flen;
		off += n;
	}
	*len = at;
	IKE_LOG(sa, DEBUG, "%s id %" PRIu32 ": %zu bytes of payloads in %zu fragments",
		hs_ike_exchange_name(h->exchange), h->msg_id, plen, total);
	return 0;
}

/* ---- receiving ---- */

static void
rx_free(struct ike_sa *sa, unsigned int dir)
{
	struct frag_rx *r = sa->frag_rx[dir];

	if (r == NULL)
		return;
	if (r->buf != NULL) {
		explicit_bzero(r->buf, r->used);
		free(r->buf);
	}
	explicit_bzero(r, sizeof(*r));
	free(r);
	sa->frag_rx[dir] = NULL;
}

static int
drop(struct ike_sa *sa, const struct hs_ike_msg *m, const struct hs_ike_pl *skf,
	enum hs_ikev2_log_level lvl, const char *why)
{
	ike_count(sa->e, HS_IKEV2_C_RX_FRAGMENT_DROPPED);
	ike_log(sa->e, lvl, sa, "%s %s id %" PRIu32 " fragment %u of %u dropped: %s",
		hs_ike_exchange_name(m->hdr.exchange),
		m->hdr.flags & HS_IKE_FLAG_RESPONSE ? "response" : "request", m->hdr.msg_id,
		skf->u.sk.frag_num, skf->u.sk.frag_total, why);
	return -EBADMSG;
}

/* Check and decrypt one fragment into e->plain (§2.6: each on arrival). */
static int
open_one(struct ike_sa *sa, const struct hs_ike_msg *m, const struct hs_ike_pl *skf, size_t *n)
{
	struct hs_ikev2 *e = sa->e;
	int rc = hs_ike_sk_decrypt(&sa->sk_in, m->raw, (size_t)(skf->u.sk.data - m->raw),
		skf->u.sk.data, skf->u.sk.len, e->plain, sizeof(e->plain), n);

	if (rc != 0) {
		/* RFC 7296 §2.21.4 as for SK: dropped without an answer. */
		ike_count(e, HS_IKEV2_C_RX_BAD_ICV);
		return drop(sa, m, skf, HS_IKEV2_LOG_INFO, "integrity check failed");
	}
	return 0;
}

/*
 * Keep n bytes of e->plain as fragment num of r. Before the peer has
 * authenticated (IKE_AUTH) a message may hold certificates, not more: a
 * flood of half-open SAs cannot make each hold 2 x 64 KiB.
 */
static int
rx_keep(const struct ike_sa *sa, struct frag_rx *r, const uint8_t *data, size_t n, uint16_t num)
{
	if (r->used + n > (sa->authenticated ? IKE_FRAG_BYTES_MAX : IKE_FRAG_UNAUTH_MAX))
		return -EMSGSIZE;
	if (r->used + n > r->cap) {
		size_t cap = r->cap == 0 ? RX_BUF_FIRST : r->cap;
		uint8_t *b;

		while (cap < r->used + n)
			cap *= 2;
		b = malloc(cap);
		if (b == NULL)
			return -ENOMEM;
		if (r->buf != NULL) {
			memcpy(b, r->buf, r->used);
			explicit_bzero(r->buf, r->used);
			free(r->buf);
		}
		r->buf = b;
		r->cap = cap;
	}
	memcpy(r->buf + r->used, data, n);
	r->off[num - 1] = (uint32_t)r->used;
	r->len[num - 1] = (uint16_t)n;
	r->used += n;
	r->have |= UINT64_C(1) << (num - 1);
	return 0;
}

static bool
rx_whole(const struct frag_rx *r)
{
	return r->have == (r->total >= 64 ? UINT64_MAX : (UINT64_C(1) << r->total) - 1);
}

int
frag_input(struct ike_sa *sa, const struct hs_ike_msg *m, const struct hs_ike_pl *skf,
	size_t *plen, uint8_t *first)
{
	struct hs_ikev2 *e = sa->e;
	unsigned int dir = m->hdr.flags & HS_IKE_FLAG_RESPONSE ? FRAG_RESPONSE : FRAG_REQUEST;
	struct frag_rx *r = sa->frag_rx[dir];
	uint16_t num = skf->u.sk.frag_num, total = skf->u.sk.frag_total;
	size_t n, at = 0;
	int rc;

	ike_count(e, HS_IKEV2_C_RX_FRAGMENTS);
	if (!sa->frag)
		return drop(sa, m, skf, HS_IKEV2_LOG_INFO, "fragmentation was not negotiated");
	if (total > IKE_FRAG_MAX)
		return drop(sa, m, skf, HS_IKEV2_LOG_INFO, "more fragments than we take");
	if (num == 0 || num > total)
		return drop(sa, m, skf, HS_IKEV2_LOG_INFO, "number out of range"); /* codec too */
	/* Refusals that change nothing come before the (costlier) integrity check. */
	if (r != NULL && r->msg_id == m->hdr.msg_id) {
		/* §2.6: fewer fragments than those held: the held ones win. */
		if (total < r->total)
			return drop(sa, m, skf, HS_IKEV2_LOG_DEBUG, "fewer in all than before");
		if (total == r->total && (r->have & UINT64_C(1) << (num - 1)))
			return drop(sa, m, skf, HS_IKEV2_LOG_DEBUG, "duplicate");
	}
	rc = open_one(sa, m, skf, &n);
	if (rc != 0)
		return rc;
	/*
	 * A new message (an older partial one is stale: its ID is no longer
	 * expected), or §2.6: more fragments than those held, the sender made
	 * them smaller on a retransmission: start over with this one.
	 */
	if (r == NULL || r->msg_id != m->hdr.msg_id || total > r->total) {
		rx_free(sa, dir);
		r = calloc(1, sizeof(*r));
		if (r == NULL) {
			explicit_bzero(e->plain, n);
			return drop(sa, m, skf, HS_IKEV2_LOG_WARNING, "out of memory");
		}
		r->msg_id = m->hdr.msg_id;
		r->total = total;
		r->started_ms = e->now;
		sa->frag_rx[dir] = r;
	}
	if (num == 1)
		r->first_inner = skf->u.sk.first_inner;
	rc = rx_keep(sa, r, e->plain, n, num);
	explicit_bzero(e->plain, n);
	if (rc != 0) {
		rx_free(sa, dir);
		return drop(sa, m, skf, HS_IKEV2_LOG_INFO,
			rc == -ENOMEM	      ? "out of memory" :
			sa->authenticated ? "message over 64 KiB: all its fragments" :
					      "message over 16 KiB before IKE_AUTH: all its fragments");
	}
	if (!rx_whole(r))
		return -EINPROGRESS;
	for (unsigned int i = 0; i < r->total; i++) {
		memcpy(e->plain + at, r->buf + r->off[i], r->len[i]);
		at += r->len[i];
	}
	*plen = at;
	*first = r->first_inner;
	ike_count(e, HS_IKEV2_C_RX_REASSEMBLED);
	IKE_LOG(sa, DEBUG, "%s id %" PRIu32 ": %zu bytes reassembled from %u fragments",
		hs_ike_exchange_name(m->hdr.exchange), m->hdr.msg_id, at, r->total);
	rx_free(sa, dir);
	return 0;
}

bool
frag_resend_answer(struct ike_sa *sa, const struct hs_ike_msg *m)
{
	const struct hs_ike_pl *skf = m->n_pl > 0 ? &m->pl[m->n_pl - 1] : NULL;
	size_t n;

	if (skf == NULL || skf->type != HS_IKE_PL_SKF)
		return true;
	ike_count(sa->e, HS_IKEV2_C_RX_FRAGMENTS);
	if (!sa->frag || !sa->keyed) {
		drop(sa, m, skf, HS_IKEV2_LOG_INFO, "fragmentation was not negotiated");
		return false;
	}
	/*
	 * §2.6.1: a retransmitted fragment of a request answered already
	 * triggers the answer again only when it is fragment 1; the others of
	 * the same retransmission are ignored (one answer per retransmission).
	 */
	if (skf->u.sk.frag_num != 1) {
		drop(sa, m, skf, HS_IKEV2_LOG_DEBUG, "of a request answered already");
		return false;
	}
	if (open_one(sa, m, skf, &n) != 0)
		return false;
	explicit_bzero(sa->e->plain, n);
	return true;
}

void
frag_expire(struct ike_sa *sa, uint64_t now)
{
	for (unsigned int dir = FRAG_REQUEST; dir <= FRAG_RESPONSE; dir++) {
		const struct frag_rx *r = sa->frag_rx[dir];

		if (r == NULL || now - r->started_ms < IKE_FRAG_RX_MS)
			continue;
		ike_count(sa->e, HS_IKEV2_C_RX_FRAGMENT_DROPPED);
		IKE_LOG(sa, INFO, "%s id %" PRIu32 ": fragments missing after %u s, dropped",
			dir == FRAG_REQUEST ? "request" : "response", r->msg_id,
			IKE_FRAG_RX_MS / 1000);
		rx_free(sa, dir);
	}
}

void
frag_free(struct ike_sa *sa)
{
	rx_free(sa, FRAG_REQUEST);
	rx_free(sa, FRAG_RESPONSE);
}
