/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The four ways an SA fills an intel-ipsec-mb job. hs_sa_create() picks one
 * per SA, so no packet switches on the algorithm (STYLE.md "SA layout").
 *
 * In-place: src is the packet, dst the first byte to cipher (intel-ipsec-mb
 * applies the cipher offset to src only).
 * Slot layout (offsets in slot->pkt): ESP header at esp_off, IV at esp_off+8,
 * ciphertext of payload_len bytes after the IV, ICV after the ciphertext.
 */
#include <string.h>

#include "esp_internal.h"

/* CBC output IV: the zero block; see hs_esp_cbc_job_out. */
static const uint8_t zero_iv[16] __attribute__((aligned(16)));

static inline void
common(const struct hs_sa *sa, IMB_JOB *job, struct hs_esp_slot *slot)
{
	job->key_len_in_bytes = sa->rt.key_len;
	job->enc_keys = sa->rt.enc_keys;
	job->dec_keys = sa->rt.dec_keys;
	job->src = slot->pkt;
	job->user_data = slot;
	job->user_data2 = (void *)(uintptr_t)sa;
	job->cipher_mode = (IMB_CIPHER_MODE)sa->rt.cipher_mode;
	job->hash_alg = (IMB_HASH_ALG)sa->rt.hash_alg;
}

/* RFC 4106 §3-§5: nonce = salt || IV, AAD = SPI || [seq_hi ||] seq_lo. */
static inline void
gcm(const struct hs_sa *sa, IMB_JOB *job, struct hs_esp_slot *slot)
{
	common(sa, job, slot);
	job->cipher_start_src_offset_in_bytes = slot->esp_off + ESP_HDR_LEN + 8;
	job->msg_len_to_cipher_in_bytes = slot->payload_len;
	job->dst = slot->pkt + job->cipher_start_src_offset_in_bytes;
	job->hash_start_src_offset_in_bytes = job->cipher_start_src_offset_in_bytes;
	job->msg_len_to_hash_in_bytes = slot->payload_len;
	job->iv = slot->iv;
	job->iv_len_in_bytes = 12;
	job->u.GCM.aad = slot->aad;
	job->u.GCM.aad_len_in_bytes = sa->rt.esn ? 12 : 8;
	job->auth_tag_output_len_in_bytes = 16;
}

void
hs_esp_gcm_job_out(const struct hs_sa *sa, IMB_JOB *job, struct hs_esp_slot *slot)
{
	gcm(sa, job, slot);
	job->cipher_direction = IMB_DIR_ENCRYPT;
	job->chain_order = IMB_ORDER_CIPHER_HASH;
	job->auth_tag_output = slot->pkt + slot->esp_off + ESP_HDR_LEN + 8 + slot->payload_len;
}

void
hs_esp_gcm_job_in(const struct hs_sa *sa, IMB_JOB *job, struct hs_esp_slot *slot)
{
	gcm(sa, job, slot);
	job->cipher_direction = IMB_DIR_DECRYPT;
	job->chain_order = IMB_ORDER_HASH_CIPHER;
	job->auth_tag_output = slot->icv;
}

/*
 * HMAC over ESP header, IV and ciphertext, plus the high sequence bits with
 * ESN (RFC 4303 §3.3.2.1): the caller put them where the ICV goes, so the
 * hashed range is contiguous; the tag then overwrites them.
 */
static inline void
cbc_hash(const struct hs_sa *sa, IMB_JOB *job, struct hs_esp_slot *slot)
{
	job->hash_start_src_offset_in_bytes = slot->esp_off;
	job->msg_len_to_hash_in_bytes =
		ESP_HDR_LEN + 16 + slot->payload_len + (sa->rt.esn ? 4u : 0u);
	job->u.HMAC._hashed_auth_key_xor_ipad = sa->rt.ipad;
	job->u.HMAC._hashed_auth_key_xor_opad = sa->rt.opad;
	job->auth_tag_output_len_in_bytes = sa->rt.icv_len;
}

/*
 * Outbound CBC IV (RFC 3602 §3 wants it unpredictable): the IV field holds a
 * counter block and is encrypted as the first block with a zero IV, so the
 * IV on the wire is E_K(counter) - NIST SP 800-38A Appendix C - and the rest
 * of the payload is ordinary CBC under that IV. One extra AES block, no RNG.
 */
void
hs_esp_cbc_job_out(const struct hs_sa *sa, IMB_JOB *job, struct hs_esp_slot *slot)
{
	common(sa, job, slot);
	job->cipher_direction = IMB_DIR_ENCRYPT;
	job->chain_order = IMB_ORDER_CIPHER_HASH;
	job->cipher_start_src_offset_in_bytes = slot->esp_off + ESP_HDR_LEN;
	job->msg_len_to_cipher_in_bytes = 16 + slot->payload_len;
	job->dst = slot->pkt + job->cipher_start_src_offset_in_bytes;
	job->iv = zero_iv;
	job->iv_len_in_bytes = 16;
	cbc_hash(sa, job, slot);
	job->auth_tag_output = slot->pkt + slot->esp_off + ESP_HDR_LEN + 16 + slot->payload_len;
}

void
hs_esp_cbc_job_in(const struct hs_sa *sa, IMB_JOB *job, struct hs_esp_slot *slot)
{
	common(sa, job, slot);
	job->cipher_direction = IMB_DIR_DECRYPT;
	job->chain_order = IMB_ORDER_HASH_CIPHER;
	job->cipher_start_src_offset_in_bytes = slot->esp_off + ESP_HDR_LEN + 16;
	job->msg_len_to_cipher_in_bytes = slot->payload_len;
	job->dst = slot->pkt + job->cipher_start_src_offset_in_bytes;
	job->iv = slot->pkt + slot->esp_off + ESP_HDR_LEN;
	job->iv_len_in_bytes = 16;
	cbc_hash(sa, job, slot);
	job->auth_tag_output = slot->icv;
}
