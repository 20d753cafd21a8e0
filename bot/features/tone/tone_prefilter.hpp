#pragma once
// The tone guide's prefilter: one pass over a text finds, per rule, where its literal
// text starts (Aho-Corasick), so a rule's pattern runs only there. Inside the tone
// feature only.

#include <array>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bot/features/tone/tone_rule.hpp"

namespace twintrack::bot::tone {

/// Aho-Corasick over the rules' literals: one pass over the text (ASCII letters folded
/// to lower case on the way) gives, per rule, every place one of its matches may start.
/// Bytes that occur in no literal share one class, which keeps the table small.
struct Prefilter {
    struct Output {
        std::uint32_t length;
        std::uint32_t rule;
    };
    std::array<std::uint8_t, 256> byte_class{};
    std::size_t classes = 1;
    std::vector<std::int32_t> next;          ///< state * classes + class -> state
    std::vector<std::uint32_t> output_from;  ///< state -> first output; state + 1 -> end
    std::vector<Output> outputs;
    std::vector<bool> uses;  ///< by rule: has literals

    explicit Prefilter(const std::vector<std::unique_ptr<Rule>>& rules);

    /// Per rule, the sorted places its matches may start in `text`.
    std::vector<std::vector<std::size_t>> starts(std::string_view text) const;

  private:
    using Literals = std::set<std::pair<std::string, std::uint32_t>>;
    /// The automaton as nested per-state rows while it is built.
    struct Trie {
        std::vector<std::vector<std::int32_t>> go;
        std::vector<std::vector<Output>> out;
    };

    // A class per byte the literals use (upper-case letters as their lower-case ones).
    void classify_bytes(const Literals& literals);

    // The trie of the literals, each ending state with its literal's length and rule.
    Trie trie_of(const Literals& literals) const;

    // Breadth first: failure links folded into the table, outputs merged.
    void link_failures(Trie& t) const;

    // The rows into one table (`next`) and the outputs into one list (`output_from`).
    void flatten(const Trie& t);
};

}  // namespace twintrack::bot::tone
