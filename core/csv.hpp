#pragma once
// RFC 4180 CSV reading: quoted fields, doubled quotes, CRLF or LF, a UTF-8 BOM.

#include <istream>
#include <optional>
#include <string>
#include <vector>

namespace twintrack::core {

struct CsvRow {
    int line = 0;  ///< 1-based line where the row starts
    std::vector<std::string> fields;
};

class CsvReader {
  public:
    explicit CsvReader(std::istream& in) : in_(in) {}
    /// The next row, or nothing at the end. A quote left open sets `error()`.
    std::optional<CsvRow> next();
    const std::string& error() const { return error_; }

  private:
    std::istream& in_;
    int line_ = 0;
    bool first_ = true;
    std::string error_;
};

/// One CSV row (RFC 4180): fields quoted when they hold a comma, quote or line break.
std::string csv_row(const std::vector<std::string>& fields);

}  // namespace twintrack::core
