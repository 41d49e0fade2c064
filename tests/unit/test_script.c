/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The script engine (src/core/script.c) and its JSON glue: every block type,
 * whole conversations as transcripts (event in -> action out), {{variable}}
 * substitution, Cyrillic keywords, and each validation error with the JSON
 * path of the block and field at fault. Graphs are written as JSON, the way
 * users write them. */
#include <errno.h>
#include <stdlib.h>

#include "app/script_json.h"
#include "core/script.h"
#include "vtest.h"

/* Builds a graph from JSON text; NULL (and a failed check) if it is refused. */
static struct vd_script *load(const char *text, const char *const *columns, size_t ncolumns)
{
	json_error_t je;
	json_t *j = json_loads(text, 0, &je);
	if (!j) {
		fprintf(stderr, "bad JSON in test: %s: %s\n", je.text, text);
		CHECK(j != NULL);
		return NULL;
	}
	struct vd_script *g = malloc(sizeof *g);
	struct vd_verr err = {{0}, {0}};
	int rc = g ? vd_script_from_json(j, columns, ncolumns, g, &err) : -ENOMEM;
	json_decref(j);
	if (rc) {
		fprintf(stderr, "refused: %s: %s\n  %s\n", err.field, err.message, text);
		free(g);
		CHECK_INT(rc, 0);
		return NULL;
	}
	return g;
}

static void unload(struct vd_script *g)
{
	if (!g) return;
	vd_script_reset(g);
	free(g);
}

/* ---- conversations: a transcript of events and the actions they give ---- */

/* One step: the event (the first step's is ignored: it is run_start), then
 * what the bot must do. Action text is "say:<text>", "say-audio:<id>",
 * "listen:<timeout_ms>", "transfer:<fwd>:<number>:<label>", "hangup:<label>",
 * "none". Events: "done", "speech:<text>", "dtmf:<key>", "timeout",
 * "xfer-failed", "hangup", "start". */
struct step {
	const char *event;
	const char *want;
};

static void describe(const struct vd_script_action *a, char *out, size_t size)
{
	switch (a->kind) {
	case VD_SCRIPT_ACT_SAY:
		if (a->audio_id) snprintf(out, size, "say-audio:%lld", (long long)a->audio_id);
		else snprintf(out, size, "say:%s", a->text);
		break;
	case VD_SCRIPT_ACT_LISTEN: snprintf(out, size, "listen:%d", (int)a->timeout_ms); break;
	case VD_SCRIPT_ACT_TRANSFER:
		snprintf(out, size, "transfer:%s:%s:%s", vd_script_fwd_name(a->forward->type), a->number, a->label);
		break;
	case VD_SCRIPT_ACT_HANGUP: snprintf(out, size, "hangup:%s", a->label); break;
	default: snprintf(out, size, "none"); break;
	}
}

static struct vd_script_event parse_event(const char *e)
{
	struct vd_script_event ev = {0};
	if (!strcmp(e, "done")) ev.kind = VD_SCRIPT_EV_PROMPT_DONE;
	else if (!strncmp(e, "speech:", 7)) ev.kind = VD_SCRIPT_EV_SPEECH_FINAL, ev.text = e + 7;
	else if (!strncmp(e, "dtmf:", 5)) ev.kind = VD_SCRIPT_EV_DTMF, ev.digit = e[5];
	else if (!strcmp(e, "timeout")) ev.kind = VD_SCRIPT_EV_TIMEOUT;
	else if (!strcmp(e, "xfer-failed")) ev.kind = VD_SCRIPT_EV_TRANSFER_FAILED;
	else if (!strcmp(e, "hangup")) ev.kind = VD_SCRIPT_EV_HANGUP;
	return ev;
}

static struct vd_script_run run;   /* ~40 KB: not on the stack */
static struct vd_script_action act;

static void converse(const char *name, const struct vd_script *g, const struct vd_script_vars *vars,
		     const struct step *steps)
{
	char got[VD_SCRIPT_MAX_SAY + 64];
	for (size_t i = 0; steps[i].event; i++) {
		int rc;
		if (i == 0) {
			rc = vd_script_run_start(&run, g, vars, &act);
		} else {
			struct vd_script_event ev = parse_event(steps[i].event);
			rc = vd_script_on_event(&run, &ev, &act);
		}
		CHECK_INT(rc, 0);
		describe(&act, got, sizeof got);
		if (strcmp(got, steps[i].want))
			fprintf(stderr, "conversation \"%s\", step %zu (%s):\n", name, i, steps[i].event);
		CHECK_STR(got, steps[i].want);
	}
}

