/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The recall-rule JSON glue behind POST /api/v1/recall-rule-sets/preview and
 * `voxdial recall-preview`: validation errors name the field, and the
 * preview answer has the documented shape. */
#include <errno.h>
#include <stdlib.h>

#include "app/recall_json.h"
#include "vtest.h"

static void check_rules_error(const char *rules_text, const char *field)
{
	json_error_t je;
	json_t *rules = json_loads(rules_text, 0, &je);
	CHECK(rules != NULL);
	struct vd_recall_rules r;
	struct vd_verr err = {{0}, {0}};
	CHECK_INT(vd_recall_rules_from_json(rules, &r, &err), -EINVAL);
	if (strcmp(err.field, field)) fprintf(stderr, "rules %s:\n", rules_text);
	CHECK_STR(err.field, field);
	CHECK(err.message[0] != '\0');
	json_decref(rules);
}

/* Runs a preview and returns its compact JSON text (caller frees), or the
 * error field prefixed with "error:". */
static char *preview(const char *body_text)
{
	json_error_t je;
	json_t *body = json_loads(body_text, 0, &je), *out = NULL;
	CHECK(body != NULL);
	struct vd_verr err = {{0}, {0}};
	char *text;
	if (vd_recall_preview_json(body, &out, &err) == 0) {
		text = json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER);
	} else {
		size_t n = strlen(err.field) + 8;
		text = malloc(n);
		if (text) snprintf(text, n, "error:%s", err.field);
	}
	json_decref(out);
	json_decref(body);
	return text;
}

static void check_preview(const char *body, const char *want)
{
	char *got = preview(body);
	CHECK_STR(got, want);
	free(got);
}

int main(void)
{
	/* a full rule set parses and round-trips */
	json_error_t je;
	json_t *rules = json_loads("{\"busy\":{\"interval_s\":300,\"attempts\":3},"
				   "\"no_answer\":{\"interval_s\":600,\"attempts\":2},"
				   "\"machine\":null,"
				   "\"short\":{\"interval_s\":60,\"attempts\":1,\"max_duration_s\":5},"
				   "\"failure\":{\"interval_s\":0,\"attempts\":100}}", 0, &je);
	struct vd_recall_rules r;
	struct vd_verr err = {{0}, {0}};
	CHECK_INT(vd_recall_rules_from_json(rules, &r, &err), 0);
	CHECK(r.rule[VD_OUTCOME_BUSY].enabled);
	CHECK_INT(r.rule[VD_OUTCOME_BUSY].interval_s, 300);
	CHECK(!r.rule[VD_OUTCOME_MACHINE].enabled);
	CHECK_INT(r.short_max_duration_s, 5);
	CHECK_INT(vd_recall_rules_check(&r), 0);
	json_t *back = vd_recall_rules_to_json(&r);
	json_object_del(rules, "machine");
	CHECK(json_equal(back, rules));
	json_decref(back);
	json_decref(rules);

	check_rules_error("[]", "rules");
	check_rules_error("{\"busy\":{\"interval_s\":5}}", "rules.busy.attempts");
	check_rules_error("{\"busy\":{\"interval_s\":5,\"attempts\":0}}", "rules.busy.attempts");
	check_rules_error("{\"busy\":{\"interval_s\":5,\"attempts\":101}}", "rules.busy.attempts");
	check_rules_error("{\"busy\":{\"interval_s\":5,\"attempts\":\"3\"}}", "rules.busy.attempts");
	check_rules_error("{\"busy\":{\"interval_s\":-1,\"attempts\":3}}", "rules.busy.interval_s");
	check_rules_error("{\"busy\":{\"interval_s\":2592001,\"attempts\":3}}",
			  "rules.busy.interval_s");
	check_rules_error("{\"busy\":{\"interval_s\":5.5,\"attempts\":3}}", "rules.busy.interval_s");
	check_rules_error("{\"busy\":{\"interval_s\":5,\"attempts\":3,\"max_duration_s\":5}}",
			  "rules.busy.max_duration_s");
	check_rules_error("{\"short\":{\"interval_s\":5,\"attempts\":3}}",
			  "rules.short.max_duration_s");
	check_rules_error("{\"short\":{\"interval_s\":5,\"attempts\":3,\"max_duration_s\":3601}}",
			  "rules.short.max_duration_s");
	check_rules_error("{\"unavailable\":{\"interval_s\":5,\"attempts\":3}}", "rules.unavailable");
	check_rules_error("{\"bussy\":{\"interval_s\":5,\"attempts\":3}}", "rules.bussy");
	check_rules_error("{\"busy\":3}", "rules.busy");
	check_rules_error("{\"max_total_attempts\":0}", "rules.max_total_attempts");

	/* the guide's example 1, the exact shape */
	check_preview("{\"rules\":{\"busy\":{\"interval_s\":5,\"attempts\":3}},"
		      "\"outcomes\":[\"busy\",\"busy\",\"busy\",\"busy\"]}",
		      "{\"attempts\":[{\"n\":1,\"recall_for\":null,\"outcome\":\"busy\",\"at_s\":0},"
		      "{\"n\":2,\"recall_for\":\"busy\",\"outcome\":\"busy\",\"at_s\":5},"
		      "{\"n\":3,\"recall_for\":\"busy\",\"outcome\":\"busy\",\"at_s\":10},"
		      "{\"n\":4,\"recall_for\":\"busy\",\"outcome\":\"busy\",\"at_s\":15}],"
		      "\"counters\":{\"busy\":3},\"final\":\"busy\",\"reason\":\"attempts_exhausted\"}");
	/* pending, with a duration */
	check_preview("{\"rules\":{\"busy\":{\"interval_s\":5,\"attempts\":3}},"
		      "\"outcomes\":[\"busy\",\"busy\"],\"duration_s\":20}",
		      "{\"attempts\":[{\"n\":1,\"recall_for\":null,\"outcome\":\"busy\",\"at_s\":0},"
		      "{\"n\":2,\"recall_for\":\"busy\",\"outcome\":\"busy\",\"at_s\":25}],"
		      "\"counters\":{\"busy\":1},\"final\":\"pending\","
		      "\"next\":{\"recall_for\":\"busy\",\"at_s\":50}}");
	/* errors name the field */
	check_preview("{\"rules\":{\"busy\":{\"interval_s\":5,\"attempts\":1}},"
		      "\"outcomes\":[\"busy\",\"busy\",\"busy\"]}", "error:outcomes[2]");
	check_preview("{\"rules\":{},\"outcomes\":[\"busy\",\"engaged\"]}", "error:outcomes[1]");
	check_preview("{\"rules\":{},\"outcomes\":[\"cancelled\"]}", "error:outcomes[0]");
	check_preview("{\"rules\":{},\"outcomes\":[1]}", "error:outcomes[0]");
	check_preview("{\"rules\":{},\"outcomes\":[]}", "error:outcomes");
	check_preview("{\"rules\":{}}", "error:outcomes");
	check_preview("{\"outcomes\":[\"busy\"]}", "error:rules");
	check_preview("{\"rules\":{\"busy\":{\"attempts\":1}},\"outcomes\":[\"busy\"]}",
		      "error:rules.busy.interval_s");
	check_preview("{\"rules\":{},\"outcomes\":[\"busy\"],\"duration_s\":-1}", "error:duration_s");
	check_preview("{\"rules\":{},\"outcomes\":[\"busy\"],\"duration_s\":\"5\"}",
		      "error:duration_s");
	check_preview("[]", "error:body");
	return vt_done();
}
