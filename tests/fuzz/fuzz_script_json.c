/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* libFuzzer target for the script engine: JSON bytes -> vd_script_from_json
 * -> (on success) a run driven by events.
 *
 * Input: the first byte picks the variable check (bit 0: with the client
 * columns "name" and "phone", as the dialer will check, else none, as the API
 * does on save); the next up to 16 bytes, up to a 0xff byte, are the events
 * fed to the run (b % 6: prompt done, speech "yes", speech "нет ДА", DTMF
 * '0' + b / 6 % 10, timeout, transfer failed; hang-up only at the end); the
 * rest is the graph. A graph that validates must start and every event must
 * answer 0 with a well-formed action; a refusal must name a field under
 * "graph" and say something. Everything is released each iteration, so
 * LeakSanitizer sees any leak. Seeds: tests/fuzz/corpus/fuzz_script_json/. */
#include "app/script_json.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct vd_script_run run;
static struct vd_script_action act;

static void check_action(const struct vd_script *g)
{
	if (act.kind < VD_SCRIPT_ACT_NONE || act.kind > VD_SCRIPT_ACT_HANGUP) abort();
	if (memchr(act.text, '\0', sizeof act.text) == NULL) abort();
	if (memchr(act.label, '\0', sizeof act.label) == NULL) abort();
	if (act.kind == VD_SCRIPT_ACT_TRANSFER && !act.forward) abort();
	if (act.kind == VD_SCRIPT_ACT_LISTEN &&
	    (!act.block || act.block->type != VD_SCRIPT_ASK || act.timeout_ms < VD_SCRIPT_TIMEOUT_MS_MIN))
		abort();
	if (act.block && (act.block < g->blocks || act.block >= g->blocks + g->nblocks)) abort();
	if (run.vars.n > VD_SCRIPT_MAX_VARS) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1) return 0;
	bool with_columns = data[0] & 1u;
	size_t i = 1, nev = 0;
	uint8_t events[16];
	while (i < size && nev < sizeof events && data[i] != 0xff) events[nev++] = data[i++];
	if (i < size && data[i] == 0xff) i++;
	json_error_t je;
	json_t *in = json_loadb((const char *)data + i, size - i, JSON_REJECT_DUPLICATES, &je);
	if (!in) return 0;
	static const char *const columns[] = {"name", "phone"};
	struct vd_script g;
	struct vd_verr err;
	memset(&err, 0, sizeof err);
	int rc = vd_script_from_json(in, with_columns ? columns : NULL, with_columns ? 2 : 0, &g, &err);
	json_decref(in);
	if (rc == -EINVAL) {
		if (strncmp(err.field, "graph", 5) || !err.message[0]) abort();
		return 0;
	}
	if (rc) return 0;   /* -ENOMEM */
	if (!g.validated) abort();
	struct vd_script_vars vars;
	vd_script_vars_init(&vars);
	vd_script_vars_set(&vars, "name", "Анна", false);
	vd_script_vars_set(&vars, "phone", "+79991112233", false);
	if (vd_script_run_start(&run, &g, &vars, &act) != 0) abort();
	check_action(&g);
	for (size_t k = 0; k <= nev; k++) {
		struct vd_script_event ev = {0};
		if (k == nev) {
			ev.kind = VD_SCRIPT_EV_HANGUP;
		} else {
			static const enum vd_script_event_kind kinds[] = {
				VD_SCRIPT_EV_PROMPT_DONE, VD_SCRIPT_EV_SPEECH_FINAL, VD_SCRIPT_EV_SPEECH_FINAL,
				VD_SCRIPT_EV_DTMF, VD_SCRIPT_EV_TIMEOUT, VD_SCRIPT_EV_TRANSFER_FAILED};
			ev.kind = kinds[events[k] % 6];
			ev.text = events[k] % 6 == 1 ? "yes" : "нет ДА";
			ev.digit = (char)('0' + events[k] / 6 % 10);
		}
		if (vd_script_on_event(&run, &ev, &act) != 0) abort();
		check_action(&g);
	}
	if (!vd_script_run_done(&run)) abort();
	json_t *vj = vd_script_vars_to_json(&run.vars, true);
	if (!vj) abort();
	json_decref(vj);
	vd_script_reset(&g);
	return 0;
}
