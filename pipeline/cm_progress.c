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

int cm_node_layout(MPI_Comm comm, char *text, size_t cap, int *nodes) {
  int P, len;
  CM_MPI(MPI_Comm_size(comm, &P));
  char mine[MPI_MAX_PROCESSOR_NAME] = {0};
  CM_MPI(MPI_Get_processor_name(mine, &len));
  char *all = malloc((size_t)P * MPI_MAX_PROCESSOR_NAME);
  int rc = cm_agree(comm, all ? CM_OK : CM_FAIL("out of memory listing %d ranks' nodes", P));
  if (rc == CM_OK)
    rc = MPI_Allgather(mine, MPI_MAX_PROCESSOR_NAME, MPI_CHAR, all, MPI_MAX_PROCESSOR_NAME, MPI_CHAR, comm) ==
                 MPI_SUCCESS
             ? CM_OK
             : CM_FAIL("MPI_Allgather of the processor names failed");
  size_t used = 0;
  int runs = 0;
  *nodes = 0;
  for (int r = 0; rc == CM_OK && r < P; r++) {
    const char *name = all + (size_t)r * MPI_MAX_PROCESSOR_NAME;
    int seen = 0;
    for (int q = 0; q < r && !seen; q++)
      seen = strcmp(name, all + (size_t)q * MPI_MAX_PROCESSOR_NAME) == 0;
    *nodes += !seen;
    if (r > 0 && strcmp(name, all + (size_t)(r - 1) * MPI_MAX_PROCESSOR_NAME) == 0) continue;
    int last = r;
    while (last + 1 < P && strcmp(name, all + (size_t)(last + 1) * MPI_MAX_PROCESSOR_NAME) == 0)
      last++;
    char run[MPI_MAX_PROCESSOR_NAME + 40];
    if (last > r)
      snprintf(run, sizeof run, "%s%s: ranks %d-%d", runs ? ", " : "", name, r, last);
    else
      snprintf(run, sizeof run, "%s%s: rank %d", runs ? ", " : "", name, r);
    runs++;
    if (runs <= 16 && used + strlen(run) + 8 < cap)
      used += (size_t)snprintf(text + used, cap - used, "%s", run);
    else if (runs == 17 && used + 8 < cap)
      used += (size_t)snprintf(text + used, cap - used, ", ...");
  }
  free(all);
  CM_TRY(cm_agree(comm, rc));
  char head[64];
  snprintf(head, sizeof head, "%d rank%s on %d node%s (", P, P == 1 ? "" : "s", *nodes,
           *nodes == 1 ? "" : "s");
  size_t h = strlen(head);
  if (h + used + 2 <= cap) {
    memmove(text + h, text, used);
    memcpy(text, head, h);
    text[h + used] = ')';
    text[h + used + 1] = 0;
  } else if (cap) {
    snprintf(text, cap, "%d ranks on %d nodes", P, *nodes);
  }
  return CM_OK;
}
