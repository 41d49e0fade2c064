/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The dialing thread; see dialer.h. One loop: take telephony events off the
 * queue and close attempts, refresh the task list from the store, then let
 * each running task dial as many due clients as its pacer, its trunk and
 * its calling window allow. All decisions are src/core's. */
#include "dialer/dialer.h"
#include "dialer/bot_plan.h"
#include "dialer/task_config.h"
#include "dialer/transfer.h"
#include "core/outcome.h"
#include "core/pacer.h"
#include "media/pcm.h"
#include "media/recorder.h"
#include "media/tts.h"
#include "store/store.h"
#include "tel/bot.h"
#include "tel/tel.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/tz.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>

#define MAX_TASKS 1024
#define MAX_TRUNKS 256
#define BUCKETS 4096
#define PREFETCH 64
#define RELOAD_MS 3000           /* re-read a task's settings this often */
#define REFRESH_MS 200           /* re-read the task list this often */
#define PASS_MS 10               /* one pass (events in, dials out) this often */
#define EVENTS_MAX 256           /* events drained per pass */
#define DIALS_MAX 512            /* attempts written per transaction */
#define ENDS_MAX (EVENTS_MAX + DIALS_MAX)
/* Pacing buckets hold this much of their rate, so a pass that comes up to
 * CATCHUP_MS late (a slow commit, a burst of events) still starts every
 * call its tokens earned; the pacer's one-second window keeps the rate a
 * hard cap. */
#define CATCHUP_MS 100
/* A call counts against max_setup until its first response, or SETUP_MS
 * after it was dialed (a trunk's ringing without any 18x is its post-dial
 * delay, not our backlog): so the cap bounds rate x min(latency, SETUP_MS). */
#define SETUP_MS 1000

static const enum vd_outcome done_order[5] = {VD_OUTCOME_BUSY, VD_OUTCOME_NO_ANSWER, VD_OUTCOME_MACHINE,
					      VD_OUTCOME_SHORT, VD_OUTCOME_FAILURE};

struct trunk_rt {
	int64_t id;
	struct vd_trunk_gate gate;
	int32_t max_cps, max_channels;
};

struct task_rt {
	int64_t id, account_id, updated_ms;
	char status[16];
	bool is_template;           /* always running, never completes */
	bool hangup, hung_up;       /* cancelled with hang-up; done */
	bool seen;
	bool ok;                    /* config loaded */
	char why[200];              /* why not ok / why waiting, logged once */
	int64_t loaded_ms;
	struct vd_task_config *tc;  /* owned; holds pointers into itself: never copied */
	struct vd_pcm *prompt_wav;  /* the script's audio prompt, loaded once per config */
	struct vd_bot_plan *plan;   /* the bot every answered call runs; NULL: none */
	uint64_t plan_key;          /* the version it was built from */
	json_t *redirect;           /* the task's default_redirect, for transfers */
	struct vd_callerid_pool pool;
	struct vd_pacer pacer;
	struct trunk_rt *trunk;
	struct vd_due_client due[PREFETCH];
	char *due_vars[PREFETCH];
	int ndue, idue;
	int64_t next_try_ms;        /* do not look before (window closed, caller ID resting) */
	int64_t next_done_check_ms;
	unsigned inflight;
	bool dir_made;
};

struct inflight {
	struct inflight *next;
	int64_t call_id, task_id, account_id, client_row_id;
	struct trunk_rt *trunk;
	struct vd_client_recall rc;  /* before this attempt */
	bool cut;                    /* hung up by a cancel */
	/* In the setup list: dialed under SETUP_MS ago, no response yet. */
	struct inflight *sprev, *snext;
	bool setup;
	struct vd_bot_result *bot;   /* an ended call's, until its end is written */
	int64_t started_ms, answered_ms;
	char record_path[512];
};

/* A call about to be dialed: paced and given a caller ID, its attempt row
 * not yet written. The due client stays in its task's prefetch until the
 * batch is written (dial_task flushes before fetching again). */
struct prep {
	struct task_rt *t;
	struct trunk_rt *trunk;
	const struct vd_due_client *c;
	char dial_string[VD_DIALPLAN_MAX_NUMBER];
	char caller_id[32];
};

struct vd_dialer {
	struct vd_dialer_params p;
	char data_dir[400];
	struct vd_store *st;
	struct vd_tel *tel;
	pthread_t thread;
	bool running;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct vd_tel_event *evq;   /* ring of events, under lock */
	size_t evcap, evhead, evlen;
	bool quiesced, stopping;    /* under lock */
	struct task_rt *tasks[MAX_TASKS];
	int ntasks;
	struct trunk_rt trunks[MAX_TRUNKS];
	int ntrunks;
	struct inflight *buckets[BUCKETS];
	unsigned ninflight, nsetup;
	struct inflight *setup_head, *setup_tail;   /* oldest first */
	unsigned first_task;        /* tasks take turns to dial first */
	int64_t last_refresh_ms;
	/* The pass's store writes (DESIGN.md: the loop never waits on one
	 * transaction per call). Ends and answers drained from the telephony
	 * thread go in one transaction; the inflight entries of the ended calls
	 * wait in `closing` so the rows may point into them until then. */
	struct vd_attempt_end ends[ENDS_MAX];
	size_t nends;
	struct vd_call_answer answers[EVENTS_MAX];
	size_t nanswers;
	struct inflight *closing;
	/* Attempts about to be dialed, written in one transaction before any
	 * of their INVITEs is queued. */
	struct prep preps[DIALS_MAX];
	struct vd_attempt attempts[DIALS_MAX];
	int64_t call_ids[DIALS_MAX];
	size_t nprep;
};

static int64_t now_ms(void)
{
	return vd_store_now_ms();
}

/* ---- events in ---- */

