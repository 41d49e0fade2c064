/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* A tiny test harness: CHECK* record failures with file:line and go on;
 * vt_done() prints "N passed, N failed" and returns the exit code. */
#ifndef VTEST_H
#define VTEST_H
#include <stdio.h>
#include <string.h>

static int vt_pass, vt_fail;

#define CHECK(cond) do { if (cond) vt_pass++; else { vt_fail++; \
  fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECK_INT(a, b) do { long long va_ = (long long)(a), vb_ = (long long)(b); \
  if (va_ == vb_) vt_pass++; else { vt_fail++; \
  fprintf(stderr, "%s:%d: %s == %lld, expected %lld\n", __FILE__, __LINE__, #a, va_, vb_); } } while (0)
#define CHECK_STR(a, b) do { const char *sa_ = (a), *sb_ = (b); \
  if (sa_ && sb_ && !strcmp(sa_, sb_)) vt_pass++; else { vt_fail++; \
  fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #a, \
          sa_ ? sa_ : "(null)", sb_ ? sb_ : "(null)"); } } while (0)

static inline int vt_done(void)
{
	printf("%d passed, %d failed\n", vt_pass, vt_fail);
	return vt_fail ? 1 : 0;
}
#endif
