/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The streaming XLSX writer: column names, the exact cell XML (numbers
 * without printf, dates, escaping, skipped columns), the zip it makes read
 * back through its central directory with zlib, and the sticky errors. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "reports/xlsx.h"
#include "vtest.h"

static uint32_t rd32(const unsigned char *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint16_t rd16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }

/* The file's part `name`, inflated (malloc'd, NUL-terminated), or NULL. */
static char *part(const unsigned char *zip, size_t size, const char *name)
{
	size_t e = size - 22;
	if (size < 22 || rd32(zip + e) != 0x06054b50) return NULL;
	size_t p = rd32(zip + e + 16);
	for (int i = 0, n = rd16(zip + e + 10); i < n; i++) {
		if (p + 46 > size || rd32(zip + p) != 0x02014b50) return NULL;
		uint32_t csize = rd32(zip + p + 20), usize = rd32(zip + p + 24), crc = rd32(zip + p + 16);
		uint16_t nlen = rd16(zip + p + 28), xlen = rd16(zip + p + 30), clen = rd16(zip + p + 32);
		uint32_t local = rd32(zip + p + 42);
		if (nlen == strlen(name) && !memcmp(zip + p + 46, name, nlen)) {
			size_t start = local + 30 + rd16(zip + local + 26) + rd16(zip + local + 28);
			char *out = malloc(usize + 1);
			z_stream z = {0};
			inflateInit2(&z, -15);
			z.next_in = (unsigned char *)zip + start;
			z.avail_in = csize;
			z.next_out = (unsigned char *)out;
			z.avail_out = usize;
			int rc = inflate(&z, Z_FINISH);
			inflateEnd(&z);
			if (rc != Z_STREAM_END || z.total_out != usize || crc32(0, (unsigned char *)out, usize) != crc) {
				free(out);
				return NULL;
			}
			out[usize] = '\0';
			return out;
		}
		p += 46u + nlen + xlen + clen;
	}
	return NULL;
}

