/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The bot adapter driven frame by frame with a fake clock: prompts,
 * listening and end of utterance, barge-in, DTMF, timeouts, transfers
 * (to a number and to another script), AMD in both modes, ambient noise,
 * variables in the result, the response-latency report. The host's
 * requests (synthesis, recognition, transfer) are recorded and answered by
 * the test, as the telephony thread does through its queue. */
#include "vtest.h"

#include "app/script_json.h"
#include "app/verr.h"
#include "media/pcm.h"
#include "media/tts.h"
#include "tel/bot.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FRAME 160

struct host {
	int synths;
	uint32_t synth_seq;
	char synth_text[512];
	int recognizes, begins, cancels;
	bool open;              /* a stream is open */
	bool live;              /* streams are decoded live (no speculation) */
	size_t fed;             /* samples fed to the open stream */
	uint32_t rec_seq;
	size_t rec_samples;
	size_t rec_nkw;
	char rec_kw0[64];
	int transfers;
	struct vd_bot_transfer x;
	int latencies;
	uint64_t latency_us;
};

static void h_synth(void *arg, uint32_t seq, const char *text)
{
	struct host *h = arg;
	h->synths++;
	h->synth_seq = seq;
	snprintf(h->synth_text, sizeof h->synth_text, "%s", text);
}

/* The recognizer's stream: `recognizes` counts the ends (a text is
 * wanted), rec_samples what the ended stream was fed. */
static bool h_begin(void *arg, uint32_t seq, const char *const *kw, size_t nkw)
{
	struct host *h = arg;
	CHECK(!h->open);
	h->open = true;
	h->begins++;
	h->rec_seq = seq;
	h->fed = 0;
	h->rec_nkw = nkw;
	snprintf(h->rec_kw0, sizeof h->rec_kw0, "%s", nkw ? kw[0] : "");
	return h->live;
}

static void h_feed(void *arg, const int16_t *pcm, size_t n)
{
	(void)pcm;
	struct host *h = arg;
	CHECK(h->open);
	h->fed += n;
}

static void h_end(void *arg)
{
	struct host *h = arg;
	CHECK(h->open);
	h->open = false;
	h->recognizes++;
	h->rec_samples = h->fed;
}

static void h_cancel(void *arg)
{
	struct host *h = arg;
	CHECK(h->open);
	h->open = false;
	h->cancels++;
}

static void h_transfer(void *arg, const struct vd_bot_transfer *x)
{
	struct host *h = arg;
	h->transfers++;
	h->x = *x;
}

static void h_latency(void *arg, uint64_t us)
{
	struct host *h = arg;
	h->latencies++;
	h->latency_us = us;
}

/* A plan with the scripts given as JSON graphs; ids 1, 2, ... */
static struct vd_bot_plan *plan_of(const char *const *graphs, size_t n)
{
	struct vd_bot_plan *p = vd_bot_plan_alloc();
	p->scripts = calloc(n, sizeof *p->scripts);
	for (size_t i = 0; i < n; i++) {
		json_error_t je;
		json_t *g = json_loads(graphs[i], 0, &je);
		if (!g) fprintf(stderr, "bad test graph %zu: %s\n", i, je.text);
		struct vd_verr err = {0};
		int rc = vd_script_from_json(g, NULL, 0, &p->scripts[i].g, &err);
		if (rc) fprintf(stderr, "graph %zu: %s: %s\n", i, err.field, err.message);
		CHECK_INT(rc, 0);
		json_decref(g);
		p->scripts[i].id = (int64_t)i + 1;
		p->nscripts++;
	}
	snprintf(p->redirect, sizeof p->redirect, "hangup");
	return p;
}

static struct vd_pcm *tone(double seconds, double amp)
{
	size_t n = (size_t)(seconds * 8000);
	int16_t *s = malloc(n * sizeof *s);
	for (size_t i = 0; i < n; i++) s[i] = (int16_t)(amp * sin(2 * M_PI * 440.0 * (double)i / 8000.0));
	struct vd_pcm *p = vd_pcm_alloc(s, n);
	free(s);
	return p;
}

