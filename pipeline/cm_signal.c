#include "cm_signal.h"

#include <signal.h>
#include <string.h>

#include "cm_error.h"

/* The one piece of state a signal handler may touch (C17 7.14.1.1): set by
 * the handler, read at safe points. */
static volatile sig_atomic_t stop_requested = 0;

static void on_signal(int sig) {
  (void)sig;
  stop_requested = 1;
}

void cm_signal_install(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}

int cm_signal_stop_requested(MPI_Comm comm, int *stop) {
  int mine = stop_requested != 0;
  CM_MPI(MPI_Allreduce(&mine, stop, 1, MPI_INT, MPI_MAX, comm));
  return CM_OK;
}
