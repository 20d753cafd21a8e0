#pragma once
// Where the source tree was at build time: the last place the program looks for its
// prompts and default tone rules, and where tests find them. Kept out of compile flags
// so that every other object is the same whatever folder the tree is built in.

#include <string>

namespace twintrack::core {

/// The absolute path of the source tree this binary was built from.
std::string source_dir();

}  // namespace twintrack::core
