/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Token buckets in integers: rate_mcps * elapsed_ms is exactly the number of
 * micro-tokens earned, so a 0.3 cps task starts exactly 3 calls in 10 s, for
 * ever. */
#include "core/pacer.h"

#include <errno.h>

#define TOKEN_U 1000000

int vd_pacer_init(struct vd_pacer *p, int64_t rate_mcps, int32_t burst, int64_t now_ms)
{
	if (rate_mcps < 1 || rate_mcps > VD_PACER_MAX_MCPS) return -EINVAL;
	if (burst < 1 || burst > VD_PACER_MAX_BURST) return -EINVAL;
	p->rate_mcps = rate_mcps;
	p->cap_u = (int64_t)burst * TOKEN_U;
	p->tokens_u = p->cap_u;
	p->last_ms = now_ms;
	return 0;
}

int vd_pacer_gate_init(struct vd_trunk_gate *g, int64_t max_mcps, int32_t max_channels,
		       int64_t now_ms)
{
	if (max_channels < 0 || max_channels > 100000) return -EINVAL;
	struct vd_pacer b;
	int rc = vd_pacer_init(&b, max_mcps, 1, now_ms);
	if (rc) return rc;
	g->bucket = b;
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

int vd_pacer_take(struct vd_pacer *task, struct vd_trunk_gate *trunk, int64_t now_ms)
{
	refill(task, now_ms);
	if (trunk) {
		refill(&trunk->bucket, now_ms);
		if (trunk->max_channels > 0 && trunk->active >= trunk->max_channels) return -EBUSY;
		if (trunk->bucket.tokens_u < TOKEN_U) return -EAGAIN;
	}
	if (task->tokens_u < TOKEN_U) return -EAGAIN;
	task->tokens_u -= TOKEN_U;
	if (trunk) {
		trunk->bucket.tokens_u -= TOKEN_U;
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
	int64_t tokens = p->tokens_u, from = p->last_ms;
	if (tokens >= TOKEN_U) return now_ms > from ? now_ms : from;
	int64_t need = TOKEN_U - tokens;
	int64_t t = from + (need + p->rate_mcps - 1) / p->rate_mcps;
	return t > now_ms ? t : now_ms;
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
