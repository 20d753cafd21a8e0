// A module for module_loader_test.cpp, built three times: with this build's stamp
// (twintrack_module_stamp()), with the stamp of another build (STALE_STAMP), and with none.
// Its static constructor leaves a mark in the environment, so that a test can tell whether
// any of the module's code ran.

#include <cstdlib>

#ifdef STALE_STAMP
#include "core/module_stamp.hpp"
TWINTRACK_DEFINE_MODULE_STAMP(STALE_STAMP)
#endif

#ifndef MODULE_KIND
#error "MODULE_KIND names the test module (tests/unit/CMakeLists.txt)"
#endif

namespace {
__attribute__((constructor)) void mark_constructed() {
    ::setenv("TWINTRACK_TEST_MODULE_RAN_" MODULE_KIND, "1", 1);
}
}  // namespace

extern "C" __attribute__((visibility("default"))) int twintrack_test_module_v1() { return 42; }
