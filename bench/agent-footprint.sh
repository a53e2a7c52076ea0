#!/usr/bin/env bash
# Footprint of the Watchdog host agent (issue #5): runs the real agent for DURATION seconds with a
# 100 ms heartbeat on the virtual wire and ten checks against a real mosquitto, samples its RSS
# (/proc/<pid>/status VmRSS) and CPU (utime+stime from /proc/<pid>/stat) once a second, and prints
# them. Aim: under 40 MB RSS and under 1 % of one core.
#
#   bench/agent-footprint.sh [DURATION_SECONDS=150] [WARMUP_SECONDS=20]
#
# Environment: AGENT_EXE (a NativeAOT-published agent, see docs/agent.md), else AGENT_DLL (default:
# builds host/Watchdog.Agent in Release and runs it with dotnet), plus any DOTNET_* knob to
# compare, e.g. DOTNET_TieredCompilation=0 bench/agent-footprint.sh 120
set -euo pipefail
DURATION=${1:-150}
WARMUP=${2:-20}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/agent-footprint.XXXXXX)
HZ=$(getconf CLK_TCK)
cleanup() {
  [[ -n "${AGENT_PID:-}" ]] && kill "$AGENT_PID" 2>/dev/null || true
  [[ -n "${HTTP_PID:-}" ]] && kill "$HTTP_PID" 2>/dev/null || true
  [[ -n "${MOSQ_PID:-}" ]] && kill "$MOSQ_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

if [[ -n "${AGENT_EXE:-}" ]]; then
  AGENT_CMD=("$AGENT_EXE")
elif [[ -z "${AGENT_DLL:-}" ]]; then
  dotnet build -c Release -v q -nologo "$ROOT/host/Watchdog.Agent/Watchdog.Agent.csproj" >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }
  AGENT_DLL="$ROOT/host/Watchdog.Agent/bin/Release/net10.0/Watchdog.Agent.dll"
fi
[[ -z "${AGENT_EXE:-}" ]] && AGENT_CMD=(dotnet "$AGENT_DLL")

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
MQTT_PORT=$(free_port)
HTTP_PORT=$(free_port)

printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$MQTT_PORT" >"$WORK/mosquitto.conf"
/usr/sbin/mosquitto -c "$WORK/mosquitto.conf" >"$WORK/mosquitto.log" 2>&1 &
MOSQ_PID=$!
echo "$MOSQ_PID" >"$WORK/mosquitto.pid"
mkdir -p "$WORK/www" && echo ok >"$WORK/www/health"
(cd "$WORK/www" && exec python3 -m http.server "$HTTP_PORT" --bind 127.0.0.1 >/dev/null 2>&1) &
HTTP_PID=$!
: >"$WORK/app.log"
sleep 1

cat >"$WORK/agent.json" <<JSON
{
  "Cluster": "bench", "Node": "footprint", "Group": "bench",
  "Heartbeat": { "Driver": "virtual", "WireFile": "$WORK/wires", "Pin": 1, "PeriodMs": 100 },
  "Mqtt": { "Brokers": [ { "Host": "127.0.0.1", "Port": $MQTT_PORT } ], "StatePublishMs": 5000 },
  "Board": { "LostAfterMs": 0 },
  "Metrics": { "IntervalMs": 10000 },
  "Checks": [
    { "Name": "broker-port", "Kind": "tcp", "Host": "127.0.0.1", "Port": $MQTT_PORT, "Required": true, "IntervalMs": 2000, "TimeoutMs": 1000 },
    { "Name": "http", "Kind": "http", "Url": "http://127.0.0.1:$HTTP_PORT/health", "Required": true, "IntervalMs": 2000, "TimeoutMs": 1000, "MaxLatencyMs": 500 },
    { "Name": "broker-process", "Kind": "process", "PidFile": "$WORK/mosquitto.pid", "IntervalMs": 5000, "TimeoutMs": 1000 },
    { "Name": "loopback", "Kind": "carrier", "Interface": "lo", "IntervalMs": 1000, "TimeoutMs": 500 },
    { "Name": "cpu", "Kind": "metric", "Metric": "cpu", "Max": 100, "IntervalMs": 5000, "TimeoutMs": 1000 },
    { "Name": "memory", "Kind": "metric", "Metric": "memory", "Max": 99, "IntervalMs": 5000, "TimeoutMs": 1000 },
    { "Name": "disk", "Kind": "metric", "Metric": "disk", "Max": 100, "IntervalMs": 30000, "TimeoutMs": 1000 },
    { "Name": "net", "Kind": "metric", "Metric": "net-rx", "Max": 1000000000, "IntervalMs": 5000, "TimeoutMs": 1000 },
    { "Name": "true-cmd", "Kind": "command", "Command": "true", "IntervalMs": 5000, "TimeoutMs": 2000 },
    { "Name": "app-log", "Kind": "log-file", "Path": "$WORK/app.log", "Pattern": "FATAL", "MaxMatches": 3, "WindowMs": 60000, "IntervalMs": 2000, "TimeoutMs": 1000 }
  ]
}
JSON

