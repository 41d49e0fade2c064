/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* bench/import: the clients import against SQLite's own CSV import.
 *
 * Generates a clients file (default 1,000,000 rows: phones in the four
 * spellings of the issue plus bad ones, a client_id, a time zone on a third
 * of the rows, three variables, some quoted fields), then, on fresh
 * databases in the same directory:
 *   voxdial: vd_clients_import_file() into a task (validated, normalized,
 *            the clients table with its indexes, WAL, one transaction);
 *   sqlite3: `sqlite3 DB ".import --csv FILE t"` into a bare table.
 * Each runs in its own child process, so its wall time, CPU time and peak
 * RSS (wait4 ru_utime + ru_stime, ru_maxrss) are its own. Prints rows/s for
 * both, the ratio and whether the targets (0.7x, 200 MB) are met; with
 * --runs N the pair runs N times (alternating, fresh databases) and the
 * median ratio is reported too. Exits 0 whether or not the targets are met
 * ("target 0.7x: MISSED"): a benchmark reports, it does not fail the bench
 * run; only a failure to run exits 1.
 *
 *   bench_import [--rows N] [--dir DIR] [--keep] [--split] [--runs N]
 *
 * --split also times the import without a store (read, parse, validate,
 * normalize, build the JSON) to show how the time divides. The machine's
 * load and disk make single runs vary by +-30%: compare medians, and CPU
 * time, which varies less. */
#include "import/clients_import.h"
#include "store/store.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TARGET_RATIO 0.7
#define TARGET_RSS_MB 200.0

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* xorshift64*: deterministic file contents run to run. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ull;
}

static const char *const first_names[] = {"Ivan", "Anna", "Олег", "Мария", "Petr", "Елена",
					   "Sergey", "Ольга"};
static const char *const cities[] = {"Moscow", "Almaty", "Санкт-Петербург", "Kazan",
				     "Новосибирск", "Astana"};
static const char *const zones[] = {"Europe/Moscow", "Asia/Almaty", "Asia/Novosibirsk",
				    "Europe/Samara"};

static int generate(const char *path, long rows)
{
	FILE *f = fopen(path, "w");
	if (!f) return -errno;
	fputs("phone,client_id,timezone,name,city,amount\n", f);
	for (long i = 0; i < rows; i++) {
		/* A multiplicative permutation of 0..1e9-1 (3^18 is coprime with
		 * 10^9): unique, scattered numbers, so the phone index sees
		 * random inserts as with real lists. */
		uint64_t n = (uint64_t)i * 387420489ull % 1000000000ull;
		unsigned a = (unsigned)(n / 10000000), b = (unsigned)(n / 10000 % 1000),
			 c = (unsigned)(n / 100 % 100), d = (unsigned)(n % 100);
		uint64_t r = rnd();
		char phone[48];
		switch (r % 5) {
		case 0: snprintf(phone, sizeof phone, "8 (9%02u) %03u-%02u-%02u", a, b, c, d); break;
		case 1: snprintf(phone, sizeof phone, "+7 9%02u %03u %02u %02u", a, b, c, d); break;
		case 2: snprintf(phone, sizeof phone, "9%02u%03u%02u%02u", a, b, c, d); break;
		case 3: snprintf(phone, sizeof phone, "7-9%02u-%03u-%02u-%02u", a, b, c, d); break;
		default:
			/* one row in 500 is unusable */
			if (r % 500 == 4)
				snprintf(phone, sizeof phone, "9%02u-%03u", a, b);
			else
				snprintf(phone, sizeof phone, "\"+7 (9%02u) %03u-%02u-%02u\"", a, b, c,
					 d);
		}
		const char *tz = (r >> 8) % 3 == 0 ? zones[(r >> 12) % 4] : "";
		const char *name = first_names[(r >> 16) % 8];
		const char *city = cities[(r >> 20) % 6];
		unsigned amount = (unsigned)((r >> 24) % 100000);
		if ((r >> 40) % 10 == 0)
			fprintf(f, "%s,C%ld,%s,\"%s, jr.\",%s,%u.%02u\n", phone, i, tz, name, city,
				amount / 100, amount % 100);
		else
			fprintf(f, "%s,C%ld,%s,%s,%s,%u.%02u\n", phone, i, tz, name, city,
				amount / 100, amount % 100);
	}
	if (fclose(f)) return -errno;
	return 0;
}

struct outcome {
	double seconds;
	double cpu_s;            /* user + system, all threads (wait4) */
	double commit_s;         /* of which _finish: the commit and checkpoint */
	long long imported, duplicates, rejected;
	int ok;
};

