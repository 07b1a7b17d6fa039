/* Error propagation, PETSc style: every function that can fail returns int
 * (0 = ok, nonzero = failed). The function that detects a failure prints one
 * clear message with CM_FAIL (what happened, which file/member/line, what to
 * do); callers propagate with CM_TRY, which adds a trace line when
 * CITEMILL_TRACE is set in the environment. MPI and HDF5 calls are checked by
 * CM_MPI and CM_H5. None of these macros is collective. */
#ifndef CM_ERROR_H
#define CM_ERROR_H

#include <stdarg.h>

#define CM_OK 0
#define CM_ERR 1

/* Prints "citemill[rank R]: error: <message>" (plus the source location when
 * tracing) to stderr and returns CM_ERR. Not collective. */
int cm_error_at(const char *src, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Prints a trace line when CITEMILL_TRACE is set. Not collective. */
void cm_trace(const char *src, int line, const char *expr);
/* Prints a warning line. Not collective. */
void cm_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Formats an MPI error code into a message and returns CM_ERR. */
int cm_mpi_error(const char *src, int line, const char *expr, int code);

/* Fault injection for the tests (tests/test_faults.sh): nonzero when the
 * environment variable CITEMILL_FAULT is "POINT@RANK" for this point and this
 * process's rank in MPI_COMM_WORLD. Points: shuffle-kill, h5-write (a collective
 * write), h5-deferred-write (a rank's held-back store write), job-fail.
 * Not collective; costs one getenv. */
int cm_fault(const char *point);

#define CM_FAIL(...) cm_error_at(__FILE__, __LINE__, __VA_ARGS__)

#define CM_TRY(call)                                                                                         \
  do {                                                                                                       \
    int cm_rc_ = (call);                                                                                     \
    if (cm_rc_ != 0) {                                                                                       \
      cm_trace(__FILE__, __LINE__, #call);                                                                   \
      return cm_rc_;                                                                                         \
    }                                                                                                        \
  } while (0)

#define CM_MPI(call)                                                                                         \
  do {                                                                                                       \
    int cm_mrc_ = (call);                                                                                    \
    if (cm_mrc_ != 0) return cm_mpi_error(__FILE__, __LINE__, #call, cm_mrc_);                               \
  } while (0)

/* HDF5 calls return a negative herr_t / hid_t on failure. */
#define CM_H5(call)                                                                                          \
  do {                                                                                                       \
    if ((call) < 0) return cm_error_at(__FILE__, __LINE__, "HDF5 call failed: %s", #call);                   \
  } while (0)

/* Allocation check: fails with a message naming the size. */
#define CM_ALLOC(ptr, nbytes)                                                                                \
  do {                                                                                                       \
    if ((ptr) == NULL && (nbytes) > 0)                                                                       \
      return cm_error_at(__FILE__, __LINE__, "out of memory allocating %zu bytes", (size_t)(nbytes));        \
  } while (0)

#endif
