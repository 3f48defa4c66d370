/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Known answers for the ESP engine.
 *
 * 1. Published vectors fed to hs_esp_in_burst: draft-mcgrew-gcm-test-01 §4
 *    (AES-GCM ESP packets) and RFC 3602 §4 (AES-CBC: raw cases #1-#4 and ESP
 *    packets #5-#8).
 * 2. A reference cross-check with OpenSSL for every transform: what the
 *    engine sends is opened by OpenSSL (plaintext, padding, ICV byte for
 *    byte, the IV construction), and what OpenSSL seals the engine opens.
 *
 * HMAC vectors (RFC 2202, RFC 4231) cannot be driven through the engine: their
 * keys are not the RFC 2404/4868 key lengths the SA requires and their
 * messages cannot be framed as ESP header + IV + whole AES blocks. They are
 * used to check the OpenSSL reference instead, which then checks every ICV.
 */
#include <string.h>

#include <CUnit/CUnit.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "esp.h"
#include "esp_test_pkt.h"
#include "sa.h"
#include "unit_common.h"

static struct hs_esp_ctx ctx;

static int
suite_init(void)
{
	return hs_test_eal_pool() != NULL && hs_esp_ctx_init(&ctx) == 0 ? 0 : -1;
}

static int
suite_fini(void)
{
	hs_esp_drops_free(&ctx);
	hs_esp_ctx_fini(&ctx);
	return 0;
}

static size_t
hex(const char *h, uint8_t *out, size_t max)
{
	size_t n = hs_test_hex(h, out, max);

	CU_ASSERT_FATAL(n <= max);
	return n;
}

/*
 * Feed one outer packet to sa. Returns the inner length (bytes in out) or
 * 0 with *why set to the drop reason.
 */
static uint32_t
feed(struct hs_sa *sa, const uint8_t *pkt, uint32_t len, uint8_t *out, int *why)
{
	struct rte_mbuf *m = hs_test_mbuf(pkt, len);
	struct rte_mbuf *pk[1] = {m};
	struct hs_sa *ss[1] = {sa};
	uint32_t n = 0;

	*why = -1;
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	if (hs_esp_in_burst(&ctx, pk, ss, 1) == 1) {
		n = hs_test_mbuf_bytes(m, out, TP_MAX_PKT);
		rte_pktmbuf_free(m);
		return n;
	}
	CU_ASSERT_EQUAL_FATAL(ctx.drops.n, 1);
	*why = ctx.drops.reason[0];
	hs_esp_drops_free(&ctx);
	return 0;
}

/* Outer IPv4 (192.0.2.1 -> 192.0.2.2, protocol 50) around an ESP packet. */
static uint32_t
wrap4(const uint8_t *esp, uint32_t len, uint8_t *pkt)
{
	struct hs_sa_params p;

	memset(&p, 0, sizeof(p));
	tp_addr(&p.tun_src, false, 1);
	tp_addr(&p.tun_dst, false, 2);
	return tp_outer(&p, 0, esp, len, pkt);
}

static struct hs_sa
*in_sa(enum hs_cipher c, enum hs_integ i, uint32_t spi, const uint8_t *key, uint8_t key_len,
	bool esn)
{
	struct hs_sa_params p;
	struct tp_xform x = {c, i};

	tp_params(&p, HS_SA_IN, &x, spi, false, 0);
	memcpy(p.enc_key, key, key_len);
	p.enc_key_len = key_len;
	p.esn = esn;
	return tp_sa(&p, &ctx);
}

/* ---------------------------------------------------------------------------
 * draft-mcgrew-gcm-test-01 §4: ESP packets protected with AES-GCM.
 * Each: KEYMAT (key || 4-byte salt), SPI, 64-bit sequence number (the high
 * half only goes into the AAD, i.e. the draft's ESN cases), IV, plaintext
 * (inner data, padding, pad length, next header), ciphertext and ICV.
 * Test cases 4 (SPI 0, reserved by RFC 4303 §2.1, so no SA can be made for
 * it) and 7 (AES-192, not offered) are not run through the engine.
 * ------------------------------------------------------------------------ */
struct gcm_vec {
	int tc; /* test case number in the draft */
	const char *key;
	const char *salt;
	uint32_t spi;
	uint64_t seq;
	bool esn; /* 12-byte AAD */
	const char *iv;
	const char *plain;
	const char *cipher; /* ciphertext || ICV */
};

static const struct gcm_vec gcm_vecs[] = {
	{1, "4c80cdefbb5d10da906ac73c3613a634", "2e443b68", 0x00004321, 0x8765432100000000ull, true,
		"4956ed7e3b244cfe",
		"45000048699a000080114db7c0a80102c0a801010a9bf15638d3010000010000"
		"00000000045f736970045f756470037369700963796265726369747902646b00"
		"0021000101020201",
		"fecf537e729d5b07dc30df528dd22b768d1b98736696a6fd348509fa13ceac34"
		"cfa2436f14a3f3cf65925bf1f4a13c5d15b21e1884f5ff6247aeabb786b93bce"
		"61bc17d768fd9732"
		"459018148f6cbe722fd04796562dfdb4"},
	{2, "feffe9928665731c6d6a8f9467308308", "cafebabe", 0x0000a5f8, 0x0000000a, false,
		"facedbaddecaf888",
		"4500003e698f000080114dccc0a80102c0a801010a980035002a2343b2d00100"
		"0001000000000000037369700963796265726369747902646b00000100010001",
		"deb22cd9b07c72c16e3a65beeb8df304a5a5897d33ae530f1ba76d5d114d2a5c"
		"3de81827c10e9a4f51330d0eec416642cfbb85a5b47e48a4ec3b9ba95d918bd1"
		"83b70d3aa8bc6ee4c309e9d85a41ad4a"},
	{3, "abbccddef00112233445566778899aababbccddef00112233445566778899aab", "11223344",
		0x4a2cbfe3, 0x00000002, false, "0102030405060708",
		"4500003069a6400080062690c0a801029389155e0a9e008b2dc57ee000000000"
		"7002400020bf0000020405b40101040201020201",
		"ff425c9b724599df7a3bcd510194e00d6a78107f1b0b1cbf06efae9d65a5d763"
		"748a637985771d347f0545659f14e99def842d8e"
		"b335f4eecfdbf831824b4c4915956c96"},
	{5, "3de09874b388e6491988d0c3607eae1f", "57690e43", 0x42f67e3f, 0x1010101010101010ull, true,
		"4e280000a2fca1a3",
		"4500003c99c300008001cb7c40679318010101010800085c0200430061626364"
		"65666768696a6b6c6d6e6f707172737475767761626364656667686901020201",
		"fba2caa4853cf9f0f22cb10d86dd83b0fec75691cf1a04b00d1138ec9c357917"
		"65acbd8701ad79845bf9fe3fba487bc91755e6662b4c8d0d1f5e22739530320a"
		"e0d731cc978ecafaeae88f00e80d6e48"},
	{6, "3de09874b388e6491988d0c3607eae1f", "57690e43", 0x42f67e3f, 0x1010101010101010ull, true,
		"4e280000a2fca1a3", "4500001c42a200008001441f406793b6e00000020a00f5ff01020201",
		"fba2ca845e5df9f0f22c3e6e86dd831e1fc65792cd1af9130e1379ed"
		"369f071f35e034be95f112e4e7d05d35"},
	{8, "abbccddef00112233445566778899aab", "decaf888", 0x00000100, 0x0000000000000001ull, true,
		"cafedebaceface74",
		"4500004933ba00007f119106c3fb1d10c2b1d326c02831ce0035dd7b800302d5"
		"00004e20001e8c18d75b81dc91baa0476b91b924b280389d92c963bac046ec95"
		"9b6266c04722b14923010101",
		"18a6fd42f72cbf4ab2a2ea901f73d814e3e7f243d95412e1c349c1d2fbec168f"
		"9190feebaf2cb01984e65863965d7472b79da345e0e780191f0d2f0e0f496c22"
		"6f2127b27db35724e7845d68"
		"651f57e65f354f75ff17015769623436"},
	{9, "abbccddef00112233445566778899aababbccddef00112233445566778899aab", "73616c74",
		0x17405e67, 0x156f3126dd0db99bull, true, "616e640169766563",
		"45080028732c00004006e9f90a0106120a01038f06b88023dd6bafbecb712602"
		"50101f646d540001",
		"f2d69ecdbd5a0d5b8d5ef38bad4da58d1f278fde98ef67549d524a3018d9a57f"
		"f4d3a31ce673119e"
		"451626c2415771e3b7eebca614c89b35"},
	{10, "3de09874b388e6491988d0c3607eae1f", "57690e43", 0x42f67e3f, 0x1010101010101010ull,
		true, "4e280000a2fca1a3",
		"45000049333e00007f119182c3fb1d10c2b1d326c02831ce0035cb458003025b"
		"000001e0001e8c18d65759d52284a0352c71475c8880391c764d6e5ee0496b32"
		"5ae270c03899493915010101",
		"fba2cad12fc1f9f00d3cebf305410db83d7784b607323d220f24b0a97d541828"
		"00cadb0f68d99ef0e0c0c89ae9bea8884e52d65bc1afd0740f742444747b5b39"
		"ab533163aad4550ee5160975"
		"cdb608c5769189609763b8e18caa81e2"},
	{11, "abbccddef00112233445566778899aababbccddef00112233445566778899aab", "73616c74",
		0x17405e67, 0x156f3126dd0db99bull, true, "616e640169766563",
		"636973636f0172756c657301746865016e6574776501646566696e6501746865"
		"746563686e6f6c6f67696573017468617477696c6c01646566696e65746f6d6f"
		"72726f7701020201",
		"d4b7ed86a1777f2ea13d6973d324c69e7b43f826fb56831226508bebd2dceb18"
		"d0a6df10e5487df074113e14c641024e3e6773d91a62ee429b043a10e3efe6b0"
		"12a49363412364f8"
		"c0cac587f249e56b11e24f30e44ccc76"},
	{12, "7d773d00c144c525ac619d18c84a3f47", "d9664267", 0x335467ae, 0xffffffffull, false,
		"43457e9182443bc6", "01020201",
		"437f866b"
		"cb3f699fe9b0822bac961c4504bef270"},
	{13, "abbccddef00112233445566778899aab", "decaf888", 0x00000100, 0x0000000000000001ull,
		true, "cafedebaceface74", "746f016265016f72016e6f7401746f0162650001",
		"29c9fc69a197d038ccdd14e2ddfcaa0543332164"
		"412503524303ed3c6c5f283843af8c3e"},
	{14, "6c6567616c697a656d6172696a75616e61616e64646f69746265666f72656961", "7475726e",
		0x796b6963, 0xffffffffffffffffull, true, "333021696765746d",
		"45000030da3a00008001df3bc0a80005c0a800010800c6cd0200070061626364"
		"65666768696a6b6c6d6e6f707172737401020201",
		"f97ab2aa356d8edce17644ac8c78e25dd24dedbb29ebf1b64a274b39b49c3a86"
		"4cd3d78ca4ae68a32b42458fb57dbe821dcc63b9"
		"d0937ba2945f669368661a329fb4c053"},
};

/*
 * Every draft vector carries next header 1 in its trailer (the draft's
 * plaintexts are not tunnel-mode packets), so the engine, tunnel mode only,
 * must drop them as bad-next-header. That verdict is reached only after the
 * ICV verified (else auth-failed) and the padding checked (else bad-padding),
 * and the window moves to the published 64-bit sequence number (RFC 4303
 * §3.4.3: advanced once the ICV verified), which for the ESN cases proves
 * that the high half was inferred right (it is only in the AAD). The same
 * packet with one ICV bit flipped must be auth-failed. OpenSSL decrypts each
 * to the published plaintext, to pin the vector's transcription.
 */
static void
test_gcm_draft_vectors(void)
{
	for (size_t i = 0; i < HS_ARRAY_SIZE(gcm_vecs); i++) {
		const struct gcm_vec *v = &gcm_vecs[i];
		uint8_t key[36], esp[512], pkt[600], plain[256], ct[300], out[TP_MAX_PKT];
		size_t klen = hex(v->key, key, 32), slen, plen, ctlen;
		struct hs_sa_params p;
		struct tp_xform x = {
			klen == 16 ? HS_CIPHER_AES_GCM_128 : HS_CIPHER_AES_GCM_256, HS_INTEG_NONE};
		struct hs_sa *sa;
		uint32_t n;
		int why;

		slen = hex(v->salt, key + klen, 4);
		CU_ASSERT_EQUAL_FATAL(slen, 4);
		plen = hex(v->plain, plain, sizeof(plain));
		ctlen = hex(v->cipher, ct, sizeof(ct));
		CU_ASSERT_EQUAL_FATAL(ctlen, plen + 16);

		/* The ESP packet: SPI, low half of seq, IV, ciphertext, ICV. */
		tp_put32(esp, v->spi);
		tp_put32(esp + 4, (uint32_t)v->seq);
		CU_ASSERT_EQUAL_FATAL(hex(v->iv, esp + 8, 8), 8);
		memcpy(esp + 16, ct, ctlen);

		/* OpenSSL opens it to the published plaintext. */
		tp_params(&p, HS_SA_IN, &x, v->spi, false, 0);
		memcpy(p.enc_key, key, klen + 4);
		p.enc_key_len = (uint8_t)(klen + 4);
		p.esn = v->esn;
		CU_ASSERT_EQUAL(
			tp_esp_open(&p, esp, (uint32_t)(16 + ctlen), (uint32_t)(v->seq >> 32), out),
			plen);
		CU_ASSERT_EQUAL(memcmp(out, plain, plen), 0);

		/* The engine. */
		sa = tp_sa(&p, &ctx);
		CU_ASSERT_PTR_NOT_NULL_FATAL(sa);
		if (v->esn && v->seq > 1) /* the receiver was at seq - 1 */
			CU_ASSERT_TRUE(hs_replay_advance(&sa->replay, v->seq - 1));
		n = wrap4(esp, (uint32_t)(16 + ctlen), pkt);
		CU_ASSERT_EQUAL(feed(sa, pkt, n, out, &why), 0);
		if (why != HS_DROP_BAD_NEXT_HEADER)
			fprintf(stderr, "gcm test case %d: %s\n", v->tc,
				why < 0 ? "accepted" : hs_drop_name((enum hs_drop_reason)why));
		CU_ASSERT_EQUAL(why, HS_DROP_BAD_NEXT_HEADER);
		CU_ASSERT_EQUAL(sa->replay.top, v->esn ? v->seq : (uint32_t)v->seq);
		CU_ASSERT_EQUAL(sa->stats.errors[HS_DROP_AUTH], 0);
		CU_ASSERT_EQUAL(sa->stats.errors[HS_DROP_BAD_PADDING], 0);
		hs_sa_destroy(sa);

		/* Control: the ICV is really checked. */
		sa = tp_sa(&p, &ctx);
		CU_ASSERT_PTR_NOT_NULL_FATAL(sa);
		if (v->esn && v->seq > 1)
			CU_ASSERT_TRUE(hs_replay_advance(&sa->replay, v->seq - 1));
		pkt[n - 1] ^= 0x01;
		CU_ASSERT_EQUAL(feed(sa, pkt, n, out, &why), 0);
		CU_ASSERT_EQUAL(why, HS_DROP_AUTH);
		hs_sa_destroy(sa);
	}
}

/* ---------------------------------------------------------------------------
 * RFC 3602 §4: AES-CBC-128.
 * ------------------------------------------------------------------------ */
struct cbc_raw {
	int tc;
	const char *key, *iv, *plain, *cipher;
};

static const struct cbc_raw cbc_raw[] = {
	/* Case #1: "Single block msg" */
	{1, "06a9214036b8a15b512e03d534120006", "3dafba429d9eb430b422da802c9fac41",
		"53696e676c6520626c6f636b206d7367", "e353779c1079aeb82708942dbe77181a"},
	{2, "c286696d887c9aa0611bbb3e2025a45a", "562e17996d093d28ddb3ba695a2e6f58",
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
		"d296cd94c2cccf8a3a863028b5e1dc0a7586602d253cfff91b8266bea6d61ab1"},
	/* Case #3: "This is a 48-byte message (exactly 3 AES blocks)" */
	{3, "6c3ea0477630ce21a2ce334aa746c2cd", "c782dc4c098c66cbd9cd27d825682c81",
		"5468697320697320612034382d62797465206d657373616765202865786163746c"
		"7920332041455320626c6f636b7329",
		"d0a02b3836451753d493665d33f0e8862dea54cdb293abc7506939276772f8d5"
		"021c19216bad525c8579695d83ba2684"},
	{4, "56e47a38c5598974bc46903dba290349", "8ce82eefbea0da3c44699ed7db51b7d9",
		"a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
		"c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf",
		"c30e32ffedc0774e6aff6af0869f71aa0f3af07a9a31a9c684db207eb0ef8e4e"
		"35907aa632c3ffdf868bb7b29d3d46ad83ce9f9a102ee99d49a53e87f4c3da55"},
};

static void
aes_ecb(const uint8_t *key, const uint8_t in[16], uint8_t out[16])
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0;

	CU_ASSERT_FATAL(EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, key, NULL) == 1);
	EVP_CIPHER_CTX_set_padding(c, 0);
	CU_ASSERT(EVP_EncryptUpdate(c, out, &n, in, 16) == 1 && n == 16);
	EVP_CIPHER_CTX_free(c);
}

