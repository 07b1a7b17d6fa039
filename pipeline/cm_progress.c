#include "cm_progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* Rank 0: the processor names in rank order as runs of equal names, "h1:
 * ranks 0-1, h2: rank 2, ..." (the first 16 runs), into text; the number of
 * distinct names into *nodes. */
static void describe_runs(const char *names, int P, char *text, size_t cap, int *nodes) {
  size_t used = 0;
  int runs = 0;
  *nodes = 0;
  text[0] = 0;
  for (int r = 0; r < P; r++) {
    const char *name = names + (size_t)r * MPI_MAX_PROCESSOR_NAME;
    int seen = 0;
    for (int q = 0; q < r && !seen; q++)
      seen = strcmp(name, names + (size_t)q * MPI_MAX_PROCESSOR_NAME) == 0;
    *nodes += !seen;
    if (r > 0 && strcmp(name, name - MPI_MAX_PROCESSOR_NAME) == 0) continue; /* inside a run */
    int last = r;
    while (last + 1 < P && strcmp(name, names + (size_t)(last + 1) * MPI_MAX_PROCESSOR_NAME) == 0)
      last++;
    const char *sep = runs++ ? ", " : "";
    if (runs > 17 || used + 8 >= cap) continue;
    if (runs == 17)
      used += (size_t)snprintf(text + used, cap - used, ", ...");
    else if (last > r)
      used += (size_t)snprintf(text + used, cap - used, "%s%s: ranks %d-%d", sep, name, r, last);
    else
      used += (size_t)snprintf(text + used, cap - used, "%s%s: rank %d", sep, name, r);
    if (used >= cap) used = cap - 1; /* cut short: snprintf counted what did not fit */
  }
}

int cm_report_layout(MPI_Comm comm, const char *label) {
  int rank, P, len;
  CM_MPI(MPI_Comm_rank(comm, &rank));
  CM_MPI(MPI_Comm_size(comm, &P));
  char mine[MPI_MAX_PROCESSOR_NAME] = {0};
  CM_MPI(MPI_Get_processor_name(mine, &len));
  char *all = rank == 0 ? malloc((size_t)P * MPI_MAX_PROCESSOR_NAME) : NULL;
  int rc = cm_agree(comm, rank == 0 && !all ? CM_FAIL("out of memory listing %d ranks' nodes", P) : CM_OK);
  if (rc == CM_OK && MPI_Gather(mine, MPI_MAX_PROCESSOR_NAME, MPI_CHAR, all, MPI_MAX_PROCESSOR_NAME, MPI_CHAR,
                                0, comm) != MPI_SUCCESS)
    rc = CM_FAIL("MPI_Gather of the processor names failed");
  if (rc == CM_OK && rank == 0) {
    char runs[2048];
    int nodes;
    describe_runs(all, P, runs, sizeof runs, &nodes);
    printf("citemill %s: %d rank%s on %d node%s (%s)\n", label, P, P == 1 ? "" : "s", nodes,
           nodes == 1 ? "" : "s", runs);
  }
  free(all);
  return cm_agree(comm, rc);
}
