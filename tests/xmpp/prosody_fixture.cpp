#include "tests/xmpp/prosody_fixture.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace twintrack::xmpp_test {
namespace {

sockaddr_in loopback(int port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return addr;
}

bool port_open(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return false;
    sockaddr_in addr = loopback(port);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
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

Prosody::Prosody(bool tls, long long upload_limit) : port_(free_port()) {
    const std::string d = dir_.path();
    std::filesystem::create_directories(d + "/data/localhost/accounts");
    std::filesystem::create_directories(d + "/certs");
    std::string ssl = "c2s_require_encryption = false\n";
    if (tls) {
        cert_ = d + "/certs/localhost.crt";
        const std::string key = d + "/certs/localhost.key";
        const std::string cmd =
            "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "
            "/CN=localhost -addext subjectAltName=DNS:localhost,DNS:conference.localhost"
            " -keyout " +
            key + " -out " + cert_ + " >/dev/null 2>&1";
        if (std::system(cmd.c_str()) != 0) throw std::runtime_error("openssl req failed");
        ssl = "c2s_require_encryption = true\nssl = { key = \"" + key + "\"; certificate = \"" +
              cert_ + "\"; }\n";
    }
    // The upload service: its HTTP on a loopback port, reached by address (requests for
    // any Host go to upload.localhost), its URLs written with that address.
    std::string http = "http_ports = { }\n";
    std::string upload;
    if (upload_limit > 0) {
        http_port_ = free_port();
        const std::string p = std::to_string(http_port_);
        http = "http_ports = { " + p +
               " }\n"
               "http_interfaces = { \"127.0.0.1\" }\n"
               "http_default_host = \"upload.localhost\"\n"
               "http_external_url = \"http://127.0.0.1:" +
               p + "/\"\n";
        upload =
            "Component \"upload.localhost\" \"http_file_share\"\n"
            "  http_file_share_size_limit = " +
            std::to_string(upload_limit) + "\n";
    }
    // Port 0 is refused; the other services get ports of their own nobody connects to.
    config_ = dir_.file("prosody.cfg.lua",
                        "run_as_root = true\n"
                        "pidfile = \"" +
                            d +
                            "/prosody.pid\"\n"
                            "data_path = \"" +
                            d +
                            "/data\"\n"
                            "certificates = \"" +
                            d +
                            "/certs\"\n"
                            "log = { debug = \"" +
                            d +
                            "/prosody.log\" }\n"
                            "modules_enabled = { \"roster\"; \"saslauth\"; \"disco\"; "
                            "\"ping\"; \"posix\" }\n" +
                            std::string(tls ? "modules_enabled = { \"roster\"; \"saslauth\"; "
                                              "\"tls\"; \"disco\"; \"ping\"; \"posix\" }\n"
                                            : "modules_disabled = { \"tls\" }\n") +
                            "c2s_ports = { " + std::to_string(port_) +
                            " }\n"
                            "c2s_interfaces = { \"127.0.0.1\" }\n"
                            "s2s_ports = { " +
                            std::to_string(free_port()) +
                            " }\n"
                            "s2s_interfaces = { \"127.0.0.1\" }\n"
                            "component_ports = { }\n" +
                            http +
                            "https_ports = { }\n"
                            "allow_unencrypted_plain_auth = true\n"
                            "authentication = \"internal_plain\"\n"
                            "storage = \"internal\"\n" +
                            ssl +
                            "VirtualHost \"localhost\"\n"
                            "Component \"conference.localhost\" \"muc\"\n"
                            "  modules_enabled = { \"muc_mam\" }\n"
                            "  muc_room_locking = false\n"
                            "  muc_room_default_public_jids = true\n"
                            "  max_history_messages = 50\n" +
                            upload);
    start();
}

Prosody::~Prosody() { stop(); }

void Prosody::add_account(const std::string& user, const std::string& password) {
    std::ofstream(dir_.path() + "/data/localhost/accounts/" + user + ".dat")
        << "return {\n\t[\"password\"] = \"" << password << "\";\n};\n";
}

void Prosody::start() {
    if (pid_ > 0) return;
    const std::string log_path = dir_.path() + "/stdout.log";
    const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        ::dup2(log_fd, 1);
        ::dup2(log_fd, 2);
        const int null = ::open("/dev/null", O_RDONLY);
        ::dup2(null, 0);
        ::execlp("prosody", "prosody", "-F", "--config", config_.c_str(),
                 static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ::close(log_fd);
    pid_ = pid;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
        if (port_open(port_)) return;
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            throw std::runtime_error("prosody exited at start:\n" + log());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    reap(SIGKILL);
    throw std::runtime_error("prosody did not listen on port " + std::to_string(port_) + ":\n" +
                             log());
}

void Prosody::reap(int sig) {
    if (pid_ <= 0) return;
    ::kill(pid_, sig);
    ::kill(pid_, SIGCONT);  // a paused server gets the signal too
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
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

void Prosody::stop() { reap(SIGTERM); }

void Prosody::kill() { reap(SIGKILL); }

void Prosody::pause() {
    if (pid_ > 0) ::kill(pid_, SIGSTOP);
}

void Prosody::resume() {
    if (pid_ > 0) ::kill(pid_, SIGCONT);
}

std::string Prosody::log() const {
    std::stringstream ss;
    for (const char* name : {"/stdout.log", "/prosody.log"}) {
        std::ifstream in(dir_.path() + name);
        ss << in.rdbuf();
    }
    std::string all = ss.str();
    // The tail is what matters.
    return all.size() > 20000 ? all.substr(all.size() - 20000) : all;
}

}  // namespace twintrack::xmpp_test
