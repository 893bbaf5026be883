#!/usr/bin/env bash
# SqlHelper build entry point.
#   ./build.sh test           install what is missing (a server, openssl, and galera-4 and rsync for the cluster
#                             tests), build warning-free, run every test project under tests/, and end with the line
#                             "N passed, N failed, N skipped"
#   ./build.sh demo           install what is missing, run samples/SqlHelper.Demo
#   ./build.sh bench [--full] install what is missing, run the load driver (quick by default)
#
# A server comes from, in order: SQLHELPER_TEST_CONNECTION (SQLHELPER_CONNECTION for the demo and benchmarks), a Docker
# engine (MySQL 8.4 through Testcontainers), or a local mariadbd/mysqld, which MySqlTestServer starts privately. When
# none of these exists, this script installs mariadb-server with apt-get (as root).
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

RESULTS_DIR="artifacts/test-results"

log() { printf '\n==> %s\n' "$*" >&2; }

usage() {
  echo "usage: ./build.sh test | demo | bench [--full]" >&2
  exit 2
}

server_binary() {
  local name dir
  for name in mariadbd mysqld; do
    if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return 0; fi
    for dir in /usr/sbin /usr/local/sbin /usr/local/mysql/bin; do
      if [ -x "$dir/$name" ]; then echo "$dir/$name"; return 0; fi
    done
  done
  return 1
}

# The same check as MySqlTestServer: 'docker info' with a time limit, so a missing engine never hangs the build.
docker_engine_answers() {
  command -v docker >/dev/null 2>&1 && timeout 10 docker info --format '{{.ServerVersion}}' >/dev/null 2>&1
}

APT_UPDATED=0
apt_install() {
  if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    return 1
  fi
  if [ "$APT_UPDATED" = "0" ]; then
    apt-get update -qq
    APT_UPDATED=1
  fi
  # No service start during the install (a container has no init to run it, and the tests start their own server).
  local policy=/usr/sbin/policy-rc.d created_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1
  fi
  local status=0
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null || status=$?
  if [ "$created_policy" = "1" ]; then rm -f "$policy"; fi
  return "$status"
}

# $1: the variable that names an existing server for this target.
ensure_server() {
  local variable="$1" binary
  if [ -n "${!variable:-}" ]; then
    log "Using the server named by $variable"
  elif docker_engine_answers; then
    log "A Docker engine answers: the tests start a mysql:8.4 container"
  elif binary=$(server_binary); then
    log "Using the local server binary $binary ($("$binary" --version 2>/dev/null | head -1))"
  else
    log "No MySQL-compatible server, Docker engine or $variable: installing mariadb-server with apt-get"
    if ! apt_install mariadb-server; then
      echo "Could not install mariadb-server (needs root and apt-get). Set $variable, run a Docker engine, or install mariadb-server or mysql-server." >&2
      exit 1
    fi
  fi
  if ! command -v openssl >/dev/null 2>&1; then
    log "Installing openssl (the TLS tests make their certificates with it)"
    apt_install openssl || echo "openssl could not be installed; tests that use TLS will fail" >&2
  fi
}

# Prints the Galera 4 provider library (the same places as MySqlTestCluster looks in first), or fails.
galera_provider() {
  local path
  for path in /usr/lib/galera/libgalera_smm.so /usr/lib/galera-4/libgalera_smm.so /usr/lib64/galera-4/libgalera_smm.so \
              /usr/lib64/galera/libgalera_smm.so /usr/lib/libgalera_smm.so; do
    if [ -f "$path" ]; then echo "$path"; return 0; fi
  done
  return 1
}

# $1: a program; true when it is on PATH or in the folders where server packages put theirs.
installed() {
  local dir
  command -v "$1" >/dev/null 2>&1 && return 0
  for dir in /usr/sbin /usr/local/sbin /usr/bin /usr/local/bin /sbin /bin; do
    if [ -x "$dir/$1" ]; then return 0; fi
  done
  return 1
}

