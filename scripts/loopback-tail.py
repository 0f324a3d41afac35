#!/usr/bin/env python3
"""What the slowest 1 % of BenchmarkLoopback's requests met, from an execution trace.

    cd api && go test -run X -bench 'Loopback/chongqing$' -benchtime 3000x -trace /tmp/t.out
    go tool trace -d=parsed /tmp/t.out > /tmp/t.txt
    python3 ../scripts/loopback-tail.py /tmp/t.txt [N]

Each request of the benchmark is a trace region ("const", "assess"); the last N
(default 3000) of each are the measured run. For each route it prints the median
and p99, the share of all requests and of the slowest 1 % whose region overlapped
a collection's mark phase, and for each of the slowest 1 %: how long goroutines
were runnable but waiting for a P, the overlap with the mark phase, with
stop-the-world pauses and with mark assists. Time the machine took from the
process is not in the trace: see -loopback.tail for that (CPU time per request).
"""
import re
import sys

TIME = re.compile(r"Time=(\d+)")


def parse(path):
    regions = {"assess": [], "const": []}
    open_regions, open_ranges, ranges = {}, {}, {}
    runnable, waits = {}, []
    for line in open(path):
        parts = line.split()
        if len(parts) < 4 or parts[3] not in ("RegionBegin", "RegionEnd", "RangeBegin", "RangeEnd", "StateTransition"):
            continue
        kind, t = parts[3], int(TIME.search(line).group(1))
        if kind.startswith("Region"):
            name = line.split('Type="')[1].split('"')[0]
            if kind == "RegionBegin":
                open_regions[name] = t
            elif name in open_regions and name in regions:
                regions[name].append((open_regions.pop(name), t))
        elif kind.startswith("Range"):
            name = line.split('Name="')[1].split('"')[0]
            if kind == "RangeBegin":
                open_ranges[name] = t
            elif name in open_ranges:
                ranges.setdefault(name, []).append((open_ranges.pop(name), t))
        elif "GoID=" in line:
            g = int(line.split("GoID=")[1].split()[0])
            if "->Runnable" in line:
                runnable[g] = t
            elif "Runnable->Running" in line and g in runnable:
                waits.append((runnable.pop(g), t))
    return regions, ranges, waits


def overlap(spans, s, e):
    return sum(max(0, min(e, b) - max(s, a)) for a, b in spans if a < e and b > s)


def main():
    regions, ranges, waits = parse(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    mark = ranges.get("GC concurrent mark phase", [])
    stw = [r for k, v in ranges.items() if k.startswith("stop-the-world") for r in v]
    assist = ranges.get("GC mark assist", [])
    for route in ("const", "assess"):
        rs = regions[route][-n:]
        if len(rs) < 100:
            print(f"{route}: {len(rs)} requests, too few")
            continue
        by = sorted(rs, key=lambda r: r[1] - r[0])
        slow = by[len(by) * 99 // 100:]
        med = by[len(by) // 2]
        in_mark = sum(1 for s, e in rs if overlap(mark, s, e) > 0)
        slow_mark = sum(1 for s, e in slow if overlap(mark, s, e) > 0)
        print(f"{route}: {len(rs)} requests, median {(med[1]-med[0])/1e3:.0f} µs, p99 {(slow[0][1]-slow[0][0])/1e3:.0f} µs; "
              f"{100*in_mark/len(rs):.0f} % of all and {100*slow_mark/len(slow):.0f} % of the slowest 1 % overlap a mark phase")
        for s, e in slow:
            print(f"  {(e-s)/1e3:7.0f} µs: waiting for a P {overlap(waits, s, e)/1e3:6.0f} µs, mark phase {overlap(mark, s, e)/1e3:6.0f} µs, "
                  f"stop-the-world {overlap(stw, s, e)/1e3:5.0f} µs, assists {overlap(assist, s, e)/1e3:5.0f} µs")


if __name__ == "__main__":
    main()
