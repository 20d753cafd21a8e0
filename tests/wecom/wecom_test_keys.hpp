#pragma once
// The callback token and EncodingAESKey of WeCom's official sample, shared by the tests.

#include <string>

namespace twintrack::wecom_test {

inline const std::string kToken = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo";
inline const std::string kAesKey = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt";

}  // namespace twintrack::wecom_test
