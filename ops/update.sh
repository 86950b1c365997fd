#!/usr/bin/env bash
# Update vorzimmer to a new version, and roll back by itself when the new version fails.
#
#   ops/update.sh bare-metal --ref v1.5.0 [options]   releases side by side, `app` symlink
#   ops/update.sh compose --ref v1.5.0 [options]      build the image from this checkout at REF
#   ops/update.sh compose --image REGISTRY/vorzimmer:1.5.0 [options]   or pull a published one
#
# Steps, each printed as it starts:
#   1. refuse when the git checkout this runs from has uncommitted changes (an update is made
#      from commits only; local edits would be lost or half-applied);
#   2. backup: `manage.py backup` through ops/entrypoint.sh; the archive is the safety backup;
#   3. replace: bare metal unpacks REF into a new release directory beside the running one
#      and installs its dependencies there; compose builds (or pulls) the new image and keeps
#      the running one tagged for the rollback;
#   4. migrate with the new version, noting whether it had migrations to apply;
#   5. start it: bare metal switches the `app` symlink and restarts the services; compose
#      `up -d`;
#   6. wait until the readiness check (/api/health/ready) answers 200.
# When 4-6 fail it rolls back: the previous symlink / image; when the new version's migrations
# ran, the database is restored from the safety backup (`manage.py restore`, run by the
# previous version, services stopped) before the previous version starts again.
# Exit status: 0 updated; 1 refused or failed before anything changed, or failed and rolled
# back; 2 the rollback failed too (the safety backup's path is printed).
#
# Options:
#   --health-url URL   readiness address (bare metal: http://127.0.0.1:8001/api/health/ready,
#                      the first web process; compose: https://$DOMAIN/api/health/ready)
#   --timeout SECONDS  how long to wait for readiness (default 180)
#   --repo DIR         the git checkout to update from (default: the one this script is in)
# bare-metal (the layout of ops/systemd: /srv/vorzimmer/{app,var,static,backups}):
#   --ref REF          commit, tag or branch of --repo to install (required)
#   --base DIR         holds releases/, var/ and the `app` symlink the units run (default
#                      /srv/vorzimmer)
#   --env-file F       the services' settings (default /etc/vorzimmer/env)
#   --user NAME        runs backup/migrate/restore as this user (default vorzimmer when this
#                      runs as root and the user exists)
#   --keep N           older releases kept besides the running and the previous one (default 3)
# compose (ops/compose.yaml, settings in ops/.env):
#   --ref REF | --image IMAGE   check REF out and build, or pull IMAGE; either becomes the
#                               compose file's vorzimmer:latest
# Environment (bare metal; the defaults are for systemd, tests point them at own processes):
#   VORZIMMER_INSTALL_COMMAND  run in the new release to install its dependencies
#                              (default: python3 -m venv .venv && .venv/bin/pip install .)
#   VORZIMMER_RESTART_COMMAND  (re)starts the services on `app`; must fail when they do not
#                              come up (default: systemctl restart vorzimmer.target)
#   VORZIMMER_STOP_COMMAND     stops them before a restore (default: systemctl stop vorzimmer.target)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

MODE=""
REF=""
IMAGE=""
BASE=/srv/vorzimmer
REPO="$(cd "$SCRIPT_DIR/.." && pwd)"
ENV_FILE=""
RUN_AS=""
HEALTH_URL=""
TIMEOUT=180
KEEP=3

INSTALL_COMMAND="${VORZIMMER_INSTALL_COMMAND:-python3 -m venv .venv && .venv/bin/pip install --quiet .}"
RESTART_COMMAND="${VORZIMMER_RESTART_COMMAND:-systemctl restart vorzimmer.target}"
STOP_COMMAND="${VORZIMMER_STOP_COMMAND:-systemctl stop vorzimmer.target}"

STEP=0
step() {
    STEP=$((STEP + 1))
    printf '==> [%s] %d. %s\n' "$(date -u +%H:%M:%S)" "$STEP" "$*"
}
info() { printf '    %s\n' "$*"; }
fail() {
    printf 'update.sh: %s\n' "$*" >&2
    exit 1
}
usage() {
    sed -n '2,6p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    echo "Options: see the comment at the top of ${BASH_SOURCE[0]}" >&2
    exit 64
}

[ $# -ge 1 ] || usage
MODE="$1"
shift
case "$MODE" in
    compose | bare-metal) ;;
    -h | --help) usage ;;
    *) fail "unknown mode '$MODE' (bare-metal or compose)" ;;
