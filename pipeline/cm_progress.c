#include "cm_progress.h"

#include <stdio.h>
#include <sys/resource.h>
#include <time.h>

#include "cm_error.h"

double cm_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

uint64_t cm_peak_rss(void) {
  struct rusage u;
  if (getrusage(RUSAGE_SELF, &u) != 0) return 0;
  return (uint64_t)u.ru_maxrss * 1024u;
}

int cm_report_rss(MPI_Comm comm, const char *label) {
  int rank, P;
  CM_MPI(MPI_Comm_rank(comm, &rank));
  CM_MPI(MPI_Comm_size(comm, &P));
  double mine = (double)cm_peak_rss() / 1048576.0, mx = 0, sum = 0;
  CM_MPI(MPI_Reduce(&mine, &mx, 1, MPI_DOUBLE, MPI_MAX, 0, comm));
  CM_MPI(MPI_Reduce(&mine, &sum, 1, MPI_DOUBLE, MPI_SUM, 0, comm));
  if (rank == 0)
    printf("%s: peak RSS per rank max %.1f MiB, mean %.1f MiB over %d ranks\n", label, mx, sum / P, P);
  return CM_OK;
}
