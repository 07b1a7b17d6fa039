/* `citemill info` and `citemill verify`. Collective on comm. */
#ifndef CM_INFO_H
#define CM_INFO_H

#include <mpi.h>

#include "cm_config.h"

/* `citemill info`: prints what a store holds (rank 0 prints). */
int cm_info(MPI_Comm comm, const cm_config *cfg);
/* Every dataset of the citemill HDF5 file at path (a store, links.h5,
 * results.h5) matches its checksum (cm_h5check.h); else an error naming the
 * first that does not. */
int cm_verify_file(MPI_Comm comm, const char *path);
/* `citemill verify --store FILE`: cm_verify_file, reported. */
int cm_verify(MPI_Comm comm, const cm_config *cfg);

#endif
