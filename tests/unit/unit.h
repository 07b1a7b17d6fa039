/* A few lines of test harness for the unit tests (tests/unit/): CHECK counts
 * a failure and says where, and each test file's main returns the count, so
 * that one broken behaviour names itself and the others still run. */
#ifndef CM_UNIT_H
#define CM_UNIT_H

#include <stdio.h>

static int unit_failures = 0;

#define CHECK(cond)                                                                                          \
  do {                                                                                                       \
    if (!(cond)) {                                                                                           \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);                               \
      unit_failures++;                                                                                       \
    }                                                                                                        \
  } while (0)

#endif
