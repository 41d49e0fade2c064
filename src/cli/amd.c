/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The offline detector tools, for users tuning AMD and gender estimation on
 * their own recordings. They run exactly the code live calls run
 * (media/amd.h, media/gender.h) on any WAV, converted to 8 kHz mono first:
 *
 *   voxdial amd FILE.wav [tuning flags]
 *       {"verdict":"human","decision_ms":2260,"cause":"greeting_then_silence","onset_ms":1240}
 *   voxdial gender FILE.wav [--threshold-hz F]
 *       {"gender":"female","f0_hz":212,"voiced_ms":840,"vt_scale":1.120}
 *   voxdial amd-eval DIR LABELS.csv [--json] [--verbose] [tuning flags]
 *   voxdial gender-eval DIR LABELS.csv [--json] [--verbose] [--threshold-hz F]
 *
 * LABELS.csv has a header row with at least the columns `file` and `label`
 * (human|machine, or male|female); files are relative to DIR. The eval
 * commands print accuracy, per-class precision and recall, the confusion
 * matrix and (AMD) decision-time percentiles; --verbose lists every file.
 * decision_ms counts from the answer (the start of the file); the
 * percentiles are also given from the callee's first word (onset_ms),
 * because a human cannot be told from a machine before they speak.
 * Exit codes: 0 ok, 1 a file could not be read, 2 usage error. */
#include "cli/cli.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/amd.h"
#include "media/gender.h"
#include "media/wavload.h"

#define MAX_FILES 10000
#define LINE_MAX_LEN 4096

static int usage_err(const char *msg)
{
	fprintf(stderr, "voxdial: %s\n", msg);
	return 2;
}

static bool is_bool_flag(const char *a) { return !strcmp(a, "--json") || !strcmp(a, "--verbose"); }

/* The idx-th argument that is neither a flag nor a flag's value, or NULL. */
static const char *positional(int argc, char **argv, int idx)
{
	for (int i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "--", 2)) {
			if (!is_bool_flag(argv[i]) && !strchr(argv[i], '=')) i++;
			continue;
		}
		if (idx-- == 0) return argv[i];
	}
	return NULL;
}

static bool has_flag(int argc, char **argv, const char *name)
{
	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], name)) return true;
	return false;
}

static int int_flag(int argc, char **argv, const char *name, int *v)
{
	const char *s = vd_cli_flag(argc, argv, name, NULL, NULL);
	if (!s) return 0;
	char *end;
	errno = 0;
	long x = strtol(s, &end, 10);
	if (errno || end == s || *end || x < 0 || x > 600000) return -EINVAL;
	*v = (int)x;
	return 0;
}

static int float_flag(int argc, char **argv, const char *name, float *v)
{
	const char *s = vd_cli_flag(argc, argv, name, NULL, NULL);
	if (!s) return 0;
	char *end;
	errno = 0;
	double x = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(x)) return -EINVAL;
	*v = (float)x;
	return 0;
}

/* The defaults with any of --speech-db --min-word-ms --wait-ms
 * --long-speech-ms --tone-ms --max-ms applied. */
static int amd_params(int argc, char **argv, struct vd_amd_params *p)
{
	vd_amd_params_default(p);
	if (float_flag(argc, argv, "--speech-db", &p->speech_db) ||
	    int_flag(argc, argv, "--min-word-ms", &p->min_word_ms) ||
	    int_flag(argc, argv, "--wait-ms", &p->wait_ms) ||
	    int_flag(argc, argv, "--long-speech-ms", &p->long_speech_ms) ||
	    int_flag(argc, argv, "--tone-ms", &p->tone_ms) ||
	    int_flag(argc, argv, "--steady-ms", &p->steady_ms) ||
	    int_flag(argc, argv, "--max-ms", &p->max_ms))
		return -EINVAL;
	struct vd_amd probe;
	return vd_amd_init(&probe, p);
}

static int gender_params(int argc, char **argv, struct vd_gender_params *p)
{
	vd_gender_params_default(p);
	if (float_flag(argc, argv, "--threshold-hz", &p->threshold_hz)) return -EINVAL;
	struct vd_gender probe;
	return vd_gender_init(&probe, p);
}

/* Runs AMD over a whole file the way the media loop does: 20 ms at a time
 * until a verdict, then vd_amd_finish() if the audio ran out first. */
