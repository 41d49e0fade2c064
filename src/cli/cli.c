/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Subcommand dispatch and flag parsing. */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *vd_cli_flag(int argc, char **argv, const char *name, const char *env,
			const char *def)
{
	size_t n = strlen(name);
	for (int i = 0; i < argc; i++) {
		if (strncmp(argv[i], name, n) != 0) continue;
		if (argv[i][n] == '=') return argv[i] + n + 1;
		if (argv[i][n] == '\0' && i + 1 < argc) return argv[i + 1];
	}
	const char *v = env ? getenv(env) : NULL;
	return (v && *v) ? v : def;
}

static void usage(FILE *f)
{
	fputs("usage: voxdial <command> [flags]\n"
	      "  serve           --db PATH --http ADDR:PORT --sip ADDR:PORT --data DIR [--max-setup N]\n"
	      "                  [--asr pocketsphinx|http|none] [--asr-url URL] [--tel-threads N]\n"
	      "  migrate         --db PATH\n"
	      "  account create  --db PATH --name N --email E [--password P]\n"
	      "  import          --db PATH --task ID FILE\n"
	      "  recall-preview  --rules FILE --outcomes o1,o2,... [--duration-s D]\n"
	      "  dial            --trunk HOST:PORT --to NUMBER [--from CALLERID] [--wav F] [--record F]\n"
	      "  amd             FILE.wav [--wait-ms N --long-speech-ms N ...]   (docs/internals/amd.md)\n"
	      "  amd-eval        DIR LABELS.csv [--json] [--verbose]\n"
	      "  gender          FILE.wav [--threshold-hz F]\n"
	      "  gender-eval     DIR LABELS.csv [--json] [--verbose]\n"
	      "  asr             FILE.wav [--keywords yes,no,...] [--engine pocketsphinx|http --url U [--timeout-ms N]]\n"
	      "                  (docs/internals/asr.md)\n"
	      "  dtmf            FILE.wav\n"
	      "  version\n", f);
}

int vd_cli_main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	int sub_argc = argc - 2;
	char **sub_argv = argv + 2;
	if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
		printf("voxdial %s\n", VD_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		usage(stdout);
		return 0;
	}
	static const struct { const char *name; int (*fn)(int, char **); } cmds[] = {
		{"serve", vd_cmd_serve},
		{"migrate", vd_cmd_migrate},
		{"account", vd_cmd_account},
		{"import", vd_cmd_import},
		{"recall-preview", vd_cmd_recall_preview},
		{"dial", vd_cmd_dial},
		{"amd", vd_cmd_amd},
		{"amd-eval", vd_cmd_amd_eval},
		{"gender", vd_cmd_gender},
		{"gender-eval", vd_cmd_gender_eval},
		{"asr", vd_cmd_asr},
		{"dtmf", vd_cmd_dtmf},
	};
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		if (!strcmp(cmd, cmds[i].name))
			return cmds[i].fn(sub_argc, sub_argv);
	fprintf(stderr, "voxdial: unknown command '%s'\n", cmd);
	usage(stderr);
	return 2;
}
