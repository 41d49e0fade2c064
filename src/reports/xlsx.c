/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The streaming XLSX writer; see xlsx.h. The file is a zip (APPNOTE 6.3):
 * each part is deflated as it is written, with a data descriptor after it
 * (its sizes are not known up front), and the central directory at the
 * end. The sheet XML is SpreadsheetML (ECMA-376 part 1, 18.3): inline
 * string cells, number cells with a style index; a cell's `r` is written
 * only when a column was skipped (it is optional: the next column is
 * implied). */
#include "reports/xlsx.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define MAX_SHEETS 256
#define MAX_ENTRIES (MAX_SHEETS + 8)
#define STAGE_SIZE (256 * 1024)   /* XML gathered before each deflate call */
#define OUT_SIZE (256 * 1024)     /* deflate output between writes */
#define U32_MAX 0xffffffffu
#define DOS_DATE 0x21             /* 1980-01-01: parts carry no time */

struct entry {
	char name[40];
	bool zip64;               /* local zip64 extra, 8-byte data descriptor */
	uint32_t crc;
	uint64_t csize, usize, offset;
};

struct vd_xlsx {
	FILE *f;
	uint64_t pos;             /* bytes written to f */
	int err;
	int level;
	z_stream z;
	bool z_ready;
	struct entry *cur;        /* the part being written, NULL between parts */
	struct entry entries[MAX_ENTRIES];
	int nentries;
	char stage[STAGE_SIZE];
	size_t len;
	unsigned char out[OUT_SIZE];
	char sheet_names[MAX_SHEETS][32];
	int sheets;
	uint32_t row;             /* rows written in the current sheet */
	bool in_row;
	int next_col;             /* the column a cell without r would take */
};

/* ---- bytes into the file ---- */

static void file_write(struct vd_xlsx *x, const void *p, size_t n)
{
	if (x->err || n == 0) return;
	if (fwrite(p, 1, n, x->f) != n) x->err = errno ? -errno : -EIO;
	x->pos += n;
}

static void le16(unsigned char *p, uint16_t v) { p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8); }
static void le32(unsigned char *p, uint32_t v) { le16(p, (uint16_t)v); le16(p + 2, (uint16_t)(v >> 16)); }
static void le64(unsigned char *p, uint64_t v) { le32(p, (uint32_t)v); le32(p + 4, (uint32_t)(v >> 32)); }

/* ---- parts: a local header, deflated bytes, a data descriptor ---- */