static int amd_file(const char *path, const struct vd_amd_params *p, struct vd_amd_result *r)
{
	int16_t *pcm;
	size_t n;
	const char *why;
	int err = vd_wav_load_8k(path, &pcm, &n, &why);
	if (err) {
		fprintf(stderr, "voxdial: %s: %s\n", path, why);
		return err;
	}
	struct vd_amd a;
	vd_amd_init(&a, p);  /* p was validated by amd_params() */
	for (size_t off = 0; off < n && vd_amd_feed(&a, pcm + off, n - off < 160 ? n - off : 160) ==
					     VD_AMD_PENDING;
	     off += 160) {
	}
	vd_amd_finish(&a);
	vd_amd_result(&a, r);
	free(pcm);
	return 0;
}

static int gender_file(const char *path, const struct vd_gender_params *p,
		       struct vd_gender_result *r)
{
	int16_t *pcm;
	size_t n;
	const char *why;
	int err = vd_wav_load_8k(path, &pcm, &n, &why);
	if (err) {
		fprintf(stderr, "voxdial: %s: %s\n", path, why);
		return err;
	}
	struct vd_gender *g = malloc(sizeof *g);
	if (!g) {
		free(pcm);
		return -ENOMEM;
	}
	vd_gender_init(g, p);  /* p was validated by gender_params() */
	vd_gender_feed(g, pcm, n);
	vd_gender_result(g, r);
	free(g);
	free(pcm);
	return 0;
}

int vd_cmd_amd(int argc, char **argv)
{
	const char *path = positional(argc, argv, 0);
	struct vd_amd_params p;
	if (!path) return usage_err("amd: a WAV file is required");
	if (amd_params(argc, argv, &p)) return usage_err("amd: a tuning flag is out of range");
	struct vd_amd_result r;
	if (amd_file(path, &p, &r)) return 1;
	printf("{\"verdict\":\"%s\",\"decision_ms\":%d,\"cause\":\"%s\",\"onset_ms\":%d}\n",
	       vd_amd_verdict_name(r.verdict), r.decision_ms, r.cause, r.onset_ms);
	return 0;
}

int vd_cmd_gender(int argc, char **argv)
{
	const char *path = positional(argc, argv, 0);
	struct vd_gender_params p;
	if (!path) return usage_err("gender: a WAV file is required");
	if (gender_params(argc, argv, &p)) return usage_err("gender: --threshold-hz must be 60..400");
	struct vd_gender_result r;
	if (gender_file(path, &p, &r)) return 1;
	printf("{\"gender\":\"%s\",\"f0_hz\":%d,\"voiced_ms\":%d,\"vt_scale\":%.3f}\n",
	       vd_gender_name(r.gender), (int)lrintf(r.f0_hz), r.voiced_ms, r.vt_scale);
	return 0;
}

/* ---- labeled sets ---- */

struct item {
	char file[256];
	int truth;      /* class index */
	int got;        /* class index; nclasses = unknown */
	int ms, onset_ms;
	float vt_scale;  /* gender */
	const char *cause;
};

/* Splits one CSV line in place (RFC 4180 quotes), up to max fields. */
static int csv_split(char *line, char **f, int max)
{
	int n = 0;
	char *p = line;
	while (n < max) {
		if (*p == '"') {
			char *w = ++p;
			f[n++] = w;
			while (*p) {
				if (*p == '"' && p[1] == '"') {
					*w++ = '"';
					p += 2;
				} else if (*p == '"') {
					p++;
					break;
				} else {
					*w++ = *p++;
				}
			}
			char *rest = strchr(p, ',');
			*w = '\0';
			if (!rest) break;
			p = rest + 1;
		} else {
			f[n++] = p;
			char *c = strchr(p, ',');
			if (!c) break;
			*c = '\0';
			p = c + 1;
		}
	}
	return n;
}

