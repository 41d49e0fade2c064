/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Text to speech with espeak-ng, delivered as 8 kHz audio ready for G.711.
 * espeak-ng keeps global state, so synthesis is serialized by a lock; call
 * it off the telephony thread (the dialer prepares prompts before dialing).
 * A small cache keyed by (voice, text) means a prompt is synthesized once. */
#ifndef VD_TTS_H
#define VD_TTS_H

#include "media/pcm.h"

/* Synthesizes `text` (UTF-8). `voice` NULL picks Russian for Cyrillic text,
 * English otherwise. Returns 0 and a reference in *out (release with
 * vd_pcm_unref), -EINVAL (empty text), -EIO (espeak-ng failed). Any thread. */
int vd_tts_say(const char *text, const char *voice, struct vd_pcm **out);

#endif
