// Compiled into every module (twintrack_module() in CMakeLists.txt): the stamp of the build
// the module comes from, which core/module_loader.cpp compares with the program's own
// before it uses anything of the module.

#ifndef TWINTRACK_BUILD_STAMP
#error "TWINTRACK_BUILD_STAMP is set by twintrack_module_stamp() in CMakeLists.txt"
#endif

extern "C" __attribute__((visibility("default"))) const char twintrack_module_stamp[] =
    TWINTRACK_BUILD_STAMP;