/* Child: the voxdial import; the timing covers only the import itself. */
static int run_voxdial(const char *db, const char *csv, bool validate_only, struct outcome *o)
{
	struct vd_store *st;
	int err = vd_store_open(&st, db, true);
	if (err) return err;
	uint8_t hash[32] = {7};
	int64_t account;
	err = vd_store_account_create(st, "bench", "bench@example.com", "x", hash, &account);
	if (err) goto out;
	sqlite3 *raw;
	if (sqlite3_open(db, &raw) != SQLITE_OK) {
		err = -EIO;
		goto out;
	}
	err = sqlite3_exec(raw, "INSERT INTO resources(account_id, kind, name, body, created_ms,"
			   " updated_ms) VALUES (1, 'task', 'bench', '{\"e164_country\":\"RU\"}',"
			   " 0, 0)", NULL, NULL, NULL) == SQLITE_OK ? 0 : -EIO;
	int64_t task = sqlite3_last_insert_rowid(raw);
	sqlite3_close(raw);
	if (err) goto out;

	FILE *f = fopen(csv, "rb");
	if (!f) {
		err = -errno;
		goto out;
	}
	struct vd_clients_import_params p = {validate_only ? NULL : st, account, task, "RU"};
	json_t *res = NULL;
	struct vd_verr verr = {"", ""};
	static char buf[64 * 1024];
	struct vd_clients_import *imp = NULL;
	double t0 = now_s();
	/* The push API, as the HTTP side uses it, so the commit can be timed
	 * on its own. */
	err = vd_clients_import_begin(&p, &imp, &verr);
	size_t n;
	while (!err && (n = fread(buf, 1, sizeof buf, f)) > 0)
		err = vd_clients_import_feed(imp, buf, n, &verr);
	double t1 = now_s();
	if (!err) {
		err = vd_clients_import_finish(imp, &res, &verr);
	} else {
		vd_clients_import_abort(imp);
	}
	double t2 = now_s();
	o->seconds = t2 - t0;
	o->commit_s = t2 - t1;
	fclose(f);
	if (err) {
		fprintf(stderr, "bench: import failed: %d %s %s\n", err, verr.field, verr.message);
		goto out;
	}
	o->imported = json_integer_value(json_object_get(res, "imported"));
	o->duplicates = json_integer_value(json_object_get(res, "duplicates"));
	o->rejected = json_integer_value(json_object_get(res, "rejected_total"));
	o->ok = 1;
	json_decref(res);
out:
	vd_store_close(st);
	return err;
}

/* Runs the voxdial import in a child, or execs the sqlite3 shell; returns
 * the child's outcome and its peak RSS in MB. */
enum who { VOXDIAL, VOXDIAL_VALIDATE, SQLITE3 };

