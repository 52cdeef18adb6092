#!/usr/bin/env bash
# Lesson 11's docker commands as a plain script: time bash benchmarks/lessons/11-ipv6.sh
source "$(dirname "$0")/common.sh"
v6="$run_id-v6net"; net "$v6" --ipv6 --subnet 172.29.30.0/24 --subnet fdd0:d0c:4e42:b0::/64
server=(socat TCP6-LISTEN:8000,ipv6only=0,fork,reuseaddr 'SYSTEM:echo "connect from $SOCAT_PEERADDR" >&2; echo hello from alpha')
run -d --name "$run_id-alpha" --network "$v6" dockernet-nb/debian:1 "${server[@]}" >/dev/null
run -d --name "$run_id-clock" --network "$v6" dockernet-nb/uptime:1 >/dev/null
run -d --name "$run_id-beta" --network "$v6" dockernet-nb/debian:1 sleep infinity >/dev/null
wait_port "$run_id-alpha" 8000; wait_port "$run_id-clock" 8000
docker exec "$run_id-beta" ifconfig; docker exec "$run_id-beta" sh -c 'ip route && ip -6 route'
docker exec "$run_id-beta" getent ahosts "$run_id-alpha"
docker exec "$run_id-beta" ping -c 3 "$run_id-alpha"; docker exec "$run_id-beta" busybox ping -4 -c 1 "$run_id-alpha"
docker exec "$run_id-beta" nc -6 -w 2 "$run_id-alpha" 8000; docker exec "$run_id-beta" nc -6 -v -w 2 "$run_id-clock" 8000 || true
docker rm -f "$run_id-alpha" >/dev/null
run -d --name "$run_id-alpha" --network "$v6" -p '[::1]:8111:8000' dockernet-nb/debian:1 "${server[@]}" >/dev/null
wait_port "$run_id-alpha" 8000; get ::1 8111; docker logs --tail 1 "$run_id-alpha"
docker run --rm --network none --cap-drop ALL --pid host --user 65534:65534 --read-only dockernet-nb/debian:1 ps -C docker-proxy -o pid=,args=
ipt ip6tables-save -t nat
