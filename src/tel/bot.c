/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The bot of one call; see bot.h and docs/internals/bot.md.
 *
 * Listening: every frame of the callee goes through the voice-activity
 * front end (media/vad.h) whatever the bot is doing, so its noise floor is
 * calibrated when an ask starts listening. An utterance starts after
 * ONSET_FRAMES speech frames in a row (a click or a cough of one frame is
 * not one) and takes the PREROLL before it, since the onset is known only
 * after the fact; it ends after EOU_MS without speech. The host's
 * recognizer gets the utterance as a stream, from the onset on (pre-roll
 * first), and may decode it while the callee speaks (a live stream: its
 * text is ready moments after the end). A stream the recognizer decodes
 * only once ended is ended early, speculatively, after SPEC_MS of
 * silence: if the callee goes on talking that result is dropped and a new
 * stream is fed the whole utterance so far and what follows; else the
 * text is usually back before the end of the utterance, which takes the
 * decode out of the bot's response time. The listen timeout does not run while the callee speaks
 * or the recognizer works.
 *
 * Barge-in: speech (or a key) during an ask's prompt stops the prompt; the
 * interpreter accepts the answer in that phase without a prompt_done. */
#include "tel/bot.h"
#include "app/script_json.h"
#include "media/amd.h"
#include "media/gender.h"
#include "media/pcm.h"
#include "media/tts.h"
#include "media/vad.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define FRAME 160
#define ONSET_FRAMES 3            /* 60 ms of speech start an utterance */
#define PREROLL (FRAME * 15)      /* 300 ms of audio kept before the onset */
#define EOU_MS 200                /* silence that ends an utterance */
#define SPEC_MS 60                /* silence after which recognition starts speculatively */
#define SPEC_TEXT 512
#define MAX_UTT (8000 * 10)       /* 10 s: a longer turn is cut and recognized */
#define HANGUP_TAIL_US 200000     /* let the last frames leave before our BYE */
#define MAX_KEYWORDS (VD_SCRIPT_MAX_BRANCHES * VD_SCRIPT_MAX_KEYWORDS)
#define MAX_STEPS 64              /* actions answered synchronously in a row */

enum mode {
	M_LOCKED = 0,   /* lockout: waiting for a human verdict */
	M_RUN,          /* the script runs */
	M_HANGING,      /* ending at hang_at_us */
	M_BRIDGED,      /* a transfer connected; the bot is done */
	M_DONE,         /* the callee hung up */
};

struct vd_bot {
	struct vd_bot_plan *plan;
	struct vd_bot_io io;
	enum mode mode;
	struct vd_script_run run;
	struct vd_script_action act;
	const struct vd_script_block *ask;  /* the ask being prompted or listened */
	/* out */
	struct vd_pcm *prompt;
	size_t ppos;
	bool prompt_pending;    /* waiting for the synthesis of seq_synth */
	bool prompt_barge;      /* an ask's prompt: speech may stop it */
	uint32_t seq_synth;
	size_t amb_pos, greet_pos;
	uint64_t hang_at_us;
	uint64_t latency_from_us; /* end of the speech being answered, 0: none */
	/* in */
	int16_t part[FRAME];    /* a partial frame */
	size_t npart;
	struct vd_vad vad;
	int16_t pre[PREROLL];   /* ring of the last PREROLL samples */
	size_t pre_pos;
	bool listening;         /* an ask waits for an answer (prompt or listen) */
	uint64_t deadline_us;   /* listen timeout, 0: none running */
	int32_t timeout_ms;
	int onset;              /* speech frames in a row before an utterance */
	bool last_speech;       /* the last frame was speech */
	bool need_quiet;        /* listening began mid-speech: wait for a pause */
	bool in_utt;
	int silent_ms;
	uint64_t speech_end_us;
	int16_t *utt;
	size_t utt_n, utt_cap;
	bool asr_wait;          /* the utterance ended: its text is awaited */
	bool stream;            /* a recognition stream (seq_asr) is open */
	bool stream_live;       /* ... decoded as it arrives: no speculation */
	bool spec_pending;      /* a speculative recognition of seq_asr is under way */
	bool spec_done;         /* ... and its text is in spec_text */
	char spec_text[SPEC_TEXT];
	uint32_t seq_asr;
	const char *kw[MAX_KEYWORDS];
	size_t nkw;
	/* detectors */
	struct vd_amd amd;
	bool amd_done;
	bool machine;
	struct vd_gender gender;
	char transferred_to[VD_SCRIPT_MAX_NUMBER + 1];
	struct vd_script_vars *held;  /* lockout: the client's variables until the start */
};

