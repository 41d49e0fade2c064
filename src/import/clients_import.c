/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The clients import (contract in clients_import.h; the why in
 * docs/internals/import.md). The CSV reader calls on_record() for every
 * record while bytes are fed; the header fixes the column roles, each later
 * record is validated, normalized and handed to the store's open import.
 * Everything a record needs lives in buffers sized once from the reader's
 * limits, so the hot path does not allocate: a 1M-row file costs what a
 * 10-row file costs in memory.
 *
 * Two threads: the caller's (every _feed) reads, validates and normalizes,
 * and copies each good row into a batch; a writer thread started by _begin
 * hands the batches to the store. Between them a bounded queue of
 * QUEUE_BATCHES batches (the caller waits when the writer falls behind).
 * The store connection is used by the writer only, from _begin until
 * _finish or _abort joins it; the caller's thread then commits or rolls
 * back. */
#include "import/clients_import.h"
#include "import/csv_reader.h"
#include "import/utf8.h"
#include "core/e164.h"
#include "util/tz.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define READ_CHUNK (64 * 1024)
#define TZ_SLOTS 256                      /* distinct zones remembered (power of 2) */
#define TZ_MAX_NAME 64                    /* longer is never a zone (vd_tz_is_valid) */
#define RAW_IN_MESSAGE 40                 /* bytes of a bad value quoted back */
#define QUEUE_BATCHES 4                   /* batches between the two threads */
#define BATCH_ROWS 1024                   /* rows per batch, at most */
#define BATCH_BYTES (192 * 1024)          /* a batch's text, grown for a huge row */
#define NO_TEXT SIZE_MAX                  /* a NULL field in a batch row */

/* Memo of vd_tz_is_valid(), which goes through ICU and is slow: a file has a
 * handful of distinct zones on a million rows. Open addressing, no removal;
 * when 3/4 full further zones are checked uncached (bounded memory). */
struct tz_slot {
	bool used, valid;
	char name[TZ_MAX_NAME + 1];
};

/* A good row on its way to the store: offsets of C strings in its batch's
 * text (offsets, not pointers: the text may be reallocated as it fills). */
struct batch_row {
	int64_t line;
	size_t client_id, e164, raw, tz, vars;  /* NO_TEXT: NULL */
};

struct batch {
	struct batch_row row[BATCH_ROWS];
	size_t nrows;
	char *text;
	size_t used, cap;
	struct batch *next;
};

/* The queue between the caller's thread and the writer. Everything but
 * `cur` (the caller's) and the writer's counters is under `lock`. */
struct writer {
	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t cond;             /* any change below */
	struct batch *free_list;         /* empty batches for the caller */
	struct batch *head, *tail;       /* full batches for the writer */
	bool end;                        /* no more batches will come */
	int err;                         /* the writer's first error; then it drops batches */
	struct batch *cur;               /* being filled by the caller */
	int64_t imported, duplicates;    /* the writer's; read after the join */
	struct vd_client_row rows[BATCH_ROWS];  /* the writer's: a batch as store rows */
};

struct vd_clients_import {
	struct vd_import *store_imp;     /* NULL in a dry run or once committed */
	struct writer w;                 /* unused in a dry run */
	bool dry_run;
	struct vd_csv_reader *rd;
	char country[4];

	bool have_header;
	size_t ncols;
	long col_phone, col_client_id, col_tz; /* column index, -1 if absent */
	/* JSON key fragment `"name":` per column (NULL for the three roles),
	 * escaped once from the header. */
	char **key_json;
	size_t *key_len;
	char *vars;                      /* the row's variables object */
	size_t vars_cap;

	int64_t imported, duplicates, rejected_total;
	json_t *rejected;

	struct vd_verr verr;             /* a whole-file refusal found here */
	bool has_verr;

	struct tz_slot tz[TZ_SLOTS];
	size_t ntz;
};

/* Cuts a message at the last complete UTF-8 sequence: snprintf may have
 * truncated inside one, and the message ends up in JSON. */
static void utf8_clip(char *s)
{
	s[vd_utf8_valid_prefix(s, strlen(s))] = '\0';
}

