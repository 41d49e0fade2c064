/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Script graph JSON -> struct vd_script. This file checks shapes and JSON
 * types (and refuses unknown fields of a block, so a typo such as "nxt" is
 * not silently a dead end); everything about meaning (links, reachability,
 * loops, variables, bounds) is vd_script_validate's, whose block/field
 * answer becomes the JSON path here. Accepted aliases, for graphs written by
 * the web editor's first sample: an ask's "timeout_s" (seconds) and
 * "timeout" (no_input), an answer's "match" (keywords), and "branches" as an
 * object mapping an answer (a DTMF key or keywords) to a block id. */
#include "app/script_json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PATH_MAX_LEN 200

struct rd {
	struct vd_script *g;
	struct vd_verr *err;
};

static int fail(struct rd *r, const char *path, const char *key, const char *msg)
{
	char field[PATH_MAX_LEN];
	if (key) snprintf(field, sizeof field, "%s.%s", path, key);
	else snprintf(field, sizeof field, "%s", path);
	vd_verr_set(r->err, field, "%s", msg);
	return -EINVAL;
}

static int dup_str(struct rd *r, const char *s, char **out)
{
	(void)r;
	char *c = strdup(s);
	if (!c) return -ENOMEM;
	free(*out);
	*out = c;
	return 0;
}

/* An optional string member: absent or null leaves *out alone. */
static int str_field(struct rd *r, const json_t *o, const char *path, const char *key, char **out)
{
	const json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v)) return 0;
	if (!json_is_string(v)) return fail(r, path, key, "must be a string");
	return dup_str(r, json_string_value(v), out);
}

static int link_field(struct rd *r, const json_t *o, const char *path, const char *key,
		      struct vd_script_link *l)
{
	const json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v)) return 0;
	if (!json_is_string(v)) return fail(r, path, key, "must be a block id (a string)");
	const char *s = json_string_value(v);
	if (strlen(s) > VD_SCRIPT_MAX_ID) return fail(r, path, key, "names no block: ids are at most 64 bytes");
	snprintf(l->id, sizeof l->id, "%s", s);
	return 0;
}

static int int_field(struct rd *r, const json_t *o, const char *path, const char *key,
		     json_int_t lo, json_int_t hi, int64_t *out)
{
	const json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v)) return 0;
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
		char msg[96];
		snprintf(msg, sizeof msg, "must be an integer between %lld and %lld", (long long)lo,
			 (long long)hi);
		return fail(r, path, key, msg);
	}
	*out = json_integer_value(v);
	return 0;
}

static int no_unknown(struct rd *r, const json_t *o, const char *path, const char *const *known)
{
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)o, key, v) {
		(void)v;
		bool ok = !strcmp(key, "type") || !strcmp(key, "comment");
		for (size_t i = 0; !ok && known[i]; i++) ok = !strcmp(key, known[i]);
		if (!ok) {
			char k[80];
			snprintf(k, sizeof k, "%.64s", key);
			return fail(r, path, k, "unknown field for this block type");
		}
	}
	return 0;
}

static int keywords(struct rd *r, const json_t *v, const char *path, struct vd_script_branch *br)
{
	if (json_is_string(v)) {
		br->keywords = calloc(1, sizeof *br->keywords);
		if (!br->keywords) return -ENOMEM;
		br->nkeywords = 1;
		return dup_str(r, json_string_value(v), &br->keywords[0]);
	}
	if (!json_is_array(v) || json_array_size(v) == 0)
		return fail(r, path, NULL, "must be a list of words or phrases");
	if (json_array_size(v) > VD_SCRIPT_MAX_KEYWORDS) return fail(r, path, NULL, "has more than 32 keywords");
	br->keywords = calloc(json_array_size(v), sizeof *br->keywords);
	if (!br->keywords) return -ENOMEM;
	size_t i;
	const json_t *k;
	json_array_foreach(v, i, k) {
		char p[PATH_MAX_LEN];
		snprintf(p, sizeof p, "%s[%zu]", path, i);
		if (!json_is_string(k)) return fail(r, p, NULL, "must be a string");
		int rc = dup_str(r, json_string_value(k), &br->keywords[i]);
		if (rc) return rc;
		br->nkeywords = i + 1;
	}
	return 0;
}

static int digits(struct rd *r, const json_t *v, const char *path, struct vd_script_branch *br)
{
	char buf[24];
	const char *s = buf;
	if (json_is_integer(v)) snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
	else if (json_is_string(v)) s = json_string_value(v);
	else return fail(r, path, NULL, "must be one DTMF key such as \"1\"");
	if (strlen(s) != 1) return fail(r, path, NULL, "must be one DTMF key: 0-9, *, #, A-D");
	br->digit = s[0];   /* vd_script_validate checks the key */
	return 0;
}

