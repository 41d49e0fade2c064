# SPDX-License-Identifier: AGPL-3.0-or-later
"""`voxdial recall-preview` through the real binary: the user guide's four
recall examples (shared/spec/000_68bbd152da28eb95.txt) as exact schedules,
the pending answer, durations, errors that name the field with exit code 2,
and the same answer from POST /api/v1/recall-rule-sets/preview."""

import json
import os
import subprocess

import vdtest

t = vdtest.Run(__file__)
BIN = vdtest.binary()

BUSY_5x3 = {"busy": {"interval_s": 5, "attempts": 3}}
BUSY_SHORT = {"busy": {"interval_s": 5, "attempts": 3},
              "short": {"interval_s": 60, "attempts": 1, "max_duration_s": 5}}


def rules_file(obj, name="rules.json"):
    path = os.path.join(t.tmp, name)
    with open(path, "w", encoding="utf-8") as f:
        if isinstance(obj, str):
            f.write(obj)
        else:
            json.dump(obj, f)
    return path


def preview(rules, outcomes, *extra):
    """Runs the command; returns (exit code, parsed stdout or None, stderr)."""
    args = [BIN, "recall-preview", "--rules", rules_file(rules), "--outcomes", outcomes]
    p = subprocess.run(args + list(extra), capture_output=True, text=True, timeout=30)
    t.scan_sanitizer(p.stderr, "recall-preview")
    out = None
    if p.returncode == 0:
        try:
            out = json.loads(p.stdout)
        except ValueError:
            t.fail("stdout is one JSON object", p.stdout)
    return p.returncode, out, p.stderr


def schedule(out):
    return [(a["n"], a["recall_for"], a["outcome"], a["at_s"]) for a in out["attempts"]]


def guide_example_1():
    # busy, 5 s, 3 attempts: three recalls, each 5 s after the previous busy end
    rc, out, err = preview(BUSY_5x3, "busy,busy,busy,busy")
    t.eq(rc, 0, "exit 0")
    t.eq(schedule(out), [(1, None, "busy", 0), (2, "busy", "busy", 5),
                         (3, "busy", "busy", 10), (4, "busy", "busy", 15)], "schedule")
    t.eq(out["counters"], {"busy": 3}, "counters")
    t.eq(out["final"], "busy", "final")
    t.ok("next" not in out, "no next when finished", out)


def guide_example_2():
    # the client answers on the 1st recall: the other two are not made
    rc, out, err = preview(BUSY_5x3, "busy,completed")
    t.eq(schedule(out), [(1, None, "busy", 0), (2, "busy", "completed", 5)], "schedule")
    t.eq(out["final"], "completed", "final")
    t.eq(out["counters"], {"busy": 0}, "counters")
    rc, out, err = preview(BUSY_5x3, "busy,completed,busy")
    t.eq(rc, 2, "an attempt after the answer is an error")
    t.ok("outcomes[2]" in err, "the error names outcomes[2]", err)


def guide_example_3():
    # unavailable on the 3rd recall: the 3rd recall is repeated, not counted
    rc, out, err = preview(BUSY_5x3, "busy,busy,busy,unavailable,busy")
    t.eq(schedule(out), [(1, None, "busy", 0), (2, "busy", "busy", 5), (3, "busy", "busy", 10),
                         (4, "busy", "unavailable", 15), (5, "busy", "busy", 20)], "schedule")
    t.eq(out["counters"], {"busy": 3}, "counters")
    t.eq(out["final"], "busy", "final")


def guide_example_4():
    # busy + short: the 3rd busy recall ends short; short counts 1, busy stays
    # at 2, and the 3rd busy recall is repeated after the short interval
    rc, out, err = preview(BUSY_SHORT, "busy,busy,busy,short")
    t.eq(schedule(out), [(1, None, "busy", 0), (2, "busy", "busy", 5), (3, "busy", "busy", 10),
                         (4, "busy", "short", 15)], "schedule")
    t.eq(out["counters"], {"busy": 2, "short": 1}, "counters")
    t.eq(out["final"], "pending", "pending")
    t.eq(out.get("next"), {"recall_for": "busy", "at_s": 75}, "next: the 3rd busy recall again")
    rc, out, err = preview(BUSY_SHORT, "busy,busy,busy,short,busy")
    t.eq(schedule(out)[-1], (5, "busy", "busy", 75), "the repeated 3rd recall")
    t.eq(out["counters"], {"busy": 3, "short": 1}, "counters at the end")
    t.eq(out["final"], "busy", "final")


