/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* A task's settings as the dialer uses them: the task's JSON and the
 * objects it references (dial plan, trunk, caller-ID group, recall rule set,
 * script), read from the store and turned into src/core types once, so the
 * dialing loop only does arithmetic. */
#ifndef VD_TASK_CONFIG_H
#define VD_TASK_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "core/callerid.h"
#include "core/dialplan.h"
#include "core/pattern.h"
#include "core/recall.h"
#include "core/tariff.h"
#include "core/window.h"
#include "core/zone.h"

struct vd_store;

#define VD_TC_MAX_PATTERNS 100
#define VD_TC_MAX_NUMBERS 256

struct vd_task_config {
	int64_t account_id, task_id;
	int64_t cps_mcps;              /* milli-calls per second */
	uint32_t ring_timeout_s;
	int32_t ineffective_s;
	bool has_window;
	struct vd_window window;
	char tz[64];
	struct vd_zone zone;           /* the task's zone, from now on for a year */
	struct vd_recall_rules rules;
	int64_t start_at_ms;           /* scheduled start; 0: none */
	/* dial plan */
	struct vd_pattern patterns[VD_TC_MAX_PATTERNS];
	char prefix[VD_DIALPLAN_MAX_PREFIX + 1];
	struct vd_dialplan dp;
	struct vd_tariff tariff;
	char currency[8];
	/* trunk */
	int64_t trunk_id;
	char host[256], username[128], password[256], from_domain[256];
	uint16_t port;
	bool tcp;
	int32_t trunk_max_cps, trunk_max_channels;
	/* caller ID */
	char trunk_default[32], fixed[32];
	char numbers[VD_TC_MAX_NUMBERS][32];
	struct vd_callerid_entry entries[VD_TC_MAX_NUMBERS];
	size_t nentries;
	enum vd_callerid_mode cid_mode;
	/* what an answered call plays until the bot lands: the script's first
	 * say block, its text (TTS) or its audio file */
	char prompt[2000];
	int64_t prompt_audio_id;       /* 0: none (use the text) */
};

/* Loads task `task_id` of `account_id` from its stored JSON `body`. Returns
 * 0, or -EINVAL with a sentence in err (a referenced object vanished, a
 * caller-ID group without a number on the trunk...). */
int vd_task_config_load(struct vd_store *st, int64_t account_id, int64_t task_id, const char *body,
			int64_t now_s, struct vd_task_config *out, char *err, size_t err_size);

/* The caller-ID pool over the config's numbers (borrowed pointers). */
void vd_task_config_pool(struct vd_task_config *tc, struct vd_callerid_pool *pool);

#endif
