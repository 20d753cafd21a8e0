#pragma once
// What the DingTalk tests share: the fake clock's start and a group conversation's id.

namespace twintrack::dingtalk_test {

constexpr long long kNow = 1795886849588;  // the fake clock's start
inline const char* const kGroup = "cidp7tqZqSfFxBbeKzxJRBSgA==";

}  // namespace twintrack::dingtalk_test
