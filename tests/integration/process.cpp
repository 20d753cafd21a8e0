#include "tests/integration/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>

namespace twintrack::testing {

Process::Process(const std::string& program, const std::vector<std::string>& args) {
    int in[2], out[2], err[2];
    if (pipe(in) || pipe(out) || pipe(err)) throw std::runtime_error("pipe failed");
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        dup2(err[1], 2);
        for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) close(fd);
        std::vector<char*> argv;
        argv.push_back(const_cast<char*>(program.c_str()));
        for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        execv(program.c_str(), argv.data());
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    close(err[1]);
    in_ = in[1];
    out_ = out[0];
    err_ = err[0];
    fcntl(out_, F_SETFL, O_NONBLOCK);
    fcntl(err_, F_SETFL, O_NONBLOCK);
}

Process::~Process() {
    if (!done_ && pid_ > 0) {
        ::kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }
    for (int fd : {in_, out_, err_}) {
        if (fd >= 0) close(fd);
    }
}

void Process::pump(std::chrono::milliseconds timeout) {
    pollfd fds[2] = {{out_, POLLIN, 0}, {err_, POLLIN, 0}};
    if (poll(fds, 2, static_cast<int>(timeout.count())) <= 0) return;
    char buf[4096];
    for (int i = 0; i < 2; ++i) {
        for (;;) {
            const ssize_t n = read(fds[i].fd, buf, sizeof buf);
            if (n <= 0) break;
            (i == 0 ? out_buf_ : err_buf_).append(buf, static_cast<std::size_t>(n));
        }
    }
}

std::optional<std::string> Process::wait_for_line(const std::string& needle,
                                                  std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        for (std::size_t eol; (eol = out_buf_.find('\n', out_seen_)) != std::string::npos;) {
            const std::string line = out_buf_.substr(out_seen_, eol - out_seen_);
            out_seen_ = eol + 1;
            if (line.find(needle) != std::string::npos) return line;
        }
        if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
        pump(std::chrono::milliseconds(50));
        int status;
        if (!done_ && waitpid(pid_, &status, WNOHANG) == pid_) {
            pump(std::chrono::milliseconds(0));
            done_ = Finished{WIFEXITED(status) ? WEXITSTATUS(status) : -1, out_buf_, err_buf_};
        }
        if (done_ && out_buf_.find('\n', out_seen_) == std::string::npos) return std::nullopt;
    }
}

void Process::write_stdin(const std::string& text) {
    if (in_ >= 0 && ::write(in_, text.data(), text.size()) < 0) {
        throw std::runtime_error("write to child failed");
    }
}

void Process::close_stdin() {
    if (in_ >= 0) close(in_);
    in_ = -1;
}

void Process::signal(int sig) {
    if (!done_) ::kill(pid_, sig);
}

std::optional<Finished> Process::wait(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done_) {
        pump(std::chrono::milliseconds(20));
        int status;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
            pump(std::chrono::milliseconds(0));
            done_ = Finished{WIFEXITED(status) ? WEXITSTATUS(status) : -1, out_buf_, err_buf_};
            break;
        }
        if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    }
    pump(std::chrono::milliseconds(0));
    done_->out = out_buf_;
    done_->err = err_buf_;
    return done_;
}

Finished run_program(const std::string& program, const std::vector<std::string>& args,
                     const std::string& stdin_text, std::chrono::milliseconds timeout) {
    Process p(program, args);
    p.write_stdin(stdin_text);
    p.close_stdin();
    auto f = p.wait(timeout);
    if (!f) throw std::runtime_error(program + " did not finish in time");
    return *f;
}

}  // namespace twintrack::testing