void vd_dialer_tel_event(const struct vd_tel_event *ev, void *arg)
{
	struct vd_dialer *d = arg;
	pthread_mutex_lock(&d->lock);
	if (d->evlen < d->evcap) {
		d->evq[(d->evhead + d->evlen) % d->evcap] = *ev;
		d->evlen++;
	} else {
		/* Cannot happen: the queue holds three events per allowed call. */
		vd_err("dialer", "event queue full: call=%lld event lost", (long long)ev->call_id);
		struct vd_tel_event lost = *ev;
		vd_tel_event_release(&lost);
	}
	/* The dialer takes events every PASS_MS; it is woken early only when
	 * a pass's worth has piled up. */
	if (d->evlen >= EVENTS_MAX) pthread_cond_signal(&d->cond);
	pthread_mutex_unlock(&d->lock);
}

/* ---- in-flight table ---- */

static struct inflight **inflight_slot(struct vd_dialer *d, int64_t call_id)
{
	struct inflight **pp = &d->buckets[(uint64_t)call_id % BUCKETS];
	while (*pp && (*pp)->call_id != call_id) pp = &(*pp)->next;
	return pp;
}

static struct task_rt *task_find(struct vd_dialer *d, int64_t id)
{
	for (int i = 0; i < d->ntasks; i++)
		if (d->tasks[i]->id == id) return d->tasks[i];
	return NULL;
}

static void rc_to_state(const struct vd_client_recall *rc, struct vd_recall_state *s)
{
	vd_recall_state_init(s);
	s->attempts = rc->attempts;
	for (int i = 0; i < 5; i++) s->done[done_order[i]] = rc->done[i];
	enum vd_outcome o;
	if (rc->owed[0] && vd_outcome_parse(rc->owed, &o) == 0) {
		s->has_owed = true;
		s->owed = o;
	}
}

static void state_to_rc(const struct vd_recall_state *s, struct vd_client_recall *rc)
{
	memset(rc, 0, sizeof *rc);
	rc->attempts = s->attempts;
	for (int i = 0; i < 5; i++) rc->done[i] = s->done[done_order[i]];
	if (s->has_owed) snprintf(rc->owed, sizeof rc->owed, "%s", vd_outcome_name(s->owed));
}

/* Writes the pass's answers and ends in one transaction, then frees the
 * closed calls' entries. A failed batch is written again row by row, so one
 * bad row cannot lose the others' records. */
static void flush_ends(struct vd_dialer *d)
{
	if ((d->nends || d->nanswers) &&
	    vd_store_attempts_end(d->st, d->answers, d->nanswers, d->ends, d->nends) != 0) {
		vd_warn("dialer", "writing %zu ends and %zu answers at once failed: one by one", d->nends,
			d->nanswers);
		for (size_t i = 0; i < d->nanswers; i++) {
			int err = vd_store_call_answered(d->st, d->answers[i].call_id, d->answers[i].answered_ms);
			if (err) vd_warn("dialer", "call=%lld cannot record the answer (%d)",
					 (long long)d->answers[i].call_id, err);
		}
		for (size_t i = 0; i < d->nends; i++) {
			const struct vd_attempt_end *e = &d->ends[i];
			int err = vd_store_attempt_end(d->st, e);
			if (err) vd_err("dialer", "task=%lld call=%lld cannot close the attempt (%d)",
					(long long)e->task_id, (long long)e->call_id, err);
		}
	}
	d->nends = d->nanswers = 0;
	while (d->closing) {
		struct inflight *f = d->closing;
		d->closing = f->next;
		struct vd_tel_event owned = {.bot = f->bot};
		vd_tel_event_release(&owned);
		free(f);
	}
}

/* Closes an attempt: outcome, cost, recall decision, and its row in the
 * pass's batch of ends (flush_ends writes it). `f` must live until then. */
