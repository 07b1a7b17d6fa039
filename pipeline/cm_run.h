/* `citemill run`: ingest -> analyze -> report in one output directory, each
 * stage recorded in OUT/manifest and skipped on a rerun when its inputs,
 * options and outputs are unchanged. Collective on comm.
 *
 * OUT/store.h5           the store (ingest)
 * OUT/analysis/          tables/<name>.csv, results.h5, links.h5 (analyze)
 * OUT/report.html        the report
 * OUT/manifest           one block per completed stage (docs/run.md)
 * OUT/run.json           summary of the last run */
#ifndef CM_RUN_H
#define CM_RUN_H

#include <mpi.h>

#include "cm_config.h"

int cm_run(MPI_Comm comm, const cm_config *cfg);

#endif
