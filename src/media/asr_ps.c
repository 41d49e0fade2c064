/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The PocketSphinx engine of media/asr.h (Debian's 0.8+5prealpha and its
 * en-us model). Choices, measured in docs/internals/asr.md:
 *
 * - Audio. The en-us acoustic model is trained on 16 kHz speech, and its
 *   feature front end (25 mel filters up to 6800 Hz) cannot run at 8 kHz
 *   without changing the features the model expects. So the 8 kHz
 *   utterance is resampled to 16 kHz and the empty 4-8 kHz band filled
 *   with steady low noise: a constant there is removed by the per-utterance
 *   cepstral mean normalisation, whereas near-digital-silence makes those
 *   filters' log energies swing wildly. An utterance given whole is
 *   decoded at once (full_utt), so the normalisation uses its true mean;
 *   a stream is decoded as it comes (start/feed/finish), normalised by a
 *   running estimate of the mean (ps_start; measured in
 *   docs/internals/asr.md).
 * - Keywords. A JSGF grammar: any sequence of the keywords and of ~130
 *   common English words that absorb whatever else is said ("garbage"),
 *   the keywords weighted by keyword_weight. Keyword spotting (ps_set_kws)
 *   had far more false alarms; the full language model followed by
 *   matching was as accurate for three times the CPU. The
 *   text returned is the keywords found, in order: the garbage words are
 *   not a transcript.
 * - No keywords: the full en-us language model (loaded on first use: ~70 MB
 *   per decoder), the hypothesis as is.
 *
 * The library logs through a process-wide hook, silenced once here. */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pocketsphinx.h>
#include <jsgf.h>
#include <fsg_model.h>
#include <err.h>
#include <feat.h>
#include <speex/speex_resampler.h>

#include "media/asr_int.h"
#include "util/log.h"

#define DEFAULT_MODEL "/usr/share/pocketsphinx/model/en-us"
#define GRAMMAR_MAX 16384
#define SKIPPED_MAX 64      /* unknown keywords remembered so each is logged once */
#define NOISE_FILL 1000.0f  /* rms of the 4-8 kHz fill, before shaping */
#define UP_CAP (2 * VD_ASR_STREAM_PIECE + 64) /* 16 kHz samples of one piece */
#define NCEP 13             /* cepstra per frame (the en-us model's) */
#define PRIOR_WEIGHT 0.2f   /* of the last utterance in a decoder's prior */

/* The mean cepstrum of 8 kHz speech through this engine's front end
 * (resampled, 4-8 kHz filled), over bench/asr's corpus in its four line
 * conditions (1152 whole decodes): where a fresh decoder's live
 * normalisation starts. The model's own -cmninit (41.0, -5.3, ...) is
 * wideband speech's and made a fresh decoder miss plain answers. */
static const float pipeline_mean[NCEP] = {62.61f, -15.11f, 15.07f, -11.87f, 6.20f, -7.12f, -8.35f,
					  5.81f, -15.58f, 7.16f, -4.23f, -2.70f, 4.07f};

/* Words that absorb speech that is not a keyword. Short, frequent words of
 * phone answers; a word that is part of a keyword is left out. */
static const char *const garbage[] = {
	"a", "about", "after", "again", "all", "am", "an", "and", "any", "are", "as", "at",
	"be", "because", "been", "but", "by", "can", "could", "day", "do", "does", "doing",
	"done", "for", "from", "get", "go", "going", "good", "got", "had", "has", "have",
	"he", "hello", "hi", "her", "here", "hey", "him", "his", "how", "i", "if", "in",
	"is", "it", "its", "just", "know", "like", "look", "make", "me", "maybe", "mean",
	"mind", "morning", "my", "need", "new", "not", "now", "of", "oh", "ok", "okay", "on",
	"one", "or", "our", "out", "please", "really", "right", "say", "see", "she", "so",
	"some", "sorry", "sure", "talk", "tell", "thank", "thanks", "that", "the", "them",
	"then", "there", "they", "thing", "think", "this", "time", "to", "today", "too",
	"um", "uh", "want", "was", "way", "we", "well", "were", "what", "when", "where",
	"which", "who", "why", "will", "with", "would", "yeah", "you", "your", "sir",
	"madam", "number", "phone", "busy", "work", "home", "wait", "hold", "speak",
	"money", "bank", "card", "pay",
};
#define NGARBAGE (sizeof garbage / sizeof garbage[0])

