/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The script engine: graph building, validation (links, reachability,
 * listen-less loops, must-defined variables as a forward data-flow over the
 * blocks), {{variable}} substitution, keyword matching on case-folded words
 * (ASCII, Latin-1 and basic Cyrillic, done here because the core has no
 * ICU) and the interpreter. The interpreter only moves between blocks when
 * an event says so; set and branch blocks run straight through, so each
 * event yields at most one action. */
#include "core/script.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- names ---- */

static const char *const type_names[] = {NULL, "say", "ask", "set", "branch", "result"};
static const char *const op_names[] = {"eq", "ne", "contains", "empty", "not_empty"};
static const char *const fwd_names[] = {"task_default", "route", "dial_plan", "custom", "script"};

const char *vd_script_type_name(enum vd_script_type t)
{
	return t >= VD_SCRIPT_SAY && t <= VD_SCRIPT_RESULT ? type_names[t] : NULL;
}

const char *vd_script_op_name(enum vd_script_op op)
{
	return op >= VD_SCRIPT_OP_EQ && op <= VD_SCRIPT_OP_NOT_EMPTY ? op_names[op] : NULL;
}

const char *vd_script_fwd_name(enum vd_script_fwd f)
{
	return f >= VD_SCRIPT_FWD_TASK_DEFAULT && f <= VD_SCRIPT_FWD_SCRIPT ? fwd_names[f] : NULL;
}

/* ---- the graph ---- */

void vd_script_init(struct vd_script *g)
{
	memset(g, 0, sizeof *g);
	g->start_ix = -1;
}

static void branch_free(struct vd_script_branch *br)
{
	for (size_t k = 0; k < br->nkeywords; k++) free(br->keywords[k]);
	free(br->keywords);
	free(br->var);
	free(br->value);
}

void vd_script_reset(struct vd_script *g)
{
	for (size_t i = 0; i < g->nblocks; i++) {
		struct vd_script_block *b = &g->blocks[i];
		free(b->text);
		for (size_t j = 0; j < b->nbranches; j++) branch_free(&b->branches[j]);
		free(b->branches);
		free(b->store_as);
		free(b->var);
		free(b->value);
		free(b->label);
		free(b->forward.number);
		free(b->forward.variable);
	}
	free(g->blocks);
	vd_script_init(g);
}

static bool id_ok(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > VD_SCRIPT_MAX_ID) return false;
	for (const unsigned char *p = (const unsigned char *)id; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '.' || *p == '[' || *p == ']') return false;
	return true;
}

int vd_script_find(const struct vd_script *g, const char *id)
{
	for (size_t i = 0; i < g->nblocks; i++)
		if (!strcmp(g->blocks[i].id, id)) return (int)i;
	return -1;
}

int vd_script_add_block(struct vd_script *g, const char *id, enum vd_script_type type,
			struct vd_script_block **out)
{
	if (!id_ok(id) || !vd_script_type_name(type)) return -EINVAL;
	if (vd_script_find(g, id) >= 0) return -EEXIST;
	if (g->nblocks >= VD_SCRIPT_MAX_BLOCKS) return -E2BIG;
	if (g->nblocks == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 8;
		if (cap > VD_SCRIPT_MAX_BLOCKS) cap = VD_SCRIPT_MAX_BLOCKS;
		struct vd_script_block *nb = realloc(g->blocks, cap * sizeof *nb);
		if (!nb) return -ENOMEM;
		g->blocks = nb;
		g->cap = cap;
	}
	struct vd_script_block *b = &g->blocks[g->nblocks++];
	memset(b, 0, sizeof *b);
	snprintf(b->id, sizeof b->id, "%s", id);
	b->type = type;
	b->timeout_ms = VD_SCRIPT_TIMEOUT_MS_DEFAULT;
	b->next.to = b->no_input.to = b->no_match.to = b->else_link.to = b->fallback.to = -1;
	g->validated = false;
	*out = b;
	return 0;
}

/* ---- UTF-8 ---- */

/* Decodes the code point at s; returns its length in bytes, or 1 with
 * *cp = 0xFFFD for an invalid or truncated sequence. s must not be at NUL. */
static size_t utf8_decode(const unsigned char *s, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t v, min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xc2 && c <= 0xdf) {
		len = 2, v = c & 0x1fu, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3, v = c & 0x0fu, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4, v = c & 0x07u, min = 0x10000;
	} else {
		*cp = 0xfffd;
		return 1;
	}
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0u) != 0x80u) {
			*cp = 0xfffd;
			return 1;
		}
		v = (v << 6) | (s[i] & 0x3fu);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) {
		*cp = 0xfffd;
		return 1;
	}
	*cp = v;
	return len;
}

