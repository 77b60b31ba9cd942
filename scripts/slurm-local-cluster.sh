#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for testing the driver's Slurm backend against a
# real Slurm (Debian's slurm-wlm: slurmctld, slurmd, munge).
#
#   scripts/slurm-local-cluster.sh start    install if missing, configure, start, wait for the node
#   scripts/slurm-local-cluster.sh status   the daemons and what sinfo says
#   scripts/slurm-local-cluster.sh stop     stop the daemons this script started
#
# Needs root (apt-get, daemons). Works without systemd: the daemons are started directly, with
# their pid files, logs and state under $STATE (default /var/lib/coro-slurm-local). The node is
# this host with all its CPUs in one partition, `local`. Process tracking is plain /proc
# (proctrack/linuxproc, no cgroups), which is all a test cluster in a container can rely on.
#
# It writes /etc/slurm/slurm.conf only if that file is absent or was written by this script:
# on a machine with a real Slurm configuration it stops and says so.
set -euo pipefail

STATE=${CORO_SLURM_STATE:-/var/lib/coro-slurm-local}
CONF=/etc/slurm/slurm.conf
MARKER="# written by coro scripts/slurm-local-cluster.sh"
PARTITION=local
NODE=$(hostname -s)

log() { echo "slurm-local: $*"; }
die() { echo "slurm-local: error: $*" >&2; exit 1; }

install_packages() {
    local missing=()
    command -v slurmctld >/dev/null || missing+=(slurmctld)
    command -v slurmd >/dev/null || missing+=(slurmd)
    command -v sbatch >/dev/null || missing+=(slurm-client)
    command -v munged >/dev/null || missing+=(munge)
    [ ${#missing[@]} -eq 0 ] && return
    [ "$(id -u)" -eq 0 ] || die "installing ${missing[*]} needs root"
    log "installing ${missing[*]} (apt-get)"
    apt-get update -qq
    # No service is started by the packages' scripts on a machine without systemd; we start them.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

write_config() {
    if [ -e "$CONF" ] && ! grep -qF "$MARKER" "$CONF"; then
        die "$CONF exists and was not written by this script; not touching a real Slurm configuration"
    fi
    local cpus mem
    cpus=$(nproc)
    # RealMemory in MiB, with a little left for the daemons.
    mem=$(awk '/MemTotal/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)
    mkdir -p /etc/slurm "$STATE/ctld" "$STATE/d"
    local new="$CONF.new"
    cat >"$new" <<EOF
$MARKER
# A one-node test cluster on localhost; see the script for how it is run.
ClusterName=coro-local
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CryptoType=crypto/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
# Finished jobs stay visible to squeue for a while (the driver reads their end state).
MinJobAge=300
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/d
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/slurmctld.log
SlurmdLogFile=$STATE/slurmd.log
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=$PARTITION Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
    if cmp -s "$new" "$CONF"; then
        rm "$new"
        log "$CONF is up to date"
        return
    fi
    mv "$new" "$CONF"
    log "wrote $CONF (node $NODE, $cpus CPUs, partition $PARTITION)"
    if running "$STATE/slurmctld.pid" || running "$STATE/slurmd.pid"; then
        log "the daemons run with the old configuration: '$0 stop', then '$0 start'"
    fi
}

running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

start_munge() {
    if munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
        log "munged is already running"
        return
    fi
    if [ ! -s /etc/munge/munge.key ]; then
        log "creating /etc/munge/munge.key"
        mkdir -p /etc/munge
        if command -v mungekey >/dev/null; then
            mungekey --create --keyfile=/etc/munge/munge.key
        else
            dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
        fi
    fi
    mkdir -p /run/munge /var/log/munge /var/lib/munge
    chown munge:munge /etc/munge/munge.key /run/munge /var/log/munge /var/lib/munge
    chmod 0400 /etc/munge/munge.key
    chmod 0755 /run/munge
    log "starting munged"
    runuser -u munge -- munged --pid-file=/run/munge/munged.pid
    for _ in $(seq 50); do
        munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1 && return
        sleep 0.2
    done
    die "munged does not answer (see /var/log/munge/munged.log)"
}

start_daemons() {
    if running "$STATE/slurmctld.pid"; then
        log "slurmctld is already running"
    else
        log "starting slurmctld (log $STATE/slurmctld.log)"
        slurmctld -i
    fi
    if running "$STATE/slurmd.pid"; then
        log "slurmd is already running"
    else
        log "starting slurmd (log $STATE/slurmd.log)"
        slurmd
    fi
}

wait_idle() {
    local state=""
    for _ in $(seq 120); do
        state=$(sinfo --noheader --nodes="$NODE" --format=%T 2>/dev/null | head -1 || true)
        case "$state" in
            idle | mixed | allocated) log "node $NODE is $state"; return ;;
            down* | drain* | fail*)
                # A node that was down when the daemons were last stopped: bring it back.
                scontrol update NodeName="$NODE" State=RESUME 2>/dev/null || true ;;
        esac
        sleep 0.5
    done
    die "node $NODE is not idle after 60 s (state '${state:-none}'); see $STATE/slurmctld.log and $STATE/slurmd.log"
}

stop_daemon() {
    local name=$1 pidfile=$2
    if running "$pidfile"; then
        local pid
        pid=$(cat "$pidfile")
        log "stopping $name (pid $pid)"
        kill "$pid"
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
        die "$name (pid $pid) did not stop"
    fi
}

status() {
    local ok=0
    for d in slurmctld slurmd; do
        if running "$STATE/$d.pid"; then
            echo "$d: running (pid $(cat "$STATE/$d.pid"))"
        else
            echo "$d: stopped"
            ok=1
        fi
    done
    if running /run/munge/munged.pid; then
        echo "munged: running (pid $(cat /run/munge/munged.pid))"
    else
        echo "munged: stopped"
        ok=1
    fi
    [ $ok -eq 0 ] && sinfo
    return $ok
}

case "${1:-}" in
    start)
        [ "$(id -u)" -eq 0 ] || die "the test cluster runs its daemons as root: run as root"
        install_packages
        write_config
        start_munge
        start_daemons
        wait_idle
        ;;
    stop)
        stop_daemon slurmd "$STATE/slurmd.pid"
        stop_daemon slurmctld "$STATE/slurmctld.pid"
        stop_daemon munged /run/munge/munged.pid
        ;;
    status) status ;;
    *)
        echo "usage: $0 start|stop|status" >&2
        exit 2
        ;;
esac
