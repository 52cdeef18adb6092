#!/usr/bin/env bash
# Lesson 09's docker commands as a plain script: time bash benchmarks/lessons/09-names.sh
source "$(dirname "$0")/common.sh"
lab="$run_id-lab"; net "$lab"
for n in 1 2 3; do
  run -d --name "$run_id-app$n" --hostname "app$n" --network "$lab" --network-alias app dockernet-nb/debian:1 \
    socat TCP-LISTEN:8000,fork,reuseaddr SYSTEM:hostname >/dev/null
done
run -d --name "$run_id-client" --network "$lab" dockernet-nb/debian:1 sleep infinity >/dev/null
for n in 1 2 3; do wait_port "$run_id-app$n" 8000; done
docker ps -a --filter "label=$label"
docker exec "$run_id-client" sh -c 'for i in $(seq 1 4); do getent ahosts app; done'
docker exec "$run_id-client" sh -c 'for i in $(seq 1 30); do a=$(getent ahostsv4 app | head -n 1); nc -w 2 ${a%% *} 8000 </dev/null; done'
docker stop -t 3 "$run_id-app2"; docker exec "$run_id-client" getent ahosts app
docker exec "$run_id-client" cat /etc/resolv.conf
docker exec "$run_id-client" getent hosts example.org || true
app1=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$run_id-app1")
app3=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$run_id-app3")
script=$("${PYTHON:-python3}" -c 'from dockernet_nb.verbs.names import DNS_SERVER_PERL; print(DNS_SERVER_PERL)')
run -d --name "$run_id-dns" --network "$lab" -e "RECORDS=shop.lab=$app1 api.lab=$app3" dockernet-nb/debian:1 perl -e "$script" >/dev/null
until docker logs "$run_id-dns" 2>&1 | grep -q "answering for"; do sleep 0.1; done
dns=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$run_id-dns")
docker run -d --pull never --label "$label" --name "$run_id-client2" --network "$lab" --dns "$dns" dockernet-nb/debian:1 sleep infinity >/dev/null
docker exec "$run_id-client2" cat /etc/resolv.conf
docker exec "$run_id-client2" getent hosts shop.lab api.lab nothere.lab || true
docker logs "$run_id-dns"
run -d --name "$run_id-probe" --network "$lab" --add-host "reports.lab:$app1" --add-host host.docker.internal:host-gateway \
  dockernet-nb/debian:1 sleep infinity >/dev/null
docker exec "$run_id-probe" grep -v ip6 /etc/hosts; docker exec "$run_id-probe" ping -c 2 host.docker.internal
run --rm dockernet-nb/debian:1 sh -c 'cat /etc/resolv.conf; getent hosts app1 || echo app1: no such name'
docker run --rm --pull never --label "$label" --dns "$dns" dockernet-nb/debian:1 cat /etc/resolv.conf