static size_t utf8_encode(uint32_t c, char *out)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	} else if (c < 0x800) {
		out[0] = (char)(0xc0 | (c >> 6));
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	} else if (c < 0x10000) {
		out[0] = (char)(0xe0 | (c >> 12));
		out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (c >> 18));
	out[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* Drops an incomplete UTF-8 sequence at the end of out[0..*len). */
static void utf8_trim(char *out, size_t *len)
{
	size_t i = *len, cont = 0;
	while (i > 0 && cont < 3 && ((unsigned char)out[i - 1] & 0xc0u) == 0x80u) {
		i--;
		cont++;
	}
	if (i == 0) return;   /* not UTF-8 anyway */
	unsigned char lead = (unsigned char)out[i - 1];
	size_t need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
	if (need > cont + 1) {
		*len = i - 1;
		out[*len] = '\0';
	}
}

/* Appends s[0..n) to out (size bytes, *len used); false when it was cut. */
static bool append(char *out, size_t size, size_t *len, const char *s, size_t n)
{
	size_t room = size - 1 - *len;
	bool whole = n <= room;
	if (!whole) n = room;
	memcpy(out + *len, s, n);
	*len += n;
	out[*len] = '\0';
	if (!whole) utf8_trim(out, len);
	return whole;
}

/* ---- folding and keywords ---- */

static uint32_t fold_cp(uint32_t c)
{
	if (c >= 'A' && c <= 'Z') return c + 32;
	if (c >= 0xc0 && c <= 0xde && c != 0xd7) return c + 32;  /* Latin-1 À-Þ */
	if (c >= 0x410 && c <= 0x42f) c += 0x20;                  /* А-Я -> а-я */
	else if (c >= 0x400 && c <= 0x40f) c += 0x50;             /* Ѐ-Џ -> ѐ-џ (Ё -> ё) */
	if (c == 0x451) c = 0x435;                                /* ё -> е: ASR writes either */
	return c;
}

static bool is_word_cp(uint32_t c)
{
	if (c < 0x80) return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
	if (c < 0xc0 || c == 0xd7 || c == 0xf7) return false;     /* Latin-1 punctuation, NBSP */
	if (c >= 0x2000 && c <= 0x206f) return false;             /* general punctuation, dashes, quotes */
	if (c >= 0x3000 && c <= 0x303f) return false;             /* CJK punctuation */
	if (c == 0xfeff || c == 0xfffd) return false;             /* BOM, invalid input */
	return true;
}

int vd_script_fold(const char *in, char *out, size_t size)
{
	if (size == 0) return -E2BIG;
	size_t len = 0;
	bool pending_space = false;
	out[0] = '\0';
	for (const unsigned char *p = (const unsigned char *)in; *p;) {
		uint32_t c;
		p += utf8_decode(p, &c);
		if (!is_word_cp(c)) {
			pending_space = len > 0;
			continue;
		}
		char enc[5];
		size_t n = utf8_encode(fold_cp(c), enc);
		if (pending_space && !append(out, size, &len, " ", 1)) return -E2BIG;
		pending_space = false;
		if (len + n > size - 1) return -E2BIG;   /* whole code points only */
		if (!append(out, size, &len, enc, n)) return -E2BIG;
	}
	return 0;
}

bool vd_script_keyword_match(const char *utterance, const char *keyword)
{
	char u[VD_SCRIPT_MAX_SAY + 2], k[VD_SCRIPT_MAX_KEYWORD * 2 + 2];
	/* pad both with spaces so a whole-word match is a substring search;
	 * a cut utterance is matched as far as it goes */
	u[0] = k[0] = ' ';
	(void)vd_script_fold(utterance, u + 1, sizeof u - 2);
	if (vd_script_fold(keyword, k + 1, sizeof k - 2) != 0 || k[1] == '\0') return false;
	size_t ul = strlen(u), kl = strlen(k);
	u[ul] = k[kl] = ' ';
	u[ul + 1] = k[kl + 1] = '\0';
	return strstr(u, k) != NULL;
}

/* ---- variables ---- */

void vd_script_vars_init(struct vd_script_vars *v)
{
	v->n = 0;
}

static struct vd_script_var *var_find(const struct vd_script_vars *v, const char *name)
{
	for (size_t i = 0; i < v->n; i++)
		if (!strcmp(v->v[i].name, name)) return (struct vd_script_var *)&v->v[i];
	return NULL;
}

const char *vd_script_vars_get(const struct vd_script_vars *v, const char *name)
{
	const struct vd_script_var *e = var_find(v, name);
	return e ? e->value : NULL;
}

int vd_script_vars_set(struct vd_script_vars *v, const char *name, const char *value,
		       bool collected)
{
	size_t nlen = strlen(name);
	if (nlen == 0 || nlen > VD_SCRIPT_MAX_NAME) return -EINVAL;
	struct vd_script_var *e = var_find(v, name);
	if (!e) {
		if (v->n >= VD_SCRIPT_MAX_VARS) return -ENOSPC;
		e = &v->v[v->n++];
		memcpy(e->name, name, nlen + 1);
		e->collected = false;
	}
	e->collected = e->collected || collected;
	size_t len = 0;
	e->value[0] = '\0';
	return append(e->value, sizeof e->value, &len, value, strlen(value)) ? 0 : -E2BIG;
}

/* ---- substitution ---- */

#define VAR_SCAN 80 /* a "{{" whose "}}" is further than this is literal text */

/* If p starts a {{name}}, copies the trimmed name into name[] and returns
 * the text after "}}"; else NULL. */
static const char *parse_var(const char *p, char name[VD_SCRIPT_MAX_NAME + 1])
{
	if (p[0] != '{' || p[1] != '{') return NULL;
	const char *s = p + 2, *close = NULL;
	for (size_t i = 0; i < VAR_SCAN && s[i]; i++) {
		if (s[i] == '}' && s[i + 1] == '}') {
			close = s + i;
			break;
		}
		if (s[i] == '{' || s[i] == '}' || (unsigned char)s[i] < 0x20) return NULL;
	}
	if (!close) return NULL;
	while (s < close && *s == ' ') s++;
	size_t n = (size_t)(close - s);
	while (n && s[n - 1] == ' ') n--;
	if (n == 0 || n > VD_SCRIPT_MAX_NAME) return NULL;
	memcpy(name, s, n);
	name[n] = '\0';
	return close + 2;
}

static void add_missing(struct vd_script_missing *m, const char *name)
{
	if (!m) return;
	for (size_t i = 0; i < m->n && i < VD_SCRIPT_MAX_MISSING; i++)
		if (!strcmp(m->name[i], name)) return;
	if (m->n < VD_SCRIPT_MAX_MISSING) snprintf(m->name[m->n], sizeof m->name[0], "%s", name);
	m->n++;
}

int vd_script_subst(const char *tmpl, const struct vd_script_vars *vars, char *out, size_t size,
		    struct vd_script_missing *missing)
{
	if (missing) missing->n = 0;
	if (size == 0) return -E2BIG;
	size_t len = 0;
	out[0] = '\0';
	for (const char *p = tmpl; *p;) {
		char name[VD_SCRIPT_MAX_NAME + 1];
		const char *after = parse_var(p, name);
		if (after) {
			const char *v = vars ? vd_script_vars_get(vars, name) : NULL;
			if (!v) {
				add_missing(missing, name);
				v = "";
			}
			if (!append(out, size, &len, v, strlen(v))) return -E2BIG;
			p = after;
		} else {
			/* copy up to the next '{' in one go */
			const char *q = strchr(p + 1, '{');
			size_t n = q ? (size_t)(q - p) : strlen(p);
			if (!append(out, size, &len, p, n)) return -E2BIG;
			p += n;
		}
	}
	return 0;
}

int vd_script_each_var(const char *tmpl, int (*fn)(void *arg, const char *name), void *arg)
{
	if (!tmpl) return 0;
	for (const char *p = tmpl; *p;) {
		char name[VD_SCRIPT_MAX_NAME + 1];
		const char *after = parse_var(p, name);
		if (after) {
			int rc = fn(arg, name);
			if (rc) return rc;
			p = after;
		} else {
			p++;
		}
	}
	return 0;
}

/* ---- validation ---- */

static int fail(struct vd_script_err *err, const char *block, const char *field, const char *fmt,
		...) __attribute__((format(printf, 4, 5)));
static int fail(struct vd_script_err *err, const char *block, const char *field, const char *fmt, ...)
{
	if (err) {
		snprintf(err->block, sizeof err->block, "%s", block);
		snprintf(err->field, sizeof err->field, "%s", field);
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof err->message, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

#define MAX_LINKS (5 + VD_SCRIPT_MAX_BRANCHES)

struct lref {
	struct vd_script_link *l;
	char field[32];
};

/* The links of b that apply to its type, with their field names. */
static size_t links_of(struct vd_script_block *b, struct lref *out)
{
	size_t n = 0;
	const char *arr = b->type == VD_SCRIPT_BRANCH ? "conditions" : "branches";
#define LINK(lnk, name) do { out[n].l = (lnk); snprintf(out[n].field, sizeof out[n].field, "%s", name); n++; } while (0)
	switch (b->type) {
	case VD_SCRIPT_SAY:
	case VD_SCRIPT_SET: LINK(&b->next, "next"); break;
	case VD_SCRIPT_ASK:
		LINK(&b->no_input, "no_input");
		LINK(&b->no_match, "no_match");
		break;
	case VD_SCRIPT_BRANCH: LINK(&b->else_link, "else"); break;
	case VD_SCRIPT_RESULT: LINK(&b->fallback, "fallback"); break;
	}
#undef LINK
	if (b->type == VD_SCRIPT_ASK || b->type == VD_SCRIPT_BRANCH) {
		for (size_t i = 0; i < b->nbranches && i < VD_SCRIPT_MAX_BRANCHES; i++) {
			out[n].l = &b->branches[i].next;
			snprintf(out[n].field, sizeof out[n].field, "%s[%zu].next", arr, i);
			n++;
		}
	}
	return n;
}

static bool name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > VD_SCRIPT_MAX_NAME || s[0] == ' ' || s[n - 1] == ' ') return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '{' || *p == '}') return false;
	return true;
}

