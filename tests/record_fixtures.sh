#!/usr/bin/env bash
# Recreate the recorded parser fixtures from real containers, then their expected .json.
#
#   tests/record_fixtures.sh [GROUP...]   record the named groups (every group when none is named)
#   tests/record_fixtures.sh --json-only  only rewrite every fixture's .json (frr/ and malformed/ too);
#                                         --expected is the same
#
# Groups, each on networks of its own:
#   basics     ifconfig, ip addr/route, route -n, ping, iptables on busybox and debian
#   servers    the uptime server's log (docker logs) and docker-proxy processes (ps, host pids)
#   links      ip link, bridge link, bridge fdb: in a container and in the host's network view
#   pcap       tcpdump captures (Ethernet, Linux cooked v1 and v2) of ping, TCP, RST and VXLAN
#   dualstack  ifconfig, ip addr, ip -6 route, ping -6/ping6, the uptime log and a capture over IPv6
#   frr        FRR's vtysh JSON from lesson 06's routers, built with the package's own verbs (which label
#              and remove them themselves): tests/unit/test_parser_frr.py's record(). Named only: it is
#              not among "every group".
#
# The .json files are written BY THE PARSERS: after running this, read `git diff tests/fixtures`
# and check every changed value against its recording by eye before committing.
#
# Needs the course images dockernet-nb/{busybox,debian,uptime}:1 (never pulled: --pull never).
# Safety rules this script keeps:
#   * No packet leaves the machine. Containers only talk to each other, to their gateway and to the
#     host over 127.0.0.1 / ::1 published ports; the one outside address (8.8.8.8) is pinged only
#     under --net none, where the kernel refuses it.
#   * DNS never leaves either: every container gets --dns 127.0.0.1, so unknown names (and the
#     embedded DNS server's forwarding on user networks) hit a closed local port.
#   * Subnets are 172.29.10-15.0/24, 172.31.250.0/24 with fd00:dbf::/64 and fd00:dead:beef::/64,
#     and 172.31.251.0/24 inside two containers' VXLAN interfaces only. Published ports bind to
#     127.0.0.1 or ::1 only. Everything created carries --label dockernet-nb.fixture=1 and is removed
#     on exit (also after a failure).
# Counters, times, process ids, ports and interface indexes differ between runs; re-recording changes
# them, nothing else.
set -euo pipefail

cd "$(dirname "$0")/.."
FIX=tests/fixtures
PY=${PYTHON:-.venv/bin/python}
[[ -x $PY ]] || PY=python3
LABEL=dockernet-nb.fixture=1
GROUPS_ALL=(basics servers links pcap dualstack)
RECORDED=()

write_json() {
    # tests/unit/parser_fixtures.py owns the file -> parser mapping and the JSON-safe conversion;
    # with no file named it rewrites every fixture's .json.
    "$PY" -m tests.unit.parser_fixtures "$@"
}

if [[ ${1:-} == --json-only || ${1:-} == --expected ]]; then
    write_json
    exit 0
