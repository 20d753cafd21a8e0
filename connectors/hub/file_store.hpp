#pragma once
// The files the hub keeps: what people upload on the page, and files the bridge relays
// from platforms whose files need a sign-in (Slack, Matrix) to platforms that show
// only text (IRC, XMPP), served as signed links (docs/connectors/hub.md, "Files").
//
// On disk under the data folder, next to the hub's history: DATA_DIR/NAME-files/ID (the
// bytes) and ID.json (name, type, size, conversation, who, when, until when), both
// written to a temporary name, synced and renamed, so a file is on disk before anyone
// is told of it. link.key there (mode 0600, made on first use) signs the links.
// Thread-safe: the hub's thread serves and stores uploads, the engine's thread stores
// relayed files.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

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

/// What a signed link's token says.
enum class LinkCheck { ok, tampered, expired };

class FileStore {
  public:
    /// `dir`: the folder (made on first use); files are kept `keep` after they came.
    FileStore(std::string dir, std::chrono::milliseconds keep);

    /// Keeps `data` durably; throws std::runtime_error when it cannot be written.
    StoredFile put(const std::string& name, const std::string& mime, const std::string& data,
                   const std::string& conversation, const std::string& user,
                   const core::Clock& clock);
    /// The file's details, or nothing when it is not kept (or `id` is not an id).
    std::optional<StoredFile> find(const std::string& id) const;
    /// The file's bytes, or nothing when it is not kept.
    std::optional<std::string> read(const std::string& id) const;

    /// `e=EXPIRES_MS&s=SIGNATURE` for a link to `file` that works until it expires.
    std::string signed_query(const StoredFile& file);
    /// Checks a link's `e` and `s` for `id` against the time now.
    LinkCheck check(const std::string& id, const std::string& expires, const std::string& sig,
                    const core::Clock& clock);

    /// Deletes the files whose time ran out; returns how many. The hub runs it at start
    /// and daily.
    std::size_t prune(const core::Clock& clock);

    const std::string& dir() const { return dir_; }
    std::chrono::milliseconds keep() const { return keep_; }

  private:
    std::string key();  ///< the signing key, read or made on first use (mu_ held)
    std::string dir_;
    std::chrono::milliseconds keep_;
    mutable std::mutex mu_;
    std::string key_;
};

}  // namespace twintrack::connectors::hub