static bool digit_ok(char d)
{
	return (d >= '0' && d <= '9') || d == '*' || d == '#' || (d >= 'A' && d <= 'D');
}

static int check_text(const struct vd_script_block *b, const char *field, const char *s,
		      size_t max, struct vd_script_err *err)
{
	if (s && strlen(s) > max)
		return fail(err, b->id, field, "is longer than %zu bytes", max);
	return 0;
}

static int check_forward(const struct vd_script_block *b, struct vd_script_err *err)
{
	const struct vd_script_forward *f = &b->forward;
	bool num = f->number && f->number[0];
	if (check_text(b, "forward.number", f->number, VD_SCRIPT_MAX_NUMBER, err)) return -EINVAL;
	if (f->variable && !name_ok(f->variable))
		return fail(err, b->id, "forward.variable", "must be a variable name (1 to %d bytes, no braces)",
			    VD_SCRIPT_MAX_NAME);
	switch (f->type) {
	case VD_SCRIPT_FWD_TASK_DEFAULT: return 0;
	case VD_SCRIPT_FWD_ROUTE:
		if (!num && f->route_id <= 0)
			return fail(err, b->id, "forward.number",
				    "a route transfer needs the number to dial (it picks the route) or a route_id");
		return 0;
	case VD_SCRIPT_FWD_DIAL_PLAN:
		if (f->dial_plan_id <= 0)
			return fail(err, b->id, "forward.dial_plan_id", "a dial_plan transfer needs dial_plan_id");
		if (!num) return fail(err, b->id, "forward.number", "a dial_plan transfer needs the number to dial");
		return 0;
	case VD_SCRIPT_FWD_CUSTOM:
		if (!num && !f->variable)
			return fail(err, b->id, "forward.number",
				    "a custom transfer needs a number (may be a {{variable}}) or a variable");
		return 0;
	case VD_SCRIPT_FWD_SCRIPT:
		if (f->script_id <= 0) return fail(err, b->id, "forward.script_id", "a script transfer needs script_id");
		return 0;
	}
	return fail(err, b->id, "forward.type", "unknown forwarding type");
}

