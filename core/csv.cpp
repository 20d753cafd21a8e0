#include "core/csv.hpp"

namespace twintrack::core {

std::optional<CsvRow> CsvReader::next() {
    std::string line;
    while (std::getline(in_, line)) {
        ++line_;
        if (first_) {
            first_ = false;
            if (line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
        }
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;
        CsvRow row;
        row.line = line_;
        std::string field;
        bool quoted = false;
        std::size_t i = 0;
        for (;;) {
            if (i >= line.size()) {
                if (!quoted) break;
                std::string more;
                if (!std::getline(in_, more)) {
                    error_ = "line " + std::to_string(row.line) + ": a quoted field is not closed";
                    return std::nullopt;
                }
                ++line_;
                if (!more.empty() && more.back() == '\r') more.pop_back();
                field += '\n';
                line = more;
                i = 0;
                continue;
            }
            const char c = line[i];
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < line.size() && line[i + 1] == '"') {
                        field += '"';
                        ++i;
                    } else {
                        quoted = false;
                    }
                } else {
                    field += c;
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                row.fields.push_back(std::move(field));
                field.clear();
            } else {
                field += c;
            }
            ++i;
        }
        row.fields.push_back(std::move(field));
        return row;
    }
    return std::nullopt;
}

std::string csv_row(const std::vector<std::string>& fields) {
    std::string out;
    for (std::size_t i = 0; i < fields.size(); ++i) {
        if (i) out += ',';
        const std::string& f = fields[i];
        if (f.find_first_of(",\"\r\n") == std::string::npos) {
            out += f;
            continue;
        }
        out += '"';
        for (char c : f) {
            if (c == '"') out += '"';
            out += c;
        }
        out += '"';
    }
    out += "\r\n";
    return out;
}

}  // namespace twintrack::core
