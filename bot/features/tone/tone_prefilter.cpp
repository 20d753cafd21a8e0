#include "bot/features/tone/tone_prefilter.hpp"

#include <algorithm>

namespace twintrack::bot::tone {

Prefilter::Prefilter(const std::vector<std::unique_ptr<Rule>>& rules) : uses(rules.size()) {
    std::set<std::pair<std::string, std::uint32_t>> literals;
    for (std::uint32_t r = 0; r < rules.size(); ++r) {
        uses[r] = !rules[r]->literals.empty();
        for (const auto& literal : rules[r]->literals) literals.insert({literal, r});
    }
    classify_bytes(literals);
    Trie trie = trie_of(literals);
    link_failures(trie);
    flatten(trie);
}

std::vector<std::vector<std::size_t>> Prefilter::starts(std::string_view text) const {
    std::vector<std::vector<std::size_t>> found(uses.size());
    std::int32_t state = 0;
    const std::size_t width = classes;
    for (std::size_t i = 0; i < text.size(); ++i) {
        state = next[static_cast<std::size_t>(state) * width +
                     byte_class[static_cast<unsigned char>(text[i])]];
        const std::uint32_t from = output_from[state];
        const std::uint32_t to = output_from[state + 1];
        for (std::uint32_t o = from; o < to; ++o) {
            found[outputs[o].rule].push_back(i + 1 - outputs[o].length);
        }
    }
    for (auto& v : found) {
        if (std::is_sorted(v.begin(), v.end())) continue;
        std::sort(v.begin(), v.end());
        v.erase(std::unique(v.begin(), v.end()), v.end());
    }
    return found;
}

void Prefilter::classify_bytes(const Literals& literals) {
    for (const auto& [literal, r] : literals) {
        for (unsigned char c : literal) {
            // Past 255 classes the rest share class 0: more candidates, same matches.
            if (byte_class[c] == 0 && classes < 256) {
                byte_class[c] = static_cast<std::uint8_t>(classes++);
            }
        }
    }
    for (int c = 'A'; c <= 'Z'; ++c) byte_class[c] = byte_class[c - 'A' + 'a'];
}

Prefilter::Trie Prefilter::trie_of(const Literals& literals) const {
    Trie t;
    t.go.assign(1, std::vector<std::int32_t>(classes, -1));
    t.out.resize(1);
    for (const auto& [literal, r] : literals) {
        std::int32_t state = 0;
        for (unsigned char c : literal) {
            const std::uint8_t k = byte_class[c];
            if (t.go[state][k] < 0) {
                t.go[state][k] = static_cast<std::int32_t>(t.go.size());
                t.go.emplace_back(classes, -1);
                t.out.emplace_back();
            }
            state = t.go[state][k];
        }
        t.out[state].push_back({static_cast<std::uint32_t>(literal.size()), r});
    }
    return t;
}

void Prefilter::link_failures(Trie& t) const {
    std::vector<std::int32_t> fail(t.go.size(), 0);
    std::vector<std::int32_t> queue;
    for (std::size_t k = 0; k < classes; ++k) {
        if (t.go[0][k] < 0) {
            t.go[0][k] = 0;
        } else {
            queue.push_back(t.go[0][k]);
        }
    }
    for (std::size_t q = 0; q < queue.size(); ++q) {
        const std::int32_t state = queue[q];
        const auto inherited = t.out[fail[state]];
        t.out[state].insert(t.out[state].end(), inherited.begin(), inherited.end());
        for (std::size_t k = 0; k < classes; ++k) {
            const std::int32_t child = t.go[state][k];
            if (child < 0) {
                t.go[state][k] = t.go[fail[state]][k];
            } else {
                fail[child] = t.go[fail[state]][k];
                queue.push_back(child);
            }
        }
    }
}

void Prefilter::flatten(const Trie& t) {
    next.reserve(t.go.size() * classes);
    for (const auto& row : t.go) next.insert(next.end(), row.begin(), row.end());
    for (const auto& o : t.out) {
        output_from.push_back(static_cast<std::uint32_t>(outputs.size()));
        outputs.insert(outputs.end(), o.begin(), o.end());
    }
    output_from.push_back(static_cast<std::uint32_t>(outputs.size()));
}

}  // namespace twintrack::bot::tone
