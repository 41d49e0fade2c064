/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Pacing (DESIGN.md "Dialing"): a token bucket per task at the task's `cps`
 * (calls started per second, fractional rates allowed), and per trunk a
 * bucket at `max_cps` plus a count of busy channels against `max_channels`.
 * A call may start only when the task bucket, the trunk bucket and a channel
 * all allow it. Rates are integers in milli-calls per second and tokens are
 * counted in millionths, so there is no floating-point drift. Pure: the time
 * is an argument in milliseconds. Not thread-safe: the dialer's loop owns it. */
#ifndef VD_PACER_H
#define VD_PACER_H

#include <stdint.h>

#define VD_PACER_MAX_MCPS 1000000 /* 1000 calls per second */
#define VD_PACER_MAX_BURST 100
#define VD_PACER_WINDOW_MAX 1000  /* ceil(VD_PACER_MAX_MCPS / 1000) */

/* A token bucket alone lets burst + rate calls start in one second (a full
 * bucket, then a second of refill). The window makes the rate a hard cap:
 * no more than ceil(rate) calls start in any 1000 ms, so a burst only lets
 * a late dialer catch up on calls it was owed, never exceed the rate. */
struct vd_pacer {
	int64_t rate_mcps; /* milli-calls per second: 1500 = 1.5 calls/s */
	int64_t cap_u;     /* bucket size, micro-tokens */
	int64_t tokens_u;  /* micro-tokens available (1 call = 1000000) */
	int64_t last_ms;   /* last refill */
	int32_t win_n;     /* ceil(rate): starts allowed in any 1000 ms */
	int32_t win_len, win_head;           /* ring of the last win_n starts */
	int64_t win_ms[VD_PACER_WINDOW_MAX]; /* oldest at win_head when full */
};

struct vd_trunk_gate {
	struct vd_pacer bucket; /* at the trunk's max_cps */
	int32_t max_channels;   /* simultaneous calls; 0 = no limit */
	int32_t active;         /* calls now up or ringing */
};

/* Sets up a bucket at `rate_mcps` (1..VD_PACER_MAX_MCPS) holding at most
 * `burst` calls (1..VD_PACER_MAX_BURST; 1 spaces calls evenly), full at
 * `now_ms`; whatever the burst, at most ceil(rate) calls start in any
 * 1000 ms. Returns 0 or -EINVAL. */
int vd_pacer_init(struct vd_pacer *p, int64_t rate_mcps, int32_t burst, int64_t now_ms);

/* The burst that lets a dialer whose passes come up to `late_ms` apart
 * start every call it earned: rate x late_ms, at least 1, at most
 * VD_PACER_MAX_BURST. */
int32_t vd_pacer_burst(int64_t rate_mcps, int64_t late_ms);

/* Sets up a trunk's gate: its max_cps bucket (`burst` as vd_pacer_init) and
 * channel limit (0..100000; 0 = unlimited). Returns 0 or -EINVAL. */
int vd_pacer_gate_init(struct vd_trunk_gate *g, int64_t max_mcps, int32_t burst, int32_t max_channels,
		       int64_t now_ms);

/* Asks to start one call now on `trunk` for the task whose bucket is `task`
 * (`trunk` may be NULL for no trunk limits). On success one token is taken
 * from both buckets and a channel is counted busy; the caller must
 * vd_pacer_release() it when the call ends. Returns 0; -EBUSY when every
 * channel is busy; -EAGAIN when a bucket is empty or has started its
 * ceil(rate) calls in the last 1000 ms (vd_pacer_next_ms says until
 * when). Nothing changes on failure except the buckets' refill. */
int vd_pacer_take(struct vd_pacer *task, struct vd_trunk_gate *trunk, int64_t now_ms);

/* A call counted by vd_pacer_take ended. */
void vd_pacer_release(struct vd_trunk_gate *trunk);

/* The earliest time >= now_ms at which vd_pacer_take could succeed as far
 * as the buckets go (a free channel comes only from a release). */
int64_t vd_pacer_next_ms(const struct vd_pacer *task, const struct vd_trunk_gate *trunk,
			 int64_t now_ms);

#endif
