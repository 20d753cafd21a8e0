#include "core/source_dir.hpp"

namespace twintrack::core {

std::string source_dir() { return TWINTRACK_SOURCE_DIR; }

}  // namespace twintrack::core
