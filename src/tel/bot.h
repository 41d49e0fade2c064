/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The bot of one answered call: the adapter between the script interpreter
 * (src/core/script.h, events in, actions out) and the call's audio. It takes
 * the callee's 20 ms frames (voice activity, end of utterance, barge-in,
 * answering-machine detection, gender), makes the frames we send (prompts,
 * the lockout greeting, ambient noise mixed under everything), and asks its
 * host for the slow things through callbacks it answers later: synthesis of
 * a prompt, recognition of an utterance, a transfer to an operator.
 *
 * No SIP, no sockets, no threads: the telephony thread owns each bot and is
 * its only caller, which is what lets tests drive one with a fake clock.
 *
 * Lifetimes: a struct vd_bot_plan is immutable once built and shared by
 * every call of a task (atomic reference count); a bot holds a reference
 * for its life. A bot is created at the answer and destroyed with its
 * call. */
#ifndef VD_BOT_H
#define VD_BOT_H

#include "core/script.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vd_pcm;

/* One script the bot may run (the task's, or one a transfer switches to). */
struct vd_bot_script {
	int64_t id;
	struct vd_script g;         /* validated */
};

/* One uploaded prompt a `say`/`ask` block plays by audio_id. */
struct vd_bot_audio {
	int64_t id;
	struct vd_pcm *pcm;
};

/* What every call of a task's bot shares. Built by the dialer
 * (src/dialer/bot_plan.c), read-only afterwards. */
struct vd_bot_plan {
	int refs;                   /* atomic */
	struct vd_bot_script *scripts; /* [0] is the task's script */
	size_t nscripts;
	struct vd_bot_audio *audio;
	size_t naudio;
	struct vd_pcm *ambient;     /* looped under everything we send; NULL: none */
	float ambient_gain;         /* 0..1 */
	bool amd;                   /* answering-machine detection on */
	bool amd_lockout;           /* the script waits for a human verdict */
	struct vd_pcm *greeting;    /* played while locked out; NULL: silence */
	bool gender;                /* estimate the callee's gender */
	/* the task's default redirect, for a result whose forward is
	 * task_default: "hangup" ends the call, "script" switches to
	 * redirect_script_id here; a number goes to the host's transfer */
	char redirect[16];
	int64_t redirect_script_id;
};

/* A new empty plan (refs = 1). */
struct vd_bot_plan *vd_bot_plan_alloc(void);
struct vd_bot_plan *vd_bot_plan_ref(struct vd_bot_plan *p);
/* Drops a reference; frees at zero (scripts, audio). NULL is fine. */
struct vd_bot_plan *vd_bot_plan_unref(struct vd_bot_plan *p);
/* The script of `id` in the plan, or NULL. */
const struct vd_script *vd_bot_plan_script(const struct vd_bot_plan *p, int64_t id);

/* A transfer the bot asks its host to connect. */
struct vd_bot_transfer {
	enum vd_script_fwd type;    /* route, dial_plan, custom or task_default */
	int64_t route_id, dial_plan_id;
	char number[VD_SCRIPT_MAX_NUMBER + 1]; /* variables resolved; "" = none */
};

/* Requests to the host. Each may be answered later, from the same thread,
 * with the function named; a bot never waits. */
struct vd_bot_io {
	void *arg;
	/* Synthesize `text`; answer with vd_bot_prompt(seq, pcm). */
	void (*synth)(void *arg, uint32_t seq, const char *text);
	/* Recognize an utterance while it is spoken: listen_begin with the
	 * keywords the ask expects (borrowed for the call), listen_feed with
	 * its audio in order (borrowed for the call), then listen_end, which
	 * the host answers later with vd_bot_heard(seq, text); or
	 * listen_cancel, whose answer, if any, is ignored. At most one stream
	 * is open; the bot ends or cancels every one it begins (also in
	 * vd_bot_free). All four or none (NULL: the bot hears keys only).
	 * listen_begin returns true when the recognizer decodes the stream
	 * as it arrives (its text is ready moments after the end, so the bot
	 * does not end it early at a pause), false when it decodes it once
	 * ended. */
	bool (*listen_begin)(void *arg, uint32_t seq, const char *const *keywords,
			     size_t nkeywords);
	void (*listen_feed)(void *arg, const int16_t *pcm, size_t n);
	void (*listen_end)(void *arg);
	void (*listen_cancel)(void *arg);
	/* Connect the callee to an operator; answer with
	 * vd_bot_transfer_result(ok). */
	void (*transfer)(void *arg, const struct vd_bot_transfer *x);
	/* Bot response latency: from the end of the callee's speech to the
	 * first frame of our answer, µs. May be NULL. */
	void (*latency)(void *arg, uint64_t us);
};

