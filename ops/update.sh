#!/usr/bin/env bash
# Update vorzimmer to a new version, and roll back by itself when the new version fails.
#
#   ops/update.sh compose --tag 1.5.0 [options]      Docker Compose (ops/compose.yaml)
#   ops/update.sh bare-metal --ref v1.5.0 [options]  releases beside each other, `current` symlink
#
# Steps, each printed as it starts:
#   1. refuse when the checkout this runs from has uncommitted changes (an update must be
#      reproducible from a commit; local edits would be lost or half-applied);
#   2. backup: `manage.py backup` through the entrypoint; its archive is the safety backup;
#   3. replace: compose pulls the new image tag; bare metal unpacks the git ref into a new
#      release directory beside the current one and installs its dependencies there;
#   4. migrate with the new version (noting whether it had migrations to apply);
#   5. start it: compose `up -d`; bare metal switches the `current` symlink and restarts;
#   6. wait until /api/health/ready answers 200.
# On a failure in 4-6 it rolls back: the previous image tag / the previous symlink; when the
# new version's migrations ran, the database is restored from the safety backup with
# `manage.py restore` (run by the previous version) before it starts again. It exits 0 when
# the update went through, 1 when it failed and was rolled back, 2 when the rollback failed
# too (then read the printed steps: the safety backup's path is among them).
#
# Options (both modes):
#   --health-url URL   readiness address (default http://127.0.0.1:8000/api/health/ready)
#   --timeout SECONDS  how long to wait for readiness (default 180)
# compose:
#   --tag TAG          the image tag to run (required)
#   --compose-file F   default ops/compose.yaml beside this script
#   --env-file F       the compose .env holding VORZIMMER_TAG (default ops/.env)
# bare-metal:
#   --ref REF          git commit, tag or branch of --repo to install (required)
#   --base DIR         holds releases/ and the `current` symlink (default /opt/vorzimmer)
#   --repo DIR         git checkout the release is made from (default: the one this script is in)
#   --env-file F       settings file the services read (default /etc/vorzimmer/vorzimmer.env
#                      when it exists); exported to the entrypoint's commands
#   --keep N           releases kept besides the current one (default 3)
# Environment (bare metal; defaults for systemd, tests point them at their own processes):
#   VORZIMMER_INSTALL_COMMAND  run in the new release directory to install its dependencies
#                              (default: python3 -m venv .venv && .venv/bin/pip install .)
#   VORZIMMER_RESTART_COMMAND  restarts the services on `current`; must fail when they fail to
#                              start (default: systemctl restart vorzimmer.target)
#   VORZIMMER_STOP_COMMAND     stops them before a restore (default: systemctl stop vorzimmer.target)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DEFAULT="$(cd "$SCRIPT_DIR/.." && pwd)"

MODE=""
TAG=""
REF=""
BASE=/opt/vorzimmer
REPO="$REPO_DEFAULT"
COMPOSE_FILE="$SCRIPT_DIR/compose.yaml"
ENV_FILE=""
HEALTH_URL=http://127.0.0.1:8000/api/health/ready
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
    sed -n '2,4p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    echo "Options: see the comment at the top of ${BASH_SOURCE[0]}" >&2
    exit 64
}

[ $# -ge 1 ] || usage
MODE="$1"
shift
case "$MODE" in
    compose | bare-metal) ;;
    -h | --help) usage ;;
    *) fail "unknown mode '$MODE' (compose or bare-metal)" ;;
esac
while [ $# -gt 0 ]; do
    [ $# -ge 2 ] || fail "option $1 needs a value"
    case "$1" in
        --tag) TAG="$2" ;;
        --ref) REF="$2" ;;
        --base) BASE="$2" ;;
        --repo) REPO="$2" ;;
        --compose-file) COMPOSE_FILE="$2" ;;
        --env-file) ENV_FILE="$2" ;;
        --health-url) HEALTH_URL="$2" ;;
        --timeout) TIMEOUT="$2" ;;
        --keep) KEEP="$2" ;;
        *) fail "unknown option $1" ;;
    esac
    shift 2
done
[[ "$TIMEOUT" =~ ^[0-9]+$ ]] || fail "--timeout must be a number of seconds"
[[ "$KEEP" =~ ^[0-9]+$ ]] || fail "--keep must be a number"

