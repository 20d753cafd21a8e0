#include "store/store.hpp"

#include <filesystem>
#include <system_error>

#include "store/migrations.hpp"
#include "store/store_url.hpp"

namespace twintrack::store {

Store::Store(std::unique_ptr<Database> db, std::int64_t now_ms)
    : db_(std::move(db)),
      people_(*db_),
      outbox_(*db_),
      jobs_(*db_),
      leases_(*db_),
      fan_out_(*db_),
      dialogs_(*db_),
      processed_(*db_),
      audit_(*db_),
      channel_tracks_(*db_),
      link_codes_(*db_),
      actions_(*db_),
      sign_in_(*db_),
      person_data_(*db_) {
    migrate(*db_, migrations_for(*db_), now_ms);
}

std::unique_ptr<Store> Store::open_directory(const std::string& dir, std::int64_t now_ms) {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec || !fs::is_directory(dir)) {
        throw DatabaseError("cannot create data directory " + dir + ": " +
                            (ec ? ec.message() : std::string("not a directory")));
    }
    const std::string path = (fs::path(dir) / "twintrack.db").string();
    return std::make_unique<Store>(open_sqlite(path), now_ms);
}

}  // namespace twintrack::store

namespace twintrack::store {

std::unique_ptr<Store> Store::open_url(const std::string& url, std::int64_t now_ms) {
    return std::make_unique<Store>(open_database(parse_store_url(url)), now_ms);
}

}  // namespace twintrack::store
