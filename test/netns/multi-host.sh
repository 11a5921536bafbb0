#!/usr/bin/env bash
# Runs one test case as a real multi-host job: every host is a Linux network namespace
# joined to the others by a bridge, every rank is a separate `sim rank` process bound to
# its host's address (or with `groups`, every host runs one process hosting a block of the
# ranks, `sim rank --ranks N`), and each process sees only its own ranks' inputs. Passes
# when every process exits 0 and rank 0 holds every output the case expects.
#
# usage: test/netns/multi-host.sh CASE_DIR [HOSTS] [groups]
#   CASE_DIR  folder with in1.txt .. in<N-1>.txt and the expected out<k>.txt
#   HOSTS     number of host namespaces (default 3, at least 3)
#   groups    one process per host, each hosting its block of ranks (rank groups)
# environment: TIMEOUT_SECONDS (default 60) bounds the whole job.
#
# Needs root (to create namespaces), iproute2 and a built dist/ (npm run build).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
CLI="$REPO/dist/sim/cli.js"
COORDINATOR_PORT=7077
PROBE_PORT=7079
# One /24 shared by every host; it exists only inside the namespaces, so it cannot clash
# with the machine's own networks.
SUBNET=10.213.0
TIMEOUT_SECONDS=${TIMEOUT_SECONDS:-60}

# The process id keeps names unique when several runs share a machine.
PREFIX="swarmsim-$$"
HUB="$PREFIX-hub"

NAMESPACES=() # every namespace this run made, for cleanup
HOSTS=()      # host namespace names; HOSTS[h-1] has address $SUBNET.h
WORK=""       # temporary folder holding every process's private inputs and outputs
UNITS=0       # processes in the job: one per rank, or with groups one per host
PIDS=()       # PIDS[u]: process u (rank u, or with groups the process of host u+1)
CODES=()      # CODES[u]: the exit code of process u
TIMED_OUT=0

log() { printf '%s\n' "$*" >&2; }
die() {
  log "multi-host: $*"
  exit 2
}

# --- cleanup -------------------------------------------------------------------------

# Processes keep a namespace alive after `ip netns del`, so kill them first.
kill_namespace_processes() {
  local ns
  for ns in ${NAMESPACES[@]+"${NAMESPACES[@]}"}; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
  done
}

# Runs on every exit, including after SIGINT or SIGTERM; safe to run twice.
cleanup() {
  local ns
  kill_namespace_processes
  for ns in ${NAMESPACES[@]+"${NAMESPACES[@]}"}; do
    ip netns del "$ns" 2>/dev/null || true # also removes the veth pairs inside
  done
  NAMESPACES=()
  if [[ -n $WORK ]]; then rm -rf "$WORK"; fi
  WORK=""
}

trap cleanup EXIT
# Exiting from the signal traps runs the EXIT trap, which cleans up.
trap 'log "multi-host: interrupted"; exit 130' INT
trap 'log "multi-host: terminated"; exit 143' TERM

# --- arguments and the case ----------------------------------------------------------

usage() { die "usage: $0 CASE_DIR [HOSTS (default 3, at least 3)] [groups]"; }

