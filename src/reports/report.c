/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The call report worker and the export; see report.h and
 * docs/internals/reports.md. The XLSX is written by libxlsxwriter in
 * constant-memory mode; the rows are read from the store on a second
 * thread and handed over in batches, so SQLite and libxlsxwriter each
 * get a core. */
#include "reports/report.h"
#include "core/zone.h"
#include "store/store.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/tz.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>
#include <xlsxwriter.h>

#define POLL_MS 300
#define MAX_VARIABLES 1000           /* variable columns at most (bounded memory) */
#define EXCEL_EPOCH_DAYS 25569.0     /* 1970-01-01 as an Excel serial date */
#define EXCEL_MAX_CHARS 32767        /* a cell's text at most; longer is left empty */
#define TEXT_MAX (4 * EXCEL_MAX_CHARS) /* bytes: a longer UTF-8 text cannot fit */
#define BATCH_ROWS 256               /* rows per hand-over between the threads */
#define BATCH_TEXT (256 * 1024)      /* ... or fewer once their text passes this */
#define RING 4                       /* batches in flight: the reader's lead */
#define NO_TEXT UINT32_MAX
/* Sheet XML per row, for the zip64 and temporary-space estimates: about
 * 640 bytes for the fixed columns and 60 per variable on bench/report,
 * taken generously. */
#define XML_ROW_BYTES 800.0
#define XML_VAR_BYTES 100.0
#define SHM_DIR "/dev/shm"

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double thread_cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
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

/* ---- the hand-over: batches of rows from the reader thread ---- */

/* The text columns of a row, in column order. */
enum text { T_CLIENT_ID, T_PHONE, T_STATUS, T_CURRENCY, T_AMD, T_GENDER, T_RESULT, T_CALLER_ID,
	    T_RECALL_FOR, T_RECORDING, T_N };
static const enum col text_col[T_N] = {
	COL_CLIENT_ID, COL_PHONE, COL_STATUS, COL_CURRENCY, COL_AMD, COL_GENDER, COL_RESULT,
	COL_CALLER_ID, COL_RECALL_FOR, COL_RECORDING,
};

/* A call as the sheet shows it, prepared by the reader (dates already
 * Excel serials in the task's zone): the writer only writes cells. */
struct row {
	double date, planned;        /* <= 0: none */
	double duration, cost;       /* < 0: none */
	int sip_code, attempt;       /* sip_code 0: none */
	uint32_t text[T_N];          /* offsets into the batch's text, NO_TEXT: empty */
};
struct value {
	double num;
	uint32_t text;               /* VD_RV_TEXT: offset into the batch's text */
	int type;                    /* VD_RV_NONE, _NUMBER, _TEXT */
};
struct batch {
	size_t n;
	struct row rows[BATCH_ROWS];
	struct value *vals;          /* BATCH_ROWS x nvars */
	char *text;                  /* NUL-terminated strings */
	size_t used, cap;
};

/* A bounded ring of RING batches: the reader fills batch[tail % RING] while
 * fewer than RING are full, the writer drains batch[head % RING]. One lock
 * and two conditions, taken once per batch. */
struct ring {
	pthread_mutex_t lock;
	pthread_cond_t can_fill, can_drain;
	struct batch b[RING];
	unsigned head, tail;         /* under lock */
	bool eof;                    /* under lock: the reader is done */
	int err;                     /* under lock: the reader's result */
	atomic_bool cancel;          /* the writer gave up: the reader stops */
	/* the reader's own */
	struct vd_report_reader *rd;
	const char *const *names;
	size_t nvars;
	const struct vd_zone *zone;
	struct batch *cur;
	bool oom;
	double cpu_s;                /* the reader thread's CPU time */
};

static int ring_init(struct ring *r, size_t nvars)
{
	memset(r, 0, sizeof *r);
	for (int i = 0; i < RING; i++) {
		r->b[i].vals = calloc(BATCH_ROWS * (nvars ? nvars : 1), sizeof *r->b[i].vals);
		if (!r->b[i].vals) return -ENOMEM;
	}
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->can_fill, NULL);
	pthread_cond_init(&r->can_drain, NULL);
	atomic_init(&r->cancel, false);
	r->nvars = nvars;
	return 0;
}

