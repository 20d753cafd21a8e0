#include "app/atomic_file.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <system_error>

namespace twintrack::app {

namespace fs = std::filesystem;

std::string write_file_atomically(const std::string& path,
                                  const std::function<void(std::ostream&)>& write,
                                  bool owner_only) {
    const std::string partial = path + ".partial";
    {
        std::ofstream out(partial, std::ios::binary | std::ios::trunc);
        if (!out) return "cannot write " + path;
        if (owner_only) {
            std::error_code ignored;
            fs::permissions(partial, fs::perms::owner_read | fs::perms::owner_write,
                            fs::perm_options::replace, ignored);
        }
        try {
            write(out);
        } catch (...) {
            out.close();
            std::remove(partial.c_str());
            throw;
        }
        out.flush();
        if (!out) {
            out.close();
            std::remove(partial.c_str());
            return "writing " + path + " failed";
        }
    }
    std::error_code ec;
    fs::rename(partial, path, ec);
    if (ec) {
        std::remove(partial.c_str());
        return "cannot write " + path + ": " + ec.message();
    }
    return "";
}

}  // namespace twintrack::app
