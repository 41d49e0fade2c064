/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The clients import against a real SQLite file in a temporary directory:
 * counts, rejected lines and messages, what lands in the clients table,
 * duplicates across imports, whole-file refusals, and the one-transaction
 * rule (a failure or an abort leaves no row, and nobody sees rows early);
 * the in-memory duplicate set across batches, its growth and its seeding
 * from earlier imports; the writer thread's batches and errors. */
#include "import/clients_import.h"
#include "store/store.h"
#include "store/store_sqlite_int.h"
#include "vtest.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

static char dir[64];
static char db_path[128];
static struct vd_store *st;
static int64_t account_a, account_b, task_a, task_a2, task_b;

static void sql_exec(const char *sql)
{
	sqlite3 *db;
	CHECK_INT(sqlite3_open(db_path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc) fprintf(stderr, "%s: %s\n", sql, msg);
	CHECK_INT(rc, SQLITE_OK);
	sqlite3_free(msg);
	sqlite3_close(db);
}

/* First column of the first row of `sql` as text ("" if none), via a
 * separate connection, as another process would see it. */
static const char *sql_text(const char *sql)
{
	static char out[1024];
	sqlite3 *db;
	sqlite3_stmt *s = NULL;
	out[0] = '\0';
	CHECK_INT(sqlite3_open(db_path, &db), SQLITE_OK);
	int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
	if (rc) fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
	CHECK_INT(rc, SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
		snprintf(out, sizeof out, "%s", (const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	sqlite3_close(db);
	return out;
}

static long long sql_int(const char *sql)
{
	return strtoll(sql_text(sql), NULL, 10);
}

static int64_t make_task(int64_t account, const char *country)
{
	char sql[256];
	snprintf(sql, sizeof sql,
		 "INSERT INTO resources(account_id, kind, name, body, created_ms, updated_ms)"
		 " VALUES (%lld, 'task', 't', '{\"e164_country\":\"%s\"}', 0, 0)",
		 (long long)account, country);
	sql_exec(sql);
	return sql_int("SELECT max(id) FROM resources");
}

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/vd_import_XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	snprintf(db_path, sizeof db_path, "%s/t.db", dir);
	CHECK_INT(vd_store_open(&st, db_path, true), 0);
	uint8_t h1[32] = {1}, h2[32] = {2};
	CHECK_INT(vd_store_account_create(st, "A", "a@example.com", "x", h1, &account_a), 0);
	CHECK_INT(vd_store_account_create(st, "B", "b@example.com", "x", h2, &account_b), 0);
	task_a = make_task(account_a, "RU");
	task_a2 = make_task(account_a, "KZ");
	task_b = make_task(account_b, "RU");
}

static void teardown(void)
{
	vd_store_close(st);
	char p[160];
	const char *suffix[] = {"", "-wal", "-shm"};
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof p, "%s%s", db_path, suffix[i]);
		unlink(p);
	}
	rmdir(dir);
}

/* Imports `in` fed in pieces of `step` bytes (0: whole). */
static int import(int64_t account, int64_t task, const char *country, const char *in,
		  size_t len, size_t step, json_t **res, struct vd_verr *err)
{
	struct vd_clients_import_params p = {st, account, task, country};
	struct vd_clients_import *imp;
	memset(err, 0, sizeof *err);
	int e = vd_clients_import_begin(&p, &imp, err);
	if (e) return e;
	if (step == 0) step = len ? len : 1;
	for (size_t off = 0; off < len; off += step) {
		e = vd_clients_import_feed(imp, in + off, len - off < step ? len - off : step, err);
		if (e) {
			vd_clients_import_abort(imp);
			return e;
		}
	}
	return vd_clients_import_finish(imp, res, err);
}

static long long jint(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

/* "line:error;line:error..." of the result's rejected list */
static const char *rejected_text(json_t *res)
{
	static char out[2048];
	size_t n = 0;
	out[0] = '\0';
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(res, "rejected"), i, r) {
		int w = snprintf(out + n, sizeof out - n, "%lld:%s;", jint(r, "line"),
				 json_string_value(json_object_get(r, "error")));
		if (w < 0 || (size_t)w >= sizeof out - n) break;
		n += (size_t)w;
	}
	return out;
}

static const char mixed[] =
	"\xef\xbb\xbf Phone ;CLIENT_ID;timezone;name;note\r\n"          /* 1 */
	"8 (916) 123-45-67;c1;Europe/Moscow;Ann;plain\r\n"             /* 2 */
	"+7 916 123 45 68;;;Bob;\"multi\r\nline \"\"quoted\"\"; text\"\r\n" /* 3-4 */
	"9161234569;c3;Asia/Almaty;Вера;эмодзи 🎉\r\n"                  /* 5 */
	"\r\n"                                                          /* 6 */
	"7-916-123-45-67;c4;;Dup;same number as line 2\r\n"             /* 7 */
	"8916123;c5;;Short;\r\n"                                        /* 8 */
	"89161234570;c6;Mars/Olympus;Tz;\r\n"                           /* 9 */
	"89161234571;c7;;TooFew\r\n"                                    /* 10 */
	";;;;\r\n"                                                      /* 11 */
	"89161234572;c8;;Good;\r\n"                                      /* 12 */
	"89161234573;c9; UTC ;\"Tab\there\";\"back\\slash\"\r\n"         /* 13 */
	";c10;;NoPhone;\r\n"                                            /* 14 */
	"8 916 123 45 74;c11;;Last;no newline at the end";              /* 15 */

static const char mixed_rejected[] =
	"8:phone '8916123': too few digits for RU;"
	"9:timezone 'Mars/Olympus' is not an IANA time zone (such as Europe/Moscow);"
	"10:expected 5 columns, found 4;"
	"14:phone is empty;";

static void test_mixed(void)
{
	static const size_t steps[] = {0, 1, 13};
	for (size_t k = 0; k < 3; k++) {
		sql_exec("DELETE FROM clients");
		json_t *res = NULL;
		struct vd_verr err;
		int e = import(account_a, task_a, "RU", mixed, sizeof mixed - 1, steps[k], &res, &err);
		if (e) fprintf(stderr, "mixed: %d %s: %s\n", e, err.field, err.message);
		CHECK_INT(e, 0);
		if (e) continue;
		CHECK_INT(jint(res, "imported"), 6);
		CHECK_INT(jint(res, "duplicates"), 1);
		CHECK_INT(jint(res, "rejected_total"), 4);
		CHECK_STR(rejected_text(res), mixed_rejected);
		json_decref(res);
	}
	CHECK_INT(sql_int("SELECT count(*) FROM clients"), 6);
	CHECK_STR(sql_text("SELECT group_concat(line || '=' || phone_e164, ' ') FROM"
			   " (SELECT * FROM clients ORDER BY line)"),
		  "2=+79161234567 3=+79161234568 5=+79161234569 12=+79161234572 13=+79161234573"
		  " 15=+79161234574");
	CHECK_STR(sql_text("SELECT variables FROM clients WHERE line = 2"),
		  "{\"name\":\"Ann\",\"note\":\"plain\"}");
	CHECK_STR(sql_text("SELECT variables FROM clients WHERE line = 3"),
		  "{\"name\":\"Bob\",\"note\":\"multi\\r\\nline \\\"quoted\\\"; text\"}");
	CHECK_STR(sql_text("SELECT variables FROM clients WHERE line = 5"),
		  "{\"name\":\"Вера\",\"note\":\"эмодзи 🎉\"}");
	CHECK_STR(sql_text("SELECT variables FROM clients WHERE line = 13"),
		  "{\"name\":\"Tab\\there\",\"note\":\"back\\\\slash\"}");
	CHECK_STR(sql_text("SELECT json_extract(variables, '$.note') FROM clients WHERE line = 3"),
		  "multi\r\nline \"quoted\"; text");
	CHECK_INT(sql_int("SELECT count(*) FROM clients WHERE json_valid(variables)"), 6);
	CHECK_STR(sql_text("SELECT client_id || '|' || timezone || '|' || phone_raw FROM clients"
			   " WHERE line = 2"), "c1|Europe/Moscow|8 (916) 123-45-67");
	CHECK_INT(sql_int("SELECT count(*) FROM clients WHERE line = 3 AND client_id IS NULL"
			  " AND timezone IS NULL"), 1);
	CHECK_STR(sql_text("SELECT timezone FROM clients WHERE line = 13"), "UTC");
	CHECK_INT(sql_int("SELECT count(*) FROM clients WHERE account_id = 1 AND task_id = 1"
			  " AND state = 'pending'"), 6);

	/* jansson reads back exactly what was in the file */
	json_t *v = json_loads(sql_text("SELECT variables FROM clients WHERE line = 13"), 0, NULL);
	CHECK(v != NULL);
	CHECK_STR(json_string_value(json_object_get(v, "name")), "Tab\there");
	json_decref(v);

	/* importing the same file again: every good row is a duplicate */
	json_t *res = NULL;
	struct vd_verr err;
	CHECK_INT(import(account_a, task_a, "RU", mixed, sizeof mixed - 1, 0, &res, &err), 0);
	CHECK_INT(jint(res, "imported"), 0);
	CHECK_INT(jint(res, "duplicates"), 7);
	CHECK_INT(jint(res, "rejected_total"), 4);
	json_decref(res);
	CHECK_INT(sql_int("SELECT count(*) FROM clients"), 6);

	/* the same numbers in another task are new there */
	CHECK_INT(import(account_a, task_a2, "KZ", mixed, sizeof mixed - 1, 0, &res, &err), 0);
	CHECK_INT(jint(res, "imported"), 6);
	json_decref(res);
	CHECK_INT(sql_int("SELECT count(*) FROM clients"), 12);
}

/* Past the first KB, bad bytes reject their line only, and control
 * characters are escaped in the variables JSON. */
static void test_late_bad_bytes(void)
{
	char in[4096];
	size_t n = (size_t)snprintf(in, sizeof in, "phone,note\n");
	for (int i = 0; i < 40; i++)
		n += (size_t)snprintf(in + n, sizeof in - n, "8916000%04d,filler filler filler\n", i);
	n += (size_t)snprintf(in + n, sizeof in - n, "89160001000,bad \xff byte\n"
			      "89160001001,nul \"");
	in[n++] = '\0';
	n += (size_t)snprintf(in + n, sizeof in - n, "\"\n89160001002,ctl \x01\x1f end\n");
	json_t *res = NULL;
	struct vd_verr err;
	sql_exec("DELETE FROM clients");
	CHECK_INT(import(account_a, task_a, "RU", in, n, 0, &res, &err), 0);
	CHECK_INT(jint(res, "imported"), 41);
	CHECK_STR(rejected_text(res), "42:column 2 is not valid UTF-8 text;"
		  "43:column 2 is not valid UTF-8 text;");
	json_decref(res);
	CHECK_STR(sql_text("SELECT variables FROM clients WHERE phone_e164 = '+79160001002'"),
		  "{\"note\":\"ctl \\u0001\\u001f end\"}");
	json_t *v = json_loads(sql_text("SELECT variables FROM clients WHERE line = 44"), 0, NULL);
	CHECK(v != NULL);
	CHECK_STR(json_string_value(json_object_get(v, "note")), "ctl \x01\x1f end");
	json_decref(v);
}

struct refusal {
	const char *name, *in, *field, *msg;
};

static const struct refusal refusals[] = {
	{"empty", "", "file", "the file is empty"},
	{"binary", "phone\n\0\0\x01\x02", "file", "the file is binary, not CSV text"},
	{"no phone", "tel;name\n89161234567;a\n", "header",
	 "the header has no 'phone' column (columns: tel, name)"},
	{"duplicate column", "phone,name,Name\n1,2,3\n", "header",
	 "column 'Name' appears twice in the header"},
	{"duplicate phone", "phone, PHONE\n1,2\n", "header", "column 'PHONE' appears twice in the header"},
	{"unnamed column", "phone;name;\n89161234567;a;\n", "header", "column 3 of the header has no name"},
	{"header not UTF-8", "phone,n\xe9\n1,2\n", "file",
	 "the file is not UTF-8 text; save it as CSV in UTF-8"},
	{"UTF-16", "\xff\xfep\0h\0", "file", "the file is UTF-16 text; save it as CSV in UTF-8"},
};

static void test_refusals(void)
{
	long long before = sql_int("SELECT count(*) FROM clients");
	for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++) {
		const struct refusal *r = &refusals[i];
		size_t len = strlen(r->in);
		if (!strcmp(r->name, "binary")) len = 10;
		if (!strcmp(r->name, "UTF-16")) len = 6;
		json_t *res = NULL;
		struct vd_verr err;
		CHECK_INT(import(account_a, task_a, "RU", r->in, len, 0, &res, &err), -EINVAL);
		CHECK(res == NULL);
		CHECK_STR(err.field, r->field);
		CHECK_STR(err.message, r->msg);
	}
	CHECK_INT(sql_int("SELECT count(*) FROM clients"), before);

	/* a foreign or missing task, an unsupported country */
	json_t *res = NULL;
	struct vd_verr err;
	const char *ok = "phone\n89160000001\n";
	CHECK_INT(import(account_a, task_b, "RU", ok, strlen(ok), 0, &res, &err), -ENOENT);
	CHECK_INT(import(account_b, task_a, "RU", ok, strlen(ok), 0, &res, &err), -ENOENT);
	CHECK_INT(import(account_a, 999, "RU", ok, strlen(ok), 0, &res, &err), -ENOENT);
	CHECK_INT(import(account_a, task_a, "DE", ok, strlen(ok), 0, &res, &err), -EINVAL);
	CHECK_STR(err.field, "e164_country");
	CHECK_INT(import(account_a, task_a, NULL, ok, strlen(ok), 0, &res, &err), -EINVAL);
	CHECK_INT(sql_int("SELECT count(*) FROM clients"), before);

	/* a header alone is a valid, empty import */
	CHECK_INT(import(account_a, task_a, "RU", "phone\r\n", 7, 0, &res, &err), 0);
	CHECK_INT(jint(res, "imported"), 0);
	CHECK_INT(json_array_size(json_object_get(res, "rejected")), 0);
	json_decref(res);
}

