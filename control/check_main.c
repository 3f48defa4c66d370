/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hubsec-check: validate configuration files without starting anything.
 * Errors go to stderr as FILE:LINE:COLUMN: message, one per line; a good
 * file gets a one-line summary on stdout (and, with --dump, its running
 * configuration with the secrets masked).
 *
 * Exit status: 0 all files good, 1 some file has errors, 2 bad usage.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"

static void
usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s [--dump] FILE...\n"
		"Validate hubsec configuration files (YAML).\n"
		"\n"
		"  -d, --dump   print the running configuration of each good file\n"
		"               (defaults filled in, secrets shown as %s)\n"
		"  -h, --help   show this help\n"
		"\n"
		"Errors are printed to stderr as FILE:LINE:COLUMN: message.\n"
		"Exit status: 0 all files are valid, 1 a file has errors, 2 bad usage.\n",
		prog, HS_CONFIG_SECRET_MASK);
}

static int
check_file(const char *path, bool dump)
{
	struct hs_config_errors *errs = calloc(1, sizeof(*errs));
	struct hs_config *cfg;
	char summary[256];

	if (errs == NULL) {
		fprintf(stderr, "%s: out of memory\n", path);
		return 1;
	}
	cfg = hs_config_load(path, errs);
	if (cfg == NULL) {
		hs_config_errors_print(errs, stderr);
		free(errs);
		return 1;
	}
	hs_config_summary(cfg, summary, sizeof(summary));
	printf("%s: ok: %s\n", path, summary);
	if (dump)
		hs_config_dump(cfg, stdout);
	hs_config_free(cfg);
	free(errs);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dump", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool dump = false;
	int rc = 0, opt;

	while ((opt = getopt_long(argc, argv, "dh", opts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			dump = true;
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		default:
			usage(stderr, argv[0]);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "%s: no configuration file given\n", argv[0]);
		usage(stderr, argv[0]);
		return 2;
	}
	for (int i = optind; i < argc; i++) {
		if (check_file(argv[i], dump) != 0)
			rc = 1;
	}
	fflush(stdout);
	return rc;
}
