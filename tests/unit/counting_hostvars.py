"""hostvars that count the reads of each host's variables, for the filters that must read each
host once (Ansible computes a host's variables anew at each read)."""


class CountingHostvars(dict):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reads = {}

    def get(self, key, default=None):
        self.reads[key] = self.reads.get(key, 0) + 1
        return super().get(key, default)
