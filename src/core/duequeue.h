/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The due queue: which client the dialer calls next. DESIGN.md "Dialing":
 * due recalls first (oldest due first), then new clients in file order, and
 * nobody outside the calling window of their own time zone. Clients are kept
 * per zone in two binary heaps (recalls by due time, new clients by file
 * order); each zone caches whether its window is open and until when, so a
 * pick looks at the heap tops of the open zones and never at the tz
 * database. Pure (libc malloc only); the dialer's loop owns it. */
#ifndef VD_DUEQUEUE_H
#define VD_DUEQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/window.h"
#include "core/zone.h"

#define VD_DUEQUEUE_MAX_ZONES 1024

struct vd_duequeue;

/* A client taken from the queue. */
struct vd_due {
	uint64_t client;  /* the caller's key (clients.id) */
	bool is_recall;
	int64_t key;      /* recall: due time (unix s); new: its file order */
	uint16_t zone;
};

/* Allocates an empty queue for a task whose calling window is `w` (copied),
 * holding at most `max_clients` entries. Not refcounted: free it with
 * vd_duequeue_free. Returns 0 and *out, -EINVAL or -ENOMEM. */
int vd_duequeue_alloc(struct vd_duequeue **out, const struct vd_window *w, size_t max_clients);

/* Frees the queue and its entries. NULL is fine. */
void vd_duequeue_free(struct vd_duequeue *q);

/* Registers a time zone (copied) and returns its id in *zone_id; clients
 * name their zone by this id. Returns 0, -ENOSPC past VD_DUEQUEUE_MAX_ZONES,
 * or -ENOMEM. */
int vd_duequeue_add_zone(struct vd_duequeue *q, const struct vd_zone *z, uint16_t *zone_id);

/* Replaces the calling window (a task edit); cached open/closed states are
 * recomputed at the next pick. */
void vd_duequeue_set_window(struct vd_duequeue *q, const struct vd_window *w);

/* Queues a client never called yet; `seq` is its file order (lower first).
 * Returns 0, -EINVAL (unknown zone), -ENOSPC (queue full) or -ENOMEM. */
int vd_duequeue_push_new(struct vd_duequeue *q, uint64_t client, uint16_t zone, uint64_t seq);

/* Queues a recall due at `due_s`. Same returns as vd_duequeue_push_new. */
int vd_duequeue_push_recall(struct vd_duequeue *q, uint64_t client, uint16_t zone,
			    int64_t due_s);

/* Takes the next client to call at `now_s`: among zones whose window is
 * open, the recall with the oldest due time <= now_s, else the new client
 * with the lowest file order (ties in push order). Returns 0 and *out, or
 * -EAGAIN when nobody may be called now. Removing a client (deleted,
 * cancelled) is done by the caller ignoring it when it comes out. */
int vd_duequeue_pop(struct vd_duequeue *q, int64_t now_s, struct vd_due *out);

/* The earliest instant >= now_s at which vd_duequeue_pop could return a
 * client (for the dialer's timer). Returns 0 and *when_s, or -ENOENT when
 * the queue is empty or no window ever opens. */
int vd_duequeue_next_s(struct vd_duequeue *q, int64_t now_s, int64_t *when_s);

/* Number of queued clients. */
size_t vd_duequeue_size(const struct vd_duequeue *q);

#endif
