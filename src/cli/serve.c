/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* `voxdial serve`: opens the store (applying migrations), starts the HTTP
 * API and waits for SIGTERM or SIGINT, then shuts down in order: stop
 * accepting requests, finish the ones in flight, close the store. Signals
 * are blocked in every thread and taken synchronously with sigwait, so no
 * handler runs in an arbitrary thread. */
#include "api/api.h"
#include "cli/cli.h"
#include "dialer/dialer.h"
#include "hooks/outbox.h"
#include "reports/report.h"
#include "tel/tel.h"
#include "store/store.h"
#include "util/log.h"
#include "util/secret.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Splits "ADDR:PORT" into addr (buffer) and port. */
static int parse_hostport(const char *s, char *addr, size_t size, uint16_t *port)
{
	const char *colon = strrchr(s, ':');
	if (!colon || colon == s || (size_t)(colon - s) >= size) return -EINVAL;
	char *end;
	long p = strtol(colon + 1, &end, 10);
	if (*end || p < 0 || p > 65535 || colon[1] == '\0') return -EINVAL;
	memcpy(addr, s, (size_t)(colon - s));
	addr[colon - s] = '\0';
	*port = (uint16_t)p;
	return 0;
}

int vd_cmd_serve(int argc, char **argv)
{
	const char *db = vd_cli_flag(argc, argv, "--db", "VOXDIAL_DB", "./voxdial.db");
	const char *http = vd_cli_flag(argc, argv, "--http", "VOXDIAL_HTTP", "127.0.0.1:8080");
	const char *sip = vd_cli_flag(argc, argv, "--sip", "VOXDIAL_SIP", "0.0.0.0:5060");
	const char *data = vd_cli_flag(argc, argv, "--data", "VOXDIAL_DATA", "./data");
	/* calls dialed without a response yet (dialer.h); "0": the default */
	const char *max_setup = vd_cli_flag(argc, argv, "--max-setup", "VOXDIAL_MAX_SETUP", "0");
	const char *asr = vd_cli_flag(argc, argv, "--asr", "VOXDIAL_ASR", "pocketsphinx");
	const char *asr_url = vd_cli_flag(argc, argv, "--asr-url", "VOXDIAL_ASR_URL", "");
	/* telephony loops, each a thread with its own SIP port; "0": two per core */
	const char *threads = vd_cli_flag(argc, argv, "--tel-threads", "VOXDIAL_TEL_THREADS", "0");
	char addr[64];
	uint16_t port;
	if (parse_hostport(http, addr, sizeof addr, &port)) {
		fprintf(stderr, "voxdial: --http: expected ADDR:PORT, got '%s'\n", http);
		return 2;
	}
	char sip_addr[64];
	uint16_t sip_port;
	if (parse_hostport(sip, sip_addr, sizeof sip_addr, &sip_port)) {
		fprintf(stderr, "voxdial: --sip: expected ADDR:PORT, got '%s'\n", sip);
		return 2;
	}
	char *end;
	unsigned long nthreads = strtoul(threads, &end, 10);
	if (*end || !*threads || nthreads > VD_TEL_THREADS_MAX) {
		fprintf(stderr, "voxdial: --tel-threads: expected 0..%d, got '%s'\n", VD_TEL_THREADS_MAX, threads);
		return 2;
	}
	if (mkdir(data, 0750) != 0 && errno != EEXIST) {
		fprintf(stderr, "voxdial: --data: cannot create %s: %s\n", data, strerror(errno));
		return 1;
	}
	if (vd_secret_init() || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "voxdial: libsodium or libcurl failed to initialize\n");
		return 1;
	}

	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct vd_store *st = NULL;
	int err = vd_store_open(&st, db, true);
	if (err) {
		fprintf(stderr, "voxdial: cannot open the database %s (%s)\n", db, strerror(-err));
		return 1;
	}
	struct vd_dialer *dialer = NULL;
	struct vd_dialer_params dp = {.store = st, .data_dir = data,
				      .max_setup = (unsigned)strtoul(max_setup, NULL, 10)};
	err = vd_dialer_alloc(&dialer, &dp);
	struct vd_tel *tel = NULL;
	struct vd_tel_params tp = {.sip_addr = sip_addr, .sip_port = sip_port, .rtp_timeout_s = 30,
				   .evh = vd_dialer_tel_event, .arg = dialer, .asr_engine = asr, .asr_url = asr_url,
				   .threads = (unsigned)nthreads};
	if (!err) err = vd_tel_start(&tel, &tp);
	if (!err) err = vd_dialer_run(dialer, tel);
	if (err) {
		vd_tel_stop(tel);
		vd_dialer_stop(dialer);
		vd_store_close(st);
		fprintf(stderr, "voxdial: cannot start telephony on %s (%s)\n", sip, strerror(-err));
		return 1;
	}
	struct vd_outbox *outbox = NULL;
	err = vd_outbox_start(&outbox, st);
	if (err) vd_err("serve", "webhook delivery disabled: cannot start its thread (%d)", err);
	struct vd_reports *reports = NULL;
	err = vd_reports_start(&reports, st, data);
	if (err) vd_err("serve", "call reports disabled: cannot start their worker (%d)", err);
	struct vd_api *api = NULL;
	struct vd_api_params ap = {.store = st, .addr = addr, .port = port, .data_dir = data, .tel = tel};
	err = vd_api_start(&api, &ap);
	if (err) {
		vd_outbox_stop(outbox);
		vd_reports_stop(reports);
		vd_dialer_quiesce(dialer);
		vd_tel_stop(tel);
		vd_dialer_stop(dialer);
		vd_store_close(st);
		fprintf(stderr, "voxdial: cannot listen on %s (%s)\n", http, strerror(-err));
		return 1;
	}
	vd_info("serve", "listening http=http://%s:%u sip=%s:%u db=%s data=%s version=%s", addr,
		vd_api_port(api), sip_addr, vd_tel_sip_port(tel), db, data, VD_VERSION);

	int sig = 0;
	sigwait(&set, &sig);
	vd_info("serve", "signal %d: shutting down", sig);
	vd_api_stop(api);
	/* No new calls; hang up the ones in flight (their attempts close as
	 * failures so the recall rules retry them); write every end. */
	vd_dialer_quiesce(dialer);
	vd_tel_stop(tel);
	vd_dialer_stop(dialer);
	vd_outbox_stop(outbox);
	vd_reports_stop(reports);
	vd_store_close(st);
	curl_global_cleanup();
	vd_info("serve", "stopped");
	return 0;
}

