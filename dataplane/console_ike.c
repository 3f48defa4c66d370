/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Console commands about state the control process owns: IKE SAs and Auto
 * VPN. They are relayed to hubsec-control's socket (HS_CONTROL_SOCK_NAME in
 * the same EAL runtime directory; the same one-line protocol as ours) and
 * its answer printed as is. When it is not running the answer says so: the
 * dataplane has no IKE SAs of its own to show, and its IPsec SAs keep
 * forwarding.
 *
 * The relay blocks the main lcore for at most RELAY_TIMEOUT_MS (a local
 * socket: the control process answers from memory); workers never wait.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>

#include "console.h"

#define RELAY_TIMEOUT_MS 1000
#define NOT_RUNNING "hubsec-control is not running"

static int
control_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, n;

	n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", rte_eal_get_runtime_dir(),
		HS_CONTROL_SOCK_NAME);
	if (n < 0 || (size_t)n >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -ENOTCONN; /* no socket, or nobody listening on it */
	}
	return fd;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read the whole answer (until EOF) within the deadline; 0 or -ETIMEDOUT / -EIO. */
static int
read_all(int fd, FILE *mem, int64_t deadline)
{
	char buf[4096];

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int64_t left = deadline - now_ms();
		ssize_t r;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return -ETIMEDOUT;
		r = read(fd, buf, sizeof(buf));
		if (r < 0)
			return errno == EINTR ? 0 : -EIO;
		if (r == 0)
			return 0;
		fwrite(buf, 1, (size_t)r, mem);
	}
}

int
hs_cli_control_relay(const char *line, FILE *out, int *rc_remote)
{
	int64_t deadline = now_ms() + RELAY_TIMEOUT_MS;
	char *reply = NULL, *body;
	size_t len = 0;
	FILE *mem;
	int fd, rc;

	fd = control_connect();
	if (fd < 0)
		return fd;
	if (dprintf(fd, "%s\n", line) < 0) {
		close(fd);
		return -EIO;
	}
	shutdown(fd, SHUT_WR);
	mem = open_memstream(&reply, &len);
	if (mem == NULL) {
		close(fd);
		return -ENOMEM;
	}
	rc = read_all(fd, mem, deadline);
	fclose(mem);
	close(fd);
	if (rc == 0 && (len < 5 || strncmp(reply, HS_CLI_REPLY_MAGIC " ", 4) != 0))
		rc = -EIO; /* not our protocol */
	if (rc == 0) {
		*rc_remote = atoi(reply + 4);
		body = memchr(reply, '\n', len);
		if (body != NULL)
			fwrite(body + 1, 1, len - (size_t)(body + 1 - reply), out);
	}
	free(reply);
	return rc;
}