/* Reads LABELS.csv into items; a label not in classes[] is an error. */
static int read_labels(const char *path, const char *const *classes, int ncls, struct item **out,
		       int *nout)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "voxdial: %s: cannot open\n", path);
		return -EIO;
	}
	char line[LINE_MAX_LEN];
	int col_file = -1, col_label = -1, n = 0, lineno = 0, err = 0;
	struct item *items = calloc(MAX_FILES, sizeof *items);
	if (!items) {
		fclose(f);
		return -ENOMEM;
	}
	while (!err && fgets(line, sizeof line, f)) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (!line[0]) continue;
		char *fld[64];
		int nf = csv_split(line, fld, 64);
		if (col_file < 0) {
			for (int i = 0; i < nf; i++) {
				if (!strcmp(fld[i], "file")) col_file = i;
				if (!strcmp(fld[i], "label")) col_label = i;
			}
			if (col_file < 0 || col_label < 0) {
				fprintf(stderr, "voxdial: %s:1: needs the columns file and label\n", path);
				err = -EINVAL;
			}
			continue;
		}
		if (nf <= col_file || nf <= col_label || n == MAX_FILES) {
			fprintf(stderr, "voxdial: %s:%d: %s\n", path, lineno,
				n == MAX_FILES ? "too many rows" : "missing file or label");
			err = -EINVAL;
			break;
		}
		int c = -1;
		for (int i = 0; i < ncls; i++)
			if (!strcmp(fld[col_label], classes[i])) c = i;
		if (c < 0) {
			fprintf(stderr, "voxdial: %s:%d: label '%s' is not %s or %s\n", path, lineno,
				fld[col_label], classes[0], classes[1]);
			err = -EINVAL;
			break;
		}
		snprintf(items[n].file, sizeof items[n].file, "%s", fld[col_file]);
		items[n++].truth = c;
	}
	fclose(f);
	if (!err && col_file < 0) {
		fprintf(stderr, "voxdial: %s: empty\n", path);
		err = -EINVAL;
	}
	if (err) {
		free(items);
		return err;
	}
	*out = items;
	*nout = n;
	return 0;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* Nearest-rank percentile of v[0..n) (sorted in place); -1 if n == 0. */
static int percentile(int *v, int n, int pct)
{
	if (n == 0) return -1;
	qsort(v, (size_t)n, sizeof *v, cmp_int);
	int rank = (pct * n + 99) / 100;
	return v[rank < 1 ? 0 : rank - 1];
}

struct class_stats {
	int tp, fp, fn;
	double precision, recall;
};

/* Prints the summary of a two-class run (classes[2] = "unknown"). */
static void report(const char *title, const char *const *classes, const struct item *it, int n,
		   bool json, bool timing)
{
	int conf[2][3] = {{0}};
	for (int i = 0; i < n; i++) conf[it[i].truth][it[i].got]++;
	int correct = conf[0][0] + conf[1][1];
	double acc = n ? (double)correct / n : 0;
	struct class_stats cs[2];
	for (int c = 0; c < 2; c++) {
		cs[c].tp = conf[c][c];
		cs[c].fp = conf[1 - c][c];
		cs[c].fn = conf[c][1 - c] + conf[c][2];
		cs[c].precision = cs[c].tp + cs[c].fp ? (double)cs[c].tp / (cs[c].tp + cs[c].fp) : 0;
		cs[c].recall = cs[c].tp + cs[c].fn ? (double)cs[c].tp / (cs[c].tp + cs[c].fn) : 0;
	}
	/* Decision times per verdict, from the answer and from the first word. */
	int pct[2][2][2] = {{{-1}}};  /* [class][from answer|from onset][p50|p90] */
	int *tmp = malloc(sizeof(int) * (size_t)(n ? n : 1));
	for (int c = 0; timing && tmp && c < 2; c++)
		for (int from = 0; from < 2; from++) {
			int k = 0;
			for (int i = 0; i < n; i++)
				if (it[i].got == c && (from == 0 || it[i].onset_ms >= 0))
					tmp[k++] = it[i].ms - (from ? it[i].onset_ms : 0);
			pct[c][from][0] = percentile(tmp, k, 50);
			pct[c][from][1] = percentile(tmp, k, 90);
		}
	free(tmp);
	if (json) {
		printf("{\"files\":%d,\"accuracy\":%.4f,\"classes\":{", n, acc);
		for (int c = 0; c < 2; c++) {
			printf("%s\"%s\":{\"precision\":%.4f,\"recall\":%.4f", c ? "," : "", classes[c],
			       cs[c].precision, cs[c].recall);
			if (timing)
				printf(",\"decision_ms\":{\"p50\":%d,\"p90\":%d},"
				       "\"decision_from_onset_ms\":{\"p50\":%d,\"p90\":%d}",
				       pct[c][0][0], pct[c][0][1], pct[c][1][0], pct[c][1][1]);
			printf("}");
		}
		printf("},\"confusion\":{");
		for (int c = 0; c < 2; c++)
			printf("%s\"%s\":{\"%s\":%d,\"%s\":%d,\"unknown\":%d}", c ? "," : "", classes[c],
			       classes[0], conf[c][0], classes[1], conf[c][1], conf[c][2]);
		printf("}}\n");
		return;
	}
	printf("%s: %d files, accuracy %.1f%% (%d/%d)\n\n", title, n, 100 * acc, correct, n);
	printf("%-10s %9s %9s\n", "class", "precision", "recall");
	for (int c = 0; c < 2; c++)
		printf("%-10s %8.1f%% %8.1f%%\n", classes[c], 100 * cs[c].precision,
		       100 * cs[c].recall);
	printf("\nconfusion (rows: label, columns: verdict)\n%-10s %8s %8s %8s\n", "", classes[0],
	       classes[1], "unknown");
	for (int c = 0; c < 2; c++)
		printf("%-10s %8d %8d %8d\n", classes[c], conf[c][0], conf[c][1], conf[c][2]);
	if (!timing) return;
	printf("\ndecision time, ms (per verdict)   from answer      from first word\n");
	printf("%-10s %21s %9s %10s %9s\n", "verdict", "p50", "p90", "p50", "p90");
	for (int c = 0; c < 2; c++)
		printf("%-10s %21d %9d %10d %9d\n", classes[c], pct[c][0][0], pct[c][0][1],
		       pct[c][1][0], pct[c][1][1]);
}

