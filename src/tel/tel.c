/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The telephony loops: each is a thread running libre's event loop with its
 * own SIP stack (its own UDP/TCP port), the calls it places, and one media
 * ticker. Orders go to the loop a call's id picks (id modulo the number of
 * loops; an operator leg runs on its client leg's loop, so a bridge never
 * crosses threads). One loop saturated a core at ~430 calls/s set up or
 * ~1,000 bot calls held (bench/cps, bench/concurrent); libre keeps its
 * state per thread (re_thread_init), so loops share nothing but the
 * counters.
 *
 * Lifetimes: a call is created by a dial order and lives in its loop's calls
 * until it ends; ending (call_end) reports VD_TEL_ENDED once and moves it to
 * the loop's dead list, which the ticker frees on its next run: that releases the SIP
 * session (libre sends CANCEL before an answer, BYE after), so nothing is
 * freed inside its own callback. Calls hold no libre timers (see sweep).
 *
 * Media: every 1 ms the ticker serves one of 20 slots; each answered call
 * sits in one slot and sends a 20 ms G.711 packet when its monotonic
 * deadline is due. Spreading calls over the slots keeps packets from leaving
 * in bursts (shared/notes: 1000 calls, p99 send error 1.4 ms). A call's
 * deadlines fall on its slot's millisecond, so the send error measured
 * against them (|sent - deadline|, a histogram published every 200 ms to
 * vd_tel_stats) is the ticker's real lateness, not the slot offset. */
#include "tel/tel.h"
#include "core/rfc4733.h"
#include "media/asr.h"
#include "media/dtmf.h"
#include "media/pcm.h"
#include "media/recorder.h"
#include "media/tts.h"
#include "tel/bot.h"
#include "util/log.h"

#define HAVE_INTTYPES_H 1
#define HAVE_STDBOOL_H 1
#define HAVE_INET6 1
#include <re.h>

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <spandsp/telephony.h>
#include <spandsp/bit_operations.h>
#include <spandsp/g711.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define SLOTS 20
#define FRAME 160                 /* samples per 20 ms packet */
#define PROMPT_TAIL_US 300000     /* silence after the prompt before our BYE */
#define REC_LAG 1600              /* recorder write-behind: 200 ms of jitter room */
#define REC_FLUSH 4000            /* write the recording out every 500 ms, not
				   * every packet: 50 writes/s per call were a
				   * fifth of the loop at 1000 calls (perf) */
#define STATS_PUBLISH_US 200000   /* how often the loop copies its counters out */
#define SIP_HASH 4096             /* buckets for transactions and sessions */
#define SIP_RCVBUF (2 << 20)      /* SIP UDP receive buffer, bytes */
#define SWEEP_MS 10               /* ring timeout and maximum duration resolution */
#define RELAY 2048                /* bridge: samples from the other leg (256 ms ring) */
#define RELAY_MAX 960             /* ... of which at most 120 ms wait: older ones go */

enum { MQ_DIAL = 1, MQ_HANGUP, MQ_STOP, MQ_PROMPT, MQ_HEARD, MQ_TRANSFER };

/* An answer from a worker thread to one call's bot, through the mqueue.
 * Every reply is on the telephony's list until freed, so the ones still in
 * the mqueue's pipe when the thread stops are freed too. */
struct reply {
	struct reply *prev, *next;
	struct vd_tel *tel;
	struct loop *lp;          /* the call's loop: where the reply is queued */
	int64_t call_id;
	uint32_t seq;
	struct vd_pcm *pcm;       /* MQ_PROMPT */
	char *text;               /* MQ_HEARD */
};

struct xfer_order {
	int64_t call_id;
	size_t n;
	struct vd_tel_target t[];
};

struct call {
	struct le le;
	struct le slot_le;
	struct vd_tel *tel;
	struct loop *lp;          /* the loop that owns the call */
	struct vd_dial d;
	struct sipsess *sess;
	struct sdp_session *sdp;
	struct sdp_media *sdpm;
	struct rtp_sock *rtp;
	struct sa raddr;
	int pt;                   /* 0 PCMU, 8 PCMA, -1 unknown */
	int te_pt;                /* the peer's telephone-event payload type, -1 none */
	struct vd_rfc4733_rx te;  /* RFC 4733 key presses */
	struct vd_dtmf *dtmf;     /* in-band key presses (calls with a bot) */
	uint64_t ring_deadline_us; /* monotonic: CANCEL if not answered by then */
	uint64_t max_deadline_us;  /* monotonic: BYE if still talking then */
	struct sa rtcp_peer;      /* where our sender reports go (unset: none) */
	uint64_t rtcp_next_us;    /* monotonic: the next sender report */
	struct vd_recorder *rec;
	bool rec_handback;        /* rec is the order's: the ENDED event returns it */
	uint64_t answer_us;       /* monotonic time of the answer */
	uint64_t next_send_us;
	uint64_t tx_pos;          /* samples sent since the answer */
	uint64_t rec_flushed;     /* tx_pos at the last recorder flush */
	size_t prompt_pos;
	uint64_t prompt_done_us;
	uint32_t ts, ssrc_ts0;
	bool marker;
	bool rx_started;
	uint32_t rx_ts0;
	uint64_t rx_pos0;
	uint64_t last_rx_us;
	int64_t progress_ms, answered_ms;
	bool got_response;
	bool ended;
	int slot;
	/* the bot (calls of a task with a script) */
	struct vd_bot *bot;
	char *vars_json;          /* owned: the client's variables */
	bool bot_hangup;          /* the bot is done: end after this frame */
	struct vd_asr_stream *asr_st; /* the bot's utterance being recognized */
	bool asr_none;            /* ... none: heard as no words at its end */
	uint32_t asr_seq;
	/* transfers: leg A holds the targets; a leg B belongs to its leg A */
	struct call *peer;        /* the other leg (set from the start of a leg B) */
	bool leg_b;
	bool bridged;             /* both legs talking: media relayed */
	struct vd_tel_target *xt; /* targets still to try (leg A), owned */
	size_t xn, xi;
	bool xfer_busy;           /* xfer_next is on the stack */
	uint16_t relay_r, relay_w; /* masks of RELAY: the peer's audio to send */
	int16_t *relay;
};

/* One telephony thread. Everything but the start/stop handshake and the
 * published counters is touched by its own thread only. */
struct loop {
	struct vd_tel *tel;
	pthread_t thread;
	bool ready;               /* under tel->lock: listening (or failed) */
	int start_err;
	struct mqueue *mq;
	struct sip *sip;
	struct sipsess_sock *sock;
	struct list calls;
	struct list dead;         /* ended, waiting for their deferred free */
	struct list slots[SLOTS];
	int next_slot;
	int tick_fd;              /* timerfd driving the ticker, -1: none */
	bool tick_fast;           /* every 1 ms (calls talking), else every SWEEP_MS */
	unsigned talking;         /* calls in a media slot */
	struct tmr stop_tmr;
	uint64_t last_tick_ms;
	uint16_t want_port, sip_port;
	struct mbuf *txbuf;
	struct mbuf *rtcpbuf;
	struct vd_tel_stats live; /* this loop's thread only */
	uint64_t published_us;
	pthread_mutex_t stats_lock;
	struct vd_tel_stats snap; /* under stats_lock */
};

struct vd_tel {
	struct vd_tel_params p;
	char sip_addr[64];
	pthread_mutex_t lock;     /* the loops' start and stop handshakes */
	pthread_cond_t cond;
	unsigned nstopped;        /* loops out of their event loop */
	bool release;             /* the workers are quiet: loops may free */
	unsigned active;          /* atomic */
	unsigned nloops;
	struct loop *loops;
	/* the recognizer: loaded by asr_thread, published once ready */
	struct vd_asr *asr;       /* atomic pointer */
	pthread_t asr_thread;
	bool asr_loading;
	char asr_engine[32], asr_url[512];
	pthread_mutex_t replies_lock;
	struct reply *replies;    /* under replies_lock */
};

