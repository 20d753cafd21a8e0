#include "bot/features/thanks/thanks.hpp"

#include <algorithm>
#include <memory>

#include "bot/engine.hpp"
#include "bot/features/thanks/thanks_stats.hpp"
#include "bot/local_time.hpp"
#include "bot/turn.hpp"
#include "core/text.hpp"

namespace twintrack::bot::thanks {

namespace {

constexpr std::int64_t week_ms = 7LL * 24 * 60 * 60 * 1000;

using Table = std::shared_ptr<ThanksTable>;

/// ThanksStats on one engine: its table, its directory.
class EngineThanksStats final : public ThanksStats {
  public:
    EngineThanksStats(Engine& engine, Table table) : engine_(engine), table_(std::move(table)) {}
    std::int64_t cross_track_thanks(std::int64_t from_ms, std::int64_t to_ms) override {
        const Directory& people = engine_.directory();
        return count_week(table_->between(from_ms, to_ms),
                          [&](std::int64_t id) {
                              const Person* p = people.by_id(id);
                              return p ? p->department : std::string();
                          })
            .cross;
    }

  private:
    Engine& engine_;
    Table table_;
};

std::string department_text(Turn& turn, const std::string& department) {
    return turn.text("core.department." + department);
}

// `thanks @PERSON NOTE`
void give(Turn& turn, const CommandArgs& args, ThanksTable& repo) {
    const Person* me = turn.person();
    const Person* to = args.parsed.person("person");
    if (!me || !to) return;
    if (to->id == me->id) return turn.reply("thanks.not_yourself");
    const auto& settings = turn.engine().settings().features.get<ThanksSettings>();
    const std::string note(core::trim(args.parsed.word("note")));
    if (core::utf8_length(note) > static_cast<std::size_t>(settings.note_limit)) {
        return turn.reply("thanks.note_too_long", {{"limit", settings.note_limit}});
    }
    writing(turn, repo).add({0, me->id, to->id, note, core::to_millis(turn.now())});
    turn.audit("thanks.give", {{"to", to->id}});
    const bool cross = crosses_tracks(me->department, to->department);
    if (settings.tell) {
        turn.tell(*to, "thanks.received",
                  {{"from", me->name},
                   {"from_department", turn.engine().prompts().render(
                                           to->locale, "core.department." + me->department)},
                   {"note", note}});
    }
    turn.reply("thanks.recorded", {{"to", to->name},
                                   {"cross", cross},
                                   {"from_department", department_text(turn, me->department)},
                                   {"to_department", department_text(turn, to->department)},
                                   {"told", settings.tell}});
}

// `thanks week`
void week(Turn& turn, const CommandArgs&, const ThanksTable& repo) {
    const std::int64_t now = core::to_millis(turn.now());
    const auto rows = reading(turn, repo).since(now - week_ms);
    if (rows.empty()) return turn.reply("thanks.week_empty");
    const Directory& people = turn.engine().directory();
    auto name_of = [&](std::int64_t id) {
        const Person* p = people.by_id(id);
        return p ? p->name : std::string("#") + std::to_string(id);
    };
    const WeekCounts counts = count_week(rows, [&](std::int64_t id) {
        const Person* p = people.by_id(id);
        return p ? p->department : std::string();
    });
    const auto& settings = turn.engine().settings().features.get<ThanksSettings>();
    const std::string zone = turn.person() ? turn.person()->timezone : "UTC";
    std::string text =
        turn.text("thanks.week_head", {{"total", counts.total}, {"cross", counts.cross}});
    const std::size_t shown = std::min(rows.size(), static_cast<std::size_t>(settings.shown));
    for (std::size_t i = 0; i < shown; ++i) {
        const ThanksRecord& t = rows[i];
        text += "\n" + turn.text("thanks.week_line",
                                 {{"date", format_local(core::from_millis(t.created_at), zone)},
                                  {"from", name_of(t.from_id)},
                                  {"to", name_of(t.to_id)},
                                  {"note", t.note}});
    }
    if (rows.size() > shown) {
        text += "\n" + turn.text("thanks.week_more", {{"more", rows.size() - shown}});
    }
    turn.reply_text(text);
}

void register_thanks(Engine& engine, Services& services) {
    const Table repo = store::thanks::open_table(engine.store().db());
    services.provide<ThanksStats>(std::make_shared<EngineThanksStats>(engine, repo));
    engine.router().add(
        CommandSpec("thanks",
                    [repo](Turn& turn, const CommandArgs& args) { give(turn, args, *repo); })
            .arg(Arg::person("person"))
            .arg(Arg::note("note"))
            .writes());
    engine.router().add(CommandSpec("thanks week", [repo](Turn& turn, const CommandArgs& args) {
                            week(turn, args, *repo);
                        }).no_args());
}

}  // namespace

void read_config(core::SectionReader& s, FeatureSettings& settings) {
    ThanksSettings& t = settings.edit<ThanksSettings>();
    if (auto v = s.boolean("tell")) t.tell = *v;
    if (auto v = s.integer("note_limit", 1, 2000)) t.note_limit = static_cast<int>(*v);
    if (auto v = s.integer("shown", 1, 100)) t.shown = static_cast<int>(*v);
    s.finish();
}

bool crosses_tracks(const std::string& from_department, const std::string& to_department) {
    return (from_department == "marketing" && to_department == "sales") ||
           (from_department == "sales" && to_department == "marketing");
}

WeekCounts count_week(const std::vector<ThanksRecord>& rows,
                      const std::function<std::string(std::int64_t)>& department_of) {
    WeekCounts out;
    for (const ThanksRecord& t : rows) {
        ++out.total;
        if (crosses_tracks(department_of(t.from_id), department_of(t.to_id))) ++out.cross;
    }
    return out;
}

const ThanksTable& reading(Turn& turn, const ThanksTable& table) {
    turn.read();
    return table;
}

ThanksTable& writing(Turn& turn, ThanksTable& table) {
    turn.write();
    return table;
}

Feature feature() {
    Feature f{"thanks", "thanks", read_config, {28}, register_thanks};
    f.person_data = store::thanks::person_data;
    return f;
}

}  // namespace twintrack::bot::thanks
