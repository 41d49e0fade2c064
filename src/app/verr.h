/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* A validation error as the API reports it: the field at fault (JSON path
 * such as "rules.busy.interval_s" or "numbers[2].trunk_id", or "line 17" for
 * files) and a sentence for a person. */
#ifndef VD_VERR_H
#define VD_VERR_H

#include <stdio.h>

struct vd_verr {
	char field[128];
	char message[256];
};

#define vd_verr_set(e, fld, ...) do { if (e) { \
	snprintf((e)->field, sizeof (e)->field, "%s", (fld)); \
	snprintf((e)->message, sizeof (e)->message, __VA_ARGS__); } } while (0)

#endif
