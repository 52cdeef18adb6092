#!/usr/bin/env bash
# The worksheet's own commands as a plain shell script, on the course images, so the README can
# compare its wall time with the notebooks'. Run by hand: time bash benchmarks/worksheet.sh
# (--pull never: nothing is fetched; --dns 127.0.0.1: no lookup leaves the machine; ports on 127.0.0.1.)
# Every name carries this run's own suffix and label: the clean-up removes what this run made, by
# label, and never a container or network of yours that happens to share a name.
set -euo pipefail
run_id="ws$$"
label="dockernet-nb.benchmark=$run_id"
run() { docker run --pull never --dns 127.0.0.1 --label "$label" "$@"; }
get() { timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1; cat <&3" || echo "connection refused"; }
cleanup() {
  docker ps -aq --filter "label=$label" | xargs -r docker rm -f >/dev/null
  docker network ls -q --filter "label=$label" | xargs -r docker network rm >/dev/null
}
trap cleanup EXIT

net="$run_id-mynet" redis="$run_id-redis" nc="$run_id-nc"
docker network create -d bridge --label "$label" "$net"
docker network ls
run -d --name "$redis" --net "$net" dockernet-nb/redis:1
run --rm --net "$net" dockernet-nb/debian:1 ping -c 4 "$redis"
for command in ping "set foo bar" "get foo"; do
  run --rm --net "$net" dockernet-nb/redis:1 redis-cli -h "$redis" $command
done
run --rm --net none dockernet-nb/debian:1 ping -c 1 8.8.8.8 || true
run --rm dockernet-nb/busybox:1 ifconfig
run --rm dockernet-nb/busybox:1 route -n
run --rm --net none dockernet-nb/busybox:1 ifconfig
run --rm --net none dockernet-nb/busybox:1 route -n
run --rm --net none dockernet-nb/busybox:1 ifconfig eth0 || true
run --name "$nc" --net none -d -p 127.0.0.1:8000:8000 dockernet-nb/uptime:1
sleep 0.5
get 8000
docker exec "$nc" nc localhost 8000
docker stop -t 1 "$nc" && docker rm "$nc"
run --name "$nc" -d -p 127.0.0.1:8000:8000 dockernet-nb/uptime:1
sleep 0.5
get 8000
docker logs "$nc"
docker exec "$nc" route -n
docker stop -t 1 "$nc" && docker rm "$nc"
