/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Recall rules <-> JSON and the preview simulation. The simulation itself is
 * only a loop over vd_recall_decide with a clock that starts at 0; what the
 * user sees in the preview is exactly what the dialer will do. */
#include "app/recall_json.h"

#include <errno.h>
#include <string.h>

static const enum vd_outcome conditions[] = {
	VD_OUTCOME_BUSY, VD_OUTCOME_NO_ANSWER, VD_OUTCOME_MACHINE, VD_OUTCOME_SHORT,
	VD_OUTCOME_FAILURE,
};
#define NCONDITIONS (sizeof conditions / sizeof conditions[0])

/* Reads an integer member in [lo, hi]. `required` members must be present. */
static int int_field(const json_t *obj, const char *key, const char *path, json_int_t lo,
		     json_int_t hi, bool required, json_int_t *val, struct vd_verr *err)
{
	char field[128];
	snprintf(field, sizeof field, "%s.%s", path, key);
	const json_t *v = json_object_get(obj, key);
	if (!v) {
		if (!required) return 0;
		vd_verr_set(err, field, "is required");
		return -EINVAL;
	}
	if (!json_is_integer(v)) {
		vd_verr_set(err, field, "must be an integer");
		return -EINVAL;
	}
	json_int_t x = json_integer_value(v);
	if (x < lo || x > hi) {
		vd_verr_set(err, field, "must be between %lld and %lld", (long long)lo,
			    (long long)hi);
		return -EINVAL;
	}
	*val = x;
	return 0;
}

static int rule_from_json(enum vd_outcome c, const json_t *v, const char *path,
			  struct vd_recall_rules *r, struct vd_verr *err)
{
	if (!json_is_object(v)) {
		vd_verr_set(err, path, "must be an object with interval_s and attempts");
		return -EINVAL;
	}
	const char *key;
	const json_t *member;
	json_object_foreach((json_t *)v, key, member) {
		(void)member;
		if (!strcmp(key, "interval_s") || !strcmp(key, "attempts")) continue;
		if (c == VD_OUTCOME_SHORT && !strcmp(key, "max_duration_s")) continue;
		char field[128];
		snprintf(field, sizeof field, "%s.%.60s", path, key);
		vd_verr_set(err, field, "unknown field");
		return -EINVAL;
	}
	json_int_t interval = 0, attempts = 0, max_dur = 0;
	int rc = int_field(v, "interval_s", path, 0, VD_RECALL_MAX_INTERVAL_S, true, &interval, err);
	if (!rc) rc = int_field(v, "attempts", path, 1, VD_RECALL_MAX_ATTEMPTS, true, &attempts, err);
	if (!rc && c == VD_OUTCOME_SHORT)
		rc = int_field(v, "max_duration_s", path, 1, 3600, true, &max_dur, err);
	if (rc) return rc;
	r->rule[c].enabled = true;
	r->rule[c].interval_s = (int32_t)interval;
	r->rule[c].attempts = (int32_t)attempts;
	if (c == VD_OUTCOME_SHORT) r->short_max_duration_s = (int32_t)max_dur;
	return 0;
}

int vd_recall_rules_from_json(const json_t *rules, struct vd_recall_rules *out,
			      struct vd_verr *err)
{
	if (!json_is_object(rules)) {
		vd_verr_set(err, "rules", "must be an object of conditions");
		return -EINVAL;
	}
	struct vd_recall_rules r;
	vd_recall_rules_init(&r);
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)rules, key, v) {
		char path[128];
		snprintf(path, sizeof path, "rules.%.60s", key);
		if (!strcmp(key, "max_total_attempts")) {
			json_int_t cap = 0;
			int rc = int_field(rules, key, "rules", 1, 1000, true, &cap, err);
			if (rc) return rc;
			r.max_total_attempts = (int32_t)cap;
			continue;
		}
		enum vd_outcome c;
		if (vd_outcome_parse(key, &c) || !vd_recall_is_condition(c)) {
			vd_verr_set(err, path, "unknown condition (busy, no_answer, machine, short, failure)");
			return -EINVAL;
		}
		if (json_is_null(v)) continue; /* same as absent: no rule */
		int rc = rule_from_json(c, v, path, &r, err);
		if (rc) return rc;
	}
	*out = r;
	return 0;
}

