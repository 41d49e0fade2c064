#!/usr/bin/env bash
# `make demo`: a fresh voxdial under ./demo with a sample account, a local
# SIPp "carrier" (tests/sipp/carrier.xml: it answers by the dialed number's
# last digit: answer, busy, ring, unavailable, failure...), a dial plan,
# recall rules, a script and a running task of 50 clients. The server stays
# in the foreground (Ctrl-C stops everything). Prints the address, login
# and API token.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/build/voxdial"
demo="$root/demo"
port=${VOXDIAL_DEMO_PORT:-8080}
carrier_port=${VOXDIAL_DEMO_CARRIER_PORT:-5070}
email=demo@voxdial.local
password=demo-password

rm -rf "$demo"
mkdir -p "$demo/data"
token=$("$bin" account create --db "$demo/voxdial.db" --name "Demo company" --email "$email" --password "$password")

python3 "$root/tests/integration/sipp.py" carrier.xml --port "$carrier_port" --mp 16000 \
  --dir "$demo/carrier" 2>"$demo/carrier.log" &
carrier=$!
"$bin" serve --db "$demo/voxdial.db" --http "127.0.0.1:$port" --sip 127.0.0.1:0 --data "$demo/data" \
  2>"$demo/voxdial.log" &
server=$!
trap 'kill -TERM $server $carrier 2>/dev/null; wait $server $carrier 2>/dev/null' EXIT INT TERM

api() { curl -sS --fail-with-body -H "Authorization: Bearer $token" -H 'Content-Type: application/json' "$@"; }
for _ in $(seq 100); do curl -s "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
base="http://127.0.0.1:$port/api/v1"

id() { sed -n 's/.*"id":\([0-9]*\).*/\1/p' | head -1; }
trunk=$(api -X POST "$base/trunks" -d "{\"name\":\"Local carrier (SIPp)\",\"host\":\"127.0.0.1\",\"port\":$carrier_port,\"max_channels\":30,\"max_cps\":10,\"default_caller_id\":\"+74950000000\"}" | id)
plan=$(api -X POST "$base/dial-plans" -d "{\"name\":\"Russia mobile\",\"trunk_id\":$trunk,\"allowed_patterns\":[\"_79XXXXXXXXX\"],\"tariff\":{\"per_minute\":1.5,\"currency\":\"RUB\",\"billing_step_s\":60}}" | id)
rules=$(api -X POST "$base/recall-rule-sets" -d '{"name":"Standard recalls","rules":{"busy":{"interval_s":20,"attempts":2},"no_answer":{"interval_s":30,"attempts":1},"failure":{"interval_s":30,"attempts":1}}}' | id)
script=$(api -X POST "$base/scripts" -d '{"name":"Delivery survey","graph":{"start":"hello","blocks":{"hello":{"type":"say","text":"Hello {{name}}, this is a call about your order {{order}}.","next":"bye"},"bye":{"type":"result","label":"informed","action":"hangup"}}}}' | id)
task=$(api -X POST "$base/tasks" -d "{\"name\":\"Demo campaign\",\"script_id\":$script,\"dial_plan_id\":$plan,\"cps\":2,\"ring_timeout_s\":10,\"ineffective_duration_s\":3,\"window\":{\"from\":\"00:00\",\"to\":\"24:00\",\"timezone\":\"Europe/Moscow\"},\"recall\":{\"mode\":\"template\",\"rule_set_id\":$rules}}" | id)
{
  echo "phone,client_id,name,order"
  for i in $(seq 0 49); do printf '8 (916) 555-%02d-%02d,c%03d,Client %d,A-%d\n' $((i / 10)) "$i" "$i" "$i" $((1000 + i)); done
} > "$demo/clients.csv"
import=$(api -X POST "$base/tasks/$task/clients" -H 'Content-Type: text/csv' --data-binary @"$demo/clients.csv")
api -X POST "$base/tasks/$task/start" >/dev/null

cat <<MSG

  voxdial demo is running.
    UI / API : http://127.0.0.1:$port/   (health: http://127.0.0.1:$port/healthz)
    login    : $email / $password
    API token: $token
    sample   : task $task "Demo campaign", started; clients: $import
    carrier  : SIPp on 127.0.0.1:$carrier_port (logs: $demo/carrier/)
  Watch it run:
    curl -s -H "Authorization: Bearer $token" $base/tasks/$task/stats
    curl -s -H "Authorization: Bearer $token" "$base/tasks/$task/calls?per_page=10"
  Server log: $demo/voxdial.log. Ctrl-C stops everything.

MSG
wait $server
