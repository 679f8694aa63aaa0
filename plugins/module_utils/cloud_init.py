# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud-init user_data that applies netpath.mtu's fixes at an instance's first boot, as plain functions.

`render()` checks the options, builds the plan of the fixes (`build_plan`), the cloud-config that
writes the first-boot program (cloud_init_first_boot.py, next to this file) and the plan to the
node and runs the program from runcmd (`cloud_config`), and returns it as a `#cloud-config`
document or as a MIME multi-part that joins a user_data the user has already (`join_mime`).

The clamp rule comes from mss_clamp (the argv and nft text the netpath.mtu.mss_clamp module
writes), WireGuard's overhead from encap. The same input always gives the same bytes: no time
stamps, and the MIME boundary is a hash of the parts.

`classify()` tells what a user_data to join is: #cloud-config (a YAML mapping), a #! script or a
MIME multi-part of parts cloud-init handles; anything else raises CloudInitError naming the
problem. `parts()` splits a user_data into its parts.
"""

import base64
import email
import email.generator
import email.mime.multipart
import email.mime.text
import gzip
import hashlib
import io
import json
import os
import re

from ansible.module_utils.common.yaml import yaml_load

from ansible_collections.netpath.mtu.plugins.module_utils import encap, limits, mss_clamp

try:
    import yaml
except ImportError:  # the controller always has PyYAML (ansible-core needs it); a target may not
    yaml = None

FIXES = ("mss_clamp", "wireguard_mtu", "docker_mtu")
FORMATS = ("auto", "cloud-config", "mime")
BACKENDS = ("iptables", "nftables")
PROGRAM_ENCODINGS = ("gzip", "text")
PROGRAM_PATH = "/usr/local/lib/netpath-mtu/first_boot.py"
PLAN_PATH = "/etc/netpath-mtu/first-boot.json"
PART_NAME = "netpath-mtu.cfg"
# Our part comes last and appends its runcmd and write_files to those of the user's cloud-config
# parts (cloud-init's default for a later part, dict(replace), would drop the user's runcmd).
MERGE_TYPE = "list(append)+dict(no_replace,recurse_list)+str()"

OPTIONS = {
    "format": "auto",
    "mss_clamp_mss": "pmtu",
    "mss_clamp_backend": "iptables",
    "mss_clamp_family": "ipv4",
    "mss_clamp_chain": "FORWARD",
    "mss_clamp_out_interface": None,
    "mss_clamp_persist": True,
    "mss_clamp_nftables_file": "/etc/nftables.d/netpath-mtu.nft",
    "mss_clamp_nftables_conf": None,
    "wireguard_interface": "wg0",
    "wireguard_config": None,
    "wireguard_mtu": "auto",
    "docker_mtu": "auto",
    "docker_daemon_json": "/etc/docker/daemon.json",
    "docker_restart": False,
    "log": "/var/log/netpath-mtu-cloud-init.log",
    "python": "python3",
    "program_encoding": "gzip",
}

# The packages, units, files and commands that keep a clamp across reboots are the mss_clamp
# role's (its vars/Debian.yml and vars/RedHat.yml): first boot reads them from there.
MSS_CLAMP_ROLE_VARS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "roles", "mss_clamp", "vars")
DISTRO_VARS = {"debian": "Debian.yml", "redhat": "RedHat.yml"}
NFTABLES_PACKAGES = ["nftables"]


def mss_clamp_persistence():
    """{distro: {iptables_install, iptables_save, nftables_install, nftables_conf}} from the mss_clamp role."""
    result = {}
    for distro, name in DISTRO_VARS.items():
        with open(os.path.join(MSS_CLAMP_ROLE_VARS, name)) as handle:
            role = yaml_load(handle)
        install = {"packages": list(role["__mss_clamp_iptables_packages"])}
        if role["__mss_clamp_debconf"]:
            install["debconf"] = ["%(name)s %(question)s %(vtype)s %(value)s" % q for q in role["__mss_clamp_debconf"]]
        result[distro] = {
            "iptables_install": install,
            "iptables_save": {"commands": [list(c) for c in role["__mss_clamp_iptables_save_commands"]],
                              "services": ["%s.service" % s for s in role["__mss_clamp_iptables_services"]],
                              "files": dict(role["__mss_clamp_iptables_files"])},
            "nftables_install": {"packages": NFTABLES_PACKAGES},
            "nftables_conf": role["__mss_clamp_nftables_conf_default"],
        }
    return result


# How cloud-init tells a part's type from its first bytes (cloudinit/handlers INCLUSION_TYPES_MAP),
# longest first, and the content types it has a handler for.
PREFIXES = (
    ("#cloud-config-archive", "text/cloud-config-archive"),
    ("#cloud-config-jsonp", "text/cloud-config-jsonp"),
    ("## template: jinja", "text/jinja2"),
    ("#cloud-boothook", "text/cloud-boothook"),
    ("#cloud-config", "text/cloud-config"),
    ("#include-once", "text/x-include-once-url"),
    ("#part-handler", "text/part-handler"),
    ("#include", "text/x-include-url"),
    ("#!", "text/x-shellscript"),
)
PART_TYPES = frozenset([ctype for _prefix, ctype in PREFIXES] + [
    "text/x-shellscript-per-boot", "text/x-shellscript-per-instance", "text/x-shellscript-per-once"])
UNTYPED = ("text/plain", "text/x-not-multipart")
PATH_RE = re.compile(r"^/[^\x00-\x1f\x7f]*\Z")
PYTHON_RE = re.compile(r"^[A-Za-z0-9_./+-]+\Z")


class CloudInitError(ValueError):
    """Options or a user_data that cannot be rendered; the message names the value or the file."""


# --- options ----------------------------------------------------------------------------------


def _plain(value):
    """The value with plain str, int, bool, list and dict (templating may hand over subclasses)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, (str, bytes)):
        return str(value) if isinstance(value, str) else value
    if isinstance(value, dict):
        return dict((_plain(k), _plain(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _bool(name, value):
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "on", "1"):
        return True
    if text in ("false", "no", "off", "0"):
        return False
    raise CloudInitError("%s=%r is not a boolean" % (name, value))


def _number_or(name, value, word, low, high, what):
    """value is `word` (returns None) or a number in low..high (returns it as an int)."""
    if isinstance(value, str) and value.strip() == word:
        return None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    else:
        number = None
    if number is None:
        raise CloudInitError("%s=%r is not allowed: use %s or %s" % (name, value, word, what))
    if not low <= number <= high:
        raise CloudInitError("%s=%d is outside %d..%d (%s)" % (name, number, low, high, what))
    return number


def _path(name, value, required=True):
    if value is None and not required:
        return None
    if not isinstance(value, str) or not PATH_RE.match(value):
        raise CloudInitError("%s=%r is not an absolute path" % (name, value))
    return value


def _choice(name, value, choices):
    if value not in choices:
        raise CloudInitError("%s=%r is not one of %s" % (name, value, ", ".join(choices)))
    return value


def check_fixes(fixes, prefix=""):
    name = prefix + "fixes"
    if isinstance(fixes, str):
        fixes = [fixes]
    if not isinstance(fixes, list) or not fixes:
        raise CloudInitError("%s=%r: name one or more of %s" % (name, fixes, ", ".join(FIXES)))
    unknown = [f for f in fixes if f not in FIXES]
    if unknown:
        raise CloudInitError("%s: %s not known; the fixes are %s" % (
            name, ", ".join(repr(f) for f in unknown), ", ".join(FIXES)))
    twice = sorted(set(f for f in fixes if fixes.count(f) > 1))
    if twice:
        raise CloudInitError("%s: %s named twice" % (name, ", ".join(twice)))
    return list(fixes)


def check_options(options, prefix=""):
    """The options with their defaults, checked; CloudInitError names a bad one (with prefix)."""
    options = _plain(dict(options or {}))
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise CloudInitError("unknown option%s %s; known: %s" % (
            "s" if len(unknown) > 1 else "", ", ".join(prefix + u for u in unknown),
            ", ".join(prefix + o for o in sorted(OPTIONS))))
    opts = dict(OPTIONS)
    opts.update((k, v) for k, v in options.items() if v is not None or OPTIONS[k] is None)

    def name(key):
        return prefix + key

    _choice(name("format"), opts["format"], FORMATS)
    _choice(name("program_encoding"), opts["program_encoding"], PROGRAM_ENCODINGS)
    _choice(name("mss_clamp_backend"), opts["mss_clamp_backend"], BACKENDS)
    opts["mss_clamp_mss"] = _number_or(name("mss_clamp_mss"), opts["mss_clamp_mss"], "pmtu", 1, limits.MAX_MTU,
                                       "a number of bytes, %d..%d for IPv4, %d..%d for IPv6"
                                       % (mss_clamp.MSS_LIMITS["ipv4"] + mss_clamp.MSS_LIMITS["ipv6"]))
    fault = mss_clamp.validate("present", opts["mss_clamp_backend"], opts["mss_clamp_family"],
                               opts["mss_clamp_chain"], opts["mss_clamp_mss"], opts["mss_clamp_out_interface"])
    if fault:
        # mss_clamp's messages begin with the module's option name: mss=, chain=, family=, ...
        raise CloudInitError(name("mss_clamp_") + fault)
    opts["mss_clamp_persist"] = _bool(name("mss_clamp_persist"), opts["mss_clamp_persist"])
    _path(name("mss_clamp_nftables_file"), opts["mss_clamp_nftables_file"])
    _path(name("mss_clamp_nftables_conf"), opts["mss_clamp_nftables_conf"], required=False)
    if not limits.valid_ifname(opts["wireguard_interface"]):
        raise CloudInitError("%s=%r is not an interface name: %s" % (
            name("wireguard_interface"), opts["wireguard_interface"], limits.IFNAME_RULE))
    if opts["wireguard_config"] is None:
        opts["wireguard_config"] = "/etc/wireguard/%s.conf" % opts["wireguard_interface"]
    _path(name("wireguard_config"), opts["wireguard_config"])
    for key, allowed in (("wireguard_mtu", limits.WIREGUARD_MTU_RANGE), ("docker_mtu", limits.DOCKER_MTU_RANGE)):
        opts[key] = _number_or(name(key), opts[key], "auto", allowed[0], allowed[1],
                               "a number of bytes, %d..%d" % allowed)
    _path(name("docker_daemon_json"), opts["docker_daemon_json"])
    opts["docker_restart"] = _bool(name("docker_restart"), opts["docker_restart"])
    _path(name("log"), opts["log"])
    if not isinstance(opts["python"], str) or not PYTHON_RE.match(opts["python"]):
        raise CloudInitError("%s=%r is not a program name or path" % (name("python"), opts["python"]))
    return opts


# --- the plan ---------------------------------------------------------------------------------


def _mss_step(opts):
    request = mss_clamp.spec(opts["mss_clamp_chain"], opts["mss_clamp_family"], opts["mss_clamp_mss"],
                             opts["mss_clamp_out_interface"])
    backend, persist, family = opts["mss_clamp_backend"], opts["mss_clamp_persist"], opts["mss_clamp_family"]
    persistence = mss_clamp_persistence()
    describe = "TCPMSS clamp %s in %s for %s%s, %s%s" % (
        "to the path MTU" if request["mss"] is None else "to MSS %d" % request["mss"], request["chain"],
        {"both": "IPv4 and IPv6"}.get(family, mss_clamp.FAMILY_NAMES.get(family)),
        " leaving by %s" % request["out_interface"] if request["out_interface"] else "", backend,
        ", kept across reboots" if persist else ", not kept across reboots")
    step = {"fix": "mss_clamp", "backend": backend, "persist": persist, "describe": describe}
    if backend == "iptables":
        step["rules"] = [{"family": f,
                          "check": mss_clamp.iptables_rule_argv(request, f, "-C"),
                          "add": mss_clamp.iptables_rule_argv(request, f, "-A"),
                          "saved": mss_clamp.build_rule("iptables", request, f)["rule"]}
                         for f in mss_clamp.FAMILY_CHOICES[family]]
        step["install"] = dict((d, p["iptables_install"]) for d, p in persistence.items()) if persist else {}
        step["save"] = dict((d, p["iptables_save"]) for d, p in persistence.items()) if persist else {}
        return step
    conf = opts["mss_clamp_nftables_conf"]
    step.update({
        "table": "%s %s" % (mss_clamp.NFT_FAMILY, mss_clamp.NFT_TABLE),
        "rules": [mss_clamp.nft_rule_text(request, family)],
        "file": opts["mss_clamp_nftables_file"],
        "content": ("# netpath.mtu first boot: the TCP MSS clamp, loaded at boot by an include in the nftables\n"
                    "# configuration. Written by cloud-init's user_data of netpath.mtu.cloud_init.\n"
                    + mss_clamp.nft_table_file(request, family)),
        "conf": {"default": conf} if conf else dict((d, p["nftables_conf"]) for d, p in persistence.items()),
        "services": ["nftables.service"],
        "install": dict((d, p["nftables_install"]) for d, p in persistence.items()),
    })
    return step


def _wireguard_step(opts):
    overhead = {"ipv4": encap.overhead("wireguard", 4), "ipv6": encap.overhead("wireguard", 6),
                "unknown": encap.overhead("wireguard", None)}
    return {"fix": "wireguard_mtu", "interface": opts["wireguard_interface"], "config": opts["wireguard_config"],
            "mtu": opts["wireguard_mtu"], "overhead": overhead, "mtu_min": limits.WIREGUARD_MTU_RANGE[0],
            "describe": "MTU = %s in the [Interface] of %s and on the link %s" % (
                opts["wireguard_mtu"] or "the uplink's MTU - WireGuard's overhead (%(ipv4)d over IPv4, "
                "%(ipv6)d over IPv6)" % overhead, opts["wireguard_config"], opts["wireguard_interface"])}


def _docker_step(opts):
    return {"fix": "docker_mtu", "daemon_json": opts["docker_daemon_json"], "mtu": opts["docker_mtu"],
            "restart": opts["docker_restart"], "service": "docker.service",
            "describe": '"mtu": %s in %s (other keys kept)%s' % (
                opts["docker_mtu"] or "the uplink's MTU", opts["docker_daemon_json"],
                ", Docker restarted if running" if opts["docker_restart"] else "")}


STEPS = {"mss_clamp": _mss_step, "wireguard_mtu": _wireguard_step, "docker_mtu": _docker_step}


def build_plan(fixes, opts):
    """The first-boot program's plan: {version, log, steps: [one per fix, in the order given]}."""
    return {"version": 1, "log": opts["log"], "steps": [STEPS[fix](opts) for fix in fixes]}


# --- the cloud-config -------------------------------------------------------------------------


def plan_json(value, indent=""):
    """JSON with sorted keys, one key per line, and lists of plain values (argv) on one line."""
    if isinstance(value, dict) and value:
        inner = indent + "  "
        items = ",\n".join("%s%s: %s" % (inner, json.dumps(k), plan_json(value[k], inner)) for k in sorted(value))
        text = "{\n%s\n%s}" % (items, indent)
    elif isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        inner = indent + "  "
        text = "[\n%s\n%s]" % (",\n".join(inner + plan_json(v, inner) for v in value), indent)
    else:
        text = json.dumps(value)
    return text if indent else text + "\n"


_WG_QUICK_IMPORT = "from ansible_collections.netpath.mtu.plugins.module_utils import wg_quick\n"


def _source(name):
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), name)
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def program_text():
    """The first-boot program's source (cloud_init_first_boot.py), one file that runs alone on the
    node: its import of wg_quick (the one wg-quick parser, shared with the wireguard_config
    module) becomes wg_quick.py's source, loaded as a module of that name."""
    program = _source("cloud_init_first_boot.py")
    if program.count(_WG_QUICK_IMPORT) != 1:
        raise CloudInitError("cloud_init_first_boot.py does not import wg_quick once as %r" % _WG_QUICK_IMPORT)
    inlined = ("import types  # noqa: E402\n"
               "wg_quick = types.ModuleType(\"wg_quick\")\n"
               "exec(compile(%r, \"wg_quick.py\", \"exec\"), wg_quick.__dict__)  # pylint: disable=exec-used\n"
               % _source("wg_quick.py"))
    return program.replace(_WG_QUICK_IMPORT, inlined)