static void part_begin(struct vd_xlsx *x, const char *name, bool zip64)
{
	if (x->err) return;
	if (x->nentries == MAX_ENTRIES) {
		x->err = -EFBIG;
		return;
	}
	struct entry *e = &x->entries[x->nentries++];
	memset(e, 0, sizeof *e);
	snprintf(e->name, sizeof e->name, "%s", name);
	e->zip64 = zip64;
	e->offset = x->pos;
	size_t nlen = strlen(e->name);
	unsigned char h[30 + 20];
	le32(h, 0x04034b50);
	le16(h + 4, zip64 ? 45 : 20);         /* version needed */
	le16(h + 6, 0x0008);                  /* sizes in the data descriptor */
	le16(h + 8, 8);                       /* deflate */
	le16(h + 10, 0);
	le16(h + 12, DOS_DATE);
	le32(h + 14, 0);
	le32(h + 18, zip64 ? U32_MAX : 0);
	le32(h + 22, zip64 ? U32_MAX : 0);
	le16(h + 26, (uint16_t)nlen);
	le16(h + 28, zip64 ? 20 : 0);
	file_write(x, h, 30);
	file_write(x, e->name, nlen);
	if (zip64) {                          /* the zip64 extra: sizes follow the data */
		unsigned char z[20];
		le16(z, 0x0001);
		le16(z + 2, 16);
		le64(z + 4, 0);
		le64(z + 12, 0);
		file_write(x, z, 20);
	}
	if (x->z_ready) {
		if (deflateReset(&x->z) != Z_OK) x->err = -EIO;
	} else {
		memset(&x->z, 0, sizeof x->z);
		/* raw deflate (no zlib header), as zip stores it */
		if (deflateInit2(&x->z, x->level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) x->err = -ENOMEM;
		else x->z_ready = true;
	}
	x->cur = e;
	x->len = 0;
}

/* Deflates the staged XML (flush: Z_NO_FLUSH or Z_FINISH). */
static void stage_flush(struct vd_xlsx *x, int flush)
{
	struct entry *e = x->cur;
	if (x->err || !e) return;
	e->crc = (uint32_t)crc32(e->crc, (const unsigned char *)x->stage, (uInt)x->len);
	e->usize += x->len;
	x->z.next_in = (unsigned char *)x->stage;
	x->z.avail_in = (uInt)x->len;
	int rc;
	do {
		x->z.next_out = x->out;
		x->z.avail_out = OUT_SIZE;
		rc = deflate(&x->z, flush);
		if (rc == Z_STREAM_ERROR) {
			x->err = -EIO;
			return;
		}
		size_t n = OUT_SIZE - x->z.avail_out;
		file_write(x, x->out, n);
		e->csize += n;
	} while (x->z.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
	x->len = 0;
}

static void put(struct vd_xlsx *x, const char *s, size_t n)
{
	while (n && !x->err) {
		size_t room = STAGE_SIZE - x->len;
		size_t k = n < room ? n : room;
		memcpy(x->stage + x->len, s, k);
		x->len += k;
		s += k;
		n -= k;
		if (x->len == STAGE_SIZE) stage_flush(x, Z_NO_FLUSH);
	}
}

static void puts_(struct vd_xlsx *x, const char *s) { put(x, s, strlen(s)); }

static void part_end(struct vd_xlsx *x)
{
	struct entry *e = x->cur;
	if (!e) return;
	stage_flush(x, Z_FINISH);
	x->cur = NULL;
	if (x->err) return;
	if (!e->zip64 && (e->csize >= U32_MAX || e->usize >= U32_MAX)) {
		x->err = -EFBIG;   /* only the sheets are written as zip64 */
		return;
	}
	unsigned char d[24];
	le32(d, 0x08074b50);
	le32(d + 4, e->crc);
	if (e->zip64) {
		le64(d + 8, e->csize);
		le64(d + 16, e->usize);
		file_write(x, d, 24);
	} else {
		le32(d + 8, (uint32_t)e->csize);
		le32(d + 12, (uint32_t)e->usize);
		file_write(x, d, 16);
	}
}

static void part(struct vd_xlsx *x, const char *name, const char *xml)
{
	part_begin(x, name, false);
	puts_(x, xml);
	part_end(x);
}

/* ---- the central directory ---- */

static void directory(struct vd_xlsx *x)
{
	uint64_t start = x->pos;
	for (int i = 0; i < x->nentries && !x->err; i++) {
		const struct entry *e = &x->entries[i];
		bool big_u = e->usize >= U32_MAX, big_c = e->csize >= U32_MAX, big_o = e->offset >= U32_MAX;
		unsigned char extra[28];
		size_t xl = 0;
		if (big_u || big_c || big_o) {   /* only the fields that overflow, in this order */
			xl = 4;
			if (big_u) { le64(extra + xl, e->usize); xl += 8; }
			if (big_c) { le64(extra + xl, e->csize); xl += 8; }
			if (big_o) { le64(extra + xl, e->offset); xl += 8; }
			le16(extra, 0x0001);
			le16(extra + 2, (uint16_t)(xl - 4));
		}
		size_t nlen = strlen(e->name);
		unsigned char h[46];
		le32(h, 0x02014b50);
		le16(h + 4, 45);                      /* made by: 4.5, MS-DOS attributes */
		le16(h + 6, e->zip64 || xl ? 45 : 20);
		le16(h + 8, 0x0008);
		le16(h + 10, 8);
		le16(h + 12, 0);
		le16(h + 14, DOS_DATE);
		le32(h + 16, e->crc);
		le32(h + 20, big_c ? U32_MAX : (uint32_t)e->csize);
		le32(h + 24, big_u ? U32_MAX : (uint32_t)e->usize);
		le16(h + 28, (uint16_t)nlen);
		le16(h + 30, (uint16_t)xl);
		le16(h + 32, 0);
		le16(h + 34, 0);
		le16(h + 36, 0);
		le32(h + 38, 0);
		le32(h + 42, big_o ? U32_MAX : (uint32_t)e->offset);
		file_write(x, h, 46);
		file_write(x, e->name, nlen);
		file_write(x, extra, xl);
	}
	uint64_t size = x->pos - start;
	bool z64 = start >= U32_MAX || size >= U32_MAX;
	if (z64) {
		uint64_t at = x->pos;
		unsigned char r[56 + 20];
		le32(r, 0x06064b50);
		le64(r + 4, 44);
		le16(r + 12, 45);
		le16(r + 14, 45);
		le32(r + 16, 0);
		le32(r + 20, 0);
		le64(r + 24, (uint64_t)x->nentries);
		le64(r + 32, (uint64_t)x->nentries);
		le64(r + 40, size);
		le64(r + 48, start);
		le32(r + 56, 0x07064b50);            /* the locator */
		le32(r + 60, 0);
		le64(r + 64, at);
		le32(r + 72, 1);
		file_write(x, r, 76);
	}
	unsigned char end[22];
	le32(end, 0x06054b50);
	le16(end + 4, 0);
	le16(end + 6, 0);
	le16(end + 8, (uint16_t)x->nentries);
	le16(end + 10, (uint16_t)x->nentries);
	le32(end + 12, z64 ? U32_MAX : (uint32_t)size);
	le32(end + 16, z64 ? U32_MAX : (uint32_t)start);
	le16(end + 20, 0);
	file_write(x, end, 22);
}

/* ---- numbers as text, without printf on the hot path ---- */

/* Writes v in decimal at the end of buf[0..24); returns the start. */
static char *utoa_end(uint64_t v, char *end)
{
	char *p = end;
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return p;
}

static void put_i64(struct vd_xlsx *x, int64_t v)
{
	char buf[24];
	char *end = buf + sizeof buf;
	char *p = utoa_end(v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, end);
	if (v < 0) *--p = '-';
	put(x, p, (size_t)(end - p));
}

/* whole + frac / 10^digits, trailing zeros of the fraction dropped. */
static void put_decimal(struct vd_xlsx *x, bool neg, uint64_t whole, uint64_t frac, int digits)
{
	char buf[48];
	char *end = buf + sizeof buf;
	char *p = end;
	if (frac) {
		int n = digits;
		while (frac % 10 == 0) {
			frac /= 10;
			n--;
		}
		for (int i = 0; i < n; i++) {
			*--p = (char)('0' + frac % 10);
			frac /= 10;
		}
		*--p = '.';
	}
	p = utoa_end(whole, p);
	if (neg) *--p = '-';
	put(x, p, (size_t)(end - p));
}

/* ---- cells ---- */

static const char *const style_ids[] = {
	[VD_XLSX_PLAIN] = "", [VD_XLSX_BOLD] = " s=\"1\"", [VD_XLSX_DATE] = " s=\"2\"",
	[VD_XLSX_MONEY] = " s=\"3\"", [VD_XLSX_INTEGER] = " s=\"4\"",
};

void vd_xlsx_col_name(int col, char out[4])
{
	char tmp[4];
	int n = 0;
	for (int c = col + 1; c > 0 && n < 3; c = (c - 1) / 26) tmp[n++] = (char)('A' + (c - 1) % 26);
	for (int i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
	out[n] = '\0';
}

/* `<c` with r only when a column was skipped, then the style. */
static void cell_open(struct vd_xlsx *x, int col, enum vd_xlsx_style style)
{
	if (col == x->next_col) {
		put(x, "<c", 2);
	} else {
		char name[4], head[48];
		vd_xlsx_col_name(col, name);
		int n = snprintf(head, sizeof head, "<c r=\"%s%u\"", name, x->row);
		put(x, head, (size_t)n);
	}
	puts_(x, style_ids[style]);
	x->next_col = col + 1;
}

static bool cell_ok(struct vd_xlsx *x, int col)
{
	if (x->err) return false;
	if (!x->in_row || col < x->next_col || col >= 16384) {
		x->err = -EINVAL;   /* a caller's bug: columns only grow within a row */
		return false;
	}
	return true;
}

void vd_xlsx_int(struct vd_xlsx *x, int col, int64_t v, enum vd_xlsx_style style)
{
	if (!cell_ok(x, col)) return;
	cell_open(x, col, style);
	put(x, "><v>", 4);
	put_i64(x, v);
	put(x, "</v></c>", 8);
}

void vd_xlsx_fixed(struct vd_xlsx *x, int col, int64_t units, int decimals, enum vd_xlsx_style style)
{
	if (!cell_ok(x, col)) return;
	uint64_t scale = 1;
	for (int i = 0; i < decimals && i < 18; i++) scale *= 10;
	uint64_t a = units < 0 ? (uint64_t)0 - (uint64_t)units : (uint64_t)units;
	cell_open(x, col, style);
	put(x, "><v>", 4);
	put_decimal(x, units < 0, a / scale, a % scale, decimals);
	put(x, "</v></c>", 8);
}

void vd_xlsx_date(struct vd_xlsx *x, int col, int64_t local_ms, enum vd_xlsx_style style)
{
	if (!cell_ok(x, col)) return;
	/* days since 1899-12-30 and the fraction of the day to 10 digits
	 * (9 µs): exact integer arithmetic, no float formatting */
	const int64_t day = 86400000;
	int64_t days = local_ms / day, rem = local_ms % day;
	if (rem < 0) {
		rem += day;
		days--;
	}
	uint64_t frac = ((uint64_t)rem * 10000000000ull + (uint64_t)day / 2) / (uint64_t)day;
	if (frac == 10000000000ull) {
		frac = 0;
		days++;
	}
	days += 25569;
	cell_open(x, col, style);
	put(x, "><v>", 4);
	put_decimal(x, days < 0, (uint64_t)(days < 0 ? -days : days), frac, 10);
	put(x, "</v></c>", 8);
}

void vd_xlsx_num(struct vd_xlsx *x, int col, double v, enum vd_xlsx_style style)
{
	if (!cell_ok(x, col)) return;
	if (!isfinite(v)) return;   /* no NaN or infinity in a sheet: left empty */
	if (fabs(v) < 1e15 && v == (double)(int64_t)v) {   /* range first: the cast of a larger one is undefined */
		vd_xlsx_int(x, col, (int64_t)v, style);
		return;
	}
	char buf[32];
	int n = snprintf(buf, sizeof buf, "%.17g", v);
	cell_open(x, col, style);
	put(x, "><v>", 4);
	put(x, buf, (size_t)n);
	put(x, "</v></c>", 8);
}

/* The length of the valid UTF-8 sequence at s (1..4), 0 if invalid. */
static int utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];
	if (c < 0x80) return 1;
	int n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
	if (!n) return 0;
	for (int i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80) return 0;
	if (n == 3 && ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0))) return 0;  /* overlong, surrogate */
	if (n == 4 && ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90))) return 0;
	return n;
}

