/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* In-band DTMF (media/dtmf): digits generated with spandsp's dtmf_tx are
 * found in 20 ms frames, clean, through a G.711 A-law round trip, with line
 * noise, in odd chunk sizes; espeak-ng speech gives no false digit; and the
 * cost per 20 ms frame is printed (docs/internals/asr.md). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <spandsp.h>

#include "media/dtmf.h"
#include "media/tts.h"
#include "vtest.h"

#define MAXS (8000 * 30)

/* `digits` as tones (spandsp defaults: -10 dBm0 per tone, 50 ms on, 55 ms
 * off) after 200 ms of silence, with 300 ms of silence after. */
static size_t tones(const char *digits, int16_t *out, size_t max)
{
	dtmf_tx_state_t *tx = dtmf_tx_init(NULL);
	dtmf_tx_put(tx, digits, -1);
	size_t n = 1600;
	for (size_t i = 0; i < n; i++) out[i] = 0;
	int k;
	while (n < max && (k = dtmf_tx(tx, out + n, (int)(max - n > 160 ? 160 : max - n))) > 0)
		n += (size_t)k;
	for (size_t end = n + 2400; n < end && n < max; n++) out[n] = 0;
	dtmf_tx_free(tx);
	return n;
}

static void alaw_round_trip(int16_t *s, size_t n)
{
	for (size_t i = 0; i < n; i++) s[i] = alaw_to_linear(linear_to_alaw(s[i]));
}

static void add_noise(int16_t *s, size_t n, float dbm0)
{
	awgn_state_t *a = awgn_init_dbm0(NULL, 1234567, dbm0);
	for (size_t i = 0; i < n; i++) {
		int v = s[i] + awgn(a);
		s[i] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
	}
	awgn_free(a);
}

/* Runs a fresh detector over s[0..n) in `chunk`-sample pieces. */
static void detect(const int16_t *s, size_t n, size_t chunk, char *got, size_t size)
{
	struct vd_dtmf *d;
	CHECK_INT(vd_dtmf_alloc(&d), 0);
	size_t k = 0;
	got[0] = '\0';
	for (size_t off = 0; off < n; off += chunk) {
		char buf[8];
		size_t m = n - off < chunk ? n - off : chunk;
		int r = vd_dtmf_feed(d, s + off, m, buf, sizeof buf);
		CHECK(r >= 0 && r < (int)sizeof buf);
		for (int i = 0; i < r && k + 1 < size; i++) got[k++] = buf[i];
	}
	got[k] = '\0';
	vd_dtmf_free(d);
}

static int16_t sig[MAXS];

static void digits(void)
{
	static const char all[] = "0123456789*#ABCD";
	char got[64];
	size_t n = tones(all, sig, MAXS);
	detect(sig, n, 160, got, sizeof got);
	CHECK_STR(got, all);
	detect(sig, n, 37, got, sizeof got);  /* chunking does not matter */
	CHECK_STR(got, all);
	alaw_round_trip(sig, n);
	detect(sig, n, 160, got, sizeof got);
	CHECK_STR(got, all);

	/* noise: -40 dBm0 is a quiet line (30 dB below the tones), -25 dBm0 a
	 * noisy one (15 dB); both through A-law */
	static const float levels[] = {-40.0f, -25.0f};
	for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++) {
		n = tones("159#", sig, MAXS);
		add_noise(sig, n, levels[i]);
		alaw_round_trip(sig, n);
		detect(sig, n, 160, got, sizeof got);
		if (strcmp(got, "159#")) fprintf(stderr, "noise %.0f dBm0: got '%s'\n", levels[i], got);
		CHECK_STR(got, "159#");
	}
}

/* The output buffer holds fewer digits than were heard: the rest come out
 * on the next call, none lost. */
static void small_buffer(void)
{
	size_t n = tones("42", sig, MAXS);
	struct vd_dtmf *d;
	CHECK_INT(vd_dtmf_alloc(&d), 0);
	char one[2];
	CHECK_INT(vd_dtmf_feed(d, sig, n, one, sizeof one), 1);
	CHECK_STR(one, "4");
	CHECK_INT(vd_dtmf_feed(d, sig, 0, one, sizeof one), 1);
	CHECK_STR(one, "2");
	CHECK_INT(vd_dtmf_feed(d, sig, 0, one, sizeof one), 0);
	CHECK_STR(one, "");
	vd_dtmf_free(d);
	vd_dtmf_free(NULL);
}

/* Speech is the main source of false digits ("talk-off"). */
static void no_talk_off(void)
{
	static const char *const lines[] = {
		"Yes please, call me later.",
		"No thanks, I am not interested in this offer at all.",
		"Hello? Who is this? Could you repeat that, please?",
		"Operator! I would like to speak to a real person about my account number.",
		"Seven, eight, nine, hash, star. One two three four five six.",
	};
	static const char *const voices[] = {"en", "en-us", "en+f3"};
	for (size_t v = 0; v < sizeof voices / sizeof voices[0]; v++)
		for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
			struct vd_pcm *p;
			if (vd_tts_say(lines[i], voices[v], &p)) {
				CHECK(!"tts");
				continue;
			}
			size_t n = p->nsamples < MAXS ? p->nsamples : MAXS;
			memcpy(sig, p->samples, n * sizeof *sig);
			vd_pcm_unref(p);
			char got[64];
			detect(sig, n, 160, got, sizeof got);
			if (got[0]) fprintf(stderr, "talk-off: %s / %s: '%s'\n", voices[v], lines[i], got);
			CHECK_STR(got, "");
			alaw_round_trip(sig, n);
			add_noise(sig, n, -40.0f);
			detect(sig, n, 160, got, sizeof got);
			CHECK_STR(got, "");
		}
}

static void cost(void)
{
	size_t n = tones("0123456789", sig, MAXS);
	add_noise(sig, n, -40.0f);
	struct vd_dtmf *d;
	CHECK_INT(vd_dtmf_alloc(&d), 0);
	struct timespec a, b;
	size_t frames = 0;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int rep = 0; rep < 20; rep++)
		for (size_t off = 0; off + 160 <= n; off += 160, frames++) {
			char buf[8];
			vd_dtmf_feed(d, sig + off, 160, buf, sizeof buf);
		}
	clock_gettime(CLOCK_MONOTONIC, &b);
	double us = ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / 1e3;
	printf("dtmf: %.2f us per 20 ms frame (%zu frames)\n", us / (double)frames, frames);
	vd_dtmf_free(d);
}

int main(void)
{
	digits();
	small_buffer();
	no_talk_off();
	cost();
	return vt_done();
}
