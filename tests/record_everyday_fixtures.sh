#!/usr/bin/env bash
# Record the fixtures of the everyday lessons' parsers (getent, Compose's ps and progress output) from a
# real engine, then write their expected .json with the parsers (check every value by eye after).
#
#   tests/record_everyday_fixtures.sh            needs a Docker engine, the course images and a Compose v2
#
# Safety, as in tests/record_fixtures.sh: nothing leaves the machine (--dns 127.0.0.1, course images only,
# --pull never), subnets 172.29.20-22.0/24 and fd00:dbf:20::/64, everything labelled and removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
FIX=tests/fixtures
PY=${PYTHON:-.venv/bin/python}
[[ -x $PY ]] || PY=python3
LABEL=dockernet-nb.fixture=everyday
COMPOSE=$("$PY" -c 'from dockernet_nb.engine.compose_cli import require_compose; print(" ".join(require_compose().argv))')
PROJECT=dnbfx-shop
WORK=""

cleanup() {
    $COMPOSE -p "$PROJECT" down -t 0 >/dev/null 2>&1 || true
    docker ps -aq --filter "label=$LABEL" | xargs -r docker rm -f >/dev/null
    docker network ls -q --filter "label=$LABEL" | xargs -r docker network rm >/dev/null
    [[ -z $WORK ]] || rm -rf "$WORK"
}
trap cleanup EXIT
cleanup
WORK=$(mktemp -d)

# --- getent, on a network where three containers share the alias "app", and on a dual-stack one ---------
docker network create --label "$LABEL" --subnet 172.29.20.0/24 dnbfx-names >/dev/null
docker network create --label "$LABEL" --ipv6 --subnet 172.29.21.0/24 --subnet fd00:dbf:20::/64 dnbfx-v6 >/dev/null
for n in 1 2 3; do
    docker run -d --pull never --label "$LABEL" --name "dnbfx-app$n" --network dnbfx-names --network-alias app \
        --dns 127.0.0.1 dockernet-nb/debian:1 sleep 300 >/dev/null
done
docker run -d --pull never --label "$LABEL" --name dnbfx-six --network dnbfx-v6 --dns 127.0.0.1 dockernet-nb/debian:1 sleep 300 >/dev/null
run() { docker run --rm --pull never --label "$LABEL" --dns 127.0.0.1 --add-host billing.lab:172.29.20.9 "$@"; }
run --network dnbfx-names dockernet-nb/debian:1 getent ahosts app > "$FIX/debian/getent-ahosts--alias.txt"
run --network dnbfx-names dockernet-nb/debian:1 getent ahostsv4 app > "$FIX/debian/getent-ahostsv4--alias.txt"
run --network dnbfx-names dockernet-nb/debian:1 getent hosts app billing.lab > "$FIX/debian/getent-hosts--alias-and-add-host.txt"
run --network dnbfx-names dockernet-nb/debian:1 getent hosts nothere.lab > "$FIX/debian/getent-hosts--missing.txt" || true
run --network dnbfx-v6 dockernet-nb/debian:1 getent ahosts dnbfx-six > "$FIX/debian/getent-ahosts--dual-stack.txt"

# --- Compose: a two-network project, up, ps and down in JSON -------------------------------------------
cat > "$WORK/compose.yaml" <<YAML
services:
  web:
    image: dockernet-nb/uptime:1
    ports: ["127.0.0.1:18108:8000"]
    networks: [front]
    labels: {dockernet-nb.fixture: everyday}
  db:
    image: dockernet-nb/redis:1
    networks: [back]
    labels: {dockernet-nb.fixture: everyday}
    healthcheck: {test: ["CMD", "redis-cli", "ping"], interval: 1s}
networks:
  front: {ipam: {config: [{subnet: 172.29.22.0/25}]}, labels: {dockernet-nb.fixture: everyday}}
  back: {ipam: {config: [{subnet: 172.29.22.128/25}]}, labels: {dockernet-nb.fixture: everyday}}
YAML
(cd "$WORK" && $COMPOSE -p "$PROJECT" --progress json up -d --pull never --wait) > "$FIX/compose/docker-compose-progress-json--up.txt" 2>&1
$COMPOSE -p "$PROJECT" ps -a --format json > "$FIX/compose/docker-compose-ps-format-json--two-networks.txt"
$COMPOSE -p "$PROJECT" --progress json down -t 1 > "$FIX/compose/docker-compose-progress-json--down.txt" 2>&1
printf 'services:\n  web:\n    image: dnbfx-no-such-image:1\n' > "$WORK/bad.yaml"
(cd "$WORK" && $COMPOSE -p "$PROJECT" -f bad.yaml --progress json up -d --pull never) > "$FIX/compose/docker-compose-progress-json--missing-image.txt" 2>&1 || true
(cd "$WORK" && $COMPOSE -p "$PROJECT" -f bad.yaml down -t 0) >/dev/null 2>&1 || true

"$PY" -m tests.unit.parser_fixtures "$FIX"/debian/getent-*.txt "$FIX"/compose/*.txt "$FIX"/malformed/getent--*.txt "$FIX"/malformed/compose_*.txt