def _gzip_b64(text):
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as handle:
        handle.write(text.encode("utf-8"))
    return base64.b64encode(buf.getvalue()).decode("ascii")


def cloud_config(fixes, opts, compress=False):
    """The cloud-config (a dict): write_files with the plan and the program, runcmd that runs it."""
    plan_text = plan_json(build_plan(fixes, opts))
    program = {"path": PROGRAM_PATH, "owner": "root:root", "permissions": "0644"}
    if compress:
        program.update({"encoding": "gz+b64", "content": _gzip_b64(program_text())})
    else:
        program["content"] = program_text()
    return {
        "write_files": [{"path": PLAN_PATH, "owner": "root:root", "permissions": "0644", "content": plan_text},
                        program],
        "runcmd": [[opts["python"], PROGRAM_PATH, PLAN_PATH]],
    }


def _flow(items):
    return _FlowList(items)


class _FlowList(list):
    """A list written in YAML's flow style ([a, b, c]): runcmd's argv."""


def dump_yaml(data):
    """YAML of our cloud-config: keys in order, multi-line strings as literal blocks, argv lists in
    flow style."""
    if yaml is None:
        raise CloudInitError("PyYAML is not installed where the user_data is rendered")

    class Dumper(yaml.SafeDumper):  # pylint: disable=too-many-ancestors
        pass

    def text(dumper, value):
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    def flow(dumper, value):
        return dumper.represent_sequence("tag:yaml.org,2002:seq", list(value), flow_style=True)

    Dumper.add_representer(str, text)
    Dumper.add_representer(_FlowList, flow)
    return yaml.dump(data, Dumper=Dumper, default_flow_style=False, sort_keys=False, width=1000,
                     allow_unicode=True)


