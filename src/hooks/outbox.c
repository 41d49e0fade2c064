/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Webhook delivery; see outbox.h. Deliveries are sequential: a slow CRM
 * delays the others but cannot exhaust threads or sockets; each request has
 * a 10 s timeout. */
#include "hooks/outbox.h"
#include "store/store.h"
#include "util/log.h"

#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BATCH 16
#define MAX_TRIES 20

struct vd_outbox {
	struct vd_store *st;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
	CURL *curl;
};

struct pending {
	int64_t id, account_id, template_id;
	char *url, *body;
	int attempts;
};

void vd_outbox_sign(const char *key, const char *body, char hex[65])
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state s;
	crypto_auth_hmacsha256_init(&s, (const unsigned char *)key, strlen(key));
	crypto_auth_hmacsha256_update(&s, (const unsigned char *)body, strlen(body));
	crypto_auth_hmacsha256_final(&s, mac);
	sodium_bin2hex(hex, 65, mac, sizeof mac);
}

static int collect(void *arg, const struct vd_webhook *w)
{
	struct pending *p = arg;
	int i = 0;
	while (i < BATCH && p[i].url) i++;
	if (i == BATCH) return 1;
	p[i] = (struct pending){.id = w->id, .account_id = w->account_id, .template_id = w->template_id,
				.url = strdup(w->url), .body = strdup(w->body), .attempts = w->attempts};
	if (!p[i].url || !p[i].body) {
		free(p[i].url);
		free(p[i].body);
		p[i].url = NULL;
		return 1;
	}
	return 0;
}

static size_t discard(char *ptr, size_t size, size_t n, void *arg)
{
	(void)ptr;
	(void)arg;
	return size * n;
}

static void deliver(struct vd_outbox *o, const struct pending *p)
{
	struct vd_res r = {0};
	char secret[300] = "";
	if (vd_store_res_get(o->st, VD_KIND_TEMPLATE, p->account_id, p->template_id, &r) == 0) {
		json_t *b = json_loads(r.body, 0, NULL);
		const char *sec = json_string_value(json_object_get(b, "callback_secret"));
		snprintf(secret, sizeof secret, "%s", sec ? sec : "");
		json_decref(b);
		vd_res_reset(&r);
	}
	char hex[65], sig[96];
	vd_outbox_sign(secret, p->body, hex);
	snprintf(sig, sizeof sig, "X-Voxdial-Signature: sha256=%s", hex);
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	h = curl_slist_append(h, sig);
	curl_easy_reset(o->curl);
	curl_easy_setopt(o->curl, CURLOPT_URL, p->url);
	curl_easy_setopt(o->curl, CURLOPT_POSTFIELDS, p->body);
	curl_easy_setopt(o->curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(o->curl, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(o->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(o->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(o->curl, CURLOPT_USERAGENT, "voxdial/" VD_VERSION);
	curl_easy_setopt(o->curl, CURLOPT_WRITEFUNCTION, discard);
	CURLcode rc = curl_easy_perform(o->curl);
	long code = 0;
	curl_easy_getinfo(o->curl, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(h);
	bool ok = rc == CURLE_OK && code >= 200 && code < 300;
	char err[160] = "";
	if (!ok) {
		if (rc != CURLE_OK) snprintf(err, sizeof err, "%s", curl_easy_strerror(rc));
		else snprintf(err, sizeof err, "HTTP %ld", code);
	}
	int tries = p->attempts + 1;
	int64_t backoff_ms = 1000LL << (tries < 12 ? tries - 1 : 11);
	if (backoff_ms > 3600000) backoff_ms = 3600000;
	bool give_up = !ok && tries >= MAX_TRIES;
	if (vd_store_webhook_result(o->st, p->id, ok, vd_store_now_ms() + backoff_ms, give_up, ok ? NULL : err) != 0)
		vd_err("outbox", "webhook=%lld cannot record the delivery", (long long)p->id);
	if (ok)
		vd_info("outbox", "webhook=%lld delivered (HTTP %ld)", (long long)p->id, code);
	else
		vd_warn("outbox", "webhook=%lld try %d failed: %s%s", (long long)p->id, tries, err,
			give_up ? " (giving up)" : "");
}

static void *thread_main(void *arg)
{
	struct vd_outbox *o = arg;
	for (;;) {
		pthread_mutex_lock(&o->lock);
		if (o->stop) {
			pthread_mutex_unlock(&o->lock);
			break;
		}
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 250 * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&o->cond, &o->lock, &ts);
		bool stop = o->stop;
		pthread_mutex_unlock(&o->lock);
		if (stop) break;
		struct pending p[BATCH];
		memset(p, 0, sizeof p);
		if (vd_store_webhooks_due(o->st, vd_store_now_ms(), BATCH, collect, p) != 0) continue;
		for (int i = 0; i < BATCH && p[i].url; i++) {
			deliver(o, &p[i]);
			free(p[i].url);
			free(p[i].body);
		}
	}
	return NULL;
}

int vd_outbox_start(struct vd_outbox **out, struct vd_store *st)
{
	struct vd_outbox *o = calloc(1, sizeof *o);
	if (!o) return -ENOMEM;
	o->st = st;
	o->curl = curl_easy_init();
	if (!o->curl) {
		free(o);
		return -ENOMEM;
	}
	pthread_mutex_init(&o->lock, NULL);
	pthread_cond_init(&o->cond, NULL);
	if (pthread_create(&o->thread, NULL, thread_main, o) != 0) {
		curl_easy_cleanup(o->curl);
		free(o);
		return -EAGAIN;
	}
	*out = o;
	return 0;
}

void vd_outbox_stop(struct vd_outbox *o)
{
	if (!o) return;
	pthread_mutex_lock(&o->lock);
	o->stop = true;
	pthread_cond_signal(&o->cond);
	pthread_mutex_unlock(&o->lock);
	pthread_join(o->thread, NULL);
	curl_easy_cleanup(o->curl);
	pthread_mutex_destroy(&o->lock);
	pthread_cond_destroy(&o->cond);
	free(o);
}
