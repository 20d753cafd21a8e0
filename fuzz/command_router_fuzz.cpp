// A chat message as people type it, through the whole bot: the Router (commands of both
// locales, longest alias first, "did you mean"), @mentions and the which-one dialog,
// key=value words and amounts (12万, 8折) in every feature's handlers, and dialogs in
// progress. Runs on TestBot (the real engine and store, a fake connector and clock).
//
// Each input is one or more lines; each line is said by one of three people (the first
// byte of the input picks who starts), in a direct message or the joint channel.

#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "core/text.hpp"
#include "tests/testbot/test_bot.hpp"

using twintrack::testing::TestBot;
using twintrack::testing::TestPerson;

namespace {

const char* const people[] = {"anna", "li", "omar"};

std::unique_ptr<TestBot> make_bot() {
    auto bot = std::make_unique<TestBot>();
    bot->add({"anna", "Anna Becker", "marketing", "manager", "Europe/Berlin", "en"});
    bot->add({"li", "李伟", "sales", "staff", "Asia/Shanghai", "zh-CN"});
    bot->add({"omar", "Omar Haddad", "sales", "admin", "Asia/Dubai", "en"});
    bot->add({"lina", "Li Na", "sales", "manager", "Asia/Shanghai", "zh-CN"});
    return bot;
}

// A handler that throws is answered with core.apology (and logged); for the fuzzer that
// is a finding: bad input must get a clear answer, not an internal error.
void check(const std::vector<std::string>& replies) {
    for (const auto& reply : replies) {
        if (reply.rfind("Sorry, something went wrong on my side", 0) == 0 ||
            reply.rfind("抱歉，我在处理这条消息时出了问题", 0) == 0) {
            std::abort();
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    spdlog::set_level(spdlog::level::err);  // the error behind an apology is still shown
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static std::unique_ptr<TestBot> bot;
    static int runs = 0;
    // A fresh bot now and then: state (dialogs, rows, the posts TestBot keeps) stays small.
    if (!bot || ++runs % 500 == 0) {
        bot.reset();
        bot = make_bot();
    }
    if (size == 0) return 0;
    const std::string input(reinterpret_cast<const char*>(data) + 1, size - 1);
    if (!twintrack::core::valid_utf8(input)) return 0;  // connectors refuse invalid UTF-8
    std::size_t who = data[0] % 3;
    std::size_t start = 0;
    int lines = 0;
    while (start <= input.size() && lines++ < 4) {
        std::size_t end = input.find('\n', start);
        if (end == std::string::npos) end = input.size();
        const std::string line = input.substr(start, end - start);
        if (line.size() > twintrack::core::max_message_bytes) break;
        if (data[0] & 0x80) {
            check(bot->say_in("joint", people[who], "!" + line, true));
        } else {
            check(bot->say(people[who], line));
        }
        who = (who + 1) % 3;
        start = end + 1;
    }
    return 0;
}
