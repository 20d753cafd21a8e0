#pragma once
// A second real IRC server for tests: Debian's InspIRCd 3 in the foreground
// (`inspircd --nofork --nopid --config FILE`) on a free loopback port with a generated
// config: chanhistory loaded (a channel gets it with `MODE #chan +H 50:1d`), the per-IP
// connection limit raised for loopback, and optionally the IRCv3 tag modules (cap,
// ircv3, ircv3_batch, ircv3_servertime, ircv3_msgid, ircv3_ctctags). InspIRCd refuses to
// run as root, so when the tests run as root the server runs as `nobody`, with its files
// in a temporary folder that user can read.

#include <string>

#include "tests/support/temp_dir.hpp"

namespace twintrack::irc_test {

/// The InspIRCd program, or "" when the package is not installed.
std::string inspircd_program();

class Inspircd {
  public:
    /// Writes the config and starts the server; throws when it does not come up.
    explicit Inspircd(bool ircv3_tags);
    ~Inspircd();  ///< stops it
    Inspircd(const Inspircd&) = delete;
    Inspircd& operator=(const Inspircd&) = delete;

    int port() const { return port_; }
    const std::string& server_name() const { return name_; }
    void start();             ///< starts it and waits until it accepts connections
    void stop();              ///< SIGTERM, then SIGKILL after 3 s
    std::string log() const;  ///< what InspIRCd wrote to stdout and stderr

  private:
    test_support::TempDir dir_;
    std::string name_ = "irc.inspircd.test";
    int port_ = 0;
    int pid_ = -1;
    std::string config_;
    std::string log_path_;
};

}  // namespace twintrack::irc_test
