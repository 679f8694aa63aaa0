"""report.html in a real browser: headless Chromium parses and draws the page of the sample audit.

* ``--dump-dom``: the DOM Chromium built holds each host's SVG cascade, its layers with their
  MTUs, and the faulty layers marked with their finding ids; a hostile interface name stays text.
* ``--screenshot``: the page is drawn, the faulty layers in red and a healthy host without any.
  The PNG is kept in tests/output/browser/ for a person to look at.

Chromium is Debian's ``chromium`` package (scripts/bootstrap installs it). Without it these tests
fail, they do not skip: a report nobody has seen rendered is not tested.
"""

import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from ansible_collections.netpath.mtu.plugins.module_utils import report

REPO = Path(__file__).resolve().parents[2]
OUTPUT = REPO / "tests" / "output" / "browser"
HOSTILE = '"><script>alert(1)</script>'
WINDOW = (1280, 2800)
# Colours of the page's CSS: a faulty layer's fill and the red of its outline and tag.
FAULT_FILL = (0xFD, 0xEC, 0xEA)
ERROR_RED = (0xC6, 0x28, 0x28)
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars", "--force-device-scale-factor=1"]


@pytest.fixture(scope="module")
def chromium():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    pytest.fail("Chromium is not installed, so report.html cannot be checked in a browser: install Debian's "
                "chromium package (apt-get install -y chromium; scripts/bootstrap does) and run again.",
                pytrace=False)


def run_chromium(chromium, tmp_path, page, *args):
    profile = tmp_path / "chromium-profile"
    profile.mkdir(exist_ok=True)
    command = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()]
    env = dict(os.environ, HOME=str(tmp_path))
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env, check=False)
    if done.returncode != 0:
        pytest.fail(f"chromium exited with {done.returncode}: {' '.join(command)}\n{done.stderr[-3000:]}",
                    pytrace=False)
    return done.stdout


def write_page(tmp_path, name, sample, hosts=None):
    built = report.build_report(sample["hostvars"], hosts or sample["hosts"], sample["generated"])
    page = tmp_path / name
    page.write_text(report.render_html(built), encoding="utf-8")
    return page


@pytest.fixture
def sample(report_sample):
    return report_sample


def layer_rows(dom):
    """(host, interface, kind, mtu, overhead, classes, findings, element) of every cascade layer."""
    return [(el["host"], el["attrs"].get("data-interface"), el["attrs"].get("data-kind"), el["attrs"].get("data-mtu"),
             el["attrs"].get("data-overhead"), tuple(el["attrs"]["class"].split()), el["attrs"].get("data-findings"),
             el) for el in dom.layers()]