static void
xor16(uint8_t *d, const uint8_t *a, const uint8_t *b)
{
	for (int i = 0; i < 16; i++)
		d[i] = a[i] ^ b[i];
}

/*
 * Cases #1-#4 are raw CBC (key, IV, plaintext, ciphertext). OpenSSL must
 * agree; then the published ciphertext goes through the engine's decryption:
 * it is embedded in an ESP payload right after a ciphertext block equal to
 * the case's IV (so CBC chains it exactly as published), behind two blocks
 * holding an inner IPv4 header and before a block holding the trailer. The
 * engine's output must contain the published plaintext at that offset.
 */
static void
test_cbc_raw_vectors(void)
{
	for (size_t i = 0; i < HS_ARRAY_SIZE(cbc_raw); i++) {
		const struct cbc_raw *v = &cbc_raw[i];
		uint8_t key[16], iv[16], plain[64], ct[64], out[TP_MAX_PKT], esp[256], pkt[300];
		uint8_t ip[32], blk[16], trailer[16];
		size_t plen;
		uint32_t n, inner_len, off;
		struct hs_sa *sa;
		int why;

		CU_ASSERT_EQUAL_FATAL(hex(v->key, key, 16), 16);
		CU_ASSERT_EQUAL_FATAL(hex(v->iv, iv, 16), 16);
		plen = hex(v->plain, plain, sizeof(plain));
		CU_ASSERT_EQUAL_FATAL(hex(v->cipher, ct, sizeof(ct)), plen);

		/* OpenSSL against the RFC. */
		{
			struct hs_sa_params p;
			struct tp_xform x = {HS_CIPHER_AES_CBC_128, HS_INTEG_NONE};

			tp_params(&p, HS_SA_IN, &x, 0x3602, false, 0);
			memcpy(p.enc_key, key, 16);
			CU_ASSERT_TRUE(
				tp_evp(&p, true, iv, NULL, 0, plain, (uint32_t)plen, out, NULL));
			CU_ASSERT_EQUAL(memcmp(out, ct, plen), 0);
		}

		/* ESP: SPI 0x3602, seq 1, IV 00..0f, then the blocks. */
		inner_len = (uint32_t)(48 + plen);
		tp_put32(esp, 0x3602);
		tp_put32(esp + 4, 1);
		for (int b = 0; b < 16; b++)
			esp[8 + b] = (uint8_t)b;
		tp_ipv4(ip, 20, 0, false, (uint32_t)i);
		ip[9] = 253;
		tp_put16(ip + 2, (uint16_t)inner_len);
		tp_ip4_fix_csum(ip);
		memset(ip + 20, 0x5a, 12);
		off = 24;
		xor16(blk, ip, esp + 8); /* C0 = E(P0 ^ IV) */
		aes_ecb(key, blk, esp + off);
		xor16(blk, ip + 16, esp + off); /* C1 = E(P1 ^ C0) */
		aes_ecb(key, blk, esp + off + 16);
		memcpy(esp + off + 32, iv, 16); /* C2 = the case's IV */
		memcpy(esp + off + 48, ct, plen);
		for (int b = 0; b < 14; b++)
			trailer[b] = (uint8_t)(b + 1);
		trailer[14] = 14;
		trailer[15] = 4;
		xor16(blk, trailer, ct + plen - 16);
		aes_ecb(key, blk, esp + off + 48 + plen);
		n = wrap4(esp, (uint32_t)(off + 48 + plen + 16), pkt);

		sa = in_sa(HS_CIPHER_AES_CBC_128, HS_INTEG_NONE, 0x3602, key, 16, false);
		CU_ASSERT_PTR_NOT_NULL_FATAL(sa);
		CU_ASSERT_EQUAL(feed(sa, pkt, n, out, &why), inner_len);
		CU_ASSERT_EQUAL(why, -1);
		CU_ASSERT_EQUAL(memcmp(out, ip, 32), 0);
		CU_ASSERT_EQUAL(memcmp(out + 48, plain, plen), 0);
		hs_sa_destroy(sa);
	}
}

