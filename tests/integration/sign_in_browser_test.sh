#!/usr/bin/env bash
# Browser test of signing in with the real program: `twintrack run` with a hub that asks
# people to sign in (`sign_in: [link, oidc]`), sends links by email through a fake SMTP
# relay on loopback (tests/support/fake_smtp.py) and knows a fake OpenID provider
# (tests/support/fake_oidc.py).
# - Link: a headless Chromium asks for a link through the page's form, the mail arrives at
#   the person's directory address, and opening its link in the same browser signs that
#   person in: the page then speaks as them, in their language, and a staff person is
#   refused what needs a manager while the manager is not. The link works once.
# - OpenID Connect: the browser goes to /sign-in/oidc, the provider signs it in and sends
#   it back; the page speaks as the provider's person, whose role follows their groups
#   (sales-leads -> manager; none -> staff).
# - Feishu, DingTalk, WeCom: fakes of the three (tests/support/fake_platforms.py) sign the
#   browser in by their sign-in pages, WeCom also inside its client (a wxwork/ User-Agent)
#   by its silent 网页授权; the person is the one with that platform identity.
# A page in a browser without a session is not signed in, whatever &user it names.
# One Chromium runs the whole test; each "browser" above is a browser context of its own
# (cookies and storage apart, as separate profiles would be).
#
#   tests/integration/sign_in_browser_test.sh PATH/TO/twintrack
#
# Exit status: 0 pass, 1 fail, 77 skipped (no Chromium). CHROMIUM overrides the browser.
set -euo pipefail

program=${1:?usage: sign_in_browser_test.sh PATH/TO/twintrack}
support="$(dirname "$0")/../support"

# shellcheck source=../support/cdp_browser.sh
source "$support/cdp_browser.sh"
browser_test_setup twintrack_sign_in_browser out.log err.log oidc.log platforms.log

cat >"$work/people.csv" <<'CSV'
name,email,department,role,timezone,locale,working_hours,identities
Anna Becker,anna@example.com,marketing,manager,Europe/Berlin,en,08:00-17:00,hub:anna;feishu:ou_anna
李伟,li.wei@example.com,sales,staff,Asia/Shanghai,zh-CN,09:00-18:00,hub:liwei;dingtalk:liwei.staff
Mia Marketer,mia@example.com,marketing,staff,Europe/Berlin,en,08:00-17:00,hub:mia
Sam Sales,sam@example.com,sales,staff,Europe/Berlin,en,08:00-17:00,hub:sam;wecom:SamS
Lin Lead,lin@example.com,sales,manager,Asia/Shanghai,zh-CN,09:00-18:00,hub:lin;wecom:LinL
CSV
"$program" import people "$work/people.csv" --data "$work/data" >/dev/null ||
    fail "import failed"

start_fake_smtp

export SIGN_IN_TEST_OIDC_SECRET=oidc-s3cret
/usr/bin/python3 "$support/fake_oidc.py" twintrack "$SIGN_IN_TEST_OIDC_SECRET" \
    >"$work/oidc.out" 2>"$work/oidc.log" &
started $!
oidc_port=$(await_listening "$work/oidc.out") || fail "the fake OpenID provider did not start"

export SIGN_IN_TEST_APP_SECRET=app-s3cret
/usr/bin/python3 "$support/fake_platforms.py" "$SIGN_IN_TEST_APP_SECRET" \
    >"$work/platforms.out" 2>"$work/platforms.log" &
started $!
platforms=$(await_listening "$work/platforms.out") || fail "the fake platforms did not start"
platforms=http://127.0.0.1:$platforms

