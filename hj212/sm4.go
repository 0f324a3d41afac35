package hj212

import (
	"bytes"
	"crypto/cipher"
	"errors"
	"sync"
	"unicode/utf8"

	"github.com/emmansun/gmsm/sm4"
)

// HJ 212-2025 §6.4 encrypts the data area (the characters between "CP=&&"
// and the closing "&&") with SM4 (GB/T 32907) in ECB mode without padding:
// every full 16-byte block of the plaintext is encrypted, a tail shorter
// than 16 bytes stays plaintext, and the CRC is computed on the plaintext
// before encryption (Annex A.2). So a receiver must decrypt before it can
// check the CRC, with the key of the sending device (per MN, rotated
// every 90 days, fetched ahead with CN 1014). See docs/hj212.md.
//
// How the ciphertext travels is not settled (shared reference
// hj212-2025.md §3.5): the standard prints it as a list "{0xE4,0x3E,...}"
// while keeping the plaintext length in the length field, which only adds
// up if raw bytes are sent; implementations send the list as text. Parse
// accepts the three forms seen: raw bytes, the "{0x..,..}" list and plain
// hex digits, each optionally followed by the plaintext tail.

// Cipher names how a packet's data area was sent.
type Cipher uint8

const (
	CipherNone Cipher = iota // plaintext
	CipherRaw                // raw ciphertext bytes in place of the plaintext
	CipherList               // "{0xE4,0x3E,...}" as printed in HJ 212-2025 Annex A.2
	CipherHex                // the ciphertext as hex digits
)

func (c Cipher) String() string {
	switch c {
	case CipherRaw:
		return "sm4-raw"
	case CipherList:
		return "sm4-0x-list"
	case CipherHex:
		return "sm4-hex"
	}
	return "none"
}

// KeyStore gives the SM4 keys of a device (by MN), to be tried in order:
// the current key first, then the previous ones, so that packets sent
// around a key change (HJ 212-2025 6.4.3: keys rotate every 90 days and
// are fetched ahead with CN 1014) still decrypt. An empty result means
// no key is known for the device.
type KeyStore interface {
	Ciphers(mn string) []cipher.Block
}

// StandardTestKey is the key of the encryption examples of HJ 212-2025
// Annex A.2 ("密钥使用16个0x30"): sixteen ASCII '0'. The standard forbids
// fixed or patterned keys in service (6.4.3); it is here for tests and for
// checking the standard's own examples.
var StandardTestKey = []byte("0000000000000000")

// Keyring is a KeyStore in memory, safe for concurrent use. Keys set for
// the MN "*" are tried for every device after its own.
type Keyring struct {
	mu   sync.RWMutex
	keys map[string][]cipher.Block
}

// ErrKeySize is returned for a key that is not 16 bytes long.
var ErrKeySize = errors.New("hj212: an SM4 key has 16 bytes")

