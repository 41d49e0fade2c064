/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The streaming CSV reader: each case feeds a file and compares a transcript
 * of the records ("line:[field|field]") with the expected one. Every case is
 * fed three ways (whole, byte by byte, in 7-byte pieces): the split must not
 * change a single record or line number. */
#include "import/csv_reader.h"
#include "vtest.h"

#include <errno.h>
#include <stdlib.h>

struct dump {
	char text[4096];
	size_t len;
	int stop_at;             /* record index at which the callback fails; -1 never */
};

static void put(struct dump *d, const char *s, size_t n)
{
	if (n > sizeof d->text - 1 - d->len) n = sizeof d->text - 1 - d->len;
	memcpy(d->text + d->len, s, n);
	d->len += n;
	d->text[d->len] = '\0';
}

static int on_record(void *arg, const struct vd_csv_record *rec)
{
	struct dump *d = arg;
	if (d->stop_at >= 0 && rec->index == d->stop_at) return -ECANCELED;
	char hdr[64];
	int n = snprintf(hdr, sizeof hdr, "%lld:", (long long)rec->line);
	put(d, hdr, (size_t)n);
	if (rec->oversized) {
		n = snprintf(hdr, sizeof hdr, "oversized(%zu)\n", rec->nfields);
		put(d, hdr, (size_t)n);
		return 0;
	}
	put(d, "[", 1);
	for (size_t i = 0; i < rec->nfields; i++) {
		if (i) put(d, "|", 1);
		put(d, rec->fields[i].s, rec->fields[i].len);
		CHECK_INT(rec->fields[i].s[rec->fields[i].len], 0);
	}
	put(d, "]\n", 2);
	return 0;
}

/* Feeds `in` in pieces of `step` bytes (0: whole). Returns the final error. */
static int run(const char *in, size_t len, size_t step, struct dump *d, char *delim,
	       struct vd_verr *err)
{
	struct vd_csv_reader *r;
	memset(d->text, 0, sizeof d->text);
	d->len = 0;
	if (vd_csv_reader_alloc(&r, on_record, d)) return -ENOMEM;
	int e = 0;
	if (step == 0) step = len ? len : 1;
	for (size_t off = 0; off < len && !e; off += step) {
		size_t n = len - off < step ? len - off : step;
		e = vd_csv_reader_feed(r, in + off, n, err);
	}
	if (!e) e = vd_csv_reader_finish(r, err);
	if (delim) *delim = vd_csv_reader_delim(r);
	vd_csv_reader_free(r);
	return e;
}

struct ok_case {
	const char *name;
	const char *in;
	size_t len;              /* 0: strlen */
	char delim;
	const char *want;
};

#define BIN(s) s, sizeof(s) - 1

static const struct ok_case ok_cases[] = {
	{"plain LF", "phone,name\n111,Ann\n222,Bob\n", 0, ',',
	 "1:[phone|name]\n2:[111|Ann]\n3:[222|Bob]\n"},
	{"semicolon", "phone;name\n111;Ann\n", 0, ';', "1:[phone|name]\n2:[111|Ann]\n"},
	{"BOM", "\xef\xbb\xbfphone;name\n111;Ann\n", 0, ';', "1:[phone|name]\n2:[111|Ann]\n"},
	{"CRLF", "phone,name\r\n111,Ann\r\n222,Bob\r\n", 0, ',',
	 "1:[phone|name]\n2:[111|Ann]\n3:[222|Bob]\n"},
	{"no final newline", "phone,name\n111,Ann", 0, ',', "1:[phone|name]\n2:[111|Ann]\n"},
	{"quoted separators and quotes", "phone,note\n\"1,1\",\"say \"\"hi\"\"; ok\"\n", 0, ',',
	 "1:[phone|note]\n2:[1,1|say \"hi\"; ok]\n"},
	{"embedded LF counts lines", "phone,note\n1,\"a\nb\nc\"\n2,x\n", 0, ',',
	 "1:[phone|note]\n2:[1|a\nb\nc]\n5:[2|x]\n"},
	{"embedded CRLF counts lines", "phone,note\r\n1,\"a\r\nb\"\r\n2,x\r\n", 0, ',',
	 "1:[phone|note]\n2:[1|a\r\nb]\n4:[2|x]\n"},
	{"record starting with a multi-line quoted field", "phone,note\n\"1\n2\",x\n3,y\n", 0, ',',
	 "1:[phone|note]\n2:[1\n2|x]\n4:[3|y]\n"},
	{"blank lines skipped but counted", "\nphone,name\n\n111,Ann\n  \n\r\n222,Bob\n\n", 0, ',',
	 "2:[phone|name]\n4:[111|Ann]\n7:[222|Bob]\n"},
	{"ragged rows", "a,b,c\n1,2\n1,2,3,4\n1,2,3\n", 0, ',',
	 "1:[a|b|c]\n2:[1|2]\n3:[1|2|3|4]\n4:[1|2|3]\n"},
	{"empty fields", "a,b,c\n,,\n", 0, ',', "1:[a|b|c]\n2:[||]\n"},
	{"delimiter inside quotes does not count", "\"a;b;c\",d\n1,2\n", 0, ',',
	 "1:[a;b;c|d]\n2:[1|2]\n"},
	{"semicolon wins over commas in quotes", "\"x,y,z\";b\n1;2\n", 0, ';',
	 "1:[x,y,z|b]\n2:[1|2]\n"},
	{"single column", "phone\n111\n", 0, ',', "1:[phone]\n2:[111]\n"},
	{"spaces around unquoted fields trimmed", " phone , name \n 111 , Ann \n", 0, ',',
	 "1:[phone|name]\n2:[111|Ann]\n"},
	{"quoted spaces kept", "phone,name\n111,\" Ann \"\n", 0, ',',
	 "1:[phone|name]\n2:[111| Ann ]\n"},
	{"UTF-8 text", "phone,имя\n111,Анна\n", 0, ',', "1:[phone|имя]\n2:[111|Анна]\n"},
	{"lone CR ends a record", "a,b\r1,2\r", 0, ',', "1:[a|b]\n1:[1|2]\n"},
};