/* The clock, and the callee's side of the line. */
struct line {
	struct vd_bot *bot;
	uint64_t now;
	unsigned seed;
	double phase;
	int16_t last_tx[FRAME];
	enum vd_bot_state st;
};

static double rnd(struct line *l)
{
	l->seed = l->seed * 1103515245u + 12345u;
	return ((double)((l->seed >> 8) & 0xffff) / 65536.0) - 0.5;
}

/* 20 ms: one frame each way. `speech` makes the callee's frame a loud
 * voiced sound: harmonics of a gliding pitch (120-180 Hz) under a 4 Hz
 * syllable envelope, so it is neither a tone nor steady music; else line
 * noise. */
static enum vd_bot_state step(struct line *l, bool speech)
{
	int16_t rx[FRAME];
	for (int i = 0; i < FRAME; i++) {
		double t = (double)(l->now / 1000 * 8 + (uint64_t)i) / 8000.0;
		double v = rnd(l) * 60.0;
		if (speech) {
			double f0 = 150.0 + 30.0 * sin(2 * M_PI * 1.3 * t);
			double env = 0.35 + 0.65 * fabs(sin(2 * M_PI * 2.0 * t));
			l->phase += 2 * M_PI * f0 / 8000.0;
			for (int k = 1; k <= 8; k++) v += env * 2500.0 / k * sin(k * l->phase);
		}
		rx[i] = (int16_t)v;
	}
	vd_bot_rx(l->bot, rx, FRAME, l->now);
	l->st = vd_bot_tx(l->bot, l->last_tx, l->now);
	l->now += 20000;
	return l->st;
}

static void run(struct line *l, int ms, bool speech)
{
	for (int t = 0; t < ms && l->st == VD_BOT_TALKING; t += 20) step(l, speech);
}

static bool tx_silent(const struct line *l)
{
	for (int i = 0; i < FRAME; i++)
		if (l->last_tx[i]) return false;
	return true;
}

static struct vd_bot_io io_of(struct host *h)
{
	return (struct vd_bot_io){.arg = h, .synth = h_synth, .listen_begin = h_begin,
				  .listen_feed = h_feed, .listen_end = h_end, .listen_cancel = h_cancel,
				  .transfer = h_transfer, .latency = h_latency};
}

static const char *ASK =
	"{\"start\":\"hello\",\"blocks\":{"
	"\"hello\":{\"type\":\"say\",\"text\":\"Hello {{name}}\",\"next\":\"ask\"},"
	"\"ask\":{\"type\":\"ask\",\"text\":\"Shall I connect you?\",\"timeout_ms\":3000,\"store_as\":\"answer\","
	" \"branches\":[{\"keywords\":[\"yes\",\"sure\"],\"next\":\"agreed\"},{\"keywords\":[\"no\"],\"next\":\"declined\"},"
	"  {\"digits\":\"1\",\"next\":\"agreed\"},{\"digits\":\"2\",\"next\":\"declined\"}],"
	" \"no_input\":\"silent\",\"no_match\":\"declined\"},"
	"\"agreed\":{\"type\":\"result\",\"label\":\"agreed\",\"action\":\"transfer\","
	" \"forward\":{\"type\":\"custom\",\"number\":\"{{operator}}\"},\"fallback\":\"sorry\"},"
	"\"sorry\":{\"type\":\"say\",\"text\":\"Sorry, nobody is free\",\"next\":\"busy\"},"
	"\"busy\":{\"type\":\"result\",\"label\":\"operator_busy\"},"
	"\"declined\":{\"type\":\"result\",\"label\":\"declined\"},"
	"\"silent\":{\"type\":\"result\",\"label\":\"no_input\"}}}";

/* Plays the pending synthesis as a tone of `seconds`. */
static void give_prompt(struct line *l, struct host *h, double seconds)
{
	struct vd_pcm *p = tone(seconds, 8000);
	vd_bot_prompt(l->bot, h->synth_seq, p, l->now);
	vd_pcm_unref(p);
}