static int check_block(const struct vd_script_block *b, struct vd_script_err *err)
{
	switch (b->type) {
	case VD_SCRIPT_SAY:
	case VD_SCRIPT_ASK:
		if (check_text(b, "text", b->text, VD_SCRIPT_MAX_TEXT, err)) return -EINVAL;
		if (b->audio_id < 0) return fail(err, b->id, "audio_id", "must be a positive id");
		if (b->type == VD_SCRIPT_SAY && !(b->text && b->text[0]) && b->audio_id == 0)
			return fail(err, b->id, "text", "a say block needs \"text\" or \"audio_id\"");
		break;
	case VD_SCRIPT_SET:
		if (!name_ok(b->var))
			return fail(err, b->id, "var", "must be a variable name (1 to %d bytes, no braces)",
				    VD_SCRIPT_MAX_NAME);
		if (check_text(b, "value", b->value, VD_SCRIPT_MAX_TEXT, err)) return -EINVAL;
		break;
	case VD_SCRIPT_BRANCH:
		if (b->nbranches > VD_SCRIPT_MAX_BRANCHES)
			return fail(err, b->id, "conditions", "has more than %d conditions", VD_SCRIPT_MAX_BRANCHES);
		for (size_t i = 0; i < b->nbranches; i++) {
			const struct vd_script_branch *c = &b->branches[i];
			char f[64];
			snprintf(f, sizeof f, "conditions[%zu].var", i);
			if (!name_ok(c->var))
				return fail(err, b->id, f, "must be a variable name (1 to %d bytes, no braces)",
					    VD_SCRIPT_MAX_NAME);
			snprintf(f, sizeof f, "conditions[%zu].op", i);
			if (!vd_script_op_name(c->op)) return fail(err, b->id, f, "unknown operator");
			snprintf(f, sizeof f, "conditions[%zu].value", i);
			bool needs = c->op == VD_SCRIPT_OP_EQ || c->op == VD_SCRIPT_OP_NE ||
				     c->op == VD_SCRIPT_OP_CONTAINS;
			if (needs && !c->value) return fail(err, b->id, f, "is required with op %s", op_names[c->op]);
			if (check_text(b, f, c->value, VD_SCRIPT_MAX_TEXT, err)) return -EINVAL;
		}
		return 0;
	case VD_SCRIPT_RESULT:
		if (!b->label || !b->label[0]) return fail(err, b->id, "label", "a result block needs a label");
		if (check_text(b, "label", b->label, VD_SCRIPT_MAX_LABEL, err)) return -EINVAL;
		if (!b->transfer && b->fallback.id[0])
			return fail(err, b->id, "fallback", "is only used when the action is transfer");
		if (b->transfer) return check_forward(b, err);
		return 0;
	default: return fail(err, b->id, "type", "unknown block type");
	}
	if (b->type != VD_SCRIPT_ASK) return 0;
	if (b->timeout_ms < VD_SCRIPT_TIMEOUT_MS_MIN || b->timeout_ms > VD_SCRIPT_TIMEOUT_MS_MAX)
		return fail(err, b->id, "timeout_ms", "must be between %d and %d", VD_SCRIPT_TIMEOUT_MS_MIN,
			    VD_SCRIPT_TIMEOUT_MS_MAX);
	if (b->max_retries < 0 || b->max_retries > VD_SCRIPT_MAX_RETRIES)
		return fail(err, b->id, "max_retries", "must be between 0 and %d", VD_SCRIPT_MAX_RETRIES);
	if (b->store_as && !name_ok(b->store_as))
		return fail(err, b->id, "store_as", "must be a variable name (1 to %d bytes, no braces)",
			    VD_SCRIPT_MAX_NAME);
	if (b->nbranches > VD_SCRIPT_MAX_BRANCHES)
		return fail(err, b->id, "branches", "has more than %d answers", VD_SCRIPT_MAX_BRANCHES);
	for (size_t i = 0; i < b->nbranches; i++) {
		const struct vd_script_branch *br = &b->branches[i];
		char f[64];
		snprintf(f, sizeof f, "branches[%zu]", i);
		if (br->nkeywords == 0 && !br->digit)
			return fail(err, b->id, f, "an answer needs \"keywords\" or \"digits\"");
		if (br->nkeywords > VD_SCRIPT_MAX_KEYWORDS)
			return fail(err, b->id, f, "has more than %d keywords", VD_SCRIPT_MAX_KEYWORDS);
		for (size_t k = 0; k < br->nkeywords; k++) {
			char folded[VD_SCRIPT_MAX_KEYWORD * 2 + 1];
			snprintf(f, sizeof f, "branches[%zu].keywords[%zu]", i, k);
			if (!br->keywords[k] || strlen(br->keywords[k]) > VD_SCRIPT_MAX_KEYWORD)
				return fail(err, b->id, f, "must be 1 to %d bytes", VD_SCRIPT_MAX_KEYWORD);
			if (vd_script_fold(br->keywords[k], folded, sizeof folded) != 0 || !folded[0])
				return fail(err, b->id, f, "holds no word to listen for");
		}
		if (br->digit) {
			snprintf(f, sizeof f, "branches[%zu].digits", i);
			if (!digit_ok(br->digit)) return fail(err, b->id, f, "must be one DTMF key: 0-9, *, #, A-D");
			for (size_t j = 0; j < i; j++)
				if (b->branches[j].digit == br->digit)
					return fail(err, b->id, f, "key %c is already the answer of branches[%zu]",
						    br->digit, j);
		}
	}
	return 0;
}

