/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* bench_api: latency of the API's list endpoints on a large account.
 *
 * Seeds a fresh SQLite file with one account, 1,000 tasks and 1,000,000 call
 * rows (direct SQL in one transaction; most calls belong to one task, so its
 * call list is the worst case), starts `voxdial serve` on port 0, then sends
 * many sequential GETs per endpoint over one keep-alive connection (libcurl)
 * and prints p50/p99 beside the target (p99 < 10 ms).
 *
 *   bench_api [--bin PATH/voxdial] [--tasks N] [--calls N] [--requests N] [--keep]
 *
 * The server should be a Release build (bench/run.sh builds build-api-rel).
 * Exit status: 0 when every endpoint meets the target, 1 otherwise. */
#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BENCH_NAME "bench_api"
#include "../bench_util.h"

#define TARGET_P99_MS 10.0

static const char task_body[] =
	"{\"name\":\"%s\",\"description\":\"\",\"script_id\":1,\"dial_plan_id\":2,\"ambient_audio_id\":null,"
	"\"amd\":{\"enabled\":true,\"mode\":\"background\",\"greeting_audio_id\":null},"
	"\"caller_id\":{\"mode\":\"default\",\"group_id\":null,\"number\":null},"
	"\"default_redirect\":{\"type\":\"hangup\",\"dial_plan_id\":null,\"number\":null,\"route_id\":null,\"script_id\":null},"
	"\"start\":{\"mode\":\"manual\",\"at\":null},\"cps\":5,\"ring_timeout_s\":30,"
	"\"window\":{\"from\":\"09:00\",\"to\":\"21:00\",\"days\":[1,2,3,4,5,6,7],\"timezone\":\"Europe/Moscow\"},"
	"\"ineffective_duration_s\":10,\"gender_detection\":false,\"e164_country\":\"RU\","
	"\"test_call\":{\"enabled\":false,\"phone\":null},"
	"\"recall\":{\"mode\":\"manual\",\"rule_set_id\":null,\"rules\":{\"busy\":{\"interval_s\":300,\"attempts\":3}}}}";

static const char *const outcomes[] = {"completed", "busy", "no_answer", "unavailable", "machine",
				       "short", "failure"};