def cloud_config_text(fixes, opts, compress=False):
    """Our `#cloud-config` document, with a comment that says what it does."""
    config = cloud_config(fixes, opts, compress)
    config["runcmd"] = [_flow(argv) for argv in config["runcmd"]]
    plan = build_plan(fixes, opts)
    lines = ["#cloud-config",
             "# netpath.mtu.cloud_init: at the first boot, runcmd runs %s (written below)" % PROGRAM_PATH,
             "# with the plan %s; it applies, in this order:" % PLAN_PATH]
    lines += ["#   %s: %s" % (step["fix"], step["describe"]) for step in plan["steps"]]
    lines.append("# and logs every step and its outcome to %s." % opts["log"])
    return "\n".join(lines) + "\n" + dump_yaml(config)


# --- the user_data to join --------------------------------------------------------------------


def _type_from_start(text):
    lowered = text[:64].lower()
    for prefix, ctype in PREFIXES:
        if lowered.startswith(prefix):
            return ctype
    return None


def _check_cloud_config(text, where):
    if yaml is None:
        raise CloudInitError("PyYAML is not installed where the user_data is rendered")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = " (line %d, column %d)" % (mark.line + 1, mark.column + 1) if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise CloudInitError("%s is #cloud-config but not valid YAML: %s%s" % (where, problem, at)) from None
    if data is None:
        raise CloudInitError("%s is #cloud-config with nothing in it (cloud-init fails on an empty cloud-config)"
                             % where)
    if not isinstance(data, dict):
        raise CloudInitError("%s is #cloud-config but its YAML is a %s, not a mapping: cloud-init takes a mapping "
                             "of settings (runcmd:, write_files:, ...)" % (where, _yaml_kind(data)))
    return data


