/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Text to speech with espeak-ng, delivered as 8 kHz audio ready for G.711.
 * espeak-ng keeps global state, so synthesis is serialized by a lock; call
 * vd_tts_say off the telephony thread (tel.c hands texts to its prompt
 * worker). A cache keyed by (voice, text), bounded by the bytes of audio it
 * holds (least recently used out first), means a prompt is synthesized
 * once; vd_tts_peek reads it without ever waiting for a synthesis. */
#ifndef VD_TTS_H
#define VD_TTS_H

#include "media/pcm.h"

/* Synthesizes `text` (UTF-8). `voice` NULL picks Russian for Cyrillic text,
 * English otherwise. Returns 0 and a reference in *out (release with
 * vd_pcm_unref), -EINVAL (empty text), -EIO (espeak-ng failed). Any thread. */
int vd_tts_say(const char *text, const char *voice, struct vd_pcm **out);

/* The cached audio of `text` in `voice` (NULL: as vd_tts_say picks), without
 * synthesizing: 0 and a reference in *out, -ENOENT when not cached, -EINVAL.
 * Holds a lock only for the lookup; safe on the telephony thread. */
int vd_tts_peek(const char *text, const char *voice, struct vd_pcm **out);

/* Called on the prompt worker thread with the synthesized audio (a
 * borrowed reference: take your own to keep it) or NULL and err. */
typedef void (vd_tts_done_h)(struct vd_pcm *pcm, int err, void *arg);

/* Queues a synthesis on the prompt worker (one thread, started on first
 * use; espeak-ng runs one synthesis at a time anyway). `h` NULL only
 * warms the cache. `owner` tags the job for vd_tts_cancel. Never blocks:
 * -EAGAIN when 4096 jobs wait or after vd_tts_shutdown, -EINVAL, -ENOMEM. */
int vd_tts_async(const char *text, const char *voice, vd_tts_done_h *h, void *arg, void *owner);
/* Drops the queued jobs of `owner` (their handlers are called at once with
 * NULL and -ECANCELED, on this thread, so they can free their argument)
 * and waits while one of its jobs is being synthesized. Call it before
 * freeing what the handlers use. */
void vd_tts_cancel(void *owner);
/* Stops the worker (queued jobs dropped as by vd_tts_cancel) and empties
 * the cache. At process exit. */
void vd_tts_shutdown(void);

#endif
