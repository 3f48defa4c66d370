/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The interactive prompt (-i) on DPDK's cmdline library, as testpmd's: line
 * editing, history, TAB completion and '?' help come from it. Its parse
 * instances are generated at start from the command table (console.c), one
 * per pattern and one more with "json"; crypto-map and access-list names
 * complete from the configuration. One catch-all instance (a token type of
 * ours that takes the whole line) passes any other line to the dispatcher,
 * which accepts Cisco abbreviations ("sh cry ipsec sa") and prints the usage
 * of a bad line. It refuses the lines a generated instance takes, because
 * cmdline calls two full matches ambiguous. Polled from the main lcore's
 * loop, never blocking it.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmdline.h>
#include <cmdline_parse.h>
#include <cmdline_parse_string.h>
#include <cmdline_rdline.h>
#include <cmdline_socket.h>

#include "console.h"

#define PROMPT "hubsec> "
#define TOKENS_MAX (HS_CLI_WORDS_MAX + 1)
#define POLL_CHARS_MAX 256 /* characters taken per main-loop turn */

/* What a generated instance's callback needs to rebuild the line. */
struct inst_data {
	unsigned int n_tokens;
	bool catch_all;
};

struct prompt {
	cmdline_parse_ctx_t *ctx; /* NULL-terminated */
	unsigned int n_inst;
	struct hs_dp *dp;
	char *names[3]; /* "a#b#c" of crypto maps, access lists, ports (ids and names) */
};

/*
 * The cmdline callbacks get no context of ours but the instance's data: the
 * one prompt of the process is reached from here, set once when it opens.
 */
static struct prompt *the_prompt;

static void
run_line(struct cmdline *cl, const char *line)
{
	struct hs_dp *dp = the_prompt->dp;

	if (hs_console_is_quit(line)) {
		cmdline_quit(cl);
		atomic_store(&dp->stop, true);
		return;
	}
	hs_console_exec(dp, line, stdout);
	fflush(stdout);
}

static void
on_line(void *parsed, struct cmdline *cl, void *data)
{
	const struct inst_data *d = data;
	const char *res = parsed;
	char line[HS_CLI_LINE_MAX];
	size_t len = 0;

	line[0] = '\0';
	for (unsigned int k = 0; k < d->n_tokens; k++) {
		const char *w = res + k * STR_TOKEN_SIZE;

		len += (size_t)snprintf(line + len, sizeof(line) - len, "%s%s", k ? " " : "", w);
		if (len >= sizeof(line))
			break;
	}
	run_line(cl, line);
}

/* "a#b#c" of names for a completing token; NULL (any word) when there are none. */
static char *
join_names(const char *const *names, unsigned int n)
{
	size_t len = 1;
	char *s;

	if (n == 0)
		return NULL;
	for (unsigned int i = 0; i < n; i++)
		len += strlen(names[i]) + 1;
	s = calloc(1, len);
	if (s == NULL)
		return NULL;
	for (unsigned int i = 0; i < n; i++) {
		if (i > 0)
			strcat(s, "#");
		strcat(s, names[i]);
	}
	return s;
}

/*
 * <PORT> completes from the port ids and interface names; a list (not any
 * word) also keeps "show port stats all" from matching two instances.
 */
static int
make_port_names(struct prompt *p)
{
	const struct hs_dp *dp = p->dp;
	char ids[HS_PORTS_MAX][8];
	const char *v[2 * HS_PORTS_MAX];
	unsigned int n = 0;

	for (uint16_t i = 0; i < dp->n_ports; i++) {
		snprintf(ids[i], sizeof(ids[i]), "%u", dp->ports[i].port_id);
		v[n++] = ids[i];
		v[n++] = dp->ports[i].cfg->name;
	}
	p->names[2] = join_names(v, n);
	return 0;
}

static int
make_names(struct prompt *p, const struct hs_config *cfg)
{
	const char *maps[HS_PORTS_MAX * 8];
	const char **acls = calloc(cfg->n_acls + 1, sizeof(*acls));
	unsigned int nm = 0;

	if (acls == NULL)
		return -ENOMEM;
	for (unsigned int i = 0; i < cfg->n_maps && nm < HS_ARRAY_SIZE(maps); i++)
		maps[nm++] = cfg->maps[i].name;
	for (unsigned int i = 0; i < cfg->n_acls; i++)
		acls[i] = cfg->acls[i].name;
	p->names[0] = join_names(maps, nm);
	p->names[1] = join_names(acls, cfg->n_acls);
	free(acls);
	return make_port_names(p);
}

