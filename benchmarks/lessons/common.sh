# Shared by the lesson scripts: names with this run's suffix, a label on everything, clean-up by label.
# (--pull never: nothing is fetched; --dns 127.0.0.1: no lookup leaves the machine; ports on 127.0.0.1.)
set -euo pipefail
run_id="b$$"
label="dockernet-nb.benchmark=$run_id"
run() { docker run --pull never --dns 127.0.0.1 --dns-option ndots:1 --label "$label" "$@"; }
net() { docker network create --label "$label" "$@" >/dev/null; echo "$1" >/dev/null; }
wait_port() { until docker exec "$1" nc -z -w 1 127.0.0.1 "$2" 2>/dev/null; do sleep 0.2; done; }
get() { timeout 3 bash -c "exec 3<>/dev/tcp/$1/$2; cat <&3" || echo "connection refused"; }
reach() { # reach SOURCE HOST:PORT|HOST -> what dnb.reachability tries for one cell of its table
    local host=${2%:*} port=${2##*:}
    if [[ $2 == *:* ]]; then docker exec "$1" nc -z -w 2 "$host" "$port" && echo "$1 -> $2 yes" || echo "$1 -> $2 no"
    else docker exec "$1" ping -c 1 -W 2 "$2" >/dev/null && echo "$1 -> $2 yes" || echo "$1 -> $2 no"; fi
}
ipt() { docker run --rm --network host --cap-drop ALL --cap-add NET_ADMIN --cap-add NET_RAW --label "$label" dockernet-nb/debian:1 "$@"; }
compose_cli() { "${PYTHON:-python3}" -c 'from dockernet_nb.engine.compose_cli import require_compose; print(" ".join(require_compose().argv))'; }
remove_labelled() {
  docker ps -aq --filter "label=$label" | xargs -r docker rm -f >/dev/null
  docker network ls -q --filter "label=$label" | xargs -r docker network rm >/dev/null
}
trap remove_labelled EXIT
