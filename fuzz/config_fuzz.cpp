// The YAML config file, read as `twintrack check-config` and `run` read it
// (app::parse_config: every section through core::SectionReader, each connector section
// through its type's validate()). A bad file must give FILE:LINE problems, never a
// crash or an exception.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "app/config.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    // Secrets are ${ENV} references; give the usual ones a value.
    ::setenv("TWINTRACK_HUB_TOKEN", "hub-token-of-32-characters-long!", 1);
    ::setenv("SLACK_BOT_TOKEN", "xoxb-1", 1);
    ::setenv("SLACK_APP_TOKEN", "xapp-1", 1);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    twintrack::app::Config config;
    twintrack::core::ConfigErrors errors;
    const bool ok = twintrack::app::parse_config(text, config, errors);
    if (ok != errors.empty()) std::abort();
    (void)errors.describe("twintrack.yaml");
    return 0;
}
