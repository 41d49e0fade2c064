/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The outcome table of DESIGN.md row by row, then effective/ineffective and
 * the wire names. */
#include <errno.h>

#include "core/outcome.h"
#include "vtest.h"

struct row {
	const char *name;
	struct vd_outcome_params p;
	enum vd_outcome want;
};

#define NOT_ANSWERED(code) {.sip_code = (code)}
#define ANSWERED(amd_, by, ms, shortmax) \
	{.answered = true, .amd = (amd_), .hangup_by = (by), .talk_ms = (ms), \
	 .short_max_duration_s = (shortmax)}

static const struct row rows[] = {
	{"486 Busy Here", NOT_ANSWERED(486), VD_OUTCOME_BUSY},
	{"600 Busy Everywhere", NOT_ANSWERED(600), VD_OUTCOME_BUSY},
	{"603 Decline", NOT_ANSWERED(603), VD_OUTCOME_BUSY},
	{"ring timeout, 487 to our CANCEL", {.ring_timeout = true, .sip_code = 487},
	 VD_OUTCOME_NO_ANSWER},
	{"ring timeout, no final yet", {.ring_timeout = true}, VD_OUTCOME_NO_ANSWER},
	{"ring timeout wins over busy", {.ring_timeout = true, .sip_code = 486},
	 VD_OUTCOME_NO_ANSWER},
	{"408 Request Timeout", NOT_ANSWERED(408), VD_OUTCOME_NO_ANSWER},
	{"487 Request Terminated", NOT_ANSWERED(487), VD_OUTCOME_NO_ANSWER},
	{"404 Not Found", NOT_ANSWERED(404), VD_OUTCOME_UNAVAILABLE},
	{"410 Gone", NOT_ANSWERED(410), VD_OUTCOME_UNAVAILABLE},
	{"480 Temporarily Unavailable", NOT_ANSWERED(480), VD_OUTCOME_UNAVAILABLE},
	{"484 Address Incomplete", NOT_ANSWERED(484), VD_OUTCOME_UNAVAILABLE},
	{"604 Does Not Exist Anywhere", NOT_ANSWERED(604), VD_OUTCOME_UNAVAILABLE},
	{"403 Forbidden", NOT_ANSWERED(403), VD_OUTCOME_FAILURE},
	{"500 Server Internal Error", NOT_ANSWERED(500), VD_OUTCOME_FAILURE},
	{"503 Service Unavailable", NOT_ANSWERED(503), VD_OUTCOME_FAILURE},
	{"488 Not Acceptable Here", NOT_ANSWERED(488), VD_OUTCOME_FAILURE},
	{"no response", NOT_ANSWERED(0), VD_OUTCOME_FAILURE},
	{"trunk down", {.technical_failure = true}, VD_OUTCOME_FAILURE},
	{"media dead mid-call", {.answered = true, .technical_failure = true, .talk_ms = 30000},
	 VD_OUTCOME_FAILURE},
	{"machine", ANSWERED(VD_AMD_MACHINE, VD_HANGUP_US, 4000, 5), VD_OUTCOME_MACHINE},
	{"machine that hung up quickly", ANSWERED(VD_AMD_MACHINE, VD_HANGUP_CALLEE, 1000, 5),
	 VD_OUTCOME_MACHINE},
	{"human hung up at 4.999 s, short 5 s", ANSWERED(VD_AMD_HUMAN, VD_HANGUP_CALLEE, 4999, 5),
	 VD_OUTCOME_SHORT},
	{"human hung up at 5.000 s, short 5 s", ANSWERED(VD_AMD_HUMAN, VD_HANGUP_CALLEE, 5000, 5),
	 VD_OUTCOME_COMPLETED},
	{"AMD undecided, callee hung up fast", ANSWERED(VD_AMD_NONE, VD_HANGUP_CALLEE, 2000, 5),
	 VD_OUTCOME_SHORT},
	{"we hung up fast: not short", ANSWERED(VD_AMD_HUMAN, VD_HANGUP_US, 2000, 5),
	 VD_OUTCOME_COMPLETED},
	{"no short rule", ANSWERED(VD_AMD_HUMAN, VD_HANGUP_CALLEE, 1000, 0), VD_OUTCOME_COMPLETED},
	{"long call", ANSWERED(VD_AMD_HUMAN, VD_HANGUP_CALLEE, 120000, 5), VD_OUTCOME_COMPLETED},
	{"cancelled before dialing", {.never_dialed = true, .sip_code = 486}, VD_OUTCOME_CANCELLED},
};

int main(void)
{
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		enum vd_outcome got = vd_outcome_classify(&rows[i].p);
		if (got != rows[i].want) fprintf(stderr, "row \"%s\":\n", rows[i].name);
		CHECK_STR(vd_outcome_name(got), vd_outcome_name(rows[i].want));
	}

	CHECK_INT(vd_outcome_effect(VD_OUTCOME_COMPLETED, 10000, 10), VD_EFFECT_EFFECTIVE);
	CHECK_INT(vd_outcome_effect(VD_OUTCOME_COMPLETED, 9999, 10), VD_EFFECT_INEFFECTIVE);
	CHECK_INT(vd_outcome_effect(VD_OUTCOME_COMPLETED, 0, 0), VD_EFFECT_EFFECTIVE);
	CHECK_INT(vd_outcome_effect(VD_OUTCOME_SHORT, 1000, 10), VD_EFFECT_NONE);
	CHECK_INT(vd_outcome_effect(VD_OUTCOME_BUSY, 0, 10), VD_EFFECT_NONE);

	static const char *const names[] = {"busy", "no_answer", "unavailable", "machine",
					    "short", "failure", "completed", "cancelled"};
	for (int i = 0; i < VD_OUTCOME_COUNT; i++) {
		enum vd_outcome o;
		CHECK_STR(vd_outcome_name((enum vd_outcome)i), names[i]);
		CHECK_INT(vd_outcome_parse(names[i], &o), 0);
		CHECK_INT(o, i);
	}
	enum vd_outcome o = VD_OUTCOME_BUSY;
	CHECK_INT(vd_outcome_parse("Busy", &o), -EINVAL);
	CHECK_INT(vd_outcome_parse("", &o), -EINVAL);
	CHECK_INT(vd_outcome_parse(NULL, &o), -EINVAL);
	CHECK_INT(o, VD_OUTCOME_BUSY); /* untouched on error */
	CHECK(vd_outcome_name(VD_OUTCOME_COUNT) == NULL);
	return vt_done();
}
