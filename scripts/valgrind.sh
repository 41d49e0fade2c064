#!/usr/bin/env bash
# valgrind memcheck over a build without sanitizers (ASan and valgrind do not
# mix): every unit test, then integration suites with `voxdial` (the server
# and the CLI tools) run under valgrind through a wrapper. Fails on any
# memcheck error and on definite or indirect leaks; "still reachable" memory
# of libraries that keep it until exit (ICU, espeak-ng) is not an error.
#   scripts/valgrind.sh [BUILD_DIR]        (make valgrind; part of make test)
# The suites that depend on timing (dialer pacing, the bot's response) stay
# with ASan: valgrind slows the code 20-50x.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$root/build-vg}
jobs=${JOBS:-$(nproc)}
cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DVD_SANITIZE=OFF >/dev/null || exit 1
cmake --build "$dir" -j "$jobs" >/dev/null || exit 1
dir=$(cd "$dir" && pwd)

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
vg="valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect"
vg="$vg --show-leak-kinds=definite,indirect --num-callers=30 -q"
cat >"$logs/voxdial" <<EOF
#!/bin/sh
exec $vg --log-file=$logs/voxdial.%p.log "$dir/voxdial" "\$@"
EOF
chmod +x "$logs/voxdial"
start=$(date +%s)
status=0

# Unit tests, two at a time; each writes its own log.
export VD_SOURCE_DIR=$root vg logs
ls "$dir"/test_* | xargs -P "$jobs" -I{} sh -c \
  'n=$(basename {}); $vg --log-file=$logs/$n.log {} >$logs/$n.out 2>&1 || echo "valgrind: $n failed (exit $?)"' \
  | tee "$logs/unit.failed"
[ -s "$logs/unit.failed" ] && status=1

# Integration suites against the binary under valgrind.
for t in test_api_access test_api_config test_api_isolation test_templates test_import_cli \
         test_amd_cli test_reports; do
  if ! VOXDIAL_BIN="$logs/voxdial" PYTHONPATH="$root/tests/integration" \
       timeout 600 python3 "$root/tests/integration/$t.py" >"$logs/$t.out" 2>&1; then
    echo "valgrind: $t failed"; grep -v '^ok' "$logs/$t.out" | tail -20; status=1
  fi
done

# Any report at all (-q leaves a log empty when the run was clean).
for f in "$logs"/*.log; do
  if [ -s "$f" ]; then
    echo "valgrind: report in $(basename "$f"):"; head -60 "$f"; status=1
  fi
done
echo "valgrind: $(ls "$dir"/test_* | wc -l) unit tests and 7 suites in $(( $(date +%s) - start ))s:" \
  "$([ $status = 0 ] && echo clean || echo FAILED)"
exit $status
