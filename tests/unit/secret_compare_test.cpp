// Secrets, signatures and tokens are compared in one place: core::equal_constant_time
// (CRYPTO_memcmp). These tests pin its answers and keep every other comparison out of
// the connectors and the bot.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/crypto.hpp"
#include "core/source_dir.hpp"

namespace fs = std::filesystem;
using twintrack::core::equal_constant_time;

TEST(SecretCompare, EqualOnlyWhenEveryByteAndTheLengthAgree) {
    EXPECT_TRUE(equal_constant_time("abc123", "abc123"));
    EXPECT_FALSE(equal_constant_time("abc124", "abc123"));
    EXPECT_FALSE(equal_constant_time("xbc123", "abc123"));
    EXPECT_TRUE(equal_constant_time(std::string("a\0b", 3), std::string("a\0b", 3)));
    EXPECT_FALSE(equal_constant_time(std::string("a\0b", 3), std::string("a\0c", 3)))
        << "bytes after a NUL count";
}

TEST(SecretCompare, UnequalLengthsWithAnEqualPrefixDiffer) {
    EXPECT_FALSE(equal_constant_time("abc12", "abc123")) << "a prefix of the secret";
    EXPECT_FALSE(equal_constant_time("abc1234", "abc123")) << "the secret plus more";
    EXPECT_FALSE(equal_constant_time("", "abc123")) << "nothing presented";
    EXPECT_FALSE(equal_constant_time("abc123", ""));
    EXPECT_FALSE(equal_constant_time("abcabc", "abc")) << "the secret repeated";
    EXPECT_FALSE(equal_constant_time("v0=", "v0=5e8c")) << "a signature's fixed prefix alone";
}

namespace {

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

}  // namespace

// A second constant-time comparison (its own CRYPTO_memcmp, or a hand-written XOR loop
// such as the hub once had) is a second place to get it wrong: the connectors and the
// bot call core::equal_constant_time.
TEST(SecretCompare, NoOtherConstantTimeComparisonInConnectorsOrBot) {
    const fs::path root(twintrack::core::source_dir());
    const std::vector<std::string> banned = {"CRYPTO_memcmp", "tokens_equal",
                                             "constant_time_equal"};
    std::vector<std::string> found;
    for (const char* dir : {"connectors", "bot", "app"}) {
        for (const auto& entry : fs::recursive_directory_iterator(root / dir)) {
            const auto ext = entry.path().extension();
            if (!entry.is_regular_file() || (ext != ".cpp" && ext != ".hpp")) continue;
            const std::string text = read_file(entry.path());
            for (const auto& word : banned) {
                if (text.find(word) != std::string::npos) {
                    found.push_back(fs::relative(entry.path(), root).string() + ": " + word);
                }
            }
        }
    }
    EXPECT_TRUE(found.empty()) << [&] {
        std::string all;
        for (const auto& f : found) all += f + "\n";
        return all;
    }();
}
