/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Call attempt outcomes (DESIGN.md "Call attempt outcome"): what the SIP
 * final response, the ring timeout, the answer, the AMD verdict, who hung up
 * and the talk time of one attempt add up to. Every attempt ends with exactly
 * one outcome; the recall rules, the statistics and the reports all speak in
 * these words. Pure: no I/O, no clock. */
#ifndef VD_OUTCOME_H
#define VD_OUTCOME_H

#include <stdbool.h>
#include <stdint.h>

/* The values are stable: they index counters and arrays (vd_recall_rules). */
enum vd_outcome {
	VD_OUTCOME_BUSY = 0,
	VD_OUTCOME_NO_ANSWER,
	VD_OUTCOME_UNAVAILABLE,
	VD_OUTCOME_MACHINE,
	VD_OUTCOME_SHORT,
	VD_OUTCOME_FAILURE,
	VD_OUTCOME_COMPLETED,
	VD_OUTCOME_CANCELLED,
	VD_OUTCOME_COUNT
};

enum vd_amd_verdict {
	VD_AMD_NONE = 0, /* AMD off, or it had not decided when the call ended */
	VD_AMD_HUMAN,
	VD_AMD_MACHINE
};

enum vd_hangup_by {
	VD_HANGUP_UNKNOWN = 0,
	VD_HANGUP_CALLEE, /* the client's side sent BYE */
	VD_HANGUP_US      /* the bot, a transfer or the dialer ended it */
};

/* What the telephony layer knows when an attempt is over. Zero-initialise and
 * fill what applies. */
struct vd_outcome_params {
	bool never_dialed;     /* the task was cancelled before this attempt started */
	bool technical_failure; /* trunk down, media dead, bot error, crash mid-call */
	bool answered;         /* a 2xx was received (the callee picked up) */
	bool ring_timeout;     /* we sent CANCEL because the ring timeout ran out */
	int sip_code;          /* final response when not answered; 0 = none came */
	enum vd_amd_verdict amd;
	enum vd_hangup_by hangup_by;
	int64_t talk_ms;       /* answer to hang-up, milliseconds */
	int32_t short_max_duration_s; /* the `short` rule's bound; 0 = no short rule */
};

/* Effect of a call for the reports: only completed calls are effective or
 * ineffective; every other outcome is neither. */
enum vd_effect {
	VD_EFFECT_NONE = 0,
	VD_EFFECT_EFFECTIVE,
	VD_EFFECT_INEFFECTIVE
};

/* Classifies one attempt. Precedence, first match wins:
 *   never_dialed -> cancelled; technical_failure -> failure;
 *   answered: AMD machine -> machine; callee hung up with
 *     talk_ms < short_max_duration_s * 1000 -> short; else completed;
 *   not answered: ring_timeout -> no_answer (the 487 that answers our CANCEL
 *     is ours); 486, 600, 603 -> busy; 408, 487 -> no_answer ... see the
 *     table in outcome.c; no response (0), 403, other 4xx/5xx/6xx -> failure.
 * `p` is borrowed. Never fails; any thread. */
enum vd_outcome vd_outcome_classify(const struct vd_outcome_params *p);

/* Effective vs ineffective: a completed call is effective unless its talk
 * time was below `ineffective_duration_s` (the task's threshold; 0 makes every
 * completed call effective). `talk_ms` in milliseconds. Any thread. */
enum vd_effect vd_outcome_effect(enum vd_outcome o, int64_t talk_ms,
				 int32_t ineffective_duration_s);

/* The wire name ("busy", "no_answer", "unavailable", "machine", "short",
 * "failure", "completed", "cancelled"); NULL for a value out of range.
 * Static storage. */
const char *vd_outcome_name(enum vd_outcome o);

/* Parses a wire name (exact, lower case). Returns 0 and *out, or -EINVAL. */
int vd_outcome_parse(const char *name, enum vd_outcome *out);

#endif
