#!/usr/bin/env bash
# Recreate the recorded parser fixtures from real containers, then their expected .json.
#
#   tests/record_fixtures.sh              record tests/fixtures/{busybox,debian}/*.txt, rewrite their .json
#   tests/record_fixtures.sh --json-only  only rewrite every fixture's .json (frr/ and malformed/ too) with the parsers
#
# The .json files are written BY THE PARSER: after running this, read `git diff tests/fixtures`
# and check every changed value against its .txt by eye before committing.
#
# Needs the local images scratch-test/busybox and scratch-test/debian (never pulled: --pull never).
# Safety rules this script keeps:
#   * No packet leaves the machine. Containers only talk to each other and to their gateway; the
#     one outside address (8.8.8.8) is pinged only under --net none, where the kernel refuses it.
#   * DNS never leaves either: every container gets --dns 127.0.0.1, so unknown names (and the
#     embedded DNS server's forwarding on user networks) hit a closed local port.
#   * Subnets are 172.29.10-12.0/24 and fd00:dbf::/64 only. Everything created carries
#     --label dockernet-nb.fixture=1 and is removed on exit (also after a failure).
# Counters and times differ between runs; re-recording changes them, nothing else.
set -euo pipefail

cd "$(dirname "$0")/.."
FIX=tests/fixtures
PY=${PYTHON:-.venv/bin/python}
[[ -x $PY ]] || PY=python3
LABEL=dockernet-nb.fixture=1
NET1=dnbfx-net1   # 172.29.10.0/24
NET2=dnbfx-net2   # 172.29.11.0/24
NET6=dnbfx-v6     # fd00:dbf::/64 + 172.29.12.0/24

write_json() {
    # tests/parser_fixtures.py owns the file -> parser mapping and the JSON-safe conversion;
    # with no file named it rewrites every fixture's .json.
    "$PY" -m tests.parser_fixtures "$@"
}

if [[ ${1:-} == --json-only ]]; then
    write_json
    exit 0
fi

cleanup() {
    # Only what carries our label: containers first, then the networks they used.
    docker ps -aq --filter "label=$LABEL" | xargs -r docker rm -f >/dev/null
    docker network ls -q --filter "label=$LABEL" | xargs -r docker network rm >/dev/null
}
trap cleanup EXIT
cleanup   # leftovers of an interrupted run

