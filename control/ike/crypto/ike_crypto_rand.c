/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Random bytes for public values: SPIs, nonces, IVs, timer jitter.
 *
 * They come from OpenSSL's public DRBG, drawn POOL_LEN bytes at a time: every
 * RAND_bytes() call pays a getpid() system call (OpenSSL's fork check), locks
 * and a DRBG state update, and an IKE set-up asks about twenty times for 4 to
 * 32 bytes; drawn one call each, they cost 15% of a set-up. Each byte is
 * handed out once and wiped from the pool as it goes. After fork() the child
 * starts with an empty pool (pthread_atfork), so parent and child never hand
 * out the same bytes. One pool per thread.
 *
 * Private keys do not come from here: OpenSSL's key generation draws them
 * from its private DRBG.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "ike_crypto.h"

#define POOL_LEN 512

static _Thread_local struct {
	uint8_t buf[POOL_LEN];
	size_t left; /* bytes not yet handed out, at the end of buf */
} pool;

static pthread_once_t fork_once = PTHREAD_ONCE_INIT;
static bool fork_safe; /* the atfork handler is in place: the pool may be used */

/* In the child after fork(): only the forking thread survives, with this pool. */
static void
pool_forget(void)
{
	OPENSSL_cleanse(&pool, sizeof(pool));
}

static void
fork_register(void)
{
	fork_safe = pthread_atfork(NULL, NULL, pool_forget) == 0;
}

int
hs_ike_random(void *buf, size_t len)
{
	uint8_t *from;

	if (buf == NULL && len != 0)
		return -EINVAL;
	if (len == 0)
		return 0;
	pthread_once(&fork_once, fork_register);
	if (!fork_safe || len > POOL_LEN / 2)
		return RAND_bytes(buf, (int)len) == 1 ? 0 : -EIO;
	if (pool.left < len) {
		pool.left = 0;
		if (RAND_bytes(pool.buf, POOL_LEN) != 1) {
			OPENSSL_cleanse(pool.buf, POOL_LEN);
			return -EIO;
		}
		pool.left = POOL_LEN;
	}
	from = pool.buf + POOL_LEN - pool.left;
	memcpy(buf, from, len);
	OPENSSL_cleanse(from, len);
	pool.left -= len;
	return 0;
}