static const char *const survey =
	"{\"start\": \"hello\", \"blocks\": {"
	" \"hello\": {\"type\": \"say\", \"text\": \"Hello {{name}}!\", \"next\": \"ask\"},"
	" \"ask\": {\"type\": \"ask\", \"text\": \"Shall I put you through?\", \"timeout_ms\": 4000,"
	"   \"max_retries\": 2, \"store_as\": \"answer\","
	"   \"branches\": [{\"keywords\": [\"yes\", \"да\", \"of course\"], \"next\": \"agreed\"},"
	"                {\"keywords\": [\"no\", \"нет\"], \"next\": \"declined\"},"
	"                {\"digits\": \"1\", \"next\": \"agreed\"},"
	"                {\"digits\": \"2\", \"next\": \"declined\"}],"
	"   \"no_input\": \"silent\", \"no_match\": \"declined\"},"
	" \"agreed\": {\"type\": \"result\", \"label\": \"agreed\", \"action\": \"transfer\","
	"   \"forward\": {\"type\": \"route\", \"number\": \"100\"}, \"fallback\": \"sorry\"},"
	" \"sorry\": {\"type\": \"say\", \"text\": \"Operators are busy, we will call back.\", \"next\": \"busy\"},"
	" \"busy\": {\"type\": \"result\", \"label\": \"operator_busy\"},"
	" \"declined\": {\"type\": \"result\", \"label\": \"declined\", \"action\": \"hangup\"},"
	" \"silent\": {\"type\": \"result\", \"label\": \"no_answer\"}"
	"}}";