/* ---- plan ---- */

struct vd_bot_plan *vd_bot_plan_alloc(void)
{
	struct vd_bot_plan *p = calloc(1, sizeof *p);
	if (p) p->refs = 1;
	return p;
}

struct vd_bot_plan *vd_bot_plan_ref(struct vd_bot_plan *p)
{
	if (p) __atomic_add_fetch(&p->refs, 1, __ATOMIC_RELAXED);
	return p;
}

struct vd_bot_plan *vd_bot_plan_unref(struct vd_bot_plan *p)
{
	if (!p || __atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL) != 0) return NULL;
	for (size_t i = 0; i < p->nscripts; i++) vd_script_reset(&p->scripts[i].g);
	free(p->scripts);
	for (size_t i = 0; i < p->naudio; i++) vd_pcm_unref(p->audio[i].pcm);
	free(p->audio);
	vd_pcm_unref(p->ambient);
	vd_pcm_unref(p->greeting);
	free(p);
	return NULL;
}

const struct vd_script *vd_bot_plan_script(const struct vd_bot_plan *p, int64_t id)
{
	for (size_t i = 0; i < p->nscripts; i++)
		if (p->scripts[i].id == id) return &p->scripts[i].g;
	return NULL;
}

static struct vd_pcm *plan_audio(const struct vd_bot_plan *p, int64_t id)
{
	for (size_t i = 0; i < p->naudio; i++)
		if (p->audio[i].id == id) return p->audio[i].pcm;
	return NULL;
}

/* ---- actions ---- */

static void feed(struct vd_bot *b, const struct vd_script_event *ev, uint64_t now_us);

static void stop_prompt(struct vd_bot *b)
{
	b->prompt = vd_pcm_unref(b->prompt);
	b->prompt_pending = false;
	b->seq_synth++;   /* a synthesis still under way is stale now */
}

/* Opens a recognition stream (a new seq_asr) and feeds it the utterance
 * so far. */
static void listen_open(struct vd_bot *b)
{
	b->seq_asr++;
	b->stream_live = b->io.listen_begin(b->io.arg, b->seq_asr, b->kw, b->nkw);
	b->stream = true;
	if (b->utt_n) b->io.listen_feed(b->io.arg, b->utt, b->utt_n);
}

/* Ends (its text is wanted) or cancels the open stream. */
static void listen_close(struct vd_bot *b, bool cancel)
{
	if (!b->stream) return;
	b->stream = false;
	if (cancel) b->io.listen_cancel(b->io.arg);
	else b->io.listen_end(b->io.arg);
}

static void stop_utterance(struct vd_bot *b)
{
	listen_close(b, true);
	b->in_utt = false;
	b->onset = 0;
	b->utt_n = 0;
	b->asr_wait = false;
	b->spec_pending = b->spec_done = false;
	b->seq_asr++;
}

static void collect_keywords(struct vd_bot *b, const struct vd_script_block *blk)
{
	b->nkw = 0;
	for (size_t i = 0; i < blk->nbranches; i++)
		for (size_t j = 0; j < blk->branches[i].nkeywords && b->nkw < MAX_KEYWORDS; j++)
			b->kw[b->nkw++] = blk->branches[i].keywords[j];
}

/* Starts playing the action's prompt: an uploaded file, a cached
 * synthesis, or a request to the host. true when there is nothing to play
 * (the prompt is done at once). */
