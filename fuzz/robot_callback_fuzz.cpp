// What the group robot platforms send back: DingTalk outgoing-robot callbacks (the
// timestamp and sign headers, then the JSON body; connectors/robots:
// check_dingtalk_callback, read_dingtalk_message) and every platform's answer to a post
// (status, Retry-After style headers and JSON body; interpret).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "connectors/robots/callback_server.hpp"
#include "connectors/robots/formats.hpp"
#include "core/text.hpp"

namespace robots = twintrack::connectors::robots;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string input(reinterpret_cast<const char*>(data), size);
    // Headers first: the first line is the timestamp, the second the sign.
    const std::size_t first = input.find('\n');
    const std::string timestamp = input.substr(0, first);
    const std::string rest = first == std::string::npos ? "" : input.substr(first + 1);
    const std::size_t second = rest.find('\n');
    const std::string sign = rest.substr(0, second);
    (void)robots::check_dingtalk_callback(timestamp, sign, "SECxyz", 1795886849588, 3600000);

    robots::DingTalkMessage m;
    const auto outcome = robots::read_dingtalk_message(input, m);
    if (outcome == robots::CallbackBody::ok) {
        if (m.msg_id.empty() || m.user.empty()) std::abort();
        if (!twintrack::core::valid_utf8(m.content)) std::abort();
    }

    twintrack::connectors::http::Response answer;
    answer.status = size > 0 ? 100 + data[0] % 500 : 200;
    answer.body = input;
    answer.headers["retry-after"] = timestamp;
    answer.headers["x-ratelimit-reset"] = sign;
    for (auto platform : {robots::Platform::dingtalk, robots::Platform::feishu,
                          robots::Platform::wecom, robots::Platform::webhook}) {
        (void)robots::interpret(platform, answer);
    }
    return 0;
}