"${AGENT_CMD[@]}" --config "$WORK/agent.json" >"$WORK/agent.log" 2>&1 &
AGENT_PID=$!

cpu_ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }     # utime + stime
child_ticks() { awk '{ sub(/.*\) /, ""); print $14 + $15 }' "/proc/$1/stat"; }   # cutime + cstime
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

echo "agent: ${AGENT_CMD[*]}"
echo "agent pid $AGENT_PID, duration ${DURATION}s (warm-up ${WARMUP}s excluded from the steady-state figures)"
echo "environment: $(env | grep -E '^DOTNET_' | tr '\n' ' ')"
declare -a RSS=()
TREND=""
T0=$(date +%s.%N); C0=$(cpu_ticks "$AGENT_PID")
sleep "$WARMUP"
TW=$(date +%s.%N); CW=$(cpu_ticks "$AGENT_PID"); KW=$(child_ticks "$AGENT_PID")
for ((i = 0; i < DURATION - WARMUP; i++)); do
  kill -0 "$AGENT_PID" 2>/dev/null || { echo "agent died:"; tail -20 "$WORK/agent.log"; exit 1; }
  RSS+=("$(rss_kb "$AGENT_PID")")
  (( i % 30 == 0 )) && TREND+="$(( ${RSS[-1]} / 1024 )) "
  # an occasional matching line keeps the log follower busy
  (( i % 10 == 0 )) && echo "INFO tick $i" >>"$WORK/app.log"
  sleep 1
done
T1=$(date +%s.%N); C1=$(cpu_ticks "$AGENT_PID"); K1=$(child_ticks "$AGENT_PID")
STATE=$(timeout 3 mosquitto_sub -p "$MQTT_PORT" -t 'watchdog/v1/bench/node/footprint/state' -C 1 2>/dev/null || true)

printf '%s\n' "${RSS[@]}" | sort -n | awk -v hz="$HZ" \
  -v t0="$T0" -v tw="$TW" -v t1="$T1" -v c0="$C0" -v cw="$CW" -v c1="$C1" -v kw="$KW" -v k1="$K1" '
  { v[NR] = $1; s += $1 }
  END {
    printf "RSS MB: min %.1f  median %.1f  max %.1f  (samples %d)\n", v[1]/1024, v[int((NR+1)/2)]/1024, v[NR]/1024, NR
    printf "CPU %% of one core, steady state: %.3f  (agent utime+stime over %.0f s)\n", 100*(c1-cw)/hz/(t1-tw), t1-tw
    printf "CPU %% of one core, whole run incl. start-up: %.3f\n", 100*(c1-c0)/hz/(t1-t0)
    printf "CPU %% of one core spent in check child processes (sh, exited): %.3f\n", 100*(k1-kw)/hz/(t1-tw)
  }'
echo "RSS MB every 30 s after warm-up: $TREND"
echo "last state: $(echo "$STATE" | cut -c1-200)"
