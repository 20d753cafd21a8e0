#include "tests/irc/ngircd_fixture.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace twintrack::irc_test {

namespace {

sockaddr_in loopback(int port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return addr;
}

}  // namespace

int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) throw std::runtime_error("socket failed");
    sockaddr_in addr = loopback(0);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        throw std::runtime_error("bind failed");
    }
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

bool port_open(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return false;
    sockaddr_in addr = loopback(port);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}

Ngircd::Ngircd(bool tls) : port_(free_port()) {
    std::string ssl;
    if (tls) {
        tls_port_ = free_port();
        cert_ = dir_.path() + "/cert.pem";
        const std::string key = dir_.path() + "/key.pem";
        const std::string cmd =
            "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "
            "/CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1"
            " -keyout " +
            key + " -out " + cert_ + " >/dev/null 2>&1";
        if (std::system(cmd.c_str()) != 0) throw std::runtime_error("openssl req failed");
        ssl = "[SSL]\n\tCertFile = " + cert_ + "\n\tKeyFile = " + key +
              "\n\tPorts = " + std::to_string(tls_port_) + "\n";
    }
    config_ = dir_.file("ngircd.conf",
                        "[Global]\n"
                        "\tName = irc.twintrack.test\n"
                        "\tInfo = TwinTrack test server\n"
                        "\tAdminInfo1 = TwinTrack tests\n"
                        "\tAdminInfo2 = loopback\n"
                        "\tAdminEMail = tests@example.com\n"
                        "\tListen = 127.0.0.1\n"
                        "\tPorts = " +
                            std::to_string(port_) +
                            "\n"
                            "\tMotdPhrase = \"TwinTrack test server\"\n"
                            "[Limits]\n"
                            "\tMaxConnectionsIP = 0\n"
                            "\tMaxNickLength = 30\n"
                            "\tMaxJoins = 0\n"
                            "\tMaxPenaltyTime = 0\n"
                            "\tPingTimeout = 120\n"
                            "\tPongTimeout = 60\n"
                            "[Options]\n"
                            "\tPAM = no\n"
                            "\tDNS = no\n"
                            "\tIdent = no\n" +
                            ssl);
    log_path_ = dir_.path() + "/ngircd.log";
    start();
}

Ngircd::~Ngircd() { stop(); }

void Ngircd::start() {
    if (pid_ > 0) return;
    const int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        ::dup2(log_fd, 1);
        ::dup2(log_fd, 2);
        const int null = ::open("/dev/null", O_RDONLY);
        ::dup2(null, 0);
        ::execlp("ngircd", "ngircd", "-n", "-f", config_.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ::close(log_fd);
    pid_ = pid;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        if (port_open(port_)) return;
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            throw std::runtime_error("ngircd exited at start:\n" + log());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    reap(SIGKILL);
    throw std::runtime_error("ngircd did not listen on port " + std::to_string(port_) + ":\n" +
                             log());
}

void Ngircd::reap(int sig) {
    if (pid_ <= 0) return;
    ::kill(pid_, sig);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    int status = 0;
    while (std::chrono::steady_clock::now() < deadline) {
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
}

void Ngircd::stop() { reap(SIGTERM); }

void Ngircd::kill() { reap(SIGKILL); }

std::string Ngircd::log() const {
    std::ifstream in(log_path_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace twintrack::irc_test