/* Seeds tasks and calls; returns the id of the task holding most calls. */
static int64_t seed(const char *path, int ntasks, long ncalls)
{
	sqlite3 *db;
	if (sqlite3_open(path, &db) != SQLITE_OK) die("cannot open the database");
	exec_ok(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; PRAGMA foreign_keys=OFF;");
	exec_ok(db, "BEGIN");
	int64_t now = (int64_t)time(NULL) * 1000;
	int64_t t0 = now - 30LL * 86400 * 1000;
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(db, "INSERT INTO resources(account_id, kind, name, status, body, created_ms,"
			       " updated_ms, first_call_ms, last_call_ms) VALUES (1,'task',?,?,?,?,?,?,?)",
			       -1, &s, NULL) != SQLITE_OK)
		die(sqlite3_errmsg(db));
	static const char *const statuses[] = {"draft", "running", "paused", "completed", "cancelled"};
	int64_t first_task = 0, last_task = 0;
	char name[64], body[sizeof task_body + 64];
	for (int i = 0; i < ntasks; i++) {
		snprintf(name, sizeof name, "Campaign %04d", i + 1);
		snprintf(body, sizeof body, task_body, name);
		sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 2, statuses[i % 5], -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, body, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 4, t0 + i * 1000LL);
		sqlite3_bind_int64(s, 5, t0 + i * 1000LL);
		sqlite3_bind_int64(s, 6, t0 + i * 1000LL);
		sqlite3_bind_int64(s, 7, now);
		if (sqlite3_step(s) != SQLITE_DONE) die(sqlite3_errmsg(db));
		sqlite3_reset(s);
		last_task = sqlite3_last_insert_rowid(db);
		if (!first_task) first_task = last_task;
	}
	sqlite3_finalize(s);

	/* 95% of the calls in the big task, the rest spread over the others */
	int64_t big = first_task + ntasks / 2;
	if (sqlite3_prepare_v2(db, "INSERT INTO calls(account_id, task_id, client_id, phone, caller_id, attempt,"
			       " recall_for, outcome, result, sip_code, planned_ms, started_ms, answered_ms, ended_ms,"
			       " duration_s, cost_minor, currency, amd, variables)"
			       " VALUES (1,?,?,?,'+74950000001',?,?,?,?,?,?,?,?,?,?,?,'RUB',?,?)",
			       -1, &s, NULL) != SQLITE_OK)
		die(sqlite3_errmsg(db));
	uint64_t rnd = 88172645463325252ULL;
	double t = now_ms();
	for (long i = 0; i < ncalls; i++) {
		rnd ^= rnd << 13; rnd ^= rnd >> 7; rnd ^= rnd << 17;
		int64_t task = (i % 20 == 19) ? first_task + (int64_t)(rnd % (uint64_t)ntasks) : big;
		const char *oc = outcomes[rnd % 7];
		bool answered = !strcmp(oc, "completed") || !strcmp(oc, "machine") || !strcmp(oc, "short");
		int64_t start = t0 + i * 2000LL;
		int dur = answered ? (int)(rnd % 300) : 0;
		char cid[32], phone[32];
		snprintf(cid, sizeof cid, "c%ld", i % 400000);
		snprintf(phone, sizeof phone, "+7916%07ld", i % 400000);
		sqlite3_bind_int64(s, 1, task);
		sqlite3_bind_text(s, 2, cid, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 3, phone, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(s, 4, 1 + (int)(i % 3));
		if (i % 3) sqlite3_bind_text(s, 5, "busy", -1, SQLITE_STATIC); else sqlite3_bind_null(s, 5);
		sqlite3_bind_text(s, 6, oc, -1, SQLITE_STATIC);
		if (answered) sqlite3_bind_text(s, 7, "agreed", -1, SQLITE_STATIC); else sqlite3_bind_null(s, 7);
		sqlite3_bind_int(s, 8, answered ? 200 : 486);
		sqlite3_bind_int64(s, 9, start - 500);
		sqlite3_bind_int64(s, 10, start);
		if (answered) sqlite3_bind_int64(s, 11, start + 3000); else sqlite3_bind_null(s, 11);
		sqlite3_bind_int64(s, 12, start + 3000 + dur * 1000LL);
		sqlite3_bind_int(s, 13, dur);
		sqlite3_bind_int(s, 14, answered ? dur * 3 : 0);
		if (answered) sqlite3_bind_text(s, 15, !strcmp(oc, "machine") ? "machine" : "human", -1, SQLITE_STATIC);
		else sqlite3_bind_null(s, 15);
		sqlite3_bind_text(s, 16, answered ? "{\"name\":\"Ann\",\"agreed\":\"yes\"}" : "{}", -1, SQLITE_STATIC);
		if (sqlite3_step(s) != SQLITE_DONE) die(sqlite3_errmsg(db));
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	exec_ok(db, "COMMIT");
	exec_ok(db, "PRAGMA wal_checkpoint(TRUNCATE)");
	sqlite3_close(db);
	fprintf(stderr, "seeded %d tasks, %ld calls (%ld in task %lld) in %.1f s\n", ntasks, ncalls,
		ncalls - ncalls / 20, (long long)big, (now_ms() - t) / 1e3);
	return big;
}


struct sink { size_t bytes; };

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *arg)
{
	(void)ptr;
	((struct sink *)arg)->bytes += size * nmemb;
	return size * nmemb;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static bool measure(CURL *c, int port, const char *label, const char *path, int n)
{
	char url[512];
	snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	struct sink sk = {0};
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &sk);
	double *lat = calloc((size_t)n, sizeof *lat);
	if (!lat) die("out of memory");
	int warm = n / 10 + 5;
	for (int i = -warm; i < n; i++) {
		sk.bytes = 0;
		double t = now_ms();
		CURLcode rc = curl_easy_perform(c);
		double dt = now_ms() - t;
		long code = 0;
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
		if (rc != CURLE_OK || code != 200) {
			fprintf(stderr, "bench_api: GET %s: %s, HTTP %ld\n", path, curl_easy_strerror(rc), code);
			exit(2);
		}
		if (i >= 0) lat[i] = dt;
	}
	qsort(lat, (size_t)n, sizeof *lat, cmp_double);
	double p50 = lat[n / 2], p99 = lat[(n * 99) / 100 - (n >= 100 ? 1 : 0)], max = lat[n - 1];
	bool ok = p99 < TARGET_P99_MS;
	printf("%-34s p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms  (%6zu B)  target p99 < %.0f ms  %s\n", label,
	       p50, p99, max, sk.bytes, TARGET_P99_MS, ok ? "ok" : "MISSED");
	fflush(stdout);
	free(lat);
	return ok;
}

