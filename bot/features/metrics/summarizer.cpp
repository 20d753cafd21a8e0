#include "bot/features/metrics/summarizer.hpp"

#include <unicode/brkiter.h>
#include <unicode/utext.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "core/text.hpp"

namespace twintrack::bot::metrics {
namespace {

const std::unordered_set<std::string>& stop_words() {
    static const std::unordered_set<std::string> words = {
        // English
        "a", "an", "the", "and", "or", "but", "if", "of", "to", "in", "on", "at", "for", "with",
        "by", "from", "as", "is", "are", "was", "were", "be", "been", "being", "it", "its", "this",
        "that", "these", "those", "we", "our", "us", "you", "your", "they", "them", "their", "he",
        "she", "his", "her", "i", "me", "my", "not", "no", "so", "do", "does", "did", "have", "has",
        "had", "will", "would", "can", "could", "should", "may", "might", "just", "also", "about",
        "into", "than", "then", "there", "here", "what", "which", "who", "when", "where", "how",
        "all", "any", "some", "more", "most", "very", "up", "out", "over", "again", "still", "too",
        "s", "t", "re", "ll", "ve", "d", "m", "ok", "okay", "yes", "today", "yesterday", "tomorrow",
        "week", "next", "last",
        // Chinese
        "的", "了", "是", "在", "和", "与", "及", "也", "都", "就", "还", "又", "而", "但", "但是",
        "我", "我们", "你", "你们", "他", "他们", "她", "它", "这", "那", "这个", "那个", "一个",
        "有", "没有", "不", "没", "很", "会", "要", "说", "对", "把", "被", "让", "给", "从", "到",
        "吗", "呢", "吧", "啊", "呀", "着", "过", "之", "为", "以", "等", "并", "或", "已经",
        "今天", "明天", "昨天", "本周", "下周", "上周", "可以", "需要", "什么", "因为", "所以",
        "如果"};
    return words;
}

bool is_number_like(const std::string& w) {
    for (char c : w) {
        if ((c < '0' || c > '9') && c != '.' && c != ',' && c != '%') return false;
    }
    return true;
}

icu::BreakIterator* iterator(bool sentences) {
    UErrorCode status = U_ZERO_ERROR;
    thread_local std::unique_ptr<icu::BreakIterator> words(
        icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status));
    thread_local std::unique_ptr<icu::BreakIterator> sents(
        icu::BreakIterator::createSentenceInstance(icu::Locale::getRoot(), status));
    return sentences ? sents.get() : words.get();
}

struct Candidate {
    std::string text;
    std::size_t source = 0;
    std::size_t order = 0;
    std::vector<std::string> words;  // distinct
    double score = 0;
};

double overlap(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    if (a.empty() || b.empty()) return 0;
    std::size_t same = 0;
    for (const auto& w : a) {
        if (std::binary_search(b.begin(), b.end(), w)) ++same;
    }
    return static_cast<double>(same) / static_cast<double>(std::min(a.size(), b.size()));
}

}  // namespace

std::vector<std::string> split_sentences(const std::string& text) {
    std::vector<std::string> out;
    icu::BreakIterator* it = iterator(true);
    std::size_t line_start = 0;
    while (line_start <= text.size()) {
        std::size_t line_end = text.find('\n', line_start);
        if (line_end == std::string::npos) line_end = text.size();
        const std::string line = text.substr(line_start, line_end - line_start);
        line_start = line_end + 1;
        if (core::trim(line).empty()) continue;
        UErrorCode status = U_ZERO_ERROR;
        UText* ut =
            utext_openUTF8(nullptr, line.data(), static_cast<int64_t>(line.size()), &status);
        if (U_FAILURE(status) || it == nullptr) {
            out.emplace_back(core::trim(line));
            utext_close(ut);
            continue;
        }
        it->setText(ut, status);
        int32_t start = it->first();
        for (int32_t end = it->next(); end != icu::BreakIterator::DONE; end = it->next()) {
            const auto s = core::trim(std::string_view(line).substr(
                static_cast<std::size_t>(start), static_cast<std::size_t>(end - start)));
            if (!s.empty()) out.emplace_back(s);
            start = end;
        }
        utext_close(ut);
    }
    return out;
}

