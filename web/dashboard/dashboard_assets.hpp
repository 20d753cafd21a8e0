#pragma once
// The dashboard page's built files (web/dashboard, docs/DASHBOARD.md), embedded at build
// time: the hub serves them at /dashboard without reading anything at run time.

#include <string_view>

namespace twintrack::web {

struct Asset {
    std::string_view content_type;
    std::string_view body;
};

/// The file `name` ("index.html", "dashboard.js", "dashboard.css", "echarts.min.js"),
/// or nullptr when there is none of that name.
const Asset* dashboard_asset(std::string_view name);

}  // namespace twintrack::web
