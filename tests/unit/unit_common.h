/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by the CUnit programs: EAL without hugepages, mbufs from bytes. */
#ifndef HS_UNIT_COMMON_H
#define HS_UNIT_COMMON_H

#include <CUnit/CUnit.h>
#include <rte_mbuf.h>

#include "hs_common.h"

/*
 * Start EAL once (--no-huge --no-pci --no-shconf, no hugepages needed) and
 * create a pool of 2048-byte mbufs with 256 bytes of headroom. Returns the
 * pool or NULL.
 */
struct rte_mempool *hs_test_eal_pool(void);

/* An mbuf holding a copy of data (one segment); NULL on failure. */
struct rte_mbuf *hs_test_mbuf(const void *data, uint32_t len);

/* The same bytes split into a chain whose segments hold at most seg_len each. */
struct rte_mbuf *hs_test_mbuf_chain(const void *data, uint32_t len, uint32_t seg_len);

/* Copy a whole (possibly chained) packet out; returns its length or 0. */
uint32_t hs_test_mbuf_bytes(const struct rte_mbuf *m, void *out, uint32_t max);

/* Run the registered CUnit suites; returns the process exit status. */
int hs_test_run(void);

/*
 * A throw-away PKI made once per process by tests/tools/mkcerts.sh (the
 * openssl command) in a temporary directory, removed at exit: the
 * directory, or NULL when it could not be made. Needs HS_SRC_DIR.
 */
const char *hs_test_pki_dir(void);

/* Hex string ("00a1 ff..", spaces ignored) to bytes; returns length. */
size_t hs_test_hex(const char *hex, uint8_t *out, size_t max);

#endif
