#include "cli/mpi_world.h"

#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#ifdef RINGSIM_MPI
#include <mpi.h>
#endif

namespace ringsim {

namespace {

MpiWorld world;

#ifdef RINGSIM_MPI
// Launchers say so in the environment: Open MPI's mpirun, Slurm's srun (PMI/PMIx), MPICH.
bool Launched() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK"}) {
    if (std::getenv(name) != nullptr) return true;
  }
  return false;
}
#endif

}  // namespace

const MpiWorld& World() { return world; }

bool BuiltWithMpi() {
#ifdef RINGSIM_MPI
  return true;
#else
  return false;
#endif
}

void StartMpiIfLaunched(int* argc, char*** argv) {
#ifdef RINGSIM_MPI
  if (!Launched()) return;
  MPI_Init(argc, argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &world.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &world.size);
  world.active = true;
  // One output for the job: rank 0's.
  if (world.rank != 0 && std::freopen("/dev/null", "w", stdout) == nullptr) {
    std::fprintf(stderr, "ringsim: rank %d: cannot silence standard output\n", world.rank);
  }
#else
  (void)argc;
  (void)argv;
#endif
}

void FinishMpi() {
#ifdef RINGSIM_MPI
  if (world.active) MPI_Finalize();
  world.active = false;
#endif
}

void AbortMpi(int code) {
#ifdef RINGSIM_MPI
  if (world.active) MPI_Abort(MPI_COMM_WORLD, code);
#endif
  std::exit(code);
}

void SendText(int to, const std::string& text) {
#ifdef RINGSIM_MPI
  const unsigned long long size = text.size();
  MPI_Send(&size, 1, MPI_UNSIGNED_LONG_LONG, to, 0, MPI_COMM_WORLD);
  // MPI counts are int: send in pieces of at most 1 GiB.
  constexpr unsigned long long kPiece = 1ull << 30;
  for (unsigned long long at = 0; at < size; at += kPiece) {
    const int n = static_cast<int>(size - at < kPiece ? size - at : kPiece);
    MPI_Send(text.data() + at, n, MPI_CHAR, to, 0, MPI_COMM_WORLD);
  }
#else
  (void)to;
  (void)text;
  throw std::logic_error("SendText without MPI");
#endif
}

std::string ReceiveText(int from) {
#ifdef RINGSIM_MPI
  unsigned long long size = 0;
  MPI_Recv(&size, 1, MPI_UNSIGNED_LONG_LONG, from, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  std::string text(size, '\0');
  constexpr unsigned long long kPiece = 1ull << 30;
  for (unsigned long long at = 0; at < size; at += kPiece) {
    const int n = static_cast<int>(size - at < kPiece ? size - at : kPiece);
    MPI_Recv(text.data() + at, n, MPI_CHAR, from, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  }
  return text;
#else
  (void)from;
  throw std::logic_error("ReceiveText without MPI");
#endif
}

}  // namespace ringsim
