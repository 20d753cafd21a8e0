#pragma once
// Runs the real `twintrack` program as a child process: arguments, stdin, captured
// stdout and stderr, signals, and the exit code.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace twintrack::testing {

struct Finished {
    int exit_code = -1;  ///< -1 when killed by a signal
    std::string out;
    std::string err;
};

class Process {
  public:
    /// Starts `program` with `args`; stdout and stderr are captured, stdin is a pipe.
    Process(const std::string& program, const std::vector<std::string>& args);
    ~Process();  ///< kills the process if it still runs
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    /// Waits for a line of stdout containing `needle`; returns that line.
    std::optional<std::string> wait_for_line(const std::string& needle,
                                             std::chrono::milliseconds timeout);
    void write_stdin(const std::string& text);
    void close_stdin();
    void signal(int sig);
    /// Waits for the exit; nothing when it is still running after `timeout`.
    std::optional<Finished> wait(std::chrono::milliseconds timeout);

  private:
    void pump(std::chrono::milliseconds timeout);
    int pid_ = -1;
    int in_ = -1, out_ = -1, err_ = -1;
    std::string out_buf_, err_buf_;
    std::size_t out_seen_ = 0;
    std::optional<Finished> done_;
};

/// Runs a program to completion with `stdin_text`.
Finished run_program(const std::string& program, const std::vector<std::string>& args,
                     const std::string& stdin_text = "",
                     std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace twintrack::testing
