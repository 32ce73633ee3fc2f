#!/usr/bin/env python3
"""Per-host politeness of one crawl, read from the farm's nginx access log (see farm.py's
LOG_FORMAT and run.sh).

Request start: nginx writes a line when a response ends, so each request's start is taken as
`$msec - $request_time` (the instant nginx read its first byte; both fields come from the same
millisecond clock, so the start is exact to the millisecond). A slow response followed by a
short one would otherwise look like a short gap.

Per host (one server address), every request counts, robots.txt included: it is a request the
host sees. With the starts sorted:

- a gap violation is a gap between consecutive starts shorter than INTERVAL - TOLERANCE. The
  tolerance (1 ms by default) is the log's clock granularity: it forgives rounding, not haste;
- the host's ideal span is (requests - 1) x INTERVAL, its actual span last start - first start;
- efficiency is pooled over the hosts of a class: the sum of their ideal spans divided by the
  sum of their actual spans. 1.0 means every request started the moment the gap allowed; 0.5
  means the hosts saw requests at half the rate they allow. The worst single host is printed too.

Hosts are grouped by the class `hosts.tsv` gives them (`fast`, or `slow` for the rate-limited
servers of the slow scenario), so slow servers do not hide or excuse the fast ones.

    gaps.py --log access.log --hosts hosts.tsv --interval 1.0 --label nianbao [--header]
"""
import argparse
import collections
import sys


def starts_by_host(path):
    """Request start times (seconds) per server address, each list sorted."""
    starts = collections.defaultdict(list)
    with open(path, encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, 1):
            fields = line.split(" ", 3)
            if len(fields) < 4:
                sys.exit(f"{path}:{n}: not a farm log line: {line.rstrip()!r}")
            try:
                end, took = float(fields[0]), float(fields[1])
            except ValueError:
                sys.exit(f"{path}:{n}: $msec or $request_time is not a number: {line.rstrip()!r}")
            starts[fields[2]].append(end - took)
    for times in starts.values():
        times.sort()
    return starts


def classes_of(path):
    with open(path, encoding="utf-8") as f:
        return dict(line.rstrip("\n").split("\t") for line in f if line.strip())


def analyse(times, interval, tolerance):
    """(requests, violations, shortest gap, ideal span, actual span) of one host."""
    gaps = [b - a for a, b in zip(times, times[1:])]
    violations = sum(1 for g in gaps if g < interval - tolerance)
    return len(times), violations, min(gaps, default=None), (len(times) - 1) * interval, times[-1] - times[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--log", required=True)
    ap.add_argument("--hosts", required=True, help="hosts.tsv written by farm.py")
    ap.add_argument("--interval", type=float, required=True, help="the configured gap, seconds")
    ap.add_argument("--tolerance", type=float, default=0.001, help="seconds (default 1 ms)")
    ap.add_argument("--label", required=True)
    ap.add_argument("--header", action="store_true")
    a = ap.parse_args()
    classes = classes_of(a.hosts)
    starts = starts_by_host(a.log)
    unknown = sorted(set(starts) - set(classes))
    if unknown:
        sys.exit(f"{a.log}: requests on addresses not in {a.hosts}: {', '.join(unknown[:5])}")
    if a.header:
        print(f"{'crawler':<16} {'hosts':>5} {'class':>5} {'requests':>8} {'violations':>10} "
              f"{'hosts_viol':>10} {'min_gap_s':>9} {'efficiency':>10} {'worst_host':>10}")
    for cls in sorted(set(classes.values())):
        rows = [analyse(starts.get(addr, []), a.interval, a.tolerance)
                for addr, c in classes.items() if c == cls and len(starts.get(addr, [])) > 0]
        missing = sum(1 for addr, c in classes.items() if c == cls and not starts.get(addr))
        requests = sum(r[0] for r in rows)
        violations = sum(r[1] for r in rows)
        hosts_viol = sum(1 for r in rows if r[1])
        gaps = [r[2] for r in rows if r[2] is not None]
        ideal = sum(r[3] for r in rows)
        actual = sum(r[4] for r in rows)
        per_host = [r[3] / r[4] for r in rows if r[4] > 0]
        eff = f"{ideal / actual:.3f}" if actual > 0 else "-"
        worst = f"{min(per_host):.3f}" if per_host else "-"
        min_gap = f"{min(gaps):.3f}" if gaps else "-"
        note = f"   ({missing} hosts saw no request)" if missing else ""
        print(f"{a.label:<16} {len(rows):>5} {cls:>5} {requests:>8} {violations:>10} "
              f"{hosts_viol:>10} {min_gap:>9} {eff:>10} {worst:>10}{note}")


if __name__ == "__main__":
    main()