/* Frees the batches; the synchronisation objects only when `inited`. */
static void ring_reset(struct ring *r, bool inited)
{
	for (int i = 0; i < RING; i++) {
		free(r->b[i].vals);
		free(r->b[i].text);
	}
	if (inited) {
		pthread_mutex_destroy(&r->lock);
		pthread_cond_destroy(&r->can_fill);
		pthread_cond_destroy(&r->can_drain);
	}
}

/* Reader: the next empty batch, waiting while the writer is RING behind;
 * NULL once cancelled. */
static struct batch *ring_acquire(struct ring *r)
{
	pthread_mutex_lock(&r->lock);
	while (r->tail - r->head == RING && !atomic_load(&r->cancel)) pthread_cond_wait(&r->can_fill, &r->lock);
	struct batch *b = atomic_load(&r->cancel) ? NULL : &r->b[r->tail % RING];
	pthread_mutex_unlock(&r->lock);
	if (b) b->n = b->used = 0;
	return b;
}

/* Reader: the batch being filled goes to the writer. */
static void ring_publish(struct ring *r)
{
	pthread_mutex_lock(&r->lock);
	r->tail++;
	pthread_cond_signal(&r->can_drain);
	pthread_mutex_unlock(&r->lock);
}

/* Writer: the oldest full batch, NULL when the reader is done and every
 * batch was written. */
static struct batch *ring_next(struct ring *r)
{
	pthread_mutex_lock(&r->lock);
	while (r->head == r->tail && !r->eof) pthread_cond_wait(&r->can_drain, &r->lock);
	struct batch *b = r->head == r->tail ? NULL : &r->b[r->head % RING];
	pthread_mutex_unlock(&r->lock);
	return b;
}

/* Writer: done with the batch ring_next returned. */
static void ring_release(struct ring *r)
{
	pthread_mutex_lock(&r->lock);
	r->head++;
	pthread_cond_signal(&r->can_fill);
	pthread_mutex_unlock(&r->lock);
}

static void ring_cancel(struct ring *r)
{
	pthread_mutex_lock(&r->lock);
	atomic_store(&r->cancel, true);
	pthread_cond_signal(&r->can_fill);
	pthread_mutex_unlock(&r->lock);
}

/* A copy of `s` in the batch's text; NO_TEXT for an empty one, for one
 * too long for a cell (left empty, as Excel could not hold it) and when
 * out of memory (r->oom). */
static uint32_t put_text(struct ring *r, struct batch *b, const char *s)
{
	if (!s || !*s) return NO_TEXT;
	size_t len = strlen(s) + 1;
	if (len > TEXT_MAX) return NO_TEXT;
	if (b->used + len > b->cap) {
		size_t cap = b->cap ? b->cap : 64 * 1024;
		while (cap < b->used + len) cap *= 2;
		char *p = realloc(b->text, cap);
		if (!p) {
			r->oom = true;
			return NO_TEXT;
		}
		b->text = p;
		b->cap = cap;
	}
	memcpy(b->text + b->used, s, len);
	uint32_t off = (uint32_t)b->used;
	b->used += len;
	return off;
}

static double excel_date(const struct vd_zone *z, int64_t ms)
{
	if (ms <= 0) return 0;
	int64_t s = ms / 1000;
	double local = (double)(s + vd_zone_offset(z, s)) + (double)(ms % 1000) / 1000.0;
	return EXCEL_EPOCH_DAYS + local / 86400.0;
}

