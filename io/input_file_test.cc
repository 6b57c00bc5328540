#include "io/input_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "sim/config_error.h"

namespace ringsim {
namespace {

std::string ErrorOf(const std::string& path) {
  try {
    ReadInputFile(path);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(InputFile, ReadsARegularFileWhole) {
  const std::string path = ::testing::TempDir() + "ringsim-input-file.txt";
  std::ofstream(path) << "a: 1\n";
  EXPECT_EQ(ReadInputFile(path), "a: 1\n");
  EXPECT_TRUE(IsRegularFile(path));
  std::remove(path.c_str());
}

TEST(InputFile, RefusesDevicesFoldersAndMissingFiles) {
  EXPECT_EQ(ErrorOf("/dev/zero"),
            "/dev/zero: cannot open file: not a regular file (a device, pipe or socket)");
  EXPECT_EQ(ErrorOf("/"), "/: cannot open file: not a regular file (a folder)");
  EXPECT_EQ(ErrorOf("/nonexistent/x.yaml"), "/nonexistent/x.yaml: cannot open file");
}

TEST(InputFile, ListsAFoldersFilesByExtensionSorted) {
  const std::string dir = ::testing::TempDir() + "ringsim-list-dir";
  mkdir(dir.c_str(), 0755);
  for (const char* name : {"b.yaml", "a.yaml", "c.txt"}) std::ofstream(dir + "/" + name) << "x\n";
  mkdir((dir + "/d.yaml").c_str(), 0755);  // a folder, not a file
  EXPECT_EQ(FilesWithExtension(dir, ".yaml", "things"),
            (std::vector<std::string>{dir + "/a.yaml", dir + "/b.yaml"}));
  try {
    FilesWithExtension("/nonexistent/dir", ".yaml", "things");
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("/nonexistent/dir: cannot list things: ", 0), 0u);
  }
  for (const char* name : {"b.yaml", "a.yaml", "c.txt"}) std::remove((dir + "/" + name).c_str());
  rmdir((dir + "/d.yaml").c_str());
  rmdir(dir.c_str());
}

TEST(InputFile, RefusesFilesOverTheLimit) {
  const std::string path = ::testing::TempDir() + "ringsim-input-big.txt";
  { std::ofstream(path) << ""; }
  ASSERT_EQ(truncate(path.c_str(), static_cast<off_t>(kMaxInputFileBytes + 1)), 0);
  EXPECT_EQ(ErrorOf(path), path + ": cannot open file: 67108865 bytes, over the limit of 64 MiB");
  std::remove(path.c_str());
}

TEST(InputFile, PathChecksNeverThrow) {
  const std::string long_name = "/tmp/" + std::string(300, 'h') + ".yaml";  // ENAMETOOLONG
  EXPECT_FALSE(IsRegularFile(long_name));
  EXPECT_FALSE(PathExists(long_name));
  EXPECT_EQ(ErrorOf(long_name), long_name + ": cannot open file");
}

}  // namespace
}  // namespace ringsim