def _yaml_kind(data):
    if isinstance(data, list):
        return "list"
    if isinstance(data, str):
        return "string"
    return type(data).__name__


def _decode(data, where):
    if data[:2] == b"\x1f\x8b":
        raise CloudInitError("%s is gzip-compressed data: cloud-init would take it, but its parts cannot be joined "
                             "compressed; gunzip it and join that" % where)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CloudInitError("%s is binary data, not text (byte %d is not UTF-8): a user_data to join is "
                             "#cloud-config, a #! script or MIME multi-part" % (where, exc.start)) from None
    if "\x00" in text:
        raise CloudInitError("%s is binary data (it holds NUL bytes): a user_data to join is #cloud-config, a #! "
                             "script or MIME multi-part" % where)
    return text


def _is_mime(text):
    head = text[:4096].lower()
    return "mime-version:" in head or head.startswith("content-type:")


def _filename(part):
    name = part.get_filename()
    return str(name) if name else None


def _mime_parts(data, where):
    """The top-level parts of a MIME user_data, each leaf checked."""
    msg = email.message_from_bytes(data)
    leaves = [part for part in msg.walk() if not part.is_multipart()]
    for part in leaves:
        part.get_payload(decode=True)  # decoding notes bad base64 among the defects
    defects = ["%s%s" % ("" if part is msg else "part %d: " % (leaves.index(part) + 1 if part in leaves else 0),
                         (d.__doc__ or type(d).__name__).strip().splitlines()[0].rstrip("."))
               for part in msg.walk() for d in part.defects]
    if defects:
        raise CloudInitError("%s is a broken MIME multi-part: %s" % (where, "; ".join(defects)))
    top = msg.get_payload() if msg.is_multipart() else [msg]
    if not top:
        raise CloudInitError("%s is a MIME multi-part with no parts" % where)
    for number, part in enumerate(leaves, 1):
        _check_part(part, "%s, part %d%s" % (where, number, " (%s)" % _filename(part) if _filename(part) else ""))
    return top


