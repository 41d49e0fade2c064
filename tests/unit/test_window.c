/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Calling windows with a fake clock: open/closed, next opening and closing,
 * weekdays, overnight and whole-day windows, the client's zone vs the
 * task's, DST changes from the system tz database (through the ICU adapter,
 * without touching the process TZ), and the zone timeline itself. */
#include <errno.h>
#include <stdlib.h>

#include "core/rfc3339.h"
#include "core/window.h"
#include "util/tz.h"
#include "vtest.h"

/* Unix seconds of a UTC civil time. */
static int64_t utc(int y, int mo, int d, int h, int mi)
{
	return vd_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60;
}

static struct vd_window win(const char *from, const char *to, const int *days, int n)
{
	struct vd_window w;
	CHECK_INT(vd_window_init(&w, from, to, days, n), 0);
	return w;
}

static const int weekdays[] = {1, 2, 3, 4, 5};
static const int all_days[] = {1, 2, 3, 4, 5, 6, 7};

struct row {
	const char *name;
	const char *from, *to;
	const int *days;
	int ndays;
	int32_t offset_s;
	int64_t now, open_at; /* open_at == now: open now */
	int64_t close_at;     /* when open now: next close; 0 = not checked */
};

static void run_rows(void)
{
	static const int mon[] = {1}, weekend[] = {6, 7};
	/* 2024-03-11 is a Monday */
	const struct row rows[] = {
		{"before opening", "09:00", "21:00", weekdays, 5, 3 * 3600,
		 utc(2024, 3, 11, 5, 59), utc(2024, 3, 11, 6, 0), 0},
		{"at opening", "09:00", "21:00", weekdays, 5, 3 * 3600, utc(2024, 3, 11, 6, 0),
		 utc(2024, 3, 11, 6, 0), utc(2024, 3, 11, 18, 0)},
		{"last minute", "09:00", "21:00", weekdays, 5, 3 * 3600, utc(2024, 3, 11, 17, 59),
		 utc(2024, 3, 11, 17, 59), utc(2024, 3, 11, 18, 0)},
		{"at closing", "09:00", "21:00", weekdays, 5, 3 * 3600, utc(2024, 3, 11, 18, 0),
		 utc(2024, 3, 12, 6, 0), 0},
		{"friday night to monday", "09:00", "21:00", weekdays, 5, 3 * 3600,
		 utc(2024, 3, 15, 18, 30), utc(2024, 3, 18, 6, 0), 0},
		{"saturday to monday", "09:00", "21:00", weekdays, 5, 3 * 3600,
		 utc(2024, 3, 16, 10, 0), utc(2024, 3, 18, 6, 0), 0},
		{"UTC-5 local day differs", "09:00", "21:00", weekdays, 5, -5 * 3600,
		 utc(2024, 3, 16, 2, 30), utc(2024, 3, 18, 14, 0), 0}, /* Fri 21:30 local */
		{"UTC-5 friday evening open", "09:00", "21:00", weekdays, 5, -5 * 3600,
		 utc(2024, 3, 16, 1, 30), utc(2024, 3, 16, 1, 30), utc(2024, 3, 16, 2, 0)},
		{"overnight, monday 23:00", "22:00", "06:00", mon, 1, 0, utc(2024, 3, 11, 23, 0),
		 utc(2024, 3, 11, 23, 0), utc(2024, 3, 12, 6, 0)},
		{"overnight, tuesday 05:00 belongs to monday", "22:00", "06:00", mon, 1, 0,
		 utc(2024, 3, 12, 5, 0), utc(2024, 3, 12, 5, 0), utc(2024, 3, 12, 6, 0)},
		{"overnight, tuesday 23:00 waits a week", "22:00", "06:00", mon, 1, 0,
		 utc(2024, 3, 12, 23, 0), utc(2024, 3, 18, 22, 0), 0},
		{"overnight, monday 06:00 closed", "22:00", "06:00", mon, 1, 0,
		 utc(2024, 3, 11, 6, 0), utc(2024, 3, 11, 22, 0), 0},
		{"whole weekend days", "00:00", "00:00", weekend, 2, 0, utc(2024, 3, 15, 12, 0),
		 utc(2024, 3, 16, 0, 0), 0},
		{"whole weekend, open saturday", "00:00", "24:00", weekend, 2, 0,
		 utc(2024, 3, 16, 12, 0), utc(2024, 3, 16, 12, 0), utc(2024, 3, 18, 0, 0)},
		{"always", "00:00", "00:00", all_days, 7, 0, utc(2024, 3, 16, 12, 0),
		 utc(2024, 3, 16, 12, 0), INT64_MAX},
		{"until midnight", "09:00", "24:00", weekdays, 5, 0, utc(2024, 3, 11, 23, 59),
		 utc(2024, 3, 11, 23, 59), utc(2024, 3, 12, 0, 0)},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const struct row *r = &rows[i];
		struct vd_window w = win(r->from, r->to, r->days, r->ndays);
		struct vd_zone z;
		vd_zone_init_fixed(&z, r->offset_s);
		int64_t open = -1, close = -1;
		CHECK_INT(vd_window_next_open(&w, &z, r->now, &open), 0);
		if (open != r->open_at) fprintf(stderr, "row \"%s\":\n", r->name);
		CHECK_INT(open, r->open_at);
		CHECK_INT(vd_window_is_open(&w, &z, r->now), r->open_at == r->now);
		if (r->close_at) {
			CHECK_INT(vd_window_next_close(&w, &z, r->now, &close), 0);
			if (close != r->close_at) fprintf(stderr, "row \"%s\":\n", r->name);
			CHECK_INT(close, r->close_at);
		} else {
			CHECK_INT(vd_window_next_close(&w, &z, r->now, &close), -EAGAIN);
		}
	}
}