/* Cases #5-#8: ESP packets, AES-CBC-128, no integrity (RFC 3602 §4). */
struct cbc_esp {
	int tc;
	const char *key;
	const char *esp;   /* SPI .. ciphertext */
	const char *inner; /* the payload before padding */
	uint8_t nh;
};

static const struct cbc_esp cbc_esp[] = {
	/* Case #5: transport mode ICMP echo, 64 bytes; SPI 4321, seq 1. */
	{5, "90d382b410eeba7ad938c46cec1a82bf",
		"0000432100000001e96e8c08ab465763fd098d45dd3ff893"
		"f663c25d325c18c6a9453e194e120849a4870b66cc6b9965330013b4898dc856"
		"a4699e523a55db080b59ec3a8e4b7e52775b07d1db34ed9c538ab50c551b874a"
		"a269add047ad2d5913ac19b7cfbad4a6",
		"08000ebda70a00008e9c083db95b070008090a0b0c0d0e0f1011121314151617"
		"18191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637",
		1},
	/* Case #6: transport mode ICMP echo, 28 bytes; SPI 4321, seq 8. */
	{6, "90d382b410eeba7ad938c46cec1a82bf",
		"000043210000000869d08df7d203329db093fc4924e5bd80"
		"f51995881ec4e0c4488987ce742e8109689bb379d2d750c0d915dca346a89f75",
		"0800b5e8a80a0500a69c083d0b660e00777777777777777777777777", 1},
	/* Case #7: tunnel mode, inner IPv4 ICMP echo (84 bytes); SPI 8765, seq 2. */
	{7, "0123456789abcdef0123456789abcdef",
		"0000876500000002f4e765244f6407adf13dc1380f673f37"
		"773b5241a4c449225e4f3ce5ed611b0c237ca96cf74a93013c1b0ea1a0cf70f8"
		"e4ecaec78ac53aad7a0f022b859243c647752e94a859352b8a4d4d2decd136e5"
		"c177f132ad3fbfb2201ac9904c74ee0a109e0ca1e4dfe9d5a100b842f1c22f0d",
		"45000054090400004001f988c0a87b03c0a87bc808009f76a90a0100b49c083d"
		"02a2040008090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223"
		"2425262728292a2b2c2d2e2f3031323334353637",
		4},
	/* Case #8: tunnel mode, inner IPv4 ICMP echo (68 bytes); SPI 8765, seq 5. */
	{8, "0123456789abcdef0123456789abcdef",
		"000087650000000585d47224b5f3dd5d2101d4ea8dffab22"
		"15b92683819596a8047232cc00f7048fe45318e11f8a0f62ede3c3fc61203bb5"
		"0f980a08c9843fd3a1b06d5c07ff9639b7eb7dfb3512e5de435e7207ed971ef3"
		"d2726d9b5ef6affc6d17a0decbb13892",
		"45000044090c00004001f990c0a87b03c0a87bc80800d63caa0a0200c69c083d"
		"a3de0300ffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
		"ffffffff",
		4},
};

