/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* A streaming XLSX writer for the call reports: rows go straight into a
 * deflate stream inside the zip, so memory stays constant and nothing is
 * written twice. It replaces libxlsxwriter's constant-memory mode, which
 * wrote each sheet's XML to a temporary file, copied it into a second one
 * and deflated it at zlib's default level afterwards (2.8 GB through the
 * page cache and 30+ s for a million rows; docs/internals/reports.md).
 *
 * What it writes is the subset a report needs: one workbook, sheets of
 * rows (inline strings, numbers), five fixed cell styles, column widths, a
 * frozen header row. Sheets are written one after another; a cell's
 * column only grows within a row. Zip64 records are added where a size or
 * offset passes 4 GB.
 *
 *   struct vd_xlsx *x;
 *   vd_xlsx_open(&x, "out.xlsx", 1);
 *   vd_xlsx_sheet(x, "Calls", widths, n, 1);
 *   vd_xlsx_row(x); vd_xlsx_str(x, 0, "Client ID", VD_XLSX_BOLD); ...
 *   vd_xlsx_close(x);      (or vd_xlsx_abort on failure)
 *
 * Errors are sticky: the cell calls return nothing, the first failure is
 * kept and vd_xlsx_close (or vd_xlsx_error) answers it. */
#ifndef VD_XLSX_H
#define VD_XLSX_H

#include <stddef.h>
#include <stdint.h>

struct vd_xlsx;

enum vd_xlsx_style {
	VD_XLSX_PLAIN,       /* General */
	VD_XLSX_BOLD,        /* the header row */
	VD_XLSX_DATE,        /* yyyy-mm-dd hh:mm:ss */
	VD_XLSX_MONEY,       /* 0.00 */
	VD_XLSX_INTEGER,     /* 0 */
};

#define VD_XLSX_MAX_ROWS 1048576   /* rows per sheet (Excel's limit) */
#define VD_XLSX_MAX_STRING 32767   /* characters per cell (longer: left empty) */

/* Creates `path`; level is zlib's (1: fastest). */
int vd_xlsx_open(struct vd_xlsx **out, const char *path, int level);
/* Ends the current sheet (if any) and starts the next, with column widths
 * (characters) and `freeze_rows` frozen rows at the top. */
int vd_xlsx_sheet(struct vd_xlsx *x, const char *name, const double *widths, int ncols, int freeze_rows);
/* Starts the next row (ends the previous one); rows so far in the sheet. */
uint32_t vd_xlsx_row(struct vd_xlsx *x);
void vd_xlsx_str(struct vd_xlsx *x, int col, const char *s, enum vd_xlsx_style style);
void vd_xlsx_int(struct vd_xlsx *x, int col, int64_t v, enum vd_xlsx_style style);
void vd_xlsx_num(struct vd_xlsx *x, int col, double v, enum vd_xlsx_style style);
/* units / 10^decimals, written exactly (money in minor units: decimals 2). */
void vd_xlsx_fixed(struct vd_xlsx *x, int col, int64_t units, int decimals, enum vd_xlsx_style style);
/* A local time in ms since 1970 as an Excel date (days since 1899-12-30). */
void vd_xlsx_date(struct vd_xlsx *x, int col, int64_t local_ms, enum vd_xlsx_style style);
/* The first error so far (negative errno), 0 if none. */
int vd_xlsx_error(const struct vd_xlsx *x);
/* Writes the remaining parts and the zip directory, closes and frees.
 * Returns 0 or the first error (the file is then incomplete). */
int vd_xlsx_close(struct vd_xlsx *x);
/* Frees without finishing the file (the caller removes it). NULL is fine. */
void vd_xlsx_abort(struct vd_xlsx *x);

/* Excel's column name: 0 → "A", 27 → "AB". `out` holds 4 bytes. */
void vd_xlsx_col_name(int col, char out[4]);

#endif
