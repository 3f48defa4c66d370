/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The operator's console: one command table (console.c) reached three ways,
 * all on the main lcore, never on a worker:
 *   - the interactive prompt (-i), DPDK's cmdline library: completion,
 *     history, '?' hints (console_prompt.c)
 *   - a unix socket in the EAL runtime directory for hubsec-cli, scripts and
 *     tests (console_sock.c)
 *   - hs_console_exec() directly (unit tests)
 * Commands read the workers' counters (summed on read) and the SAD; the few
 * that change state (clear crypto sa) go through the same SAD calls as the
 * control rings. "clear counters" never writes a worker's counter: it keeps
 * a baseline here and the views subtract it (telemetry keeps the raw sums).
 * IKE state lives in hubsec-control: commands about it are relayed to its
 * socket, and say so plainly when it is not running (console_ike.c).
 */
#ifndef HS_CONSOLE_H
#define HS_CONSOLE_H

#include <stdio.h>

#include <rte_ethdev.h>

#include "dp.h"
#include "json.h"

#define HS_CLI_SOCK_NAME "hubsec.sock"		/* in rte_eal_get_runtime_dir() */
#define HS_CONTROL_SOCK_NAME "hubsec-control.sock" /* hubsec-control's, same dir */
#define HS_CLI_LINE_MAX 512
#define HS_CLI_WORDS_MAX 12
/*
 * The socket protocol (hubsec-cli): the client sends one command line ended
 * by '\n'; the server answers "HS1 <rc>\n" then the output, and closes.
 */
#define HS_CLI_REPLY_MAGIC "HS1"

/* How a command's output is written. */
struct hs_cli_out {
	FILE *f;
	bool json;
	struct hs_json j;
};

/* The placeholder words of the matched pattern (<ADDR>, <MAP>...), in order. */
struct hs_cli_args {
	unsigned int n;
	const char *v[HS_CLI_WORDS_MAX];
};

struct hs_console;
typedef int (*hs_cli_fn)(struct hs_dp *dp, struct hs_console *c, const struct hs_cli_args *a,
	struct hs_cli_out *o);

struct hs_cli_cmd {
	const char *pattern; /* words; <ADDR> <MAP> <ACL> <PORT> take a value */
	hs_cli_fn fn;
	bool json;	  /* accepts a trailing "json" */
	const char *help; /* one line */
};

/* Counters as the console last cleared them (console views subtract these). */
struct hs_cli_base {
	struct hs_port_stats port[HS_PORTS_MAX];
	struct rte_eth_stats eth[HS_PORTS_MAX];
	uint64_t dp_drops[HS_DPDROP_MAX];
	uint64_t esp_drops[HS_DROP_MAX];
	uint64_t *policy; /* [HS_POLICIES_MAX] */
	uint64_t policy_gen; /* tables generation the policy baseline belongs to */
};

/* Port counters at the previous "show port stats", for the rates. */
struct hs_cli_rate {
	uint64_t tsc;
	uint64_t ipackets, opackets, ibytes, obytes;
};

struct hs_cli_conn;
struct cmdline;

struct hs_console {
	struct hs_cli_base base;
	struct hs_cli_rate rate[HS_PORTS_MAX];
	/* unix socket */
	int listen_fd;
	char sock_path[108];
	struct hs_cli_conn *conns; /* [HS_CLI_CONNS_MAX] */
	/* prompt */
	struct cmdline *cl;
	void *prompt; /* console_prompt.c's generated instances */
	uint64_t commands, errors;
};

/* The whole table (console.c), for the prompt's generated instances. */
extern const struct hs_cli_cmd hs_cli_cmds[];
extern const unsigned int hs_cli_n_cmds;

/* Start the socket (and the prompt when dp->opts.interactive); 0 or -errno. */
int hs_console_init(struct hs_dp *dp);
/* Main lcore loop: serve the socket and the prompt without blocking. */
void hs_console_poll(struct hs_dp *dp);
void hs_console_fini(struct hs_dp *dp);
/*
 * Run one command line, output to out. Returns 0, or -EINVAL for a line
 * that is not a command (a usage line was printed), or the command's -errno.
 */
