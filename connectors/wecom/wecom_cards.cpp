#include "connectors/wecom/wecom_cards.hpp"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "core/text.hpp"

namespace twintrack::connectors::wecom {
namespace {

using json = nlohmann::json;

// The first `chars` code points of `s` (whole characters).
std::string first_chars(const std::string& s, std::size_t chars) {
    std::size_t i = 0;
    std::size_t n = 0;
    while (i < s.size() && n < chars) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t len = 1;
        if (c >= 0xF0) {
            len = 4;
        } else if (c >= 0xE0) {
            len = 3;
        } else if (c >= 0xC0) {
            len = 2;
        }
        i = std::min(s.size(), i + len);
        ++n;
    }
    return s.substr(0, i);
}

struct Split {
    std::string title;
    std::string text;
};

// The card's title (the first line, shortened with "…" when over WeCom's recommended
// length; the text then holds the whole post) and text.
Split split_title(const std::string& whole) {
    const std::string body(core::trim(whole));
    const auto nl = body.find('\n');
    const std::string first = body.substr(0, nl);
    const std::string rest =
        nl == std::string::npos ? std::string() : std::string(core::trim(body.substr(nl + 1)));
    if (core::utf8_length(first) <= max_card_title_chars) return {first, rest};
    return {first_chars(first, max_card_title_chars - 1) + "…", body};
}

int button_style(const std::string& style) {
    // 1 blue (primary), 2 grey, 3 red (danger); missing or other values read as 1.
    if (style == "primary") return 1;
    if (style == "danger") return 3;
    return 2;
}

}  // namespace

std::string new_task_id(core::Timestamp now) {
    static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    std::string time;
    for (auto ms = static_cast<unsigned long long>(std::max<std::int64_t>(0, core::to_millis(now)));
         ms > 0; ms /= 36) {
        time.insert(time.begin(), digits[ms % 36]);
    }
    unsigned char random[8] = {};
    if (RAND_bytes(random, sizeof random) != 1) {
        // Practically never; the time and a process-wide counter still keep ids apart.
        static unsigned long long counter = 0;
        const unsigned long long c = ++counter;
        for (std::size_t i = 0; i < sizeof random; ++i) {
            random[i] = static_cast<unsigned char>(c >> (8 * i));
        }
    }
    std::string hex;
    for (unsigned char b : random) {
        hex += digits[b >> 4];
        hex += digits[b & 15];
    }
    return "tt" + (time.empty() ? std::string("0") : time) + "_" + hex;
}

bool valid_task_id(const std::string& id) {
    if (id.empty() || id.size() > max_task_id_bytes) return false;
    return std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-' || c == '@';
    });
}

std::optional<json> button_card(const core::Post& post, const std::string& task_id) {
    if (post.actions.empty() || post.actions.size() > max_card_buttons) return std::nullopt;
    if (!valid_task_id(task_id)) return std::nullopt;
    json buttons = json::array();
    for (const auto& a : post.actions) {
        // A menu's choice reaches WeCom's callback only together with a button press
        // (button_selection), so menus are offered typed.
        if (a.kind != "button" || a.token.empty() || a.label.empty()) return std::nullopt;
        if (a.token.size() > max_button_key_bytes) return std::nullopt;
        buttons.push_back(
            {{"type", 0}, {"text", a.label}, {"style", button_style(a.style)}, {"key", a.token}});
    }
    const Split split = split_title(post.text);
    if (split.title.empty() || core::utf8_length(split.text) > max_card_text_chars) {
        return std::nullopt;
    }
    json card = {{"card_type", "button_interaction"},
                 {"main_title", {{"title", split.title}}},
                 {"task_id", task_id},
                 {"button_list", std::move(buttons)}};
    if (!split.text.empty()) card["sub_title_text"] = split.text;
    return card;
}