std::vector<std::string> content_words(const std::string& text,
                                       const std::vector<std::string>& known_terms) {
    std::vector<std::string> out;
    const std::string lower = core::ascii_lower(text);
    // Known non-Latin terms (customer and competitor names) are words wherever they occur;
    // the segmenter does not know them.
    std::vector<std::pair<std::size_t, std::size_t>> covered;
    for (const auto& term : known_terms) {
        if (term.empty() || (term[0] & 0x80) == 0) continue;
        for (std::size_t at = lower.find(term); at != std::string::npos;
             at = lower.find(term, at + term.size())) {
            covered.push_back({at, at + term.size()});
            out.push_back(term);
        }
    }
    auto is_covered = [&](std::size_t from, std::size_t to) {
        for (const auto& c : covered) {
            if (from < c.second && to > c.first) return true;
        }
        return false;
    };
    icu::BreakIterator* it = iterator(false);
    UErrorCode status = U_ZERO_ERROR;
    UText* ut = utext_openUTF8(nullptr, lower.data(), static_cast<int64_t>(lower.size()), &status);
    if (U_FAILURE(status) || it == nullptr) {
        utext_close(ut);
        return out;
    }
    it->setText(ut, status);
    // Ideographs the dictionary left single (unknown names such as 华为 or 试点) are
    // taken in pairs of neighbours.
    std::vector<std::string> singles;
    auto flush = [&] {
        for (std::size_t i = 0; i + 1 < singles.size(); ++i) {
            out.push_back(singles[i] + singles[i + 1]);
        }
        singles.clear();
    };
    int32_t start = it->first();
    for (int32_t end = it->next(); end != icu::BreakIterator::DONE; end = it->next()) {
        const int32_t rule = it->getRuleStatus();
        const auto from = static_cast<std::size_t>(start);
        const auto to = static_cast<std::size_t>(end);
        start = end;
        if (rule < UBRK_WORD_LETTER || is_covered(from, to)) {
            flush();
            continue;
        }
        std::string w = lower.substr(from, to - from);
        if (rule >= UBRK_WORD_IDEO && rule < UBRK_WORD_IDEO_LIMIT && w.size() <= 4) {
            singles.push_back(std::move(w));  // one ideograph
            continue;
        }
        flush();
        if (!is_number_like(w) && !stop_words().count(w) && !(w.size() == 1)) {
            out.push_back(std::move(w));
        }
    }
    flush();
    utext_close(ut);
    return out;
}

Summary summarize(const std::vector<SourceText>& texts, std::size_t max_sentences,
                  std::size_t max_keywords, const std::vector<std::string>& boost,
                  const std::vector<std::string>& known_terms) {
    Summary summary;
    std::vector<Candidate> candidates;
    std::unordered_map<std::string, std::size_t> df;  // sentences containing the word
    std::unordered_map<std::string, std::size_t> first_seen;
    for (std::size_t i = 0; i < texts.size(); ++i) {
        for (auto& s : split_sentences(texts[i].text)) {
            Candidate c;
            c.text = std::move(s);
            c.source = i;
            c.order = candidates.size();
            c.words = content_words(c.text, known_terms);
            std::sort(c.words.begin(), c.words.end());
            c.words.erase(std::unique(c.words.begin(), c.words.end()), c.words.end());
            for (const auto& w : c.words) {
                ++df[w];
                first_seen.emplace(w, c.order);
            }
            candidates.push_back(std::move(c));
        }
    }
    summary.sentence_count = candidates.size();

    for (auto& c : candidates) {
        double sum = 0;
        for (const auto& w : c.words) {
            const std::size_t n = df[w];
            if (n > 1) sum += std::log2(static_cast<double>(n));
        }
        c.score = c.words.empty() ? 0 : sum / std::sqrt(static_cast<double>(c.words.size()));
        // Figures (prices, percentages, dates) are facts worth keeping.
        if (c.text.find_first_of("0123456789") != std::string::npos) c.score += 1.0;
        const std::string lower = core::ascii_lower(c.text);
        for (const auto& b : boost) {
            if (!b.empty() && lower.find(b) != std::string::npos) c.score += 2.0;
        }
    }

    std::vector<std::size_t> ranked(candidates.size());
    for (std::size_t i = 0; i < ranked.size(); ++i) ranked[i] = i;
    std::stable_sort(ranked.begin(), ranked.end(), [&](std::size_t a, std::size_t b) {
        return candidates[a].score > candidates[b].score;
    });
    std::vector<std::size_t> chosen;
    for (std::size_t i : ranked) {
        if (chosen.size() >= max_sentences) break;
        if (candidates[i].score <= 0 && !chosen.empty()) break;
        bool duplicate = false;
        for (std::size_t j : chosen) {
            if (overlap(candidates[i].words, candidates[j].words) > 0.8) duplicate = true;
        }
        if (!duplicate) chosen.push_back(i);
    }
    std::sort(chosen.begin(), chosen.end());
    for (std::size_t i : chosen) {
        summary.sentences.push_back(
            {candidates[i].text, texts[candidates[i].source].source, candidates[i].score});
    }

    std::vector<std::pair<std::string, std::size_t>> words(df.begin(), df.end());
    std::sort(words.begin(), words.end(), [&](const auto& a, const auto& b) {
        if (a.second != b.second) return a.second > b.second;
        return first_seen[a.first] < first_seen[b.first];
    });
    for (const auto& w : words) {
        if (summary.keywords.size() >= max_keywords || w.second < 2) break;
        summary.keywords.push_back(w.first);
    }
    return summary;
}

}  // namespace twintrack::bot::metrics
