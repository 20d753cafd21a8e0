#pragma once
// The program's optional modules: code that needs a large library only some companies use
// (libpq for a PostgreSQL store, cairo for the metrics chart, libical for calendars) is
// built as a module (`twintrack_pg_module.so`, ...) that the program loads the first time
// it is needed, so that a process that never needs it does not map the library at all.
//
// A module is looked for only in $TWINTRACK_MODULE_DIR when that is set; otherwise next
// to the program (/proc/self/exe), then in ../lib/twintrack beside the program's folder
// (installed with `cmake --install`), then in the build folder the program was built in.
//
// Every module carries the stamp of the build it comes from (an ELF note,
// core/module_stamp.hpp: version, commit, compiler, sanitizer), read from the file before
// it is loaded; a module whose stamp is not the program's own, or that has none, is
// refused (ModuleMissing, "from another build") without running any of its code, like a
// missing one. A module not found or refused is remembered as such for the life of the
// process: later uses get the same error without looking again.

#include <optional>
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
/// the first time (it stays loaded). Thread-safe. Throws ModuleMissing (again, without
/// looking, for a module that was missing or refused before).
void* module_entry(const std::string& file, const char* entry);

/// The build stamp in the module file at `path` (its note, core/module_stamp.hpp), read
/// without loading it; nothing when the file is not an ELF file of this machine or has no
/// stamp.
std::optional<std::string> module_file_stamp(const std::string& path);

/// This build's stamp ("0.1.0+4db7003a1b2c.GNU-12.2.0"), which a module must carry.
const char* build_stamp();

/// The folders module_entry() looks in, in order.
std::vector<std::string> module_dirs();

}  // namespace twintrack::core
