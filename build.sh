#!/usr/bin/env bash
# SqlHelper build entry point.
#   ./build.sh test           install what is missing, build warning-free, run every test, print "N passed, N failed, N skipped"
#   ./build.sh demo           install what is missing, run samples/SqlHelper.Demo
#   ./build.sh bench [--full] run the load driver (quick by default) against the same kind of server the tests use
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

log() { printf '\n==> %s\n' "$*" >&2; }

have_server_binary() {
  command -v mariadbd >/dev/null 2>&1 || command -v mysqld >/dev/null 2>&1 ||
    [ -x /usr/sbin/mariadbd ] || [ -x /usr/sbin/mysqld ] || [ -x /usr/local/mysql/bin/mysqld ]
}

docker_engine_answers() {
  { [ -n "${DOCKER_HOST:-}" ] || [ -S /var/run/docker.sock ]; } && command -v docker >/dev/null 2>&1 &&
    timeout 10 docker info >/dev/null 2>&1
}

# A server for tests, demo and benchmarks: an existing one, a Docker engine, or a local mariadbd (installed here if need be).
ensure_server() {
  if [ -n "${SQLHELPER_TEST_CONNECTION:-}" ] || [ -n "${SQLHELPER_CONNECTION:-}" ]; then
    log "Using the server named by SQLHELPER_TEST_CONNECTION / SQLHELPER_CONNECTION"
  elif docker_engine_answers; then
    log "A Docker engine answers: tests will use a MySQL 8.4 container"
  elif have_server_binary; then
    log "Using the local server binary: $(command -v mariadbd || command -v mysqld || ls /usr/sbin/mariadbd /usr/sbin/mysqld 2>/dev/null | head -1)"
  elif [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    log "No server found: installing mariadb-server with apt-get"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mariadb-server openssl >/dev/null
  else
    echo "No MySQL-compatible server: set SQLHELPER_TEST_CONNECTION, run a Docker engine, or install mariadb-server (needs root)." >&2
    exit 1
  fi
  if ! command -v openssl >/dev/null 2>&1 && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >/dev/null || true
  fi
}

ensure_sysbench() {
  if ! command -v sysbench >/dev/null 2>&1 && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    log "Installing sysbench (the C-client reference row)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sysbench >/dev/null || echo "sysbench could not be installed; its row is skipped" >&2
  fi
}

build() {
  log "Building SqlHelper.sln (Release, warnings are errors)"
  dotnet build SqlHelper.sln -c Release -warnaserror -nologo -clp:ErrorsOnly
}

run_tests() {
  local results="artifacts/test-results"
  rm -rf "$results"
  mkdir -p "$results"
  log "Running the tests"
  local status=0
  dotnet test tests/SqlHelper.Tests/SqlHelper.Tests.csproj -c Release --no-build \
    --logger "trx;LogFileName=tests.trx" --logger "console;verbosity=normal" --results-directory "$results" \
    --blame-hang --blame-hang-timeout 10m || status=$?
  local counters passed failed total skipped
  counters=$(grep -ho '<Counters [^>]*>' "$results"/*.trx 2>/dev/null | head -1 || true)
  if [ -z "$counters" ]; then
    echo "0 passed, 1 failed, 0 skipped"
    return 1
  fi
  attr() { printf '%s' "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
  total=$(attr total); passed=$(attr passed); failed=$(attr failed)
  skipped=$(( total - passed - failed ))
  echo "$passed passed, $failed failed, $skipped skipped"
  [ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
}

case "${1:-}" in
  test)
    ensure_server
    if ! build; then
      echo "0 passed, 1 failed, 0 skipped"   # the build failed: no test could run
      exit 1
    fi
    run_tests
    ;;
  demo)
    ensure_server
    log "Running samples/SqlHelper.Demo"
    dotnet run --project samples/SqlHelper.Demo -c Release -warnaserror
    ;;
  bench)
    shift
    ensure_server
    ensure_sysbench
    if [ ! -d benchmarks/SqlHelper.Benchmarks ]; then
      echo "benchmarks/SqlHelper.Benchmarks does not exist yet." >&2
      exit 1
    fi
    dotnet run --project benchmarks/SqlHelper.Benchmarks -c Release -- load "$@"
    ;;
  *)
    echo "usage: ./build.sh test | demo | bench [--full]" >&2
    exit 2
    ;;
esac
