/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Where a bot's transfer goes; see transfer.h. DESIGN.md "Transfer": a
 * number goes through the most specific route whose pattern matches it,
 * its trunks tried in order; a dial-plan forward goes through that plan's
 * rewrite and trunk. */
#include "dialer/transfer.h"
#include "app/res_json.h"
#include "core/dialplan.h"
#include "core/pattern.h"
#include "core/script.h"
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ROUTES 512

/* A target on trunk `trunk_id` dialing `number`; false when the trunk is
 * gone. */
static bool target(struct vd_store *st, int64_t account_id, int64_t trunk_id, const char *number,
		   struct vd_tel_target *t)
{
	json_t *tr = vd_res_json(st, VD_KIND_TRUNK, account_id, trunk_id);
	if (!tr) return false;
	memset(t, 0, sizeof *t);
	vd_json_copy_str(t->host, sizeof t->host, json_object_get(tr, "host"));
	t->port = (uint16_t)json_integer_value(json_object_get(tr, "port"));
	if (!t->port) t->port = 5060;
	const char *tp = json_string_value(json_object_get(tr, "transport"));
	t->tcp = tp && !strcmp(tp, "tcp");
	vd_json_copy_str(t->username, sizeof t->username, json_object_get(tr, "username"));
	vd_json_copy_str(t->password, sizeof t->password, json_object_get(tr, "password"));
	vd_json_copy_str(t->from_domain, sizeof t->from_domain, json_object_get(tr, "from_domain"));
	snprintf(t->dial_string, sizeof t->dial_string, "%s", number);
	t->ring_timeout_s = 30;
	json_decref(tr);
	return true;
}

/* The route's trunks, in order, as targets dialing `number`. */
static void route_targets(struct vd_store *st, int64_t account_id, const json_t *route, const char *number,
			  struct vd_tel_target *out, size_t max, size_t *n)
{
	size_t i;
	json_t *id;
	json_array_foreach(json_object_get(route, "trunk_ids"), i, id) {
		if (*n >= max) break;
		if (target(st, account_id, json_integer_value(id), number, &out[*n])) (*n)++;
	}
}

struct routes {
	json_t *bodies[MAX_ROUTES];
	struct vd_pattern pats[MAX_ROUTES];
	size_t n;
};

static int route_cb(void *arg, const struct vd_res *r)
{
	struct routes *rs = arg;
	if (rs->n >= MAX_ROUTES) return 1;
	json_t *j = json_loads(r->body, 0, NULL);
	if (!j) return 0;
	if (vd_pattern_compile(json_string_value(json_object_get(j, "pattern")), &rs->pats[rs->n], NULL) != 0) {
		json_decref(j);
		return 0;
	}
	rs->bodies[rs->n++] = j;
	return 0;
}

/* The most specific route matching `number`, its trunks as targets. */
static int best_route(struct vd_store *st, int64_t account_id, const char *number, struct vd_tel_target *out,
		      size_t max, size_t *n)
{
	struct routes *rs = calloc(1, sizeof *rs);
	if (!rs) return -ENOMEM;
	struct vd_res_query q = {.page = 1, .per_page = MAX_ROUTES};
	int64_t total = 0;
	int err = vd_store_res_list(st, VD_KIND_ROUTE, account_id, &q, route_cb, rs, &total);
	size_t best;
	if (!err) err = vd_pattern_best(rs->pats, rs->n, number, &best);
	if (!err) route_targets(st, account_id, rs->bodies[best], number, out, max, n);
	for (size_t i = 0; i < rs->n; i++) json_decref(rs->bodies[i]);
	free(rs);
	return err;
}

int vd_transfer_resolve(struct vd_store *st, int64_t account_id, const json_t *redirect,
			const struct vd_tel_xfer *x, struct vd_tel_target *out, size_t max, size_t *n)
{
	*n = 0;
	int type = x->type;
	int64_t route_id = x->route_id, dial_plan_id = x->dial_plan_id;
	char number[sizeof x->number];
	snprintf(number, sizeof number, "%s", x->number);
	if (type == VD_SCRIPT_FWD_TASK_DEFAULT) {
		/* The task's default redirect (hangup and script never get here:
		 * the bot handles them). */
		const char *rt = json_string_value(json_object_get(redirect, "type"));
		if (!rt) return -ENOENT;
		if (!strcmp(rt, "route")) type = VD_SCRIPT_FWD_ROUTE;
		else if (!strcmp(rt, "dial_plan")) type = VD_SCRIPT_FWD_DIAL_PLAN;
		else if (!strcmp(rt, "custom")) type = VD_SCRIPT_FWD_CUSTOM;
		else return -ENOENT;
		route_id = json_integer_value(json_object_get(redirect, "route_id"));
		dial_plan_id = json_integer_value(json_object_get(redirect, "dial_plan_id"));
		if (!number[0]) vd_json_copy_str(number, sizeof number, json_object_get(redirect, "number"));
	}
	if (type == VD_SCRIPT_FWD_DIAL_PLAN) {
		json_t *plan = vd_res_json(st, VD_KIND_DIAL_PLAN, account_id, dial_plan_id);
		if (!plan || !number[0]) {
			json_decref(plan);
			return -ENOENT;
		}
		struct vd_pattern pats[64];
		struct vd_dialplan dp = {.allowed = pats};
		size_t i;
		json_t *e;
		json_array_foreach(json_object_get(plan, "allowed_patterns"), i, e) {
			if (dp.nallowed >= 64) break;
			if (vd_pattern_compile(json_string_value(e), &pats[dp.nallowed], NULL) == 0) dp.nallowed++;
		}
		char prefix[VD_DIALPLAN_MAX_PREFIX + 1];
		vd_json_copy_str(prefix, sizeof prefix, json_object_get(plan, "prefix"));
		dp.prefix = prefix;
		dp.strip_digits = (int)json_integer_value(json_object_get(plan, "strip_digits"));
		char dial[VD_DIALPLAN_MAX_NUMBER];
		int err = vd_dialplan_rewrite(&dp, number, dial, sizeof dial);
		if (!err && max && target(st, account_id, json_integer_value(json_object_get(plan, "trunk_id")), dial, &out[0]))
			*n = 1;
		json_decref(plan);
		return err ? err : *n ? 0 : -ENOENT;
	}
	if (type == VD_SCRIPT_FWD_ROUTE && route_id) {
		json_t *route = vd_res_json(st, VD_KIND_ROUTE, account_id, route_id);
		if (!route) return -ENOENT;
		if (!number[0]) {
			/* A route whose pattern is one plain number (no _ pattern)
			 * dials that number. */
			const char *pat = json_string_value(json_object_get(route, "pattern"));
			if (pat && pat[0] != '_') snprintf(number, sizeof number, "%s", pat);
		}
		if (number[0]) route_targets(st, account_id, route, number, out, max, n);
		json_decref(route);
		return *n ? 0 : -ENOENT;
	}
	if (!number[0]) return -ENOENT;
	int err = best_route(st, account_id, number, out, max, n);
	return err ? err : *n ? 0 : -ENOENT;
}
