// The facts in docs/ that drift when code changes: SQLite settings, the build targets,
// the files the architecture page cites, and the keys of the example configuration; and
// the layers the page states for a feature's own tables (Layers).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "app/config.hpp"
#include "bot/features.hpp"
#include "core/source_dir.hpp"
#include "store/store.hpp"
#include "tests/support/read_file.hpp"
#include "tests/support/temp_dir.hpp"

namespace twintrack::testing {
namespace {

using test_support::read_file;

namespace fs = std::filesystem;

const std::string& architecture() {
    static const std::string text =
        read_file(fs::path(core::source_dir()) / "docs/ARCHITECTURE.md");
    return text;
}

bool skipped_folder(const fs::path& rel) {
    const std::string first = rel.begin() == rel.end() ? "" : rel.begin()->string();
    return first.rfind("build", 0) == 0 || first == "node_modules" || first == ".git" ||
           rel.string().find("node_modules") != std::string::npos;
}

std::vector<std::string> repo_files() {
    std::vector<std::string> out;
    const fs::path root(core::source_dir());
    for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
         ++it) {
        const fs::path rel = fs::relative(it->path(), root);
        if (it->is_directory() && skipped_folder(rel)) {
            it.disable_recursion_pending();
            continue;
        }
        if (it->is_regular_file()) out.push_back(rel.generic_string());
    }
    return out;
}

TEST(Docs, TheSqliteSettingsThePageStatesAreTheOnesTheStoreUses) {
    test_support::TempDir dir;
    auto store = store::Store::open_directory(dir.path(), 0);
    auto& db = store->db();
    const std::map<std::int64_t, std::string> sync_names = {
        {0, "OFF"}, {1, "NORMAL"}, {2, "FULL"}, {3, "EXTRA"}};
    const std::string sync = sync_names.at(db.scalar("PRAGMA synchronous").value_or(-1));
    EXPECT_THAT(architecture(), ::testing::HasSubstr("synchronous=" + sync));
    EXPECT_EQ(db.scalar("PRAGMA foreign_keys").value_or(0), 1);
    EXPECT_THAT(architecture(), ::testing::HasSubstr("foreign keys on"));
    std::string mode;
    db.query("PRAGMA journal_mode", {}, [&](const store::Row& r) { mode = r.text(0); });
    EXPECT_EQ(mode, "wal");
    EXPECT_THAT(architecture(), ::testing::HasSubstr("WAL"));
    for (const char* other : {"synchronous=OFF", "synchronous=NORMAL", "synchronous=EXTRA"}) {
        if (sync != other + std::string("synchronous=").size()) {
            EXPECT_THAT(architecture(), ::testing::Not(::testing::HasSubstr(other)));
        }
    }
}

TEST(Docs, EveryProductTargetIsNamedOnTheArchitecturePage) {
    const std::regex target(R"((add_library|add_executable)\s*\(\s*([A-Za-z0-9_]+))");
    std::set<std::string> missing;
    for (const auto& file : repo_files()) {
        if (fs::path(file).filename() != "CMakeLists.txt") continue;
        if (file.rfind("tests/", 0) == 0 || file.rfind("bench/", 0) == 0 ||
            file.rfind("fuzz/", 0) == 0) {
            continue;
        }
        const std::string text = read_file(fs::path(core::source_dir()) / file);
        for (std::sregex_iterator m(text.begin(), text.end(), target), end; m != end; ++m) {
            const std::string name = (*m)[2];
            // A feature folder's target, named after the folder, is the row
            // `twintrack_feature_<name>` of `bot/features/<name>/`.
            const std::string folder = fs::path(file).parent_path().generic_string();
            const bool feature_target =
                folder.rfind("bot/features/", 0) == 0 &&
                name == "twintrack_feature_" + fs::path(folder).filename().string() &&
                architecture().find("`twintrack_feature_<name>`") != std::string::npos;
            // And a feature's store part, `twintrack_feature_<name>_store` of its store/.
            const bool feature_store_target =
                folder.rfind("bot/features/", 0) == 0 && fs::path(folder).filename() == "store" &&
                name == "twintrack_feature_" + fs::path(folder).parent_path().filename().string() +
                            "_store" &&
                architecture().find("`twintrack_feature_<name>_store`") != std::string::npos;
            if (feature_target || feature_store_target) continue;
            if (architecture().find("`" + name + "`") == std::string::npos) missing.insert(name);
        }
    }
    EXPECT_THAT(missing, ::testing::IsEmpty()) << "name them in docs/ARCHITECTURE.md";
}

TEST(Docs, EveryFileThePageCitesExists) {
    const auto files = repo_files();
    const std::regex cited(
        R"(`([A-Za-z0-9_./-]+\.(cpp|hpp|sh|yaml|yml|md|sql|html|cmake|csv|service|json))`)");
    const std::string& text = architecture();
    std::set<std::string> missing;
    for (std::sregex_iterator m(text.begin(), text.end(), cited), end; m != end; ++m) {
        const std::string name = (*m)[1];
        // Placeholders: `migrations/NNNN_name.sql`, `fuzz/NAME_fuzz.cpp`, `<locale>/`.
        static const std::regex placeholder(R"([A-Z]{3,}[_/])");
        if (std::regex_search(name, placeholder) || name.front() == '/' ||
            name.find("<") != std::string::npos) {
            continue;
        }
        // A path into a folder the tree does not have is an example (`Acme/Terms.yml`).
        const auto slash = name.find('/');
        if (slash != std::string::npos) {
            const std::string folder = name.substr(0, slash + 1);
            const bool known = std::any_of(files.begin(), files.end(), [&](const std::string& f) {
                return f.rfind(folder, 0) == 0 || f.find("/" + folder) != std::string::npos;
            });
            if (!known) continue;
        }
        const bool found = std::any_of(files.begin(), files.end(), [&](const std::string& f) {
            return f == name || (f.size() > name.size() &&
                                 f.compare(f.size() - name.size(), name.size(), name) == 0 &&
                                 f[f.size() - name.size() - 1] == '/');
        });
        if (!found) missing.insert(name);
    }
    EXPECT_THAT(missing, ::testing::IsEmpty())
        << "docs/ARCHITECTURE.md cites files not in the tree";
}

TEST(Docs, TheExampleConfigurationIsValidAndShowsEveryTopLevelKey) {
    const fs::path example = fs::path(core::source_dir()) / "config/twintrack.example.yaml";
    // The example's one secret reference must be set for it to validate.
    ::setenv("TWINTRACK_HUB_TOKEN", "example-token-for-the-docs-test", 0);
    app::Config config;
    core::ConfigErrors errors;
    EXPECT_TRUE(app::load_config(example.string(), config, errors))
        << errors.describe(example.string());
    // Every key the reader takes at the top level is shown in the example.
    const std::string reader = read_file(fs::path(core::source_dir()) / "app/config.cpp");
    const std::regex key(R"(top\.(node|string|integer|boolean|number|choice)\(\"([a-z_]+)\")");
    const std::string shown = read_file(example);
    std::set<std::string> missing;
    for (std::sregex_iterator m(reader.begin(), reader.end(), key), end; m != end; ++m) {
        const std::string name = (*m)[2];
        const std::regex line("(^|\\n)#? ?" + name + ":");
        if (!std::regex_search(shown, line)) missing.insert(name);
    }
    // So is every section a feature of the registry reads itself.
    for (const bot::Feature& feature : bot::all_features()) {
        if (feature.section.empty()) continue;
        const std::regex line("(^|\\n)#? ?" + feature.section + ":");
        if (!std::regex_search(shown, line)) missing.insert(feature.section);
    }
    EXPECT_THAT(missing, ::testing::IsEmpty()) << "add them to config/twintrack.example.yaml";
    for (const char* stale : {"not yet used", "nothing uses it yet"}) {
        EXPECT_EQ(shown.find(stale), std::string::npos)
            << "the example says \"" << stale << "\" of a key the program uses";
    }
}

/// The C++ sources of bot/ outside tests, with their text.
std::vector<std::pair<std::string, std::string>> bot_sources() {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& file : repo_files()) {
        const std::string ext = fs::path(file).extension().string();
        if (file.rfind("bot/", 0) != 0 || (ext != ".cpp" && ext != ".hpp")) continue;
        if (file.find("/tests/") != std::string::npos) continue;
        out.push_back({file, read_file(fs::path(core::source_dir()) / file)});
    }
    return out;
}

