/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Implementation of the JSON field readers; see jv.h. */
#include "api/jv.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <string.h>

const char *vd_jv_path(const struct vd_jv *jv, const char *key, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s", jv->prefix, key ? key : "");
	size_t n = strlen(buf);
	if (n && buf[n - 1] == '.') buf[n - 1] = '\0';
	return buf;
}

int vd_jv_fail(struct vd_jv *jv, const char *key, const char *fmt, ...)
{
	if (!jv->failed) {
		jv->failed = 1;
		if (jv->err) {
			vd_jv_path(jv, key, jv->err->field, sizeof jv->err->field);
			va_list ap;
			va_start(ap, fmt);
			vsnprintf(jv->err->message, sizeof jv->err->message, fmt, ap);
			va_end(ap);
		}
	}
	return -EINVAL;
}

int vd_jv_init(struct vd_jv *jv, const json_t *in, json_t *out, const char *prefix,
	       struct vd_verr *err)
{
	memset(jv, 0, sizeof *jv);
	jv->in = in;
	jv->out = out;
	jv->err = err;
	snprintf(jv->prefix, sizeof jv->prefix, "%s", prefix ? prefix : "");
	if (!json_is_object(in)) return vd_jv_fail(jv, NULL, "must be a JSON object");
	return 0;
}

int vd_jv_no_unknown(struct vd_jv *jv, const char *const *known)
{
	if (jv->failed) return -EINVAL;
	static const char *const readonly[] = {"id", "status", "created_at", "updated_at", NULL};
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)jv->in, key, v) {
		bool ok = false;
		for (const char *const *k = known; *k && !ok; k++) ok = !strcmp(*k, key);
		for (const char *const *k = readonly; *k && !ok; k++) ok = !strcmp(*k, key);
		if (!ok) return vd_jv_fail(jv, key, "unknown field");
	}
	return 0;
}

static const json_t *get(struct vd_jv *jv, const char *key)
{
	const json_t *v = json_object_get(jv->in, key);
	return (v && !json_is_null(v)) ? v : NULL;
}

static bool utf8_clean(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 && *p != '\t') return false;
	return true;
}

int vd_jv_string(struct vd_jv *jv, const char *key, bool required, size_t max_len,
		 const char *def, const char **out)
{
	if (jv->failed) return -EINVAL;
	const json_t *v = get(jv, key);
	if (!v) {
		if (required) return vd_jv_fail(jv, key, "is required");
		json_object_set_new(jv->out, key, def ? json_string(def) : json_null());
		if (out) *out = def;
		return 0;
	}
	if (!json_is_string(v)) return vd_jv_fail(jv, key, "must be a string");
	const char *s = json_string_value(v);
	size_t len = json_string_length(v);
	if (strlen(s) != len || !utf8_clean(s))
		return vd_jv_fail(jv, key, "must not contain control characters");
	if (required && len == 0) return vd_jv_fail(jv, key, "must not be empty");
	if (len > max_len) return vd_jv_fail(jv, key, "must be at most %zu characters", max_len);
	json_object_set(jv->out, key, (json_t *)v);
	if (out) *out = json_string_value(json_object_get(jv->out, key));
	return 0;
}

int vd_jv_int(struct vd_jv *jv, const char *key, bool required, int64_t min, int64_t max,
	      int64_t def, int64_t *out)
{
	if (jv->failed) return -EINVAL;
	const json_t *v = get(jv, key);
	int64_t x = def;
	if (!v) {
		if (required) return vd_jv_fail(jv, key, "is required");
	} else if (json_is_integer(v)) {
		x = json_integer_value(v);
	} else if (json_is_real(v) && json_real_value(v) == floor(json_real_value(v)) &&
		   fabs(json_real_value(v)) < 9e15) {
		x = (int64_t)json_real_value(v);
	} else {
		return vd_jv_fail(jv, key, "must be an integer");
	}
	if (x < min || x > max)
		return vd_jv_fail(jv, key, "must be between %lld and %lld", (long long)min, (long long)max);
	json_object_set_new(jv->out, key, json_integer(x));
	if (out) *out = x;
	return 0;
}

