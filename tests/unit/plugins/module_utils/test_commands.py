"""How the modules run the system's tools (module_utils/commands.py), on real programs."""

import os
import subprocess

from ansible_collections.netpath.mtu.plugins.module_utils import commands


def test_output_exit_status_and_errors_are_returned_as_text():
    assert commands.run(["/bin/sh", "-c", "echo out; echo err >&2; exit 3"]) == (3, "out\n", "err\n")


def test_an_argument_reaches_the_program_as_it_is_not_through_a_shell():
    assert commands.run(["/bin/echo", "$HOME; rm -rf /tmp/x", 1280]) == (0, "$HOME; rm -rf /tmp/x 1280\n", "")


def test_data_is_the_standard_input():
    assert commands.run(["/bin/cat"], data="table inet x {}\n") == (0, "table inet x {}\n", "")


def test_without_data_the_program_reads_nothing_instead_of_the_modules_input():
    # The module's own standard input carries its arguments under pipelining: a tool must not read it.
    assert commands.run(["/bin/cat"]) == (0, "", "")


def test_a_missing_program_is_127_and_says_why():
    rc, out, err = commands.run(["/nonexistent/ip", "-j", "link"])
    assert (rc, out) == (127, "")
    assert err.startswith("cannot run /nonexistent/ip: ") and "No such file" in err


def test_output_that_is_not_utf8_is_kept_not_an_error():
    rc, out, _err = commands.run(["/usr/bin/printf", "wg\\377x"])
    assert rc == 0 and out.encode("utf-8", "surrogateescape") == b"wg\xffx"


def test_the_program_is_started_without_a_preexec_function(monkeypatch):
    # A preexec_fn makes Python fork() the module's whole process for each command (the cost this
    # module removes); without one, Python 3.10+ can use vfork().
    seen = {}
    real = subprocess.Popen.__init__

    def spy(self, *args, **kwargs):
        seen.update(kwargs)
        real(self, *args, **kwargs)

    monkeypatch.setattr(subprocess.Popen, "__init__", spy)
    assert commands.run(["/bin/true"])[0] == 0
    assert seen.get("preexec_fn") is None and seen.get("close_fds") is True
    assert "env" not in seen or seen["env"] is None or seen["env"] == os.environ
