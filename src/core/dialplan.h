/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Dial plans: which numbers a task may call and what string goes into the
 * Request-URI. The destination is checked against the plan's allowed
 * patterns before any rewriting, and the only way to get a dial string is
 * through that check, so a number outside them is never dialed (the
 * toll-fraud guard). Pure. */
#ifndef VD_DIALPLAN_H
#define VD_DIALPLAN_H

#include <stddef.h>

#include "core/pattern.h"

#define VD_DIALPLAN_MAX_PREFIX 16
#define VD_DIALPLAN_MAX_STRIP 15
#define VD_DIALPLAN_MAX_NUMBER 64 /* bytes of a dial string, NUL included */

/* A plan as the dialer holds it. `allowed` is borrowed (compiled patterns);
 * an empty list allows nothing: the API fills in its default
 * ["_7XXXXXXXXXX"] when a plan is created without one. */
struct vd_dialplan {
	const char *prefix;      /* digits, '*', '#' or '+' added in front; NULL = "" */
	int strip_digits;        /* leading digits removed first, 0..VD_DIALPLAN_MAX_STRIP */
	const struct vd_pattern *allowed;
	size_t nallowed;
};

/* Checks the plan's own fields (prefix alphabet and length, strip range).
 * Returns 0 or -EINVAL. */
int vd_dialplan_check(const struct vd_dialplan *dp);

/* True if `number` (E.164 as stored, "+79161234567", or bare digits) is an
 * allowed destination: some allowed pattern matches it either without its
 * leading '+' ("_7XXXXXXXXXX") or as written ("_+7X."). */
bool vd_dialplan_allowed(const struct vd_dialplan *dp, const char *number);

/* Writes the dial string for `number` into out[size]: the leading '+' is
 * dropped, then strip_digits leading digits, then the prefix is added.
 * Returns 0; -EPERM when the destination is not allowed (nothing written);
 * -EINVAL for a malformed plan, a number that is not digits after an
 * optional '+', or one too short to strip; -ENOSPC when out is too small.
 * Any thread. */
int vd_dialplan_rewrite(const struct vd_dialplan *dp, const char *number, char *out,
			size_t size);

#endif
