#!/usr/bin/env python3
"""Compare the shape of two `inspect` outputs (Docker's and berth's) key by key.

Usage: inspect_diff.py DOCKER.json BERTH.json [--values PATH ...] [--ignore PATH ...]

Reports every difference in key sets, key order, and JSON type (null, list, object, string,
number, bool) -- values are not compared, except at the paths given with --values (dotted, e.g.
HostConfig.Binds). Lists of objects are matched by their Destination/Target/Name member when
they have one (Docker's Mounts order is its map order), else by position. --ignore PATH skips a
subtree (e.g. GraphDriver.Data: storage details differ by design). Prints nothing and exits 0
when the shapes agree; one line per difference and exit 1 otherwise.
"""
import json
import sys


def kind(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "list"
    return "object"


def key_of(item):
    if isinstance(item, dict):
        for k in ("Destination", "Target", "Name"):
            if isinstance(item.get(k), str):
                return item[k]
    return None


def compare(d, b, path, out, values, ignore):
    if path in ignore:
        return
    if kind(d) != kind(b):
        out.append("%s: docker %s, berth %s" % (path or ".", kind(d), kind(b)))
        return
    if path in values and d != b:
        out.append("%s: docker %s, berth %s" % (path, json.dumps(d), json.dumps(b)))
        return
    if isinstance(d, dict):
        dk, bk = list(d), list(b)
        for k in dk:
            if k not in b:
                out.append("%s: missing in berth" % (path + "." + k if path else k))
        for k in bk:
            if k not in d:
                out.append("%s: only in berth" % (path + "." + k if path else k))
        common_d = [k for k in dk if k in b]
        common_b = [k for k in bk if k in d]
        # struct members in Go's field order; maps (labels, ports, ...) sorted, as Go writes them
        if common_d != common_b:
            out.append("%s: key order docker %s, berth %s" % (path or ".", ",".join(common_d), ",".join(common_b)))
        for k in common_d:
            compare(d[k], b[k], path + "." + k if path else k, out, values, ignore)
    elif isinstance(d, list):
        keyed = all(key_of(x) is not None for x in d + b) and (d or b)
        if keyed:
            bd = {key_of(x): x for x in b}
            for x in d:
                k = key_of(x)
                if k not in bd:
                    out.append("%s[%s]: missing in berth" % (path, k))
                else:
                    compare(x, bd[k], "%s[%s]" % (path, k), out, values, ignore)
            dd = {key_of(x) for x in d}
            for x in b:
                if key_of(x) not in dd:
                    out.append("%s[%s]: only in berth" % (path, key_of(x)))
        else:
            if len(d) != len(b) and path in values:
                out.append("%s: docker %d items, berth %d" % (path, len(d), len(b)))
            for i, (x, y) in enumerate(zip(d, b)):
                compare(x, y, "%s[%d]" % (path, i), out, values, ignore)


def main():
    args = sys.argv[1:]
    values, ignore, files = set(), set(), []
    i = 0
    while i < len(args):
        if args[i] in ("--values", "--ignore") and i + 1 < len(args):
            (values if args[i] == "--values" else ignore).add(args[i + 1])
            i += 2
        else:
            files.append(args[i])
            i += 1
    if len(files) != 2:
        sys.exit(__doc__)
    docs = []
    for f in files:
        with open(f) as fh:
            v = json.load(fh)
        docs.append(v[0] if isinstance(v, list) and len(v) == 1 else v)
    out = []
    compare(docs[0], docs[1], "", out, values, ignore)
    for line in out:
        print(line)
    sys.exit(1 if out else 0)


main()
