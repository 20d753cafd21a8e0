#pragma once
// A whole file as a string ("" when it cannot be read).

#include <fstream>
#include <sstream>
#include <string>

namespace twintrack::test_support {

inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace twintrack::test_support
