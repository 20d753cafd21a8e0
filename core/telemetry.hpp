#pragma once
// Counters, gauges and histograms of one process, rendered in the Prometheus text format
// for `GET /metrics`, and the readiness checks behind `GET /readyz`. Thread-safe: the
// engine and every connector write to it from their own threads.

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace twintrack::core {

/// Label pairs of one series, e.g. {{"connector", "irc"}}.
using Labels = std::vector<std::pair<std::string, std::string>>;

class Telemetry {
  public:
    enum class Type { counter, gauge, histogram };

    Telemetry();

    /// Declares a metric family (type and help line). Families used without it render
    /// as untyped.
    void describe(const std::string& name, Type type, const std::string& help);
    /// Adds `by` to a counter.
    void add(const std::string& name, const Labels& labels = {}, double by = 1);
    /// Sets a gauge.
    void set(const std::string& name, const Labels& labels, double value);
    /// Records one observation (in seconds) in a histogram with fixed buckets from 1 ms
    /// to 10 s.
    void observe(const std::string& name, const Labels& labels, double seconds);
    /// The current value of a counter or gauge (0 when never written); for tests and
    /// readiness.
    double value(const std::string& name, const Labels& labels = {}) const;

    /// Everything, in the Prometheus text exposition format (version 0.0.4).
    std::string render() const;

    /// A named readiness check: returns an empty string when fine, else why not.
    void add_readiness_check(std::string name, std::function<std::string()> check);
    /// Reasons the process is not ready; empty when it is.
    std::vector<std::string> not_ready() const;
    /// The leases this process holds among several on one database (`connector:irc`),
    /// its role, shown by `GET /readyz`.
    void set_leases(std::vector<std::string> held);
    std::vector<std::string> leases() const;

  private:
    struct Histogram {
        std::vector<std::uint64_t> buckets;  ///< cumulative counts are computed at render
        std::uint64_t count = 0;
        double sum = 0;
    };
    struct Family {
        Type type = Type::gauge;
        std::string help;
        bool described = false;
        std::map<Labels, double> values;
        std::map<Labels, Histogram> histograms;
    };

    mutable std::mutex mu_;
    std::map<std::string, Family> families_;
    std::vector<std::pair<std::string, std::function<std::string()>>> checks_;
    std::vector<std::string> leases_;
};

}  // namespace twintrack::core