# Refuse before touching anything: an update is made from committed code only.
require_clean_checkout() {
    local dir="$1" changes
    git -C "$dir" rev-parse --git-dir >/dev/null 2>&1 || fail "$dir is not a git checkout"
    changes="$(git -C "$dir" status --porcelain --untracked-files=normal)"
    if [ -n "$changes" ]; then
        printf '%s\n' "$changes" >&2
        fail "$dir has uncommitted local changes (listed above): commit or discard them first"
    fi
}

# Polls the readiness address until it answers 200 or the deadline passes.
wait_ready() {
    local deadline=$((SECONDS + TIMEOUT)) status
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

# The last line `manage.py backup` prints is the archive's path.
backup_path_from() {
    local path
    path="$(printf '%s\n' "$1" | awk 'NF { last = $0 } END { print last }')"
    [ -n "$path" ] || return 1
    printf '%s' "$path"
}

# --- compose ----------------------------------------------------------------------------------

compose() { docker compose -f "$COMPOSE_FILE" --env-file "$ENV_FILE" "$@"; }

set_env_tag() {
    local tag="$1" tmp
    tmp="$(mktemp "$ENV_FILE.XXXXXX")"
    if grep -q '^VORZIMMER_TAG=' "$ENV_FILE"; then
        sed "s|^VORZIMMER_TAG=.*|VORZIMMER_TAG=$tag|" "$ENV_FILE" >"$tmp"
    else
        { cat "$ENV_FILE"; echo "VORZIMMER_TAG=$tag"; } >"$tmp"
    fi
    chmod --reference="$ENV_FILE" "$tmp"
    mv "$tmp" "$ENV_FILE"
}

update_compose() {
    [ -n "$TAG" ] || fail "compose mode needs --tag TAG"
    [[ "$TAG" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || fail "--tag '$TAG' is no image tag"
    ENV_FILE="${ENV_FILE:-$SCRIPT_DIR/.env}"
    [ -f "$COMPOSE_FILE" ] || fail "no compose file at $COMPOSE_FILE"
    [ -f "$ENV_FILE" ] || fail "no settings at $ENV_FILE (cp ops/.env.example ops/.env and edit it)"

    step "checking $REPO for uncommitted changes"
    require_clean_checkout "$REPO"
    local previous
    previous="$(sed -n 's/^VORZIMMER_TAG=//p' "$ENV_FILE" | tail -n 1)"
    previous="${previous:-latest}"
    info "running tag: $previous, new tag: $TAG"

    step "safety backup (entrypoint: backup)"
    local out backup
    out="$(compose run --rm --no-deps -T web backup)" || fail "the backup failed: nothing was changed"
    printf '%s\n' "$out" | sed 's/^/    /'
    backup="$(backup_path_from "$out")" || fail "the backup printed no archive path"
    info "safety backup: $backup"

    step "pulling the images of tag $TAG"
    set_env_tag "$TAG"
    if ! compose pull; then
        set_env_tag "$previous"
        fail "pulling tag $TAG failed: tag $previous is still running, nothing was changed"
    fi

    local migrated=0
    step "migrating with tag $TAG"
    if ! compose run --rm --no-deps -T web manage migrate --check >/dev/null 2>&1; then
        migrated=1
    fi
    if compose run --rm --no-deps -T web migrate; then
        step "starting tag $TAG (docker compose up -d)"
        if compose up -d --remove-orphans && wait_ready; then
            step "done: tag $TAG is running (safety backup: $backup)"
            return 0
        fi
    fi

    step "ROLLBACK to tag $previous"
    set_env_tag "$previous"
    if [ "$migrated" = 1 ]; then
        step "restoring the database from $backup (tag $TAG had migrated it)"
        compose stop web worker || true
        compose run --rm --no-deps -T web manage restore "$backup" || rollback_failed "$backup"
    fi
    step "starting tag $previous again"
    if compose up -d --remove-orphans && wait_ready; then
        step "rolled back: tag $previous is running again; tag $TAG failed (see above)"
        exit 1
    fi
    rollback_failed "$backup"
}

# --- bare metal -------------------------------------------------------------------------------

# Runs the entrypoint of a release directory with the services' settings.
entrypoint() {
    local release="$1"
    shift
    (
        if [ -n "$ENV_FILE" ]; then
            set -a
            # shellcheck disable=SC1090  # the operator's settings file
            . "$ENV_FILE"
            set +a
        fi
        cd "$release"
        ops/entrypoint.sh "$@"
    )
}

switch_current() {
    ln -sfn "$1" "$BASE/current.next"
    mv -T "$BASE/current.next" "$BASE/current"
    info "current -> $1"
}

prune_releases() {
    local keep="$1" current previous release
    current="$(readlink -f "$BASE/current")"
    previous="$2"
    # Newest first (names start with a UTC timestamp); never the running or the previous one.
    find "$BASE/releases" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort -r | tail -n +"$((keep + 2))" |
        while read -r release; do
            [ "$BASE/releases/$release" = "$current" ] && continue
            [ "$BASE/releases/$release" = "$previous" ] && continue
            info "removing old release $release"
            rm -rf "${BASE:?}/releases/$release"
        done
}

update_bare_metal() {
    [ -n "$REF" ] || fail "bare-metal mode needs --ref REF (a commit, tag or branch of $REPO)"
    if [ -z "$ENV_FILE" ] && [ -f /etc/vorzimmer/vorzimmer.env ]; then
        ENV_FILE=/etc/vorzimmer/vorzimmer.env
    fi
    [ -z "$ENV_FILE" ] || [ -r "$ENV_FILE" ] || fail "cannot read --env-file $ENV_FILE"
    [ -L "$BASE/current" ] || fail "$BASE/current is no symlink to a release (see ops/README.md, bare metal)"

    step "checking $REPO for uncommitted changes"
    require_clean_checkout "$REPO"
    local commit previous name release
    commit="$(git -C "$REPO" rev-parse --verify --quiet "$REF^{commit}")" || fail "$REF is no commit in $REPO"
    previous="$(readlink -f "$BASE/current")"
    [ -x "$previous/ops/entrypoint.sh" ] || fail "the current release $previous has no ops/entrypoint.sh"
    info "running release: $previous"
    info "new release: $REF ($commit)"

    step "safety backup (entrypoint: backup, by the running release)"
    local out backup
    out="$(entrypoint "$previous" backup)" || fail "the backup failed: nothing was changed"
    printf '%s\n' "$out" | sed 's/^/    /'
    backup="$(backup_path_from "$out")" || fail "the backup printed no archive path"
    info "safety backup: $backup"

    name="$(date -u +%Y%m%dT%H%M%SZ)-${commit:0:12}"
    release="$BASE/releases/$name"
    step "unpacking $REF into $release"
    mkdir -p "$BASE/releases"
    rm -rf "$release.partial"
    mkdir "$release.partial"
    git -C "$REPO" archive --format=tar "$commit" | tar -x -C "$release.partial"
    step "installing dependencies ($INSTALL_COMMAND)"
    if ! (cd "$release.partial" && bash -c "$INSTALL_COMMAND"); then
        rm -rf "$release.partial"
        fail "installing $REF failed: the running release was not touched"
    fi
    mv -T "$release.partial" "$release"

    local migrated=0
    step "migrating with the new release (entrypoint: migrate)"
    if ! entrypoint "$release" manage migrate --check >/dev/null 2>&1; then
        migrated=1
        info "the new release has migrations to apply"
    fi
    if entrypoint "$release" migrate; then
        step "switching current to the new release and restarting ($RESTART_COMMAND)"
        switch_current "$release"
        if bash -c "$RESTART_COMMAND" && wait_ready; then
            step "pruning old releases (keeping $KEEP besides the current one)"
            prune_releases "$KEEP" "$previous"
            step "done: $REF is running from $release (safety backup: $backup)"
            return 0
        fi
    fi

    step "ROLLBACK to $previous"
    if [ "$migrated" = 1 ]; then
        step "stopping the services ($STOP_COMMAND)"
        bash -c "$STOP_COMMAND" || true
    fi
    switch_current "$previous"
    if [ "$migrated" = 1 ]; then
        step "restoring the database from $backup (the new release had migrated it)"
        entrypoint "$previous" manage restore "$backup" || rollback_failed "$backup"
    fi
    step "restarting the previous release ($RESTART_COMMAND)"
    if bash -c "$RESTART_COMMAND" && wait_ready; then
        step "rolled back: $previous is running again; $REF failed (see above; its files stay in $release)"
        exit 1
    fi
    rollback_failed "$backup"
}

rollback_failed() {
    printf 'update.sh: the ROLLBACK FAILED too. The safety backup is %s; restore it with\n' "$1" >&2
    printf '  manage.py restore %s\n' "$1" >&2
    printf 'as described in ops/README.md (Restore) once the previous version runs.\n' >&2
    exit 2
}

case "$MODE" in
    compose) update_compose ;;
    bare-metal) update_bare_metal ;;
esac
