/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Recall rules (DESIGN.md "Recall rules - exact semantics"): after each
 * attempt, decide whether a client is finished or is called again, for which
 * condition and when. The state per client is `done[c]` (recall attempts
 * counted under condition c), `owed` (the condition the next recall is made
 * for; none before the first recall) and the number of attempts made. Pure:
 * the time is an argument, the caller stores the state. */
#ifndef VD_RECALL_H
#define VD_RECALL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/outcome.h"

#define VD_RECALL_MAX_ATTEMPTS 100       /* per rule */
#define VD_RECALL_MAX_INTERVAL_S 2592000 /* 30 days */
#define VD_RECALL_DEFAULT_TOTAL 20       /* attempts per client, all causes */
#define VD_RECALL_NO_END INT64_MAX       /* end_s of a task without an end */

/* One rule: recall after `interval_s` seconds, at most `attempts` counted
 * recall attempts. */
struct vd_recall_rule {
	bool enabled;
	int32_t interval_s;
	int32_t attempts;
};

/* A rule set, indexed by outcome. Only the five conditions busy, no_answer,
 * machine, short and failure may have a rule (vd_recall_rules_check). */
struct vd_recall_rules {
	struct vd_recall_rule rule[VD_OUTCOME_COUNT];
	int32_t short_max_duration_s; /* the short rule's bound (outcome side) */
	int32_t max_total_attempts;   /* 0 means VD_RECALL_DEFAULT_TOTAL */
};

/* Per-client state; the store persists it with the client row. */
struct vd_recall_state {
	int32_t done[VD_OUTCOME_COUNT];
	bool has_owed;
	enum vd_outcome owed;   /* meaningful when has_owed */
	int32_t attempts;       /* attempts made so far, the first call included */
};

/* Why a client was finished. */
enum vd_recall_reason {
	VD_RECALL_REASON_NONE = 0,   /* not finished: a recall is planned */
	VD_RECALL_REASON_REACHED,    /* completed */
	VD_RECALL_REASON_EXHAUSTED,  /* the owed rule used up its attempts */
	VD_RECALL_REASON_SIDE_EXHAUSTED, /* another rule's attempts ran out */
	VD_RECALL_REASON_NO_RULE,    /* first call ended with a condition without a rule */
	VD_RECALL_REASON_TOTAL_CAP,  /* max_total_attempts reached */
	VD_RECALL_REASON_TASK_ENDED, /* the recall would fall after the task's end */
	VD_RECALL_REASON_CANCELLED   /* never dialed: the task was cancelled */
};

struct vd_recall_decision {
	bool finished;
	enum vd_outcome outcome;    /* finished: the outcome that finished the client */
	enum vd_outcome recall_for; /* !finished: the condition of the next recall */
	int64_t at_s;               /* !finished: when the next recall is due */
	enum vd_recall_reason reason;
	bool counted;               /* this attempt was counted under a rule ... */
	enum vd_outcome counted_for; /* ... this one */
};

/* An empty rule set (no rules; total cap at its default). */
void vd_recall_rules_init(struct vd_recall_rules *r);

/* Checks a rule set: rules only on the five conditions, interval_s in
 * 0..VD_RECALL_MAX_INTERVAL_S, attempts in 1..VD_RECALL_MAX_ATTEMPTS,
 * max_total_attempts 0 or 1..1000. Returns 0 or -EINVAL. */
int vd_recall_rules_check(const struct vd_recall_rules *r);

/* True for the five outcomes a rule can be written for. */
bool vd_recall_is_condition(enum vd_outcome o);

/* A client before its first call. */
void vd_recall_state_init(struct vd_recall_state *s);

/* Applies the outcome `o` of the attempt that just ended at `now_s` (unix
 * seconds, or any clock the caller uses consistently) to `s` and decides.
 * `end_s` is the first instant no attempt of the task may start at
 * (VD_RECALL_NO_END when the task runs until every client is finished; the
 * time of cancelling for a cancelled task). Rules, first match wins:
 *   cancelled -> finished (nothing counted, not an attempt);
 *   completed -> finished (reached);
 *   owed p whose rule was removed since -> the client is treated as owing
 *     nothing (template rule sets can be edited between attempts);
 *   owed p, o = p -> done[p]++; done[p] >= attempts[p] -> finished(o),
 *     else recall for p after interval[p];
 *   owed none, o has a rule -> owed = o, recall for o after interval[o];
 *   owed p, o != p has a rule -> done[o]++; done[o] > attempts[o] ->
 *     finished(o), else recall for p again after interval[o];
 *   o without a rule -> owed p: recall for p after interval[p], nothing
 *     counted; owed none: finished(o);
 * then a planned recall becomes finished(o) when the client has had
 * max_total_attempts attempts (TOTAL_CAP) or when it would start at or after
 * `end_s` (TASK_ENDED). `r` is borrowed; `s` is updated in place (the only
 * write). Never fails; any thread. */
struct vd_recall_decision vd_recall_decide(const struct vd_recall_rules *r,
					   struct vd_recall_state *s, enum vd_outcome o,
					   int64_t now_s, int64_t end_s);

/* A short word for a reason ("reached", "attempts_exhausted",
 * "side_rule_exhausted", "no_rule", "max_total_attempts", "task_ended",
 * "cancelled"; "" for NONE). Static storage. */
const char *vd_recall_reason_name(enum vd_recall_reason reason);

#endif