static struct call *call_start(struct loop *l, const struct vd_dial *d, struct call *parent);
static void xfer_next(struct call *a);

static uint64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct call *call_find(struct loop *l, int64_t id)
{
	for (struct le *le = l->calls.head; le; le = le->next) {
		struct call *c = le->data;
		if (c->d.call_id == id && !c->ended) return c;
	}
	return NULL;
}

static void call_free(void *arg)
{
	struct call *c = arg;
	list_unlink(&c->le);
	c->sess = mem_deref(c->sess);
	c->rtp = mem_deref(c->rtp);
	c->sdp = mem_deref(c->sdp);
	vd_pcm_unref(c->d.prompt);
	vd_bot_plan_unref(c->d.plan);
	vd_bot_free(c->bot);
	vd_dtmf_free(c->dtmf);
	free(c->vars_json);
	free(c->xt);
	free(c->relay);
	free(c);
}

static void end_simple_fwd(struct call *c);

/* Reports the end (once) and moves the call to the dead list, which the
 * ticker frees on its next run (within 1 ms, outside any libre callback),
 * releasing the SIP session and media. `ev` carries the reason flags and
 * code. */
static void call_end(struct call *c, struct vd_tel_event *ev)
{
	if (c->ended) return;
	c->ended = true;
	struct vd_tel *t = c->tel;
	if (c->slot >= 0) {
		list_unlink(&c->slot_le);
		c->lp->talking--;
	}
	list_unlink(&c->le);
	list_append(&c->lp->dead, &c->le, c);
	__atomic_sub_fetch(&t->active, 1, __ATOMIC_RELAXED);

	struct call *peer = c->peer;
	c->peer = NULL;
	if (c->leg_b) {
		/* An operator leg: the client's leg hears of it, not the dialer.
		 * Bridged, the operator hanging up ends the call; still
		 * ringing, the next target is tried. */
		if (peer) {
			peer->peer = NULL;
			if (peer->bridged) {
				end_simple_fwd(peer);
			} else {
				peer->xi++;
				xfer_next(peer);
			}
		}
		if (c->rec) vd_recorder_close(c->rec, NULL);
		c->rec = NULL;
		return;
	}
	if (peer) {
		peer->peer = NULL;
		end_simple_fwd(peer);
	}
	if (c->bot) {
		if (ev->remote_hangup || ev->media_dead) vd_bot_hangup(c->bot);
		ev->bot = malloc(sizeof *ev->bot);
		if (ev->bot) vd_bot_result(c->bot, ev->bot);
	}

	ev->type = VD_TEL_ENDED;
	ev->call_id = c->d.call_id;
	ev->t_ms = wall_ms();
	ev->ended_ms = ev->t_ms;
	ev->progress_ms = c->progress_ms;
	ev->answered_ms = c->answered_ms;
	ev->answered = c->answered_ms != 0;
	if (c->rec && c->rec_handback) {
		ev->rec = c->rec;          /* closed by the receiver, off this thread */
		c->rec = NULL;
	} else if (c->rec) {
		uint64_t n = 0;
		if (vd_recorder_close(c->rec, &n) == 0) ev->recorded_ms = (int64_t)(n / 8);
		c->rec = NULL;
	} else if (c->d.rec) {
		ev->rec = c->d.rec;        /* never answered: nothing in it */
		c->d.rec = NULL;
	}
	/* The session and sockets are released by call_free from the
	 * ticker, outside any libre callback: releasing the session sends
	 * CANCEL (after a 1xx) or BYE (after the answer); when the far end
	 * already closed it, nothing is sent. */
	t->p.evh(ev, t->p.arg);
}

static void end_simple(struct call *c, bool remote, bool media_dead, bool tech)
{
	struct vd_tel_event ev = {.remote_hangup = remote, .media_dead = media_dead, .tech_failure = tech};
	call_end(c, &ev);
}

/* Ends the other leg of a transfer: we hang it up. */
static void end_simple_fwd(struct call *c)
{
	end_simple(c, false, false, false);
}

/* ---- media ---- */

/* Bridge: the other leg's audio, queued for this leg's next frames. The
 * queue is bounded to RELAY_MAX so a peer sending faster than we do (clock
 * drift, a burst after a stall) cannot build up delay. */
static void relay_put(struct call *c, const int16_t *pcm, size_t n)
{
	if (!c->relay) return;
	for (size_t i = 0; i < n; i++) c->relay[c->relay_w++ & (RELAY - 1)] = pcm[i];
	if ((uint16_t)(c->relay_w - c->relay_r) > RELAY_MAX) c->relay_r = (uint16_t)(c->relay_w - RELAY_MAX);
}

static void relay_take(struct call *c, int16_t *pcm)
{
	size_t i = 0;
	for (; i < FRAME && c->relay_r != c->relay_w; i++) pcm[i] = c->relay[c->relay_r++ & (RELAY - 1)];
	memset(pcm + i, 0, (FRAME - i) * sizeof *pcm);
}

static void rtp_recv(const struct sa *src, const struct rtp_header *hdr, struct mbuf *mb, void *arg)
{
	(void)src;
	struct call *c = arg;
	if (c->ended || !c->answer_us) return;
	c->lp->live.rtp_received++;
	if (c->te_pt >= 0 && hdr->pt == c->te_pt) {
		int digit = vd_rfc4733_rx_packet(&c->te, mbuf_buf(mb), mbuf_get_left(mb), hdr->ts, hdr->m);
		if (digit > 0 && c->bot && !c->bridged) vd_bot_dtmf(c->bot, (char)digit, mono_us());
		c->last_rx_us = mono_us();
		return;
	}
	if (hdr->pt != 0 && hdr->pt != 8) return;   /* comfort noise... */
	size_t n = mbuf_get_left(mb);
	if (n == 0 || n > 480) return;
	const uint8_t *p = mbuf_buf(mb);
	int16_t pcm[480];
	for (size_t i = 0; i < n; i++)
		pcm[i] = hdr->pt == 0 ? ulaw_to_linear(p[i]) : alaw_to_linear(p[i]);
	uint64_t now = mono_us();
	c->last_rx_us = now;
	if (!c->rx_started) {
		c->rx_started = true;
		c->rx_ts0 = hdr->ts;
		c->rx_pos0 = (now - c->answer_us) * 8 / 1000;
	}
	uint64_t pos = c->rx_pos0 + (uint32_t)(hdr->ts - c->rx_ts0);
	if (c->rec) vd_recorder_put(c->rec, pos, pcm, n);
	if (c->bridged && c->peer) {
		relay_put(c->peer, pcm, n);
	} else if (c->bot) {
		vd_bot_rx(c->bot, pcm, n, now);
		char digits[8];
		/* In-band keys are looked for only while the script listens
		 * (vd_bot_dtmf ignores them otherwise): the detector was 6% of
		 * a loop at 1000 calls (perf, bench/concurrent). */
		if (c->dtmf && vd_bot_listening(c->bot) &&
		    vd_dtmf_feed(c->dtmf, pcm, n, digits, sizeof digits) > 0)
			for (const char *d = digits; *d && c->bot; d++) vd_bot_dtmf(c->bot, *d, now);
	}
}

static void rtcp_recv(const struct sa *src, struct rtcp_msg *msg, void *arg)
{
	(void)src;
	(void)msg;
	struct call *c = arg;
	c->last_rx_us = mono_us();   /* RTCP alone also proves the peer is alive */
}