static int measure(const char *db, const char *csv, enum who who, struct outcome *o,
		   double *rss_mb)
{
	int fds[2];
	if (pipe(fds)) return -errno;
	char cmd[1200];
	snprintf(cmd, sizeof cmd, ".import --csv %s t", csv);
	double t0 = now_s();
	pid_t pid = fork();
	if (pid < 0) return -errno;
	if (pid == 0) {
		close(fds[0]);
		if (who == SQLITE3) {
			execlp("sqlite3", "sqlite3", db, cmd, (char *)NULL);
			_exit(127);
		}
		struct outcome c = {0};
		int e = run_voxdial(db, csv, who == VOXDIAL_VALIDATE, &c);
		ssize_t w = write(fds[1], &c, sizeof c);
		_exit(e || w != (ssize_t)sizeof c ? 1 : 0);
	}
	close(fds[1]);
	struct outcome c = {0};
	ssize_t got = who != SQLITE3 ? read(fds[0], &c, sizeof c) : 0;
	close(fds[0]);
	int status;
	struct rusage ru;
	if (wait4(pid, &status, 0, &ru) < 0) return -errno;
	double wall = now_s() - t0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return -EIO;
	if (who != SQLITE3 && got != (ssize_t)sizeof c) return -EIO;
	if (who == SQLITE3) {
		c.seconds = wall;
		c.ok = 1;
	}
	c.cpu_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
		  (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	*o = c;
	*rss_mb = (double)ru.ru_maxrss / 1024.0;
	return 0;
}

static void remove_db(const char *db)
{
	char p[1100];
	const char *sfx[] = {"", "-wal", "-shm", "-journal"};
	for (int i = 0; i < 4; i++) {
		snprintf(p, sizeof p, "%s%s", db, sfx[i]);
		unlink(p);
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

#define MAX_RUNS 50

int main(int argc, char **argv)
{
	long rows = 1000000;
	int runs = 1;
	const char *dir = NULL;
	bool keep = false, split = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--rows") && i + 1 < argc) {
			rows = strtol(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "--dir") && i + 1 < argc) {
			dir = argv[++i];
		} else if (!strcmp(argv[i], "--keep")) {
			keep = true;
		} else if (!strcmp(argv[i], "--split")) {
			split = true;
		} else if (!strcmp(argv[i], "--runs") && i + 1 < argc) {
			runs = atoi(argv[++i]);
			if (runs < 1) runs = 1;
			if (runs > MAX_RUNS) runs = MAX_RUNS;
		} else {
			fprintf(stderr, "usage: bench_import [--rows N] [--dir DIR] [--keep] [--split]"
				" [--runs N]\n");
			return 2;
		}
	}
	char tmp[] = "/tmp/vd_bench_import_XXXXXX";
	if (!dir) {
		dir = mkdtemp(tmp);
		if (!dir) {
			perror("mkdtemp");
			return 1;
		}
	}
	char csv[1024], db_v[1024], db_s[1024];
	snprintf(csv, sizeof csv, "%s/clients.csv", dir);
	snprintf(db_v, sizeof db_v, "%s/voxdial.db", dir);
	snprintf(db_s, sizeof db_s, "%s/sqlite3.db", dir);

	double t0 = now_s();
	if (generate(csv, rows)) {
		perror("generate");
		return 1;
	}
	printf("bench/import: %ld rows generated in %.2f s (%s)\n", rows, now_s() - t0, csv);

	remove_db(db_v);
	remove_db(db_s);
	struct outcome v, s;
	double rss_v, rss_s;
	if (split) {
		struct outcome d;
		double rss_d;
		if (measure(db_v, csv, VOXDIAL_VALIDATE, &d, &rss_d)) {
			fprintf(stderr, "bench/import: validate-only run failed\n");
			return 1;
		}
		remove_db(db_v);
		printf("  voxdial, no store: %6.2f s %10.0f rows/s  peak RSS %6.1f MB"
		       "  (read, parse, validate, normalize, JSON)\n",
		       d.seconds, (double)rows / d.seconds, rss_d);
	}
	double ratios[MAX_RUNS], max_rss = 0;
	for (int run = 0; run < runs; run++) {
		remove_db(db_v);
		remove_db(db_s);
		if (measure(db_v, csv, VOXDIAL, &v, &rss_v)) {
			fprintf(stderr, "bench/import: voxdial run failed\n");
			return 1;
		}
		if (measure(db_s, csv, SQLITE3, &s, &rss_s)) {
			fprintf(stderr, "bench/import: sqlite3 run failed"
				" (is the sqlite3 shell installed?)\n");
			return 1;
		}
		double rate_v = (double)rows / v.seconds, rate_s = (double)rows / s.seconds;
		ratios[run] = rate_v / rate_s;
		if (rss_v > max_rss) max_rss = rss_v;
		if (runs > 1) printf(" run %d\n", run + 1);
		printf("  voxdial import : %6.2f s %9.0f rows/s  cpu %5.2f s  peak RSS %6.1f MB"
		       "  (imported %lld, duplicates %lld, rejected %lld; commit %.2f s)\n",
		       v.seconds, rate_v, v.cpu_s, rss_v, v.imported, v.duplicates, v.rejected,
		       v.commit_s);
		printf("  sqlite3 .import: %6.2f s %9.0f rows/s  cpu %5.2f s  peak RSS %6.1f MB"
		       "  (bare table)\n", s.seconds, rate_s, s.cpu_s, rss_s);
		printf("  ratio voxdial/sqlite3: %.2fx\n", ratios[run]);
	}
	qsort(ratios, (size_t)runs, sizeof ratios[0], cmp_double);
	double ratio = runs % 2 ? ratios[runs / 2] : (ratios[runs / 2 - 1] + ratios[runs / 2]) / 2;
	if (runs > 1)
		printf("  median ratio of %d runs: %.2fx (min %.2fx, max %.2fx)\n", runs, ratio,
		       ratios[0], ratios[runs - 1]);
	printf("  target %.1fx: %s; peak RSS %.1f MB, target < %.0f MB: %s\n", TARGET_RATIO,
	       ratio >= TARGET_RATIO ? "met" : "MISSED", max_rss, TARGET_RSS_MB,
	       max_rss < TARGET_RSS_MB ? "met" : "MISSED");
	if (!keep) {
		unlink(csv);
		remove_db(db_v);
		remove_db(db_s);
		if (dir == tmp) rmdir(dir);
	}
	return 0;
}