json settled_card(const std::string& text, const std::string& task_id) {
    const std::string body(core::trim(text));
    const auto nl = body.rfind('\n');
    const std::string outcome = nl == std::string::npos ? body : body.substr(nl + 1);
    Split split = split_title(body);
    if (core::utf8_length(split.text) > max_card_text_chars) {
        // Keep the outcome whole: shorten what comes before it.
        const std::size_t room = max_card_text_chars > core::utf8_length(outcome) + 2
                                     ? max_card_text_chars - core::utf8_length(outcome) - 2
                                     : 0;
        split.text = first_chars(split.text, room) + "…\n" + outcome;
    }
    const std::string label = first_chars(outcome, max_card_title_chars);
    json card = {
        {"card_type", "button_interaction"},
        {"main_title", {{"title", split.title.empty() ? label : split.title}}},
        {"task_id", task_id},
        {"button_list",
         json::array(
             {{{"type", 0}, {"text", first_chars(label, 10)}, {"style", 2}, {"key", "settled"}}})},
        {"replace_text", label}};
    if (!split.text.empty()) card["sub_title_text"] = split.text;
    return card;
}

std::optional<CardClick> read_card_click(const XmlFields& fields) {
    if (field(fields, "MsgType") != "event" || field(fields, "Event") != "template_card_event") {
        return std::nullopt;
    }
    CardClick click;
    click.user = field(fields, "FromUserName");
    click.key = field(fields, "EventKey");
    click.task_id = field(fields, "TaskId");
    click.card_type = field(fields, "CardType");
    click.response_code = field(fields, "ResponseCode");
    click.create_time = field(fields, "CreateTime");
    if (click.user.empty() || click.key.empty() || !valid_task_id(click.task_id)) {
        return std::nullopt;
    }
    return click;
}

ResponseCodes::ResponseCodes(std::size_t capacity, std::string state_file)
    : capacity_(capacity), state_file_(std::move(state_file)) {
    if (state_file_.empty()) return;
    std::ifstream in(state_file_);
    std::string line;
    while (std::getline(in, line)) {
        const auto space = line.find(' ');
        if (space == std::string::npos) continue;
        const std::string task = line.substr(0, space);
        const std::string code = line.substr(space + 1);
        if (!valid_task_id(task) || code.empty() || code.size() > 1024 ||
            code.find_first_of(" \t\r") != std::string::npos) {
            continue;
        }
        if (codes_.count(task) == 0) order_.push_back(task);
        codes_[task] = code;
    }
    while (codes_.size() > capacity_ && !order_.empty()) {
        codes_.erase(order_.front());
        order_.pop_front();
    }
}

void ResponseCodes::save() const {
    if (state_file_.empty()) return;
    // Written whole and renamed, so a crash leaves the old list or the new one.
    const std::string tmp = state_file_ + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        for (const auto& task : order_) {
            auto it = codes_.find(task);
            if (it != codes_.end()) out << task << ' ' << it->second << '\n';
        }
        if (!out) {
            spdlog::warn("wecom: cannot write the cards' response codes to {}", tmp);
            return;
        }
    }
    if (std::rename(tmp.c_str(), state_file_.c_str()) != 0) {
        spdlog::warn("wecom: cannot replace {}", state_file_);
    }
}

void ResponseCodes::put(const std::string& task_id, const std::string& code) {
    if (task_id.empty() || code.empty()) return;
    if (codes_.count(task_id) == 0) {
        // A dropped task's old place would evict its new code too early.
        order_.erase(std::remove(order_.begin(), order_.end(), task_id), order_.end());
        order_.push_back(task_id);
    }
    codes_[task_id] = code;
    while (codes_.size() > capacity_ && !order_.empty()) {
        codes_.erase(order_.front());
        order_.pop_front();
    }
    // Dropped ids linger in order_; keep it from growing without bound.
    if (order_.size() > 2 * capacity_ + 16) {
        std::deque<std::string> kept;
        for (const auto& id : order_) {
            if (codes_.count(id) != 0) kept.push_back(id);
        }
        order_.swap(kept);
    }
    save();
}

std::string ResponseCodes::get(const std::string& task_id) const {
    auto it = codes_.find(task_id);
    return it == codes_.end() ? std::string() : it->second;
}

void ResponseCodes::drop(const std::string& task_id) {
    if (codes_.erase(task_id) != 0) save();
}

}  // namespace twintrack::connectors::wecom
