#!/usr/bin/env python3
"""Reads WARC files with warcio and prints, for every response record, its target URI and the
sha256 of its payload after warcio has undone transfer and content encoding, tab-separated.
The WARC tests compare these with the bodies they wrote.

Usage: warcio_verify.py FILE.warc.gz [FILE.warc.gz ...]
"""
import hashlib
import sys

from warcio.archiveiterator import ArchiveIterator


def main(paths):
    for path in paths:
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type != "response":
                    continue
                url = record.rec_headers.get_header("WARC-Target-URI")
                payload = record.content_stream().read()
                print("%s\t%s" % (url, hashlib.sha256(payload).hexdigest()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
