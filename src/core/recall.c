/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The recall state machine. It is small on purpose: every branch is one line
 * of DESIGN.md, and tests/unit/test_recall.c walks each of them with the user
 * guide's four examples as the first rows. */
#include "core/recall.h"

#include <errno.h>
#include <string.h>

bool vd_recall_is_condition(enum vd_outcome o)
{
	return o == VD_OUTCOME_BUSY || o == VD_OUTCOME_NO_ANSWER ||
	       o == VD_OUTCOME_MACHINE || o == VD_OUTCOME_SHORT || o == VD_OUTCOME_FAILURE;
}

void vd_recall_rules_init(struct vd_recall_rules *r)
{
	memset(r, 0, sizeof *r);
}

int vd_recall_rules_check(const struct vd_recall_rules *r)
{
	for (int i = 0; i < VD_OUTCOME_COUNT; i++) {
		const struct vd_recall_rule *rule = &r->rule[i];
		if (!rule->enabled) continue;
		if (!vd_recall_is_condition((enum vd_outcome)i)) return -EINVAL;
		if (rule->interval_s < 0 || rule->interval_s > VD_RECALL_MAX_INTERVAL_S)
			return -EINVAL;
		if (rule->attempts < 1 || rule->attempts > VD_RECALL_MAX_ATTEMPTS) return -EINVAL;
	}
	if (r->max_total_attempts < 0 || r->max_total_attempts > 1000) return -EINVAL;
	if (r->short_max_duration_s < 0) return -EINVAL;
	return 0;
}

void vd_recall_state_init(struct vd_recall_state *s)
{
	memset(s, 0, sizeof *s);
}

static bool has_rule(const struct vd_recall_rules *r, enum vd_outcome o)
{
	return (int)o >= 0 && o < VD_OUTCOME_COUNT && r->rule[o].enabled &&
	       vd_recall_is_condition(o);
}

static struct vd_recall_decision finish(enum vd_outcome o, enum vd_recall_reason why)
{
	struct vd_recall_decision d = {0};
	d.finished = true;
	d.outcome = o;
	d.reason = why;
	return d;
}

static struct vd_recall_decision recall(enum vd_outcome for_, int64_t at_s)
{
	struct vd_recall_decision d = {0};
	d.recall_for = for_;
	d.at_s = at_s;
	return d;
}

/* Rules 1-5 of DESIGN.md; the caps of rule 6 are applied by the caller. */
static struct vd_recall_decision decide_rules(const struct vd_recall_rules *r,
					      struct vd_recall_state *s, enum vd_outcome o,
					      int64_t now_s)
{
	if (o == VD_OUTCOME_COMPLETED) {
		s->has_owed = false;
		return finish(o, VD_RECALL_REASON_REACHED);
	}
	if (s->has_owed && !has_rule(r, s->owed)) s->has_owed = false;

	if (s->has_owed && o == s->owed) {
		const struct vd_recall_rule *rule = &r->rule[o];
		s->done[o]++;
		if (s->done[o] >= rule->attempts) {
			s->has_owed = false;
			struct vd_recall_decision d = finish(o, VD_RECALL_REASON_EXHAUSTED);
			d.counted = true;
			d.counted_for = o;
			return d;
		}
		struct vd_recall_decision d = recall(o, now_s + rule->interval_s);
		d.counted = true;
		d.counted_for = o;
		return d;
	}
	if (!s->has_owed && has_rule(r, o)) {
		s->has_owed = true;
		s->owed = o;
		return recall(o, now_s + r->rule[o].interval_s);
	}
	if (s->has_owed && has_rule(r, o)) {
		const struct vd_recall_rule *rule = &r->rule[o];
		struct vd_recall_decision d;
		s->done[o]++;
		if (s->done[o] > rule->attempts) {
			s->has_owed = false;
			d = finish(o, VD_RECALL_REASON_SIDE_EXHAUSTED);
		} else {
			d = recall(s->owed, now_s + rule->interval_s);
		}
		d.counted = true;
		d.counted_for = o;
		return d;
	}
	/* o has no rule (unavailable, or a condition the set does not cover) */
	if (s->has_owed) return recall(s->owed, now_s + r->rule[s->owed].interval_s);
	return finish(o, VD_RECALL_REASON_NO_RULE);
}

struct vd_recall_decision vd_recall_decide(const struct vd_recall_rules *r,
					   struct vd_recall_state *s, enum vd_outcome o,
					   int64_t now_s, int64_t end_s)
{
	if (o == VD_OUTCOME_CANCELLED) {
		s->has_owed = false;
		return finish(o, VD_RECALL_REASON_CANCELLED);
	}
	if (s->attempts < INT32_MAX) s->attempts++;
	struct vd_recall_decision d = decide_rules(r, s, o, now_s);
	if (d.finished) return d;

	int32_t cap = r->max_total_attempts > 0 ? r->max_total_attempts : VD_RECALL_DEFAULT_TOTAL;
	enum vd_recall_reason stop = VD_RECALL_REASON_NONE;
	if (s->attempts >= cap)
		stop = VD_RECALL_REASON_TOTAL_CAP;
	else if (d.at_s >= end_s)
		stop = VD_RECALL_REASON_TASK_ENDED;
	if (stop != VD_RECALL_REASON_NONE) {
		struct vd_recall_decision f = finish(o, stop);
		f.counted = d.counted;
		f.counted_for = d.counted_for;
		s->has_owed = false;
		return f;
	}
	return d;
}

const char *vd_recall_reason_name(enum vd_recall_reason reason)
{
	switch (reason) {
	case VD_RECALL_REASON_NONE: return "";
	case VD_RECALL_REASON_REACHED: return "reached";
	case VD_RECALL_REASON_EXHAUSTED: return "attempts_exhausted";
	case VD_RECALL_REASON_SIDE_EXHAUSTED: return "side_rule_exhausted";
	case VD_RECALL_REASON_NO_RULE: return "no_rule";
	case VD_RECALL_REASON_TOTAL_CAP: return "max_total_attempts";
	case VD_RECALL_REASON_TASK_ENDED: return "task_ended";
	case VD_RECALL_REASON_CANCELLED: return "cancelled";
	}
	return "";
}