static int refuse(struct vd_clients_import *imp, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int refuse(struct vd_clients_import *imp, const char *field, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	snprintf(imp->verr.field, sizeof imp->verr.field, "%s", field);
	vsnprintf(imp->verr.message, sizeof imp->verr.message, fmt, ap);
	va_end(ap);
	utf8_clip(imp->verr.message);
	imp->has_verr = true;
	return -EINVAL;
}

static int reject(struct vd_clients_import *imp, int64_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Records a rejected line. Only an allocation failure is an error. */
static int reject(struct vd_clients_import *imp, int64_t line, const char *fmt, ...)
{
	imp->rejected_total++;
	if (json_array_size(imp->rejected) >= VD_IMPORT_MAX_REJECTED) return 0;
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	utf8_clip(msg);
	json_t *o = json_pack("{s:I,s:s}", "line", (json_int_t)line, "error", msg);
	if (!o || json_array_append_new(imp->rejected, o)) return -ENOMEM;
	return 0;
}

/* ---- text helpers ---- */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Trims spaces and tabs (a quoted field keeps them through the reader). */
static void trim(const char **s, size_t *len)
{
	const char *p = *s;
	size_t n = *len;
	while (n && is_blank(*p)) {
		p++;
		n--;
	}
	while (n && is_blank(p[n - 1])) n--;
	*s = p;
	*len = n;
}

/* Appends `s` as the inside of a JSON string (RFC 8259 section 7) to `dst`,
 * which has room for 6 bytes per input byte. `s` is valid UTF-8 already:
 * only quote, backslash and control characters need escapes. */
static size_t json_escape(char *dst, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char *d = dst;
	size_t run = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\') continue;
		memcpy(d, s + run, i - run);
		d += i - run;
		run = i + 1;
		*d++ = '\\';
		switch (c) {
		case '"': *d++ = '"'; break;
		case '\\': *d++ = '\\'; break;
		case '\n': *d++ = 'n'; break;
		case '\r': *d++ = 'r'; break;
		case '\t': *d++ = 't'; break;
		case '\b': *d++ = 'b'; break;
		case '\f': *d++ = 'f'; break;
		default:
			*d++ = 'u';
			*d++ = '0';
			*d++ = '0';
			*d++ = hex[c >> 4];
			*d++ = hex[c & 15];
		}
	}
	memcpy(d, s + run, len - run);
	d += len - run;
	return (size_t)(d - dst);
}

/* ---- time zones ---- */

/* `name` is a C string of `len` <= TZ_MAX_NAME bytes. */
static bool tz_valid(struct vd_clients_import *imp, const char *name, size_t len)
{
	uint32_t h = 2166136261u;                /* FNV-1a */
	for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)name[i]) * 16777619u;
	size_t slot = h & (TZ_SLOTS - 1);
	for (size_t probe = 0; probe < TZ_SLOTS; probe++) {
		struct tz_slot *t = &imp->tz[(slot + probe) & (TZ_SLOTS - 1)];
		if (!t->used) {
			bool valid = vd_tz_is_valid(name);
			if (imp->ntz < TZ_SLOTS * 3 / 4) {
				t->used = true;
				t->valid = valid;
				memcpy(t->name, name, len);
				t->name[len] = '\0';
				imp->ntz++;
			}
			return valid;
		}
		if (!strncmp(t->name, name, len) && t->name[len] == '\0') return t->valid;
	}
	return vd_tz_is_valid(name);
}

/* ---- the header ---- */

static bool name_is(const char *s, size_t len, const char *role)
{
	return strlen(role) == len && !strncasecmp(s, role, len);
}