void vd_xlsx_str(struct vd_xlsx *x, int col, const char *s, enum vd_xlsx_style style)
{
	if (!cell_ok(x, col) || !s || !*s) return;
	const unsigned char *u = (const unsigned char *)s;
	size_t chars = 0;
	for (const unsigned char *p = u; *p; p++) chars += (*p & 0xc0) != 0x80;
	if (chars > VD_XLSX_MAX_STRING) return;   /* Excel's limit: left empty, documented */
	size_t n = strlen(s);
	bool keep_space = s[0] == ' ' || s[0] == '\t' || s[0] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t' ||
			  s[n - 1] == '\n';
	cell_open(x, col, style);
	puts_(x, keep_space ? " t=\"inlineStr\"><is><t xml:space=\"preserve\">" : " t=\"inlineStr\"><is><t>");
	/* copy runs of plain bytes; escape markup, control characters (as
	 * Excel's _xHHHH_) and invalid UTF-8 (as U+FFFD) */
	const unsigned char *run = u;
	for (const unsigned char *p = u; *p;) {
		unsigned char c = *p;
		const char *rep = NULL;
		char ctl[8];
		int step = 1;
		if (c == '&') rep = "&amp;";
		else if (c == '<') rep = "&lt;";
		else if (c == '>') rep = "&gt;";
		else if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
			snprintf(ctl, sizeof ctl, "_x%04X_", c);
			rep = ctl;
		} else if (c >= 0x80) {
			step = utf8_len(p);
			if (!step) {
				rep = "\xef\xbf\xbd";
				step = 1;
			}
		}
		if (rep) {
			put(x, (const char *)run, (size_t)(p - run));
			puts_(x, rep);
			p += step;
			run = p;
		} else {
			p += step;
		}
	}
	put(x, (const char *)run, strlen((const char *)run));
	put(x, "</t></is></c>", 13);
}

