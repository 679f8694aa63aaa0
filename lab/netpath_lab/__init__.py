"""The netpath.mtu lab: real hosts (systemd containers joined by veth cables) that reproduce the seeds."""
