/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The outcome table of DESIGN.md, written as code. SIP codes are RFC 3261
 * section 21; 603 Decline is what several carriers send when the callee
 * presses "reject" where others send 486, so it is treated as busy too. */
#include "core/outcome.h"

#include <errno.h>
#include <string.h>

static const char *const names[VD_OUTCOME_COUNT] = {
	[VD_OUTCOME_BUSY] = "busy",
	[VD_OUTCOME_NO_ANSWER] = "no_answer",
	[VD_OUTCOME_UNAVAILABLE] = "unavailable",
	[VD_OUTCOME_MACHINE] = "machine",
	[VD_OUTCOME_SHORT] = "short",
	[VD_OUTCOME_FAILURE] = "failure",
	[VD_OUTCOME_COMPLETED] = "completed",
	[VD_OUTCOME_CANCELLED] = "cancelled",
};

const char *vd_outcome_name(enum vd_outcome o)
{
	if ((int)o < 0 || o >= VD_OUTCOME_COUNT) return NULL;
	return names[o];
}

int vd_outcome_parse(const char *name, enum vd_outcome *out)
{
	if (!name) return -EINVAL;
	for (int i = 0; i < VD_OUTCOME_COUNT; i++) {
		if (!strcmp(name, names[i])) {
			*out = (enum vd_outcome)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* Final response of an unanswered INVITE that we did not cancel. */
static enum vd_outcome from_sip(int code)
{
	switch (code) {
	case 486: /* Busy Here */
	case 600: /* Busy Everywhere */
	case 603: /* Decline: the callee rejected the call */
		return VD_OUTCOME_BUSY;
	case 408: /* Request Timeout: nobody picked up in the carrier's time */
	case 487: /* Request Terminated: ringing ended without an answer */
		return VD_OUTCOME_NO_ANSWER;
	case 404: /* Not Found */
	case 410: /* Gone */
	case 480: /* Temporarily Unavailable: switched off, out of coverage */
	case 484: /* Address Incomplete */
	case 604: /* Does Not Exist Anywhere */
		return VD_OUTCOME_UNAVAILABLE;
	default:  /* no response, 403, other 4xx, 5xx, 6xx: our or their fault */
		return VD_OUTCOME_FAILURE;
	}
}

enum vd_outcome vd_outcome_classify(const struct vd_outcome_params *p)
{
	if (p->never_dialed) return VD_OUTCOME_CANCELLED;
	if (p->technical_failure) return VD_OUTCOME_FAILURE;
	if (!p->answered) {
		if (p->ring_timeout) return VD_OUTCOME_NO_ANSWER;
		return from_sip(p->sip_code);
	}
	if (p->amd == VD_AMD_MACHINE) return VD_OUTCOME_MACHINE;
	if (p->hangup_by == VD_HANGUP_CALLEE && p->short_max_duration_s > 0 &&
	    p->talk_ms < (int64_t)p->short_max_duration_s * 1000)
		return VD_OUTCOME_SHORT;
	return VD_OUTCOME_COMPLETED;
}

enum vd_effect vd_outcome_effect(enum vd_outcome o, int64_t talk_ms,
				 int32_t ineffective_duration_s)
{
	if (o != VD_OUTCOME_COMPLETED) return VD_EFFECT_NONE;
	if (talk_ms < (int64_t)ineffective_duration_s * 1000) return VD_EFFECT_INEFFECTIVE;
	return VD_EFFECT_EFFECTIVE;
}
