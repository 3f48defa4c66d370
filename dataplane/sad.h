/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to sad.c (storage, packet path, housekeeping) and sad_msg.c (SA
 * messages): the SAD's layout and the main lcore's slot operations.
 */
#ifndef HS_SAD_H
#define HS_SAD_H

#include <rte_hash.h>
#include <rte_log.h>
#include <rte_spinlock.h>

#include "dp.h"

#define HS_SAD_LOG(level, fmt, ...) RTE_LOG(level, USER1, "sad: " fmt "\n", ##__VA_ARGS__)

#define HS_SAD_NIL UINT32_MAX
#define HS_SAD_HINT_BITS 17 /* 2 x HS_SAS_MAX entries */

enum hs_sad_slot_state { HS_SAD_FREE, HS_SAD_LIVE, HS_SAD_RETIRED };

/* Selectors of an SA (RFC 4301 §5.2), immutable while the SA is reachable. */
struct hs_sad_sel {
	uint32_t n;
	struct hs_msg_ts ts[];
};

/* What workers read of a slot. */
struct hs_sad_hot {
	_Atomic(struct hs_sa *) sa;
	const struct hs_sad_sel *sel;
};

/* The main lcore's record of a slot. */
struct hs_sad_slot {
	struct hs_sa *sa;
	struct hs_sad_sel *sel;
	uint8_t state; /* enum hs_sad_slot_state */
	uint8_t dir;   /* enum hs_sa_dir */
	bool soft_sent;
	uint16_t owner;
	uint32_t next;	   /* free list, or the retired FIFO */
	int32_t key_pos;   /* inbound: SPI key position, released after the grace */
	uint64_t token;	   /* QSBR token taken when it was retired */
	uint32_t pol_first; /* outbound: the policies it was installed for */
	uint32_t pol_count;
	uint32_t n_pub; /* outbound: policies whose pointer is this SA */
	uint32_t seq, acl_line;
	struct hs_addr peer;
	uint64_t install_tsc;
	uint32_t soft_sec, hard_sec;
	uint8_t origin; /* enum hs_sa_origin */
	uint16_t pfs_group;
	uint64_t ike_sa_id;
	char map[HS_MSG_NAME_MAX];
};

struct hs_sad {
	_Atomic(struct hs_sa *) out[HS_POLICIES_MAX];
	struct hs_sad_hot hot[HS_SAS_MAX];
	/* SA address -> slot + 1, a cache for hs_sad_selector_ok (checked on use). */
	_Atomic uint32_t hint[1u << HS_SAD_HINT_BITS];
	struct rte_hash *spi; /* inbound SPI -> slot */
	struct hs_sad_slot *slots;
	uint32_t out_slot[HS_POLICIES_MAX]; /* slot + 1 published per policy; 0: none */
	uint32_t hi_water;		     /* slots [0, hi_water) were ever used */
	uint32_t free_head;
	uint32_t dq_head, dq_tail; /* retired, oldest first */
	uint32_t n_used;	   /* live + retired */
	uint64_t next_scan;
	rte_spinlock_t lock; /* main lcore vs control threads; never workers */
};

/* Policies an SA message names: [first, first + count) of the tables. */
struct hs_sad_target {
	uint32_t first, count;
	const struct hs_tables *t;
};

/* Slot of an inbound SPI, or HS_SAD_NIL (lock-free). */
static inline uint32_t
hs_sad_spi_slot(const struct hs_sad *sad, uint32_t spi)
{
	void *data;

	if (rte_hash_lookup_data(sad->spi, &spi, &data) < 0)
		return HS_SAD_NIL;
	return (uint32_t)(uintptr_t)data;
}

/* Main lcore, under sad->lock. */
/* A zeroed slot (counted as used), or HS_SAD_NIL when the table is full. */
uint32_t hs_sad_slot_alloc(struct hs_sad *sad);
/* Free a slot nothing can reach any more: its SA (keys wiped), selectors, key. */
void hs_sad_slot_release(struct hs_sad *sad, uint32_t i);
/* Make a filled slot visible to workers (the SPI key is the caller's). */
void hs_sad_slot_show(struct hs_sad *sad, uint32_t i);
/* Unpublish a live SA; freed by housekeeping after an RCU QSBR grace period. */
void hs_sad_retire(struct hs_dp *dp, uint32_t i);
/* Publish outbound slot i on the permit policies of tg (displaced SAs retire). */
void hs_sad_publish(struct hs_dp *dp, uint32_t i, const struct hs_sad_target *tg);

#endif /* HS_SAD_H */