static int on_header(struct vd_clients_import *imp, const struct vd_csv_record *rec)
{
	if (rec->oversized || rec->nfields > VD_IMPORT_MAX_COLUMNS)
		return refuse(imp, "header", "the header has more than %d columns or is too long",
			      VD_IMPORT_MAX_COLUMNS);
	size_t n = rec->nfields;
	imp->ncols = n;
	imp->col_phone = imp->col_client_id = imp->col_tz = -1;
	imp->key_json = calloc(n, sizeof *imp->key_json);
	imp->key_len = calloc(n, sizeof *imp->key_len);
	if (!imp->key_json || !imp->key_len) return -ENOMEM;

	const char *names[VD_IMPORT_MAX_COLUMNS];
	size_t lens[VD_IMPORT_MAX_COLUMNS];
	size_t keys_total = 0;
	for (size_t i = 0; i < n; i++) {
		const char *s = rec->fields[i].s;
		size_t len = rec->fields[i].len;
		if (!vd_utf8_is_text(s, len))
			return refuse(imp, "header", "the header is not valid UTF-8 text");
		trim(&s, &len);
		if (len == 0)
			return refuse(imp, "header", "column %zu of the header has no name", i + 1);
		if (len > VD_IMPORT_MAX_NAME)
			return refuse(imp, "header", "the name of column %zu is longer than %d bytes",
				      i + 1, VD_IMPORT_MAX_NAME);
		for (size_t j = 0; j < i; j++)
			if (lens[j] == len && !strncasecmp(names[j], s, len))
				return refuse(imp, "header", "column '%.*s' appears twice in the header",
					      (int)len, s);
		names[i] = s;
		lens[i] = len;
		if (name_is(s, len, "phone")) {
			imp->col_phone = (long)i;
		} else if (name_is(s, len, "client_id")) {
			imp->col_client_id = (long)i;
		} else if (name_is(s, len, "timezone")) {
			imp->col_tz = (long)i;
		} else {
			char *k = malloc(len * 6 + 4);
			if (!k) return -ENOMEM;
			size_t kl = 0;
			k[kl++] = '"';
			kl += json_escape(k + kl, s, len);
			k[kl++] = '"';
			k[kl++] = ':';
			imp->key_json[i] = k;
			imp->key_len[i] = kl;
			keys_total += kl;
		}
	}
	if (imp->col_phone < 0) {
		char found[200] = "";
		size_t used = 0;
		for (size_t i = 0; i < n && used < sizeof found; i++) {
			int w = snprintf(found + used, sizeof found - used, "%s%.*s", i ? ", " : "",
					 (int)lens[i], names[i]);
			if (w < 0) break;
			used += (size_t)w;
		}
		return refuse(imp, "header", "the header has no 'phone' column (columns: %s)", found);
	}
	/* Worst case: every data byte escaped as \u00XX, plus keys, quotes,
	 * commas and braces. */
	imp->vars_cap = (size_t)VD_CSV_MAX_ROW * 6 + keys_total + 4 * n + 8;
	imp->vars = malloc(imp->vars_cap);
	if (!imp->vars) return -ENOMEM;
	imp->have_header = true;
	return 0;
}

/* ---- the writer thread and its queue ---- */

static void batch_free_all(struct batch *b)
{
	while (b) {
		struct batch *next = b->next;
		free(b->text);
		free(b);
		b = next;
	}
}

static void *writer_main(void *arg)
{
	struct vd_clients_import *imp = arg;
	struct writer *w = &imp->w;
	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->head && !w->end) pthread_cond_wait(&w->cond, &w->lock);
		struct batch *b = w->head;
		if (!b) break;                   /* the end, and all written */
		w->head = b->next;
		if (!w->head) w->tail = NULL;
		int err = w->err;
		pthread_mutex_unlock(&w->lock);

		if (!err) {
			const char *t = b->text;
			for (size_t i = 0; i < b->nrows; i++) {
				const struct batch_row *r = &b->row[i];
				w->rows[i] = (struct vd_client_row){
					.line = r->line,
					.client_id = r->client_id == NO_TEXT ? NULL : t + r->client_id,
					.phone_e164 = t + r->e164,
					.phone_raw = t + r->raw,
					.timezone = r->tz == NO_TEXT ? NULL : t + r->tz,
					.variables = t + r->vars,
				};
			}
			size_t dups = 0;
			err = vd_store_import_add_rows(imp->store_imp, w->rows, b->nrows, &dups);
			if (!err) {
				w->duplicates += (int64_t)dups;
				w->imported += (int64_t)(b->nrows - dups);
			}
		}
		b->nrows = 0;
		b->used = 0;

		pthread_mutex_lock(&w->lock);
		if (err && !w->err) w->err = err;
		b->next = w->free_list;
		w->free_list = b;
		pthread_cond_broadcast(&w->cond);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* Allocates the batches and starts the writer. */
static int writer_start(struct vd_clients_import *imp)
{
	struct writer *w = &imp->w;
	for (int i = 0; i < QUEUE_BATCHES; i++) {
		struct batch *b = calloc(1, sizeof *b);
		if (b) b->text = malloc(BATCH_BYTES);
		if (!b || !b->text) {
			if (b) free(b);
			return -ENOMEM;
		}
		b->cap = BATCH_BYTES;
		b->next = w->free_list;
		w->free_list = b;
	}
	w->cur = w->free_list;
	w->free_list = w->cur->next;
	w->cur->next = NULL;
	if (pthread_create(&w->thread, NULL, writer_main, imp)) return -ENOMEM;
	w->started = true;
	return 0;
}

