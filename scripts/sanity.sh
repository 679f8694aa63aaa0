#!/usr/bin/env bash
# Run `ansible-test sanity` on netpath.mtu without container images.
#
# ansible-test needs the collection at <dir>/ansible_collections/netpath/mtu/. This script builds
# the collection with `ansible-galaxy collection build` (so galaxy.yml's build_ignore decides what
# is left out: the lab, extensions/, scripts/, requirements/, caches, tests/output, .git, ...),
# unpacks the artifact into that layout in a temporary directory, and runs the sanity tests there.
# What is tested is exactly what ships, tests/ included.
#
# The sanity tests run on the local host ("origin"), not in Docker: each test that needs Python
# packages gets its own virtual environment, made by ansible-test under ~/.ansible/test/venv with
# pip from PyPI (reused on later runs). The tools themselves come from the venv in NETPATH_VENV.
#
# Environment:
#   NETPATH_VENV            venv with ansible-core (default: <repo>/.venv)
#   NETPATH_SANITY_PYTHON   Python version the tests run for (default: 3.11)
#   NETPATH_KEEP_TMP=1      keep the temporary copy (its tests/output holds the results)
# Arguments are passed to ansible-test sanity, e.g. `scripts/sanity.sh --test pep8`.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${NETPATH_VENV:-$repo/.venv}"
python_version="${NETPATH_SANITY_PYTHON:-3.11}"
start=$SECONDS

note() { printf 'sanity.sh: %s\n' "$*" >&2; }

if [[ ! -x "$venv/bin/ansible-test" ]]; then
    note "no ansible-test in $venv (set NETPATH_VENV to the venv with the pinned tools)"
    exit 2
fi
export PATH="$venv/bin:$PATH"

tmp="$(mktemp -d -t netpath-sanity.XXXXXX)"
# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
    if [[ "${NETPATH_KEEP_TMP:-0}" == 1 ]]; then
        note "kept $tmp"
    else
        rm -rf "$tmp"
    fi
}
trap cleanup EXIT

# The copy: the built artifact, plus galaxy.yml (which the build never ships but ansible-test
# reads); the generated MANIFEST.json and FILES.json are not sources and are dropped.
dest="$tmp/ansible_collections/netpath/mtu"
mkdir -p "$dest" "$tmp/build"
ansible-galaxy collection build --force --output-path "$tmp/build" "$repo" >/dev/null
tar -xzf "$tmp/build"/netpath-mtu-*.tar.gz -C "$dest"
rm -f "$dest/MANIFEST.json" "$dest/FILES.json"
cp -p "$repo/galaxy.yml" "$dest/galaxy.yml"
note "testing $(find "$dest" -type f | wc -l) files of the built collection in $dest"

# Tools that some sanity tests call. A test whose tool is missing is skipped by ansible-test;
# say so here rather than let it pass unnoticed.
skip_args=()
if ! command -v shellcheck >/dev/null 2>&1; then
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
        note "shellcheck is missing: installing it with apt-get"
        if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck; } >/dev/null 2>&1; then
            note "could not install shellcheck"
        fi
    fi
    if ! command -v shellcheck >/dev/null 2>&1; then
        note "NOTE: shellcheck is not available: the 'shellcheck' sanity test is SKIPPED"
        skip_args+=(--skip-test shellcheck)
    fi
fi
if ! command -v pwsh >/dev/null 2>&1; then
    if find "$dest" -type f \( -name '*.ps1' -o -name '*.psm1' -o -name '*.psd1' \) | grep -q .; then
        note "NOTE: pwsh is not available: the 'pslint' sanity test is SKIPPED for the PowerShell files"
    fi
    # Without PowerShell files the test has nothing to check; skip it explicitly either way.
    skip_args+=(--skip-test pslint)
fi

# ansible-test makes each test venv without pip and bootstraps pip with a get-pip script it
# downloads from ci-files.testing.ansible.com, which this network cannot reach; PyPI it can.
# When that script is not in ansible-test's cache yet, put one there that does the same job with
# the pip wheel from PyPI: `pip install <the arguments ansible-test passes>`, run from the wheel.
pip_version="$(python - "$python_version" <<'EOF'
import sys, types
from ansible_test._internal.python_requirements import get_venv_packages
print(get_venv_packages(types.SimpleNamespace(version=sys.argv[1]))["pip"])
EOF
)"
get_pip_cache="$HOME/.ansible/test/cache"
get_pip="$get_pip_cache/get_pip_${pip_version//./_}.py"
if [[ ! -f "$get_pip" ]]; then
    note "ansible-test's pip $pip_version bootstrap script is not cached: making it from the pip wheel on PyPI"
    mkdir -p "$get_pip_cache/wheels"
    pip download --quiet --no-deps --only-binary :all: --dest "$get_pip_cache/wheels" "pip==$pip_version"
    wheel="$get_pip_cache/wheels/pip-$pip_version-py3-none-any.whl"
    cat >"$get_pip.tmp" <<EOF
"""Stand-in for get-pip.py $pip_version, written by netpath.mtu's scripts/sanity.sh.

Installs pip into the running interpreter from the pip wheel, as get-pip.py does: the arguments
are pip install arguments, plus get-pip's --no-setuptools and --no-wheel (nothing extra is
installed by default here, so those two are accepted and dropped).
"""
import runpy
import sys

args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
sys.path.insert(0, "$wheel")
sys.argv = ["pip", "install", *args]
runpy.run_module("pip", run_name="__main__", alter_sys=True)
EOF
    mv "$get_pip.tmp" "$get_pip"
fi

cd "$dest"
status=0
ansible-test sanity --color no --python "$python_version" "${skip_args[@]}" "$@" 2>&1 | tee "$tmp/sanity.log" \
    || status=$?

# Surface every test ansible-test skipped on its own (missing interpreter, tool or venv support).
if grep -E 'Skipping|WARNING: .*(skip|missing)' "$tmp/sanity.log" >/dev/null; then
    note "NOTE: ansible-test skipped something:"
    grep -E 'Skipping|WARNING: .*(skip|missing)' "$tmp/sanity.log" | sed 's/^/    /' >&2
fi

elapsed=$((SECONDS - start))
if [[ "$status" == 0 ]]; then
    note "PASSED in ${elapsed}s"
else
    note "FAILED (exit $status) in ${elapsed}s; paths above are relative to the collection root"
fi
exit "$status"
