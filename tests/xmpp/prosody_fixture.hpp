#pragma once
// A real XMPP server for tests: Debian's Prosody in the foreground (`prosody -F --config
// FILE`) on free loopback ports with a generated config in a temporary folder, accounts
// written for its internal_plain store, a MUC component on conference.localhost; stopped
// afterwards, restartable on the same port (its accounts kept).

#include <string>

#include "tests/support/temp_dir.hpp"

namespace twintrack::xmpp_test {

/// A free TCP port on 127.0.0.1 (bound once, then released).
int free_port();

class Prosody {
  public:
    /// Writes the config and starts the server; throws when it does not come up. With
    /// `tls`, localhost gets a fresh self-signed certificate (ca_file()) and clients must
    /// use STARTTLS.
    /// `upload_limit` > 0: also Prosody's XEP-0363 upload service (mod_http_file_share) as
    /// upload.localhost, files up to that many bytes, its HTTP on 127.0.0.1:http_port().
    explicit Prosody(bool tls = false, long long upload_limit = 0);
    ~Prosody();  ///< stops it
    Prosody(const Prosody&) = delete;
    Prosody& operator=(const Prosody&) = delete;

    int port() const { return port_; }
    const std::string& ca_file() const { return cert_; }
    static std::string domain() { return "localhost"; }
    static std::string muc() { return "conference.localhost"; }
    static std::string upload() { return "upload.localhost"; }
    int http_port() const { return http_port_; }
    /// Creates the account user@localhost with `password` (before or after start).
    void add_account(const std::string& user, const std::string& password);
    void start();   ///< starts it (again) on the same port and waits until it accepts
    void stop();    ///< SIGTERM, then SIGKILL after 5 s
    void kill();    ///< SIGKILL at once (a crash)
    void pause();   ///< SIGSTOP: the server hangs, its connections go silent
    void resume();  ///< SIGCONT after pause()
    std::string log() const;

  private:
    void reap(int sig);
    test_support::TempDir dir_;
    int port_ = 0;
    int http_port_ = 0;
    std::string cert_;
    int pid_ = -1;
    std::string config_;
};

}  // namespace twintrack::xmpp_test
