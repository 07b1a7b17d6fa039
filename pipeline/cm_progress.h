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

#endif
