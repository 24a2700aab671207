#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Check the labels a flame graph carries in its file, with no script run.

  svglabels.py FILE.svg NAME...

Every frame's <text> is its name (the <title> up to " (TIME, SHARE)") when
the name fits its width at 7 pixels a character plus 6, else a prefix of
it ending in "..", and nothing when not even 3 characters fit; and each
NAME is the whole label of at least one frame.  Prints what is wrong, exits 1.
"""
import sys
import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/2000/svg}"
problems, labels = [], set()
for g in ET.parse(sys.argv[1]).getroot().iter(NS + "g"):
    if g.get("class") != "f":
        continue
    title = g.find(NS + "title").text
    name = title[:title.rindex(" (")]
    width = float(g.find(NS + "rect").get("width"))
    text = g.find(NS + "text").text or ""
    labels.add(text)
    fit = int((width - 6) / 7)
    if fit < 3:
        if text:
            problems.append(f"{name!r} ({width} px): label {text!r} in too narrow a frame")
    elif len(name) <= fit:
        if text != name:
            problems.append(f"{name!r} ({width} px): label {text!r}")
    elif not (text.endswith("..") and name.startswith(text[:-2]) and len(text) <= fit):
        problems.append(f"{name!r} ({width} px): label {text!r} is not a cut of it")
for want in sys.argv[2:]:
    if want not in labels:
        problems.append(f"no frame labelled {want!r} in the file")
if problems:
    sys.exit("\n".join(problems[:5]))
