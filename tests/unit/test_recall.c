/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Recall rules, table-driven with a fake clock. Each row is a rule set, a
 * sequence of attempt outcomes and what must happen: when each attempt
 * starts, for which condition, how the client ends and what was counted.
 * The first four rows are the user guide's examples
 * (shared/spec/000_68bbd152da28eb95.txt), then the cases they imply. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/recall.h"
#include "vtest.h"

struct rule_spec {
	int interval_s, attempts; /* attempts 0 = no rule */
};

struct row {
	const char *name;
	struct rule_spec busy, no_answer, machine, shortr, failure;
	int max_total;       /* 0 = default 20 */
	int duration_s;      /* every attempt lasts this long */
	int64_t end_s;       /* 0 = no end */
	const char *outcomes; /* comma-separated */
	const char *at_s;     /* expected start of every attempt, comma-separated */
	const char *recall_for; /* expected condition of every attempt, "-" for the first */
	const char *final;    /* outcome name, or "pending:<cond>@<at_s>" */
	const char *reason;   /* vd_recall_reason_name, "" when pending */
	int done_busy, done_short, done_no_answer;
};

static const struct row rows[] = {
	/* guide example 1: busy, 5 s, 3 attempts: three recalls 5 s apart after
	 * each busy end, then no more */
	{"guide 1: busy x3", .busy = {5, 3}, .outcomes = "busy,busy,busy,busy",
	 .at_s = "0,5,10,15", .recall_for = "-,busy,busy,busy", .final = "busy",
	 .reason = "attempts_exhausted", .done_busy = 3},
	/* guide example 2: the client answers on the first recall: the other two
	 * are not made */
	{"guide 2: answered on recall 1", .busy = {5, 3}, .outcomes = "busy,completed",
	 .at_s = "0,5", .recall_for = "-,busy", .final = "completed", .reason = "reached"},
	/* guide example 3: unavailable on the 3rd recall: the 3rd recall is
	 * repeated, the busy counter does not move */
	{"guide 3: unavailable repeats recall 3", .busy = {5, 3},
	 .outcomes = "busy,busy,busy,unavailable,busy", .at_s = "0,5,10,15,20",
	 .recall_for = "-,busy,busy,busy,busy", .final = "busy", .reason = "attempts_exhausted",
	 .done_busy = 3},
	/* guide example 4: busy + short; the 3rd busy recall ends short: one
	 * short attempt counted, busy stays at two, the 3rd busy recall repeats
	 * (after the short rule's interval) */
	{"guide 4: short on busy recall 3", .busy = {5, 3}, .shortr = {60, 1},
	 .outcomes = "busy,busy,busy,short", .at_s = "0,5,10,15",
	 .recall_for = "-,busy,busy,busy", .final = "pending:busy@75", .reason = "",
	 .done_busy = 2, .done_short = 1},
	{"guide 4 continued: the repeated 3rd recall is busy", .busy = {5, 3}, .shortr = {60, 1},
	 .outcomes = "busy,busy,busy,short,busy", .at_s = "0,5,10,15,75",
	 .recall_for = "-,busy,busy,busy,busy", .final = "busy",
	 .reason = "attempts_exhausted", .done_busy = 3, .done_short = 1},

	/* an answer ends it on any recall */
	{"answer on recall 3", .busy = {5, 3}, .outcomes = "busy,busy,busy,completed",
	 .at_s = "0,5,10,15", .recall_for = "-,busy,busy,busy", .final = "completed",
	 .reason = "reached", .done_busy = 2},
	{"answer on the first call", .busy = {5, 3}, .outcomes = "completed", .at_s = "0",
	 .recall_for = "-", .final = "completed", .reason = "reached"},
	{"answer after a side condition", .busy = {5, 3}, .shortr = {60, 2},
	 .outcomes = "busy,short,completed", .at_s = "0,5,65", .recall_for = "-,busy,busy",
	 .final = "completed", .reason = "reached", .done_short = 1},
	/* a side condition that runs out finishes the client with it */
	{"side condition runs out", .busy = {5, 3}, .shortr = {60, 1},
	 .outcomes = "busy,short,short", .at_s = "0,5,65", .recall_for = "-,busy,busy",
	 .final = "short", .reason = "side_rule_exhausted", .done_short = 2},
	{"side no_answer counted, busy kept", .busy = {5, 3}, .no_answer = {30, 2},
	 .outcomes = "busy,no_answer,busy,no_answer,no_answer", .at_s = "0,5,35,40,70",
	 .recall_for = "-,busy,busy,busy,busy", .final = "no_answer",
	 .reason = "side_rule_exhausted", .done_busy = 1, .done_no_answer = 3},
	/* a condition without a rule on the first call finishes the client */
	{"no rule on first call", .busy = {5, 3}, .outcomes = "no_answer", .at_s = "0",
	 .recall_for = "-", .final = "no_answer", .reason = "no_rule"},
	{"unavailable on first call", .busy = {5, 3}, .outcomes = "unavailable", .at_s = "0",
	 .recall_for = "-", .final = "unavailable", .reason = "no_rule"},
	{"empty rule set", .outcomes = "busy", .at_s = "0", .recall_for = "-", .final = "busy",
	 .reason = "no_rule"},
	/* a condition without a rule during recalls repeats without counting */
	{"machine without rule repeats busy recall", .busy = {5, 2},
	 .outcomes = "busy,machine,failure,busy,busy", .at_s = "0,5,10,15,20",
	 .recall_for = "-,busy,busy,busy,busy", .final = "busy", .reason = "attempts_exhausted",
	 .done_busy = 2},
	/* the first call's condition is what is owed */
	{"first call no_answer owes no_answer", .busy = {5, 3}, .no_answer = {600, 1},
	 .outcomes = "no_answer,busy,no_answer", .at_s = "0,600,605",
	 .recall_for = "-,no_answer,no_answer", .final = "no_answer",
	 .reason = "attempts_exhausted", .done_busy = 1, .done_no_answer = 1},
	{"one attempt rule", .busy = {5, 1}, .outcomes = "busy,busy", .at_s = "0,5",
	 .recall_for = "-,busy", .final = "busy", .reason = "attempts_exhausted", .done_busy = 1},
	{"interval 0", .busy = {0, 2}, .outcomes = "busy,busy,busy", .at_s = "0,0,0",
	 .recall_for = "-,busy,busy", .final = "busy", .reason = "attempts_exhausted",
	 .done_busy = 2},
	/* at_s counts from the end of the previous attempt */
	{"attempts last 30 s", .busy = {5, 3}, .duration_s = 30,
	 .outcomes = "busy,busy,busy,busy", .at_s = "0,35,70,105",
	 .recall_for = "-,busy,busy,busy", .final = "busy", .reason = "attempts_exhausted",
	 .done_busy = 3},
	{"pending", .busy = {5, 3}, .outcomes = "busy,busy", .at_s = "0,5",
	 .recall_for = "-,busy", .final = "pending:busy@10", .reason = "", .done_busy = 1},
	/* the total cap (default 20) stops endless repeats */
	{"total cap on uncounted repeats", .busy = {5, 3},
	 .outcomes = "busy,unavailable,unavailable,unavailable,unavailable,unavailable,"
		     "unavailable,unavailable,unavailable,unavailable,unavailable,unavailable,"
		     "unavailable,unavailable,unavailable,unavailable,unavailable,unavailable,"
		     "unavailable,unavailable",
	 .at_s = "0,5,10,15,20,25,30,35,40,45,50,55,60,65,70,75,80,85,90,95",
	 .recall_for = "-,busy,busy,busy,busy,busy,busy,busy,busy,busy,busy,busy,busy,busy,"
		       "busy,busy,busy,busy,busy,busy",
	 .final = "unavailable", .reason = "max_total_attempts"},
	{"explicit total cap", .busy = {5, 100}, .max_total = 3, .outcomes = "busy,busy,busy",
	 .at_s = "0,5,10", .recall_for = "-,busy,busy", .final = "busy",
	 .reason = "max_total_attempts", .done_busy = 2},
	/* no recall after the task ends */
	{"task ends", .busy = {5, 3}, .end_s = 12, .outcomes = "busy,busy,busy", .at_s = "0,5,10",
	 .recall_for = "-,busy,busy", .final = "busy", .reason = "task_ended", .done_busy = 2},
};

