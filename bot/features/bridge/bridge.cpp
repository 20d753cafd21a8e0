#include "bot/features/bridge/bridge.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "bot/engine.hpp"
#include "bot/features/bridge/store/bridge_store.hpp"
#include "bot/turn.hpp"
#include "core/event_files.hpp"

namespace twintrack::bot::bridge {
namespace {

using json = nlohmann::json;

constexpr const char* key_prefix = "bridge\x1f";
constexpr const char* gauge = "twintrack_bridge_posts";

/// The outbox key of a relayed post: one per bridge, origin, target connector and change
/// (empty: the message itself), so a redelivered event never queues it twice.
std::string relay_key(const std::string& bridge, const std::string& origin_connector,
                      const std::string& origin_id, const std::string& target,
                      const std::string& change = "") {
    std::string key =
        key_prefix + bridge + '\x1f' + origin_connector + '\x1f' + origin_id + '\x1f' + target;
    if (!change.empty()) key += '\x1f' + change;
    return key;
}

/// The platform's id of a message event, as replies and edits name it.
std::string message_id_of(const core::Event& e) {
    if (e.extra.is_object()) {
        const auto it = e.extra.find("message_id");
        if (it != e.extra.end() && it->is_string()) return it->get<std::string>();
    }
    return e.id;
}

const Bridge* bridge_of(const BridgeSettings& s, const core::Address& where) {
    for (const auto& b : s.bridges) {
        for (const auto& c : b.channels) {
            if (c.connector == where.connector && c.channel == where.channel) return &b;
        }
    }
    return nullptr;
}

std::string writer_name(Turn& turn, const core::Event& e) {
    if (turn.person() != nullptr && !turn.person()->name.empty()) return turn.person()->name;
    if (!e.who.display.empty()) return e.who.display;
    return e.who.user_id;
}

/// What each connector shows of attachments (set_file_abilities), per engine.
struct FileTargets {
    std::map<std::string, FileAbilities> by_connector;
    FileLinker linker;  ///< keeps files for links (set_file_linker); may be empty
};

FileAbilities file_abilities_of(const Engine& engine, const std::string& connector) {
    const FileTargets* targets = engine.services().find<FileTargets>();
    if (targets == nullptr) return {};
    const auto it = targets->by_connector.find(connector);
    return it == targets->by_connector.end() ? FileAbilities{} : it->second;
}

bool is_image(const std::string& mime) { return mime.rfind("image/", 0) == 0; }

/// "980 B", "120 KB", "2.3 MB" as the prompts word them.
json size_words(std::uint64_t bytes) {
    if (bytes < 1024) return {{"n", std::to_string(bytes)}, {"unit", "b"}};
    if (bytes < 1024 * 1024) {
        return {{"n", std::to_string((bytes + 512) / 1024)}, {"unit", "kb"}};
    }
    const std::uint64_t tenths = (bytes * 10 + 512 * 1024) / (1024 * 1024);
    std::string n = std::to_string(tenths / 10);
    if (tenths % 10 != 0 && tenths < 1000) n += "." + std::to_string(tenths % 10);
    return {{"n", n}, {"unit", "mb"}};
}

void refresh_gauges(Engine& engine) {
    auto& t = *engine.telemetry();
    for (const auto& c : store::bridge::BridgeRepository(engine.store().db()).counts()) {
        for (const auto& [state, value] :
             {std::pair<const char*, std::int64_t>{"relayed", c.relayed},
              {"queued", c.queued},
              {"failed", c.failed}}) {
            t.set(gauge, {{"bridge", c.bridge}, {"connector", c.connector}, {"state", state}},
                  static_cast<double>(value));
        }
    }
}

class Relay {
  public:
    explicit Relay(Engine& engine) : engine_(engine) {}