int main(int argc, char **argv)
{
	const char *bin = getenv("VOXDIAL_BIN");
	int ntasks = 1000, nreq = 1000;
	long ncalls = 1000000;
	bool keep = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--bin") && i + 1 < argc) bin = argv[++i];
		else if (!strcmp(argv[i], "--tasks") && i + 1 < argc) ntasks = (int)strtol(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--calls") && i + 1 < argc) ncalls = strtol(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--requests") && i + 1 < argc) nreq = (int)strtol(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--keep")) keep = true;
		else {
			fprintf(stderr, "usage: bench_api [--bin voxdial] [--tasks N] [--calls N] [--requests N] [--keep]\n");
			return 2;
		}
	}
	if (!bin) bin = "build-api-rel/voxdial";
	if (ntasks < 2 || ncalls < 1 || nreq < 10) die("bad sizes");

	char dir[] = "/tmp/bench_api-XXXXXX";
	if (!mkdtemp(dir)) die("mkdtemp");
	char db[128], data[128], log[128], token[256];
	snprintf(db, sizeof db, "%s/voxdial.db", dir);
	snprintf(data, sizeof data, "%s/data", dir);
	snprintf(log, sizeof log, "%s/serve.log", dir);
	create_account(bin, db, token, sizeof token);
	int64_t big = seed(db, ntasks, ncalls);

	struct server srv;
	start_server(bin, db, data, log, &srv);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	CURL *c = curl_easy_init();
	char auth[300];
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
	struct curl_slist *hdrs = curl_slist_append(NULL, auth);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);

	printf("bench_api: %d tasks, %ld calls, %d sequential requests per endpoint over keep-alive\n",
	       ntasks, ncalls, nreq);
	char path[256];
	bool all = true;
	all &= measure(c, srv.port, "tasks page 1", "/api/v1/tasks?page=1&per_page=100", nreq);
	all &= measure(c, srv.port, "tasks status=running page 2", "/api/v1/tasks?page=2&per_page=100&status=running", nreq);
	all &= measure(c, srv.port, "tasks q=name", "/api/v1/tasks?q=Campaign%200500&per_page=10", nreq);
	snprintf(path, sizeof path, "/api/v1/tasks/%lld/calls?page=1&per_page=100", (long long)big);
	all &= measure(c, srv.port, "calls page 1", path, nreq);
	snprintf(path, sizeof path, "/api/v1/tasks/%lld/calls?page=500&per_page=100", (long long)big);
	all &= measure(c, srv.port, "calls page 500", path, nreq);
	snprintf(path, sizeof path, "/api/v1/tasks/%lld/calls?outcome=busy&page=1&per_page=100", (long long)big);
	all &= measure(c, srv.port, "calls outcome=busy page 1", path, nreq);
	snprintf(path, sizeof path, "/api/v1/tasks/%lld/calls?outcome=busy&page=500&per_page=100", (long long)big);
	all &= measure(c, srv.port, "calls outcome=busy page 500", path, nreq);
	/* Known miss (~180 ms): with from/to the total is a count(*) over every
	 * call of the task in the period, read row by row; it needs an index
	 * on (task_id, account_id, started_ms) plus per-period counts (or an
	 * estimated total) to meet the target. */
	snprintf(path, sizeof path, "/api/v1/tasks/%lld/calls?from=2000-01-01T00:00:00Z&page=500&per_page=100",
		 (long long)big);
	all &= measure(c, srv.port, "calls from= page 500", path, nreq);
	snprintf(path, sizeof path, "/api/v1/tasks/%lld/calls?client_id=c1234&per_page=100", (long long)big);
	all &= measure(c, srv.port, "calls client_id=", path, nreq);
	snprintf(path, sizeof path, "/api/v1/tasks/%lld/stats", (long long)big);
	all &= measure(c, srv.port, "task stats", path, nreq);

	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	curl_global_cleanup();
	int rc = stop_server(&srv);
	if (rc != 0) fprintf(stderr, "bench_api: voxdial serve exited with %d (log: %s)\n", rc, log);
	if (!keep) {
		char cmd[300];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0) fprintf(stderr, "bench_api: cannot remove %s\n", dir);
	} else {
		fprintf(stderr, "kept %s\n", dir);
	}
	return all && rc == 0 ? 0 : 1;
}
