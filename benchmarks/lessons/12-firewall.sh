#!/usr/bin/env bash
# Lesson 12's docker commands as a plain script: time bash benchmarks/lessons/12-firewall.sh
# Every rule it adds carries the comment "dockernet-nb benchmark=<run>"; the clean-up deletes exactly those.
source "$(dirname "$0")/common.sh"
tag="dockernet-nb benchmark=$run_id"
finish() {
  ipt iptables-save -t filter | grep -F -- "$tag" | sed 's/^-A/-D/' | while read -r rule; do eval "ipt iptables -t filter $rule"; done
  remove_labelled
}
trap finish EXIT
addr() { docker inspect -f "{{(index .NetworkSettings.Networks \"$2\").IPAddress}}" "$1"; }
ipt iptables-save -t filter >/dev/null; ipt iptables-save -t filter >/dev/null
opt=com.docker.network.bridge.gateway_mode_ipv4=nat-unprotected
net "$run_id-front" -o "$opt" --subnet 172.29.31.0/24; net "$run_id-back" -o "$opt" --subnet 172.29.32.0/24
gw=172.29.31.1
run -d --name "$run_id-web" --network "$run_id-back" -p "$gw:8112:8000" dockernet-nb/uptime:1 >/dev/null
for n in alice bob; do run -d --name "$run_id-$n" --network "$run_id-front" dockernet-nb/debian:1 sleep infinity >/dev/null; done
run -d --name "$run_id-hostside" --network host dockernet-nb/debian:1 sleep infinity >/dev/null
wait_port "$run_id-web" 8000
web=$(addr "$run_id-web" "$run_id-back"); alice=$(addr "$run_id-alice" "$run_id-front")
table() { for s in alice bob hostside; do reach "$run_id-$s" "$web:8000"; reach "$run_id-$s" "$gw:8112"; done; }
table
ipt iptables -I DOCKER-USER -s "$alice" -d "$web" -p tcp --dport 8000 -m comment --comment "$tag" -j ACCEPT
ipt iptables -I DOCKER-USER -s "$web" -d "$alice" -p tcp --sport 8000 -m conntrack --ctstate ESTABLISHED -m comment --comment "$tag" -j ACCEPT
ipt iptables-save -t filter >/dev/null
table
ipt iptables -I INPUT -p tcp --dport 8112 -m comment --comment "$tag" -j REJECT --reject-with tcp-reset
table
ipt iptables -D INPUT -p tcp --dport 8112 -m comment --comment "$tag" -j REJECT --reject-with tcp-reset
net "$run_id-quiet" -o com.docker.network.bridge.enable_icc=false --subnet 172.29.33.0/24
for n in q1 q2; do run -d --name "$run_id-$n" --network "$run_id-quiet" dockernet-nb/debian:1 sleep infinity >/dev/null; done
reach "$run_id-q1" "$(addr "$run_id-q2" "$run_id-quiet")"; reach "$run_id-q1" 172.29.33.1
ipt iptables-save -t filter >/dev/null
