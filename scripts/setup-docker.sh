#!/usr/bin/env bash
# Make a Docker Engine API answer for the docker runtime (src/runtime/docker.ts) and the image
# builder (src/images/base.ts): install Debian's docker.io and debootstrap when root and missing,
# then, when no daemon answers, start dockerd in the background (these machines have no systemd)
# and wait for its socket, a bounded time.
#
# DOCKER_HOST is honoured: when it names another daemon (a remote engine, Podman's
# Docker-compatible socket such as unix:///run/podman/podman.sock) nothing is started here; the
# script only checks that it answers.
#
# Idempotent: does nothing when the tools are installed and a daemon answers. Exit status 0 when
# a daemon answers, 1 with a message saying what failed otherwise (scripts/test.sh goes on, and the
# docker tests then say they are skipped and why).
set -uo pipefail

WAIT_S="${SEALIGN_DOCKERD_WAIT_S:-60}"
LOG="${SEALIGN_DOCKERD_LOG:-/var/log/sealign-dockerd.log}"
DEFAULT_SOCK=/var/run/docker.sock

say() { echo "setup-docker: $*"; }
fail() {
  echo "setup-docker: $*" >&2
  exit 1
}

need_apt=()
# the daemon, not the client, decides: some machines ship a lone docker client (e.g. in
# /usr/local/bin) with no engine beside it
{ command -v docker >/dev/null && command -v dockerd >/dev/null; } || need_apt+=(docker.io)
command -v debootstrap >/dev/null || need_apt+=(debootstrap)
if [ "${SEALIGN_SKIP_APT:-0}" != "1" ] && [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ]; then
    say "installing ${need_apt[*]} (Debian packages)"
    apt-get update -qq || fail "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null ||
      fail "apt-get install ${need_apt[*]} failed"
  else
    say "missing ${need_apt[*]}; install them with your package manager (e.g. sudo apt-get install ${need_apt[*]})" >&2
  fi
fi

# Answers when a daemon is reachable where DOCKER_HOST (or the default socket) points.
answers() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }
# True while a process named dockerd runs (from /proc: procps may be missing on a fresh machine).
dockerd_running() { grep -qx dockerd /proc/[0-9]*/comm 2>/dev/null; }

command -v docker >/dev/null || fail "no docker client (Debian package docker.io) on this machine"
if answers; then
  exit 0
fi

host="${DOCKER_HOST:-unix://$DEFAULT_SOCK}"
if [ "$host" != "unix://$DEFAULT_SOCK" ]; then
  fail "DOCKER_HOST=$host does not answer (docker version failed); start that daemon, or unset DOCKER_HOST to use a local dockerd"
fi
[ "$(id -u)" = "0" ] || fail "no daemon answers on $DEFAULT_SOCK and starting dockerd needs root (or start it yourself / join the docker group)"
command -v dockerd >/dev/null || fail "no dockerd on this machine (Debian package docker.io)"

if dockerd_running; then
  say "a dockerd is running but does not answer yet; waiting for it"
else
  say "starting dockerd in the background (log: $LOG)"
  mkdir -p "$(dirname "$LOG")"
  # setsid: the daemon must outlive this script and the test run's process group
  setsid nohup dockerd >>"$LOG" 2>&1 </dev/null &
fi

for ((i = 0; i < WAIT_S * 2; i++)); do
  if answers; then
    say "dockerd answers on $DEFAULT_SOCK after $((i / 2)) s"
    exit 0
  fi
  if ! dockerd_running; then
    echo "setup-docker: dockerd exited; the end of its log ($LOG):" >&2
    tail -n 15 "$LOG" >&2 2>/dev/null
    exit 1
  fi
  sleep 0.5
done
echo "setup-docker: dockerd did not answer on $DEFAULT_SOCK within $WAIT_S s; the end of its log ($LOG):" >&2
tail -n 15 "$LOG" >&2 2>/dev/null
exit 1
