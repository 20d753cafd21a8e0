#include "connectors/hub/file_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "connectors/runtime/media_names.hpp"
#include "core/crypto.hpp"
#include "core/text.hpp"

namespace twintrack::connectors::hub {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

bool valid_id(const std::string& id) {
    if (id.size() != 32) return false;
    for (char c : id) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
}

// Writes `data` to the temporary file `tmp` and syncs it.
void write_synced(const std::string& tmp, std::string_view data, mode_t mode) {
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) throw std::runtime_error("cannot write " + tmp + ": " + std::strerror(errno));
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            const int err = errno;
            ::close(fd);
            throw std::runtime_error("cannot write " + tmp + ": " + std::strerror(err));
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) {
        const int err = errno;
        ::close(fd);
        throw std::runtime_error("cannot sync " + tmp + ": " + std::strerror(err));
    }
    if (::close(fd) != 0) {
        throw std::runtime_error("cannot sync " + tmp + ": " + std::strerror(errno));
    }
}

// Writes `data` to `path` through a temporary file that is synced and renamed, then
// syncs the folder: once this returns, the file survives a crash. On failure nothing
// of it is left.
void write_durably(const std::string& dir, const std::string& path, std::string_view data,
                   const FileStore::Writer& writer, mode_t mode = 0640) {
    const std::string tmp = path + ".tmp";
    try {
        if (writer) {
            writer(tmp, data);
        } else {
            write_synced(tmp, data, mode);
        }
    } catch (...) {
        ::unlink(tmp.c_str());
        throw;
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        throw std::runtime_error("cannot rename " + tmp + ": " + std::strerror(err));
    }
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
}

std::optional<std::string> read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

StoredFile from_json(const json& j) {
    StoredFile f;
    f.id = j.value("id", "");
    f.name = j.value("name", "");
    f.mime = j.value("mime", "");
    f.size = j.value("size", std::uint64_t{0});
    f.conversation = j.value("conversation", "");
    f.user = j.value("user", "");
    f.created_ms = j.value("created_ms", std::int64_t{0});
    f.expires_ms = j.value("expires_ms", std::int64_t{0});
    return f;
}

}  // namespace

std::string file_type(std::string_view name, std::string_view data) {
    return runtime::sniff_type(name, data);  // the same reading every connector uses
}

std::string safe_media_type(std::string_view mime) {
    static const std::string fallback = "application/octet-stream";
    const auto end = mime.find(';');
    std::string_view type = mime.substr(0, end);
    while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
    while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
    const auto slash = type.find('/');
    if (slash == std::string_view::npos || slash == 0 || slash + 1 == type.size() ||
        type.size() > 127) {
        return fallback;
    }
    std::string out;
    for (std::size_t i = 0; i < type.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(type[i]);
        const bool token = std::isalnum(c) || std::strchr("!#$&^_.+-", c) != nullptr;
        if (i == slash) {
            out += '/';
        } else if (c != 0 && token) {
            out += static_cast<char>(std::tolower(c));
        } else {
            return fallback;
        }
    }
    return out;
}

std::string file_name_problem(std::string_view name) {
    if (name.empty()) return "a file needs a name";
    if (name.size() > 200) return "a file name is at most 200 bytes";
    if (!core::valid_utf8(name)) return "a file name must be UTF-8";
    for (unsigned char c : name) {
        if (c < 0x20 || c == 0x7f || c == '/' || c == '\\') {
            return "a file name has no control characters, / or \\";
        }
    }
    if (name == "." || name == "..") return "a file needs a name";
    return "";
}

FileStoreFull::FileStoreFull(std::uint64_t max_bytes, std::uint64_t size)
    : std::runtime_error("no room for a file of " + std::to_string(size) +
                         " bytes: the kept files may take " + std::to_string(max_bytes) + " bytes"),
      max_bytes(max_bytes) {}

FileStore::FileStore(std::string dir, std::chrono::milliseconds keep, std::uint64_t max_bytes)
    : dir_(std::move(dir)), keep_(keep), max_bytes_(max_bytes) {}

void FileStore::set_writer(Writer writer) {
    std::lock_guard<std::mutex> lock(mu_);
    writer_ = std::move(writer);
}

