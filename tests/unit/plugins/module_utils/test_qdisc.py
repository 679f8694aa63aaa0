"""qdisc: whether the kernel has a qdisc, from what a host's files and tc say; the root qdisc of
`tc -j qdisc show dev`; the commands and unit names the role uses. The texts are real: Debian 12's
6.1.0-56-amd64 kernel (the qemu guest of tests/qemu) and this machine's 6.18.44-fc-v509 kernel,
which has no fq_codel, cake or fq and no module support."""

import pytest

from ansible_collections.netpath.mtu.plugins.module_utils import qdisc

# /lib/modules/6.1.0-56-amd64/modules.builtin (the lines under kernel/net/ around sch_*)
DEBIAN_BUILTIN = """kernel/net/core/failover.ko
kernel/net/sched/sch_fq_codel.ko
kernel/net/ipv4/tcp_cubic.ko
kernel/net/ipv6/ipv6.ko
"""
# /lib/modules/6.1.0-56-amd64/modules.dep
DEBIAN_DEP = """kernel/net/sched/act_police.ko:
kernel/net/sched/sch_cake.ko:
kernel/net/sched/sch_fq.ko:
kernel/net/sched/sch_fq_pie.ko: kernel/net/sched/sch_pie.ko
kernel/net/wireguard/wireguard.ko: kernel/arch/x86/crypto/curve25519-x86_64.ko kernel/lib/crypto/libchacha20poly1305.ko
"""
# /boot/config-6.1.0-56-amd64
DEBIAN_CONFIG = """CONFIG_NET_SCHED=y
CONFIG_NET_SCH_FQ_CODEL=y
CONFIG_NET_SCH_CAKE=m
CONFIG_NET_SCH_FQ=m
CONFIG_NET_SCH_FQ_PIE=m
CONFIG_NET_SCH_DEFAULT=y
CONFIG_DEFAULT_FQ_CODEL=y
CONFIG_DEFAULT_NET_SCH="fq_codel"
"""
# this machine's /proc/config.gz
FC_CONFIG = """CONFIG_NET_SCHED=y
CONFIG_NET_SCH_HTB=y
# CONFIG_NET_SCH_CODEL is not set
# CONFIG_NET_SCH_FQ_CODEL is not set
# CONFIG_NET_SCH_CAKE is not set
# CONFIG_NET_SCH_FQ is not set
CONFIG_NET_SCH_FIFO=y
"""
UNKNOWN = "Error: Specified qdisc kind is unknown.\n"

TC_PFIFO_FAST = ('[{"kind":"pfifo_fast","handle":"0:","root":true,"refcnt":2,"options":{"bands":3,'
                 '"priomap":[1,2,2,2,1,2,0,0,1,1,1,1,1,1,1,1],"multiqueue":false}}]')
TC_FQ_CODEL = ('[{"kind":"fq_codel","handle":"8001:","root":true,"refcnt":2,"options":{"limit":10240,"flows":1024,'
               '"quantum":1514,"target":4999,"interval":99999,"memory_limit":33554432,"ecn":true,"drop_batch":64}}]')
TC_NOQUEUE = '[{"kind":"noqueue","handle":"0:","root":true,"refcnt":2,"options":{}}]'
# a two-queue NIC: mq at the root, the default qdisc under each queue
TC_MQ = ('[{"kind":"mq","handle":"0:","root":true,"options":{}},'
         '{"kind":"fq_codel","handle":"0:","parent":":2","options":{"limit":10240}},'
         '{"kind":"fq_codel","handle":"0:","parent":":1","options":{"limit":10240}}]')


# --- reading the kernel's files ---------------------------------------------------------------
def test_builtin_path_finds_the_module_and_only_it():
    assert qdisc.builtin_path(DEBIAN_BUILTIN, "fq_codel") == "kernel/net/sched/sch_fq_codel.ko"
    # sch_fq is not sch_fq_codel, nor sch_fq_pie
    assert qdisc.builtin_path(DEBIAN_BUILTIN, "fq") is None
    assert qdisc.builtin_path(DEBIAN_BUILTIN, "cake") is None
    assert qdisc.builtin_path(None, "fq_codel") is None


