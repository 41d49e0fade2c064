/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* `voxdial import --db PATH --task ID FILE`: the clients import from the
 * command line (API.md "Command line"). It acts for the task's own account,
 * reads the task's e164_country, streams FILE (or stdin for "-") through
 * import/clients_import.h and prints the result JSON, the same object the
 * HTTP API answers. Exit codes: 0 imported (even if some lines were
 * rejected), 1 refused whole or failed (message on stderr), 2 usage. */
#include "cli/cli.h"
#include "import/clients_import.h"
#include "store/store.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Country used when a task body has no e164_country (the API's default). */
#define DEFAULT_COUNTRY "RU"

/* The positional FILE: the first argument that is not a flag or a flag's
 * value (all our flags take one). */
static const char *positional(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-")) return a;
		if (a[0] == '-' && a[1] == '-') {
			if (!strchr(a, '=')) i++;   /* skip the value */
			continue;
		}
		return a;
	}
	return NULL;
}

/* Reads the task's country into `country` (copied from the JSON body). */
static int task_country(struct vd_store *st, int64_t account_id, int64_t task_id,
			char *country, size_t size)
{
	struct vd_res r = {0};
	int err = vd_store_res_get(st, VD_KIND_TASK, account_id, task_id, &r);
	if (err) return err;
	json_t *body = json_loads(r.body ? r.body : "", 0, NULL);
	const char *c = json_string_value(json_object_get(body, "e164_country"));
	snprintf(country, size, "%s", c ? c : DEFAULT_COUNTRY);
	json_decref(body);
	vd_res_reset(&r);
	return 0;
}

int vd_cmd_import(int argc, char **argv)
{
	const char *db = vd_cli_flag(argc, argv, "--db", "VOXDIAL_DB", "./voxdial.db");
	const char *task_s = vd_cli_flag(argc, argv, "--task", "VOXDIAL_TASK", NULL);
	const char *path = positional(argc, argv);
	char *end = NULL;
	long long task_id = task_s ? strtoll(task_s, &end, 10) : 0;
	if (!task_s || !*task_s || *end || task_id <= 0 || !path) {
		fputs("usage: voxdial import --db PATH --task ID FILE|-\n", stderr);
		return 2;
	}

	int rc = 1;
	struct vd_store *st = NULL;
	FILE *f = NULL;
	json_t *res = NULL;
	int err = vd_store_open(&st, db, true);
	if (err) {
		fprintf(stderr, "voxdial import: cannot open database %s: %s\n", db, strerror(-err));
		goto out;
	}
	int64_t account_id;
	char country[16];
	err = vd_store_task_owner(st, task_id, &account_id);
	if (!err) err = task_country(st, account_id, task_id, country, sizeof country);
	if (err) {
		fprintf(stderr, "voxdial import: task %lld: %s\n", task_id,
			err == -ENOENT ? "no such task" : strerror(-err));
		goto out;
	}
	f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f) {
		fprintf(stderr, "voxdial import: %s: %s\n", path, strerror(errno));
		goto out;
	}
	struct vd_clients_import_params p = {
		.store = st, .account_id = account_id, .task_id = task_id, .country = country,
	};
	struct vd_verr verr = {"", ""};
	err = vd_clients_import_file(&p, f, &res, &verr);
	if (err) {
		if (verr.message[0])
			fprintf(stderr, "voxdial import: %s: %s: %s\n", path, verr.field, verr.message);
		else
			fprintf(stderr, "voxdial import: %s: %s\n", path, strerror(-err));
		goto out;
	}
	char *text = json_dumps(res, JSON_COMPACT);
	if (!text) {
		fputs("voxdial import: out of memory\n", stderr);
		goto out;
	}
	puts(text);
	free(text);
	rc = fflush(stdout) == 0 ? 0 : 1;
out:
	json_decref(res);
	if (f && f != stdin) fclose(f);
	vd_store_close(st);
	return rc;
}
