// The number reader shared by report extraction and command arguments: Arabic and
// Chinese numerals, mixed forms, separators, multipliers and ranges.

#include "core/numbers.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace twintrack::core {
namespace {

TEST(Numbers, ReadsWholeTextsInBothNumeralSystems) {
    struct Case {
        std::string text;
        std::optional<double> value;
    };
    const std::vector<Case> cases = {
        {"120000", 120000},
        {"120,000", 120000},
        {"1,200,000.50", 1200000.5},
        {" 1.5 ", 1.5},
        {"12万", 120000},
        {"1.5万", 15000},
        {"3千5", 3500},
        {"1万2000", 12000},
        {"2亿", 2e8},
        {"十二万", 120000},
        {"十", 10},
        {"十五", 15},
        {"二十", 20},
        {"一百二十", 120},
        {"一百五", 150},
        {"两千五", 2500},
        {"三万五", 35000},
        {"三万五千", 35000},
        {"九千八百", 9800},
        {"一千零五", 1005},
        {"一千零五十", 1050},
        {"两百万", 2000000},
        {"二十亿", 2e9},
        {"一万亿", 1e12},
        {"零", 0},
        {"〇", 0},
        {"七五", 75},
        {"二〇二六", 2026},
        {"六点五", 6.5},
        {"十二点五", 12.5},
        {"3k", 3000},
        {"12K", 12000},
        {"1.2m", 1200000},
        {"2.5M", 2500000},
        {"3mn", 3000000},
        {"1.2bn", 1.2e9},
        {"1.5 million", 1500000},
        {"2 billion", 2e9},
        {"5 thousand", 5000},
        {"3 millions", 3000000},
        // Not one number.
        {"", std::nullopt},
        {"abc", std::nullopt},
        {"万", std::nullopt},
        {"万一", std::nullopt},
        {"2.5.1", std::nullopt},
        {"12x", std::nullopt},
        {"5kg", std::nullopt},
        {"1,2345", std::nullopt},
        {"12万 USD", std::nullopt},
        {"3 m", std::nullopt},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        const auto v = parse_number(c.text);
        ASSERT_EQ(v.has_value(), c.value.has_value());
        if (v) {
            EXPECT_DOUBLE_EQ(*v, *c.value);
        }
    }
}

TEST(Numbers, ReadsANumberInsideATextAndSaysWhereItEnds) {
    struct Case {
        std::string text;
        std::size_t at;
        double value;
        std::string rest;  // what follows the number
        bool chinese;
    };
    const std::vector<Case> cases = {
        {"报价50万元", 6, 500000, "元", true},
        {"打八五折", 3, 85, "折", true},
        {"8.5折", 0, 8.5, "折", false},
        {"降了两成", 6, 2, "成", true},
        {"$12,000 off", 1, 12000, " off", false},
        {"12k USD", 0, 12000, " USD", false},
        {"1.5 million yuan", 0, 1500000, " yuan", false},
        {"3千5元", 0, 3500, "元", true},
        {"三点半", 0, 3, "点半", true},
        {"5 months", 0, 5, " months", false},
        {"千万别降价", 0, 1e7, "别降价", true},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        const auto n = read_number(c.text, c.at);
        ASSERT_TRUE(n.has_value());
        EXPECT_DOUBLE_EQ(n->value, c.value);
        EXPECT_EQ(n->begin, c.at);
        EXPECT_EQ(c.text.substr(n->end), c.rest);
        EXPECT_EQ(n->chinese, c.chinese);
    }
    EXPECT_FALSE(read_number("version 2.5.1", 8).has_value());
    EXPECT_FALSE(read_number("in case 万一", 8).has_value());
    EXPECT_FALSE(read_number("no number", 0).has_value());
}

TEST(Numbers, ReadsRangesWithTheGivenConnectors) {
    const std::vector<std::string> connectors = {"-", "–", "~", "～", "到", "至", "to"};
    struct Case {
        std::string text;
        std::optional<std::pair<double, double>> range;
        std::string rest;
    };
    const std::vector<Case> cases = {
        {"10-15%", std::make_pair(10.0, 15.0), "%"},
        {"10 - 15 %", std::make_pair(10.0, 15.0), " %"},
        {"10–15%", std::make_pair(10.0, 15.0), "%"},
        {"5~8%", std::make_pair(5.0, 8.0), "%"},
        {"一到两成", std::make_pair(1.0, 2.0), "成"},
        {"七到八折", std::make_pair(7.0, 8.0), "折"},
        {"10至15%", std::make_pair(10.0, 15.0), "%"},
        {"10 to 15 percent", std::make_pair(10.0, 15.0), " percent"},
        {"12,000-15,000 yuan", std::make_pair(12000.0, 15000.0), " yuan"},
        {"10to15", std::nullopt, ""},
        {"10% off", std::nullopt, ""},
        {"10-", std::nullopt, ""},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        const auto r = read_range(c.text, 0, connectors);
        ASSERT_EQ(r.has_value(), c.range.has_value());
        if (!r) continue;
        EXPECT_DOUBLE_EQ(r->low.value, c.range->first);
        EXPECT_DOUBLE_EQ(r->high.value, c.range->second);
        EXPECT_EQ(c.text.substr(r->high.end), c.rest);
    }
}

}  // namespace
}  // namespace twintrack::core