static int ask_answer(struct rd *r, const json_t *a, const char *path, struct vd_script_branch *br)
{
	static const char *const known[] = {"keywords", "match", "digits", "next", NULL};
	if (!json_is_object(a)) return fail(r, path, NULL, "must be an object with keywords or digits and next");
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)a, key, v) {
		bool ok = false;
		for (size_t i = 0; !ok && known[i]; i++) ok = !strcmp(key, known[i]);
		if (!ok) {
			char k[80];
			snprintf(k, sizeof k, "%.64s", key);
			return fail(r, path, k, "unknown field (keywords, digits, next)");
		}
	}
	const json_t *kw = json_object_get(a, "keywords"), *m = json_object_get(a, "match");
	if (kw && m) return fail(r, path, "match", "give either keywords or match (its older name)");
	if (!kw) kw = m;
	int rc = 0;
	char p[PATH_MAX_LEN];
	snprintf(p, sizeof p, "%s.%s", path, m ? "match" : "keywords");
	if (kw && !json_is_null(kw)) rc = keywords(r, kw, p, br);
	snprintf(p, sizeof p, "%s.digits", path);
	const json_t *d = json_object_get(a, "digits");
	if (!rc && d && !json_is_null(d)) rc = digits(r, d, p, br);
	if (!rc) rc = link_field(r, a, path, "next", &br->next);
	return rc;
}

static int ask_branches(struct rd *r, const json_t *v, const char *path, struct vd_script_block *b)
{
	char p[PATH_MAX_LEN];
	snprintf(p, sizeof p, "%s.branches", path);
	size_t n = json_is_array(v) ? json_array_size(v) : json_is_object(v) ? json_object_size(v) : 0;
	if (!json_is_array(v) && !json_is_object(v))
		return fail(r, p, NULL, "must be a list of answers [{\"keywords\": [...], \"next\": \"id\"}]");
	if (n > VD_SCRIPT_MAX_BRANCHES) return fail(r, p, NULL, "has more than 32 answers");
	if (n == 0) return 0;
	b->branches = calloc(n, sizeof *b->branches);
	if (!b->branches) return -ENOMEM;
	for (size_t i = 0; i < n; i++) b->branches[i].next.to = -1;
	if (json_is_array(v)) {
		size_t i;
		const json_t *a;
		json_array_foreach(v, i, a) {
			char pi[PATH_MAX_LEN];
			snprintf(pi, sizeof pi, "%s[%zu]", p, i);
			b->nbranches = i + 1;
			int rc = ask_answer(r, a, pi, &b->branches[i]);
			if (rc) return rc;
		}
		return 0;
	}
	/* {"yes": "agreed", "1": "agreed"}: a one-character DTMF key or keywords */
	const char *key;
	const json_t *to;
	json_object_foreach((json_t *)v, key, to) {
		struct vd_script_branch *br = &b->branches[b->nbranches++];
		char pk[PATH_MAX_LEN];
		snprintf(pk, sizeof pk, "%s.%.64s", p, key);
		if (!json_is_string(to)) return fail(r, pk, NULL, "must be a block id (a string)");
		if (strlen(json_string_value(to)) > VD_SCRIPT_MAX_ID) return fail(r, pk, NULL, "names no block");
		snprintf(br->next.id, sizeof br->next.id, "%s", json_string_value(to));
		bool key1 = strlen(key) == 1 && strchr("0123456789*#ABCD", key[0]);
		if (key1) {
			br->digit = key[0];
		} else {
			json_t *s = json_string(key);
			int rc = s ? keywords(r, s, pk, br) : -ENOMEM;
			json_decref(s);
			if (rc) return rc;
		}
	}
	return 0;
}

