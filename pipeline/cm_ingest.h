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
/* Collective on comm: every dataset of the citemill HDF5 file at path (a
 * store, links.h5, results.h5) matches its checksum (cm_h5check.h); else
 * an error naming the first that does not. */
int cm_verify_file(MPI_Comm comm, const char *path);
/* `citemill verify --store FILE`: cm_verify_file, reported. Collective. */
int cm_verify(MPI_Comm comm, const cm_config *cfg);
/* `citemill info`: prints what a store holds. Collective on comm (rank 0 prints). */
int cm_info(MPI_Comm comm, const cm_config *cfg);

#endif