/* One transaction: rows fed are invisible to others until the commit, and a
 * failure at any point (a refusal late in the file, an abort) leaves none. */
static void test_one_transaction(void)
{
	sql_exec("DELETE FROM clients");
	struct vd_clients_import_params p = {st, account_a, task_a, "RU"};
	struct vd_clients_import *imp;
	struct vd_verr err;
	CHECK_INT(vd_clients_import_begin(&p, &imp, &err), 0);
	char buf[64 * 1024];
	size_t n = (size_t)snprintf(buf, sizeof buf, "phone,name\n");
	for (int i = 0; n < sizeof buf - 64; i++)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "8916%07d,n%d\n", i, i);
	CHECK_INT(vd_clients_import_feed(imp, buf, n, &err), 0);
	CHECK_INT(sql_int("SELECT count(*) FROM clients"), 0);
	vd_clients_import_abort(imp);
	CHECK_INT(sql_int("SELECT count(*) FROM clients"), 0);

	/* good rows, then a runaway quote: refused whole, nothing written */
	size_t big = 1300 * 1000;
	char *in = malloc(n + big + 16);
	memcpy(in, buf, n);
	memcpy(in + n, "89990000000,\"", 13);
	memset(in + n + 13, 'x', big);
	json_t *res = NULL;
	CHECK_INT(import(account_a, task_a, "RU", in, n + 13 + big, 4096, &res, &err), -EINVAL);
	CHECK_STR(err.field, "file");
	CHECK(strstr(err.message, "a field is longer than") != NULL);
	free(in);
	CHECK_INT(sql_int("SELECT count(*) FROM clients"), 0);

	/* and the connection went back to the pool in a usable state */
	CHECK_INT(import(account_a, task_a, "RU", buf, n, 0, &res, &err), 0);
	CHECK(jint(res, "imported") > 2000);
	CHECK_INT(sql_int("SELECT count(*) FROM clients"), jint(res, "imported"));
	json_decref(res);
}

