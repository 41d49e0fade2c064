/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Streaming CSV reader on libcsv (see csv_reader.h for the contract).
 *
 * Two phases. Sniffing: the first bytes are buffered (at most HEAD_MAX)
 * until the header line is complete and the first KB is known, so the
 * encoding checks and the delimiter choice see them whole. Parsing: bytes go
 * to csv_parse() one physical line at a time (cut at each LF, and at PIECE
 * bytes in a line without one). Cutting at LF is what gives line numbers
 * without a second parser: between two pieces we know the line, and libcsv's
 * state tells whether a record is open (a quoted field spanning lines) or
 * whether the next piece starts a new one. */
#include "import/csv_reader.h"
#include "import/utf8.h"

#include <csv.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define HEAD_MAX (VD_CSV_MAX_ROW + 4096) /* sniff buffer: a header line and more */
#define PIECE    (64 * 1024)             /* largest slice given to csv_parse */
#define BLK_SIZE 4096                    /* libcsv grows its field buffer linearly by this */

/* libcsv's parser state before any byte of a record (libcsv.c ROW_NOT_BEGUN;
 * the field is public in csv.h, its values are not). Guarded by the line
 * number tests in tests/unit/test_csv_reader.c. */
#define LIBCSV_ROW_NOT_BEGUN 0

struct vd_csv_reader {
	vd_csv_record_cb *cb;
	void *arg;

	int err;                 /* sticky: once set every call returns it */
	bool file_err;           /* err came with a message in `verr` */
	struct vd_verr verr;
	bool finished;

	/* sniffing */
	bool sniffing;
	char *head;
	size_t head_len;
	size_t scan_pos;         /* header scan progress in head */
	bool scan_quoted, scan_content, header_whole;
	size_t ncomma, nsemi;

	/* parsing */
	struct csv_parser p;
	bool p_ready;
	char delim;
	int64_t line;            /* line of the next byte given to libcsv */
	int64_t rec_line;        /* line the record being assembled started on */
	bool in_record;
	int64_t nrecords;

	/* the record being assembled */
	size_t nfields;
	size_t row_data;         /* field bytes kept */
	size_t row_used;         /* bytes of row[] used (data + NULs) */
	bool oversized;
	struct vd_csv_field fields[VD_CSV_MAX_FIELDS];
	char row[VD_CSV_MAX_ROW + VD_CSV_MAX_FIELDS];
};

