# Turns web/index.html into a C++ header holding the page as a byte array, so that any
# content (quotes, ")" sequences, non-ASCII text) embeds safely.
# Usage: cmake -DINPUT=index.html -DOUTPUT=hub_page.hpp -P embed_page.cmake
file(READ ${INPUT} hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR size "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)"
       "\\1\n" bytes "${bytes}")
file(WRITE ${OUTPUT}.tmp
"#pragma once
// Generated from connectors/hub/web/index.html by embed_page.cmake. Do not edit.
#include <cstddef>
#include <string_view>
namespace twintrack::connectors::hub {
inline constexpr unsigned char hub_page_bytes[] = {
${bytes}
};
inline constexpr std::size_t hub_page_size = ${size};
inline std::string_view hub_page() {
    return {reinterpret_cast<const char*>(hub_page_bytes), hub_page_size};
}
}  // namespace twintrack::connectors::hub
")
file(RENAME ${OUTPUT}.tmp ${OUTPUT})
