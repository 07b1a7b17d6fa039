/* citemill driver: MPI set-up, option parsing, one command per run. */
#include <hdf5.h>
#include <mpi.h>
#include <stdio.h>
#include <string.h>

#include "cm_analyze.h"
#include "cm_config.h"
#include "cm_error.h"
#include "cm_gen.h"
#include "cm_info.h"
#include "cm_ingest.h"
#include "cm_progress.h"
#include "cm_run.h"
#include "cm_signal.h"

int main(int argc, char **argv) {
  if (MPI_Init(&argc, &argv) != MPI_SUCCESS) {
    fprintf(stderr, "citemill: MPI_Init failed; run under mpirun or srun\n");
    return 1;
  }
  MPI_Comm comm = MPI_COMM_WORLD;
  /* MPI errors come back as codes so CM_MPI can report them. */
  MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN);
  int rank;
  MPI_Comm_rank(comm, &rank);
  cm_config cfg;
  int exit_now = 0;
  /* Every rank parses the same argv; only rank 0 prints usage. */
  if (rank != 0) {
    FILE *null = freopen("/dev/null", "w", stdout);
    (void)null;
  }
  cm_signal_install();
  /* every rank parses the same argv: the result is the same everywhere */
  int rc = cm_config_parse(argc, argv, &cfg, &exit_now);
  rc = cm_agree(comm, rc);
  int parallel_command =
      !exit_now && (strcmp(cfg.command, "ingest") == 0 || strcmp(cfg.command, "analyze") == 0 ||
                    strcmp(cfg.command, "run") == 0);
  if (rc == CM_OK && parallel_command && !cfg.quiet) /* the same decision on every rank: argv is */
    rc = cm_report_layout(comm, cfg.command);
  if (rc == CM_OK && !exit_now) {
    if (strcmp(cfg.command, "ingest") == 0)
      rc = cm_ingest(comm, &cfg);
    else if (strcmp(cfg.command, "analyze") == 0)
      rc = cm_analyze(comm, &cfg, NULL);
    else if (strcmp(cfg.command, "gen") == 0)
      rc = cm_gen(comm, &cfg);
    else if (strcmp(cfg.command, "info") == 0)
      rc = cm_info(comm, &cfg);
    else if (strcmp(cfg.command, "verify") == 0)
      rc = cm_verify(comm, &cfg);
    else if (strcmp(cfg.command, "run") == 0)
      rc = cm_run(comm, &cfg);
  }
  fflush(stdout);
  cm_end_alone(comm, rc); /* a failure the other ranks never learnt of: MPI_Abort */
  cm_config_free(&cfg);
  rc = cm_agree(comm, rc);
  /* HDF5's own clean-up while MPI still works: after a failed close (disk
   * full) it would otherwise run inside MPI_Finalize and crash there */
  H5close();
  MPI_Finalize();
  /* a stop on request (all ranks agreed, outputs complete) has its own status */
  return rc == CM_INTERRUPTED ? CM_EXIT_INTERRUPTED : rc != CM_OK ? 1 : 0;
}