static void set_rule(struct vd_recall_rules *r, enum vd_outcome o, struct rule_spec s)
{
	if (!s.attempts) return;
	r->rule[o].enabled = true;
	r->rule[o].interval_s = s.interval_s;
	r->rule[o].attempts = s.attempts;
}

/* Splits a comma list into items[]; returns the count. */
static int split(const char *s, char items[][16], int max)
{
	int n = 0;
	while (*s && n < max) {
		size_t len = strcspn(s, ",");
		snprintf(items[n++], 16, "%.*s", (int)len, s);
		s += len + (s[len] == ',');
	}
	return n;
}

static void run_row(const struct row *row)
{
	struct vd_recall_rules r;
	vd_recall_rules_init(&r);
	set_rule(&r, VD_OUTCOME_BUSY, row->busy);
	set_rule(&r, VD_OUTCOME_NO_ANSWER, row->no_answer);
	set_rule(&r, VD_OUTCOME_MACHINE, row->machine);
	set_rule(&r, VD_OUTCOME_SHORT, row->shortr);
	set_rule(&r, VD_OUTCOME_FAILURE, row->failure);
	r.max_total_attempts = row->max_total;
	CHECK_INT(vd_recall_rules_check(&r), 0);

	char outs[64][16], ats[64][16], fors[64][16];
	int n = split(row->outcomes, outs, 64);
	CHECK_INT(split(row->at_s, ats, 64), n);
	CHECK_INT(split(row->recall_for, fors, 64), n);

	struct vd_recall_state st;
	vd_recall_state_init(&st);
	struct vd_recall_decision d = {0};
	int64_t at = 0;
	const char *for_ = "-";
	char got[64];
	for (int i = 0; i < n; i++) {
		if (d.finished) {
			fprintf(stderr, "%s: finished before outcome %d\n", row->name, i);
			CHECK(!d.finished);
			return;
		}
		snprintf(got, sizeof got, "%lld", (long long)at);
		if (strcmp(got, ats[i]) || strcmp(for_, fors[i]))
			fprintf(stderr, "row \"%s\", attempt %d:\n", row->name, i + 1);
		CHECK_STR(got, ats[i]);
		CHECK_STR(for_, fors[i]);
		enum vd_outcome o;
		CHECK_INT(vd_outcome_parse(outs[i], &o), 0);
		d = vd_recall_decide(&r, &st, o, at + row->duration_s,
				     row->end_s ? row->end_s : VD_RECALL_NO_END);
		if (!d.finished) {
			at = d.at_s;
			for_ = vd_outcome_name(d.recall_for);
		}
	}
	if (d.finished)
		snprintf(got, sizeof got, "%s", vd_outcome_name(d.outcome));
	else
		snprintf(got, sizeof got, "pending:%s@%lld", vd_outcome_name(d.recall_for),
			 (long long)d.at_s);
	if (strcmp(got, row->final)) fprintf(stderr, "row \"%s\":\n", row->name);
	CHECK_STR(got, row->final);
	CHECK_STR(vd_recall_reason_name(d.reason), row->reason);
	CHECK_INT(st.done[VD_OUTCOME_BUSY], row->done_busy);
	CHECK_INT(st.done[VD_OUTCOME_SHORT], row->done_short);
	CHECK_INT(st.done[VD_OUTCOME_NO_ANSWER], row->done_no_answer);
	CHECK_INT(st.attempts, n);
}

