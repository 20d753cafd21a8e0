#include "core/module_loader.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>

#ifndef TWINTRACK_BUILD_MODULE_DIR
#define TWINTRACK_BUILD_MODULE_DIR ""
#endif
#ifndef TWINTRACK_BUILD_STAMP
#error "TWINTRACK_BUILD_STAMP is set for this file by core/CMakeLists.txt"
#endif

namespace twintrack::core {
namespace {

std::string program_dir() {
    char path[4096];
    const ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
    if (n <= 0) return "";
    std::string exe(path, static_cast<std::size_t>(n));
    const auto slash = exe.rfind('/');
    return slash == std::string::npos ? std::string(".") : exe.substr(0, slash);
}

}  // namespace

const char* build_stamp() { return TWINTRACK_BUILD_STAMP; }

std::vector<std::string> module_dirs() {
    std::vector<std::string> dirs;
    if (const char* env = std::getenv("TWINTRACK_MODULE_DIR"); env != nullptr && *env != '\0') {
        dirs.emplace_back(env);
        return dirs;
    }
    const std::string here = program_dir();
    if (!here.empty()) {
        dirs.push_back(here);
        dirs.push_back(here + "/../lib/twintrack");
    }
    const std::string built = TWINTRACK_BUILD_MODULE_DIR;
    if (!built.empty() && built != here) dirs.push_back(built);
    return dirs;
}

void* module_entry(const std::string& file, const char* entry) {
    static std::mutex mu;
    static std::map<std::string, void*> loaded;  // never closed: objects of a module live on
    std::lock_guard<std::mutex> lock(mu);
    void* handle = nullptr;
    if (const auto it = loaded.find(file); it != loaded.end()) {
        handle = it->second;
    } else {
        std::string looked, reason;
        for (const std::string& dir : module_dirs()) {
            const std::string path = dir + "/" + file;
            looked += (looked.empty() ? "" : ", ") + dir;
            if (::access(path.c_str(), F_OK) != 0) continue;
            handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
            if (handle == nullptr) {
                const char* why = ::dlerror();
                reason = why != nullptr ? why : "dlopen failed";
                break;  // found but broken (a missing library): say so rather than look on
            }
            // A module of another build may pass objects of another layout: refuse it.
            const auto* stamp = static_cast<const char*>(::dlsym(handle, module_stamp_symbol));
            if (stamp == nullptr || std::strcmp(stamp, build_stamp()) != 0) {
                reason = "in " + dir + " it is from another build of the program (" +
                         (stamp == nullptr ? std::string("no build stamp")
                                           : "build " + std::string(stamp)) +
                         ", the program is build " + build_stamp() +
                         "): install the modules built with this program";
                ::dlclose(handle);
                handle = nullptr;
            }
            break;
        }
        if (handle == nullptr) {
            throw ModuleMissing(
                "module " + file + " " +
                (reason.empty() ? "not found in " + looked : "does not load: " + reason));
        }
        loaded[file] = handle;
    }
    ::dlerror();
    void* symbol = ::dlsym(handle, entry);
    if (symbol == nullptr) {
        throw ModuleMissing("module " + file + " has no " + entry +
                            " (built from another version of the program?)");
    }
    return symbol;
}

}  // namespace twintrack::core
