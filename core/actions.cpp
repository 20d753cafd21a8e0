#include <string>

#include "core/types.hpp"

namespace twintrack::core {
namespace {

std::string text_of(const nlohmann::json& o, const char* name) {
    const auto it = o.find(name);
    return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

void put(nlohmann::json& o, const char* name, const std::string& value) {
    if (!value.empty()) o[name] = value;
}

}  // namespace

nlohmann::json actions_to_json(const std::vector<Action>& actions) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& a : actions) {
        nlohmann::json o = {{"kind", a.kind}, {"label", a.label}};
        put(o, "style", a.style);
        put(o, "confirm", a.confirm);
        put(o, "confirm_yes", a.confirm_yes);
        put(o, "confirm_no", a.confirm_no);
        put(o, "token", a.token);
        put(o, "typed", a.typed);
        if (!a.options.empty()) {
            nlohmann::json options = nlohmann::json::array();
            for (const auto& opt : a.options) {
                nlohmann::json x = {{"label", opt.label}, {"token", opt.token}};
                put(x, "typed", opt.typed);
                options.push_back(std::move(x));
            }
            o["options"] = std::move(options);
        }
        out.push_back(std::move(o));
    }
    return out;
}

std::vector<Action> actions_from_json(const nlohmann::json& value) {
    std::vector<Action> out;
    if (!value.is_array()) return out;
    for (const auto& o : value) {
        if (!o.is_object()) continue;
        Action a;
        a.kind = text_of(o, "kind") == "menu" ? "menu" : "button";
        a.label = text_of(o, "label");
        a.style = text_of(o, "style");
        a.confirm = text_of(o, "confirm");
        a.confirm_yes = text_of(o, "confirm_yes");
        a.confirm_no = text_of(o, "confirm_no");
        a.token = text_of(o, "token");
        a.typed = text_of(o, "typed");
        if (const auto it = o.find("options"); it != o.end() && it->is_array()) {
            for (const auto& x : *it) {
                if (!x.is_object()) continue;
                a.options.push_back(
                    {text_of(x, "label"), text_of(x, "token"), text_of(x, "typed")});
            }
        }
        out.push_back(std::move(a));
    }
    return out;
}

}  // namespace twintrack::core
