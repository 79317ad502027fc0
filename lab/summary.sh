#!/usr/bin/env bash
# Print what the lab has and how to reach it.
set -euo pipefail
echo
echo "The mlops.hosts lab:"
docker ps --filter label=mlops.lab.host --format '{{.Names}}' | sort | while read -r host; do
  ip=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$host")
  os=$(docker exec "$host" sh -c '. /etc/os-release; echo "$PRETTY_NAME"')
  echo "  $host  $ip  $os   shell: ssh -F ${LAB_SSH_DIR:-/var/lib/mlops-lab/ssh}/config $host"
done
echo
echo "Base layer: groups datascience and mlops-admins (member: demo), chrony, en_US.UTF-8, Etc/UTC."
for host in $(docker ps --filter label=mlops.lab.host --format '{{.Names}}'); do
  if docker exec "$host" systemctl is-active --quiet jupyterhub 2>/dev/null; then
    ip=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$host")
    echo "JupyterHub: https://$ip/  login: demo / demo-password  (self-signed certificate for $host)"
    if docker exec "$host" test -f /etc/jupyterhub/jupyterhub_config.d/mlops-spark-ui.json; then
      echo "Spark master, worker and history server UIs: https://$ip/services/spark/  (the hub's login; data-science group)"
    fi
  fi
done
for host in $(docker ps --filter label=mlops.lab.host --format '{{.Names}}'); do
  ip=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$host")
  if docker exec "$host" systemctl is-active --quiet spark-master 2>/dev/null; then
    echo "Spark master: spark://$host:7077  (its UI on loopback, and through the hub)"
  fi
  if docker exec "$host" systemctl is-active --quiet spark-history 2>/dev/null; then
    echo "Spark history server on $host  (jobs from $host: spark-submit, or the PySpark kernel in JupyterHub)"
  fi
done
for host in $(docker ps --filter label=mlops.lab.host --format '{{.Names}}'); do
  if docker exec "$host" systemctl is-active --quiet virtual-desktop-novnc 2>/dev/null; then
    ip=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$host")
    vncpw=$(docker exec "$host" cat /var/lib/virtual-desktop/vnc/demo.password 2>/dev/null || echo '(made when the desktop first starts)')
    echo "Virtual desktop (browser): https://$ip:6080/vnc.html?path=websockify%3Ftoken%3Ddemo  VNC password: $vncpw  (self-signed certificate for $host)"
    echo "Virtual desktop (RDP): $ip:3389  login: demo / demo-password  (TLS only)"
  fi
done
echo "Converge again: make demo   Remove the lab: make lab-down"
