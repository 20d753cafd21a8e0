#!/usr/bin/env bash
# Browser test of the dashboard (docs/DASHBOARD.md) against the real program with the demo
# organisation and its twelve weeks of history: one headless Chromium opens /dashboard as a
# sales manager (Emily Carter), a sales staff member (Anna Becker) and HR (刘洋), on a hub
# without sign-in (?user=ID, as the chat page's browser test). Each page draws its charts
# (canvas) without console errors; the figures on the page equal the `metrics` command's
# answer for the same person; a staff member cannot open another department's figures by
# URL; the language switch shows Chinese labels. Screenshots of each page in English and
# Chinese go to SCREENSHOT_DIR.
#
#   tests/integration/dashboard_browser_test.sh PATH/TO/twintrack SCREENSHOT_DIR
#
# Exit status: 0 pass, 1 fail, 77 skipped (no Chromium). CHROMIUM overrides the browser.
set -euo pipefail

program=${1:?usage: dashboard_browser_test.sh PATH/TO/twintrack SCREENSHOT_DIR}
shots=${2:?usage: dashboard_browser_test.sh PATH/TO/twintrack SCREENSHOT_DIR}
support="$(dirname "$0")/../support"
# shellcheck source=../support/cdp_browser.sh
source "$support/cdp_browser.sh"
browser_test_setup twintrack_dashboard out.log err.log console.log
mkdir -p "$shots"

"$program" run --demo --data "$work/data" --port 0 >"$work/out.log" 2>"$work/err.log" &
pid=$!
started $pid
port=
for _ in $(seq 300); do
    port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$work/out.log" | grep -o '[0-9]*$' || true)
    [[ -n $port ]] && break
    kill -0 "$pid" 2>/dev/null || fail "twintrack exited"
    sleep 0.1
done
[[ -n $port ]] || fail "twintrack did not start"

cdp_start

# The page is drawn (charts, figures, the status report) when it sets body[data-ready].
ready="document.body.dataset.ready === '1'"
result=
open_page() {  # open_page USER QUERY: loads /dashboard?user=USER&QUERY; sets $result
    # (a browser context per person, as a browser profile would be)
    local url="http://127.0.0.1:$port/dashboard?user=$1&$2"
    cdp open "$1" "$url" "$ready" || fail "the page $url was not drawn: $reply"
    cdp eval "document.getElementById('dashboard-status').textContent" ||
        fail "chromium failed on $url: $reply"
    result=$reply
    cdp eval "document.documentElement.outerHTML" || fail "chromium failed on $url: $reply"
    printf '%s\n' "$reply" >"$work/dom.html"
    cdp console || fail "chromium failed on $url: $reply"
    printf '%s\n' "$reply" >"$work/console.log"
    # The page's own console messages (ECharts warnings, uncaught errors) fail the test.
    if grep -E '^(console|exception)' "$work/console.log" | grep -q "127.0.0.1:$port"; then
        fail "console messages on $url: $(grep -E '^(console|exception)' "$work/console.log")"
    fi
    grep -qx "ERRORS: 0" <<<"$result" || fail "script errors on $url ($result)"
}
expect() {  # expect LINE: the last page reported this line
    grep -qxF "$1" <<<"$result" || fail "the page did not report '$1' (got: $result)"
}
expect_charts() {
    local canvases
    canvases=$(grep -o '^CANVAS: [0-9]*' <<<"$result" | grep -o '[0-9]*$')
    [[ ${canvases:-0} -gt 0 ]] || fail "no chart drawn ($result)"
}
expect_text() {  # expect_text TEXT: the last page's DOM holds TEXT
    grep -qF "$1" "$work/dom.html" || fail "the page does not show '$1'"
}
screenshot() {  # screenshot NAME USER QUERY: the page drawn in a 1280x2200 viewport
    local url="http://127.0.0.1:$port/dashboard?user=$2&$3"
    cdp open "$2" "$url" "$ready" size=1280x2200 || fail "no screenshot of $1: $reply"
    rm -f "$shots/$1.png"
    cdp screenshot "$shots/$1.png" || fail "no screenshot of $1: $reply"
    [[ -s $shots/$1.png ]] || fail "empty screenshot $1"
}
expect_csv() {  # expect_csv: every table the last page shows downloads as a CSV file with a
    # byte order mark and the table's rows (the download itself is caught, not saved)
    cdp eval "(async () => {
      const out = [];
      const createUrl = URL.createObjectURL, click = HTMLAnchorElement.prototype.click;
      let blob = null;
      URL.createObjectURL = (b) => { blob = b; return 'about:blank'; };
      HTMLAnchorElement.prototype.click = function () {};
      try {
        for (const b of document.querySelectorAll('button.csv')) {
          const table = document.getElementById(b.dataset.table);
          if (!table || table.closest('section').hidden) continue;
          blob = null;
          b.click();
          if (!blob) { out.push(b.dataset.table + ' no-file'); continue; }
          const bytes = new Uint8Array(await blob.arrayBuffer());
          const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
          const text = new TextDecoder().decode(bytes);
          let records = 0, quoted = false;
          for (let i = 0; i < text.length; i++) {
            if (text[i] === '\"') quoted = !quoted;
            else if (!quoted && text[i] === '\n') records++;
          }
          out.push(b.dataset.table + (bom ? ' bom ' : ' no-bom ') + records + ' ' + table.rows.length);
        }
      } finally {
        URL.createObjectURL = createUrl;
        HTMLAnchorElement.prototype.click = click;
      }
      return out.join('\n');
    })()" || fail "chromium failed on the CSV buttons: $reply"
    [[ -n $reply ]] || fail "no table with a CSV button on the page"
    local name bom records rows
    while read -r name bom records rows; do
        [[ $bom == bom ]] || fail "the CSV of $name has no byte order mark ($bom)"
        [[ $records == "$rows" ]] || fail "the CSV of $name has $records lines, its table $rows rows"
    done <<<"$reply"
    csv_tables=$(wc -l <<<"$reply")
}
ask() {  # ask USER TEXT: the bot's answer in the chat page (its test mode), in $answer
    local out="document.getElementById('autotest-result').textContent"
    cdp open "$1" "http://127.0.0.1:$port/?autotest=$2&user=$1" "/^REPLY: /m.test($out)" ||
        [[ $reply == "still false"* ]] || fail "chromium failed on the chat page: $reply"
    cdp eval "$out" || fail "chromium failed on the chat page: $reply"
    answer=$reply
}
figure() {  # figure KEY: the value the last dashboard page showed for KEY
    sed -n "s/^FIGURE $1: //p" <<<"$result" | head -n 1
}

