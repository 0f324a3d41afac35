package hj212

import "testing"

func BenchmarkZZFrameOnly(b *testing.B) {
	var pk [][]byte
	for _, p := range benchPackets(b) {
		if Parse(p, Options{}).Verdict == Valid {
			pk = append(pk, append(p, '\r', '\n'))
		}
	}
	var f Frame
	for b.Loop() {
		for _, p := range pk {
			f.Parse(p, Options{})
		}
	}
}
