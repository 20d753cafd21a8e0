#pragma once
// The tone guide's regular expressions (PCRE2, UTF mode) and the text measures its rules
// use: UTF-8 steps, ASCII word edges of a pattern's alternatives (\b where a word can
// end), CJK letters and the weight of an occurrence match. Inside the tone feature only.

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace twintrack::bot::tone {

/// A compiled PCRE2 pattern (UTF mode, JIT when available).
class Regex {
  public:
    Regex(const Regex&) = delete;
    Regex& operator=(const Regex&) = delete;
    ~Regex() {
        if (code_ != nullptr) pcre2_code_free(code_);
    }

    /// Compiles `pattern`; on failure returns null and sets `error`.
    static std::unique_ptr<Regex> compile(const std::string& pattern, bool caseless,
                                          std::string& error, std::uint32_t extra = 0) {
        int code = 0;
        PCRE2_SIZE offset = 0;
        std::uint32_t options = PCRE2_UTF | extra;
        if (caseless) options |= PCRE2_CASELESS;
        pcre2_code* re = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                       options, &code, &offset, nullptr);
        if (re == nullptr) {
            PCRE2_UCHAR buffer[256];
            pcre2_get_error_message(code, buffer, sizeof buffer);
            error = std::string(reinterpret_cast<const char*>(buffer)) + " (at offset " +
                    std::to_string(offset) + ")";
            return nullptr;
        }
        pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
        return std::unique_ptr<Regex>(new Regex(re));
    }

    pcre2_code* code() const { return code_; }

  private:
    explicit Regex(pcre2_code* code) : code_(code) {}
    pcre2_code* code_;
};

/// Match data for one pattern, owned.
class Matcher {
  public:
    explicit Matcher(const Regex& re)
        : re_(re), data_(pcre2_match_data_create_from_pattern(re.code(), nullptr)) {}
    Matcher(const Matcher&) = delete;
    Matcher& operator=(const Matcher&) = delete;
    ~Matcher() { pcre2_match_data_free(data_); }

    /// Next match in subject[0, length) at or after `start`; false when none.
    bool find(const char* subject, std::size_t length, std::size_t start,
              std::uint32_t options = 0) {
        if (start > length) return false;
        const int rc = pcre2_match(re_.code(), reinterpret_cast<PCRE2_SPTR>(subject), length, start,
                                   options | PCRE2_NO_UTF_CHECK, data_, nullptr);
        if (rc < 0) return false;
        const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(data_);
        begin_ = ov[0];
        end_ = ov[1];
        return true;
    }
    std::size_t begin() const { return begin_; }
    std::size_t end() const { return end_; }
    /// True when capture group `n` took part in the match.
    bool group_set(std::uint32_t n) const {
        if (n >= pcre2_get_ovector_count(data_)) return false;
        return pcre2_get_ovector_pointer(data_)[2 * n] != PCRE2_UNSET;
    }

  private:
    const Regex& re_;
    pcre2_match_data* data_;
    std::size_t begin_ = 0;
    std::size_t end_ = 0;
};

/// Byte length of the UTF-8 sequence starting with `c`.
std::size_t utf8_step(unsigned char c);

/// Decodes the code point at `s[i]` (valid UTF-8 assumed).
char32_t decode(std::string_view s, std::size_t i);

/// Calls `fn(begin, end)` for every match in subject[0, length), empty matches included
/// once per position.
template <typename Fn>
void each_match(Matcher& m, const char* subject, std::size_t length, Fn fn) {
    std::size_t start = 0;
    while (start <= length && m.find(subject, length, start)) {
        fn(m.begin(), m.end());
        if (m.end() > m.begin()) {
            start = m.end();
        } else {
            if (m.end() >= length) break;
            start = m.end() + utf8_step(static_cast<unsigned char>(subject[m.end()]));
        }
    }
}

bool ascii_word(char c);

/// True when the token begins with an ASCII word character (a literal, \w or \d).
bool starts_with_word(const std::string& t);

/// True when the token ends with an ASCII word character.
bool ends_with_word(const std::string& t);

/// The alternatives of a regex at its top level: "a|b(c|d)" -> {"a", "b(c|d)"}.
std::vector<std::string> alternatives(const std::string& t);

/// The token with \b at the ASCII word edges of each of its alternatives (none when
/// `nonword`), so "sign up|报名" finds 报名 inside Chinese text.
std::string bounded(const std::string& token, bool nonword);

/// Chinese, Japanese and Korean letters (not punctuation).
bool cjk_letter(char32_t cp);

bool cjk_punctuation(char32_t cp);

/// How much one occurrence match counts: 1, or for text with CJK letters one per such
/// letter plus one per run of other (non-space, non-punctuation) characters.
std::size_t weight(std::string_view m);

}  // namespace twintrack::bot::tone