static void test_rejected_cap(void)
{
	size_t cap = 2000 * 16 + 32;
	char *in = malloc(cap);
	size_t n = (size_t)snprintf(in, cap, "phone\n");
	for (int i = 0; i < 1500; i++) n += (size_t)snprintf(in + n, cap - n, "12345\n");
	n += (size_t)snprintf(in + n, cap - n, "89161110000\n");
	json_t *res = NULL;
	struct vd_verr err;
	sql_exec("DELETE FROM clients");
	CHECK_INT(import(account_a, task_a, "RU", in, n, 0, &res, &err), 0);
	CHECK_INT(jint(res, "imported"), 1);
	CHECK_INT(jint(res, "rejected_total"), 1500);
	json_t *rej = json_object_get(res, "rejected");
	CHECK_INT(json_array_size(rej), VD_IMPORT_MAX_REJECTED);
	CHECK_INT(jint(json_array_get(rej, 0), "line"), 2);
	CHECK_INT(jint(json_array_get(rej, 999), "line"), 1001);
	json_decref(res);
	free(in);
}

static void test_dry_run_and_owner(void)
{
	struct vd_clients_import_params p = {NULL, 0, 0, "KZ"};
	json_t *res = NULL;
	struct vd_verr err;
	FILE *f = fmemopen((void *)mixed, sizeof mixed - 1, "r");
	CHECK_INT(vd_clients_import_file(&p, f, &res, &err), 0);
	fclose(f);
	CHECK_INT(jint(res, "imported"), 7);     /* no store: no duplicate detection */
	CHECK_INT(jint(res, "duplicates"), 0);
	CHECK_INT(jint(res, "rejected_total"), 4);
	json_decref(res);

	int64_t owner = 0;
	CHECK_INT(vd_store_task_owner(st, task_b, &owner), 0);
	CHECK_INT(owner, account_b);
	owner = 42;
	CHECK_INT(vd_store_task_owner(st, 999, &owner), -ENOENT);
	CHECK_INT(owner, 42);
}

