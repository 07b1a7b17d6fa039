/* `citemill ingest`: both corpora from dumps into one HDF5 store (SPEC 1, 4).
 * Collective on comm. */
#ifndef CM_INGEST_H
#define CM_INGEST_H

#include <mpi.h>

#include "cm_config.h"

int cm_ingest(MPI_Comm comm, const cm_config *cfg);
/* Rank 0, not collective: whether ingest may write its outputs (SPEC 1):
 * the store and its temporary are not inputs and lie inside none, an
 * existing store is a citemill store, the rejects folder holds no input and
 * its rejects files, if any, are citemill's. */
int cm_ingest_check_out(const cm_config *cfg);

#endif
