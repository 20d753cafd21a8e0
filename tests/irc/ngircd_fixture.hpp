#pragma once
// A real IRC server for tests: Debian's ngircd in the foreground (`ngircd -n -f FILE`) on a
// free loopback port with a generated config, stopped afterwards, restartable on the
// same port.

#include <string>

#include "tests/support/temp_dir.hpp"

namespace twintrack::irc_test {

/// A free TCP port on 127.0.0.1 (bound once, then released).
int free_port();

/// True when something accepts connections on 127.0.0.1:port.
bool port_open(int port);

class Ngircd {
  public:
    /// Writes the config and starts the server; throws when it does not come up. With
    /// `tls`, it also listens with TLS on tls_port(), with a fresh self-signed
    /// certificate for localhost and 127.0.0.1 (ca_file()).
    explicit Ngircd(bool tls = false);
    ~Ngircd();  ///< stops it
    Ngircd(const Ngircd&) = delete;
    Ngircd& operator=(const Ngircd&) = delete;

    int port() const { return port_; }
    int tls_port() const { return tls_port_; }
    const std::string& ca_file() const { return cert_; }
    void start();  ///< starts it (again) on the same port and waits until it accepts
    void stop();   ///< SIGTERM, then SIGKILL after 3 s
    void kill();   ///< SIGKILL at once (a crash)
    bool running() const { return pid_ > 0; }
    std::string log() const;  ///< what ngircd wrote to stdout and stderr

  private:
    void reap(int sig);
    test_support::TempDir dir_;
    int port_ = 0;
    int tls_port_ = 0;
    std::string cert_;
    int pid_ = -1;
    std::string config_;
    std::string log_path_;
};

}  // namespace twintrack::irc_test
