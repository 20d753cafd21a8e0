#pragma once
// The weekly metrics picture (PNG, drawn with cairo): quota attainment by rep as
// horizontal bars, and incremental sales over the last weeks as columns.

#include <string>
#include <vector>

namespace twintrack::bot::metrics {

struct ChartBar {
    std::string label;
    double value = 0;
};

struct ChartText {
    std::string attainment_title;   ///< "Quota attainment by rep"
    std::string incremental_title;  ///< "Incremental sales, last 8 weeks"
    std::string no_data;            ///< shown where there is nothing to draw
};

/// The face labels are drawn with when nothing else is needed.
constexpr const char* default_chart_font = "sans-serif";

/// The font family the chart draws `text` with (cairo's toy font API, via fontconfig):
/// "sans-serif" for ASCII text; for other text (Chinese names and titles) the first
/// sans-serif face installed that has a glyph for every character, such as WenQuanYi
/// Micro Hei (Debian's fonts-wqy-microhei); "sans-serif" again when no face has them all.
std::string chart_font_family(const std::string& text);

/// PNG bytes. `attainment` in percent (a 100% line is drawn), `weekly` oldest first.
std::string metrics_chart_png(const std::vector<ChartBar>& attainment,
                              const std::vector<ChartBar>& weekly, const ChartText& text);

}  // namespace twintrack::bot::metrics