/* ---- rows and sheets ---- */

static void row_end(struct vd_xlsx *x)
{
	if (!x->in_row) return;
	put(x, "</row>", 6);
	x->in_row = false;
}

uint32_t vd_xlsx_row(struct vd_xlsx *x)
{
	row_end(x);
	if (x->err || !x->cur) {
		if (!x->err) x->err = -EINVAL;
		return x->row;
	}
	if (x->row == VD_XLSX_MAX_ROWS) {
		x->err = -EFBIG;
		return x->row;
	}
	x->row++;
	char head[32];
	int n = snprintf(head, sizeof head, "<row r=\"%u\">", x->row);
	put(x, head, (size_t)n);
	x->in_row = true;
	x->next_col = 0;
	return x->row;
}

static void sheet_end(struct vd_xlsx *x)
{
	if (!x->cur) return;
	row_end(x);
	puts_(x, "</sheetData><pageMargins left=\"0.7\" right=\"0.7\" top=\"0.75\" bottom=\"0.75\""
		 " header=\"0.3\" footer=\"0.3\"/></worksheet>");
	part_end(x);
}

/* Text for an attribute or element: markup escaped (names are ours). */
static void put_escaped(struct vd_xlsx *x, const char *s)
{
	for (; *s; s++) {
		if (*s == '&') puts_(x, "&amp;");
		else if (*s == '<') puts_(x, "&lt;");
		else if (*s == '"') puts_(x, "&quot;");
		else put(x, s, 1);
	}
}