    void handle(Turn& turn, const core::Event& e) {
        const auto& settings = engine_.settings().features.get<BridgeSettings>();
        const Bridge* bridge = bridge_of(settings, e.where);
        if (bridge == nullptr) return;
        if (e.kind == core::EventKind::message) {
            relay_message(turn, *bridge, e);
        } else if (e.kind == core::EventKind::edit || e.kind == core::EventKind::remove) {
            relay_change(turn, *bridge, e);
        } else {
            return;
        }
        // The posts join the outbox when the turn commits: count them after it.
        engine_.post_task([&engine = engine_] { refresh_gauges(engine); });
    }

    void sent(const std::string& key, const core::SendResult& result) {
        if (key.rfind(key_prefix, 0) != 0) return;
        if (result.ok) {
            store::bridge::BridgeRepository(engine_.store().db())
                .confirm(key, result.message_id, result.reply_thread);
        }
        refresh_gauges(engine_);
    }

  private:
    std::string render(const std::string& key, const json& data) const {
        return engine_.prompts().render(engine_.settings().default_locale, key, data);
    }

    /// A copy's text and display name for `connector`: the writer's name in the text, or
    /// as the name it is posted under where the platform shows one.
    void word(core::Post& p, const std::string& prompt, const json& who,
              const std::string& text) const {
        json data = who;
        data["text"] = text;
        if (engine_.abilities(p.to.connector).as_name && prompt == "bridge.relay") {
            p.as_name = render("bridge.as_name", who);
            p.text = text;
        } else {
            p.text = render(prompt, data);
            // A file alone (uploaded): "Name (platform):" without a dangling space.
            while (text.empty() && !p.text.empty() && p.text.back() == ' ') p.text.pop_back();
        }
        p.locale = engine_.settings().default_locale;
    }

    /// The files of a message for one target: uploaded as attachments of `p` where the
    /// target shows them and they are within the bridge's limit, else a line of text
    /// each (a link, or the name and size), appended to `text`.
    /// `linked`: whether each file was offered to the file linker already (once per
    /// message, for all targets).
    void add_files(core::Post& p, std::string& text, const Bridge& bridge,
                   std::vector<core::EventFile>& files, std::vector<bool>& linked) const {
        const FileAbilities can = file_abilities_of(engine_, p.to.connector);
        const FileTargets* targets = engine_.services().find<FileTargets>();
        linked.resize(files.size(), false);
        for (std::size_t i = 0; i < files.size(); ++i) {
            auto& f = files[i];
            const bool shown = can.files || (can.images && is_image(f.mime));
            const bool within = !f.data.empty() && f.data.size() <= bridge.max_file_bytes;
            if (shown && within) {
                if (can.links && f.url.empty() && !linked[i] && targets != nullptr &&
                    targets->linker) {
                    linked[i] = true;
                    f.url = targets->linker(f);
                }
                p.attachments.push_back({f.name, f.mime, f.data, can.links ? f.url : ""});
                continue;
            }
            // No public link from its platform: one to a kept copy, where there is a linker.
            if (f.url.empty() && within && !linked[i] && targets != nullptr && targets->linker) {
                linked[i] = true;
                f.url = targets->linker(f);
            }
            json data{{"name", f.name.empty() ? std::string("?") : f.name},
                      {"image", is_image(f.mime)},
                      {"url", f.url}};
            if (f.size > 0) {
                const json size = size_words(f.size);
                data["size"] = render("bridge.size_" + size["unit"].get<std::string>(), size);
                data["has_size"] = true;
            }
            const std::string line =
                render(f.url.empty() ? "bridge.file_note" : "bridge.file_link", data);
            text += (text.empty() ? "" : "\n") + line;
        }
    }