/*
 * Tunnel-mode cases (#7, #8) must come out as the published inner packet,
 * byte for byte. Transport-mode cases (#5, #6: next header 1) are dropped as
 * bad-next-header, by design: that verdict comes after the padding (1..14
 * and 1, 2) checked out, which needs the decryption to be right.
 */
static void
test_cbc_esp_vectors(void)
{
	struct hs_sa *sa[2] = {NULL, NULL};

	for (size_t i = 0; i < HS_ARRAY_SIZE(cbc_esp); i++) {
		const struct cbc_esp *v = &cbc_esp[i];
		uint8_t key[16], esp[256], inner[128], pkt[300], out[TP_MAX_PKT];
		size_t elen = hex(v->esp, esp, sizeof(esp));
		size_t ilen = hex(v->inner, inner, sizeof(inner));
		uint32_t n, spi = tp_be32(esp);
		struct hs_sa *s;
		int why;

		CU_ASSERT_EQUAL_FATAL(hex(v->key, key, 16), 16);
		CU_ASSERT_EQUAL((elen - 24) % 16, 0);
		/* One SA per SPI, as the RFC's sequence numbers run on. */
		s = sa[v->nh == 4];
		if (s == NULL)
			s = sa[v->nh == 4] =
				in_sa(HS_CIPHER_AES_CBC_128, HS_INTEG_NONE, spi, key, 16, false);
		CU_ASSERT_PTR_NOT_NULL_FATAL(s);
		n = wrap4(esp, (uint32_t)elen, pkt);
		if (v->nh == 4) {
			CU_ASSERT_EQUAL(feed(s, pkt, n, out, &why), ilen);
			CU_ASSERT_EQUAL(why, -1);
			CU_ASSERT_EQUAL(memcmp(out, inner, ilen), 0);
		} else {
			CU_ASSERT_EQUAL(feed(s, pkt, n, out, &why), 0);
			CU_ASSERT_EQUAL(why, HS_DROP_BAD_NEXT_HEADER);
		}
		CU_ASSERT_EQUAL(s->replay.top, tp_be32(esp + 4));
	}
	CU_ASSERT_EQUAL(sa[1]->stats.packets, 2);
	CU_ASSERT_EQUAL(sa[1]->stats.bytes, 84 + 68);
	CU_ASSERT_EQUAL(sa[0]->stats.errors[HS_DROP_BAD_NEXT_HEADER], 2);
	CU_ASSERT_EQUAL(sa[0]->stats.errors[HS_DROP_BAD_PADDING], 0);
	hs_sa_destroy(sa[0]);
	hs_sa_destroy(sa[1]);
}

