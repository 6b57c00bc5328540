// FileCache: one load per unchanged file; a changed file or a failed load is read again.

#include "io/file_cache.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>

namespace ringsim {
namespace {

void Write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

TEST(FileCache, LoadsOnceUntilTheFileChanges) {
  const std::string path =
      ::testing::TempDir() + "/file_cache_test_" + std::to_string(getpid()) + ".txt";
  Write(path, "one");
  FileCache<std::string> cache;
  int loads = 0;
  auto load = [&] {
    ++loads;
    std::ifstream in(path);
    std::string text;
    in >> text;
    return text;
  };
  EXPECT_EQ(cache.Get(path, load), "one");
  EXPECT_EQ(cache.Get(path, load), "one");
  EXPECT_EQ(loads, 1);
  Write(path, "three");  // another size: read again even within the clock's resolution
  EXPECT_EQ(cache.Get(path, load), "three");
  EXPECT_EQ(loads, 2);
  // A failed load is not kept: the next call loads again.
  FileCache<std::string> failing;
  int attempts = 0;
  auto fail = [&]() -> std::string {
    ++attempts;
    throw std::runtime_error("bad file");
  };
  EXPECT_THROW(failing.Get(path, fail), std::runtime_error);
  EXPECT_THROW(failing.Get(path, fail), std::runtime_error);
  EXPECT_EQ(attempts, 2);
  // A file that is not there is never kept either.
  EXPECT_EQ(cache.Get(path + ".missing", [] { return std::string("x"); }), "x");
  std::remove(path.c_str());
}

}  // namespace
}  // namespace ringsim
