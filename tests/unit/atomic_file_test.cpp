// Exports go through app::write_file_atomically: a write that fails leaves the file that
// was there as it was, and no partial file behind.

#include "app/atomic_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "tests/support/read_file.hpp"
#include "tests/support/temp_dir.hpp"

namespace twintrack::testing {
namespace {

using test_support::read_file;

namespace fs = std::filesystem;
using app::write_file_atomically;

void write_plain(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

TEST(AtomicFile, ReplacesTheFileWhole) {
    test_support::TempDir dir;
    const std::string path = dir.path() + "/reports.csv";
    write_plain(path, "old,rows\n");
    EXPECT_EQ(write_file_atomically(path, [](std::ostream& out) { out << "new,rows\n1,2\n"; }), "");
    EXPECT_EQ(read_file(path), "new,rows\n1,2\n");
    EXPECT_FALSE(fs::exists(path + ".partial"));
}

TEST(AtomicFile, AFailedWriteLeavesTheOldFileIntact) {
    test_support::TempDir dir;
    const std::string path = dir.path() + "/plan.csv";
    write_plain(path, "the plan as it was\n");
    // Half the text written, then the disk refuses (as a full disk sets the stream's
    // badbit).
    const std::string problem = write_file_atomically(path, [](std::ostream& out) {
        out << "half of the new pl";
        out.setstate(std::ios::badbit);
    });
    EXPECT_EQ(problem, "writing " + path + " failed");
    EXPECT_EQ(read_file(path), "the plan as it was\n");
    EXPECT_FALSE(fs::exists(path + ".partial"));
}

TEST(AtomicFile, AWriterThatThrowsLeavesTheOldFileIntact) {
    test_support::TempDir dir;
    const std::string path = dir.path() + "/person.json";
    write_plain(path, "{}\n");
    EXPECT_THROW(write_file_atomically(path,
                                       [](std::ostream& out) {
                                           out << "{\"half\":";
                                           throw std::runtime_error("database gone");
                                       }),
                 std::runtime_error);
    EXPECT_EQ(read_file(path), "{}\n");
    EXPECT_FALSE(fs::exists(path + ".partial"));
}

TEST(AtomicFile, AFolderThatIsNotThereIsNamed) {
    test_support::TempDir dir;
    const std::string path = dir.path() + "/no-such-folder/reports.csv";
    EXPECT_EQ(write_file_atomically(path, [](std::ostream& out) { out << "x"; }),
              "cannot write " + path);
}

TEST(AtomicFile, ARenameThatFailsLeavesWhatWasThere) {
    test_support::TempDir dir;
    // A folder where the file should go: the rename cannot replace it.
    const std::string path = dir.path() + "/export";
    fs::create_directory(path);
    write_plain(path + "/keep.txt", "kept");
    const std::string problem =
        write_file_atomically(path, [](std::ostream& out) { out << "text"; });
    EXPECT_EQ(problem.rfind("cannot write " + path + ": ", 0), 0u) << problem;
    EXPECT_TRUE(fs::is_directory(path));
    EXPECT_EQ(read_file(path + "/keep.txt"), "kept");
    EXPECT_FALSE(fs::exists(path + ".partial"));
}

TEST(AtomicFile, PersonalDataIsReadableByItsOwnerOnly) {
    test_support::TempDir dir;
    const std::string path = dir.path() + "/person.json";
    ASSERT_EQ(write_file_atomically(
                  path, [](std::ostream& out) { out << "{}"; }, true),
              "");
    const auto perms = fs::status(path).permissions();
    EXPECT_EQ(perms & (fs::perms::group_all | fs::perms::others_all), fs::perms::none);
    EXPECT_NE(perms & fs::perms::owner_read, fs::perms::none);
}

}  // namespace
}  // namespace twintrack::testing
