// CSV files given to `twintrack import people|deals|quotas|campaigns FILE.csv`: the RFC
// 4180 reader (core::CsvReader) and each import's checks and writes
// (bot::import_people_csv, bot::metrics::import_*_csv) against a real store in a
// temporary folder. The first byte picks the import and the locale of the answers.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>

#include "bot/directory.hpp"
#include "bot/features/metrics/deal_input.hpp"
#include "bot/people_import.hpp"
#include "bot/prompts.hpp"
#include "core/csv.hpp"
#include "core/source_dir.hpp"
#include "core/text.hpp"
#include "store/store.hpp"

namespace bot = twintrack::bot;
namespace core = twintrack::core;
namespace store = twintrack::store;

namespace {

constexpr std::int64_t now_ms = 1795886849588;  // 2026-11-28

struct World {
    std::string dir;
    std::unique_ptr<store::Store> store;
    std::shared_ptr<const bot::Prompts> prompts;
    bot::BotSettings settings;
    int runs = 0;

    World() {
        char tmpl[] = "/tmp/twintrack-fuzz-csv-XXXXXX";
        dir = ::mkdtemp(tmpl);
        prompts = bot::Prompts::load(core::source_dir() + "/prompts", "en");
        open();
    }
    ~World() {
        store.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
    // A fresh database now and then, so that imported rows do not pile up.
    void open() {
        store.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir + "/twintrack.db", ec);
        std::filesystem::remove_all(dir + "/twintrack.db-wal", ec);
        std::filesystem::remove_all(dir + "/twintrack.db-shm", ec);
        store = store::Store::open_directory(dir, now_ms);
    }
};

World& world() {
    static World w;
    return w;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    World& w = world();
    if (++w.runs % 5000 == 0) w.open();
    const std::string csv(reinterpret_cast<const char*>(data) + 1, size - 1);

    {
        std::istringstream in(csv);
        core::CsvReader reader(in);
        int last_line = 0;
        while (auto row = reader.next()) {
            if (row->line <= last_line) std::abort();  // lines only go forward
            last_line = row->line;
        }
    }

    const std::string locale = data[0] & 0x10 ? "zh-CN" : "en";
    std::istringstream in(csv);
    bot::ImportOutcome outcome;
    switch (data[0] % 4) {
        case 0:
            outcome = bot::import_people_csv(in, *w.store, *w.prompts, locale, now_ms);
            break;
        case 1:
        case 2: {
            bot::Directory directory;
            directory.load(w.store->people().all());
            // No Customers service: every deal keeps its customer as written.
            outcome = data[0] % 4 == 1
                          ? bot::metrics::import_deals_csv(in, *w.store, nullptr, directory,
                                                           w.settings, *w.prompts, locale, now_ms)
                          : bot::metrics::import_quotas_csv(in, *w.store, directory, w.settings,
                                                            *w.prompts, locale, now_ms);
            break;
        }
        default:
            outcome = bot::metrics::import_campaigns_csv(in, *w.store, w.settings, *w.prompts,
                                                         locale, now_ms);
    }
    for (const auto& e : outcome.errors) {
        if (e.empty()) std::abort();  // every problem is said
    }
    return 0;
}
