/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* A streaming CSV reader for uploaded files (RFC 4180 plus what spreadsheets
 * export): bytes are pushed in pieces of any size as they arrive and each
 * complete record is handed to a callback with the physical line it starts
 * on. It wraps libcsv's incremental parser and adds what libcsv does not do:
 *
 *  - a UTF-8 byte order mark at the start is dropped;
 *  - the delimiter, ',' or ';', is chosen from the first non-blank line
 *    (the header): whichever occurs more often outside quotes, ',' on a tie;
 *  - line numbers: 1 is the first line of the file; a record whose quoted
 *    fields hold line breaks starts on its first line and the next record's
 *    number counts them all. Lines end with LF or CRLF (a lone CR also ends
 *    a record, without counting a line);
 *  - blank lines (nothing but spaces, tabs, CR) produce no record;
 *  - input that is not CSV text is refused whole: a UTF-16 byte order mark,
 *    a NUL or other control byte (other than TAB, CR, LF) in the first KB,
 *    invalid UTF-8 in the first KB, nothing but blanks, or a single field
 *    longer than VD_CSV_MAX_FIELD (an unbalanced quote swallowing the file).
 *
 * Memory is bounded whatever the input: the record being assembled is kept
 * up to VD_CSV_MAX_ROW bytes and VD_CSV_MAX_FIELDS fields (a longer record
 * is still delivered, marked `oversized`, so its line can be rejected), and
 * libcsv's field buffer up to VD_CSV_MAX_FIELD. Fields are not interpreted:
 * unquoted fields lose surrounding spaces and tabs (libcsv), quoted ones keep
 * them; UTF-8 beyond the first KB is the caller's to check.
 *
 * One reader serves one file on one thread at a time. */
#ifndef VD_CSV_READER_H
#define VD_CSV_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/verr.h"

#define VD_CSV_MAX_ROW    (64 * 1024)   /* bytes of field data in one record */
#define VD_CSV_MAX_FIELDS 1024          /* fields kept per record */
#define VD_CSV_MAX_FIELD  (1024 * 1024) /* one field; beyond it the file is refused */
#define VD_CSV_SNIFF      1024          /* bytes checked for binary content */

struct vd_csv_field {
	const char *s;           /* NUL-terminated (a field may also hold NULs) */
	size_t len;
};

struct vd_csv_record {
	int64_t line;            /* physical line the record starts on, 1-based */
	int64_t index;           /* 0 for the first record (the header), then 1, 2... */
	size_t nfields;          /* fields in the record, counted past the cap too */
	const struct vd_csv_field *fields; /* nfields entries unless oversized */
	bool oversized;          /* over VD_CSV_MAX_ROW or VD_CSV_MAX_FIELDS: fields unusable */
};

/* Called for each record, in file order, from inside _feed or _finish. The
 * record and its strings are valid only during the call. Return 0 to go on,
 * or a negative errno to stop: the reader then stops and that _feed or
 * _finish call, and every later one, returns this value. */
typedef int (vd_csv_record_cb)(void *arg, const struct vd_csv_record *rec);

struct vd_csv_reader;

/* Creates a reader that reports records to `cb` with `arg`. 0 or -ENOMEM. */
int vd_csv_reader_alloc(struct vd_csv_reader **out, vd_csv_record_cb *cb, void *arg);

/* Pushes the next `len` bytes of the file (any split, even inside a UTF-8
 * sequence, a CRLF or a quoted field). Complete records are delivered before
 * it returns; the first bytes are buffered until the header line is whole.
 * Returns 0; -EINVAL when the file is refused whole (message in `err`,
 * field "file"); -ENOMEM; or the callback's error (then `err` is untouched).
 * After an error the reader only answers that error again. */
int vd_csv_reader_feed(struct vd_csv_reader *r, const void *buf, size_t len,
		       struct vd_verr *err);

/* Ends the input: delivers the last record (a missing final newline is
 * fine). Errors as _feed; an input without any record is refused as empty. */
int vd_csv_reader_finish(struct vd_csv_reader *r, struct vd_verr *err);

/* The delimiter in use (',' or ';'), or 0 before the header was read. */
char vd_csv_reader_delim(const struct vd_csv_reader *r);

/* Frees the reader. NULL is fine. */
void vd_csv_reader_free(struct vd_csv_reader *r);

#endif
