/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* `voxdial dial`: one call through a trunk, without a database, printing
 * each telephony event as a JSON line. For checking a trunk by hand:
 *   voxdial dial --trunk 127.0.0.1:5070 --to 79161234560 --from 74950000000 \
 *                [--user U --password P] [--wav prompt.wav] [--record out.wav]
 *                [--ring-timeout-s 30] [--tcp] */
#include "cli/cli.h"
#include "media/pcm.h"
#include "tel/tel.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dial_wait {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;
};

static void on_event(const struct vd_tel_event *ev, void *arg)
{
	struct dial_wait *w = arg;
	static const char *const names[] = {"?", "progress", "answered", "ended"};
	printf("{\"event\":\"%s\",\"call\":%lld,\"t_ms\":%lld", names[ev->type], (long long)ev->call_id,
	       (long long)ev->t_ms);
	if (ev->type == VD_TEL_ENDED)
		printf(",\"sip_code\":%d,\"answered\":%s,\"ring_timeout\":%s,\"no_response\":%s,"
		       "\"remote_hangup\":%s,\"media_dead\":%s,\"tech_failure\":%s,\"recorded_ms\":%lld",
		       ev->sip_code, ev->answered ? "true" : "false", ev->ring_timeout ? "true" : "false",
		       ev->no_response ? "true" : "false", ev->remote_hangup ? "true" : "false",
		       ev->media_dead ? "true" : "false", ev->tech_failure ? "true" : "false",
		       (long long)ev->recorded_ms);
	printf("}\n");
	fflush(stdout);
	if (ev->type == VD_TEL_ENDED) {
		pthread_mutex_lock(&w->lock);
		w->done = true;
		pthread_cond_signal(&w->cond);
		pthread_mutex_unlock(&w->lock);
	}
}

int vd_cmd_dial(int argc, char **argv)
{
	const char *trunk = vd_cli_flag(argc, argv, "--trunk", NULL, NULL);
	const char *to = vd_cli_flag(argc, argv, "--to", NULL, NULL);
	const char *from = vd_cli_flag(argc, argv, "--from", NULL, "anonymous");
	const char *wav = vd_cli_flag(argc, argv, "--wav", NULL, NULL);
	const char *rec = vd_cli_flag(argc, argv, "--record", NULL, "");
	const char *ring = vd_cli_flag(argc, argv, "--ring-timeout-s", NULL, "30");
	const char *sip = vd_cli_flag(argc, argv, "--sip", "VOXDIAL_SIP", "127.0.0.1:0");
	if (!trunk || !to || !strchr(trunk, ':')) {
		fprintf(stderr, "usage: voxdial dial --trunk HOST:PORT --to NUMBER [--from CALLERID] [--wav F]"
				" [--record F] [--user U --password P] [--ring-timeout-s S] [--tcp]\n");
		return 2;
	}
	struct vd_dial d = {.call_id = 1, .ring_timeout_s = (uint32_t)strtoul(ring, NULL, 10), .max_call_s = 600};
	const char *colon = strrchr(trunk, ':');
	snprintf(d.host, sizeof d.host, "%.*s", (int)(colon - trunk), trunk);
	d.port = (uint16_t)strtoul(colon + 1, NULL, 10);
	for (int i = 0; i < argc; i++) d.tcp = d.tcp || !strcmp(argv[i], "--tcp");
	snprintf(d.username, sizeof d.username, "%s", vd_cli_flag(argc, argv, "--user", NULL, ""));
	snprintf(d.password, sizeof d.password, "%s", vd_cli_flag(argc, argv, "--password", NULL, ""));
	snprintf(d.caller_id, sizeof d.caller_id, "%s", from);
	snprintf(d.dial_string, sizeof d.dial_string, "%s", to);
	snprintf(d.record_path, sizeof d.record_path, "%s", rec);
	if (wav && vd_pcm_load_wav(wav, &d.prompt) != 0) {
		fprintf(stderr, "voxdial: --wav: %s is not an 8 kHz mono WAV\n", wav);
		return 2;
	}
	char addr[64];
	const char *sc = strrchr(sip, ':');
	snprintf(addr, sizeof addr, "%.*s", sc ? (int)(sc - sip) : (int)strlen(sip), sip);
	struct dial_wait w = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};
	struct vd_tel_params tp = {.sip_addr = addr, .sip_port = sc ? (uint16_t)strtoul(sc + 1, NULL, 10) : 0,
				   .rtp_timeout_s = 30, .evh = on_event, .arg = &w,
				   .threads = 1};
	struct vd_tel *t = NULL;
	int err = vd_tel_start(&t, &tp);
	if (!err) err = vd_tel_dial(t, &d);
	vd_pcm_unref(d.prompt);
	if (err) {
		fprintf(stderr, "voxdial: cannot place the call (%d)\n", err);
		vd_tel_stop(t);
		return 1;
	}
	pthread_mutex_lock(&w.lock);
	while (!w.done) pthread_cond_wait(&w.cond, &w.lock);
	pthread_mutex_unlock(&w.lock);
	vd_tel_stop(t);
	return 0;
}
