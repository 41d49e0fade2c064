/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The store: every persistent fact of voxdial behind one interface.
 *
 * Callers never see SQL. The SQLite implementation (store_sqlite*.c) keeps a
 * small pool of connections in WAL mode; a PostgreSQL implementation can sit
 * behind the same functions. Every function that touches account data takes
 * the account id and never returns another account's rows: a foreign id
 * answers -ENOENT exactly as a missing one does.
 *
 * Errors: 0 or a negative errno. -ENOENT missing (or foreign), -EBUSY still
 * referenced, -EEXIST unique conflict, -EINVAL bad argument, -EIO database
 * failure (logged by the store). Out-parameters are written only on success.
 * All functions are thread-safe. Strings returned through out-parameters are
 * malloc'd and owned by the caller. */
#ifndef VD_STORE_H
#define VD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vd_store;

/* Opens (creating if needed) the database at `path` and applies pending
 * migrations when `migrate` is true. */
int vd_store_open(struct vd_store **stp, const char *path, bool migrate);
void vd_store_close(struct vd_store *st);
/* Applies pending migrations; *applied receives how many ran. */
int vd_store_migrate(struct vd_store *st, int *applied);
/* Schema version (number of the last applied migration). */
int vd_store_schema_version(struct vd_store *st, int *version);

/* Wall-clock milliseconds; the one clock the store stamps rows with. */
int64_t vd_store_now_ms(void);

/* ---- accounts, users, tokens ---- */

struct vd_principal {
	int64_t account_id;
	int64_t user_id;
	int64_t token_id;
	bool session;            /* a login session rather than an API token */
};

struct vd_user {
	int64_t id;
	int64_t account_id;
	char email[256];
	char role[16];
	char password_hash[128];
	char account_name[256];
};

/* Creates an account, its admin user and a first API token, atomically.
 * `token_hash` is the 32-byte hash of the token shown to the user. */
int vd_store_account_create(struct vd_store *st, const char *name, const char *email,
			    const char *password_hash, const uint8_t token_hash[32],
			    int64_t *account_id);
int vd_store_user_by_email(struct vd_store *st, const char *email, struct vd_user *out);
int vd_store_user_get(struct vd_store *st, int64_t account_id, int64_t user_id,
		      struct vd_user *out);

/* kind: "api" or "session"; expires_ms 0 = never. */
int vd_store_token_create(struct vd_store *st, const struct vd_principal *owner,
			  const char *kind, const char *name, const uint8_t hash[32],
			  int64_t expires_ms, int64_t *token_id);
/* Finds an unexpired token by hash. */
int vd_store_token_lookup(struct vd_store *st, const uint8_t hash[32], int64_t now_ms,
			  struct vd_principal *out);
typedef int (vd_token_cb)(void *arg, int64_t id, const char *name, int64_t created_ms);
/* Lists the account's API tokens (not sessions); stops when cb returns non-zero. */
int vd_store_token_list(struct vd_store *st, int64_t account_id, vd_token_cb *cb, void *arg);
/* Deletes a token of `kind` ("api" or "session"). */
int vd_store_token_delete(struct vd_store *st, int64_t account_id, int64_t token_id,
			  const char *kind);

/* ---- configuration resources ---- */

enum vd_kind {
	VD_KIND_TRUNK,
	VD_KIND_DIAL_PLAN,
	VD_KIND_CALLERID_GROUP,
	VD_KIND_RECALL_RULE_SET,
	VD_KIND_ROUTE,
	VD_KIND_SCRIPT,
	VD_KIND_AUDIO,
	VD_KIND_TASK,
	VD_KIND_TEMPLATE,
	VD_KIND_COUNT
};

/* Stable name of a kind as stored ("trunk", "dial_plan", ...). */
const char *vd_kind_name(enum vd_kind kind);

/* A reference from the written resource to another one of `kind`; `field`
 * names the JSON field holding it (for error messages and 409 answers). */
struct vd_ref {
	enum vd_kind kind;
	int64_t id;
	const char *field;
};

struct vd_res_write {
	const char *name;
	const char *body;          /* JSON text */
	const char *status;        /* NULL: none (update: keep) */
	const struct vd_ref *refs;
	size_t nrefs;
};

