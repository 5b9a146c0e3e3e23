#!/usr/bin/env bash
# The whole test suite again, with the process clock shifted years ahead and then years back,
# to show that no test depends on today's date (docs/testing.md, "The clock rule").
#
#   npm run test:shifted-clock                  # clock 6 years ahead, then 6 years back
#   bash tooling/scripts/test-shifted-clock.sh +3y -10y  # other shifts, in faketime's syntax
#
# Needs libfaketime (Debian/Ubuntu: apt-get install faketime). Only the wall clock moves
# (Date.now(), new Date(), file times); the monotonic clock behind timers and performance.now()
# is left alone (FAKETIME_DONT_FAKE_MONOTONIC=1), so every wait lasts as long as it would anyway.
#
# Jest's worker count comes from jest.config.js, as for `npm test` (docs/testing.md).
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v faketime >/dev/null 2>&1; then
  echo "test-shifted-clock: faketime is not installed; on Debian or Ubuntu: apt-get install faketime" >&2
  exit 2
fi
shifts=("$@")
if [ ${#shifts[@]} -eq 0 ]; then shifts=(+6y -6y); fi
export FAKETIME_DONT_FAKE_MONOTONIC=1
real_year=$(date -u +%Y)

# Built once, on the real clock.
npm run build --silent

for i in "${!shifts[@]}"; do
  shift_spec=${shifts[$i]}
  shifted_now=$(faketime -f "$shift_spec" node -p 'new Date().toISOString()')
  if [ "${shifted_now:0:4}" = "$real_year" ]; then
    echo "test-shifted-clock: faketime -f '$shift_spec' left Node's clock in $real_year ($shifted_now); give a shift of a year or more" >&2
    exit 2
  fi
  echo "===== test-shifted-clock: pass $((i + 1)) of ${#shifts[@]}: clock $shift_spec, so Node's now is $shifted_now ====="
  if ! faketime -f "$shift_spec" node --experimental-vm-modules --require ./test/support/quiet-vm-modules-warning.cjs node_modules/jest/bin/jest.js; then
    echo "test-shifted-clock: the suite FAILED with the clock shifted by $shift_spec ($shifted_now)" >&2
    exit 1
  fi
done
echo "test-shifted-clock: the suite passed with the clock shifted by ${shifts[*]}"