/* RFC 2202 §3 / RFC 4231 §4.3 test case 2 ("Jefe"): the OpenSSL reference. */
static void
test_hmac_reference(void)
{
	static const struct {
		const char *md;
		const char *mac;
	} v[] = {
		{"SHA1", "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"},
		{"SHA256", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
		{"SHA384", "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47"
			"e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649"},
		{"SHA512", "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
			"9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"},
	};
	static const char msg[] = "what do ya want for nothing?";

	for (size_t i = 0; i < HS_ARRAY_SIZE(v); i++) {
		uint8_t want[64], got[EVP_MAX_MD_SIZE];
		unsigned int n = 0;
		size_t wl = hex(v[i].mac, want, sizeof(want));

		HMAC(EVP_get_digestbyname(v[i].md), "Jefe", 4, (const uint8_t *)msg,
			sizeof(msg) - 1, got, &n);
		CU_ASSERT_EQUAL(n, wl);
		CU_ASSERT_EQUAL(memcmp(got, want, wl), 0);
	}
}

/* ---------------------------------------------------------------------------
 * Cross-check with OpenSSL, every transform.
 * ------------------------------------------------------------------------ */

/*
 * The engine encrypts; OpenSSL, given only the keys and the packet, must find
 * the inner packet, padding 1, 2, 3... of minimal length (RFC 4303 §2.4;
 * 16-byte alignment for CBC, 4 for GCM per RFC 4106 §3.2), the next header
 * and the ICV. IVs: GCM carries seq ^ mask (RFC 4106 §3.1, unique per SA);
 * CBC carries E_K(counter block) (NIST SP 800-38A Appendix C), with the
 * counter block seq ^ mask || SPI || per-SA nonce.
 */
static void
cross_out(const struct tp_xform *x, bool v6, bool esn, uint64_t seq0)
{
	struct hs_sa_params p;
	struct hs_sa *sa;
	uint8_t inner[1600], pkt[TP_MAX_PKT], clear[TP_MAX_PKT];
	static const uint32_t sizes[] = {
		20, 40, 41, 42, 43, 44, 45, 59, 60, 61, 62, 63, 64, 65, 1000, 1500};
	bool gcm = hs_cipher_is_aead(x->cipher);

	tp_params(&p, HS_SA_OUT, x, 0xc0ffee, v6, 42);
	p.esn = esn;
	sa = tp_sa(&p, &ctx);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sa);
	sa->seq = seq0;
	for (size_t i = 0; i < HS_ARRAY_SIZE(sizes); i++) {
		uint32_t ilen = sizes[i] < 40 && (i & 1) ? 40 : sizes[i];
		bool in6 = (i & 1) && ilen >= 40;
		struct rte_mbuf *m;
		struct rte_mbuf *pk[1];
		struct hs_sa *ss[1] = {sa};
		uint32_t n, off, c, pad = tp_pad_len(&p, ilen);
		uint64_t seq;

		tp_inner(inner, in6, ilen, (uint8_t)i, (uint32_t)i);
		m = hs_test_mbuf(inner, ilen);
		pk[0] = m;
		CU_ASSERT_EQUAL_FATAL(hs_esp_out_burst(&ctx, pk, ss, 1), 1);
		n = hs_test_mbuf_bytes(m, pkt, sizeof(pkt));
		rte_pktmbuf_free(m);
		seq = sa->seq;
		off = tp_esp_off(pkt);
		CU_ASSERT_EQUAL(tp_be32(pkt + off), 0xc0ffee);
		CU_ASSERT_EQUAL(tp_be32(pkt + off + 4), (uint32_t)seq);

		/* OpenSSL opens it (ICV recomputed and compared inside). */
		c = tp_esp_open(&p, pkt + off, n - off, (uint32_t)(seq >> 32), clear);
		CU_ASSERT_EQUAL_FATAL(c, ilen + pad + 2);
		CU_ASSERT_EQUAL(memcmp(clear, inner, ilen), 0);
		for (uint32_t b = 0; b < pad; b++)
			CU_ASSERT_EQUAL(clear[ilen + b], b + 1);
		CU_ASSERT_EQUAL(clear[ilen + pad], pad);
		CU_ASSERT_EQUAL(clear[ilen + pad + 1], in6 ? 41 : 4);
		CU_ASSERT_EQUAL(c % (gcm ? 4 : 16), 0);
		/* Without ESN the ICV must not depend on a high half (it is 0 here). */

		/* The IV, exactly. */
		if (gcm) {
			uint64_t iv = seq ^ sa->rt.iv_mask;

			CU_ASSERT_EQUAL(tp_be32(pkt + off + 8), (uint32_t)(iv >> 32));
			CU_ASSERT_EQUAL(tp_be32(pkt + off + 12), (uint32_t)iv);
		} else {
			uint8_t ctr[16], iv[16];
			uint64_t v = seq ^ sa->rt.iv_mask;

			tp_put32(ctr, (uint32_t)(v >> 32));
			tp_put32(ctr + 4, (uint32_t)v);
			tp_put32(ctr + 8, 0xc0ffee);
			memcpy(ctr + 12, &sa->rt.iv_nonce, 4);
			if (hs_cipher_key_len(x->cipher) == 16) {
				aes_ecb(p.enc_key, ctr, iv);
			} else {
				EVP_CIPHER_CTX *e = EVP_CIPHER_CTX_new();
				int k = 0;

				EVP_EncryptInit_ex(e, EVP_aes_256_ecb(), NULL, p.enc_key, NULL);
				EVP_CIPHER_CTX_set_padding(e, 0);
				EVP_EncryptUpdate(e, iv, &k, ctr, 16);
				EVP_CIPHER_CTX_free(e);
			}
			CU_ASSERT_EQUAL(memcmp(pkt + off + 8, iv, 16), 0);
		}
		/* And the ICV byte for byte, recomputed independently. */
		if (!gcm && x->integ != HS_INTEG_NONE) {
			uint8_t icv[HS_ICV_MAX];
			uint32_t icvl = hs_integ_icv_len(x->integ);

			tp_hmac(&p, pkt + off, n - off - icvl, esn, (uint32_t)(seq >> 32), icv);
			CU_ASSERT_EQUAL(memcmp(icv, pkt + n - icvl, icvl), 0);
			if (esn) /* the high half really is in it (RFC 4303 §3.3.2.1) */
				tp_hmac(&p, pkt + off, n - off - icvl, false, 0, icv);
			if (esn && (seq >> 32) != 0)
				CU_ASSERT_NOT_EQUAL(memcmp(icv, pkt + n - icvl, icvl), 0);
		}
	}
	hs_sa_destroy(sa);
}

