#include "connectors/slack/slack_blocks.hpp"

#include <algorithm>

#include "connectors/http/json_fields.hpp"
#include "core/text.hpp"

namespace twintrack::connectors::slack {
namespace {

using namespace http::json_reading;

// The bytes of the first `n` characters (code points) of valid UTF-8 `s`.
std::size_t prefix_bytes(const std::string& s, std::size_t n) {
    std::size_t i = 0;
    for (std::size_t chars = 0; i < s.size() && chars < n; ++chars) {
        const auto c = static_cast<unsigned char>(s[i]);
        i += c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    }
    return std::min(i, s.size());
}

// At most `max` characters of valid UTF-8 `s`, "…" marking a cut.
std::string clip(const std::string& s, std::size_t max) {
    if (core::utf8_length(s) <= max) return s;
    return s.substr(0, prefix_bytes(s, max - 1)) + "\u2026";
}

json plain(const std::string& text, std::size_t max) {
    return {{"type", "plain_text"}, {"text", clip(text.empty() ? "-" : text, max)}};
}

// The text in sections of at most 3,000 characters, cut at line ends where possible.
void add_sections(json& blocks, const std::string& mrkdwn) {
    std::string rest = mrkdwn.empty() ? " " : mrkdwn;
    while (!rest.empty()) {
        std::string piece;
        if (core::utf8_length(rest) <= max_section_chars) {
            piece = std::move(rest);
            rest.clear();
        } else {
            std::string head = rest.substr(0, prefix_bytes(rest, max_section_chars));
            const auto nl = head.rfind('\n');
            if (nl != std::string::npos && nl > head.size() / 2) head.resize(nl + 1);
            piece = head;
            rest.erase(0, head.size());
        }
        blocks.push_back({{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", piece}}}});
    }
}

}  // namespace

std::optional<json> action_blocks(const std::string& mrkdwn,
                                  const std::vector<core::Action>& actions) {
    json blocks = json::array();
    add_sections(blocks, mrkdwn);
    json elements = json::array();
    std::size_t n = 0;
    auto flush = [&] {
        if (elements.empty()) return;
        blocks.push_back({{"type", "actions"},
                          {"block_id", "tt-actions-" + std::to_string(blocks.size())},
                          {"elements", std::move(elements)}});
        elements = json::array();
    };
    for (const auto& a : actions) {
        const std::string action_id = "tt-" + std::to_string(n++);
        if (a.kind == "menu") {
            if (a.options.empty() || a.options.size() > max_menu_options) return std::nullopt;
            json options = json::array();
            for (const auto& o : a.options) {
                if (o.token.empty() || o.token.size() > max_option_value) return std::nullopt;
                options.push_back({{"text", plain(o.label, 75)}, {"value", o.token}});
            }
            elements.push_back({{"type", "static_select"},
                                {"action_id", action_id},
                                {"placeholder", plain(a.label, 150)},
                                {"options", std::move(options)}});
        } else {
            if (a.token.empty() || a.token.size() > max_button_value) return std::nullopt;
            json button = {{"type", "button"},
                           {"action_id", action_id},
                           {"text", plain(a.label, 75)},
                           {"value", a.token}};
            if (a.style == "primary" || a.style == "danger") button["style"] = a.style;
            if (!a.confirm.empty()) {
                button["confirm"] = {
                    {"title", plain(a.label, 100)},
                    {"text", plain(a.confirm, 300)},
                    {"confirm", plain(a.confirm_yes.empty() ? a.label : a.confirm_yes, 30)},
                    {"deny", plain(a.confirm_no.empty() ? "\u2715" : a.confirm_no, 30)}};
                if (a.style == "danger") button["confirm"]["style"] = "danger";
            }
            elements.push_back(std::move(button));
        }
        if (elements.size() == max_elements_per_actions) flush();
    }
    flush();
    if (blocks.size() > max_blocks) return std::nullopt;
    return blocks;
}

json text_blocks(const std::string& mrkdwn) {
    json blocks = json::array();
    add_sections(blocks, mrkdwn);
    if (blocks.size() > max_blocks) blocks.erase(blocks.begin() + max_blocks, blocks.end());
    return blocks;
}

std::vector<BlockAction> read_block_actions(const json& payload) {
    std::vector<BlockAction> out;
    if (!payload.is_object() || string_field(payload, "type") != "block_actions") return out;
    const json& container = object_field(payload, "container");
    const json& message = object_field(payload, "message");
    BlockAction base;
    base.user = string_field(object_field(payload, "user"), "id");
    base.channel = string_field(object_field(payload, "channel"), "id");
    if (base.channel.empty()) base.channel = string_field(container, "channel_id");
    base.message_ts = string_field(container, "message_ts");
    if (base.message_ts.empty()) base.message_ts = string_field(message, "ts");
    base.thread_ts = string_field(container, "thread_ts");
    if (base.thread_ts.empty()) base.thread_ts = string_field(message, "thread_ts");
    base.direct = !base.channel.empty() && base.channel[0] == 'D';
    if (base.user.empty() || base.channel.empty() || base.message_ts.empty()) return out;
    const auto actions = payload.find("actions");
    if (actions == payload.end() || !actions->is_array()) return out;
    for (const auto& a : *actions) {
        if (!a.is_object()) continue;
        BlockAction click = base;
        click.action_ts = string_field(a, "action_ts");
        const std::string type = string_field(a, "type");
        if (type == "button") {
            click.token = string_field(a, "value");
        } else if (type == "static_select") {
            click.token = string_field(object_field(a, "selected_option"), "value");
        }
        if (click.token.empty() || click.action_ts.empty()) continue;
        out.push_back(std::move(click));
    }
    return out;
}

}  // namespace twintrack::connectors::slack
