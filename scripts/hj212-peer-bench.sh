#!/usr/bin/env bash
# Side-by-side benchmark of our HJ 212 parser (hj212/) against the Go peer
# flash520/hj212, on the same packets, in the same process and the same
# loop, so that the ratios hold whatever else runs on the machine. Run by
# hand (not in CI):
#
#   scripts/hj212-peer-bench.sh [PEER_SOURCE]
#
# PEER_SOURCE is a git repository of flash520/hj212: a URL (default
# https://github.com/flash520/hj212.git) or a local git directory (a clone
# or a bare mirror). The peer is checked out at PEER_COMMIT into a fresh
# temporary directory OUTSIDE this repository, with a go.mod of its own,
# and a benchmark module there imports both parsers (ours through a
# replace directive pointing at this work tree). Nothing of the peer's
# code enters the repository. Needs git, go and the Go module proxy (the
# peer needs github.com/sirupsen/logrus).
#
# What is compared, per packet (the peer's steps are those of its
# ProtocolCodec.readFromBuff):
#   full:  peer = length field, CRC (protocol.CRCCheckout), header and CP
#          decode (Message.Decode, values as float64);
#          ours = hj212.Parse (framing, length, CRC, split, every header
#          field and CP pair, exact values, DataTime, findings).
#   frame: peer = length field, CRC, header decode (Header.Decode);
#          ours = Frame.Parse (framing, length, CRC, split into every
#          header field and CP pair).
# The packets are the samples of hj212/testdata/hj212_samples.txt that
# the peer decodes without error or panic (its only CP decoder is
# registered for every ST they use) and that we judge valid; the peer
# fails on the others (see docs/hj212.md).
#
# Time is the CPU time of the benchmark's thread (CLOCK_THREAD_CPUTIME_ID,
# Linux), so that waiting for other processes on a shared machine does
# not count; the wall-clock ratios are printed beside. Garbage is
# collected between the timed segments, not inside them, for both.
#
# Environment: PEER_COMMIT (default the commit measured in docs/hj212.md),
# COUNT (default 6), BENCHTIME (rounds of the side-by-side benchmark,
# default 60x), KEEP=1 keeps the temporary directory.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
src=${1:-https://github.com/flash520/hj212.git}
commit=${PEER_COMMIT:-a6c72ae}
count=${COUNT:-6}
benchtime=${BENCHTIME:-60x}

work=$(mktemp -d "${TMPDIR:-/tmp}/hj212-peer.XXXXXX")
case "$work" in "$root"/*) echo "temporary directory inside the repository" >&2; exit 2 ;; esac
if [ "${KEEP:-}" != 1 ]; then trap 'rm -rf "$work"' EXIT; fi

if [ -d "$src" ]; then
	gitdir=$src
	[ -d "$src/.git" ] && gitdir=$src/.git
else
	git clone --quiet --bare "$src" "$work/peer.git"
	gitdir=$work/peer.git
fi
mkdir -p "$work/peer" "$work/bench"
git --git-dir="$gitdir" archive "$commit" protocol consts errors | tar -x -C "$work/peer"
echo "peer: flash520/hj212 at $(git --git-dir="$gitdir" rev-parse "$commit")"

cat >"$work/peer/go.mod" <<'MOD'
module github.com/flash520/hj212

go 1.20

require github.com/sirupsen/logrus v1.9.3
MOD

cat >"$work/bench/go.mod" <<MOD
module peerbench

go 1.26

require (
	github.com/ecotax/ecotax v0.0.0
	github.com/flash520/hj212 v0.0.0
)

replace github.com/ecotax/ecotax => $root

replace github.com/flash520/hj212 => $work/peer
MOD

cat >"$work/bench/bench_test.go" <<'GO'
package peerbench

import (
	"io"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/ecotax/ecotax/hj212"
	"github.com/flash520/hj212/protocol"
	"github.com/sirupsen/logrus"
)

// peerFrame is the peer's readFromBuff without the CP decode.
func peerFrame(raw []byte) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	n, err := strconv.Atoi(string(raw[2:6]))
	if err != nil || len(raw) < n+12 || string(raw[n+10:n+12]) != "\r\n" {
		return false
	}
	crc, err := strconv.ParseUint(string(raw[n+6:n+10]), 16, 16)
	if err != nil || uint16(crc) != protocol.CRCCheckout(string(raw[6:n+6])) {
		return false
	}
	s := string(raw[:n+12])
	h := protocol.Header{Packet: &protocol.Packet{}}
	return h.Decode(s[6:strings.Index(s, "CP")]) == nil
}

// peerFull is the peer's readFromBuff: checks, CRC and Message.Decode.
func peerFull(raw []byte) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	n, err := strconv.Atoi(string(raw[2:6]))
	if err != nil || len(raw) < n+12 || string(raw[n+10:n+12]) != "\r\n" {
		return false
	}
	crc, err := strconv.ParseUint(string(raw[n+6:n+10]), 16, 16)
	if err != nil || uint16(crc) != protocol.CRCCheckout(string(raw[6:n+6])) {
		return false
	}
	m := protocol.Message{Header: protocol.Header{Packet: &protocol.Packet{}}}
	return m.Decode(raw[:n+12]) == nil
}

func packets(b *testing.B) [][]byte {
	logrus.SetOutput(io.Discard)
	logrus.SetLevel(logrus.PanicLevel)
	text, err := os.ReadFile(os.Getenv("SAMPLES"))
	if err != nil {
		b.Fatal(err)
	}
	var out [][]byte
	for _, l := range strings.Split(string(text), "\n") {
		if !strings.HasPrefix(l, "##") {
			continue
		}
		raw := []byte(l + "\r\n")
		if st := hj212.Parse(raw, hj212.Options{}).ST; st != "" {
			if n, err := strconv.Atoi(st); err == nil {
				protocol.RegisterEntity(uint16(n), new(protocol.MonitorAtmospheric))
			}
		}
		if hj212.Parse(raw, hj212.Options{}).Verdict == hj212.Valid && peerFull(raw) && peerFrame(raw) {
			out = append(out, raw)
		}
	}
	return out
}

var sink int

// threadCPU is the CPU time of the calling OS thread: unlike the wall
// clock it does not count the time the thread waits while other
// processes run, which on a shared machine is most of the noise.
func threadCPU() time.Duration {
	var ts syscall.Timespec
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, 3 /* CLOCK_THREAD_CPUTIME_ID */, uintptr(unsafe.Pointer(&ts)), 0)
	return time.Duration(ts.Nano())
}

