#include "cm_error.h"

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int world_rank(void) {
  int init = 0, fin = 0, rank = 0;
  MPI_Initialized(&init);
  MPI_Finalized(&fin);
  if (init && !fin) MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

static int tracing(void) { return getenv("CITEMILL_TRACE") != NULL; }

int cm_error_at(const char *src, int line, const char *fmt, ...) {
  char msg[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (tracing())
    fprintf(stderr, "citemill[rank %d]: error: %s (%s:%d)\n", world_rank(), msg, src, line);
  else
    fprintf(stderr, "citemill[rank %d]: error: %s\n", world_rank(), msg);
  fflush(stderr);
  return CM_ERR;
}

void cm_trace(const char *src, int line, const char *expr) {
  if (tracing()) fprintf(stderr, "citemill[rank %d]:   from %s:%d: %s\n", world_rank(), src, line, expr);
}

void cm_warn(const char *fmt, ...) {
  char msg[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  fprintf(stderr, "citemill[rank %d]: warning: %s\n", world_rank(), msg);
}

int cm_mpi_error(const char *src, int line, const char *expr, int code) {
  char s[MPI_MAX_ERROR_STRING];
  int len = 0;
  if (MPI_Error_string(code, s, &len) != MPI_SUCCESS) snprintf(s, sizeof s, "code %d", code);
  return cm_error_at(src, line, "MPI call failed (%s): %s", s, expr);
}

int cm_fault(const char *point) {
  const char *f = getenv("CITEMILL_FAULT");
  if (!f) return 0;
  size_t n = strlen(point);
  if (strncmp(f, point, n) != 0 || f[n] != '@') return 0;
  return atoi(f + n + 1) == world_rank();
}

int cm_agree(MPI_Comm comm, int rc) {
  int any = CM_OK;
  if (MPI_Allreduce(&rc, &any, 1, MPI_INT, MPI_MAX, comm) != MPI_SUCCESS)
    return cm_error_at(__FILE__, __LINE__, "MPI_Allreduce failed while the ranks agreed on a result");
  return any >= CM_ERR ? CM_ERR_ALL : any;
}

void cm_end_alone(MPI_Comm comm, int rc) {
  if (rc != CM_ERR) return;
  fprintf(stderr,
          "citemill[rank %d]: error: the failure above happened while the other ranks may be inside a "
          "collective step; ending the job on all ranks\n",
          world_rank());
  fflush(stdout);
  fflush(stderr);
  MPI_Abort(comm, 1);
}
