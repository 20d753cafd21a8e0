#pragma once
// What the reports feature offers other features (Engine::services()) for reading free
// text: the field reports' texts, and its extraction as a reader of any text (which
// competitors and needs a text names, with the names it knows). The metrics feature's
// summaries of reports and channel messages read it. In bot/, like field_facts.hpp
// (namespace bot::reports: its owner).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/report_records.hpp"

namespace twintrack::bot::reports {

/// A name extraction looks for, with the other ways it is written.
struct KnownName {
    std::string name;
    std::vector<std::string> aliases;
};

/// What one text names.
struct TextMentions {
    std::vector<std::string> competitors;  ///< canonical names, each once, as written in order
    std::vector<std::string> needs;        ///< as written
};

/// The extraction with the names known when it was made: the configured competitors and
/// the customers known then.
class MentionReader {
  public:
    virtual ~MentionReader() = default;
    virtual TextMentions read(const std::string& text) const = 0;
    virtual const std::vector<KnownName>& competitors() const = 0;
    virtual const std::vector<KnownName>& customers() const = 0;
};

class ReportTexts {
  public:
    virtual ~ReportTexts() = default;
    /// The reports `filter` matches (its limit kept; -1: all), oldest first.
    virtual std::vector<store::Report> filed(store::ReportFilter filter) const = 0;
    /// One report by its number.
    virtual std::optional<store::Report> report(std::int64_t id) const = 0;
    /// The extraction with the competitors configured and the customers known now.
    virtual std::unique_ptr<MentionReader> mention_reader() const = 0;
};

}  // namespace twintrack::bot::reports
