package hj212

import (
	"testing"

	"pgregory.net/rapid"
)

func TestChecksumVectors(t *testing.T) {
	// HJ 212-2017 Annex A's own example, and what plain Modbus gives for
	// the same bytes (hj212.md: "it gives 0759").
	data := []byte("QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&")
	if got := Checksum(data); got != "1C80" {
		t.Errorf("Annex A vector: %s, want 1C80", got)
	}
	if got := annexABitwise(data); got != 0x1C80 {
		t.Errorf("bitwise Annex A vector: %04X", got)
	}
	if m := modbusSwapped(data); m>>8|m<<8 != 0x0759 {
		t.Errorf("plain Modbus of the vector: %04X, want 0759", m>>8|m<<8)
	}
	if Checksum(nil) != "FFFF" {
		t.Errorf("empty data: %s", Checksum(nil))
	}
}

func TestChecksumSlicingMatchesAnnexA(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		b := rapid.SliceOf(rapid.Byte()).Draw(t, "data")
		if f, s := annexA(b), annexABitwise(b); f != s {
			t.Fatalf("fold %04X, Annex A loop %04X", f, s)
		}
		// The fold inside the byte scan of Frame.Parse.
		if sc, s := scanData(b), annexABitwise(b); sc.crc != s {
			t.Fatalf("scan fold %04X, Annex A loop %04X", sc.crc, s)
		}
	})
	for n := range 100 {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i*37 + n)
		}
		if a, sc, s := annexA(b), scanData(b), annexABitwise(b); a != s || sc.crc != s {
			t.Fatalf("length %d: fold %04X, scan %04X, loop %04X", n, a, sc.crc, s)
		}
	}
}

// TH, the carried byte's map, has order 8: the fold of annexA rests on it.
func TestCarriedByteOrder(t *testing.T) {
	for x := range 256 {
		y := byte(x)
		for range 8 {
			y = byte(crcTable[y] >> 8)
		}
		if y != byte(x) {
			t.Fatalf("TH^8(%02X) = %02X", x, y)
		}
	}
}

func TestModbusTableMatchesBitwise(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		b := rapid.SliceOf(rapid.Byte()).Draw(t, "data")
		reg := uint16(0xFFFF)
		for _, c := range b {
			reg ^= uint16(c)
			for range 8 {
				lsb := reg & 1
				reg >>= 1
				if lsb != 0 {
					reg ^= 0xA001
				}
			}
		}
		if got := modbusSwapped(b); got != reg<<8|reg>>8 {
			t.Fatalf("table %04X, bitwise swapped %04X", got, reg<<8|reg>>8)
		}
	})
}

// The byte carried from step to step is the high byte of the table entry.
// That it is a permutation is why a single changed byte always changes
// the Annex A checksum (and why the check has only 256 outcomes).
func TestCarriedByteIsPermutation(t *testing.T) {
	var seen [256]bool
	for i := range 256 {
		seen[crcTable[i]>>8] = true
	}
	for i, ok := range seen {
		if !ok {
			t.Fatalf("high byte %02X never occurs", i)
		}
	}
	outcomes := map[uint16]bool{}
	for i := range 4096 {
		outcomes[annexA([]byte{byte(i), byte(i >> 8), 'x'})] = true
	}
	if len(outcomes) > 256 {
		t.Errorf("Annex A gave %d distinct checksums; the analysis says at most 256", len(outcomes))
	}
}

func TestParseHex4(t *testing.T) {
	for s, want := range map[string]uint16{"1C80": 0x1C80, "7d00": 0x7D00, "fFfF": 0xFFFF, "0000": 0} {
		if v, ok := parseHex4([]byte(s)); !ok || v != want {
			t.Errorf("%s: %04X %v", s, v, ok)
		}
	}
	for _, s := range []string{"", "1C8", "1C80A", "1G80", " 1C8", "+1C8"} {
		if _, ok := parseHex4([]byte(s)); ok {
			t.Errorf("%q read as hex", s)
		}
	}
}