for image in busybox debian; do
    docker image inspect "scratch-test/$image" >/dev/null   # fail early; never pull
    mkdir -p "$FIX/$image"
    rm -f "$FIX/$image"/*.txt "$FIX/$image"/*.json
done

# rec <fixture> <command...>: run a docker command, its stdout becomes tests/fixtures/<fixture>.txt.
# The command's own exit status is ignored (ping to nowhere fails on purpose); docker's is not.
rec() {
    local file="$FIX/$1.txt" err
    shift
    err=$(mktemp)
    "$@" >"$file" 2>"$err" || true
    if grep -v '^WARNING: Localhost DNS' "$err" | grep -q .; then
        echo "docker failed while recording $file:" >&2
        cat "$err" >&2
        rm -f "$err"
        exit 1
    fi
    rm -f "$err"
    echo "recorded $file"
}

# run_in <fixture> <image> [docker run options...] -- <shell command>: in a fresh --rm container.
# stderr is merged into stdout inside the container so the two keep their real order.
run_in() {
    local fixture=$1 image=$2
    shift 2
    local opts=()
    while [[ $1 != -- ]]; do opts+=("$1"); shift; done
    shift
    rec "$fixture" docker run --rm --pull never --label "$LABEL" --dns 127.0.0.1 "${opts[@]}" \
        "scratch-test/$image" sh -c "$1 2>&1"
}

# exec_in <fixture> <container> <shell command>: in an already running container.
exec_in() {
    rec "$1" docker exec "$2" sh -c "$3 2>&1"
}

# start <name> <image> <network> <ipv4> [more docker run options...]: a long-running container.
start() {
    local name=$1 image=$2 net=$3 ip=$4
    shift 4
    docker run -d --pull never --label "$LABEL" --dns 127.0.0.1 --name "$name" \
        --net "$net" --ip "$ip" "$@" "scratch-test/$image" sleep 600 >/dev/null
}

docker network create --label "$LABEL" --subnet 172.29.10.0/24 "$NET1" >/dev/null
docker network create --label "$LABEL" --subnet 172.29.11.0/24 "$NET2" >/dev/null
docker network create --label "$LABEL" --ipv6 --subnet fd00:dbf::/64 --subnet 172.29.12.0/24 "$NET6" >/dev/null

# --- default bridge -------------------------------------------------------------------------
for image in busybox debian; do
    run_in "$image/ifconfig--default-bridge" "$image" -- "ifconfig"
    run_in "$image/route-n--default-bridge" "$image" -- "route -n"
    run_in "$image/ip-addr--default-bridge" "$image" -- "ip addr"
    run_in "$image/ip-route--default-bridge" "$image" -- "ip route"
done
run_in debian/ip-j-addr--default-bridge debian -- "ip -j addr"
run_in debian/ip-s-addr--default-bridge debian -- "ip -s addr"
run_in debian/ip-j-s-addr--default-bridge debian -- "ip -j -s addr"
run_in debian/ip-j-route--default-bridge debian -- "ip -j route"
# busybox ip has no -j: it prints its usage text (expected: ParseError).
run_in busybox/ip-j-addr--unsupported busybox -- "ip -j addr"
# The one-line form is not supported by the parser (expected: ParseError).
for image in busybox debian; do
    run_in "$image/ip-o-addr--unsupported" "$image" -- "ip -o addr"
done

# --- --net none: loopback only, no routes, no eth0, nothing reachable -------------------------
for image in busybox debian; do
    run_in "$image/ifconfig--net-none" "$image" --net none -- "ifconfig"
    run_in "$image/ifconfig--net-none-eth0" "$image" --net none -- "ifconfig eth0"
    run_in "$image/route-n--net-none" "$image" --net none -- "route -n"
    run_in "$image/ip-addr--net-none" "$image" --net none -- "ip addr"
    run_in "$image/ip-addr--net-none-eth0" "$image" --net none -- "ip addr show eth0"
    run_in "$image/ip-route--net-none" "$image" --net none -- "ip route"
    # The only outside address in this script: the kernel has no route, nothing is sent.
    run_in "$image/ping--net-none" "$image" --net none -- "ping -c 2 -W 1 8.8.8.8"
done
run_in debian/ip-j-addr--net-none debian --net none -- "ip -j addr"
run_in debian/ip-j-route--net-none debian --net none -- "ip -j route"

# --- unknown names on the default bridge (DNS is 127.0.0.1: nothing answers) ------------------
run_in busybox/ping--no-such-host busybox -- "ping -c 2 nosuchhost"
run_in debian/ping--no-such-host-dns-down debian -- "ping -c 2 nosuchhost"
# With DNS out of the lookup (hosts: files), glibc reports the name itself as unknown.
run_in debian/ping--no-such-host debian -- "echo 'hosts: files' >/etc/nsswitch.conf && ping -c 2 nosuchhost"

# --- user network: ping by name, to a free address, and cut off ------------------------------
start dnbfx-target busybox "$NET1" 172.29.10.2
start dnbfx-ping-deb debian "$NET1" 172.29.10.3
start dnbfx-ping-bb busybox "$NET1" 172.29.10.4
for pair in busybox:dnbfx-ping-bb debian:dnbfx-ping-deb; do
    image=${pair%%:*} name=${pair#*:}
    exec_in "$image/ping--by-name" "$name" "ping -c 4 dnbfx-target"
    exec_in "$image/ping--by-ip" "$name" "ping -c 2 172.29.10.2"
    # 172.29.10.250 is in the subnet but nobody has it: ARP fails, nothing leaves the bridge.
    exec_in "$image/ping--free-address" "$name" "ping -c 2 -W 1 172.29.10.250"
    # Long enough for ARP to give up (~3 s): iputils then prints "Destination Host Unreachable".
    exec_in "$image/ping--host-unreachable" "$name" "ping -c 5 -W 1 172.29.10.250"
    # Killed before its summary, as a command timeout would: docker kill, then read the logs.
    docker run -d --pull never --label "$LABEL" --dns 127.0.0.1 --name "dnbfx-killed-$image" --net "$NET1" \
        "scratch-test/$image" sh -c "ping dnbfx-target 2>&1" >/dev/null
    sleep 2.5
    docker kill "dnbfx-killed-$image" >/dev/null
    rec "$image/ping--killed" docker logs "dnbfx-killed-$image"
    docker rm -f "dnbfx-killed-$image" >/dev/null
done

# --- multi-homed: one container on two user networks -----------------------------------------
start dnbfx-multi-bb busybox "$NET1" 172.29.10.6
docker network connect --ip 172.29.11.6 "$NET2" dnbfx-multi-bb
# NET_ADMIN so the same container can also hold extra routes and iptables rules (its own netns).
start dnbfx-multi-deb debian "$NET1" 172.29.10.7 --cap-add NET_ADMIN
docker network connect --ip 172.29.11.7 "$NET2" dnbfx-multi-deb
for pair in busybox:dnbfx-multi-bb debian:dnbfx-multi-deb; do
    image=${pair%%:*} name=${pair#*:}
    exec_in "$image/ifconfig--multi-homed" "$name" "ifconfig"
    exec_in "$image/route-n--multi-homed" "$name" "route -n"
    exec_in "$image/ip-addr--multi-homed" "$name" "ip addr"
    exec_in "$image/ip-route--multi-homed" "$name" "ip route"
done
exec_in debian/ip-j-addr--multi-homed dnbfx-multi-deb "ip -j addr"
exec_in debian/ip-j-route--multi-homed dnbfx-multi-deb "ip -j route"

# Extra routes (all via the two local gateways): a host route, a metric, a multipath route, a
# blackhole. Only this container's routing table changes.
docker exec dnbfx-multi-deb sh -ec "
    ip route add 172.29.60.7 via 172.29.10.1 dev eth0
    ip route add 172.29.61.0/24 via 172.29.11.1 dev eth1 metric 50
    ip route add 172.29.62.0/24 nexthop via 172.29.10.1 dev eth0 nexthop via 172.29.11.1 dev eth1
    ip route add blackhole 172.29.63.0/24"
exec_in debian/ip-route--extra-routes dnbfx-multi-deb "ip route"
exec_in debian/ip-j-route--extra-routes dnbfx-multi-deb "ip -j route"
exec_in debian/route-n--extra-routes dnbfx-multi-deb "route -n"

# --- iptables in the container's own namespace -----------------------------------------------
# Before any rule: only the nat rules Docker adds for the embedded DNS server (127.0.0.11).
exec_in debian/iptables-save--user-network dnbfx-multi-deb "iptables-save"
docker exec dnbfx-multi-deb sh -ec "
    iptables -A FORWARD -p tcp --dport 6379 -j DROP
    iptables -A INPUT -i lo -j ACCEPT
    iptables -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
    iptables -A INPUT -p tcp ! -s 172.29.10.0/24 --dport 22 -m comment --comment 'ssh from net1 only' -j DROP
    iptables -P FORWARD DROP
    iptables -N LOGDROP
    iptables -A LOGDROP -j DROP
    iptables -t nat -A POSTROUTING -s 172.29.10.0/24 -o eth1 -j MASQUERADE
    iptables -t nat -A PREROUTING -i eth0 -p tcp --dport 8080 -j DNAT --to-destination 172.29.11.2:80
    iptables -t nat -A POSTROUTING -s 172.29.11.0/24 -o eth0 -p udp --sport 5353 -j SNAT --to-source 172.29.10.7"
exec_in debian/iptables-save--rules dnbfx-multi-deb "iptables-save"
exec_in debian/iptables-S--rules dnbfx-multi-deb "iptables -S"
exec_in debian/iptables-S-t-nat--rules dnbfx-multi-deb "iptables -t nat -S"
# Without NET_ADMIN iptables cannot read the ruleset (expected: ParseError).
run_in debian/iptables-save--no-cap debian --net none -- "iptables-save"

# --- IPv6: dual-stack user network -----------------------------------------------------------
start dnbfx-v6-bb busybox "$NET6" 172.29.12.5 --ip6 fd00:dbf::5
start dnbfx-v6-deb debian "$NET6" 172.29.12.6 --ip6 fd00:dbf::6 --cap-add NET_ADMIN
sleep 3   # let duplicate address detection finish, so fe80:: addresses are not "tentative"
for pair in busybox:dnbfx-v6-bb debian:dnbfx-v6-deb; do
    image=${pair%%:*} name=${pair#*:}
    exec_in "$image/ifconfig--ipv6" "$name" "ifconfig"
    exec_in "$image/ip-addr--ipv6" "$name" "ip addr"
    exec_in "$image/ip-route--ipv6" "$name" "ip route"
    exec_in "$image/ip-6-route--ipv6" "$name" "ip -6 route"
    exec_in "$image/route-n--ipv6" "$name" "route -n"
    # IPv6 routing table: not supported by the route parser (expected: ParseError).
    exec_in "$image/route-n-A-inet6--ipv6" "$name" "route -n -A inet6"
done
exec_in debian/ip-j-addr--ipv6 dnbfx-v6-deb "ip -j addr"
exec_in debian/ip-j-6-route--ipv6 dnbfx-v6-deb "ip -j -6 route"
# An IPv6 multipath route (its nexthop lines must be skipped with it, not raise) beside IPv4 ones.
docker exec dnbfx-v6-deb ip -6 route add fd00:dbf:1::/64 \
    nexthop via fd00:dbf::1 dev eth0 nexthop via fd00:dbf::5 dev eth0
exec_in debian/ip-6-route--multipath dnbfx-v6-deb "ip -6 route"
exec_in debian/ip-j-6-route--multipath dnbfx-v6-deb "ip -j -6 route"
exec_in busybox/ping--ipv6 dnbfx-v6-bb "ping -c 2 fd00:dbf::6"
exec_in debian/ping--ipv6 dnbfx-v6-deb "ping -c 2 fd00:dbf::5"

write_json "$FIX"/busybox/*.txt "$FIX"/debian/*.txt
echo "done: now review 'git diff $FIX' value by value"
