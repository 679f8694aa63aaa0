# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""How the modules run the system's tools: an argument list, never a shell.

AnsibleModule.run_command always hands subprocess a preexec_fn (to set a umask), and a
preexec_fn makes Python fork() the module's whole process, Ansible's libraries loaded, for each
command. Without one, Python 3.10+ starts the command with vfork(): on the lab, starting
mtu_facts' 19 commands then costs its process 4 ms instead of 65, and a run about 0.05 s less
system time (docs/remediate.md, "Where the time goes"). The environment is the module's, which
AnsibleModule has already given a C locale, so the tools' output reads the same as through
run_command.
"""

import subprocess


def run(argv, data=None):
    """Run `argv` (a list, its first item a path) and return (rc, stdout, stderr) as text.

    `data` (text), when given, is the command's standard input; otherwise it reads nothing. A
    command that cannot be started gives rc 127 and the reason in stderr, as a shell would.
    """
    try:
        # run_command's preexec_fn is what this module exists to avoid (see above).
        # pylint: disable-next=ansible-bad-function
        proc = subprocess.run(  # noqa: UP022 - capture_output= and text= came in Python 3.7; targets may have 3.6
            [str(arg) for arg in argv], input=data, stdin=None if data is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, close_fds=True, check=False,
            universal_newlines=True, errors="surrogateescape")  # noqa: UP021
    except OSError as exc:
        return 127, "", "cannot run %s: %s" % (argv[0], exc.strerror or exc)
    return proc.returncode, proc.stdout, proc.stderr
