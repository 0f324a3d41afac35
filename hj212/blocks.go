package hj212

import "math/bits"

// On amd64 with AVX2, the data segment is looked at 64 bytes at a time:
// scanBlocks (blocks_amd64.s) gives, per 64-byte block, one bit per byte
// for the '=' bytes, the pair ends (',' and ';'), the item ends (';')
// and the bytes that need a closer look (control bytes, spaces, 0x7F
// and above), and XOR-folds the words for the checksum. Frame.Parse
// runs it once over the whole data segment of a plaintext packet;
// splitHeaderBlocks and pairsFromMasks then turn once per field or
// pair, as splitHeader and splitPairs do, but read 8 times fewer masks
// (splitPairsBlocks does the same for a CP content on its own, e.g. a
// decrypted one). Elsewhere the 8-byte words do it all; FuzzFrame and
// property tests hold the two paths equal.

// blockMask is what scanBlocks finds in one 64-byte block, bit i for
// byte i.
type blockMask struct{ eq, sep, semi, odd uint64 }

// useBlocks: splitPairs takes the 64-byte path (tests switch it off to
// compare).
var useBlocks = haveBlocks

// scanBlocksGo is scanBlocks in Go, byte by byte: the tests' oracle.
func scanBlocksGo(c []byte, m []blockMask) uint64 {
	var lanes [8]byte
	for k := range m {
		m[k] = blockMask{}
		for i, b := range c[k*64 : k*64+64] {
			bit := uint64(1) << i
			switch b {
			case '=':
				m[k].eq |= bit
			case ';':
				m[k].semi |= bit
				m[k].sep |= bit
			case ',':
				m[k].sep |= bit
			}
			if b < 0x21 || b >= 0x7F {
				m[k].odd |= bit
			}
			lanes[i&7] ^= b
		}
	}
	var acc uint64
	for i, b := range lanes {
		acc |= uint64(b) << (8 * i)
	}
	return acc
}

// scanMasks fills f.masks for d (bits past its end clear) and returns
// d's XOR fold (lane j holds the bytes at offsets ≡ j mod 8).
func (f *Frame) scanMasks(d []byte) uint64 {
	n := len(d) / 64
	nm := (len(d) + 63) / 64
	if cap(f.masks) < nm {
		f.masks = make([]blockMask, nm, nm+nm/2)
	}
	masks := f.masks[:nm]
	var acc uint64
	if n > 0 {
		acc = scanBlocks(&d[0], n, &masks[0])
	}
	if r := len(d) - n*64; r > 0 {
		var t [64]byte // zero bytes: neither separators nor in the fold
		copy(t[:], d[n*64:])
		acc ^= scanBlocks(&t[0], 1, &masks[n])
		keep := uint64(1)<<r - 1
		m := &masks[n]
		m.eq, m.sep, m.semi, m.odd = m.eq&keep, m.sep&keep, m.semi&keep, m.odd&keep
	}
	f.masks = masks
	return acc
}

// classifyOdd adds the odd bytes of d (f.masks describes d; off is d's
// offset in the data segment) to the scan sc.
func (f *Frame) classifyOdd(d []byte, sc *byteScan, off int) {
	for k, m := range f.masks {
		for odd := m.odd; odd != 0; odd &= odd - 1 {
			i := k*64 + bits.TrailingZeros64(odd)
			sc.classify(d[i:i+1], off+i)
		}
	}
}

// splitPairsBlocks is splitPairs (after its '&' check) 64 bytes at a
// time; c is not empty.
func (f *Frame) splitPairsBlocks(c []byte, at int, sc *byteScan, contentAt int) {
	acc := f.scanMasks(c)
	f.classifyOdd(c, sc, contentAt)
	f.pairsFromMasks(c, 0, len(c), at)
	sc.acc ^= bits.RotateLeft64(acc, 8*(contentAt&7))
}

// pairsFromMasks records the pairs of the CP content d[lo:hi] (at offset
// at of Raw), f.masks describing d.
func (f *Frame) pairsFromMasks(d []byte, lo, hi, at int) {
	c := d[lo:hi]
	at -= lo // positions below are d's
	var item int32
	start, eq := lo, -1
	cp := f.CP
	masks := f.masks[lo/64 : (hi+63)/64]
	for k, m := range masks {
		base := (lo/64 + k) * 64
		eqm, bm := m.eq, m.sep
		if base < lo { // the first block: nothing before the content
			below := ^(uint64(1)<<(lo-base) - 1)
			eqm, bm = eqm&below, bm&below
		}
		if base+64 > hi { // the last block: nothing after it
			keep := uint64(1)<<(hi-base) - 1
			eqm, bm = eqm&keep, bm&keep
		}
		for bm != 0 {
			low := bm & -bm
			j := base + bits.TrailingZeros64(low)
			if eq < 0 {
				if below := eqm & (low - 1); below != 0 {
					eq = base + bits.TrailingZeros64(below)
				}
			}
			if eq >= 0 {
				// The common case, kept inline: key=value.
				cp = append(cp, RawPair{Item: item, At: int32(at + start), Eq: int32(at + eq), End: int32(at + j)})
			} else {
				f.CP = cp
				f.endPair(c, at+lo, start-lo, -1, j-lo, item)
				cp = f.CP
			}
			eqm &^= low<<1 - 1 // the '='s up to here are done
			start, eq = j+1, -1
			if m.semi&low != 0 {
				item++
			}
			bm &= bm - 1
		}
		if eq < 0 && eqm != 0 {
			eq = base + bits.TrailingZeros64(eqm)
		}
	}
	f.CP = cp
	if eq >= 0 {
		eq -= lo
	}
	f.endPair(c, at+lo, start-lo, eq, hi-lo, item)
}

// splitHeaderBlocks is splitHeader with f.masks describing f.Data.
func (f *Frame) splitHeaderBlocks() int {
	d := f.Data
	if hasCPAt(d, 0) {
		return 0
	}
	start, eq := 0, -1
	for k, m := range f.masks {
		base := k * 64
		eqm, bm := m.eq, m.semi
		for bm != 0 {
			low := bm & -bm
			j := base + bits.TrailingZeros64(low)
			if eq < 0 {
				if below := eqm & (low - 1); below != 0 {
					eq = base + bits.TrailingZeros64(below)
				}
			}
			f.headerField(start, eq, j)
			eqm &^= low<<1 - 1
			start, eq = j+1, -1
			if hasCPAt(d, start) {
				return start
			}
			bm &= bm - 1
		}
		if eq < 0 && eqm != 0 {
			eq = base + bits.TrailingZeros64(eqm)
		}
	}
	if start < len(d) {
		f.headerField(start, eq, len(d))
	}
	return -1
}