static void test_guide4_state_verbatim(void)
{
	/* "the counter of completed dialing attempts will change only for the If
	 * the call is short rule ... for the If Busy rule will remain unchanged" */
	struct vd_recall_rules r;
	vd_recall_rules_init(&r);
	r.rule[VD_OUTCOME_BUSY] = (struct vd_recall_rule){true, 5, 3};
	r.rule[VD_OUTCOME_SHORT] = (struct vd_recall_rule){true, 5, 3};
	r.short_max_duration_s = 10;
	struct vd_recall_state st;
	vd_recall_state_init(&st);
	vd_recall_decide(&r, &st, VD_OUTCOME_BUSY, 0, VD_RECALL_NO_END);
	vd_recall_decide(&r, &st, VD_OUTCOME_BUSY, 5, VD_RECALL_NO_END);
	vd_recall_decide(&r, &st, VD_OUTCOME_BUSY, 10, VD_RECALL_NO_END);
	CHECK_INT(st.done[VD_OUTCOME_BUSY], 2);
	struct vd_recall_decision d = vd_recall_decide(&r, &st, VD_OUTCOME_SHORT, 15,
						       VD_RECALL_NO_END);
	CHECK(!d.finished);
	CHECK(d.counted);
	CHECK_INT(d.counted_for, VD_OUTCOME_SHORT);
	CHECK_INT(d.recall_for, VD_OUTCOME_BUSY); /* the 3rd busy recall, again */
	CHECK_INT(d.at_s, 20);
	CHECK_INT(st.done[VD_OUTCOME_BUSY], 2);
	CHECK_INT(st.done[VD_OUTCOME_SHORT], 1);
	CHECK(st.has_owed);
	CHECK_INT(st.owed, VD_OUTCOME_BUSY);
}