/* The writer's error, if it had one. */
static int writer_err(struct writer *w)
{
	pthread_mutex_lock(&w->lock);
	int err = w->err;
	pthread_mutex_unlock(&w->lock);
	return err;
}

/* Queues the caller's batch (if it has rows) and, unless `last`, takes an
 * empty one, waiting for the writer if need be. Returns the writer's
 * error, if any. */
static int batch_push(struct writer *w, bool last)
{
	pthread_mutex_lock(&w->lock);
	struct batch *b = w->cur;
	if (b && b->nrows) {
		b->next = NULL;
		if (w->tail)
			w->tail->next = b;
		else
			w->head = b;
		w->tail = b;
		w->cur = NULL;
	}
	if (last) w->end = true;
	pthread_cond_broadcast(&w->cond);
	if (!last && !w->cur) {
		while (!w->free_list && !w->err) pthread_cond_wait(&w->cond, &w->lock);
		if (w->free_list) {
			w->cur = w->free_list;
			w->free_list = w->cur->next;
			w->cur->next = NULL;
		}
	}
	int err = w->err;
	pthread_mutex_unlock(&w->lock);
	return err;
}

/* Stops the writer (all queued batches written, or dropped after an error
 * or when `drop`) and frees the batches. Returns the writer's error. */
static int writer_stop(struct writer *w, bool drop)
{
	if (!w->started) {
		batch_free_all(w->cur);
		batch_free_all(w->free_list);
		w->cur = w->free_list = NULL;
		return 0;
	}
	if (drop) {
		pthread_mutex_lock(&w->lock);
		if (!w->err) w->err = -ECANCELED;
		pthread_mutex_unlock(&w->lock);
	}
	batch_push(w, true);
	pthread_join(w->thread, NULL);
	w->started = false;
	batch_free_all(w->cur);
	batch_free_all(w->free_list);
	batch_free_all(w->head);
	w->cur = w->free_list = w->head = w->tail = NULL;
	return w->err;
}

/* Copies `len` bytes and a NUL into the current batch's text (which has
 * room); returns the offset. */
static size_t text_put(struct batch *b, const char *s, size_t len)
{
	size_t off = b->used;
	memcpy(b->text + off, s, len);
	b->text[off + len] = '\0';
	b->used += len + 1;
	return off;
}

/* Hands a good row to the writer, or counts it in a dry run. */
static int batch_add(struct vd_clients_import *imp, int64_t line, const char *client_id,
		     const char *e164, const char *raw, const char *tz, const char *vars,
		     size_t vars_len)
{
	if (imp->dry_run) {
		imp->imported++;
		return 0;
	}
	struct writer *w = &imp->w;
	size_t cid_len = client_id ? strlen(client_id) : 0, tz_len = tz ? strlen(tz) : 0;
	size_t e_len = strlen(e164), raw_len = strlen(raw);
	size_t need = cid_len + tz_len + e_len + raw_len + vars_len + 5;
	struct batch *b = w->cur;
	if (b->nrows == BATCH_ROWS || b->cap - b->used < need) {
		int err = batch_push(w, false);
		if (err) return err;
		b = w->cur;
	}
	if (b->cap - b->used < need) {           /* one row larger than a batch */
		char *t = realloc(b->text, need);
		if (!t) return -ENOMEM;
		b->text = t;
		b->cap = need;
	}
	struct batch_row *r = &b->row[b->nrows++];
	r->line = line;
	r->client_id = client_id ? text_put(b, client_id, cid_len) : NO_TEXT;
	r->e164 = text_put(b, e164, e_len);
	r->raw = text_put(b, raw, raw_len);
	r->tz = tz ? text_put(b, tz, tz_len) : NO_TEXT;
	r->vars = text_put(b, vars, vars_len);
	return 0;
}

/* ---- a client row ---- */

static bool all_empty(const struct vd_csv_record *rec)
{
	for (size_t i = 0; i < rec->nfields; i++)
		if (rec->fields[i].len) return false;
	return true;
}

