/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The bot's script engine (DESIGN.md "The bot"; docs/internals/script.md):
 * a compiled block graph (say, ask, set, branch, result), its validation
 * (every error names the block and the field at fault) and the interpreter,
 * a state machine that takes telephony events (prompt done, speech, DTMF,
 * timeout, transfer failed, hang-up) and answers with the next thing to do
 * (say, listen, transfer, hang up). Pure: libc only, no clock, no I/O; the
 * JSON form lives in src/app/script_json.c and the adapter that plays
 * prompts and listens lives in src/tel.
 *
 * Lifetimes: a struct vd_script owns every string and array it points to
 * (malloc'd, freed by vd_script_reset). A struct vd_script_run borrows its
 * graph, which must outlive it and must not change while it runs; the run
 * itself owns nothing on the heap (it may be copied or dropped freely). */
#ifndef VD_SCRIPT_H
#define VD_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VD_SCRIPT_MAX_BLOCKS 500
#define VD_SCRIPT_MAX_ID 64          /* bytes of a block id */
#define VD_SCRIPT_MAX_TEXT 2000      /* bytes of a prompt or a set value (before substitution) */
#define VD_SCRIPT_MAX_BRANCHES 32    /* answers of an ask, conditions of a branch */
#define VD_SCRIPT_MAX_KEYWORDS 32    /* keywords of one answer */
#define VD_SCRIPT_MAX_KEYWORD 100    /* bytes of one keyword or phrase */
#define VD_SCRIPT_MAX_NAME 64        /* bytes of a variable name */
#define VD_SCRIPT_MAX_LABEL 100      /* bytes of a result label */
#define VD_SCRIPT_MAX_NUMBER 64      /* bytes of a forwarding number */
#define VD_SCRIPT_MAX_VARS 64        /* variables of one call (client columns + collected) */
#define VD_SCRIPT_MAX_VALUE 512      /* bytes of one variable's value */
#define VD_SCRIPT_MAX_SAY 4096       /* bytes of a prompt after substitution */
#define VD_SCRIPT_MAX_MISSING 8      /* missing variable names reported per substitution */
#define VD_SCRIPT_TIMEOUT_MS_DEFAULT 5000
#define VD_SCRIPT_TIMEOUT_MS_MIN 500
#define VD_SCRIPT_TIMEOUT_MS_MAX 60000
#define VD_SCRIPT_MAX_RETRIES 10

enum vd_script_type {
	VD_SCRIPT_SAY = 1,
	VD_SCRIPT_ASK,
	VD_SCRIPT_SET,
	VD_SCRIPT_BRANCH,
	VD_SCRIPT_RESULT,
};

/* A branch block's comparison. eq, ne and contains compare case-folded text
 * (vd_script_fold without the word split: "Да" eq "да"). */
enum vd_script_op {
	VD_SCRIPT_OP_EQ = 0,
	VD_SCRIPT_OP_NE,
	VD_SCRIPT_OP_CONTAINS,
	VD_SCRIPT_OP_EMPTY,     /* unset or "" */
	VD_SCRIPT_OP_NOT_EMPTY,
};

/* Where a result's transfer goes (spec 001 "Redirect by default"). */
enum vd_script_fwd {
	VD_SCRIPT_FWD_TASK_DEFAULT = 0, /* the task's default_redirect ("Use task settings") */
	VD_SCRIPT_FWD_ROUTE,            /* number (matched against routes' patterns) and/or route_id */
	VD_SCRIPT_FWD_DIAL_PLAN,        /* number dialed through dial_plan_id */
	VD_SCRIPT_FWD_CUSTOM,           /* number (may be a {{variable}}) or the value of `variable` */
	VD_SCRIPT_FWD_SCRIPT,           /* the bot goes on with script_id in the same call */
};

/* A link to another block: `id` as written ("" = none); `to` is the block
 * index once vd_script_validate has resolved it (-1 = none). */
struct vd_script_link {
	char id[VD_SCRIPT_MAX_ID + 1];
	int to;
};

/* One answer of an ask (keywords and/or digit) or one condition of a branch
 * (var, op, value). */
struct vd_script_branch {
	char **keywords;        /* ask: words or phrases, matched whole-word */
	size_t nkeywords;
	char digit;             /* ask: one DTMF key 0-9 * # A-D, or 0 */
	char *var;              /* branch: the variable tested */
	enum vd_script_op op;
	char *value;            /* branch: compared text, may hold {{variables}} */
	struct vd_script_link next;
};

struct vd_script_forward {
	enum vd_script_fwd type;
	int64_t route_id;       /* 0 = none */
	int64_t dial_plan_id;
	int64_t script_id;
	char *number;           /* may hold {{variables}}; NULL = none */
	char *variable;         /* custom: the variable holding the number */
};

/* One block. Which fields apply depends on `type` (docs/internals/script.md);
 * the others stay zero. */
struct vd_script_block {
	char id[VD_SCRIPT_MAX_ID + 1];
	enum vd_script_type type;
	char *text;                 /* say, ask: TTS prompt with {{variables}} */
	int64_t audio_id;           /* say, ask: an uploaded prompt (wins over text); 0 = none */
	struct vd_script_link next; /* say, set: "" = end of script (hang up) */
	int32_t timeout_ms;         /* ask: how long to listen after the prompt */
	int32_t max_retries;        /* ask: re-asks on no input / no match before following them */
	struct vd_script_branch *branches; /* ask answers or branch conditions, in order */
	size_t nbranches;
	struct vd_script_link no_input;   /* ask */
	struct vd_script_link no_match;   /* ask */
	char *store_as;             /* ask: variable that receives the answer */
	char *var;                  /* set */
	char *value;                /* set: may hold {{variables}} */
	struct vd_script_link else_link; /* branch: when no condition holds */
	char *label;                /* result: may hold {{variables}} */
	bool transfer;              /* result: action transfer (else hangup) */
	struct vd_script_forward forward; /* result, with transfer */
	struct vd_script_link fallback;   /* result, with transfer: the transfer failed */
};

/* A script. Embedded value: vd_script_init, fill (vd_script_add_block),
 * vd_script_validate, run, vd_script_reset. */
struct vd_script {
	struct vd_script_block *blocks;
	size_t nblocks;
	size_t cap;
	char start[VD_SCRIPT_MAX_ID + 1];
	int start_ix;       /* after validation; -1 for a script without blocks */
	bool validated;
};

/* What validation found: the block ("" for the graph itself), the field
 * inside it as a JSON path relative to the block ("next",
 * "branches[2].next", "conditions[0].var", "" for the whole block), and a
 * sentence for a person. */
struct vd_script_err {
	char block[VD_SCRIPT_MAX_ID + 1];
	char field[64];
	char message[200];
};

void vd_script_init(struct vd_script *g);
/* Frees everything the graph owns and makes it empty again. */
void vd_script_reset(struct vd_script *g);

/* Appends a zeroed block `id` of `type` and returns it in *out (borrowed;
 * valid until the next vd_script_add_block or vd_script_reset). Links start
 * as none. Returns 0, -EINVAL for an empty or too long id or one holding
 * '.', '[', ']' or a control character, -EEXIST for a duplicate id, -E2BIG
 * past VD_SCRIPT_MAX_BLOCKS, -ENOMEM. Clears `validated`. */
int vd_script_add_block(struct vd_script *g, const char *id, enum vd_script_type type,
			struct vd_script_block **out);

/* Index of block `id`, or -1. */
int vd_script_find(const struct vd_script *g, const char *id);

/* Checks the whole graph and resolves its links (so it can run):
 *  - graph: `start` names a block (unless there are no blocks);
 *  - each block: required fields for its type, bounds (texts, ids, timeouts,
 *    retries, counts), keywords that hold a word, DTMF keys;
 *  - links: every next/no_input/no_match/else/fallback/branches[i].next
 *    names a block;
 *  - every block can be reached from start;
 *  - no cycle without an ask on it (the bot would talk or branch forever
 *    without listening);
 *  - variables, only when `columns` is non-NULL (the client's column names,
 *    ncolumns of them): every {{var}} and every branch `var` is a column or
 *    is set (set, ask store_as) on every path before it is used.
 * `columns` is borrowed. Returns 0, or -EINVAL with *err filled (err may be
 * NULL) for the first problem found, -ENOMEM. Any thread. */
int vd_script_validate(struct vd_script *g, const char *const *columns, size_t ncolumns,
		       struct vd_script_err *err);

/* ---- variables ---- */

struct vd_script_var {
	char name[VD_SCRIPT_MAX_NAME + 1];
	char value[VD_SCRIPT_MAX_VALUE + 1];
	bool collected;     /* set by the script during the call (not a client column) */
};

struct vd_script_vars {
	size_t n;
	struct vd_script_var v[VD_SCRIPT_MAX_VARS];
};

void vd_script_vars_init(struct vd_script_vars *v);
/* Sets `name` to `value` (copied), replacing an existing value. `collected`
 * marks it as collected by the call. Returns 0, -EINVAL for a name that is
 * empty or longer than VD_SCRIPT_MAX_NAME, -ENOSPC when VD_SCRIPT_MAX_VARS
 * are already set, -E2BIG when the value was cut to VD_SCRIPT_MAX_VALUE
 * bytes (at a UTF-8 boundary; it is stored cut). */
int vd_script_vars_set(struct vd_script_vars *v, const char *name, const char *value,
		       bool collected);
/* The value of `name` (borrowed), or NULL when unset. */
const char *vd_script_vars_get(const struct vd_script_vars *v, const char *name);

/* Names of variables a substitution did not find (the first
 * VD_SCRIPT_MAX_MISSING; n counts them all). */
struct vd_script_missing {
	size_t n;
	char name[VD_SCRIPT_MAX_MISSING][VD_SCRIPT_MAX_NAME + 1];
};

/* Writes `tmpl` into out (size bytes, always NUL-terminated) with each
 * {{name}} (spaces around the name allowed) replaced by its value; a
 * missing variable becomes "" and is listed in *missing (may be NULL). "{{"
 * without a closing "}}" on the same 64 bytes is literal text. Returns 0 or
 * -E2BIG when the output was cut (at a UTF-8 boundary). */
int vd_script_subst(const char *tmpl, const struct vd_script_vars *vars, char *out, size_t size,
		    struct vd_script_missing *missing);

/* Calls fn for each {{name}} in `tmpl` (the name trimmed, NUL-terminated in
 * a temporary). Stops and returns fn's value when it is non-zero. */
int vd_script_each_var(const char *tmpl, int (*fn)(void *arg, const char *name), void *arg);

/* Case- and punctuation-folds `in` into words separated by single spaces:
 * ASCII and Latin-1 letters lowercased, the basic Cyrillic alphabet (А-Я,
 * Ѐ-Џ) lowercased with ё folded to е, digits kept, everything else
 * (punctuation, spaces, invalid UTF-8) a word break. Returns 0 or -E2BIG when
 * cut. */
int vd_script_fold(const char *in, char *out, size_t size);

/* True when the keyword or phrase occurs in the utterance as whole words
 * after folding ("да" matches "Да, конечно" but not "давайте"). */
bool vd_script_keyword_match(const char *utterance, const char *keyword);

/* ---- the interpreter ---- */

enum vd_script_event_kind {
	VD_SCRIPT_EV_PROMPT_DONE = 1, /* the SAY finished playing */
	VD_SCRIPT_EV_SPEECH_FINAL,    /* an utterance ended; text = what was recognized */
	VD_SCRIPT_EV_DTMF,            /* digit = the key */
	VD_SCRIPT_EV_TIMEOUT,         /* the LISTEN's timeout_ms ran out without an answer */
	VD_SCRIPT_EV_TRANSFER_FAILED, /* the TRANSFER could not be connected */
	VD_SCRIPT_EV_HANGUP,          /* the callee hung up */
};

struct vd_script_event {
	enum vd_script_event_kind kind;
	const char *text;   /* speech_final (borrowed) */
	char digit;         /* dtmf */
};

enum vd_script_act {
	VD_SCRIPT_ACT_NONE = 0,  /* carry on with what you are doing (the event did not matter) */
	VD_SCRIPT_ACT_SAY,       /* play text (TTS) or audio_id, then send prompt_done */
	VD_SCRIPT_ACT_LISTEN,    /* listen up to timeout_ms for block->branches' keywords/digits */
	VD_SCRIPT_ACT_TRANSFER,  /* transfer by forward; send transfer_failed if it fails */
	VD_SCRIPT_ACT_HANGUP,    /* end the call; label is the result ("" = none reached) */
};

struct vd_script_action {
	enum vd_script_act kind;
	const struct vd_script_block *block;   /* the block that asks (borrowed from the graph) */
	char text[VD_SCRIPT_MAX_SAY];          /* SAY: substituted prompt ("" with audio_id) */
	int64_t audio_id;                      /* SAY: 0 = use text */
	bool barge_in;                         /* SAY: an ask's prompt; speech or DTMF may interrupt it */
	struct vd_script_missing missing;      /* SAY, TRANSFER, HANGUP: variables that were not set */
	int32_t timeout_ms;                    /* LISTEN */
	char label[VD_SCRIPT_MAX_LABEL * 4];   /* TRANSFER, HANGUP: substituted result label */
	const struct vd_script_forward *forward; /* TRANSFER (borrowed from the graph) */
	char number[VD_SCRIPT_MAX_NUMBER + 1]; /* TRANSFER: number with variables resolved ("" = none) */
};

enum vd_script_phase {
	VD_SCRIPT_PH_IDLE = 0,
	VD_SCRIPT_PH_SAYING,      /* a say block's prompt */
	VD_SCRIPT_PH_PROMPTING,   /* an ask block's prompt (answers accepted: barge-in) */
	VD_SCRIPT_PH_LISTENING,
	VD_SCRIPT_PH_TRANSFERRING,
	VD_SCRIPT_PH_DONE,
};

/* One call's position in its script. Embedded value, no heap; about 40 KB
 * with the variables. */
struct vd_script_run {
	const struct vd_script *g;  /* borrowed */
	int block;                  /* current block index, -1 none */
	enum vd_script_phase phase;
	int32_t tries;              /* no input / no match answers at the current ask */
	struct vd_script_vars vars;
	char label[VD_SCRIPT_MAX_LABEL * 4]; /* the last result reached ("" none) */
};

/* Starts `g` (validated, borrowed) with the client's variables `vars`
 * (copied; NULL = none) and writes the first action into *act. A script
 * without blocks answers HANGUP. Returns 0, -EINVAL when g was not
 * validated, or -ELOOP (the run is then done, *act untouched) after 1000
 * set/branch steps without an action, which a validated graph cannot
 * reach. Any thread; a run is used by one thread at a time. */
int vd_script_run_start(struct vd_script_run *run, const struct vd_script *g,
			const struct vd_script_vars *vars, struct vd_script_action *act);

/* Goes on with another script in the same call (a transfer to `script`):
 * keeps the variables collected so far, starts `g` at its start block.
 * Returns 0 or -EINVAL as vd_script_run_start. */
int vd_script_run_switch(struct vd_script_run *run, const struct vd_script *g,
			 struct vd_script_action *act);

/* Feeds one event; writes the next action into *act. Events that do not
 * apply to the current phase (a timeout while saying, anything after the
 * end) answer NONE. hangup ends the run (NONE). Returns 0, -EINVAL for a
 * run that was never started (zeroed) or an unknown event kind, -ELOOP as
 * vd_script_run_start. */
int vd_script_on_event(struct vd_script_run *run, const struct vd_script_event *ev,
		       struct vd_script_action *act);

/* True once the run answered HANGUP or got the hang-up event. After a
 * TRANSFER the run stays open: transfer_failed goes on at the fallback; a
 * transfer that connects ends the bot's part (the adapter stops feeding). */
bool vd_script_run_done(const struct vd_script_run *run);

/* Wire names: "say".."result"; "eq".."not_empty"; "task_default".."script".
 * NULL for values out of range. Static storage. */
const char *vd_script_type_name(enum vd_script_type t);
const char *vd_script_op_name(enum vd_script_op op);
const char *vd_script_fwd_name(enum vd_script_fwd f);

#endif
