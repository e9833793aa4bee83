"""Clones, fetches and pushes with dulwich and libgit2 (pygit2), the way
test/integration/expiry-warnings.test.ts asks: prints one JSON object with
what each client did and the progress text the server sent it.

usage: git-clients.py <client> <clone|push> <url> <username> <token> <dir>
"""
import io
import json
import os
import sys
import time

client, action, url, username, token, target = sys.argv[1:7]
result = {"ok": False, "progress": ""}


def dulwich_run():
    from dulwich import porcelain
    from dulwich.repo import Repo

    err = io.BytesIO()
    if action == "clone":
        porcelain.clone(url, target, bare=False, errstream=err, username=username, password=token)
    else:
        repo = Repo(target)
        name = os.path.join(target, "dulwich-%d.txt" % time.time_ns())
        with open(name, "w") as f:
            f.write("from dulwich\n")
        porcelain.add(repo, [name])
        porcelain.commit(repo, message=b"dulwich change", author=b"D <d@example.com>", committer=b"D <d@example.com>")
        porcelain.push(repo, url, b"HEAD:refs/heads/main", errstream=err, outstream=io.BytesIO(), username=username, password=token)
    result["progress"] = err.getvalue().decode("utf-8", "replace")
    result["ok"] = True


def pygit2_run():
    import pygit2

    progress = []

    class Callbacks(pygit2.RemoteCallbacks):
        def __init__(self):
            super().__init__(credentials=pygit2.UserPass(username, token))
            self.rejected = []

        def sideband_progress(self, text):
            progress.append(text)

        def push_update_reference(self, refname, message):
            if message:
                self.rejected.append((refname, message))

    callbacks = Callbacks()
    if action == "clone":
        pygit2.clone_repository(url, target, callbacks=callbacks)
    else:
        repo = pygit2.Repository(target)
        sig = pygit2.Signature("P", "p@example.com")
        blob = repo.create_blob(b"from pygit2\n")
        builder = repo.TreeBuilder(repo.head.peel().tree)
        builder.insert("pygit2-%d.txt" % time.time_ns(), blob, pygit2.GIT_FILEMODE_BLOB)
        commit = repo.create_commit("HEAD", sig, sig, "pygit2 change", builder.write(), [repo.head.target])
        remote = repo.remotes["origin"]
        remote.push(["HEAD:refs/heads/main"], callbacks=callbacks)
        if callbacks.rejected:
            raise RuntimeError("rejected: %r" % callbacks.rejected)
    result["progress"] = "".join(progress)
    result["ok"] = True


try:
    {"dulwich": dulwich_run, "pygit2": pygit2_run}[client]()
except Exception as e:  # the test reads the failure from the JSON
    result["error"] = "%s: %s" % (type(e).__name__, e)
print(json.dumps(result))
