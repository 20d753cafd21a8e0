// IRC lines as a server sends them: tags, prefix, command, parameters; then what the
// connector does with a parsed line (nick, server time, tag values) and with the text of
// a reply (format and split to the line budget).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "connectors/irc/irc_message.hpp"
#include "connectors/irc/line_splitter.hpp"
#include "core/text.hpp"

namespace irc = twintrack::connectors::irc;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    // The connector hands each line to the parser as read, CR LF included (16 KiB at most).
    std::size_t start = 0;
    while (start < input.size()) {
        std::size_t end = input.find('\n', start);
        end = end == std::string_view::npos ? input.size() : end + 1;
        const std::string line(input.substr(start, end - start));
        if (const auto message = irc::parse_message(line)) {
            if (message->command.empty()) std::abort();  // documented: nothing without one
            (void)message->nick();
            (void)message->param(0);
            (void)message->param(message->params.size());
            if (const auto time = message->tags.find("time"); time != message->tags.end()) {
                (void)irc::parse_server_time(time->second);
            }
            (void)irc::is_channel(message->param(0));
            (void)irc::same_name(message->param(0), message->prefix);
            // The connector answers a PING with its parameters (commands are its own).
            const std::string out = irc::format_message("PONG", message->params);
            if (out.find('\n') != std::string::npos || out.find('\r') != std::string::npos) {
                std::abort();  // a formatted line must never smuggle a second command
            }
        }
        (void)irc::unescape_tag_value(line);
        start = end;
    }
    // A reply's text: every piece fits its budget and is valid UTF-8 when the text was.
    const std::size_t budget = 4 + (size > 0 ? data[0] % 200 : 0);
    const auto pieces = irc::split_text(input, budget);
    const bool utf8 = twintrack::core::valid_utf8(input);
    for (const auto& piece : pieces) {
        if (piece.size() > budget) std::abort();
        if (piece.find('\n') != std::string::npos) std::abort();
        if (utf8 && !twintrack::core::valid_utf8(piece)) std::abort();
    }
    (void)irc::text_budget(input.substr(0, 64));
    return 0;
}
