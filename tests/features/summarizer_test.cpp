// Extractive summaries of fixed English and Chinese texts keep the sentences a person
// would pick (the ones about what recurs: competitors, pilots, the customer) and drop
// small talk; keywords come from ICU word segmentation, also for Chinese.

#include "bot/features/metrics/summarizer.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace twintrack::bot::metrics {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Not;

std::vector<std::string> texts_of(const Summary& s) {
    std::vector<std::string> out;
    for (const auto& x : s.sentences) out.push_back(x.text);
    return out;
}

TEST(Summarizer, SplitsSentencesInBothLanguages) {
    EXPECT_THAT(split_sentences("Met the CTO. They want a pilot!\nNext: pricing"),
                ElementsAre("Met the CTO.", "They want a pilot!", "Next: pricing"));
    EXPECT_THAT(split_sentences("今天拜访了客户。他们想要试点！价格呢？"),
                ElementsAre("今天拜访了客户。", "他们想要试点！", "价格呢？"));
}

TEST(Summarizer, SegmentsChineseIntoWordsWithoutSpaces) {
    const auto words = content_words("华为给他们提供了免费试点");
    EXPECT_THAT(words, Contains("华为"));
    EXPECT_THAT(words, Contains("试点"));
    EXPECT_THAT(words, Not(Contains("了")));  // function word
    EXPECT_THAT(content_words("The pilot, and 15% off!"), ElementsAre("pilot", "off"));
}

TEST(Summarizer, KeepsTheEnglishSentencesAPersonWouldPick) {
    const std::vector<SourceText> texts = {
        {"Met the ACME CTO today. They compared our price with Huawei and said Huawei is 15% "
         "cheaper. The weather was nice.",
         "#1 Anna"},
        {"ACME wants a case study before the pilot. Huawei offered ACME a free pilot.", "#2 Ben"},
        {"Lunch with the Beta team. Nothing new.", "#3 Anna"},
        {"Gamma asked about the pilot timeline. Huawei was also mentioned at Gamma.", "#4 Ben"},
    };
    const Summary s = summarize(texts, 4);
    EXPECT_EQ(s.sentence_count, 9u);
    // The price comparison, the pilot and Huawei's moves; not the weather or the lunch.
    EXPECT_THAT(
        texts_of(s),
        ElementsAre("They compared our price with Huawei and said Huawei is 15% cheaper.",
                    "ACME wants a case study before the pilot.",
                    "Huawei offered ACME a free pilot.", "Huawei was also mentioned at Gamma."));
    EXPECT_EQ(s.sentences[1].source, "#2 Ben");
    EXPECT_THAT(s.keywords, ElementsAre("acme", "huawei", "pilot", "gamma"));
}

TEST(Summarizer, KeepsTheChineseSentencesAPersonWouldPick) {
    const std::vector<SourceText> texts = {
        {"今天拜访了艾克米的技术总监。他们说华为的报价比我们低百分之十五。天气很好。", "#1 王芳"},
        {"艾克米希望在试点之前看到案例。华为给他们提供了免费试点。", "#2 李伟"},
        {"和贝塔团队吃了午饭。", "#3 王芳"},
        {"伽马询问了试点的时间表。伽马也提到了华为。", "#4 李伟"},
    };
    const Summary s = summarize(texts, 3, 8, {}, {"艾克米"});
    const auto picked = texts_of(s);
    EXPECT_THAT(picked, Contains("华为给他们提供了免费试点。"));
    EXPECT_THAT(picked, Not(Contains("天气很好。")));
    EXPECT_THAT(picked, Not(Contains("和贝塔团队吃了午饭。")));
    EXPECT_THAT(s.keywords, Contains("华为"));
    EXPECT_THAT(s.keywords, Contains("试点"));
    EXPECT_THAT(s.keywords, Contains("艾克米"));  // a known customer name, not 艾克 and 克米
}

TEST(Summarizer, BoostTermsRankEscalationsHigher) {
    const std::vector<SourceText> texts = {
        {"The pilot went well. The pilot team is happy.", "a"},
        {"The customer complained about support and wants to escalate.", "b"},
    };
    const Summary s = summarize(texts, 1, 8, {"escalate"});
    EXPECT_THAT(texts_of(s),
                ElementsAre("The customer complained about support and wants to escalate."));
}

TEST(Summarizer, NothingToSummarise) {
    const Summary s = summarize({}, 5);
    EXPECT_TRUE(s.sentences.empty());
    EXPECT_TRUE(s.keywords.empty());
}

}  // namespace
}  // namespace twintrack::bot::metrics