static const char *
token_string(const struct prompt *p, const char *word, size_t len, char **owned)
{
	*owned = NULL;
	if (len == 5 && strncmp(word, "<MAP>", 5) == 0)
		return p->names[0];
	if (len == 5 && strncmp(word, "<ACL>", 5) == 0)
		return p->names[1];
	if (len == 6 && strncmp(word, "<PORT>", 6) == 0)
		return p->names[2];
	if (word[0] == '<')
		return NULL; /* any word */
	*owned = strndup(word, len);
	return *owned;
}

/* One instance from a pattern (+ "json"); NULL when out of memory. */
static cmdline_parse_inst_t *
make_inst(const struct prompt *p, const struct hs_cli_cmd *cmd, bool json)
{
	const char *w = cmd->pattern;
	cmdline_parse_inst_t *inst = calloc(1, sizeof(*inst) + (TOKENS_MAX + 1) * sizeof(void *));
	cmdline_parse_token_string_t *tok = calloc(TOKENS_MAX, sizeof(*tok));
	struct inst_data *d = calloc(1, sizeof(*d));
	unsigned int n = 0;

	if (inst == NULL || tok == NULL || d == NULL) {
		free(inst);
		free(tok);
		free(d);
		return NULL;
	}
	while (*w != '\0' && n < TOKENS_MAX - 1) {
		size_t len = strcspn(w, " ");
		char *owned;

		tok[n].hdr.ops = &cmdline_token_string_ops;
		tok[n].hdr.offset = n * STR_TOKEN_SIZE;
		tok[n].string_data.str = token_string(p, w, len, &owned);
		inst->tokens[n] = &tok[n].hdr;
		n++;
		w += len;
		w += strspn(w, " ");
	}
	if (json) {
		tok[n].hdr.ops = &cmdline_token_string_ops;
		tok[n].hdr.offset = n * STR_TOKEN_SIZE;
		tok[n].string_data.str = strdup("json");
		inst->tokens[n] = &tok[n].hdr;
		n++;
	}
	inst->tokens[n] = NULL;
	d->n_tokens = n;
	inst->f = on_line;
	inst->data = d;
	inst->help_str = cmd->help;
	return inst;
}

/* Is w one of the '#'-separated names (NULL: any word)? */
static bool
in_names(const char *names, const char *w)
{
	size_t len = strlen(w);

	if (names == NULL)
		return true;
	for (const char *p = names; *p != '\0'; p += strcspn(p, "#"), p += *p == '#') {
		if (strncmp(p, w, len) == 0 && (p[len] == '\0' || p[len] == '#'))
			return true;
	}
	return false;
}

/* Does a generated instance take these words exactly as typed? */
static bool
exact_match(const struct prompt *p, char *const w[], unsigned int n)
{
	for (unsigned int i = 0; i < hs_cli_n_cmds; i++) {
		const char *pat = hs_cli_cmds[i].pattern;
		unsigned int k = 0;
		bool ok = true;

		while (*pat != '\0' && ok) {
			size_t len = strcspn(pat, " ");

			if (k == n)
				ok = false;
			else if (strncmp(pat, "<MAP>", len) == 0 && len == 5)
				ok = in_names(p->names[0], w[k]);
			else if (strncmp(pat, "<ACL>", len) == 0 && len == 5)
				ok = in_names(p->names[1], w[k]);
			else if (strncmp(pat, "<PORT>", len) == 0 && len == 6)
				ok = in_names(p->names[2], w[k]);
			else if (pat[0] != '<')
				ok = strlen(w[k]) == len && strncmp(pat, w[k], len) == 0;
			k++;
			pat += len;
			pat += strspn(pat, " ");
		}
		if (ok && (k == n || (k + 1 == n && hs_cli_cmds[i].json && strcmp(w[k], "json") == 0)))
			return true;
	}
	return false;
}

/* The catch-all token: the rest of the line, unless a generated instance takes it. */
static int
rest_parse(cmdline_parse_token_hdr_t *tk, const char *buf, void *res, unsigned int ressize)
{
	char line[HS_CLI_LINE_MAX], copy[HS_CLI_LINE_MAX], *w[HS_CLI_WORDS_MAX + 1], *save = NULL;
	size_t len = strcspn(buf, "\r\n");
	unsigned int n = 0;

	(void)tk;
	if (len == 0 || len >= sizeof(line) || (res != NULL && len >= ressize))
		return -1;
	memcpy(line, buf, len);
	line[len] = '\0';
	memcpy(copy, line, len + 1);
	for (char *t = strtok_r(copy, " \t", &save); t != NULL; t = strtok_r(NULL, " \t", &save)) {
		if (n == HS_CLI_WORDS_MAX + 1)
			break;
		w[n++] = t;
	}
	if (n <= HS_CLI_WORDS_MAX && exact_match(the_prompt, w, n))
		return -1;
	if (res != NULL)
		memcpy(res, line, len + 1);
	return (int)len;
}

