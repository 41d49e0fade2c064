/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Builds struct vd_task_config from the store; see task_config.h. */
#include "dialer/task_config.h"
#include "app/recall_json.h"
#include "app/res_json.h"
#include "core/rfc3339.h"
#include "store/store.h"
#include "util/tz.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* The first `say` of a script graph: the start block if it says something,
 * else the first say block; its "text" (TTS) or "audio_id" (an uploaded
 * WAV). Graph shape (DESIGN.md "The bot"): {"start": id, "blocks": {id:
 * {"type": "say", "text": ... | "audio_id": N, "next": id}}}. */
static bool says(const json_t *b)
{
	return json_is_string(json_object_get(b, "text")) || json_integer_value(json_object_get(b, "audio_id")) > 0;
}

static void first_say(const json_t *graph, struct vd_task_config *tc)
{
	const json_t *blocks = json_object_get(graph, "blocks");
	const char *start_id = json_string_value(json_object_get(graph, "start"));
	const json_t *b = start_id ? json_object_get(blocks, start_id) : NULL;
	if (!b || !says(b)) {
		const char *k;
		json_t *v;
		b = NULL;
		json_object_foreach((json_t *)blocks, k, v) {
			const char *type = json_string_value(json_object_get(v, "type"));
			if (type && (!strcmp(type, "say") || !strcmp(type, "ask")) && says(v)) {
				b = v;
				break;
			}
		}
	}
	if (!b) return;
	tc->prompt_audio_id = json_integer_value(json_object_get(b, "audio_id"));
	vd_json_copy_str(tc->prompt, sizeof tc->prompt, json_object_get(b, "text"));
}