// Set gives the device mn its current key and, optionally, the previous
// ones (most recent first), replacing what it had.
func (k *Keyring) Set(mn string, current []byte, previous ...[]byte) error {
	bs := make([]cipher.Block, 0, 1+len(previous))
	for _, key := range append([][]byte{current}, previous...) {
		b, err := newSM4(key)
		if err != nil {
			return err
		}
		bs = append(bs, b)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.keys == nil {
		k.keys = map[string][]cipher.Block{}
	}
	k.keys[mn] = bs
	return nil
}

// Rotate makes next the current key of mn and keeps the one it replaces
// as the previous key (only one previous key is kept).
func (k *Keyring) Rotate(mn string, next []byte) error {
	b, err := newSM4(next)
	if err != nil {
		return err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.keys == nil {
		k.keys = map[string][]cipher.Block{}
	}
	bs := []cipher.Block{b}
	if old := k.keys[mn]; len(old) > 0 {
		bs = append(bs, old[0])
	}
	k.keys[mn] = bs
	return nil
}

// Ciphers returns the keys of mn, then those set for "*".
func (k *Keyring) Ciphers(mn string) []cipher.Block {
	k.mu.RLock()
	defer k.mu.RUnlock()
	own, any := k.keys[mn], k.keys["*"]
	if mn == "*" || len(any) == 0 {
		return own
	}
	if len(own) == 0 {
		return any
	}
	return append(append(make([]cipher.Block, 0, len(own)+len(any)), own...), any...)
}

func newSM4(key []byte) (cipher.Block, error) {
	if len(key) != 16 {
		return nil, ErrKeySize
	}
	return sm4.NewCipher(key)
}

// EncryptData encrypts a plaintext data area the way HJ 212-2025 Annex A.2
// does: SM4-ECB over every full 16-byte block, the shorter tail left as it
// is. It returns the raw ciphertext bytes (the CipherRaw form). It is for
// tests and simulators; a receiver only decrypts.
func EncryptData(key, plain []byte) ([]byte, error) {
	b, err := newSM4(key)
	if err != nil {
		return nil, err
	}
	out := append([]byte(nil), plain...)
	for i := 0; i+16 <= len(out); i += 16 {
		b.Encrypt(out[i:i+16], out[i:i+16])
	}
	return out, nil
}

// ecbDecrypt decrypts the full blocks of src into dst (len(dst) == len(src))
// and copies the tail.
func ecbDecrypt(b cipher.Block, dst, src []byte) {
	i := 0
	for ; i+16 <= len(src); i += 16 {
		b.Decrypt(dst[i:i+16], src[i:i+16])
	}
	copy(dst[i:], src[i:])
}

// cipherText finds the ciphertext in the CP content c (the bytes between
// "CP=&&" and the closing "&&") and returns its form, the ciphertext bytes
// as sent (decoded into buf for the list and hex forms) and the plaintext
// tail that follows them. ok is false when c does not look encrypted.
func cipherText(c []byte, buf []byte) (form Cipher, ct, tail []byte, ok bool) {
	if len(c) == 0 {
		return CipherNone, nil, nil, false
	}
	if c[0] == '{' {
		// {0xE4,0x3E,...}tail
		i := 1
		ct = buf[:0]
		for i < len(c) && c[i] != '}' {
			if i+4 > len(c) || c[i] != '0' || (c[i+1] != 'x' && c[i+1] != 'X') {
				return CipherNone, nil, nil, false
			}
			hi, ok1 := unhex(c[i+2])
			lo, ok2 := unhex(c[i+3])
			if !ok1 || !ok2 {
				return CipherNone, nil, nil, false
			}
			ct = append(ct, hi<<4|lo)
			i += 4
			if i < len(c) && c[i] == ',' {
				i++
			}
		}
		if i >= len(c) || len(ct) == 0 || len(ct)%16 != 0 || len(c)-i-1 >= 16 {
			return CipherNone, nil, nil, false
		}
		return CipherList, ct, c[i+1:], true
	}
	// Raw bytes: a control byte or bytes that are not UTF-8 (a plaintext
	// data area is ASCII, with Chinese text in UTF-8).
	for _, b := range c {
		if b < 0x20 || b == 0x7F {
			return CipherRaw, c, nil, true
		}
	}
	if !utf8.Valid(c) {
		return CipherRaw, c, nil, true
	}
	// Hex digits: the longest run of whole blocks, then a plaintext tail
	// shorter than a block.
	n := 0
	for n < len(c) {
		if _, ok := unhex(c[n]); !ok {
			break
		}
		n++
	}
	n -= n % 32
	if n == 0 || len(c)-n >= 16 {
		return CipherNone, nil, nil, false
	}
	ct = buf[:0]
	for i := 0; i < n; i += 2 {
		hi, _ := unhex(c[i])
		lo, _ := unhex(c[i+1])
		ct = append(ct, hi<<4|lo)
	}
	return CipherHex, ct, c[n:], true
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// decrypt looks at the CP content of the frame and, when it is SM4
// ciphertext, decrypts it with the keys of the sending device, current key
// first. A key is right when the plaintext has the CRC the packet carries
// and is UTF-8 text without control bytes. Then Text becomes the plaintext frame and Data
// its data segment. It reports whether the data area is encrypted and
// could not be decrypted (the frame is then rejected).
func (f *Frame) decrypt(opt Options, sc *byteScan, cp int) (undecrypted bool) {
	d := f.Data
	if cp < 0 || len(d) < cp+len(cpOpen)+2 || !bytes.HasSuffix(d, ampersands) {
		return false
	}
	contentAt := cp + len(cpOpen)
	content := d[contentAt : len(d)-2]
	// Most packets are plaintext: rule them out with what the scan
	// already knows before looking closer.
	if len(content) == 0 || content[0] != '{' && sc.ctrl == 0 && sc.high == 0 && !hexBlock(content) {
		return false
	}
	form, ct, tail, ok := cipherText(content, f.ctbuf)
	if !ok {
		return false
	}
	if form != CipherRaw {
		f.ctbuf = ct[:0] // keep the grown buffer
	}
	f.Cipher = form
	mn := mnOf(d[:cp])
	var blocks []cipher.Block
	if opt.Keys != nil {
		blocks = opt.Keys.Ciphers(string(mn))
	}
	at := f.DataAt + contentAt
	if f.CRCRead {
		for i, b := range blocks {
			pl := append(f.plain[:0], f.Raw[:at]...)
			n0 := len(pl)
			pl = append(pl, ct...)
			ecbDecrypt(b, pl[n0:], ct)
			pl = append(pl, tail...)
			pl = append(pl, ampersands...)
			dataEnd := len(pl)
			f.plain = pl
			// The Annex A CRC carries only 8 bits (crc.go), so a wrong key
			// passes it once in 256 tries; it must also give UTF-8 text
			// without control bytes, which random blocks almost never are.
			// (UTF-8 is checked with the tail: a block may end inside a
			// character.)
			if annexA(pl[f.DataAt:dataEnd]) != f.CRCSent || !printable(pl[n0:n0+len(ct)]) || !utf8.Valid(pl[n0:dataEnd-2]) {
				continue
			}
			pl = append(pl, f.CRCText...)
			if f.Terminated {
				pl = append(pl, '\r', '\n')
			}
			f.plain, f.Text, f.Data, f.KeyUsed = pl, pl, pl[f.DataAt:dataEnd], i
			*sc = scanData(f.Data)
			if isTestKey(b) {
				f.warn(Problem{Code: CodeTestKey, At: at})
			}
			return false
		}
	}
	if form == CipherRaw && sc.ctrl == 0 || form != CipherRaw && f.CRCRead && sc.crc == f.CRCSent {
		// Not decrypted, and it may be plaintext: bytes that are not
		// UTF-8 but no control byte (a GBK text, say), or a list or hex
		// digits that check as they are. The plaintext checks decide.
		f.Cipher = CipherNone
		return false
	}
	if len(blocks) == 0 {
		f.reject(Problem{Code: CodeNoKey, At: at, Text: mn})
	} else {
		f.reject(Problem{Code: CodeDecryptFailed, At: at, Want: len(blocks), Text: mn})
	}
	return true
}

// mnOf finds the MN field among the ';'-separated header fields h.
func mnOf(h []byte) []byte {
	for len(h) > 0 {
		seg := h
		if i := bytes.IndexByte(h, ';'); i >= 0 {
			seg, h = h[:i], h[i+1:]
		} else {
			h = nil
		}
		if bytes.HasPrefix(seg, nameMN) && len(seg) > 2 && seg[2] == '=' {
			return seg[3:]
		}
	}
	return nil
}

func hasControl(b []byte) bool { return !printable(b) }

// hexBlock reports whether c starts with 32 hex digits (one block).
func hexBlock(c []byte) bool {
	if len(c) < 32 {
		return false
	}
	for _, b := range c[:32] {
		if _, ok := unhex(b); !ok {
			return false
		}
	}
	return true
}

func printable(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c == 0x7F {
			return false
		}
	}
	return true
}

// testKeyZero is the zero block encrypted with StandardTestKey, to
// recognise that key among the ciphers of a KeyStore.
var testKeyZero = func() (z [16]byte) {
	b, _ := newSM4(StandardTestKey)
	b.Encrypt(z[:], z[:])
	return z
}()

func isTestKey(b cipher.Block) bool {
	var z [16]byte
	b.Encrypt(z[:], z[:])
	return z == testKeyZero
}
