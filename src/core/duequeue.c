/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Per-zone heaps with a cached window state. A pick costs one look at each
 * zone's heap tops plus one O(log n) sift; the window is only evaluated when
 * `now` leaves the interval over which the zone's open/closed state is known
 * (until the next opening or closing), which happens twice a day per zone. */
#include "core/duequeue.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct ent {
	int64_t key;
	uint64_t tie;
	uint64_t client;
};

struct heap {
	struct ent *v;
	size_t n, cap;
};

struct zq {
	struct vd_zone zone;
	struct heap recalls; /* by due time */
	struct heap news;    /* by file order */
	int64_t valid_from, valid_until; /* `open` holds for now in [from, until) */
	bool open;
};

struct vd_duequeue {
	struct vd_window window;
	struct zq **zones;
	size_t nzones;
	size_t size, max;
	uint64_t tie;
};

static bool less(const struct ent *a, const struct ent *b)
{
	return a->key < b->key || (a->key == b->key && a->tie < b->tie);
}

static int heap_push(struct heap *h, struct ent e)
{
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 64;
		struct ent *v = realloc(h->v, cap * sizeof *v);
		if (!v) return -ENOMEM;
		h->v = v;
		h->cap = cap;
	}
	size_t i = h->n++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!less(&e, &h->v[parent])) break;
		h->v[i] = h->v[parent];
		i = parent;
	}
	h->v[i] = e;
	return 0;
}

static struct ent heap_pop(struct heap *h)
{
	struct ent top = h->v[0];
	struct ent last = h->v[--h->n];
	size_t i = 0, n = h->n;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n) break;
		if (c + 1 < n && less(&h->v[c + 1], &h->v[c])) c++;
		if (!less(&h->v[c], &last)) break;
		h->v[i] = h->v[c];
		i = c;
	}
	if (n) h->v[i] = last;
	return top;
}

static void invalidate(struct vd_duequeue *q)
{
	for (size_t i = 0; i < q->nzones; i++) {
		q->zones[i]->valid_from = INT64_MAX;
		q->zones[i]->valid_until = INT64_MIN;
	}
}

int vd_duequeue_alloc(struct vd_duequeue **out, const struct vd_window *w, size_t max_clients)
{
	if (!w || !max_clients) return -EINVAL;
	struct vd_duequeue *q = calloc(1, sizeof *q);
	if (!q) return -ENOMEM;
	q->window = *w;
	q->max = max_clients;
	*out = q;
	return 0;
}

void vd_duequeue_free(struct vd_duequeue *q)
{
	if (!q) return;
	for (size_t i = 0; i < q->nzones; i++) {
		free(q->zones[i]->recalls.v);
		free(q->zones[i]->news.v);
		free(q->zones[i]);
	}
	free(q->zones);
	free(q);
}

int vd_duequeue_add_zone(struct vd_duequeue *q, const struct vd_zone *z, uint16_t *zone_id)
{
	if (q->nzones >= VD_DUEQUEUE_MAX_ZONES) return -ENOSPC;
	if (z->n == 0 || z->n > VD_ZONE_MAX_SPANS) return -EINVAL;
	struct zq *nz = calloc(1, sizeof *nz);
	if (!nz) return -ENOMEM;
	struct zq **zones = realloc(q->zones, (q->nzones + 1) * sizeof *zones);
	if (!zones) {
		free(nz);
		return -ENOMEM;
	}
	q->zones = zones;
	nz->zone = *z;
	nz->valid_from = INT64_MAX;
	nz->valid_until = INT64_MIN;
	q->zones[q->nzones] = nz;
	*zone_id = (uint16_t)q->nzones++;
	return 0;
}

void vd_duequeue_set_window(struct vd_duequeue *q, const struct vd_window *w)
{
	q->window = *w;
	invalidate(q);
}

static int push(struct vd_duequeue *q, uint16_t zone, bool recall, int64_t key,
		uint64_t client)
{
	if (zone >= q->nzones) return -EINVAL;
	if (q->size >= q->max) return -ENOSPC;
	struct zq *z = q->zones[zone];
	struct ent e = {.key = key, .tie = q->tie, .client = client};
	int rc = heap_push(recall ? &z->recalls : &z->news, e);
	if (rc) return rc;
	q->tie++;
	q->size++;
	return 0;
}

int vd_duequeue_push_new(struct vd_duequeue *q, uint64_t client, uint16_t zone, uint64_t seq)
{
	if (seq > INT64_MAX) return -EINVAL;
	return push(q, zone, false, (int64_t)seq, client);
}

int vd_duequeue_push_recall(struct vd_duequeue *q, uint64_t client, uint16_t zone,
			    int64_t due_s)
{
	return push(q, zone, true, due_s, client);
}

/* Whether the zone's window is open at now_s, from the cache when possible. */
static bool zone_open(const struct vd_window *w, struct zq *z, int64_t now_s)
{
	if (now_s >= z->valid_from && now_s < z->valid_until) return z->open;
	int64_t until;
	z->open = vd_window_is_open(w, &z->zone, now_s);
	if (z->open) {
		if (vd_window_next_close(w, &z->zone, now_s, &until)) until = now_s + 1;
	} else {
		if (vd_window_next_open(w, &z->zone, now_s, &until)) until = INT64_MAX;
	}
	z->valid_from = now_s;
	z->valid_until = until > now_s ? until : now_s + 1;
	return z->open;
}

int vd_duequeue_pop(struct vd_duequeue *q, int64_t now_s, struct vd_due *out)
{
	struct zq *best = NULL;
	size_t best_i = 0;
	/* due recalls first, oldest due first */
	for (size_t i = 0; i < q->nzones; i++) {
		struct zq *z = q->zones[i];
		if (!z->recalls.n || z->recalls.v[0].key > now_s) continue;
		if (best && !less(&z->recalls.v[0], &best->recalls.v[0])) continue;
		if (!zone_open(&q->window, z, now_s)) continue;
		best = z;
		best_i = i;
	}
	bool recall = best != NULL;
	if (!best) {
		for (size_t i = 0; i < q->nzones; i++) {
			struct zq *z = q->zones[i];
			if (!z->news.n) continue;
			if (best && !less(&z->news.v[0], &best->news.v[0])) continue;
			if (!zone_open(&q->window, z, now_s)) continue;
			best = z;
			best_i = i;
		}
	}
	if (!best) return -EAGAIN;
	struct ent e = heap_pop(recall ? &best->recalls : &best->news);
	q->size--;
	out->client = e.client;
	out->is_recall = recall;
	out->key = e.key;
	out->zone = (uint16_t)best_i;
	return 0;
}

int vd_duequeue_next_s(struct vd_duequeue *q, int64_t now_s, int64_t *when_s)
{
	int64_t best = INT64_MAX;
	for (size_t i = 0; i < q->nzones; i++) {
		struct zq *z = q->zones[i];
		int64_t from = INT64_MAX, t;
		if (z->news.n) from = now_s;
		else if (z->recalls.n) from = z->recalls.v[0].key > now_s ? z->recalls.v[0].key : now_s;
		if (from == INT64_MAX || from >= best) continue;
		if (vd_window_next_open(&q->window, &z->zone, from, &t)) continue;
		if (t < best) best = t;
	}
	if (best == INT64_MAX) return -ENOENT;
	*when_s = best;
	return 0;
}

size_t vd_duequeue_size(const struct vd_duequeue *q)
{
	return q->size;
}