static int fail_file(struct vd_csv_reader *r, struct vd_verr *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail_file(struct vd_csv_reader *r, struct vd_verr *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	snprintf(r->verr.field, sizeof r->verr.field, "file");
	vsnprintf(r->verr.message, sizeof r->verr.message, fmt, ap);
	va_end(ap);
	r->err = -EINVAL;
	r->file_err = true;
	if (err) *err = r->verr;
	return r->err;
}

/* The sticky error again, with its message if it had one. */
static int sticky(const struct vd_csv_reader *r, struct vd_verr *err)
{
	if (r->file_err && err) *err = r->verr;
	return r->err;
}

int vd_csv_reader_alloc(struct vd_csv_reader **out, vd_csv_record_cb *cb, void *arg)
{
	struct vd_csv_reader *r = calloc(1, sizeof *r);
	if (!r) return -ENOMEM;
	r->head = malloc(HEAD_MAX);
	if (!r->head) {
		free(r);
		return -ENOMEM;
	}
	r->cb = cb;
	r->arg = arg;
	r->sniffing = true;
	r->line = 1;
	r->rec_line = 1;
	*out = r;
	return 0;
}

void vd_csv_reader_free(struct vd_csv_reader *r)
{
	if (!r) return;
	if (r->p_ready) csv_free(&r->p);
	free(r->head);
	free(r);
}

char vd_csv_reader_delim(const struct vd_csv_reader *r)
{
	return r->delim;
}

/* ---- libcsv callbacks ---- */

static void on_field(void *s, size_t len, void *data)
{
	struct vd_csv_reader *r = data;
	if (r->err) return;
	if (!r->oversized && r->nfields < VD_CSV_MAX_FIELDS && len <= VD_CSV_MAX_ROW - r->row_data) {
		char *dst = r->row + r->row_used;
		if (len) memcpy(dst, s, len);   /* libcsv passes NULL for an empty first field */
		dst[len] = '\0';
		r->fields[r->nfields].s = dst;
		r->fields[r->nfields].len = len;
		r->row_data += len;
		r->row_used += len + 1;
	} else {
		r->oversized = true;
	}
	r->nfields++;
}

static void on_row(int c, void *data)
{
	(void)c;
	struct vd_csv_reader *r = data;
	if (!r->err) {
		struct vd_csv_record rec = {
			.line = r->rec_line,
			.index = r->nrecords,
			.nfields = r->nfields,
			.fields = r->fields,
			.oversized = r->oversized,
		};
		r->nrecords++;
		int e = r->cb(r->arg, &rec);
		if (e) r->err = e < 0 ? e : -EINVAL;
	}
	r->nfields = 0;
	r->row_data = 0;
	r->row_used = 0;
	r->oversized = false;
	/* A lone CR ends a record inside a physical line: the next one starts here. */
	r->rec_line = r->line;
}

/* ---- parsing phase ---- */

static int parse(struct vd_csv_reader *r, const char *buf, size_t len, struct vd_verr *err)
{
	while (len) {
		size_t n = len < PIECE ? len : PIECE;
		const char *nl = memchr(buf, '\n', n);
		if (nl) n = (size_t)(nl - buf) + 1;
		if (!r->in_record) r->rec_line = r->line;
		size_t done = csv_parse(&r->p, buf, n, on_field, on_row, r);
		if (r->err) return sticky(r, err);
		if (done != n) {
			if (csv_error(&r->p) == CSV_ENOMEM) {
				r->err = -ENOMEM;
				return r->err;
			}
			return fail_file(r, err, "line %lld: cannot parse (%s)",
					 (long long)r->rec_line, csv_strerror(csv_error(&r->p)));
		}
		if (r->p.entry_pos > VD_CSV_MAX_FIELD)
			return fail_file(r, err, "line %lld: a field is longer than %d KB"
					 " (is a closing quote missing?)",
					 (long long)r->rec_line, VD_CSV_MAX_FIELD / 1024);
		if (nl) r->line++;
		r->in_record = r->p.pstate != LIBCSV_ROW_NOT_BEGUN;
		buf += n;
		len -= n;
	}
	return 0;
}

/* ---- sniffing phase ---- */

static bool has_bom(const char *h, size_t n)
{
	return n >= 3 && !memcmp(h, "\xef\xbb\xbf", 3);
}

/* Advances the header scan over newly buffered bytes: counts delimiters
 * outside quotes on the first non-blank line and notes where it ends. */
static void scan_header(struct vd_csv_reader *r)
{
	if (r->scan_pos == 0 && has_bom(r->head, r->head_len)) r->scan_pos = 3;
	for (; r->scan_pos < r->head_len && !r->header_whole; r->scan_pos++) {
		char c = r->head[r->scan_pos];
		if (c == '"') {
			r->scan_quoted = !r->scan_quoted;
			r->scan_content = true;
		} else if (r->scan_quoted) {
			continue;
		} else if (c == '\n' || c == '\r') {
			if (r->scan_content) r->header_whole = true;
		} else if (c == ',') {
			r->ncomma++;
			r->scan_content = true;
		} else if (c == ';') {
			r->nsemi++;
			r->scan_content = true;
		} else if (c != ' ' && c != '\t') {
			r->scan_content = true;
		}
	}
}

/* Control bytes other than TAB, CR, LF do not occur in text files. */
static bool has_control(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' && p[i] != '\r') return true;
	return false;
}

/* Valid UTF-8; if `cut`, the last sequence may be incomplete. */
static bool utf8_start_ok(const unsigned char *p, size_t n, bool cut)
{
	size_t ok = vd_utf8_valid_prefix((const char *)p, n);
	return ok == n || (cut && n - ok < 4 && p[ok] >= 0xc2);
}

/* Encoding checks on the first KB, delimiter choice, then parses the
 * buffered head. `eof`: no more input will come. */
static int start(struct vd_csv_reader *r, bool eof, struct vd_verr *err)
{
	const unsigned char *h = (const unsigned char *)r->head;
	size_t n = r->head_len;
	if (n >= 2 && ((h[0] == 0xff && h[1] == 0xfe) || (h[0] == 0xfe && h[1] == 0xff)))
		return fail_file(r, err, "the file is UTF-16 text; save it as CSV in UTF-8");
	size_t skip = has_bom(r->head, n) ? 3 : 0;
	size_t avail = n - skip;
	size_t m = avail < VD_CSV_SNIFF ? avail : VD_CSV_SNIFF;
	if (has_control(h + skip, m))
		return fail_file(r, err, "the file is binary, not CSV text");
	/* The sniff window may cut a multi-byte sequence in two. */
	bool cut = m < avail || !eof;
	if (!utf8_start_ok(h + skip, m, cut))
		return fail_file(r, err, "the file is not UTF-8 text; save it as CSV in UTF-8");

	r->delim = r->nsemi > r->ncomma ? ';' : ',';
	if (csv_init(&r->p, 0) != 0) {
		r->err = -ENOMEM;
		return r->err;
	}
	r->p_ready = true;
	csv_set_delim(&r->p, (unsigned char)r->delim);
	csv_set_blk_size(&r->p, BLK_SIZE);
	r->sniffing = false;
	int e = parse(r, r->head + skip, n - skip, err);
	free(r->head);
	r->head = NULL;
	return e;
}

int vd_csv_reader_feed(struct vd_csv_reader *r, const void *buf, size_t len,
		       struct vd_verr *err)
{
	if (r->err) return sticky(r, err);
	if (r->finished) return -EINVAL;
	const char *b = buf;
	if (r->sniffing) {
		size_t take = HEAD_MAX - r->head_len;
		if (take > len) take = len;
		memcpy(r->head + r->head_len, b, take);
		r->head_len += take;
		b += take;
		len -= take;
		if (r->head_len >= 3) scan_header(r);
		bool ready = (r->header_whole && r->head_len >= VD_CSV_SNIFF + 3) ||
			     r->head_len == HEAD_MAX;
		if (!ready) return 0;
		int e = start(r, false, err);
		if (e) return e;
	}
	return parse(r, b, len, err);
}

int vd_csv_reader_finish(struct vd_csv_reader *r, struct vd_verr *err)
{
	if (r->err) return sticky(r, err);
	if (r->finished) return -EINVAL;
	r->finished = true;
	if (r->sniffing) {
		scan_header(r);
		int e = start(r, true, err);
		if (e) return e;
	}
	csv_fini(&r->p, on_field, on_row, r);
	if (r->err) return sticky(r, err);
	if (r->nrecords == 0) return fail_file(r, err, "the file is empty");
	return 0;
}
