#!/usr/bin/env python3
"""check_figures.py - what a figure written by `ihgtui --figures` must hold.

  check_figures.py svg FILE [N ...] [bars B ...]
                                      valid XML; for each N one open stroked
                                      path of exactly N points in its own
                                      colour (a plotted series), out of <defs>;
                                      for each B one with B horizontal steps
                                      (the tops of a histogram of B bins)
  check_figures.py png FILE W H       a PNG of W x H pixels (its IHDR)
  check_figures.py pdf FILE           a PDF (header and trailer)
  check_figures.py run DIR JSONL W H  the figures of one `--batch --compare
                                      --figures DIR` run against its JSON
                                      Lines: which files, which series, sizes

Exits 0 when the file holds what is asked, 1 with the reason otherwise.
"""
import json
import math
import os
import re
import struct
import sys
import xml.etree.ElementTree as ET

SVG = '{http://www.w3.org/2000/svg}'


def fail(msg):
    print('check_figures: ' + msg)
    sys.exit(1)


def stroke_colour(style):
    m = re.search(r'stroke:(rgb\([^)]*\))', style or '')
    return m.group(1) if m else None


def grey(colour):
    """black, white and greys are the axes and the grid, not series"""
    vals = [float(v.strip().rstrip('%')) for v in colour[4:-1].split(',')]
    return max(vals) - min(vals) < 1.0


def segments(d):
    """the end points of the path d, first the M point"""
    toks = re.findall(r'[MLCZ]|-?[0-9.]+(?:e-?[0-9]+)?', d)
    pts, i, cmd = [], 0, None
    while i < len(toks):
        t = toks[i]
        if t in 'MLCZ':
            cmd = t
            i += 1
            continue
        n = 6 if cmd == 'C' else 2
        vals = [float(v) for v in toks[i:i + n]]
        pts.append((vals[-2], vals[-1]))
        i += n
    return pts


def series_paths(path):
    """(colour, points, horizontal steps) of every open stroked path with
    one move, out of <defs>"""
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        fail('%s: not valid XML: %s' % (path, e))
    if root.tag != SVG + 'svg':
        fail('%s: the root is %s, not svg' % (path, root.tag))
    defs = set()
    for d in root.iter(SVG + 'defs'):
        defs.update(id(e) for e in d.iter())
    found = []
    for p in root.iter(SVG + 'path'):
        if id(p) in defs:
            continue
        style = p.get('style', '')
        colour = stroke_colour(style)
        if not colour or 'fill:none' not in style.replace(' ', '') or grey(colour):
            continue
        d = p.get('d', '')
        if d.count('M') != 1 or 'Z' in d:
            continue  # grids, closed marks
        # a series path: each point after the first is one L or one C
        # (plot.c writes straight cubics, which cairo does not merge)
        pts = segments(d)
        flat = sum(1 for a, b in zip(pts, pts[1:]) if a[1] == b[1] and a[0] != b[0])
        found.append((colour, len(pts), flat))
    return found


def check_svg(path, args):
    found = series_paths(path)
    used = set()
    bars = False
    for a in args:
        if a == 'bars':
            bars = True
            continue
        n = int(a)
        match = [c for c, k, flat in found
                 if (flat if bars else k) == n and c not in used]
        if not match:
            fail('%s: no series path of %d %s in a colour of its own '
                 '(colour, points, steps: %s)'
                 % (path, n, 'steps' if bars else 'points', sorted(found)))
        used.add(match[0])


def check_png(path, w, h):
    with open(path, 'rb') as f:
        head = f.read(33)
    if head[:8] != b'\x89PNG\r\n\x1a\n' or head[12:16] != b'IHDR':
        fail('%s: not a PNG' % path)
    pw, ph = struct.unpack('>II', head[16:24])
    if (pw, ph) != (w, h):
        fail('%s: %dx%d pixels, not %dx%d' % (path, pw, ph, w, h))


def check_pdf(path):
    with open(path, 'rb') as f:
        data = f.read()
    if not data.startswith(b'%PDF-') or b'%%EOF' not in data[-64:]:
        fail('%s: not a complete PDF' % path)


def bins(n):
    """the bins of a histogram of n values (figures.c: ceil(2 sqrt n), 8..60)"""
    return min(60, max(8, math.ceil(2 * math.sqrt(n))))


def finite_list(v):
    return isinstance(v, list) and len(v) > 1 and all(
        isinstance(x, (int, float)) and math.isfinite(x) for x in v)


def check_run(d, jsonl, w, h):
    lines = [json.loads(l) for l in open(jsonl)]
    if not lines:
        fail('%s: no records' % jsonl)
    last = lines[-1]
    n = len(lines)
    want = {'losses', 'lambda'}
    series = {'losses': [n, n] + ([n] if last.get('test_loss') is not None else [])}
    if last.get('train_acc') is not None:
        want.add('accuracy')
        series['accuracy'] = [n, n] + ([n] if last.get('test_acc') is not None else [])
    cmp = last.get('compare')
    if cmp:
        counts = []
        for name, m in cmp.items():
            if not isinstance(m, dict) or 'rel_err' not in m:
                continue
            if finite_list(m['rel_err']):
                counts.append(len(m['rel_err']))
            elif isinstance(m['rel_err'], (int, float)):
                counts.append(2)  # one value drawn across the chart
            want.add('hypergrad_error')
        series['hypergrad_error'] = counts
        ev = cmp.get('eigenvalues')
        if cmp.get('eig_max') is not None and cmp['eig_max'] > 0:
            want.add('spectrum')
            if ev:
                big = max(abs(x) for x in ev)
                npos = sum(1 for x in ev if x > 1e-10 * big)
                series['spectrum'] = ['bars', bins(npos)]
    layout = last.get('hyper_layout')
    if layout:
        hn = sum(s['count'] for s in layout)
        binned = sum(s['count'] for s in layout if s['count'] > 3 or len(layout) == 1)
        if hn > 6 and binned:
            series['lambda'] = ['bars', bins(binned), bins(binned)]
    files = set(os.listdir(d))
    for name in sorted(want):
        for ext in ('svg', 'pdf', 'png'):
            if '%s.%s' % (name, ext) not in files:
                fail('%s: %s.%s missing (files: %s)' % (d, name, ext, sorted(files)))
        check_svg(os.path.join(d, name + '.svg'), [str(x) for x in series.get(name, [])])
        check_pdf(os.path.join(d, name + '.pdf'))
        check_png(os.path.join(d, name + '.png'), w, h)
    extra = {f.split('.')[0] for f in files} - want - {'images'}
    if extra:
        fail('%s: figures that should not be there: %s' % (d, sorted(extra)))
    if 'images.png' in files:
        check_png(os.path.join(d, 'images.png'), w, h)


def main(argv):
    if len(argv) < 3:
        fail(__doc__)
    kind, path = argv[1], argv[2]
    if kind == 'svg':
        check_svg(path, argv[3:])
    elif kind == 'png':
        check_png(path, int(argv[3]), int(argv[4]))
    elif kind == 'pdf':
        check_pdf(path)
    elif kind == 'run':
        check_run(path, argv[3], int(argv[4]), int(argv[5]))
    else:
        fail('unknown check ' + kind)


if __name__ == '__main__':
    main(sys.argv)