void FileStore::scan_locked() {
    if (scanned_) return;
    scanned_ = true;
    std::error_code ec;
    for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string file = it->path().filename().string();
        if (file.size() != 37 || file.compare(32, 5, ".json") != 0) continue;
        const std::string id = file.substr(0, 32);
        if (!valid_id(id)) continue;
        const auto text = read_all(dir_ + "/" + file);
        if (!text) continue;
        const json j = json::parse(*text, nullptr, false);
        if (!j.is_object()) continue;
        const StoredFile f = from_json(j);
        if (f.id != id) continue;
        index_[id] = Entry{f.size, f.created_ms, f.expires_ms};
        used_ += f.size;
    }
}

StoredFile FileStore::reserve(const std::string& name, const std::string& mime, std::uint64_t size,
                              const std::string& conversation, const std::string& user,
                              const core::Clock& clock) {
    StoredFile f;
    f.id = core::random_hex(16);
    f.name = name;
    f.mime = safe_media_type(mime);
    f.size = size;
    f.conversation = conversation;
    f.user = user;
    f.created_ms = core::to_millis(clock.now());
    f.expires_ms = f.created_ms + keep_.count();
    std::lock_guard<std::mutex> lock(mu_);
    scan_locked();
    if (size > max_bytes_) throw FileStoreFull(max_bytes_, size);
    if (used_ + size > max_bytes_) {
        // Expired files, oldest first, give their room (their links ended already).
        std::vector<std::pair<std::int64_t, std::string>> expired;
        for (const auto& [id, e] : index_) {
            if (e.expires_ms <= f.created_ms) expired.emplace_back(e.created_ms, id);
        }
        std::sort(expired.begin(), expired.end());
        for (const auto& [created, id] : expired) {
            if (used_ + size <= max_bytes_) break;
            used_ -= index_[id].size;
            index_.erase(id);
            doomed_.push_back(id);
        }
        if (used_ + size > max_bytes_) throw FileStoreFull(max_bytes_, size);
    }
    used_ += size;
    pending_.insert(f.id);
    return f;
}

void FileStore::delete_files(const std::vector<std::string>& names) {
    for (const auto& name : names) ::unlink((dir_ + "/" + name).c_str());
}

void FileStore::write(const StoredFile& f, const std::string& data) {
    std::vector<std::string> doomed;
    Writer writer;
    {
        std::lock_guard<std::mutex> lock(mu_);
        doomed.swap(doomed_);
        writer = writer_;
    }
    std::vector<std::string> names;
    for (const auto& id : doomed) {
        names.push_back(id + ".json");
        names.push_back(id);
    }
    delete_files(names);
    try {
        std::error_code ec;
        fs::create_directories(dir_, ec);
        if (ec) throw std::runtime_error("cannot make " + dir_ + ": " + ec.message());
        // The bytes first: a details file always has its bytes.
        write_durably(dir_, dir_ + "/" + f.id, data, writer);
        const json meta = {{"id", f.id},
                           {"name", f.name},
                           {"mime", f.mime},
                           {"size", f.size},
                           {"conversation", f.conversation},
                           {"user", f.user},
                           {"created_ms", f.created_ms},
                           {"expires_ms", f.expires_ms}};
        write_durably(dir_, dir_ + "/" + f.id + ".json",
                      meta.dump(-1, ' ', false, json::error_handler_t::replace), writer);
    } catch (...) {
        delete_files({f.id + ".json.tmp", f.id + ".json", f.id + ".tmp", f.id});
        std::lock_guard<std::mutex> lock(mu_);
        if (pending_.erase(f.id) > 0) used_ -= f.size;
        throw;
    }
    std::lock_guard<std::mutex> lock(mu_);
    pending_.erase(f.id);
    index_[f.id] = Entry{f.size, f.created_ms, f.expires_ms};
}

StoredFile FileStore::put(const std::string& name, const std::string& mime, const std::string& data,
                          const std::string& conversation, const std::string& user,
                          const core::Clock& clock) {
    StoredFile f = reserve(name, mime, data.size(), conversation, user, clock);
    write(f, data);
    return f;
}

void FileStore::cancel(const StoredFile& f) {
    std::lock_guard<std::mutex> lock(mu_);
    if (pending_.erase(f.id) > 0) used_ -= f.size;
}

bool FileStore::pending(const std::string& id) const {
    std::lock_guard<std::mutex> lock(mu_);
    return pending_.count(id) > 0;
}

