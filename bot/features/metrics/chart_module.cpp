// The entry point of twintrack_chart_module.so: chart.cpp's functions, which the program
// reaches through chart_loader.cpp.

#include "bot/features/metrics/chart.hpp"

namespace twintrack::bot::metrics {
namespace {

struct ChartModule {
    std::string (*font_family)(const std::string&);
    std::string (*png)(const std::vector<ChartBar>&, const std::vector<ChartBar>&,
                       const ChartText&);
};

const ChartModule functions{&chart_font_family, &metrics_chart_png};

}  // namespace
}  // namespace twintrack::bot::metrics

extern "C" __attribute__((visibility("default"))) const void* twintrack_chart_module_v1() {
    return &twintrack::bot::metrics::functions;
}