/* A bad value as quoted back in a message: at most RAW_IN_MESSAGE bytes,
 * cut at a character boundary, "..." when cut. */
static const char *shown(char out[RAW_IN_MESSAGE + 4], const char *s, size_t len)
{
	size_t n = len <= RAW_IN_MESSAGE ? len : vd_utf8_valid_prefix(s, RAW_IN_MESSAGE);
	memcpy(out, s, n);
	if (n < len) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
	return out;
}

/* Copies a trimmed field into `dst` (`cap` bytes) as a C string. Returns
 * false, leaving `dst` alone, if it does not fit. */
static bool field_copy(char *dst, size_t cap, const char *s, size_t len)
{
	if (len >= cap) return false;
	memcpy(dst, s, len);
	dst[len] = '\0';
	return true;
}

static int on_row(struct vd_clients_import *imp, const struct vd_csv_record *rec)
{
	int64_t line = rec->line;
	if (rec->oversized)
		return reject(imp, line, "the row is longer than %d KB or has more than %d columns",
			      VD_CSV_MAX_ROW / 1024, VD_CSV_MAX_FIELDS);
	if (all_empty(rec)) return 0;
	if (rec->nfields != imp->ncols)
		return reject(imp, line, "expected %zu columns, found %zu", imp->ncols, rec->nfields);
	for (size_t i = 0; i < rec->nfields; i++)
		if (!vd_utf8_is_text(rec->fields[i].s, rec->fields[i].len))
			return reject(imp, line, "column %zu is not valid UTF-8 text", i + 1);

	char q[RAW_IN_MESSAGE + 4];
	const char *f = rec->fields[imp->col_phone].s;
	size_t len = rec->fields[imp->col_phone].len;
	trim(&f, &len);
	if (len == 0) return reject(imp, line, "phone is empty");
	char phone[VD_IMPORT_MAX_PHONE + 1];
	if (!field_copy(phone, sizeof phone, f, len))
		return reject(imp, line, "phone is longer than %d bytes", VD_IMPORT_MAX_PHONE);
	char e164[VD_E164_SIZE];
	const char *why = "invalid";
	if (vd_e164_normalize(phone, len, imp->country, e164, &why))
		return reject(imp, line, "phone '%s': %s", shown(q, phone, len), why);

	char client_id[VD_IMPORT_MAX_CLIENT_ID + 1] = "";
	if (imp->col_client_id >= 0) {
		f = rec->fields[imp->col_client_id].s;
		len = rec->fields[imp->col_client_id].len;
		trim(&f, &len);
		if (!field_copy(client_id, sizeof client_id, f, len))
			return reject(imp, line, "client_id is longer than %d bytes",
				      VD_IMPORT_MAX_CLIENT_ID);
	}

	char tz[TZ_MAX_NAME + 1] = "";
	if (imp->col_tz >= 0) {
		f = rec->fields[imp->col_tz].s;
		len = rec->fields[imp->col_tz].len;
		trim(&f, &len);
		if (len && (!field_copy(tz, sizeof tz, f, len) || !tz_valid(imp, tz, len)))
			return reject(imp, line, "timezone '%s' is not an IANA time zone"
				      " (such as Europe/Moscow)", shown(q, f, len));
	}

	size_t v = 0;
	imp->vars[v++] = '{';
	for (size_t i = 0; i < rec->nfields; i++) {
		if (!imp->key_json[i]) continue;
		if (v > 1) imp->vars[v++] = ',';
		memcpy(imp->vars + v, imp->key_json[i], imp->key_len[i]);
		v += imp->key_len[i];
		imp->vars[v++] = '"';
		v += json_escape(imp->vars + v, rec->fields[i].s, rec->fields[i].len);
		imp->vars[v++] = '"';
	}
	imp->vars[v++] = '}';
	imp->vars[v] = '\0';

	return batch_add(imp, line, client_id[0] ? client_id : NULL, e164, phone,
			 tz[0] ? tz : NULL, imp->vars, v);
}

static int on_record(void *arg, const struct vd_csv_record *rec)
{
	struct vd_clients_import *imp = arg;
	return rec->index == 0 ? on_header(imp, rec) : on_row(imp, rec);
}

/* ---- the push interface ---- */

