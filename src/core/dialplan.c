/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Dial-plan rewriting. Patterns are matched against the destination as the
 * user knows it (E.164 digits), not the carrier-specific dial string, so a
 * plan's allowed list reads like a list of countries and ranges. */
#include "core/dialplan.h"

#include <errno.h>
#include <string.h>

static bool dialable(char c)
{
	return (c >= '0' && c <= '9') || c == '*' || c == '#' || c == '+';
}

int vd_dialplan_check(const struct vd_dialplan *dp)
{
	if (dp->strip_digits < 0 || dp->strip_digits > VD_DIALPLAN_MAX_STRIP) return -EINVAL;
	if (dp->nallowed && !dp->allowed) return -EINVAL;
	const char *pre = dp->prefix ? dp->prefix : "";
	size_t n = strlen(pre);
	if (n > VD_DIALPLAN_MAX_PREFIX) return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!dialable(pre[i])) return -EINVAL;
	return 0;
}

bool vd_dialplan_allowed(const struct vd_dialplan *dp, const char *number)
{
	if (!number || !*number) return false;
	const char *bare = number[0] == '+' ? number + 1 : number;
	for (size_t i = 0; i < dp->nallowed; i++) {
		if (vd_pattern_match(&dp->allowed[i], bare) ||
		    vd_pattern_match(&dp->allowed[i], number))
			return true;
	}
	return false;
}

int vd_dialplan_rewrite(const struct vd_dialplan *dp, const char *number, char *out,
			size_t size)
{
	if (!number || vd_dialplan_check(dp)) return -EINVAL;
	const char *digits = number[0] == '+' ? number + 1 : number;
	size_t n = strlen(digits);
	if (n == 0 || n >= VD_DIALPLAN_MAX_NUMBER) return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (digits[i] < '0' || digits[i] > '9') return -EINVAL;
	if (!vd_dialplan_allowed(dp, number)) return -EPERM;
	if ((size_t)dp->strip_digits >= n) return -EINVAL;
	const char *pre = dp->prefix ? dp->prefix : "";
	size_t np = strlen(pre), rest = n - (size_t)dp->strip_digits;
	if (np + rest + 1 > size) return -ENOSPC;
	memcpy(out, pre, np);
	memcpy(out + np, digits + dp->strip_digits, rest);
	out[np + rest] = '\0';
	return 0;
}