static int
rest_help(cmdline_parse_token_hdr_t *tk, char *dst, unsigned int size)
{
	(void)tk;
	snprintf(dst, size, "LINE");
	return 0;
}

static struct cmdline_token_ops rest_ops = {
	.parse = rest_parse,
	.get_help = rest_help,
};

static cmdline_parse_inst_t *
make_catch_all(void)
{
	cmdline_parse_inst_t *inst = calloc(1, sizeof(*inst) + 2 * sizeof(void *));
	cmdline_parse_token_hdr_t *tok = calloc(1, sizeof(*tok));
	struct inst_data *d = calloc(1, sizeof(*d));

	if (inst == NULL || tok == NULL || d == NULL) {
		free(inst);
		free(tok);
		free(d);
		return NULL;
	}
	tok->ops = &rest_ops;
	tok->offset = 0;
	inst->tokens[0] = tok;
	d->n_tokens = 1;
	d->catch_all = true;
	inst->f = on_line;
	inst->data = d;
	inst->help_str = "any command; words may be shortened (sh cry ipsec sa)";
	return inst;
}

static int
build_ctx(struct prompt *p)
{
	unsigned int max = 2 * hs_cli_n_cmds + 1;

	p->ctx = calloc(max + 1, sizeof(*p->ctx));
	if (p->ctx == NULL)
		return -ENOMEM;
	for (unsigned int i = 0; i < hs_cli_n_cmds; i++) {
		for (int json = 0; json <= (int)hs_cli_cmds[i].json; json++) {
			cmdline_parse_inst_t *inst = make_inst(p, &hs_cli_cmds[i], json);

			if (inst == NULL)
				return -ENOMEM;
			p->ctx[p->n_inst++] = inst;
		}
	}
	p->ctx[p->n_inst] = make_catch_all();
	if (p->ctx[p->n_inst++] == NULL)
		return -ENOMEM;
	p->ctx[p->n_inst] = NULL;
	return 0;
}

int
hs_console_prompt_open(struct hs_dp *dp, struct hs_console *c)
{
	struct prompt *p = calloc(1, sizeof(*p));
	int rc;

	if (p == NULL)
		return -ENOMEM;
	p->dp = dp;
	c->prompt = p;
	the_prompt = p;
	if ((rc = make_names(p, dp->cfg)) != 0 || (rc = build_ctx(p)) != 0)
		return rc;
	c->cl = cmdline_stdin_new(p->ctx, PROMPT);
	if (c->cl == NULL)
		return -ENOMEM;
	return 0;
}

void
hs_console_prompt_poll(struct hs_dp *dp, struct hs_console *c)
{
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };

	for (unsigned int i = 0; i < POLL_CHARS_MAX; i++) {
		if (poll(&pfd, 1, 0) <= 0)
			return;
		if (pfd.revents & (POLLHUP | POLLERR | POLLNVAL) && !(pfd.revents & POLLIN)) {
			atomic_store(&dp->stop, true); /* the terminal went away */
			return;
		}
		if (cmdline_poll(c->cl) == RDLINE_EXITED) {
			atomic_store(&dp->stop, true);
			return;
		}
	}
}

static void
free_inst(cmdline_parse_inst_t *inst)
{
	const struct inst_data *d = inst->data;

	if (!d->catch_all) {
		for (unsigned int k = 0; inst->tokens[k] != NULL; k++) {
			cmdline_parse_token_string_t *t = (cmdline_parse_token_string_t *)inst->tokens[k];
			const char *s = t->string_data.str;

			/* Literal words are strdup'ed; the name lists are shared. */
			if (s != NULL && s != the_prompt->names[0] && s != the_prompt->names[1] &&
				s != the_prompt->names[2])
				free((void *)(uintptr_t)s);
		}
	}
	free(inst->tokens[0]); /* the token array */
	free(inst->data);
	free(inst);
}

void
hs_console_prompt_close(struct hs_console *c)
{
	struct prompt *p = c->prompt;

	if (c->cl != NULL) {
		cmdline_stdin_exit(c->cl); /* the terminal back to how it was */
		c->cl = NULL;
	}
	if (p == NULL)
		return;
	for (unsigned int i = 0; i < p->n_inst; i++)
		free_inst(p->ctx[i]);
	free(p->ctx);
	free(p->names[0]);
	free(p->names[1]);
	free(p->names[2]);
	free(p);
	c->prompt = NULL;
	the_prompt = NULL;
}
