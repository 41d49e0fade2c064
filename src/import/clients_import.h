/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The clients import: a task's clients file (API.md `POST
 * /api/v1/tasks/{id}/clients`, `voxdial import`) read, validated, normalized
 * and written in one store transaction while it streams in.
 *
 * The file is CSV as csv_reader.h reads it. The header row names the
 * columns, matched without regard to case or surrounding spaces: `phone`
 * (required), `client_id` and `timezone` (optional); every other column is a
 * variable, stored per client as a JSON object {"column": "value"} under the
 * header's spelling. A header without `phone`, with two columns of the same
 * name, with an unnamed column or more than VD_IMPORT_MAX_COLUMNS columns
 * refuses the whole file, as does anything csv_reader.h refuses.
 *
 * Each later record is one client, or is rejected with the line it starts on:
 * a wrong number of columns, invalid UTF-8 or a NUL, a phone that does not
 * normalize to E.164 for the task's country (core/e164.h), a time zone ICU
 * does not know, a client_id over 127 bytes, a phone over 63 bytes, a record over the reader's size
 * limits. Records whose fields are all empty (";;;" lines) are skipped like
 * blank lines. A phone already in the task, or earlier in the file, is a
 * duplicate: counted and skipped, the first one wins.
 *
 * The result, as the API answers it:
 *   {"imported": N, "duplicates": N, "rejected_total": N,
 *    "rejected": [{"line": L, "error": "..."}, ...]}
 * `rejected` lists the first VD_IMPORT_MAX_REJECTED rejections in file
 * order; `rejected_total` counts them all.
 *
 * Push interface, so that an HTTP upload can be fed as it arrives:
 * _begin, then _feed for each piece of the body (any sizes), then _finish,
 * or _abort at any point. Memory stays bounded whatever the file's size.
 * Every good row is written inside one store transaction opened by _begin
 * and committed by _finish: until then other writers of the database wait,
 * so a slow upload should be spooled (to a file) before it is fed. One
 * import is used by one thread at a time; internally _begin starts a second
 * thread that does the store's inserts while the caller's thread parses and
 * validates (joined by _finish and _abort). */
#ifndef VD_CLIENTS_IMPORT_H
#define VD_CLIENTS_IMPORT_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "app/verr.h"
#include "store/store.h"

#define VD_IMPORT_MAX_REJECTED 1000  /* rejections listed in the result */
#define VD_IMPORT_MAX_COLUMNS  256
#define VD_IMPORT_MAX_NAME     128   /* bytes of a column name */
#define VD_IMPORT_MAX_CLIENT_ID 127  /* bytes of a client_id */
#define VD_IMPORT_MAX_PHONE    63    /* bytes of a phone as written */

struct vd_clients_import_params {
	struct vd_store *store;  /* NULL: validate only (see _begin) */
	int64_t account_id;      /* the caller's account */
	int64_t task_id;         /* a task of that account */
	const char *country;     /* the task's e164_country, e.g. "RU"; copied */
};

struct vd_clients_import;

/* Starts an import. Checks the country (-EINVAL, err field "e164_country",
 * if core/e164.h does not support it), then opens the store transaction
 * (-ENOENT when the task is not one of the account's; -EIO, -ENOMEM).
 * With params->store NULL nothing is written and duplicates are not
 * detected: every valid row counts as imported (validation dry run, the
 * fuzz target). */
int vd_clients_import_begin(const struct vd_clients_import_params *params,
			    struct vd_clients_import **out, struct vd_verr *err);

/* Feeds the next `len` bytes of the file. Returns 0; -EINVAL when the file
 * is refused whole (err: field "file" or "header", a message); -EIO or
 * -ENOMEM on a store or memory failure. After an error call _abort. */
int vd_clients_import_feed(struct vd_clients_import *imp, const void *buf, size_t len,
			   struct vd_verr *err);

/* Ends the file, commits and frees `imp` (always, also on error). On
 * success *result receives the result object (a new reference). Errors as
 * _feed; on any error nothing at all was written. */
int vd_clients_import_finish(struct vd_clients_import *imp, json_t **result,
			     struct vd_verr *err);

/* Rolls back and frees. NULL is fine. */
void vd_clients_import_abort(struct vd_clients_import *imp);

/* Convenience for a file or stdin: _begin, _feed in 64 KB reads of `f`
 * (-EIO with err field "file" on a read error), _finish. */
int vd_clients_import_file(const struct vd_clients_import_params *params, FILE *f,
			   json_t **result, struct vd_verr *err);

#endif
