# Sourced by scripts/test.sh (and by its test, tests/ScTransfer.Infra.Tests/TestScriptTests.cs): reading `dotnet test`
# output. Functions only; nothing runs on sourcing.

# Totals of the `dotnet test` summary lines in a log ("Passed!  - Failed: 0, Passed: 12, ..."): "N passed, N failed,
# N skipped". A test run that was aborted (a test host stopped as hung, or crashed) prints no summary line: it counts as
# one failure.
totals() {
  awk '
    /^Test Run Aborted\./ { f += 1 }
    /(Passed|Failed)!/ && /Failed:/ {
      for (i = 1; i <= NF; i++) {
        if ($i == "Failed:")  { f += $(i+1) + 0 }
        if ($i == "Passed:")  { p += $(i+1) + 0 }
        if ($i == "Skipped:") { s += $(i+1) + 0 }
      }
    }
    END { printf "%d passed, %d failed, %d skipped\n", p, f, s }
  ' "$@"
}

# One line per stage, "NAME: N passed, N failed, N skipped", then "total: ..." over them all, so the stage lines add up
# to the total. Arguments are pairs: a stage's name and its log, or the name and why the stage did not run.
report() {
  local logs=()
  while [ $# -ge 2 ]; do
    if [ -f "$2" ]; then
      echo "$1: $(totals "$2")"
      logs+=("$2")
    else
      echo "$1: $2"
    fi
    shift 2
  done
  echo "total: $(totals /dev/null ${logs[@]+"${logs[@]}"})"
}

# Passes `dotnet test` output through without the runner's lines that say nothing about this run's tests: its banner,
# "Test run for <dll>", "Starting test execution", "A total of 1 test files matched", "No test matches the given
# testcase filter" (a project without tests of that stage), the hang detector's "All tests finished running" and blank
# lines. The logs keep everything.
quiet() {
  awk '
    /^(VSTest version |Microsoft \(R\) Test Execution Command Line Tool|Copyright \(c\) Microsoft Corporation)/ { next }
    /^Test run for .*\.dll/ { next }
    /^Starting test execution, please wait/ { next }
    /^A total of [0-9]+ test files? matched the specified pattern/ { next }
    /^No test matches the given testcase filter/ { next }
    /^Data collector .Blame. message: All tests finished running/ { next }
    /^[[:space:]]*$/ { next }
    { print; fflush() }
  '
}