# A sales manager: every page draws its charts, in English.
for page in metrics engagements intel activities; do
    open_page emily "page=$page"
    expect "PAGE: $page"
    expect "LOCALE: en"
    expect_charts
    expect_csv
    screenshot "manager-$page-en" emily "page=$page"
    screenshot "manager-$page-zh-CN" emily "page=$page&locale=zh-CN"
    echo "PASS: manager sees $page ($csv_tables tables download as CSV)"
done

# The numbers are the chat command's for the same person and period.
open_page emily "page=metrics"
revenue=$(figure revenue)
won=$(figure deals_won)
leads=$(figure leads)
[[ -n $revenue && -n $won ]] || fail "no revenue or deals won on the page ($result)"
ask emily "metrics"
grep -qF "Revenue $revenue CNY" <<<"$answer" ||
    fail "the page shows revenue $revenue, the metrics command: $(grep -m1 Revenue <<<"$answer")"
grep -qF "Deals won $won " <<<"$answer" || fail "the page shows $won deals won ($answer)"
grep -qF "Leads $leads " <<<"$answer" || fail "the page shows $leads leads ($answer)"
echo "PASS: the manager's page equals metrics (revenue $revenue, won $won, leads $leads)"

# The switch: Chinese labels on the same page.
open_page emily "page=metrics&switch=1"
expect "LOCALE: zh-CN"
expect_charts
expect_text "联合指标"
expect_text "收入"
echo "PASS: the switch shows Chinese labels"

# A staff member: their own figures; another department by URL is refused.
open_page anna "page=metrics"
expect "PAGE: metrics"
expect_charts
screenshot "staff-metrics-en" anna "page=metrics"
open_page anna "page=metrics&department=marketing"
expect "REFUSED: 403"
expect "CANVAS: 0"
expect_text "You may not see these figures."
open_page anna "page=activities"
expect "REFUSED: 403"
echo "PASS: staff cannot open another department's figures"

# HR: the activities, in Chinese (刘洋's language), and back to English with the switch.
open_page liuyang "page=activities"
expect "PAGE: activities"
expect "LOCALE: zh-CN"
expect_charts
expect_text "召开的联合会议"
screenshot "hr-activities-zh-CN" liuyang "page=activities"
open_page liuyang "page=activities&switch=1"
expect "LOCALE: en"
expect_text "Joint meetings held"
screenshot "hr-activities-en" liuyang "page=activities&locale=en"
echo "PASS: HR sees the activities in both languages"

