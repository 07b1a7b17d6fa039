/* Replays, at any rank count, the shuffles a real citemill run made: the
 * real cm_shuffle (core/cm_shuffle.c) under SimGrid's SMPI, which simulates
 * the network of a cluster (bench/smpi/*.xml) while the code runs unchanged.
 *
 * usage (under smpirun): replay_shuffle TRACE P0 FACTOR [K,K,...]
 *   TRACE.0 .. TRACE.<P0-1>: a run's CITEMILL_TRACE_SHUFFLE files (one line
 *   per shuffle: P rank t_enter t_exit bytes_to_0 ... bytes_to_P0-1);
 *   FACTOR: the target corpus over the traced one (100: scale 1.0 from 0.01);
 *   K,...: replay only these shuffles (indices from 0; default all).
 * Each shuffle's volume V (all pairs) is split, as traced, into a part sent
 * to rank 0 beyond an even share (results gathered for the small tables) and
 * an even part (records routed by hash: every pair the same). At P ranks
 * each rank sends FACTOR x even / P^2 to every rank and FACTOR x to-rank-0 /
 * P to rank 0: the data divide evenly over the ranks, as the corpus does.
 * Payload bytes are not meaningful (SMPI folds large buffers: see
 * bench/scaling_model.sh); only sizes are.
 * Prints on rank 0, per shuffle: index, bytes in all, seconds (simulated,
 * the slowest rank), and the total. Collective on MPI_COMM_WORLD. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cm_error.h"
#include "cm_shuffle.h"

#define MAX_SHUFFLES 256

/* Rank 0: reads the trace into even[k] and gather[k] (bytes); returns the
 * number of shuffles, -1 on a bad trace. */
static int read_trace(const char *prefix, int p0, double *even, double *gather) {
  int n = 0;
  memset(even, 0, MAX_SHUFFLES * sizeof *even);
  memset(gather, 0, MAX_SHUFFLES * sizeof *gather);
  double *to = calloc((size_t)MAX_SHUFFLES * (size_t)p0, sizeof *to);
  if (!to) return -1;
  for (int r = 0; r < p0; r++) {
    char path[4096];
    snprintf(path, sizeof path, "%s.%d", prefix, r);
    FILE *f = fopen(path, "r");
    if (!f) {
      fprintf(stderr, "replay_shuffle: cannot open '%s'\n", path);
      free(to);
      return -1;
    }
    int k = 0, P, rank;
    double t0, t1;
    while (k < MAX_SHUFFLES && fscanf(f, "%d %d %lf %lf", &P, &rank, &t0, &t1) == 4 && P == p0) {
      for (int d = 0; d < p0; d++) {
        unsigned long long b;
        if (fscanf(f, "%llu", &b) != 1) break;
        to[(size_t)k * (size_t)p0 + (size_t)d] += (double)b;
      }
      k++;
    }
    fclose(f);
    if (r == 0) n = k;
    if (k != n) {
      fprintf(stderr, "replay_shuffle: '%s' has %d shuffles, rank 0's %d\n", path, k, n);
      free(to);
      return -1;
    }
  }
  for (int k = 0; k < n; k++) {
    double v = 0, rest = 0, *row = to + (size_t)k * (size_t)p0;
    for (int d = 0; d < p0; d++)
      v += row[d];
    for (int d = 1; d < p0; d++)
      rest += row[d];
    double fair = p0 > 1 ? rest / (p0 - 1) : row[0]; /* an even share, from the other ranks */
    gather[k] = row[0] > fair ? row[0] - fair : 0;
    even[k] = v - gather[k];
  }
  free(to);
  return n;
}

/* Whether k is in the comma-separated list. */
static int listed(const char *list, int k) {
  for (const char *p = list; *p;) {
    char *end;
    long v = strtol(p, &end, 10);
    if (end == p) return 0;
    if (v == k) return 1;
    p = *end == ',' ? end + 1 : end;
  }
  return 0;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int P, me;
  MPI_Comm_size(MPI_COMM_WORLD, &P);
  MPI_Comm_rank(MPI_COMM_WORLD, &me);
  if (argc != 4 && argc != 5) {
    if (me == 0) fprintf(stderr, "usage: replay_shuffle TRACE P0 FACTOR [K,K,...]\n");
    MPI_Finalize();
    return 2;
  }
  int p0 = atoi(argv[2]);
  double factor = atof(argv[3]);
  double even[MAX_SHUFFLES], gather[MAX_SHUFFLES];
  int n = me == 0 ? read_trace(argv[1], p0, even, gather) : 0;
  MPI_Bcast(&n, 1, MPI_INT, 0, MPI_COMM_WORLD);
  if (n < 0) {
    MPI_Finalize();
    return 1;
  }
  MPI_Bcast(even, n, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  MPI_Bcast(gather, n, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  double total = 0;
  for (int k = 0; k < n; k++) {
    if (argc == 5 && !listed(argv[4], k)) continue;
    cm_outbox out;
    cm_inbox in;
    if (cm_outbox_init(&out, P) != CM_OK) MPI_Abort(MPI_COMM_WORLD, 1);
    size_t pair = (size_t)(factor * even[k] / ((double)P * P));
    size_t to0 = (size_t)(factor * gather[k] / P);
    for (int d = 0; d < P; d++) {
      size_t b = pair + (d == 0 ? to0 : 0);
      if (b && cm_buf_reserve(&out.to[d], b) != CM_OK) MPI_Abort(MPI_COMM_WORLD, 1);
      out.to[d].len = b; /* the bytes themselves do not matter here */
    }
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    if (cm_shuffle(MPI_COMM_WORLD, CM_OK, &out, &in) != CM_OK) MPI_Abort(MPI_COMM_WORLD, 1);
    double t = MPI_Wtime() - t0, slowest;
    MPI_Reduce(&t, &slowest, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    cm_inbox_free(&in);
    cm_outbox_free(&out);
    total += slowest;
    if (me == 0) printf("shuffle %d bytes %.0f seconds %.6f\n", k, factor * (even[k] + gather[k]), slowest);
  }
  if (me == 0) printf("total ranks %d seconds %.6f\n", P, total);
  MPI_Finalize();
  return 0;
}