static bool start_prompt(struct vd_bot *b, const struct vd_script_action *a)
{
	stop_prompt(b);
	b->ppos = 0;
	b->prompt_barge = a->barge_in;
	if (a->audio_id) {
		struct vd_pcm *p = plan_audio(b->plan, a->audio_id);
		if (!p) return true;
		b->prompt = vd_pcm_ref(p);
		return false;
	}
	if (!a->text[0]) return true;
	if (vd_tts_peek(a->text, NULL, &b->prompt) == 0) return false;
	if (!b->io.synth) return true;
	b->prompt_pending = true;
	b->io.synth(b->io.arg, b->seq_synth, a->text);
	return false;
}

static void do_hangup(struct vd_bot *b, uint64_t now_us, uint64_t tail_us)
{
	stop_prompt(b);
	stop_utterance(b);
	b->listening = false;
	b->deadline_us = 0;
	b->mode = M_HANGING;
	b->hang_at_us = now_us + tail_us;
}

/* Carries out one action; true when it produced an event to feed at once
 * (written to *ev). */
static bool do_action(struct vd_bot *b, const struct vd_script_action *a, uint64_t now_us,
		      struct vd_script_event *ev)
{
	switch (a->kind) {
	case VD_SCRIPT_ACT_NONE:
		return false;
	case VD_SCRIPT_ACT_SAY:
		/* Speech that began before we listened (the callee's "Hello?"
		 * over our greeting) is not an answer: wait for a pause. */
		if (a->barge_in && !b->listening) b->need_quiet = b->last_speech;
		b->listening = a->barge_in;
		b->deadline_us = 0;
		if (a->barge_in) {
			b->ask = a->block;
			collect_keywords(b, a->block);
		}
		if (start_prompt(b, a)) {
			*ev = (struct vd_script_event){.kind = VD_SCRIPT_EV_PROMPT_DONE};
			return true;
		}
		return false;
	case VD_SCRIPT_ACT_LISTEN:
		if (!b->listening) b->need_quiet = b->last_speech;
		b->listening = true;
		b->ask = a->block;
		collect_keywords(b, a->block);
		b->timeout_ms = a->timeout_ms;
		b->deadline_us = b->in_utt || b->asr_wait ? 0 : now_us + (uint64_t)a->timeout_ms * 1000u;
		return false;
	case VD_SCRIPT_ACT_TRANSFER: {
		b->listening = false;
		b->deadline_us = 0;
		stop_utterance(b);
		const struct vd_script_forward *f = a->forward;
		int64_t script_id = 0;
		if (f->type == VD_SCRIPT_FWD_SCRIPT) script_id = f->script_id;
		if (f->type == VD_SCRIPT_FWD_TASK_DEFAULT) {
			if (!strcmp(b->plan->redirect, "hangup") || !b->plan->redirect[0]) {
				do_hangup(b, now_us, HANGUP_TAIL_US);
				return false;
			}
			if (!strcmp(b->plan->redirect, "script")) script_id = b->plan->redirect_script_id;
		}
		if (script_id) {
			const struct vd_script *g = vd_bot_plan_script(b->plan, script_id);
			if (!g || vd_script_run_switch(&b->run, g, &b->act) != 0) {
				*ev = (struct vd_script_event){.kind = VD_SCRIPT_EV_TRANSFER_FAILED};
				return true;
			}
			/* the new script's first action, carried out by the caller's loop */
			*ev = (struct vd_script_event){.kind = 0};
			return true;
		}
		if (!b->io.transfer) {
			*ev = (struct vd_script_event){.kind = VD_SCRIPT_EV_TRANSFER_FAILED};
			return true;
		}
		struct vd_bot_transfer x = {.type = f->type, .route_id = f->route_id, .dial_plan_id = f->dial_plan_id};
		snprintf(x.number, sizeof x.number, "%s", a->number);
		b->io.transfer(b->io.arg, &x);
		return false;
	}
	case VD_SCRIPT_ACT_HANGUP:
		do_hangup(b, now_us, HANGUP_TAIL_US);
		return false;
	}
	return false;
}

/* Feeds an event and carries out the actions that follow, including the
 * ones that answer at once (an empty prompt, a script switch). */