def durations_and_shapes():
    rc, out, err = preview(BUSY_5x3, "busy,busy", "--duration-s", "30")
    t.eq([a["at_s"] for a in out["attempts"]], [0, 35], "at_s counts from each attempt's end")
    t.eq(out["next"], {"recall_for": "busy", "at_s": 70}, "next after the last end")
    rc, out, err = preview(BUSY_5x3, "busy,busy", "--duration-s=30")
    t.eq(rc, 0, "--duration-s=30 form")
    # a full rule set object is accepted too
    rc, out, err = preview({"name": "Megafon", "rules": BUSY_5x3}, "no_answer")
    t.eq(rc, 0, "a whole rule set file")
    t.eq(out["final"], "no_answer", "no rule on the first call finishes it")
    t.eq(schedule(out), [(1, None, "no_answer", 0)], "one attempt")
    # exact bytes of the first example (compact, in documented key order)
    p = subprocess.run([BIN, "recall-preview", "--rules", rules_file(BUSY_5x3), "--outcomes",
                        "busy,busy"], capture_output=True, text=True, timeout=30)
    t.eq(p.stdout.splitlines()[0] if p.stdout else "",
         '{"attempts":[{"n":1,"recall_for":null,"outcome":"busy","at_s":0},'
         '{"n":2,"recall_for":"busy","outcome":"busy","at_s":5}],"counters":{"busy":1},'
         '"final":"pending","next":{"recall_for":"busy","at_s":10}}', "stdout bytes")
    # the total cap: an endless run of uncounted repeats stops at 20 attempts
    rc, out, err = preview(BUSY_5x3, ",".join(["busy"] + ["unavailable"] * 19))
    t.eq(len(out["attempts"]), 20, "20 attempts")
    t.eq((out["final"], out.get("reason")), ("unavailable", "max_total_attempts"),
         "stopped by the cap, and says so")


def errors():
    rc, out, err = preview(BUSY_5x3, "busy,busy,busy,busy,busy")
    t.eq(rc, 2, "outcomes after the client finished: exit 2")
    t.ok(err.startswith("voxdial: outcomes[4]: "), "names outcomes[4]", err)
    rc, out, err = preview(BUSY_5x3, "busy,engaged")
    t.eq(rc, 2, "unknown outcome: exit 2")
    t.ok(err.startswith("voxdial: outcomes[1]: "), "names outcomes[1]", err)
    rc, out, err = preview({"busy": {"interval_s": 5, "attempts": 0}}, "busy")
    t.eq(rc, 2, "attempts 0: exit 2")
    t.ok(err.startswith("voxdial: rules.busy.attempts: "), "names rules.busy.attempts", err)
    rc, out, err = preview({"short": {"interval_s": 5, "attempts": 1}}, "busy")
    t.ok(err.startswith("voxdial: rules.short.max_duration_s: "), "short needs max_duration_s", err)
    rc, out, err = preview({"busy": {"interval_s": 5, "attempts": 3, "retries": 1}}, "busy")
    t.ok(err.startswith("voxdial: rules.busy.retries: "), "unknown field named", err)
    rc, out, err = preview({"bussy": {"interval_s": 5, "attempts": 3}}, "busy")
    t.ok(err.startswith("voxdial: rules.bussy: "), "unknown condition named", err)
    rc, out, err = preview("{not json", "busy")
    t.eq(rc, 2, "malformed JSON: exit 2")
    t.ok(err.startswith("voxdial: --rules: "), "names --rules", err)
    rc, out, err = preview(BUSY_5x3, "busy", "--duration-s", "-3")
    t.ok(rc == 2 and err.startswith("voxdial: --duration-s: "), "bad duration", err)
    p = subprocess.run([BIN, "recall-preview", "--outcomes", "busy"], capture_output=True,
                       text=True, timeout=30, env={k: v for k, v in os.environ.items()
                                                   if k != "VOXDIAL_RULES"})
    t.ok(p.returncode == 2 and p.stderr.startswith("voxdial: --rules: "), "missing --rules", p.stderr)


def same_answer_over_http():
    srv = t.server()
    a = srv.account("Preview")
    body = {"rules": BUSY_SHORT, "outcomes": ["busy", "busy", "busy", "short", "busy"],
            "duration_s": 3}
    st, got, _ = a.post("/api/v1/recall-rule-sets/preview", body)
    t.status((st, got), 200, "POST /recall-rule-sets/preview")
    rc, cli, err = preview(BUSY_SHORT, "busy,busy,busy,short,busy", "--duration-s", "3")
    t.eq(got, cli, "HTTP and CLI give the same answer")
    body["outcomes"].append("busy")
    st, got, _ = a.post("/api/v1/recall-rule-sets/preview", body)
    # 400 or 422 is the API layer's choice (DESIGN.md allows both); the field is ours
    t.error((st, got), st if st in (400, 422) else 400, "outcome after finish",
            field="outcomes[5]")


for case in (guide_example_1, guide_example_2, guide_example_3, guide_example_4,
             durations_and_shapes, errors, same_answer_over_http):
    t.case(case)
t.done()