fi
SELECTED=("$@")
[[ ${#SELECTED[@]} -gt 0 ]] || SELECTED=("${GROUPS_ALL[@]}")
for group in "${SELECTED[@]}"; do
    [[ " ${GROUPS_ALL[*]} frr " == *" $group "* ]] || { echo "unknown group $group (groups: ${GROUPS_ALL[*]} frr)" >&2; exit 2; }
done

cleanup() {
    # Only what carries our label: containers first, then the networks they used.
    docker ps -aq --filter "label=$LABEL" | xargs -r docker rm -f >/dev/null
    docker network ls -q --filter "label=$LABEL" | xargs -r docker network rm >/dev/null
}
trap cleanup EXIT
cleanup   # leftovers of an interrupted run

img() { echo "dockernet-nb/$1:1"; }
for image in busybox debian uptime; do
    docker image inspect "$(img "$image")" >/dev/null   # fail early; never pull
    mkdir -p "$FIX/$image"
done

# network <name> [docker network create options...]
network() {
    local name=$1
    shift
    docker network create --label "$LABEL" "$@" "$name" >/dev/null
}

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
    RECORDED+=("$file")
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
        "$(img "$image")" sh -c "$1 2>&1"
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
        --net "$net" --ip "$ip" "$@" "$(img "$image")" sleep 600 >/dev/null
}

# serve <name> <network> <ipv4> [more docker run options...]: an uptime server (the image's own command).
serve() {
    local name=$1 net=$2 ip=$3
    shift 3
    docker run -d --pull never --label "$LABEL" --dns 127.0.0.1 --name "$name" \
        --net "$net" --ip "$ip" "$@" "$(img uptime)" >/dev/null
    for _ in $(seq 50); do
        docker exec "$name" nc -z 127.0.0.1 8000 2>/dev/null && return 0
        sleep 0.1
    done
    echo "uptime server $name did not listen" >&2
    exit 1
}

# on_host: the host's network view, as a course container sees it (--net host); reads only.
on_host() {
    rec "$1" docker run --rm --pull never --label "$LABEL" --net host --cap-add NET_ADMIN "$(img debian)" sh -c "$2 2>&1"
}

# capture <fixture> <target> <interface> [tcpdump options/filter...] -- <shell command>...: tcpdump
# in a container sharing <target>'s network namespace writes tests/fixtures/<fixture>.pcap while each
# shell command runs in <target>; the capture stops on SIGINT once they are done. --immediate-mode:
# without it packets wait in the kernel's ring for up to a second and a quick SIGINT loses them.
capture() {
    local fixture=$1 target=$2 iface=$3
    shift 3
    local opts=()
    while [[ $1 != -- ]]; do opts+=("$1"); shift; done
    shift
    docker run -d --pull never --label "$LABEL" --name dnbfx-capture --net "container:$target" \
        --cap-add NET_RAW --cap-add NET_ADMIN "$(img debian)" \
        tcpdump -i "$iface" --immediate-mode -U -w /tmp/capture.pcap "${opts[@]}" >/dev/null
    for _ in $(seq 100); do
        [[ $(docker logs dnbfx-capture 2>&1) == *"listening on"* ]] && break
        sleep 0.1
    done
    local command
    for command in "$@"; do
        docker exec "$target" sh -c "$command" >/dev/null 2>&1 || true
    done
    sleep 0.5
    docker kill -s INT dnbfx-capture >/dev/null
    docker wait dnbfx-capture >/dev/null
    docker logs dnbfx-capture 2>&1 | grep "packets captured" || true
    docker cp dnbfx-capture:/tmp/capture.pcap "$FIX/$fixture.pcap"
    docker rm dnbfx-capture >/dev/null
    RECORDED+=("$FIX/$fixture.pcap")
    echo "recorded $FIX/$fixture.pcap"
}

record_basics() {
    # ifconfig, ip addr/route, route -n, ping and iptables on busybox and debian.
    local NET1=dnbfx-net1 NET2=dnbfx-net2 NET6=dnbfx-v6
    network "$NET1" --subnet 172.29.10.0/24
    network "$NET2" --subnet 172.29.11.0/24
    network "$NET6" --ipv6 --subnet fd00:dbf::/64 --subnet 172.29.12.0/24

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
            "$(img "$image")" sh -c "ping dnbfx-target 2>&1" >/dev/null
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
}

# vtep <container> <remote> <overlay address>: VXLAN 42 over eth0 to <remote>, plugged into a bridge
# br0 that holds <overlay address>/24. Needs NET_ADMIN; only that container's namespace changes.
vtep() {
    docker exec "$1" sh -ec "
        ip link add br0 type bridge
        ip link add vxlan42 type vxlan id 42 remote $2 dstport 4789 dev eth0
        ip link set vxlan42 master br0
        ip addr add $3/24 dev br0
        ip link set vxlan42 up
        ip link set br0 up"
}

record_frr() {
    "$PY" -m tests.unit.test_parser_frr --record
}

record_servers() {
    # The uptime server's log after visits from the host (a port published on 127.0.0.1, so through
    # docker-proxy) and from containers by name and by address; then docker-proxy as the course's
    # helper sees it: the host's pids, as user nobody without capabilities.
    network dnbfx-srv --subnet 172.29.15.0/24
    serve dnbfx-uptime dnbfx-srv 172.29.15.2 -p 127.0.0.1:28007:8000 -p 127.0.0.1:28053:53/udp
    start dnbfx-visitor debian dnbfx-srv 172.29.15.3
    start dnbfx-visitor-bb busybox dnbfx-srv 172.29.15.4
    # From the host: bash's /dev/tcp to the published port on the loopback address, nowhere else.
    timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/28007 && cat <&3' >/dev/null
    docker exec dnbfx-visitor sh -c 'nc -w 2 dnbfx-uptime 8000 </dev/null' >/dev/null
    docker exec dnbfx-visitor-bb sh -c 'nc -w 2 172.29.15.2 8000 </dev/null' >/dev/null
    timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/28007 && cat <&3' >/dev/null
    sleep 0.5
    rec uptime/docker-logs--host-and-containers sh -c "docker logs dnbfx-uptime 2>&1"
    # A server nobody visited yet: only its "listening" line.
    serve dnbfx-uptime-idle dnbfx-srv 172.29.15.5
    rec uptime/docker-logs--no-visitors sh -c "docker logs dnbfx-uptime-idle 2>&1"

    local ps_proxies=(docker run --rm --pull never --label "$LABEL" --net none --pid host --user 65534:65534
        --cap-drop ALL --read-only "$(img debian)" ps -C docker-proxy -o pid=,args=)
    rec debian/ps-C-docker-proxy--two-ports "${ps_proxies[@]}"
    # One more server published on the IPv6 loopback address: docker-proxy bridges ::1 to IPv4.
    serve dnbfx-uptime-v6host dnbfx-srv 172.29.15.6 -p '[::1]:28009:8000'
    timeout 5 bash -c 'exec 3<>/dev/tcp/::1/28009 && cat <&3' >/dev/null
    rec debian/ps-C-docker-proxy--ipv6-host-address "${ps_proxies[@]}"
}

record_links() {
    # A user network whose bridge has a fixed name, so the host-side recordings name it readably.
    network dnbfx-links --subnet 172.29.13.0/24 -o com.docker.network.bridge.name=dnbfx-br13
    start dnbfx-link-deb debian dnbfx-links 172.29.13.2
    start dnbfx-link-bb busybox dnbfx-links 172.29.13.3
    docker exec dnbfx-link-deb ping -c 2 172.29.13.3 >/dev/null   # the bridge learns both MACs
    exec_in debian/ip-j-d-link--user-network dnbfx-link-deb "ip -j -d link"
    exec_in debian/ip-j-link--user-network dnbfx-link-deb "ip -j link"
    exec_in debian/ip-d-link--user-network dnbfx-link-deb "ip -d link"
    exec_in debian/ip-link--user-network dnbfx-link-deb "ip link"
    exec_in busybox/ip-link--user-network dnbfx-link-bb "ip link"
    exec_in debian/ip-link--no-such-device dnbfx-link-deb "ip link show eth9"
    exec_in debian/bridge-j-link--no-bridge dnbfx-link-deb "bridge -j link"
    run_in debian/ip-j-d-link--net-none debian --net none -- "ip -j -d link"
    # The host's side of the same network: veths plugged into dnbfx-br13, docker0, the host's own NIC.
    on_host debian/ip-j-d-link--host-view "ip -j -d link"
    on_host debian/ip-d-link--host-view "ip -d link"
    on_host debian/bridge-j-link--host-view "bridge -j link"
    on_host debian/bridge-link--host-view "bridge link"
    on_host debian/bridge-j-fdb-show--user-network "bridge -j fdb show br dnbfx-br13"
    on_host debian/bridge-fdb-show--user-network "bridge fdb show br dnbfx-br13"
    on_host debian/bridge-j-fdb-show--host-view "bridge -j fdb show"

    # A VXLAN tunnel plugged into a bridge inside a container, with a peer: kinds vxlan and bridge,
    # a master inside the namespace, and the tunnel's default destination in the fdb.
    start dnbfx-lk-vtep-a debian dnbfx-links 172.29.13.5 --cap-add NET_ADMIN
    start dnbfx-lk-vtep-b debian dnbfx-links 172.29.13.6 --cap-add NET_ADMIN
    vtep dnbfx-lk-vtep-a 172.29.13.6 172.31.251.1
    vtep dnbfx-lk-vtep-b 172.29.13.5 172.31.251.2
    docker exec dnbfx-lk-vtep-a ping -c 2 172.31.251.2 >/dev/null
    exec_in debian/ip-j-d-link--vxlan-bridge dnbfx-lk-vtep-a "ip -j -d link"
    exec_in debian/ip-d-link--vxlan-bridge dnbfx-lk-vtep-a "ip -d link"
    exec_in debian/bridge-j-link--vxlan-bridge dnbfx-lk-vtep-a "bridge -j link"
    exec_in debian/bridge-link--vxlan-bridge dnbfx-lk-vtep-a "bridge link"
    exec_in debian/bridge-j-fdb-show--vxlan-bridge dnbfx-lk-vtep-a "bridge -j fdb show"
    exec_in debian/bridge-fdb-show--vxlan-bridge dnbfx-lk-vtep-a "bridge fdb show"
}

record_pcap() {
    # tcpdump in a container that joins the client's network namespace, as a learner would capture.
    # "not ip6" keeps the bridge's own IPv6 multicast reports out of these IPv4 exchanges.
    network dnbfx-pcap --subnet 172.29.14.0/24
    start dnbfx-pc debian dnbfx-pcap 172.29.14.2 --cap-add NET_ADMIN   # NET_ADMIN: to empty its ARP cache
    start dnbfx-pc-neighbour busybox dnbfx-pcap 172.29.14.3
    serve dnbfx-pc-web dnbfx-pcap 172.29.14.4
    start dnbfx-pc-vtep-a debian dnbfx-pcap 172.29.14.5 --cap-add NET_ADMIN
    start dnbfx-pc-vtep-b debian dnbfx-pcap 172.29.14.6 --cap-add NET_ADMIN
    vtep dnbfx-pc-vtep-a 172.29.14.6 172.31.251.1
    vtep dnbfx-pc-vtep-b 172.29.14.5 172.31.251.2
    sleep 2
    local forget="ip neigh flush all"
    # -i any: Linux cooked v2 (tcpdump's default for "any"), loopback included, so the query to
    # Docker's DNS server at 127.0.0.11 shows beside ARP and the echo.
    capture debian/tcpdump--any-ping-by-name dnbfx-pc any not ip6 -- "$forget" "ping -c 1 dnbfx-pc-neighbour"
    # -i eth0: Ethernet frames of a TCP connection to the uptime server (handshake, data, FIN).
    capture debian/tcpdump--eth0-tcp-uptime dnbfx-pc eth0 not ip6 -- "$forget" "nc -w 2 dnbfx-pc-web 8000 </dev/null"
    # -y LINUX_SLL: Linux cooked v1, a connection refused with a reset.
    capture debian/tcpdump--any-sll-closed-port dnbfx-pc any -y LINUX_SLL not ip6 -- \
        "$forget" "nc -w 2 dnbfx-pc-neighbour 9 </dev/null"
    # VXLAN: the overlay's ARP and echo inside UDP 4789 between the two tunnel ends.
    capture debian/tcpdump--eth0-vxlan dnbfx-pc-vtep-a eth0 not ip6 -- "$forget" "ping -c 1 172.31.251.2"
    # Nothing matched the filter: a capture file with its header only.
    capture debian/tcpdump--eth0-nothing dnbfx-pc eth0 udp port 9 -- "sleep 0.2"
}

record_dualstack() {
    network dnbfx-dual --ipv6 --subnet 172.31.250.0/24 --subnet fd00:dead:beef::/64
    start dnbfx-ds-deb debian dnbfx-dual 172.31.250.5 --ip6 fd00:dead:beef::5 --cap-add NET_ADMIN
    start dnbfx-ds-bb busybox dnbfx-dual 172.31.250.6 --ip6 fd00:dead:beef::6
    # The uptime image's own command; socat's SOCAT_DEFAULT_LISTEN_IP=6 makes it listen on IPv6 (and
    # IPv4-mapped) addresses, so IPv6 visitors are logged too.
    serve dnbfx-ds-web dnbfx-dual 172.31.250.7 --ip6 fd00:dead:beef::7 -e SOCAT_DEFAULT_LISTEN_IP=6
    # A second global address beside Docker's, as a learner adds one by hand.
    docker exec dnbfx-ds-deb ip -6 addr add fd00:dead:beef::55/64 dev eth0
    sleep 3   # duplicate address detection: no "tentative" addresses in the recordings
    local pair image name
    for pair in busybox:dnbfx-ds-bb debian:dnbfx-ds-deb; do
        image=${pair%%:*} name=${pair#*:}
        exec_in "$image/ifconfig--dual-stack" "$name" "ifconfig"
        exec_in "$image/ip-addr--dual-stack" "$name" "ip addr"
        exec_in "$image/ip-route--dual-stack" "$name" "ip route"
        exec_in "$image/ip-6-route--dual-stack" "$name" "ip -6 route"
    done
    exec_in debian/ip-j-addr--dual-stack dnbfx-ds-deb "ip -j addr"
    exec_in debian/ip-j-6-route--dual-stack dnbfx-ds-deb "ip -j -6 route"
    exec_in debian/ping-6--by-name dnbfx-ds-deb "ping -6 -c 2 dnbfx-ds-bb"
    exec_in debian/ping6--by-name dnbfx-ds-deb "ping6 -c 2 dnbfx-ds-bb"
    exec_in debian/ping--dual-stack-by-name dnbfx-ds-deb "ping -c 2 dnbfx-ds-bb"
    exec_in busybox/ping-6--by-name dnbfx-ds-bb "ping -6 -c 2 dnbfx-ds-deb"
    exec_in busybox/ping6--by-name dnbfx-ds-bb "ping6 -c 2 dnbfx-ds-deb"
    exec_in busybox/ping--dual-stack-by-name dnbfx-ds-bb "ping -c 2 dnbfx-ds-deb"
    docker exec dnbfx-ds-deb sh -c 'nc -6 -w 2 dnbfx-ds-web 8000 </dev/null; nc -4 -w 2 dnbfx-ds-web 8000 </dev/null' >/dev/null
    docker exec dnbfx-ds-bb sh -c 'nc -w 2 fd00:dead:beef::7 8000 </dev/null' >/dev/null
    sleep 0.5
    rec uptime/docker-logs--ipv6-listener sh -c "docker logs dnbfx-ds-web 2>&1"
    capture debian/tcpdump--any-sll-ping6-by-name dnbfx-ds-deb any -y LINUX_SLL -- \
        "ip neigh flush all; ip -6 neigh flush all" "ping -6 -c 1 dnbfx-ds-bb"
}

for group in "${SELECTED[@]}"; do
    echo "--- $group"
    "record_$group"
done
# Only what was recorded here (frr's recorder writes its own); with no file named it would write all.
[[ ${#RECORDED[@]} -eq 0 ]] || write_json "${RECORDED[@]}"
if [[ ${#SELECTED[@]} -eq ${#GROUPS_ALL[@]} ]]; then
    # Recordings this script no longer makes (a case renamed or dropped): delete them by hand.
    for file in "$FIX"/{busybox,debian,uptime}/*.txt "$FIX"/{busybox,debian,uptime}/*.pcap; do
        if [[ -e $file && " ${RECORDED[*]} " != *" $file "* ]]; then
            echo "not re-recorded (stale?): $file"
        fi
    done
fi
echo "done: now review 'git diff $FIX' value by value"