static void feed(struct vd_bot *b, const struct vd_script_event *first, uint64_t now_us)
{
	struct vd_script_event ev = *first;
	for (int step = 0; step < MAX_STEPS; step++) {
		if (ev.kind) {
			if (vd_script_on_event(&b->run, &ev, &b->act) != 0) {
				do_hangup(b, now_us, 0);
				return;
			}
		}   /* kind 0: b->act already holds the action (a script switch) */
		if (b->act.kind != VD_SCRIPT_ACT_SAY) b->latency_from_us = 0;
		if (!do_action(b, &b->act, now_us, &ev)) return;
	}
	do_hangup(b, now_us, 0);   /* a graph that never waits: cannot happen once validated */
}

static void start_script(struct vd_bot *b, const struct vd_script_vars *vars, uint64_t now_us)
{
	b->mode = M_RUN;
	b->greet_pos = 0;
	if (vd_script_run_start(&b->run, &b->plan->scripts[0].g, vars, &b->act) != 0) {
		do_hangup(b, now_us, 0);
		return;
	}
	struct vd_script_event ev;
	if (do_action(b, &b->act, now_us, &ev)) feed(b, &ev, now_us);
}

/* ---- life ---- */

bool vd_bot_first_prompt(const struct vd_bot_plan *plan, const char *vars_json, char *out, size_t size)
{
	if (!plan || !plan->nscripts || !size) return false;
	struct {
		struct vd_script_vars vars;
		struct vd_script_run run;
		struct vd_script_action act;
	} *w = malloc(sizeof *w);
	if (!w) return false;
	vd_script_vars_init(&w->vars);
	json_t *j = vars_json ? json_loads(vars_json, 0, NULL) : NULL;
	if (json_is_object(j)) (void)vd_script_vars_from_json(j, &w->vars);
	json_decref(j);
	bool ok = vd_script_run_start(&w->run, &plan->scripts[0].g, &w->vars, &w->act) == 0 &&
		  w->act.kind == VD_SCRIPT_ACT_SAY && !w->act.audio_id && w->act.text[0];
	if (ok) snprintf(out, size, "%s", w->act.text);
	free(w);
	return ok;
}

int vd_bot_start(struct vd_bot **out, struct vd_bot_plan *plan, const char *vars_json,
		 const struct vd_bot_io *io, uint64_t now_us)
{
	if (!plan || !plan->nscripts) return -EINVAL;
	struct vd_bot *b = calloc(1, sizeof *b);
	struct vd_script_vars *vars = malloc(sizeof *vars);
	if (!b || !vars) {
		free(b);
		free(vars);
		return -ENOMEM;
	}
	b->plan = vd_bot_plan_ref(plan);
	b->io = *io;
	vd_vad_init(&b->vad, 9.0f);
	if (plan->amd) vd_amd_init(&b->amd, NULL);
	if (plan->gender) vd_gender_init(&b->gender, NULL);
	vd_script_vars_init(vars);
	json_t *j = vars_json ? json_loads(vars_json, 0, NULL) : NULL;
	if (json_is_object(j)) (void)vd_script_vars_from_json(j, vars);
	json_decref(j);
	/* Start now, or (lockout) hold the variables until the verdict. */
	if (plan->amd && plan->amd_lockout) {
		b->mode = M_LOCKED;
		b->held = vars;
	} else {
		start_script(b, vars, now_us);
		free(vars);
	}
	*out = b;
	return 0;
}

void vd_bot_free(struct vd_bot *b)
{
	if (!b) return;
	listen_close(b, true);
	vd_pcm_unref(b->prompt);
	vd_bot_plan_unref(b->plan);
	free(b->held);
	free(b->utt);
	free(b);
}

/* ---- the callee's audio ---- */

static void pre_put(struct vd_bot *b, const int16_t *pcm)
{
	for (size_t i = 0; i < FRAME; i++) {
		b->pre[b->pre_pos] = pcm[i];
		b->pre_pos = (b->pre_pos + 1) % PREROLL;
	}
}

