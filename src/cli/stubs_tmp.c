/* temporary until the commands land */
#include "cli/cli.h"
#include <stdio.h>