static void test_conversation_transfer(void)
{
	const char *g[] = {ASK};
	struct vd_bot_plan *plan = plan_of(g, 1);
	struct host h = {0};
	struct vd_bot_io io = io_of(&h);
	struct line l = {.now = 1000000, .seed = 1};
	CHECK_INT(vd_bot_start(&l.bot, plan, "{\"name\":\"Anna\",\"operator\":\"5551\"}", &io, l.now), 0);
	CHECK_INT(h.synths, 1);
	CHECK_STR(h.synth_text, "Hello Anna");
	run(&l, 200, false);
	CHECK(tx_silent(&l));                 /* waiting for the synthesis */
	give_prompt(&l, &h, 0.5);
	step(&l, false);
	CHECK(!tx_silent(&l));                /* the greeting plays */
	run(&l, 600, false);
	CHECK_INT(h.synths, 2);               /* then the ask's prompt */
	CHECK_STR(h.synth_text, "Shall I connect you?");
	give_prompt(&l, &h, 0.4);
	run(&l, 500, false);                  /* prompt done: listening */
	CHECK_INT(h.recognizes, 0);
	run(&l, 600, true);                   /* "yes" */
	CHECK_INT(h.recognizes, 0);           /* not before the end of the utterance */
	run(&l, 400, false);
	CHECK_INT(h.recognizes, 1);
	CHECK_INT(h.rec_nkw, 3);
	CHECK_STR(h.rec_kw0, "yes");
	CHECK(h.rec_samples >= 600 * 8 && h.rec_samples <= 1300 * 8);
	vd_bot_heard(l.bot, h.rec_seq, "yes please", l.now);
	CHECK_INT(h.transfers, 1);
	CHECK_INT(h.x.type, VD_SCRIPT_FWD_CUSTOM);
	CHECK_STR(h.x.number, "5551");
	vd_bot_transfer_result(l.bot, true, "5551", l.now);
	CHECK_INT(step(&l, false), VD_BOT_BRIDGED);
	struct vd_bot_result r;
	vd_bot_result(l.bot, &r);
	CHECK_STR(r.label, "agreed");
	CHECK_STR(r.transferred_to, "5551");
	CHECK(r.amd == NULL && r.gender == NULL);
	CHECK(r.variables && strstr(r.variables, "\"answer\":\"yes please\""));
	CHECK(r.variables && !strstr(r.variables, "Anna"));   /* collected only */
	free(r.variables);
	vd_bot_free(l.bot);
	vd_bot_plan_unref(plan);
}

static void test_transfer_fails_fallback(void)
{
	const char *g[] = {ASK};
	struct vd_bot_plan *plan = plan_of(g, 1);
	struct host h = {0};
	struct vd_bot_io io = io_of(&h);
	struct line l = {.now = 1000000, .seed = 2};
	vd_bot_start(&l.bot, plan, "{\"name\":\"Bob\",\"operator\":\"5552\"}", &io, l.now);
	give_prompt(&l, &h, 0.2);
	run(&l, 300, false);
	give_prompt(&l, &h, 0.2);
	run(&l, 300, false);
	vd_bot_dtmf(l.bot, '1', l.now);        /* a key answers too */
	CHECK_INT(h.transfers, 1);
	vd_bot_transfer_result(l.bot, false, NULL, l.now);
	CHECK_STR(h.synth_text, "Sorry, nobody is free");
	give_prompt(&l, &h, 0.2);
	run(&l, 1000, false);
	CHECK_INT(l.st, VD_BOT_HANGUP);
	struct vd_bot_result r;
	vd_bot_result(l.bot, &r);
	CHECK_STR(r.label, "operator_busy");
	CHECK_STR(r.transferred_to, "");
	CHECK(r.variables && strstr(r.variables, "\"answer\":\"1\""));
	free(r.variables);
	vd_bot_free(l.bot);
	vd_bot_plan_unref(plan);
}

