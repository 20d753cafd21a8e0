#pragma once
// Files the program writes for a person (exports): next to the target as PATH.partial,
// then renamed over it, so a failed or interrupted write never leaves half a file and
// never spoils the file that was there.

#include <functional>
#include <ostream>
#include <string>

namespace twintrack::app {

/// Writes `path`: `write` fills the stream of `path + ".partial"`, which then replaces
/// `path` by a rename. `owner_only`: the file is readable by its owner alone (0600),
/// set before any byte is written (personal data). Returns "" when the file is in
/// place, else what went wrong ("cannot write PATH", "writing PATH failed", "cannot
/// write PATH: REASON"); then `path` is as it was and no partial file is left. An
/// exception from `write` also removes the partial file, and goes on.
std::string write_file_atomically(const std::string& path,
                                  const std::function<void(std::ostream&)>& write,
                                  bool owner_only = false);

}  // namespace twintrack::app
