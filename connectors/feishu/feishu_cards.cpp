#include "connectors/feishu/feishu_cards.hpp"

#include "connectors/http/json_fields.hpp"
#include "core/text.hpp"

namespace twintrack::connectors::feishu {

using namespace http::json_reading;

namespace {

json plain(const std::string& text) { return {{"tag", "plain_text"}, {"content", text}}; }

json card_with(const std::string& text, json elements_after) {
    json elements = json::array({{{"tag", "div"}, {"text", plain(text)}}});
    for (auto& e : elements_after) elements.push_back(std::move(e));
    return {{"config", {{"wide_screen_mode", true}, {"update_multi", true}}},
            {"elements", std::move(elements)}};
}

}  // namespace

json action_card(const std::string& text, const std::vector<core::Action>& actions) {
    json row = json::array();
    for (const auto& a : actions) {
        if (a.kind == "menu") {
            json options = json::array();
            for (const auto& o : a.options) {
                if (!o.token.empty())
                    options.push_back({{"text", plain(o.label)}, {"value", o.token}});
            }
            if (options.empty()) continue;
            row.push_back({{"tag", "select_static"},
                           {"placeholder", plain(a.label)},
                           {"options", std::move(options)}});
        } else {
            if (a.token.empty()) continue;
            json button = {{"tag", "button"},
                           {"text", plain(a.label)},
                           {"type", a.style.empty() ? "default" : a.style},
                           {"value", {{"tt", a.token}}}};
            if (!a.confirm.empty()) {
                button["confirm"] = {{"title", plain(a.label)}, {"text", plain(a.confirm)}};
            }
            row.push_back(std::move(button));
        }
    }
    json after = json::array();
    if (!row.empty()) after.push_back({{"tag", "action"}, {"actions", std::move(row)}});
    return card_with(text, std::move(after));
}

json text_card(const std::string& text) {
    json card = card_with(text, json::array());
    if (card.dump().size() <= card_max_bytes) return card;
    // JSON escapes make a card longer than its text: the longest prefix (on a character
    // boundary) whose card fits, by bisection.
    std::size_t fits = 0;
    std::size_t over = text.size();
    while (over - fits > 1) {
        const std::size_t mid = fits + (over - fits) / 2;
        const std::string_view prefix = core::utf8_prefix(text, mid);
        if (card_with(std::string(prefix), json::array()).dump().size() <= card_max_bytes) {
            fits = mid;
        } else {
            over = mid;
        }
    }
    return card_with(std::string(core::utf8_prefix(text, fits)), json::array());
}

std::optional<json> card_for(const std::string& text, const std::vector<core::Action>& actions) {
    json card = action_card(text, actions);
    if (card["elements"].size() < 2) return std::nullopt;  // no action row
    if (card.dump().size() > card_max_bytes) return std::nullopt;
    return card;
}

std::optional<CardAction> read_card_action(const json& event) {
    const json& action = object_field(event, "action");
    const json& context = object_field(event, "context");
    CardAction c;
    c.open_id = string_field(object_field(event, "operator"), "open_id");
    c.message_id = string_field(context, "open_message_id");
    c.chat_id = string_field(context, "open_chat_id");
    // A menu's choice is `option`; a button's token is in its value object.
    c.token = string_field(action, "option");
    if (c.token.empty()) c.token = string_field(object_field(action, "value"), "tt");
    if (c.open_id.empty() || c.message_id.empty() || c.token.empty()) return std::nullopt;
    return c;
}

}  // namespace twintrack::connectors::feishu