int vd_jv_number(struct vd_jv *jv, const char *key, bool required, double min, double max,
		 double def, double *out)
{
	if (jv->failed) return -EINVAL;
	const json_t *v = get(jv, key);
	double x = def;
	if (!v) {
		if (required) return vd_jv_fail(jv, key, "is required");
	} else if (json_is_number(v)) {
		x = json_number_value(v);
	} else {
		return vd_jv_fail(jv, key, "must be a number");
	}
	if (!(x >= min && x <= max))
		return vd_jv_fail(jv, key, "must be between %g and %g", min, max);
	json_object_set_new(jv->out, key, x == floor(x) && fabs(x) < 9e15 ? json_integer((json_int_t)x)
									 : json_real(x));
	if (out) *out = x;
	return 0;
}

int vd_jv_bool(struct vd_jv *jv, const char *key, bool def, bool *out)
{
	if (jv->failed) return -EINVAL;
	const json_t *v = get(jv, key);
	bool x = def;
	if (v) {
		if (!json_is_boolean(v)) return vd_jv_fail(jv, key, "must be true or false");
		x = json_is_true(v);
	}
	json_object_set_new(jv->out, key, json_boolean(x));
	if (out) *out = x;
	return 0;
}

int vd_jv_enum(struct vd_jv *jv, const char *key, const char *const *allowed, const char *def,
	       const char **out)
{
	if (jv->failed) return -EINVAL;
	const json_t *v = get(jv, key);
	const char *s = def;
	if (v) {
		if (!json_is_string(v)) return vd_jv_fail(jv, key, "must be a string");
		s = json_string_value(v);
	} else if (!def) {
		return vd_jv_fail(jv, key, "is required");
	}
	for (const char *const *a = allowed; *a; a++) {
		if (!strcmp(*a, s)) {
			json_object_set_new(jv->out, key, json_string(*a));
			if (out) *out = *a;
			return 0;
		}
	}
	char list[256] = "";
	for (const char *const *a = allowed; *a; a++) {
		strncat(list, *a, sizeof list - strlen(list) - 1);
		if (a[1]) strncat(list, ", ", sizeof list - strlen(list) - 1);
	}
	return vd_jv_fail(jv, key, "must be one of: %s", list);
}

int vd_jv_id(struct vd_jv *jv, const char *key, bool required, int64_t *out)
{
	if (jv->failed) return -EINVAL;
	const json_t *v = get(jv, key);
	if (!v) {
		if (required) return vd_jv_fail(jv, key, "is required");
		json_object_set_new(jv->out, key, json_null());
		*out = 0;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) <= 0)
		return vd_jv_fail(jv, key, "must be a positive integer id");
	json_object_set(jv->out, key, (json_t *)v);
	*out = json_integer_value(v);
	return 0;
}

/* One immutable empty object read in place of an absent nested object; never
 * modified or released, so sharing it across threads is safe. */
static json_t *empty;
static pthread_once_t empty_once = PTHREAD_ONCE_INIT;
static void empty_init(void) { empty = json_object(); }

int vd_jv_object(struct vd_jv *jv, const char *key, bool required, struct vd_jv *sub)
{
	if (jv->failed) return -EINVAL;
	const json_t *v = get(jv, key);
	char prefix[sizeof jv->prefix + 64];
	snprintf(prefix, sizeof prefix, "%s%s.", jv->prefix, key);
	json_t *o = json_object();
	pthread_once(&empty_once, empty_init);
	if (!v) {
		if (required) {
			json_decref(o);
			return vd_jv_fail(jv, key, "is required");
		}
		v = empty;
	}
	json_object_set_new(jv->out, key, o);
	int err = vd_jv_init(sub, v, o, prefix, jv->err);
	if (err) jv->failed = 1;
	return err;
}

int vd_jv_array(struct vd_jv *jv, const char *key, bool required, size_t max_items,
		const json_t **in_arr, json_t **out_arr)
{
	if (jv->failed) return -EINVAL;
	const json_t *v = get(jv, key);
	if (!v) {
		if (required) return vd_jv_fail(jv, key, "is required");
	} else if (!json_is_array(v)) {
		return vd_jv_fail(jv, key, "must be an array");
	} else if (json_array_size(v) > max_items) {
		return vd_jv_fail(jv, key, "must have at most %zu items", max_items);
	}
	json_t *a = json_array();
	json_object_set_new(jv->out, key, a);
	*in_arr = v;
	*out_arr = a;
	return 0;
}

bool vd_jv_phone_ok(const char *s)
{
	if (!s) return false;
	if (*s == '+') s++;
	size_t n = 0;
	for (; *s; s++, n++)
		if (*s < '0' || *s > '9') return false;
	return n >= 3 && n <= 15;
}