static int read_ask(struct rd *r, const json_t *o, const char *path, struct vd_script_block *b)
{
	static const char *const known[] = {"text", "audio_id", "timeout_ms", "timeout_s", "branches",
					    "no_input", "timeout", "no_match", "store_as", "max_retries", NULL};
	int rc = no_unknown(r, o, path, known);
	int64_t x = b->timeout_ms;
	if (!rc && json_object_get(o, "timeout_ms") && json_object_get(o, "timeout_s"))
		rc = fail(r, path, "timeout_s", "give either timeout_ms or timeout_s");
	if (!rc) rc = int_field(r, o, path, "timeout_ms", 0, 3600000, &x);
	const json_t *ts = json_object_get(o, "timeout_s");
	if (!rc && ts && !json_is_null(ts)) {
		if (!json_is_number(ts) || json_number_value(ts) < 0 || json_number_value(ts) > 3600)
			rc = fail(r, path, "timeout_s", "must be a number of seconds");
		else x = (int64_t)(json_number_value(ts) * 1000.0 + 0.5);
	}
	b->timeout_ms = (int32_t)x;
	x = 0;
	if (!rc) rc = int_field(r, o, path, "max_retries", 0, 1000, &x);
	b->max_retries = (int32_t)x;
	if (!rc && json_object_get(o, "no_input") && json_object_get(o, "timeout"))
		rc = fail(r, path, "timeout", "give either no_input or timeout (its older name)");
	if (!rc) rc = link_field(r, o, path, "no_input", &b->no_input);
	if (!rc) rc = link_field(r, o, path, "timeout", &b->no_input);
	if (!rc) rc = link_field(r, o, path, "no_match", &b->no_match);
	if (!rc) rc = str_field(r, o, path, "store_as", &b->store_as);
	const json_t *br = json_object_get(o, "branches");
	if (!rc && br && !json_is_null(br)) rc = ask_branches(r, br, path, b);
	return rc;
}

static int read_branch(struct rd *r, const json_t *o, const char *path, struct vd_script_block *b)
{
	static const char *const known[] = {"conditions", "else", NULL};
	static const char *const cknown[] = {"var", "op", "value", "next", NULL};
	int rc = no_unknown(r, o, path, known);
	if (!rc) rc = link_field(r, o, path, "else", &b->else_link);
	const json_t *cs = json_object_get(o, "conditions");
	if (rc || !cs || json_is_null(cs)) return rc;
	char p[PATH_MAX_LEN];
	snprintf(p, sizeof p, "%s.conditions", path);
	if (!json_is_array(cs)) return fail(r, p, NULL, "must be a list of {\"var\", \"op\", \"value\", \"next\"}");
	size_t n = json_array_size(cs);
	if (n > VD_SCRIPT_MAX_BRANCHES) return fail(r, p, NULL, "has more than 32 conditions");
	if (n == 0) return 0;
	b->branches = calloc(n, sizeof *b->branches);
	if (!b->branches) return -ENOMEM;
	size_t i;
	const json_t *c;
	json_array_foreach(cs, i, c) {
		char pi[PATH_MAX_LEN];
		snprintf(pi, sizeof pi, "%s[%zu]", p, i);
		struct vd_script_branch *br = &b->branches[i];
		br->next.to = -1;
		b->nbranches = i + 1;
		if (!json_is_object(c)) return fail(r, pi, NULL, "must be an object {\"var\", \"op\", \"value\", \"next\"}");
		const char *key;
		const json_t *v;
		json_object_foreach((json_t *)c, key, v) {
			bool ok = false;
			for (size_t k = 0; !ok && cknown[k]; k++) ok = !strcmp(key, cknown[k]);
			if (!ok) {
				char kk[80];
				snprintf(kk, sizeof kk, "%.64s", key);
				return fail(r, pi, kk, "unknown field (var, op, value, next)");
			}
		}
		if (!json_is_string(json_object_get(c, "var"))) return fail(r, pi, "var", "is required: a variable name");
		rc = dup_str(r, json_string_value(json_object_get(c, "var")), &br->var);
		const json_t *op = json_object_get(c, "op");
		br->op = VD_SCRIPT_OP_EQ;
		if (!rc && op && !json_is_null(op)) {
			bool found = false;
			for (int k = VD_SCRIPT_OP_EQ; json_is_string(op) && k <= VD_SCRIPT_OP_NOT_EMPTY; k++) {
				if (!strcmp(json_string_value(op), vd_script_op_name((enum vd_script_op)k))) {
					br->op = (enum vd_script_op)k;
					found = true;
				}
			}
			if (!found) rc = fail(r, pi, "op", "must be one of eq, ne, contains, empty, not_empty");
		}
		if (!rc) rc = str_field(r, c, pi, "value", &br->value);
		if (!rc) rc = link_field(r, c, pi, "next", &br->next);
		if (rc) return rc;
	}
	return 0;
}

