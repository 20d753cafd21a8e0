#include "connectors/hub/hub_protocol.hpp"

#include <boost/asio/ip/address.hpp>
#include <cstdint>

#include "core/text.hpp"

namespace twintrack::connectors::hub {
namespace {

// Decodes the code point at s[i] of valid UTF-8 and returns its length.
std::size_t next_code_point(std::string_view s, std::size_t i, char32_t& cp) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    std::size_t len = 1;
    if (b0 < 0x80) {
        cp = b0;
        return 1;
    }
    if ((b0 & 0xE0) == 0xC0) {
        len = 2, cp = b0 & 0x1F;
    } else if ((b0 & 0xF0) == 0xE0) {
        len = 3, cp = b0 & 0x0F;
    } else {
        len = 4, cp = b0 & 0x07;
    }
    for (std::size_t k = 1; k < len && i + k < s.size(); ++k) {
        cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    }
    return len;
}

bool is_space_or_control(char32_t cp) {
    if (cp < 0x20 || cp == 0x20 || (cp >= 0x7F && cp <= 0xA0)) return true;
    switch (cp) {
        case 0x1680:
        case 0x2028:
        case 0x2029:
        case 0x202F:
        case 0x205F:
        case 0x3000:
        case 0xFEFF:
            return true;
        default:
            return cp >= 0x2000 && cp <= 0x200B;
    }
}

std::string name_problem(std::string_view what, std::string_view s, std::size_t max_bytes) {
    if (s.empty()) return std::string(what) + " is empty";
    if (s.size() > max_bytes) {
        return std::string(what) + " is longer than " + std::to_string(max_bytes) + " bytes";
    }
    if (!core::valid_utf8(s)) return std::string(what) + " is not valid UTF-8";
    for (std::size_t i = 0; i < s.size();) {
        char32_t cp = 0;
        i += next_code_point(s, i, cp);
        if (is_space_or_control(cp)) {
            return std::string(what) + " must not contain spaces or control characters";
        }
    }
    return {};
}

bool ascii_iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

// Length of a mention separator at s[i]: ASCII space/tab/newline, ':' or ',', the
// full-width colon and comma, or the ideographic space. 0 when there is none.
std::size_t separator_length(std::string_view s, std::size_t i) {
    const char c = s[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ':' || c == ',') return 1;
    for (std::string_view wide : {"\xEF\xBC\x9A", "\xEF\xBC\x8C", "\xE3\x80\x80"}) {
        if (s.substr(i, wide.size()) == wide) return wide.size();
    }
    return 0;
}

}  // namespace

const char* to_string(ErrorCode code) {
    switch (code) {
        case ErrorCode::bad_request:
            return "bad_request";
        case ErrorCode::unknown_type:
            return "unknown_type";
        case ErrorCode::not_authenticated:
            return "not_authenticated";
        case ErrorCode::unauthorized:
            return "unauthorized";
        case ErrorCode::too_long:
            return "too_long";
        case ErrorCode::unknown_channel:
            return "unknown_channel";
        case ErrorCode::hello_timeout:
            return "hello_timeout";
        case ErrorCode::session_ended:
            return "session_ended";
    }
    return "bad_request";
}

nlohmann::json error_frame(ErrorCode code, const std::string& message,
                           const std::string& client_id) {
    nlohmann::json frame = {{"type", "error"}, {"code", to_string(code)}, {"message", message}};
    if (!client_id.empty()) frame["client_id"] = client_id;
    return frame;
}

std::string dump_json(const nlohmann::json& value) {
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

// A JSON string as nlohmann's serializer writes valid UTF-8 (no ASCII escaping): the
// two-character escapes, \u00xx for other control characters, everything else as is.
// Text that is not valid UTF-8 goes through dump_json(), which replaces bad bytes.
void append_json_string(std::string& out, std::string_view s) {
    if (!core::valid_utf8(s)) {
        out += dump_json(std::string(s));
        return;
    }
    static const char hex[] = "0123456789abcdef";
    out += '"';
    for (const char c : s) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    out += "\\u00";
                    out += hex[(c >> 4) & 0xF];
                    out += hex[c & 0xF];
                } else {
                    out += c;
                }
        }
    }
    out += '"';
}

void append_member(std::string& out, const char* key, std::string_view value) {
    out += out.size() == 1 ? "\"" : ",\"";
    out += key;
    out += "\":";
    append_json_string(out, value);
}

}  // namespace

std::string message_frame_json(const MessageFrame& m) {
    std::string out;
    out.reserve(96 + m.channel.size() + m.user.size() + m.text.size() + m.id.size() +
                m.client_id.size() + m.reply_to.size());
    out += '{';
    // Keys in the order nlohmann::json keeps them (sorted), so the text is the same.
    append_member(out, "channel", m.channel);
    if (!m.client_id.empty()) append_member(out, "client_id", m.client_id);
    append_member(out, "id", m.id);
    if (!m.reply_to.empty()) append_member(out, "reply_to", m.reply_to);
    append_member(out, "text", m.text);
    out += ",\"ts\":";
    out += std::to_string(m.ts);
    out += ",\"type\":\"message\"";
    append_member(out, "user", m.user);
    out += '}';
    return out;
}

std::string user_id_problem(std::string_view user) { return name_problem("user", user, 64); }

std::string client_id_problem(std::string_view id) { return name_problem("id", id, 128); }

std::string channel_name_problem(std::string_view name) {
    std::string problem = name_problem("channel name", name, 64);
    if (problem.empty() && name.front() == '@') {
        problem = "channel name must not start with @ (that marks direct messages)";
    }
    return problem;
}

bool is_loopback_bind(const std::string& bind) {
    if (bind == "localhost") return true;
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(bind, ec);
    return !ec && address.is_loopback();
}

bool is_loopback_host(std::string_view host) {
    std::string name;
    if (!host.empty() && host.front() == '[') {
        const auto close = host.find(']');
        if (close == std::string_view::npos) return false;
        name = std::string(host.substr(1, close - 1));
        const auto rest = host.substr(close + 1);
        if (!rest.empty() && rest.front() != ':') return false;
    } else {
        name = std::string(host.substr(0, host.find(':')));
    }
    if (ascii_iequals(name, "localhost")) return true;
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(name, ec);
    return !ec && address.is_loopback();
}

bool is_loopback_origin(std::string_view origin) {
    for (std::string_view scheme : {"http://", "https://"}) {
        if (origin.substr(0, scheme.size()) == scheme) {
            auto host = origin.substr(scheme.size());
            host = host.substr(0, host.find('/'));
            return is_loopback_host(host);
        }
    }
    return false;
}

MentionCheck strip_mention(std::string_view text, std::string_view bot_user) {
    MentionCheck out;
    const std::size_t mention = 1 + bot_user.size();
    if (bot_user.empty() || text.size() < mention || text[0] != '@' ||
        !ascii_iequals(text.substr(1, bot_user.size()), bot_user) ||
        (text.size() > mention && separator_length(text, mention) == 0)) {
        out.text = std::string(text);
        return out;
    }
    std::size_t i = mention;
    while (i < text.size()) {
        const std::size_t n = separator_length(text, i);
        if (n == 0) break;
        i += n;
    }
    out.addressed = true;
    out.text = std::string(text.substr(i));
    return out;
}

}  // namespace twintrack::connectors::hub
