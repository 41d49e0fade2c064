/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Log sink: formats a whole line in a local buffer and writes it with one
 * call so lines from several threads never interleave. */
#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

/* The one process-wide setting: written before threads start, read after. */
static enum vd_log_level g_level = VD_LOG_INFO;

void vd_log_set_level(enum vd_log_level level) { g_level = level; }
enum vd_log_level vd_log_level(void) { return g_level; }

static const char *level_name(enum vd_log_level l)
{
	switch (l) {
	case VD_LOG_ERR: return "error";
	case VD_LOG_WARNING: return "warn";
	case VD_LOG_NOTICE: return "notice";
	case VD_LOG_INFO: return "info";
	default: return "debug";
	}
}

void vd_log_write(enum vd_log_level level, const char *mod, const char *fmt, ...)
{
	char line[1024];
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	int n = snprintf(line, sizeof line, "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s mod=%s ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			 tm.tm_sec, ts.tv_nsec / 1000000, level_name(level), mod);
	va_list ap;
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof line)
		vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s\n", line);
}