# The cluster tests (MySqlTestCluster) start local MariaDB Galera nodes whatever server the other tests use: they need
# mariadbd with its wsrep_sst_rsync script, the Galera 4 provider, rsync, and ss or lsof (which that script uses).
ensure_galera() {
  local packages=()
  if ! installed mariadbd || ! installed wsrep_sst_rsync; then packages+=(mariadb-server); fi
  if ! galera_provider >/dev/null; then packages+=(galera-4); fi
  if ! installed rsync; then packages+=(rsync); fi
  if ! installed ss && ! installed lsof; then packages+=(iproute2); fi
  if [ "${#packages[@]}" -eq 0 ]; then
    log "Galera for the cluster tests: $(galera_provider)"
    return 0
  fi
  log "Installing ${packages[*]} with apt-get (the cluster tests start local MariaDB Galera nodes)"
  if ! apt_install "${packages[@]}"; then
    echo "Could not install ${packages[*]} (needs root and apt-get); the cluster tests will fail with a message that names what is missing." >&2
  fi
}

ensure_sysbench() {
  if ! command -v sysbench >/dev/null 2>&1; then
    log "Installing sysbench (the C-client reference row)"
    apt_install sysbench || echo "sysbench could not be installed; its row is skipped" >&2
  fi
}

build() {
  log "Building SqlHelper.sln (Release, warnings are errors)"
  dotnet build SqlHelper.sln -c Release -warnaserror -nologo -clp:ErrorsOnly
}

# Prints the value of one attribute of a trx file's <Counters> element (0 when it is missing).
trx_counter() {
  local value
  value=$(grep -o '<Counters [^>]*>' "$2" | head -1 | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9][0-9]*' || true)
  echo "${value:-0}"
}

run_tests() {
  mkdir -p "$RESULTS_DIR"
  local projects=() project name status=0
  while IFS= read -r project; do projects+=("$project"); done < <(find tests -name '*.csproj' -not -path '*/bin/*' -not -path '*/obj/*' | sort)
  if [ "${#projects[@]}" -eq 0 ]; then
    echo "No test project under tests/." >&2
    return 1
  fi
  for project in "${projects[@]}"; do
    name=$(basename "$project" .csproj)
    log "Running the tests of $name"
    # --blame-hang-timeout: a test that hangs is dumped and killed after 10 minutes instead of holding CI to its limit.
    dotnet test "$project" -c Release --no-build \
      --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=normal" --results-directory "$RESULTS_DIR" \
      --blame-hang --blame-hang-timeout 10m || status=$?
  done

  local trx total=0 passed=0 failed=0 skipped=0 executed
  shopt -s nullglob
  for trx in "$RESULTS_DIR"/*.trx; do
    executed=$(trx_counter executed "$trx")
    total=$((total + $(trx_counter total "$trx")))
    passed=$((passed + $(trx_counter passed "$trx")))
    failed=$((failed + $(trx_counter failed "$trx") + $(trx_counter error "$trx") + $(trx_counter timeout "$trx") + $(trx_counter aborted "$trx")))
    skipped=$((skipped + $(trx_counter total "$trx") - executed))
  done
  shopt -u nullglob
  if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
    echo "dotnet test exited with code $status although no test is reported failed (a crash, a hang or a missing results file): see the output above." >&2
  fi
  echo "$passed passed, $failed failed, $skipped skipped"
  [ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
}

case "${1:-}" in
  test)
    [ "$#" -eq 1 ] || usage
    rm -rf "$RESULTS_DIR"   # never count an earlier run's results
    ensure_server SQLHELPER_TEST_CONNECTION
    ensure_galera
    if ! build; then
      echo "The build failed (warnings are errors); no test ran." >&2
      echo "0 passed, 0 failed, 0 skipped"   # the real counts: nothing ran; the exit status says it failed
      exit 1
    fi
    run_tests
    ;;
  demo)
    [ "$#" -eq 1 ] || usage
    if [ -n "${SQLHELPER_CONNECTION:-}" ]; then
      log "Using the server named by SQLHELPER_CONNECTION"
    else
      ensure_server SQLHELPER_TEST_CONNECTION
    fi
    log "Running samples/SqlHelper.Demo"
    dotnet run --project samples/SqlHelper.Demo -c Release
    ;;
  bench)
    shift
    if [ ! -f benchmarks/SqlHelper.Benchmarks/SqlHelper.Benchmarks.csproj ]; then
      echo "benchmarks/SqlHelper.Benchmarks does not exist yet: there is nothing to run." >&2
      exit 1
    fi
    if [ -n "${SQLHELPER_CONNECTION:-}" ]; then
      log "Using the server named by SQLHELPER_CONNECTION"
    else
      ensure_server SQLHELPER_TEST_CONNECTION
    fi
    ensure_sysbench
    dotnet run -c Release --project benchmarks/SqlHelper.Benchmarks -- load "$@"
    ;;
  *)
    usage
    ;;
esac
