/* `citemill info` and `citemill verify`: what a store holds, and whether
 * every dataset of a citemill HDF5 file matches its checksum. */
#include "cm_info.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cm_error.h"
#include "cm_h5.h"
#include "cm_h5check.h"
#include "cm_progress.h"

/* Rank 0's part of info: prints the store's description. */
static int print_info(hid_t f, const cm_config *cfg) {
  char *ver = NULL, *conf = NULL, *when = NULL;
  int rc = cm_h5_attr_read_str(f, "citemill_version", &ver);
  if (rc == CM_OK) rc = cm_h5_attr_read_str(f, "configuration", &conf);
  if (rc == CM_OK) rc = cm_h5_attr_read_str(f, "created_utc", &when);
  uint64_t schema = 0;
  hid_t a = H5Aopen(f, "schema_version", H5P_DEFAULT);
  if (a >= 0) H5Aread(a, H5T_NATIVE_UINT64, &schema), H5Aclose(a);
  if (rc == CM_OK)
    printf("store: %s\nschema_version: %" PRIu64 "\ncitemill_version: %s\ncreated_utc: %s\n", cfg->store,
           schema, ver, when);
  const char *groups[] = {"patents", "works"};
  const char *attrs[] = {"rows", "lines", "rejects", "duplicates_dropped"};
  for (int k = 0; k < 2 && rc == CM_OK; k++) {
    hid_t g = H5Gopen2(f, groups[k], H5P_DEFAULT);
    if (g < 0) {
      rc = CM_FAIL("store has no group '%s'", groups[k]);
      break;
    }
    printf("%s:", groups[k]);
    for (int i = 0; i < 4; i++) {
      uint64_t v = 0;
      hid_t at = H5Aopen(g, attrs[i], H5P_DEFAULT);
      if (at >= 0) H5Aread(at, H5T_NATIVE_UINT64, &v), H5Aclose(at);
      printf(" %s=%" PRIu64, attrs[i], v);
    }
    uint64_t nfiles = 0;
    cm_strcol paths;
    memset(&paths, 0, sizeof paths);
    uint64_t *sz = NULL;
    rc = cm_h5_length(g, "input_size", &nfiles);
    if (rc == CM_OK) printf(" input_files=%" PRIu64 "\n", nfiles);
    if (rc == CM_OK) rc = cm_h5_read_strcol(g, "input_path", 0, nfiles, &paths, NULL, CM_OWN_LAST);
    if (rc == CM_OK && !(sz = malloc((nfiles + 1) * 8))) rc = CM_FAIL("out of memory");
    if (rc == CM_OK) rc = cm_h5_read(g, "input_size", H5T_NATIVE_UINT64, 0, nfiles, sz, NULL, CM_OWN_LAST);
    for (uint64_t i = 0; rc == CM_OK && i < nfiles && i < 20; i++) {
      size_t l;
      const uint8_t *p = cm_strcol_get(&paths, i, &l);
      printf("  input %.*s (%" PRIu64 " bytes)\n", (int)l, (const char *)p, sz[i]);
    }
    if (rc == CM_OK && nfiles > 20) printf("  ... %" PRIu64 " more\n", nfiles - 20);
    free(sz);
    cm_strcol_free(&paths);
    H5Gclose(g);
  }
  if (rc == CM_OK) printf("configuration:\n%s", conf);
  free(ver);
  free(conf);
  free(when);
  return rc;
}

int cm_verify_file(MPI_Comm comm, const char *path) {
  hid_t f;
  CM_AGREE(comm, cm_h5_open(comm, path, &f));
  int rc = cm_check_file(comm, f, path);
  H5Fclose(f);
  return rc;
}

int cm_verify(MPI_Comm comm, const cm_config *cfg) {
  int rank;
  CM_MPI(MPI_Comm_rank(comm, &rank));
  double t0 = cm_now();
  int rc = cm_verify_file(comm, cfg->store);
  if (rc == CM_OK && rank == 0)
    printf("verify: every dataset of '%s' matches its checksum (%.2f s)\n", cfg->store, cm_now() - t0);
  return rc;
}

int cm_info(MPI_Comm comm, const cm_config *cfg) {
  int rank;
  CM_MPI(MPI_Comm_rank(comm, &rank));
  hid_t f;
  CM_TRY(cm_h5_open(comm, cfg->store, &f));
  int rc = rank == 0 ? print_info(f, cfg) : CM_OK;
  H5Fclose(f);
  /* rank 0's outcome is everyone's: no rank may return success alone */
  return cm_agree(comm, rc);
}
