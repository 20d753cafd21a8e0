// Compiled into every module (twintrack_module() in CMakeLists.txt): the stamp of the build
// the module comes from, as an ELF note (core/module_stamp.hpp) that core/module_loader.cpp
// reads from the module's file and compares with the program's own before it loads it.

#include "core/module_stamp.hpp"

#ifndef TWINTRACK_BUILD_STAMP
#error "TWINTRACK_BUILD_STAMP is set by twintrack_module_stamp() in CMakeLists.txt"
#endif

TWINTRACK_DEFINE_MODULE_STAMP(TWINTRACK_BUILD_STAMP)