static void close_attempt(struct vd_dialer *d, struct inflight *f, const struct vd_tel_event *ev,
			  bool forced_failure)
{
	struct task_rt *t = task_find(d, f->task_id);
	struct vd_recall_rules none;
	vd_recall_rules_init(&none);
	const struct vd_recall_rules *rules = t && t->ok ? &t->tc->rules : &none;
	int64_t answered_ms = ev->answered_ms ? ev->answered_ms : f->answered_ms;
	int64_t talk_ms = answered_ms && ev->ended_ms > answered_ms ? ev->ended_ms - answered_ms : 0;
	struct vd_outcome_params op = {
		.technical_failure = forced_failure || ev->media_dead || ev->tech_failure,
		.answered = answered_ms != 0,
		.ring_timeout = ev->ring_timeout,
		.sip_code = ev->sip_code,
		.hangup_by = ev->remote_hangup ? VD_HANGUP_CALLEE : VD_HANGUP_US,
		.talk_ms = talk_ms,
		.short_max_duration_s = rules->rule[VD_OUTCOME_SHORT].enabled ? rules->short_max_duration_s : 0,
	};
	const struct vd_bot_result *bot = ev->bot;
	if (bot && bot->amd)
		op.amd = !strcmp(bot->amd, "machine") ? VD_AMD_MACHINE : !strcmp(bot->amd, "human") ? VD_AMD_HUMAN : VD_AMD_NONE;
	/* A call a cancel cut before the answer never reached anyone. */
	if (f->cut && !answered_ms) {
		op.never_dialed = true;
		op.technical_failure = false;
	}
	enum vd_outcome o = vd_outcome_classify(&op);
	int64_t cost = -1;
	if (t && t->ok && vd_tariff_cost(&t->tc->tariff, answered_ms != 0, talk_ms, &cost) != 0) cost = -1;
	struct vd_recall_state s;
	rc_to_state(&f->rc, &s);
	/* A task no longer running, paused or scheduled has ended: no recall. */
	int64_t end_s = t && strcmp(t->status, "cancelled") ? VD_RECALL_NO_END : ev->ended_ms / 1000;
	struct vd_recall_decision dec = vd_recall_decide(rules, &s, o, ev->ended_ms / 1000, end_s);
	if (d->nends == ENDS_MAX) flush_ends(d);
	struct vd_attempt_end *ep = &d->ends[d->nends++];
	*ep = (struct vd_attempt_end){
		.call_id = f->call_id,
		.client_row_id = f->client_row_id,
		.task_id = f->task_id,
		.outcome = vd_outcome_name(o),
		.result = o == VD_OUTCOME_FAILURE && ev->no_response ? "no_response" :
			  o == VD_OUTCOME_FAILURE && ev->media_dead ? "media_timeout" :
			  forced_failure ? "interrupted" : bot && bot->label[0] ? bot->label : NULL,
		.sip_code = ev->sip_code ? ev->sip_code : (answered_ms ? 200 : 0),
		.answered_ms = answered_ms,
		.ended_ms = ev->ended_ms,
		.duration_s = (talk_ms + 500) / 1000,
		.cost_minor = cost,
		.currency = t && t->ok ? t->tc->currency : NULL,
		.recording = ev->recorded_ms > 0 ? f->record_path : NULL,
		.amd = bot ? bot->amd : NULL,
		.amd_ms = bot ? bot->amd_ms : 0,
		.amd_cause = bot ? bot->amd_cause : NULL,
		.gender = bot ? bot->gender : NULL,
		.transferred_to = bot && bot->transferred_to[0] ? bot->transferred_to : NULL,
		.collected = bot ? bot->variables : NULL,
		.finished = dec.finished,
		.final_outcome = dec.finished ? vd_outcome_name(dec.outcome) : NULL,
		.next_attempt_ms = dec.finished ? 0 : dec.at_s * 1000,
	};
	state_to_rc(&s, &ep->rc);
	vd_info("dialer", "task=%lld call=%lld outcome=%s sip=%d talk_ms=%lld %s%s%s", (long long)f->task_id,
		(long long)f->call_id, ep->outcome, ep->sip_code, (long long)talk_ms,
		dec.finished ? "finished=" : "recall_for=",
		dec.finished ? vd_recall_reason_name(dec.reason) : vd_outcome_name(dec.recall_for), "");
	if (f->trunk) vd_pacer_release(&f->trunk->gate);
	if (t && t->inflight) t->inflight--;
}

/* The telephony thread's backlog as the dialer sees it: calls dialed that
 * no response has reached yet. The telephony loop reads one SIP datagram
 * per pass and one order per pass, so a queue of orders it cannot absorb
 * starves the responses: 200s then come seconds late, INVITEs are
 * retransmitted, and the loop collapses under the extra work (bench/cps
 * at 600 calls/s: answer p50 2.9 s, 66% ended no_response). */
static void setup_enter(struct vd_dialer *d, struct inflight *f)
{
	f->setup = true;
	f->snext = NULL;
	f->sprev = d->setup_tail;
	if (d->setup_tail) d->setup_tail->snext = f;
	else d->setup_head = f;
	d->setup_tail = f;
	d->nsetup++;
}

static void setup_leave(struct vd_dialer *d, struct inflight *f)
{
	if (!f->setup) return;
	f->setup = false;
	if (f->sprev) f->sprev->snext = f->snext;
	else d->setup_head = f->snext;
	if (f->snext) f->snext->sprev = f->sprev;
	else d->setup_tail = f->sprev;
	f->sprev = f->snext = NULL;
	d->nsetup--;
}

static void setup_expire(struct vd_dialer *d, int64_t now)
{
	while (d->setup_head && now - d->setup_head->started_ms >= SETUP_MS) setup_leave(d, d->setup_head);
}

/* A bot asks for an operator: find the trunks and hand them to the
 * telephony thread (none: the bot follows its fallback). */
static void transfer(struct vd_dialer *d, const struct inflight *f, const struct vd_tel_event *ev)
{
	struct task_rt *t = task_find(d, f->task_id);
	struct vd_tel_target targets[8];
	size_t n = 0;
	int err = vd_transfer_resolve(d->st, f->account_id, t ? t->redirect : NULL, &ev->xfer, targets, 8, &n);
	if (err) {
		vd_warn("dialer", "task=%lld call=%lld transfer to \"%s\" impossible (%d): fallback", (long long)f->task_id,
			(long long)f->call_id, ev->xfer.number, err);
		n = 0;
	}
	if (vd_tel_transfer(d->tel, f->call_id, targets, n) != 0)
		vd_err("dialer", "call=%lld cannot queue the transfer", (long long)f->call_id);
}

static void handle_event(struct vd_dialer *d, struct vd_tel_event *ev, bool quiesced)
{
	struct inflight **pp = inflight_slot(d, ev->call_id);
	struct inflight *f = *pp;
	if (!f) {
		vd_tel_event_release(ev);
		return;
	}
	setup_leave(d, f);
	if (ev->type == VD_TEL_TRANSFER) {
		transfer(d, f, ev);
		return;
	}
	if (ev->type == VD_TEL_ANSWERED) {
		/* Written with the pass's ends: a crash leaves the call open,
		 * and recovery closes it with this answer time. */
		f->answered_ms = ev->answered_ms;
		if (d->nanswers == EVENTS_MAX) flush_ends(d);
		d->answers[d->nanswers++] = (struct vd_call_answer){f->call_id, ev->answered_ms};
		return;
	}
	if (ev->type != VD_TEL_ENDED) return;
	if (ev->rec) {   /* our recorder back: close it here, drop an empty file */
		uint64_t n = 0;
		if (vd_recorder_close(ev->rec, &n) == 0) ev->recorded_ms = (int64_t)(n / 8);
		ev->rec = NULL;
		if (!ev->recorded_ms) unlink(f->record_path);
	}
	/* After quiesce, a call our side ended was cut by the shutdown. */
	bool forced = quiesced && !ev->remote_hangup && !ev->sip_code && !ev->no_response;
	close_attempt(d, f, ev, forced);
	/* The end's row points into the bot's result: it is freed with the
	 * entry, once the pass's ends are written. */
	f->bot = ev->bot;
	ev->bot = NULL;
	*pp = f->next;
	d->ninflight--;
	f->next = d->closing;
	d->closing = f;
}