int hs_console_exec(struct hs_dp *dp, const char *line, FILE *out);
/* True when the line is "quit" (or an abbreviation of it). */
bool hs_console_is_quit(const char *line);

/* console_sock.c */
int hs_console_sock_open(struct hs_dp *dp, struct hs_console *c);
void hs_console_sock_poll(struct hs_dp *dp, struct hs_console *c);
void hs_console_sock_close(struct hs_console *c);

/* console_prompt.c */
int hs_console_prompt_open(struct hs_dp *dp, struct hs_console *c);
void hs_console_prompt_poll(struct hs_dp *dp, struct hs_console *c);
void hs_console_prompt_close(struct hs_console *c);

/* console_fmt.c: formats shared by the views. */
/* "255.255.255.0": the dotted mask of an IPv4 prefix length. */
void hs_cli_fmt_mask4(uint8_t len, char *buf, size_t n);
/* "192.168.100.0 255.255.255.0", "host 10.1.1.1", "any", "2001:db8::/64". */
void hs_cli_fmt_prefix_mask(FILE *f, const struct hs_prefix *p);
/* Cisco "extended permit ip SRC DST [eq|range ...]" of one ACL line. */
void hs_cli_fmt_acl_line(FILE *f, const struct hs_config_acl_line *l);
/* "(192.168.100.0/255.255.255.0/0/0)": ident addr/mask/prot/port. */
void hs_cli_fmt_ident(FILE *f, const struct hs_prefix *p, uint8_t proto, uint16_t port_lo,
	uint16_t port_hi);
/* "esp-aes-256 esp-sha-hmac" (Cisco transform names). */
const char *hs_cli_cipher_name(enum hs_cipher c);
const char *hs_cli_integ_name(enum hs_integ i);
/* Seconds since tsc (0 when tsc is 0 or in the future). */
uint64_t hs_cli_age_s(const struct hs_dp *dp, uint64_t tsc);
/* Counters minus the console's baseline. */
void hs_cli_port_stats(const struct hs_dp *dp, const struct hs_console *c, uint16_t port,
	struct hs_port_stats *s);
uint64_t hs_cli_dp_drops(const struct hs_dp *dp, const struct hs_console *c, enum hs_dp_drop r);
uint64_t hs_cli_esp_drops(const struct hs_dp *dp, const struct hs_console *c,
	enum hs_drop_reason r);
uint64_t hs_cli_policy_hits(const struct hs_dp *dp, const struct hs_console *c, uint32_t policy);
/*
 * Before writing policy baselines: policy indexes mean something else in a
 * new tables generation, so an old baseline is dropped (zeroed) first.
 */
void hs_cli_policy_base_sync(const struct hs_dp *dp, struct hs_console *c);

/*
 * console_ike.c: relay a command to hubsec-control's socket. Returns 0 with
 * its output written to o, or -ENOTCONN when it is not running (nothing
 * written), or -ETIMEDOUT / -EIO.
 */
int hs_cli_control_relay(const char *line, FILE *out, int *rc_remote);
/* True when hubsec-control answers on its socket. */
bool hs_cli_control_running(void);
/*
 * True when hubsec-control has an IKE SA up with peer: it is asked
 * "ike-sa-up ADDR" and answers rc 0 for yes (part of its socket protocol).
 */
bool hs_cli_control_ike_up(const struct hs_addr *peer);

/*
 * show_ipsec.c: the installed SAs, sorted by crypto map, entry, ACL line,
 * peer, direction and age, so that an SA pair (and its rekeyed successors)
 * are neighbours. Pointers stay valid while the main lcore runs the command
 * (only its housekeeping frees SAs). 0 or -ENOMEM.
 */
struct hs_cli_sa {
	const struct hs_sa *sa;
	struct hs_sad_info info;
};
struct hs_cli_sas {
	struct hs_cli_sa *v;
	uint32_t n, cap;
};
int hs_cli_sas_collect(const struct hs_dp *dp, struct hs_cli_sas *s);
void hs_cli_sas_free(struct hs_cli_sas *s);
/* Records [i, end) are one crypto-map entry/line with one peer; returns end. */
uint32_t hs_cli_sas_group_end(const struct hs_cli_sas *s, uint32_t i);
/* Seconds an SA has been idle; UINT64_MAX when it never carried a packet. */
uint64_t hs_cli_sa_idle_s(const struct hs_dp *dp, const struct hs_sa *sa);

