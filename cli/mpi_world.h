#pragma once
// Running under an MPI launcher (`mpirun -n K ringsim sweep ...`, `srun`): the process's rank
// among K, and the few messages a sweep split over ranks needs. Without a launcher, or in a
// build without MPI, the world is one rank and nothing here touches MPI.

#include <string>

namespace ringsim {

struct MpiWorld {
  int rank = 0;
  int size = 1;
  bool active = false;  ///< MPI was initialised (a launcher started this process)
};

/// The world of this process (one rank until StartMpiIfLaunched finds a launcher).
const MpiWorld& World();

/// Initialises MPI when a launcher started this process (Open MPI, PMI or PMIx in the
/// environment); ranks other than 0 then write nothing on stdout, so a command prints once.
void StartMpiIfLaunched(int* argc, char*** argv);

/// Finalises MPI if it was started; every rank must call it before exiting.
void FinishMpi();

/// Ends every rank of the job with `code` (a rank that cannot go on must not leave the others
/// waiting for its messages).
[[noreturn]] void AbortMpi(int code);

/// Sends `text` to rank `to` (blocking until it can be reused); receives the next text rank
/// `from` sent. Only between ranks of an active world.
void SendText(int to, const std::string& text);
std::string ReceiveText(int from);

/// Whether this binary was built with MPI.
bool BuiltWithMpi();

}  // namespace ringsim
