package hj212

import "encoding/binary"

// The HJ 212 checksum (HJ 212-2017 附录 A, CRC16_Checkout) is computed over
// the data segment only. Its loop is
//
//	reg = 0xFFFF
//	for each byte b: reg = (reg >> 8) ^ b; then 8 times { lsb = reg & 1; reg >>= 1; if lsb { reg ^= 0xA001 } }
//
// which differs from CRC-16/MODBUS (reg ^= b) in the first step: the low
// byte of the register is thrown away before every byte. After that step the
// register holds a value below 256, so the eight shifts are exactly one
// lookup in the ordinary 0xA001 table T, and the whole loop is
//
//	reg = T[(reg >> 8) ^ b]
//
// Two consequences follow. First, only the high byte of the register
// carries over from byte to byte, so the checksum has at most 256 distinct
// values: it is effectively an 8-bit check, and a damaged packet passes it
// by chance about once in 256 (a single changed byte is always caught,
// because the high byte of T is a permutation; see crc_test.go). Second,
// the carried byte evolves linearly over GF(2), h' = TH[h ^ b] with TH the
// high byte of T, a linear map of bytes. And TH has order 8: applying it
// eight times gives the identity (TestCarriedByteOrder). So the byte at
// position i contributes TH^((n-1-i) mod 8) of itself, and all bytes at
// positions equal mod 8 can be XORed together first: annexA folds the data
// into one 64-bit word with one XOR per 8 bytes, then maps its 8 lanes
// with 8 table lookups. Frame.Parse does the same fold in the pass that
// checks the bytes (scanBytes). annexABitwise keeps the standard's loop
// as written, and the tests compare them.

// crcTable is the reflected 0xA001 table: crcTable[i] is i after eight
// Annex A shift rounds.
var crcTable = func() (t [256]uint16) {
	for i := range t {
		r := uint16(i)
		for range 8 {
			lsb := r & 1
			r >>= 1
			if lsb != 0 {
				r ^= 0xA001
			}
		}
		t[i] = r
	}
	return t
}()

// slice[k][x] is the carried byte after k+1 steps that start from x with
// zero input bytes: TH applied k+1 times.
var slice = func() (s [8][256]byte) {
	for x := range 256 {
		s[0][x] = byte(crcTable[x] >> 8)
	}
	for k := 1; k < 8; k++ {
		for x := range 256 {
			s[k][x] = s[0][s[k-1][x]]
		}
	}
	return s
}()

// pow[k][x] is TH applied k times to x (pow[0] is the identity); TH^8 is
// the identity again.
var pow = func() (p [8][256]byte) {
	for x := range 256 {
		p[0][x] = byte(x)
		for k := 1; k < 8; k++ {
			p[k][x] = slice[k-1][x]
		}
	}
	return p
}()

// annexA is the HJ 212 checksum of data: the XOR fold described above.
func annexA(data []byte) uint16 {
	n := len(data)
	if n == 0 {
		return 0xFFFF
	}
	var a, b uint64
	i := 0
	for ; i+16 <= n; i += 16 {
		a ^= binary.LittleEndian.Uint64(data[i:])
		b ^= binary.LittleEndian.Uint64(data[i+8:])
	}
	a ^= b
	if i+8 <= n {
		a ^= binary.LittleEndian.Uint64(data[i:])
		i += 8
	}
	var lanes [8]byte
	binary.LittleEndian.PutUint64(lanes[:], a)
	for ; i < n; i++ {
		lanes[i&7] ^= data[i]
	}
	return fromLanes(&lanes, n, data[n-1])
}

// fromLanes finishes the checksum of n bytes (n > 0) whose fold, byte i
// XORed into lanes[i mod 8], is lanes, and whose last byte is last.
func fromLanes(lanes *[8]byte, n int, last byte) uint16 {
	lanes[(n-1)&7] ^= last // the last byte is not carried, see above
	m := n - 1
	h := pow[m&7][0xFF] ^
		pow[m&7][lanes[0]] ^ pow[(m-1)&7][lanes[1]] ^ pow[(m-2)&7][lanes[2]] ^ pow[(m-3)&7][lanes[3]] ^
		pow[(m-4)&7][lanes[4]] ^ pow[(m-5)&7][lanes[5]] ^ pow[(m-6)&7][lanes[6]] ^ pow[(m-7)&7][lanes[7]]
	return crcTable[h^last]
}

// annexABitwise is the loop of HJ 212-2017 附录 A exactly as printed.
// It is kept as the reference the fast version is tested against.
func annexABitwise(data []byte) uint16 {
	reg := uint16(0xFFFF)
	for _, b := range data {
		reg = (reg >> 8) ^ uint16(b)
		for range 8 {
			lsb := reg & 1
			reg >>= 1
			if lsb != 0 {
				reg ^= 0xA001
			}
		}
	}
	return reg
}

// modbusSwapped is plain CRC-16/MODBUS (reg ^= b before the shifts) with
// its two bytes printed low byte first, as some data loggers send it (seen
// in the tonyxia2016/HJ212Receiver device log). It is accepted only in
// lenient mode and always reported as such.
func modbusSwapped(data []byte) uint16 {
	reg := uint16(0xFFFF)
	for len(data) >= 8 {
		reg ^= uint16(data[0]) | uint16(data[1])<<8
		reg = modbusSlice[7][byte(reg)] ^ modbusSlice[6][reg>>8] ^ modbusSlice[5][data[2]] ^ modbusSlice[4][data[3]] ^
			modbusSlice[3][data[4]] ^ modbusSlice[2][data[5]] ^ modbusSlice[1][data[6]] ^ modbusSlice[0][data[7]]
		data = data[8:]
	}
	for _, b := range data {
		reg = (reg >> 8) ^ crcTable[byte(reg)^b]
	}
	return reg<<8 | reg>>8
}

// modbusSlice are the slicing-by-8 tables of plain CRC-16/MODBUS:
// modbusSlice[k][x] is byte x followed by k zero bytes.
var modbusSlice = func() (s [8][256]uint16) {
	s[0] = crcTable
	for k := 1; k < 8; k++ {
		for x := range 256 {
			v := s[k-1][x]
			s[k][x] = v>>8 ^ crcTable[byte(v)]
		}
	}
	return s
}()

// Checksum returns the HJ 212-2017 附录 A checksum of a data segment (the
// bytes from "QN="/"ST=" through the final "&&") as four upper-case hex
// digits, the form Encode writes.
func Checksum(data []byte) string {
	var b [4]byte
	putHex(b[:], annexA(data))
	return string(b[:])
}

const hexDigits = "0123456789ABCDEF"

func putHex(dst []byte, v uint16) {
	dst[0] = hexDigits[v>>12]
	dst[1] = hexDigits[v>>8&0xF]
	dst[2] = hexDigits[v>>4&0xF]
	dst[3] = hexDigits[v&0xF]
}

// parseHex4 reads four hex digits in either case.
func parseHex4(b []byte) (uint16, bool) {
	if len(b) != 4 {
		return 0, false
	}
	var v uint16
	for _, c := range b {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		v = v<<4 | uint16(d)
	}
	return v, true
}