static void test_parse(void)
{
	int32_t m = -1;
	CHECK_INT(vd_window_parse_hhmm("09:30", &m), 0);
	CHECK_INT(m, 570);
	CHECK_INT(vd_window_parse_hhmm("24:00", &m), 0);
	CHECK_INT(m, 0);
	m = 7;
	CHECK_INT(vd_window_parse_hhmm("9:30", &m), -EINVAL);
	CHECK_INT(vd_window_parse_hhmm("23:60", &m), -EINVAL);
	CHECK_INT(vd_window_parse_hhmm("24:01", &m), -EINVAL);
	CHECK_INT(vd_window_parse_hhmm("09:300", &m), -EINVAL);
	CHECK_INT(vd_window_parse_hhmm(NULL, &m), -EINVAL);
	CHECK_INT(m, 7);
	struct vd_window w;
	static const int bad_day[] = {0};
	CHECK_INT(vd_window_init(&w, "09:00", "21:00", bad_day, 1), -EINVAL);
	CHECK_INT(vd_window_init(&w, "09:00", "21:00", NULL, 0), -EINVAL);
	CHECK_INT(vd_window_weekday(0), 4);                          /* 1970-01-01: Thursday */
	CHECK_INT(vd_window_weekday(vd_days_from_civil(2024, 3, 11)), 1); /* Monday */
	CHECK_INT(vd_window_weekday(-1), 3);
	w.days_mask = 0;
	int64_t t = 5;
	CHECK_INT(vd_window_next_open(&w, NULL, 0, &t), -ENOENT);
	CHECK_INT(t, 5);
}

static void test_zone_timeline(void)
{
	/* +1 h until T, +2 h after (a spring-forward at local 02:00 -> 03:00) */
	struct vd_zone z;
	int64_t T = utc(2024, 3, 31, 1, 0);
	vd_zone_init_fixed(&z, 3600);
	CHECK_INT(vd_zone_add(&z, T, 7200), 0);
	CHECK_INT(vd_zone_add(&z, T, 3600), -EINVAL); /* not increasing */
	CHECK_INT(vd_zone_offset(&z, T - 1), 3600);
	CHECK_INT(vd_zone_offset(&z, T), 7200);
	int64_t local_day = vd_days_from_civil(2024, 3, 31) * 86400;
	CHECK_INT(vd_zone_local_to_utc(&z, local_day + 1 * 3600 + 59 * 60), T - 60);
	CHECK_INT(vd_zone_local_to_utc(&z, local_day + 2 * 3600 + 30 * 60), T); /* the gap */
	CHECK_INT(vd_zone_local_to_utc(&z, local_day + 3 * 3600), T);
	CHECK_INT(vd_zone_local_to_utc(&z, local_day + 4 * 3600), T + 3600);
	CHECK_INT(vd_zone_next_change(&z, 0), T);
	CHECK_INT(vd_zone_next_change(&z, T), INT64_MAX);
	/* and back: -1 h at U (local 03:00 -> 02:00): 02:30 happens twice */
	int64_t U = utc(2024, 10, 27, 1, 0);
	CHECK_INT(vd_zone_add(&z, U, 3600), 0);
	int64_t oct = vd_days_from_civil(2024, 10, 27) * 86400;
	CHECK_INT(vd_zone_local_to_utc(&z, oct + 2 * 3600 + 30 * 60), U - 1800); /* first time */
	CHECK_INT(vd_zone_local_to_utc(&z, oct + 3 * 3600 + 30 * 60), U + 5400);
	struct vd_zone full;
	vd_zone_init_fixed(&full, 0);
	int rc = 0;
	for (int i = 1; rc == 0; i++) rc = vd_zone_add(&full, i * 1000, i % 2 ? 3600 : 0);
	CHECK_INT(rc, -ENOSPC);
	CHECK_INT(full.n, VD_ZONE_MAX_SPANS);
	CHECK_INT(vd_zone_add(&full, INT64_MAX, 19 * 3600), -EINVAL);
}

