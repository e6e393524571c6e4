/* testutil.h - shared helpers for the cmocka suites (cmocka 1.1.5). */
#ifndef SWITCHSIM_TESTUTIL_H
#define SWITCHSIM_TESTUTIL_H

/* cmocka needs these before its own header. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Absolute path of a file under tests/ (TEST_DATA_DIR is set by the Makefile). */
#define FIXTURE(rel) TEST_DATA_DIR "/" rel

/* Fails with both values printed when |a - b| > tol. */
#define assert_double_near(a, b, tol)                                       \
    do {                                                                    \
        double a_ = (a), b_ = (b), t_ = (tol);                              \
        if (!(fabs(a_ - b_) <= t_))                                         \
            fail_msg("%s = %.10g, expected %.10g +- %.3g", #a, a_, b_, t_); \
    } while (0)

static inline char *testutil_read_file(const char *path, size_t *len_out)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    size_t got = fread(buf, 1, (size_t)n, fp);
    fclose(fp);
    buf[got] = '\0';
    if (len_out)
        *len_out = got;
    return buf;
}

#endif /* SWITCHSIM_TESTUTIL_H */
