/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* JSON glue for bot scripts (docs/internals/script.md has the format): the
 * stored `graph` of a script -> a compiled, validated struct vd_script, with
 * errors named by JSON path ("graph.blocks.ask1.branches[2].next"); and a
 * call's variables <-> the JSON objects the store keeps (the client's
 * `variables`, the call record's collected variables). Used by the API
 * (script validation on save) and, later, by the telephony adapter that
 * runs scripts on answered calls. */
#ifndef VD_SCRIPT_JSON_H
#define VD_SCRIPT_JSON_H

#include <jansson.h>
#include <stdbool.h>

#include "app/verr.h"
#include "core/script.h"

/* Reads and validates a graph (borrowed). `columns` (ncolumns names,
 * borrowed) are the client's columns when known: then every variable must
 * be a column or set on every path before use; NULL skips that check (a
 * script saved before any clients exist). A graph without "blocks" (or with
 * an empty object or array) is a script without blocks; keys of the graph
 * other than "start" and "blocks" are ignored (editors keep layout there).
 * On success *out (its previous content is overwritten, not freed) holds the
 * validated graph: vd_script_reset it. Returns 0, -EINVAL with *err (may be
 * NULL) naming the field under "graph", or -ENOMEM. Any thread. */
int vd_script_from_json(const json_t *graph, const char *const *columns, size_t ncolumns,
			struct vd_script *out, struct vd_verr *err);

/* The variables as a JSON object of strings (a new reference; NULL on
 * allocation failure); collected_only keeps those the script set or
 * stored during the call, the ones the call record carries. */
json_t *vd_script_vars_to_json(const struct vd_script_vars *v, bool collected_only);

/* Loads a client's variables (a JSON object, borrowed) into *out (reset
 * first): strings as they are, numbers and booleans as their JSON text,
 * null, arrays and objects skipped. Returns 0, -EINVAL when obj is not an
 * object, -E2BIG when a name or value did not fit (the rest is loaded). */
int vd_script_vars_from_json(const json_t *obj, struct vd_script_vars *out);

#endif
