#pragma once
// Where a tone rule looks (its `scope`): the whole text, paragraphs, sentences (in English
// and Chinese punctuation) or Markdown headings, as byte spans; and a rule's message with
// its arguments (Vale's %s and %[1]s). Inside the tone feature only.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace twintrack::bot::tone {

enum class Scope { text, paragraph, sentence, heading };

struct Span {
    std::size_t begin;
    std::size_t end;
};

bool space_at(std::string_view s, std::size_t i);

/// Trims ASCII and ideographic spaces; empty spans are dropped.
void push_trimmed(std::string_view s, std::size_t b, std::size_t e, std::vector<Span>& out);

std::vector<Span> paragraphs(std::string_view s);

/// Sentences end at . ! ? followed by a space or the end, at 。！？ and at line ends.
std::vector<Span> sentences(std::string_view s);

/// Markdown headings: the text of lines starting with 1-6 '#' and a space.
std::vector<Span> headings(std::string_view s);

std::vector<Span> spans(std::string_view s, Scope scope);

std::string format_message(const std::string& message, const std::vector<std::string>& args);

}  // namespace twintrack::bot::tone