struct vd_res {
	int64_t id;
	char *name;
	char *body;
	char *status;              /* may be NULL */
	int64_t created_ms;
	int64_t updated_ms;
};
void vd_res_reset(struct vd_res *r);

/* Creates a resource. A reference to a missing/foreign/wrong-kind object
 * fails with -ESRCH and *bad_ref = its index; nothing is written. */
int vd_store_res_create(struct vd_store *st, enum vd_kind kind, int64_t account_id,
			const struct vd_res_write *w, int64_t *id, size_t *bad_ref);
/* Replaces name, body, refs (and status if given). -ENOENT, -ESRCH as above. */
int vd_store_res_update(struct vd_store *st, enum vd_kind kind, int64_t account_id,
			int64_t id, const struct vd_res_write *w, size_t *bad_ref);
/* Sets only the status, if the current one is `from` (NULL: any). -EAGAIN if
 * the status differs from `from`. */
int vd_store_res_set_status(struct vd_store *st, enum vd_kind kind, int64_t account_id,
			    int64_t id, const char *from, const char *to);
/* Deletes; -EBUSY when still referenced, with the first user in *user
 * (kind, id, field) so the API can name it. */
int vd_store_res_delete(struct vd_store *st, enum vd_kind kind, int64_t account_id,
			int64_t id, struct vd_ref *user);
int vd_store_res_get(struct vd_store *st, enum vd_kind kind, int64_t account_id, int64_t id,
		     struct vd_res *out);

struct vd_res_query {
	const char *q;             /* substring of name, or an exact id; NULL: all */
	const char *status;        /* NULL: any */
	int64_t from_ms, to_ms;    /* call period overlap; 0: unbounded */
	int page;                  /* 1-based */
	int per_page;
};
typedef int (vd_res_cb)(void *arg, const struct vd_res *r);
/* Lists a page, newest first; *total counts every match. */
int vd_store_res_list(struct vd_store *st, enum vd_kind kind, int64_t account_id,
		      const struct vd_res_query *q, vd_res_cb *cb, void *arg, int64_t *total);

/* ---- clients import (streamed, one transaction) ---- */

struct vd_client_row {
	int64_t line;              /* line number in the source file */
	const char *client_id;     /* NULL if none */
	const char *phone_e164;
	const char *phone_raw;
	const char *timezone;      /* NULL if none */
	const char *variables;     /* JSON object text */
};

struct vd_import;
/* Begins an import into a task of the account (-ENOENT if no such task). */
int vd_store_import_begin(struct vd_store *st, int64_t account_id, int64_t task_id,
			  struct vd_import **out);
/* Adds one row; *duplicate is set when the task already had that number. */
int vd_store_import_add(struct vd_import *imp, const struct vd_client_row *row, bool *duplicate);
/* Adds `n` rows in file order (faster than one at a time); *duplicates
 * counts those whose number the task already had. */
int vd_store_import_add_rows(struct vd_import *imp, const struct vd_client_row *rows, size_t n,
			     size_t *duplicates);
/* Commits and frees; on error everything is rolled back. */
int vd_store_import_commit(struct vd_import *imp);
/* Rolls back and frees. NULL is fine. */
void vd_store_import_abort(struct vd_import *imp);

/* -- added for `voxdial import` (store_sqlite_import.c) -- */
/* The account owning task `task_id`, for the command line, which acts with
 * the database's authority rather than as a principal; -ENOENT if there is
 * no such task. Never use it to decide access for an API request. */
int vd_store_task_owner(struct vd_store *st, int64_t task_id, int64_t *account_id);

/* ---- calls ---- */

struct vd_call {
	int64_t id, task_id, template_id;
	char client_id[128], phone[32], caller_id[32];
	int attempt;
	char recall_for[16], outcome[16], result[64], amd[16], gender[16], currency[8];
	char transferred_to[64];
	int sip_code;              /* 0: none */
	int64_t planned_ms, started_ms, answered_ms, ended_ms; /* 0: none */
	int64_t duration_s;        /* -1: none */
	int64_t cost_minor;        /* -1: none */
	char *variables;           /* JSON text, owned (vd_call_reset frees) */
	bool has_recording;
	char recording[512];       /* file path, "" if none */
	int64_t amd_ms;            /* AMD decision time; -1: none */
	char amd_cause[32];        /* why AMD decided, "" if none */
};
void vd_call_reset(struct vd_call *c);

