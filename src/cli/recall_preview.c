/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* `voxdial recall-preview --rules FILE --outcomes o1,o2,... [--duration-s D]`:
 * shows what a recall rule set will do with a sequence of attempt outcomes,
 * as one JSON object on stdout (the same answer as POST
 * /api/v1/recall-rule-sets/preview). FILE holds the `rules` object of a
 * recall-rule set, or a whole rule set with a "rules" member. Errors go to
 * stderr as "voxdial: <field>: <message>" with exit code 2. */
#include "cli/cli.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/recall_json.h"
#include "app/verr.h"

static int fail(const char *field, const char *message)
{
	fprintf(stderr, "voxdial: %s: %s\n", field, message);
	return 2;
}

/* "busy, busy,completed" -> ["busy","busy","completed"]; empty items are kept
 * as "" so that the error names their position. */
static json_t *split_outcomes(const char *list)
{
	json_t *arr = json_array();
	if (!arr) return NULL;
	const char *p = list;
	for (;;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		while (len && (*p == ' ' || *p == '\t')) {
			p++;
			len--;
		}
		while (len && (p[len - 1] == ' ' || p[len - 1] == '\t')) len--;
		if (json_array_append_new(arr, json_stringn(p, len))) {
			json_decref(arr);
			return NULL;
		}
		if (!end) break;
		p = end + 1;
	}
	return arr;
}

int vd_cmd_recall_preview(int argc, char **argv)
{
	const char *rules_path = vd_cli_flag(argc, argv, "--rules", "VOXDIAL_RULES", NULL);
	const char *outcomes = vd_cli_flag(argc, argv, "--outcomes", "VOXDIAL_OUTCOMES", NULL);
	const char *dur = vd_cli_flag(argc, argv, "--duration-s", "VOXDIAL_DURATION_S", "0");
	if (!rules_path) return fail("--rules", "a rules JSON file is required");
	if (!outcomes || !*outcomes)
		return fail("--outcomes", "a comma-separated list of outcomes is required");

	char *end;
	errno = 0;
	long long d = strtoll(dur, &end, 10);
	if (errno || end == dur || *end || d < 0 || d > VD_RECALL_PREVIEW_MAX_DURATION_S)
		return fail("--duration-s", "must be an integer number of seconds, 0..86400");

	json_error_t jerr;
	json_t *file = json_load_file(rules_path, JSON_REJECT_DUPLICATES, &jerr);
	if (!file) {
		char msg[256];
		if (jerr.line > 0)
			snprintf(msg, sizeof msg, "%s:%d: %s", rules_path, jerr.line, jerr.text);
		else
			snprintf(msg, sizeof msg, "%s", jerr.text);
		return fail("--rules", msg);
	}
	int code = 2;
	json_t *rules = json_object_get(file, "rules");
	json_t *body = json_object();
	json_t *list = split_outcomes(outcomes);
	json_t *answer = NULL;
	if (!body || !list || json_object_set(body, "rules", json_is_object(rules) ? rules : file) ||
	    json_object_set(body, "outcomes", list) ||
	    json_object_set_new(body, "duration_s", json_integer(d))) {
		code = fail("recall-preview", "out of memory");
		goto out;
	}
	struct vd_verr verr = {{0}, {0}};
	int rc = vd_recall_preview_json(body, &answer, &verr);
	if (rc == -ENOMEM) {
		code = fail("recall-preview", "out of memory");
		goto out;
	}
	if (rc) {
		code = fail(verr.field, verr.message);
		goto out;
	}
	char *text = json_dumps(answer, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!text) {
		code = fail("recall-preview", "out of memory");
		goto out;
	}
	puts(text);
	free(text);
	code = fflush(stdout) ? 1 : 0;
out:
	json_decref(answer);
	json_decref(list);
	json_decref(body);
	json_decref(file);
	return code;
}