static void test_barge_in(void)
{
	const char *g[] = {ASK};
	struct vd_bot_plan *plan = plan_of(g, 1);
	struct host h = {0};
	struct vd_bot_io io = io_of(&h);
	struct line l = {.now = 1000000, .seed = 3};
	vd_bot_start(&l.bot, plan, "{\"name\":\"C\",\"operator\":\"1\"}", &io, l.now);
	give_prompt(&l, &h, 0.2);
	run(&l, 300, false);
	give_prompt(&l, &h, 5.0);              /* a long question */
	run(&l, 500, false);
	CHECK(!tx_silent(&l));
	run(&l, 200, true);                    /* the callee talks over it */
	CHECK(tx_silent(&l));                  /* the prompt stopped */
	run(&l, 300, true);
	run(&l, 400, false);
	CHECK_INT(h.recognizes, 1);
	vd_bot_heard(l.bot, h.rec_seq, "no", l.now);
	run(&l, 400, false);
	CHECK_INT(l.st, VD_BOT_HANGUP);
	struct vd_bot_result r;
	vd_bot_result(l.bot, &r);
	CHECK_STR(r.label, "declined");
	free(r.variables);
	vd_bot_free(l.bot);
	vd_bot_plan_unref(plan);
}

static void test_timeout_and_latency(void)
{
	const char *g[] = {ASK};
	struct vd_bot_plan *plan = plan_of(g, 1);
	struct host h = {0};
	struct vd_bot_io io = io_of(&h);
	struct line l = {.now = 1000000, .seed = 4};
	vd_bot_start(&l.bot, plan, "{\"name\":\"D\",\"operator\":\"1\"}", &io, l.now);
	give_prompt(&l, &h, 0.2);
	run(&l, 300, false);
	give_prompt(&l, &h, 0.2);
	run(&l, 2900, false);                  /* prompt 0.2 s + 2.7 s of the 3 s timeout */
	CHECK_INT(l.st, VD_BOT_TALKING);
	run(&l, 1000, false);
	CHECK_INT(l.st, VD_BOT_HANGUP);
	struct vd_bot_result r;
	vd_bot_result(l.bot, &r);
	CHECK_STR(r.label, "no_input");
	CHECK(r.variables && strstr(r.variables, "\"answer\":\"\""));
	free(r.variables);
	vd_bot_free(l.bot);

	/* latency: end of speech to our answer's first frame */
	memset(&h, 0, sizeof h);
	const char *g2 = "{\"start\":\"a\",\"blocks\":{"
		"\"a\":{\"type\":\"ask\",\"text\":\"Well?\",\"branches\":[{\"keywords\":[\"yes\"],\"next\":\"b\"}],"
		"\"no_match\":\"b\"},\"b\":{\"type\":\"say\",\"text\":\"Thank you\"}}}";
	struct vd_bot_plan *plan2 = plan_of(&g2, 1);
	struct line l2 = {.now = 1000000, .seed = 5};
	vd_bot_start(&l2.bot, plan2, NULL, &io, l2.now);
	give_prompt(&l2, &h, 0.2);
	run(&l2, 300, false);
	run(&l2, 500, true);
	run(&l2, 300, false);
	CHECK_INT(h.recognizes, 1);
	vd_bot_heard(l2.bot, h.rec_seq, "yes", l2.now);
	CHECK_STR(h.synth_text, "Thank you");
	give_prompt(&l2, &h, 0.3);
	step(&l2, false);
	CHECK_INT(h.latencies, 1);
	CHECK(h.latency_us >= 200000 && h.latency_us <= 320000);
	run(&l2, 1000, false);
	CHECK_INT(l2.st, VD_BOT_HANGUP);
	vd_bot_free(l2.bot);
	vd_bot_plan_unref(plan);
	vd_bot_plan_unref(plan2);
}

/* The recognizer answers a pause before the utterance ends: the answer is
 * used at the end of the utterance without a second recognition; speech
 * resuming after a pause drops the early answer. */