/* Sends one 20 ms frame: the prompt while it lasts, then silence. */
static void send_frame(struct call *c, uint64_t now)
{
	int16_t pcm[FRAME];
	if (c->bridged || c->leg_b) {
		relay_take(c, pcm);
	} else if (c->bot) {
		if (vd_bot_tx(c->bot, pcm, now) == VD_BOT_HANGUP) c->bot_hangup = true;
	} else {
		size_t have = 0;
		if (c->d.prompt && c->prompt_pos < c->d.prompt->nsamples) {
			have = c->d.prompt->nsamples - c->prompt_pos;
			if (have > FRAME) have = FRAME;
			memcpy(pcm, c->d.prompt->samples + c->prompt_pos, have * sizeof(int16_t));
			c->prompt_pos += have;
		}
		memset(pcm + have, 0, (FRAME - have) * sizeof(int16_t));
		if (!c->prompt_done_us && (!c->d.prompt || c->prompt_pos >= c->d.prompt->nsamples))
			c->prompt_done_us = now;
	}

	struct mbuf *mb = c->lp->txbuf;
	mb->pos = RTP_HEADER_SIZE;
	mb->end = RTP_HEADER_SIZE;
	uint8_t *dst = mb->buf + RTP_HEADER_SIZE;
	for (int i = 0; i < FRAME; i++)
		dst[i] = c->pt == 8 ? linear_to_alaw(pcm[i]) : linear_to_ulaw(pcm[i]);
	mb->end = RTP_HEADER_SIZE + FRAME;
	if (sa_isset(&c->raddr, SA_ALL)) {
		int err = rtp_send(c->rtp, &c->raddr, false, c->marker, (uint8_t)(c->pt < 0 ? 0 : c->pt),
				   c->ts, mb);
		(void)err;   /* a lost packet is noise, not a call failure; the peer's
			      * silence is caught by the inactivity timeout */
	}
	c->marker = false;
	if (c->rec) {
		vd_recorder_put(c->rec, c->tx_pos, pcm, FRAME);
		if (c->tx_pos > REC_LAG && c->tx_pos - c->rec_flushed >= REC_FLUSH) {
			vd_recorder_flush(c->rec, c->tx_pos - REC_LAG);
			c->rec_flushed = c->tx_pos;
		}
	}
	c->tx_pos += FRAME;
	c->ts += FRAME;
}

/* Counts one packet's send error (|sent - deadline|, µs) into the
 * histogram. Telephony thread only: no lock. */
static void count_send(struct loop *l, uint64_t deadline_us, uint64_t sent_us)
{
	uint64_t err = sent_us > deadline_us ? sent_us - deadline_us : deadline_us - sent_us;
	uint64_t b = err / VD_TEL_ERR_BUCKET_US;
	struct vd_tel_stats *s = &l->live;
	s->send_err_hist[b < VD_TEL_ERR_BUCKETS ? b : VD_TEL_ERR_BUCKETS]++;
	s->send_err_count++;
	s->send_err_sum_us += err;
	if (err > s->send_err_max_us) s->send_err_max_us = err;
	s->rtp_sent++;
}

/* Copies the live counters for vd_tel_stats: one lock every 200 ms. */
static void stats_publish(struct loop *l, uint64_t now)
{
	if (now - l->published_us < STATS_PUBLISH_US) return;
	l->published_us = now;
	pthread_mutex_lock(&l->stats_lock);
	l->snap = l->live;
	pthread_mutex_unlock(&l->stats_lock);
}

static void serve_slot(struct loop *l, int slot, uint64_t now)
{
	struct le *le = l->slots[slot].head;
	while (le) {
		struct call *c = le->data;
		le = le->next;   /* c may end below */
		if (now + 500 < c->next_send_us) continue;
		uint64_t deadline = c->next_send_us;
		send_frame(c, now);
		count_send(l, deadline, mono_us());
		/* After a stall of a whole period or more (a slow disk, a
		 * starved core) do not stay late or burst the missed packets:
		 * skip to the current period, on the slot's millisecond. The
		 * late packet was counted. */
		if (now >= deadline + 20000) c->next_send_us += (now - deadline) / 20000 * 20000;
		c->next_send_us += 20000;
		uint32_t timeout_us = l->tel->p.rtp_timeout_s * 1000000u;
		uint64_t last = c->last_rx_us ? c->last_rx_us : c->answer_us;
		if (timeout_us && now - last > timeout_us) {
			vd_info("tel", "call=%lld no RTP for %us: hanging up", (long long)c->d.call_id,
				l->tel->p.rtp_timeout_s);
			end_simple(c, false, true, false);
		} else if (c->bot_hangup) {
			end_simple(c, false, false, false);
		} else if (!c->bot && !c->leg_b && !c->bridged && c->prompt_done_us &&
			   now - c->prompt_done_us >= PROMPT_TAIL_US) {
			end_simple(c, false, false, false);
		}
	}
}

static void ring_timeout_h(struct call *c);
static void max_call_h(struct call *c);

/* RFC 3550 6.3: 5 s, randomized over [0.5, 1.5] so calls answered
 * together do not report together. */
static uint64_t rtcp_interval_us(void)
{
	return 2500000u + rand_u32() % 5000000u;
}

static int sdes_cname(struct mbuf *mb, void *arg)
{
	const struct call *c = arg;
	return rtcp_sdes_encode(mb, rtp_sess_ssrc(c->rtp), 1, RTCP_SDES_CNAME, "voxdial");
}

/* One compound RTCP packet (SR + SDES CNAME) for a talking call. Sent from
 * the sweep rather than libre's rtcp_start: its per-call timer goes into
 * libre's sorted timer list, which every insertion walks (bench/cps). */
static void rtcp_report(struct loop *l, struct call *c)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint32_t ntp_sec = (uint32_t)((uint64_t)ts.tv_sec + 2208988800u);   /* since 1900 */
	uint32_t ntp_frac = (uint32_t)(((uint64_t)ts.tv_nsec << 32) / 1000000000u);
	uint32_t packets = (uint32_t)(c->tx_pos / FRAME);
	struct mbuf *mb = l->rtcpbuf;
	mb->pos = mb->end = 0;
	int err = rtcp_encode(mb, RTCP_SR, 0, rtp_sess_ssrc(c->rtp), ntp_sec, ntp_frac, c->ts, packets,
			      (uint32_t)c->tx_pos, NULL, NULL);
	if (!err) err = rtcp_encode(mb, RTCP_SDES, 1, sdes_cname, c);
	mb->pos = 0;
	if (!err) (void)udp_send(rtcp_sock(c->rtp), &c->rtcp_peer, mb);   /* a lost report is no failure */
}

/* Ring timeouts and maximum durations, checked by a sweep instead of two
 * libre timers per call: libre keeps timers in one sorted linked list that
 * every tmr_start walks (the 1 ms ticker's too), and with thousands of
 * calls' 10 s and 1 h timers in it those walks cost half the loop at 300
 * calls/s (perf, bench/cps). */
static void sweep(struct loop *l, uint64_t now)
{
	struct le *le = l->calls.head;
	while (le) {
		struct call *c = le->data;
		le = le->next;   /* c may end below */
		if (!c->answer_us && now >= c->ring_deadline_us) ring_timeout_h(c);
		else if (c->answer_us && now >= c->max_deadline_us) max_call_h(c);
		else if (c->rtcp_next_us && now >= c->rtcp_next_us && !c->ended) {
			rtcp_report(l, c);
			c->rtcp_next_us = now + rtcp_interval_us();
		}
	}
}

/* The 1 ms ticker. It runs from a timerfd in libre's epoll set rather
 * than a libre timer: libre keeps timers in one sorted list that tmr_start
 * walks from the far end, and every SIP transaction's timers sit there, so
 * re-arming a 1 ms timer walked all of them a thousand times a second
 * (9% of the loop at 1000 calls, perf). With no call talking it ticks every
 * SWEEP_MS only: four idle loops at 1 kHz cost 8% of a core. */
