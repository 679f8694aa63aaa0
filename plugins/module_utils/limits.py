# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The limits and small shared rules of the collection, each defined here and nowhere else.

Modules, filters and module_utils import them. Roles cannot import Python: each role's vars/main.yml
carries the values it needs and tests/unit/plugins/module_utils/test_limits.py keeps them equal to
these. The first-boot program (cloud_init_first_boot.py, which runs alone on a new node) gets them
in its plan (cloud_init.build_plan). Python 3.6+ standard library only: this file runs on targets.
"""

import re

# --- MTUs (bytes of IP packet) ------------------------------------------------------------------

# The smallest MTU each family allows: 68 for IPv4 (RFC 791), 1280 for IPv6 (RFC 8200; below it
# the kernel turns IPv6 off on the link).
IPV4_MIN_MTU = 68
IPV6_MIN_MTU = 1280
# The largest IP packet, and the largest MTU Linux gives a route or a virtual link (ETH_MAX_MTU).
MAX_MTU = 65535
MTU_LIMITS = {4: (IPV4_MIN_MTU, MAX_MTU), 6: (IPV6_MIN_MTU, MAX_MTU)}
# The largest MTU Linux gives any device: the loopback's (an IP packet itself stops at MAX_MTU).
MAX_LINK_MTU = 65536

# A WireGuard tunnel's MTU: it carries IPv6 only from 1280 up, so that is the least we set.
WIREGUARD_MTU_RANGE = (IPV6_MIN_MTU, MAX_MTU)

# Docker's MTU (daemon.json "mtu", com.docker.network.driver.mtu). dockerd itself refuses only a
# negative MTU (moby daemon/config: "invalid default MTU"), and does not start with one the kernel
# cannot give its bridge (above ETH_MAX_MTU, 65535). Below 1280 the containers lose IPv6, and no
# cloud network is narrower, so the collection takes 1280..65535, the same in the docker_mtu role,
# the cloud_init role and the filters.
DOCKER_MTU_RANGE = (IPV6_MIN_MTU, MAX_MTU)

# --- interface names ----------------------------------------------------------------------------

# Linux takes 1 to 15 bytes (IFNAMSIZ - 1), anything but '/', ':' and whitespace, and not '.' or
# '..'. We take the characters real names use, so that a name can never be read as syntax by nft,
# a shell or a config file: letters, digits, '_', '.', '+', '@', '-'.
IFNAME_MAX_LENGTH = 15
IFNAME_CHARACTERS = "A-Za-z0-9_.+@-"
IFNAME_PATTERN = r"^(?!\.{1,2}\Z)[%s]{1,%d}\Z" % (IFNAME_CHARACTERS, IFNAME_MAX_LENGTH)
# Names that go into a firewall rule leave out '+' (iptables' wildcard) and '@' as well.
FIREWALL_IFNAME_CHARACTERS = "A-Za-z0-9_.-"
FIREWALL_IFNAME_PATTERN = r"^(?!\.{1,2}\Z)(?!-)[%s]{1,%d}\Z" % (FIREWALL_IFNAME_CHARACTERS, IFNAME_MAX_LENGTH)
IFNAME_RULE = ("1 to %d of letters, digits, '_', '.', '+', '@' and '-', not '.' or '..'" % IFNAME_MAX_LENGTH)
FIREWALL_IFNAME_RULE = ("1 to %d of letters, digits, '_', '.' and '-' (no wildcard), not '.' or '..', "
                        "not starting with '-' (iptables would read it as an option)"
                        % IFNAME_MAX_LENGTH)

_IFNAME_RE = re.compile(IFNAME_PATTERN)
_FIREWALL_IFNAME_RE = re.compile(FIREWALL_IFNAME_PATTERN)


def valid_ifname(name):
    """A name we pass to ip, tc, ethtool or a config file."""
    return isinstance(name, str) and bool(_IFNAME_RE.match(name))


def valid_firewall_ifname(name):
    """A name we put in an iptables or nftables rule (-o, oifname)."""
    return isinstance(name, str) and bool(_FIREWALL_IFNAME_RE.match(name))


# --- firewall -----------------------------------------------------------------------------------

# Tables iptables-nft makes in nftables, by nft family; iptables-save reports their rules, and
# their base chains carry iptables' upper-case names.
IPTABLES_NFT_TABLES = {
    "ip": ("filter", "nat", "mangle", "raw", "security"),
    "ip6": ("filter", "nat", "mangle", "raw", "security"),
    "arp": ("filter",),
    "bridge": ("filter", "nat", "broute"),
}

# --- findings -----------------------------------------------------------------------------------

# Severities of a finding, the most severe first (reports list them in this order).
SEVERITIES = ("error", "warning", "info")


def severity_rank(severity):
    """0 for the most severe; an unknown severity after every known one."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)