static void test_iana(void)
{
	setenv("TZ", "America/Los_Angeles", 1);
	int64_t from = utc(2023, 1, 1, 0, 0), to = utc(2053, 1, 1, 0, 0);
	struct vd_zone ny, msk, vlad;
	CHECK_INT(vd_tz_zone_build("America/New_York", from, to, &ny), 0);
	CHECK_INT(vd_tz_zone_build("Europe/Moscow", from, to, &msk), 0);
	CHECK_INT(vd_tz_zone_build("Asia/Vladivostok", from, to, &vlad), 0);
	CHECK_INT(vd_tz_zone_build("Mars/Olympus", from, to, &vlad), -EINVAL);
	CHECK_STR(getenv("TZ"), "America/Los_Angeles"); /* the process TZ is left alone */
	CHECK(ny.n > 50);   /* 30 years of DST */
	CHECK_INT(msk.n, 1); /* no DST since 2014 */
	CHECK_INT(vd_zone_offset(&msk, utc(2030, 7, 1, 0, 0)), 3 * 3600);
	CHECK_INT(vd_zone_offset(&ny, utc(2024, 1, 15, 0, 0)), -5 * 3600);
	CHECK_INT(vd_zone_offset(&ny, utc(2024, 7, 15, 0, 0)), -4 * 3600);
	/* agrees with the adapter's direct lookup */
	for (int64_t t = from; t < utc(2026, 1, 1, 0, 0); t += 86400 * 7 + 3607) {
		int32_t off = 0;
		CHECK_INT(vd_tz_offset_s("America/New_York", t, &off), 0);
		if (off != vd_zone_offset(&ny, t)) {
			CHECK_INT(vd_zone_offset(&ny, t), off);
			break;
		}
	}

	/* the client's zone decides: 01:00 UTC is 11:00 in Vladivostok, 04:00 in Moscow */
	struct vd_window w = win("09:00", "21:00", weekdays, 5);
	int64_t t = utc(2024, 3, 11, 1, 0), open;
	CHECK(vd_window_is_open(&w, &vlad, t));
	CHECK(!vd_window_is_open(&w, &msk, t));
	CHECK_INT(vd_window_next_open(&w, &msk, t, &open), 0);
	CHECK_INT(open, utc(2024, 3, 11, 6, 0));

	/* New York springs forward on 2024-03-10 at 02:00 EST (07:00 UTC): a
	 * window from 02:30 opens at the change, 03:00 EDT */
	static const int sunday[] = {7};
	w = win("02:30", "05:00", sunday, 1);
	CHECK_INT(vd_window_next_open(&w, &ny, utc(2024, 3, 10, 5, 0), &open), 0);
	CHECK_INT(open, utc(2024, 3, 10, 7, 0));
	int64_t close;
	CHECK_INT(vd_window_next_close(&w, &ny, open, &close), 0);
	CHECK_INT(close, utc(2024, 3, 10, 9, 0)); /* 05:00 EDT */
	/* and falls back on 2024-11-03 at 02:00 EDT (06:00 UTC): 09:00 is EST */
	w = win("09:00", "21:00", sunday, 1);
	CHECK_INT(vd_window_next_open(&w, &ny, utc(2024, 11, 3, 6, 30), &open), 0);
	CHECK_INT(open, utc(2024, 11, 3, 14, 0));
	CHECK_INT(vd_window_next_open(&w, &ny, utc(2024, 7, 7, 0, 0), &open), 0);
	CHECK_INT(open, utc(2024, 7, 7, 13, 0)); /* EDT in summer */
}

int main(void)
{
	run_rows();
	test_parse();
	test_zone_timeline();
	test_iana();
	return vt_done();
}
