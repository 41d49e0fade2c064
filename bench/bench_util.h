/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Scaffolding shared by the C benchmarks (bench/<name>/main.c include it):
 * a clock, fatal errors, SQL seeding and the account every bench logs in
 * with. Header-only because CMake builds each bench from its one file.
 * Define BENCH_NAME before including. */
#ifndef VD_BENCH_UTIL_H
#define VD_BENCH_UTIL_H

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static inline void die(const char *what)
{
	fprintf(stderr, BENCH_NAME ": %s\n", what);
	exit(2);
}

static inline void exec_ok(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, BENCH_NAME ": %s: %s\n", sql, msg ? msg : "?");
		exit(2);
	}
}

/* Runs `voxdial account create` (which also migrates); the token lands in
 * token[size]. */
static inline void create_account(const char *bin, const char *db, char *token, size_t size)
{
	char cmd[2048];
	snprintf(cmd, sizeof cmd, "'%s' account create --db '%s' --name Bench --email bench@example.com "
		 "--password benchbench 2>/dev/null", bin, db);
	FILE *p = popen(cmd, "r");
	if (!p) die("cannot run voxdial account create");
	if (!fgets(token, (int)size, p)) die("voxdial account create printed no token");
	token[strcspn(token, "\r\n")] = '\0';
	if (pclose(p) != 0) die("voxdial account create failed");
}

#endif
