/*
 * unit.h - minimal check helpers for the C unit tests (one test program
 * per .c file; include this header once, from that file).
 *
 * UT_CHECK(cond) records one check. A failed check prints
 * "file:line: check failed: cond" plus the current context (ut_ctx, set
 * with ut_context()) and the program continues, so one run shows every
 * failure; ut_done() then makes main() return 1.
 */
#ifndef OC_UNIT_H
#define OC_UNIT_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define UT_MAX_REPORTS 50 /* failures printed before going quiet */

static unsigned long ut_checks;
static unsigned long ut_failures;
static char ut_ctx[256];

/*
 * Set the context printed with failures (printf-style), e.g. the fixture
 * and split pattern under test. An empty format clears it.
 */
static inline void ut_context(const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(ut_ctx, sizeof(ut_ctx), fmt, ap);
  va_end(ap);
}

/*
 * Record one check of expression text expr at file:line. Prints a report
 * on failure (the first UT_MAX_REPORTS only). Returns ok.
 */
static inline int ut_check(int ok, const char *file, int line,
                           const char *expr)
{
  ut_checks++;
  if(ok)
    return 1;
  ut_failures++;
  if(ut_failures <= UT_MAX_REPORTS)
    fprintf(stderr, "%s:%d: check failed: %s%s%s\n", file, line, expr,
            ut_ctx[0] ? " -- " : "", ut_ctx);
  else if(ut_failures == UT_MAX_REPORTS + 1)
    fprintf(stderr, "(further failures not shown)\n");
  return 0;
}

#define UT_CHECK(cond) ut_check(!!(cond), __FILE__, __LINE__, #cond)

/* equal byte strings of explicit length */
#define UT_CHECK_MEM(a, alen, b, blen)                                  \
  ut_check((alen) == (blen) && (!(alen) || !memcmp((a), (b), (alen))),  \
           __FILE__, __LINE__, #a " == " #b)

/*
 * Print the summary line for program name and return the exit status for
 * main(): 0 if every check passed, 1 otherwise.
 */
static inline int ut_done(const char *name)
{
  printf("%s: %lu checks, %lu failed\n", name, ut_checks, ut_failures);
  return ut_failures ? 1 : 0;
}

#endif
