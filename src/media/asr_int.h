/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The engine interface behind media/asr.h. An engine is a small vtable;
 * an instance is used by one worker at a time, so instances need no
 * locking. To add an engine: implement open/close/recognize (and the
 * stream functions if it can decode incrementally) in asr_<name>.c,
 * declare its ops here and list it in asr.c's table. */
#ifndef VD_ASR_INT_H
#define VD_ASR_INT_H

#include <stddef.h>
#include <stdint.h>

#include "media/asr.h"

struct vd_asr_engine {
	const char *name;
	/* One instance (one decoder, one HTTP connection). 0 or -errno. */
	int (*open)(void **inst, const struct vd_asr_params *p);
	void (*close)(void *inst);
	/* Recognizes one utterance (8 kHz mono) with optional keywords (already
	 * lower-cased and trimmed; never NULL when nkw > 0); writes the text,
	 * NUL-terminated, to out[size] (size >= 1). 0 or -errno. */
	int (*recognize)(void *inst, const int16_t *pcm, size_t n, const char *const *kw,
			 size_t nkw, char *out, size_t size);
	/* Incremental decoding, optional (NULL: streams are decoded whole by
	 * recognize once they end). start opens an utterance with the
	 * keywords, feed gives it audio in order (at most VD_ASR_STREAM_PIECE
	 * samples a call), finish closes it and writes the text like
	 * recognize. After a successful start, finish is always called, also
	 * to abandon the utterance (its text then unused) or after a feed
	 * failed. 0 or -errno. */
	int (*start)(void *inst, const char *const *kw, size_t nkw);
	int (*feed)(void *inst, const int16_t *pcm, size_t n);
	int (*finish)(void *inst, char *out, size_t size);
};

/* The most samples one feed call gets (1 s). */
#define VD_ASR_STREAM_PIECE 8000

extern const struct vd_asr_engine vd_asr_pocketsphinx;
extern const struct vd_asr_engine vd_asr_http;

#endif
