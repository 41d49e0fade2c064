/* temporary until the commands land */
#include "cli/cli.h"
#include <stdio.h>
int vd_cmd_serve(int argc, char **argv) { (void)argc; (void)argv; return 1; }
int vd_cmd_migrate(int argc, char **argv) { (void)argc; (void)argv; return 1; }
int vd_cmd_account(int argc, char **argv) { (void)argc; (void)argv; return 1; }
int vd_cmd_import(int argc, char **argv) { (void)argc; (void)argv; return 1; }
int vd_cmd_recall_preview(int argc, char **argv) { (void)argc; (void)argv; return 1; }
