/* `citemill analyze`: the SPEC 3 tables from a store. Collective on comm. */
#ifndef CM_ANALYZE_H
#define CM_ANALYZE_H

#include <mpi.h>
#include <stdint.h>

#include "cm_config.h"

/* `shuffled`, when not NULL, receives on every rank the most bytes one rank
 * sent to others in all shuffles. */
int cm_analyze(MPI_Comm comm, const cm_config *cfg, uint64_t *shuffled);

#endif
