/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* A task's bot plan (tel/bot.h), built on the dialer thread from the task's
 * JSON and the store: its script compiled (and every script a transfer or
 * the default redirect switches to), the uploaded prompts its blocks play,
 * the ambient noise and its volume, AMD mode and greeting, gender
 * detection, the default redirect. Static prompts (no {{variables}}) are
 * queued for synthesis so the calls find them cached. */
#ifndef VD_BOT_PLAN_H
#define VD_BOT_PLAN_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct vd_store;
struct vd_bot_plan;

#define VD_BOT_AMBIENT_VOLUME_DEFAULT 30   /* percent of the file's level */

/* Builds the plan of `task` (borrowed) into *out (a new reference; NULL
 * when the task has no script) and its version into *key. When old_key is
 * the version the task and its script still have, nothing is built:
 * -EEXIST (keep the old plan). Returns 0, -EINVAL with a sentence in err
 * (a script vanished or does not validate), -ENOMEM. */
int vd_bot_plan_build(struct vd_store *st, const char *data_dir, int64_t account_id, const json_t *task,
		      uint64_t old_key, struct vd_bot_plan **out, uint64_t *key, char *err, size_t err_size);

#endif
