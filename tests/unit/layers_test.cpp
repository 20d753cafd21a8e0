// The include graph stays layered: a feature reaches another feature only through the
// service interfaces the engine carries (Engine::services()), never through its internals.
// Shared pure helpers live in bot/ (bot/name_key.hpp, bot/field_figures.hpp).

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/source_dir.hpp"
#include "tests/support/read_file.hpp"

namespace twintrack::testing {
namespace {

using test_support::read_file;

namespace fs = std::filesystem;

// Service interfaces that live in the folder of the feature offering them (docs/ARCHITECTURE.md,
// "How to add a feature", Services): header-only, what other features may include.
const std::set<std::string> kServiceInterfaces = {
    "meetings/meeting_stats.hpp",  // MeetingStats
    "social/activity_stats.hpp",   // ActivityStats
    "kit/kit_stats.hpp",           // KitStats
    "metrics/deal_history.hpp",    // DealHistory, DealFacts
    "thanks/thanks_stats.hpp",     // ThanksStats
};

// Edges not yet cut: each names what crosses and why it is still a direct include. A new
// edge fails the test; removing one of these fails it too until the entry goes.
const std::set<std::string> kKnownEdges = {};

// Every "A/file -> B/header" where a file in bot/features/A includes bot/features/B/...
// for A != B, other than the service interfaces.
std::set<std::string> cross_feature_edges() {
    const fs::path features = fs::path(core::source_dir()) / "bot/features";
    const std::regex include(R"re(#include\s+"bot/features/([^/"]+)/([^"]+)")re");
    std::set<std::string> out;
    for (auto it = fs::recursive_directory_iterator(features);
         it != fs::recursive_directory_iterator(); ++it) {
        if (!it->is_regular_file()) continue;
        const std::string ext = it->path().extension().string();
        if (ext != ".hpp" && ext != ".cpp" && ext != ".h") continue;
        const fs::path rel = fs::relative(it->path(), features);
        // features.cpp, the registry, names every feature by design.
        if (std::distance(rel.begin(), rel.end()) < 2) continue;
        const std::string owner = rel.begin()->string();
        const std::string text = read_file(it->path());
        for (std::sregex_iterator m(text.begin(), text.end(), include), end; m != end; ++m) {
            const std::string other = (*m)[1];
            const std::string header = other + "/" + (*m)[2].str();
            if (other == owner || kServiceInterfaces.count(header)) continue;
            out.insert(rel.generic_string() + " -> " + header);
        }
    }
    return out;
}

TEST(Layers, NoFeatureIncludesAnotherFeaturesInternals) {
    const std::set<std::string> edges = cross_feature_edges();
    for (const auto& e : edges) {
        EXPECT_TRUE(kKnownEdges.count(e))
            << "new cross-feature include " << e
            << ": go through a service interface (bot/services.hpp) or a shared header in bot/";
    }
    for (const auto& e : kKnownEdges) {
        EXPECT_TRUE(edges.count(e)) << "the edge " << e << " is gone: drop it from kKnownEdges";
    }
}

// A feature whose store part owns tables that a migration still in store/migrations/ made,
// because that migration also makes tables of store/'s own (it stays there unchanged):
// feature name -> those tables.
const std::map<std::string, std::set<std::string>> kTablesOfSharedMigrations = {
    // 0002_engagements.sql, which also makes the engine's channel_tracks.
    {"engagements",
     {"customers", "customer_aliases", "engagements", "engagement_events", "consultations",
      "handoffs", "tasks"}},
    // 0005, which also changes the outbox.
    {"reports", {"rotations", "rotation_assignments"}},
};

// The tables each feature with its own store part (bot/features/NAME/store/) creates in
// its own migrations (bot/features/NAME/migrations/), and those kTablesOfSharedMigrations
// gives it: feature name -> table names.
std::map<std::string, std::set<std::string>> feature_owned_tables() {
    const fs::path features = fs::path(core::source_dir()) / "bot/features";
    const std::regex create(R"re(CREATE TABLE\s+(?:IF NOT EXISTS\s+)?([a-z_0-9]+))re");
    std::map<std::string, std::set<std::string>> out;
    for (const auto& dir : fs::directory_iterator(features)) {
        if (!dir.is_directory() || !fs::is_directory(dir.path() / "store") ||
            !fs::is_directory(dir.path() / "migrations")) {
            continue;
        }
        for (const auto& sql : fs::directory_iterator(dir.path() / "migrations")) {
            const std::string text = read_file(sql.path());
            for (std::sregex_iterator m(text.begin(), text.end(), create), end; m != end; ++m) {
                out[dir.path().filename().string()].insert((*m)[1]);
            }
        }
    }
    for (const auto& [feature, tables] : kTablesOfSharedMigrations) {
        if (fs::is_directory(features / feature / "store")) {
            out[feature].insert(tables.begin(), tables.end());
        }
    }
    return out;
}

// Every "file: table" where a C++ file of store/, bot/ or app/ outside the owner's store
// part names one of a feature's own tables in SQL (FROM, JOIN, INTO, UPDATE, TABLE).
std::set<std::string> sql_outside_owner(const std::map<std::string, std::set<std::string>>& owned) {
    const fs::path root = core::source_dir();
    std::set<std::string> out;
    for (const char* top : {"store", "bot", "app"}) {
        for (auto it = fs::recursive_directory_iterator(root / top);
             it != fs::recursive_directory_iterator(); ++it) {
            if (!it->is_regular_file()) continue;
            const std::string ext = it->path().extension().string();
            if (ext != ".hpp" && ext != ".cpp") continue;
            const std::string rel = fs::relative(it->path(), root).generic_string();
            if (rel.find("/tests/") != std::string::npos) continue;
            const std::string text = read_file(it->path());
            for (const auto& [feature, tables] : owned) {
                if (rel.rfind("bot/features/" + feature + "/store/", 0) == 0) continue;
                for (const auto& table : tables) {
                    if (text.find(table) == std::string::npos) continue;
                    const std::regex touch("\\b(FROM|JOIN|INTO|UPDATE|TABLE)\\s+" + table + "\\b");
                    if (std::regex_search(text, touch)) out.insert(rel + ": " + table);
                }
            }
        }
    }
    return out;
}

TEST(Layers, AFeaturesOwnTablesAreTouchedOnlyByItsStorePart) {
    const auto owned = feature_owned_tables();
    // The features that own their tables so far; the others' are still in store/.
    for (const char* feature : {"thanks", "kit", "rules", "campaigns", "bridge", "social",
                                "meetings", "plan", "tone", "engagements", "reports", "metrics"}) {
        EXPECT_FALSE(owned.count(feature) == 0 || owned.at(feature).empty())
            << feature << " has no store part with tables of its own";
    }
    EXPECT_TRUE(owned.count("kit") && owned.at("kit").count("kit_items"));
    EXPECT_TRUE(owned.count("bridge") && owned.at("bridge").count("bridge_messages"));
    EXPECT_TRUE(owned.count("engagements") && owned.at("engagements").count("handoffs"));
    EXPECT_TRUE(owned.count("reports") && owned.at("reports").count("report_versions"));
    for (const auto& touch : sql_outside_owner(owned)) {
        ADD_FAILURE() << touch
                      << ": SQL on another feature's table; only its store part "
                         "(bot/features/NAME/store/) reads and writes it, others use its service";
    }
}

TEST(Layers, TheTablesOfSharedMigrationsAreMadeInStoreMigrations) {
    // Each table kTablesOfSharedMigrations gives a feature is made by a migration that
    // stayed in store/migrations/ (both backends), not by the feature's own ones.
    const std::regex create(R"re(CREATE TABLE\s+(?:IF NOT EXISTS\s+)?([a-z_0-9]+))re");
    for (const char* folder : {"store/migrations", "store/migrations_postgres"}) {
        std::set<std::string> made;
        for (const auto& sql : fs::directory_iterator(fs::path(core::source_dir()) / folder)) {
            const std::string text = read_file(sql.path());
            for (std::sregex_iterator m(text.begin(), text.end(), create), end; m != end; ++m) {
                made.insert((*m)[1]);
            }
        }
        for (const auto& [feature, tables] : kTablesOfSharedMigrations) {
            for (const auto& table : tables) {
                EXPECT_TRUE(made.count(table))
                    << folder << " makes no table " << table << " (listed for " << feature << ")";
            }
        }
    }
}

TEST(Layers, TheServiceInterfacesTheCheckAllowsExist) {
    const fs::path features = fs::path(core::source_dir()) / "bot/features";
    for (const auto& h : kServiceInterfaces) EXPECT_TRUE(fs::exists(features / h)) << h;
}

}  // namespace
}  // namespace twintrack::testing
