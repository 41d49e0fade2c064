/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* ICU adapter for time zones. ICU accepts unknown IDs silently (falling back
 * to GMT), so validity is checked against the canonical ID first. */
#include "util/tz.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ucal.h>
#include <unicode/ustring.h>

static int to_uchars(const char *s, UChar *out, int32_t cap, int32_t *len)
{
	UErrorCode ec = U_ZERO_ERROR;
	u_strFromUTF8(out, cap, len, s, -1, &ec);
	return U_FAILURE(ec) || *len >= cap ? -EINVAL : 0;
}

bool vd_tz_is_valid(const char *iana)
{
	if (!iana || !*iana || strlen(iana) > 64) return false;
	UChar id[80], canon[80];
	int32_t len;
	if (to_uchars(iana, id, 80, &len)) return false;
	UErrorCode ec = U_ZERO_ERROR;
	UBool is_system = 0;
	ucal_getCanonicalTimeZoneID(id, len, canon, 80, &is_system, &ec);
	return U_SUCCESS(ec) && is_system;
}

int vd_tz_offset_s(const char *iana, int64_t utc_s, int32_t *offset_s)
{
	if (!vd_tz_is_valid(iana)) return -EINVAL;
	UChar id[80];
	int32_t len;
	if (to_uchars(iana, id, 80, &len)) return -EINVAL;
	UErrorCode ec = U_ZERO_ERROR;
	UCalendar *cal = ucal_open(id, len, "en_US", UCAL_GREGORIAN, &ec);
	if (U_FAILURE(ec)) return -EINVAL;
	ucal_setMillis(cal, (UDate)utc_s * 1000.0, &ec);
	int32_t zone = ucal_get(cal, UCAL_ZONE_OFFSET, &ec);
	int32_t dst = ucal_get(cal, UCAL_DST_OFFSET, &ec);
	ucal_close(cal);
	if (U_FAILURE(ec)) return -EINVAL;
	*offset_s = (zone + dst) / 1000;
	return 0;
}

int vd_tz_zone_build(const char *iana, int64_t from_s, int64_t to_s, struct vd_zone *out)
{
	if (from_s > to_s || !vd_tz_is_valid(iana)) return -EINVAL;
	UChar id[80];
	int32_t len;
	if (to_uchars(iana, id, 80, &len)) return -EINVAL;
	UErrorCode ec = U_ZERO_ERROR;
	UCalendar *cal = ucal_open(id, len, "en_US", UCAL_GREGORIAN, &ec);
	if (U_FAILURE(ec)) return -EINVAL;
	/* heap, not stack: the table is a few kilobytes and callers may be
	 * on small thread stacks */
	struct vd_zone *z = malloc(sizeof *z);
	int rc = -ENOMEM;
	if (!z) goto out;
	rc = -EINVAL;
	ucal_setMillis(cal, (UDate)from_s * 1000.0, &ec);
	int32_t off = ucal_get(cal, UCAL_ZONE_OFFSET, &ec) + ucal_get(cal, UCAL_DST_OFFSET, &ec);
	if (U_FAILURE(ec)) goto out;
	vd_zone_init_fixed(z, off / 1000);
	for (;;) {
		UDate next;
		if (!ucal_getTimeZoneTransitionDate(cal, UCAL_TZ_TRANSITION_NEXT, &next, &ec) ||
		    U_FAILURE(ec))
			break;
		int64_t at_s = (int64_t)(next / 1000.0);
		if (at_s > to_s) break;
		ucal_setMillis(cal, next, &ec);
		off = ucal_get(cal, UCAL_ZONE_OFFSET, &ec) + ucal_get(cal, UCAL_DST_OFFSET, &ec);
		if (U_FAILURE(ec)) goto out;
		if (off / 1000 == z->offset_s[z->n - 1]) continue; /* a rename, same offset */
		/* a full table keeps the spans it has: documented cut-off */
		if (vd_zone_add(z, at_s, off / 1000)) break;
	}
	*out = *z;
	rc = 0;
out:
	free(z);
	ucal_close(cal);
	return rc;
}
