/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* libFuzzer target for the clients file: arbitrary bytes through the CSV
 * reader and the row validation of the clients import (a dry run, no
 * store), fed in pieces whose size the first input byte picks, so chunk
 * boundaries land everywhere. Any crash, leak, sanitizer report, or a
 * result that is not the documented JSON shape is a bug. */
#include "import/clients_import.h"

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0) return 0;
	size_t step = (size_t)data[0] * 7 + 1;
	const char *country = (data[0] & 1) ? "KZ" : "RU";
	data++;
	size--;
	struct vd_clients_import_params p = {NULL, 0, 0, country};
	struct vd_clients_import *imp;
	struct vd_verr err;
	if (vd_clients_import_begin(&p, &imp, &err)) abort();
	for (size_t off = 0; off < size; off += step) {
		size_t n = size - off < step ? size - off : step;
		if (vd_clients_import_feed(imp, data + off, n, &err)) {
			vd_clients_import_abort(imp);
			return 0;
		}
	}
	json_t *res = NULL;
	if (vd_clients_import_finish(imp, &res, &err) == 0) {
		/* the answer must serialize (valid UTF-8 everywhere) */
		char *s = json_dumps(res, JSON_COMPACT);
		if (!s || !json_is_array(json_object_get(res, "rejected"))) abort();
		free(s);
		json_decref(res);
	}
	return 0;
}