/* Depth-first search for a cycle through non-ask blocks. color: 0 white,
 * 1 on the stack, 2 done. Recursion depth is bounded by the block count. */
static int find_loop(struct vd_script *g, int ix, unsigned char *color, struct vd_script_err *err)
{
	struct vd_script_block *b = &g->blocks[ix];
	color[ix] = 1;
	struct lref ls[MAX_LINKS];
	size_t n = links_of(b, ls);
	for (size_t i = 0; i < n; i++) {
		int to = ls[i].l->to;
		if (to < 0 || g->blocks[to].type == VD_SCRIPT_ASK) continue;
		if (color[to] == 1)
			return fail(err, b->id, ls[i].field,
				    "loops back to \"%s\" with no ask block on the way: the bot would never listen",
				    g->blocks[to].id);
		if (color[to] == 0 && find_loop(g, to, color, err)) return -EINVAL;
	}
	color[ix] = 2;
	return 0;
}

/* ---- variables: must be defined on every path ---- */

#define MAX_NAMES 256
#define WORDS (MAX_NAMES / 64)

struct bits {
	uint64_t w[WORDS];
};

struct names {
	char (*name)[VD_SCRIPT_MAX_NAME + 1];
	size_t n;
	bool overflow;
};

static int name_ix(struct names *ns, const char *name)
{
	for (size_t i = 0; i < ns->n; i++)
		if (!strcmp(ns->name[i], name)) return (int)i;
	if (ns->n >= MAX_NAMES) {
		ns->overflow = true;
		return -1;
	}
	snprintf(ns->name[ns->n], sizeof ns->name[0], "%s", name);
	return (int)ns->n++;
}

static int collect_name(void *arg, const char *name)
{
	(void)name_ix(arg, name);
	return 0;
}

struct use_check {
	struct names *ns;
	const struct bits *in;
	/* a copy: vd_script_each_var hands out names on its own stack */
	char missing[VD_SCRIPT_MAX_NAME + 1];
};

static bool has(const struct bits *b, int i)
{
	return i >= 0 && (b->w[i / 64] >> (i % 64)) & 1u;
}

static int check_name(void *arg, const char *name)
{
	struct use_check *uc = arg;
	if (has(uc->in, name_ix(uc->ns, name))) return 0;
	snprintf(uc->missing, sizeof uc->missing, "%s", name);
	return 1;
}

/* Checks each use in `tmpl` (a template) or, with is_var, the name itself. */
static int check_use(struct use_check *uc, const struct vd_script_block *b, const char *field,
		     const char *s, bool is_var, struct vd_script_err *err)
{
	if (!s) return 0;
	int miss = is_var ? check_name(uc, s) : vd_script_each_var(s, check_name, uc);
	if (!miss) return 0;
	return fail(err, b->id, field,
		    "uses {{%s}}, which is neither a client column nor set on every path to this block",
		    uc->missing);
}

static int check_vars(struct vd_script *g, const char *const *columns, size_t ncolumns,
		      struct vd_script_err *err)
{
	int rc = -ENOMEM;
	struct names ns = {.name = calloc(MAX_NAMES, sizeof *ns.name)};
	struct bits *in = calloc(g->nblocks, sizeof *in), *out = calloc(g->nblocks, sizeof *out);
	int *def = calloc(g->nblocks, sizeof *def);
	if (!ns.name || !in || !out || !def) goto out;

	struct bits cols = {{0}};
	for (size_t i = 0; i < ncolumns; i++) {
		int ix = columns[i] ? name_ix(&ns, columns[i]) : -1;
		if (ix >= 0) cols.w[ix / 64] |= (uint64_t)1 << (ix % 64);
	}
	for (size_t i = 0; i < g->nblocks; i++) {
		const struct vd_script_block *b = &g->blocks[i];
		const char *d = b->type == VD_SCRIPT_SET ? b->var : b->type == VD_SCRIPT_ASK ? b->store_as : NULL;
		def[i] = d ? name_ix(&ns, d) : -1;
		vd_script_each_var(b->text, collect_name, &ns);
		vd_script_each_var(b->value, collect_name, &ns);
		vd_script_each_var(b->label, collect_name, &ns);
		vd_script_each_var(b->forward.number, collect_name, &ns);
		if (b->forward.variable) name_ix(&ns, b->forward.variable);
		for (size_t j = 0; b->type == VD_SCRIPT_BRANCH && j < b->nbranches; j++) {
			name_ix(&ns, b->branches[j].var);
			vd_script_each_var(b->branches[j].value, collect_name, &ns);
		}
	}
	if (ns.overflow) {
		rc = fail(err, "", "blocks", "uses more than %d distinct variables", MAX_NAMES);
		goto out;
	}