    void relay_message(Turn& turn, const Bridge& bridge, const core::Event& e) {
        std::vector<core::EventFile> files = core::event_files(e.extra);
        std::vector<bool> linked;
        if (e.text.empty() && files.empty()) return;
        const std::string id = message_id_of(e);
        store::Store& store = turn.write();
        store::bridge::BridgeRepository repo(store.db());
        // A copy this bridge posted that came back, or a message relayed before.
        if (repo.group_of(e.where.connector, id)) return;
        const std::int64_t now = core::to_millis(turn.now());
        if (!repo.add_origin(bridge.name,
                             {e.where.connector, e.where.channel, id, e.reply_thread, ""}, now)) {
            return;
        }
        std::optional<store::bridge::BridgeGroup> parent;
        if (!e.reply_to.empty()) parent = repo.group_of(e.where.connector, e.reply_to);
        const json who{{"name", writer_name(turn, e)}, {"platform", e.where.connector}};
        for (const auto& target : bridge.channels) {
            if (target.connector == e.where.connector && target.channel == e.where.channel) {
                continue;
            }
            core::Post p;
            p.to = {target.connector, target.channel, ""};
            if (parent) {
                for (const auto& m : parent->messages) {
                    if (m.connector != target.connector || m.channel != target.channel ||
                        m.message_id.empty()) {
                        continue;
                    }
                    p.reply_to = m.message_id;
                    p.to.thread = m.reply_thread;
                }
            }
            std::string text = e.text;
            add_files(p, text, bridge, files, linked);
            word(p, "bridge.relay", who, text);
            p.dedupe_key = relay_key(bridge.name, e.where.connector, id, target.connector);
            repo.add_copy(bridge.name, e.where.connector, id,
                          {target.connector, target.channel, "", "", p.dedupe_key}, now);
            turn.posts().push_back(std::move(p));
        }
    }

    void relay_change(Turn& turn, const Bridge& bridge, const core::Event& e) {
        if (e.target.empty()) return;
        store::Store& store = turn.write();
        const auto group =
            store::bridge::BridgeRepository(store.db()).group_of(e.where.connector, e.target);
        // Only the writer's own message is followed (copies are the bot's).
        if (!group || group->bridge != bridge.name ||
            group->origin_connector != e.where.connector || group->origin_id != e.target) {
            return;
        }
        const bool edit = e.kind == core::EventKind::edit;
        if (edit && e.text.empty()) return;
        const json who{{"name", writer_name(turn, e)}, {"platform", e.where.connector}};
        const std::string change = (edit ? "edit:" : "delete:") + e.id;
        for (const auto& m : group->messages) {
            if (m.dedupe_key.empty()) continue;  // the origin
            const core::PostAbilities can = engine_.abilities(m.connector);
            core::Post p;
            p.to = {m.connector, m.channel, ""};
            p.dedupe_key = relay_key(bridge.name, group->origin_connector, group->origin_id,
                                     m.connector, change);
            p.locale = engine_.settings().default_locale;
            if (!edit) {
                // A copy still in the outbox, or a platform that cannot delete: it stays.
                if (!can.deletes || m.message_id.empty()) continue;
                p.deletes = m.message_id;
            } else if (can.edits && !m.message_id.empty()) {
                p.edits = m.message_id;
                word(p, "bridge.relay", who, e.text);
            } else {
                // A new message, next to the copy where the platform threads replies.
                word(p, "bridge.edited", who, e.text);
                p.reply_to = m.message_id;
                p.to.thread = m.reply_thread;
            }
            turn.posts().push_back(std::move(p));
        }
    }

