#!/usr/bin/env bash
# The worksheet's own commands as a plain shell script, on the course images, so the README can
# compare its wall time with the notebooks'. Run by hand: time bash benchmarks/worksheet.sh
# (--pull never: nothing is fetched; --dns 127.0.0.1: no lookup leaves the machine; ports on 127.0.0.1.)
set -euo pipefail
run() { docker run --pull never --dns 127.0.0.1 --label dockernet-nb.benchmark=1 "$@"; }
get() { timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1; cat <&3" || echo "connection refused"; }
trap 'docker rm -f ws-redis ws-nc >/dev/null 2>&1 || true; docker network rm ws-mynet >/dev/null 2>&1 || true' EXIT

docker network create -d bridge --label dockernet-nb.benchmark=1 ws-mynet
docker network ls
run -d --name ws-redis --net ws-mynet dockernet-nb/redis:1
run --rm --net ws-mynet dockernet-nb/debian:1 ping -c 4 ws-redis
for command in ping "set foo bar" "get foo"; do
  run --rm --net ws-mynet dockernet-nb/redis:1 redis-cli -h ws-redis $command
done
run --rm --net none dockernet-nb/debian:1 ping -c 1 8.8.8.8 || true
run --rm dockernet-nb/busybox:1 ifconfig
run --rm dockernet-nb/busybox:1 route -n
run --rm --net none dockernet-nb/busybox:1 ifconfig
run --rm --net none dockernet-nb/busybox:1 route -n
run --rm --net none dockernet-nb/busybox:1 ifconfig eth0 || true
run --name ws-nc --net none -d -p 127.0.0.1:8000:8000 dockernet-nb/uptime:1
sleep 0.5
get 8000
docker exec ws-nc nc localhost 8000
docker stop -t 1 ws-nc && docker rm ws-nc
run --name ws-nc -d -p 127.0.0.1:8000:8000 dockernet-nb/uptime:1
sleep 0.5
get 8000
docker logs ws-nc
docker exec ws-nc route -n
docker stop -t 1 ws-nc && docker rm ws-nc
