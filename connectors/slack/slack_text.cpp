#include "connectors/slack/slack_text.hpp"

#include <algorithm>
#include <cctype>

#include "connectors/http/signature.hpp"
#include "core/crypto.hpp"
#include "core/text.hpp"

namespace twintrack::connectors::slack {
namespace {

std::string decode_entities(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '&') {
            if (text.substr(i, 5) == "&amp;") {
                out += '&';
                i += 4;
                continue;
            }
            if (text.substr(i, 4) == "&lt;") {
                out += '<';
                i += 3;
                continue;
            }
            if (text.substr(i, 4) == "&gt;") {
                out += '>';
                i += 3;
                continue;
            }
        }
        out += text[i];
    }
    return out;
}

bool all_digits(const std::string& s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

}  // namespace

std::string escape_text(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        if (c == '&') {
            out += "&amp;";
        } else if (c == '<') {
            out += "&lt;";
        } else if (c == '>') {
            out += "&gt;";
        } else {
            out += c;
        }
    }
    return out;
}

IncomingText decode_incoming(std::string_view text, const std::string& bot_user_id,
                             const std::function<std::string(const std::string&)>& name_of) {
    IncomingText result;
    std::string out;
    bool leading = true;  // nothing but spaces so far
    std::size_t i = 0;
    while (i < text.size()) {
        const char c = text[i];
        if (c != '<') {
            if (c != ' ') leading = false;
            out += c;
            ++i;
            continue;
        }
        const std::size_t close = text.find('>', i);
        if (close == std::string_view::npos) {
            out += text.substr(i);
            break;
        }
        const std::string inner(text.substr(i + 1, close - i - 1));
        const auto bar = inner.find('|');
        const std::string target = inner.substr(0, bar);
        const std::string label = bar == std::string::npos ? "" : inner.substr(bar + 1);
        i = close + 1;
        if (target.size() > 1 && target[0] == '@') {
            const std::string user = target.substr(1);
            if (!bot_user_id.empty() && user == bot_user_id) {
                result.mentioned = true;
                if (leading) {
                    // "<@BOT>: text", "<@BOT>， text": the mention and its punctuation go.
                    std::string_view rest = text.substr(i);
                    for (const char* p : {":", ",", "\xEF\xBC\x9A", "\xEF\xBC\x8C"}) {
                        const std::string_view ps(p);
                        if (rest.substr(0, ps.size()) == ps) {
                            i += ps.size();
                            break;
                        }
                    }
                }
                continue;
            }
            std::string name = label.empty() && name_of ? name_of(user) : label;
            name.erase(std::remove(name.begin(), name.end(), ' '), name.end());
            out += "@" + (name.empty() ? user : name);
        } else if (target.size() > 1 && target[0] == '#') {
            out += "#" + (label.empty() ? target.substr(1) : label);
        } else if (target.size() > 1 && target[0] == '!') {
            const std::string special = target.substr(1);
            out += label.empty() ? "@" + special : label;
        } else {
            const std::string url = decode_entities(target);
            out += label.empty() ? url : decode_entities(label) + " (" + url + ")";
        }
        leading = false;
    }
    result.text = std::string(core::trim(decode_entities(out)));
    // Two spaces left where a mention was removed mid-sentence become one.
    std::string squeezed;
    for (char c : result.text) {
        if (c == ' ' && !squeezed.empty() && squeezed.back() == ' ') continue;
        squeezed += c;
    }
    result.text = std::move(squeezed);
    return result;
}

std::int64_t ts_to_millis(const std::string& ts) {
    const auto dot = ts.find('.');
    const std::string secs = ts.substr(0, dot);
    if (!all_digits(secs) || secs.size() > 12) return 0;
    std::int64_t ms = std::stoll(secs) * 1000;
    if (dot != std::string::npos) {
        std::string frac = ts.substr(dot + 1);
        if (!frac.empty() && !all_digits(frac)) return 0;
        frac = (frac + "000").substr(0, 3);
        ms += std::stoll(frac);
    }
    return ms;
}

std::string verify_request(const std::string& signing_secret, const std::string& timestamp,
                           const std::string& body, const std::string& signature,
                           std::int64_t now_s, std::int64_t tolerance_s) {
    if (timestamp.empty() || signature.empty()) return "missing signature headers";
    if (!all_digits(timestamp) || timestamp.size() > 12) return "malformed timestamp";
    const std::int64_t ts = std::stoll(timestamp);
    if (ts > now_s + tolerance_s || ts < now_s - tolerance_s) {
        return "timestamp " + timestamp + " is more than " + std::to_string(tolerance_s) +
               " s from now (replayed or a wrong clock)";
    }
    const std::string expected =
        "v0=" + http::hmac_sha256_hex(signing_secret, "v0:" + timestamp + ":" + body);
    if (!core::equal_constant_time(expected, signature)) return "signature does not match";
    return "";
}

}  // namespace twintrack::connectors::slack