static void ticker_rate(struct loop *l, bool fast)
{
	if (l->tick_fast == fast || l->tick_fd < 0) return;
	long ns = fast ? 1000000L : SWEEP_MS * 1000000L;
	struct itimerspec its = {.it_interval = {0, ns}, .it_value = {0, ns}};
	if (timerfd_settime(l->tick_fd, 0, &its, NULL) == 0) l->tick_fast = fast;
}

static void ticker(int flags, void *arg)
{
	(void)flags;
	struct loop *l = arg;
	uint64_t expirations;
	if (read(l->tick_fd, &expirations, sizeof expirations) < 0) {
		/* EAGAIN: a spurious wake-up; the work below is still due */
	}
	/* Free the calls that ended since the last tick: never inside the
	 * libre callback that ended them. */
	while (l->dead.head) call_free(l->dead.head->data);
	uint64_t now = mono_us();
	uint64_t ms = now / 1000;
	if (ms / SWEEP_MS != l->last_tick_ms / SWEEP_MS) sweep(l, now);
	if (!l->last_tick_ms || ms - l->last_tick_ms > SLOTS) l->last_tick_ms = ms - 1;
	for (uint64_t m = l->last_tick_ms + 1; m <= ms; m++) serve_slot(l, (int)(m % SLOTS), now);
	l->last_tick_ms = ms;
	stats_publish(l, now);
	if (!l->talking) ticker_rate(l, false);
}

static int ticker_start(struct loop *l)
{
	l->tick_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (l->tick_fd < 0) return errno;
	l->tick_fast = true;
	ticker_rate(l, false);
	if (l->tick_fast) return errno;
	return fd_listen(l->tick_fd, FD_READ, ticker, l);
}

static void ticker_stop(struct loop *l)
{
	if (l->tick_fd < 0) return;
	fd_close(l->tick_fd);
	close(l->tick_fd);
	l->tick_fd = -1;
}

/* ---- the bot's requests ---- */

static struct reply *reply_new(struct call *c, uint32_t seq)
{
	struct reply *r = calloc(1, sizeof *r);
	if (!r) return NULL;
	struct vd_tel *t = c->tel;
	r->tel = t;
	r->lp = c->lp;
	r->call_id = c->d.call_id;
	r->seq = seq;
	pthread_mutex_lock(&t->replies_lock);
	r->next = t->replies;
	if (t->replies) t->replies->prev = r;
	t->replies = r;
	pthread_mutex_unlock(&t->replies_lock);
	return r;
}

static void reply_free(struct reply *r)
{
	struct vd_tel *t = r->tel;
	pthread_mutex_lock(&t->replies_lock);
	if (r->prev) r->prev->next = r->next;
	else t->replies = r->next;
	if (r->next) r->next->prev = r->prev;
	pthread_mutex_unlock(&t->replies_lock);
	vd_pcm_unref(r->pcm);
	free(r->text);
	free(r);
}

/* On the prompt worker: hand the audio to the telephony thread. */
static void synth_done(struct vd_pcm *pcm, int err, void *arg)
{
	struct reply *r = arg;
	if (err == -ECANCELED) {   /* the thread is stopping */
		reply_free(r);
		return;
	}
	r->pcm = vd_pcm_ref(pcm);
	if (mqueue_push(r->lp->mq, MQ_PROMPT, r) != 0) reply_free(r);
}

static void bot_synth(void *arg, uint32_t seq, const char *text)
{
	struct call *c = arg;
	struct reply *r = reply_new(c, seq);
	if (!r) return;
	if (vd_tts_async(text, NULL, synth_done, r, c->tel) != 0) {
		/* no synthesis: the bot skips the prompt (answered through the
		 * queue, never from inside the bot's own call) */
		if (mqueue_push(c->lp->mq, MQ_PROMPT, r) != 0) reply_free(r);
	}
}

/* On an ASR worker: hand the text to the telephony thread. */
static void heard(uint64_t tag, const char *text, int err, void *arg)
{
	(void)tag;
	struct reply *r = arg;
	if (err == -ECANCELED) {   /* the bot dropped it, or the recognizer is closing */
		reply_free(r);
		return;
	}
	r->text = strdup(err || !text ? "" : text);
	if (mqueue_push(r->lp->mq, MQ_HEARD, r) != 0) reply_free(r);
}

/* The bot's utterance, streamed to the recognizer while the callee
 * speaks (media/asr.h); its text comes back through heard(). */
static bool bot_listen_begin(void *arg, uint32_t seq, const char *const *kw, size_t nkw)
{
	struct call *c = arg;
	c->asr_seq = seq;
	c->asr_none = true;
	struct reply *r = reply_new(c, seq);
	if (!r) return false;
	struct vd_asr *asr = __atomic_load_n(&c->tel->asr, __ATOMIC_ACQUIRE);
	if (asr && vd_asr_stream_begin(asr, &c->asr_st, (uint64_t)c->d.call_id, kw, nkw, heard, r) == 0) {
		c->asr_none = false;
		return vd_asr_stream_live(c->asr_st);
	}
	reply_free(r);
	return false;
}

static void bot_listen_feed(void *arg, const int16_t *pcm, size_t n)
{
	struct call *c = arg;
	/* an error (longer than the recognizer takes) only shortens the utterance */
	if (c->asr_st) (void)vd_asr_stream_feed(c->asr_st, pcm, n);
}

static void bot_listen_end(void *arg)
{
	struct call *c = arg;
	if (c->asr_st) {
		vd_asr_stream_end(c->asr_st);
		c->asr_st = NULL;
		return;
	}
	if (!c->asr_none) return;
	/* No recognizer (none configured, still loading, all busy): the
	 * utterance is heard as no words, through the queue as always. */
	c->asr_none = false;
	struct reply *r = reply_new(c, c->asr_seq);
	if (r && mqueue_push(c->lp->mq, MQ_HEARD, r) != 0) reply_free(r);
}

static void bot_listen_cancel(void *arg)
{
	struct call *c = arg;
	vd_asr_stream_cancel(c->asr_st);   /* heard() gets -ECANCELED */
	c->asr_st = NULL;
	c->asr_none = false;
}

static void bot_transfer(void *arg, const struct vd_bot_transfer *x)
{
	struct call *c = arg;
	struct vd_tel_event ev = {.type = VD_TEL_TRANSFER, .call_id = c->d.call_id, .t_ms = wall_ms()};
	ev.xfer.type = (int)x->type;
	ev.xfer.route_id = x->route_id;
	ev.xfer.dial_plan_id = x->dial_plan_id;
	snprintf(ev.xfer.number, sizeof ev.xfer.number, "%s", x->number);
	c->tel->p.evh(&ev, c->tel->p.arg);
}

static void bot_latency(void *arg, uint64_t us)
{
	struct call *c = arg;
	struct vd_tel_stats *s = &c->lp->live;
	uint64_t b = us / 1000;
	s->bot_resp_hist[b < VD_TEL_BOT_BUCKETS ? b : VD_TEL_BOT_BUCKETS]++;
	s->bot_responses++;
}

static void bot_start(struct call *c, uint64_t now)
{
	struct vd_bot_io io = {.arg = c, .synth = bot_synth, .listen_begin = bot_listen_begin,
			       .listen_feed = bot_listen_feed, .listen_end = bot_listen_end,
			       .listen_cancel = bot_listen_cancel, .transfer = bot_transfer,
			       .latency = bot_latency};
	if (vd_dtmf_alloc(&c->dtmf) != 0) c->dtmf = NULL;   /* RFC 4733 still works */
	if (vd_bot_start(&c->bot, c->d.plan, c->vars_json, &io, now) != 0) {
		vd_warn("tel", "call=%lld the bot cannot start", (long long)c->d.call_id);
		c->bot_hangup = true;
	}
}

