/* SPDX-License-Identifier: BSD-3-Clause */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include "unit_common.h"

static struct rte_mempool *pool;

struct rte_mempool *
hs_test_eal_pool(void)
{
	char *argv[] = { "hs_test", "--no-huge", "--no-pci", "--no-shconf", "-l", "0", "-m", "256",
		"--log-level", "lib.eal:error", "--file-prefix", "hs_unit", NULL };

	if (pool != NULL)
		return pool;
	if (rte_eal_init((int)HS_ARRAY_SIZE(argv) - 1, argv) < 0) {
		fprintf(stderr, "rte_eal_init: %s\n", rte_strerror(rte_errno));
		return NULL;
	}
	pool = rte_pktmbuf_pool_create("hs_test_pool", 4096, 0, 0, 2048 + RTE_PKTMBUF_HEADROOM,
		SOCKET_ID_ANY);
	if (pool == NULL)
		fprintf(stderr, "mbuf pool: %s\n", rte_strerror(rte_errno));
	return pool;
}

struct rte_mbuf *
hs_test_mbuf(const void *data, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(hs_test_eal_pool());
	char *p;

	if (m == NULL)
		return NULL;
	p = rte_pktmbuf_append(m, (uint16_t)len);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memcpy(p, data, len);
	return m;
}

struct rte_mbuf *
hs_test_mbuf_chain(const void *data, uint32_t len, uint32_t seg_len)
{
	const uint8_t *src = data;
	struct rte_mbuf *head = NULL;

	while (len > 0) {
		uint32_t n = len < seg_len ? len : seg_len;
		struct rte_mbuf *seg = hs_test_mbuf(src, n);

		if (seg == NULL || (head != NULL && rte_pktmbuf_chain(head, seg) != 0)) {
			rte_pktmbuf_free(seg);
			rte_pktmbuf_free(head);
			return NULL;
		}
		if (head == NULL)
			head = seg;
		src += n;
		len -= n;
	}
	return head;
}

uint32_t
hs_test_mbuf_bytes(const struct rte_mbuf *m, void *out, uint32_t max)
{
	const void *p;

	if (m == NULL || m->pkt_len > max)
		return 0;
	p = rte_pktmbuf_read(m, 0, m->pkt_len, out);
	if (p == NULL)
		return 0;
	if (p != out)
		memcpy(out, p, m->pkt_len);
	return m->pkt_len;
}

int
hs_test_run(void)
{
	unsigned int failures;

	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failures = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failures == 0 ? 0 : 1;
}

size_t
hs_test_hex(const char *hex, uint8_t *out, size_t max)
{
	size_t n = 0;
	int hi = -1;

	for (; *hex != '\0'; hex++) {
		int v;

		if (!isxdigit((unsigned char)*hex))
			continue;
		v = isdigit((unsigned char)*hex) ? *hex - '0' : (tolower((unsigned char)*hex) - 'a' + 10);
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n < max)
			out[n] = (uint8_t)(hi << 4 | v);
		n++;
		hi = -1;
	}
	return n;
}

#ifdef HS_SRC_DIR
static char pki_dir[64];

static void
pki_cleanup(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", pki_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", pki_dir);
}

const char *
hs_test_pki_dir(void)
{
	char cmd[512];

	if (pki_dir[0] != '\0')
		return pki_dir;
	snprintf(pki_dir, sizeof(pki_dir), "/tmp/hs_unit_pki.XXXXXX");
	if (mkdtemp(pki_dir) == NULL) {
		pki_dir[0] = '\0';
		return NULL;
	}
	atexit(pki_cleanup);
	snprintf(cmd, sizeof(cmd), "sh '%s/tests/tools/mkcerts.sh' '%s'", HS_SRC_DIR, pki_dir);
	if (system(cmd) != 0) {
		fprintf(stderr, "%s failed\n", cmd);
		return NULL;
	}
	return pki_dir;
}
#endif
