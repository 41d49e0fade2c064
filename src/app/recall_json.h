/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* JSON glue for recall rules, shared by the HTTP API (recall-rule sets,
 * tasks' manual rules, POST /api/v1/recall-rule-sets/preview) and the
 * `voxdial recall-preview` command, so both validate and answer alike.
 * Wire format (API.md): the `rules` object maps a condition (busy,
 * no_answer, machine, short, failure) to {"interval_s","attempts"} plus
 * "max_duration_s" for short; an absent (or null) condition has no rule. An
 * optional "max_total_attempts" (1..1000, default 20) caps one client's
 * attempts. */
#ifndef VD_RECALL_JSON_H
#define VD_RECALL_JSON_H

#include <jansson.h>

#include "app/verr.h"
#include "core/recall.h"

#define VD_RECALL_PREVIEW_MAX_OUTCOMES 1000
#define VD_RECALL_PREVIEW_MAX_DURATION_S 86400

/* Validates and converts a `rules` object (borrowed). Errors name the field
 * ("rules", "rules.busy", "rules.busy.attempts", "rules.short.max_duration_s",
 * "rules.foo" for an unknown condition). Returns 0 and *out, or -EINVAL with
 * *err filled (err may be NULL). Any thread. */
int vd_recall_rules_from_json(const json_t *rules, struct vd_recall_rules *out,
			      struct vd_verr *err);

/* The `rules` object for `r` (a new reference; NULL on allocation failure). */
json_t *vd_recall_rules_to_json(const struct vd_recall_rules *r);

/* Runs the recall rules over a sequence of outcomes. `body` (borrowed) is
 * {"rules":{...},"outcomes":["busy",...],"duration_s":0}: each outcome is
 * the result of the next attempt, each attempt lasts duration_s seconds
 * (0..86400, default 0). On success *out is a new reference to
 *   {"attempts":[{"n":1,"recall_for":null,"outcome":"busy","at_s":0},...],
 *    "counters":{"busy":3},"final":"busy","reason":"attempts_exhausted"}
 * where at_s is when the attempt starts counted from the first (the end of
 * the previous attempt plus the interval the rules chose), counters has one
 * entry per rule in the set (done[c]), final is the outcome that finished the
 * client or "pending" with "next":{"recall_for","at_s"} when the outcomes ran
 * out first. Errors name the field: "rules.*", "outcomes" (missing, empty,
 * longer than VD_RECALL_PREVIEW_MAX_OUTCOMES), "outcomes[3]" (unknown name,
 * "cancelled", or an outcome given after the client finished),
 * "duration_s". Returns 0, -EINVAL (with *err) or -ENOMEM. Any thread. */
int vd_recall_preview_json(const json_t *body, json_t **out, struct vd_verr *err);

#endif