json_t *vd_recall_rules_to_json(const struct vd_recall_rules *r)
{
	json_t *o = json_object();
	if (!o) return NULL;
	for (size_t i = 0; i < NCONDITIONS; i++) {
		enum vd_outcome c = conditions[i];
		if (!r->rule[c].enabled) continue;
		json_t *rule = json_pack("{s:I,s:I}", "interval_s", (json_int_t)r->rule[c].interval_s,
					 "attempts", (json_int_t)r->rule[c].attempts);
		if (rule && c == VD_OUTCOME_SHORT &&
		    json_object_set_new(rule, "max_duration_s",
					json_integer(r->short_max_duration_s))) {
			json_decref(rule);
			rule = NULL;
		}
		if (!rule || json_object_set_new(o, vd_outcome_name(c), rule)) {
			json_decref(o);
			return NULL;
		}
	}
	if (r->max_total_attempts > 0 &&
	    json_object_set_new(o, "max_total_attempts", json_integer(r->max_total_attempts))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Parses body.outcomes into `seq`; *n gets the count. */
static int outcomes_from_json(const json_t *arr, enum vd_outcome *seq, size_t *n,
			      struct vd_verr *err)
{
	if (!json_is_array(arr) || json_array_size(arr) == 0) {
		vd_verr_set(err, "outcomes", "must be a non-empty array of outcome names");
		return -EINVAL;
	}
	if (json_array_size(arr) > VD_RECALL_PREVIEW_MAX_OUTCOMES) {
		vd_verr_set(err, "outcomes", "at most %d outcomes", VD_RECALL_PREVIEW_MAX_OUTCOMES);
		return -EINVAL;
	}
	for (size_t i = 0; i < json_array_size(arr); i++) {
		const char *name = json_string_value(json_array_get(arr, i));
		char field[32];
		snprintf(field, sizeof field, "outcomes[%zu]", i);
		if (!name || vd_outcome_parse(name, &seq[i])) {
			vd_verr_set(err, field, "unknown outcome \"%.40s\" (busy, no_answer, "
				    "unavailable, machine, short, failure, completed)", name ? name : "");
			return -EINVAL;
		}
		if (seq[i] == VD_OUTCOME_CANCELLED) {
			vd_verr_set(err, field, "cancelled is not the result of an attempt");
			return -EINVAL;
		}
	}
	*n = json_array_size(arr);
	return 0;
}

static json_t *attempt_json(size_t n, bool has_for, enum vd_outcome for_, enum vd_outcome o,
			    int64_t at_s)
{
	return json_pack("{s:I,s:o,s:s,s:I}", "n", (json_int_t)n, "recall_for",
			 has_for ? json_string(vd_outcome_name(for_)) : json_null(), "outcome",
			 vd_outcome_name(o), "at_s", (json_int_t)at_s);
}

int vd_recall_preview_json(const json_t *body, json_t **out, struct vd_verr *err)
{
	if (!json_is_object(body)) {
		vd_verr_set(err, "body", "must be an object with rules and outcomes");
		return -EINVAL;
	}
	struct vd_recall_rules rules;
	int rc = vd_recall_rules_from_json(json_object_get(body, "rules"), &rules, err);
	if (rc) return rc;
	enum vd_outcome seq[VD_RECALL_PREVIEW_MAX_OUTCOMES]; /* 4 KiB */
	size_t n = 0;
	rc = outcomes_from_json(json_object_get(body, "outcomes"), seq, &n, err);
	if (rc) return rc;
	json_int_t duration = 0;
	const json_t *d = json_object_get(body, "duration_s");
	if (d && !json_is_null(d)) {
		if (!json_is_integer(d) || json_integer_value(d) < 0 ||
		    json_integer_value(d) > VD_RECALL_PREVIEW_MAX_DURATION_S) {
			vd_verr_set(err, "duration_s", "must be an integer between 0 and %d",
				    VD_RECALL_PREVIEW_MAX_DURATION_S);
			return -EINVAL;
		}
		duration = json_integer_value(d);
	}

	json_t *res = json_object(), *attempts = json_array(), *counters = json_object();
	rc = -ENOMEM;
	if (!res || !attempts || !counters) goto out;
	struct vd_recall_state st;
	vd_recall_state_init(&st);
	struct vd_recall_decision dec = {0};
	bool has_for = false;
	int64_t at = 0;
	size_t finished_at = 0;
	for (size_t i = 0; i < n; i++) {
		if (dec.finished) {
			char field[32];
			snprintf(field, sizeof field, "outcomes[%zu]", i);
			vd_verr_set(err, field, "the client was already finished by outcomes[%zu] (%s)",
				    finished_at, vd_outcome_name(dec.outcome));
			rc = -EINVAL;
			goto out;
		}
		if (json_array_append_new(attempts, attempt_json(i + 1, has_for, dec.recall_for,
								 seq[i], at)))
			goto out;
		dec = vd_recall_decide(&rules, &st, seq[i], at + duration, VD_RECALL_NO_END);
		if (dec.finished) {
			finished_at = i;
		} else {
			has_for = true;
			at = dec.at_s;
		}
	}
	for (size_t i = 0; i < NCONDITIONS; i++) {
		enum vd_outcome c = conditions[i];
		if (rules.rule[c].enabled &&
		    json_object_set_new(counters, vd_outcome_name(c), json_integer(st.done[c])))
			goto out;
	}
	if (json_object_set(res, "attempts", attempts) ||
	    json_object_set(res, "counters", counters))
		goto out;
	if (dec.finished) {
		if (json_object_set_new(res, "final", json_string(vd_outcome_name(dec.outcome))) ||
		    json_object_set_new(res, "reason",
					json_string(vd_recall_reason_name(dec.reason))))
			goto out;
	} else {
		json_t *next = json_pack("{s:s,s:I}", "recall_for", vd_outcome_name(dec.recall_for),
					 "at_s", (json_int_t)dec.at_s);
		if (json_object_set_new(res, "final", json_string("pending")) ||
		    json_object_set_new(res, "next", next))
			goto out;
	}
	*out = json_incref(res);
	rc = 0;
out:
	json_decref(attempts);
	json_decref(counters);
	json_decref(res);
	return rc;
}
