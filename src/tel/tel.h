/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The telephony engine's public face: a SIP user agent on libre running in
 * one or more threads ("loops", each with its own SIP port; a call stays on
 * the loop its id picks). Other threads hand it dial and hang-up orders
 * (copied, queued through libre's mqueue) and receive call events through a
 * callback that runs on the loops' threads, possibly several at once, and
 * must only queue them.
 *
 * Each order carries everything the call needs (trunk, numbers, timers, the
 * audio to play, where to record), so the telephony thread never touches the
 * database. */
#ifndef VD_TEL_H
#define VD_TEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vd_tel;
struct vd_pcm;                   /* media/pcm.h: shared 8 kHz audio */
struct vd_bot_plan;              /* tel/bot.h: what a task's bot runs */
struct vd_bot_result;            /* tel/bot.h: what the bot learned */
struct vd_recorder;              /* media/recorder.h: a call's WAV being written */

enum vd_tel_event_type {
	VD_TEL_PROGRESS = 1,     /* first 18x */
	VD_TEL_ANSWERED,         /* 200 OK, media started */
	VD_TEL_ENDED,            /* final: exactly one per dial order */
	VD_TEL_TRANSFER,         /* the bot asks for an operator: answer with vd_tel_transfer */
};

/* A transfer request (VD_TEL_TRANSFER): the forward of the script's result
 * block, its number with variables resolved. */
struct vd_tel_xfer {
	int type;                /* enum vd_script_fwd: route, dial_plan, custom, task_default */
	int64_t route_id, dial_plan_id;
	char number[65];
};

struct vd_tel_event {
	enum vd_tel_event_type type;
	int64_t call_id;         /* the order's call_id */
	int64_t t_ms;            /* wall clock of the event */
	/* VD_TEL_ENDED: */
	int sip_code;            /* final response code (0: none / after answer) */
	bool answered;
	bool ring_timeout;       /* we CANCELled after ring_timeout_s */
	bool no_response;        /* not a single response from the trunk */
	bool remote_hangup;      /* the callee sent BYE */
	bool media_dead;         /* no RTP for the inactivity timeout */
	bool tech_failure;       /* local error (socket, SDP, ...) */
	int64_t progress_ms, answered_ms, ended_ms;  /* 0: did not happen */
	int64_t recorded_ms;     /* length of the recording written, 0: none */
	/* VD_TEL_ENDED of a call with a bot: what it learned (heap; the
	 * receiver owns it: vd_tel_event_release), else NULL */
	struct vd_bot_result *bot;
	/* VD_TEL_ENDED of an order that brought its recorder: handed back
	 * (the receiver closes it, off this thread; recorded_ms is then 0) */
	struct vd_recorder *rec;
	/* VD_TEL_TRANSFER */
	struct vd_tel_xfer xfer;
};

/* Frees what an event owns (its bot result; its recorder is closed). */
void vd_tel_event_release(struct vd_tel_event *ev);

typedef void (vd_tel_event_h)(const struct vd_tel_event *ev, void *arg);

struct vd_tel_params {
	const char *sip_addr;    /* local address to bind, "127.0.0.1" or "0.0.0.0" */
	uint16_t sip_port;       /* 0: any free port */
	uint16_t rtp_min, rtp_max; /* RTP port range (even ports used) */
	uint32_t rtp_timeout_s;  /* answered call without RTP this long: hang up */
	vd_tel_event_h *evh;     /* called on the loops' threads (several at once) */
	void *arg;
	/* the bots' recognizer (media/asr.h), loaded in the background at
	 * start: "pocketsphinx" (NULL: the default), "http" (asr_url), "none" */
	const char *asr_engine;
	const char *asr_url;
	unsigned asr_workers;    /* 0: 2 */
	/* telephony loops (threads), each with its own SIP port: sip_port,
	 * sip_port + 1, ... (any free ones for 0); 0: two per core, at most 8 */
	unsigned threads;
};

#define VD_TEL_THREADS_MAX 16

struct vd_dial {
	int64_t call_id;
	/* trunk */
	char host[256];
	uint16_t port;
	bool tcp;
	char username[128], password[256], from_domain[256];
	/* numbers */
	char caller_id[32];      /* From user part */
	char dial_string[64];    /* Request-URI user part (already rewritten) */
	uint32_t ring_timeout_s;
	uint32_t max_call_s;     /* hard cap on an answered call (0: 3600) */
	/* media: the bot of the task (reference taken by vd_tel_dial) runs on
	 * the answer with the client's variables (a JSON object, copied by
	 * vd_tel_dial); without a plan the prompt is played, then the call is
	 * hung up by us; neither: hang up at once */
	struct vd_bot_plan *plan;
	const char *vars_json;
	struct vd_pcm *prompt;   /* reference taken by vd_tel_dial */
	char record_path[512];   /* "" = do not record */
	/* or a recorder opened by the caller (creating a file is a slow
	 * system call, kept off the telephony thread): the call records into
	 * it once answered and hands it back in the ENDED event; ownership
	 * moves to the telephony thread when vd_tel_dial returns 0 */
	struct vd_recorder *rec;
	char phone[32];          /* the client's number: the caller ID of a transfer leg */
};

/* Where a transfer leg goes: a trunk and the number to dial there. */
struct vd_tel_target {
	char host[256];
	uint16_t port;
	bool tcp;
	char username[128], password[256], from_domain[256];
	char dial_string[64];
	uint32_t ring_timeout_s;
};

/* Starts the telephony thread and waits until it listens. */
int vd_tel_start(struct vd_tel **out, const struct vd_tel_params *p);
/* The SIP port actually bound (UDP) by the first loop. */
uint16_t vd_tel_sip_port(const struct vd_tel *t);
/* The number of telephony loops. */
unsigned vd_tel_threads(const struct vd_tel *t);
/* Hangs up every call, stops the thread, frees. */
void vd_tel_stop(struct vd_tel *t);

/* Queues a call. Any thread. 0, or -EAGAIN when the queue is full (retry
 * later), -ENOMEM. On 0, exactly one VD_TEL_ENDED event will follow. */
int vd_tel_dial(struct vd_tel *t, const struct vd_dial *d);
/* Queues a hang-up (CANCEL before answer, BYE after). Any thread. */
int vd_tel_hangup(struct vd_tel *t, int64_t call_id);
/* Answers a VD_TEL_TRANSFER: the targets are tried in order until one
 * answers, and the callee is bridged to it; n = 0 (or every target failing)
 * makes the bot follow its fallback. Copied. Any thread. */
int vd_tel_transfer(struct vd_tel *t, int64_t call_id, const struct vd_tel_target *targets, size_t n);
/* Number of calls currently alive on the telephony thread (approximate,
 * readable from any thread). */
unsigned vd_tel_active(const struct vd_tel *t);

/* RTP send timing: each packet's send error, |time it left - its deadline|
 * on CLOCK_MONOTONIC, in 0.1 ms buckets up to 50 ms; the last bucket holds
 * everything at or above 50 ms. */
#define VD_TEL_ERR_BUCKET_US 100
#define VD_TEL_ERR_BUCKETS 500
#define VD_TEL_BOT_BUCKETS 2000

struct vd_tel_stats {
	uint64_t rtp_sent;           /* RTP packets sent, since start */
	uint64_t rtp_received;       /* RTP packets received on answered calls */
	uint64_t calls_answered;     /* calls that reached 200 OK, since start */
	unsigned calls_active;       /* calls alive now (dialing or talking) */
	uint64_t send_err_count;     /* packets in the histogram (= rtp_sent) */
	uint64_t send_err_sum_us;
	uint64_t send_err_max_us;
	uint64_t send_err_p50_us;    /* upper edge of the bucket holding the */
	uint64_t send_err_p99_us;    /* quantile (the maximum for the overflow) */
	uint64_t send_err_hist[VD_TEL_ERR_BUCKETS + 1];
	/* Bot response: end of the callee's speech to the first frame of
	 * the bot's answer, 1 ms buckets to 2 s (+ overflow). */
	uint64_t bot_responses;
	uint64_t bot_resp_p50_us, bot_resp_p99_us;
	uint64_t bot_resp_hist[VD_TEL_BOT_BUCKETS + 1];
	uint64_t transfers;          /* operator legs bridged */
	bool asr_ready;              /* the speech recognizer is loaded */
};

/* Copies the counters into *out. Any thread. The telephony thread
 * publishes them every 200 ms (it never locks per packet), so the figures
 * may be up to 200 ms old; calls_active is current. Always 0. */
int vd_tel_stats(struct vd_tel *t, struct vd_tel_stats *out);

#endif
