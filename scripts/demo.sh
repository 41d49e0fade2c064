#!/usr/bin/env bash
# `make demo`: a fresh voxdial under ./demo with a sample account, trunk,
# dial plan, recall rules, script and a task of 50 clients, then the server
# in the foreground (Ctrl-C stops it). Prints the address, login and token.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/build/voxdial"
demo="$root/demo"
port=${VOXDIAL_DEMO_PORT:-8080}
email=demo@voxdial.local
password=demo-password

rm -rf "$demo"
mkdir -p "$demo/data"
token=$("$bin" account create --db "$demo/voxdial.db" --name "Demo company" --email "$email" --password "$password")

"$bin" serve --db "$demo/voxdial.db" --http "127.0.0.1:$port" --sip 127.0.0.1:0 --data "$demo/data" \
  2> >(tee "$demo/voxdial.log" >&2) &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null' EXIT INT TERM

api() { curl -sS --fail-with-body -H "Authorization: Bearer $token" -H 'Content-Type: application/json' "$@"; }
for _ in $(seq 100); do curl -s "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
base="http://127.0.0.1:$port/api/v1"

id() { sed -n 's/.*"id":\([0-9]*\).*/\1/p' | head -1; }
trunk=$(api -X POST "$base/trunks" -d '{"name":"Local carrier (SIPp)","host":"127.0.0.1","port":5070,"max_channels":30,"max_cps":10,"default_caller_id":"+74950000000"}' | id)
plan=$(api -X POST "$base/dial-plans" -d "{\"name\":\"Russia mobile\",\"trunk_id\":$trunk,\"allowed_patterns\":[\"_79XXXXXXXXX\"],\"tariff\":{\"per_minute\":1.5,\"currency\":\"RUB\",\"billing_step_s\":60}}" | id)
rules=$(api -X POST "$base/recall-rule-sets" -d '{"name":"Standard recalls","rules":{"busy":{"interval_s":60,"attempts":3},"no_answer":{"interval_s":120,"attempts":2},"failure":{"interval_s":300,"attempts":1}}}' | id)
script=$(api -X POST "$base/scripts" -d '{"name":"Delivery survey","graph":{"start":"hello","blocks":{"hello":{"type":"say","text":"Hello {{name}}, this is a call about your order {{order}}.","next":"bye"},"bye":{"type":"result","label":"informed","action":"hangup"}}}}' | id)
task=$(api -X POST "$base/tasks" -d "{\"name\":\"Demo campaign\",\"script_id\":$script,\"dial_plan_id\":$plan,\"cps\":2,\"window\":{\"from\":\"00:00\",\"to\":\"24:00\",\"timezone\":\"Europe/Moscow\"},\"recall\":{\"mode\":\"template\",\"rule_set_id\":$rules}}" | id)
{
  echo "phone,client_id,name,order"
  for i in $(seq 0 49); do printf '8 (916) 555-%02d-%02d,c%03d,Client %d,A-%d\n' $((i / 10)) $((i % 100)) "$i" "$i" $((1000 + i)); done
} > "$demo/clients.csv"
import=$(api -X POST "$base/tasks/$task/clients" -H 'Content-Type: text/csv' --data-binary @"$demo/clients.csv")

cat <<MSG

  voxdial demo is running.
    UI / API : http://127.0.0.1:$port/   (health: http://127.0.0.1:$port/healthz)
    login    : $email / $password
    API token: $token
    sample   : task $task "Demo campaign" with clients: $import
  Try: curl -H "Authorization: Bearer $token" $base/tasks
  Ctrl-C stops the server.

MSG
wait $server
