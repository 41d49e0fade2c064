/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The dialer: one thread that runs the call tasks. It reads the tasks and
 * their due clients from the store, decides with src/core (calling window,
 * pacing, caller ID, dial plan, recall rules, outcome, cost), writes each
 * attempt before handing the call to the telephony thread, and closes the
 * attempt when the telephony thread reports its end.
 *
 * Crash safety: at start, attempts left open by a crash are closed as
 * `failure` and go through the recall rules like any failure; a client is
 * claimed and its attempt written in one transaction before the INVITE, so
 * an attempt is never dialed twice. */
#ifndef VD_DIALER_H
#define VD_DIALER_H

#include <stdint.h>

struct vd_store;
struct vd_tel;
struct vd_tel_event;
struct vd_dialer;

struct vd_dialer_params {
	struct vd_store *store;      /* borrowed */
	const char *data_dir;        /* recordings go to DATA/recordings/<account>/<task>/ */
	unsigned max_inflight;       /* calls at once over all tasks (0: 5000) */
	/* Calls dialed under a second ago that no response has reached yet
	 * (0: 100). The telephony thread's backlog: past its capacity, new
	 * INVITEs wait here rather than in its queue, where answers would come
	 * too late. Caps the rate at max_setup calls/s when the trunk's first
	 * response takes a second or more. */
	unsigned max_setup;
};

/* Creates the dialer (no thread yet): pass vd_dialer_tel_event and the
 * dialer as the telephony engine's event handler, then vd_dialer_run. */
int vd_dialer_alloc(struct vd_dialer **out, const struct vd_dialer_params *p);
/* The telephony event handler (runs on the telephony thread; only queues). */
void vd_dialer_tel_event(const struct vd_tel_event *ev, void *arg);
/* Recovers open attempts and starts the dialing thread. */
int vd_dialer_run(struct vd_dialer *d, struct vd_tel *tel);
/* Shutdown, in this order: vd_dialer_quiesce (no new calls; calls our
 * side ends from now on count as failures, so the recall rules retry them),
 * vd_tel_stop (hangs up every call; their end events are queued here), then
 * vd_dialer_stop (writes every queued end, stops the thread, frees). */
void vd_dialer_quiesce(struct vd_dialer *d);
void vd_dialer_stop(struct vd_dialer *d);

#endif