	/* out[b] = in[b] | def[b]; in[start] = columns; in[b] = AND of out[p]
	 * over its predecessors. Start from "everything" and shrink to the
	 * greatest fixpoint. */
	for (size_t i = 0; i < g->nblocks; i++) memset(&out[i], 0xff, sizeof out[i]);
	for (bool changed = true; changed;) {
		changed = false;
		for (size_t i = 0; i < g->nblocks; i++) memset(&in[i], 0xff, sizeof in[i]);
		in[g->start_ix] = cols;
		for (size_t p = 0; p < g->nblocks; p++) {
			struct lref ls[MAX_LINKS];
			size_t n = links_of(&g->blocks[p], ls);
			for (size_t k = 0; k < n; k++) {
				int t = ls[k].l->to;
				if (t < 0 || t == g->start_ix) continue;
				for (int w = 0; w < WORDS; w++) in[t].w[w] &= out[p].w[w];
			}
		}
		for (size_t i = 0; i < g->nblocks; i++) {
			struct bits o = in[i];
			if (def[i] >= 0) o.w[def[i] / 64] |= (uint64_t)1 << (def[i] % 64);
			if (memcmp(&o, &out[i], sizeof o)) {
				out[i] = o;
				changed = true;
			}
		}
	}

	rc = 0;
	for (size_t i = 0; i < g->nblocks && !rc; i++) {
		const struct vd_script_block *b = &g->blocks[i];
		struct use_check uc = {.ns = &ns, .in = &in[i]};
		rc = check_use(&uc, b, "text", b->text, false, err);
		if (!rc) rc = check_use(&uc, b, "value", b->value, false, err);
		if (!rc) rc = check_use(&uc, b, "label", b->label, false, err);
		if (!rc && b->type == VD_SCRIPT_RESULT && b->transfer) {
			rc = check_use(&uc, b, "forward.number", b->forward.number, false, err);
			if (!rc) rc = check_use(&uc, b, "forward.variable", b->forward.variable, true, err);
		}
		for (size_t j = 0; !rc && b->type == VD_SCRIPT_BRANCH && j < b->nbranches; j++) {
			char f[64];
			snprintf(f, sizeof f, "conditions[%zu].var", j);
			rc = check_use(&uc, b, f, b->branches[j].var, true, err);
			snprintf(f, sizeof f, "conditions[%zu].value", j);
			if (!rc) rc = check_use(&uc, b, f, b->branches[j].value, false, err);
		}
	}
out:
	free(ns.name);
	free(in);
	free(out);
	free(def);
	return rc;
}

int vd_script_validate(struct vd_script *g, const char *const *columns, size_t ncolumns,
		       struct vd_script_err *err)
{
	g->validated = false;
	g->start_ix = -1;
	if (g->nblocks == 0) {
		/* a script without blocks says nothing and hangs up */
		g->validated = true;
		return 0;
	}
	if (g->nblocks > VD_SCRIPT_MAX_BLOCKS)
		return fail(err, "", "blocks", "has more than %d blocks", VD_SCRIPT_MAX_BLOCKS);
	if (!g->start[0]) return fail(err, "", "start", "is required: it names the first block");
	g->start_ix = vd_script_find(g, g->start);
	if (g->start_ix < 0) return fail(err, "", "start", "names \"%s\", which is not a block", g->start);

	for (size_t i = 0; i < g->nblocks; i++) {
		struct vd_script_block *b = &g->blocks[i];
		if (check_block(b, err)) return -EINVAL;
		struct lref ls[MAX_LINKS];
		size_t n = links_of(b, ls);
		for (size_t k = 0; k < n; k++) {
			struct vd_script_link *l = ls[k].l;
			l->to = -1;
			if (!l->id[0]) {
				bool required = strstr(ls[k].field, "].next") != NULL;
				if (required) return fail(err, b->id, ls[k].field, "is required: the block to go to");
				continue;
			}
			l->to = vd_script_find(g, l->id);
			if (l->to < 0)
				return fail(err, b->id, ls[k].field, "names \"%s\", which is not a block", l->id);
		}
	}

	int rc = -ENOMEM;
	unsigned char *mark = calloc(g->nblocks, 1);
	int *queue = calloc(g->nblocks, sizeof *queue);
	if (!mark || !queue) goto out;
	/* reachability: breadth-first from start */
	size_t head = 0, tail = 0;
	mark[g->start_ix] = 1;
	queue[tail++] = g->start_ix;
	while (head < tail) {
		struct lref ls[MAX_LINKS];
		size_t n = links_of(&g->blocks[queue[head++]], ls);
		for (size_t k = 0; k < n; k++) {
			int to = ls[k].l->to;
			if (to >= 0 && !mark[to]) {
				mark[to] = 1;
				queue[tail++] = to;
			}
		}
	}
	for (size_t i = 0; i < g->nblocks; i++) {
		if (!mark[i]) {
			rc = fail(err, g->blocks[i].id, "", "cannot be reached from the start block \"%s\"", g->start);
			goto out;
		}
	}
	memset(mark, 0, g->nblocks);
	for (size_t i = 0; i < g->nblocks; i++) {
		if (mark[i] || g->blocks[i].type == VD_SCRIPT_ASK) continue;
		if (find_loop(g, (int)i, mark, err)) {
			rc = -EINVAL;
			goto out;
		}
	}
	rc = columns ? check_vars(g, columns, ncolumns, err) : 0;
	if (!rc) g->validated = true;
out:
	free(mark);
	free(queue);
	return rc;
}

