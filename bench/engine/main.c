/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* bench_engine: the two hot paths of the campaign engine on one core.
 *  1. next-due picks: a due queue of 1,000,000 clients (60% new, 40% recalls
 *     due at random times over a day) spread over 8 real IANA zones with a
 *     09:00-21:00 window; the dialer's loop pops and a fake clock advances a
 *     minute whenever nothing is due. Run twice: every picked client back as
 *     a recall 5-65 minutes later (the queue stays at 1,000,000), then one in
 *     four (the queue drains). Target: 200,000 picks/s.
 *  2. recall decisions: vd_recall_decide over random outcomes for a working
 *     set of clients. Target: 5,000,000 decisions/s.
 * Prints the figures; it is a benchmark, not a test (build type Release for
 * numbers that mean something). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/duequeue.h"
#include "core/rfc3339.h"
#include "core/recall.h"
#include "core/window.h"
#include "util/tz.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double now_sec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* `repush_in`: one picked client in that many comes back as a recall (1 keeps
 * the queue at its full size). */
static int bench_picks(unsigned repush_in)
{
	static const char *const zones[] = {
		"Europe/Kaliningrad", "Europe/Moscow", "Asia/Yekaterinburg", "Asia/Novosibirsk",
		"Asia/Vladivostok",   "Asia/Almaty",   "Europe/Berlin",      "America/New_York",
	};
	enum { NZONES = 8, NCLIENTS = 1000000, NPICKS = 2000000 };
	static const int all[] = {1, 2, 3, 4, 5, 6, 7};
	struct vd_window w;
	if (vd_window_init(&w, "09:00", "21:00", all, 7)) return 1;
	struct vd_duequeue *q;
	if (vd_duequeue_alloc(&q, &w, 2 * NCLIENTS)) return 1;
	int64_t t0 = vd_days_from_civil(2024, 3, 11) * 86400 + 6 * 3600;
	static struct vd_zone z; /* a few KiB: not on the stack */
	uint16_t ids[NZONES];
	for (int i = 0; i < NZONES; i++) {
		if (vd_tz_zone_build(zones[i], t0 - 86400 * 365, t0 + 86400 * 365 * 5, &z) ||
		    vd_duequeue_add_zone(q, &z, &ids[i])) {
			fprintf(stderr, "bench_engine: zone %s\n", zones[i]);
			return 1;
		}
	}
	for (uint64_t i = 0; i < NCLIENTS; i++) {
		uint16_t zone = ids[next_rand() % NZONES];
		int rc = i % 5 < 3 ? vd_duequeue_push_new(q, i, zone, i)
				   : vd_duequeue_push_recall(q, i, zone,
							     t0 + (int64_t)(next_rand() % 86400));
		if (rc) return 1;
	}

	int64_t now = t0;
	long picks = 0, idle = 0, repushed = 0;
	struct vd_due d;
	double start = now_sec();
	while (picks < NPICKS && vd_duequeue_size(q) > 0) {
		if (vd_duequeue_pop(q, now, &d)) {
			now += 60;
			idle++;
			continue;
		}
		picks++;
		if (next_rand() % repush_in == 0) {
			vd_duequeue_push_recall(q, d.client, d.zone,
						now + 300 + (int64_t)(next_rand() % 3600));
			repushed++;
		}
	}
	double secs = now_sec() - start;
	printf("next-due picks/s: %.0f (target 200000) [%s: %ld picks, 1000000 clients in %d "
	       "zones, %ld re-queued as recalls, %ld idle minutes, %.2f s]\n",
	       picks / secs, repush_in == 1 ? "steady queue of 1000000" : "draining",
	       picks, NZONES, repushed, idle, secs);
	vd_duequeue_free(q);
	return 0;
}

static int bench_decisions(void)
{
	enum { NSTATES = 4096, NDECISIONS = 50000000 };
	struct vd_recall_rules r;
	vd_recall_rules_init(&r);
	r.rule[VD_OUTCOME_BUSY] = (struct vd_recall_rule){true, 300, 3};
	r.rule[VD_OUTCOME_NO_ANSWER] = (struct vd_recall_rule){true, 600, 2};
	r.rule[VD_OUTCOME_SHORT] = (struct vd_recall_rule){true, 60, 1};
	r.rule[VD_OUTCOME_FAILURE] = (struct vd_recall_rule){true, 0, 5};
	static struct vd_recall_state st[NSTATES];
	for (int i = 0; i < NSTATES; i++) vd_recall_state_init(&st[i]);
	/* outcomes drawn up front so the loop measures the decision, not the RNG */
	static uint8_t outs[1 << 16];
	for (size_t i = 0; i < sizeof outs; i++)
		outs[i] = (uint8_t)(next_rand() % VD_OUTCOME_CANCELLED); /* no cancelled */
	int64_t sink = 0, finished = 0;
	double start = now_sec();
	for (long i = 0; i < NDECISIONS; i++) {
		struct vd_recall_state *s = &st[i & (NSTATES - 1)];
		struct vd_recall_decision dec = vd_recall_decide(
			&r, s, (enum vd_outcome)outs[i & (sizeof outs - 1)], i, VD_RECALL_NO_END);
		if (dec.finished) {
			finished++;
			vd_recall_state_init(s);
		} else {
			sink += dec.at_s;
		}
	}
	double secs = now_sec() - start;
	printf("recall decisions/s: %.0f (target 5000000) [%d decisions, %lld finished, "
	       "%.2f s, checksum %lld]\n",
	       NDECISIONS / secs, NDECISIONS, (long long)finished, secs, (long long)(sink & 0xffff));
	return 0;
}

int main(void)
{
	if (bench_picks(1) || bench_picks(4)) return 1;
	return bench_decisions();
}