/* ---- tasks ---- */

static struct trunk_rt *trunk_get(struct vd_dialer *d, const struct vd_task_config *tc, int64_t now)
{
	for (int i = 0; i < d->ntrunks; i++) {
		struct trunk_rt *tr = &d->trunks[i];
		if (tr->id != tc->trunk_id) continue;
		if (tr->max_cps != tc->trunk_max_cps || tr->max_channels != tc->trunk_max_channels) {
			int32_t active = tr->gate.active;
			vd_pacer_gate_init(&tr->gate, (int64_t)tc->trunk_max_cps * 1000,
					   vd_pacer_burst((int64_t)tc->trunk_max_cps * 1000, CATCHUP_MS),
					   tc->trunk_max_channels, now);
			tr->gate.active = active;
			tr->max_cps = tc->trunk_max_cps;
			tr->max_channels = tc->trunk_max_channels;
		}
		return tr;
	}
	if (d->ntrunks >= MAX_TRUNKS) return NULL;
	struct trunk_rt *tr = &d->trunks[d->ntrunks++];
	tr->id = tc->trunk_id;
	tr->max_cps = tc->trunk_max_cps;
	tr->max_channels = tc->trunk_max_channels;
	if (vd_pacer_gate_init(&tr->gate, (int64_t)tc->trunk_max_cps * 1000,
			       vd_pacer_burst((int64_t)tc->trunk_max_cps * 1000, CATCHUP_MS), tc->trunk_max_channels,
			       now) != 0)
		vd_pacer_gate_init(&tr->gate, 10000, 1, 30, now);
	return tr;
}

static void task_drop_due(struct task_rt *t)
{
	for (int i = 0; i < t->ndue; i++) {
		free(t->due_vars[i]);
		t->due_vars[i] = NULL;
	}
	t->ndue = t->idue = 0;
}

static void task_free(struct task_rt *t)
{
	task_drop_due(t);
	vd_pcm_unref(t->prompt_wav);
	vd_bot_plan_unref(t->plan);
	json_decref(t->redirect);
	free(t->tc);
	free(t);
}

static void task_load(struct vd_dialer *d, struct task_rt *t, const char *body, int64_t now)
{
	char why[200] = "";
	struct vd_task_config *tc = malloc(sizeof *tc);
	if (!tc) return;
	int err = vd_task_config_load(d->st, t->account_id, t->id, body, now / 1000, tc, why, sizeof why);
	t->loaded_ms = now;
	if (err) {
		if (t->ok || strcmp(t->why, why))
			vd_warn("dialer", "task=%lld cannot dial: %s", (long long)t->id, why);
		snprintf(t->why, sizeof t->why, "%s", why);
		t->ok = false;
		free(tc);
		return;
	}
	json_t *task = json_loads(body, 0, NULL);
	struct vd_bot_plan *plan = NULL;
	uint64_t key = 0;
	err = task ? vd_bot_plan_build(d->st, d->data_dir, t->account_id, task, t->plan_key, &plan, &key, why,
				       sizeof why) : -EINVAL;
	if (err == -EEXIST) {
		err = 0;   /* unchanged: keep the plan */
	} else if (!err) {
		vd_bot_plan_unref(t->plan);
		t->plan = plan;
		t->plan_key = key;
	}
	if (err) {
		if (t->ok || strcmp(t->why, why))
			vd_warn("dialer", "task=%lld cannot dial: %s", (long long)t->id, why);
		snprintf(t->why, sizeof t->why, "%s", why);
		t->ok = false;
		json_decref(task);
		free(tc);
		return;
	}
	json_decref(t->redirect);
	t->redirect = json_incref(json_object_get(task, "default_redirect"));
	json_decref(task);
	bool first = !t->tc;
	struct vd_task_config *old = t->tc;
	t->tc = tc;
	t->prompt_wav = vd_pcm_unref(t->prompt_wav);
	if (tc->prompt_audio_id) {
		char path[512];
		snprintf(path, sizeof path, "%s/audio/%lld/%lld.wav", d->data_dir, (long long)t->account_id,
			 (long long)tc->prompt_audio_id);
		if (vd_pcm_load_wav(path, &t->prompt_wav) != 0)
			vd_warn("dialer", "task=%lld cannot load audio %lld: the prompt is silent", (long long)t->id,
				(long long)tc->prompt_audio_id);
	}
	/* The caller-ID pool is rebuilt from the new settings; each number's
	 * usage (daily cap, rest time) and the rotation carry over. */
	struct vd_callerid_pool prev = t->pool;
	vd_task_config_pool(t->tc, &t->pool);
	if (old) {
		t->pool.single = prev.single;
		t->pool.cursor = t->pool.nentries ? prev.cursor % t->pool.nentries : 0;
		for (size_t i = 0; i < t->pool.nentries; i++)
			for (size_t j = 0; j < prev.nentries; j++)
				if (!strcmp(t->pool.entries[i].number, prev.entries[j].number))
					t->pool.entries[i].use = prev.entries[j].use;
	}
	free(old);
	if (first || t->pacer.rate_mcps != t->tc->cps_mcps)
		vd_pacer_init(&t->pacer, t->tc->cps_mcps, vd_pacer_burst(t->tc->cps_mcps, CATCHUP_MS), now);
	t->trunk = trunk_get(d, t->tc, now);
	t->ok = t->trunk != NULL;
	t->why[0] = '\0';
}