void vd_clients_import_abort(struct vd_clients_import *imp)
{
	if (!imp) return;
	writer_stop(&imp->w, true);   /* before the rollback: it owns the connection */
	pthread_mutex_destroy(&imp->w.lock);
	pthread_cond_destroy(&imp->w.cond);
	vd_store_import_abort(imp->store_imp);
	vd_csv_reader_free(imp->rd);
	if (imp->key_json)
		for (size_t i = 0; i < imp->ncols; i++) free(imp->key_json[i]);
	free(imp->key_json);
	free(imp->key_len);
	free(imp->vars);
	json_decref(imp->rejected);
	free(imp);
}

int vd_clients_import_begin(const struct vd_clients_import_params *params,
			    struct vd_clients_import **out, struct vd_verr *err)
{
	if (!vd_e164_country_supported(params->country)) {
		vd_verr_set(err, "e164_country", "phone numbers cannot be normalized for country"
			    " '%.8s' (supported: RU, KZ)", params->country ? params->country : "");
		return -EINVAL;
	}
	struct vd_clients_import *imp = calloc(1, sizeof *imp);
	if (!imp) return -ENOMEM;
	snprintf(imp->country, sizeof imp->country, "%s", params->country);
	imp->dry_run = params->store == NULL;
	pthread_mutex_init(&imp->w.lock, NULL);
	pthread_cond_init(&imp->w.cond, NULL);
	imp->rejected = json_array();
	int e = imp->rejected ? vd_csv_reader_alloc(&imp->rd, on_record, imp) : -ENOMEM;
	if (!e && !imp->dry_run)
		e = vd_store_import_begin(params->store, params->account_id, params->task_id,
					  &imp->store_imp);
	if (!e && !imp->dry_run) e = writer_start(imp);
	if (e) {
		if (e == -ENOENT) vd_verr_set(err, "task", "no such task");
		vd_clients_import_abort(imp);
		return e;
	}
	*out = imp;
	return 0;
}

/* The reader's own refusals fill `err` themselves; ours are in imp->verr. */
static int map_err(struct vd_clients_import *imp, int e, struct vd_verr *err)
{
	if (e && imp->has_verr && err) *err = imp->verr;
	return e;
}

int vd_clients_import_feed(struct vd_clients_import *imp, const void *buf, size_t len,
			   struct vd_verr *err)
{
	int e = map_err(imp, vd_csv_reader_feed(imp->rd, buf, len, err), err);
	if (!e && !imp->dry_run) e = writer_err(&imp->w);
	return e;
}

int vd_clients_import_finish(struct vd_clients_import *imp, json_t **result,
			     struct vd_verr *err)
{
	json_t *res = NULL;
	int e = map_err(imp, vd_csv_reader_finish(imp->rd, err), err);
	if (e) goto out;
	if (!imp->dry_run) {
		e = writer_stop(&imp->w, false);   /* every row written, or an error */
		if (e) goto out;
		imp->imported = imp->w.imported;
		imp->duplicates = imp->w.duplicates;
	}
	res = json_pack("{s:I,s:I,s:I,s:O}", "imported", (json_int_t)imp->imported,
			"duplicates", (json_int_t)imp->duplicates,
			"rejected_total", (json_int_t)imp->rejected_total,
			"rejected", imp->rejected);
	if (!res) {
		e = -ENOMEM;
		goto out;
	}
	if (imp->store_imp) {
		e = vd_store_import_commit(imp->store_imp);   /* frees it, also on error */
		imp->store_imp = NULL;
	}
out:
	vd_clients_import_abort(imp);
	if (e) {
		json_decref(res);
		return e;
	}
	*result = res;
	return 0;
}

int vd_clients_import_file(const struct vd_clients_import_params *params, FILE *f,
			   json_t **result, struct vd_verr *err)
{
	struct vd_clients_import *imp;
	int e = vd_clients_import_begin(params, &imp, err);
	if (e) return e;
	char *buf = malloc(READ_CHUNK);
	if (!buf) {
		vd_clients_import_abort(imp);
		return -ENOMEM;
	}
	size_t n;
	while ((n = fread(buf, 1, READ_CHUNK, f)) > 0) {
		e = vd_clients_import_feed(imp, buf, n, err);
		if (e) break;
	}
	if (!e && ferror(f)) {
		vd_verr_set(err, "file", "cannot read the file");
		e = -EIO;
	}
	free(buf);
	if (e) {
		vd_clients_import_abort(imp);
		return e;
	}
	return vd_clients_import_finish(imp, result, err);
}
