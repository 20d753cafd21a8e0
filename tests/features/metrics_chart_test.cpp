// The weekly metrics picture is a real PNG of the expected size, also with nothing to
// draw.

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

}  // namespace
}  // namespace twintrack::bot::metrics