static void test_conversations(void)
{
	struct vd_script *g = load(survey, NULL, 0);
	if (!g) return;
	struct vd_script_vars vars;
	vd_script_vars_init(&vars);
	CHECK_INT(vd_script_vars_set(&vars, "name", "Анна", false), 0);

	static const struct step yes[] = {
		{"start", "say:Hello Анна!"},
		{"done", "say:Shall I put you through?"},
		{"done", "listen:4000"},
		{"speech:Yes, please", "transfer:route:100:agreed"},
		{NULL, NULL},
	};
	converse("yes -> transfer", g, &vars, yes);
	CHECK_STR(vd_script_vars_get(&run.vars, "answer"), "Yes, please");
	CHECK(!vd_script_run_done(&run));

	static const struct step no[] = {
		{"start", "say:Hello Анна!"},
		{"done", "say:Shall I put you through?"},
		{"done", "listen:4000"},
		{"speech:нет, спасибо", "hangup:declined"},
		{NULL, NULL},
	};
	converse("no -> hangup with label", g, &vars, no);
	CHECK(vd_script_run_done(&run));

	static const struct step dtmf[] = {
		{"start", "say:Hello Анна!"},
		{"done", "say:Shall I put you through?"},
		{"dtmf:1", "transfer:route:100:agreed"},   /* a key during the prompt: barge-in */
		{NULL, NULL},
	};
	converse("DTMF choice", g, &vars, dtmf);
	CHECK_STR(vd_script_vars_get(&run.vars, "answer"), "1");

	static const struct step retries[] = {
		{"start", "say:Hello Анна!"},
		{"done", "say:Shall I put you through?"},
		{"done", "listen:4000"},
		{"timeout", "say:Shall I put you through?"},  /* retry 1 */
		{"timeout", "none"},                          /* a timeout while prompting: ignored */
		{"done", "listen:4000"},
		{"speech:   ...  ", "say:Shall I put you through?"}, /* no words: no input, retry 2 */
		{"done", "listen:4000"},
		{"timeout", "hangup:no_answer"},              /* retries spent: no_input */
		{"done", "none"},
		{NULL, NULL},
	};
	converse("no input: retries then no_input", g, &vars, retries);
	CHECK_STR(vd_script_vars_get(&run.vars, "answer"), "");

	static const struct step nomatch[] = {
		{"start", "say:Hello Анна!"},
		{"done", "say:Shall I put you through?"},
		{"done", "listen:4000"},
		{"speech:maybe later", "say:Shall I put you through?"},
		{"done", "listen:4000"},
		{"dtmf:9", "say:Shall I put you through?"},
		{"done", "listen:4000"},
		{"speech:I don't know", "hangup:declined"},
		{NULL, NULL},
	};
	converse("no match: retries then no_match", g, &vars, nomatch);

	static const struct step xfail[] = {
		{"start", "say:Hello Анна!"},
		{"done", "say:Shall I put you through?"},
		{"done", "listen:4000"},
		{"speech:ДА", "transfer:route:100:agreed"},
		{"timeout", "none"},
		{"xfer-failed", "say:Operators are busy, we will call back."},
		{"done", "hangup:operator_busy"},
		{NULL, NULL},
	};
	converse("transfer failure -> fallback", g, &vars, xfail);

	static const struct step hang[] = {
		{"start", "say:Hello Анна!"},
		{"hangup", "none"},
		{"done", "none"},
		{NULL, NULL},
	};
	converse("the callee hangs up", g, &vars, hang);
	CHECK(vd_script_run_done(&run));
	CHECK(run.label[0] == '\0');

	/* the collected variables, as the call record gets them */
	converse("yes -> transfer", g, &vars, yes);
	json_t *collected = vd_script_vars_to_json(&run.vars, true);
	char *text = json_dumps(collected, JSON_COMPACT | JSON_SORT_KEYS);
	CHECK_STR(text, "{\"answer\":\"Yes, please\"}");
	free(text);
	json_decref(collected);
	json_t *all = vd_script_vars_to_json(&run.vars, false);
	text = json_dumps(all, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	CHECK_STR(text, "{\"answer\":\"Yes, please\",\"name\":\"\\u0410\\u043D\\u043D\\u0430\"}");
	free(text);
	json_decref(all);
	unload(g);
}

static void test_set_branch(void)
{
	const char *text =
		"{\"start\": \"s1\", \"blocks\": {"
		" \"s1\": {\"type\": \"set\", \"var\": \"greeting\", \"value\": \"Dear {{name}}\", \"next\": \"b\"},"
		" \"b\": {\"type\": \"branch\", \"conditions\": ["
		"    {\"var\": \"debt\", \"op\": \"empty\", \"next\": \"nodebt\"},"
		"    {\"var\": \"tier\", \"op\": \"eq\", \"value\": \"GOLD\", \"next\": \"vip\"},"
		"    {\"var\": \"tier\", \"op\": \"contains\", \"value\": \"silver\", \"next\": \"silver\"},"
		"    {\"var\": \"tier\", \"op\": \"ne\", \"value\": \"{{greeting}}\", \"next\": \"plain\"}],"
		"  \"else\": \"other\"},"
		" \"nodebt\": {\"type\": \"result\", \"label\": \"no_debt\"},"
		" \"vip\": {\"type\": \"say\", \"text\": \"{{greeting}}, our gold client\"},"
		" \"silver\": {\"type\": \"say\", \"audio_id\": 7},"
		" \"plain\": {\"type\": \"ask\", \"text\": \"{{greeting}}, you owe {{debt}}\","
		"   \"branches\": {\"yes\": \"paid\", \"3\": \"paid\"}, \"no_match\": \"other\"},"
		" \"paid\": {\"type\": \"result\", \"label\": \"paid {{debt}}\"},"
		" \"other\": {\"type\": \"result\", \"label\": \"other\"}"
		"}}";
	static const char *const columns[] = {"name", "debt", "tier"};
	struct vd_script *g = load(text, columns, 3);
	if (!g) return;
	static const struct {
		const char *debt, *tier, *want, *then_event, *then_want;
	} rows[] = {
		{"", "gold", "hangup:no_debt", NULL, NULL},
		{"100", "Gold", "say:Dear Ivan, our gold client", "done", "hangup:"},
		{"100", "basic silver plus", "say-audio:7", "done", "hangup:"},
		{"100", "basic", "say:Dear Ivan, you owe 100", "dtmf:3", "hangup:paid 100"},
		{"100", "Dear IVAN", "hangup:other", NULL, NULL},   /* ne is case-blind: equal */
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct vd_script_vars vars;
		vd_script_vars_init(&vars);
		vd_script_vars_set(&vars, "name", "Ivan", false);
		vd_script_vars_set(&vars, "debt", rows[i].debt, false);
		vd_script_vars_set(&vars, "tier", rows[i].tier, false);
		struct step steps[] = {{"start", rows[i].want}, {rows[i].then_event, rows[i].then_want}, {NULL, NULL}};
		converse(rows[i].tier, g, &vars, steps);
	}
	CHECK_STR(vd_script_vars_get(&run.vars, "greeting"), "Dear Ivan");
	CHECK(run.vars.v[3].collected);   /* greeting: set by the script */
	CHECK(!run.vars.v[0].collected);  /* name: a client column */
	unload(g);
}

static void test_forwards(void)
{
	static const struct {
		const char *forward, *want;
	} rows[] = {
		{"{}", "transfer:task_default::ok"},
		{"{\"type\": \"route\", \"route_id\": 3}", "transfer:route::ok"},
		{"{\"type\": \"dial_plan\", \"dial_plan_id\": 2, \"number\": \"+7495{{ext}}\"}",
		 "transfer:dial_plan:+7495123:ok"},
		{"{\"type\": \"custom\", \"number\": \"{{manager_phone}}\"}", "transfer:custom:+79991112233:ok"},
		{"{\"type\": \"custom\", \"variable\": \"manager_phone\"}", "transfer:custom:+79991112233:ok"},
		{"{\"type\": \"custom\", \"variable\": \"nobody\"}", "transfer:custom::ok"},
		{"{\"type\": \"script\", \"script_id\": 9}", "transfer:script::ok"},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char text[512];
		snprintf(text, sizeof text,
			 "{\"start\": \"r\", \"blocks\": {\"r\": {\"type\": \"result\", \"label\": \"ok\","
			 " \"action\": \"transfer\", \"forward\": %s}}}", rows[i].forward);
		struct vd_script *g = load(text, NULL, 0);
		if (!g) continue;
		struct vd_script_vars vars;
		vd_script_vars_init(&vars);
		vd_script_vars_set(&vars, "ext", "123", false);
		vd_script_vars_set(&vars, "manager_phone", "+79991112233", false);
		struct step steps[] = {{"start", rows[i].want}, {"xfer-failed", "hangup:ok"}, {NULL, NULL}};
		converse(rows[i].forward, g, &vars, steps);
		if (i == 5) CHECK_STR(act.missing.name[0], "");  /* hangup action: fresh */
		unload(g);
	}
	/* the missing variable of a custom transfer is reported */
	struct vd_script *g = load("{\"start\": \"r\", \"blocks\": {\"r\": {\"type\": \"result\", \"label\": \"x\","
				   " \"action\": \"transfer\", \"forward\": {\"type\": \"custom\", \"variable\": \"mp\"}}}}",
				   NULL, 0);
	if (g) {
		CHECK_INT(vd_script_run_start(&run, g, NULL, &act), 0);
		CHECK_INT(act.kind, VD_SCRIPT_ACT_TRANSFER);
		CHECK_INT(act.missing.n, 1);
		CHECK_STR(act.missing.name[0], "mp");
		unload(g);
	}
	/* another script in the same call keeps the collected variables */
	struct vd_script *a = load("{\"start\": \"q\", \"blocks\": {"
				   "\"q\": {\"type\": \"ask\", \"store_as\": \"city\", \"no_match\": \"r\", \"no_input\": \"r\"},"
				   "\"r\": {\"type\": \"result\", \"label\": \"next\", \"action\": \"transfer\","
				   " \"forward\": {\"type\": \"script\", \"script_id\": 2}}}}", NULL, 0);
	struct vd_script *b = load("{\"start\": \"s\", \"blocks\": {\"s\": {\"type\": \"say\", \"text\": \"So, {{city}}\"}}}",
				   NULL, 0);
	if (a && b) {
		static const struct step steps[] = {
			{"start", "listen:5000"},   /* an ask without a prompt listens at once */
			{"speech:Moscow", "transfer:script::next"},
			{NULL, NULL},
		};
		converse("ask without prompt", a, NULL, steps);
		CHECK_INT(vd_script_run_switch(&run, b, &act), 0);
		char got[128];
		describe(&act, got, sizeof got);
		CHECK_STR(got, "say:So, Moscow");
	}
	unload(a);
	unload(b);
}

static void test_empty_and_compat(void)
{
	/* what the API tests and the web editor's sample store */
	static const char *const ok[] = {
		"{}",
		"{\"blocks\": []}",
		"{\"blocks\": {}}",
		"{\"say\": \"{{name}}\"}",
		"{\"start\": \"a\", \"blocks\": {\"a\": {\"type\": \"say\", \"text\": \"Hello {{name}}\"}}}",
		"{\"start\": \"hello\", \"blocks\": {"
		" \"hello\": {\"type\": \"say\", \"text\": \"Hello {{name}}!\", \"next\": \"ask\"},"
		" \"ask\": {\"type\": \"ask\", \"text\": \"Is it convenient to talk?\", \"timeout_s\": 5,"
		"   \"branches\": [{\"match\": \"yes\", \"next\": \"agreed\"}, {\"match\": \"no\", \"next\": \"declined\"}],"
		"   \"no_match\": \"declined\"},"
		" \"agreed\": {\"type\": \"result\", \"label\": \"agreed\", \"action\": \"hangup\"},"
		" \"declined\": {\"type\": \"result\", \"label\": \"declined\", \"action\": \"hangup\"}}}",
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		struct vd_script *g = load(ok[i], NULL, 0);
		if (!g) continue;
		if (i < 4) {
			CHECK_INT(vd_script_run_start(&run, g, NULL, &act), 0);
			CHECK_INT(act.kind, VD_SCRIPT_ACT_HANGUP);
		}
		if (i == 4) {
			static const struct step steps[] = {{"start", "say:Hello "}, {"done", "hangup:"}, {NULL, NULL}};
			converse("say without next", g, NULL, steps);
			CHECK_INT(act.missing.n, 0);
			CHECK_INT(vd_script_run_start(&run, g, NULL, &act), 0);
			CHECK_INT(act.missing.n, 1);
			CHECK_STR(act.missing.name[0], "name");
		}
		if (i == 5) {
			static const struct step steps[] = {
				{"start", "say:Hello !"}, {"done", "say:Is it convenient to talk?"},
				{"done", "listen:5000"}, {"speech:Yes", "hangup:agreed"}, {NULL, NULL}};
			converse("web sample", g, NULL, steps);
		}
		unload(g);
	}
	/* a graph that was never validated does not run */
	struct vd_script g;
	vd_script_init(&g);
	CHECK_INT(vd_script_run_start(&run, &g, NULL, &act), -EINVAL);
	struct vd_script_event ev = {.kind = 99};
	CHECK_INT(vd_script_on_event(&run, &ev, &act), -EINVAL);
}

static void test_subst(void)
{
	struct vd_script_vars v;
	vd_script_vars_init(&v);
	vd_script_vars_set(&v, "name", "Иван", false);
	vd_script_vars_set(&v, "debt_rub", "1500", false);
	static const struct {
		const char *tmpl, *want;
		size_t nmissing;
		const char *missing0;
	} rows[] = {
		{"Hello {{name}}", "Hello Иван", 0, NULL},
		{"{{ debt_rub }} roubles", "1500 roubles", 0, NULL},
		{"{{name}}{{name}}", "ИванИван", 0, NULL},
		{"Due {{due_date}}, {{due_date}} and {{x}}", "Due ,  and ", 2, "due_date"},
		{"{{not closed", "{{not closed", 0, NULL},
		{"{{}} {{ }} {x}", "{{}} {{ }} {x}", 0, NULL},
		{"{{{name}}}", "{Иван}", 0, NULL},
		{"", "", 0, NULL},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char out[256];
		struct vd_script_missing m;
		CHECK_INT(vd_script_subst(rows[i].tmpl, &v, out, sizeof out, &m), 0);
		CHECK_STR(out, rows[i].want);
		CHECK_INT(m.n, rows[i].nmissing);
		if (rows[i].missing0) CHECK_STR(m.name[0], rows[i].missing0);
	}
	/* cut at a UTF-8 boundary: "Hello Иван" needs 17 bytes; 9 fit "Hello И" minus a half letter */
	char small[10];
	CHECK_INT(vd_script_subst("Hello {{name}}", &v, small, sizeof small, NULL), -E2BIG);
	CHECK_STR(small, "Hello \xd0\x98");
	char tiny[8];
	CHECK_INT(vd_script_subst("Hello {{name}}", &v, tiny, sizeof tiny, NULL), -E2BIG);
	CHECK_STR(tiny, "Hello ");
	/* variables: bounds */
	CHECK_INT(vd_script_vars_set(&v, "", "x", false), -EINVAL);
	char longv[VD_SCRIPT_MAX_VALUE + 10];
	memset(longv, 'a', sizeof longv - 1);
	longv[sizeof longv - 1] = '\0';
	CHECK_INT(vd_script_vars_set(&v, "long", longv, true), -E2BIG);
	CHECK_INT(strlen(vd_script_vars_get(&v, "long")), VD_SCRIPT_MAX_VALUE);
	for (int i = 0; i < VD_SCRIPT_MAX_VARS; i++) {
		char n[16];
		snprintf(n, sizeof n, "v%d", i);
		int rc = vd_script_vars_set(&v, n, "1", true);
		if (i < VD_SCRIPT_MAX_VARS - 3) CHECK_INT(rc, 0);
		else CHECK_INT(rc, -ENOSPC);
	}
	/* variables from a client's JSON */
	json_t *obj = json_loads("{\"name\":\"Ann\",\"debt\":1500,\"rate\":0.5,\"vip\":true,\"x\":null,\"y\":[1]}", 0, NULL);
	struct vd_script_vars cv;
	CHECK_INT(vd_script_vars_from_json(obj, &cv), 0);
	CHECK_INT(cv.n, 4);
	CHECK_STR(vd_script_vars_get(&cv, "debt"), "1500");
	CHECK_STR(vd_script_vars_get(&cv, "rate"), "0.5");
	CHECK_STR(vd_script_vars_get(&cv, "vip"), "true");
	CHECK(vd_script_vars_get(&cv, "x") == NULL);
	json_decref(obj);
	CHECK_INT(vd_script_vars_from_json(NULL, &cv), -EINVAL);
}

static void test_keywords(void)
{
	static const struct {
		const char *utterance, *keyword;
		bool match;
	} rows[] = {
		{"Yes, please", "yes", true},
		{"YES", "yes", true},
		{"yesterday", "yes", false},
		{"oh yes!", "Yes", true},
		{"Да, конечно", "да", true},
		{"ДА", "да", true},
		{"Давайте", "да", false},
		{"ну да", "да", true},
		{"Не знаю", "не знаю", true},
		{"я  не,   знаю", "не знаю", true},
		{"незнаю", "не знаю", false},
		{"ЁЛКИ", "елки", true},
		{"ёлки", "Ёлки", true},
		{"ПРИВЕТ ЭЮЯ ЖЩ", "привет эюя жщ", true},
		{"«Согласен»", "согласен", true},
		{"согласен—да", "да", true},
		{"Ça va", "ça", true},
		{"", "yes", false},
		{"yes", "", false},
		{"yes", "!!!", false},
		{"нет", "не", false},
		{"2", "2", true},
		{"\xff\xfe yes", "yes", true},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		bool got = vd_script_keyword_match(rows[i].utterance, rows[i].keyword);
		if (got != rows[i].match) fprintf(stderr, "keyword \"%s\" in \"%s\"\n", rows[i].keyword, rows[i].utterance);
		CHECK_INT(got, rows[i].match);
	}
	char out[64];
	CHECK_INT(vd_script_fold("  Привет, МИР! Ёж  ", out, sizeof out), 0);
	CHECK_STR(out, "привет мир еж");
	CHECK_INT(vd_script_fold("абв", out, 4), -E2BIG);   /* whole letters only */
	CHECK_STR(out, "а");
}

/* ---- validation errors: the JSON path and a message ---- */

static void check_refused(const char *text, const char *const *columns, size_t ncolumns,
			  const char *field, const char *message_part)
{
	json_error_t je;
	json_t *j = json_loads(text, 0, &je);
	CHECK(j != NULL);
	if (!j) {
		fprintf(stderr, "bad JSON in test: %s\n", text);
		return;
	}
	struct vd_script g;
	struct vd_verr err = {{0}, {0}};
	int rc = vd_script_from_json(j, columns, ncolumns, &g, &err);
	json_decref(j);
	if (rc == 0) vd_script_reset(&g);
	CHECK_INT(rc, -EINVAL);
	if (strcmp(err.field, field)) fprintf(stderr, "graph %s\n  -> %s: %s\n", text, err.field, err.message);
	CHECK_STR(err.field, field);
	if (message_part && !strstr(err.message, message_part)) {
		fprintf(stderr, "message \"%s\" lacks \"%s\"\n", err.message, message_part);
		CHECK(0);
	}
}

#define G(blocks) "{\"start\": \"a\", \"blocks\": {" blocks "}}"
#define END "\"end\": {\"type\": \"result\", \"label\": \"end\"}"

static void test_validation(void)
{
	static const char *const cols[] = {"name", "phone"};
	static const struct {
		const char *graph;
		bool with_columns;
		const char *field, *message;
	} rows[] = {
		/* the graph */
		{"[]", false, "graph", "object"},
		{"{\"blocks\": {\"a\": {\"type\": \"say\", \"text\": \"x\"}}}", false, "graph.start", "required"},
		{"{\"start\": \"b\", \"blocks\": {\"a\": {\"type\": \"say\", \"text\": \"x\"}}}", false, "graph.start", "\"b\""},
		{"{\"start\": 1, \"blocks\": {}}", false, "graph.start", NULL},
		{"{\"start\": \"a\", \"blocks\": [1]}", false, "graph.blocks", "object"},
		{G("\"a\": 5"), false, "graph.blocks.a", "object"},
		{G("\"a\": {\"type\": \"play\"}"), false, "graph.blocks.a.type", "say, ask"},
		{G("\"a\": {\"type\": \"say\", \"text\": \"x\"}, \"b.c\": {\"type\": \"say\", \"text\": \"y\"}"), false,
		 "graph.blocks.b.c", "id"},
		/* unknown next block */
		{G("\"a\": {\"type\": \"say\", \"text\": \"x\", \"next\": \"nowhere\"}"), false, "graph.blocks.a.next",
		 "\"nowhere\", which is not a block"},
		{G("\"a\": {\"type\": \"ask\", \"branches\": [{\"keywords\": [\"y\"], \"next\": \"end\"},"
		   " {\"digits\": \"1\", \"next\": \"end\"}, {\"keywords\": [\"n\"], \"next\": \"ghost\"}]}," END), false,
		 "graph.blocks.a.branches[2].next", "ghost"},
		{G("\"a\": {\"type\": \"ask\", \"no_input\": \"ghost\"}," END), false, "graph.blocks.a.no_input", "ghost"},
		{G("\"a\": {\"type\": \"ask\", \"no_match\": \"ghost\"}"), false, "graph.blocks.a.no_match", "ghost"},
		{G("\"a\": {\"type\": \"branch\", \"else\": \"ghost\"}"), false, "graph.blocks.a.else", "ghost"},
		{G("\"a\": {\"type\": \"branch\", \"conditions\": [{\"var\": \"v\", \"op\": \"empty\", \"next\": \"ghost\"}]}"),
		 false, "graph.blocks.a.conditions[0].next", "ghost"},
		{G("\"a\": {\"type\": \"result\", \"label\": \"x\", \"action\": \"transfer\", \"fallback\": \"ghost\"}"),
		 false, "graph.blocks.a.fallback", "ghost"},
		{G("\"a\": {\"type\": \"ask\", \"branches\": [{\"keywords\": [\"y\"]}]}"), false,
		 "graph.blocks.a.branches[0].next", "required"},
		{G("\"a\": {\"type\": \"say\", \"text\": \"x\", \"next\": 3}"), false, "graph.blocks.a.next", "string"},
		/* unreachable */
		{G("\"a\": {\"type\": \"say\", \"text\": \"x\"}, \"orphan\": {\"type\": \"say\", \"text\": \"y\"}"), false,
		 "graph.blocks.orphan", "cannot be reached"},
		/* loops that never listen */
		{G("\"a\": {\"type\": \"say\", \"text\": \"x\", \"next\": \"b\"},"
		   "\"b\": {\"type\": \"say\", \"text\": \"y\", \"next\": \"a\"}"), false, "graph.blocks.b.next", "never listen"},
		{G("\"a\": {\"type\": \"set\", \"var\": \"n\", \"value\": \"1\", \"next\": \"a\"}"), false,
		 "graph.blocks.a.next", "never listen"},
		{G("\"a\": {\"type\": \"ask\", \"text\": \"?\", \"no_input\": \"b\", \"no_match\": \"end\"},"
		   "\"b\": {\"type\": \"branch\", \"conditions\": [{\"var\": \"n\", \"op\": \"empty\", \"next\": \"c\"}], \"else\": \"end\"},"
		   "\"c\": {\"type\": \"set\", \"var\": \"n\", \"value\": \"1\", \"next\": \"b\"}," END), false,
		 "graph.blocks.c.next", "\"b\""},
		{G("\"a\": {\"type\": \"result\", \"label\": \"x\", \"action\": \"transfer\", \"fallback\": \"s\"},"
		   "\"s\": {\"type\": \"say\", \"text\": \"retry\", \"next\": \"a\"}"), false, "graph.blocks.s.next", "never listen"},
		/* say */
		{G("\"a\": {\"type\": \"say\"}"), false, "graph.blocks.a.text", "\"text\" or \"audio_id\""},
		{G("\"a\": {\"type\": \"say\", \"audio_id\": 0}"), false, "graph.blocks.a.audio_id", "integer"},
		{G("\"a\": {\"type\": \"say\", \"text\": \"x\", \"nxt\": \"a\"}"), false, "graph.blocks.a.nxt", "unknown"},
		/* ask */
		{G("\"a\": {\"type\": \"ask\", \"timeout_ms\": 100}"), false, "graph.blocks.a.timeout_ms", "500"},
		{G("\"a\": {\"type\": \"ask\", \"max_retries\": 11}"), false, "graph.blocks.a.max_retries", "10"},
		{G("\"a\": {\"type\": \"ask\", \"store_as\": \"{{x}}\"}"), false, "graph.blocks.a.store_as", "variable name"},
		{G("\"a\": {\"type\": \"ask\", \"branches\": [{\"next\": \"a\"}]}"), false, "graph.blocks.a.branches[0]",
		 "keywords"},
		{G("\"a\": {\"type\": \"ask\", \"branches\": [{\"keywords\": [\"ok\", \"?!\"], \"next\": \"a\"}]}"), false,
		 "graph.blocks.a.branches[0].keywords[1]", "no word"},
		{G("\"a\": {\"type\": \"ask\", \"branches\": [{\"keywords\": [], \"next\": \"a\"}]}"), false,
		 "graph.blocks.a.branches[0].keywords", "list"},
		{G("\"a\": {\"type\": \"ask\", \"branches\": [{\"digits\": \"x\", \"next\": \"a\"}]}"), false,
		 "graph.blocks.a.branches[0].digits", "DTMF"},
		{G("\"a\": {\"type\": \"ask\", \"branches\": [{\"digits\": \"12\", \"next\": \"a\"}]}"), false,
		 "graph.blocks.a.branches[0].digits", "one DTMF key"},
		{G("\"a\": {\"type\": \"ask\", \"branches\": [{\"digits\": \"1\", \"next\": \"a\"}, {\"digits\": 1, \"next\": \"a\"}]}"),
		 false, "graph.blocks.a.branches[1].digits", "already"},
		{G("\"a\": {\"type\": \"ask\", \"branches\": [{\"digits\": \"1\", \"next\": \"a\", \"say\": 1}]}"), false,
		 "graph.blocks.a.branches[0].say", "unknown"},
		/* set */
		{G("\"a\": {\"type\": \"set\", \"value\": \"1\"}"), false, "graph.blocks.a.var", "required"},
		{G("\"a\": {\"type\": \"set\", \"var\": \"x\"}"), false, "graph.blocks.a.value", "required"},
		/* branch */
		{G("\"a\": {\"type\": \"branch\", \"conditions\": [{\"op\": \"eq\", \"value\": \"1\", \"next\": \"a\"}]}"), false,
		 "graph.blocks.a.conditions[0].var", "required"},
		{G("\"a\": {\"type\": \"branch\", \"conditions\": [{\"var\": \"x\", \"op\": \"gt\", \"value\": \"1\"}]}"), false,
		 "graph.blocks.a.conditions[0].op", "eq, ne"},
		{G("\"a\": {\"type\": \"branch\", \"conditions\": [{\"var\": \"x\", \"op\": \"contains\", \"next\": \"end\"}]}," END),
		 false, "graph.blocks.a.conditions[0].value", "required"},
		/* result */
		{G("\"a\": {\"type\": \"result\"}"), false, "graph.blocks.a.label", "required"},
		{G("\"a\": {\"type\": \"result\", \"label\": \"x\", \"action\": \"call\"}"), false, "graph.blocks.a.action",
		 "hangup or transfer"},
		{G("\"a\": {\"type\": \"result\", \"label\": \"x\", \"forward\": {}}"), false, "graph.blocks.a.forward",
		 "transfer"},
		{G("\"a\": {\"type\": \"result\", \"label\": \"x\", \"action\": \"transfer\", \"forward\": {\"type\": \"pbx\"}}"),
		 false, "graph.blocks.a.forward.type", "task_default"},
		{G("\"a\": {\"type\": \"result\", \"label\": \"x\", \"action\": \"transfer\", \"forward\": {\"type\": \"route\"}}"),
		 false, "graph.blocks.a.forward.number", "route"},
		{G("\"a\": {\"type\": \"result\", \"label\": \"x\", \"action\": \"transfer\", \"forward\": {\"type\": \"dial_plan\", \"number\": \"1\"}}"),
		 false, "graph.blocks.a.forward.dial_plan_id", NULL},
		{G("\"a\": {\"type\": \"result\", \"label\": \"x\", \"action\": \"transfer\", \"forward\": {\"type\": \"custom\"}}"),
		 false, "graph.blocks.a.forward.number", "custom"},
		{G("\"a\": {\"type\": \"result\", \"label\": \"x\", \"action\": \"transfer\", \"forward\": {\"type\": \"script\"}}"),
		 false, "graph.blocks.a.forward.script_id", NULL},
		{G("\"a\": {\"type\": \"result\", \"label\": \"x\", \"fallback\": \"a\"}"), false, "graph.blocks.a.fallback",
		 "only"},
		/* undefined variables, when the client's columns are known */
		{G("\"a\": {\"type\": \"say\", \"text\": \"Hi {{nick}}\"}"), true, "graph.blocks.a.text", "{{nick}}"},
		{G("\"a\": {\"type\": \"branch\", \"conditions\": [{\"var\": \"age\", \"op\": \"empty\", \"next\": \"end\"}]}," END),
		 true, "graph.blocks.a.conditions[0].var", "{{age}}"},
		{G("\"a\": {\"type\": \"ask\", \"store_as\": \"ans\", \"no_match\": \"s\", \"branches\": [{\"keywords\": [\"x\"], \"next\": \"r\"}]},"
		   "\"s\": {\"type\": \"set\", \"var\": \"tag\", \"value\": \"{{ans}}\", \"next\": \"r\"},"
		   "\"r\": {\"type\": \"result\", \"label\": \"{{tag}}\"}"), true, "graph.blocks.r.label", "{{tag}}"},
		{G("\"a\": {\"type\": \"result\", \"label\": \"x\", \"action\": \"transfer\","
		   " \"forward\": {\"type\": \"custom\", \"variable\": \"boss\"}}"), true, "graph.blocks.a.forward.variable",
		 "{{boss}}"},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		check_refused(rows[i].graph, rows[i].with_columns ? cols : NULL, rows[i].with_columns ? 2 : 0,
			      rows[i].field, rows[i].message);

	/* variables set on every path, or columns, pass */
	struct vd_script *g = load(G("\"a\": {\"type\": \"ask\", \"store_as\": \"ans\", \"no_match\": \"s\","
				     " \"branches\": [{\"keywords\": [\"x\"], \"next\": \"s\"}]},"
				     "\"s\": {\"type\": \"set\", \"var\": \"tag\", \"value\": \"{{ans}} {{phone}}\", \"next\": \"r\"},"
				     "\"r\": {\"type\": \"result\", \"label\": \"{{tag}} {{name}}\"}"), cols, 2);
	unload(g);
	/* ... and without columns nothing about variables is refused */
	g = load(G("\"a\": {\"type\": \"say\", \"text\": \"Hi {{nick}}\"}"), NULL, 0);
	unload(g);
	/* a loop through an ask is fine */
	g = load(G("\"a\": {\"type\": \"say\", \"text\": \"x\", \"next\": \"q\"},"
		   "\"q\": {\"type\": \"ask\", \"text\": \"?\", \"no_input\": \"a\", \"no_match\": \"a\"}"), NULL, 0);
	unload(g);

	/* bounds: ids, blocks */
	struct vd_script s;
	vd_script_init(&s);
	struct vd_script_block *b;
	char id[80];
	memset(id, 'i', 65);
	id[65] = '\0';
	CHECK_INT(vd_script_add_block(&s, id, VD_SCRIPT_SAY, &b), -EINVAL);
	CHECK_INT(vd_script_add_block(&s, "", VD_SCRIPT_SAY, &b), -EINVAL);
	for (int i = 0; i < VD_SCRIPT_MAX_BLOCKS; i++) {
		snprintf(id, sizeof id, "b%d", i);
		CHECK_INT(vd_script_add_block(&s, id, VD_SCRIPT_SAY, &b), 0);
	}
	CHECK_INT(vd_script_add_block(&s, "b0", VD_SCRIPT_SAY, &b), -EEXIST);
	CHECK_INT(vd_script_add_block(&s, "one-more", VD_SCRIPT_SAY, &b), -E2BIG);
	struct vd_script_err e;
	CHECK_INT(vd_script_validate(&s, NULL, 0, &e), -EINVAL);
	CHECK_STR(e.field, "start");
	vd_script_reset(&s);
	CHECK_INT(s.nblocks, 0);
}

int main(void)
{
	test_conversations();
	test_set_branch();
	test_forwards();
	test_empty_and_compat();
	test_subst();
	test_keywords();
	test_validation();
	return vt_done();
}
