#include "bot/features/tone/tone_guide.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "bot/features/tone/tone_prefilter.hpp"
#include "bot/features/tone/tone_rule.hpp"
#include "bot/features/tone/tone_rule_reader.hpp"
#include "core/text.hpp"

namespace twintrack::bot::tone {

namespace fs = std::filesystem;

const char* level_name(Level level) {
    switch (level) {
        case Level::suggestion:
            return "suggestion";
        case Level::warning:
            return "warning";
        case Level::error:
            return "error";
    }
    return "suggestion";
}

namespace {

std::string describe(const std::vector<RuleProblem>& problems) {
    std::string out;
    for (const auto& p : problems) {
        out += p.file;
        if (p.line > 0) out += ":" + std::to_string(p.line);
        out += ": " + p.message + "\n";
    }
    return out;
}

}  // namespace

ToneGuideError::ToneGuideError(std::vector<RuleProblem> problems)
    : std::runtime_error(describe(problems)), problems_(std::move(problems)) {}

bool has_error(const std::vector<Finding>& findings) {
    return std::any_of(findings.begin(), findings.end(),
                       [](const Finding& f) { return f.level == Level::error; });
}

ToneGuide::ToneGuide() = default;
ToneGuide::ToneGuide(ToneGuide&&) noexcept = default;
ToneGuide& ToneGuide::operator=(ToneGuide&&) noexcept = default;
ToneGuide::~ToneGuide() = default;

ToneGuide ToneGuide::from_sources(const std::vector<RuleSource>& sources) {
    std::vector<RuleProblem> problems;
    ToneGuide guide;
    std::set<std::string> names;
    for (const auto& source : sources) {
        if (!names.insert(source.name).second) {
            problems.push_back({source.file, 0, "a second rule named \"" + source.name + "\""});
            continue;
        }
        if (auto rule = read_rule(source, problems)) guide.rules_.push_back(std::move(rule));
    }
    if (!problems.empty()) throw ToneGuideError(std::move(problems));
    guide.prefilter_ = std::make_unique<Prefilter>(guide.rules_);
    return guide;
}

ToneGuide ToneGuide::load(const std::string& dir) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
        throw ToneGuideError({{dir, 0, "the tone rules folder does not exist"}});
    }
    std::vector<fs::path> files;
    std::vector<std::string> names;
    auto add = [&](const fs::path& p, const std::string& prefix) {
        files.push_back(p);
        names.push_back(prefix + p.stem().string());
    };
    std::vector<fs::directory_entry> entries(fs::directory_iterator(dir, ec), {});
    std::sort(entries.begin(), entries.end());
    for (const auto& entry : entries) {
        if (entry.is_regular_file() && rule_file(entry.path())) {
            add(entry.path(), "");
        } else if (entry.is_directory()) {
            std::vector<fs::directory_entry> inner(fs::directory_iterator(entry.path(), ec), {});
            std::sort(inner.begin(), inner.end());
            for (const auto& f : inner) {
                if (f.is_regular_file() && rule_file(f.path())) {
                    add(f.path(), entry.path().filename().string() + ".");
                }
            }
        }
    }
    std::vector<RuleSource> sources;
    for (std::size_t i = 0; i < files.size(); ++i) {
        std::ifstream in(files[i], std::ios::binary);
        std::ostringstream text;
        text << in.rdbuf();
        sources.push_back({names[i], files[i].string(), text.str()});
    }
    return from_sources(sources);
}

std::vector<Finding> ToneGuide::check(std::string_view text) const {
    std::vector<Finding> out;
    if (!core::valid_utf8(text) || rules_.empty()) return out;
    const auto starts = prefilter_->starts(text);
    CheckContext context(text);
    for (std::size_t r = 0; r < rules_.size(); ++r) {
        rules_[r]->check(context, prefilter_->uses[r] ? &starts[r] : nullptr, out);
    }
    std::stable_sort(out.begin(), out.end(), [](const Finding& a, const Finding& b) {
        return a.offset != b.offset ? a.offset < b.offset : a.rule < b.rule;
    });
    // Line numbers in one pass over the text.
    int line = 1;
    std::size_t pos = 0;
    for (auto& f : out) {
        for (; pos < f.offset && pos < text.size(); ++pos) {
            if (text[pos] == '\n') ++line;
        }
        f.line = line;
    }
    return out;
}

std::string ToneGuide::apply_substitutions(std::string_view text) const {
    std::vector<Finding> swaps;
    for (auto& f : check(text)) {
        if (!f.suggestion.empty()) swaps.push_back(std::move(f));
    }
    std::string out;
    std::size_t pos = 0;
    for (const auto& f : swaps) {
        if (f.offset < pos) continue;  // overlaps one applied already
        out.append(text.substr(pos, f.offset - pos));
        out += f.suggestion;
        pos = f.offset + f.length;
    }
    out.append(text.substr(pos));
    return out;
}

}  // namespace twintrack::bot::tone
