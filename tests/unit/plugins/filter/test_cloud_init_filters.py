"""The cloud_init_user_data and cloud_init_parts filters: what the role calls, and their errors."""

import base64

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.netpath.mtu.plugins.filter.cloud_init_parts import cloud_init_parts
from ansible_collections.netpath.mtu.plugins.filter.cloud_init_user_data import cloud_init_user_data
from ansible_collections.netpath.mtu.plugins.module_utils import cloud_init as c

SCRIPT = b"#!/bin/sh\necho joined\n"


def test_user_data_alone_and_joined():
    text = cloud_init_user_data(["mss_clamp"], docker_mtu=1450)
    assert text == c.render(["mss_clamp"], {"docker_mtu": 1450})
    joined = cloud_init_user_data(["mss_clamp"], merge_with_b64=base64.b64encode(SCRIPT).decode(),
                                  merge_with_name="/srv/asg.sh")
    assert joined == c.render(["mss_clamp"], {}, SCRIPT, "/srv/asg.sh")
    assert cloud_init_user_data(["mss_clamp"], merge_with=SCRIPT.decode(), merge_with_name="/srv/asg.sh") == joined
    assert cloud_init_user_data("mss_clamp") == cloud_init_user_data(["mss_clamp"])


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"merge_with": "x", "merge_with_b64": "eA=="}, "give merge_with or merge_with_b64, not both"),
    ({"merge_with_b64": "not base64!"}, "merge_with_b64 is not base64"),
    ({"merge_with": "hello", "merge_with_name": "/tmp/notes.txt"},
     "cloud_init_user_data: /tmp/notes.txt is plain text"),
    ({"mss_clamp_mss": 100, "variable_prefix": "cloud_init_"}, "cloud_init_user_data: cloud_init_mss_clamp_mss=100 is"),
    ({"docker_mtus": 1}, "cloud_init_user_data: unknown option docker_mtus"),
])
def test_user_data_errors(kwargs, message):
    with pytest.raises(AnsibleFilterError) as exc:
        cloud_init_user_data(["mss_clamp"], **kwargs)
    assert message in str(exc.value)


def test_parts():
    text = cloud_init_user_data(["mss_clamp"], merge_with=SCRIPT.decode(), merge_with_name="asg.sh")
    assert [p["filename"] for p in cloud_init_parts(text)] == ["asg.sh", "netpath-mtu.cfg"]
    with pytest.raises(AnsibleFilterError, match="cloud_init_parts: expected a user_data"):
        cloud_init_parts(["x"])
    with pytest.raises(AnsibleFilterError, match="cloud_init_parts: out is plain text"):
        cloud_init_parts("hello", "out")