int vd_task_config_load(struct vd_store *st, int64_t account_id, int64_t task_id, const char *body,
			int64_t now_s, struct vd_task_config *tc, char *err, size_t err_size)
{
	memset(tc, 0, sizeof *tc);
	tc->account_id = account_id;
	tc->task_id = task_id;
	json_t *task = json_loads(body, 0, NULL), *plan = NULL, *trunk = NULL, *group = NULL, *rs = NULL,
	       *script = NULL;
	int rc = -EINVAL;
	if (!task) {
		snprintf(err, err_size, "the task's settings are unreadable");
		goto out;
	}
	tc->cps_mcps = (int64_t)llround(json_number_value(json_object_get(task, "cps")) * 1000.0);
	if (tc->cps_mcps < 1) tc->cps_mcps = 1000;
	tc->ring_timeout_s = (uint32_t)json_integer_value(json_object_get(task, "ring_timeout_s"));
	if (!tc->ring_timeout_s) tc->ring_timeout_s = 30;
	tc->ineffective_s = (int32_t)json_integer_value(json_object_get(task, "ineffective_duration_s"));
	const json_t *start = json_object_get(task, "start");
	const char *at = json_string_value(json_object_get(start, "at"));
	if (at && vd_rfc3339_parse(at, &tc->start_at_ms) != 0) tc->start_at_ms = 0;

	/* calling window */
	const json_t *w = json_object_get(task, "window");
	if (json_is_object(w)) {
		int days[7], nd = 0;
		size_t i;
		json_t *e;
		json_array_foreach(json_object_get(w, "days"), i, e) if (nd < 7) days[nd++] = (int)json_integer_value(e);
		vd_json_copy_str(tc->tz, sizeof tc->tz, json_object_get(w, "timezone"));
		if (vd_window_init(&tc->window, json_string_value(json_object_get(w, "from")),
				   json_string_value(json_object_get(w, "to")), days, nd) != 0 ||
		    vd_tz_zone_build(tc->tz, now_s - 86400, now_s + 366 * 86400, &tc->zone) != 0) {
			snprintf(err, err_size, "the calling window is invalid");
			goto out;
		}
		tc->has_window = true;
	}

	/* recall rules */
	vd_recall_rules_init(&tc->rules);
	const json_t *recall = json_object_get(task, "recall");
	const char *rmode = json_string_value(json_object_get(recall, "mode"));
	const json_t *rules = NULL;
	if (rmode && !strcmp(rmode, "manual")) {
		rules = json_object_get(recall, "rules");
	} else if (rmode && !strcmp(rmode, "template")) {
		rs = vd_res_json(st, VD_KIND_RECALL_RULE_SET, account_id,
			      json_integer_value(json_object_get(recall, "rule_set_id")));
		rules = json_object_get(rs, "rules");
		if (!rs) {
			snprintf(err, err_size, "the recall rule set no longer exists");
			goto out;
		}
	}
	struct vd_verr verr = {0};
	if (rules && vd_recall_rules_from_json(rules, &tc->rules, &verr) != 0) {
		snprintf(err, err_size, "recall rules: %s: %s", verr.field, verr.message);
		goto out;
	}

	/* dial plan and trunk */
	plan = vd_res_json(st, VD_KIND_DIAL_PLAN, account_id, json_integer_value(json_object_get(task, "dial_plan_id")));
	trunk = plan ? vd_res_json(st, VD_KIND_TRUNK, account_id, json_integer_value(json_object_get(plan, "trunk_id"))) : NULL;
	if (!plan || !trunk) {
		snprintf(err, err_size, "the dial plan or its trunk no longer exists");
		goto out;
	}
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(plan, "allowed_patterns"), i, e) {
		if (tc->dp.nallowed >= VD_TC_MAX_PATTERNS) break;
		if (vd_pattern_compile(json_string_value(e), &tc->patterns[tc->dp.nallowed], NULL) == 0)
			tc->dp.nallowed++;
	}
	vd_json_copy_str(tc->prefix, sizeof tc->prefix, json_object_get(plan, "prefix"));
	tc->dp.prefix = tc->prefix;
	tc->dp.strip_digits = (int)json_integer_value(json_object_get(plan, "strip_digits"));
	tc->dp.allowed = tc->patterns;
	const json_t *tariff = json_object_get(plan, "tariff");
	tc->tariff.per_minute = llround(json_number_value(json_object_get(tariff, "per_minute")) * 100.0);
	tc->tariff.connect_fee = llround(json_number_value(json_object_get(tariff, "connect_fee")) * 100.0);
	tc->tariff.billing_step_s = (int32_t)json_integer_value(json_object_get(tariff, "billing_step_s"));
	tc->tariff.min_billable_s = (int32_t)json_integer_value(json_object_get(tariff, "min_billable_s"));
	if (tc->tariff.billing_step_s < 1) tc->tariff.billing_step_s = 60;
	vd_json_copy_str(tc->currency, sizeof tc->currency, json_object_get(tariff, "currency"));

	tc->trunk_id = json_integer_value(json_object_get(plan, "trunk_id"));
	vd_json_copy_str(tc->host, sizeof tc->host, json_object_get(trunk, "host"));
	vd_json_copy_str(tc->username, sizeof tc->username, json_object_get(trunk, "username"));
	vd_json_copy_str(tc->password, sizeof tc->password, json_object_get(trunk, "password"));
	vd_json_copy_str(tc->from_domain, sizeof tc->from_domain, json_object_get(trunk, "from_domain"));
	vd_json_copy_str(tc->trunk_default, sizeof tc->trunk_default, json_object_get(trunk, "default_caller_id"));
	tc->port = (uint16_t)json_integer_value(json_object_get(trunk, "port"));
	const char *tp = json_string_value(json_object_get(trunk, "transport"));
	tc->tcp = tp && !strcmp(tp, "tcp");
	tc->trunk_max_cps = (int32_t)json_integer_value(json_object_get(trunk, "max_cps"));
	tc->trunk_max_channels = (int32_t)json_integer_value(json_object_get(trunk, "max_channels"));

	/* caller ID */
	const json_t *cid = json_object_get(task, "caller_id");
	const char *cmode = json_string_value(json_object_get(cid, "mode"));
	tc->cid_mode = VD_CALLERID_DEFAULT;
	if (cmode && !strcmp(cmode, "number")) {
		tc->cid_mode = VD_CALLERID_NUMBER;
		vd_json_copy_str(tc->fixed, sizeof tc->fixed, json_object_get(cid, "number"));
	} else if (cmode && !strcmp(cmode, "group")) {
		tc->cid_mode = VD_CALLERID_GROUP;
		group = vd_res_json(st, VD_KIND_CALLERID_GROUP, account_id, json_integer_value(json_object_get(cid, "group_id")));
		json_array_foreach(json_object_get(group, "numbers"), i, e) {
			if (tc->nentries >= VD_TC_MAX_NUMBERS) break;
			vd_json_copy_str(tc->numbers[tc->nentries], sizeof tc->numbers[0], json_object_get(e, "number"));
			tc->entries[tc->nentries] = (struct vd_callerid_entry){
				.number = tc->numbers[tc->nentries],
				.trunk_id = json_integer_value(json_object_get(e, "trunk_id")),
			};
			tc->nentries++;
		}
	}
	struct vd_callerid_pool pool;
	vd_task_config_pool(tc, &pool);
	if (tc->cid_mode != VD_CALLERID_DEFAULT && vd_callerid_check(&pool) != 0) {
		snprintf(err, err_size, "the caller ID has no number on the dial plan's trunk");
		goto out;
	}

	script = vd_res_json(st, VD_KIND_SCRIPT, account_id, json_integer_value(json_object_get(task, "script_id")));
	first_say(json_object_get(script, "graph"), tc);
	rc = 0;
out:
	json_decref(task);
	json_decref(plan);
	json_decref(trunk);
	json_decref(group);
	json_decref(rs);
	json_decref(script);
	return rc;
}

void vd_task_config_pool(struct vd_task_config *tc, struct vd_callerid_pool *pool)
{
	memset(pool, 0, sizeof *pool);
	pool->mode = tc->cid_mode;
	pool->trunk_id = tc->trunk_id;
	pool->trunk_default = tc->trunk_default[0] ? tc->trunk_default : NULL;
	pool->fixed = tc->fixed[0] ? tc->fixed : NULL;
	pool->entries = tc->entries;
	pool->nentries = tc->nentries;
}