static int eval(int argc, char **argv, bool amd)
{
	static const char *const amd_cls[] = {"human", "machine"};
	static const char *const gen_cls[] = {"male", "female"};
	const char *const *cls = amd ? amd_cls : gen_cls;
	const char *dir = positional(argc, argv, 0), *labels = positional(argc, argv, 1);
	if (!dir || !labels) return usage_err(amd ? "amd-eval: DIR LABELS.csv are required"
						  : "gender-eval: DIR LABELS.csv are required");
	struct vd_amd_params ap;
	struct vd_gender_params gp;
	if (amd ? amd_params(argc, argv, &ap) : gender_params(argc, argv, &gp))
		return usage_err("a tuning flag is out of range");
	bool json = has_flag(argc, argv, "--json"), verbose = has_flag(argc, argv, "--verbose");
	struct item *it;
	int n;
	if (read_labels(labels, cls, 2, &it, &n)) return 2;
	int code = 0;
	for (int i = 0; i < n; i++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, it[i].file);
		if (amd) {
			struct vd_amd_result r;
			if (amd_file(path, &ap, &r)) {
				code = 1;
				r = (struct vd_amd_result){.verdict = VD_AMD_UNKNOWN, .onset_ms = -1, .cause = "unreadable"};
			}
			it[i].got = r.verdict == VD_AMD_HUMAN ? 0 : r.verdict == VD_AMD_MACHINE ? 1 : 2;
			it[i].ms = r.decision_ms;
			it[i].onset_ms = r.onset_ms;
			it[i].cause = r.cause;
		} else {
			struct vd_gender_result r;
			if (gender_file(path, &gp, &r)) {
				code = 1;
				r = (struct vd_gender_result){0};
			}
			it[i].got = r.gender == VD_GENDER_MALE ? 0 : r.gender == VD_GENDER_FEMALE ? 1 : 2;
			it[i].ms = (int)lrintf(r.f0_hz);
			it[i].vt_scale = r.vt_scale;
			it[i].cause = "";
		}
		if (verbose && !json && amd)
			printf("%s%-24s %-8s %-8s %6d %6d %s\n", it[i].got == it[i].truth ? "  " : "! ",
			       it[i].file, cls[it[i].truth], it[i].got < 2 ? cls[it[i].got] : "unknown",
			       it[i].ms, it[i].onset_ms, it[i].cause);
		else if (verbose && !json)  /* F0 in Hz, formant scale, their product */
			printf("%s%-24s %-8s %-8s %6d %6.3f %6.0f\n", it[i].got == it[i].truth ? "  " : "! ",
			       it[i].file, cls[it[i].truth], it[i].got < 2 ? cls[it[i].got] : "unknown",
			       it[i].ms, it[i].vt_scale,
			       it[i].ms * (it[i].vt_scale > 0 ? it[i].vt_scale : 1.0f));
	}
	if (verbose && !json) printf("\n");
	report(amd ? "amd" : "gender", cls, it, n, json, amd);
	free(it);
	return code;
}

int vd_cmd_amd_eval(int argc, char **argv) { return eval(argc, argv, true); }
int vd_cmd_gender_eval(int argc, char **argv) { return eval(argc, argv, false); }
