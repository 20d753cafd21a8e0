// The include graph stays layered: a feature reaches another feature only through the
// service interfaces the engine carries (Engine::services()), never through its internals.
// Shared pure helpers live in bot/ (bot/name_key.hpp, bot/field_figures.hpp).

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
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
const std::set<std::string> kKnownEdges = {
    // `metrics` re-reads channel messages with the reports feature's extraction.
    "metrics/metrics.cpp -> reports/extraction.hpp",
};

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

TEST(Layers, TheServiceInterfacesTheCheckAllowsExist) {
    const fs::path features = fs::path(core::source_dir()) / "bot/features";
    for (const auto& h : kServiceInterfaces) EXPECT_TRUE(fs::exists(features / h)) << h;
}

}  // namespace
}  // namespace twintrack::testing
