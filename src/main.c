/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* voxdial entry point: dispatches to the subcommands in src/cli/. */
#include "cli/cli.h"

int main(int argc, char **argv)
{
	return vd_cli_main(argc, argv);
}
