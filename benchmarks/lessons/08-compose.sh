#!/usr/bin/env bash
# Lesson 08's docker commands as a plain script: time bash benchmarks/lessons/08-compose.sh
source "$(dirname "$0")/common.sh"
COMPOSE=$(compose_cli)
work=$(mktemp -d)
finish() { for p in hello shop race ready; do (cd "$work" && $COMPOSE -p "$run_id-$p" down -t 1 >/dev/null 2>&1) || true; done; rm -rf "$work"; remove_labelled; }
trap finish EXIT
up() { cp "$work/$2.yaml" "$work/compose.yaml"; (cd "$work" && $COMPOSE -p "$run_id-$1" up -d --pull never); }
cat > "$work/hello.yaml" <<YAML
services:
  web: {image: dockernet-nb/uptime:1, ports: ["127.0.0.1:8108:8000"], dns: [127.0.0.1]}
YAML
cat > "$work/shop.yaml" <<YAML
services:
  web: {image: dockernet-nb/uptime:1, ports: ["127.0.0.1:8108:8000"], networks: [front], dns: [127.0.0.1]}
  api: {image: dockernet-nb/debian:1, command: sleep infinity, networks: [front, back], dns: [127.0.0.1]}
  db: {image: dockernet-nb/redis:1, expose: ["6379"], networks: {back: {aliases: [database]}}, dns: [127.0.0.1]}
networks: {front: {}, back: {}}
YAML
cat > "$work/race.yaml" <<YAML
services:
  db: {image: dockernet-nb/redis:1, command: sh -c "sleep 3; exec redis-server --protected-mode no --save ''"}
  app: {image: dockernet-nb/redis:1, command: sh -c "redis-cli -h db ping; exec sleep infinity", depends_on: [db]}
YAML
cat > "$work/ready.yaml" <<YAML
services:
  db:
    image: dockernet-nb/redis:1
    command: sh -c "sleep 3; exec redis-server --protected-mode no --save ''"
    healthcheck: {test: ["CMD", "redis-cli", "ping"], interval: 1s, retries: 30}
  app:
    image: dockernet-nb/redis:1
    command: sh -c "redis-cli -h db ping; exec sleep infinity"
    depends_on: {db: {condition: service_healthy}}
YAML
up hello hello; docker network ls; $COMPOSE -p "$run_id-hello" ps -a
wait_port "$run_id-hello-web-1" 8000; get 127.0.0.1 8108
$COMPOSE -p "$run_id-hello" down -t 1
up shop shop; $COMPOSE -p "$run_id-shop" ps -a
docker exec "$run_id-shop-api-1" getent hosts db database web
for src in web api; do for dst in web:8000 db:6379; do reach "$run_id-shop-$src-1" "$dst"; done; done
wait_port "$run_id-shop-web-1" 8000; get 127.0.0.1 8108
up race race; docker logs "$run_id-race-app-1"
up ready ready; docker logs "$run_id-ready-app-1"
for p in shop race ready; do $COMPOSE -p "$run_id-$p" down -t 1; done
docker network ls
