/* `citemill analyze`: the SPEC 3 tables from a store. Collective on comm. */
#ifndef CM_ANALYZE_H
#define CM_ANALYZE_H

#include <mpi.h>

#include "cm_config.h"

int cm_analyze(MPI_Comm comm, const cm_config *cfg);

#endif