/* Dials the next transfer target of leg A, or tells its bot that the
 * transfer failed. */
static void xfer_next(struct call *a)
{
	if (a->xfer_busy) return;   /* a leg that failed at once: the loop below goes on */
	a->xfer_busy = true;
	while (a->xi < a->xn && !a->ended) {
		const struct vd_tel_target *x = &a->xt[a->xi];
		struct vd_dial d = {.call_id = -a->d.call_id, .port = x->port, .tcp = x->tcp,
				    .ring_timeout_s = x->ring_timeout_s ? x->ring_timeout_s : 30, .max_call_s = 3600};
		snprintf(d.host, sizeof d.host, "%s", x->host);
		snprintf(d.username, sizeof d.username, "%s", x->username);
		snprintf(d.password, sizeof d.password, "%s", x->password);
		snprintf(d.from_domain, sizeof d.from_domain, "%s", x->from_domain);
		snprintf(d.dial_string, sizeof d.dial_string, "%s", x->dial_string);
		snprintf(d.caller_id, sizeof d.caller_id, "%s", a->d.phone[0] ? a->d.phone : a->d.caller_id);
		vd_info("tel", "call=%lld transfer to %s@%s:%u", (long long)a->d.call_id, d.dial_string, d.host, d.port);
		size_t tried = a->xi;
		if (call_start(a->lp, &d, a)) {   /* ringing; its end comes back here */
			a->xfer_busy = false;
			return;
		}
		if (a->xi == tried) a->xi++;
	}
	a->xfer_busy = false;
	if (a->ended || !a->bot) return;
	a->xn = a->xi = 0;
	vd_bot_transfer_result(a->bot, false, NULL, mono_us());
}

/* ---- SIP session callbacks ---- */

static int auth_h(char **user, char **pass, const char *realm, void *arg)
{
	(void)realm;
	struct call *c = arg;
	if (!c->d.username[0]) return EAUTH;
	int err = str_dup(user, c->d.username);
	if (!err) err = str_dup(pass, c->d.password);
	return err;
}

static int media_from_sdp(struct call *c)
{
	const struct sdp_format *fmt = sdp_media_rformat(c->sdpm, NULL);
	if (!fmt) return EPROTO;
	if (!strcasecmp(fmt->name, "PCMU")) c->pt = 0;
	else if (!strcasecmp(fmt->name, "PCMA")) c->pt = 8;
	else return EPROTO;
	c->raddr = *sdp_media_raddr(c->sdpm);
	const struct sdp_format *te = sdp_media_rformat(c->sdpm, "telephone-event");
	c->te_pt = te ? te->pt : -1;
	return 0;
}

static int offer_h(struct mbuf **descp, const struct sip_msg *msg, void *arg)
{
	struct call *c = arg;
	int err = sdp_decode(c->sdp, msg->mb, true);
	if (!err) err = media_from_sdp(c);
	if (!err) err = sdp_encode(descp, c->sdp, false);
	return err;
}

static int answer_h(const struct sip_msg *msg, void *arg)
{
	struct call *c = arg;
	int err = sdp_decode(c->sdp, msg->mb, false);
	if (!err) err = media_from_sdp(c);
	if (err) vd_warn("tel", "call=%lld unusable SDP answer", (long long)c->d.call_id);
	return err;
}

static void progress_h(const struct sip_msg *msg, void *arg)
{
	struct call *c = arg;
	if (c->ended) return;   /* ended (ring timeout, hang-up), not yet freed */
	c->got_response = true;
	if (msg->scode < 180 || c->progress_ms) return;
	c->progress_ms = wall_ms();
	/* Early media (183 with SDP) is not passed to answer_h: take it here. */
	if (mbuf_get_left(msg->mb) && msg_ctype_cmp(&msg->ctyp, "application", "sdp") &&
	    sdp_decode(c->sdp, msg->mb, false) == 0)
		(void)media_from_sdp(c);
	if (c->leg_b) return;
	struct vd_tel_event ev = {.type = VD_TEL_PROGRESS, .call_id = c->d.call_id, .t_ms = c->progress_ms,
				  .progress_ms = c->progress_ms};
	c->tel->p.evh(&ev, c->tel->p.arg);
}

static void max_call_h(struct call *c)
{
	vd_info("tel", "call=%lld reached its maximum duration", (long long)c->d.call_id);
	end_simple(c, false, false, false);
}

static void estab_h(const struct sip_msg *msg, void *arg)
{
	(void)msg;
	struct call *c = arg;
	struct vd_tel *t = c->tel;
	struct loop *l = c->lp;
	/* A 200 that arrives after the call ended (its ring timeout passed in
	 * the same loop pass) must not put it in a slot: it is freed on the
	 * next tick, and freeing releases the session, which sends the BYE. */
	if (c->ended) return;
	c->got_response = true;
	c->answered_ms = wall_ms();
	c->answer_us = mono_us();
	c->marker = true;
	l->live.calls_answered++;
	if (c->pt < 0) {
		vd_warn("tel", "call=%lld answered without a usable codec", (long long)c->d.call_id);
		end_simple(c, false, false, true);
		return;
	}
	if (c->leg_b) {
		struct call *a = c->peer;
		if (!a || a->ended || a->peer != c) {
			end_simple(c, false, false, false);
			return;
		}
		c->relay = calloc(RELAY, sizeof *c->relay);
		a->relay = calloc(RELAY, sizeof *a->relay);
		c->bridged = a->bridged = true;
		l->live.transfers++;
		if (a->bot) vd_bot_transfer_result(a->bot, true, c->d.dial_string, c->answer_us);
	} else if (c->d.plan) {
		bot_start(c, c->answer_us);
	}
	if (c->d.rec) {
		c->rec = c->d.rec;   /* the dialer's: handed back at the end */
		c->d.rec = NULL;
		c->rec_handback = true;
	} else if (c->d.record_path[0] && vd_recorder_open(&c->rec, c->d.record_path) != 0)
		vd_warn("tel", "call=%lld cannot record to %s", (long long)c->d.call_id, c->d.record_path);
	/* RTCP sender reports to the peer's RTCP address (a=rtcp, else RTP
	 * port + 1: RFC 3550 section 11, RFC 3605), sent by the sweep. */
	sdp_media_raddr_rtcp(c->sdpm, &c->rtcp_peer);
	if (sa_isset(&c->rtcp_peer, SA_ALL)) c->rtcp_next_us = c->answer_us + rtcp_interval_us() / 2;
	c->slot = l->next_slot;
	l->next_slot = (l->next_slot + 1) % SLOTS;
	list_append(&l->slots[c->slot], &c->slot_le, c);
	l->talking++;
	ticker_rate(l, true);
	/* The first deadline is the start of the next millisecond the ticker
	 * serves this slot in (at most 20 ms away), so every deadline after
	 * it is one the ticker can meet to the millisecond. */
	uint64_t ms = c->answer_us / 1000 + 1;
	c->next_send_us = (ms + (uint64_t)((c->slot - (int)(ms % SLOTS) + SLOTS) % SLOTS)) * 1000;
	c->max_deadline_us = c->answer_us + (uint64_t)(c->d.max_call_s ? c->d.max_call_s : 3600) * 1000000u;
	if (c->leg_b) return;
	struct vd_tel_event ev = {.type = VD_TEL_ANSWERED, .call_id = c->d.call_id, .t_ms = c->answered_ms,
				  .progress_ms = c->progress_ms, .answered_ms = c->answered_ms};
	t->p.evh(&ev, t->p.arg);
}

