#!/bin/bash
# The node's own user_data, as seed 002's Heat template had it (the swarm join stands in as an
# echo; the MTU fix that used to follow is netpath.mtu's part now). Logs to the seed's file.
exec >>/var/log/swarm-setup.log 2>&1
echo "Joining swarm at ${MANAGER:-manager} advertising ${FLOATING_IP:-floating-ip}..."
echo "Swarm join complete."