static int utt_put(struct vd_bot *b, const int16_t *pcm, size_t n)
{
	if (b->utt_n + n > b->utt_cap) {
		size_t cap = b->utt_cap ? b->utt_cap * 2 : 8000 * 2;
		while (cap < b->utt_n + n) cap *= 2;
		if (cap > MAX_UTT) cap = MAX_UTT;
		if (b->utt_n + n > cap) return -E2BIG;
		int16_t *u = realloc(b->utt, cap * sizeof *u);
		if (!u) return -ENOMEM;
		b->utt = u;
		b->utt_cap = cap;
	}
	memcpy(b->utt + b->utt_n, pcm, n * sizeof *pcm);
	b->utt_n += n;
	return 0;
}

static void heard_final(struct vd_bot *b, const char *text, uint64_t now_us);

/* The utterance ended: its text is awaited (or already here, from the
 * speculative recognition). */
static void end_utterance(struct vd_bot *b, uint64_t now_us)
{
	b->in_utt = false;
	b->onset = 0;
	b->latency_from_us = b->speech_end_us;
	b->utt_n = 0;
	if (!b->io.listen_begin) return;
	b->asr_wait = true;
	if (b->spec_done) {
		b->spec_done = b->spec_pending = false;
		heard_final(b, b->spec_text, now_us);
		return;
	}
	listen_close(b, false);    /* no-op after a speculation: its answer is the final one */
	b->spec_pending = false;
}

/* A pause: end the stream now, so that its text is back by the end of
 * the utterance. Not a stream decoded live: its text is ready moments
 * after the end anyway, and talking on would cost a new stream that
 * decodes the utterance again from its start. */
static void speculate(struct vd_bot *b)
{
	if (!b->stream || b->stream_live || b->spec_pending || b->spec_done) return;
	b->spec_pending = true;
	listen_close(b, false);
}

/* The callee goes on talking: a speculative result is stale, and a new
 * stream takes the utterance from its start (the frame being handled is
 * fed after this). */
static void unspeculate(struct vd_bot *b)
{
	if (!b->spec_pending && !b->spec_done) return;
	b->spec_pending = b->spec_done = false;
	listen_open(b);
}

static void detect(struct vd_bot *b, const int16_t *pcm, uint64_t now_us)
{
	if (b->plan->gender) vd_gender_feed(&b->gender, pcm, FRAME);
	if (b->plan->amd && !b->amd_done) {
		enum vd_amd_verdict v = vd_amd_feed(&b->amd, pcm, FRAME);
		if (v != VD_AMD_PENDING) {
			b->amd_done = true;
			if (v == VD_AMD_MACHINE && b->mode != M_BRIDGED && b->mode != M_DONE) {
				b->machine = true;
				do_hangup(b, now_us, 0);
				return;
			}
			if (b->mode == M_LOCKED) {
				start_script(b, b->held, now_us);
				free(b->held);
				b->held = NULL;
			}
		}
	}

	struct vd_vad_frame fr;
	vd_vad_frame(&b->vad, pcm, NULL, &fr);
	b->last_speech = fr.speech;
	if (b->need_quiet && !fr.speech) b->need_quiet = false;
	bool take = b->mode == M_RUN && b->listening && !b->asr_wait && !b->need_quiet;
	if (!take) {
		b->onset = 0;
		pre_put(b, pcm);
		return;
	}
	if (!b->in_utt) {
		pre_put(b, pcm);
		b->onset = fr.speech ? b->onset + 1 : 0;
		if (b->onset < ONSET_FRAMES) return;
		/* An utterance: its start (the pre-roll ring, oldest first). */
		b->in_utt = true;
		b->silent_ms = 0;
		b->utt_n = 0;
		b->deadline_us = 0;
		(void)utt_put(b, b->pre + b->pre_pos, PREROLL - b->pre_pos);
		(void)utt_put(b, b->pre, b->pre_pos);
		if (b->io.listen_begin) listen_open(b);
		b->speech_end_us = now_us;
		if (b->prompt || b->prompt_pending) stop_prompt(b);   /* barge-in */
		return;
	}
	if (fr.speech) {
		b->silent_ms = 0;
		b->speech_end_us = now_us;
		unspeculate(b);
	} else {
		b->silent_ms += 20;
	}
	int full = utt_put(b, pcm, FRAME);
	if (full == 0 && b->stream) b->io.listen_feed(b->io.arg, pcm, FRAME);
	if (full != 0 || b->silent_ms >= EOU_MS) end_utterance(b, now_us);
	else if (b->silent_ms >= SPEC_MS) speculate(b);
}