/// The feature a file of bot/features/ belongs to ("" outside), and whether it is in the
/// feature's store part.
std::pair<std::string, bool> feature_of(const std::string& file) {
    static const std::regex in_feature(R"(^bot/features/([a-z_]+)/(store/)?)");
    std::smatch m;
    if (!std::regex_search(file, m, in_feature)) return {"", false};
    return {m[1], m[2].matched};
}

TEST(Layers, TheBotLayerHasSqlOnlyInTheFeaturesStoreParts) {
    const std::regex sql(
        R"re("[^"\n]*\b(SELECT\s.*\sFROM|INSERT\s+INTO|UPDATE\s+[a-z_]+\s+SET|DELETE\s+FROM|CREATE\s+(TABLE|INDEX))\b)re");
    std::set<std::string> found;
    for (const auto& [file, text] : bot_sources()) {
        if (feature_of(file).second) continue;
        if (std::regex_search(text, sql)) found.insert(file);
    }
    EXPECT_THAT(found, ::testing::IsEmpty())
        << "SQL belongs in store/ or a feature's store part (bot/features/NAME/store/)";
}

TEST(Layers, AFeaturesStorePartIncludesNoBotCodeAndNoOtherFeatureReachesIt) {
    const std::regex include(R"re(#include\s+"([^"]+)")re");
    std::set<std::string> wrong;
    bool some_store_part = false;
    for (const auto& [file, text] : bot_sources()) {
        const auto [feature, in_store] = feature_of(file);
        some_store_part = some_store_part || in_store;
        for (std::sregex_iterator m(text.begin(), text.end(), include), end; m != end; ++m) {
            const std::string target = (*m)[1];
            const auto [target_feature, target_in_store] = feature_of(target);
            // A store part includes the store layer and its own folder only.
            if (in_store && target.rfind("bot/", 0) == 0 &&
                !(target_feature == feature && target_in_store)) {
                wrong.insert(file + " -> " + target);
            }
            // Another feature's table is reached through that feature's services.
            if (target_in_store && target_feature != feature) wrong.insert(file + " -> " + target);
        }
    }
    EXPECT_TRUE(some_store_part) << "the check found no bot/features/NAME/store/ folder";
    EXPECT_THAT(wrong, ::testing::IsEmpty());
}

}  // namespace
}  // namespace twintrack::testing
