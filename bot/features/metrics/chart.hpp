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

/// PNG bytes. `attainment` in percent (a 100% line is drawn), `weekly` oldest first.
std::string metrics_chart_png(const std::vector<ChartBar>& attainment,
                              const std::vector<ChartBar>& weekly, const ChartText& text);

}  // namespace twintrack::bot::metrics
