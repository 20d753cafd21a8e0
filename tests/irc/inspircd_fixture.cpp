#include "tests/irc/inspircd_fixture.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/irc/ngircd_fixture.hpp"

namespace twintrack::irc_test {

std::string inspircd_program() {
    for (const char* p : {"/usr/sbin/inspircd", "/usr/bin/inspircd"}) {
        if (::access(p, X_OK) == 0) return p;
    }
    return "";
}

Inspircd::Inspircd(bool ircv3_tags) : port_(free_port()) {
    std::string modules =
        "<module name=\"chanhistory\">\n"
        "<chanhistory maxlines=\"50\" prefixmsg=\"yes\" bots=\"yes\">\n";
    if (ircv3_tags) {
        for (const char* m :
             {"cap", "ircv3", "ircv3_batch", "ircv3_servertime", "ircv3_msgid", "ircv3_ctctags"}) {
            modules += "<module name=\"" + std::string(m) + "\">\n";
        }
    }
    config_ = dir_.file(
        "inspircd.conf",
        "<server name=\"" + name_ +
            "\" description=\"TwinTrack test server\" network=\"TwinTrackTest\">\n"
            "<admin name=\"tests\" nick=\"tests\" email=\"tests@example.com\">\n"
            "<bind address=\"127.0.0.1\" port=\"" +
            std::to_string(port_) +
            "\" type=\"clients\">\n"
            // Every test client comes from 127.0.0.1: no per-IP limit, no flood penalty.
            "<connect allow=\"*\" timeout=\"60\" threshold=\"1000\" pingfreq=\"120\" "
            "hardsendq=\"1048576\" softsendq=\"1048576\" recvq=\"65536\" localmax=\"1000\" "
            "globalmax=\"1000\" commandrate=\"100000\" fakelag=\"no\" useident=\"no\" "
            "resolvehostnames=\"no\">\n"
            "<dns timeout=\"1\">\n"
            "<options>\n<security>\n<performance>\n" +
            modules);
    log_path_ = dir_.path() + "/inspircd.log";
    // The server may run as `nobody`: it must be able to read its folder and config.
    ::chmod(dir_.path().c_str(), 0755);
    ::chmod(config_.c_str(), 0644);
    start();
}

Inspircd::~Inspircd() { stop(); }

void Inspircd::start() {
    if (pid_ > 0) return;
    const std::string program = inspircd_program();
    if (program.empty()) throw std::runtime_error("inspircd is not installed");
    uid_t uid = 0;
    gid_t gid = 0;
    if (::geteuid() == 0) {
        const passwd* nobody = ::getpwnam("nobody");
        if (nobody == nullptr) throw std::runtime_error("no user nobody to run inspircd as");
        uid = nobody->pw_uid;
        gid = nobody->pw_gid;
    }
    const int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        ::dup2(log_fd, 1);
        ::dup2(log_fd, 2);
        const int null = ::open("/dev/null", O_RDONLY);
        ::dup2(null, 0);
        if (uid != 0) {
            if (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0) {
                ::_exit(126);
            }
        }
        ::execl(program.c_str(), program.c_str(), "--nofork", "--nopid", "--config",
                config_.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ::close(log_fd);
    pid_ = pid;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (std::chrono::steady_clock::now() < deadline) {
        if (port_open(port_)) return;
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            throw std::runtime_error("inspircd exited at start:\n" + log());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    stop();
    throw std::runtime_error("inspircd did not listen on port " + std::to_string(port_) + ":\n" +
                             log());
}

void Inspircd::stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
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

std::string Inspircd::log() const {
    std::ifstream in(log_path_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace twintrack::irc_test