# The provider sends browsers back to the hub's address, so the hub's port is chosen here.
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$work/twintrack.yaml" <<YAML
connectors:
  - type: hub
    name: hub
    port: $port
    sign_in: [link, oidc, feishu, dingtalk, wecom]
    smtp:
      host: 127.0.0.1
      port: $smtp_port
      security: none
      from: twintrack@example.com
    oidc:
      issuer: http://127.0.0.1:$oidc_port
      client_id: twintrack
      client_secret: \${SIGN_IN_TEST_OIDC_SECRET}
      redirect_url: http://127.0.0.1:$port/sign-in/oidc/callback
      groups_claim: groups
      roles: {sales-leads: manager}
    feishu:
      app_id: cli_test
      app_secret: \${SIGN_IN_TEST_APP_SECRET}
      authorize_url: $platforms/feishu/authorize
      api_url: $platforms
      redirect_url: http://127.0.0.1:$port/sign-in/feishu/callback
    dingtalk:
      client_id: ding_test
      client_secret: \${SIGN_IN_TEST_APP_SECRET}
      authorize_url: $platforms/dingtalk/authorize
      api_url: $platforms
      oapi_url: $platforms
      redirect_url: http://127.0.0.1:$port/sign-in/dingtalk/callback
    wecom:
      corp_id: ww-test
      agent_id: "1000002"
      secret: \${SIGN_IN_TEST_APP_SECRET}
      authorize_url: $platforms/wwlogin/sso/login
      client_authorize_url: $platforms/connect/oauth2/authorize
      api_url: $platforms
      redirect_url: http://127.0.0.1:$port/sign-in/wecom/callback
YAML

"$program" run --config "$work/twintrack.yaml" --data "$work/data" \
    >"$work/out.log" 2>"$work/err.log" &
started $!
up=
for _ in $(seq 100); do
    grep -q "listening on http://127.0.0.1:$port" "$work/out.log" 2>/dev/null && { up=1; break; }
    sleep 0.1
done
[[ -n $up ]] || fail "twintrack did not start on port $port"
cdp_start

result=
page() {  # page PROFILE TEXT [EXTRA_QUERY]: loads the page in that browser profile
    # The page's test mode (?autotest=TEXT&user=PROFILE; a hub with sign-in ignores &user):
    # what it wrote into #autotest-result goes to $result. Its report ends with the REPLY
    # line, or without a session with SIGNED OUT (and LINK when it asked for a link).
    local out="document.getElementById('autotest-result').textContent"
    local until="/^(REPLY|SIGNED OUT): /m.test($out)"
    [[ ${3:-} == link=* ]] && until="/^LINK: /m.test($out)"
    cdp open "$1" "http://127.0.0.1:$port/?autotest=$2&user=$1${3:+&$3}" "$until" ||
        [[ $reply == "still false"* ]] || fail "chromium failed: $reply"
    cdp eval "$out" || fail "chromium failed: $reply"
    result=$reply
}
expect() {  # expect LINE: the last page showed this line
    grep -qF "$1" <<<"$result" || fail "the page did not show '$1' (autotest result: '$result')"
}
reject() {  # reject TEXT: the last page did not show it
    if grep -qF "$1" <<<"$result"; then fail "the page showed '$1' (autotest result: '$result')"; fi
}

