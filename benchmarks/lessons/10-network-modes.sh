#!/usr/bin/env bash
# Lesson 10's docker commands as a plain script: time bash benchmarks/lessons/10-network-modes.sh
source "$(dirname "$0")/common.sh"
lab="$run_id-lab"; net "$lab"
run -d --name "$run_id-cache" --network "$lab" dockernet-nb/redis:1 redis-server --bind 127.0.0.1 --protected-mode no --save '' >/dev/null
run -d --name "$run_id-client" --network "$lab" dockernet-nb/redis:1 sleep infinity >/dev/null
wait_port "$run_id-cache" 6379
docker exec "$run_id-client" redis-cli -h "$run_id-cache" ping || true
docker run -d --pull never --label "$label" --name "$run_id-sidecar" --network "container:$run_id-cache" dockernet-nb/redis:1 sleep infinity >/dev/null
docker exec "$run_id-sidecar" redis-cli -h 127.0.0.1 ping
view() { docker exec "$1" sh -c 'readlink /proc/self/ns/net; ip addr; ip route; ip -6 route'; }
for c in cache sidecar client; do view "$run_id-$c" >/dev/null; done
docker exec "$run_id-sidecar" sh -c "timeout 3 redis-server --bind 127.0.0.1 --port 6379 --save '' | tail -n 2" || true
run -d --name "$run_id-hostbox" --network host dockernet-nb/debian:1 sleep infinity >/dev/null
for c in cache sidecar client hostbox; do view "$run_id-$c" >/dev/null; done
run -d --name "$run_id-hostserver" --network host dockernet-nb/debian:1 \
  socat TCP-LISTEN:8110,bind=127.0.0.1,fork,reuseaddr "SYSTEM:echo answered by hostserver" >/dev/null
wait_port "$run_id-hostserver" 8110; get 127.0.0.1 8110
run --rm --network host dockernet-nb/debian:1 sh -c 'timeout 3 socat TCP-LISTEN:8110,bind=127.0.0.1 STDOUT 2>&1' || true