static void check_ok(const struct ok_case *c)
{
	size_t len = c->len ? c->len : strlen(c->in);
	static const size_t steps[] = {0, 1, 7};
	for (size_t i = 0; i < 3; i++) {
		struct dump d = {.stop_at = -1};
		struct vd_verr err = {{0}, {0}};
		char delim = 0;
		int e = run(c->in, len, steps[i], &d, &delim, &err);
		if (e) fprintf(stderr, "case '%s' step %zu: %d %s\n", c->name, steps[i], e, err.message);
		CHECK_INT(e, 0);
		CHECK_INT(delim, c->delim);
		if (strcmp(d.text, c->want))
			fprintf(stderr, "case '%s' step %zu:\n got: %s\nwant: %s\n", c->name, steps[i],
				d.text, c->want);
		CHECK_STR(d.text, c->want);
	}
}

struct bad_case {
	const char *name;
	const char *in;
	size_t len;
	const char *msg;          /* substring of the message */
};

static const struct bad_case bad_cases[] = {
	{"empty", BIN(""), "empty"},
	{"BOM only", BIN("\xef\xbb\xbf"), "empty"},
	{"blank lines only", BIN("\n \r\n\t\n"), "empty"},
	{"NUL bytes", BIN("phone,name\n1\0\0\0,x\n"), "binary"},
	{"PNG", BIN("\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), "binary"},
	{"ZIP (xlsx)", BIN("PK\x03\x04\x14\0\x06\0\x08\0\0\0!\0"), "binary"},
	{"UTF-16LE", BIN("\xff\xfep\0h\0o\0n\0e\0\n\0"), "UTF-16"},
	{"UTF-16BE", BIN("\xfe\xff\0p\0h\0o\0n\0e\0\n"), "UTF-16"},
	{"Windows-1251", BIN("phone,\xe8\xec\xff\n1,\xc0\xed\xed\xe0\n"), "not UTF-8"},
};

static void check_bad(const struct bad_case *c)
{
	static const size_t steps[] = {0, 1};
	for (size_t i = 0; i < 2; i++) {
		struct dump d = {.stop_at = -1};
		struct vd_verr err = {{0}, {0}};
		int e = run(c->in, c->len, steps[i], &d, NULL, &err);
		CHECK_INT(e, -EINVAL);
		CHECK_STR(err.field, "file");
		if (!strstr(err.message, c->msg))
			fprintf(stderr, "case '%s': message '%s' lacks '%s'\n", c->name, err.message,
				c->msg);
		CHECK(strstr(err.message, c->msg) != NULL);
		CHECK_STR(d.text, "");
	}
}

/* A record over VD_CSV_MAX_ROW is delivered as oversized and the next one is
 * fine; a field over VD_CSV_MAX_FIELD (an unclosed quote) refuses the file. */
static void check_limits(void)
{
	size_t big = VD_CSV_MAX_ROW + 10;
	char *in = malloc(big + 64);
	size_t n = 0;
	n += (size_t)snprintf(in, 64, "phone,note\n1,");
	memset(in + n, 'x', big);
	n += big;
	memcpy(in + n, "\n2,y\n", 5);
	n += 5;
	struct dump d = {.stop_at = -1};
	struct vd_verr err;
	CHECK_INT(run(in, n, 0, &d, NULL, &err), 0);
	CHECK_STR(d.text, "1:[phone|note]\n2:oversized(2)\n3:[2|y]\n");
	CHECK_INT(run(in, n, 1000, &d, NULL, &err), 0);
	CHECK_STR(d.text, "1:[phone|note]\n2:oversized(2)\n3:[2|y]\n");
	free(in);

	/* too many fields */
	size_t nf = VD_CSV_MAX_FIELDS + 5;
	in = malloc(2 * nf + 32);
	n = (size_t)snprintf(in, 32, "phone\n");
	for (size_t i = 0; i < nf; i++) {
		in[n++] = 'a';
		in[n++] = i + 1 < nf ? ',' : '\n';
	}
	CHECK_INT(run(in, n, 0, &d, NULL, &err), 0);
	CHECK_STR(d.text, "1:[phone]\n2:oversized(1029)\n");
	free(in);

	/* an unclosed quote swallows the rest of a big file */
	size_t huge = VD_CSV_MAX_FIELD + 100000;
	in = malloc(huge + 64);
	n = (size_t)snprintf(in, 64, "phone,note\n1,\"open\n");
	for (size_t i = 0; i < huge; i += 10)
		memcpy(in + n + i, "2,abcdefg\n", 10);
	n += huge;
	CHECK_INT(run(in, n, 0, &d, NULL, &err), -EINVAL);
	CHECK(strstr(err.message, "line 2: a field is longer than") != NULL);
	CHECK_STR(d.text, "1:[phone|note]\n");
	free(in);
}

/* A NUL past the sniff window is not the reader's business. */
static void check_late_nul(void)
{
	char in[3000];
	size_t n = (size_t)snprintf(in, sizeof in, "phone,note\n");
	while (n < 2000) {
		memcpy(in + n, "1,abc\n", 6);
		n += 6;
	}
	memcpy(in + n, "2,a\0b\n", 6);
	n += 6;
	struct dump d = {.stop_at = -1};
	struct vd_verr err;
	CHECK_INT(run(in, n, 0, &d, NULL, &err), 0);
	CHECK(d.len > 0);
}

/* The callback's error stops the reader and sticks. */
static void check_callback_error(void)
{
	struct dump d = {.stop_at = 1};
	struct vd_csv_reader *r;
	struct vd_verr err = {{0}, {0}};
	CHECK_INT(vd_csv_reader_alloc(&r, on_record, &d), 0);
	const char *in = "phone\n1\n2\n3\n";
	CHECK_INT(vd_csv_reader_feed(r, in, strlen(in), &err), 0); /* still sniffing */
	CHECK_INT(vd_csv_reader_finish(r, &err), -ECANCELED);
	CHECK_STR(d.text, "1:[phone]\n");
	CHECK_INT(vd_csv_reader_feed(r, "4\n", 2, &err), -ECANCELED);
	CHECK_STR(err.message, "");
	vd_csv_reader_free(r);

	/* past the sniff window the error comes out of _feed */
	char big[4000];
	size_t n = (size_t)snprintf(big, sizeof big, "phone\n");
	while (n < 3000) big[n++] = '\n';
	memcpy(big + n, "1\n2\n", 4);
	n += 4;
	d.stop_at = 2;
	d.len = 0;
	CHECK_INT(vd_csv_reader_alloc(&r, on_record, &d), 0);
	CHECK_INT(vd_csv_reader_feed(r, big, n, &err), -ECANCELED);
	CHECK_INT(vd_csv_reader_finish(r, &err), -ECANCELED);
	vd_csv_reader_free(r);
	vd_csv_reader_free(NULL);
}

int main(void)
{
	for (size_t i = 0; i < sizeof ok_cases / sizeof ok_cases[0]; i++)
		check_ok(&ok_cases[i]);
	for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++)
		check_bad(&bad_cases[i]);
	check_limits();
	check_late_nul();
	check_callback_error();
	return vt_done();
}