struct ps {
	ps_decoder_t *ps;
	cmd_ln_t *cfg;
	SpeexResamplerState *rs, *rs_noise; /* the audio, the 4-8 kHz fill */
	uint32_t lcg;                 /* the fill's noise generator */
	int16_t *noise8, *noise, *up; /* scratch of one piece (up: 16 kHz) */
	cmn_type_t cmn_batch;         /* the model's normalisation, for whole
				       * utterances (live decoding switches the
				       * decoder to CMN_LIVE for good) */
	bool idle;                    /* this stream has nothing to find */
	bool kw_search;               /* the current utterance uses the grammar */
	mfcc_t prior[NCEP];           /* where a stream's normalisation starts */
	mfcc_t sum0[NCEP];            /* the live sums when the stream started */
	int32 nframe0;
	char *lm_path;                /* the language model, loaded on first use */
	bool lm_loaded;
	bool have_garbage[NGARBAGE];  /* in the dictionary */
	char *kwset;                  /* the keywords of the current grammar */
	char **kw;                    /* its usable keywords */
	size_t nkw;
	bool grammar_ok;
	char *grammar;                /* GRAMMAR_MAX */
	unsigned weight;              /* JSGF weight of a keyword; <g> has 1 */
	char *skipped[SKIPPED_MAX];   /* unknown keywords already logged */
	size_t nskipped;
};

static pthread_once_t quiet_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t init_mu = PTHREAD_MUTEX_INITIALIZER;

static void quiet(void)
{
	err_set_logfp(NULL);
}

static void ps_close(void *p)
{
	struct ps *s = p;
	if (!s) return;
	if (s->ps) ps_free(s->ps);
	if (s->cfg) cmd_ln_free_r(s->cfg);
	if (s->rs) speex_resampler_destroy(s->rs);
	if (s->rs_noise) speex_resampler_destroy(s->rs_noise);
	free(s->noise8);
	free(s->noise);
	free(s->up);
	for (size_t i = 0; i < s->nkw; i++) free(s->kw[i]);
	free(s->kw);
	free(s->kwset);
	free(s->grammar);
	free(s->lm_path);
	for (size_t i = 0; i < s->nskipped; i++) free(s->skipped[i]);
	free(s);
}

static bool in_dict(ps_decoder_t *ps, const char *word)
{
	char *ph = ps_lookup_word(ps, word);
	free(ph);
	return ph != NULL;
}

static int ps_open(void **out, const struct vd_asr_params *p)
{
	const char *dir = p->model_dir ? p->model_dir : DEFAULT_MODEL;
	char hmm[1024], dict[1024], lm[1024];
	snprintf(hmm, sizeof hmm, "%s/en-us", dir);
	snprintf(dict, sizeof dict, "%s/cmudict-en-us.dict", dir);
	snprintf(lm, sizeof lm, "%s/en-us.lm.bin", dir);
	if (access(hmm, R_OK) || access(dict, R_OK) || access(lm, R_OK)) {
		vd_err("asr", "pocketsphinx model not found dir=%s (package pocketsphinx-en-us)", dir);
		return -ENOENT;
	}
	pthread_once(&quiet_once, quiet);
	struct ps *s = calloc(1, sizeof *s);
	if (!s) return -ENOMEM;
	int err = 0;
	s->grammar = malloc(GRAMMAR_MAX);
	s->weight = p->keyword_weight ? p->keyword_weight : 1;
	s->lm_path = strdup(lm);
	int rerr = 0;
	s->rs = speex_resampler_init(1, 8000, 16000, 5, &rerr);
	s->rs_noise = speex_resampler_init(1, 8000, 16000, 5, &rerr);
	s->noise8 = malloc(VD_ASR_STREAM_PIECE * sizeof *s->noise8);
	s->noise = malloc(UP_CAP * sizeof *s->noise);
	s->up = malloc(UP_CAP * sizeof *s->up);
	for (int k = 0; k < NCEP; k++) s->prior[k] = (mfcc_t)pipeline_mean[k];
	if (!s->grammar || !s->rs || !s->rs_noise || !s->lm_path || !s->noise8 || !s->noise || !s->up)
		err = -ENOMEM;
	if (!err) {
		pthread_mutex_lock(&init_mu);
		/* Beams narrower than the defaults (1e-48, 7e-29): 40 % less CPU
		 * for 1.4 points of keyword hits (docs/internals/asr.md). */
		s->cfg = cmd_ln_init(NULL, ps_args(), TRUE, "-hmm", hmm, "-dict", dict, "-beam",
				     "1e-30", "-wbeam", "1e-20", NULL);
		s->ps = s->cfg ? ps_init(s->cfg) : NULL;
		pthread_mutex_unlock(&init_mu);
		if (!s->ps) err = -EIO;
	}
	for (size_t i = 0; !err && i < NGARBAGE; i++) s->have_garbage[i] = in_dict(s->ps, garbage[i]);
	if (!err) {
		feat_t *f = ps_get_feat(s->ps);
		s->cmn_batch = f->cmn;
		if (f->cmn_struct->veclen != NCEP) err = -EIO;   /* another model */
	}
	if (err) {
		vd_err("asr", "pocketsphinx failed to start dir=%s", dir);
		ps_close(s);
		return err;
	}
	*out = s;
	return 0;
}