esac
while [ $# -gt 0 ]; do
    [ $# -ge 2 ] || fail "option $1 needs a value"
    case "$1" in
        --ref) REF="$2" ;;
        --image) IMAGE="$2" ;;
        --base) BASE="$2" ;;
        --repo) REPO="$2" ;;
        --env-file) ENV_FILE="$2" ;;
        --user) RUN_AS="$2" ;;
        --health-url) HEALTH_URL="$2" ;;
        --timeout) TIMEOUT="$2" ;;
        --keep) KEEP="$2" ;;
        *) fail "unknown option $1" ;;
    esac
    shift 2
done
[[ "$TIMEOUT" =~ ^[0-9]+$ ]] || fail "--timeout must be a number of seconds"
[[ "$KEEP" =~ ^[0-9]+$ ]] || fail "--keep must be a number"

require_clean_checkout() {
    local changes
    git -C "$REPO" rev-parse --git-dir >/dev/null 2>&1 ||
        fail "$REPO is no git checkout (update from a clone, e.g. /srv/vorzimmer/src; see ops/README.md)"
    changes="$(git -C "$REPO" status --porcelain --untracked-files=normal)"
    if [ -n "$changes" ]; then
        printf '%s\n' "$changes" >&2
        fail "$REPO has uncommitted local changes (listed above): commit or discard them first"
    fi
}

resolve_ref() {
    git -C "$REPO" rev-parse --verify --quiet "$REF^{commit}" ||
        fail "$REF is no commit in $REPO (git fetch first?)"
}

# Polls the readiness address until it answers 200 or the deadline passes.
wait_ready() {
    local deadline=$((SECONDS + TIMEOUT)) status=""
    info "waiting up to ${TIMEOUT}s for 200 from $HEALTH_URL"
    while [ "$SECONDS" -lt "$deadline" ]; do
        status="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$HEALTH_URL" || true)"
        if [ "$status" = 200 ]; then
            info "ready"
            return 0
        fi
        sleep 2
    done
    info "not ready after ${TIMEOUT}s (last answer: ${status:-none})"
    return 1
}

# `manage.py backup` prints the archive's path as its last line.
last_line() { printf '%s\n' "$1" | awk 'NF { last = $0 } END { print last }'; }

rollback_failed() {
    printf 'update.sh: the ROLLBACK FAILED too. The safety backup is %s;\n' "$1" >&2
    printf 'once the previous version runs, restore it with: manage.py restore %s\n' "$1" >&2
    printf '(ops/README.md, Update and rollback; docs/backup-and-restore.md).\n' >&2
    exit 2
}

# --- bare metal -------------------------------------------------------------------------------

