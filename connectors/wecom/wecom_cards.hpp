#pragma once
// Buttons on WeCom: a post's actions as a `template_card` of card_type
// `button_interaction` (message/send to a member), the card that replaces it once the
// decision is taken (message/update_template_card), the `template_card_event` callback
// of a click read into plain fields, and the response codes an update needs. Pure and
// never throwing, except ResponseCodes, which is a small container.
//
// WeCom's rules (developer.work.weixin.qq.com, 发送应用消息 > 模板卡片消息, and 更新模版卡片
// 消息): at most 6 buttons, each key at most 1024 bytes; task_id unique per app (never
// reused), at most 128 bytes of letters, digits, _ - @; each send and each click gives a
// response_code, valid once, with which the card can be updated. App group chats
// (appchat/send) cannot carry template cards.

#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "connectors/wecom/wecom_xml.hpp"
#include "core/types.hpp"

namespace twintrack::connectors::wecom {

inline constexpr std::size_t max_card_buttons = 6;
inline constexpr std::size_t max_button_key_bytes = 1024;
inline constexpr std::size_t max_task_id_bytes = 128;
inline constexpr std::size_t max_card_title_chars = 36;  ///< main_title.title (recommended)
inline constexpr std::size_t max_card_text_chars = 160;  ///< sub_title_text (recommended)

/// A new task_id: "tt" + the time in ms (base 36) + "_" + 16 random hex digits.
std::string new_task_id(core::Timestamp now);
/// True when `id` is a task_id WeCom accepts (1 to 128 bytes of [A-Za-z0-9_@-]).
bool valid_task_id(const std::string& id);

/// The `template_card` object for a post's buttons, or nothing when they do not fit a
/// card (no buttons, a menu, more than 6 buttons, a key over 1024 bytes, a text too long
/// for the card's title and text); the caller then sends the text and the typed choices.
/// The first line of the text is the title, the rest the card's text.
std::optional<nlohmann::json> button_card(const core::Post& post, const std::string& task_id);

/// The card that replaces a settled one: the same title and text (`text`, which ends
/// with the outcome line), its buttons replaced by one grey, unclickable button showing
/// the outcome (`replace_text`).
nlohmann::json settled_card(const std::string& text, const std::string& task_id);

/// A click on a card button, from the decrypted callback (Event template_card_event).
struct CardClick {
    std::string user;  ///< FromUserName: who clicked
    std::string key;   ///< EventKey: the button's key (our token)
    std::string task_id;
    std::string card_type;
    std::string response_code;  ///< for one update of the card
    std::string create_time;
};

/// Nothing when the fields are not a template_card_event or lack the user, key or
/// task id, or the task id is not a valid one.
std::optional<CardClick> read_card_click(const XmlFields& fields);

/// The latest response_code per task_id (from the send's answer, then from each click),
/// at most `capacity` tasks (the oldest are forgotten). With a `state_file` they are kept
/// there too (one "TASKID CODE" line each, oldest first, written whole and renamed after
/// every change), so a card sent before a restart can still be updated. Lines that are
/// not a valid task id and a code are skipped when read. Not thread-safe.
class ResponseCodes {
  public:
    explicit ResponseCodes(std::size_t capacity = 5000, std::string state_file = "");
    void put(const std::string& task_id, const std::string& code);
    /// "" when none is known.
    std::string get(const std::string& task_id) const;
    /// A code is valid once: forget it after it was used (or refused).
    void drop(const std::string& task_id);
    std::size_t size() const { return codes_.size(); }

  private:
    void save() const;

    std::size_t capacity_;
    std::string state_file_;
    std::map<std::string, std::string> codes_;
    std::deque<std::string> order_;  ///< task ids, oldest first (may hold dropped ones)
};

}  // namespace twintrack::connectors::wecom
