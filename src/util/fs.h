/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Small file-system helpers. */
#ifndef VD_FS_H
#define VD_FS_H

/* Creates `path` and its missing parents (mode 0750). 0 or -errno. */
int vd_mkdirs(const char *path);

#endif