static void test_special(void)
{
	struct vd_recall_rules r;
	vd_recall_rules_init(&r);
	r.rule[VD_OUTCOME_BUSY] = (struct vd_recall_rule){true, 5, 3};
	struct vd_recall_state st;
	vd_recall_state_init(&st);

	/* cancelled before dialing: finished, not an attempt */
	struct vd_recall_decision d = vd_recall_decide(&r, &st, VD_OUTCOME_CANCELLED, 0,
						       VD_RECALL_NO_END);
	CHECK(d.finished);
	CHECK_INT(d.outcome, VD_OUTCOME_CANCELLED);
	CHECK_STR(vd_recall_reason_name(d.reason), "cancelled");
	CHECK_INT(st.attempts, 0);

	/* a task cancelled while a recall is owed: end_s = now stops it */
	vd_recall_state_init(&st);
	d = vd_recall_decide(&r, &st, VD_OUTCOME_BUSY, 100, 100);
	CHECK(d.finished);
	CHECK_INT(d.reason, VD_RECALL_REASON_TASK_ENDED);
	CHECK_INT(d.outcome, VD_OUTCOME_BUSY);

	/* the owed rule was removed from the (template) set between attempts */
	vd_recall_state_init(&st);
	d = vd_recall_decide(&r, &st, VD_OUTCOME_BUSY, 0, VD_RECALL_NO_END);
	CHECK(!d.finished);
	struct vd_recall_rules edited;
	vd_recall_rules_init(&edited);
	edited.rule[VD_OUTCOME_NO_ANSWER] = (struct vd_recall_rule){true, 60, 2};
	d = vd_recall_decide(&edited, &st, VD_OUTCOME_BUSY, 5, VD_RECALL_NO_END);
	CHECK(d.finished);
	CHECK_INT(d.reason, VD_RECALL_REASON_NO_RULE);
	vd_recall_state_init(&st);
	vd_recall_decide(&r, &st, VD_OUTCOME_BUSY, 0, VD_RECALL_NO_END);
	d = vd_recall_decide(&edited, &st, VD_OUTCOME_NO_ANSWER, 5, VD_RECALL_NO_END);
	CHECK(!d.finished);
	CHECK_INT(d.recall_for, VD_OUTCOME_NO_ANSWER);
	CHECK_INT(d.at_s, 65);

	/* rules on outcomes that are not conditions are rejected */
	struct vd_recall_rules bad;
	vd_recall_rules_init(&bad);
	bad.rule[VD_OUTCOME_UNAVAILABLE] = (struct vd_recall_rule){true, 5, 1};
	CHECK_INT(vd_recall_rules_check(&bad), -EINVAL);
	vd_recall_rules_init(&bad);
	bad.rule[VD_OUTCOME_BUSY] = (struct vd_recall_rule){true, 5, 0};
	CHECK_INT(vd_recall_rules_check(&bad), -EINVAL);
	bad.rule[VD_OUTCOME_BUSY] = (struct vd_recall_rule){true, -1, 1};
	CHECK_INT(vd_recall_rules_check(&bad), -EINVAL);
	bad.rule[VD_OUTCOME_BUSY] = (struct vd_recall_rule){true, VD_RECALL_MAX_INTERVAL_S + 1, 1};
	CHECK_INT(vd_recall_rules_check(&bad), -EINVAL);
	bad.rule[VD_OUTCOME_BUSY] = (struct vd_recall_rule){true, 0, VD_RECALL_MAX_ATTEMPTS + 1};
	CHECK_INT(vd_recall_rules_check(&bad), -EINVAL);
	CHECK(vd_recall_is_condition(VD_OUTCOME_SHORT));
	CHECK(!vd_recall_is_condition(VD_OUTCOME_COMPLETED));
	CHECK(!vd_recall_is_condition(VD_OUTCOME_UNAVAILABLE));
}

int main(void)
{
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) run_row(&rows[i]);
	test_guide4_state_verbatim();
	test_special();
	return vt_done();
}
