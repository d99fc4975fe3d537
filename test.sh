#!/usr/bin/env bash
# Runs the whole test suite. On a fresh Debian machine it first installs what the tests need:
# PostgreSQL's server binaries (the tests start their own throwaway cluster on a loopback port),
# Chromium with its driver (the dashboard's browser tests run it headless), and curl (run.sh's own
# tests start ./run.sh, which uses it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

need_packages=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_packages+=(postgresql)
# run.sh (whose own tests start it) talks to the dashboard with curl.
command -v curl >/dev/null 2>&1 || need_packages+=(curl)
command -v chromium >/dev/null 2>&1 || need_packages+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need_packages+=(chromium-driver)
if [ ${#need_packages[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "test.sh: missing Debian packages: ${need_packages[*]} (run as root, or: sudo apt-get install ${need_packages[*]})" >&2
        exit 1
    fi
    echo "test.sh: installing ${need_packages[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need_packages[@]}" >/dev/null
fi
# PostgreSQL refuses to run as root: as root, the tests start it as the unprivileged `postgres` user,
# which the Debian package normally creates (not when only its server binaries were reinstalled).
if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
    echo "test.sh: creating the unprivileged 'postgres' user the tests run PostgreSQL as"
    useradd --system --user-group --home-dir /var/lib/postgresql --shell /usr/sbin/nologin postgres
fi

# The whole run is kept in a log, and every failed test is printed again at the end with its message
# and stack, so a CI system that shows only the tail of the output still says what failed.
log="$(mktemp -t orleansbreaker-tests.XXXXXX.log)"
rc=0
dotnet test OrleansBreaker.sln -c Release --logger "console;verbosity=normal" "$@" 2>&1 | tee "$log" || rc=$?
if [ "$rc" -ne 0 ]; then
    echo
    echo "test.sh: the tests failed (exit $rc); each failed test again, from $log:"
    failed="$(awk '/^  Failed /{keep=1; lines=0; print "----"} /^  (Passed|Skipped) |^\[xUnit/{keep=0}
                   keep && lines < 60 {print; lines++}' "$log")"
    if [ -n "$failed" ]; then
        printf '%s\n' "$failed"
    else
        # No test reported a failure: the build broke, or a test host crashed or was aborted.
        echo "(no test reported a failure; the build's errors and the run's aborts follow)"
        grep -E ' error |[Aa]borted|crashed' "$log" | tail -40
    fi
fi
exit "$rc"
