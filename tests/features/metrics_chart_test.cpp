// The weekly metrics picture is a real PNG of the expected size, also with nothing to
// draw; Chinese labels are drawn with a face that has their glyphs.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "bot/features/metrics/chart.hpp"

namespace twintrack::bot::metrics {
namespace {

std::uint32_t big_endian(const std::string& s, std::size_t at) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
    return v;
}

TEST(MetricsChart, IsAPngWithBothPanels) {
    const ChartText text{"Quota attainment by rep", "Incremental sales, last 8 weeks", "no data"};
    for (const bool empty : {false, true}) {
        SCOPED_TRACE(empty ? "empty" : "with data");
        std::vector<ChartBar> reps, weeks;
        if (!empty) {
            reps = {{"Anna", 47}, {"Ben", 128}};
            weeks = {{"10-26", 0}, {"11-02", 190000}};
        }
        const std::string png = metrics_chart_png(reps, weeks, text);
        ASSERT_GT(png.size(), 33u);
        EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
        EXPECT_EQ(png.substr(12, 4), "IHDR");
        EXPECT_EQ(big_endian(png, 16), 800u);  // width
        EXPECT_EQ(big_endian(png, 20), 560u);  // height
    }
    // Different data, different picture.
    EXPECT_NE(metrics_chart_png({{"Anna", 47}}, {}, text),
              metrics_chart_png({{"Anna", 90}}, {}, text));
}

TEST(MetricsChart, ChineseLabelsAreDrawnWithAFaceThatHasTheirGlyphs) {
    // Debian's fonts-wqy-microhei (scripts/install-deps.sh) has them; DejaVu Sans, the
    // usual "sans-serif", has not.
    const std::string family = chart_font_family("李伟 配额完成率");
    EXPECT_NE(family, default_chart_font)
        << "no installed face has Chinese glyphs: install fonts-wqy-microhei";
    EXPECT_EQ(chart_font_family("Anna Becker 47%"), default_chart_font);
    // Missing glyphs are drawn as the same empty box whatever the character, so two
    // different names of the same length give the same picture only when they are boxes.
    const ChartText zh{"按销售代表的配额完成率", "近 8 周增量销售", "暂无数据"};
    EXPECT_TRUE(metrics_chart_png({{"李伟", 80}}, {}, zh) !=
                metrics_chart_png({{"张伟", 80}}, {}, zh))
        << "two Chinese names drew the same picture: their glyphs are empty boxes";
    EXPECT_TRUE(
        metrics_chart_png({}, {}, zh) !=
        metrics_chart_png({}, {}, {"按销售代表的配额完成率", "近 8 周增量销售", "没有数据"}))
        << "two Chinese titles drew the same picture: their glyphs are empty boxes";
}

TEST(MetricsChart, TextNoFaceHasFallsBackToSansSerif) {
    // U+E000 (private use) is in no installed face, and a broken byte is read as U+FFFD,
    // which the usual face has: the chart still draws.
    const std::string private_use = "\xee\x80\x80 \xee\x80\x81";
    EXPECT_EQ(chart_font_family(private_use), default_chart_font);
    const std::string bad_utf8 = "\xff\xfe";
    EXPECT_EQ(chart_font_family(bad_utf8), default_chart_font);
    const std::string png =
        metrics_chart_png({{private_use, 50}}, {}, {private_use, private_use, private_use});
    ASSERT_GT(png.size(), 33u);
    EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
}

}  // namespace
}  // namespace twintrack::bot::metrics