/* The import turns foreign keys off on its connection; the pool must get
 * it back with them on: deleting a task through the store (which takes that
 * same connection, the pool being LIFO) still cascades to its clients. */
static void test_pool_settings_restored(void)
{
	int64_t t = make_task(account_a, "RU");
	json_t *res = NULL;
	struct vd_verr err;
	const char *in = "phone\n89161112233\n";
	CHECK_INT(import(account_a, t, "RU", in, strlen(in), 0, &res, &err), 0);
	json_decref(res);
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM clients WHERE task_id = %lld", (long long)t);
	CHECK_INT(sql_int(sql), 1);
	struct vd_ref user;
	CHECK_INT(vd_store_res_delete(st, VD_KIND_TASK, account_a, t, &user), 0);
	CHECK_INT(sql_int(sql), 0);
}

/* `n` rows "8916<7 digits>,name" into `out`: row i has number base + i,
 * except every 5th row (i % 5 == 4), which repeats the number of row i - 3. */
static size_t numbers_file(char *out, size_t cap, int base, int n)
{
	size_t len = (size_t)snprintf(out, cap, "phone,name\n");
	for (int i = 0; i < n; i++) {
		int num = i % 5 == 4 ? base + i - 3 : base + i;
		len += (size_t)snprintf(out + len, cap - len, "8916%07d,r%d\n", num, i);
	}
	return len;
}

