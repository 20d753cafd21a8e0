#include "web/dashboard/dashboard_assets.hpp"

#include <array>

// Defined by the generated dashboard_embed.cpp, in the order of DASHBOARD_FILES.
extern "C" {
extern const char twintrack_dashboard_0[], twintrack_dashboard_0_end[];
extern const char twintrack_dashboard_1[], twintrack_dashboard_1_end[];
extern const char twintrack_dashboard_2[], twintrack_dashboard_2_end[];
extern const char twintrack_dashboard_3[], twintrack_dashboard_3_end[];
}

namespace twintrack::web {
namespace {

std::string_view bytes(const char* begin, const char* end) {
    return {begin, static_cast<std::size_t>(end - begin)};
}

struct Named {
    std::string_view name;
    Asset asset;
};

const std::array<Named, 4>& assets() {
    static const std::array<Named, 4> all = {{
        {"index.html",
         {"text/html; charset=utf-8", bytes(twintrack_dashboard_0, twintrack_dashboard_0_end)}},
        {"dashboard.js",
         {"text/javascript; charset=utf-8",
          bytes(twintrack_dashboard_1, twintrack_dashboard_1_end)}},
        {"dashboard.css",
         {"text/css; charset=utf-8", bytes(twintrack_dashboard_2, twintrack_dashboard_2_end)}},
        {"echarts.min.js",
         {"text/javascript; charset=utf-8",
          bytes(twintrack_dashboard_3, twintrack_dashboard_3_end)}},
    }};
    return all;
}

}  // namespace

const Asset* dashboard_asset(std::string_view name) {
    for (const auto& a : assets()) {
        if (a.name == name) return &a.asset;
    }
    return nullptr;
}

}  // namespace twintrack::web
