#pragma once
// Price signals written the way reps write them, each fact once in English and once in
// Chinese, with the one signal both must give (or none).

#include <string>
#include <vector>

namespace twintrack::bot::reports::testing {

/// The signal a report must give; `kind` empty: none at all.
struct ExpectedPrice {
    std::string kind;       ///< "percent", "amount" or empty
    double value = 0;       ///< signed; for a range the end farther from zero
    double low = 0;         ///< a range's other end (signed), else 0
    std::string currency;   ///< amounts: ISO code, or empty when none was written
    std::string qualifier;  ///< "seat", "year", "seat/year", ...

    ExpectedPrice per(const std::string& q) const {
        ExpectedPrice e = *this;
        e.qualifier = q;
        return e;
    }
};

inline ExpectedPrice pct(double v) { return {"percent", v, 0, "", ""}; }
inline ExpectedPrice pct_range(double low, double high) { return {"percent", high, low, "", ""}; }
inline ExpectedPrice amount(double v, const std::string& currency) {
    return {"amount", v, 0, currency, ""};
}
inline ExpectedPrice none() { return {}; }

/// One fact, written in both languages.
struct MirroredCase {
    std::string en;
    std::string zh;
    ExpectedPrice expected;
};

inline const std::vector<MirroredCase>& price_cases() {
    static const std::vector<MirroredCase> cases = {
        // Discounts with 折 (Arabic and Chinese digits, one and two digits) and "% off".
        {"Foo offered 20% off", "富欧打八折", pct(-20)},
        {"ZTE gave us 25% off", "中兴给了七五折", pct(-25)},
        {"Huawei quoted 15% off list", "华为报了八五折", pct(-15)},
        {"They offer 10% off", "他们打九折", pct(-10)},
        {"Foo gives 5% off", "富欧给九五折", pct(-5)},
        {"ZTE offered 20% off", "中兴给了8折", pct(-20)},
        {"Huawei quoted 15% off", "华为报价8.5折", pct(-15)},
        {"Foo: 15% off", "富欧85折", pct(-15)},
        {"ZTE offered 30% off to close", "中兴为了签单打了七折", pct(-30)},
        {"Huawei offered 12% off", "华为打八八折", pct(-12)},
        {"Foo is offering 40% off", "富欧在打六折", pct(-40)},
        {"Foo offered 20% off the licence", "富欧的许可证打 8 折", pct(-20)},
        // Discounts with 成, percent words and verbs.
        {"prices cut by 20%", "价格降了两成", pct(-20)},
        {"they are 10% cheaper", "他们便宜一成", pct(-10)},
        {"Huawei is discounting 20%", "华为正在让利20%", pct(-20)},
        {"ZTE undercut us by 12%", "中兴比我们低12%", pct(-12)},
        {"Foo is cheaper by 8%", "富欧便宜8%", pct(-8)},
        {"their price is 15% below our price", "他们的价格比我们低15%", pct(-15)},
        {"the competitor cut prices by 30 percent", "竞品降价百分之三十", pct(-30)},
        {"Foo gave a discount of 5%", "富欧优惠5个点", pct(-5)},
        {"ZTE is 7.5% lower", "中兴低7.5%", pct(-7.5)},
        {"Foo is 5% cheaper", "富欧便宜5％", pct(-5)},
        {"Huawei dropped its price by 30%", "华为降价三成", pct(-30)},
        {"ZTE is discounting 15 percent", "中兴降价百分之十五", pct(-15)},
        {"Foo undercuts us by 3%", "富欧比我们便宜3个点", pct(-3)},
        {"Huawei gives a 10% rebate", "华为返点10%", pct(-10)},
        {"ZTE's quote is 25% below our price", "中兴报价比我们低百分之二十五", pct(-25)},
        {"Foo's price is 20 % lower", "富欧价格低 20 %", pct(-20)},
        // Higher prices.
        {"Foo is 10% higher than us", "富欧比我们高10%", pct(10)},
        {"ZTE charges a 15% premium", "中兴溢价15%", pct(15)},
        {"Huawei is 8% more expensive", "华为贵8%", pct(8)},
        {"their price is 20% above ours", "他们的价格比我们高两成", pct(20)},
        {"Foo raised prices by 5%", "富欧涨价5%", pct(5)},
        {"Foo prices up 12%", "富欧价格上调12%", pct(12)},
        {"ZTE is 30% above our price", "中兴比我们贵三成", pct(30)},
        {"Huawei charges a premium of 6.5%", "华为溢价百分之六点五", pct(6.5)},
        // Ranges.
        {"Foo is 10-15% cheaper", "富欧便宜10-15%", pct_range(-10, -15)},
        {"ZTE is 10 to 20% cheaper", "中兴便宜一到两成", pct_range(-10, -20)},
        {"Huawei prices are 5~8% higher", "华为价格高5~8%", pct_range(5, 8)},
        {"a discount of 10–15%", "优惠10至15%", pct_range(-10, -15)},
        {"they offered 20-30% off", "他们打七到八折", pct_range(-20, -30)},
        {"Foo is 10 to 15 percent cheaper", "富欧便宜百分之十到十五", pct_range(-10, -15)},
        // Amounts: symbols, codes and words, with multipliers, in both numeral systems.
        {"ZTE quoted ¥500,000", "中兴报价50万元", amount(500000, "CNY")},
        {"Huawei quoted 1.5 million yuan", "华为报价150万元", amount(1500000, "CNY")},
        {"Foo quoted $12,000", "富欧报价1.2万美元", amount(12000, "USD")},
        {"Foo quoted 12k USD", "富欧报价12000美金", amount(12000, "USD")},
        {"ZTE quoted €8,000", "中兴报价8000欧元", amount(8000, "EUR")},
        {"Huawei quoted £5,000", "华为报价五千英镑", amount(5000, "GBP")},
        {"Foo quoted HK$30,000", "富欧报价三万港币", amount(30000, "HKD")},
        {"ZTE quoted JPY 2,000,000", "中兴报价两百万日元", amount(2000000, "JPY")},
        {"Huawei quoted RMB 120,000", "华为报价人民币十二万", amount(120000, "CNY")},
        {"Foo quoted CNY 35,000", "富欧报价三万五千元", amount(35000, "CNY")},
        {"ZTE quoted 3,500 yuan", "中兴报价3千5元", amount(3500, "CNY")},
        {"Huawei quoted 120,000 RMB", "华为报价十二万人民币", amount(120000, "CNY")},
        {"Foo asked 25,000 euros", "富欧要价两万五欧元", amount(25000, "EUR")},
        {"ZTE quoted 1.2bn yuan", "中兴报价12亿元", amount(1.2e9, "CNY")},
        {"Huawei quoted USD 2.5m", "华为报价250万美元", amount(2500000, "USD")},
        {"Foo quoted 300 dollars", "富欧报价三百美元", amount(300, "USD")},
        {"ZTE quoted 150k CNY", "中兴报价15万人民币", amount(150000, "CNY")},
        {"Huawei quoted $1,200.50", "华为报价1200.5美元", amount(1200.5, "USD")},
        {"Foo quoted JPY 500,000", "富欧报价五十万日元", amount(500000, "JPY")},
        {"Huawei quoted 10,000 HKD", "华为报价一万港币", amount(10000, "HKD")},
        {"Foo quoted 2,000,000 yuan", "富欧报价两百万元", amount(2000000, "CNY")},
        {"ZTE quoted 9,800 yuan", "中兴报价九千八百元", amount(9800, "CNY")},
        {"Huawei quoted ¥1,050", "华为报价一千零五十元", amount(1050, "CNY")},
        {"Foo quoted $3.5k", "富欧报价3.5千美元", amount(3500, "USD")},
        {"ZTE quoted 2 billion yuan", "中兴报价二十亿元", amount(2e9, "CNY")},
        {"Huawei quoted 66,000 yuan", "华为报价六万六千元", amount(66000, "CNY")},
        {"Foo quoted 0.8m dollars", "富欧报价八十万美元", amount(800000, "USD")},
        {"ZTE quoted ￥45,000", "中兴报价￥45000", amount(45000, "CNY")},
        {"Huawei quoted 7,500 euros", "华为报价七千五百欧元", amount(7500, "EUR")},
        {"Foo quoted 4,000 pounds", "富欧报价四千英镑", amount(4000, "GBP")},
        {"ZTE quoted 100,000 yen", "中兴报价十万日元", amount(100000, "JPY")},
        {"Huawei quoted GBP 12,000", "华为报价1.2万英镑", amount(12000, "GBP")},
        {"Foo quoted 20,000 HK dollars", "富欧报价两万港币", amount(20000, "HKD")},
        {"ZTE quoted EUR 1.5m", "中兴报价150万欧元", amount(1500000, "EUR")},
        {"Huawei quoted 1,000 yuan", "华为报价一千块", amount(1000, "CNY")},
        // Amounts with a direction.
        {"Huawei is 2,000 yuan cheaper", "华为便宜两千块", amount(-2000, "CNY")},
        {"Foo undercut us by $500", "富欧比我们低500美元", amount(-500, "USD")},
        {"ZTE is 100 pounds below our price", "中兴比我们便宜一百英镑", amount(-100, "GBP")},
        {"Foo offered a rebate of ¥20,000", "富欧返利两万元", amount(-20000, "CNY")},
        {"Huawei's bid is 1,500 euros lower", "华为的报价低1500欧元", amount(-1500, "EUR")},
        {"ZTE cut the price by 30,000 yuan", "中兴降价三万元", amount(-30000, "CNY")},
        {"Foo is $2,000 more expensive", "富欧贵两千美元", amount(2000, "USD")},
        {"Huawei's quote is ¥8,000 above ours", "华为报价比我们高8000元", amount(8000, "CNY")},
        // Per unit and per period.
        {"Foo charges ¥3,000 per seat", "富欧每个席位3000元", amount(3000, "CNY").per("seat")},
        {"Foo charges 3,000 per seat", "富欧报价3000/席位", amount(3000, "").per("seat")},
        {"ZTE: $50 per user per month", "中兴每个用户每月50美元",
         amount(50, "USD").per("user/month")},
        {"Huawei quoted 120,000 yuan a year", "华为报价每年12万元",
         amount(120000, "CNY").per("year")},
        {"Foo asks $20k per year", "富欧每年要价2万美元", amount(20000, "USD").per("year")},
        {"ZTE: 800 yuan per unit", "中兴每台800元", amount(800, "CNY").per("unit")},
        {"Foo quoted 200 dollars a month", "富欧每月200美元", amount(200, "USD").per("month")},
        {"Huawei is ¥5,000 cheaper per seat", "华为每个席位便宜5000元",
         amount(-5000, "CNY").per("seat")},
        {"Foo priced at 1,000 euros per user", "富欧每用户1000欧元",
         amount(1000, "EUR").per("user")},
        {"Foo wants ¥800 more per seat per year", "富欧每个席位每年贵800元",
         amount(800, "CNY").per("seat/year")},
        {"ZTE quoted 99 yuan per user a month", "中兴每个用户每月99元",
         amount(99, "CNY").per("user/month")},
        {"Huawei charges 6,000 yuan per year", "华为年费6000元", amount(6000, "CNY").per("year")},
        // Not price signals.
        {"call me at 138-0013-8000", "电话13800138000", none()},
        {"we met on 2026-11-02", "2026年11月2日见面", none()},
        {"they upgraded to version 2.5.1", "他们升级到2.5.1版本", none()},
        {"met 8 people", "见了8个人", none()},
        {"they want 8 foldable screens", "客户想要8折叠屏", none()},
        {"room 12, floor 3", "3楼12号房间", none()},
        {"they will probably sign", "他们八成会签", none()},
        {"the price has not changed at all", "价格一成不变", none()},
        {"see you at 3:30", "三点半见", none()},
        {"they ordered 1000 units", "他们订购了1000台", none()},
        {"plan for Q3 2026", "2026年第三季度计划", none()},
        {"we had 2 meetings this week", "这周开了两次会", none()},
        {"50% of their users want training", "他们50%的用户想要培训", none()},
        {"they are ISO 9001 certified", "他们通过了ISO 9001认证", none()},
        {"they run Windows 11", "他们用Windows 11系统", none()},
        {"7 of 10 customers renewed", "十个客户中有七个续约了", none()},
        {"never cut prices", "千万别降价", none()},
        {"their 5G rollout is late", "他们的5G部署晚了", none()},
    };
    return cases;
}

}  // namespace twintrack::bot::reports::testing