struct refresh_ctx { struct vd_dialer *d; int64_t now; };

static int refresh_one(void *arg, const struct vd_dial_task *dt)
{
	struct refresh_ctx *rc = arg;
	struct vd_dialer *d = rc->d;
	struct task_rt *t = task_find(d, dt->task_id);
	if (!t) {
		if (d->ntasks >= MAX_TASKS) return 0;
		t = calloc(1, sizeof *t);
		if (!t) return 0;
		t->id = dt->task_id;
		t->account_id = dt->account_id;
		d->tasks[d->ntasks++] = t;
	}
	t->seen = true;
	t->is_template = dt->is_template;
	t->hangup = dt->hangup;
	if (strcmp(t->status, dt->status)) {
		vd_info("dialer", "task=%lld status=%s", (long long)t->id, dt->status);
		task_drop_due(t);   /* a cancel may have finished prefetched clients */
	}
	snprintf(t->status, sizeof t->status, "%s", dt->status);
	if (!t->loaded_ms || t->updated_ms != dt->updated_ms || rc->now - t->loaded_ms >= RELOAD_MS) {
		t->updated_ms = dt->updated_ms;
		task_load(d, t, dt->body, rc->now);
	}
	return 0;
}

static void refresh_tasks(struct vd_dialer *d, int64_t now)
{
	for (int i = 0; i < d->ntasks; i++) d->tasks[i]->seen = false;
	struct refresh_ctx rc = {d, now};
	if (vd_store_dial_tasks(d->st, refresh_one, &rc) != 0) return;
	for (int i = 0; i < d->ntasks;) {
		struct task_rt *t = d->tasks[i];
		if (t->seen) {
			i++;
			continue;
		}
		/* cancelled, completed or deleted: in-flight calls finish without recalls */
		vd_info("dialer", "task=%lld no longer dialing", (long long)t->id);
		task_free(t);
		d->tasks[i] = d->tasks[--d->ntasks];
	}
	d->last_refresh_ms = now;
}

static int due_cb(void *arg, const struct vd_due_client *c)
{
	struct task_rt *t = arg;
	if (t->ndue >= PREFETCH) return 1;
	t->due[t->ndue] = *c;
	t->due_vars[t->ndue] = strdup(c->variables ? c->variables : "{}");
	t->due[t->ndue].variables = t->due_vars[t->ndue];
	t->ndue++;
	return 0;
}

/* Replaces {{name}} with the client's variable (missing: empty). */
static void substitute(const char *text, const char *vars_json, char *out, size_t size)
{
	json_t *vars = json_loads(vars_json, 0, NULL);
	size_t o = 0;
	for (const char *p = text; *p && o + 1 < size;) {
		const char *close;
		if (p[0] == '{' && p[1] == '{' && (close = strstr(p + 2, "}}")) && close - p < 70) {
			char name[70];
			const char *s = p + 2;
			while (*s == ' ') s++;
			size_t n = (size_t)(close - s);
			while (n && s[n - 1] == ' ') n--;
			snprintf(name, sizeof name, "%.*s", (int)n, s);
			const char *v = json_string_value(json_object_get(vars, name));
			for (; v && *v && o + 1 < size; v++) out[o++] = *v;
			p = close + 2;
		} else {
			out[o++] = *p++;
		}
	}
	out[o] = '\0';
	json_decref(vars);
}

/* Writes a refused attempt (no INVITE): a number the dial plan does not
 * allow never leaves, and the call list says why. */
static void refuse(struct vd_dialer *d, struct task_rt *t, const struct vd_due_client *c, const char *why)
{
	int64_t now = now_ms(), call_id = 0;
	struct vd_attempt a = {.account_id = t->account_id, .task_id = t->id, .client_row_id = c->row_id,
			       .client_id = c->client_id[0] ? c->client_id : NULL, .phone = c->phone,
			       .variables = c->variables, .attempt = c->rc.attempts + 1, .started_ms = now};
	if (vd_store_attempt_begin(d->st, &a, &call_id) != 0) return;
	struct vd_client_recall rc = c->rc;
	rc.attempts++;
	struct vd_attempt_end e = {.call_id = call_id, .client_row_id = c->row_id, .task_id = t->id,
				   .outcome = "failure", .result = why, .ended_ms = now, .cost_minor = 0,
				   .finished = true, .final_outcome = "failure", .rc = rc};
	if (vd_store_attempt_end(d->st, &e) != 0)
		vd_err("dialer", "task=%lld cannot close a refused attempt", (long long)t->id);
	vd_warn("dialer", "task=%lld client=%lld not dialed: %s", (long long)t->id, (long long)c->row_id, why);
}

/* Paces one client and gives it a caller ID; its attempt joins the pass's
 * batch (flush_dials writes it, then dials). 0 when queued or handled,
 * -EAGAIN to stop dialing this task for now. */