def test_dep_path_finds_the_module_file_compressed_or_not():
    assert qdisc.dep_path(DEBIAN_DEP, "cake") == "kernel/net/sched/sch_cake.ko"
    assert qdisc.dep_path(DEBIAN_DEP, "fq") == "kernel/net/sched/sch_fq.ko"
    assert qdisc.dep_path(DEBIAN_DEP, "fq_codel") is None
    # a module that others depend on is named after the colon too: only the first field counts
    assert qdisc.dep_path("kernel/net/sched/sch_x.ko: kernel/net/sched/sch_fq.ko\n", "fq") is None
    assert qdisc.dep_path("kernel/net/sched/sch_fq.ko.zst:\n", "fq") == "kernel/net/sched/sch_fq.ko.zst"
    assert qdisc.dep_path("kernel/net/sched/sch_cake.ko.xz: \n", "cake") == "kernel/net/sched/sch_cake.ko.xz"
    assert qdisc.dep_path(None, "fq") is None


@pytest.mark.parametrize(("text", "kind", "value"), [
    (DEBIAN_CONFIG, "fq_codel", "y"),
    (DEBIAN_CONFIG, "cake", "m"),
    (DEBIAN_CONFIG, "fq", "m"),
    (FC_CONFIG, "fq_codel", "n"),
    (FC_CONFIG, "cake", "n"),
    (FC_CONFIG, "fq", "n"),
    ("CONFIG_NET_SCHED=y\n", "fq", None),
    (None, "fq", None),
])
def test_config_value(text, kind, value):
    assert qdisc.config_value(text, kind) == value


# --- deciding -----------------------------------------------------------------------------------
def test_this_machines_kernel_lacks_fq_codel():
    a = qdisc.assess("fq_codel", "6.18.44-fc-v509", config_text=FC_CONFIG, config_source="/proc/config.gz",
                     modules_supported=False, probe={"rc": 2, "stderr": UNKNOWN})
    assert a["available"] is False
    assert a["how"] is None
    assert a["missing"] == "not built in, not loadable"
    assert a["evidence"] == [
        "/lib/modules/6.18.44-fc-v509/modules.builtin is absent",
        "CONFIG_NET_SCH_FQ_CODEL is not set in /proc/config.gz",
        "the kernel has no module support (/proc/modules is absent)",
        "tc qdisc replace dev lo root fq_codel in a new network namespace failed: "
        "Error: Specified qdisc kind is unknown.",
    ]


def test_the_failure_message_names_the_module_the_interfaces_and_says_nothing_changed():
    a = qdisc.assess("fq_codel", "6.18.44-fc-v509", config_text=FC_CONFIG, config_source="/proc/config.gz",
                     modules_supported=False, probe={"rc": 2, "stderr": UNKNOWN})
    msg = qdisc.failure_message("fq_codel", "6.18.44-fc-v509", ["eth0"], a)
    assert msg.startswith("the kernel 6.18.44-fc-v509 lacks the sch_fq_codel module (not built in, not loadable): "
                          "cannot set fq_codel on eth0; nothing was changed (")
    assert "CONFIG_NET_SCH_FQ_CODEL is not set in /proc/config.gz" in msg
    assert qdisc.failure_message("cake", "r", ["eth0", "wg0"], a).startswith(
        "the kernel r lacks the sch_cake module (not built in, not loadable): cannot set cake on eth0, wg0;")
    assert "cannot set fq on net.core.default_qdisc;" in qdisc.failure_message("fq", "r", [], a)


def test_debian_fq_codel_is_built_in():
    a = qdisc.assess("fq_codel", "6.1.0-56-amd64", builtin_text=DEBIAN_BUILTIN, dep_text=DEBIAN_DEP,
                     config_text=DEBIAN_CONFIG, config_source="/boot/config-6.1.0-56-amd64", modules_supported=True)
    assert (a["available"], a["how"], a["missing"]) == (True, "built in", None)
    assert "modules.builtin lists kernel/net/sched/sch_fq_codel.ko" in a["evidence"]
    assert "CONFIG_NET_SCH_FQ_CODEL=y in /boot/config-6.1.0-56-amd64" in a["evidence"]


