// The figures the chat commands and the dashboard share (social/activity_figures.hpp,
// bot/field_figures.hpp): each computed once, from what the store holds.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "bot/features/social/activity_figures.hpp"
#include "bot/field_figures.hpp"

namespace twintrack::testing {
namespace {

using namespace bot;

TEST(SharedFigures, SeatsWaitingListAndAttendanceOfATraining) {
    const std::vector<store::social::TrainingSeat> seats = {
        {1, "registered", 10, true}, {2, "registered", 11, false}, {3, "waiting", 12, false}};
    const social::SeatCount c = social::seat_count(seats);
    EXPECT_EQ(c.registered, 2);
    EXPECT_EQ(c.waiting, 1);
    EXPECT_EQ(c.attended, 1);
    EXPECT_EQ(social::seat_count({}).registered, 0);
}

TEST(SharedFigures, AnswersToAnOuting) {
    const social::RsvpCount c = social::rsvp_count({{1, true}, {2, false}, {3, true}});
    EXPECT_EQ(c.going, 2);
    EXPECT_EQ(c.declined, 1);
}

TEST(SharedFigures, BudgetLinesHaveEveryConfiguredKindAndEveryKindSpentOn) {
    const auto lines = social::budget_lines({{"training", 10000}, {"outing", 3000}},
                                            {{"outing", 5000, 0}, {"coffee", 120, 120}});
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(lines[0].kind, "coffee");  // by kind
    EXPECT_EQ(lines[0].budget, 0);       // spent on without a budget
    EXPECT_EQ(lines[0].spent, 120);
    EXPECT_EQ(lines[1].kind, "outing");
    EXPECT_EQ(lines[1].budget, 3000);
    EXPECT_EQ(lines[1].planned, 5000);  // over budget: shown, not capped
    EXPECT_EQ(lines[2].kind, "training");
    EXPECT_EQ(lines[2].planned, 0);
    EXPECT_TRUE(social::budget_lines({}, {}).empty());
}

TEST(SharedFigures, ARoundOfAStoppedProgrammeIsStopped) {
    store::social::CoffeeProgramme running;
    store::social::CoffeeRound round;
    round.started_at = 100;
    round.ends_at = 200;
    EXPECT_EQ(social::round_state(round, running, 150), "running");
    EXPECT_EQ(social::round_state(round, running, 200), "ended");
    store::social::CoffeeProgramme stopped;
    stopped.active = false;
    stopped.stopped_at = 120;
    EXPECT_EQ(social::round_state(round, stopped, 150), "stopped");
}

store::Report report(std::int64_t id, std::optional<std::int64_t> customer, std::string text,
                     std::vector<store::ReportMention> mentions) {
    store::Report r;
    r.id = id;
    r.author_id = 7;
    r.created_at = 1000 + id;
    r.customer_id = customer;
    r.customer_text = std::move(text);
    r.mentions = std::move(mentions);
    return r;
}

TEST(SharedFigures, AReportCountsForItsCustomerElseTheFirstKnownItNames) {
    store::ReportMention acme{"customer", "ACME", "acme", "ACME", 5, std::nullopt, ""};
    store::ReportMention huawei{"competitor", "Huawei",     "huawei", "华为",
                                std::nullopt, std::nullopt, ""};
    store::ReportMention price{"price", "15% off", "", "15% off", std::nullopt, -15.0, "%"};
    const auto fact = reports::field_fact_of(report(1, std::nullopt, "", {acme, huawei, price}));
    ASSERT_TRUE(fact.customer_id.has_value());
    EXPECT_EQ(*fact.customer_id, 5);
    EXPECT_EQ(fact.author_id, 7);
    EXPECT_EQ(fact.competitors, std::vector<std::string>{"Huawei"});
    ASSERT_EQ(fact.prices.size(), 1u);
    EXPECT_EQ(fact.prices[0].text, "15% off");
    EXPECT_EQ(fact.prices[0].amount, -15.0);
    EXPECT_EQ(fact.price_signals, 1);
    // Filed under a customer: that one, whatever it names.
    EXPECT_EQ(*reports::field_fact_of(report(2, 9, "Globex", {acme})).customer_id, 9);
}

TEST(SharedFigures, AReportIsAboutTheCustomerItWasFiledForAndEveryKnownOneItNames) {
    store::ReportMention acme{"customer", "ACME", "acme", "ACME", 5, std::nullopt, ""};
    store::ReportMention unknown{"customer",   "Initech",    "initech", "Initech",
                                 std::nullopt, std::nullopt, ""};
    EXPECT_EQ(reports::field_fact_of(report(1, 9, "Globex", {acme, unknown})).customer_keys,
              (std::vector<std::string>{"#9", "#5"}));
    // Filed for an unknown customer: that one as written, lower case, and the known it names.
    EXPECT_EQ(reports::field_fact_of(report(2, std::nullopt, "Initech", {acme})).customer_keys,
              (std::vector<std::string>{"initech", "#5"}));
    // Naming the customer it was filed for counts once.
    EXPECT_EQ(reports::field_fact_of(report(3, 5, "ACME", {acme})).customer_keys,
              (std::vector<std::string>{"#5"}));
    EXPECT_TRUE(reports::field_fact_of(report(4, std::nullopt, "", {})).customer_keys.empty());
    // The filter that asks for a key's reports.
    store::ReportFilter f;
    reports::filter_customer(f, "#5");
    EXPECT_EQ(f.customer_id, 5);
    store::ReportFilter g;
    reports::filter_customer(g, "initech");
    EXPECT_EQ(g.customer_text, "initech");
    EXPECT_FALSE(g.customer_id.has_value());
    // An unknown customer written like a key is never read as a known one's number (nor
    // stops the page): "#7 Bistro" asks for that name, not for customer 7.
    const auto bistro = reports::field_fact_of(report(5, std::nullopt, "#7 Bistro", {}));
    ASSERT_EQ(bistro.customer_keys.size(), 1u);
    store::ReportFilter h;
    reports::filter_customer(h, bistro.customer_keys[0]);
    EXPECT_FALSE(h.customer_id.has_value());
    EXPECT_EQ(h.customer_text, "#7 bistro");
    const auto hashtag = reports::field_fact_of(report(6, std::nullopt, "#abc", {}));
    store::ReportFilter k;
    reports::filter_customer(k, hashtag.customer_keys[0]);
    EXPECT_EQ(k.customer_text, "#abc");
    EXPECT_NE(hashtag.customer_keys[0], bistro.customer_keys[0]);
}

TEST(SharedFigures, ReportsPerMarketAndPerCustomer) {
    std::vector<reports::FieldFact> facts;
    facts.push_back(reports::field_fact_of(report(1, 5, "ACME", {})));
    facts.push_back(reports::field_fact_of(report(2, 5, "ACME", {})));
    facts.push_back(reports::field_fact_of(report(3, 6, "Globex", {})));
    facts.push_back(reports::field_fact_of(report(4, std::nullopt, "Initech", {})));
    facts.push_back(reports::field_fact_of(report(5, std::nullopt, "", {})));
    const std::map<std::int64_t, std::string> markets = {{5, "manufacturing"}};
    const auto by_market = reports::tally_by_market(facts, markets);
    ASSERT_EQ(by_market.size(), 2u);
    EXPECT_EQ(by_market.at("manufacturing").reports, 2);
    EXPECT_EQ(by_market.at("manufacturing").report_ids, (std::vector<std::int64_t>{1, 2}));
    EXPECT_EQ(by_market.at("").reports, 3);  // no market, or no customer at all
    const auto by_customer = reports::tally_by_customer(facts);
    ASSERT_EQ(by_customer.size(), 3u);  // the report naming no customer is left out
    EXPECT_EQ(by_customer.at("#5").reports, 2);
    EXPECT_EQ(by_customer.at("#6").reports, 1);
    EXPECT_EQ(by_customer.at("initech").reports, 1);
    EXPECT_EQ(reports::tally(facts).reports, 5);
    // A report filed for Globex that names ACME counts for both customers, once in all.
    facts.push_back(reports::field_fact_of(
        report(6, 6, "Globex", {{"customer", "ACME", "acme", "ACME", 5, std::nullopt, ""}})));
    const auto both = reports::tally_by_customer(facts);
    EXPECT_EQ(both.at("#5").reports, 3);
    EXPECT_EQ(both.at("#6").reports, 2);
    EXPECT_EQ(reports::tally(facts).reports, 6);
}

}  // namespace
}  // namespace twintrack::testing