/* OpenSSL seals (random-ish IVs, extra padding too); the engine opens. */
static void
cross_in(const struct tp_xform *x, bool v6, bool esn, uint64_t seq0)
{
	struct hs_sa_params p;
	struct hs_sa *sa;
	uint8_t inner[1600], esp[TP_MAX_PKT], pkt[TP_MAX_PKT], out[TP_MAX_PKT], iv[16];
	bool gcm = hs_cipher_is_aead(x->cipher);

	tp_params(&p, HS_SA_IN, x, 0xbeef00, v6, 43);
	p.esn = esn;
	p.natt = v6;
	sa = tp_sa(&p, &ctx);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sa);
	if (seq0 > 0)
		CU_ASSERT_TRUE(hs_replay_advance(&sa->replay, seq0));
	for (uint32_t i = 0; i < 40; i++) {
		uint32_t ilen = 40 + i * 37, e, n;
		uint8_t pad = (uint8_t)(tp_pad_len(&p, ilen) + (i % 3) * (gcm ? 4 : 16));
		uint64_t seq = seq0 + 1 + i;
		int why;

		for (int b = 0; b < 16; b++)
			iv[b] = (uint8_t)(i * 89 + b * 7);
		tp_inner(inner, i & 1, ilen, (uint8_t)i, i);
		e = tp_esp_seal(&p, seq, iv, inner, ilen, pad, NULL, (i & 1) ? 41 : 4, esp);
		CU_ASSERT_FATAL(e > 0);
		n = tp_outer(&p, (uint8_t)(i & 3), esp, e, pkt);
		CU_ASSERT_EQUAL(feed(sa, pkt, n, out, &why), ilen);
		if (why >= 0)
			fprintf(stderr, "%s/%s: %s\n", hs_cipher_name(x->cipher),
				hs_integ_name(x->integ), hs_drop_name((enum hs_drop_reason)why));
		CU_ASSERT_EQUAL(memcmp(out, inner, ilen), 0);
	}
	CU_ASSERT_EQUAL(sa->replay.top, seq0 + 40);
	CU_ASSERT_EQUAL(sa->stats.packets, 40);
	hs_sa_destroy(sa);
}