static int read_forward(struct rd *r, const json_t *f, const char *path, struct vd_script_block *b)
{
	static const char *const known[] = {"type", "route_id", "dial_plan_id", "number", "variable",
					    "script_id", NULL};
	char p[PATH_MAX_LEN];
	snprintf(p, sizeof p, "%s.forward", path);
	if (!json_is_object(f)) return fail(r, p, NULL, "must be an object {\"type\", ...}");
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)f, key, v) {
		bool ok = false;
		for (size_t k = 0; !ok && known[k]; k++) ok = !strcmp(key, known[k]);
		if (!ok) {
			char kk[80];
			snprintf(kk, sizeof kk, "%.64s", key);
			return fail(r, p, kk, "unknown field (type, route_id, dial_plan_id, number, variable, script_id)");
		}
	}
	const json_t *t = json_object_get(f, "type");
	b->forward.type = VD_SCRIPT_FWD_TASK_DEFAULT;
	if (t && !json_is_null(t)) {
		bool found = false;
		for (int k = VD_SCRIPT_FWD_TASK_DEFAULT; json_is_string(t) && k <= VD_SCRIPT_FWD_SCRIPT; k++) {
			if (!strcmp(json_string_value(t), vd_script_fwd_name((enum vd_script_fwd)k))) {
				b->forward.type = (enum vd_script_fwd)k;
				found = true;
			}
		}
		if (!found) return fail(r, p, "type", "must be one of task_default, route, dial_plan, custom, script");
	}
	const json_int_t idmax = (json_int_t)1 << 53;
	int rc = int_field(r, f, p, "route_id", 1, idmax, &b->forward.route_id);
	if (!rc) rc = int_field(r, f, p, "dial_plan_id", 1, idmax, &b->forward.dial_plan_id);
	if (!rc) rc = int_field(r, f, p, "script_id", 1, idmax, &b->forward.script_id);
	if (!rc) rc = str_field(r, f, p, "number", &b->forward.number);
	if (!rc) rc = str_field(r, f, p, "variable", &b->forward.variable);
	return rc;
}

static int read_result(struct rd *r, const json_t *o, const char *path, struct vd_script_block *b)
{
	static const char *const known[] = {"label", "action", "forward", "fallback", NULL};
	int rc = no_unknown(r, o, path, known);
	if (rc) return rc;
	if (!json_is_string(json_object_get(o, "label")))
		return fail(r, path, "label", "is required: the result's name, such as \"agreed\"");
	rc = str_field(r, o, path, "label", &b->label);
	const json_t *a = json_object_get(o, "action");
	if (!rc && a && !json_is_null(a)) {
		if (json_is_string(a) && !strcmp(json_string_value(a), "transfer")) b->transfer = true;
		else if (!json_is_string(a) || strcmp(json_string_value(a), "hangup"))
			rc = fail(r, path, "action", "must be hangup or transfer");
	}
	const json_t *f = json_object_get(o, "forward");
	if (!rc && f && !json_is_null(f)) {
		if (!b->transfer) rc = fail(r, path, "forward", "is only used when the action is transfer");
		else rc = read_forward(r, f, path, b);
	}
	if (!rc) rc = link_field(r, o, path, "fallback", &b->fallback);
	return rc;
}

static int read_block(struct rd *r, const char *id, const json_t *o)
{
	char path[PATH_MAX_LEN];
	snprintf(path, sizeof path, "graph.blocks.%.64s", id);
	if (!json_is_object(o)) return fail(r, path, NULL, "must be an object with a \"type\"");
	const json_t *t = json_object_get(o, "type");
	enum vd_script_type type = 0;
	for (int k = VD_SCRIPT_SAY; json_is_string(t) && k <= VD_SCRIPT_RESULT; k++)
		if (!strcmp(json_string_value(t), vd_script_type_name((enum vd_script_type)k)))
			type = (enum vd_script_type)k;
	if (!type) return fail(r, path, "type", "must be one of say, ask, set, branch, result");
	struct vd_script_block *b;
	int rc = vd_script_add_block(r->g, id, type, &b);
	if (rc == -ENOMEM) return rc;
	if (rc == -E2BIG) return fail(r, "graph.blocks", NULL, "has more than 500 blocks");
	if (rc) return fail(r, path, NULL,
			    "the block id must be 1 to 64 bytes without '.', '[', ']' or control characters");
	switch (type) {
	case VD_SCRIPT_SAY: {
		static const char *const known[] = {"text", "audio_id", "next", NULL};
		rc = no_unknown(r, o, path, known);
		if (!rc) rc = link_field(r, o, path, "next", &b->next);
		break;
	}
	case VD_SCRIPT_ASK: rc = read_ask(r, o, path, b); break;
	case VD_SCRIPT_SET: {
		static const char *const known[] = {"var", "value", "next", NULL};
		rc = no_unknown(r, o, path, known);
		if (!rc && !json_is_string(json_object_get(o, "var")))
			rc = fail(r, path, "var", "is required: the variable to set");
		if (!rc && !json_is_string(json_object_get(o, "value")))
			rc = fail(r, path, "value", "is required: a string, may hold {{variables}}");
		if (!rc) rc = str_field(r, o, path, "var", &b->var);
		if (!rc) rc = str_field(r, o, path, "value", &b->value);
		if (!rc) rc = link_field(r, o, path, "next", &b->next);
		break;
	}
	case VD_SCRIPT_BRANCH: rc = read_branch(r, o, path, b); break;
	case VD_SCRIPT_RESULT: rc = read_result(r, o, path, b); break;
	}
	if (!rc && (type == VD_SCRIPT_SAY || type == VD_SCRIPT_ASK)) {
		rc = str_field(r, o, path, "text", &b->text);
		if (!rc) rc = int_field(r, o, path, "audio_id", 1, (json_int_t)1 << 53, &b->audio_id);
	}
	return rc;
}

