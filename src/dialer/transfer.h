/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Turns a bot's transfer request (tel.h VD_TEL_TRANSFER) into the trunk
 * targets the telephony thread tries in order, reading routes, dial plans
 * and trunks from the store (dialer thread). */
#ifndef VD_TRANSFER_H
#define VD_TRANSFER_H

#include "tel/tel.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct vd_store;

/* Resolves `x` for account_id; `redirect` is the task's default_redirect
 * object (borrowed; may be NULL) for task_default forwards:
 *  - dial_plan: the number rewritten by the plan, on the plan's trunk;
 *  - route with a route_id: that route's trunks in order, dialing the
 *    number (or the route's pattern when it is a plain number);
 *  - route without an id, custom: the most specific route matching the
 *    number.
 * Writes up to `max` targets and their count in *n. Returns 0, -ENOENT
 * (nothing to dial: no number, no route, no trunk), -EPERM (the dial plan
 * does not allow the number), -ENOMEM. */
int vd_transfer_resolve(struct vd_store *st, int64_t account_id, const json_t *redirect,
			const struct vd_tel_xfer *x, struct vd_tel_target *out, size_t max, size_t *n);

#endif