void vd_bot_rx(struct vd_bot *b, const int16_t *pcm, size_t n, uint64_t now_us)
{
	if (b->mode == M_BRIDGED || b->mode == M_DONE) return;
	while (n) {
		size_t k = FRAME - b->npart < n ? FRAME - b->npart : n;
		memcpy(b->part + b->npart, pcm, k * sizeof *pcm);
		b->npart += k;
		pcm += k;
		n -= k;
		if (b->npart == FRAME) {
			b->npart = 0;
			detect(b, b->part, now_us);
		}
	}
}

bool vd_bot_listening(const struct vd_bot *b)
{
	return b->mode == M_RUN && b->listening;
}

void vd_bot_dtmf(struct vd_bot *b, char digit, uint64_t now_us)
{
	if (b->mode != M_RUN || !b->listening) return;
	/* The key's tone may have opened an utterance: it was no speech. */
	stop_utterance(b);
	if (b->prompt || b->prompt_pending) stop_prompt(b);
	b->deadline_us = 0;
	b->latency_from_us = now_us;
	struct vd_script_event ev = {.kind = VD_SCRIPT_EV_DTMF, .digit = digit};
	feed(b, &ev, now_us);
}

/* ---- what we send ---- */

static void mix_ambient(struct vd_bot *b, int16_t *out)
{
	const struct vd_pcm *a = b->plan->ambient;
	if (!a || !a->nsamples || b->plan->ambient_gain <= 0.0f) return;
	for (size_t i = 0; i < FRAME; i++) {
		int32_t s = out[i] + (int32_t)((float)a->samples[b->amb_pos] * b->plan->ambient_gain);
		out[i] = (int16_t)(s > 32767 ? 32767 : s < -32768 ? -32768 : s);
		if (++b->amb_pos >= a->nsamples) b->amb_pos = 0;
	}
}

enum vd_bot_state vd_bot_tx(struct vd_bot *b, int16_t *out, uint64_t now_us)
{
	memset(out, 0, FRAME * sizeof *out);
	if (b->mode == M_BRIDGED) return VD_BOT_BRIDGED;
	if (b->mode == M_DONE) return VD_BOT_HANGUP;
	if (b->mode == M_HANGING && now_us >= b->hang_at_us) return VD_BOT_HANGUP;
	if (b->mode == M_LOCKED && b->plan->greeting) {
		const struct vd_pcm *g = b->plan->greeting;
		size_t have = g->nsamples > b->greet_pos ? g->nsamples - b->greet_pos : 0;
		if (have > FRAME) have = FRAME;
		memcpy(out, g->samples + b->greet_pos, have * sizeof *out);
		b->greet_pos += have;
	}
	if (b->mode == M_RUN && b->prompt) {
		if (b->ppos == 0 && b->latency_from_us) {
			if (b->io.latency && now_us > b->latency_from_us) b->io.latency(b->io.arg, now_us - b->latency_from_us);
			b->latency_from_us = 0;
		}
		size_t have = b->prompt->nsamples - b->ppos;
		if (have > FRAME) have = FRAME;
		memcpy(out, b->prompt->samples + b->ppos, have * sizeof *out);
		b->ppos += have;
		if (b->ppos >= b->prompt->nsamples) {
			b->prompt = vd_pcm_unref(b->prompt);
			struct vd_script_event ev = {.kind = VD_SCRIPT_EV_PROMPT_DONE};
			feed(b, &ev, now_us);
		}
	}
	if (b->mode == M_RUN && b->deadline_us && now_us >= b->deadline_us) {
		b->deadline_us = 0;
		struct vd_script_event ev = {.kind = VD_SCRIPT_EV_TIMEOUT};
		feed(b, &ev, now_us);
	}
	mix_ambient(b, out);
	if (b->mode == M_HANGING && now_us >= b->hang_at_us) return VD_BOT_HANGUP;
	return VD_BOT_TALKING;
}