int main(void)
{
	char name[4];
	vd_xlsx_col_name(0, name);
	CHECK_STR(name, "A");
	vd_xlsx_col_name(25, name);
	CHECK_STR(name, "Z");
	vd_xlsx_col_name(26, name);
	CHECK_STR(name, "AA");
	vd_xlsx_col_name(16383, name);
	CHECK_STR(name, "XFD");

	char path[] = "/tmp/test_xlsx-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	close(fd);
	struct vd_xlsx *x;
	CHECK_INT(vd_xlsx_open(&x, path, 1), 0);
	const double widths[] = {10.71, 20.71};
	CHECK_INT(vd_xlsx_sheet(x, "Calls & co", widths, 2, 1), 0);
	CHECK_INT(vd_xlsx_row(x), 1);
	vd_xlsx_str(x, 0, "Client ID", VD_XLSX_BOLD);
	vd_xlsx_str(x, 1, "A<B>&\x01 \xd0\x81\xff", VD_XLSX_PLAIN);   /* markup, control, Ё, bad byte */
	CHECK_INT(vd_xlsx_row(x), 2);
	vd_xlsx_int(x, 0, -42, VD_XLSX_INTEGER);
	vd_xlsx_fixed(x, 2, 150, 2, VD_XLSX_MONEY);                  /* column B skipped: r="C2" */
	vd_xlsx_fixed(x, 3, -5, 2, VD_XLSX_MONEY);
	vd_xlsx_date(x, 4, 1767225600000LL + 43200000, VD_XLSX_DATE); /* 2026-01-01 12:00 */
	vd_xlsx_date(x, 5, 1767225600000LL + 1000, VD_XLSX_DATE);     /* and one second */
	vd_xlsx_num(x, 6, 0.125, VD_XLSX_PLAIN);
	vd_xlsx_num(x, 7, 3.0, VD_XLSX_PLAIN);
	vd_xlsx_str(x, 8, " padded", VD_XLSX_PLAIN);
	vd_xlsx_str(x, 9, "", VD_XLSX_PLAIN);                        /* empty: no cell */
	CHECK_INT(vd_xlsx_error(x), 0);
	CHECK_INT(vd_xlsx_sheet(x, "Calls 2", widths, 2, 0), 0);
	CHECK_INT(vd_xlsx_row(x), 1);
	vd_xlsx_int(x, 0, 7, VD_XLSX_PLAIN);
	CHECK_INT(vd_xlsx_close(x), 0);

	FILE *f = fopen(path, "rb");
	static unsigned char zip[1 << 16];
	size_t size = f ? fread(zip, 1, sizeof zip, f) : 0;
	if (f) fclose(f);
	unlink(path);
	char *sheet = part(zip, size, "xl/worksheets/sheet1.xml");
	CHECK(sheet != NULL);
	if (sheet) {
		CHECK(strstr(sheet, "<pane ySplit=\"1\" topLeftCell=\"A2\"") != NULL);
		CHECK(strstr(sheet, "<col min=\"2\" max=\"2\" width=\"20.71\" customWidth=\"1\"/>") != NULL);
		CHECK(strstr(sheet, "<row r=\"1\"><c s=\"1\" t=\"inlineStr\"><is><t>Client ID</t></is></c>"
				    "<c t=\"inlineStr\"><is><t>A&lt;B&gt;&amp;_x0001_ \xd0\x81\xef\xbf\xbd</t></is></c></row>") != NULL);
		const char *row2 = strstr(sheet, "<row r=\"2\">");
		CHECK_STR(row2, "<row r=\"2\"><c s=\"4\"><v>-42</v></c><c r=\"C2\" s=\"3\"><v>1.5</v></c>"
				"<c s=\"3\"><v>-0.05</v></c><c s=\"2\"><v>46023.5</v></c><c s=\"2\"><v>46023.0000115741</v></c>"
				"<c><v>0.125</v></c><c><v>3</v></c>"
				"<c t=\"inlineStr\"><is><t xml:space=\"preserve\"> padded</t></is></c></row>"
				"</sheetData><pageMargins left=\"0.7\" right=\"0.7\" top=\"0.75\" bottom=\"0.75\""
				" header=\"0.3\" footer=\"0.3\"/></worksheet>");
		free(sheet);
	}
	char *wb = part(zip, size, "xl/workbook.xml");
	CHECK(wb && strstr(wb, "<sheet name=\"Calls &amp; co\" sheetId=\"1\" r:id=\"rId1\"/>"
			       "<sheet name=\"Calls 2\" sheetId=\"2\" r:id=\"rId2\"/>"));
	free(wb);
	char *types = part(zip, size, "[Content_Types].xml");
	CHECK(types && strstr(types, "/xl/worksheets/sheet2.xml"));
	free(types);
	char *styles = part(zip, size, "xl/styles.xml");
	CHECK(styles && strstr(styles, "formatCode=\"yyyy-mm-dd hh:mm:ss\""));
	free(styles);

	/* errors stick: a column going back is a caller's bug */
	CHECK_INT(vd_xlsx_open(&x, path, 1), 0);
	vd_xlsx_row(x);   /* no sheet yet */
	CHECK_INT(vd_xlsx_error(x), -EINVAL);
	vd_xlsx_abort(x);
	CHECK_INT(vd_xlsx_open(&x, path, 1), 0);
	vd_xlsx_sheet(x, "S", NULL, 0, 0);
	vd_xlsx_row(x);
	vd_xlsx_int(x, 3, 1, VD_XLSX_PLAIN);
	vd_xlsx_int(x, 2, 1, VD_XLSX_PLAIN);
	CHECK_INT(vd_xlsx_close(x), -EINVAL);
	unlink(path);
	CHECK(vd_xlsx_open(&x, "/nonexistent-dir/x.xlsx", 1) < 0);
	return vt_done();
}
