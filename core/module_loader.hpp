#pragma once
// The program's optional modules: code that needs a large library only some companies use
// (libpq for a PostgreSQL store, cairo for the metrics chart, libical for calendars) is
// built as a module (`twintrack_pg_module.so`, ...) that the program loads the first time
// it is needed, so that a process that never needs it does not map the library at all.
//
// A module is looked for only in $TWINTRACK_MODULE_DIR when that is set; otherwise next
// to the program (/proc/self/exe), then in ../lib/twintrack beside the program's folder
// (installed with `cmake --install`), then in the build folder the program was built in.

#include <stdexcept>
#include <string>
#include <vector>

namespace twintrack::core {

/// A module that is not installed or does not load; what() names the file, the folders
/// looked in and the loader's reason.
class ModuleMissing : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// The address of `entry` (an `extern "C"` function) in module `file`, loading the module
/// the first time (it stays loaded). Thread-safe. Throws ModuleMissing.
void* module_entry(const std::string& file, const char* entry);

/// The folders module_entry() looks in, in order.
std::vector<std::string> module_dirs();

}  // namespace twintrack::core