int vd_script_from_json(const json_t *graph, const char *const *columns, size_t ncolumns,
			struct vd_script *out, struct vd_verr *err)
{
	struct vd_script g;
	vd_script_init(&g);
	struct rd r = {.g = &g, .err = err};
	int rc = 0;
	if (!json_is_object(graph)) {
		rc = fail(&r, "graph", NULL, "must be a JSON object {\"start\": id, \"blocks\": {...}}");
		goto out;
	}
	const json_t *blocks = json_object_get(graph, "blocks"), *start = json_object_get(graph, "start");
	if (json_is_array(blocks) && json_array_size(blocks) == 0) blocks = NULL;
	if (blocks && !json_is_null(blocks)) {
		if (!json_is_object(blocks)) {
			rc = fail(&r, "graph.blocks", NULL, "must be an object mapping block ids to blocks");
			goto out;
		}
		if (json_object_size(blocks) > VD_SCRIPT_MAX_BLOCKS) {
			rc = fail(&r, "graph.blocks", NULL, "has more than 500 blocks");
			goto out;
		}
		const char *id;
		const json_t *b;
		json_object_foreach((json_t *)blocks, id, b) {
			rc = read_block(&r, id, b);
			if (rc) goto out;
		}
	}
	if (start && !json_is_null(start)) {
		if (!json_is_string(start)) {
			rc = fail(&r, "graph.start", NULL, "must be the id of the first block");
			goto out;
		}
		if (strlen(json_string_value(start)) > VD_SCRIPT_MAX_ID) {
			rc = fail(&r, "graph.start", NULL, "names no block: ids are at most 64 bytes");
			goto out;
		}
		snprintf(g.start, sizeof g.start, "%s", json_string_value(start));
	}
	struct vd_script_err se;
	rc = vd_script_validate(&g, columns, ncolumns, &se);
	if (rc == -EINVAL) {
		char field[PATH_MAX_LEN];
		if (!se.block[0]) snprintf(field, sizeof field, "graph.%s", se.field);
		else if (!se.field[0]) snprintf(field, sizeof field, "graph.blocks.%s", se.block);
		else snprintf(field, sizeof field, "graph.blocks.%s.%s", se.block, se.field);
		vd_verr_set(err, field, "%s", se.message);
	}
out:
	if (rc) vd_script_reset(&g);
	else *out = g;
	return rc;
}

json_t *vd_script_vars_to_json(const struct vd_script_vars *v, bool collected_only)
{
	json_t *o = json_object();
	for (size_t i = 0; o && i < v->n; i++) {
		if (collected_only && !v->v[i].collected) continue;
		json_t *s = json_string(v->v[i].value);
		/* only an ASR answer that was not UTF-8 fails here: record the
		 * variable as empty rather than lose the whole record */
		if (!s) s = json_string("");
		if (!s || json_object_set_new(o, v->v[i].name, s)) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

int vd_script_vars_from_json(const json_t *obj, struct vd_script_vars *out)
{
	vd_script_vars_init(out);
	if (!json_is_object(obj)) return -EINVAL;
	int rc = 0;
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)obj, key, v) {
		char num[64];
		const char *s = NULL;
		if (json_is_string(v)) {
			s = json_string_value(v);
		} else if (json_is_integer(v)) {
			snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
			s = num;
		} else if (json_is_real(v)) {
			snprintf(num, sizeof num, "%.17g", json_real_value(v));
			s = num;
		} else if (json_is_boolean(v)) {
			s = json_is_true(v) ? "true" : "false";
		}
		if (!s) continue;   /* null, arrays and objects are not prompt text */
		int e = vd_script_vars_set(out, key, s, false);
		if (e) rc = -E2BIG;
	}
	return rc;
}