/* Words a JSGF grammar can hold as plain tokens (cmudict: a-z, digits, ' . -). */
static bool plain_word(const char *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)w[i]) && !isdigit((unsigned char)w[i]) &&
		    !strchr("'.-", w[i]))
			return false;
	return n > 0;
}

/* True when every word of the phrase is in the dictionary. */
static bool phrase_known(struct ps *s, const char *phrase)
{
	char word[256];
	for (const char *p = phrase; *p;) {
		size_t n = strcspn(p, " ");
		if (!plain_word(p, n) || n >= sizeof word) return false;
		memcpy(word, p, n);
		word[n] = '\0';
		if (!in_dict(s->ps, word)) return false;
		p += n;
		p += strspn(p, " ");
	}
	return true;
}

/* Whether `word` (n bytes) is a word of one of the usable keywords. */
static bool keyword_word(const struct ps *s, const char *word, size_t n)
{
	for (size_t i = 0; i < s->nkw; i++)
		for (const char *p = s->kw[i]; *p;) {
			size_t m = strcspn(p, " ");
			if (m == n && !memcmp(p, word, n)) return true;
			p += m;
			p += strspn(p, " ");
		}
	return false;
}

static void drop_keywords(struct ps *s)
{
	for (size_t i = 0; i < s->nkw; i++) free(s->kw[i]);
	free(s->kw);
	s->kw = NULL;
	s->nkw = 0;
	free(s->kwset);
	s->kwset = NULL;
	s->grammar_ok = false;
}

/* Warns about a keyword the dictionary lacks, once per keyword and decoder:
 * a Russian script on this engine would otherwise log on every answer. */
static void log_skipped(struct ps *s, const char *kw)
{
	for (size_t i = 0; i < s->nskipped; i++)
		if (!strcmp(s->skipped[i], kw)) return;
	if (s->nskipped == SKIPPED_MAX) return;  /* enough said */
	s->skipped[s->nskipped] = strdup(kw);
	if (s->skipped[s->nskipped]) s->nskipped++;
	vd_warn("asr", "keyword not in the pocketsphinx dictionary, skipped keyword=\"%s\""
		" (other languages need the http engine)%s", kw,
		s->nskipped == SKIPPED_MAX ? "; further ones are not logged" : "");
}

/* Parses the JSGF text into the "kw" search. Not ps_set_jsgf_string():
 * in this PocketSphinx version it never frees the parsed grammar, about
 * 20 kB per call, which a server building one grammar per ask cannot
 * afford. */
static int set_grammar(struct ps *s, const char *text)
{
	jsgf_t *j = jsgf_parse_string(text, NULL);
	jsgf_rule_t *rule = j ? jsgf_get_public_rule(j) : NULL;
	fsg_model_t *fsg = rule ? jsgf_build_fsg(j, rule, ps_get_logmath(s->ps),
						 (float)cmd_ln_float32_r(s->cfg, "-lw"))
				: NULL;
	int r = fsg ? ps_set_fsg(s->ps, "kw", fsg) : -1;
	if (fsg) fsg_model_free(fsg);  /* the search holds its own reference */
	if (j) jsgf_grammar_free(j);
	if (r < 0) return -EIO;
	s->grammar_ok = true;
	return 0;
}

/* Makes the grammar search for these keywords current, rebuilding it only
 * when the set changed (an ask's retries reuse it). */