static void test_speculative(void)
{
	const char *g = "{\"start\":\"a\",\"blocks\":{"
		"\"a\":{\"type\":\"ask\",\"text\":\"Well?\",\"store_as\":\"v\","
		"\"branches\":[{\"keywords\":[\"yes\"],\"next\":\"b\"}],\"no_match\":\"c\"},"
		"\"b\":{\"type\":\"result\",\"label\":\"yes\"},\"c\":{\"type\":\"result\",\"label\":\"other\"}}}";
	struct vd_bot_plan *plan = plan_of(&g, 1);
	struct host h = {0};
	struct vd_bot_io io = io_of(&h);
	struct line l = {.now = 1000000, .seed = 12};
	vd_bot_start(&l.bot, plan, NULL, &io, l.now);
	give_prompt(&l, &h, 0.2);
	run(&l, 300, false);
	run(&l, 400, true);
	run(&l, 120, false);                  /* a pause: recognition starts */
	CHECK_INT(h.recognizes, 1);
	size_t first = h.rec_samples;
	vd_bot_heard(l.bot, h.rec_seq, "no", l.now);   /* early, and then... */
	run(&l, 200, true);                   /* ...the callee goes on */
	run(&l, 120, false);
	CHECK_INT(h.recognizes, 2);           /* the whole utterance again */
	CHECK_INT(h.begins, 2);
	/* the second stream starts from the onset: nothing said is lost */
	CHECK(h.rec_samples >= first + 300 * 8);
	uint32_t seq = h.rec_seq;
	vd_bot_heard(l.bot, seq, "no yes", l.now);
	CHECK_INT(l.st, VD_BOT_TALKING);      /* not before the end of the utterance */
	run(&l, 200, false);
	CHECK_INT(h.recognizes, 2);           /* the early answer is the final one */
	run(&l, 300, false);
	CHECK_INT(l.st, VD_BOT_HANGUP);
	struct vd_bot_result r;
	vd_bot_result(l.bot, &r);
	CHECK_STR(r.label, "yes");
	CHECK(r.variables && strstr(r.variables, "no yes"));
	free(r.variables);
	vd_bot_free(l.bot);
	vd_bot_plan_unref(plan);
}

static void test_script_switch(void)
{
	const char *g[] = {
		"{\"start\":\"r\",\"blocks\":{\"r\":{\"type\":\"result\",\"label\":\"moved\",\"action\":\"transfer\","
		"\"forward\":{\"type\":\"script\",\"script_id\":2}}}}",
		"{\"start\":\"s\",\"blocks\":{\"s\":{\"type\":\"set\",\"var\":\"where\",\"value\":\"second\",\"next\":\"t\"},"
		"\"t\":{\"type\":\"say\",\"text\":\"Second script\"}}}"};
	struct vd_bot_plan *plan = plan_of(g, 2);
	struct host h = {0};
	struct vd_bot_io io = io_of(&h);
	struct line l = {.now = 1000000, .seed = 6};
	vd_bot_start(&l.bot, plan, NULL, &io, l.now);
	CHECK_INT(h.transfers, 0);
	CHECK_STR(h.synth_text, "Second script");
	give_prompt(&l, &h, 0.2);
	run(&l, 1000, false);
	CHECK_INT(l.st, VD_BOT_HANGUP);
	struct vd_bot_result r;
	vd_bot_result(l.bot, &r);
	CHECK(r.variables && strstr(r.variables, "\"where\":\"second\""));
	free(r.variables);
	vd_bot_free(l.bot);
	vd_bot_plan_unref(plan);

	/* task_default with the default redirect "hangup" ends the call */
	const char *g3 = "{\"start\":\"r\",\"blocks\":{\"r\":{\"type\":\"result\",\"label\":\"x\",\"action\":\"transfer\","
			 "\"forward\":{\"type\":\"task_default\"}}}}";
	plan = plan_of(&g3, 1);
	struct line l3 = {.now = 1000000, .seed = 7};
	vd_bot_start(&l3.bot, plan, NULL, &io, l3.now);
	run(&l3, 500, false);
	CHECK_INT(l3.st, VD_BOT_HANGUP);
	CHECK_INT(h.transfers, 0);
	vd_bot_free(l3.bot);
	vd_bot_plan_unref(plan);
}

