#pragma once
// The Feishu users and the group the tests share (open_id / chat_id as Feishu writes them).

#include <string>

namespace twintrack::feishu_test {

inline const std::string kWang = "ou_7d8a6e6df7621556ce0d21922b676706";
inline const std::string kZhou = "ou_5ad3e8f0c1a24b7d9e6f0a1b2c3d4e5f";
inline const std::string kGroup = "oc_5ce6d572455d361153b7xx51da133945";

}  // namespace twintrack::feishu_test
