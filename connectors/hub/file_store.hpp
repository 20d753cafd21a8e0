#pragma once
// The files the hub keeps: what people upload on the page, and files the bridge relays
// from platforms whose files need a sign-in (Slack, Matrix) to platforms that show
// only text (IRC, XMPP), served as signed links (docs/connectors/hub.md, "Files").
//
// On disk under the data folder, next to the hub's history: DATA_DIR/NAME-files/ID (the
// bytes) and ID.json (name, type, size, conversation, who, when, until when), both
// written to a temporary name, synced and renamed, so a file is on disk before anyone
// is told of it. link.key there (mode 0600, made on first use) signs the links.
//
// The files together are at most `max_bytes` (`max_files_bytes`): reserve() takes room
// for a file before its bytes are written (deleting expired files, oldest first, when
// that makes room) and refuses with FileStoreFull otherwise. write() does the disk work
// (the hub runs it on its file worker, never on its I/O thread or in the engine's turn);
// no lock is held while it syncs. A write that fails leaves nothing behind. prune()
// deletes expired files and what a crash or a failed write left: bytes without details,
// details that cannot be read, and temporary files.
// Thread-safe; one process per folder.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"

namespace twintrack::connectors::hub {

struct StoredFile {
    std::string id;            ///< 32 random hex digits: unguessable
    std::string name;          ///< as uploaded, e.g. "booth.png"
    std::string mime;          ///< as the bytes say (file_type), e.g. "image/png"
    std::uint64_t size = 0;    ///< bytes
    std::string conversation;  ///< a channel, "@" + user (a direct conversation), or "" (bridged)
    std::string user;          ///< who uploaded it ("" for bridged files)
    std::int64_t created_ms = 0;
    std::int64_t expires_ms = 0;  ///< deleted by prune() from then on; links end then
};

/// The type of a file people may upload, from its bytes (and, for the zip-based office
/// formats and text, its name): PNG, JPEG, GIF, WebP, PDF, .docx/.xlsx/.pptx/.zip, and
/// UTF-8 text as .txt/.csv/.md/.log. Empty when it is none of them.
std::string file_type(std::string_view name, std::string_view data);

/// `mime` as a Content-Type the hub may send back: its `type/subtype` lower-cased, without
/// parameters, when both are RFC 9110 tokens; else "application/octet-stream". A type a
/// platform or a sender names (Matrix's `info.mimetype`, a file's own) goes through it, so
/// no header can be smuggled into the answer that serves the file.
std::string safe_media_type(std::string_view mime);

/// Why `name` cannot be a file's name (1-200 bytes of UTF-8, no control characters, no
/// '/' or '\\'), or "" when it can.
std::string file_name_problem(std::string_view name);

/// The default `max_files_bytes`: 2 GiB.
constexpr std::uint64_t default_max_files_bytes = 2ULL * 1024 * 1024 * 1024;

/// No room for a file: the kept files and those being written would pass `max_bytes`.
class FileStoreFull : public std::runtime_error {
  public:
    FileStoreFull(std::uint64_t max_bytes, std::uint64_t size);
    std::uint64_t max_bytes;
};

/// What a signed link's token says.
enum class LinkCheck { ok, tampered, expired };

class FileStore {
  public:
    /// Writes `data` to the temporary file `path` and syncs it; throws on failure. The
    /// default uses write(2) and fsync(2); tests put a failing disk in its place.
    using Writer = std::function<void(const std::string& path, std::string_view data)>;

    /// `dir`: the folder (made on first use); files are kept `keep` after they came, and
    /// all together are at most `max_bytes`.
    FileStore(std::string dir, std::chrono::milliseconds keep,
              std::uint64_t max_bytes = default_max_files_bytes);

    /// Room and an id for a file of `size` bytes: the details write() keeps. Deletes
    /// expired files, oldest first, when the room is needed (on the next write() or
    /// prune()); throws FileStoreFull when there is still none. No disk writes.
    StoredFile reserve(const std::string& name, const std::string& mime, std::uint64_t size,
                       const std::string& conversation, const std::string& user,
                       const core::Clock& clock);
    /// Keeps the bytes of a reserved file and then its details, durably. On failure
    /// (disk full, read-only) throws std::runtime_error, leaves no file behind and gives
    /// the room back. Call it once per reservation, off the hub's I/O thread.
    void write(const StoredFile& file, const std::string& data);
    /// Gives back the room of a reservation that will not be written.
    void cancel(const StoredFile& file);
    /// reserve() and write() in one.
    StoredFile put(const std::string& name, const std::string& mime, const std::string& data,
                   const std::string& conversation, const std::string& user,
                   const core::Clock& clock);
    /// True while a reserved file is being written (its link answers "try again").
    bool pending(const std::string& id) const;
    /// The bytes of the files kept and being written.
    std::uint64_t used_bytes() const;
    std::uint64_t max_bytes() const { return max_bytes_; }
    /// Replaces the disk writer (tests).
    void set_writer(Writer writer);
    /// The file's details, or nothing when it is not kept (or `id` is not an id).
    std::optional<StoredFile> find(const std::string& id) const;
    /// The file's bytes, or nothing when it is not kept.
    std::optional<std::string> read(const std::string& id) const;

    /// `e=EXPIRES_MS&s=SIGNATURE` for a link to `file` that works until it expires.
    std::string signed_query(const StoredFile& file);
    /// Checks a link's `e` and `s` for `id` against the time now.
    LinkCheck check(const std::string& id, const std::string& expires, const std::string& sig,
                    const core::Clock& clock);

    /// Makes the link key if there is none yet (the hub does at start, so that a link
    /// never waits for a disk write).
    void make_key();

    /// Deletes the files whose time ran out, oldest first, and what failed writes or a
    /// crash left (bytes without details, unreadable details, temporary files); returns
    /// how many files it deleted. The hub runs it at start and daily.
    std::size_t prune(const core::Clock& clock);

    const std::string& dir() const { return dir_; }
    std::chrono::milliseconds keep() const { return keep_; }

  private:
    struct Entry {
        std::uint64_t size = 0;
        std::int64_t created_ms = 0;
        std::int64_t expires_ms = 0;
    };
    std::string key();   ///< the signing key, read or made on first use (key_mu_ held)
    void scan_locked();  ///< reads the details of the kept files once (mu_ held)
    void delete_files(const std::vector<std::string>& names);
    std::string dir_;
    std::chrono::milliseconds keep_;
    std::uint64_t max_bytes_;
    mutable std::mutex mu_;  // guards everything below; never held while writing
    bool scanned_ = false;
    std::map<std::string, Entry> index_;  // kept files by id
    std::set<std::string> pending_;       // reserved, being written
    std::vector<std::string> doomed_;     // expired ids deleted to make room, not yet unlinked
    std::uint64_t used_ = 0;              // index_ and pending_ sizes
    Writer writer_;
    std::mutex key_mu_;  // guards key_ (and link.key on disk)
    std::string key_;
};

}  // namespace twintrack::connectors::hub
