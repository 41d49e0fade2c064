/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Caller-ID rotation with spam guards. Each number's next usable instant is
 * the later of "rested since last use" and "the cap's day has rolled over";
 * the choice is the first number at or after the cursor usable now, else a
 * WAIT until the earliest of those instants. */
#include "core/callerid.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

static int64_t day_of(const struct vd_callerid_limits *l, int64_t t)
{
	return floor_div(t + l->day_offset_s, 86400);
}

/* The first instant >= now at which the number may be used; sets *capped
 * when the daily cap is what holds it. */
static int64_t usable_at(const struct vd_callerid_limits *l, const struct vd_callerid_usage *u,
			 int64_t now_s, int *capped)
{
	int64_t t = now_s;
	*capped = 0;
	if (l->daily_cap > 0 && u->day == day_of(l, now_s) && u->calls_today >= l->daily_cap) {
		t = (day_of(l, now_s) + 1) * 86400 - l->day_offset_s;
		*capped = 1;
	}
	if (l->rest_s > 0 && u->last_used_s > 0 && u->last_used_s + l->rest_s > t)
		t = u->last_used_s + l->rest_s;
	return t;
}

static void count_use(const struct vd_callerid_limits *l, struct vd_callerid_usage *u,
		      int64_t now_s)
{
	int64_t d = day_of(l, now_s);
	if (u->day != d) {
		u->day = d;
		u->calls_today = 0;
	}
	u->calls_today++;
	u->last_used_s = now_s;
}

static bool on_trunk(const struct vd_callerid_pool *p, const char *number)
{
	if (p->trunk_default && !strcmp(p->trunk_default, number)) return true;
	for (size_t i = 0; i < p->nentries; i++)
		if (p->entries[i].trunk_id == p->trunk_id && p->entries[i].number &&
		    !strcmp(p->entries[i].number, number))
			return true;
	return false;
}

int vd_callerid_check(const struct vd_callerid_pool *p)
{
	const struct vd_callerid_limits *l = &p->limits;
	if (l->daily_cap < 0 || l->rest_s < 0 || l->day_offset_s < -18 * 3600 ||
	    l->day_offset_s > 18 * 3600)
		return -EINVAL;
	if (p->nentries && !p->entries) return -EINVAL;
	switch (p->mode) {
	case VD_CALLERID_DEFAULT:
		return p->trunk_default && *p->trunk_default ? 0 : -ENOENT;
	case VD_CALLERID_NUMBER:
		return p->fixed && *p->fixed && on_trunk(p, p->fixed) ? 0 : -ENOENT;
	case VD_CALLERID_GROUP:
		for (size_t i = 0; i < p->nentries; i++)
			if (p->entries[i].trunk_id == p->trunk_id && p->entries[i].number &&
			    *p->entries[i].number)
				return 0;
		return -ENOENT;
	}
	return -EINVAL;
}

static void wait_until(struct vd_callerid_choice *c, int64_t t, int capped)
{
	c->verdict = VD_CALLERID_WAIT;
	c->number = NULL;
	c->retry_at_s = t;
	c->reason = capped ? VD_CALLERID_WAIT_DAILY_CAP : VD_CALLERID_WAIT_RESTING;
}

int vd_callerid_choose(struct vd_callerid_pool *p, int64_t now_s,
		       struct vd_callerid_choice *out)
{
	int rc = vd_callerid_check(p);
	if (rc) return rc;
	struct vd_callerid_choice c = {0};
	int capped;
	if (p->mode != VD_CALLERID_GROUP) {
		const char *num = p->mode == VD_CALLERID_DEFAULT ? p->trunk_default : p->fixed;
		int64_t t = usable_at(&p->limits, &p->single, now_s, &capped);
		if (t > now_s) {
			wait_until(&c, t, capped);
		} else {
			count_use(&p->limits, &p->single, now_s);
			c.verdict = VD_CALLERID_USE;
			c.number = num;
		}
		*out = c;
		return 0;
	}
	int64_t best_t = INT64_MAX;
	int best_capped = 0;
	for (size_t k = 0; k < p->nentries; k++) {
		size_t i = (p->cursor + k) % p->nentries;
		struct vd_callerid_entry *e = &p->entries[i];
		if (e->trunk_id != p->trunk_id || !e->number || !*e->number) continue;
		int64_t t = usable_at(&p->limits, &e->use, now_s, &capped);
		if (t <= now_s) {
			count_use(&p->limits, &e->use, now_s);
			p->cursor = (i + 1) % p->nentries;
			c.verdict = VD_CALLERID_USE;
			c.number = e->number;
			*out = c;
			return 0;
		}
		if (t < best_t) {
			best_t = t;
			best_capped = capped;
		}
	}
	wait_until(&c, best_t, best_capped);
	*out = c;
	return 0;
}

const char *vd_callerid_wait_text(enum vd_callerid_wait_reason r)
{
	switch (r) {
	case VD_CALLERID_WAIT_DAILY_CAP: return "every caller ID reached its daily call cap";
	case VD_CALLERID_WAIT_RESTING: return "every caller ID is resting between calls";
	case VD_CALLERID_WAIT_NONE: return "";
	}
	return "";
}
