#include "connectors/matrix/matrix_events.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "connectors/http/json_fields.hpp"
#include "core/crypto.hpp"
#include "core/text.hpp"

namespace twintrack::connectors::matrix {

using namespace http::json_reading;

namespace {

// `mentions_bot` from the m.mentions of `content` (an edit's: of its m.new_content, the
// mentions of the message as it now reads).
RoomMessage read_mentions(RoomMessage& m, const json& content, const std::string& bot_user) {
    const json& mentions = object_field(content, "m.mentions");
    if (mentions.contains("user_ids") && mentions["user_ids"].is_array()) {
        for (const auto& u : mentions["user_ids"]) {
            if (u.is_string() && u.get<std::string>() == bot_user) m.mentions_bot = true;
        }
    }
    return m;
}

}  // namespace

RoomMessage read_room_message(const json& event, const std::string& bot_user) {
    RoomMessage m;
    if (!event.is_object()) return m;
    m.event_id = string_field(event, "event_id");
    m.type = string_field(event, "type");
    m.sender = string_field(event, "sender");
    m.origin_server_ts = http::integer_field(event, "origin_server_ts", 0);
    const json& content = object_field(event, "content");
    if (m.type == "m.room.redaction") {
        // Room version 11 moved `redacts` into the content; servers still copy it to the
        // top level for older clients, and earlier room versions have it only there.
        m.target = string_field(content, "redacts");
        if (m.target.empty()) m.target = string_field(event, "redacts");
        return m;
    }
    if (m.type != "m.room.message") return m;
    m.msgtype = string_field(content, "msgtype");
    m.body = string_field(content, "body");
    const json& rel = object_field(content, "m.relates_to");
    const std::string rel_type = string_field(rel, "rel_type");
    const std::string in_reply_to = string_field(object_field(rel, "m.in_reply_to"), "event_id");
    const json* text_content = &content;
    if (rel_type == "m.thread") {
        m.thread = string_field(rel, "event_id");
        // In a thread, m.in_reply_to is only the fallback for clients without threads
        // unless is_falling_back is false.
        if (!http::bool_field(rel, "is_falling_back", false)) m.reply_to = in_reply_to;
    } else if (rel_type == "m.replace") {
        m.edit = true;
        // The new text is m.new_content; the event's own body ("* new text") is the
        // fallback for clients without edits. Without m.new_content the edit is invalid.
        const json& fresh = object_field(content, "m.new_content");
        if (fresh.is_object() && !fresh.empty()) {
            m.target = string_field(rel, "event_id");
            m.msgtype = string_field(fresh, "msgtype");
            m.body = string_field(fresh, "body");
            text_content = &fresh;
        }
        return read_mentions(m, *text_content, bot_user);
    } else {
        m.reply_to = in_reply_to;
    }
    if (!in_reply_to.empty()) m.body = strip_reply_fallback(m.body);
    return read_mentions(m, *text_content, bot_user);
}

std::string strip_reply_fallback(const std::string& body) {
    if (body.rfind("> ", 0) != 0 && body != ">") return body;
    std::istringstream in(body);
    std::string line, rest;
    bool quoted = true;
    while (std::getline(in, line)) {
        if (quoted && (line.rfind(">", 0) == 0)) continue;
        if (quoted && line.empty()) {
            quoted = false;
            continue;
        }
        quoted = false;
        rest += (rest.empty() ? "" : "\n") + line;
    }
    return rest;
}

std::pair<std::string, bool> strip_mention(const std::string& body,
                                           const std::vector<std::string>& names) {
    for (const auto& name : names) {
        if (name.empty() || body.size() < name.size()) continue;
        if (core::ascii_lower(body.substr(0, name.size())) != core::ascii_lower(name)) continue;
        std::size_t i = name.size();
        if (i < body.size() && body[i] != ':' && body[i] != ',' && body[i] != ' ') continue;
        while (i < body.size() && (body[i] == ':' || body[i] == ',' || body[i] == ' ')) ++i;
        return {body.substr(i), true};
    }
    return {body, false};
}

std::string transaction_id(const std::string& connector, const std::string& dedupe_key,
                           const std::string& fallback, const std::string& piece) {
    const std::string basis = dedupe_key.empty() ? "random:" + fallback : "dedupe:" + dedupe_key;
    return "tt" + core::sha256_hex(connector + "\n" + basis + "\n" + piece).substr(0, 40);
}

MatrixError read_error(const std::string& body) {
    MatrixError e;
    const json j = json::parse(body, nullptr, false);
    if (!j.is_object()) return e;
    e.errcode = string_field(j, "errcode");
    e.error = string_field(j, "error");
    const long long ms = http::integer_field(j, "retry_after_ms", 0);
    if (ms > 0) e.retry_after = std::chrono::milliseconds(ms);
    return e;
}

SyncState read_state(const std::string& path) {
    SyncState s;
    if (path.empty()) return s;
    std::ifstream in(path);
    if (!in) return s;
    std::stringstream text;
    text << in.rdbuf();
    const json j = json::parse(text.str(), nullptr, false);
    if (!j.is_object()) return s;
    s.since = string_field(j, "since");
    s.device_id = string_field(j, "device_id");
    return s;
}

bool write_state(const std::string& path, const SyncState& state) {
    if (path.empty()) return true;
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << json{{"since", state.since}, {"device_id", state.device_id}}.dump() << "\n";
        out.flush();
        if (!out) return false;
    }
    return std::rename(tmp.c_str(), path.c_str()) == 0;
}

bool valid_room(const std::string& id) {
    if (id.size() < 4 || (id[0] != '!' && id[0] != '#')) return false;
    const auto colon = id.find(':');
    if (colon == std::string::npos || colon < 2 || colon + 1 >= id.size()) return false;
    return id.find_first_of(" \t\r\n") == std::string::npos;
}

}  // namespace twintrack::connectors::matrix
