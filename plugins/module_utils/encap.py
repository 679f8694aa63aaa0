# Copyright (c) 2026, netpath.mtu developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The encapsulation overhead table: bytes each kind of tunnel adds, by outer IP family.

The one place these numbers live; facts, findings, filters and roles all take them from here.
"""

from ansible_collections.netpath.mtu.plugins.module_utils.limits import IPV4_MIN_MTU, MAX_LINK_MTU

# No IPv4 link may carry less (RFC 791): an inner MTU below it is no MTU at all.
MIN_MTU = IPV4_MIN_MTU

# IP version -> its header without options or extension headers: RFC 791 section 3.1, RFC 8200 section 3.
IP_HEADER = {4: 20, 6: 40}

# (kind, outer family) -> bytes added; family None means "not known", which takes the larger.
# The kinds are the kernel's link kinds; each row names its source, and the Linux kernels' own
# figure (the MTU a device gets over its lower device) is checked in tests/qemu.
OVERHEAD = {
    # outer IP + UDP 8 + VXLAN 8 + inner Ethernet 14: RFC 7348 section 5;
    # drivers/net/vxlan/vxlan_core.c (VXLAN_HEADROOM, VXLAN6_HEADROOM)
    ("vxlan", 4): 50,
    ("vxlan", 6): 70,
    ("vxlan", None): 50,
    # outer IP + UDP 8 + WireGuard data header 16 + Poly1305 tag 16: the WireGuard paper section 5.4.6;
    # drivers/net/wireguard/messages.h (MESSAGE_MINIMUM_LENGTH)
    ("wireguard", 4): 60,
    ("wireguard", 6): 80,
    ("wireguard", None): 80,
    # like VXLAN, before options (each option adds its own length): RFC 8926 section 3;
    # drivers/net/geneve.c (GENEVE_IPV4_HLEN, GENEVE_IPV6_HLEN, + ETH_HLEN)
    ("geneve", 4): 50,
    ("geneve", 6): 70,
    ("geneve", None): 50,
    # outer IP + GRE 4 without key, sequence or checksum (each adds 4): RFC 2784 section 2;
    # net/ipv4/ip_gre.c (gre_calc_hlen), net/ipv4/ip_tunnel.c (ip_tunnel_bind_dev)
    ("gre", 4): 24,
    ("gre", 6): 44,
    ("gre", None): 24,
    # GRE carrying Ethernet: + inner Ethernet 14 (ip_tunnel_bind_dev takes the tap's hard_header_len)
    ("gretap", 4): 38,
    ("gretap", None): 38,
    # outer IPv6 40 + GRE 4 + the encapsulation limit option 8 the kernel adds by default:
    # RFC 2473 section 4.1.1; net/ipv6/ip6_gre.c (ip6gre_tnl_link_config_route)
    ("ip6gre", 6): 52,
    ("ip6gre", None): 52,
    ("ip6gretap", 6): 66,
    ("ip6gretap", None): 66,
    # outer IPv4 20: RFC 2003 section 3; net/ipv4/ipip.c
    ("ipip", 4): 20,
    ("ipip", 6): 40,
    ("ipip", None): 20,
    # IPv6 in IPv4, outer IPv4 20: RFC 4213 section 3.2; net/ipv6/sit.c
    ("sit", 4): 20,
    ("sit", None): 20,
    # outer IPv6 40 + encapsulation limit option 8 (RFC 2473 section 4.1.1, on unless encaplimit none);
    # net/ipv6/ip6_tunnel.c (ip6_tnl_link_config)
    ("ip6tnl", 6): 48,
    ("ip6tnl", None): 48,
    # ESP in tunnel mode, worst case with AES-CBC and HMAC-SHA1 padding: RFC 4303 section 2. What a
    # host's own xfrm states add is computed from their algorithms and mode (esp_max_inner_mtu).
    ("ipsec", 4): 73,
    ("ipsec", 6): 93,
    ("ipsec", None): 73,
    # PPPoE header 6 + PPP protocol 2: RFC 2516 section 7
    ("pppoe", 4): 8,
    ("pppoe", 6): 8,
    ("pppoe", None): 8,
}
# Tailscale's TUN device is always 1280, whatever its underlay allows.
TAILSCALE_MTU = 1280
ENCAPSULATIONS = sorted(set(kind for kind, _family in OVERHEAD)) + ["tailscale"]


def overhead(kind, family=None):
    """Bytes `kind` adds with an outer header of IP `family` (4, 6 or None); 0 for non-tunnels."""
    if kind == "tailscale":
        kind = "wireguard"
    return OVERHEAD.get((kind, family), 0)


def parse_layer(layer):
    """A layer given as 'vxlan', 'wireguard/ipv6', 'wireguard6' or {kind: ..., family: ...}."""
    if isinstance(layer, dict):
        kind, family = layer.get("kind"), layer.get("family")
    else:
        kind, _sep, family = str(layer).partition("/")
        if not family and kind[-1:] in ("4", "6") and kind[:-1] in ENCAPSULATIONS:
            kind, family = kind[:-1], kind[-1]
    kind = str(kind).lower()
    if kind not in ENCAPSULATIONS:
        raise ValueError("unknown encapsulation %r; known: %s" % (layer, ", ".join(ENCAPSULATIONS)))
    if isinstance(family, bool) or not isinstance(family, (str, int, type(None))):
        family = "bad"  # True would pass for 1 and a list cannot be looked up
    family = {None: None, "": None, 4: 4, 6: 6, "4": 4, "6": 6, "ipv4": 4, "ipv6": 6}.get(family, "bad")
    if family == "bad":
        raise ValueError("unknown outer family in %r; use ipv4 or ipv6" % (layer,))
    return kind, family


def inner_mtu(outer_mtu, layers):
    """MTU left inside `layers` (outermost first) on a link of `outer_mtu`, plain arithmetic.

    Below MIN_MTU (even negative) when the layers do not fit: the facts report that as it is.
    Input from users goes through checked_inner_mtu.
    """
    mtu = outer_mtu
    for layer in layers:
        kind, family = parse_layer(layer)
        if kind == "tailscale":
            mtu = min(TAILSCALE_MTU, mtu - overhead(kind, family))
        else:
            mtu -= overhead(kind, family)
    return mtu


def checked_inner_mtu(outer_mtu, layers):
    """inner_mtu of a user's input, an integer MIN_MTU..MAX_LINK_MTU; ValueError naming what is wrong.

    outer_mtu: an integer (not a boolean) or a string of decimal digits, MIN_MTU..MAX_LINK_MTU.
    layers: a list of layers (parse_layer), or one layer.
    """
    if isinstance(outer_mtu, str) and outer_mtu.strip().isdigit():
        outer_mtu = int(outer_mtu.strip())
    if isinstance(outer_mtu, bool) or not isinstance(outer_mtu, int):
        raise ValueError("the MTU must be a whole number of bytes, %d..%d, got %r (%s)"
                         % (MIN_MTU, MAX_LINK_MTU, outer_mtu, type(outer_mtu).__name__))
    if not MIN_MTU <= outer_mtu <= MAX_LINK_MTU:
        raise ValueError("the MTU %d is outside %d..%d" % (outer_mtu, MIN_MTU, MAX_LINK_MTU))
    if isinstance(layers, (str, dict)):
        layers = [layers]
    if not isinstance(layers, (list, tuple)):
        raise ValueError("layers must be a list of encapsulations (%s), got %r (%s)"
                         % (", ".join(ENCAPSULATIONS), layers, type(layers).__name__))
    parsed = []
    for index, layer in enumerate(layers):
        if not isinstance(layer, (str, dict)):
            raise ValueError("layers[%d] is %r (%s); give a kind (%s), kind/family or {kind, family}"
                             % (index, layer, type(layer).__name__, ", ".join(ENCAPSULATIONS)))
        try:
            parsed.append(parse_layer(layer))
        except ValueError as exc:
            raise ValueError("layers[%d]: %s" % (index, exc)) from None
    mtu = inner_mtu(outer_mtu, [{"kind": kind, "family": family} for kind, family in parsed])
    if mtu < MIN_MTU:
        raise ValueError("%d less %s leaves %d, below %d, the smallest MTU IPv4 allows: these layers do not fit"
                         % (outer_mtu, " and ".join("%s (%d)" % (kind, overhead(kind, family))
                                                    for kind, family in parsed), mtu, MIN_MTU))
    return mtu


# ESP as the kernel builds it (RFC 4303 section 2): outer IP in tunnel mode, UDP 8 with NAT-T
# (RFC 3948 section 2.1), ESP header 8 (SPI, sequence), IV, payload padded so that payload + 2
# (pad length, next header) is a multiple of the cipher's block size aligned to 4, then the ICV.
# net/ipv4/esp4.c, net/ipv6/esp6.c (esp_output: blksize = ALIGN(crypto_aead_blocksize(aead), 4));
# net/xfrm/xfrm_state.c (xfrm_state_mtu, the kernel's own largest inner packet).
ESP_HEADER = 8
ESP_TRAILER = 2
ESP_NAT_T_UDP = 8
# Cipher (as `ip xfrm state` names it) -> (block size, IV length) in bytes: net/xfrm/xfrm_algo.c
# (each algorithm's ivbits and blockbits), crypto/ (cra_blocksize).
ESP_CIPHERS = {
    "rfc4106(gcm(aes))": (1, 8),  # AES-GCM: RFC 4106 sections 3.1 and 6 (ICV 8, 12 or 16 as the state says)
    "rfc4543(gcm(aes))": (1, 8),  # AES-GMAC: RFC 4543 section 3.1
    "rfc4309(ccm(aes))": (1, 8),  # AES-CCM: RFC 4309 section 3.1
    "rfc7539esp(chacha20,poly1305)": (1, 8),  # ChaCha20-Poly1305: RFC 7634 section 2
    "rfc3686(ctr(aes))": (1, 8),  # AES-CTR: RFC 3686 section 3.1
    "cbc(aes)": (16, 16),  # AES-CBC: RFC 3602 section 2.4 (block and IV 16)
    "cbc(des3_ede)": (8, 8),  # 3DES-CBC: RFC 2451 section 2.3
    "cbc(des)": (8, 8),  # DES-CBC: RFC 2405 section 3
    "ecb(cipher_null)": (1, 0),  # NULL encryption: RFC 2410 section 2
    "cipher_null": (1, 0),
}
# ICV bytes of an authentication algorithm given without a truncation (net/xfrm/xfrm_algo.c
# icv_truncbits; `ip xfrm state` shows the length it uses on the auth-trunc line, which wins):
# HMAC-SHA1-96 RFC 2404, HMAC-SHA-256 in the kernel's legacy 96 (RFC 4868 says 128), HMAC-SHA-384-192
# and HMAC-SHA-512-256 RFC 4868, AES-XCBC-MAC-96 RFC 3566, HMAC-MD5-96 RFC 2403, NULL auth RFC 4303.
ESP_AUTH_ICV = {"hmac(sha1)": 12, "hmac(sha256)": 12, "hmac(sha384)": 24, "hmac(sha512)": 32,
                "xcbc(aes)": 12, "cmac(aes)": 12, "hmac(md5)": 12, "digest_null": 0}


def esp_layout(state):
    """(block size aligned to 4, IV, ICV) of an xfrm state (parsers.xfrm_states), or None when its
    cipher or authentication is not in the tables above."""
    algorithms = state.get("algorithms") or {}
    cipher = algorithms.get("aead") or algorithms.get("enc")
    if not cipher or cipher["name"] not in ESP_CIPHERS:
        return None
    block, iv = ESP_CIPHERS[cipher["name"]]
    if "aead" in algorithms:
        icv = (cipher.get("icv_bits") or 128) // 8
    else:
        auth = algorithms.get("auth") or {"name": "digest_null"}
        if auth.get("icv_bits") is not None:
            icv = auth["icv_bits"] // 8
        elif auth["name"] in ESP_AUTH_ICV:
            icv = ESP_AUTH_ICV[auth["name"]]
        else:
            return None
    return (block + 3) // 4 * 4, iv, icv


def esp_max_inner_mtu(outer_mtu, state):
    """The largest inner IP packet an ESP state sends in one outer packet of `outer_mtu`; None when
    its algorithms are not known.

    Padding rounds the encrypted part up to the block size, so the overhead depends on the inner
    size; this is the exact largest that fits (packets of every size up to it fit, as the padded
    length only grows with the inner one). In transport mode the inner IP header (20 or 40, no
    options or extension headers) stays outside the encryption. The kernel's xfrm_state_mtu.
    """
    layout = esp_layout(state)
    if layout is None:
        return None
    block, iv, icv = layout
    family = state.get("family") or 4
    fixed = ESP_HEADER + iv + icv + (ESP_NAT_T_UDP if state.get("encap") else 0)
    kept = IP_HEADER[family] if state.get("mode") == "tunnel" else 0
    header = 0 if state.get("mode") == "tunnel" else IP_HEADER[family]
    room = outer_mtu - kept - fixed - header
    if room < block:
        return None
    return room // block * block - ESP_TRAILER + header