    Engine& engine_;
};

void read_section(const YAML::Node& node, const std::vector<std::string>& connectors,
                  core::ConfigErrors& errors, FeatureSettings& settings) {
    read_bridges(node, connectors, errors, settings.edit<BridgeSettings>());
}

}  // namespace

void read_bridges(const YAML::Node& node, const std::vector<std::string>& connectors,
                  core::ConfigErrors& errors, BridgeSettings& out) {
    if (!node.IsDefined() || node.IsNull()) return;
    if (!node.IsSequence()) {
        errors.add(node,
                   "bridge: must be a list of bridges, e.g. [{name: joint, channels: [hub:joint, "
                   "slack:C123]}]");
        return;
    }
    const std::set<std::string> known(connectors.begin(), connectors.end());
    std::map<std::string, std::string> taken;  // connector:channel -> bridge
    std::set<std::string> names;
    for (std::size_t i = 0; i < node.size(); ++i) {
        const std::string path = "bridge[" + std::to_string(i) + "]";
        core::SectionReader item(node[i], path, errors);
        if (!item.valid()) continue;
        Bridge bridge;
        if (auto v = item.string("name", true)) bridge.name = *v;
        if (auto v = item.integer("max_file_bytes", 1, 1LL << 40)) {
            bridge.max_file_bytes = static_cast<std::uint64_t>(*v);
        }
        const YAML::Node list = item.node("channels");
        item.finish();
        if (!bridge.name.empty() && !names.insert(bridge.name).second) {
            errors.add(node[i], path + ": the name \"" + bridge.name + "\" is used twice");
        }
        if (!list.IsDefined() || list.IsNull() || !list.IsSequence()) {
            errors.add(list.IsDefined() ? list : node[i],
                       path +
                           ": channels must be a list of CONNECTOR:CHANNEL, e.g. [hub:joint, "
                           "slack:C123]");
            continue;
        }
        for (const auto& entry : list) {
            const std::string text = entry.IsScalar() ? entry.Scalar() : "";
            const auto colon = text.find(':');
            if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
                errors.add(entry, path + ": \"" + text +
                                      "\" is not CONNECTOR:CHANNEL (e.g. slack:C123, irc:#joint)");
                continue;
            }
            BridgeChannel c{text.substr(0, colon), text.substr(colon + 1)};
            if (known.count(c.connector) == 0) {
                std::string names_list;
                for (const auto& n : connectors) names_list += (names_list.empty() ? "" : ", ") + n;
                errors.add(entry, path + ": no connector \"" + c.connector +
                                      "\" is configured (connectors: " + names_list + ")");
                continue;
            }
            const auto [at, fresh] = taken.emplace(text, bridge.name);
            if (!fresh) {
                errors.add(entry, path + ": the channel " + text + " is already in bridge \"" +
                                      at->second + "\"; a channel belongs to one bridge");
                continue;
            }
            bridge.channels.push_back(std::move(c));
        }
        if (bridge.channels.size() < 2) {
            errors.add(list, path + ": a bridge needs at least two channels");
            continue;
        }
        out.bridges.push_back(std::move(bridge));
    }
}

std::uint64_t file_limit(const BridgeSettings& settings, const std::string& connector) {
    std::uint64_t most = 0;
    for (const auto& b : settings.bridges) {
        for (const auto& c : b.channels) {
            if (c.connector == connector) most = std::max(most, b.max_file_bytes);
        }
    }
    return most;
}

void set_file_abilities(Engine& engine, const std::string& connector, FileAbilities can) {
    FileTargets* targets = engine.services().find<FileTargets>();
    if (targets == nullptr) {
        auto fresh = std::make_shared<FileTargets>();
        targets = fresh.get();
        engine.services().provide(std::move(fresh));
    }
    targets->by_connector[connector] = can;
}

void set_file_linker(Engine& engine, FileLinker linker) {
    FileTargets* targets = engine.services().find<FileTargets>();
    if (targets == nullptr) {
        auto fresh = std::make_shared<FileTargets>();
        targets = fresh.get();
        engine.services().provide(std::move(fresh));
    }
    targets->linker = std::move(linker);
}

void register_bridge(Engine& engine) {
    engine.telemetry()->describe(
        gauge, core::Telemetry::Type::gauge,
        "Relayed copies of bridged messages by bridge, target connector "
        "and state: relayed, queued (in the outbox) or failed (given up).");
    if (engine.settings().features.get<BridgeSettings>().bridges.empty()) return;
    auto relay = std::make_shared<Relay>(engine);
    engine.on_channel_turn([relay](Turn& turn, const core::Event& e) { relay->handle(turn, e); });
    engine.on_sent(
        [relay](const std::string& key, const core::SendResult& r) { relay->sent(key, r); });
    try {
        refresh_gauges(engine);
    } catch (const std::exception& ex) {
        spdlog::warn("bridge: counts not read yet: {}", ex.what());
    }
}

Feature feature() {
    Feature f;
    f.name = "bridge";
    f.section = "bridge";
    f.read_section = read_section;
    f.migrations = {27};
    f.register_on = [](Engine& engine, Services&) { register_bridge(engine); };
    return f;
}

}  // namespace twintrack::bot::bridge
