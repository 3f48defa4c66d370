/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The command table and its dispatcher. A line is split into words and
 * matched against every pattern of the table: a literal matches a word that
 * is a prefix of it (Cisco's "sh cry ipsec sa"), a placeholder matches any
 * word. The pattern with the most exact literals wins; two equally good ones
 * make the line ambiguous. A trailing "json" selects machine output on
 * commands that have it. "?" at the end lists what can follow.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "console.h"

static int cmd_help(struct hs_dp *dp, struct hs_console *c, const struct hs_cli_args *a,
	struct hs_cli_out *o);
static int cmd_quit(struct hs_dp *dp, struct hs_console *c, const struct hs_cli_args *a,
	struct hs_cli_out *o);

const struct hs_cli_cmd hs_cli_cmds[] = {
	{ "show crypto ipsec sa", hs_cli_show_ipsec_sa, true,
		"IPsec SAs per crypto-map entry: counters, SPIs, transforms, lifetimes" },
	{ "show crypto ipsec sa detail", hs_cli_show_ipsec_sa_detail, true,
		"as above, with every error counter, sequence numbers and owner worker" },
	{ "show crypto ipsec sa brief", hs_cli_show_ipsec_sa_brief, true,
		"one line per SA: crypto map, seq, ACL line, peer, direction, SPI, origin" },
	{ "show crypto ipsec sa peer <ADDR>", hs_cli_show_ipsec_sa_peer, true,
		"IPsec SAs with one peer" },
	{ "show crypto ipsec sa map <MAP>", hs_cli_show_ipsec_sa_map, true,
		"IPsec SAs of one crypto map" },
	{ "show crypto isakmp sa", hs_cli_show_isakmp_sa, true,
		"IKEv1 and IKEv2 SAs (from hubsec-control)" },
	{ "show crypto isakmp sa detail", hs_cli_show_isakmp_sa_detail, true,
		"IKE SAs with their child SAs (from hubsec-control)" },
	{ "show crypto session", hs_cli_show_session, true,
		"per peer: session status, IKE SA, IPsec flows" },
	{ "show crypto session brief", hs_cli_show_session_brief, true,
		"one line per peer" },
	{ "show crypto session detail", hs_cli_show_session_detail, true,
		"per peer with packet counters and remaining lifetimes" },
	{ "show crypto map", hs_cli_show_crypto_map, true,
		"crypto maps: entries, peers, ACLs, transform sets, lifetimes, PFS" },
	{ "show access-list", hs_cli_show_access_list, true,
		"every access list with hitcnt per line" },
	{ "show access-list <ACL>", hs_cli_show_access_list_name, true,
		"one access list with hitcnt per line" },
	{ "show running-config", hs_cli_show_running_config, false,
		"the configuration in use (secrets masked)" },
	{ "show interfaces", hs_cli_show_interfaces, true,
		"interfaces: state, addresses, MTU, packet counters" },
	{ "show port stats", hs_cli_show_port_stats, true,
		"per port: NIC and worker counters, rates since the last show" },
	{ "show port stats all", hs_cli_show_port_stats, true,
		"the same for every port" },
	{ "show port stats <PORT>", hs_cli_show_port_stats_one, true,
		"one port (DPDK port id or interface name)" },
	{ "show port info", hs_cli_show_port_info, true,
		"per port: driver, MAC, link, queues, MTU" },
	{ "show drops", hs_cli_show_drops, true, "packets dropped, by reason" },
	{ "show vpn status", hs_cli_show_vpn_status, true,
		"Auto VPN: registry connection and NAT type" },
	{ "clear crypto sa", hs_cli_clear_crypto_sa, false,
		"delete the IPsec SAs (the config's static SAs stay)" },
	{ "clear crypto sa peer <ADDR>", hs_cli_clear_crypto_sa_peer, false,
		"delete the IPsec SAs with one peer" },
	{ "clear crypto isakmp sa", hs_cli_clear_isakmp_sa, false,
		"delete the IKE SAs (hubsec-control)" },
	{ "clear counters", hs_cli_clear_counters, false,
		"zero the console's port, drop and access-list counters" },
	{ "clear access-list <ACL> counters", hs_cli_clear_access_list, false,
		"zero one access list's hitcnt" },
	{ "help", cmd_help, false, "this list" },
	{ "quit", cmd_quit, false, "leave the prompt (stops hubsec-dataplane) or the session" },
};
const unsigned int hs_cli_n_cmds = HS_ARRAY_SIZE(hs_cli_cmds);

struct words {
	unsigned int n;
	char *w[HS_CLI_WORDS_MAX + 1];
};

/* Split in place on blanks; false when there are too many words. */
static bool
split(char *line, struct words *ws)
{
	char *save = NULL;

	ws->n = 0;
	for (char *t = strtok_r(line, " \t\r\n", &save); t != NULL;
		t = strtok_r(NULL, " \t\r\n", &save)) {
		if (ws->n == HS_CLI_WORDS_MAX + 1)
			return false;
		ws->w[ws->n++] = t;
	}
	return true;
}

static bool
is_placeholder(const char *tok, size_t len)
{
	return len > 2 && tok[0] == '<' && tok[len - 1] == '>';
}

/*
 * Match words [0, n) against a pattern. Returns the number of literals that
 * matched exactly (more is better), or -1 when it does not match. With
 * prefix_only, the pattern may be longer than the words (for "?").
 */
static int
match(const char *pattern, char *const w[], unsigned int n, bool prefix_only,
	struct hs_cli_args *args)
{
	const char *p = pattern;
	unsigned int i = 0;
	int exact = 0;

	if (args != NULL)
		args->n = 0;
	while (*p != '\0') {
		size_t len = strcspn(p, " ");

		if (i == n)
			return prefix_only ? exact : -1;
		if (is_placeholder(p, len)) {
			if (args != NULL)
				args->v[args->n++] = w[i];
		} else {
			size_t wl = strlen(w[i]);

			if (wl > len || strncasecmp(p, w[i], wl) != 0)
				return -1;
			exact += wl == len;
		}
		i++;
		p += len;
		p += strspn(p, " ");
	}
	return i == n ? exact : -1;
}

static void
usage_for(FILE *f, char *const w[], unsigned int n)
{
	unsigned int shown = 0;

	/* Commands that share the longest matching beginning with the line. */
	for (unsigned int k = n; k > 0 && shown == 0; k--) {
		for (unsigned int i = 0; i < hs_cli_n_cmds; i++) {
			if (match(hs_cli_cmds[i].pattern, w, k, true, NULL) < 0)
				continue;
			fprintf(f, "%s  %s%s\n", shown++ == 0 ? "Usage:\n" : "",
				hs_cli_cmds[i].pattern, hs_cli_cmds[i].json ? " [json]" : "");
		}
	}
	if (shown == 0)
		fprintf(f, "Type \"help\" for the list of commands.\n");
}

/* "show crypto ?": the words that can come next. */
static void
hints(FILE *f, char *const w[], unsigned int n)
{
	unsigned int shown = 0;

	for (unsigned int i = 0; i < hs_cli_n_cmds; i++) {
		const char *p = hs_cli_cmds[i].pattern;

		if (match(p, w, n, true, NULL) < 0)
			continue;
		for (unsigned int k = 0; k < n && *p != '\0'; k++) {
			p += strcspn(p, " ");
			p += strspn(p, " ");
		}
		fprintf(f, "  %-40s %s\n", *p != '\0' ? p : "<cr>", hs_cli_cmds[i].help);
		shown++;
	}
	if (shown == 0)
		fprintf(f, "%% Unrecognized command\n");
}

static int
cmd_help(struct hs_dp *dp, struct hs_console *c, const struct hs_cli_args *a,
	struct hs_cli_out *o)
{
	(void)dp;
	(void)c;
	(void)a;
	fprintf(o->f, "Commands (words may be shortened while unambiguous; \"json\" at the end"
		      " of a show gives JSON; \"?\" lists what can follow):\n");
	for (unsigned int i = 0; i < hs_cli_n_cmds; i++)
		fprintf(o->f, "  %-38s %s\n", hs_cli_cmds[i].pattern, hs_cli_cmds[i].help);
	return 0;
}

/* On the prompt quit stops the box (testpmd); on the socket it ends the session. */
static int
cmd_quit(struct hs_dp *dp, struct hs_console *c, const struct hs_cli_args *a,
	struct hs_cli_out *o)
{
	(void)c;
	(void)a;
	(void)o;
	(void)dp;
	return 0;
}

/* The index of the command a line names, or -1 (*ambiguous when two do). */
static int
find(char *const w[], unsigned int n, struct hs_cli_args *args, bool *ambiguous)
{
	int best = -1, best_exact = -1;

	*ambiguous = false;
	for (unsigned int i = 0; i < hs_cli_n_cmds; i++) {
		struct hs_cli_args a;
		int e = match(hs_cli_cmds[i].pattern, w, n, false, &a);

		if (e < 0 || e < best_exact)
			continue;
		*ambiguous = e == best_exact;
		if (e > best_exact) {
			best = (int)i;
			best_exact = e;
			*args = a;
		}
	}
	return best;
}

int
hs_console_exec(struct hs_dp *dp, const char *line, FILE *out)
{
	struct hs_console *c = dp->console;
	char buf[HS_CLI_LINE_MAX];
	struct hs_cli_out o = { .f = out, .json = false };
	struct hs_cli_args args = { .n = 0 };
	struct words ws;
	bool ambiguous;
	int i, rc;

	if (c == NULL) {
		fprintf(out, "%% The console is not initialised\n");
		return -ENODEV;
	}
	if (strlen(line) >= sizeof(buf)) {
		fprintf(out, "%% Line too long (at most %zu characters)\n", sizeof(buf) - 1);
		return -EINVAL;
	}
	strcpy(buf, line);
	if (!split(buf, &ws)) {
		fprintf(out, "%% Too many words\n");
		return -EINVAL;
	}
	if (ws.n == 0)
		return 0;
	if (strcmp(ws.w[ws.n - 1], "?") == 0) {
		hints(out, ws.w, ws.n - 1);
		return 0;
	}
	if (ws.n > 1 && strcasecmp(ws.w[ws.n - 1], "json") == 0) {
		o.json = true;
		ws.n--;
	}
	if (ws.n > HS_CLI_WORDS_MAX) {
		fprintf(out, "%% Too many words\n");
		return -EINVAL;
	}
	i = find(ws.w, ws.n, &args, &ambiguous);
	if (i < 0 || ambiguous || (o.json && !hs_cli_cmds[i].json)) {
		fprintf(out, "%% %s command: \"%s\"\n",
			ambiguous ? "Ambiguous" : "Invalid", line);
		usage_for(out, ws.w, ws.n);
		if (c != NULL)
			c->errors++;
		return -EINVAL;
	}
	if (o.json)
		hs_json_init(&o.j, out);
	rc = hs_cli_cmds[i].fn(dp, c, &args, &o);
	if (c != NULL) {
		c->commands++;
		c->errors += rc != 0;
	}
	return rc;
}

bool
hs_console_is_quit(const char *line)
{
	char buf[HS_CLI_LINE_MAX];
	struct words ws;

	snprintf(buf, sizeof(buf), "%s", line);
	return split(buf, &ws) && ws.n == 1 && match("quit", ws.w, 1, false, NULL) >= 0;
}

int
hs_console_init(struct hs_dp *dp)
{
	struct hs_console *c = calloc(1, sizeof(*c));
	int rc;

	if (c == NULL)
		return -ENOMEM;
	c->listen_fd = -1;
	c->base.policy = calloc(HS_POLICIES_MAX, sizeof(uint64_t));
	if (c->base.policy == NULL) {
		free(c);
		return -ENOMEM;
	}
	dp->console = c;
	rc = hs_console_sock_open(dp, c);
	if (rc != 0)
		return rc;
	if (dp->opts.interactive)
		rc = hs_console_prompt_open(dp, c);
	return rc;
}

void
hs_console_poll(struct hs_dp *dp)
{
	struct hs_console *c = dp->console;

	if (c == NULL)
		return;
	hs_console_sock_poll(dp, c);
	if (c->cl != NULL)
		hs_console_prompt_poll(dp, c);
}

void
hs_console_fini(struct hs_dp *dp)
{
	struct hs_console *c = dp->console;

	if (c == NULL)
		return;
	hs_console_prompt_close(c);
	hs_console_sock_close(c);
	free(c->base.policy);
	free(c);
	dp->console = NULL;
}