/* Commands, by file. */
/* show_ipsec.c */
int hs_cli_show_ipsec_sa(struct hs_dp *, struct hs_console *, const struct hs_cli_args *,
	struct hs_cli_out *);
int hs_cli_show_ipsec_sa_brief(struct hs_dp *, struct hs_console *, const struct hs_cli_args *,
	struct hs_cli_out *);
int hs_cli_show_ipsec_sa_detail(struct hs_dp *, struct hs_console *, const struct hs_cli_args *,
	struct hs_cli_out *);
int hs_cli_show_ipsec_sa_peer(struct hs_dp *, struct hs_console *, const struct hs_cli_args *,
	struct hs_cli_out *);
int hs_cli_show_ipsec_sa_map(struct hs_dp *, struct hs_console *, const struct hs_cli_args *,
	struct hs_cli_out *);
int hs_cli_clear_crypto_sa(struct hs_dp *, struct hs_console *, const struct hs_cli_args *,
	struct hs_cli_out *);
int hs_cli_clear_crypto_sa_peer(struct hs_dp *, struct hs_console *, const struct hs_cli_args *,
	struct hs_cli_out *);
/* show_session.c */
int hs_cli_show_session(struct hs_dp *, struct hs_console *, const struct hs_cli_args *,
	struct hs_cli_out *);
int hs_cli_show_session_brief(struct hs_dp *, struct hs_console *, const struct hs_cli_args *,
	struct hs_cli_out *);
int hs_cli_show_session_detail(struct hs_dp *, struct hs_console *, const struct hs_cli_args *,
	struct hs_cli_out *);
/* console_ike.c */
int hs_cli_show_isakmp_sa(struct hs_dp *, struct hs_console *, const struct hs_cli_args *,
	struct hs_cli_out *);
int hs_cli_show_isakmp_sa_detail(struct hs_dp *, struct hs_console *, const struct hs_cli_args *,
	struct hs_cli_out *);
int hs_cli_clear_isakmp_sa(struct hs_dp *, struct hs_console *, const struct hs_cli_args *,
	struct hs_cli_out *);
int hs_cli_show_vpn_status(struct hs_dp *, struct hs_console *, const struct hs_cli_args *,
	struct hs_cli_out *);
/* show_config.c */
int hs_cli_show_access_list(struct hs_dp *, struct hs_console *, const struct hs_cli_args *,
	struct hs_cli_out *);
int hs_cli_show_access_list_name(struct hs_dp *, struct hs_console *,
	const struct hs_cli_args *, struct hs_cli_out *);
int hs_cli_clear_access_list(struct hs_dp *, struct hs_console *, const struct hs_cli_args *,
	struct hs_cli_out *);
int hs_cli_show_crypto_map(struct hs_dp *, struct hs_console *, const struct hs_cli_args *,
	struct hs_cli_out *);
int hs_cli_show_running_config(struct hs_dp *, struct hs_console *,
	const struct hs_cli_args *, struct hs_cli_out *);
/* show_ports.c */
int hs_cli_show_interfaces(struct hs_dp *, struct hs_console *, const struct hs_cli_args *,
	struct hs_cli_out *);
int hs_cli_show_port_stats(struct hs_dp *, struct hs_console *, const struct hs_cli_args *,
	struct hs_cli_out *);
int hs_cli_show_port_stats_one(struct hs_dp *, struct hs_console *, const struct hs_cli_args *,
	struct hs_cli_out *);
int hs_cli_show_port_info(struct hs_dp *, struct hs_console *, const struct hs_cli_args *,
	struct hs_cli_out *);
int hs_cli_show_drops(struct hs_dp *, struct hs_console *, const struct hs_cli_args *,
	struct hs_cli_out *);
int hs_cli_clear_counters(struct hs_dp *, struct hs_console *, const struct hs_cli_args *,
	struct hs_cli_out *);

#endif /* HS_CONSOLE_H */