int vd_cmd_migrate(int argc, char **argv)
{
	const char *db = vd_cli_flag(argc, argv, "--db", "VOXDIAL_DB", "./voxdial.db");
	struct vd_store *st = NULL;
	int err = vd_store_open(&st, db, false);
	int n = 0;
	if (!err) err = vd_store_migrate(st, &n);
	int version = 0;
	if (!err) err = vd_store_schema_version(st, &version);
	vd_store_close(st);
	if (err) {
		fprintf(stderr, "voxdial: migrate %s failed (%s)\n", db, strerror(-err));
		return 1;
	}
	printf("{\"applied\":%d,\"schema\":%d}\n", n, version);
	return 0;
}

int vd_cmd_account(int argc, char **argv)
{
	if (argc < 1 || strcmp(argv[0], "create") != 0) {
		fprintf(stderr, "usage: voxdial account create --db PATH --name N --email E [--password P]\n");
		return 2;
	}
	const char *db = vd_cli_flag(argc, argv, "--db", "VOXDIAL_DB", "./voxdial.db");
	const char *name = vd_cli_flag(argc, argv, "--name", "VOXDIAL_ACCOUNT_NAME", NULL);
	const char *email = vd_cli_flag(argc, argv, "--email", "VOXDIAL_ACCOUNT_EMAIL", NULL);
	const char *password = vd_cli_flag(argc, argv, "--password", "VOXDIAL_ACCOUNT_PASSWORD", NULL);
	if (!name || !*name || strlen(name) > 200) {
		fprintf(stderr, "voxdial: --name is required (at most 200 characters)\n");
		return 2;
	}
	if (!email || !strchr(email, '@') || strlen(email) > 254) {
		fprintf(stderr, "voxdial: --email must be an e-mail address\n");
		return 2;
	}
	if (vd_secret_init()) return 1;
	char generated[VD_TOKEN_LEN];
	if (!password) {
		/* No password: the account is used through its API token; the
		 * random password is never shown, so nobody can log in with it. */
		uint8_t unused[32];
		vd_token_new(generated, unused);
		password = generated;
	}
	char pwhash[VD_PWHASH_LEN];
	int err = vd_password_hash(password, pwhash);
	if (err) {
		fprintf(stderr, "voxdial: --password must be 8 to 256 characters\n");
		return 2;
	}
	struct vd_store *st = NULL;
	err = vd_store_open(&st, db, true);
	if (err) {
		fprintf(stderr, "voxdial: cannot open the database %s (%s)\n", db, strerror(-err));
		return 1;
	}
	char token[VD_TOKEN_LEN];
	uint8_t hash[32];
	vd_token_new(token, hash);
	int64_t account_id = 0;
	err = vd_store_account_create(st, name, email, pwhash, hash, &account_id);
	vd_store_close(st);
	if (err == -EEXIST) {
		fprintf(stderr, "voxdial: a user with e-mail %s already exists\n", email);
		return 1;
	}
	if (err) {
		fprintf(stderr, "voxdial: cannot create the account (%s)\n", strerror(-err));
		return 1;
	}
	printf("%s\n", token);
	return 0;
}