# Sets CASE_DIR, HOST_COUNT, GROUPED and SIZE (ranks in the job: one per in<R>.txt plus rank 0).
parse_arguments() {
  [[ $# -ge 1 && $# -le 3 ]] || usage
  CASE_DIR=$(cd "$1" 2>/dev/null && pwd) || die "$1: no such folder"
  HOST_COUNT=${2:-3}
  GROUPED=0
  if [[ $# -eq 3 ]]; then
    [[ $3 == groups ]] || usage
    GROUPED=1
  fi
  [[ $HOST_COUNT =~ ^[0-9]+$ ]] && ((HOST_COUNT >= 3 && HOST_COUNT <= 250)) || die "HOSTS must be a number from 3 to 250, got '$HOST_COUNT'"
  [[ $TIMEOUT_SECONDS =~ ^[0-9]+$ ]] && ((TIMEOUT_SECONDS > 0)) || die "TIMEOUT_SECONDS must be a whole number > 0"
  [[ $EUID -eq 0 ]] || die "network namespaces need root"
  [[ -f $CLI ]] || die "$CLI is missing: run npm run build first"

  local count
  count=$(find "$CASE_DIR" -maxdepth 1 -name 'in*.txt' | grep -cE '/in[1-9][0-9]*\.txt$' || true)
  ((count >= 1)) || die "$CASE_DIR holds no in<R>.txt"
  local r
  for ((r = 1; r <= count; r++)); do
    [[ -f $CASE_DIR/in$r.txt ]] || die "$CASE_DIR has $count input files but no in$r.txt"
  done
  SIZE=$((count + 1))
  ((GROUPED == 0 || HOST_COUNT <= SIZE)) || die "$HOST_COUNT hosts cannot share $SIZE ranks in groups"
  if ((GROUPED)); then UNITS=$HOST_COUNT; else UNITS=$SIZE; fi
}

# Prints the files that in<R>.txt wants, one a line: skips the owned files (a count, then
# for each "<name> <segments>" and that many hashes), then reads the wanted count and names.
wanted_files() {
  awk '{ sub(/\r$/, ""); line[NR] = $0 }
    END {
      i = 1
      owned = line[i++] + 0
      for (f = 0; f < owned; f++) { split(line[i++], header, " "); i += header[2] }
      wanted = line[i++] + 0
      for (w = 0; w < wanted; w++) { name = line[i++]; gsub(/[ \t]/, "", name); print name }
    }' "$1"
}

# Writes "$WORK/expected": one line per output rank 0 must hold, "client<R>_file<k> out<k>.txt".
list_expected_outputs() {
  local r file
  : >"$WORK/expected"
  for ((r = 1; r < SIZE; r++)); do
    while read -r file; do
      [[ $file =~ ^file([0-9]+)$ ]] || die "in$r.txt wants '$file', which has no out<k>.txt (only file<k> names do)"
      [[ -f $CASE_DIR/out${BASH_REMATCH[1]}.txt ]] || die "in$r.txt wants $file but $CASE_DIR has no out${BASH_REMATCH[1]}.txt"
      printf 'client%s_%s out%s.txt\n' "$r" "$file" "${BASH_REMATCH[1]}" >>"$WORK/expected"
    done < <(wanted_files "$CASE_DIR/in$r.txt")
  done
}

# --- the network ---------------------------------------------------------------------

host_address() { printf '%s.%s' "$SUBNET" "$1"; } # host h (1-based)

# Refuses to reuse names a killed earlier run with the same process id left behind.
check_names_free() {
  if ip netns list | grep -q "^$PREFIX-"; then
    die "namespaces named $PREFIX-* already exist; delete them first"
  fi
}

new_namespace() {
  NAMESPACES+=("$1") # recorded first, so an interrupt right after the add still cleans it
  ip netns add "$1"
  ip -n "$1" link set lo up
}

# A hub namespace holds the bridge (a switch); each host plugs into it with a veth pair
# whose hub end is a bridge port and whose host end is eth0 with the host's address.
build_network() {
  local h ns
  new_namespace "$HUB"
  ip -n "$HUB" link add br0 type bridge
  ip -n "$HUB" link set br0 up
  for ((h = 1; h <= HOST_COUNT; h++)); do
    ns="$PREFIX-h$h"
    new_namespace "$ns"
    HOSTS+=("$ns")
    ip -n "$HUB" link add "port$h" type veth peer name eth0 netns "$ns"
    ip -n "$HUB" link set "port$h" master br0 up
    ip -n "$ns" addr add "$(host_address "$h")/24" dev eth0
    ip -n "$ns" link set eth0 up
  done
}

# Opens a TCP connection from host $1 to host $2's probe listener, retrying while the
# listener starts; bash's /dev/tcp needs no extra tool such as ping or nc.
probe() {
  local from=$1 to=$2 try
  for ((try = 0; try < 50; try++)); do
    if ip netns exec "${HOSTS[from - 1]}" timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$(host_address "$to")" "$PROBE_PORT" 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}

# Proves every host reaches every other over the bridge before the job is blamed for
# a network problem: a listener in each host, then a connection from each to each.
check_connectivity() {
  local h from to listeners=() failed=0
  for ((h = 1; h <= HOST_COUNT; h++)); do
    ip netns exec "${HOSTS[h - 1]}" node -e '
      const server = require("node:net").createServer((socket) => socket.end());
      server.listen(Number(process.argv[2]), process.argv[1]);
      setTimeout(() => process.exit(0), 30000).unref();
    ' "$(host_address "$h")" "$PROBE_PORT" &
    listeners+=($!)
  done
  for ((from = 1; from <= HOST_COUNT; from++)); do
    for ((to = 1; to <= HOST_COUNT; to++)); do
      ((from != to)) || continue
      if ! probe "$from" "$to"; then
        log "multi-host: host $from cannot reach host $to ($(host_address "$to"):$PROBE_PORT)"
        failed=1
      fi
    done
  done
  kill "${listeners[@]}" 2>/dev/null || true
  wait "${listeners[@]}" 2>/dev/null || true
  ((failed == 0)) || die "the namespaces are not connected"
  log "multi-host: $HOST_COUNT hosts connected over $SUBNET.0/24"
}

# --- the job -------------------------------------------------------------------------

# Round-robin placement of ranks, rank 0 on host 1; with groups, process u on host u+1.
host_of_unit() { if ((GROUPED)); then echo $(($1 + 1)); else echo $(($1 % HOST_COUNT + 1)); fi; }

# The ranks process u hosts: rank u; with groups the u-th of UNITS contiguous blocks, as
# `sim rank --ranks` deals them out (sim/transports/rank-groups.ts).
ranks_of_unit() {
  if ((GROUPED)); then seq $(($1 * SIZE / UNITS)) $(((($1 + 1) * SIZE / UNITS) - 1)); else echo "$1"; fi
}

# No shared file system: each process gets a folder holding only its own ranks' in<R>.txt
# (rank 0 has none: it learns the job from the clients) and an output folder of its own.
prepare_unit_folders() {
  local u r
  for ((u = 0; u < UNITS; u++)); do
    mkdir -p "$WORK/unit$u/in" "$WORK/unit$u/out"
    for r in $(ranks_of_unit "$u"); do
      if ((r > 0)); then cp "$CASE_DIR/in$r.txt" "$WORK/unit$u/in/"; fi
    done
  done
}

launch_unit() {
  local u=$1 h ns dir where
  h=$(host_of_unit "$u")
  ns=${HOSTS[h - 1]}
  dir="$WORK/unit$u"
  if ((GROUPED)); then where=(--ranks "$SIZE" --rank "$u" --size "$UNITS"); else where=(--rank "$u" --size "$SIZE"); fi
  # Each process runs in its own folder so nothing it writes lands in a shared place. No
  # exec: the subshell stays outside the namespace and turns a kill at the timeout into
  # a plain exit code (137); bash's "Killed" notice lands in the process's stderr file.
  (
    cd "$dir"
    export SIM_JOB_KEY="$JOB_KEY"
    ip netns exec "$ns" node "$CLI" rank "$dir/in" "${where[@]}" \
      --coordinator "$(host_address 1):$COORDINATOR_PORT" --bind "$(host_address "$h")" \
      --out "$dir/out" --no-report >"$dir/stdout"
  ) 2>"$dir/stderr" &
  PIDS[u]=$!
}

any_rank_running() {
  local pid
  for pid in "${PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then return 0; fi
  done
  return 1
}

# Waits for every rank; past the deadline kills everything left in the namespaces.
wait_for_ranks() {
  local deadline=$((SECONDS + TIMEOUT_SECONDS)) u
  while any_rank_running; do
    if ((SECONDS >= deadline)); then
      TIMED_OUT=1
      log "multi-host: timeout after $TIMEOUT_SECONDS s, killing every rank"
      kill_namespace_processes
      break
    fi
    sleep 0.2
  done
  for ((u = 0; u < UNITS; u++)); do
    CODES[u]=0
    wait "${PIDS[u]}" || CODES[u]=$?
  done
}

run_job() {
  local u
  JOB_KEY=$(node -e "console.log(require('crypto').randomBytes(32).toString('hex'))")
  prepare_unit_folders
  for ((u = 0; u < UNITS; u++)); do launch_unit "$u"; done
  wait_for_ranks
}

# --- the verdict ---------------------------------------------------------------------

print_rank_summary() {
  local u h note ranks
  for ((u = 0; u < UNITS; u++)); do
    h=$(host_of_unit "$u")
    note=""
    if ((TIMED_OUT && CODES[u] == 137)); then note=" (killed at the timeout)"; fi
    ranks=$(ranks_of_unit "$u" | paste -sd, -)
    printf 'ranks %-10s %-22s %-15s exit %s%s\n' "$ranks" "${HOSTS[h - 1]}" "$(host_address "$h")" "${CODES[u]}" "$note"
  done
}

# Counts failing processes and shows what they printed.
report_failed_ranks() {
  local u failed=0
  for ((u = 0; u < UNITS; u++)); do
    ((CODES[u] != 0)) || continue
    failed=$((failed + 1))
    log "--- the process of ranks $(ranks_of_unit "$u" | paste -sd, -) exited ${CODES[u]}; its stderr:"
    cat "$WORK/unit$u/stderr" >&2 || true
    if ((u == 0)); then
      log "--- rank 0 stdout:"
      cat "$WORK/unit0/stdout" >&2 || true
    fi
  done
  ((failed == 0))
}

# Compares rank 0's outputs with the case's, white space ignored (`diff -w`).
compare_outputs() {
  local output expected failed=0 got
  while read -r output expected; do
    got="$WORK/unit0/out/$output"
    if [[ ! -f $got ]]; then
      log "missing output: $output"
      failed=$((failed + 1))
    elif ! diff -w "$CASE_DIR/$expected" "$got" >"$WORK/diff"; then
      log "wrong output: $output differs from $expected:"
      head -n 10 "$WORK/diff" >&2
      failed=$((failed + 1))
    fi
  done <"$WORK/expected"
  ((failed == 0))
}

main() {
  parse_arguments "$@"
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/$PREFIX.XXXXXX")
  list_expected_outputs
  check_names_free
  build_network
  check_connectivity
  log "multi-host: $SIZE ranks on $HOST_COUNT hosts$( ((GROUPED)) && echo ', a process per host'), case $(basename "$CASE_DIR")"
  run_job

  local ok=1 outputs
  outputs=$(wc -l <"$WORK/expected")
  print_rank_summary
  report_failed_ranks || ok=0
  if ((TIMED_OUT)); then ok=0; fi
  compare_outputs || ok=0
  if ((ok)); then
    echo "PASS $(basename "$CASE_DIR"): $SIZE ranks on $HOST_COUNT hosts$( ((GROUPED)) && echo ' in groups'), $outputs outputs match"
  else
    echo "FAIL $(basename "$CASE_DIR"): $SIZE ranks on $HOST_COUNT hosts"
    exit 1
  fi
}

main "$@"