static void close_h(int err, const struct sip_msg *msg, void *arg)
{
	struct call *c = arg;
	struct vd_tel_event ev = {0};
	if (msg && msg->scode >= 300) {
		ev.sip_code = msg->scode;
	} else if (err == ECONNRESET) {
		ev.remote_hangup = true;   /* BYE from the callee */
	} else if (err == ETIMEDOUT && !c->got_response) {
		ev.no_response = true;
	} else if (err) {
		ev.tech_failure = !c->answered_ms;
		ev.remote_hangup = c->answered_ms != 0;
	}
	call_end(c, &ev);
}

static void ring_timeout_h(struct call *c)
{
	struct vd_tel_event ev = {.ring_timeout = c->got_response, .no_response = !c->got_response};
	call_end(c, &ev);   /* mem_deref of the session sends the CANCEL */
}

/* ---- orders ---- */

/* Places a call: a dial order's (parent NULL; the order's references move
 * to the call) or a transfer leg of `parent`. Returns the call while it
 * lives, NULL when it ended at once (its end is reported as usual). */
static struct call *call_start(struct loop *l, const struct vd_dial *d, struct call *parent)
{
	struct vd_tel *t = l->tel;
	struct call *c = calloc(1, sizeof *c);
	if (!c) {
		if (!parent) {
			vd_bot_plan_unref(d->plan);
			vd_pcm_unref(d->prompt);
			struct vd_tel_event ev = {.type = VD_TEL_ENDED, .call_id = d->call_id, .t_ms = wall_ms(),
						  .ended_ms = wall_ms(), .tech_failure = true, .rec = d->rec};
			t->p.evh(&ev, t->p.arg);
		}
		return NULL;
	}
	c->tel = t;
	c->lp = l;
	c->d = *d;
	c->pt = -1;
	c->te_pt = -1;
	vd_rfc4733_rx_init(&c->te);
	c->slot = -1;
	c->leg_b = parent != NULL;
	c->peer = parent;
	if (parent) parent->peer = c;
	list_append(&l->calls, &c->le, c);
	__atomic_add_fetch(&t->active, 1, __ATOMIC_RELAXED);

	struct sa dst, laddr;
	int err = sa_set_str(&dst, d->host, d->port);
	if (err) {
		vd_warn("tel", "call=%lld bad trunk host %s", (long long)d->call_id, d->host);
		goto fail;
	}
	enum sip_transp tp = d->tcp ? SIP_TRANSP_TCP : SIP_TRANSP_UDP;
	err = sip_transp_laddr(l->sip, &laddr, tp, &dst);
	if (err) goto fail;
	err = rtp_listen(&c->rtp, IPPROTO_UDP, &laddr, t->p.rtp_min, t->p.rtp_max, true, rtp_recv,
			 rtcp_recv, c);
	if (err) {
		vd_warn("tel", "call=%lld no free RTP port", (long long)d->call_id);
		goto fail;
	}
	err = sdp_session_alloc(&c->sdp, &laddr);
	if (!err) err = sdp_media_add(&c->sdpm, c->sdp, "audio", sa_port(rtp_local(c->rtp)), sdp_proto_rtpavp);
	if (!err) err = sdp_format_add(NULL, c->sdpm, false, "8", "PCMA", 8000, 1, NULL, NULL, NULL, false, NULL);
	if (!err) err = sdp_format_add(NULL, c->sdpm, false, "0", "PCMU", 8000, 1, NULL, NULL, NULL, false, NULL);
	if (!err) err = sdp_format_add(NULL, c->sdpm, false, "101", "telephone-event", 8000, 1, NULL, NULL, NULL, false, "0-15");
	if (!err) err = sdp_media_set_lattr(c->sdpm, true, "ptime", "20");
	struct mbuf *offer = NULL;
	if (!err) err = sdp_encode(&offer, c->sdp, true);
	if (err) goto fail;

	char to[384], from[384], route[300];
	const char *dom = d->from_domain[0] ? d->from_domain : d->host;
	snprintf(to, sizeof to, "sip:%s@%s:%u%s", d->dial_string, d->host, d->port, d->tcp ? ";transport=tcp" : "");
	snprintf(from, sizeof from, "sip:%s@%s", d->caller_id[0] ? d->caller_id : "anonymous", dom);
	snprintf(route, sizeof route, "sip:%s:%u%s", d->host, d->port, d->tcp ? ";transport=tcp" : "");
	const char *routev[1] = {route};
	err = sipsess_connect(&c->sess, l->sock, to, NULL, from, "voxdial", routev, 1, "application/sdp",
			      offer, auth_h, c, false, offer_h, answer_h, progress_h, estab_h, NULL, NULL,
			      close_h, c, NULL);
	mem_deref(offer);
	if (err) goto fail;
	c->ring_deadline_us = mono_us() + (uint64_t)(d->ring_timeout_s ? d->ring_timeout_s : 30) * 1000000u;
	vd_debug("tel", "call=%lld INVITE %s from %s", (long long)d->call_id, to, from);
	return c;
fail:
	end_simple(c, false, false, true);
	return NULL;   /* the ENDED event carries the failure */
}

static void stop_h(void *arg)
{
	(void)arg;
	re_cancel();
}

static void mq_h(int id, void *data, void *arg)
{
	struct loop *l = arg;
	switch (id) {
	case MQ_DIAL: {
		struct vd_dial *d = data;
		char *vars = (char *)d->vars_json;
		d->vars_json = NULL;
		struct call *c = call_start(l, d, NULL);   /* takes the plan and prompt */
		if (c) c->vars_json = vars;
		else free(vars);
		free(d);
		break;
	}
	case MQ_PROMPT: {
		struct reply *r = data;
		struct call *c = call_find(l, r->call_id);
		if (c && c->bot) vd_bot_prompt(c->bot, r->seq, r->pcm, mono_us());
		reply_free(r);
		break;
	}
	case MQ_HEARD: {
		struct reply *r = data;
		struct call *c = call_find(l, r->call_id);
		if (c && c->bot) vd_bot_heard(c->bot, r->seq, r->text ? r->text : "", mono_us());
		reply_free(r);
		break;
	}
	case MQ_TRANSFER: {
		struct xfer_order *o = data;
		struct call *c = call_find(l, o->call_id);
		if (c && c->bot && !c->peer && !c->bridged) {
			free(c->xt);
			c->xt = NULL;
			c->xn = c->xi = 0;
			if (o->n) {
				c->xt = malloc(o->n * sizeof *c->xt);
				if (c->xt) {
					memcpy(c->xt, o->t, o->n * sizeof *c->xt);
					c->xn = o->n;
				}
			}
			xfer_next(c);
		}
		free(o);
		break;
	}
	case MQ_HANGUP: {
		int64_t *idp = data;
		struct call *c = call_find(l, *idp);
		if (c) end_simple(c, false, false, false);
		free(idp);
		break;
	}
	case MQ_STOP:
		while (l->calls.head) end_simple(l->calls.head->data, false, false, false);
		/* Give the CANCELs and BYEs a moment to leave. */
		tmr_start(&l->stop_tmr, 300, stop_h, l);
		break;
	default:
		break;
	}
}

/* Gives the SIP UDP socket a 2 MB receive buffer (up to net.core.rmem_max).
 * At 450 calls/s a stall of the loop of a few hundred ms (a burst of
 * recording files created) overflowed the default 208 KB and the lost
 * 200 OKs became no_response failures (bench/cps). libre does not expose
 * the transport's socket, so it is found among ours by its bound address;
 * best effort. */
static void sip_rcvbuf_grow(uint16_t port)
{
	for (int fd = 3; fd < 256; fd++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof ss;
		int type = 0;
		socklen_t tlen = sizeof type;
		if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0) continue;
		if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) != 0 || type != SOCK_DGRAM) continue;
		uint16_t p = ss.ss_family == AF_INET ? ntohs(((struct sockaddr_in *)&ss)->sin_port) :
			     ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port) : 0;
		if (p != port) continue;
		int size = SIP_RCVBUF;
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size) != 0)
			vd_warn("tel", "cannot grow the SIP socket's receive buffer: %s", strerror(errno));
		return;
	}
	vd_warn("tel", "SIP UDP socket not found: receive buffer left at the default");
}

