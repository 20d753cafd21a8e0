// The chart functions as the program has them: the drawing (cairo, with pixman, FreeType,
// fontconfig and the X11 libraries behind it) lives in the module
// twintrack_chart_module.so (chart.cpp, chart_module.cpp), loaded the first time a chart
// is drawn. Without the module the weekly post goes out without its picture and the log
// says why.

#include <spdlog/spdlog.h>

#include "bot/features/metrics/chart.hpp"
#include "core/module_loader.hpp"

namespace twintrack::bot::metrics {
namespace {

struct ChartModule {
    std::string (*font_family)(const std::string&);
    std::string (*png)(const std::vector<ChartBar>&, const std::vector<ChartBar>&,
                       const ChartText&);
};

/// The module's functions; throws core::ModuleMissing.
const ChartModule& module() {
    void* entry = core::module_entry("twintrack_chart_module.so", "twintrack_chart_module_v1");
    return *reinterpret_cast<const ChartModule* (*)()>(entry)();
}

}  // namespace

std::string chart_font_family(const std::string& text) {
    try {
        return module().font_family(text);
    } catch (const core::ModuleMissing& e) {
        spdlog::error("metrics chart: {}", e.what());
        return default_chart_font;
    }
}

std::string metrics_chart_png(const std::vector<ChartBar>& attainment,
                              const std::vector<ChartBar>& weekly, const ChartText& text) {
    try {
        return module().png(attainment, weekly, text);
    } catch (const core::ModuleMissing& e) {
        spdlog::error("metrics chart: not drawn, {}", e.what());
        return "";
    }
}

}  // namespace twintrack::bot::metrics
