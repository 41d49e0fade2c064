/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Speech recognition of the callee's answers, for the bot's `ask` blocks:
 * the telephony runtime cuts an utterance out of the call's audio (8 kHz
 * mono 16-bit) and hands it here with the keywords the script expects; the
 * text comes back on a worker thread, to be posted to the call as
 * VD_SCRIPT_EV_SPEECH_FINAL (core/script.h matches the keywords in it).
 *
 * Engines (docs/internals/asr.md):
 *   "pocketsphinx"  built in, English (Debian's en-us model). With keywords
 *                   it decodes against a grammar of the keywords and a list
 *                   of common words that absorbs everything else; without,
 *                   against the full English language model (loaded on
 *                   first use, ~70 MB per decoder, 1.5-3x the CPU).
 *   "http"          POSTs the utterance as audio/wav to `url` and reads
 *                   {"text": "..."} from the JSON answer: any external
 *                   recognizer (a Vosk or Whisper server) behind a few
 *                   lines of glue. Russian, or any language PocketSphinx
 *                   has no model for here, needs this engine.
 *
 * Two ways in: a whole utterance (vd_asr_submit), or a stream
 * (vd_asr_stream_begin, _feed as the callee speaks, _end), which a
 * pocketsphinx decoder may decode while the audio arrives, so that only
 * the last ~100 ms are left to do when the utterance ends.
 *
 * Threading: recognition is CPU work (or a network round trip) and never
 * runs on the caller's thread. vd_asr_open starts `workers` threads and
 * opens as many engine instances; pocketsphinx opens more, up to
 * `decoders`, as concurrent streams need them (a decoder serves one
 * utterance at a time, from its begin to its end). Streams waiting for a
 * decoder keep their audio and are decoded whole once one is free. The
 * caller's side only copies audio into the stream or queue and returns.
 * The handler runs on a worker thread: it must not block for long and must
 * reach the call's thread through its own queue (mqueue), as STYLE.md
 * requires.
 *
 * Lifetimes: `params` strings are copied by vd_asr_open. vd_asr_submit
 * copies the audio and the keywords, so the caller may free both as soon
 * as it returns; `arg` must stay valid until the handler has run. Each
 * successful vd_asr_submit calls its handler exactly once: with the text
 * (err 0), with an error, or with -ECANCELED from vd_asr_close for an
 * utterance still queued (on the thread calling vd_asr_close). `text` is
 * valid only during the handler. */
#ifndef VD_ASR_H
#define VD_ASR_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vd_asr;

struct vd_asr_params {
	const char *engine;      /* "pocketsphinx" (NULL: default) | "http" */
	const char *model_dir;   /* pocketsphinx: a directory holding en-us/ (the
				  * acoustic model), cmudict-en-us.dict and
				  * en-us.lm.bin; NULL: Debian's
				  * /usr/share/pocketsphinx/model/en-us */
	const char *url;         /* http: where utterances are POSTed */
	unsigned workers;        /* engine threads; 0: 2; at most 64 */
	unsigned decoders;       /* pocketsphinx: decoders at most (~30 MB
				  * each), opened as concurrent live streams
				  * need them; 0: 16; never fewer than
				  * workers. The http engine has one instance
				  * per worker */
	unsigned queue_max;      /* utterances waiting for a decoder; 0: 32 */
	int live;                /* pocketsphinx, which streams decode while
				  * they arrive (VD_ASR_LIVE_*, below) */
	unsigned timeout_ms;     /* http: per request; 0: 3000 */
	unsigned keyword_weight; /* pocketsphinx: how much a keyword is preferred
				  * to the garbage words; higher finds more
				  * keywords and more false ones (measured in
				  * docs/internals/asr.md); 0: 1 */
};

/* Which streams a pocketsphinx decoder works on while they arrive. A
 * stream decoded live is normalised by the mean of its first second,
 * which hears a few keywords less than the whole utterance's mean (the
 * model's training) on bench/asr (docs/internals/asr.md); a stream decoded
 * whole waits for its end and for a worker. */
enum {
	VD_ASR_LIVE_AUTO = 0, /* live only when it begins with `workers` or more
			       * streams open: the cores could not keep up
			       * with whole decodes all ending at once */
	VD_ASR_LIVE_ALWAYS,
	VD_ASR_LIVE_NEVER,    /* as the http engine */
};

/* The longest utterance accepted (samples): 30 s. Longer is -E2BIG. */
#define VD_ASR_MAX_SAMPLES (8000 * 30)
/* The most keywords per utterance; further ones are ignored. */
#define VD_ASR_MAX_KEYWORDS 64

/* Starts the engine's workers; each loads its own decoder (about 150 ms and
 * 30 MB for pocketsphinx). 0; -EINVAL (unknown engine, http without url,
 * more than 64 workers),
 * -ENOENT (model files missing), -ENOMEM, -EIO (the engine failed to
 * start). Any thread; *out written only on success. */
int vd_asr_open(struct vd_asr **out, const struct vd_asr_params *p);

/* Stops and joins the workers (an utterance being decoded finishes first,
 * and its handler runs), then calls the handler of every utterance still
 * queued and every stream still open with err -ECANCELED, on this thread,
 * and frees everything but the streams their owners still hold: those
 * owners may only end or cancel them afterwards (which frees them). NULL
 * is a no-op. Not from a handler, nor while an owner is using a stream. */
void vd_asr_close(struct vd_asr *a);

/* The result of one utterance, on a worker thread: `text` the words heard
 * (lower case, space-separated, "" for nothing), err 0; or text "" and a
 * negative errno (-EIO the engine or the server failed, -ETIMEDOUT,
 * -ECANCELED, -EAGAIN a stream of the http engine ended with its queue
 * full, -ENOMEM). */
typedef void(vd_asr_result_h)(uint64_t tag, const char *text, int err, void *arg);

/* Queues one utterance: `n` samples of 8 kHz mono audio (copied), with the
 * words or phrases the script expects (copied; nkeywords 0: recognize
 * freely). Keywords the engine cannot recognize (not in the pocketsphinx
 * dictionary, e.g. Cyrillic) are skipped and logged once. Never blocks:
 * 0; -EAGAIN when queue_max utterances are already waiting; -EINVAL (n 0,
 * no handler), -E2BIG (longer than VD_ASR_MAX_SAMPLES), -ENOMEM. Any
 * thread. */
int vd_asr_submit(struct vd_asr *a, uint64_t tag, const int16_t *pcm, size_t n,
		  const char *const *keywords, size_t nkeywords, vd_asr_result_h *h, void *arg);

/* ---- streams: an utterance decoded as it is spoken ---- */

struct vd_asr_stream;

/* The most streams open at once (begun, not yet answered); more is -EAGAIN.
 * Each holds its audio (at most VD_ASR_MAX_SAMPLES) until answered. */
#define VD_ASR_MAX_STREAMS 1024

/* Opens the recognition of one utterance whose audio follows through
 * vd_asr_stream_feed and which vd_asr_stream_end completes; keywords as in
 * vd_asr_submit (copied). A stream decoded live (params.live) is bound to
 * a free decoder at once, which decodes the audio as it arrives; without
 * one it waits (its audio kept) and catches up once a decoder frees. Other
 * streams are decoded whole after their end. Never blocks: 0 and *out;
 * -EAGAIN (queue_max streams already wait for a decoder, or
 * VD_ASR_MAX_STREAMS are open), -EINVAL, -ENOMEM, -ECANCELED (closing).
 * On success the handler is called exactly once: with the text after
 * vd_asr_stream_end, or with -ECANCELED after vd_asr_stream_cancel or
 * from vd_asr_close; never before the stream is ended or cancelled
 * (except by close). Any thread; the stream is then its owner's, used by
 * one thread at a time, and any number of owners may work concurrently. */
int vd_asr_stream_begin(struct vd_asr *a, struct vd_asr_stream **out, uint64_t tag,
			const char *const *keywords, size_t nkeywords, vd_asr_result_h *h,
			void *arg);

/* Whether the stream is decoded as it arrives (params.live), so that its
 * text follows its end within milliseconds; false: decoded once ended.
 * Fixed at vd_asr_stream_begin. The owner's thread. */
bool vd_asr_stream_live(const struct vd_asr_stream *s);

/* Appends `n` samples of 8 kHz audio (copied; cheap: a memcpy, a mutex
 * and a signal every 100 ms of audio). 0; -E2BIG past VD_ASR_MAX_SAMPLES
 * (the rest is dropped), -ENOMEM, -ECANCELED (the service closed). */
int vd_asr_stream_feed(struct vd_asr_stream *s, const int16_t *pcm, size_t n);

/* The utterance is complete: its text comes to the handler. The stream is
 * no longer the caller's. */
void vd_asr_stream_end(struct vd_asr_stream *s);

/* Drops the utterance: the handler gets -ECANCELED (on this thread or a
 * worker). The stream is no longer the caller's. */
void vd_asr_stream_cancel(struct vd_asr_stream *s);

/* Waiting on one result (tools and tests, never the telephony thread):
 * pass vd_asr_waiter_h with the waiter as the handler's argument, then
 * vd_asr_waiter_wait returns the handler's error with the text in `out`. */
struct vd_asr_waiter {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool done;
	int err;
	char *out;
	size_t size;
};
void vd_asr_waiter_init(struct vd_asr_waiter *w, char *out, size_t size);
void vd_asr_waiter_h(uint64_t tag, const char *text, int err, void *arg);
int vd_asr_waiter_wait(struct vd_asr_waiter *w);   /* also destroys it */

/* The synchronous form for the CLI and tests: queues the utterance (waiting
 * for room) and blocks until its text is in `out` (`size` bytes, always
 * NUL-terminated, truncated to fit). Returns 0 or the error the handler
 * would have had. Not on the telephony thread. */
int vd_asr_recognize(struct vd_asr *a, const int16_t *pcm, size_t n, const char *const *kw,
		     size_t nkw, char *out, size_t size);

#endif
