// The process's resident memory, read from /proc.
#include "server/state/process_memory.hpp"

#include <unistd.h>

#include <fstream>

namespace fpc::server {

std::size_t resident_memory_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t total = 0, resident = 0;
  statm >> total >> resident;
  return resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace fpc::server
