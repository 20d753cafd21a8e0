#include "app/person_tools.hpp"

#include "bot/features.hpp"

namespace twintrack::app {
namespace {

nlohmann::json to_json(const store::Value& v) {
    if (std::holds_alternative<std::int64_t>(v)) return std::get<std::int64_t>(v);
    if (std::holds_alternative<double>(v)) return std::get<double>(v);
    if (std::holds_alternative<std::string>(v)) return std::get<std::string>(v);
    return nullptr;
}

struct Found {
    std::int64_t id = 0;
    std::string name;
    std::string email;
};

std::optional<Found> find(store::Store& store, const std::string& email) {
    const auto id = store.person_data().find(email);
    if (!id) return std::nullopt;
    for (const auto& p : store.people().all()) {
        if (p.id == *id) return Found{p.id, p.name, p.email};
    }
    return std::nullopt;
}

}  // namespace

std::optional<nlohmann::json> person_export_json(store::Store& store, const std::string& email,
                                                 std::int64_t now_ms) {
    const auto person = find(store, email);
    if (!person) return std::nullopt;
    nlohmann::json tables = nlohmann::json::object();
    for (const auto& t : store.person_data().export_person(person->id, person->email, person->name,
                                                           bot::person_data_parts())) {
        nlohmann::json rows = nlohmann::json::array();
        for (const auto& row : t.rows) {
            nlohmann::json r = nlohmann::json::object();
            for (std::size_t c = 0; c < row.size() && c < t.columns.size(); ++c) {
                r[t.columns[c]] = to_json(row[c]);
            }
            rows.push_back(std::move(r));
        }
        tables[t.name] = std::move(rows);
    }
    return nlohmann::json{{"format", "twintrack-person-export/1"},
                          {"email", person->email},
                          {"exported_at", now_ms},
                          {"times", "milliseconds since 1970-01-01 UTC"},
                          {"tables", std::move(tables)}};
}

std::optional<EraseOutcome> person_erase(store::Store& store, const std::string& email,
                                         std::int64_t now_ms) {
    const auto person = find(store, email);
    if (!person) return std::nullopt;
    EraseOutcome out;
    out.person_id = person->id;
    out.label = "erased #" + std::to_string(person->id);
    store::Transaction tx(store.db());
    out.counts = store.person_data().erase_person(person->id, person->email, person->name,
                                                  out.label, now_ms, bot::person_data_parts());
    store::AuditEntry audit;
    audit.at = now_ms;
    audit.action = "person.erase";
    audit.detail = nlohmann::json{{"person_id", person->id},
                                  {"deleted", out.counts.deleted},
                                  {"scrubbed", out.counts.scrubbed}}
                       .dump();
    store.audit().record(audit);
    tx.commit();
    return out;
}

}  // namespace twintrack::app
