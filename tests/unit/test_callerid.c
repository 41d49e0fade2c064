/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Caller-ID choice: default, fixed, group round-robin on the dial plan's
 * trunk, configuration errors, and the spam guards (daily cap, rest time)
 * with a fake clock. */
#include <errno.h>
#include <string.h>

#include "core/callerid.h"
#include "core/rfc3339.h"
#include "vtest.h"

static const char *pick(struct vd_callerid_pool *p, int64_t now)
{
	struct vd_callerid_choice c;
	int rc = vd_callerid_choose(p, now, &c);
	if (rc) return "error";
	return c.verdict == VD_CALLERID_USE ? c.number : "wait";
}

static void test_modes(void)
{
	struct vd_callerid_entry group[] = {
		{"+74950000001", 1, {0}}, {"+74950000002", 2, {0}},
		{"+74950000003", 1, {0}}, {"+74950000004", 1, {0}},
	};
	struct vd_callerid_pool p = {.mode = VD_CALLERID_GROUP, .trunk_id = 1,
				     .entries = group, .nentries = 4};
	CHECK_INT(vd_callerid_check(&p), 0);
	/* round-robin over trunk 1's numbers only */
	CHECK_STR(pick(&p, 100), "+74950000001");
	CHECK_STR(pick(&p, 101), "+74950000003");
	CHECK_STR(pick(&p, 102), "+74950000004");
	CHECK_STR(pick(&p, 103), "+74950000001");
	p.trunk_id = 2;
	CHECK_STR(pick(&p, 104), "+74950000002");
	CHECK_STR(pick(&p, 105), "+74950000002");
	p.trunk_id = 3; /* the group has nothing on this trunk */
	struct vd_callerid_choice c = {.number = "untouched"};
	CHECK_INT(vd_callerid_check(&p), -ENOENT);
	CHECK_INT(vd_callerid_choose(&p, 106, &c), -ENOENT);
	CHECK_STR(c.number, "untouched");

	struct vd_callerid_pool d = {.mode = VD_CALLERID_DEFAULT, .trunk_id = 1,
				     .trunk_default = "+74951112233"};
	CHECK_STR(pick(&d, 0), "+74951112233");
	d.trunk_default = "";
	CHECK_INT(vd_callerid_check(&d), -ENOENT);
	d.trunk_default = NULL;
	CHECK_STR(pick(&d, 0), "error");

	struct vd_callerid_pool f = {.mode = VD_CALLERID_NUMBER, .trunk_id = 1,
				     .fixed = "+74950000003", .entries = group, .nentries = 4};
	CHECK_STR(pick(&f, 0), "+74950000003");
	f.fixed = "+74950000002"; /* belongs to trunk 2 */
	CHECK_INT(vd_callerid_check(&f), -ENOENT);
	f.fixed = "+74951112233";
	f.trunk_default = "+74951112233"; /* the trunk's own default is the trunk's */
	CHECK_INT(vd_callerid_check(&f), 0);
	f.mode = (enum vd_callerid_mode)7;
	CHECK_INT(vd_callerid_check(&f), -EINVAL);
}

static void test_guards(void)
{
	int64_t day0 = vd_days_from_civil(2024, 3, 11) * 86400; /* midnight UTC */
	struct vd_callerid_entry group[] = {{"A", 1, {0}}, {"B", 1, {0}}};
	struct vd_callerid_pool p = {.mode = VD_CALLERID_GROUP, .trunk_id = 1, .entries = group,
				     .nentries = 2,
				     .limits = {.daily_cap = 2, .rest_s = 60, .day_offset_s = 3 * 3600}};
	int64_t t = day0 + 9 * 3600;
	CHECK_STR(pick(&p, t), "A");
	CHECK_STR(pick(&p, t + 1), "B");
	/* both resting: wait until A has rested */
	struct vd_callerid_choice c;
	CHECK_INT(vd_callerid_choose(&p, t + 2, &c), 0);
	CHECK_INT(c.verdict, VD_CALLERID_WAIT);
	CHECK_INT(c.retry_at_s, t + 60);
	CHECK_INT(c.reason, VD_CALLERID_WAIT_RESTING);
	CHECK(strlen(vd_callerid_wait_text(c.reason)) > 0);
	CHECK_STR(pick(&p, t + 60), "A");
	CHECK_STR(pick(&p, t + 61), "B"); /* both reached the cap of 2 */
	/* all capped: wait for the next day of the cap's zone (UTC+3) */
	CHECK_INT(vd_callerid_choose(&p, t + 3600, &c), 0);
	CHECK_INT(c.verdict, VD_CALLERID_WAIT);
	CHECK_INT(c.reason, VD_CALLERID_WAIT_DAILY_CAP);
	CHECK_INT(c.retry_at_s, day0 + 86400 - 3 * 3600);
	CHECK_STR(pick(&p, day0 + 86400 - 3 * 3600), "A");
	CHECK_INT(group[0].use.calls_today, 1); /* a new day */

	/* one capped, one free: the capped number is skipped */
	struct vd_callerid_entry g2[] = {{"A", 1, {0}}, {"B", 1, {0}}};
	struct vd_callerid_pool q = {.mode = VD_CALLERID_GROUP, .trunk_id = 1, .entries = g2,
				     .nentries = 2, .limits = {.daily_cap = 1}};
	CHECK_STR(pick(&q, t), "A");
	CHECK_STR(pick(&q, t), "B");
	CHECK_STR(pick(&q, t), "wait");
	q.entries[1].use.day = 0; /* B's count is from another day */
	CHECK_STR(pick(&q, t), "B");

	/* a fixed number is guarded too */
	struct vd_callerid_pool d = {.mode = VD_CALLERID_DEFAULT, .trunk_default = "D",
				     .limits = {.rest_s = 30}};
	CHECK_STR(pick(&d, t), "D");
	CHECK_STR(pick(&d, t + 29), "wait");
	CHECK_STR(pick(&d, t + 30), "D");
	d.limits.rest_s = -1;
	CHECK_STR(pick(&d, t + 90), "error");
}

int main(void)
{
	test_modes();
	test_guards();
	return vt_done();
}
