#include "bot/features/plan/plan_file.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

#include "bot/args.hpp"
#include "core/csv.hpp"
#include "core/text.hpp"

namespace twintrack::bot::plan {
namespace {

const std::size_t max_name_bytes = 120;
const std::size_t max_text_bytes = 2000;

std::string key_of(const std::string& text) { return core::ascii_lower(core::trim(text)); }

bool all_digits(const std::string& s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// Collects the rows of either format, then checks them the same way.
struct RawRow {
    int line = 0;
    std::string kind;  ///< outlook, target, activity
    std::map<std::string, std::string> fields;
};

void check_row(const RawRow& row, const PlanSettings& settings, const Prompts& prompts,
               int default_year, store::plan::PlanImport& out, std::vector<PlanFileError>& errors) {
    auto field = [&](const std::string& name) {
        const auto it = row.fields.find(name);
        return it == row.fields.end() ? std::string() : std::string(core::trim(it->second));
    };
    auto fail = [&](const std::string& key, const std::string& name, const std::string& value) {
        errors.push_back({row.line, key, name, std::string(core::utf8_prefix(value, 80))});
    };
    auto market = [&](bool required) -> std::optional<std::string> {
        const std::string m = field("market");
        if (m.empty()) {
            if (required) fail("missing", "market", "");
            return required ? std::nullopt : std::optional<std::string>(std::string());
        }
        auto found = find_market(settings, m);
        if (!found) fail("unknown_market", "market", m);
        return found;
    };
    auto amount = [&](const std::string& name, bool required) -> std::optional<double> {
        const std::string v = field(name);
        if (v.empty()) {
            if (required) fail("missing", name, "");
            return std::nullopt;
        }
        const PlanAmount a = read_plan_amount(prompts, v);
        if (a.kind == PlanAmount::Kind::negative) fail("negative", name, v);
        if (a.kind == PlanAmount::Kind::bad) fail("bad_amount", name, v);
        if (a.kind != PlanAmount::Kind::ok) return std::nullopt;
        return a.value;
    };
    const std::size_t before = errors.size();
    if (row.kind == "outlook") {
        const auto m = market(true);
        const std::string text(core::utf8_prefix(field("text"), max_text_bytes));
        if (text.empty()) fail("missing", "text", "");
        if (errors.size() == before && m) out.outlooks.push_back({*m, text, 0});
    } else if (row.kind == "target") {
        const auto m = market(true);
        int year = default_year;
        if (!field("year").empty()) {
            if (auto y = parse_year(prompts, field("year"))) {
                year = *y;
            } else {
                fail("bad_year", "year", field("year"));
            }
        }
        const auto revenue = amount("revenue", false);
        const auto budget = amount("budget", false);
        if (errors.size() == before && !revenue && !budget) fail("missing", "revenue", "");
        if (errors.size() == before && m) out.targets.push_back({year, *m, revenue, budget});
    } else if (row.kind == "activity") {
        const std::string name(core::utf8_prefix(field("name"), max_name_bytes));
        if (name.empty()) fail("missing", "name", "");
        const auto m = market(false);
        std::optional<Quarter> quarter;
        if (field("quarter").empty()) {
            fail("missing", "quarter", "");
        } else if (!(quarter = parse_quarter(prompts, field("quarter")))) {
            fail("bad_quarter", "quarter", field("quarter"));
        }
        const auto budget = amount("budget", true);
        const auto spent = amount("spent", false);
        if (errors.size() == before && m && quarter && budget) {
            out.activities.push_back({0, name, *m, quarter->text(), *budget, spent});
        }
    } else {
        fail("bad_kind", "kind", row.kind);
    }
}

std::vector<RawRow> csv_rows(const std::string& text, std::vector<PlanFileError>& errors) {
    std::istringstream in(text);
    core::CsvReader reader(in);
    std::vector<RawRow> rows;
    auto header = reader.next();
    if (!header) return rows;
    std::vector<std::string> names;
    for (const auto& h : header->fields) names.push_back(key_of(h));
    const auto& known = plan_csv_header();
    const auto& actual = plan_actual_columns();
    for (const auto& n : names) {
        if (std::find(known.begin(), known.end(), n) == known.end() &&
            std::find(actual.begin(), actual.end(), n) == actual.end()) {
            errors.push_back({header->line, "unknown_column", n, n});
        }
    }
    while (auto row = reader.next()) {
        const bool blank = std::all_of(row->fields.begin(), row->fields.end(),
                                       [](const std::string& f) { return core::trim(f).empty(); });
        if (blank) continue;
        if (row->fields.size() > names.size()) {
            errors.push_back({row->line, "too_many_fields", "", ""});
            continue;
        }
        RawRow r;
        r.line = row->line;
        for (std::size_t i = 0; i < row->fields.size(); ++i) r.fields[names[i]] = row->fields[i];
        r.kind = key_of(r.fields["kind"]);
        rows.push_back(std::move(r));
    }
    if (!reader.error().empty()) errors.push_back({0, "unclosed_quote", "", ""});
    return rows;
}

std::string scalar(const YAML::Node& n) { return n.IsScalar() ? n.Scalar() : std::string(); }

std::vector<RawRow> yaml_rows(const std::string& text, std::vector<PlanFileError>& errors) {
    std::vector<RawRow> rows;
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::ParserException& e) {
        errors.push_back({e.mark.line + 1, "yaml", "", e.msg});
        return rows;
    }
    if (!root.IsMap()) {
        errors.push_back({root.IsDefined() ? root.Mark().line + 1 : 1, "not_a_plan", "", ""});
        return rows;
    }
    for (const auto& kv : root) {
        const std::string section = key_of(kv.first.Scalar());
        const int section_line = kv.first.Mark().line + 1;
        if (section == "outlook" || section == "outlooks") {
            if (!kv.second.IsMap()) {
                errors.push_back({section_line, "bad_section", section, section});
                continue;
            }
            for (const auto& m : kv.second) {
                RawRow r;
                r.line = m.first.Mark().line + 1;
                r.kind = "outlook";
                r.fields["market"] = m.first.Scalar();
                r.fields["text"] = scalar(m.second);
                rows.push_back(std::move(r));
            }
        } else if (section == "targets" || section == "activities") {
            if (!kv.second.IsSequence()) {
                errors.push_back({section_line, "bad_section", section, section});
                continue;
            }
            for (const auto& item : kv.second) {
                RawRow r;
                r.line = item.Mark().line + 1;
                r.kind = section == "targets" ? "target" : "activity";
                if (!item.IsMap()) {
                    errors.push_back({r.line, "bad_item", section, section});
                    continue;
                }
                for (const auto& f : item) {
                    const std::string name = key_of(f.first.Scalar());
                    const auto& known = plan_csv_header();
                    if (name == "kind" ||
                        std::find(known.begin(), known.end(), name) == known.end()) {
                        errors.push_back({static_cast<int>(f.first.Mark().line) + 1,
                                          "unknown_column", name, name});
                        continue;
                    }
                    r.fields[name] = scalar(f.second);
                }
                rows.push_back(std::move(r));
            }
        } else {
            errors.push_back({section_line, "unknown_section", section, section});
        }
    }
    return rows;
}

}  // namespace

std::optional<std::string> find_market(const PlanSettings& settings, const std::string& word) {
    const std::string key = key_of(word);
    if (key.empty()) return std::nullopt;
    for (const auto& m : settings.markets) {
        if (key_of(m.name) == key) return m.name;
        for (const auto& a : m.aliases) {
            if (key_of(a) == key) return m.name;
        }
    }
    return std::nullopt;
}

std::vector<std::string> market_names(const PlanSettings& settings) {
    std::vector<std::string> out;
    for (const auto& m : settings.markets) out.push_back(m.name);
    return out;
}

std::string Quarter::text() const { return std::to_string(year) + "Q" + std::to_string(q); }

Quarter Quarter::previous() const { return q == 1 ? Quarter{year - 1, 4} : Quarter{year, q - 1}; }

Quarter Quarter::next() const { return q == 4 ? Quarter{year + 1, 1} : Quarter{year, q + 1}; }

std::optional<Quarter> parse_quarter(const Prompts& prompts, const std::string& text) {
    // The one reader of the argument parser; a plan's quarter names its year.
    const auto q = read_quarter(prompts, text, std::nullopt);
    if (!q) return std::nullopt;
    return Quarter{q->year, q->q};
}

std::optional<int> parse_year(const Prompts& prompts, const std::string& text) {
    std::string s(core::trim(text));
    for (const auto& w : prompts.words_all_locales("args.words.date_year")) {
        if (!w.empty() && s.size() > w.size() && s.compare(s.size() - w.size(), w.size(), w) == 0) {
            s.erase(s.size() - w.size());
            break;
        }
    }
    if (s.size() != 4 || !all_digits(s)) return std::nullopt;
    const int y = std::stoi(s);
    if (y < 2000 || y > 2100) return std::nullopt;
    return y;
}

PlanAmount read_plan_amount(const Prompts& prompts, const std::string& text) {
    const std::string s(core::trim(text));
    PlanAmount out;
    if (s.empty()) return out;
    if (s.front() == '-' || s.rfind("−", 0) == 0) {
        const std::string rest = s.front() == '-' ? s.substr(1) : s.substr(std::string("−").size());
        if (read_amount(prompts, rest)) out.kind = PlanAmount::Kind::negative;
        return out;
    }
    if (std::all_of(s.begin(), s.end(), [](char c) { return c == '0' || c == '.'; }) &&
        s.find('0') != std::string::npos) {
        out.kind = PlanAmount::Kind::ok;
        return out;
    }
    if (auto a = read_amount(prompts, s)) {
        out.kind = PlanAmount::Kind::ok;
        out.value = a->value;
    }
    return out;
}

const std::vector<std::string>& plan_csv_header() {
    static const std::vector<std::string> header = {"kind",    "market", "name",  "year", "quarter",
                                                    "revenue", "budget", "spent", "text"};
    return header;
}

const std::vector<std::string>& plan_actual_columns() {
    static const std::vector<std::string> columns = {
        "reports", "reports_last_quarter", "competitor_mentions", "price_signals", "pipeline",
        "won_year"};
    return columns;
}

store::plan::PlanImport read_plan_file(const std::string& text, const PlanSettings& settings,
                                       const Prompts& prompts, int default_year,
                                       std::vector<PlanFileError>& errors) {
    store::plan::PlanImport out;
    const std::string body(core::trim(text));
    if (body.empty()) {
        errors.push_back({1, "empty", "", ""});
        return out;
    }
    std::string first = body.substr(0, body.find('\n'));
    if (first.rfind("\xEF\xBB\xBF", 0) == 0) first.erase(0, 3);
    const bool csv =
        key_of(first.substr(0, first.find(','))) == "kind" && first.find(',') != std::string::npos;
    // Lines count from the file's first line, blank lines before the body included.
    const std::string from_start = text.substr(0, text.find_last_not_of(" \t\r\n") + 1);
    const std::vector<RawRow> rows =
        csv ? csv_rows(from_start, errors) : yaml_rows(from_start, errors);
    for (const auto& row : rows) check_row(row, settings, prompts, default_year, out, errors);
    std::stable_sort(errors.begin(), errors.end(),
                     [](const auto& a, const auto& b) { return a.line < b.line; });
    if (!errors.empty()) return {};
    return out;
}

std::string number_text(double value) {
    const bool negative = value < 0;
    const double v = std::fabs(value);
    auto whole = static_cast<long long>(std::floor(v + 0.005));
    int cents = static_cast<int>(std::lround((v - static_cast<double>(whole)) * 100));
    if (cents >= 100) {
        ++whole;
        cents = 0;
    }
    std::string digits = std::to_string(whole);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    if (cents > 0) {
        char buf[8];
        std::snprintf(buf, sizeof buf, ".%02d", cents);
        out += buf;
        while (out.back() == '0') out.pop_back();
    }
    return (negative && (whole > 0 || cents > 0) ? "-" : "") + out;
}

}  // namespace twintrack::bot::plan
