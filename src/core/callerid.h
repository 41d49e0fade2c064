/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Caller-ID choice (DESIGN.md "Dialing"; guide page 003): the number shown
 * to the client must be registered with the carrier that places the call, so
 * a task's caller ID is the dial plan's trunk default, a fixed number that
 * belongs to that trunk, or a group whose numbers on that trunk are rotated
 * round-robin. Optionally each number has a daily call cap and a rest time
 * between calls so numbers are not flagged as spam: numbers over their cap or
 * resting are skipped, and when all are, the task waits and is told until
 * when and why. Pure: usage counters live in the pool the caller keeps. */
#ifndef VD_CALLERID_H
#define VD_CALLERID_H

#include <stddef.h>
#include <stdint.h>

enum vd_callerid_mode {
	VD_CALLERID_DEFAULT = 0, /* the trunk's default_caller_id */
	VD_CALLERID_NUMBER,      /* one fixed number */
	VD_CALLERID_GROUP        /* a caller-ID group */
};

/* How often one number has been used; kept by the caller across calls. */
struct vd_callerid_usage {
	int64_t day;         /* local day (days since 1970) `calls_today` counts */
	int32_t calls_today;
	int64_t last_used_s; /* 0 = never */
};

/* A number of a group (or a number known to belong to a trunk). */
struct vd_callerid_entry {
	const char *number; /* borrowed */
	int64_t trunk_id;
	struct vd_callerid_usage use;
};

struct vd_callerid_limits {
	int32_t daily_cap;    /* calls per number per day; 0 = no cap */
	int32_t rest_s;       /* minimum seconds between two calls from one number; 0 = none */
	int32_t day_offset_s; /* UTC offset of the day the cap counts (the account's zone) */
};

/* Everything the choice needs. Borrowed strings and entries; the pool's
 * usage fields and cursor are written by vd_callerid_choose. */
struct vd_callerid_pool {
	enum vd_callerid_mode mode;
	int64_t trunk_id;           /* the dial plan's trunk */
	const char *trunk_default;  /* DEFAULT: the trunk's default caller ID */
	const char *fixed;          /* NUMBER: the number */
	struct vd_callerid_entry *entries; /* GROUP: the group; NUMBER: known numbers */
	size_t nentries;
	struct vd_callerid_usage single; /* usage of the DEFAULT / NUMBER number */
	size_t cursor;              /* GROUP: where round-robin resumes */
	struct vd_callerid_limits limits;
};

enum vd_callerid_verdict {
	VD_CALLERID_USE = 0, /* dial now with `number` */
	VD_CALLERID_WAIT     /* every usable number is capped or resting */
};

enum vd_callerid_wait_reason {
	VD_CALLERID_WAIT_NONE = 0,
	VD_CALLERID_WAIT_DAILY_CAP, /* all numbers reached daily_cap: wait for the next day */
	VD_CALLERID_WAIT_RESTING    /* a number becomes usable after its rest time */
};

struct vd_callerid_choice {
	enum vd_callerid_verdict verdict;
	const char *number;     /* USE: borrowed from the pool */
	int64_t retry_at_s;     /* WAIT: the first time a number is usable */
	enum vd_callerid_wait_reason reason; /* WAIT */
};

/* Checks that the pool can ever yield a number for its trunk (what a task
 * save or start validates). Returns 0; -ENOENT when the trunk has no default
 * (DEFAULT), the fixed number is empty or not one of the trunk's numbers
 * (NUMBER; the trunk default also counts as the trunk's), or the group has
 * no number on the trunk (GROUP); -EINVAL for a bad mode or limits. */
int vd_callerid_check(const struct vd_callerid_pool *p);

/* Chooses the caller ID for a call starting at `now_s` (unix seconds). When
 * the verdict is USE the number's usage is counted and, for a group, the
 * cursor moves past it. Returns 0 and *out, or the vd_callerid_check error.
 * Not thread-safe for one pool. */
int vd_callerid_choose(struct vd_callerid_pool *p, int64_t now_s,
		       struct vd_callerid_choice *out);

/* Human-readable reason for a WAIT ("every caller ID reached its daily cap",
 * "every caller ID is resting"). Static storage. */
const char *vd_callerid_wait_text(enum vd_callerid_wait_reason r);

#endif
