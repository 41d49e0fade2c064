/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* libFuzzer target for the JSON request-body validators: what a client
 * POSTs or PUTs to /api/v1/<kind> and to /api/v1/recall-rule-sets/preview.
 *
 * Input: the first byte selects the target, the rest is the body.
 *   (b & 0x7f) % (VD_KIND_COUNT + 1) < VD_KIND_COUNT: vd_validate_resource
 *       for that enum vd_kind; b & 0x80 makes it an update (a stored `old`
 *       body is passed, as PUT does);
 *   == VD_KIND_COUNT: vd_recall_preview_json.
 * The body is parsed with the flags src/api/http.c uses. Validation runs
 * against a real SQLite store in a temp file, created once, holding account 1
 * and one object of every kind (ids 1..10), so references in the input
 * resolve sometimes and the cross-object checks (caller ID on the dial plan's
 * trunk, audio kinds) run. Everything is released each iteration, so
 * LeakSanitizer sees any leak. Corpus seeds: tests/fuzz/corpus/fuzz_json_body/. */
#include "api/validate.h"
#include "app/recall_json.h"
#include "store/store.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct vd_store *st;
static char db_path[64];

static void cleanup(void)
{
	vd_store_close(st);
	unlink(db_path);
	char side[80];
	snprintf(side, sizeof side, "%s-wal", db_path);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", db_path);
	unlink(side);
}

static void seed(enum vd_kind kind, const char *name, const char *body, const struct vd_ref *refs,
		 size_t nrefs)
{
	struct vd_res_write w = {.name = name, .body = body, .refs = refs, .nrefs = nrefs,
				 .status = kind == VD_KIND_TASK ? "draft" : NULL};
	int64_t id;
	size_t bad;
	if (vd_store_res_create(st, kind, 1, &w, &id, &bad) != 0) {
		fprintf(stderr, "fuzz_json_body: cannot seed %s\n", name);
		abort();
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(db_path, sizeof db_path, "/tmp/fuzz_json_body-XXXXXX");
	int fd = mkstemp(db_path);
	if (fd < 0) abort();
	close(fd);
	unlink(db_path);
	if (vd_store_open(&st, db_path, true) != 0) abort();
	atexit(cleanup);
	uint8_t hash[32] = {1};
	int64_t account;
	if (vd_store_account_create(st, "fuzz", "fuzz@example.com", "$argon2id$x", hash, &account) != 0 ||
	    account != 1)
		abort();
	/* ids 1..10 in this order */
	seed(VD_KIND_TRUNK, "t1", "{\"name\":\"t1\",\"host\":\"a.example\",\"password\":\"pw\","
	     "\"default_caller_id\":\"+74950000001\"}", NULL, 0);
	seed(VD_KIND_TRUNK, "t2", "{\"name\":\"t2\",\"host\":\"b.example\"}", NULL, 0);
	struct vd_ref to_t1 = {VD_KIND_TRUNK, 1, "trunk_id"};
	struct vd_ref to_t2 = {VD_KIND_TRUNK, 2, "numbers[0].trunk_id"};
	seed(VD_KIND_DIAL_PLAN, "p", "{\"name\":\"p\",\"trunk_id\":1}", &to_t1, 1);
	seed(VD_KIND_CALLERID_GROUP, "g1", "{\"name\":\"g1\",\"numbers\":[{\"number\":\"+74950000002\","
	     "\"trunk_id\":1}]}", &to_t1, 1);
	seed(VD_KIND_CALLERID_GROUP, "g2", "{\"name\":\"g2\",\"numbers\":[{\"number\":\"+74950000003\","
	     "\"trunk_id\":2}]}", &to_t2, 1);
	seed(VD_KIND_RECALL_RULE_SET, "r", "{\"name\":\"r\",\"rules\":{\"busy\":{\"interval_s\":5,"
	     "\"attempts\":3}}}", NULL, 0);
	seed(VD_KIND_ROUTE, "ro", "{\"name\":\"ro\",\"type\":\"standard\",\"pattern\":\"_X.\","
	     "\"trunk_ids\":[1]}", &to_t1, 1);
	seed(VD_KIND_SCRIPT, "s", "{\"name\":\"s\",\"graph\":{}}", NULL, 0);
	seed(VD_KIND_AUDIO, "a1", "{\"name\":\"a1\",\"kind\":\"ambient\",\"duration_ms\":1000}", NULL, 0);
	seed(VD_KIND_AUDIO, "a2", "{\"name\":\"a2\",\"kind\":\"greeting\",\"duration_ms\":500}", NULL, 0);
	return 0;
}

/* What PUT passes as the stored body of the object being updated. */
static const char *const old_bodies[VD_KIND_COUNT] = {
	[VD_KIND_TRUNK] = "{\"name\":\"t1\",\"host\":\"a.example\",\"password\":\"pw\"}",
	[VD_KIND_AUDIO] = "{\"name\":\"a1\",\"kind\":\"ambient\",\"duration_ms\":1000}",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1) return 0;
	unsigned sel = (data[0] & 0x7fu) % (VD_KIND_COUNT + 1);
	bool update = data[0] & 0x80u;
	json_error_t je;
	json_t *in = json_loadb((const char *)data + 1, size - 1, JSON_REJECT_DUPLICATES, &je);
	if (!in) return 0;
	struct vd_verr err;
	memset(&err, 0, sizeof err);
	if (sel == VD_KIND_COUNT) {
		json_t *out = NULL;
		int rc = vd_recall_preview_json(in, &out, &err);
		if (rc == 0 && !out) abort();          /* success must give a document */
		if (rc != 0 && out) abort();           /* out-parameters only on success */
		json_decref(out);
	} else {
		enum vd_kind kind = (enum vd_kind)sel;
		json_t *old = NULL;
		if (update) old = json_loads(old_bodies[kind] ? old_bodies[kind] : "{\"name\":\"x\"}", 0, NULL);
		struct vd_validated *v = calloc(1, sizeof *v);
		if (!v) abort();
		int rc = vd_validate_resource(st, kind, 1, in, old, v, &err);
		if (rc == 0) {
			/* what is stored must be an object with the name it claims */
			if (!json_is_object(v->body) || !v->name) abort();
			const char *n = json_string_value(json_object_get(v->body, "name"));
			if (!n || strcmp(n, v->name)) abort();
			char *text = json_dumps(v->body, JSON_COMPACT);
			if (!text) abort();
			/* and it must validate again to the same document (idempotent) */
			json_t *again = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
			struct vd_validated *v2 = calloc(1, sizeof *v2);
			struct vd_verr err2;
			memset(&err2, 0, sizeof err2);
			if (!again || !v2) abort();
			if (vd_validate_resource(st, kind, 1, again, old, v2, &err2) != 0) {
				fprintf(stderr, "re-validation failed: %s: %s\n%s\n", err2.field, err2.message, text);
				abort();
			}
			if (!json_equal(v->body, v2->body)) {
				char *t2 = json_dumps(v2->body, JSON_COMPACT);
				fprintf(stderr, "not idempotent:\n%s\n%s\n", text, t2);
				abort();
			}
			vd_validated_reset(v2);
			free(v2);
			json_decref(again);
			free(text);
			for (size_t i = 0; i < v->nrefs; i++)
				if (v->refs[i].id <= 0 || !v->refs[i].field || !*v->refs[i].field) abort();
			vd_validated_reset(v);
		} else if (rc == -EINVAL) {
			/* a refusal names what is wrong */
			if (!err.message[0]) abort();
			if (v->body) abort();
		}
		free(v);
		json_decref(old);
	}
	json_decref(in);
	return 0;
}
