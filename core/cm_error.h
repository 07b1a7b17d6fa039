/* Error propagation, PETSc style: every function that can fail returns int
 * (a cm_result below). The function that detects a failure prints one clear
 * message with CM_FAIL (what happened, which file/member/line, what to do);
 * callers propagate with CM_TRY, which adds a trace line when CITEMILL_TRACE
 * is set in the environment. MPI and HDF5 calls are checked by CM_MPI and
 * CM_H5. None of these macros is collective, except CM_AGREE.
 *
 * The collective error protocol: a rank that fails holds CM_ERR, which only
 * it knows of. Before any collective that follows fallible local work, the
 * ranks agree (cm_agree / CM_AGREE): every rank then holds the same result,
 * CM_ERR_ALL when any rank failed, and all leave through the same path, so
 * an error ends the job cleanly instead of hanging it. A function that
 * returns CM_ERR from a collective context failed where the other ranks
 * could not be told (inside a collective step): main() then ends the job
 * with MPI_Abort, the only place it does (cm_end_alone). */
#ifndef CM_ERROR_H
#define CM_ERROR_H

#include <mpi.h>
#include <stdarg.h>

/* Results, in order of severity: cm_agree takes the maximum over the ranks,
 * so the most severe outcome on any rank is everyone's. */
enum cm_result {
  CM_OK = 0,          /* success */
  CM_INTERRUPTED = 1, /* stopped on request at a safe point; complete outputs kept */
  CM_ERR = 2,         /* this rank failed; the other ranks do not know yet */
  CM_ERR_ALL = 3      /* a failure every rank of the communicator knows of */
};

/* Collective on comm: the most severe of every rank's rc. Returns CM_OK,
 * CM_INTERRUPTED or CM_ERR_ALL (any failure), the same on every rank; the
 * failing rank has printed its message, the others print nothing. CM_ERR
 * only if the agreement itself failed (MPI error). */
int cm_agree(MPI_Comm comm, int rc);

/* Collective on comm: agrees on rc and returns from the calling function on
 * every rank unless all succeeded. */
#define CM_AGREE(comm, rc)                                                                                   \
  do {                                                                                                       \
    int cm_arc_ = cm_agree((comm), (rc));                                                                    \
    if (cm_arc_ != CM_OK) return cm_arc_;                                                                    \
  } while (0)

/* Not collective: called by main() with a command's final result. A CM_ERR
 * that was never agreed on means the other ranks may be waiting inside a
 * collective this rank will not enter: this ends the job on every rank
 * (MPI_Abort; outputs are only ever replaced by renames, so what an earlier
 * run wrote stays whole). Returns otherwise. */
void cm_end_alone(MPI_Comm comm, int rc);

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
 * process's rank in MPI_COMM_WORLD. Points (docs/testing.md): shuffle-kill,
 * shuffle-stall (the rank stops answering: tests/test_multihost.sh),
 * h5-write (a collective write), h5-deferred-write (a rank's held-back store
 * write), load-fail, citations-fail, links-fail, job-fail (analyze's steps).
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

/* For local work before a collective: records a failure in rc and jumps to
 * label, the point where the ranks agree (CM_AGREE) before the collective. */
#define CM_TRY_TO(rc, call, label)                                                                           \
  do {                                                                                                       \
    int cm_grc_ = (call);                                                                                    \
    if (cm_grc_ != CM_OK) {                                                                                  \
      (rc) = cm_grc_;                                                                                        \
      goto label;                                                                                            \
    }                                                                                                        \
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