/* ---- the interpreter ---- */

/* set and branch blocks run without an event; a validated graph has no
 * cycle of them, so this bound is never reached there. */
#define MAX_STEPS (2 * VD_SCRIPT_MAX_BLOCKS)

static void act_init(struct vd_script_action *act, enum vd_script_act kind,
		     const struct vd_script_block *b)
{
	memset(act, 0, sizeof *act);
	act->kind = kind;
	act->block = b;
}

static int hangup(struct vd_script_run *run, const struct vd_script_block *b,
		  struct vd_script_action *act)
{
	act_init(act, VD_SCRIPT_ACT_HANGUP, b);
	snprintf(act->label, sizeof act->label, "%s", run->label);
	run->phase = VD_SCRIPT_PH_DONE;
	return 0;
}

static int listen(struct vd_script_run *run, const struct vd_script_block *b,
		  struct vd_script_action *act)
{
	act_init(act, VD_SCRIPT_ACT_LISTEN, b);
	act->timeout_ms = b->timeout_ms;
	run->phase = VD_SCRIPT_PH_LISTENING;
	return 0;
}

/* A say block's or an ask block's prompt; an ask without one listens. */
static int prompt(struct vd_script_run *run, const struct vd_script_block *b,
		  struct vd_script_action *act)
{
	bool ask = b->type == VD_SCRIPT_ASK;
	if (ask && b->audio_id == 0 && !(b->text && b->text[0])) return listen(run, b, act);
	act_init(act, VD_SCRIPT_ACT_SAY, b);
	act->audio_id = b->audio_id;
	act->barge_in = ask;
	/* a prompt longer than VD_SCRIPT_MAX_SAY after substitution is said cut */
	if (!b->audio_id && b->text)
		(void)vd_script_subst(b->text, &run->vars, act->text, sizeof act->text, &act->missing);
	run->phase = ask ? VD_SCRIPT_PH_PROMPTING : VD_SCRIPT_PH_SAYING;
	return 0;
}

static bool cond_holds(const struct vd_script_run *run, const struct vd_script_branch *c)
{
	const char *v = vd_script_vars_get(&run->vars, c->var);
	if (c->op == VD_SCRIPT_OP_EMPTY) return !v || !v[0];
	if (c->op == VD_SCRIPT_OP_NOT_EMPTY) return v && v[0];
	char want[VD_SCRIPT_MAX_SAY], a[VD_SCRIPT_MAX_VALUE * 2 + 1], w[VD_SCRIPT_MAX_SAY];
	/* compared as far as the bounded buffers go */
	(void)vd_script_subst(c->value ? c->value : "", &run->vars, want, sizeof want, NULL);
	(void)vd_script_fold(v ? v : "", a, sizeof a);
	(void)vd_script_fold(want, w, sizeof w);
	switch (c->op) {
	case VD_SCRIPT_OP_EQ: return !strcmp(a, w);
	case VD_SCRIPT_OP_NE: return strcmp(a, w) != 0;
	case VD_SCRIPT_OP_CONTAINS: return strstr(a, w) != NULL;
	default: return false;
	}
}

/* Runs blocks from ix until one needs the telephony side. */
static int enter(struct vd_script_run *run, int ix, struct vd_script_action *act)
{
	const struct vd_script *g = run->g;
	for (int steps = 0; steps < MAX_STEPS; steps++) {
		if (ix < 0) return hangup(run, NULL, act);   /* end of script */
		const struct vd_script_block *b = &g->blocks[ix];
		run->block = ix;
		switch (b->type) {
		case VD_SCRIPT_SAY: return prompt(run, b, act);
		case VD_SCRIPT_ASK:
			run->tries = 0;
			return prompt(run, b, act);
		case VD_SCRIPT_SET: {
			char val[VD_SCRIPT_MAX_VALUE + 1];
			/* cut values and a full variable table are not fatal: the
			 * call goes on, the variable is cut or not recorded */
			(void)vd_script_subst(b->value ? b->value : "", &run->vars, val, sizeof val, NULL);
			(void)vd_script_vars_set(&run->vars, b->var, val, true);
			ix = b->next.to;
			continue;
		}
		case VD_SCRIPT_BRANCH:
			ix = b->else_link.to;
			for (size_t i = 0; i < b->nbranches; i++) {
				if (cond_holds(run, &b->branches[i])) {
					ix = b->branches[i].next.to;
					break;
				}
			}
			continue;
		case VD_SCRIPT_RESULT:
			(void)vd_script_subst(b->label, &run->vars, run->label, sizeof run->label, NULL);
			if (!b->transfer) return hangup(run, b, act);
			act_init(act, VD_SCRIPT_ACT_TRANSFER, b);
			snprintf(act->label, sizeof act->label, "%s", run->label);
			act->forward = &b->forward;
			if (b->forward.type == VD_SCRIPT_FWD_CUSTOM && b->forward.variable) {
				const char *v = vd_script_vars_get(&run->vars, b->forward.variable);
				if (!v) add_missing(&act->missing, b->forward.variable);
				snprintf(act->number, sizeof act->number, "%s", v ? v : "");
			} else if (b->forward.number &&
				   vd_script_subst(b->forward.number, &run->vars, act->number,
						   sizeof act->number, &act->missing) != 0) {
				act->number[0] = '\0';   /* a cut number would dial someone else */
			}
			run->phase = VD_SCRIPT_PH_TRANSFERRING;
			return 0;
		}
		break;
	}
	run->phase = VD_SCRIPT_PH_DONE;
	return -ELOOP;
}

