/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Structured logging to stderr: one line per event, `ts=... level=... mod=...
 * msg` followed by key=value pairs the caller formats. Levels are syslog's.
 * The level test happens before the arguments are evaluated. Never log
 * passwords, tokens or audio. Thread-safe (one fprintf per line). */
#ifndef VD_LOG_H
#define VD_LOG_H

enum vd_log_level { VD_LOG_ERR = 3, VD_LOG_WARNING = 4, VD_LOG_NOTICE = 5, VD_LOG_INFO = 6, VD_LOG_DEBUG = 7 };

/* Set once at start-up, before threads exist (reads VOXDIAL_LOG_LEVEL too). */
void vd_log_set_level(enum vd_log_level level);
enum vd_log_level vd_log_level(void);
void vd_log_write(enum vd_log_level level, const char *mod, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define VD_LOG(level, mod, ...) do { if ((level) <= vd_log_level()) \
	vd_log_write((level), (mod), __VA_ARGS__); } while (0)
#define vd_err(mod, ...)    VD_LOG(VD_LOG_ERR, mod, __VA_ARGS__)
#define vd_warn(mod, ...)   VD_LOG(VD_LOG_WARNING, mod, __VA_ARGS__)
#define vd_info(mod, ...)   VD_LOG(VD_LOG_INFO, mod, __VA_ARGS__)
#define vd_debug(mod, ...)  VD_LOG(VD_LOG_DEBUG, mod, __VA_ARGS__)

#endif
