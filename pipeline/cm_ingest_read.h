/* Reading one corpus: the ranks claim input files (cm_claim.h), stream
 * them through the container reader and the JSON parser into their
 * columns, write rejects (each rank a part, merged in input order), and
 * check the reject threshold. */
#ifndef CM_INGEST_READ_H
#define CM_INGEST_READ_H

#include <mpi.h>

#include "cm_config.h"
#include "cm_h5.h"
#include "cm_ingest_cols.h"
#include "cm_ingest_refresh.h"

/* Collective: reads corpus `patents` (1) or works (0) into cols; fl gets
 * the sorted input files, t the counts. `pending` holds this rank's share
 * of the store columns begun so far (NULL: none): the rank writes it once
 * its node has claimed (r + 1/2) / (2 R) of its files (r: the rank's place
 * among the R ranks of its node), so that the ranks write at different
 * moments, each while the others parse (the kernel lets one writer at a time
 * into a file); `written` (NULL: none) holds the columns those writes come
 * from, freed once written. Fails (agreed) on a broken container or when rejects pass the
 * threshold, naming the worst files. */
int cm_read_corpus(MPI_Comm comm, const cm_config *cfg, int patents, const char *rej_dir, cm_base_store *base,
                   cm_corpus_cols *cols, cm_filelist *fl, cm_corpus_totals *t, cm_h5_deferred *pending,
                   cm_corpus_cols *written);

/* Not collective (rank 0): puts the merged rejects file of `corpus`
 * ("patents", "works") in place: DIR/<corpus>.csv.tmp becomes DIR/<corpus>.csv.
 * Called once the store they belong to is in place, or when the rejects
 * themselves fail the run. */
int cm_rejects_publish(const char *rej_dir, const char *corpus);

#endif