struct vd_call_query {
	const char *client_id;     /* NULL: any */
	const char *outcome;       /* NULL: any */
	int64_t from_ms, to_ms;    /* started_ms in [from, to]; 0: unbounded */
	int page, per_page;
	bool *total_capped;        /* out (may be NULL): with a period and no client_id
				      the count stops at the page's offset + VD_CALLS_COUNT_CAP */
};
#define VD_CALLS_COUNT_CAP 10000
typedef int (vd_call_cb)(void *arg, const struct vd_call *c);
/* A page of a task's calls, newest first: by id, or with a period by
 * started_ms (then id). *total counts the matches (see total_capped). */
int vd_store_calls_list(struct vd_store *st, int64_t account_id, int64_t task_id,
			const struct vd_call_query *q, vd_call_cb *cb, void *arg, int64_t *total);
int vd_store_call_get(struct vd_store *st, int64_t account_id, int64_t call_id,
		      struct vd_call *out);

/* ---- task statistics ---- */

struct vd_task_stats {
	int64_t clients_total, clients_pending, clients_in_progress, clients_finished;
	int64_t calls_total;
	int64_t by_outcome[8];        /* indexed like vd_outcome_names order given by caller */
	int64_t effective, ineffective, transferred;
};
/* Counts for the stats endpoint. `outcomes` names the by_outcome slots
 * (n <= 8); a completed call is effective when it lasted at least
 * `ineffective_duration_s`. -ENOENT if the task is not the account's. */
int vd_store_task_stats(struct vd_store *st, int64_t account_id, int64_t task_id,
			const char *const *outcomes, size_t n, int64_t ineffective_duration_s,
			struct vd_task_stats *out);

/* ---- dialing (the dialer thread's reads and writes) ---- */

/* The done[] slot names, in order: busy, no_answer, machine, short, failure. */
const char *vd_store_done_name(int i);

/* Tasks the dialer tracks: running, scheduled, paused, every template, and
 * for a minute a task cancelled with hang-up. */
struct vd_dial_task {
	int64_t account_id, task_id;
	bool is_template;          /* a template: always "running", never completes */
	bool hangup;               /* cancelled with hang-up: end its calls in flight */
	char status[16];
	int64_t updated_ms;
	const char *body;          /* JSON text, valid during the callback */
};
typedef int (vd_dial_task_cb)(void *arg, const struct vd_dial_task *t);
int vd_store_dial_tasks(struct vd_store *st, vd_dial_task_cb *cb, void *arg);

/* Per-client recall bookkeeping as stored (DESIGN.md "Recall rules"):
 * done[] indexed busy, no_answer, machine, short, failure. */
struct vd_client_recall {
	int32_t attempts;
	char owed[16];             /* "" = none */
	int32_t done[5];
};

struct vd_due_client {
	int64_t row_id;
	char client_id[128];
	char phone[32];
	char timezone[64];
	const char *variables;     /* JSON text, valid during the callback */
	int64_t next_attempt_ms;   /* 0: never called (a new client) */
	struct vd_client_recall rc;
};
typedef int (vd_due_client_cb)(void *arg, const struct vd_due_client *c);
/* Pending clients of a task due at `now_ms`: due recalls first (oldest due
 * first), then new clients in file order; at most `limit`. */
int vd_store_due_clients(struct vd_store *st, int64_t task_id, int64_t now_ms, int limit,
			 vd_due_client_cb *cb, void *arg);

/* The attempt written before the INVITE leaves. */
struct vd_attempt {
	int64_t account_id, task_id, client_row_id;
	const char *client_id, *phone, *caller_id, *recall_for;  /* may be NULL */
	const char *variables;     /* JSON object text */
	int attempt;               /* 1 = the first call */
	int64_t planned_ms, started_ms;
};
/* Atomically claims the client (pending -> in_progress) and inserts the call
 * row. -EAGAIN when the client is no longer pending (cancelled meanwhile). */