int vd_xlsx_sheet(struct vd_xlsx *x, const char *name, const double *widths, int ncols, int freeze_rows)
{
	sheet_end(x);
	if (x->err) return x->err;
	if (x->sheets == MAX_SHEETS) return x->err = -EFBIG;
	snprintf(x->sheet_names[x->sheets], sizeof x->sheet_names[0], "%s", name);
	char part_name[40];
	snprintf(part_name, sizeof part_name, "xl/worksheets/sheet%d.xml", x->sheets + 1);
	part_begin(x, part_name, true);
	puts_(x, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
		 "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\""
		 " xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">");
	puts_(x, x->sheets == 0 ? "<sheetViews><sheetView tabSelected=\"1\" workbookViewId=\"0\">"
				: "<sheetViews><sheetView workbookViewId=\"0\">");
	if (freeze_rows > 0) {
		char pane[160];
		int n = snprintf(pane, sizeof pane, "<pane ySplit=\"%d\" topLeftCell=\"A%d\" activePane=\"bottomLeft\""
			 " state=\"frozen\"/><selection pane=\"bottomLeft\"/>", freeze_rows, freeze_rows + 1);
		put(x, pane, (size_t)n);
	}
	puts_(x, "</sheetView></sheetViews><sheetFormatPr defaultRowHeight=\"15\"/>");
	if (ncols > 0) {
		puts_(x, "<cols>");
		for (int c = 0; c < ncols; c++) {
			char col[96];
			int n = snprintf(col, sizeof col, "<col min=\"%d\" max=\"%d\" width=\"%.2f\" customWidth=\"1\"/>", c + 1,
					 c + 1, widths[c]);
			put(x, col, (size_t)n);
		}
		puts_(x, "</cols>");
	}
	puts_(x, "<sheetData>");
	x->sheets++;
	x->row = 0;
	x->in_row = false;
	return x->err;
}

/* ---- the workbook ---- */

int vd_xlsx_open(struct vd_xlsx **out, const char *path, int level)
{
	struct vd_xlsx *x = calloc(1, sizeof *x);
	if (!x) return -ENOMEM;
	x->level = level;
	x->f = fopen(path, "wb");
	if (!x->f) {
		int err = -errno;
		free(x);
		return err;
	}
	setvbuf(x->f, NULL, _IOFBF, 1 << 20);
	*out = x;
	return 0;
}

int vd_xlsx_error(const struct vd_xlsx *x) { return x->err; }

static const char styles_xml[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
	"<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
	"<numFmts count=\"1\"><numFmt numFmtId=\"164\" formatCode=\"yyyy-mm-dd hh:mm:ss\"/></numFmts>"
	"<fonts count=\"2\"><font><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font>"
	"<font><b/><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font></fonts>"
	"<fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill>"
	"<fill><patternFill patternType=\"gray125\"/></fill></fills>"
	"<borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"
	"<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>"
	"<cellXfs count=\"5\">"
	"<xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>"
	"<xf numFmtId=\"0\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\"/>"
	"<xf numFmtId=\"164\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/>"
	"<xf numFmtId=\"2\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/>"
	"<xf numFmtId=\"1\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/>"
	"</cellXfs>"
	"<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>"
	"</styleSheet>";

static const char rels_xml[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
	"<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
	"<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
	"officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>";

int vd_xlsx_close(struct vd_xlsx *x)
{
	sheet_end(x);
	if (!x->err && x->sheets == 0) x->err = -EINVAL;
	char line[256];
	/* the workbook: its sheets, then their relationships and the types */
	part_begin(x, "xl/workbook.xml", false);
	puts_(x, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
		 "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\""
		 " xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
		 "<bookViews><workbookView/></bookViews><sheets>");
	for (int i = 0; i < x->sheets; i++) {
		puts_(x, "<sheet name=\"");
		put_escaped(x, x->sheet_names[i]);
		int n = snprintf(line, sizeof line, "\" sheetId=\"%d\" r:id=\"rId%d\"/>", i + 1, i + 1);
		put(x, line, (size_t)n);
	}
	puts_(x, "</sheets></workbook>");
	part_end(x);

	part_begin(x, "xl/_rels/workbook.xml.rels", false);
	puts_(x, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
		 "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">");
	for (int i = 0; i < x->sheets; i++) {
		int n = snprintf(line, sizeof line, "<Relationship Id=\"rId%d\" Type=\"http://schemas.openxmlformats.org/"
			 "officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet%d.xml\"/>", i + 1, i + 1);
		put(x, line, (size_t)n);
	}
	int n = snprintf(line, sizeof line, "<Relationship Id=\"rId%d\" Type=\"http://schemas.openxmlformats.org/"
		 "officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/></Relationships>", x->sheets + 1);
	put(x, line, (size_t)n);
	part_end(x);

	part(x, "xl/styles.xml", styles_xml);
	part(x, "_rels/.rels", rels_xml);

	part_begin(x, "[Content_Types].xml", false);
	puts_(x, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
		 "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
		 "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
		 "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
		 "<Override PartName=\"/xl/workbook.xml\""
		 " ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
		 "<Override PartName=\"/xl/styles.xml\""
		 " ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>");
	for (int i = 0; i < x->sheets; i++) {
		n = snprintf(line, sizeof line, "<Override PartName=\"/xl/worksheets/sheet%d.xml\" ContentType=\"application/"
			 "vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>", i + 1);
		put(x, line, (size_t)n);
	}
	puts_(x, "</Types>");
	part_end(x);

	directory(x);
	int err = x->err;
	if (fclose(x->f) != 0 && !err) err = errno ? -errno : -EIO;
	x->f = NULL;
	if (x->z_ready) deflateEnd(&x->z);
	free(x);
	return err;
}

void vd_xlsx_abort(struct vd_xlsx *x)
{
	if (!x) return;
	if (x->f) fclose(x->f);
	if (x->z_ready) deflateEnd(&x->z);
	free(x);
}
