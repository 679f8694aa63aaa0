# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""How the modules read a host: its tools' output (cached per command line), its files and
directories, and which manager owns each link (systemd-networkd, NetworkManager, netplan,
ifupdown).

gather.Gatherer builds the facts on it; link_mtu uses it alone, so that a module that only sets a
link's MTU does not load (and compile, at each run) the readers of every other fact.
"""

import fnmatch
import os
import re
import time

from ansible_collections.netpath.mtu.plugins.module_utils import link_managers

NM_RUN_DIR = "/run/NetworkManager"


class Unavailable(Exception):
    """A part cannot be gathered; the message says why."""


class HostReader:
    def __init__(self, module, clock=time.time, run_argv=None):
        self.module = module
        self.cache = {}
        self.clock = clock
        self.run_argv = run_argv

    def run(self, tool, args):
        """Output of a tool, cached per argv; Unavailable when it is missing or fails."""
        key = (tool,) + tuple(args)
        if key not in self.cache:
            path = self.module.get_bin_path(tool)
            if not path:
                raise Unavailable("%s is not installed" % tool)
            rc, out, err = (self.run_argv or self.module.run_command)([path] + list(args))
            if rc != 0:
                raise Unavailable("%s %s failed: %s" % (tool, " ".join(args), (err or out).strip()[:200]))
            self.cache[key] = out
        return self.cache[key]

    def read(self, path):
        try:
            with open(path) as handle:
                return handle.read()
        except OSError as exc:
            raise Unavailable("cannot read %s: %s" % (path, exc.strerror)) from None

    def exists(self, path):
        return os.path.exists(path)

    def list_dir(self, path):
        """The names in a directory, sorted; Unavailable when it cannot be read."""
        try:
            return sorted(os.listdir(path))
        except OSError as exc:
            raise Unavailable("cannot list %s: %s" % (path, exc.strerror)) from None

    def listdir(self, path):
        """The names in a directory, none when it is not there or cannot be read."""
        try:
            return self.list_dir(path)
        except Unavailable:
            return []

    def _texts(self, paths):
        found = {}
        for path in paths:
            if not self.exists(path):
                continue
            try:
                found[path] = self.read(path)
            except Unavailable:
                continue
        return found

    def _tool(self, tool, args):
        try:
            return self.run(tool, args)
        except Unavailable:
            return None

    def managers(self, links):
        """Each interface's managed_by (link_managers.owner) and which managers run."""
        networkd = []
        for directory in link_managers.NETWORKD_DIRS:
            for entry in self.listdir(directory):
                if entry.endswith(".network"):
                    networkd.append("%s/%s" % (directory, entry))
                    dropins = "%s/%s.d" % (directory, entry)
                    networkd += ["%s/%s" % (dropins, c) for c in self.listdir(dropins) if c.endswith(".conf")]
        netplan = ["%s/%s" % (d, e) for d in link_managers.NETPLAN_DIRS for e in self.listdir(d) if e.endswith(".yaml")]
        ifupdown = self._ifupdown_files()
        seen = {"networkd_files": self._texts(networkd), "netplan_files": self._texts(netplan),
                "ifupdown_files": ifupdown, "dhclient_conf": self._texts([link_managers.DHCLIENT_CONF]).get(
                    link_managers.DHCLIENT_CONF, "")}
        # networkctl answers from networkd's state files even after networkd stopped: systemd says
        # whether it runs; nmcli says whether NetworkManager does
        seen["networkd_running"] = self._tool("systemctl", ["is-active", "--quiet", "systemd-networkd.service"]) \
            is not None
        listing = self._tool("networkctl", ["--json=short", "list"]) if seen["networkd_running"] else None
        seen["networkctl"] = link_managers.networkctl_links(listing) if listing else None
        # NetworkManager makes its run directory when it starts: without one, nmcli (about 20 ms) has
        # nothing to ask
        state = self._tool("nmcli", ["-t", "-f", "RUNNING", "general"]) if self.exists(NM_RUN_DIR) else None
        seen["nm_running"] = (state or "").strip() == "running"
        result = {}
        for name in sorted(links):
            seen["nm"] = self._nm_connection(name) if seen["nm_running"] else None
            result[name] = link_managers.owner(name, seen)
        return {"running": {"networkd": seen["networkd_running"], "networkmanager": seen["nm_running"]},
                "interfaces": result}

    def _nm_connection(self, name):
        device = self._tool("nmcli", ["-t", "-f", "GENERAL.CONNECTION,GENERAL.STATE", "device", "show", name])
        fields = link_managers.nmcli_fields(device or "")
        if not fields.get("GENERAL.CONNECTION"):
            return None
        connection = self._tool("nmcli", ["-t", "-f", "connection.type,ipv4.method,"
                                          + ",".join(sorted(set(link_managers.NM_MTU_SETTING.values()))),
                                          "connection", "show", fields["GENERAL.CONNECTION"]])
        settings = link_managers.nmcli_fields(connection or "")
        # a profile's file is no setting of it (nmcli 1.42 refuses connection.filename): the
        # listing's FILENAME column has it
        listing = self._tool("nmcli", ["-t", "-f", "NAME,FILENAME", "connection", "show"])
        settings["connection.filename"] = link_managers.nmcli_filenames(listing or "").get(fields["GENERAL.CONNECTION"])
        return link_managers.nm_connection(fields, settings)

    def _ifupdown_files(self):
        """/etc/network/interfaces and the files it sources (one level, as Debian's default does)."""
        files = self._texts([link_managers.INTERFACES_FILE])
        for stanza in link_managers.ifupdown_stanzas(files.get(link_managers.INTERFACES_FILE, "")):
            if "source" not in stanza:
                continue
            pattern = stanza["source"]
            directory = pattern if stanza["directory"] else pattern.rsplit("/", 1)[0]
            glob = "*" if stanza["directory"] else pattern.rsplit("/", 1)[1]
            names = [n for n in self.listdir(directory) if fnmatch.fnmatchcase(n, glob)
                     and (not stanza["directory"] or re.match(r"^[A-Za-z0-9_-]+$", n))]
            files.update(self._texts("%s/%s" % (directory, n) for n in names))
        return files