static void test_amd(void)
{
	const char *g = "{\"start\":\"a\",\"blocks\":{\"a\":{\"type\":\"say\",\"text\":\"Hi there\"}}}";
	/* background: the bot talks at once; a long greeting is a machine */
	struct vd_bot_plan *plan = plan_of(&g, 1);
	plan->amd = true;
	struct host h = {0};
	struct vd_bot_io io = io_of(&h);
	struct line l = {.now = 1000000, .seed = 8};
	vd_bot_start(&l.bot, plan, NULL, &io, l.now);
	CHECK_INT(h.synths, 1);
	give_prompt(&l, &h, 20.0);
	run(&l, 500, false);
	run(&l, 8000, true);
	CHECK_INT(l.st, VD_BOT_HANGUP);
	struct vd_bot_result r;
	vd_bot_result(l.bot, &r);
	CHECK_STR(r.amd, "machine");
	CHECK(r.machine);
	CHECK(r.amd_ms > 500 && r.amd_ms < 8500);
	free(r.variables);
	vd_bot_free(l.bot);

	/* lockout: silent (or the greeting) until a human answers */
	plan->amd_lockout = true;
	plan->greeting = tone(0.3, 3000);
	memset(&h, 0, sizeof h);
	struct line l2 = {.now = 1000000, .seed = 9};
	vd_bot_start(&l2.bot, plan, NULL, &io, l2.now);
	CHECK_INT(h.synths, 0);
	step(&l2, false);
	CHECK(!tx_silent(&l2));              /* the greeting file */
	run(&l2, 500, false);
	CHECK(tx_silent(&l2));
	CHECK_INT(h.synths, 0);
	run(&l2, 500, true);                 /* "Hello?" */
	run(&l2, 2500, false);
	CHECK_INT(h.synths, 1);              /* a human: the script starts */
	vd_bot_result(l2.bot, &r);
	CHECK_STR(r.amd, "human");
	CHECK(!r.machine);
	free(r.variables);
	vd_bot_free(l2.bot);

	/* lockout and a machine: the bot never says a word */
	memset(&h, 0, sizeof h);
	struct line l3 = {.now = 1000000, .seed = 10};
	vd_bot_start(&l3.bot, plan, NULL, &io, l3.now);
	run(&l3, 300, false);
	run(&l3, 9000, true);
	CHECK_INT(l3.st, VD_BOT_HANGUP);
	CHECK_INT(h.synths, 0);
	vd_bot_free(l3.bot);
	vd_bot_plan_unref(plan);
}

static void test_ambient(void)
{
	const char *g = "{\"start\":\"a\",\"blocks\":{\"a\":{\"type\":\"ask\",\"text\":\"Yes?\",\"timeout_ms\":5000,"
			"\"branches\":[{\"digits\":\"1\",\"next\":\"b\"}]},\"b\":{\"type\":\"result\",\"label\":\"one\"}}}";
	struct vd_bot_plan *plan = plan_of(&g, 1);
	int16_t noise[400];
	for (int i = 0; i < 400; i++) noise[i] = 1000;
	plan->ambient = vd_pcm_alloc(noise, 400);
	plan->ambient_gain = 0.5f;
	struct host h = {0};
	struct vd_bot_io io = io_of(&h);
	struct line l = {.now = 1000000, .seed = 11};
	vd_bot_start(&l.bot, plan, NULL, &io, l.now);
	step(&l, false);
	CHECK_INT(l.last_tx[0], 500);        /* noise under the silence of a pending synthesis */
	CHECK_INT(l.last_tx[159], 500);
	int16_t loud[FRAME];
	for (int i = 0; i < FRAME; i++) loud[i] = 32000;
	struct vd_pcm *p = vd_pcm_alloc(loud, FRAME);
	vd_bot_prompt(l.bot, h.synth_seq, p, l.now);
	vd_pcm_unref(p);
	step(&l, false);
	CHECK_INT(l.last_tx[10], 32500 > 32767 ? 32767 : 32500);   /* mixed and clipped */
	vd_bot_dtmf(l.bot, '1', l.now);
	run(&l, 500, false);
	CHECK_INT(l.st, VD_BOT_HANGUP);
	vd_bot_free(l.bot);
	vd_bot_plan_unref(plan);
}

/* The recognizer gets the utterance while it is spoken: the stream opens
 * at the onset with the pre-roll, grows frame by frame, and a key (or the
 * end of the call) cancels it. */
