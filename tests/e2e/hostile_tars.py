#!/usr/bin/env python3
"""Writes hostile layer tars and docker-archives wrapping them, for the load/import e2e tests.
usage: hostile_tars.py OUTDIR  -> OUTDIR/<case>.layer.tar and OUTDIR/<case>.archive.tar"""
import hashlib, io, json, os, sys, tarfile

out = sys.argv[1]
os.makedirs(out, exist_ok=True)

def member(name, data=b"", **kw):
    ti = tarfile.TarInfo(name)
    for k, v in kw.items():
        setattr(ti, k, v)
    if ti.type == tarfile.REGTYPE:
        ti.size = len(data)
    return ti, (io.BytesIO(data) if ti.type == tarfile.REGTYPE else None)

CASES = {
    "dotdot": [member("../escape-dotdot", b"x")],
    "dotdot_deep": [member("a/", type=tarfile.DIRTYPE, mode=0o755), member("a/../../escape-deep", b"x")],
    "symlink_parent": [member("link", type=tarfile.SYMTYPE, linkname="/tmp/SYMESCAPE"),
                       member("link/escape-through-symlink", b"x")],
    "symlink_rel_parent": [member("rl", type=tarfile.SYMTYPE, linkname="../../../../../../../tmp/SYMESCAPE"),
                           member("rl/escape-through-rel-symlink", b"x")],
    "hardlink_out": [member("hl", type=tarfile.LNKTYPE, linkname="../../../../../../etc/passwd")],
    "hardlink_abs": [member("hl", type=tarfile.LNKTYPE, linkname="/etc/passwd")],
}

def layer_bytes(members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        for ti, f in members:
            t.addfile(ti, f)
    return buf.getvalue()

def add(t, name, data):
    ti = tarfile.TarInfo(name)
    ti.size = len(data)
    t.addfile(ti, io.BytesIO(data))

for name, members in CASES.items():
    layer = layer_bytes(members)
    with open(os.path.join(out, name + ".layer.tar"), "wb") as f:
        f.write(layer)
    diff_id = "sha256:" + hashlib.sha256(layer).hexdigest()
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                         "rootfs": {"type": "layers", "diff_ids": [diff_id]}}).encode()
    cid = hashlib.sha256(config).hexdigest()
    with tarfile.open(os.path.join(out, name + ".archive.tar"), "w") as t:
        add(t, "layer0/layer.tar", layer)
        add(t, cid + ".json", config)
        add(t, "manifest.json", json.dumps([{"Config": cid + ".json",
            "RepoTags": ["hostile/" + name.replace("_", "-") + ":latest"],
            "Layers": ["layer0/layer.tar"]}]).encode())

# a truncated archive: a valid start cut in the middle of a layer
with open(os.path.join(out, "dotdot.archive.tar"), "rb") as f:
    data = f.read()
with open(os.path.join(out, "truncated.archive.tar"), "wb") as f:
    f.write(data[: len(data) // 2 + 100])