/* Loads the recognizer off the telephony thread (a model takes a second
 * or more) and publishes it; until then utterances are heard as no words. */
static void *asr_main(void *arg)
{
	struct vd_tel *t = arg;
	struct vd_asr_params ap = {.engine = t->asr_engine, .url = t->asr_url[0] ? t->asr_url : NULL,
				   .workers = t->p.asr_workers};
	struct vd_asr *asr = NULL;
	int err = vd_asr_open(&asr, &ap);
	if (err) {
		vd_warn("tel", "speech recognition (%s) unavailable (%d): the bots hear DTMF only", t->asr_engine, err);
		return NULL;
	}
	vd_info("tel", "speech recognition ready (%s)", t->asr_engine);
	__atomic_store_n(&t->asr, asr, __ATOMIC_RELEASE);
	return NULL;
}

/* One loop's thread: its own libre context (timers, fd table, epoll), SIP
 * stack and ticker. */
static void *loop_main(void *arg)
{
	struct loop *l = arg;
	struct vd_tel *t = l->tel;
	int err = re_thread_init();
	struct rlimit rl;
	if (!err && getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		/* The fd table defaults to 1024 and the first setting wins; each
		 * call holds two sockets (RTP + RTCP). The process-wide limit
		 * was raised by vd_tel_start. */
		err = fd_setsize((int)(rl.rlim_cur > 65536 ? 65536 : rl.rlim_cur));
	}
	struct sa laddr;
	if (!err) err = mqueue_alloc(&l->mq, mq_h, l);
	/* Hash sizes: libre walks a bucket's list for every SIP message; with
	 * 32 buckets and thousands of calls (a transaction and a session
	 * each) those walks took a quarter of the loop at 300 calls/s
	 * (perf, bench/cps). */
	if (!err) err = sip_alloc(&l->sip, NULL, SIP_HASH, SIP_HASH, 256, "voxdial/" VD_VERSION, NULL, NULL);
	if (!err) err = sa_set_str(&laddr, t->sip_addr, l->want_port);
	if (!err) err = sip_transp_add(l->sip, SIP_TRANSP_UDP, &laddr);
	if (!err) {
		struct sa bound;
		if (sip_transp_laddr(l->sip, &bound, SIP_TRANSP_UDP, NULL) == 0) l->sip_port = sa_port(&bound);
		sip_rcvbuf_grow(l->sip_port);
		/* TCP on the same port number (best effort: a busy TCP port only
		 * disables TCP trunks). */
		struct sa tcp = laddr;
		sa_set_port(&tcp, l->sip_port);
		if (sip_transp_add(l->sip, SIP_TRANSP_TCP, &tcp) != 0)
			vd_warn("tel", "SIP over TCP unavailable on port %u", l->sip_port);
	}
	if (!err) err = sipsess_listen(&l->sock, l->sip, SIP_HASH, NULL, NULL);
	if (!err) l->txbuf = mbuf_alloc(RTP_HEADER_SIZE + FRAME);
	if (!err) l->rtcpbuf = mbuf_alloc(256);
	if (!err && (!l->txbuf || !l->rtcpbuf)) err = ENOMEM;
	if (!err) err = ticker_start(l);

	pthread_mutex_lock(&t->lock);
	l->ready = true;
	l->start_err = err;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);

	if (!err) re_main(NULL);

	ticker_stop(l);
	tmr_cancel(&l->stop_tmr);
	while (l->calls.head) end_simple(l->calls.head->data, false, false, false);
	/* Freed while the workers still run: a call's bot may hold a
	 * recognizer stream, which must go before the recognizer does. */
	while (l->dead.head) call_free(l->dead.head->data);
	/* The workers (prompts, recognizer) push into this loop's mqueue:
	 * it stays until vd_tel_stop has stopped them all. */
	pthread_mutex_lock(&t->lock);
	t->nstopped++;
	pthread_cond_broadcast(&t->cond);
	while (!t->release) pthread_cond_wait(&t->cond, &t->lock);
	pthread_mutex_unlock(&t->lock);
	l->sock = mem_deref(l->sock);
	if (l->sip) sip_close(l->sip, true);
	l->sip = mem_deref(l->sip);
	l->mq = mem_deref(l->mq);
	l->txbuf = mem_deref(l->txbuf);
	l->rtcpbuf = mem_deref(l->rtcpbuf);
	while (l->dead.head) call_free(l->dead.head->data);
	re_thread_close();
	return NULL;
}

/* Stops the first n loops (started ones), the workers that answer their
 * calls, then lets the loops free their libre objects on their threads. */
static void loops_stop(struct vd_tel *t, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct loop *l = &t->loops[i];
		if (l->start_err) continue;   /* never ran: already on its way out */
		if (mqueue_push(l->mq, MQ_STOP, NULL) != 0) vd_err("tel", "cannot stop telephony loop %u cleanly", i);
	}
	pthread_mutex_lock(&t->lock);
	while (t->nstopped < n) pthread_cond_wait(&t->cond, &t->lock);
	pthread_mutex_unlock(&t->lock);
	/* No worker may push into a loop's mqueue once it is gone. */
	vd_tts_cancel(t);
	if (t->asr_loading) pthread_join(t->asr_thread, NULL);
	t->asr_loading = false;
	vd_asr_close(__atomic_exchange_n(&t->asr, NULL, __ATOMIC_ACQ_REL));
	/* The workers are stopped: what they queued and nobody read goes now. */
	while (t->replies) reply_free(t->replies);
	pthread_mutex_lock(&t->lock);
	t->release = true;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
	for (unsigned i = 0; i < n; i++) pthread_join(t->loops[i].thread, NULL);
}

static void tel_free(struct vd_tel *t)
{
	for (unsigned i = 0; i < t->nloops; i++) pthread_mutex_destroy(&t->loops[i].stats_lock);
	pthread_mutex_destroy(&t->lock);
	pthread_cond_destroy(&t->cond);
	pthread_mutex_destroy(&t->replies_lock);
	free(t->loops);
	free(t);
}

/* Loops when the caller asks for none: two per core, at most 8. More
 * loops than cores still pay: libre's timer list is one sorted linked list
 * per loop that every SIP transaction's timer insertion walks (each call
 * leaves a 32 s ACK timer and a 5 s BYE timer behind), so its cost per call
 * grows with the loop's call rate; at 800 calls/s offered it was a third
 * of voxdial's CPU with two loops, and four loops on two cores placed 790
 * calls/s against 684 (bench/cps). */
static unsigned loops_default(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 2 : n > 4 ? 8 : 2 * (unsigned)n;
}