std::uint64_t FileStore::used_bytes() const {
    std::lock_guard<std::mutex> lock(mu_);
    return used_;
}

std::optional<StoredFile> FileStore::find(const std::string& id) const {
    if (!valid_id(id)) return std::nullopt;
    const auto text = read_all(dir_ + "/" + id + ".json");
    if (!text) return std::nullopt;
    const json j = json::parse(*text, nullptr, false);
    if (!j.is_object()) return std::nullopt;
    StoredFile f = from_json(j);
    if (f.id != id) return std::nullopt;
    return f;
}

std::optional<std::string> FileStore::read(const std::string& id) const {
    if (!valid_id(id)) return std::nullopt;
    return read_all(dir_ + "/" + id);
}

std::string FileStore::key() {
    if (!key_.empty()) return key_;
    const std::string path = dir_ + "/link.key";
    if (auto text = read_all(path); text && text->size() >= 64) {
        key_ = text->substr(0, 64);
        return key_;
    }
    std::error_code ec;
    fs::create_directories(dir_, ec);
    if (ec) throw std::runtime_error("cannot make " + dir_ + ": " + ec.message());
    const std::string fresh = core::random_hex(32);
    write_durably(dir_, path, fresh, {}, 0600);
    key_ = fresh;
    return key_;
}

void FileStore::make_key() {
    std::lock_guard<std::mutex> lock(key_mu_);
    key();
}

std::string FileStore::signed_query(const StoredFile& file) {
    std::lock_guard<std::mutex> lock(key_mu_);
    const std::string expires = std::to_string(file.expires_ms);
    return "e=" + expires + "&s=" + core::hmac_sha256_hex(key(), file.id + "." + expires);
}

LinkCheck FileStore::check(const std::string& id, const std::string& expires,
                           const std::string& sig, const core::Clock& clock) {
    std::string want;
    {
        std::lock_guard<std::mutex> lock(key_mu_);
        want = core::hmac_sha256_hex(key(), id + "." + expires);
    }
    if (!core::equal_constant_time(want, sig)) return LinkCheck::tampered;
    std::int64_t until = 0;
    try {
        std::size_t used = 0;
        until = std::stoll(expires, &used);
        if (used != expires.size()) return LinkCheck::tampered;
    } catch (const std::exception&) {
        return LinkCheck::tampered;
    }
    return core::to_millis(clock.now()) >= until ? LinkCheck::expired : LinkCheck::ok;
}

std::size_t FileStore::prune(const core::Clock& clock) {
    const std::int64_t now = core::to_millis(clock.now());
    std::vector<std::string> names;
    std::size_t gone = 0;
    {
        std::lock_guard<std::mutex> lock(mu_);
        scan_locked();
        std::vector<std::pair<std::int64_t, std::string>> expired;
        for (const auto& [id, e] : index_) {
            if (e.expires_ms <= now) expired.emplace_back(e.created_ms, id);
        }
        std::sort(expired.begin(), expired.end());  // oldest first
        std::set<std::string> handled;
        for (const auto& [created, id] : expired) {
            used_ -= index_[id].size;
            index_.erase(id);
            handled.insert(id);
        }
        handled.insert(doomed_.begin(), doomed_.end());
        doomed_.clear();
        for (const auto& id : handled) {
            names.push_back(id + ".json");
            names.push_back(id);
        }
        gone += handled.size();
        // What failed writes and crashes left: bytes without (readable) details, details
        // of no kept file, temporary files. Files being written are not touched.
        std::error_code ec;
        for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
            const std::string file = it->path().filename().string();
            std::string base = file;
            const bool tmp = base.size() > 4 && base.compare(base.size() - 4, 4, ".tmp") == 0;
            if (tmp) base.resize(base.size() - 4);
            if (base.size() == 37 && base.compare(32, 5, ".json") == 0) base.resize(32);
            if (!valid_id(base)) continue;  // link.key and anything not the store's
            if (pending_.count(base) > 0 || handled.count(base) > 0) continue;
            if (tmp || index_.count(base) == 0) {
                names.push_back(file);
                ++gone;
            }
        }
    }
    delete_files(names);
    {
        // A link key being made when the process stopped.
        std::lock_guard<std::mutex> lock(key_mu_);
        std::error_code ec;
        if (fs::remove(dir_ + "/link.key.tmp", ec)) ++gone;
    }
    return gone;
}

}  // namespace twintrack::connectors::hub
