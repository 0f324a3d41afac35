package hj212

import (
	"bytes"
	"testing"
	"time"
)

// The benchmarks run over the 16 sample packets (an average of 463 bytes)
// and report per packet. Ceilings measured in the same run:
//   - Scan: bytes.IndexByte over every ';' of the packet, the least any
//     splitter must do;
//   - CRC: the table-driven Annex A checksum alone over the data segment;
//     framing + CRC + split cannot beat it.
// Run: go test -run XXX -bench . -benchmem ./hj212/

func benchPackets(b *testing.B) [][]byte {
	var out [][]byte
	for _, s := range loadSamples(b, "hj212_samples.txt") {
		out = append(out, []byte(s.raw))
	}
	return out
}

func perPacket(b *testing.B, n int) {
	ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N*n)
	b.ReportMetric(ns, "ns/pkt")
	b.ReportMetric(1e9/ns, "pkt/s")
}

var sink int

func scanCeiling(pkts [][]byte) int {
	n := 0
	for _, p := range pkts {
		for {
			i := bytes.IndexByte(p, ';')
			if i < 0 {
				break
			}
			n++
			p = p[i+1:]
		}
	}
	return n
}

func crcCeiling(pkts [][]byte) int {
	n := 0
	for _, p := range pkts {
		n += int(annexA(p[6 : len(p)-4]))
	}
	return n
}

func BenchmarkCeilingScan(b *testing.B) {
	pkts := benchPackets(b)
	for b.Loop() {
		sink += scanCeiling(pkts)
	}
	perPacket(b, len(pkts))
}

func BenchmarkCeilingCRC(b *testing.B) {
	pkts := benchPackets(b)
	for b.Loop() {
		sink += crcCeiling(pkts)
	}
	perPacket(b, len(pkts))
}

func BenchmarkCRCAnnexALoop(b *testing.B) {
	pkts := benchPackets(b)
	for b.Loop() {
		for _, p := range pkts {
			sink += int(annexABitwise(p[6 : len(p)-4]))
		}
	}
	perPacket(b, len(pkts))
}

// BenchmarkFrame: framing, length, CRC (and the Modbus check where Annex A
// fails), split into pairs. No allocations.
func BenchmarkFrame(b *testing.B) {
	pkts := benchPackets(b)
	var f Frame
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range pkts {
			f.Parse(p, Options{Lenient: true})
		}
	}
	perPacket(b, len(pkts))
}

// BenchmarkPacket: everything, including strings, exact values,
// DataTime and the reason text.
func BenchmarkPacket(b *testing.B) {
	pkts := benchPackets(b)
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range pkts {
			sink += len(Parse(p, Options{Lenient: true}).CP)
		}
	}
	perPacket(b, len(pkts))
}

// BenchmarkDecimals: only the conversion of every numeric CP value of the
// samples to an exact Value (int64 coefficient and exponent; about 17 per
// packet), reported per packet.
func BenchmarkDecimals(b *testing.B) {
	var vals []string
	pkts := benchPackets(b)
	for _, raw := range pkts {
		for _, q := range Parse(raw, Options{Lenient: true}).CP {
			if q.IsNumber {
				vals = append(vals, q.Value)
			}
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, v := range vals {
			d, _ := parseNumber(v)
			sink += int(d.exp())
		}
	}
	perPacket(b, len(pkts))
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(vals)), "ns/value")
}

// BenchmarkRatio times the ceilings and the parser in the same loop and
// reports the parser's cost as a multiple of each ceiling, over all 16
// samples and over the 9 that are valid (real traffic is mostly valid; a
// failed Annex A check costs a second, Modbus, checksum).
func BenchmarkRatio(b *testing.B) {
	all := benchPackets(b)
	var valid [][]byte
	for _, p := range all {
		if Parse(p, Options{}).Verdict == Valid {
			valid = append(valid, p)
		}
	}
	for _, c := range []struct {
		name string
		pkts [][]byte
	}{{"all", all}, {"valid", valid}} {
		b.Run(c.name, func(b *testing.B) {
			pkts := c.pkts
			var f Frame
			var scan, crc, frame, packet time.Duration
			for b.Loop() {
				t0 := time.Now()
				sink += scanCeiling(pkts)
				t1 := time.Now()
				sink += crcCeiling(pkts)
				t2 := time.Now()
				for _, p := range pkts {
					f.Parse(p, Options{Lenient: true})
				}
				t3 := time.Now()
				for _, p := range pkts {
					sink += len(Parse(p, Options{Lenient: true}).CP)
				}
				t4 := time.Now()
				scan += t1.Sub(t0)
				crc += t2.Sub(t1)
				frame += t3.Sub(t2)
				packet += t4.Sub(t3)
			}
			n := float64(b.N * len(pkts))
			b.ReportMetric(float64(crc.Nanoseconds())/n, "crc-ns/pkt")
			b.ReportMetric(float64(frame.Nanoseconds())/n, "frame-ns/pkt")
			b.ReportMetric(float64(packet.Nanoseconds())/n, "packet-ns/pkt")
			b.ReportMetric(float64(frame)/float64(crc), "frame/crc")
			b.ReportMetric(float64(frame)/float64(scan), "frame/scan")
			b.ReportMetric(float64(packet)/float64(frame), "packet/frame")
		})
	}
}
