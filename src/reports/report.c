/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The call report worker and the export; see report.h and
 * docs/internals/reports.md. The XLSX itself is written by xlsx.c. */
#include "reports/report.h"
#include "core/zone.h"
#include "reports/xlsx.h"
#include "store/store.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/tz.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define POLL_MS 300
#define MAX_VARIABLES 1000           /* variable columns at most (bounded memory) */
#define ZIP_LEVEL 1                  /* zlib's fastest: 1.4x the size of level 6, the export's
					biggest cost halved (docs/internals/reports.md) */

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct vd_reports {
	struct vd_store *st;
	char data_dir[512];
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	atomic_bool stop;
};

/* The fixed columns: the call list's, then the call details. */
enum col {
	COL_CLIENT_ID, COL_PHONE, COL_STATUS, COL_DATE, COL_PLANNED, COL_DURATION, COL_COST,
	COL_CURRENCY, COL_AMD, COL_GENDER, COL_RESULT, COL_SIP_CODE, COL_CALLER_ID, COL_ATTEMPT,
	COL_RECALL_FOR, COL_RECORDING, COL_FIXED
};
static const struct { const char *title; double width; } columns[COL_FIXED] = {
	[COL_CLIENT_ID] = {"Client ID", 14}, [COL_PHONE] = {"Phone", 16}, [COL_STATUS] = {"Status", 12},
	[COL_DATE] = {"Date", 19}, [COL_PLANNED] = {"Planned time", 19}, [COL_DURATION] = {"Duration, s", 11},
	[COL_COST] = {"Cost", 10}, [COL_CURRENCY] = {"Currency", 9}, [COL_AMD] = {"AMD", 9},
	[COL_GENDER] = {"Gender", 8}, [COL_RESULT] = {"Result", 16}, [COL_SIP_CODE] = {"SIP code", 9},
	[COL_CALLER_ID] = {"Caller ID", 16}, [COL_ATTEMPT] = {"Attempt", 8}, [COL_RECALL_FOR] = {"Recall for", 11},
	[COL_RECORDING] = {"Recording URL", 36},
};

struct writer {
	struct vd_store *st;
	const struct vd_report *rep;
	const atomic_bool *stop;
	struct vd_xlsx *x;
	int sheets;
	uint32_t row;                /* rows written in the current sheet */
	struct vd_zone zone;         /* the task's time zone, for Excel's local dates */
	char **vars;
	size_t nvars;
	int64_t total, done;
	int err;                     /* first failure, stops the stream */
	char *error;
	size_t error_size;
};

static void fail(struct writer *w, int err, const char *fmt, const char *detail)
{
	if (w->err) return;
	w->err = err;
	snprintf(w->error, w->error_size, fmt, detail);
}

static int add_name(void *arg, const char *name)
{
	struct writer *w = arg;
	if (w->nvars == MAX_VARIABLES) return 1;   /* the rest are left out, documented */
	char *copy = strdup(name);
	if (!copy) {
		fail(w, -ENOMEM, "%s", "out of memory");
		return 1;
	}
	w->vars[w->nvars++] = copy;
	return 0;
}

static void put_str(struct writer *w, int col, const char *s)
{
	if (s && *s) vd_xlsx_str(w->x, col, s, VD_XLSX_PLAIN);
}

static void put_time(struct writer *w, int col, int64_t ms)
{
	if (ms <= 0) return;
	int64_t s = ms / 1000;
	vd_xlsx_date(w->x, col, ms + vd_zone_offset(&w->zone, s) * 1000, VD_XLSX_DATE);
}

/* A new sheet with the header row: the first, and another each time a
 * sheet fills Excel's 1,048,576 rows. */
static int new_sheet(struct writer *w)
{
	char name[32];
	snprintf(name, sizeof name, w->sheets ? "Calls %d" : "Calls", w->sheets + 1);
	double widths[COL_FIXED + MAX_VARIABLES];
	int ncols = COL_FIXED + (int)w->nvars;
	/* + 0.71: Excel's cell padding, so a width is the characters shown */
	for (int c = 0; c < ncols; c++) widths[c] = (c < COL_FIXED ? columns[c].width : 14) + 0.71;
	int err = vd_xlsx_sheet(w->x, name, widths, ncols, 1);
	if (err) {
		fail(w, err, "%s", "cannot add a worksheet");
		return w->err;
	}
	w->sheets++;
	w->row = vd_xlsx_row(w->x);
	for (int c = 0; c < COL_FIXED; c++) vd_xlsx_str(w->x, c, columns[c].title, VD_XLSX_BOLD);
	for (size_t i = 0; i < w->nvars; i++) vd_xlsx_str(w->x, (int)(COL_FIXED + i), w->vars[i], VD_XLSX_BOLD);
	return w->err;
}

static void put_variables(struct writer *w, const struct vd_report_value *vars)
{
	for (size_t i = 0; i < w->nvars && !w->err; i++) {
		int col = (int)(COL_FIXED + i);
		if (vars[i].type == VD_RV_TEXT) put_str(w, col, vars[i].text);
		else if (vars[i].type == VD_RV_NUMBER) vd_xlsx_num(w->x, col, vars[i].num, VD_XLSX_PLAIN);
	}
}

