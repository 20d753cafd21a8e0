#include "core/telemetry.hpp"

#include <cmath>
#include <cstdio>

namespace twintrack::core {
namespace {

constexpr double bucket_bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                    0.25,  0.5,    1,     2.5,  5,     10};
constexpr std::size_t bucket_count = sizeof(bucket_bounds) / sizeof(bucket_bounds[0]);

std::string escape_label(const std::string& v) {
    std::string out;
    for (char c : v) {
        if (c == '\\' || c == '"') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

std::string number(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    if (v == std::floor(v) && std::fabs(v) < 1e15) {
        return std::to_string(static_cast<long long>(v));
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9g", v);
    return buf;
}

std::string series(const std::string& name, const Labels& labels, const std::string& extra = {}) {
    std::string out = name;
    if (labels.empty() && extra.empty()) return out;
    out += '{';
    bool first = true;
    for (const auto& [k, v] : labels) {
        if (!first) out += ',';
        first = false;
        out += k + "=\"" + escape_label(v) + '"';
    }
    if (!extra.empty()) {
        if (!first) out += ',';
        out += extra;
    }
    out += '}';
    return out;
}

const char* type_name(Telemetry::Type t) {
    switch (t) {
        case Telemetry::Type::counter:
            return "counter";
        case Telemetry::Type::histogram:
            return "histogram";
        case Telemetry::Type::gauge:
            break;
    }
    return "gauge";
}

}  // namespace

Telemetry::Telemetry() = default;

void Telemetry::describe(const std::string& name, Type type, const std::string& help) {
    std::lock_guard<std::mutex> lock(mu_);
    auto& f = families_[name];
    f.type = type;
    f.help = help;
    f.described = true;
}

void Telemetry::add(const std::string& name, const Labels& labels, double by) {
    std::lock_guard<std::mutex> lock(mu_);
    families_[name].values[labels] += by;
}

void Telemetry::set(const std::string& name, const Labels& labels, double value) {
    std::lock_guard<std::mutex> lock(mu_);
    families_[name].values[labels] = value;
}

void Telemetry::observe(const std::string& name, const Labels& labels, double seconds) {
    std::lock_guard<std::mutex> lock(mu_);
    auto& h = families_[name].histograms[labels];
    if (h.buckets.empty()) h.buckets.assign(bucket_count, 0);
    for (std::size_t i = 0; i < bucket_count; ++i) {
        if (seconds <= bucket_bounds[i]) {
            ++h.buckets[i];
            break;
        }
    }
    ++h.count;
    h.sum += seconds;
}

double Telemetry::value(const std::string& name, const Labels& labels) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto f = families_.find(name);
    if (f == families_.end()) return 0;
    auto v = f->second.values.find(labels);
    return v == f->second.values.end() ? 0 : v->second;
}

std::string Telemetry::render() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::string out;
    for (const auto& [name, f] : families_) {
        if (f.described) {
            out += "# HELP " + name + " " + f.help + "\n";
            out += "# TYPE " + name + " " + type_name(f.type) + "\n";
        }
        for (const auto& [labels, v] : f.values) {
            out += series(name, labels) + " " + number(v) + "\n";
        }
        for (const auto& [labels, h] : f.histograms) {
            std::uint64_t cumulative = 0;
            for (std::size_t i = 0; i < bucket_count; ++i) {
                cumulative += h.buckets[i];
                out += series(name + "_bucket", labels, "le=\"" + number(bucket_bounds[i]) + "\"") +
                       " " + std::to_string(cumulative) + "\n";
            }
            out += series(name + "_bucket", labels, "le=\"+Inf\"") + " " + std::to_string(h.count) +
                   "\n";
            out += series(name + "_sum", labels) + " " + number(h.sum) + "\n";
            out += series(name + "_count", labels) + " " + std::to_string(h.count) + "\n";
        }
    }
    return out;
}

void Telemetry::add_readiness_check(std::string name, std::function<std::string()> check) {
    std::lock_guard<std::mutex> lock(mu_);
    checks_.emplace_back(std::move(name), std::move(check));
}

std::vector<std::string> Telemetry::not_ready() const {
    std::vector<std::pair<std::string, std::function<std::string()>>> checks;
    {
        std::lock_guard<std::mutex> lock(mu_);
        checks = checks_;
    }
    std::vector<std::string> out;
    for (const auto& [name, check] : checks) {
        std::string why;
        try {
            why = check();
        } catch (const std::exception& e) {
            why = e.what();
        }
        if (!why.empty()) out.push_back(name + ": " + why);
    }
    return out;
}

void Telemetry::set_leases(std::vector<std::string> held) {
    std::lock_guard<std::mutex> lock(mu_);
    leases_ = std::move(held);
}

std::vector<std::string> Telemetry::leases() const {
    std::lock_guard<std::mutex> lock(mu_);
    return leases_;
}

}  // namespace twintrack::core
