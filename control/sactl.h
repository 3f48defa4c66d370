/* SPDX-License-Identifier: BSD-3-Clause */
/* hubsec-sactl's parts: options (sactl.c), messages (sactl_msg.c), watching (sactl_watch.c). */
#ifndef HS_SACTL_H
#define HS_SACTL_H

#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "msg.h"

#define EXIT_REFUSED 1
#define EXIT_USAGE 2
#define SACTL_ACK_TIMEOUT_MS 2000 /* per SA message */
#define SACTL_POLL_US 1000	 /* sleep between empty ring polls */

enum cmd { CMD_ADD, CMD_REPLACE, CMD_DEL, CMD_FLUSH, CMD_RESPONDER, CMD_EVENTS, CMD_MAX };

struct opts {
	enum cmd cmd;
	const char *map, *peer, *local, *cipher, *integ;
	const char *key_in, *key_out, *auth_in, *auth_out;
	const char *ts[HS_MSG_TS_MAX];
	unsigned int n_ts;
	uint32_t seq, line, spi_in, spi_out, old_spi, spi, replay;
	uint16_t sport, dport;
	bool natt, esn, has_replay;
	int dir; /* del: enum hs_sa_dir, -1 unset */
	const char *config, *static_name;
	uint32_t delay_ms, count, timeout_s;
	const char *prefix; /* EAL --file-prefix, for messages */
};

/* Monotonic milliseconds. */
uint64_t hs_sactl_now_ms(void);
/* The config file, or NULL with its errors printed. */
struct hs_config *hs_sactl_load_config(const char *path);
const struct hs_config_static_sa *hs_sactl_find_static(const struct hs_config *cfg,
	const char *name);
/*
 * Build the message of an SA command (o->cmd; from static SA s when not
 * NULL), send it and wait for the answer: 0, EXIT_REFUSED or EXIT_USAGE.
 */
int hs_sactl_send_sa(const struct hs_rings *r, const struct opts *o, const struct hs_config *cfg,
	const struct hs_config_static_sa *s);
/* The events and acquire-responder commands: exit status. */
int hs_sactl_events(const struct hs_rings *r, const struct opts *o);
int hs_sactl_responder(const struct hs_rings *r, struct opts *o);

#endif
