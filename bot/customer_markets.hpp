#pragma once
// What the plan feature offers other features (Engine::services()): the market the 3-1-3
// plan puts each customer in. The dashboard counts field reports per market with it. A
// missing service means no customer is in a market.

#include <cstdint>
#include <map>
#include <string>

namespace twintrack::bot {

class CustomerMarkets {
  public:
    virtual ~CustomerMarkets() = default;
    /// The market's name by customer id, for the customers the plan placed.
    virtual std::map<std::int64_t, std::string> customer_markets() const = 0;
};

}  // namespace twintrack::bot