static int prep_one(struct vd_dialer *d, struct task_rt *t, const struct vd_due_client *c, int64_t now)
{
	struct prep *p = &d->preps[d->nprep];
	int err = vd_dialplan_rewrite(&t->tc->dp, c->phone, p->dial_string, sizeof p->dial_string);
	if (err) {
		refuse(d, t, c, err == -EPERM ? "destination_not_allowed" : "bad_number");
		return 0;
	}
	/* Pacing first: choosing a caller ID moves the round-robin cursor,
	 * so it is done only for a call that will really start. */
	if (vd_pacer_take(&t->pacer, &t->trunk->gate, now) != 0) return -EAGAIN;
	struct vd_callerid_choice ch;
	err = vd_callerid_choose(&t->pool, now / 1000, &ch);
	if (err || ch.verdict == VD_CALLERID_WAIT) {
		vd_pacer_release(&t->trunk->gate);
		const char *why = err ? "no caller ID on the trunk" : vd_callerid_wait_text(ch.reason);
		if (strcmp(t->why, why)) vd_warn("dialer", "task=%lld waiting: %s", (long long)t->id, why);
		snprintf(t->why, sizeof t->why, "%s", why);
		t->next_try_ms = err ? now + 5000 : ch.retry_at_s * 1000;
		return -EAGAIN;
	}
	p->t = t;
	p->c = c;
	p->trunk = t->trunk;
	snprintf(p->caller_id, sizeof p->caller_id, "%s", ch.number ? ch.number : "");
	struct vd_recall_state s;
	rc_to_state(&c->rc, &s);
	d->attempts[d->nprep] = (struct vd_attempt){
		.account_id = t->account_id, .task_id = t->id, .client_row_id = c->row_id,
		.client_id = c->client_id[0] ? c->client_id : NULL, .phone = c->phone,
		.caller_id = ch.number ? p->caller_id : NULL, .variables = c->variables,
		.attempt = c->rc.attempts + 1, .recall_for = s.has_owed ? vd_outcome_name(s.owed) : NULL,
		.planned_ms = c->next_attempt_ms, .started_ms = now,
	};
	d->nprep++;
	return 0;
}

/* Queues the INVITE of an attempt whose row is written. */
static void start_call(struct vd_dialer *d, const struct prep *p, int64_t call_id, int64_t now)
{
	struct task_rt *t = p->t;
	const struct vd_due_client *c = p->c;
	struct inflight *f = calloc(1, sizeof *f);
	if (!f) {
		/* The row is written: it closes at once as a failure, and the
		 * failure rule decides. */
		struct inflight tmp = {.call_id = call_id, .task_id = t->id, .account_id = t->account_id,
				       .client_row_id = c->row_id, .trunk = p->trunk, .rc = c->rc, .started_ms = now};
		struct vd_tel_event ev = {.type = VD_TEL_ENDED, .call_id = call_id, .ended_ms = now, .tech_failure = true};
		t->inflight++;
		close_attempt(d, &tmp, &ev, false);
		flush_ends(d);
		return;
	}
	f->call_id = call_id;
	f->task_id = t->id;
	f->account_id = t->account_id;
	f->client_row_id = c->row_id;
	f->trunk = p->trunk;
	f->rc = c->rc;
	f->started_ms = now;
	char dir[450];
	snprintf(dir, sizeof dir, "%s/recordings/%lld/%lld", d->data_dir, (long long)t->account_id, (long long)t->id);
	if (!t->dir_made) {
		int derr = vd_mkdirs(dir);
		if (derr) vd_warn("dialer", "task=%lld cannot create %s (%d): calls go unrecorded", (long long)t->id, dir, derr);
		t->dir_made = true;
	}
	snprintf(f->record_path, sizeof f->record_path, "%s/%lld.wav", dir, (long long)call_id);

	struct vd_dial dl = {.call_id = call_id};
	snprintf(dl.host, sizeof dl.host, "%s", t->tc->host);
	dl.port = t->tc->port ? t->tc->port : 5060;
	dl.tcp = t->tc->tcp;
	snprintf(dl.username, sizeof dl.username, "%s", t->tc->username);
	snprintf(dl.password, sizeof dl.password, "%s", t->tc->password);
	snprintf(dl.from_domain, sizeof dl.from_domain, "%s", t->tc->from_domain);
	snprintf(dl.caller_id, sizeof dl.caller_id, "%s", p->caller_id);
	snprintf(dl.dial_string, sizeof dl.dial_string, "%s", p->dial_string);
	dl.ring_timeout_s = t->tc->ring_timeout_s;
	dl.max_call_s = 3600;
	/* The WAV is created here, not on the telephony thread (a file
	 * creation per call was a quarter of that loop at 300 calls/s); an
	 * unanswered call's empty file goes when the recorder comes back. */
	if (vd_recorder_open(&dl.rec, f->record_path) != 0) {
		vd_warn("dialer", "call=%lld cannot record to %s", (long long)call_id, f->record_path);
		dl.rec = NULL;
	}
	snprintf(dl.phone, sizeof dl.phone, "%s", c->phone);
	if (t->plan) {
		dl.plan = t->plan;   /* vd_tel_dial takes its own references */
		dl.vars_json = c->variables;
		/* A first prompt with the client's variables is synthesized
		 * while the phone rings, so the answer finds it cached. */
		char first[VD_SCRIPT_MAX_SAY];
		struct vd_pcm *cached = NULL;
		if (vd_bot_first_prompt(t->plan, c->variables, first, sizeof first) &&
		    vd_tts_peek(first, NULL, &cached) == -ENOENT)
			(void)vd_tts_async(first, NULL, NULL, NULL, NULL);
		vd_pcm_unref(cached);
	} else if (t->prompt_wav) {
		dl.prompt = vd_pcm_ref(t->prompt_wav);
	} else if (t->tc->prompt[0]) {
		char text[2000];
		substitute(t->tc->prompt, c->variables, text, sizeof text);
		if (vd_tts_say(text, NULL, &dl.prompt) != 0) dl.prompt = NULL;
	}
	struct inflight **pp = inflight_slot(d, call_id);
	*pp = f;
	d->ninflight++;
	t->inflight++;
	setup_enter(d, f);
	int err = vd_tel_dial(d->tel, &dl);
	vd_pcm_unref(dl.prompt);
	if (err && dl.rec) {
		vd_recorder_close(dl.rec, NULL);
		unlink(f->record_path);
	}
	if (err) {
		/* The telephony queue is full: the attempt ends as a failure
		 * right away and the failure rule decides. */
		struct vd_tel_event ev = {.type = VD_TEL_ENDED, .call_id = call_id, .ended_ms = now, .tech_failure = true};
		handle_event(d, &ev, false);
		flush_ends(d);
	}
}

