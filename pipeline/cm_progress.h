/* Progress lines and resource reports on rank 0. Not collective unless said. */
#ifndef CM_PROGRESS_H
#define CM_PROGRESS_H

#include <mpi.h>
#include <stdint.h>

double cm_now(void);
/* Peak resident set size of this process in bytes. */
uint64_t cm_peak_rss(void);
/* Collective: prints "peak RSS: max X MiB, mean Y MiB over P ranks" on rank 0. */
int cm_report_rss(MPI_Comm comm, const char *label);

/* Collective: prints on rank 0 where the ranks run, as "citemill LABEL: 4
 * ranks on 2 nodes (h1: ranks 0-1, h2: ranks 2-3)" (processor names in rank
 * order; a node whose ranks are not consecutive is listed once per run of
 * them). A cluster job's log then says which hosts took part, and the
 * multi-host tests can see that they did. */
int cm_report_layout(MPI_Comm comm, const char *label);

#endif
