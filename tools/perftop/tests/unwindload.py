# SPDX-License-Identifier: GPL-2.0-only
# A workload for the unwind test: stock python3.11 and its C modules (lzma,
# hashlib: liblzma and libcrypto), none built with frame pointers, in three
# threads, the main one some Python calls deep.
import hashlib
import lzma
import threading


def squeeze():
    data = bytes(range(256)) * 400
    while True:
        lzma.compress(data)


def hash_at(depth):
    if depth == 0:
        while True:
            hashlib.sha256(b"y" * 10000000).hexdigest()
    return hash_at(depth - 1)


for _ in range(2):
    threading.Thread(target=squeeze, daemon=True).start()
hash_at(30)
