#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Print the closing line of a full test run from meson's JSON test logs.

    test/summary.py BUILD_DIR LOGBASE... [--failed NAME]...

A test that skipped inside the VM counts as failed: there, nothing may skip.
--failed NAME counts a step that could not run its tests at all (the VM did
not boot, say) as one failure, so a broken harness never reads as a pass.
"""
import json
import sys


def main(argv):
    build, args = argv[1], argv[2:]
    passed = failed = skipped = 0
    while args:
        arg = args.pop(0)
        if arg == "--failed":
            print(f"FAILED: {args.pop(0)}")
            failed += 1
            continue
        path = f"{build}/meson-logs/{arg}.json"
        try:
            with open(path) as log:
                results = [json.loads(line) for line in log if line.strip()]
        except OSError as error:
            print(f"FAILED: no test log ({error})")
            failed += 1
            continue
        for test in results:
            in_vm = test.get("env", {}).get("KIPVS_IN_VM") == "1"
            result = test["result"]
            if result in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif result == "SKIP" and not in_vm:
                skipped += 1
            else:
                where = " inside the VM" if in_vm else ""
                print(f"FAILED ({result}{where}): {test['name']}")
                failed += 1
    line = f"{passed} passed, {failed} failed"
    if skipped:
        line += f", {skipped} skipped"
    print(line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
