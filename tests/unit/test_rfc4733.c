/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* RFC 4733 telephone events: payload parsing, then packet transcripts as a
 * trunk sends them (start with the marker bit, updates, three end copies)
 * with losses, reordering, repeats of one key and long presses, checking
 * that each key press yields exactly one digit. */
#include <errno.h>

#include "core/rfc4733.h"
#include "vtest.h"

static void parsing(void)
{
	/* RFC 4733 section 2.3: event 5, E=1, R=0, volume 10, duration 800 */
	const uint8_t p[] = {0x05, 0x8a, 0x03, 0x20};
	struct vd_rfc4733_event ev = {0};
	CHECK_INT(vd_rfc4733_parse(p, 4, &ev), 0);
	CHECK_INT(ev.event, 5);
	CHECK(ev.end);
	CHECK_INT(ev.volume, 10);
	CHECK_INT(ev.duration, 800);
	/* the reserved R bit is ignored; volume is the low six bits */
	const uint8_t q[] = {0x0b, 0x7f, 0xff, 0xff, 0xaa};
	CHECK_INT(vd_rfc4733_parse(q, 5, &ev), 0);
	CHECK_INT(ev.event, 11);
	CHECK(!ev.end);
	CHECK_INT(ev.volume, 63);
	CHECK_INT(ev.duration, 65535);
	struct vd_rfc4733_event untouched = {.event = 99};
	CHECK_INT(vd_rfc4733_parse(p, 3, &untouched), -EINVAL);
	CHECK_INT(untouched.event, 99);
	CHECK_INT(vd_rfc4733_parse(NULL, 4, &untouched), -EINVAL);

	static const char want[] = "0123456789*#ABCD";
	for (int e = 0; e < 16; e++) CHECK_INT(vd_rfc4733_digit((uint8_t)e), want[e]);
	CHECK_INT(vd_rfc4733_digit(16), 0);  /* flash */
	CHECK_INT(vd_rfc4733_digit(255), 0);
}

/* One received packet and what the receiver must say for it. */
struct pkt {
	uint32_t ts;
	int marker;
	uint8_t event;
	int end;
	uint16_t duration;
	char want;  /* the digit reported, or 0 */
};

static void run(const char *name, const struct pkt *p, size_t n, const char *digits)
{
	struct vd_rfc4733_rx rx;
	vd_rfc4733_rx_init(&rx);
	char got[64] = "";
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t b[4] = {p[i].event, (uint8_t)((p[i].end ? 0x80 : 0) | 10),
				(uint8_t)(p[i].duration >> 8), (uint8_t)p[i].duration};
		int r = vd_rfc4733_rx_packet(&rx, b, 4, p[i].ts, p[i].marker);
		if (r != p[i].want)
			fprintf(stderr, "%s: packet %zu: got %d, expected %d\n", name, i, r,
				p[i].want);
		CHECK_INT(r, p[i].want);
		if (r > 0 && k + 1 < sizeof got) got[k++] = (char)r;
	}
	got[k] = '\0';
	CHECK_STR(got, digits);
}

#define RUN(name, rows, digits) run(name, rows, sizeof rows / sizeof rows[0], digits)

static void transcripts(void)
{
	/* "1" then "2", 8 kHz clock, 50 ms updates, three end copies each */
	static const struct pkt two_keys[] = {
		{1000, 1, 1, 0, 400, '1'},
		{1000, 0, 1, 0, 800, 0},
		{1000, 0, 1, 0, 1200, 0},
		{1000, 0, 1, 1, 1280, 0},
		{1000, 0, 1, 1, 1280, 0},
		{1000, 0, 1, 1, 1280, 0},
		{4000, 1, 2, 0, 400, '2'},
		{4000, 0, 2, 1, 800, 0},
		{4000, 0, 2, 1, 800, 0},
		{4000, 0, 2, 1, 800, 0},
	};
	RUN("two keys", two_keys, "12");

	/* the same key twice: a new timestamp is a new press */
	static const struct pkt same_key[] = {
		{160, 1, 5, 0, 400, '5'},
		{160, 0, 5, 1, 800, 0},
		{160, 0, 5, 1, 800, 0},
		{160, 0, 5, 1, 800, 0},
		{2400, 1, 5, 0, 400, '5'},
		{2400, 0, 5, 1, 960, 0},
	};
	RUN("same key twice", same_key, "55");

	/* the start packet lost: the first update reports the press */
	static const struct pkt lost_start[] = {
		{8000, 0, 11, 0, 800, '#'},
		{8000, 0, 11, 1, 1200, 0},
		{8000, 0, 11, 1, 1200, 0},
	};
	RUN("lost start", lost_start, "#");

	/* only one end copy got through: still one digit */
	static const struct pkt only_end[] = {{500, 0, 10, 1, 1000, '*'}};
	RUN("only an end packet", only_end, "*");

	/* reordering: an end copy of '3' after the start of '4', and a
	 * retransmitted start of '4' */
	static const struct pkt reordered[] = {
		{1000, 1, 3, 0, 400, '3'},
		{1000, 0, 3, 1, 800, 0},
		{3000, 1, 4, 0, 400, '4'},
		{1000, 0, 3, 1, 800, 0},
		{3000, 1, 4, 0, 400, 0},
		{3000, 0, 4, 1, 800, 0},
	};
	RUN("reordered", reordered, "34");

	/* timestamps wrap around 2^32 between presses */
	static const struct pkt wrap[] = {
		{4294966000u, 1, 7, 0, 400, '7'},
		{4294966000u, 0, 7, 1, 800, 0},
		{704, 1, 8, 0, 400, '8'},
		{4294966000u, 0, 7, 1, 800, 0},
		{704, 0, 8, 1, 800, 0},
	};
	RUN("timestamp wrap", wrap, "78");

	/* section 2.5.1.3: a press longer than 0xFFFF units (8.2 s at 8 kHz)
	 * goes on as a segment at ts + 0xFFFF, no marker: still one press */
	static const struct pkt long_press[] = {
		{100, 1, 0, 0, 400, '0'},
		{100, 0, 0, 0, 65535, 0},
		{100 + 65535, 0, 0, 0, 400, 0},
		{100 + 65535, 0, 0, 1, 2000, 0},
		{100 + 65535, 0, 0, 1, 2000, 0},
		{200000, 1, 0, 0, 400, '0'},
	};
	RUN("long press", long_press, "00");

	/* non-DTMF events (flash = 16) are tracked but give no digit, and do
	 * not swallow the next key */
	static const struct pkt flash[] = {
		{100, 1, 16, 0, 400, 0},
		{100, 0, 16, 1, 800, 0},
		{2000, 1, 15, 0, 400, 'D'},
	};
	RUN("flash", flash, "D");
}

static void malformed(void)
{
	struct vd_rfc4733_rx rx;
	vd_rfc4733_rx_init(&rx);
	const uint8_t one[] = {1, 0, 1, 144};
	CHECK_INT(vd_rfc4733_rx_packet(&rx, one, 4, 10, true), '1');
	CHECK_INT(vd_rfc4733_rx_packet(&rx, one, 2, 99, true), -EINVAL);
	/* the short packet changed nothing: the press is still '1' at ts 10 */
	CHECK_INT(vd_rfc4733_rx_packet(&rx, one, 4, 10, false), 0);
}

int main(void)
{
	parsing();
	transcripts();
	malformed();
	return vt_done();
}