/* Writes the batch of attempts in one transaction, then queues their
 * INVITEs: a kill -9 before the commit dials none of them, after it every
 * row is there for recovery. A client no longer pending (a cancel came
 * between the read and the claim) is skipped. */
static void flush_dials(struct vd_dialer *d, int64_t now)
{
	size_t n = d->nprep;
	if (!n) return;
	d->nprep = 0;
	int err = vd_store_attempts_begin(d->st, d->attempts, n, d->call_ids);
	if (err) vd_err("dialer", "cannot write %zu attempts (%d): their clients wait for a later pass", n, err);
	for (size_t i = 0; i < n; i++) {
		if (d->call_ids[i])
			start_call(d, &d->preps[i], d->call_ids[i], now);
		else
			vd_pacer_release(&d->preps[i].trunk->gate);
	}
}

/* Whether the batch holds a client of the task's prefetch. */
static bool task_in_batch(const struct vd_dialer *d, const struct task_rt *t)
{
	for (size_t i = 0; i < d->nprep; i++)
		if (d->preps[i].t == t) return true;
	return false;
}

/* Cancel with hang-up: end every call of the task in flight (once). */
static void hang_up_task(struct vd_dialer *d, struct task_rt *t)
{
	t->hung_up = true;
	unsigned n = 0;
	for (int i = 0; i < BUCKETS; i++) {
		for (struct inflight *f = d->buckets[i]; f; f = f->next) {
			if (f->task_id != t->id) continue;
			f->cut = true;
			if (vd_tel_hangup(d->tel, f->call_id) == 0) n++;
		}
	}
	vd_info("dialer", "task=%lld cancelled: hanging up %u calls", (long long)t->id, n);
}

static void dial_task(struct vd_dialer *d, struct task_rt *t, int64_t now)
{
	if (!strcmp(t->status, "cancelled")) {
		if (t->hangup && !t->hung_up) hang_up_task(d, t);
		return;
	}
	if (!t->ok || now < t->next_try_ms) return;
	if (!strcmp(t->status, "scheduled")) {
		if (t->tc->start_at_ms && now >= t->tc->start_at_ms &&
		    vd_store_res_set_status(d->st, VD_KIND_TASK, t->account_id, t->id, "scheduled", "running") == 0) {
			vd_info("dialer", "task=%lld scheduled start", (long long)t->id);
			snprintf(t->status, sizeof t->status, "running");
		}
		return;
	}
	if (strcmp(t->status, "running")) return;
	if (t->tc->has_window && !vd_window_is_open(&t->tc->window, &t->tc->zone, now / 1000)) {
		int64_t open_s;
		if (vd_window_next_open(&t->tc->window, &t->tc->zone, now / 1000, &open_s) == 0)
			t->next_try_ms = open_s * 1000;
		else
			t->next_try_ms = now + 60000;
		return;
	}
	while (d->ninflight + d->nprep < d->p.max_inflight && d->nsetup + d->nprep < d->p.max_setup) {
		if (t->idue >= t->ndue) {
			/* The batch points into the prefetch, and its clients are
			 * still pending in the store until it is written. */
			if (task_in_batch(d, t)) flush_dials(d, now);
			task_drop_due(t);
			if (vd_store_due_clients(d->st, t->id, now, PREFETCH, due_cb, t) != 0) return;
			if (t->ndue == 0) {
				/* Nobody due: look again in a moment rather than on
				 * every pass (new uploads and recalls wait <= 250 ms). */
				t->next_try_ms = now + 250;
				break;
			}
		}
		struct vd_due_client *c = &t->due[t->idue];
		/* the client's own time zone, when the file gave one */
		if (t->tc->has_window && c->timezone[0] && strcmp(c->timezone, t->tc->tz)) {
			struct vd_zone *z = malloc(sizeof *z);
			int64_t open_s = 0;
			bool open = true;
			if (z && vd_tz_zone_build(c->timezone, now / 1000 - 86400, now / 1000 + 14 * 86400, z) == 0 &&
			    !vd_window_is_open(&t->tc->window, z, now / 1000)) {
				open = false;
				if (vd_window_next_open(&t->tc->window, z, now / 1000, &open_s) != 0) open_s = now / 1000 + 3600;
			}
			free(z);
			if (!open) {
				if (vd_store_client_defer(d->st, c->row_id, open_s * 1000) != 0)
					vd_warn("dialer", "task=%lld cannot defer client=%lld", (long long)t->id, (long long)c->row_id);
				t->idue++;
				continue;
			}
		}
		if (d->nprep == DIALS_MAX) flush_dials(d, now);
		if (prep_one(d, t, c, now) != 0) return;
		t->idue++;
	}
	/* Nothing due: is the task finished? (A template waits for more.) */
	if (!t->is_template && t->inflight == 0 && now >= t->next_done_check_ms) {
		t->next_done_check_ms = now + 1000;
		int64_t left = 0;
		if (vd_store_task_unfinished(d->st, t->id, &left) == 0 && left == 0 &&
		    vd_store_res_set_status(d->st, VD_KIND_TASK, t->account_id, t->id, "running", "completed") == 0) {
			vd_info("dialer", "task=%lld completed", (long long)t->id);
			snprintf(t->status, sizeof t->status, "completed");
		}
	}
}

/* ---- the thread ---- */

