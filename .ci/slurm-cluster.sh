#!/usr/bin/env bash
# A one-node Slurm cluster inside the CI machine (Debian's slurm-wlm and munge), so that
# `srun` starts `sim rank` for real: munged for authentication, slurmctld and slurmd on
# this host, no cgroups (a container has none to give). Prints nothing on success.
set -euo pipefail
host=$(hostname -s)
mkdir -p /etc/munge /var/log/munge /run/munge /var/lib/munge /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
if [ ! -s /etc/munge/munge.key ]; then
  dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
fi
chown -R munge:munge /etc/munge /var/log/munge /run/munge /var/lib/munge
chmod 0700 /etc/munge && chmod 0400 /etc/munge/munge.key
if ! pgrep -x munged >/dev/null; then
  # A munged that died leaves its socket and pid file, and a new one refuses to start over them.
  rm -f /run/munge/munge.socket.2 /run/munge/munge.socket.2.lock /run/munge/munged.pid
  runuser -u munge -- /usr/sbin/munged
fi
cat >/etc/slurm/slurm.conf <<CONF
ClusterName=ci
# Reached at 127.0.0.1: the host name need not resolve.
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
# A rank per task, up to 128 tasks on a 2-core machine, as mpirun --oversubscribe allows.
SlurmdParameters=config_overrides
NodeName=$host NodeAddr=127.0.0.1 CPUs=128 State=UNKNOWN
PartitionName=ci Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:128
CONF
pgrep -x slurmctld >/dev/null || /usr/sbin/slurmctld
pgrep -x slurmd >/dev/null || /usr/sbin/slurmd
# sinfo itself waits ~10 s for a controller that does not answer: each try is bounded.
for _ in $(seq 30); do
  if timeout 5 sinfo -h -o '%t' 2>/dev/null | grep -qE '^(idle|mix|alloc)'; then exit 0; fi
  sleep 1
done
echo "slurm: the node never became idle" >&2
timeout 5 sinfo -N -l >&2 || true
tail -n 20 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log >&2 || true
exit 1
