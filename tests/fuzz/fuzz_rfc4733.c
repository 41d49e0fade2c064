/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* libFuzzer target for the RFC 4733 receiver (core/rfc4733), which reads
 * telephone-event payloads straight off the network. The input is a packet
 * sequence: each record is a flags byte (bit 0 the marker, bits 1-3 a
 * timestamp step selector), a payload length byte (0-7) and the payload.
 * Checks, beyond "no crash": a short payload is rejected without touching
 * the state; a reported digit is one of the sixteen DTMF characters; the
 * very same packet fed twice in a row never reports twice. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/rfc4733.h"

static void check(int cond)
{
	if (!cond) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t steps[8] = {0, 160, 400, 65535, 0x80000000u, 0xffffff60u, 1, 12345};
	struct vd_rfc4733_rx rx;
	vd_rfc4733_rx_init(&rx);
	uint32_t ts = 0;
	size_t i = 0;
	while (i + 2 <= size) {
		uint8_t flags = data[i], len = data[i + 1] & 7;
		i += 2;
		if (len > size - i) len = (uint8_t)(size - i);
		ts += steps[(flags >> 1) & 7];
		struct vd_rfc4733_rx before = rx;
		int r = vd_rfc4733_rx_packet(&rx, data + i, len, ts, flags & 1);
		if (len < 4) {
			check(r == -EINVAL);
			check(before.have == rx.have && before.ended == rx.ended &&
			      before.event == rx.event && before.ts == rx.ts &&
			      before.duration == rx.duration);
		} else {
			check(r == 0 || (r > 0 && strchr("0123456789*#ABCD", r)));
			check(vd_rfc4733_rx_packet(&rx, data + i, len, ts, flags & 1) == 0);
		}
		i += len;
	}
	return 0;
}
