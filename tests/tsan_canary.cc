// A data race on purpose: tests/tsan.sh builds this with ThreadSanitizer and requires it to be
// reported, so that a TSan run that finds nothing in ringsim means something on this machine.
#include <thread>

int main() {
  int shared = 0;
  std::thread a([&] { ++shared; });
  std::thread b([&] { ++shared; });
  a.join();
  b.join();
  return shared == 2 ? 0 : 1;
}
