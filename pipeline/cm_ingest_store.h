/* The store: the duplicate rule across ranks (each key's copies meet at
 * its owner, the later copy wins), and the writing of each corpus's group
 * (docs/store.md). The file is written as STORE.tmp and renamed when every
 * rank succeeded. */
#ifndef CM_INGEST_STORE_H
#define CM_INGEST_STORE_H

#include <hdf5.h>
#include <mpi.h>

#include "cm_config.h"
#include "cm_files.h"
#include "cm_h5.h"
#include "cm_ingest_cols.h"

/* The layout of the store's columns (docs/store.md); a store written under
 * another layout is not read, it is ingested again. Version 2 added
 * works/first_author. */
#define CM_SCHEMA_VERSION 2

/* Not collective (every rank may call it): CM_OK when the store f (named
 * path in the message) was written under CM_SCHEMA_VERSION; else says which
 * version it has and what to do. */
int cm_store_check_schema(hid_t f, const char *path);

/* Collective: marks keep[i] = 0 for the rows that lose the duplicate rule;
 * *dropped: how many, over all ranks. */
int cm_resolve_duplicates(MPI_Comm comm, cm_corpus_cols *c, uint8_t *keep, uint64_t *dropped);
/* Collective: begins the store at tmp (when *f < 0) and writes corpus k's
 * group (its row columns queued in *later, written by each rank when it
 * chooses). */
int cm_store_begin_corpus(MPI_Comm comm, const cm_config *cfg, const char *tmp, int k, cm_corpus_cols *cols,
                          const cm_filelist *fl, const cm_corpus_totals *t, hid_t *f, cm_h5_deferred **later);
/* Collective: writes what each rank still holds, closes the store and puts
 * it in place; or, when rc says reading failed after the store was begun,
 * removes it. */
int cm_store_end(MPI_Comm comm, const cm_config *cfg, const char *tmp, int rc, hid_t f,
                 cm_h5_deferred *later);

#endif