bool
hs_cli_control_running(void)
{
	int fd = control_connect();

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

bool
hs_cli_control_ike_up(const struct hs_addr *peer)
{
	char line[64], a[HS_ADDR_STRLEN];
	FILE *sink = fopen("/dev/null", "w");
	int remote = -1, rc;

	if (sink == NULL)
		return false;
	snprintf(line, sizeof(line), "ike-sa-up %s", hs_addr_format(peer, a, sizeof(a)));
	rc = hs_cli_control_relay(line, sink, &remote);
	fclose(sink);
	return rc == 0 && remote == 0;
}

/* Relay "words [json]"; report a control process that is gone or stuck. */
static int
relay(const char *words, const struct hs_cli_out *o, bool *not_running)
{
	char line[HS_CLI_LINE_MAX];
	int rc, remote = 0;

	snprintf(line, sizeof(line), "%s%s", words, o->json ? " json" : "");
	rc = hs_cli_control_relay(line, o->f, &remote);
	*not_running = rc == -ENOTCONN;
	if (rc == -ETIMEDOUT || rc == -EIO)
		fprintf(o->f, "%% hubsec-control did not answer (%s)\n",
			rc == -ETIMEDOUT ? "timed out" : "bad reply");
	return rc == 0 ? remote : rc;
}

static int
isakmp(struct hs_dp *dp, const char *words, struct hs_cli_out *o)
{
	bool down;
	int rc = relay(words, o, &down);

	(void)dp;
	if (!down)
		return rc;
	if (o->json) {
		hs_json_obj_open(&o->j, NULL);
		hs_json_str(&o->j, "control", "not running");
		hs_json_arr_open(&o->j, "ikev1");
		hs_json_close(&o->j);
		hs_json_arr_open(&o->j, "ikev2");
		hs_json_close(&o->j);
		hs_json_close(&o->j);
		return 0;
	}
	fprintf(o->f, "\nThere are no IKEv1 SAs\n\nThere are no IKEv2 SAs\n\n"
		      "%% " NOT_RUNNING ": no IKE SAs; the dataplane's IPsec SAs keep forwarding\n");
	return 0;
}

int
hs_cli_show_isakmp_sa(struct hs_dp *dp, struct hs_console *c, const struct hs_cli_args *a,
	struct hs_cli_out *o)
{
	(void)c;
	(void)a;
	return isakmp(dp, "show crypto isakmp sa", o);
}

int
hs_cli_show_isakmp_sa_detail(struct hs_dp *dp, struct hs_console *c, const struct hs_cli_args *a,
	struct hs_cli_out *o)
{
	(void)c;
	(void)a;
	return isakmp(dp, "show crypto isakmp sa detail", o);
}

int
hs_cli_clear_isakmp_sa(struct hs_dp *dp, struct hs_console *c, const struct hs_cli_args *a,
	struct hs_cli_out *o)
{
	bool down;
	int rc = relay("clear crypto isakmp sa", o, &down);

	(void)dp;
	(void)c;
	(void)a;
	if (down) {
		fprintf(o->f, "%% " NOT_RUNNING ": there are no IKE SAs to clear\n");
		return -ENOTCONN;
	}
	return rc;
}

/* ---- show vpn status ---- */

static void
autovpn_text(const struct hs_config_autovpn *a, FILE *f)
{
	char p[HS_ADDR_STRLEN];

	fprintf(f, "Auto VPN: %s, role %s\n", a->enabled ? "enabled" : "disabled",
		a->has_role ? hs_config_autovpn_role_name(a->role) : "-");
	for (unsigned int i = 0; i < a->n_registry; i++)
		fprintf(f, "  Registry %u: %s ports %u-%u\n", i + 1, a->registry[i].host,
			a->registry[i].port_lo, a->registry[i].port_hi);
	for (unsigned int i = 0; i < a->n_hubs; i++)
		fprintf(f, "  Hub %u: %s (priority %u)\n", i + 1, a->hubs[i].peer,
			a->hubs[i].priority);
	for (unsigned int i = 0; i < a->n_subnets; i++)
		fprintf(f, "  Exported subnet: %s\n", hs_prefix_format(&a->subnets[i], p, sizeof(p)));
	fprintf(f, "  Exit hub: %s, full tunnel: %s\n", a->exit_hub[0] ? a->exit_hub : "none",
		a->full_tunnel ? "yes" : "no");
}

static void
autovpn_json(const struct hs_config_autovpn *a, struct hs_json *j)
{
	char p[HS_ADDR_STRLEN];

	hs_json_bool(j, "configured", a->present);
	hs_json_bool(j, "enabled", a->present && a->enabled);
	if (!a->present)
		return;
	hs_json_str(j, "role", a->has_role ? hs_config_autovpn_role_name(a->role) : "");
	hs_json_arr_open(j, "registry");
	for (unsigned int i = 0; i < a->n_registry; i++)
		hs_json_strf(j, NULL, "%s:%u-%u", a->registry[i].host, a->registry[i].port_lo,
			a->registry[i].port_hi);
	hs_json_close(j);
	hs_json_arr_open(j, "exported_subnets");
	for (unsigned int i = 0; i < a->n_subnets; i++)
		hs_json_str(j, NULL, hs_prefix_format(&a->subnets[i], p, sizeof(p)));
	hs_json_close(j);
}

/*
 * The configuration is ours to show; the registry connection and the NAT
 * type are hubsec-control's (Auto VPN client): asked, or "unknown" with the
 * reason.
 */
int
hs_cli_show_vpn_status(struct hs_dp *dp, struct hs_console *c, const struct hs_cli_args *a,
	struct hs_cli_out *o)
{
	const struct hs_config_autovpn *av = &dp->cfg->autovpn;
	bool running = hs_cli_control_running();

	(void)c;
	(void)a;
	if (o->json) {
		hs_json_obj_open(&o->j, NULL);
		autovpn_json(av, &o->j);
		hs_json_str(&o->j, "control", running ? "running" : "not running");
		hs_json_close(&o->j);
		return 0;
	}
	if (!av->present) {
		fprintf(o->f, "Auto VPN: not configured\n");
		return 0;
	}
	autovpn_text(av, o->f);
	if (!running) {
		fprintf(o->f, "  Registry connection: unknown (" NOT_RUNNING ")\n"
			      "  NAT type: unknown (" NOT_RUNNING ")\n");
		return 0;
	}
	{
		bool down;

		return relay("show vpn status", o, &down);
	}
}
