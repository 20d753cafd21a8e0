#pragma once
// Extractive summaries (pure): texts are cut into sentences and words with ICU (so
// Chinese is segmented into words, not split on spaces), words that recur across the
// texts become keywords, and the sentences carrying the most of them (plus any
// `boost` term) are kept, in their original order, each with where it came from.

#include <cstddef>
#include <string>
#include <vector>

namespace twintrack::bot::metrics {

/// One text to summarise and where it came from ("#12 Li Wei", "#sales Anna 10:05").
struct SourceText {
    std::string text;
    std::string source;
};

struct SummarySentence {
    std::string text;
    std::string source;
    double score = 0;
};

struct Summary {
    std::vector<SummarySentence> sentences;  ///< in the order they were written
    std::vector<std::string> keywords;       ///< most frequent first
    std::size_t sentence_count = 0;          ///< sentences read
};

/// Sentences of `text` (ICU sentence boundaries, line breaks), trimmed, non-empty.
std::vector<std::string> split_sentences(const std::string& text);
/// Lower-cased content words of `text` (ICU word boundaries; punctuation, numbers and
/// common function words of English and Chinese left out). Ideographs the ICU dictionary
/// leaves single become pairs of neighbours (华|为 -> 华为); `known_terms` (lower-case
/// names such as 艾克米) count as words wherever they occur.
std::vector<std::string> content_words(const std::string& text,
                                       const std::vector<std::string>& known_terms = {});

/// Keeps at most `max_sentences` sentences and `max_keywords` keywords. Sentences score
/// by the recurring words they carry (normalised by length), plus a bonus for figures
/// and for each `boost` term (lower-case, e.g. a competitor or an escalation word).
Summary summarize(const std::vector<SourceText>& texts, std::size_t max_sentences,
                  std::size_t max_keywords = 8, const std::vector<std::string>& boost = {},
                  const std::vector<std::string>& known_terms = {});

}  // namespace twintrack::bot::metrics