/* ---- answers from the host ---- */

void vd_bot_prompt(struct vd_bot *b, uint32_t seq, struct vd_pcm *pcm, uint64_t now_us)
{
	if (b->mode != M_RUN || !b->prompt_pending || seq != b->seq_synth) return;
	b->prompt_pending = false;
	if (pcm) {
		b->prompt = vd_pcm_ref(pcm);
		b->ppos = 0;
		return;
	}
	struct vd_script_event ev = {.kind = VD_SCRIPT_EV_PROMPT_DONE};
	feed(b, &ev, now_us);
}

void vd_bot_heard(struct vd_bot *b, uint32_t seq, const char *text, uint64_t now_us)
{
	if (b->mode != M_RUN || seq != b->seq_asr) return;
	if (b->spec_pending && b->in_utt) {   /* early: keep it for the end of the utterance */
		b->spec_pending = false;
		b->spec_done = true;
		snprintf(b->spec_text, sizeof b->spec_text, "%s", text ? text : "");
		return;
	}
	if (!b->asr_wait) return;
	heard_final(b, text, now_us);
}

static void heard_final(struct vd_bot *b, const char *text, uint64_t now_us)
{
	b->asr_wait = false;
	struct vd_script_event ev = {.kind = VD_SCRIPT_EV_SPEECH_FINAL, .text = text ? text : ""};
	feed(b, &ev, now_us);
	/* Still listening (a no match that asks again starts with a prompt;
	 * an answer the phase ignored leaves the timeout to run again). */
	if (b->mode == M_RUN && b->listening && !b->prompt && !b->prompt_pending && !b->deadline_us &&
	    b->run.phase == VD_SCRIPT_PH_LISTENING)
		b->deadline_us = now_us + (uint64_t)b->timeout_ms * 1000u;
}

void vd_bot_transfer_result(struct vd_bot *b, bool connected, const char *to, uint64_t now_us)
{
	if (b->mode != M_RUN) return;
	if (connected) {
		b->mode = M_BRIDGED;
		stop_prompt(b);
		snprintf(b->transferred_to, sizeof b->transferred_to, "%s", to ? to : "");
		return;
	}
	struct vd_script_event ev = {.kind = VD_SCRIPT_EV_TRANSFER_FAILED};
	feed(b, &ev, now_us);
}

void vd_bot_hangup(struct vd_bot *b)
{
	listen_close(b, true);   /* the decoder is free for another call now */
	if (b->plan->amd && !b->amd_done) {
		vd_amd_finish(&b->amd);
		b->amd_done = true;
	}
	if (b->mode == M_RUN) {
		struct vd_script_event ev = {.kind = VD_SCRIPT_EV_HANGUP};
		struct vd_script_action a;
		(void)vd_script_on_event(&b->run, &ev, &a);
	}
	if (b->mode != M_BRIDGED) b->mode = M_DONE;
}

void vd_bot_result(struct vd_bot *b, struct vd_bot_result *r)
{
	memset(r, 0, sizeof *r);
	snprintf(r->label, sizeof r->label, "%s", b->run.label);
	if (b->plan->amd) {
		struct vd_amd_result ar;
		vd_amd_result(&b->amd, &ar);
		if (ar.verdict != VD_AMD_PENDING) {
			r->amd = vd_amd_verdict_name(ar.verdict);
			r->amd_ms = ar.decision_ms;
			r->amd_cause = ar.cause;
		}
	}
	if (b->plan->gender) {
		struct vd_gender_result gr;
		vd_gender_result(&b->gender, &gr);
		r->gender = vd_gender_name(gr.gender);
	}
	r->machine = b->machine;
	snprintf(r->transferred_to, sizeof r->transferred_to, "%s", b->transferred_to);
	json_t *v = vd_script_vars_to_json(&b->run.vars, true);
	if (v && json_object_size(v)) r->variables = json_dumps(v, JSON_COMPACT);
	json_decref(v);
}