# api PATH EXPR: EXPR (Python, over the answer `d`) of a JSON answer of the hub.
api() {
    /usr/bin/python3 -c '
import json, sys, urllib.request
d = json.load(urllib.request.urlopen(sys.argv[1]))
print(eval(sys.argv[2]))' "http://127.0.0.1:$port$1" "$2"
}
table() {  # table NAME: the rows the last page reported for its table NAME
    sed -n "s/^TABLE $1: //p" <<<"$result" | head -n 1
}

# Field intelligence: price signals, reports per market and per customer, each with links
# to the reports, which open for those who may see them.
open_page emily "page=intel&period=quarter"
expect "PAGE: intel"
for t in prices markets customers; do
    [[ $(table $t) -gt 0 ]] || fail "no rows in the intel page's $t table ($result)"
done
links=$(sed -n 's/^LINKS: //p' <<<"$result" | head -n 1)
[[ ${links:-0} -gt 0 ]] || fail "no links to reports on the intel page ($result)"
prices=$(api "/api/v1/dashboard/intel?user=emily&period=quarter" "len(d['prices'])")
[[ $(table prices) == "$prices" ]] ||
    fail "the page lists $(table prices) price signals, the API $prices"
id=$(api "/api/v1/dashboard/intel?user=emily&period=quarter" "d['customers'][0]['report_ids'][0]")
open_page emily "page=report&id=$id"
expect "PAGE: report"
expect "REPORT: $id"
screenshot "manager-report-en" emily "page=report&id=$id"
screenshot "manager-report-zh-CN" emily "page=report&id=$id&locale=zh-CN"
# A report by someone outside sales, as the admin sees it, is refused to a sales clerk.
other=$(/usr/bin/python3 -c '
import json, sys, urllib.error, urllib.request
for i in range(1, 400):
    try:
        d = json.load(urllib.request.urlopen(sys.argv[1] + str(i)))
    except urllib.error.HTTPError:
        continue
    if d["report"]["department"] != "Sales":
        print(i)
        break' "http://127.0.0.1:$port/api/v1/dashboard/report?user=thomas&locale=en&id=")
[[ -n $other ]] || fail "the demo has no report outside sales"
open_page anna "page=report&id=$other"
expect "REFUSED: 403"
echo "PASS: intel lists $prices price signals and links reports ($links links); another department's report is refused"

# HR's activities of the month: the calendar's events and the budget by kind and quarter.
open_page liuyang "page=activities&period=month"
events=$(api "/api/v1/dashboard/activities?user=liuyang&period=month" "len(d['calendar']['events'])")
[[ $(table events) == "$events" ]] || fail "the page lists $(table events) events, the API $events"
[[ $(table budget) == 16 ]] || fail "the budget table is not 4 kinds x 4 quarters ($result)"
expect_charts
expect_csv
screenshot "hr-calendar-zh-CN" liuyang "page=activities&period=month"
echo "PASS: HR's calendar lists $events events and the budget 16 rows"

# Bad input over HTTP: an unknown page, a period with no data, a tampered scope.
status() {
    /usr/bin/python3 -c '
import sys, urllib.error, urllib.request
try:
    print(urllib.request.urlopen(sys.argv[1]).status)
except urllib.error.HTTPError as e:
    print(e.code)' "http://127.0.0.1:$port$1"
}
[[ $(status "/api/v1/dashboard/payroll?user=emily") == 404 ]] || fail "unknown page not 404"
[[ $(status "/dashboard/nothing.js") == 404 ]] || fail "unknown file not 404"
[[ $(status "/api/v1/dashboard/metrics?user=emily&at=2020-01-06") == 200 ]] ||
    fail "a period with no data is not 200"
[[ $(status "/api/v1/dashboard/metrics?user=jonas&department=sales") == 403 ]] ||
    fail "a marketing staff member's department=sales is not 403"
[[ $(status "/api/v1/dashboard/report?user=emily&id=abc") == 400 ]] || fail "report id abc not 400"
[[ $(status "/api/v1/dashboard/report?user=emily&id=999999") == 404 ]] ||
    fail "an unknown report not 404"
echo "PASS: bad input"
# The screenshots (CTest attaches them to the test's result: ATTACHED_FILES).
for shot in "$shots"/*.png; do echo "screenshot: $shot"; done