static long long task_count(int64_t task, const char *what)
{
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT %s FROM clients WHERE task_id = %lld", what,
		 (long long)task);
	return sql_int(sql);
}

/* Duplicates without a unique index: within a file (across the writer's
 * batches and the set's growth), against an earlier import of the task
 * (the set seeded from the table, itself growing), never across tasks. */
static void test_many_duplicates(void)
{
	sql_exec("DELETE FROM clients");
	size_t cap = 6000 * 32;
	char *in = malloc(cap);
	json_t *res = NULL;
	struct vd_verr err;

	/* 5000 rows: 4000 numbers, 1000 repeats */
	size_t n = numbers_file(in, cap, 0, 5000);
	CHECK_INT(import(account_a, task_a, "RU", in, n, 0, &res, &err), 0);
	CHECK_INT(jint(res, "imported"), 4000);
	CHECK_INT(jint(res, "duplicates"), 1000);
	json_decref(res);
	CHECK_INT(task_count(task_a, "count(*)"), 4000);
	CHECK_INT(task_count(task_a, "count(DISTINCT phone_e164)"), 4000);
	/* the first occurrence won: row 1 (line 3) kept, row 4 (line 6) not */
	CHECK_STR(sql_text("SELECT group_concat(line) FROM clients"
			   " WHERE phone_e164 = '+79160000001'"), "3");

	/* numbers 3000..5999: 3000..4999 are in the task already (the 1000
	 * repeats of the file among them) */
	n = numbers_file(in, cap, 3000, 3000);
	CHECK_INT(import(account_a, task_a, "RU", in, n, 4096, &res, &err), 0);
	CHECK_INT(jint(res, "imported"), 800);            /* 5000..5999 less their repeats */
	CHECK_INT(jint(res, "duplicates"), 2200);
	json_decref(res);
	CHECK_INT(task_count(task_a, "count(*)"), 4800);
	CHECK_INT(task_count(task_a, "count(DISTINCT phone_e164)"), 4800);

	/* another account's task has its own numbers */
	n = numbers_file(in, cap, 0, 5000);
	CHECK_INT(import(account_b, task_b, "RU", in, n, 0, &res, &err), 0);
	CHECK_INT(jint(res, "imported"), 4000);
	json_decref(res);
	CHECK_INT(task_count(task_b, "count(*)"), 4000);
	free(in);
}

