/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hubsec-control: what both transports share. Logging, the clock, the
 * NAT-T framing of port 4500 (RFC 3948 §2.2), received IKE messages handed
 * to the engine, and our own lines of the command socket.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctl.h"

static const char *const level_names[HS_IKEV2_LOG_MAX] = { HS_IKEV2_LOG_LEVELS(HS_ENUM_STR) };
static const char *const counter_names[HS_CTL_C_MAX] = { HS_CTL_COUNTERS(HS_ENUM_STR) };

uint64_t
hs_ctl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

const char *
hs_ctl_log_level_name(enum hs_ikev2_log_level l)
{
	return (unsigned int)l < HS_IKEV2_LOG_MAX ? level_names[l] : "unknown";
}

int
hs_ctl_log_level_parse(const char *s, enum hs_ikev2_log_level *l)
{
	for (int i = 0; i < HS_IKEV2_LOG_MAX; i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*l = (enum hs_ikev2_log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

enum hs_ikev2_log_level
hs_ctl_log_level_from_config(enum hs_config_log_level l)
{
	switch (l) {
	case HS_CONFIG_LOG_WARNING: return HS_IKEV2_LOG_WARNING;
	case HS_CONFIG_LOG_NOTICE: return HS_IKEV2_LOG_NOTICE;
	case HS_CONFIG_LOG_INFO: return HS_IKEV2_LOG_INFO;
	case HS_CONFIG_LOG_DEBUG: return HS_IKEV2_LOG_DEBUG;
	default: return HS_IKEV2_LOG_ERR; /* emergency, alert, critical, error */
	}
}

const char *
hs_ctl_counter_name(enum hs_ctl_counter c)
{
	return (unsigned int)c < HS_CTL_C_MAX ? counter_names[c] : "unknown";
}

/* One line, whole, in one write: lines of the engine and ours never interleave. */
static void
log_line(enum hs_ikev2_log_level level, const char *line)
{
	struct timespec ts;
	struct tm tm;
	char when[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ld hubsec-control: %s: %s\n", when, ts.tv_nsec / 1000000,
		hs_ctl_log_level_name(level), line);
}

void
hs_ctl_log(struct hs_ctl *c, enum hs_ikev2_log_level level, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (level > c->opts.log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_line(level, line);
}

void
hs_ctl_io_log(void *ctx, enum hs_ikev2_log_level level, const char *line)
{
	struct hs_ctl *c = ctx;

	if (level <= c->opts.log_level)
		log_line(level, line);
}

enum hs_ctl_natt_kind
hs_ctl_natt_strip(const uint8_t **p, size_t *len)
{
	static const uint8_t marker[4] = { 0, 0, 0, 0 };

	if (*len == 1 && (*p)[0] == 0xff)
		return HS_CTL_NATT_KEEPALIVE;
	if (*len < sizeof(marker))
		return HS_CTL_NATT_MALFORMED;
	if (memcmp(*p, marker, sizeof(marker)) != 0)
		return HS_CTL_NATT_ESP; /* a non-zero SPI */
	*p += sizeof(marker);
	*len -= sizeof(marker);
	return *len == 0 ? HS_CTL_NATT_MALFORMED : HS_CTL_NATT_IKE;
}

void
hs_ctl_input(struct hs_ctl *c, const struct hs_ike_path *path, bool natt, const uint8_t *p,
	size_t len, uint64_t now)
{
	char r[HS_ADDR_STRLEN];
	size_t got = len;

	if (natt) {
		switch (hs_ctl_natt_strip(&p, &len)) {
		case HS_CTL_NATT_IKE: break;
		case HS_CTL_NATT_ESP: c->count[HS_CTL_C_RX_ESP_IN_UDP]++; return;
		case HS_CTL_NATT_KEEPALIVE: c->count[HS_CTL_C_RX_KEEPALIVE]++; return;
		default:
			c->count[HS_CTL_C_RX_MALFORMED]++;
			hs_ctl_log(c, HS_IKEV2_LOG_DEBUG, "dropped %zu bytes on port %u from %s: "
				   "too short for the non-ESP marker and a message", got, path->lport,
				hs_addr_format(&path->remote, r, sizeof(r)));
			return;
		}
	}
	if (len == 0) {
		c->count[HS_CTL_C_RX_MALFORMED]++;
		return;
	}
	c->count[HS_CTL_C_RX]++;
	hs_ikev2_input(c->ike, path, p, len, now);
}

const struct hs_addr *
hs_ctl_outside_addr(const struct hs_config *cfg, int family)
{
	for (unsigned int i = 0; i < cfg->n_ifaces; i++) {
		const struct hs_config_interface *f = &cfg->ifaces[i];

		if (f->role != HS_CONFIG_IF_OUTSIDE)
			continue;
		if (family == AF_INET && f->n_ipv4 > 0)
			return &f->ipv4[0].addr;
		if (family == AF_INET6 && f->n_ipv6 > 0)
			return &f->ipv6[0].addr;
	}
	return NULL;
}

static void
counters(const struct hs_ctl *c, FILE *out, bool json, uint64_t now)
{
	const char *mode = c->opts.udp ? "udp" : "dataplane";

	if (json) {
		fprintf(out, "{\"mode\": \"%s\", \"uptime_ms\": %" PRIu64, mode, now - c->start_ms);
		for (int i = 0; i < HS_CTL_C_MAX; i++)
			fprintf(out, ", \"%s\": %" PRIu64, counter_names[i], c->count[i]);
		fprintf(out, "}\n");
		return;
	}
	fprintf(out, "hubsec-control (%s mode), up %" PRIu64 " s\n", mode,
		(now - c->start_ms) / 1000);
	for (int i = 0; i < HS_CTL_C_MAX; i++)
		fprintf(out, "  %-20s %" PRIu64 "\n", counter_names[i], c->count[i]);
}

int
hs_ctl_command(struct hs_ctl *c, const char *line, FILE *out, uint64_t now)
{
	static const char ours[] = "show control counters";
	size_t n = sizeof(ours) - 1;

	c->count[HS_CTL_C_COMMANDS]++;
	while (*line == ' ' || *line == '\t')
		line++;
	if (strncmp(line, ours, n) == 0 && (line[n] == '\0' || line[n] == ' ')) {
		const char *rest = line + n + strspn(line + n, " \t");

		if (*rest != '\0' && strcmp(rest, "json") != 0) {
			fprintf(out, "%% usage: %s [json]\n", ours);
			return 2;
		}
		counters(c, out, *rest != '\0', now);
		return 0;
	}
	return hs_ikev2_command(c->ike, line, out, now);
}
