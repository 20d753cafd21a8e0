#pragma once
// Fetching calendars for `calendar import URL` (the bot itself has no network code).

#include <optional>
#include <string>

namespace twintrack::app {

/// GET `url` (http or https only, redirects to http/https only, 10 s timeout, at most
/// 4 MiB). The body on a 2xx answer, else nothing with `error` set.
std::optional<std::string> fetch_calendar_url(const std::string& url, std::string& error);

}  // namespace twintrack::app