/* A row whose variables JSON is larger than one of the writer's batches
 * (every byte a control character, escaped as \u00XX), between normal rows,
 * is stored whole. */
static void test_huge_row(void)
{
	sql_exec("DELETE FROM clients");
	size_t big = 60000, cap = big + 200 * 32 + 256;
	char *in = malloc(cap);
	size_t n = (size_t)snprintf(in, cap, "phone,blob\n");
	for (int i = 0; i < 200; i++)
		n += (size_t)snprintf(in + n, cap - n, "8916%07d,x\n", i);
	n += (size_t)snprintf(in + n, cap - n, "89169999999,");
	memset(in + n, 1, big);
	n += big;
	n += (size_t)snprintf(in + n, cap - n, "\n89169999998,y\n");
	json_t *res = NULL;
	struct vd_verr err;
	CHECK_INT(import(account_a, task_a, "RU", in, n, 0, &res, &err), 0);
	CHECK_INT(jint(res, "imported"), 202);
	json_decref(res);
	CHECK_INT(sql_int("SELECT length(variables) FROM clients WHERE phone_e164 = '+79169999999'"),
		  (long long)(big * 6 + strlen("{\"blob\":\"\"}")));
	CHECK_INT(sql_int("SELECT json_valid(variables) FROM clients"
			  " WHERE phone_e164 = '+79169999999'"), 1);
	CHECK_STR(sql_text("SELECT variables FROM clients WHERE phone_e164 = '+79169999998'"),
		  "{\"blob\":\"y\"}");
	free(in);
}

/* The writer thread's failure (here a trigger raising at one row) fails the
 * import: _feed or _finish answers -EIO, nothing is written, and the
 * connection is usable afterwards. */
static void test_writer_error(void)
{
	sql_exec("DELETE FROM clients");
	sql_exec("CREATE TRIGGER boom BEFORE INSERT ON clients WHEN NEW.line = 3000"
		 " BEGIN SELECT RAISE(ABORT, 'boom'); END");
	size_t cap = 6000 * 32;
	char *in = malloc(cap);
	size_t n = numbers_file(in, cap, 0, 5000);
	json_t *res = NULL;
	struct vd_verr err;
	CHECK_INT(import(account_a, task_a, "RU", in, n, 1000, &res, &err), -EIO);
	CHECK_INT(sql_int("SELECT count(*) FROM clients"), 0);
	/* a file that never reaches the row: fine */
	size_t small = numbers_file(in, cap, 0, 100);
	CHECK_INT(import(account_a, task_a, "RU", in, small, 0, &res, &err), 0);
	CHECK_INT(jint(res, "imported"), 80);
	json_decref(res);
	sql_exec("DROP TRIGGER boom");
	n = numbers_file(in, cap, 0, 5000);
	CHECK_INT(import(account_a, task_a, "RU", in, n, 0, &res, &err), 0);
	CHECK_INT(jint(res, "imported"), 3920);
	CHECK_INT(jint(res, "duplicates"), 1080);
	json_decref(res);
	free(in);
}

/* vd_conn_discard gives the slot back: discarding more connections than the
 * pool holds must not block the next acquire (alarm: fail, not hang). */
static void test_conn_discard(void)
{
	alarm(20);
	for (int i = 0; i < 20; i++) {
		struct vd_conn *c = NULL;
		CHECK_INT(vd_conn_acquire(st, &c), 0);
		if (c) CHECK_INT(vd_conn_exec(c, "BEGIN IMMEDIATE"), 0);
		vd_conn_discard(st, c);      /* also rolls back */
	}
	vd_conn_discard(st, NULL);
	alarm(0);
	const char *in = "phone\n89161112299\n";
	json_t *res = NULL;
	struct vd_verr err;
	CHECK_INT(import(account_a, task_a, "RU", in, strlen(in), 0, &res, &err), 0);
	json_decref(res);
}

int main(void)
{
	setup();
	test_mixed();
	test_late_bad_bytes();
	test_refusals();
	test_one_transaction();
	test_rejected_cap();
	test_dry_run_and_owner();
	test_pool_settings_restored();
	test_many_duplicates();
	test_huge_row();
	test_writer_error();
	test_conn_discard();
	teardown();
	return vt_done();
}