/* The reader thread's row callback: the call into the current batch. */
static int fill_row(void *arg, const struct vd_call *c, const struct vd_report_value *vars)
{
	struct ring *r = arg;
	if (atomic_load_explicit(&r->cancel, memory_order_relaxed)) return 1;
	if (!r->cur && !(r->cur = ring_acquire(r))) return 1;
	struct batch *b = r->cur;
	struct row *row = &b->rows[b->n];
	row->date = excel_date(r->zone, c->started_ms);
	row->planned = excel_date(r->zone, c->planned_ms);
	row->duration = c->duration_s >= 0 ? (double)c->duration_s : -1;
	row->cost = c->cost_minor >= 0 ? (double)c->cost_minor / 100.0 : -1;
	row->sip_code = c->sip_code;
	row->attempt = c->attempt;
	char url[64] = "";
	if (c->has_recording) snprintf(url, sizeof url, "/api/v1/calls/%lld/recording.wav", (long long)c->id);
	const char *texts[T_N] = {
		[T_CLIENT_ID] = c->client_id, [T_PHONE] = c->phone,
		[T_STATUS] = c->outcome[0] ? c->outcome : "in_progress", [T_CURRENCY] = c->currency,
		[T_AMD] = c->amd, [T_GENDER] = c->gender, [T_RESULT] = c->result,
		[T_CALLER_ID] = c->caller_id, [T_RECALL_FOR] = c->recall_for, [T_RECORDING] = url,
	};
	for (int t = 0; t < T_N; t++) row->text[t] = put_text(r, b, texts[t]);
	struct value *v = b->vals + b->n * r->nvars;
	for (size_t i = 0; i < r->nvars; i++) {
		v[i].type = vars[i].type;
		v[i].num = vars[i].num;
		if (vars[i].type == VD_RV_TEXT && (v[i].text = put_text(r, b, vars[i].text)) == NO_TEXT)
			v[i].type = VD_RV_NONE;
	}
	if (r->oom) return 1;
	if (++b->n == BATCH_ROWS || b->used >= BATCH_TEXT) {
		ring_publish(r);
		r->cur = NULL;
	}
	return 0;
}