def read_png(path):
    """(width, height, rows of RGB(A) bytes) of an 8-bit, non-interlaced RGB or RGBA PNG."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    pos, idat, header = 8, [], None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, chunk = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat.append(chunk)
        elif kind == b"IEND":
            break
    width, height, depth, color, _compression, _filter, interlace = header
    assert depth == 8 and color in (2, 6) and interlace == 0, f"unexpected PNG format {header!r}"
    bpp = 3 if color == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    rows, previous = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        if kind == 1:
            for x in range(bpp, stride):
                line[x] = (line[x] + line[x - bpp]) & 0xFF
        elif kind == 2:
            for x in range(stride):
                line[x] = (line[x] + previous[x]) & 0xFF
        elif kind == 3:
            for x in range(stride):
                left = line[x - bpp] if x >= bpp else 0
                line[x] = (line[x] + ((left + previous[x]) >> 1)) & 0xFF
        elif kind == 4:
            for x in range(stride):
                a = line[x - bpp] if x >= bpp else 0
                b = previous[x]
                c = previous[x - bpp] if x >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(line)
        previous = line
    return width, height, bpp, rows


def count_colour(png, colour):
    """How many pixels are exactly colour, and the rows they are in."""
    _width, _height, bpp, rows = png
    target = bytes(colour)
    count, where = 0, set()
    for y, line in enumerate(rows):
        pixels = bytes(line)
        start = pixels.find(target)
        while start != -1:
            if start % bpp == 0:
                count += 1
                where.add(y)
            start = pixels.find(target, start + 1)
    return count, where


def test_dump_dom_has_each_cascade_with_its_mtus_and_faults(chromium, tmp_path, sample, html_elements):
    page = write_page(tmp_path, "report.html", sample)
    dom = html_elements(run_chromium(chromium, tmp_path, page, "--dump-dom"))
    svgs = [el for el in dom.elements if el["tag"] == "svg"]
    assert len(svgs) == 4, "one SVG cascade per host chain"
    layers = layer_rows(dom)
    # Every layer Chromium built is inside an <svg>, as SVG, not text.
    assert all("svg" in layer[7]["parents"] for layer in layers)
    drawn = [(host, name, kind, mtu, overhead, "fault" in classes, findings)
             for host, name, kind, mtu, overhead, classes, findings, _el in layers]
    assert drawn == [
        ("wg-site-a", "eth0", "physical", "1500", "0", False, None),
        ("wg-site-a", "wg0", "wireguard", "1420", "60", True, "pmtu_blackhole"),
        ("co-node", "eth0", "physical", "1450", "0", False, None),
        ("co-node", "docker0", "bridge", "1500", "0", True, "docker_mtu_exceeds_uplink missing_mss_clamp"),
        ("k3s-server", "eth0", "physical", "1500", "0", False, None),
        ("k3s-server", "tailscale0", "wireguard", "1280", "80", False, None),
        ("k3s-server", "flannel.1", "vxlan", "1230", "50", True, "flannel_over_tunnel"),
        ("k3s-server", "cni0", "bridge", "1230", "0", False, None),
        ("healthy-a", "eth0", "physical", "1500", "0", False, None),
        ("healthy-a", "wg0", "wireguard", "1420", "60", False, None),
    ]
    # Each box shows name, kind, MTU and overhead; a faulty one its finding id.
    flannel = next(layer[7] for layer in layers if layer[1] == "flannel.1")
    assert "flannel.1" in flannel["text"] and "vxlan · MTU 1230 · overhead 50 B" in flannel["text"]
    assert "flannel_over_tunnel" in flannel["text"]
    docker0 = next(layer[7] for layer in layers if layer[1] == "docker0")
    assert "docker_mtu_exceeds_uplink" in docker0["text"] and "missing_mss_clamp" in docker0["text"]


def test_dump_dom_keeps_a_hostile_interface_name_as_text(chromium, tmp_path, sample, html_elements):
    hv = sample["hostvars"]["k3s-server"]
    hv["ansible_facts"]["netpath_mtu"]["chains"][0][1]["interface"] = HOSTILE
    hv["netpath_findings"][0]["interface"] = HOSTILE
    hv["netpath_findings"][0]["evidence"]["interface"] = HOSTILE
    page = write_page(tmp_path, "hostile.html", sample, ["k3s-server"])
    dom = html_elements(run_chromium(chromium, tmp_path, page, "--dump-dom"))
    assert not [el for el in dom.elements if el["tag"] == "script"], "the hostile name became a script element"
    hostile = [layer for layer in layer_rows(dom) if layer[1] == HOSTILE]
    assert len(hostile) == 1 and "fault" in hostile[0][5]
    assert HOSTILE in hostile[0][7]["text"]


def test_screenshot_draws_faulty_layers_in_red(chromium, tmp_path, sample):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page = write_page(tmp_path, "report.html", sample)
    shutil.copy(page, OUTPUT / "report.html")
    shot = OUTPUT / "report_html.png"
    shot.unlink(missing_ok=True)
    run_chromium(chromium, tmp_path, page, "--window-size={},{}".format(*WINDOW), f"--screenshot={shot}")
    png = read_png(shot)
    assert (png[0], png[1]) == WINDOW
    fill, fill_rows = count_colour(png, FAULT_FILL)
    red = count_colour(png, ERROR_RED)[0]
    # Three faulty boxes of at least 250 x 40 pixels each, and red outlines, tags and badges.
    assert fill > 3 * 250 * 40, f"faulty layers are not filled ({fill} pixels)"
    assert red > 2000, f"no red outlines or tags ({red} pixels)"
    # In three separate places: wg0, docker0 and flannel.1.
    bands = sum(1 for y in sorted(fill_rows) if y - 1 not in fill_rows)
    assert bands >= 3, f"faulty layers drawn in {bands} places"
    print(f"screenshot: {shot}")


def test_screenshot_of_a_healthy_host_has_no_red(chromium, tmp_path, sample):
    page = write_page(tmp_path, "healthy.html", sample, ["healthy-a"])
    shot = tmp_path / "healthy.png"
    run_chromium(chromium, tmp_path, page, "--window-size=1280,900", f"--screenshot={shot}")
    png = read_png(shot)
    assert count_colour(png, FAULT_FILL)[0] == 0
    assert count_colour(png, ERROR_RED)[0] == 0
    # ... but it is drawn: the boxes of eth0 and wg0 are there (their fill, #eef3f8).
    assert count_colour(png, (0xEE, 0xF3, 0xF8))[0] > 2 * 250 * 40
