#include "connectors/dingtalk/dingtalk_cards.hpp"

#include <cctype>

#include "connectors/http/json_fields.hpp"
#include "core/text.hpp"

namespace twintrack::connectors::dingtalk {
namespace {

using namespace http::json_reading;

// The first `n` code points of valid UTF-8 `s`.
std::string first_code_points(const std::string& s, std::size_t n) {
    std::size_t i = 0, count = 0;
    while (i < s.size() && count < n) {
        const auto c = static_cast<unsigned char>(s[i]);
        i += c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        ++count;
    }
    return s.substr(0, std::min(i, s.size()));
}

std::string title_of(const std::string& text) {
    std::string title = first_code_points(text.substr(0, text.find('\n')), 60);
    return title.empty() ? "TwinTrack" : title;
}

std::string color_of(const std::string& style) {
    if (style == "primary") return "blue";
    if (style == "danger") return "red";
    return "gray";
}

// An option's text in every language the card platform may pick; the label is already in
// the post's locale.
json option_text(const std::string& label) { return {{"zh_CN", label}, {"en_US", label}}; }

}  // namespace

bool valid_card_template_id(const std::string& id) {
    static const std::string suffix = ".schema";
    if (id.size() != 36 + suffix.size()) return false;
    if (id.compare(36, suffix.size(), suffix) != 0) return false;
    for (std::size_t i = 0; i < 36; ++i) {
        const char c = id[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-') return false;
        } else if (!std::isxdigit(static_cast<unsigned char>(c))) {
            return false;
        }
    }
    return true;
}

bool fits_card(const core::Post& post) {
    if (post.actions.empty()) return false;
    if (core::utf8_length(post.text) > max_card_chars) return false;
    std::size_t buttons = 0, menus = 0;
    for (const auto& a : post.actions) {
        if (a.kind == "menu") {
            if (++menus > max_card_menus) return false;
            if (a.options.empty() || a.options.size() > max_menu_options) return false;
            for (const auto& o : a.options) {
                if (o.label.empty() || o.token.empty()) return false;
            }
        } else {
            if (++buttons > max_card_buttons) return false;
            if (a.label.empty() || a.token.empty()) return false;
        }
    }
    return true;
}

json card_params(const core::Post& post) {
    json buttons = json::array(), menus = json::array();
    for (const auto& a : post.actions) {
        if (a.kind == "menu") {
            json options = json::array();
            for (const auto& o : a.options) {
                options.push_back({{"value", o.token}, {"text", option_text(o.label)}});
            }
            menus.push_back({{"placeholder", a.label}, {"options", std::move(options)}});
        } else {
            buttons.push_back({{"label", a.label},
                               {"style", a.style.empty() ? "normal" : a.style},
                               {"color", color_of(a.style)},
                               {"token", a.token},
                               {"confirm", a.confirm},
                               {"confirmYes", a.confirm_yes},
                               {"confirmNo", a.confirm_no}});
        }
    }
    const std::string title = title_of(post.text);
    return {{"title", title},        {"markdown", post.text}, {"buttons", buttons.dump()},
            {"menus", menus.dump()}, {"hasActions", "true"},  {"status", "open"},
            {"resultText", ""},      {"lastMessage", title}};
}

json settled_card_params(const std::string& text) {
    std::string body = text, outcome;
    const auto cut = text.rfind('\n');
    if (cut != std::string::npos) {
        body = text.substr(0, cut);
        outcome = text.substr(cut + 1);
    } else {
        outcome = text;
    }
    return {{"markdown", std::string(core::utf8_prefix(body, 4 * max_card_chars))},
            {"buttons", "[]"},
            {"menus", "[]"},
            {"hasActions", "false"},
            {"status", "settled"},
            {"resultText", outcome},
            {"lastMessage", first_code_points(outcome, 60)}};
}

std::string open_space_id(const std::string& channel) {
    if (!channel.empty() && channel[0] == '@') return "dtv1.card//IM_ROBOT." + channel.substr(1);
    return "dtv1.card//IM_GROUP." + channel;
}

json create_and_deliver_body(const std::string& template_id, const std::string& out_track_id,
                             const std::string& robot_code, const std::string& channel,
                             const json& params) {
    json body = {{"cardTemplateId", template_id},
                 {"outTrackId", out_track_id},
                 {"callbackType", "STREAM"},
                 {"userIdType", 1},
                 {"cardData", {{"cardParamMap", params}}},
                 {"openSpaceId", open_space_id(channel)}};
    const std::string preview = params.is_object() ? string_field(params, "lastMessage") : "";
    if (!preview.empty()) body["lastMessageI18n"] = {{"zh_CN", preview}, {"en_US", preview}};
    if (!channel.empty() && channel[0] == '@') {
        body["imRobotOpenSpaceModel"] = {{"supportForward", false}};
        body["imRobotOpenDeliverModel"] = {{"spaceType", "IM_ROBOT"}, {"robotCode", robot_code}};
    } else {
        body["imGroupOpenSpaceModel"] = {{"supportForward", false}};
        body["imGroupOpenDeliverModel"] = {{"robotCode", robot_code}};
    }
    return body;
}

json update_card_body(const std::string& out_track_id, const json& params) {
    return {{"outTrackId", out_track_id},
            {"cardData", {{"cardParamMap", params}}},
            {"cardUpdateOptions", {{"updateCardDataByKey", true}}},
            {"userIdType", 1}};
}

std::string undelivered_reason(const json& answer) {
    const json& result = object_field(answer, "result");
    const auto list = result.find("deliverResults");
    if (list == result.end() || !list->is_array()) return "";
    for (const auto& r : *list) {
        if (!r.is_object()) continue;
        const auto ok = r.find("success");
        if (ok != r.end() && ok->is_boolean() && !ok->get<bool>()) {
            const std::string why = string_field(r, "errorMsg");
            return why.empty() ? "not delivered to " + string_field(r, "spaceId") : why;
        }
    }
    return "";
}

CardRead read_card_click(const std::string& data, CardClick& out) {
    out = CardClick{};
    const json j = json::parse(data, nullptr, false);
    if (!j.is_object()) return CardRead::not_json;
    out.user_id = string_field(j, "userId");
    out.out_track_id = string_field(j, "outTrackId");
    out.corp_id = string_field(j, "corpId");
    out.space_type = string_field(j, "spaceType");
    out.space_id = string_field(j, "spaceId");
    json content;
    if (j.contains("content") && j["content"].is_string()) {
        content = json::parse(j["content"].get<std::string>(), nullptr, false);
    } else if (j.contains("content")) {
        content = j["content"];
    }
    const json& params = object_field(object_field(content, "cardPrivateData"), "params");
    out.token = string_field(params, "token");
    if (out.user_id.empty() || out.out_track_id.empty() || out.token.empty() ||
        !core::valid_utf8(out.token) || !core::valid_utf8(out.user_id)) {
        return CardRead::incomplete;
    }
    return CardRead::ok;
}

std::string card_ack_data() { return json{{"response", json::object()}}.dump(); }

std::string image_msg_param(const std::string& media_id) {
    return json{{"photoURL", media_id}}.dump();
}

}  // namespace twintrack::connectors::dingtalk
