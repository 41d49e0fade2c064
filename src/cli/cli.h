/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The command line: `voxdial <command> [flags]`. Each command is a function
 * taking the arguments after its name and returning the process exit code
 * (0 ok, 1 runtime failure, 2 usage error). */
#ifndef VD_CLI_H
#define VD_CLI_H

int vd_cli_main(int argc, char **argv);

int vd_cmd_serve(int argc, char **argv);
int vd_cmd_migrate(int argc, char **argv);
int vd_cmd_account(int argc, char **argv);
int vd_cmd_import(int argc, char **argv);
int vd_cmd_recall_preview(int argc, char **argv);
int vd_cmd_dial(int argc, char **argv);
int vd_cmd_amd(int argc, char **argv);
int vd_cmd_amd_eval(int argc, char **argv);
int vd_cmd_gender(int argc, char **argv);
int vd_cmd_gender_eval(int argc, char **argv);
int vd_cmd_asr(int argc, char **argv);
int vd_cmd_dtmf(int argc, char **argv);

/* Flag lookup shared by the commands: `--name VALUE` or `--name=VALUE`, else
 * the environment variable `env` (may be NULL), else `def`. */
const char *vd_cli_flag(int argc, char **argv, const char *name, const char *env,
			const char *def);

#endif
