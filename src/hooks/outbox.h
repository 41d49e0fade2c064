/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The webhook sender: a thread that POSTs the results of template calls
 * from the store's outbox to their callback URLs with libcurl, signed with
 * the template's secret (header X-Voxdial-Signature: sha256=<hex HMAC-SHA256
 * of the body>). A non-2xx answer or a network error is retried with
 * exponential backoff (1 s doubling to 1 h, 20 tries); the outbox lives in
 * the database, so nothing is lost across restarts. */
#ifndef VD_OUTBOX_H
#define VD_OUTBOX_H

struct vd_store;
struct vd_outbox;

int vd_outbox_start(struct vd_outbox **out, struct vd_store *st);
/* Stops after the delivery in progress (if any). */
void vd_outbox_stop(struct vd_outbox *o);

/* Hex HMAC-SHA256 of body with key; `hex` needs 65 bytes. */
void vd_outbox_sign(const char *key, const char *body, char hex[65]);

#endif
