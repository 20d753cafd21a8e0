// Tone rule files (Vale format, YAML with PCRE2 regexes) as a company writes them into
// config/tone/, loaded as the bot loads them (bot::tone::ToneGuide), then run over a
// text. The input is the rule file; after a line "---8<---" comes the text to check.
// A rule file the guide cannot use must be refused with ToneGuideError, nothing else.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "bot/features/tone/tone_guide.hpp"

namespace tone = twintrack::bot::tone;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string input(reinterpret_cast<const char*>(data), size);
    const std::string cut = "\n---8<---\n";
    const std::size_t at = input.find(cut);
    const std::string rule = input.substr(0, at);
    const std::string text =
        at == std::string::npos
            ? "We are thrilled to announce a game-changing, best-in-class offer. 这是最好的产品！"
            : input.substr(at + cut.size());
    try {
        const auto guide = tone::ToneGuide::from_sources({{"Rule", "config/tone/Rule.yml", rule}});
        for (const auto& f : guide.check(text)) {
            if (f.offset > text.size() || f.length > text.size() - f.offset) std::abort();
        }
        (void)guide.apply_substitutions(text);
    } catch (const tone::ToneGuideError& e) {
        if (e.problems().empty()) std::abort();  // a refusal names what is wrong
    }
    return 0;
}