# Exports a systemd EnvironmentFile's KEY=value lines (values may hold spaces; one pair of
# surrounding quotes is removed), as the units see them. Not `source`: it is no shell script.
export_env_file() {
    local line key value
    while IFS= read -r line || [ -n "$line" ]; do
        line="${line#"${line%%[![:space:]]*}"}"
        case "$line" in '' | '#'* | ';'*) continue ;; esac
        key="${line%%=*}"
        value="${line#*=}"
        [[ "$key" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || continue
        value="${value%"${value##*[![:space:]]}"}"
        if [[ "$value" =~ ^\"(.*)\"$ || "$value" =~ ^\'(.*)\'$ ]]; then
            value="${BASH_REMATCH[1]}"
        fi
        export "$key=$value"
    done <"$1"
}

# Runs ops/entrypoint.sh of a release with the services' settings, as the services' user.
entrypoint() {
    local release="$1"
    shift
    (
        # The units' own defaults (ops/systemd), then the settings file over them.
        export VORZIMMER_VAR_DIR="${VORZIMMER_VAR_DIR:-$BASE/var}"
        export STATIC_ROOT="${STATIC_ROOT:-$BASE/static}"
        if [ -n "$ENV_FILE" ]; then export_env_file "$ENV_FILE"; fi
        # This release's code and virtualenv, whatever the settings name for the running one.
        export VORZIMMER_APP_DIR="$release"
        if [ -x "$release/.venv/bin/python" ]; then
            export VORZIMMER_PYTHON="$release/.venv/bin/python"
        else
            unset VORZIMMER_PYTHON
        fi
        cd "$release"
        if [ -n "$RUN_AS" ]; then
            exec runuser -u "$RUN_AS" --preserve-environment -- ops/entrypoint.sh "$@"
        fi
        exec ops/entrypoint.sh "$@"
    )
}

switch_app() {
    ln -sfn "$1" "$BASE/app.next"
    mv -T "$BASE/app.next" "$BASE/app"
    info "app -> $1"
}

prune_releases() {
    local running previous="$1" release
    running="$(readlink -f "$BASE/app")"
    # Newest first (names start with a UTC time); never the running or the previous one.
    find "$BASE/releases" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort -r |
        tail -n +"$((KEEP + 3))" | while read -r release; do
        [ "$BASE/releases/$release" = "$running" ] && continue
        [ "$BASE/releases/$release" = "$previous" ] && continue
        info "removing old release $release"
        rm -rf "${BASE:?}/releases/$release"
    done
}

update_bare_metal() {
    [ -n "$REF" ] || fail "bare-metal mode needs --ref REF (a commit, tag or branch of $REPO)"
    [ -z "$IMAGE" ] || fail "--image is for compose mode"
    if [ -z "$ENV_FILE" ] && [ -f /etc/vorzimmer/env ]; then ENV_FILE=/etc/vorzimmer/env; fi
    [ -z "$ENV_FILE" ] || [ -r "$ENV_FILE" ] || fail "cannot read --env-file $ENV_FILE"
    if [ -z "$RUN_AS" ] && [ "$(id -u)" -eq 0 ] && id vorzimmer >/dev/null 2>&1; then
        RUN_AS=vorzimmer
    fi
    HEALTH_URL="${HEALTH_URL:-http://127.0.0.1:8001/api/health/ready}"
    [ -L "$BASE/app" ] ||
        fail "$BASE/app is no symlink to a release: move the checkout to $BASE/releases/ and link it (ops/README.md, Update)"

    step "checking $REPO for uncommitted changes"
    require_clean_checkout
    local commit previous release out backup
    commit="$(resolve_ref)"
    previous="$(readlink -f "$BASE/app")"
    [ -x "$previous/ops/entrypoint.sh" ] || fail "the running release $previous has no ops/entrypoint.sh"
    info "running release: $previous"
    info "new release: $REF ($commit)"

    step "safety backup (ops/entrypoint.sh backup, by the running release)"
    out="$(entrypoint "$previous" backup --no-rotate)" || fail "the backup failed: nothing was changed"
    backup="$(last_line "$out")"
    [ -f "$backup" ] || fail "the backup printed no archive path (got: $backup)"
    info "safety backup: $backup"

    release="$BASE/releases/$(date -u +%Y%m%dT%H%M%SZ)-${commit:0:12}"
    step "unpacking $REF into $release"
    mkdir -p "$BASE/releases"
    rm -rf "$release.partial"
    mkdir "$release.partial"
    git -C "$REPO" archive --format=tar "$commit" | tar -x -C "$release.partial"
    step "installing its dependencies ($INSTALL_COMMAND)"
    if ! (cd "$release.partial" && bash -c "$INSTALL_COMMAND"); then
        rm -rf "$release.partial"
        fail "installing $REF failed: the running release was not touched"
    fi
    mv -T "$release.partial" "$release"

    local migrated=0
    step "migrating with the new release (ops/entrypoint.sh migrate)"
    if ! entrypoint "$release" manage migrate --check >/dev/null 2>&1; then
        migrated=1
        info "it has migrations to apply"
    fi
    local switched=0
    if entrypoint "$release" migrate; then
        step "switching app to the new release and restarting ($RESTART_COMMAND)"
        switch_app "$release"
        switched=1
        if bash -c "$RESTART_COMMAND" && wait_ready; then
            step "removing old releases (keeping $KEEP besides the running and the previous one)"
            prune_releases "$previous"
            step "done: $REF runs from $release (safety backup: $backup)"
            return 0
        fi
    fi

    if [ "$switched" = 0 ] && [ "$migrated" = 0 ]; then
        fail "migrating with $REF failed before it changed anything: $previous still runs untouched"
    fi
    step "ROLLBACK to $previous"
    if [ "$migrated" = 1 ]; then
        step "stopping the services ($STOP_COMMAND)"
        bash -c "$STOP_COMMAND" || true
    fi
    switch_app "$previous"
    if [ "$migrated" = 1 ]; then
        step "restoring the database from $backup (the new release had migrated it)"
        entrypoint "$previous" manage restore "$backup" || rollback_failed "$backup"
    fi
    step "restarting the previous release ($RESTART_COMMAND)"
    if bash -c "$RESTART_COMMAND" && wait_ready; then
        step "rolled back: $previous runs again; $REF failed (see above; its files stay in $release)"
        exit 1
    fi
    rollback_failed "$backup"
}

# --- compose ----------------------------------------------------------------------------------

COMPOSE_FILE="$SCRIPT_DIR/compose.yaml"
APP_IMAGE=vorzimmer:latest # the image ops/compose.yaml runs

compose() { docker compose -f "$COMPOSE_FILE" "$@"; }

# The services running the app's image besides the one-shot migrate: web1, web2, …, worker.
app_services() { compose config --services | grep -E '^(web[0-9]*|worker)$'; }

update_compose() {
    if { [ -n "$REF" ] && [ -n "$IMAGE" ]; } || { [ -z "$REF" ] && [ -z "$IMAGE" ]; }; then
        fail "compose mode needs either --ref REF (build from $REPO) or --image IMAGE (pull)"
    fi
    [ -f "$COMPOSE_FILE" ] || fail "no compose file at $COMPOSE_FILE"
    [ -f "$SCRIPT_DIR/.env" ] || fail "no settings in $SCRIPT_DIR/.env (cp ops/.env.example ops/.env and edit it)"
    if [ -z "$HEALTH_URL" ]; then
        local domain
        domain="$(sed -n 's/^DOMAIN=//p' "$SCRIPT_DIR/.env" | tail -n 1)"
        [ -n "$domain" ] || fail "no DOMAIN in ops/.env: pass --health-url"
        HEALTH_URL="https://$domain/api/health/ready"
    fi

    step "checking $REPO for uncommitted changes"
    require_clean_checkout
    local previous_commit rollback_image out backup
    previous_commit="$(git -C "$REPO" rev-parse HEAD)"
    rollback_image="vorzimmer:rollback-$(date -u +%Y%m%dT%H%M%SZ)"
    docker image inspect "$APP_IMAGE" >/dev/null || fail "no image $APP_IMAGE is running here yet"
    docker tag "$APP_IMAGE" "$rollback_image"
    info "running image kept as $rollback_image (checkout at ${previous_commit:0:12})"

    step "safety backup (entrypoint: backup)"
    out="$(compose run --rm --no-deps -T migrate backup --no-rotate)" || fail "the backup failed: nothing was changed"
    backup="$(last_line "$out")"
    [ -n "$backup" ] || fail "the backup printed no archive path"
    info "safety backup (in the backups volume): $backup"

    if [ -n "$REF" ]; then
        local commit
        commit="$(resolve_ref)"
        step "checking out $REF ($commit) and building $APP_IMAGE"
        git -C "$REPO" -c advice.detachedHead=false checkout --quiet "$commit"
        if ! compose build; then
            git -C "$REPO" checkout --quiet "$previous_commit"
            docker tag "$rollback_image" "$APP_IMAGE"
            fail "building $REF failed: the running containers were not touched"
        fi
    else
        step "pulling $IMAGE as $APP_IMAGE"
        docker pull "$IMAGE" || fail "pulling $IMAGE failed: nothing was changed"
        docker tag "$IMAGE" "$APP_IMAGE"
    fi

    local migrated=0
    step "migrating with the new image"
    if ! compose run --rm --no-deps -T migrate manage migrate --check >/dev/null 2>&1; then
        migrated=1
        info "it has migrations to apply"
    fi
    if compose run --rm --no-deps -T migrate migrate; then
        step "starting the new image (docker compose up -d)"
        if compose up -d && wait_ready; then
            step "done (safety backup: $backup; previous image: $rollback_image)"
            return 0
        fi
    fi

    step "ROLLBACK to $rollback_image"
    docker tag "$rollback_image" "$APP_IMAGE"
    if [ -n "$REF" ]; then git -C "$REPO" checkout --quiet "$previous_commit"; fi
    if [ "$migrated" = 1 ]; then
        step "stopping the app and restoring the database from $backup (the new image had migrated it)"
        # shellcheck disable=SC2046  # one service name per word
        compose stop $(app_services) || true
        compose run --rm --no-deps -T migrate manage restore "$backup" || rollback_failed "$backup"
    fi
    step "starting the previous image again"
    if compose up -d && wait_ready; then
        step "rolled back: the previous image runs again; the update failed (see above)"
        exit 1
    fi
    rollback_failed "$backup"
}

case "$MODE" in
    compose) update_compose ;;
    bare-metal) update_bare_metal ;;
esac
