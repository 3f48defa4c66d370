/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hubsec-cli: the console's commands without the prompt, for scripts, tests
 * and a second terminal while the box runs.
 *
 *   hubsec-cli [--file-prefix NAME | --socket PATH] COMMAND WORDS...
 *   hubsec-cli [--file-prefix NAME | --socket PATH] -f FILE|-   one command per line
 *
 * It connects to hubsec-dataplane's console socket (by default in the EAL
 * runtime directory of --file-prefix, /var/run/dpdk/NAME/hubsec.sock, as
 * DPDK's telemetry socket), sends one line, prints the answer. The exit
 * status is 0 when the command succeeded, 1 when it failed, 2 for usage,
 * 3 when the dataplane is not reachable. No DPDK needed.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define CLI_SOCK_NAME "hubsec.sock" /* dataplane/console.h HS_CLI_SOCK_NAME */
#define REPLY_MAGIC "HS1 "
#define LINE_MAX_LEN 512

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_UNREACHABLE = 3 };

static void
usage(void)
{
	fprintf(stderr,
		"usage: hubsec-cli [--file-prefix NAME | --socket PATH] COMMAND...\n"
		"       hubsec-cli [--file-prefix NAME | --socket PATH] -f FILE   (\"-\": stdin)\n"
		"  --file-prefix NAME  the dataplane's EAL --file-prefix (default \"rte\")\n"
		"  --socket PATH       the console socket itself\n"
		"  example: hubsec-cli --file-prefix site1 show crypto ipsec sa\n"
		"           hubsec-cli help\n");
}

/* The runtime directory EAL uses for a file prefix (eal_common_filesystem's rule). */
static void
default_path(const char *prefix, char *buf, size_t len)
{
	const char *base = "/var/run";

	if (getuid() != 0 && getenv("XDG_RUNTIME_DIR") != NULL)
		base = getenv("XDG_RUNTIME_DIR");
	else if (getuid() != 0)
		base = "/tmp";
	snprintf(buf, len, "%s/dpdk/%s/%s", base, prefix, CLI_SOCK_NAME);
}

/* Send one line, copy the output to stdout; the command's rc in *rc. */
static int
run(const char *path, const char *line, int *rc)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[65536];
	size_t got = 0;
	bool header = true;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "hubsec-cli: socket path too long: %s\n", path);
		return EXIT_USAGE;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		fprintf(stderr, "hubsec-cli: cannot reach hubsec-dataplane at %s: %s\n", path,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return EXIT_UNREACHABLE;
	}
	if (dprintf(fd, "%s\n", line) < 0) {
		close(fd);
		return EXIT_UNREACHABLE;
	}
	for (;;) {
		ssize_t r = read(fd, buf + got, sizeof(buf) - 1 - got);
		char *nl;

		if (r <= 0)
			break;
		got += (size_t)r;
		if (header) {
			buf[got] = '\0';
			nl = strchr(buf, '\n');
			if (nl == NULL && got < sizeof(buf) - 1)
				continue;
			if (nl == NULL || strncmp(buf, REPLY_MAGIC, strlen(REPLY_MAGIC)) != 0) {
				fprintf(stderr, "hubsec-cli: %s: not a hubsec console\n", path);
				close(fd);
				return EXIT_UNREACHABLE;
			}
			*rc = atoi(buf + strlen(REPLY_MAGIC));
			header = false;
			fwrite(nl + 1, 1, got - (size_t)(nl + 1 - buf), stdout);
		} else {
			fwrite(buf, 1, got, stdout);
		}
		got = 0;
	}
	close(fd);
	fflush(stdout);
	if (header) {
		fprintf(stderr, "hubsec-cli: no answer from %s\n", path);
		return EXIT_UNREACHABLE;
	}
	return *rc == 0 ? EXIT_OK : EXIT_FAILED;
}

static int
run_file(const char *path, const char *file)
{
	FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
	char line[LINE_MAX_LEN + 2];
	int worst = EXIT_OK;

	if (f == NULL) {
		fprintf(stderr, "hubsec-cli: %s: %s\n", file, strerror(errno));
		return EXIT_USAGE;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		int rc = 0, st;

		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		printf("hubsec> %s\n", line);
		st = run(path, line, &rc);
		if (st == EXIT_UNREACHABLE) {
			worst = st;
			break;
		}
		if (st > worst)
			worst = st;
	}
	if (f != stdin)
		fclose(f);
	return worst;
}

int
main(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "file-prefix", required_argument, NULL, 'p' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *prefix = "rte", *sock = NULL, *file = NULL;
	char path[256], line[LINE_MAX_LEN + 1];
	size_t len = 0;
	int c, rc = 0;

	/* "+": stop at the first command word, so "show ... json" is never an option. */
	while ((c = getopt_long(argc, argv, "+f:h", longs, NULL)) != -1) {
		switch (c) {
		case 'p':
			prefix = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		case 'f':
			file = optarg;
			break;
		default:
			usage();
			return EXIT_USAGE;
		}
	}
	if (sock == NULL)
		default_path(prefix, path, sizeof(path));
	else
		snprintf(path, sizeof(path), "%s", sock);
	if (file != NULL)
		return run_file(path, file);
	if (optind == argc) {
		usage();
		return EXIT_USAGE;
	}
	line[0] = '\0';
	for (int i = optind; i < argc; i++) {
		int n = snprintf(line + len, sizeof(line) - len, "%s%s", i > optind ? " " : "",
			argv[i]);

		if (n < 0 || (size_t)n >= sizeof(line) - len) {
			fprintf(stderr, "hubsec-cli: command too long\n");
			return EXIT_USAGE;
		}
		len += (size_t)n;
	}
	return run(path, line, &rc);
}
