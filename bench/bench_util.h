/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Scaffolding shared by the C benchmarks (bench/<name>/main.c include it):
 * a clock, fatal errors, SQL seeding, the account every bench logs in
 * with, and starting and stopping the server. Header-only because CMake builds each bench from its one file.
 * Define BENCH_NAME before including. */
#ifndef VD_BENCH_UTIL_H
#define VD_BENCH_UTIL_H

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

struct server { pid_t pid; int port; };

/* Starts `voxdial serve` on free ports with stderr to `log` and waits (with a
 * deadline) for the port it logs. */
static inline void start_server(const char *bin, const char *db, const char *data, const char *log,
			 struct server *srv)
{
	pid_t pid = fork();
	if (pid < 0) die("fork");
	if (pid == 0) {
		if (!freopen(log, "w", stderr) || !freopen("/dev/null", "w", stdout)) _exit(127);
		execl(bin, bin, "serve", "--db", db, "--http", "127.0.0.1:0", "--sip", "127.0.0.1:0",
		      "--data", data, (char *)NULL);
		_exit(127);
	}
	srv->pid = pid;
	/* poll the log for the port, with a deadline */
	double deadline = now_ms() + 30000;
	while (now_ms() < deadline) {
		FILE *f = fopen(log, "r");
		char line[1024];
		while (f && fgets(line, sizeof line, f)) {
			const char *p = strstr(line, "listening http=http://");
			if (p && (p = strchr(p + 22, ':')) != NULL) {
				srv->port = (int)strtol(p + 1, NULL, 10);
				fclose(f);
				return;
			}
		}
		if (f) fclose(f);
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid) die("voxdial serve exited early; see its log");
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);            /* poll interval */
	}
	die("voxdial serve did not log its port within 30 s");
}

/* SIGTERM and wait; the exit status (128 + signal when killed). */
static inline int stop_server(struct server *srv)
{
	kill(srv->pid, SIGTERM);
	int st = 0;
	waitpid(srv->pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

#endif
