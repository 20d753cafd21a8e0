// The module loader (core/module_loader.hpp) uses a module only when it comes from the
// program's own build: a module left from another build, or one without a stamp, is
// refused with an error naming both builds, like a missing module.

#include "core/module_loader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
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
}

TEST_F(ModuleLoader, TheStampNamesTheVersion) {
    EXPECT_THAT(core::build_stamp(), HasSubstr(std::string(TWINTRACK_VERSION) + "+"));
}

}  // namespace
