/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The call recorder: both directions mixed at their sample positions,
 * clipped, packets late or out of order landing where they belong, audio
 * older than what was written dropped, a put far ahead pushing the ring
 * out, and the file read back with libsndfile. */
#include <sndfile.h>
#include <stdlib.h>
#include <unistd.h>

#include "media/recorder.h"
#include "vtest.h"

#define LEN 40000   /* 5 s: more than two rings */

static int16_t want[LEN];

static void put(struct vd_recorder *r, uint64_t pos, int16_t v, size_t n)
{
	int16_t buf[480];
	for (size_t i = 0; i < n; i++) buf[i] = v;
	vd_recorder_put(r, pos, buf, n);
	for (size_t i = 0; i < n && pos + i < LEN; i++) {
		int32_t s = want[pos + i] + v;
		want[pos + i] = (int16_t)(s > 32767 ? 32767 : s < -32768 ? -32768 : s);
	}
}

int main(void)
{
	char path[] = "/tmp/vd_test_recorder_XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	close(fd);
	struct vd_recorder *r = NULL;
	CHECK_INT(vd_recorder_open(&r, path), 0);

	/* tx every 160 samples; rx the same frames 80 samples later, every
	 * fifth one arriving after the next (out of order); loud frames so
	 * the sum clips both ways. */
	uint64_t f;
	for (f = 0; f + 320 <= LEN; f += 160) {
		int16_t tx = (int16_t)((f / 160) % 7 == 0 ? 30000 : 1000 + (int)(f / 160));
		int16_t rx = (int16_t)((f / 160) % 7 == 0 ? 20000 : (f / 160) % 11 == 0 ? -32768 : -500);
		put(r, f, tx, 160);
		if ((f / 160) % 5 == 4) continue;   /* sent after the next frame */
		put(r, f + 80, rx, 160);
		if ((f / 160) % 5 == 0 && f >= 160 * 4 && (f / 160) != 0) {
			uint64_t late = f - 160;   /* the held-back frame of the last round */
			put(r, late + 80, -500, 160);
		}
		if (f > 1600 && f % 4000 == 0) vd_recorder_flush(r, f - 1600);
	}
	/* Older than what is written: dropped, the file does not change. */
	int16_t old[160] = {12345};
	vd_recorder_put(r, 0, old, 160);
	uint64_t n = 0;
	CHECK_INT(vd_recorder_close(r, &n), 0);
	CHECK_INT(n, f + 80);

	SF_INFO info = {0};
	SNDFILE *sf = sf_open(path, SFM_READ, &info);
	CHECK(sf != NULL);
	if (sf) {
		CHECK_INT(info.samplerate, 8000);
		CHECK_INT(info.channels, 1);
		CHECK_INT(info.frames, (long long)n);
		int16_t *got = calloc(n, sizeof *got);
		CHECK_INT(sf_readf_short(sf, got, (sf_count_t)n), (long long)n);
		size_t bad = 0, first = 0;
		for (size_t i = 0; i < n && i < LEN; i++)
			if (got[i] != want[i] && !bad++) first = i;
		CHECK_INT(bad, 0);
		if (bad) fprintf(stderr, "first difference at %zu: %d, expected %d\n", first, got[first], want[first]);
		free(got);
		sf_close(sf);
	}
	unlink(path);

	/* A put beyond the ring writes out what it pushes over the edge. */
	char path2[] = "/tmp/vd_test_recorder2_XXXXXX";
	fd = mkstemp(path2);
	CHECK(fd >= 0);
	close(fd);
	CHECK_INT(vd_recorder_open(&r, path2), 0);
	int16_t one[160];
	for (int i = 0; i < 160; i++) one[i] = 100;
	vd_recorder_put(r, 0, one, 160);
	vd_recorder_put(r, 30000, one, 160);   /* ~3.7 s later: 0..160 must be on disk */
	CHECK_INT(vd_recorder_close(r, &n), 0);
	CHECK_INT(n, 30160);
	sf = sf_open(path2, SFM_READ, &info);
	CHECK(sf != NULL);
	if (sf) {
		int16_t *got = calloc(n, sizeof *got);
		CHECK_INT(sf_readf_short(sf, got, (sf_count_t)n), (long long)n);
		CHECK_INT(got[0], 100);
		CHECK_INT(got[159], 100);
		CHECK_INT(got[160], 0);
		CHECK_INT(got[29999], 0);
		CHECK_INT(got[30000], 100);
		free(got);
		sf_close(sf);
	}
	unlink(path2);
	return vt_done();
}
