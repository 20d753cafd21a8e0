// twintrack: the program. See `twintrack --help`.

#include <CLI/CLI.hpp>
#include <iostream>

#include "app/application.hpp"
#include "connectors/runtime/http_client.hpp"

namespace {

void common_options(CLI::App* cmd, twintrack::app::Options& o) {
    cmd->add_option("--config", o.config_path, "Configuration file (YAML)");
    cmd->add_option("--data", o.data_dir, "Data directory (default ./data)");
    cmd->add_option("--store", o.store_url,
                    "Store: sqlite:PATH or postgres://user@host:port/db (default: SQLite in "
                    "the data directory)");
    cmd->add_option("--log-level", o.log_level, "trace, debug, info, warn, error or off");
}

}  // namespace

int main(int argc, char** argv) {
    using namespace twintrack::app;
    // cpprestsdk would start 40 threads on first use; the connectors need a couple.
    twintrack::connectors::runtime::init_thread_pool(
        twintrack::connectors::runtime::default_threads);
    CLI::App cli{"TwinTrack: one bot for marketing and sales working as one"};
    cli.set_version_flag("--version", std::string(TWINTRACK_VERSION));
    Options options;
    std::optional<int> port;

    auto* run = cli.add_subcommand("run", "Start the configured connectors (the default)");
    common_options(run, options);
    run->add_option("--port", port, "Port of the built-in hub (0 picks a free one)")
        ->check(CLI::Range(0, 65535));
    run->add_flag("--demo", options.demo, "Load the demo organisation into an empty directory");

    auto* console = cli.add_subcommand("console", "Chat with the bot in this terminal");
    common_options(console, options);
    std::string who;
    console->add_option("--as", who, "Your name or email in the directory")->required();

    auto* check = cli.add_subcommand("check-config", "Check a configuration file");
    std::string check_path;
    check->add_option("FILE", check_path, "Configuration file")->required();
    common_options(check, options);

    auto* import = cli.add_subcommand("import", "Import data from CSV");
    import->require_subcommand(1);
    auto* people = import->add_subcommand(
        "people",
        "People: "
        "name,email,department,role,timezone,locale,working_hours,identities");
    std::string csv_path;
    people->add_option("FILE", csv_path, "CSV file")->required();
    common_options(people, options);

    std::string metrics_csv;
    std::vector<std::pair<std::string, CLI::App*>> metrics_imports;
    for (const auto& [kind, header] : std::vector<std::pair<std::string, std::string>>{
             {"deals",
              "external_id,customer,stage,amount,currency,margin,owner,created,closed,"
              "reason"},
             {"quotas", "subject,period,revenue,profit"},
             {"campaigns", "name,cost,currency,from,to,segment"}}) {
        auto* sub = import->add_subcommand(kind, kind + ": " + header);
        sub->add_option("FILE", metrics_csv, "CSV file")->required();
        common_options(sub, options);
        metrics_imports.emplace_back(kind, sub);
    }

    // Options given before the sub-command count too (`twintrack --data D run`).
    common_options(&cli, options);
    cli.add_option("--port", port, "Port of the built-in hub")->check(CLI::Range(0, 65535));
    cli.add_flag("--demo", options.demo, "Load the demo organisation");

    auto* export_cmd = cli.add_subcommand("export", "Export data as CSV");
    export_cmd->require_subcommand(1);
    auto* export_reports_cmd =
        export_cmd->add_subcommand("reports", "Field reports, one row each, oldest first");
    std::string export_path;
    export_reports_cmd->add_option("FILE", export_path, "CSV file to write (- for stdout)")
        ->required();
    common_options(export_reports_cmd, options);

    auto* plan = cli.add_subcommand("plan", "The 3-1-3 plan (docs/PLAN.md)");
    plan->require_subcommand(1);
    std::string plan_path;
    auto* plan_import_cmd = plan->add_subcommand(
        "import", "Read a plan file (CSV or YAML): outlooks, targets, activities; all or nothing");
    plan_import_cmd->add_option("FILE", plan_path, "Plan file to read")->required();
    common_options(plan_import_cmd, options);
    auto* plan_export_cmd =
        plan->add_subcommand("export", "Write the plan as a plan file (CSV) that imports again");
    plan_export_cmd->add_option("FILE", plan_path, "CSV file to write (- for stdout)")->required();
    common_options(plan_export_cmd, options);

    auto* person = cli.add_subcommand("person", "One person's data: export it, or erase them");
    person->require_subcommand(1);
    auto* person_export_cmd = person->add_subcommand(
        "export", "Everything stored about a person, as JSON (- for stdout)");
    std::string person_email, person_path;
    person_export_cmd->add_option("EMAIL", person_email, "The person's email")->required();
    person_export_cmd->add_option("FILE", person_path, "JSON file to write (- for stdout)")
        ->required();
    common_options(person_export_cmd, options);
    auto* person_erase_cmd = person->add_subcommand(
        "erase",
        "Delete or anonymise everything naming a person; aggregates stay under an anonymous "
        "owner (audited)");
    person_erase_cmd->add_option("EMAIL", person_email, "The person's email")->required();
    common_options(person_erase_cmd, options);

    auto* store_cmd = cli.add_subcommand("store", "The store (docs/STORE.md)");
    store_cmd->require_subcommand(1);
    auto* store_migrate_cmd = store_cmd->add_subcommand(
        "migrate", "Copy every table into a new, empty store and check the row counts");
    std::string store_from, store_to;
    store_migrate_cmd
        ->add_option("--from", store_from, "Source store, e.g. sqlite:./data/twintrack.db")
        ->required();
    store_migrate_cmd->add_option("--to", store_to, "Empty target, e.g. postgres://tt@host/db")
        ->required();
    store_migrate_cmd->add_option("--config", options.config_path, "Configuration file (YAML)");

    auto* token = cli.add_subcommand("token", "API tokens, one per integration (/api/v1)");
    token->require_subcommand(1);
    auto* token_create_cmd =
        token->add_subcommand("create", "Create a token; it is shown once (audited)");
    std::string token_name, token_expires;
    std::vector<std::string> token_scopes;
    token_create_cmd->add_option("NAME", token_name, "The integration's name")->required();
    token_create_cmd
        ->add_option("--scope", token_scopes,
                     "reports:read, deals:write, calendar:read, metrics:read or people:read "
                     "(repeat or use | for more)")
        ->required()
        ->delimiter('|');
    token_create_cmd->add_option("--expires", token_expires,
                                 "YYYY-MM-DD: stops working at 00:00 UTC that day");
    common_options(token_create_cmd, options);
    auto* token_list_cmd = token->add_subcommand("list", "Tokens, their scopes and state");
    common_options(token_list_cmd, options);
    auto* token_revoke_cmd = token->add_subcommand("revoke", "Revoke a token (audited)");
    token_revoke_cmd->add_option("NAME", token_name, "The token's name")->required();
    common_options(token_revoke_cmd, options);

    auto* sessions = cli.add_subcommand("sessions", "Hub sign-in sessions");
    sessions->require_subcommand(1);
    auto* sessions_revoke_cmd = sessions->add_subcommand(
        "revoke", "Sign a person out of every browser; open pages close within a minute");
    std::string sessions_email;
    sessions_revoke_cmd->add_option("EMAIL", sessions_email, "The person's email")->required();
    common_options(sessions_revoke_cmd, options);

    CLI11_PARSE(cli, argc, argv);
    options.port = port;

    if (*console) return run_console(options, who);
    if (*check) return check_config(check_path);
    if (*people) return import_people(options, csv_path);
    for (const auto& [kind, sub] : metrics_imports) {
        if (*sub) return import_metrics(options, kind, metrics_csv);
    }
    if (*export_reports_cmd) return export_reports(options, export_path);
    if (*plan_import_cmd) return plan_import(options, plan_path);
    if (*plan_export_cmd) return plan_export(options, plan_path);
    if (*person_export_cmd) return person_export(options, person_email, person_path);
    if (*person_erase_cmd) return person_erase(options, person_email);
    if (*store_migrate_cmd) return store_migrate(options, store_from, store_to);
    if (*token_create_cmd) return token_create(options, token_name, token_scopes, token_expires);
    if (*token_list_cmd) return token_list(options);
    if (*token_revoke_cmd) return token_revoke(options, token_name);
    if (*sessions_revoke_cmd) return sessions_revoke(options, sessions_email);
    return run_server(options);
}