int vd_script_run_switch(struct vd_script_run *run, const struct vd_script *g,
			 struct vd_script_action *act)
{
	if (!g || !g->validated) return -EINVAL;
	run->g = g;
	run->block = -1;
	run->tries = 0;
	run->phase = VD_SCRIPT_PH_IDLE;
	return enter(run, g->start_ix, act);
}

int vd_script_run_start(struct vd_script_run *run, const struct vd_script *g,
			const struct vd_script_vars *vars, struct vd_script_action *act)
{
	if (!g || !g->validated) return -EINVAL;
	if (vars) run->vars = *vars;
	else vd_script_vars_init(&run->vars);
	run->label[0] = '\0';
	return vd_script_run_switch(run, g, act);
}

/* No input or no match: ask again while retries last, then follow `l`. */
static int retry_or(struct vd_script_run *run, const struct vd_script_block *b,
		    const struct vd_script_link *l, struct vd_script_action *act)
{
	if (run->tries < b->max_retries) {
		run->tries++;
		return prompt(run, b, act);
	}
	return enter(run, l->to, act);
}

static int answer(struct vd_script_run *run, const struct vd_script_block *b,
		  const struct vd_script_event *ev, struct vd_script_action *act)
{
	bool dtmf = ev->kind == VD_SCRIPT_EV_DTMF;
	const char *text = dtmf ? "" : ev->text ? ev->text : "";
	char key[2] = {ev->digit, '\0'};
	if (!dtmf) {
		char folded[8];
		/* an utterance with no word in it is no input */
		int frc = vd_script_fold(text, folded, sizeof folded);
		if (frc == 0 && !folded[0]) {
			if (b->store_as) (void)vd_script_vars_set(&run->vars, b->store_as, "", true);
			return retry_or(run, b, &b->no_input, act);
		}
	}
	if (b->store_as)   /* a cut answer is stored cut */
		(void)vd_script_vars_set(&run->vars, b->store_as, dtmf ? key : text, true);
	for (size_t i = 0; i < b->nbranches; i++) {
		const struct vd_script_branch *br = &b->branches[i];
		bool hit = false;
		if (dtmf) hit = br->digit && br->digit == ev->digit;
		for (size_t k = 0; !dtmf && !hit && k < br->nkeywords; k++)
			hit = vd_script_keyword_match(text, br->keywords[k]);
		if (hit) return enter(run, br->next.to, act);
	}
	return retry_or(run, b, &b->no_match, act);
}

int vd_script_on_event(struct vd_script_run *run, const struct vd_script_event *ev,
		       struct vd_script_action *act)
{
	if (!run->g || !ev || ev->kind < VD_SCRIPT_EV_PROMPT_DONE || ev->kind > VD_SCRIPT_EV_HANGUP)
		return -EINVAL;
	const struct vd_script_block *b = run->block >= 0 ? &run->g->blocks[run->block] : NULL;
	if (ev->kind == VD_SCRIPT_EV_HANGUP) {
		run->phase = VD_SCRIPT_PH_DONE;
		act_init(act, VD_SCRIPT_ACT_NONE, b);
		return 0;
	}
	switch (run->phase) {
	case VD_SCRIPT_PH_SAYING:
		if (ev->kind == VD_SCRIPT_EV_PROMPT_DONE) return enter(run, b->next.to, act);
		break;
	case VD_SCRIPT_PH_PROMPTING:
		if (ev->kind == VD_SCRIPT_EV_PROMPT_DONE) return listen(run, b, act);
		if (ev->kind == VD_SCRIPT_EV_SPEECH_FINAL || ev->kind == VD_SCRIPT_EV_DTMF)
			return answer(run, b, ev, act);   /* barge-in */
		break;
	case VD_SCRIPT_PH_LISTENING:
		if (ev->kind == VD_SCRIPT_EV_SPEECH_FINAL || ev->kind == VD_SCRIPT_EV_DTMF)
			return answer(run, b, ev, act);
		if (ev->kind == VD_SCRIPT_EV_TIMEOUT) {
			if (b->store_as) (void)vd_script_vars_set(&run->vars, b->store_as, "", true);
			return retry_or(run, b, &b->no_input, act);
		}
		break;
	case VD_SCRIPT_PH_TRANSFERRING:
		if (ev->kind == VD_SCRIPT_EV_TRANSFER_FAILED) {
			if (b->fallback.to >= 0) return enter(run, b->fallback.to, act);
			return hangup(run, b, act);
		}
		break;
	default: break;
	}
	act_init(act, VD_SCRIPT_ACT_NONE, b);
	return 0;
}

bool vd_script_run_done(const struct vd_script_run *run)
{
	return run->phase == VD_SCRIPT_PH_DONE;
}
