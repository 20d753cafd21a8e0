#pragma once
// The store: an open database with its schema migrated, and a repository per aggregate.
// The engine's own tables only: every feature with tables keeps its repository in its own
// store part (bot/features/NAME/store/), not here.

#include <memory>
#include <string>

#include "store/actions.hpp"
#include "store/channel_tracks.hpp"
#include "store/database.hpp"
#include "store/dialogs.hpp"
#include "store/event_log.hpp"
#include "store/fan_out.hpp"
#include "store/jobs.hpp"
#include "store/leases.hpp"
#include "store/link_codes.hpp"
#include "store/outbox.hpp"
#include "store/people.hpp"
#include "store/person_data.hpp"
#include "store/sign_in.hpp"

namespace twintrack::store {

class Store {
  public:
    /// Takes an open database and brings its schema up to date.
    Store(std::unique_ptr<Database> db, std::int64_t now_ms);

    /// Opens `DIR/twintrack.db` (creating DIR), migrated. Throws DatabaseError with a
    /// reason a user can act on.
    static std::unique_ptr<Store> open_directory(const std::string& dir, std::int64_t now_ms);

    /// Opens the store a `store:` URL names (store/store_url.hpp), migrated.
    static std::unique_ptr<Store> open_url(const std::string& url, std::int64_t now_ms);

    /// Each repository, also through a const Store (Turn::read()), which offers only
    /// the repositories' const methods: the ones that read.
    Database& db() { return *db_; }
    PeopleRepository& people() { return people_; }
    const PeopleRepository& people() const { return people_; }
    Outbox& outbox() { return outbox_; }
    const Outbox& outbox() const { return outbox_; }
    JobQueue& jobs() { return jobs_; }
    const JobQueue& jobs() const { return jobs_; }
    /// Named leases among several processes on one database (e.g. who runs a connector).
    LeaseRepository& leases() { return leases_; }
    /// What the hub showed in one process, for the others on the database (fan-out).
    FanOutRepository& fan_out() { return fan_out_; }
    DialogRepository& dialogs() { return dialogs_; }
    const DialogRepository& dialogs() const { return dialogs_; }
    ProcessedEvents& processed_events() { return processed_; }
    const ProcessedEvents& processed_events() const { return processed_; }
    AuditLog& audit() { return audit_; }
    const AuditLog& audit() const { return audit_; }
    ChannelTracks& channel_tracks() { return channel_tracks_; }
    const ChannelTracks& channel_tracks() const { return channel_tracks_; }
    LinkCodeRepository& link_codes() { return link_codes_; }
    const LinkCodeRepository& link_codes() const { return link_codes_; }
    /// Posts with buttons and menus; the program's own settings (the token key).
    ActionRepository& actions() { return actions_; }
    const ActionRepository& actions() const { return actions_; }
    /// Web sessions, sign-in links and API tokens.
    SignInRepository& sign_in() { return sign_in_; }
    const SignInRepository& sign_in() const { return sign_in_; }
    /// Export, erase and retention across every table.
    PersonData& person_data() { return person_data_; }
    const PersonData& person_data() const { return person_data_; }

    /// Changes whenever another connection (another process) committed to the database
    /// (the backend's change feed, Database::change_version()).
    std::int64_t data_version() { return db_->change_version(); }

  private:
    std::unique_ptr<Database> db_;
    PeopleRepository people_;
    Outbox outbox_;
    JobQueue jobs_;
    LeaseRepository leases_;
    FanOutRepository fan_out_;
    DialogRepository dialogs_;
    ProcessedEvents processed_;
    AuditLog audit_;
    ChannelTracks channel_tracks_;
    LinkCodeRepository link_codes_;
    ActionRepository actions_;
    SignInRepository sign_in_;
    PersonData person_data_;
};

}  // namespace twintrack::store
