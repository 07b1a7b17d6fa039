/* `citemill gen`: synthetic corpora shaped like the reference workload.
 * Record i of a corpus depends only on (seed, corpus, i); shard j holds a
 * fixed range of records and is written by rank j % P, so the bytes do not
 * depend on the rank count. Collective on comm. */
#ifndef CM_GEN_H
#define CM_GEN_H

#include <mpi.h>

#include "cm_config.h"

int cm_gen(MPI_Comm comm, const cm_config *cfg);

#endif
