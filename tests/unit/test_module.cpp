// A module for module_loader_test.cpp, built three times: with this build's stamp
// (twintrack_module_stamp()), with the stamp of another build (STALE_STAMP), and with none.

#ifdef STALE_STAMP
extern "C" __attribute__((visibility("default"))) const char twintrack_module_stamp[] = STALE_STAMP;
#endif

extern "C" __attribute__((visibility("default"))) int twintrack_test_module_v1() { return 42; }