int vd_tel_start(struct vd_tel **out, const struct vd_tel_params *p)
{
	int err = libre_init();
	if (err) return -err;
	/* Each call holds two sockets (RTP + RTCP): raise the soft limit. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max > 65536 ? 65536 : rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	struct vd_tel *t = calloc(1, sizeof *t);
	unsigned n = p->threads ? p->threads : loops_default();
	if (n > VD_TEL_THREADS_MAX) n = VD_TEL_THREADS_MAX;
	struct loop *loops = t ? calloc(n, sizeof *loops) : NULL;
	if (!loops) {
		free(t);
		return -ENOMEM;
	}
	t->p = *p;
	t->loops = loops;
	t->nloops = n;
	snprintf(t->sip_addr, sizeof t->sip_addr, "%s", p->sip_addr ? p->sip_addr : "0.0.0.0");
	snprintf(t->asr_engine, sizeof t->asr_engine, "%s", p->asr_engine ? p->asr_engine : "pocketsphinx");
	snprintf(t->asr_url, sizeof t->asr_url, "%s", p->asr_url ? p->asr_url : "");
	t->p.asr_engine = t->p.asr_url = NULL;   /* the caller's strings are not kept */
	if (!t->p.rtp_min) t->p.rtp_min = 20000;
	if (!t->p.rtp_max) t->p.rtp_max = 40000;
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->cond, NULL);
	pthread_mutex_init(&t->replies_lock, NULL);
	for (unsigned i = 0; i < n; i++) {
		loops[i].tel = t;
		loops[i].tick_fd = -1;
		pthread_mutex_init(&loops[i].stats_lock, NULL);
	}
	/* One at a time: loop i binds the port after loop 0's (a fixed
	 * --sip-port P gives P, P+1, ...; 0 gives any free ones). */
	unsigned started = 0;
	for (; started < n && !err; started++) {
		struct loop *l = &loops[started];
		l->want_port = p->sip_port ? (uint16_t)(p->sip_port + started) : 0;
		if (pthread_create(&l->thread, NULL, loop_main, l) != 0) {
			err = EAGAIN;
			break;
		}
		char name[16];   /* top -H, perf: which loop is busy */
		snprintf(name, sizeof name, "vd-tel%u", started);
		pthread_setname_np(l->thread, name);
		pthread_mutex_lock(&t->lock);
		while (!l->ready) pthread_cond_wait(&t->cond, &t->lock);
		pthread_mutex_unlock(&t->lock);
		err = l->start_err;
	}
	if (err) {
		loops_stop(t, started);
		vd_err("tel", "cannot start SIP on %s:%u: %s", t->sip_addr, p->sip_port, strerror(err));
		tel_free(t);
		return -err;
	}
	if (strcmp(t->asr_engine, "none"))
		t->asr_loading = pthread_create(&t->asr_thread, NULL, asr_main, t) == 0;
	*out = t;
	return 0;
}

uint16_t vd_tel_sip_port(const struct vd_tel *t) { return t->loops[0].sip_port; }
unsigned vd_tel_threads(const struct vd_tel *t) { return t->nloops; }
unsigned vd_tel_active(const struct vd_tel *t) { return __atomic_load_n(&t->active, __ATOMIC_RELAXED); }

/* The loop that owns a call id (an operator leg's id is its client leg's,
 * negated). */
static struct loop *loop_of(struct vd_tel *t, int64_t call_id)
{
	uint64_t id = call_id < 0 ? (uint64_t)0 - (uint64_t)call_id : (uint64_t)call_id;
	return &t->loops[id % t->nloops];
}

/* The upper edge (µs) of the bucket holding the q-th quantile (q in
 * thousandths), or the maximum when it falls in the overflow bucket. */
static uint64_t hist_quantile(const struct vd_tel_stats *s, unsigned q_permille)
{
	if (!s->send_err_count) return 0;
	uint64_t want = (s->send_err_count * q_permille + 999) / 1000, seen = 0;
	for (unsigned b = 0; b < VD_TEL_ERR_BUCKETS; b++) {
		seen += s->send_err_hist[b];
		if (seen >= want) {
			uint64_t edge = (uint64_t)(b + 1) * VD_TEL_ERR_BUCKET_US;
			return edge < s->send_err_max_us ? edge : s->send_err_max_us;
		}
	}
	return s->send_err_max_us;
}

/* The upper edge (µs) of the 1 ms bucket holding the q-th quantile of the
 * bot response times. */
static uint64_t bot_quantile(const struct vd_tel_stats *s, unsigned q_permille)
{
	if (!s->bot_responses) return 0;
	uint64_t want = (s->bot_responses * q_permille + 999) / 1000, seen = 0;
	for (unsigned b = 0; b <= VD_TEL_BOT_BUCKETS; b++) {
		seen += s->bot_resp_hist[b];
		if (seen >= want) return (uint64_t)(b + 1) * 1000;
	}
	return (uint64_t)(VD_TEL_BOT_BUCKETS + 1) * 1000;
}

/* Adds loop b's counters to a. */
static void stats_add(struct vd_tel_stats *a, const struct vd_tel_stats *b)
{
	a->rtp_sent += b->rtp_sent;
	a->rtp_received += b->rtp_received;
	a->calls_answered += b->calls_answered;
	a->send_err_count += b->send_err_count;
	a->send_err_sum_us += b->send_err_sum_us;
	if (b->send_err_max_us > a->send_err_max_us) a->send_err_max_us = b->send_err_max_us;
	for (unsigned i = 0; i <= VD_TEL_ERR_BUCKETS; i++) a->send_err_hist[i] += b->send_err_hist[i];
	a->bot_responses += b->bot_responses;
	for (unsigned i = 0; i <= VD_TEL_BOT_BUCKETS; i++) a->bot_resp_hist[i] += b->bot_resp_hist[i];
	a->transfers += b->transfers;
}

int vd_tel_stats(struct vd_tel *t, struct vd_tel_stats *out)
{
	memset(out, 0, sizeof *out);
	for (unsigned i = 0; i < t->nloops; i++) {
		struct loop *l = &t->loops[i];
		pthread_mutex_lock(&l->stats_lock);
		stats_add(out, &l->snap);
		pthread_mutex_unlock(&l->stats_lock);
	}
	out->calls_active = vd_tel_active(t);
	out->asr_ready = __atomic_load_n(&t->asr, __ATOMIC_ACQUIRE) != NULL;
	out->send_err_p50_us = hist_quantile(out, 500);
	out->send_err_p99_us = hist_quantile(out, 990);
	out->bot_resp_p50_us = bot_quantile(out, 500);
	out->bot_resp_p99_us = bot_quantile(out, 990);
	return 0;
}

void vd_tel_stop(struct vd_tel *t)
{
	if (!t) return;
	loops_stop(t, t->nloops);
	tel_free(t);
}

int vd_tel_dial(struct vd_tel *t, const struct vd_dial *d)
{
	struct vd_dial *copy = malloc(sizeof *copy);
	if (!copy) return -ENOMEM;
	*copy = *d;
	copy->vars_json = NULL;
	if (d->vars_json && !(copy->vars_json = strdup(d->vars_json))) {
		free(copy);
		return -ENOMEM;
	}
	vd_pcm_ref(copy->prompt);
	vd_bot_plan_ref(copy->plan);
	int err = mqueue_push(loop_of(t, d->call_id)->mq, MQ_DIAL, copy);
	if (err) {
		vd_pcm_unref(copy->prompt);
		vd_bot_plan_unref(copy->plan);
		free((char *)copy->vars_json);
		free(copy);
		return err == EAGAIN ? -EAGAIN : -err;
	}
	return 0;
}

int vd_tel_transfer(struct vd_tel *t, int64_t call_id, const struct vd_tel_target *targets, size_t n)
{
	struct xfer_order *o = malloc(sizeof *o + n * sizeof *targets);
	if (!o) return -ENOMEM;
	o->call_id = call_id;
	o->n = n;
	if (n) memcpy(o->t, targets, n * sizeof *targets);
	int err = mqueue_push(loop_of(t, call_id)->mq, MQ_TRANSFER, o);
	if (err) {
		free(o);
		return -err;
	}
	return 0;
}

void vd_tel_event_release(struct vd_tel_event *ev)
{
	if (ev->rec) vd_recorder_close(ev->rec, NULL);
	ev->rec = NULL;
	if (ev->bot) free(ev->bot->variables);
	free(ev->bot);
	ev->bot = NULL;
}

int vd_tel_hangup(struct vd_tel *t, int64_t call_id)
{
	int64_t *id = malloc(sizeof *id);
	if (!id) return -ENOMEM;
	*id = call_id;
	int err = mqueue_push(loop_of(t, call_id)->mq, MQ_HANGUP, id);
	if (err) {
		free(id);
		return -err;
	}
	return 0;
}