// A round times each of the four contestants over reps passes of the
// packets, in an order that alternates from round to round, with a
// garbage collection (not timed) before each, so that one parser's
// garbage is not collected on the other's time. Each segment is timed
// by the CPU time of its thread (the goroutine is locked to it) and by
// the wall clock. The per-round ratios are summarised by their median
// and quartiles.
func BenchmarkSideBySide(b *testing.B) {
	pkts := packets(b)
	size := 0
	for _, p := range pkts {
		size += len(p)
	}
	const reps = 40
	var f hj212.Frame
	run := []func(){
		func() {
			for _, p := range pkts {
				if peerFull(p) {
					sink++
				}
			}
		},
		func() {
			for _, p := range pkts {
				sink += len(hj212.Parse(p, hj212.Options{}).CP)
			}
		},
		func() {
			for _, p := range pkts {
				if peerFrame(p) {
					sink++
				}
			}
		},
		func() {
			for _, p := range pkts {
				f.Parse(p, hj212.Options{})
				sink += len(f.CP)
			}
		},
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var total [4]time.Duration
	var full, frame, fullWall, frameWall []float64
	round := 0
	for b.Loop() {
		var d, w [4]time.Duration
		order := [4]int{0, 1, 2, 3}
		if round%2 == 1 {
			order = [4]int{1, 0, 3, 2}
		}
		round++
		for _, k := range order {
			runtime.GC()
			t, c := time.Now(), threadCPU()
			for range reps {
				run[k]()
			}
			d[k], w[k] = threadCPU()-c, time.Since(t)
			total[k] += d[k]
		}
		full = append(full, float64(d[0])/float64(d[1]))
		frame = append(frame, float64(d[2])/float64(d[3]))
		fullWall = append(fullWall, float64(w[0])/float64(w[1]))
		frameWall = append(frameWall, float64(w[2])/float64(w[3]))
	}
	n := float64(round * reps * len(pkts))
	q := func(xs []float64, at float64) float64 {
		s := append([]float64(nil), xs...)
		sort.Float64s(s)
		return s[int(at*float64(len(s)-1))]
	}
	b.ReportMetric(float64(len(pkts)), "packets")
	b.ReportMetric(float64(size)/float64(len(pkts)), "bytes/pkt")
	b.ReportMetric(float64(total[0].Nanoseconds())/n, "peer-full-cpu-ns/pkt")
	b.ReportMetric(float64(total[1].Nanoseconds())/n, "ours-full-cpu-ns/pkt")
	b.ReportMetric(float64(total[2].Nanoseconds())/n, "peer-frame-cpu-ns/pkt")
	b.ReportMetric(float64(total[3].Nanoseconds())/n, "ours-frame-cpu-ns/pkt")
	b.ReportMetric(q(fullWall, 0.5), "full-ratio-wall-median")
	b.ReportMetric(q(frameWall, 0.5), "frame-ratio-wall-median")
	b.ReportMetric(q(full, 0.25), "full-ratio-q1")
	b.ReportMetric(q(full, 0.5), "full-ratio-median")
	b.ReportMetric(q(full, 0.75), "full-ratio-q3")
	b.ReportMetric(q(frame, 0.25), "frame-ratio-q1")
	b.ReportMetric(q(frame, 0.5), "frame-ratio-median")
	b.ReportMetric(q(frame, 0.75), "frame-ratio-q3")
}

// Allocations per packet, each parser alone.
func BenchmarkPeerFull(b *testing.B) {
	pkts := packets(b)
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range pkts {
			peerFull(p)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(pkts)), "ns/pkt")
}

func BenchmarkOursFull(b *testing.B) {
	pkts := packets(b)
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range pkts {
			hj212.Parse(p, hj212.Options{})
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(pkts)), "ns/pkt")
}
GO

cd "$work/bench"
export GOFLAGS=-mod=mod
go mod tidy >/dev/null 2>&1 || go mod tidy
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
SAMPLES="$root/hj212/testdata/hj212_samples.txt" go test -run XXX -bench SideBySide -count "$count" -benchtime "$benchtime" . |
	sed 's/  */ /g'
echo "load average between: $(cut -d' ' -f1-3 /proc/loadavg)"
# Each parser alone, for allocations per packet.
SAMPLES="$root/hj212/testdata/hj212_samples.txt" go test -run XXX -bench 'PeerFull|OursFull' -benchmem -count 3 -benchtime 2000x . |
	sed 's/  */ /g' | grep Benchmark
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