mails=0
sign_in() {  # sign_in PROFILE EMAIL: asks for a link in that browser and opens it there
    page "$1" help "link=$2"
    expect "SIGNED OUT: Type your email or name: the bot sends you a sign-in link by direct message where it already knows you, or else by email."
    expect "LINK: If we know you, a sign-in link is on its way to you as a direct message or an email."
    mails=$((mails + 1))
    local mail="$work/mail/mail-$mails.txt"
    for _ in $(seq 100); do [[ -f $mail ]] && break; sleep 0.1; done
    [[ -f $mail ]] || fail "no mail arrived for $2"
    head -n 1 "$mail" | grep -qxF "To: $2" || fail "the mail went to $(head -n 1 "$mail"), not $2"
    link=$(grep -o "http://127.0.0.1:$port/?sign_in=[0-9a-f]*" "$mail" || true)
    [[ -n $link ]] || fail "no sign-in link in the mail: $(cat "$mail")"
    token=${link##*=}
    page "$1" help "sign_in=$token"
    echo "PASS: $2 signed in by the link in the email"
}

# The staff member: the page speaks as 李伟 (from the session, not from &user), in Chinese,
# and a command that needs a manager is refused.
sign_in liwei-browser li.wei@example.com
expect "USER: liwei"
expect "LANG: zh-CN"
expect "REPLY: 李伟，你最可能用到的（销售部，员工）："
page liwei-browser "summary reports"
expect "USER: liwei"
expect "REPLY: 抱歉，“"
expect "需要角色"
echo "PASS: staff sees the staff view and is refused a manager's command"

# The manager in another browser: her own view, and the same command is not refused.
sign_in anna-browser anna@example.com
expect "USER: anna"
expect "LANG: en"
expect "REPLY: Anna Becker, what you will most likely need (Marketing, manager):"
page anna-browser "summary reports"
expect "USER: anna"
expect "REPLY: "
reject "needs the role"
echo "PASS: the manager's view"

# The link worked once: opened again (in a fresh browser) it signs nobody in.
page replay-browser help "sign_in=$token"
expect "LINK ERROR: That sign-in link does not work (used, expired or mistyped): ask for a new one."
reject "USER:"
# A browser without a session that names someone (&user=anna) is not signed in as them.
page anna help
expect "SIGNED OUT:"
reject "USER:"
echo "PASS: a used link and a named user sign nobody in"

# OpenID Connect. visit PROFILE PATH: opens the address in that browser (redirects and all).
# visit PROFILE PATH [USER_AGENT]
visit() {
    local agent=()
    [[ -n ${3:-} ]] && agent=("agent=$3")
    # Done when the redirects (hub, provider, hub's callback) end on the hub's page.
    cdp open "$1" "http://127.0.0.1:$port$2" "location.origin === 'http://127.0.0.1:$port' &&
        location.pathname === '/' && document.readyState === 'complete'" "${agent[@]}" ||
        fail "chromium failed on $2: $reply"
}
as_account() {  # as_account EMAIL GROUPS: who the provider signs in next
    /usr/bin/python3 -c 'import sys, urllib.parse, urllib.request
urllib.request.urlopen("http://127.0.0.1:%s/_as?%s" % (sys.argv[1], urllib.parse.urlencode(
    {"email": sys.argv[2], "groups": sys.argv[3]}))).read()' "$oidc_port" "$1" "$2" ||
        fail "cannot reach the fake OpenID provider"
}

# Mia (staff in the directory) is in the provider's group sales-leads: a manager now.
as_account mia@example.com sales-leads
visit mia-oidc /sign-in/oidc
page mia-oidc "summary reports"
expect "USER: mia"
expect "REPLY: "
reject "needs the role"
page mia-oidc help
expect "REPLY: Mia Marketer, what you will most likely need (Marketing, manager):"
echo "PASS: OpenID Connect signs Mia in, a manager by her groups"

# 李伟 with no groups: staff, refused the manager's command.
as_account li.wei@example.com ""
visit li-oidc /sign-in/oidc
page li-oidc "summary reports"
expect "USER: liwei"
expect "需要角色"
echo "PASS: OpenID Connect signs 李伟 in as staff"

get() {  # get URL: fetches a fake's control address
    /usr/bin/python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1]).read().decode())' "$1" ||
        fail "cannot reach $1"
}

# Feishu: Anna by her open_id (a manager).
get "$platforms/_as?method=feishu&user=ou_anna" >/dev/null
visit anna-feishu /sign-in/feishu
page anna-feishu "summary reports"
expect "USER: anna"
expect "REPLY: "
reject "needs the role"
echo "PASS: Feishu signs Anna in as a manager"

# DingTalk: 李伟 by his userid (staff).
get "$platforms/_as?method=dingtalk&user=liwei.staff" >/dev/null
visit li-dingtalk /sign-in/dingtalk
page li-dingtalk "summary reports"
expect "USER: liwei"
expect "需要角色"
echo "PASS: DingTalk signs 李伟 in as staff"

# WeCom, by the web login page: Sam (staff).
get "$platforms/_as?method=wecom&user=SamS" >/dev/null
visit sam-wecom /sign-in/wecom
page sam-wecom "summary reports"
expect "USER: sam"
expect "REPLY: Sorry, \"summary reports\" needs the role"
echo "PASS: WeCom's web login signs Sam in as staff"

# Inside the WeCom client: its silent sign-in, no login page. Lin (manager).
get "$platforms/_as?method=wecom&user=LinL" >/dev/null
visit lin-wecom /sign-in/wecom \
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36 wxwork/4.1.22 MicroMessenger/7.0.1"
hits=$(get "$platforms/_hits")
grep -qF '"/connect/oauth2/authorize": 1' <<<"$hits" ||
    fail "the WeCom client's sign-in was not used ($hits)"
grep -qF '"/wwlogin/sso/login": 1' <<<"$hits" || fail "the web login page was used again ($hits)"
page lin-wecom help
expect "USER: lin"
expect "REPLY: Lin Lead，你最可能用到的（销售部，经理）："
echo "PASS: inside the WeCom client its silent sign-in signs Lin in as a manager"