@pytest.mark.parametrize("kind", ["cake", "fq"])
def test_debian_cake_and_fq_are_loadable(kind):
    a = qdisc.assess(kind, "6.1.0-56-amd64", builtin_text=DEBIAN_BUILTIN, dep_text=DEBIAN_DEP,
                     config_text=DEBIAN_CONFIG, modules_supported=True)
    assert (a["available"], a["how"]) == (True, "loadable")
    assert "modules.dep lists kernel/net/sched/sch_%s.ko" % kind in a["evidence"]
    # check mode does not probe a module that is not loaded yet (the probe would load it) ...
    assert not qdisc.probe_wanted(a, check_mode=True)
    assert qdisc.probe_wanted(a, check_mode=False)
    # ... and once it is loaded it does
    loaded = qdisc.assess(kind, "6.1.0-56-amd64", sys_module=True, dep_text=DEBIAN_DEP, modules_supported=True)
    assert loaded["how"] == "loaded"
    assert qdisc.probe_wanted(loaded, check_mode=True)


def test_the_probe_has_the_last_word():
    # files say nothing (a container without the host's /lib/modules), tc says yes
    a = qdisc.assess("fq_codel", "6.1.0-56-amd64", modules_supported=True, probe={"rc": 0, "stderr": ""})
    assert (a["available"], a["how"], a["missing"]) == (True, None, None)
    assert a["evidence"][-1] == "tc qdisc replace dev lo root fq_codel in a new network namespace succeeded"
    # files say loadable, tc cannot (the module fails to load)
    a = qdisc.assess("cake", "6.1.0-56-amd64", dep_text=DEBIAN_DEP, modules_supported=True,
                     probe={"rc": 2, "stderr": "Error: Failed to load module\n"})
    assert (a["available"], a["how"], a["missing"]) == (False, "loadable", "loadable, but tc cannot set it")
    # a module listed in modules.dep of a kernel that loads no modules is not loadable
    a = qdisc.assess("fq", "r", dep_text=DEBIAN_DEP, modules_supported=False)
    assert (a["available"], a["how"], a["missing"]) == (False, None, "not built in, not loadable")


def test_without_probe_or_files_nothing_says_it_is_there():
    a = qdisc.assess("fq", "r")
    assert (a["available"], a["how"], a["missing"]) == (False, None, "not built in, not loadable")
    assert a["evidence"] == ["/lib/modules/r/modules.builtin is absent", "/lib/modules/r/modules.dep is absent"]


def test_an_unknown_kind_is_refused():
    with pytest.raises(qdisc.QdiscError, match="kind='pfifo' is not one of fq_codel, cake, fq"):
        qdisc.assess("pfifo", "r")


# --- tc -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "root"), [
    (TC_PFIFO_FAST, {"kind": "pfifo_fast", "handle": "0:"}),
    (TC_FQ_CODEL, {"kind": "fq_codel", "handle": "8001:"}),
    (TC_NOQUEUE, {"kind": "noqueue", "handle": "0:"}),
    (TC_MQ, {"kind": "mq", "handle": "0:"}),
    ("[]", None),
    ("", None),
])
def test_root_qdisc(text, root):
    assert qdisc.root_qdisc(text, "eth0") == root


@pytest.mark.parametrize("text", ["{", '{"kind": "fq"}'])
def test_root_qdisc_of_bad_output(text):
    with pytest.raises(qdisc.QdiscError, match="tc -j qdisc show dev eth0"):
        qdisc.root_qdisc(text, "eth0")


def test_the_commands():
    assert qdisc.replace_argv("/usr/sbin/tc", "eth0", "fq_codel") == [
        "/usr/sbin/tc", "qdisc", "replace", "dev", "eth0", "root", "fq_codel"]
    assert qdisc.probe_argv("/usr/bin/unshare", "/usr/sbin/tc", "cake") == [
        "/usr/bin/unshare", "--net", "/usr/sbin/tc", "qdisc", "replace", "dev", "lo", "root", "cake"]


# --- systemd ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "escaped"), [
    ("eth0", "eth0"),
    ("wg-site", "wg\\x2dsite"),      # systemd-escape wg-site
    ("br.100", "br.100"),
    ("eth0.100", "eth0.100"),
    (".hidden", "\\x2ehidden"),
    ("veth+1", "veth\\x2b1"),
    ("tun@x", "tun\\x40x"),
    ("my_if:1", "my_if:1"),
])
def test_systemd_escape(name, escaped):
    assert qdisc.systemd_escape(name) == escaped


def test_unit_names():
    assert qdisc.unit_name("eth0") == "netpath-qdisc@eth0.service"
    assert qdisc.unit_name("wg-site") == "netpath-qdisc@wg\\x2dsite.service"
    assert qdisc.device_unit("wg-site") == "sys-subsystem-net-devices-wg\\x2dsite.device"