/* What the host does after a frame. */
enum vd_bot_state {
	VD_BOT_TALKING = 0,         /* carry on */
	VD_BOT_HANGUP,              /* end the call now (script end, machine) */
	VD_BOT_BRIDGED,             /* a transfer connected: relay media, the bot is done */
};

struct vd_bot;

/* The text of the first prompt a call with these client variables will
 * hear (the script's first action, when it is a synthesized say), written
 * to out; false when there is none (an audio file, a listen first, no
 * script). For warming the synthesis cache while the call rings. Any
 * thread (the plan is read-only). */
bool vd_bot_first_prompt(const struct vd_bot_plan *plan, const char *vars_json, char *out, size_t size);

/* Starts the bot at the answer. `vars_json` is the client's variables as a
 * JSON object (NULL: none); `now_us` is CLOCK_MONOTONIC. Returns 0,
 * -EINVAL (plan without a script), -ENOMEM. */
int vd_bot_start(struct vd_bot **out, struct vd_bot_plan *plan, const char *vars_json,
		 const struct vd_bot_io *io, uint64_t now_us);
void vd_bot_free(struct vd_bot *b);

/* One 20 ms frame (160 samples) of the callee's audio, in arrival order. */
void vd_bot_rx(struct vd_bot *b, const int16_t *pcm, size_t n, uint64_t now_us);
/* A DTMF key from the callee (RFC 4733 or in-band). */
void vd_bot_dtmf(struct vd_bot *b, char digit, uint64_t now_us);
/* Whether the script listens now (keys and speech count only then). */
bool vd_bot_listening(const struct vd_bot *b);
/* Writes the next 160 samples we send. Returns what the host does next. */
enum vd_bot_state vd_bot_tx(struct vd_bot *b, int16_t *out, uint64_t now_us);

/* Answers to the io requests; stale sequence numbers are ignored. The
 * bot takes its own reference to pcm (NULL: synthesis failed, skip it). */
void vd_bot_prompt(struct vd_bot *b, uint32_t seq, struct vd_pcm *pcm, uint64_t now_us);
void vd_bot_heard(struct vd_bot *b, uint32_t seq, const char *text, uint64_t now_us);
void vd_bot_transfer_result(struct vd_bot *b, bool connected, const char *to, uint64_t now_us);

/* The callee hung up (the run ends; AMD and gender decide from what they
 * heard). */
void vd_bot_hangup(struct vd_bot *b);

/* What the bot learned, for the call record. */
struct vd_bot_result {
	char label[VD_SCRIPT_MAX_LABEL * 4]; /* the last result reached, "" none */
	const char *amd;            /* "human" | "machine" | "unknown" | NULL (off) */
	int amd_ms;                 /* decision time from the answer */
	const char *amd_cause;
	const char *gender;         /* "male" | "female" | "unknown" | NULL (off) */
	bool machine;               /* hung up because AMD said machine */
	char transferred_to[VD_SCRIPT_MAX_NUMBER + 1]; /* "" none */
	char *variables;            /* JSON object of the collected variables,
				     * malloc'd: the caller frees; NULL none */
};
/* Fills *r (the AMD and gender verdicts as of now). */
void vd_bot_result(struct vd_bot *b, struct vd_bot_result *r);

#endif
