/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Call reports: the XLSX export of a task's calls ("Export call report",
 * "... with variables" in the user guide), written in the background.
 *
 * The worker is one thread. It polls the store's `reports` queue, claims the
 * oldest queued report, streams the task's calls from a dedicated read
 * connection (on a second thread) into libxlsxwriter in constant-memory
 * mode (each row goes to a temporary file, on /dev/shm when it has room,
 * else under DATA/reports/tmp, and is zipped at the close) and produces
 * DATA/reports/<account>/<id>.xlsx, updating rows_done every
 * VD_REPORT_PROGRESS_ROWS rows. Memory does not grow with the number of
 * calls. See docs/internals/reports.md. */
#ifndef VD_REPORT_H
#define VD_REPORT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vd_store;
struct vd_report;
struct vd_reports;

#define VD_REPORT_PROGRESS_ROWS 10000

/* Starts the worker. Reports left running by a previous process are queued
 * again first, so a restart finishes every requested report. */
int vd_reports_start(struct vd_reports **out, struct vd_store *st, const char *data_dir);
/* Stops the worker; an export in progress is abandoned (its partial file
 * removed) and stays `running` in the store, to be redone at the next start. */
void vd_reports_stop(struct vd_reports *r);

struct vd_report_result {
	char path[512];            /* the written file */
	int64_t rows;              /* calls written */
	char error[256];           /* on failure: what went wrong */
};

/* Writes report `rep` (id, account_id, task_id, with_variables) now, in the
 * calling thread: the worker's body, also called by bench/report. `stop`
 * (may be NULL) is polled between rows; when it becomes true the export
 * ends with -ECANCELED. Progress goes to the store when rep->id > 0.
 * Returns 0 and fills *res, or a negative errno with res->error set. */
int vd_report_export(struct vd_store *st, const char *data_dir, const struct vd_report *rep,
		     const atomic_bool *stop, struct vd_report_result *res);

#endif