def _check_part(part, where):
    ctype = part.get_content_type()
    payload = part.get_payload(decode=True) or b""
    if ctype in UNTYPED:
        text = _decode(payload, where)
        found = _type_from_start(text)
        if found is None:
            raise CloudInitError("%s is %s with no #cloud-config, #! or other cloud-init start: cloud-init would "
                                 "ignore it" % (where, ctype))
        ctype = found
    if ctype not in PART_TYPES:
        raise CloudInitError("%s has Content-Type %s, which cloud-init has no handler for" % (where, ctype))
    if ctype == "text/cloud-config":
        _check_cloud_config(_decode(payload, where), where)


def classify(data, name="user_data"):
    """What a user_data to join is: {'kind': 'cloud-config' | 'script' | 'mime', 'text': its text,
    'parts': the MIME parts (mime only)}. Anything else raises CloudInitError naming `name`."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not data.strip():
        raise CloudInitError("%s is empty: there is nothing to join" % name)
    text = _decode(data, name)
    ctype = _type_from_start(text)
    if ctype == "text/cloud-config":
        _check_cloud_config(text, name)
        return {"kind": "cloud-config", "text": text}
    if ctype == "text/x-shellscript":
        return {"kind": "script", "text": text}
    if ctype is not None:
        raise CloudInitError("%s starts with %s (%s): the role joins #cloud-config, #! scripts and MIME multi-parts; "
                             "make a MIME multi-part of it (cloud-init devel make-mime) and join that"
                             % (name, text.split(None, 1)[0] if text.split() else text, ctype))
    if _is_mime(text):
        return {"kind": "mime", "text": text, "parts": _mime_parts(data, name)}
    raise CloudInitError("%s is plain text, not user_data cloud-init runs: it must start with #cloud-config (a YAML "
                         "mapping) or #! (a script), or be a MIME multi-part" % name)


# --- MIME -------------------------------------------------------------------------------------


def _text_part(text, subtype, filename, headers=()):
    try:
        text.encode("ascii")
        charset = "us-ascii"
    except UnicodeEncodeError:
        charset = "utf-8"
    part = email.mime.text.MIMEText(text, subtype, charset)
    part.add_header("Content-Disposition", "attachment", filename=filename)
    for key, value in headers:
        part.add_header(key, value)
    return part


def _flatten(msg):
    buf = io.BytesIO()
    email.generator.BytesGenerator(buf, mangle_from_=False, maxheaderlen=0).flatten(msg)
    return buf.getvalue()


def part_filename(name):
    """A part's file name from the joined file's path: cloud-init writes a script part under it."""
    base = os.path.basename(str(name or "")) or "user-data"
    return re.sub(r"[^A-Za-z0-9_.+-]", "_", base)


def join_mime(ours, user=None, user_name="user-data"):
    """A MIME multi-part: the user's parts as they are (or the user's cloud-config / script as one
    part), then ours with its Merge-Type. The boundary is a hash of the parts."""
    parts = []
    if user is not None:
        if user["kind"] == "mime":
            parts.extend(part for part in user["parts"] if _filename(part) != PART_NAME)
            if not parts:
                raise CloudInitError("%s holds nothing but netpath.mtu's own part (%s): there is nothing to join"
                                     % (user_name, PART_NAME))
        else:
            subtype = "cloud-config" if user["kind"] == "cloud-config" else "x-shellscript"
            parts.append(_text_part(user["text"], subtype, part_filename(user_name)))
    parts.append(_text_part(ours, "cloud-config", PART_NAME, [("Merge-Type", MERGE_TYPE)]))
    bodies = [_flatten(part) for part in parts]
    salt = 0
    while True:
        digest = hashlib.sha256(b"\0".join(bodies) + (b"%d" % salt if salt else b"")).hexdigest()
        boundary = "netpath-mtu-%s" % digest[:40]
        if not any(boundary.encode("ascii") in body for body in bodies):
            break
        salt += 1
    outer = email.mime.multipart.MIMEMultipart(boundary=boundary)
    for part in parts:
        outer.attach(part)
    data = _flatten(outer)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise CloudInitError("%s holds 8-bit parts that are not UTF-8: they cannot be written as text" % user_name) \
            from None


def parts(user_data, name="user_data"):
    """The parts of a user_data: [{content_type, filename, merge_type, content}]; one for a
    #cloud-config or a script."""
    found = classify(user_data, name)
    if found["kind"] != "mime":
        ctype = "text/cloud-config" if found["kind"] == "cloud-config" else "text/x-shellscript"
        return [{"content_type": ctype, "filename": None, "merge_type": None, "content": found["text"]}]
    result = []
    msg = email.message_from_bytes(found["text"].encode("utf-8"))
    for part in msg.walk():
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True) or b""
        text = payload.decode(part.get_content_charset() or "utf-8", "replace")
        ctype = part.get_content_type()
        if ctype in UNTYPED:
            ctype = _type_from_start(text) or ctype
        result.append({"content_type": ctype, "filename": _filename(part),
                       "merge_type": part.get("Merge-Type") or part.get("X-Merge-Type"), "content": text})
    return result


# --- all of it --------------------------------------------------------------------------------


def render(fixes, options=None, merge_with=None, merge_with_name=None, prefix=""):
    """The user_data (text): our #cloud-config, or a MIME multi-part joining merge_with (bytes or
    text of a user_data) and ours. CloudInitError names a bad option (with prefix) or the file."""
    fixes = check_fixes(_plain(fixes), prefix)
    opts = check_options(options, prefix)
    name = merge_with_name or "the user_data to join"
    fmt = opts["format"]
    if fmt == "auto":
        fmt = "mime" if merge_with is not None else "cloud-config"
    if fmt == "cloud-config" and merge_with is not None:
        raise CloudInitError("%sformat=cloud-config cannot join %s: a #cloud-config holds no other user_data; "
                             "use mime (or auto)" % (prefix, name))
    user = classify(merge_with, name) if merge_with is not None else None
    ours = cloud_config_text(fixes, opts, opts["program_encoding"] == "gzip")
    return ours if fmt == "cloud-config" else join_mime(ours, user, name)