static int use_keywords(struct ps *s, const char *const *kw, size_t nkw)
{
	char set[8192];
	size_t o = 0;
	for (size_t i = 0; i < nkw && o < sizeof set; i++)
		o += (size_t)snprintf(set + o, sizeof set - o, "%s|", kw[i]);
	if (s->kwset && !strcmp(s->kwset, set)) return 0;
	drop_keywords(s);
	s->kwset = strdup(set);
	s->kw = calloc(nkw, sizeof *s->kw);
	if (!s->kwset || !s->kw) return -ENOMEM;
	for (size_t i = 0; i < nkw; i++) {
		if (!phrase_known(s, kw[i])) {
			log_skipped(s, kw[i]);
			continue;
		}
		s->kw[s->nkw] = strdup(kw[i]);
		if (!s->kw[s->nkw]) return -ENOMEM;
		s->nkw++;
	}
	if (!s->nkw) return 0;

	char *g = s->grammar;
	size_t cap = GRAMMAR_MAX;
	o = (size_t)snprintf(g, cap, "#JSGF V1.0;\ngrammar vd;\n<g> =");
	const char *sep = " ";
	for (size_t i = 0; i < NGARBAGE && o < cap; i++)
		if (s->have_garbage[i] && !keyword_word(s, garbage[i], strlen(garbage[i]))) {
			o += (size_t)snprintf(g + o, cap - o, "%s%s", sep, garbage[i]);
			sep = " | ";
		}
	if (o < cap) o += (size_t)snprintf(g + o, cap - o, ";\npublic <s> = ( /1/ <g>");
	for (size_t i = 0; i < s->nkw && o < cap; i++)
		o += (size_t)snprintf(g + o, cap - o, " | /%u/ %s", s->weight, s->kw[i]);
	if (o < cap) o += (size_t)snprintf(g + o, cap - o, " )*;\n");
	if (o >= cap) return -E2BIG;
	return set_grammar(s, g);
}

/* 8 kHz to 16 kHz, then the 4-8 kHz band filled: low-passed noise (white
 * noise through a second resampler) moved up by multiplying it with
 * (-1)^n, which mirrors its spectrum around 4 kHz. Deterministic from
 * widen_reset on, whatever the pieces' sizes. */
static void widen_reset(struct ps *s)
{
	speex_resampler_reset_mem(s->rs);
	speex_resampler_reset_mem(s->rs_noise);
	s->lcg = 12345u;
}

/* One piece (n <= VD_ASR_STREAM_PIECE) into out (UP_CAP); returns the
 * samples written. */
static size_t widen(struct ps *s, const int16_t *pcm, size_t n, int16_t *out)
{
	spx_uint32_t in = (spx_uint32_t)n, outn = UP_CAP;
	speex_resampler_process_int(s->rs, 0, pcm, &in, out, &outn);
	/* Uniform noise from an LCG; rms of U(-a, a) is a/sqrt(3). */
	float amp = NOISE_FILL * 1.7320508f;
	for (size_t i = 0; i < n; i++) {
		s->lcg = s->lcg * 1664525u + 1013904223u;
		s->noise8[i] = (int16_t)(((float)(s->lcg >> 8) / 8388608.0f - 1.0f) * amp);
	}
	spx_uint32_t in2 = (spx_uint32_t)n, out2 = UP_CAP;
	speex_resampler_process_int(s->rs_noise, 0, s->noise8, &in2, s->noise, &out2);
	for (spx_uint32_t i = 0; i < outn && i < out2; i++) {
		int v = out[i] + ((i & 1) ? -s->noise[i] : s->noise[i]);
		out[i] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
	}
	return outn;
}

/* Keeps the words of hyp that belong to keywords, in order. */
static void keep_keywords(const struct ps *s, const char *hyp, char *out, size_t size)
{
	size_t o = 0;
	out[0] = '\0';
	for (const char *p = hyp; *p;) {
		p += strspn(p, " ");
		size_t n = strcspn(p, " ");
		if (n && keyword_word(s, p, n) && o + n + 2 <= size) {
			if (o) out[o++] = ' ';
			memcpy(out + o, p, n);
			o += n;
			out[o] = '\0';
		}
		p += n;
	}
}

/* Makes the search for these keywords (or the free language model)
 * current. *idle: none of the keywords can be recognized here, there is
 * nothing to find. */
static int prepare(struct ps *s, const char *const *kw, size_t nkw, bool *idle)
{
	*idle = false;
	int err = nkw ? use_keywords(s, kw, nkw) : 0;
	if (err) {
		drop_keywords(s);
		return err;
	}
	if (nkw && !s->grammar_ok) {
		*idle = true;
		return 0;
	}
	bool grammar = nkw > 0;
	/* The language model is ~70 MB per decoder; keyword grammars, what
	 * calls use, do not need it, so it is loaded by the first free
	 * recognition (about a second). */
	if (!grammar && !s->lm_loaded) {
		if (ps_set_lm_file(s->ps, "free", s->lm_path) < 0) return -EIO;
		s->lm_loaded = true;
	}
	if (ps_set_search(s->ps, grammar ? "kw" : "free") < 0) return -EIO;
	s->kw_search = grammar;
	return 0;
}