static int write_row(void *arg, const struct vd_call *c, const struct vd_report_value *vars)
{
	struct writer *w = arg;
	if (w->stop && (w->done & 1023) == 0 && atomic_load(w->stop)) {
		fail(w, -ECANCELED, "%s", "stopped");
		return 1;
	}
	if (w->row == VD_XLSX_MAX_ROWS && new_sheet(w)) return 1;
	w->row = vd_xlsx_row(w->x);
	put_str(w, COL_CLIENT_ID, c->client_id);
	put_str(w, COL_PHONE, c->phone);
	put_str(w, COL_STATUS, c->outcome[0] ? c->outcome : "in_progress");
	put_time(w, COL_DATE, c->started_ms);
	put_time(w, COL_PLANNED, c->planned_ms);
	if (c->duration_s >= 0) vd_xlsx_int(w->x, COL_DURATION, c->duration_s, VD_XLSX_INTEGER);
	if (c->cost_minor >= 0) vd_xlsx_fixed(w->x, COL_COST, c->cost_minor, 2, VD_XLSX_MONEY);
	put_str(w, COL_CURRENCY, c->currency);
	put_str(w, COL_AMD, c->amd);
	put_str(w, COL_GENDER, c->gender);
	put_str(w, COL_RESULT, c->result);
	if (c->sip_code) vd_xlsx_int(w->x, COL_SIP_CODE, c->sip_code, VD_XLSX_INTEGER);
	put_str(w, COL_CALLER_ID, c->caller_id);
	vd_xlsx_int(w->x, COL_ATTEMPT, c->attempt, VD_XLSX_INTEGER);
	put_str(w, COL_RECALL_FOR, c->recall_for);
	if (c->has_recording) {
		char url[64];
		snprintf(url, sizeof url, "/api/v1/calls/%lld/recording.wav", (long long)c->id);
		put_str(w, COL_RECORDING, url);
	}
	put_variables(w, vars);
	w->done++;
	if (!w->err && vd_xlsx_error(w->x)) fail(w, vd_xlsx_error(w->x), "%s", "cannot write the sheet");
	if (w->rep->id > 0 && w->done % VD_REPORT_PROGRESS_ROWS == 0) {
		int64_t total = w->total > w->done ? w->total : w->done;
		/* Progress is advisory: a failed update only delays what the
		 * page shows, so it is logged and the export goes on. */
		if (vd_store_report_progress(w->st, w->rep->id, total, w->done))
			vd_warn("report", "report=%lld cannot record progress", (long long)w->rep->id);
	}
	return w->err ? 1 : 0;
}

/* The task's time zone (window.timezone), UTC if it has none or it is not
 * known: Excel dates carry no zone, so they are written in local time. */
static void task_zone(struct vd_store *st, const struct vd_report *rep, struct vd_zone *z)
{
	vd_zone_init_fixed(z, 0);
	struct vd_res r = {0};
	if (vd_store_res_get(st, VD_KIND_TASK, rep->account_id, rep->task_id, &r)) return;
	json_t *body = json_loads(r.body, 0, NULL);
	const char *tz = json_string_value(json_object_get(json_object_get(body, "window"), "timezone"));
	int64_t now_s = vd_store_now_ms() / 1000;
	if (tz && vd_tz_zone_build(tz, now_s - 10LL * 365 * 86400, now_s + 365 * 86400, z))
		vd_zone_init_fixed(z, 0);
	json_decref(body);
	vd_res_reset(&r);
}

