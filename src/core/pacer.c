/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Token buckets in integers: rate_mcps * elapsed_ms is exactly the number of
 * micro-tokens earned, so a 0.3 cps task starts exactly 3 calls in 10 s, for
 * ever. Each bucket also remembers its last ceil(rate) starts, so a burst
 * never makes more than the rate start in any one second. */
#include "core/pacer.h"

#include <errno.h>
#include <stdbool.h>

#define TOKEN_U 1000000
#define WINDOW_MS 1000

int vd_pacer_init(struct vd_pacer *p, int64_t rate_mcps, int32_t burst, int64_t now_ms)
{
	if (rate_mcps < 1 || rate_mcps > VD_PACER_MAX_MCPS) return -EINVAL;
	if (burst < 1 || burst > VD_PACER_MAX_BURST) return -EINVAL;
	p->rate_mcps = rate_mcps;
	p->cap_u = (int64_t)burst * TOKEN_U;
	p->tokens_u = p->cap_u;
	p->last_ms = now_ms;
	p->win_n = (int32_t)((rate_mcps + 999) / 1000);
	p->win_len = p->win_head = 0;
	return 0;
}

int32_t vd_pacer_burst(int64_t rate_mcps, int64_t late_ms)
{
	if (rate_mcps < 1 || late_ms < 1) return 1;
	if (late_ms > 1000000) late_ms = 1000000;   /* no overflow below */
	int64_t b = (rate_mcps * late_ms + 999999) / 1000000;
	return b < 1 ? 1 : b > VD_PACER_MAX_BURST ? VD_PACER_MAX_BURST : (int32_t)b;
}

int vd_pacer_gate_init(struct vd_trunk_gate *g, int64_t max_mcps, int32_t burst, int32_t max_channels,
		       int64_t now_ms)
{
	if (max_channels < 0 || max_channels > 100000) return -EINVAL;
	int rc = vd_pacer_init(&g->bucket, max_mcps, burst, now_ms);
	if (rc) return rc;
	g->max_channels = max_channels;
	g->active = 0;
	return 0;
}

static void refill(struct vd_pacer *p, int64_t now_ms)
{
	if (now_ms <= p->last_ms) return; /* a clock step back earns nothing */
	int64_t elapsed = now_ms - p->last_ms;
	int64_t room = p->cap_u - p->tokens_u;
	/* compare before multiplying so a long pause cannot overflow */
	if (elapsed >= room / p->rate_mcps + 1)
		p->tokens_u = p->cap_u;
	else
		p->tokens_u += elapsed * p->rate_mcps;
	p->last_ms = now_ms;
}

/* When the window lets the next call start: now, or 1000 ms after the
 * oldest of the last win_n starts. A clock stepped back before that start
 * forgets it rather than stopping the task until the clock catches up. */
static int64_t window_ready_ms(const struct vd_pacer *p, int64_t now_ms)
{
	if (p->win_len < p->win_n) return now_ms;
	int64_t oldest = p->win_ms[p->win_head];
	if (now_ms < oldest) return now_ms;
	return oldest + WINDOW_MS > now_ms ? oldest + WINDOW_MS : now_ms;
}

static void window_note(struct vd_pacer *p, int64_t now_ms)
{
	if (p->win_len < p->win_n) {
		p->win_ms[(p->win_head + p->win_len++) % p->win_n] = now_ms;
		return;
	}
	p->win_ms[p->win_head] = now_ms;
	p->win_head = (p->win_head + 1) % p->win_n;
}

static bool can_take(const struct vd_pacer *p, int64_t now_ms)
{
	return p->tokens_u >= TOKEN_U && window_ready_ms(p, now_ms) <= now_ms;
}

int vd_pacer_take(struct vd_pacer *task, struct vd_trunk_gate *trunk, int64_t now_ms)
{
	refill(task, now_ms);
	if (trunk) {
		refill(&trunk->bucket, now_ms);
		if (trunk->max_channels > 0 && trunk->active >= trunk->max_channels) return -EBUSY;
		if (!can_take(&trunk->bucket, now_ms)) return -EAGAIN;
	}
	if (!can_take(task, now_ms)) return -EAGAIN;
	task->tokens_u -= TOKEN_U;
	window_note(task, now_ms);
	if (trunk) {
		trunk->bucket.tokens_u -= TOKEN_U;
		window_note(&trunk->bucket, now_ms);
		trunk->active++;
	}
	return 0;
}

void vd_pacer_release(struct vd_trunk_gate *trunk)
{
	if (trunk && trunk->active > 0) trunk->active--;
}

static int64_t ready_ms(const struct vd_pacer *p, int64_t now_ms)
{
	int64_t tokens = p->tokens_u, from = p->last_ms, t;
	if (tokens >= TOKEN_U) {
		t = now_ms > from ? now_ms : from;
	} else {
		int64_t need = TOKEN_U - tokens;
		t = from + (need + p->rate_mcps - 1) / p->rate_mcps;
		if (t < now_ms) t = now_ms;
	}
	int64_t w = window_ready_ms(p, now_ms);
	return w > t ? w : t;
}

int64_t vd_pacer_next_ms(const struct vd_pacer *task, const struct vd_trunk_gate *trunk,
			 int64_t now_ms)
{
	int64_t t = ready_ms(task, now_ms);
	if (trunk) {
		int64_t u = ready_ms(&trunk->bucket, now_ms);
		if (u > t) t = u;
	}
	return t;
}