int vd_store_attempt_begin(struct vd_store *st, const struct vd_attempt *a, int64_t *call_id);
/* The same for `n` attempts in one transaction (the dialer's batch of one
 * loop pass, committed before any of their INVITEs is queued):
 * call_ids[i] is the call row of v[i], or 0 when that client was no longer
 * pending (nothing written for it). On an error nothing is written and
 * every call_ids[i] is 0. */
int vd_store_attempts_begin(struct vd_store *st, const struct vd_attempt *v, size_t n, int64_t *call_ids);

struct vd_attempt_end {
	int64_t call_id, client_row_id, task_id;
	const char *outcome, *result;    /* result may be NULL */
	int sip_code;
	int64_t answered_ms, ended_ms, duration_s, cost_minor;  /* cost -1: none */
	const char *currency;
	const char *recording;           /* path, NULL: none */
	/* what the bot learned (NULL / 0: nothing) */
	const char *amd, *amd_cause, *gender, *transferred_to;
	int64_t amd_ms;
	const char *collected;           /* JSON object merged into the call's variables */
	/* the client afterwards */
	bool finished;
	const char *final_outcome;       /* finished: the client's outcome */
	int64_t next_attempt_ms;         /* !finished: the recall */
	struct vd_client_recall rc;
};
/* Closes the call row and updates the client in one transaction. */
int vd_store_attempt_end(struct vd_store *st, const struct vd_attempt_end *e);

/* An answered call still up: its answer time, kept for a call a crash
 * leaves open (recovery closes it with this time). */
struct vd_call_answer {
	int64_t call_id, answered_ms;
};
/* One transaction for what a dialer pass drained: the answer times of
 * `nans` calls still open (a closed call is left alone), then `n` ends as
 * vd_store_attempt_end writes them (with their webhooks). All or nothing. */
int vd_store_attempts_end(struct vd_store *st, const struct vd_call_answer *ans, size_t nans,
			  const struct vd_attempt_end *v, size_t n);
int vd_store_call_answered(struct vd_store *st, int64_t call_id, int64_t answered_ms);
/* Moves a pending client's next attempt (outside its calling window). */
int vd_store_client_defer(struct vd_store *st, int64_t row_id, int64_t next_ms);

/* Attempts left open by a crash (call rows without an outcome). */
struct vd_open_attempt {
	int64_t call_id, task_id, client_row_id, account_id;
	int64_t started_ms, answered_ms;
	struct vd_client_recall rc;
};
typedef int (vd_open_attempt_cb)(void *arg, const struct vd_open_attempt *a);
int vd_store_open_attempts(struct vd_store *st, vd_open_attempt_cb *cb, void *arg);

/* Clients of a task not yet finished (pending or in progress). */
int vd_store_task_unfinished(struct vd_store *st, int64_t task_id, int64_t *n);
/* Cancels: status -> cancelled and every pending client finished with
 * outcome "cancelled", atomically. -ENOENT (not the account's task), -EAGAIN
 * (already completed or cancelled). */
int vd_store_task_cancel(struct vd_store *st, int64_t account_id, int64_t task_id, bool hangup);
/* Adds one client (a test call or a template call); *row_id. */
int vd_store_client_add(struct vd_store *st, int64_t account_id, int64_t task_id,
			const char *client_id, const char *phone_e164, const char *variables,
			int64_t *row_id);

/* ---- template calls (CRM) and the webhook outbox ---- */

struct vd_template_call_req {
	int64_t account_id, template_id;
	const char *idempotency_key;   /* NULL: none (every request is new) */
	const char *client_id, *phone_e164, *variables, *callback_url;  /* may be NULL */
};
/* Creates the client and the template-call row, or finds the row with the
 * same idempotency key (*existed). -ENOENT: not the account's template. */
int vd_store_template_call(struct vd_store *st, const struct vd_template_call_req *r, int64_t *call_id,
			   bool *existed);

struct vd_template_call {
	int64_t id, template_id;
	char client_id[128], phone[32], state[16], outcome[16];
	int attempts;
	int64_t created_ms;
};
int vd_store_template_call_get(struct vd_store *st, int64_t account_id, int64_t template_id,
			       int64_t call_id, struct vd_template_call *out);