int vd_report_export(struct vd_store *st, const char *data_dir, const struct vd_report *rep,
		     const atomic_bool *stop, struct vd_report_result *res)
{
	memset(res, 0, sizeof *res);
	struct writer w = {.st = st, .rep = rep, .stop = stop, .error = res->error,
			   .error_size = sizeof res->error};
	struct vd_report_reader *rd = NULL;
	char dir[512], part[600];
	snprintf(dir, sizeof dir, "%s/reports/%lld", data_dir, (long long)rep->account_id);
	snprintf(res->path, sizeof res->path, "%s/%lld.xlsx", dir, (long long)rep->id);
	snprintf(part, sizeof part, "%s.part", res->path);
	int err = vd_mkdirs(dir);
	if (err) {
		snprintf(res->error, sizeof res->error, "cannot create %s", dir);
		return err;
	}
	task_zone(st, rep, &w.zone);
	w.vars = calloc(MAX_VARIABLES, sizeof *w.vars);
	if (!w.vars) {
		snprintf(res->error, sizeof res->error, "out of memory");
		return -ENOMEM;
	}
	err = vd_store_report_reader_open(st, rep->account_id, rep->task_id, &rd, &w.total);
	if (err) {
		snprintf(res->error, sizeof res->error, err == -ENOENT ? "the task no longer exists"
									  : "cannot read the calls");
		goto out;
	}
	double t0 = mono_s(), t_vars = t0, t_rows = t0;
	if (rep->with_variables) {
		/* A first, cheap pass (SQL over the JSON, no rows kept) for the
		 * columns: the rows themselves stream and cannot be revisited. */
		err = vd_store_report_reader_variables(rd, add_name, &w);
		if (!err) err = w.err;
		if (err) {
			if (!res->error[0]) snprintf(res->error, sizeof res->error, "cannot read the variables");
			goto out;
		}
	}
	t_vars = mono_s();
	if (rep->id > 0 && vd_store_report_progress(st, rep->id, w.total, 0))
		vd_warn("report", "report=%lld cannot record progress", (long long)rep->id);

	err = vd_xlsx_open(&w.x, part, ZIP_LEVEL);
	if (err) {
		snprintf(res->error, sizeof res->error, "cannot create the file: %s", strerror(-err));
		goto out;
	}
	if (new_sheet(&w) == 0) {
		err = vd_store_report_reader_calls(rd, (const char *const *)w.vars, w.nvars, write_row, &w);
		if (err && !w.err) fail(&w, err, "%s", "cannot read the calls");
	}
	vd_store_report_reader_close(rd);
	rd = NULL;
	t_rows = mono_s();
	if (w.err) {
		err = w.err;
		vd_xlsx_abort(w.x);
		goto out;
	}
	err = vd_xlsx_close(w.x);   /* the workbook's parts and the zip directory; frees */
	if (err) {
		snprintf(res->error, sizeof res->error, "cannot write the file: %s", strerror(-err));
		goto out;
	}
	if (rename(part, res->path) != 0) {
		err = -errno;
		snprintf(res->error, sizeof res->error, "cannot rename %s: %s", part, strerror(errno));
		goto out;
	}
	res->rows = w.done;
	vd_info("report", "report=%lld phases: variables %.1f s, rows %.1f s, close %.1f s", (long long)rep->id,
		t_vars - t0, t_rows - t_vars, mono_s() - t_rows);
out:
	if (err) unlink(part);   /* may not exist: nothing to report then */
	vd_store_report_reader_close(rd);
	for (size_t i = 0; i < w.nvars; i++) free(w.vars[i]);
	free(w.vars);
	return err;
}

/* ---- the worker thread ---- */

static void run_one(struct vd_reports *r, const struct vd_report *rep)
{
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	vd_info("report", "report=%lld task=%lld export started (variables: %s)", (long long)rep->id,
		(long long)rep->task_id, rep->with_variables ? "yes" : "no");
	struct vd_report_result *res = calloc(1, sizeof *res);
	if (!res) return;   /* stays running; redone at the next start */
	int err = vd_report_export(r->st, r->data_dir, rep, &r->stop, res);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (err == -ECANCELED) {
		/* Stopping: left running, queued again at the next start. */
		vd_info("report", "report=%lld abandoned by the stop", (long long)rep->id);
	} else if (vd_store_report_finish(r->st, rep->id, err == 0, res->rows, res->path, res->error)) {
		vd_err("report", "report=%lld cannot record its end", (long long)rep->id);
	} else if (err) {
		vd_warn("report", "report=%lld task=%lld failed: %s", (long long)rep->id,
			(long long)rep->task_id, res->error);
	} else {
		vd_info("report", "report=%lld task=%lld done: %lld rows in %.1f s", (long long)rep->id,
			(long long)rep->task_id, (long long)res->rows, secs);
	}
	free(res);
}

static void *thread_main(void *arg)
{
	struct vd_reports *r = arg;
	while (!atomic_load(&r->stop)) {
		struct vd_report rep;
		int err = vd_store_report_claim(r->st, &rep);
		if (err == 0) {
			run_one(r, &rep);
			continue;
		}
		if (err != -ENOENT) vd_warn("report", "cannot read the queue (%d)", err);
		pthread_mutex_lock(&r->lock);
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += POLL_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		if (!atomic_load(&r->stop)) pthread_cond_timedwait(&r->cond, &r->lock, &ts);
		pthread_mutex_unlock(&r->lock);
	}
	return NULL;
}

int vd_reports_start(struct vd_reports **out, struct vd_store *st, const char *data_dir)
{
	int n = 0;
	int err = vd_store_reports_requeue(st, &n);
	if (err) return err;
	if (n) vd_info("report", "%d report(s) interrupted by the last stop queued again", n);
	struct vd_reports *r = calloc(1, sizeof *r);
	if (!r) return -ENOMEM;
	r->st = st;
	snprintf(r->data_dir, sizeof r->data_dir, "%s", data_dir);
	atomic_init(&r->stop, false);
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	if (pthread_create(&r->thread, NULL, thread_main, r) != 0) {
		pthread_mutex_destroy(&r->lock);
		pthread_cond_destroy(&r->cond);
		free(r);
		return -EAGAIN;
	}
	*out = r;
	return 0;
}

void vd_reports_stop(struct vd_reports *r)
{
	if (!r) return;
	pthread_mutex_lock(&r->lock);
	atomic_store(&r->stop, true);
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->cond);
	free(r);
}