static void
test_cross_out(void)
{
	for (size_t x = 0; x < HS_ARRAY_SIZE(tp_xforms); x++) {
		cross_out(&tp_xforms[x], false, false, 0);
		cross_out(&tp_xforms[x], true, false, 1000);
		cross_out(&tp_xforms[x], false, true, 0);
		cross_out(&tp_xforms[x], true, true, 0xfffffff8ull); /* across 2^32 */
		cross_out(&tp_xforms[x], false, true, 0x1234567800000000ull);
	}
}

static void
test_cross_in(void)
{
	for (size_t x = 0; x < HS_ARRAY_SIZE(tp_xforms); x++) {
		cross_in(&tp_xforms[x], false, false, 0);
		cross_in(&tp_xforms[x], true, false, 77);
		cross_in(&tp_xforms[x], false, true, 0);
		cross_in(&tp_xforms[x], true, true, 0xffffffe0ull); /* across 2^32 */
		cross_in(&tp_xforms[x], false, true, 0x1234567800000000ull);
	}
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("esp_kat", suite_init, suite_fini);
	CU_add_test(s, "draft-mcgrew-gcm-test-01 ESP vectors", test_gcm_draft_vectors);
	CU_add_test(s, "RFC 3602 cases 1-4 through the engine", test_cbc_raw_vectors);
	CU_add_test(s, "RFC 3602 cases 5-8 ESP packets", test_cbc_esp_vectors);
	CU_add_test(s, "HMAC reference (RFC 2202, RFC 4231)", test_hmac_reference);
	CU_add_test(s, "engine -> OpenSSL, every transform", test_cross_out);
	CU_add_test(s, "OpenSSL -> engine, every transform", test_cross_in);
	return hs_test_run();
}
