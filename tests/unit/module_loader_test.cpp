// The module loader (core/module_loader.hpp) uses a module only when it comes from the
// program's own build: a module left from another build, or one without a stamp, is
// refused with an error naming both builds, like a missing module, and without running
// any of its code. A module missing or refused once is not looked for again.

#include "core/module_loader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

using namespace twintrack;
using ::testing::AllOf;
using ::testing::HasSubstr;

namespace {

class ModuleLoader : public ::testing::Test {
  protected:
    void SetUp() override { ::setenv("TWINTRACK_MODULE_DIR", TEST_MODULE_DIR, 1); }
    void TearDown() override { ::unsetenv("TWINTRACK_MODULE_DIR"); }

    static std::string refusal(const std::string& file) {
        try {
            core::module_entry(file, "twintrack_test_module_v1");
        } catch (const core::ModuleMissing& e) {
            return e.what();
        }
        return "loaded";
    }
};

TEST_F(ModuleLoader, AModuleOfThisBuildIsLoadedAndItsEntryCalled) {
    void* entry = core::module_entry("twintrack_test_module.so", "twintrack_test_module_v1");
    ASSERT_NE(entry, nullptr);
    EXPECT_EQ(reinterpret_cast<int (*)()>(entry)(), 42);
    EXPECT_THROW(core::module_entry("twintrack_test_module.so", "twintrack_test_module_v9"),
                 core::ModuleMissing);
}

TEST_F(ModuleLoader, AModuleFromAnotherBuildIsRefusedNamingBothBuilds) {
    const std::string what = refusal("twintrack_test_stale_module.so");
    EXPECT_THAT(
        what, AllOf(HasSubstr("module twintrack_test_stale_module.so does not load"),
                    HasSubstr("from another build of the program"), HasSubstr("build 0.0.1+stale"),
                    HasSubstr(std::string("the program is build ") + core::build_stamp()),
                    HasSubstr(TEST_MODULE_DIR)));
    // Refused again, not remembered as loaded.
    EXPECT_EQ(refusal("twintrack_test_stale_module.so"), what);
}

TEST_F(ModuleLoader, AModuleWithoutAStampIsRefused) {
    EXPECT_THAT(refusal("twintrack_test_unstamped_module.so"),
                AllOf(HasSubstr("from another build of the program (no build stamp"),
                      HasSubstr(core::build_stamp())));
    EXPECT_EQ(std::getenv("TWINTRACK_TEST_MODULE_RAN_UNSTAMPED_MODULE"), nullptr);
}

// The stamp is read from the file: a refused module's static constructors never run (the
// test module's constructor marks the environment, as the accepted one shows).
TEST_F(ModuleLoader, ARefusedModuleRunsNoneOfItsCode) {
    EXPECT_THAT(refusal("twintrack_test_stale_module.so"), HasSubstr("from another build"));
    EXPECT_EQ(std::getenv("TWINTRACK_TEST_MODULE_RAN_STALE_MODULE"), nullptr);
    core::module_entry("twintrack_test_module.so", "twintrack_test_module_v1");
    EXPECT_NE(std::getenv("TWINTRACK_TEST_MODULE_RAN_MODULE"), nullptr);
}

TEST_F(ModuleLoader, TheStampIsReadFromTheFileWithoutLoadingIt) {
    const std::string dir = TEST_MODULE_DIR;
    EXPECT_EQ(core::module_file_stamp(dir + "/twintrack_test_module.so"),
              std::optional<std::string>(core::build_stamp()));
    EXPECT_EQ(core::module_file_stamp(dir + "/twintrack_test_stale_module.so"),
              std::optional<std::string>("0.0.1+stale"));
    EXPECT_EQ(core::module_file_stamp(dir + "/twintrack_test_unstamped_module.so"), std::nullopt);
    EXPECT_EQ(core::module_file_stamp(dir + "/no_such_module.so"), std::nullopt);
    EXPECT_EQ(core::module_file_stamp(__FILE__), std::nullopt);  // not an ELF file
}

// A missing module is looked for once: installing it while the program runs changes
// nothing until a restart, and every use gets the first error.
TEST_F(ModuleLoader, AMissingModuleIsLookedForOnce) {
    const std::string dir =
        ::testing::TempDir() + "module_loader_missing_" + std::to_string(::getpid());
    std::filesystem::create_directories(dir);
    ::setenv("TWINTRACK_MODULE_DIR", dir.c_str(), 1);
    const std::string first = refusal("twintrack_test_late_module.so");
    EXPECT_THAT(first, AllOf(HasSubstr("module twintrack_test_late_module.so not found in"),
                             HasSubstr(dir)));
    std::filesystem::copy_file(TEST_MODULE_DIR "/twintrack_test_module.so",
                               dir + "/twintrack_test_late_module.so");
    EXPECT_EQ(refusal("twintrack_test_late_module.so"), first);
    // Looked for in other folders, it is a different question.
    ::setenv("TWINTRACK_MODULE_DIR", (dir + "/.").c_str(), 1);
    EXPECT_EQ(refusal("twintrack_test_late_module.so"), "loaded");
    std::filesystem::remove_all(dir);
}

TEST_F(ModuleLoader, TheStampNamesTheVersion) {
    EXPECT_THAT(core::build_stamp(), HasSubstr(std::string(TWINTRACK_VERSION) + "+"));
}

}  // namespace