struct vd_webhook {
	int64_t id, account_id, template_id;
	const char *url, *body;    /* valid during the callback */
	int attempts;
};
typedef int (vd_webhook_cb)(void *arg, const struct vd_webhook *w);
/* Undelivered webhooks due at now_ms, oldest first, at most `limit`. */
int vd_store_webhooks_due(struct vd_store *st, int64_t now_ms, int limit, vd_webhook_cb *cb, void *arg);
/* Records a delivery attempt: delivered, or retry at next_ms, or give up. */
int vd_store_webhook_result(struct vd_store *st, int64_t id, bool delivered, int64_t next_ms,
			    bool give_up, const char *error);

/* ---- call reports (XLSX exports; store_sqlite_reports.c) ---- */

struct vd_report {
	int64_t id, account_id, task_id;
	bool with_variables;
	char status[16];           /* queued | running | done | failed */
	int64_t rows_total, rows_done;
	char path[512];            /* the file once done, "" before */
	char error[256];           /* why it failed, "" otherwise */
	int64_t created_ms, finished_ms;  /* finished 0: not yet */
};

/* Queues a report of a task of the account; -ENOENT if the task is not the
 * account's. */
int vd_store_report_create(struct vd_store *st, int64_t account_id, int64_t task_id,
			   bool with_variables, int64_t *id);
/* -ENOENT for a missing or foreign report. */
int vd_store_report_get(struct vd_store *st, int64_t account_id, int64_t id, struct vd_report *out);
typedef int (vd_report_cb)(void *arg, const struct vd_report *r);
/* The reports of a task of the account, newest first, one page (page from
 * 1); *total counts them all. -ENOENT if the task is not the account's. */
int vd_store_reports_list(struct vd_store *st, int64_t account_id, int64_t task_id, int page, int per_page,
			  vd_report_cb *cb, void *arg, int64_t *total);
/* The worker's side, with the database's authority: marks the oldest queued
 * report running and returns it; -ENOENT when none is queued. */
int vd_store_report_claim(struct vd_store *st, struct vd_report *out);
/* Start-up: reports left running (a crash or a stop mid-export) go back to
 * queued; *n receives how many. */
int vd_store_reports_requeue(struct vd_store *st, int *n);
int vd_store_report_progress(struct vd_store *st, int64_t id, int64_t rows_total, int64_t rows_done);
/* done (path set) or failed (error set); stamps finished_ms. */
int vd_store_report_finish(struct vd_store *st, int64_t id, bool ok, int64_t rows_done,
			   const char *path, const char *error);

/* The export's read: a dedicated connection (not a pool slot) holding one
 * read transaction, so the variable names, the count and the rows all come
 * from the same snapshot while dialing goes on. */
struct vd_report_reader;
/* -ENOENT if the task is not the account's. *rows: the task's calls. */
int vd_store_report_reader_open(struct vd_store *st, int64_t account_id, int64_t task_id,
				struct vd_report_reader **out, int64_t *rows);
typedef int (vd_name_cb)(void *arg, const char *name);
/* The union of the variable names of the task's calls, in the order they
 * first appear (by call id, then position); stops when cb returns non-zero. */
int vd_store_report_reader_variables(struct vd_report_reader *r, vd_name_cb *cb, void *arg);
/* One variable of a report row: absent (NULL in JSON too), a number, or
 * text (a JSON string; an object or array as its JSON text; true/false as
 * the numbers 1/0). `text` is valid during the callback. */
struct vd_report_value {
	enum { VD_RV_NONE, VD_RV_NUMBER, VD_RV_TEXT } type;
	double num;
	const char *text;
};
typedef int (vd_report_row_cb)(void *arg, const struct vd_call *c, const struct vd_report_value *vars);
/* Every call of the task in id order, one row in memory at a time, with the
 * values of the variables `names` (nvars of them; c->variables is NULL);
 * stops (and returns 0) when cb returns non-zero. */
int vd_store_report_reader_calls(struct vd_report_reader *r, const char *const *names, size_t nvars,
				 vd_report_row_cb *cb, void *arg);
/* Ends the read and closes the connection. NULL is fine. */
void vd_store_report_reader_close(struct vd_report_reader *r);

#endif