static void *reader_main(void *arg)
{
	struct ring *r = arg;
	int err = vd_store_report_reader_calls(r->rd, r->names, r->nvars, fill_row, r);
	if (!err && r->oom) err = -ENOMEM;
	r->cpu_s = thread_cpu_s();   /* read by the writer after the join */
	pthread_mutex_lock(&r->lock);
	if (r->cur && r->cur->n) r->tail++;
	r->cur = NULL;
	r->eof = true;
	r->err = err;
	pthread_cond_signal(&r->can_drain);
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

/* ---- the writer: libxlsxwriter ---- */

struct writer {
	struct vd_store *st;
	const struct vd_report *rep;
	const atomic_bool *stop;
	lxw_workbook *wb;
	lxw_worksheet *ws;
	lxw_format *bold, *date, *money, *integer;
	int sheets;
	lxw_row_t row;               /* next row of ws */
	struct vd_zone zone;         /* the task's time zone, for Excel's local dates */
	char **vars;
	size_t nvars;
	int64_t total, done;
	off_t max_sheet_bytes;       /* the biggest sheet's rows file */
	double reader_cpu_s;
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

/* A cell write: an over-long string (Excel's limit is 32767 characters) is
 * left empty rather than failing the whole report; anything else fails. */
static void check(struct writer *w, lxw_error e)
{
	if (e == LXW_NO_ERROR || e == LXW_ERROR_MAX_STRING_LENGTH_EXCEEDED) return;
	fail(w, -EIO, "cannot write the sheet: %s", lxw_strerror(e));
}

static void put_num(struct writer *w, int col, double v, lxw_format *f)
{
	check(w, worksheet_write_number(w->ws, w->row, (lxw_col_t)col, v, f));
}

/* libxlsxwriter ignores the result of its writes to a sheet's temporary
 * file (fprintf per cell): a full disk or tmpfs would give a truncated
 * sheet in a file that looks complete. So the sheet's file is flushed
 * and its error flag checked before the next sheet and before the close. */
static void check_sheet_file(struct writer *w)
{
	FILE *f = w->ws ? w->ws->optimize_tmpfile : NULL;
	if (!f) return;
	if (fflush(f) != 0 || ferror(f)) {
		fail(w, -EIO, "%s", "cannot write the temporary file (no room?)");
		return;
	}
	off_t n = ftello(f);
	if (n > w->max_sheet_bytes) w->max_sheet_bytes = n;
}

/* workbook_close copies each sheet's rows into a second temporary file
 * before zipping it, and does not check those writes either: the biggest
 * sheet must fit in what is left of `tmpdir`, or the report fails now. */
static void check_room_for_close(struct writer *w, const char *tmpdir)
{
	struct statvfs fs;
	if (w->err || statvfs(tmpdir, &fs) != 0) return;   /* unknown: libxlsxwriter's own errors remain */
	if ((double)fs.f_bavail * (double)fs.f_frsize < (double)w->max_sheet_bytes + (1 << 20))
		fail(w, -ENOSPC, "no room in %s for the zip step", tmpdir);
}

/* A new sheet with the header row: the first, and another each time a
 * sheet fills Excel's 1,048,576 rows. */
static int new_sheet(struct writer *w)
{
	check_sheet_file(w);
	if (w->err) return w->err;
	char name[32];
	snprintf(name, sizeof name, w->sheets ? "Calls %d" : "Calls", w->sheets + 1);
	w->ws = workbook_add_worksheet(w->wb, name);
	if (!w->ws) {
		fail(w, -ENOMEM, "%s", "cannot add a worksheet");
		return w->err;
	}
	w->sheets++;
	w->row = 0;
	/* Every cell goes through fprintf into this temporary file (the field
	 * is public in libxlsxwriter's worksheet.h): a 1 MB buffer instead
	 * of stdio's 4 KB makes 250 times fewer write calls (setvbuf must
	 * come before the first write, which it does: the sheet is new), and
	 * as only this thread touches the file, stdio need not lock it for
	 * every cell (the process has the reader thread too). */
	if (w->ws->optimize_tmpfile) {
		setvbuf(w->ws->optimize_tmpfile, NULL, _IOFBF, 1 << 20);
		__fsetlocking(w->ws->optimize_tmpfile, FSETLOCKING_BYCALLER);
	}
	for (int c = 0; c < COL_FIXED; c++) {
		worksheet_set_column(w->ws, (lxw_col_t)c, (lxw_col_t)c, columns[c].width, NULL);
		check(w, worksheet_write_string(w->ws, 0, (lxw_col_t)c, columns[c].title, w->bold));
	}
	if (w->nvars) worksheet_set_column(w->ws, COL_FIXED, (lxw_col_t)(COL_FIXED + w->nvars - 1), 14, NULL);
	for (size_t i = 0; i < w->nvars; i++)
		check(w, worksheet_write_string(w->ws, 0, (lxw_col_t)(COL_FIXED + i), w->vars[i], w->bold));
	worksheet_freeze_panes(w->ws, 1, 0);
	w->row = 1;
	return w->err;
}

/* Row i of batch b into the sheet; progress every VD_REPORT_PROGRESS_ROWS. */
static void write_row(struct writer *w, const struct batch *b, size_t i)
{
	if (w->stop && (w->done & 1023) == 0 && atomic_load(w->stop)) {
		fail(w, -ECANCELED, "%s", "stopped");
		return;
	}
	if (w->row == LXW_ROW_MAX && new_sheet(w)) return;
	const struct row *r = &b->rows[i];
	/* Only the non-empty cells: libxlsxwriter writes nothing for the rest. */
	for (int t = 0; t < T_N; t++)
		if (r->text[t] != NO_TEXT)
			check(w, worksheet_write_string(w->ws, w->row, (lxw_col_t)text_col[t], b->text + r->text[t], NULL));
	if (r->date > 0) put_num(w, COL_DATE, r->date, w->date);
	if (r->planned > 0) put_num(w, COL_PLANNED, r->planned, w->date);
	if (r->duration >= 0) put_num(w, COL_DURATION, r->duration, w->integer);
	if (r->cost >= 0) put_num(w, COL_COST, r->cost, w->money);
	if (r->sip_code) put_num(w, COL_SIP_CODE, r->sip_code, w->integer);
	put_num(w, COL_ATTEMPT, r->attempt, w->integer);
	const struct value *v = b->vals + i * w->nvars;
	for (size_t k = 0; k < w->nvars; k++) {
		lxw_col_t col = (lxw_col_t)(COL_FIXED + k);
		if (v[k].type == VD_RV_TEXT)
			check(w, worksheet_write_string(w->ws, w->row, col, b->text + v[k].text, NULL));
		else if (v[k].type == VD_RV_NUMBER)
			check(w, worksheet_write_number(w->ws, w->row, col, v[k].num, NULL));
	}
	w->row++;
	w->done++;
	if (w->done % VD_REPORT_PROGRESS_ROWS) return;
	/* a failed write shows early, not only after every row (see check_sheet_file) */
	if (w->ws->optimize_tmpfile && ferror(w->ws->optimize_tmpfile)) {
		fail(w, -EIO, "%s", "cannot write the temporary file (no room?)");
		return;
	}
	if (w->rep->id > 0) {
		int64_t total = w->total > w->done ? w->total : w->done;
		/* Progress is advisory: a failed update only delays what the
		 * page shows, so it is logged and the export goes on. */
		if (vd_store_report_progress(w->st, w->rep->id, total, w->done))
			vd_warn("report", "report=%lld cannot record progress", (long long)w->rep->id);
	}
}

/* The rows: a reader thread fills the ring from the store, this thread
 * writes them. Any failure is in w->err. */
static void write_rows(struct writer *w, struct vd_report_reader *rd)
{
	struct ring r;
	int err = ring_init(&r, w->nvars);
	if (err) {
		ring_reset(&r, false);
		fail(w, err, "%s", "out of memory");
		return;
	}
	r.rd = rd;
	r.names = (const char *const *)w->vars;
	r.zone = &w->zone;
	pthread_t th;
	if (pthread_create(&th, NULL, reader_main, &r) != 0) {
		ring_reset(&r, true);
		fail(w, -EAGAIN, "%s", "cannot start the reader thread");
		return;
	}
	struct batch *b;
	while (!w->err && (b = ring_next(&r))) {
		for (size_t i = 0; i < b->n && !w->err; i++) write_row(w, b, i);
		ring_release(&r);
	}
	if (w->err) ring_cancel(&r);
	pthread_join(th, NULL);
	w->reader_cpu_s = r.cpu_s;
	if (r.err) fail(w, r.err, "%s", r.err == -ENOMEM ? "out of memory" : "cannot read the calls");
	ring_reset(&r, true);
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

/* MemAvailable of /proc/meminfo in bytes, 0 if unknown. */
static double mem_available(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	double kb = 0;
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, "MemAvailable:", 13)) kb = strtod(line + 13, NULL);
	if (f) fclose(f);
	return kb * 1024.0;
}

/* Where libxlsxwriter keeps the sheets' XML until workbook_close zips it:
 * every sheet's rows, plus a copy of the sheet being zipped. On a tmpfs
 * (/dev/shm) these writes and reads are memory copies; on the data
 * disk they went through the page cache, the journal and writeback (18 %
 * of an export's time, docs/internals/reports.md). The tmpfs is used when
 * both it and the memory have twice the estimate free (its pages are RAM,
 * not counted in the process's RSS); else DATA/reports/tmp. */
static void choose_tmpdir(const char *data_dir, double need, char *out, size_t size)
{
	struct statvfs fs;
	if (access(SHM_DIR, W_OK) == 0 && statvfs(SHM_DIR, &fs) == 0 &&
	    (double)fs.f_bavail * (double)fs.f_frsize > 2 * need && mem_available() > 2 * need + 256e6) {
		snprintf(out, size, "%s", SHM_DIR);
		return;
	}
	snprintf(out, size, "%s/reports/tmp", data_dir);
}

/* One export into `part`; `zip64` as libxlsxwriter's option. Returns 0,
 * -E2BIG when a zip part outgrew 4 GB without zip64, or another error
 * with res->error set. */
static int export_once(struct vd_store *st, const char *data_dir, const struct vd_report *rep,
		       const atomic_bool *stop, bool zip64, const char *part, struct vd_report_result *res)
{
	struct writer w = {.st = st, .rep = rep, .stop = stop, .error = res->error,
			   .error_size = sizeof res->error};
	struct vd_report_reader *rd = NULL;
	char tmpdir[512];
	task_zone(st, rep, &w.zone);
	w.vars = calloc(MAX_VARIABLES, sizeof *w.vars);
	if (!w.vars) {
		snprintf(res->error, sizeof res->error, "out of memory");
		return -ENOMEM;
	}
	int err = vd_store_report_reader_open(st, rep->account_id, rep->task_id, &rd, &w.total);
	if (err) {
		snprintf(res->error, sizeof res->error, err == -ENOENT ? "the task no longer exists"
									  : "cannot read the calls");
		goto out;
	}
	double t0 = mono_s(), t_vars = t0, t_rows = t0, c0 = thread_cpu_s(), c_vars = c0, c_rows = c0;
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
	c_vars = thread_cpu_s();
	if (rep->id > 0 && vd_store_report_progress(st, rep->id, w.total, 0))
		vd_warn("report", "report=%lld cannot record progress", (long long)rep->id);

	/* The sheet XML estimate decides zip64 (only when a sheet may pass
	 * 4 GB: Excel is picky about zip64 it did not need; a wrong guess
	 * is caught at the close and the export redone with it) and whether
	 * the temporary files fit in memory. */
	double row_bytes = XML_ROW_BYTES + XML_VAR_BYTES * (double)w.nvars;
	double sheet_rows = (double)(w.total < LXW_ROW_MAX - 1 ? w.total : LXW_ROW_MAX - 1);
	zip64 = zip64 || sheet_rows * row_bytes >= 4294967295.0;
	choose_tmpdir(data_dir, (double)w.total * row_bytes + sheet_rows * row_bytes, tmpdir, sizeof tmpdir);
	if (strcmp(tmpdir, SHM_DIR) != 0 && (err = vd_mkdirs(tmpdir)) != 0) {
		snprintf(res->error, sizeof res->error, "cannot create %s", tmpdir);
		goto out;
	}
	lxw_workbook_options opt = {.constant_memory = LXW_TRUE, .tmpdir = tmpdir, .use_zip64 = zip64};
	w.wb = workbook_new_opt(part, &opt);
	if (!w.wb) {
		err = -EIO;
		snprintf(res->error, sizeof res->error, "cannot create the workbook");
		goto out;
	}
	/* Created once: a cell's style is then a pointer, its index known. */
	w.bold = workbook_add_format(w.wb);
	format_set_bold(w.bold);
	w.date = workbook_add_format(w.wb);
	format_set_num_format(w.date, "yyyy-mm-dd hh:mm:ss");
	w.money = workbook_add_format(w.wb);
	format_set_num_format(w.money, "0.00");
	w.integer = workbook_add_format(w.wb);
	format_set_num_format(w.integer, "0");
	if (new_sheet(&w) == 0) write_rows(&w, rd);
	check_sheet_file(&w);
	check_room_for_close(&w, tmpdir);
	/* The snapshot is no longer needed: end it before the (long) zip
	 * step so the WAL can be checkpointed meanwhile. */
	vd_store_report_reader_close(rd);
	rd = NULL;
	t_rows = mono_s();
	c_rows = thread_cpu_s();
	if (w.err) {
		err = w.err;
		lxw_workbook_free(w.wb);   /* drops the temporary files, writes nothing */
		goto out;
	}
	lxw_error e = workbook_close(w.wb);   /* zips the sheets into `part`; frees */
	if (e == LXW_ERROR_ZIP_BAD_ZIP_FILE && !zip64) {
		err = -E2BIG;
		goto out;
	}
	if (e != LXW_NO_ERROR) {
		err = -EIO;
		snprintf(res->error, sizeof res->error, "cannot write the file: %s", lxw_strerror(e));
		goto out;
	}
	res->rows = w.done;
	/* Wall and CPU time of each phase: the CPU figures do not depend on
	 * what else the machine runs (docs/internals/reports.md). */
	vd_info("report", "report=%lld phases: variables %.1f s (cpu %.1f), rows %.1f s (cpu: writer %.1f, reader %.1f),"
		" zip %.1f s (cpu %.1f); temporary files in %s%s", (long long)rep->id, t_vars - t0, c_vars - c0,
		t_rows - t_vars, c_rows - c_vars, w.reader_cpu_s, mono_s() - t_rows, thread_cpu_s() - c_rows, tmpdir,
		zip64 ? ", zip64" : "");
out:
	vd_store_report_reader_close(rd);
	for (size_t i = 0; i < w.nvars; i++) free(w.vars[i]);
	free(w.vars);
	return err;
}

int vd_report_export(struct vd_store *st, const char *data_dir, const struct vd_report *rep,
		     const atomic_bool *stop, struct vd_report_result *res)
{
	memset(res, 0, sizeof *res);
	char dir[512], part[600];
	snprintf(dir, sizeof dir, "%s/reports/%lld", data_dir, (long long)rep->account_id);
	snprintf(res->path, sizeof res->path, "%s/%lld.xlsx", dir, (long long)rep->id);
	snprintf(part, sizeof part, "%s.part", res->path);
	int err = vd_mkdirs(dir);
	if (err) {
		snprintf(res->error, sizeof res->error, "cannot create %s", dir);
		return err;
	}
	err = export_once(st, data_dir, rep, stop, false, part, res);
	if (err == -E2BIG) {
		vd_warn("report", "report=%lld a sheet passed 4 GB: written again with zip64", (long long)rep->id);
		err = export_once(st, data_dir, rep, stop, true, part, res);
	}
	if (!err && rename(part, res->path) != 0) {
		err = -errno;
		snprintf(res->error, sizeof res->error, "cannot rename %s: %s", part, strerror(errno));
	}
	if (err) unlink(part);   /* may not exist: nothing to report then */
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
