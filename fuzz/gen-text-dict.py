#!/usr/bin/env python3
"""Writes a libFuzzer dictionary for a backend parser harness: the most
frequent words of that backend's golden outputs (keywords, options,
punctuation). Usage: gen-text-dict.py FILE... > dict"""
import collections
import re
import sys

count = collections.Counter()
for path in sys.argv[1:]:
    with open(path, encoding="utf-8", errors="replace") as f:
        for word in re.findall(r"[^\s]+", f.read()):
            if 1 <= len(word) <= 40 and not re.fullmatch(r"[0-9.:/]+", word):
                count[word] += 1
for word in ["{", "}", "\"", "'", "\\", "%", "^", "&", "#", ";", "\n",
             "0.0.0.0/0", "::/0", "255.255.255.255", "65535", "-1"]:
    count[word] += 1000
for word, _ in count.most_common(400):
    esc = word.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\x0a")
    print('"' + esc + '"')