/* The text of the utterance just ended. */
static void result(struct ps *s, char *out, size_t size)
{
	const char *hyp = ps_get_hyp(s->ps, NULL);
	if (!hyp) hyp = "";
	if (s->kw_search) keep_keywords(s, hyp, out, size);
	else snprintf(out, size, "%s", hyp);
}

/* A decoder's prior follows the utterances it decodes (the line, the
 * level of the callers of the moment), slowly. */
static void learn(struct ps *s, const mfcc_t *utt_mean)
{
	for (int k = 0; k < NCEP; k++)
		s->prior[k] = (1.0f - PRIOR_WEIGHT) * s->prior[k] + PRIOR_WEIGHT * utt_mean[k];
}

static int ps_recognize(void *inst, const int16_t *pcm, size_t n, const char *const *kw,
			size_t nkw, char *out, size_t size)
{
	struct ps *s = inst;
	bool idle;
	out[0] = '\0';
	int err = prepare(s, kw, nkw, &idle);
	if (err || idle) return err;
	size_t pieces = (n + VD_ASR_STREAM_PIECE - 1) / VD_ASR_STREAM_PIECE;
	int16_t *wide = malloc(pieces * UP_CAP * sizeof *wide);
	if (!wide) return -ENOMEM;
	size_t wn = 0;
	widen_reset(s);
	for (size_t i = 0; i < n; i += VD_ASR_STREAM_PIECE) {
		size_t k = n - i < VD_ASR_STREAM_PIECE ? n - i : VD_ASR_STREAM_PIECE;
		wn += widen(s, pcm + i, k, wide + wn);
	}
	/* the whole utterance's mean, as the model was trained */
	ps_get_feat(s->ps)->cmn = s->cmn_batch;
	err = -EIO;
	if (ps_start_utt(s->ps) >= 0) {
		int r = ps_process_raw(s->ps, wide, wn, FALSE, TRUE);
		if (ps_end_utt(s->ps) >= 0 && r >= 0) err = 0;
	}
	free(wide);
	if (err) return err;
	/* batch normalisation left the utterance's mean in cmn_mean */
	learn(s, ps_get_feat(s->ps)->cmn_struct->cmn_mean);
	result(s, out, size);
	return 0;
}

/* A stream, decoded from its first sample. Live normalisation (the
 * library switches to it when an utterance is not given whole) subtracts
 * a mean fixed for the utterance, its "prior": here the decoder's running
 * estimate (learn), which starts at the pipeline's mean. Waiting for the
 * stream's first second to take its own mean was as accurate but left
 * most of a short answer's decoding after its end (docs/internals/asr.md). */
static int ps_start(void *inst, const char *const *kw, size_t nkw)
{
	struct ps *s = inst;
	int err = prepare(s, kw, nkw, &s->idle);
	if (err || s->idle) return err;
	widen_reset(s);
	cmn_t *c = ps_get_feat(s->ps)->cmn_struct;
	cmn_live_set(c, s->prior);
	memcpy(s->sum0, c->sum, sizeof s->sum0);
	s->nframe0 = c->nframe;
	return ps_start_utt(s->ps) >= 0 ? 0 : -EIO;
}

static int ps_feed(void *inst, const int16_t *pcm, size_t n)
{
	struct ps *s = inst;
	if (s->idle) return 0;
	size_t wn = widen(s, pcm, n, s->up);
	return ps_process_raw(s->ps, s->up, wn, FALSE, FALSE) >= 0 ? 0 : -EIO;
}

static int ps_finish(void *inst, char *out, size_t size)
{
	struct ps *s = inst;
	out[0] = '\0';
	if (s->idle) {
		s->idle = false;
		return 0;
	}
	if (ps_end_utt(s->ps) < 0) return -EIO;
	/* The utterance's own mean, from the live sums, unless the library
	 * rescaled them (more than CMN_WIN_HWM frames in all). */
	cmn_t *c = ps_get_feat(s->ps)->cmn_struct;
	if (c->nframe > s->nframe0) {
		mfcc_t m[NCEP];
		for (int k = 0; k < NCEP; k++) m[k] = (c->sum[k] - s->sum0[k]) / (mfcc_t)(c->nframe - s->nframe0);
		learn(s, m);
	}
	result(s, out, size);
	return 0;
}

const struct vd_asr_engine vd_asr_pocketsphinx = {
	.name = "pocketsphinx",
	.open = ps_open,
	.close = ps_close,
	.recognize = ps_recognize,
	.start = ps_start,
	.feed = ps_feed,
	.finish = ps_finish,
};
