#include "core/module_loader.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <link.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>

#include "core/module_stamp.hpp"

#ifndef TWINTRACK_BUILD_MODULE_DIR
#define TWINTRACK_BUILD_MODULE_DIR ""
#endif
#ifndef TWINTRACK_BUILD_STAMP
#error "TWINTRACK_BUILD_STAMP is set for this file by core/CMakeLists.txt"
#endif

namespace twintrack::core {
namespace {

std::string read_program_dir() {
    char path[4096];
    const ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
    if (n <= 0) return "";
    std::string exe(path, static_cast<std::size_t>(n));
    const auto slash = exe.rfind('/');
    return slash == std::string::npos ? std::string(".") : exe.substr(0, slash);
}

// The folder of the program, read once (the running program does not move).
const std::string& program_dir() {
    static const std::string dir = read_program_dir();
    return dir;
}

bool read_at(int fd, void* into, std::size_t size, off_t offset) {
    std::size_t done = 0;
    while (done < size) {
        const ssize_t n = ::pread(fd, static_cast<char*>(into) + done, size - done,
                                  offset + static_cast<off_t>(done));
        if (n <= 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

std::size_t note_align(std::size_t n, std::size_t align) { return (n + align - 1) & ~(align - 1); }

}  // namespace

std::optional<std::string> module_file_stamp(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    ElfW(Ehdr) header{};
    if (!read_at(fd, &header, sizeof header, 0) ||
        std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0 ||
        header.e_ident[EI_CLASS] != (sizeof(void*) == 8 ? ELFCLASS64 : ELFCLASS32) ||
        header.e_phentsize != sizeof(ElfW(Phdr)) || header.e_phnum == 0 || header.e_phnum > 256) {
        return std::nullopt;
    }
    std::vector<ElfW(Phdr)> segments(header.e_phnum);
    if (!read_at(fd, segments.data(), segments.size() * sizeof(ElfW(Phdr)),
                 static_cast<off_t>(header.e_phoff))) {
        return std::nullopt;
    }
    const std::size_t name_size = sizeof module_stamp_note_name;
    for (const ElfW(Phdr) & segment : segments) {
        if (segment.p_type != PT_NOTE || segment.p_filesz > 65536) continue;
        std::string notes(segment.p_filesz, '\0');
        if (!read_at(fd, notes.data(), notes.size(), static_cast<off_t>(segment.p_offset))) {
            continue;
        }
        // Each note: name size, text size, type, then the name and the text, each ending
        // on four bytes (eight in a segment aligned to eight, as GNU property notes are).
        const std::size_t align = segment.p_align >= 8 ? 8 : 4;
        std::size_t at = 0;
        while (at + 12 <= notes.size()) {
            std::uint32_t sizes[3];
            std::memcpy(sizes, notes.data() + at, sizeof sizes);
            const std::size_t name_at = at + 12;
            if (sizes[0] > notes.size() || sizes[1] > notes.size()) break;
            const std::size_t text_at = note_align(name_at + sizes[0], align);
            const std::size_t end = note_align(text_at + sizes[1], align);
            if (end > notes.size()) break;
            if (sizes[2] == module_stamp_note_type && sizes[0] == name_size &&
                std::memcmp(notes.data() + name_at, module_stamp_note_name, name_size) == 0) {
                std::string stamp(notes.data() + text_at, sizes[1]);
                if (const auto nul = stamp.find('\0'); nul != std::string::npos) stamp.resize(nul);
                return stamp;
            }
            at = end;
        }
    }
    return std::nullopt;
}

const char* build_stamp() { return TWINTRACK_BUILD_STAMP; }

std::vector<std::string> module_dirs() {
    std::vector<std::string> dirs;
    if (const char* env = std::getenv("TWINTRACK_MODULE_DIR"); env != nullptr && *env != '\0') {
        dirs.emplace_back(env);
        return dirs;
    }
    const std::string& here = program_dir();
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
    // Modules that were not found or were refused, by file and the folders looked in, with
    // the error: a process looks for a module once, not at every use (one installed later
    // is used after a restart).
    static std::map<std::string, std::string> missing;
    std::lock_guard<std::mutex> lock(mu);
    void* handle = nullptr;
    if (const auto it = loaded.find(file); it != loaded.end()) {
        handle = it->second;
    } else {
        const std::vector<std::string> dirs = module_dirs();
        std::string key = file;
        for (const std::string& dir : dirs) key += '\n' + dir;
        if (const auto known = missing.find(key); known != missing.end()) {
            throw ModuleMissing(known->second);
        }
        std::string looked, reason;
        for (const std::string& dir : dirs) {
            const std::string path = dir + "/" + file;
            looked += (looked.empty() ? "" : ", ") + dir;
            if (::access(path.c_str(), F_OK) != 0) continue;
            // A module of another build may pass objects of another layout, and its static
            // constructors must not run: its stamp is read from the file, before dlopen.
            const std::optional<std::string> stamp = module_file_stamp(path);
            if (!stamp || *stamp != build_stamp()) {
                reason = "in " + dir + " it is from another build of the program (" +
                         (stamp ? "build " + *stamp : std::string("no build stamp")) +
                         ", the program is build " + build_stamp() +
                         "): install the modules built with this program";
                break;
            }
            handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
            if (handle == nullptr) {
                const char* why = ::dlerror();
                reason = why != nullptr ? why : "dlopen failed";
            }
            break;  // found but refused or broken (a missing library): say so, look no further
        }
        if (handle == nullptr) {
            std::string what =
                "module " + file + " " +
                (reason.empty() ? "not found in " + looked : "does not load: " + reason);
            missing.emplace(key, what);
            throw ModuleMissing(what);
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