/* One pass every PASS_MS rather than one per event: at 400 calls/s the
 * telephony thread sends ~1,200 events a second, and a pass per event
 * would make a transaction per event again. A pass at most PASS_MS late is
 * what the pacers' catch-up burst covers. */
static void *thread_main(void *arg)
{
	struct vd_dialer *d = arg;
	struct vd_tel_event *batch = malloc(sizeof *batch * EVENTS_MAX);
	if (!batch) return NULL;
	for (;;) {
		struct timespec due;
		clock_gettime(CLOCK_REALTIME, &due);
		due.tv_nsec += PASS_MS * 1000000L;
		if (due.tv_nsec >= 1000000000L) {
			due.tv_sec++;
			due.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&d->lock);
		size_t n = 0;
		while (n < EVENTS_MAX && d->evlen) {
			batch[n++] = d->evq[d->evhead];
			d->evhead = (d->evhead + 1) % d->evcap;
			d->evlen--;
		}
		bool quiesced = d->quiesced, stopping = d->stopping, more = d->evlen > 0;
		pthread_mutex_unlock(&d->lock);
		if (!n && stopping) break;

		for (size_t i = 0; i < n; i++) handle_event(d, &batch[i], quiesced);
		flush_ends(d);
		if (!quiesced) {
			int64_t now = now_ms();
			if (now - d->last_refresh_ms >= REFRESH_MS) refresh_tasks(d, now);
			setup_expire(d, now);
			/* When the channels or the telephony thread's backlog run
			 * short, the task that dials first would take all of it:
			 * take turns. */
			d->first_task++;
			for (int i = 0; i < d->ntasks; i++)
				dial_task(d, d->tasks[(d->first_task + (unsigned)i) % (unsigned)d->ntasks], now);
			flush_dials(d, now);
		}
		if (more) continue;
		pthread_mutex_lock(&d->lock);
		while (!d->stopping && d->quiesced == quiesced && d->evlen < EVENTS_MAX &&
		       pthread_cond_timedwait(&d->cond, &d->lock, &due) == 0) {
			/* woken early: a stop, a quiesce or a pile of events */
		}
		pthread_mutex_unlock(&d->lock);
	}
	free(batch);
	return NULL;
}

/* Attempts a crash left open become failures, decided by the recall rules
 * as any failure is; their clients leave in_progress. */
static int recover_one(void *arg, const struct vd_open_attempt *a)
{
	struct vd_dialer *d = arg;
	struct inflight f = {.call_id = a->call_id, .task_id = a->task_id, .account_id = a->account_id,
			     .client_row_id = a->client_row_id, .rc = a->rc, .answered_ms = a->answered_ms};
	if (f.rc.attempts > 0) f.rc.attempts--;   /* the claim already counted this attempt */
	struct vd_tel_event ev = {.type = VD_TEL_ENDED, .call_id = a->call_id,
				  .ended_ms = now_ms(), .answered_ms = a->answered_ms};
	close_attempt(d, &f, &ev, true);
	flush_ends(d);   /* `f` and `ev` end here */
	vd_warn("dialer", "task=%lld call=%lld was in flight at the last stop: closed as failure",
		(long long)a->task_id, (long long)a->call_id);
	return 0;
}

int vd_dialer_alloc(struct vd_dialer **out, const struct vd_dialer_params *p)
{
	struct vd_dialer *d = calloc(1, sizeof *d);
	if (!d) return -ENOMEM;
	d->p = *p;
	if (!d->p.max_inflight) d->p.max_inflight = 5000;
	if (!d->p.max_setup) d->p.max_setup = 100;
	d->st = p->store;
	snprintf(d->data_dir, sizeof d->data_dir, "%s", p->data_dir ? p->data_dir : "./data");
	d->evcap = (size_t)d->p.max_inflight * 3 + 64;
	d->evq = calloc(d->evcap, sizeof *d->evq);
	if (!d->evq) {
		free(d);
		return -ENOMEM;
	}
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->cond, NULL);
	*out = d;
	return 0;
}

int vd_dialer_run(struct vd_dialer *d, struct vd_tel *tel)
{
	d->tel = tel;
	refresh_tasks(d, now_ms());
	int err = vd_store_open_attempts(d->st, recover_one, d);
	if (err) vd_err("dialer", "cannot recover open attempts (%d)", err);
	if (pthread_create(&d->thread, NULL, thread_main, d) != 0) return -EAGAIN;
	pthread_setname_np(d->thread, "vd-dialer");
	d->running = true;
	return 0;
}

void vd_dialer_quiesce(struct vd_dialer *d)
{
	if (!d) return;
	pthread_mutex_lock(&d->lock);
	d->quiesced = true;
	pthread_cond_signal(&d->cond);
	pthread_mutex_unlock(&d->lock);
}

void vd_dialer_stop(struct vd_dialer *d)
{
	if (!d) return;
	pthread_mutex_lock(&d->lock);
	d->quiesced = true;
	d->stopping = true;
	pthread_cond_signal(&d->cond);
	pthread_mutex_unlock(&d->lock);
	if (d->running) pthread_join(d->thread, NULL);
	for (int i = 0; i < BUCKETS; i++) {
		while (d->buckets[i]) {
			struct inflight *f = d->buckets[i];
			d->buckets[i] = f->next;
			free(f);   /* its call row stays open: recovered as failure next start */
		}
	}
	for (int i = 0; i < d->ntasks; i++) task_free(d->tasks[i]);
	for (; d->evlen; d->evlen--, d->evhead = (d->evhead + 1) % d->evcap)
		vd_tel_event_release(&d->evq[d->evhead]);
	pthread_mutex_destroy(&d->lock);
	pthread_cond_destroy(&d->cond);
	free(d->evq);
	free(d);
}