static void test_stream(void)
{
	const char *g[] = {ASK};
	struct vd_bot_plan *plan = plan_of(g, 1);
	struct host h = {0};
	struct vd_bot_io io = io_of(&h);
	struct line l = {.now = 1000000, .seed = 5};
	CHECK_INT(vd_bot_start(&l.bot, plan, NULL, &io, l.now), 0);
	give_prompt(&l, &h, 0.2);
	run(&l, 300, false);
	give_prompt(&l, &h, 0.2);             /* the ask's prompt */
	run(&l, 400, false);                  /* listening */
	CHECK_INT(h.begins, 0);
	run(&l, 100, true);
	CHECK_INT(h.begins, 1);               /* at the onset, before any end */
	CHECK(h.open);
	CHECK(h.fed >= 300 * 8);              /* the pre-roll came first */
	size_t at_onset = h.fed;
	run(&l, 400, true);
	CHECK(h.fed >= at_onset + 380 * 8);   /* fed as it is spoken */
	CHECK_INT(h.recognizes, 0);
	vd_bot_dtmf(l.bot, '2', l.now);       /* a key: that was no speech */
	CHECK(!h.open);
	CHECK_INT(h.cancels, 1);
	CHECK_INT(h.recognizes, 0);
	vd_bot_free(l.bot);

	/* the call ends mid-utterance: the stream is cancelled, not left open */
	h = (struct host){0};
	l = (struct line){.now = 1000000, .seed = 6};
	CHECK_INT(vd_bot_start(&l.bot, plan, NULL, &io, l.now), 0);
	give_prompt(&l, &h, 0.2);
	run(&l, 300, false);
	give_prompt(&l, &h, 0.2);
	run(&l, 400, false);
	run(&l, 300, true);
	CHECK(h.open);
	vd_bot_hangup(l.bot);
	CHECK(!h.open);
	CHECK_INT(h.cancels, 1);
	vd_bot_free(l.bot);

	/* a stream the recognizer decodes live is not ended at a pause: one
	 * stream for the whole utterance, ended by the end of utterance */
	h = (struct host){.live = true};
	l = (struct line){.now = 1000000, .seed = 8};
	CHECK_INT(vd_bot_start(&l.bot, plan, NULL, &io, l.now), 0);
	give_prompt(&l, &h, 0.2);
	run(&l, 300, false);
	give_prompt(&l, &h, 0.2);
	run(&l, 400, false);
	run(&l, 400, true);
	run(&l, 120, false);                  /* a pause */
	CHECK_INT(h.recognizes, 0);
	CHECK(h.open);
	run(&l, 300, true);                   /* talking on: the same stream */
	CHECK_INT(h.begins, 1);
	run(&l, 240, false);
	CHECK_INT(h.recognizes, 1);           /* the end of the utterance */
	CHECK_INT(h.begins, 1);
	CHECK(h.rec_samples >= (300 + 400 + 120 + 300) * 8);
	vd_bot_heard(l.bot, h.rec_seq, "no", l.now);
	CHECK_INT(h.transfers, 0);
	vd_bot_free(l.bot);

	/* freed mid-utterance (the host drops the call) */
	h = (struct host){0};
	l = (struct line){.now = 1000000, .seed = 7};
	CHECK_INT(vd_bot_start(&l.bot, plan, NULL, &io, l.now), 0);
	give_prompt(&l, &h, 0.2);
	run(&l, 300, false);
	give_prompt(&l, &h, 0.2);
	run(&l, 400, false);
	run(&l, 300, true);
	CHECK(h.open);
	vd_bot_free(l.bot);
	CHECK(!h.open);
	CHECK_INT(h.cancels, 1);
	vd_bot_plan_unref(plan);
}

int main(void)
{
	test_conversation_transfer();
	test_transfer_fails_fallback();
	test_barge_in();
	test_timeout_and_latency();
	test_speculative();
	test_stream();
	test_script_switch();
	test_amd();
	test_ambient();
	vd_tts_shutdown();
	return vt_done();
}
