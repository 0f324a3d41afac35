package hj212

import (
	"bytes"
	"encoding/hex"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/emmansun/gmsm/sm4"
)

func packets2025(t testing.TB) []sample { return loadSamples(t, "hj212_2025_packets.txt") }

func testKeys(t testing.TB) *Keyring {
	var k Keyring
	if err := k.Set("*", StandardTestKey); err != nil {
		t.Fatal(err)
	}
	return &k
}

// GB/T 32907-2016 附录 A, example 1: key = plaintext = 0123456789abcdeffedcba9876543210.
func TestSM4StandardVector(t *testing.T) {
	key, _ := hex.DecodeString("0123456789abcdeffedcba9876543210")
	want, _ := hex.DecodeString("681edf34d206965e86b3e94f536e4246")
	b, err := sm4.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	var got [16]byte
	b.Encrypt(got[:], key)
	if !bytes.Equal(got[:], want) {
		t.Fatalf("SM4 gives %x, GB/T 32907 %x", got, want)
	}
	ct, err := EncryptData(key, key)
	if err != nil || !bytes.Equal(ct, want) {
		t.Fatalf("EncryptData gives %x, %v", ct, err)
	}
	b.Decrypt(got[:], want)
	if !bytes.Equal(got[:], key) {
		t.Fatalf("decrypts to %x", got)
	}
}

// The samples get the verdicts of their notes, with the example key.
func TestSamples2025(t *testing.T) {
	keys := testKeys(t)
	for _, s := range packets2025(t) {
		p := Parse([]byte(s.raw), Options{Keys: keys})
		if p.Verdict != Valid {
			t.Errorf("line %d: %s: %s", s.line, p.Verdict, p.Reason)
		}
		if p.Version() != Version2025 || p.VersionName() != "2025" {
			t.Errorf("line %d: version %d", s.line, p.Version())
		}
		encrypted := strings.Contains(s.note, "encrypted") || strings.Contains(s.note, "hex digits")
		if encrypted != (p.Cipher != CipherNone) {
			t.Errorf("line %d: cipher %s", s.line, p.Cipher)
		}
		if encrypted {
			if p.KeyUsed != 0 || !has(p.Warnings, CodeTestKey) {
				t.Errorf("line %d: key %d, warnings %v", s.line, p.KeyUsed, codes(p.Warnings))
			}
			// Without keys: rejected, the header still read.
			q := Parse([]byte(s.raw), Options{})
			if q.Verdict != Rejected || !has(q.Problems, CodeNoKey) || q.MN == "" || len(q.CP) != 0 {
				t.Errorf("line %d without keys: %s %v %q", s.line, q.Verdict, codes(q.Problems), q.Reason)
			}
		}
		if strings.Contains(s.note, "sentinel") != has(p.Warnings, CodeSentinel) {
			t.Errorf("line %d: warnings %v", s.line, codes(p.Warnings))
		}
	}
}

// The encrypted examples of Annex A.2 decrypt to their plaintext
// counterparts, in every form, and the key rotation finds the key.
func TestAnnexA2Decryption(t *testing.T) {
	ps := packets2025(t)
	byNote := func(sub string) string {
		for _, s := range ps {
			if strings.Contains(s.note, sub) {
				return s.raw
			}
		}
		t.Fatalf("no sample %q", sub)
		return ""
	}
	for _, c := range []struct{ plain, enc string }{
		{byNote("example 2, plaintext"), byNote("example 2, SM4-ECB")},
		{byNote("example 4, plaintext"), byNote("example 4, encrypted")},
		{byNote("example 2, plaintext"), byNote("as hex digits")},
	} {
		plain := Parse([]byte(c.plain), Options{})
		if plain.Verdict != Valid {
			t.Fatal(plain.Reason)
		}
		// The ciphertext is the SM4-ECB encryption of the plaintext's full
		// blocks with the example key.
		content := plain.Data[strings.Index(plain.Data, "CP=&&")+5 : len(plain.Data)-2]
		ct, err := EncryptData(StandardTestKey, []byte(content))
		if err != nil {
			t.Fatal(err)
		}
		full := len(content) / 16 * 16
		if !strings.Contains(c.enc, "{") {
			if !strings.Contains(c.enc, strings.ToUpper(hex.EncodeToString(ct[:full]))) {
				t.Fatalf("hex ciphertext differs from SM4-ECB of the plaintext")
			}
		} else if !strings.Contains(c.enc, "{0x"+strings.ToUpper(hex.EncodeToString(ct[:1]))+",") {
			t.Fatalf("list ciphertext does not start like SM4-ECB of the plaintext")
		}
		// The same ciphertext as raw bytes, the form the length field implies.
		raw := strings.Replace(c.plain, content, string(ct), 1)

		var wrong Keyring
		if err := wrong.Set(plain.MN, []byte("1234567890abcdef"), StandardTestKey); err != nil {
			t.Fatal(err)
		}
		for _, enc := range []string{c.enc, raw, raw + "\r\n"} {
			p := Parse([]byte(enc), Options{Keys: testKeys(t)})
			if p.Verdict != Valid || p.Data != plain.Data || len(p.CP) != len(plain.CP) {
				t.Fatalf("%.60q: %s %q, data %q", enc, p.Verdict, p.Reason, p.Data)
			}
			for i := range p.CP {
				if p.CP[i].Key != plain.CP[i].Key || p.CP[i].Value != plain.CP[i].Value {
					t.Fatalf("pair %d: %+v, want %+v", i, p.CP[i], plain.CP[i])
				}
			}
			if p.Raw != enc || !strings.HasPrefix(p.Plain, strings.TrimSuffix(c.plain, "\r\n")) {
				t.Fatalf("raw or plain frame not kept: %q", p.Plain)
			}
			if q := Parse([]byte(p.Plain), Options{}); q.Verdict != Valid {
				t.Fatalf("the plaintext frame does not check: %s", q.Reason)
			}
			// Rotation: the current key is wrong, the previous one right.
			p = Parse([]byte(enc), Options{Keys: &wrong})
			if p.Verdict != Valid || p.KeyUsed != 1 {
				t.Fatalf("rotation: %s key %d %q", p.Verdict, p.KeyUsed, p.Reason)
			}
			var bad Keyring
			_ = bad.Set(plain.MN, []byte("1234567890abcdef"))
			p = Parse([]byte(enc), Options{Keys: &bad})
			if p.Verdict != Rejected || !has(p.Problems, CodeDecryptFailed) {
				t.Fatalf("wrong key: %s %v", p.Verdict, codes(p.Problems))
			}
		}
	}
}

func TestKeyringRotate(t *testing.T) {
	var k Keyring
	if err := k.Set("MN1", []byte("short")); err == nil {
		t.Fatal("short key accepted")
	}
	if err := k.Rotate("MN1", StandardTestKey); err != nil {
		t.Fatal(err)
	}
	if err := k.Rotate("MN1", []byte("1234567890abcdef")); err != nil {
		t.Fatal(err)
	}
	cs := k.Ciphers("MN1")
	if len(cs) != 2 || isTestKey(cs[0]) || !isTestKey(cs[1]) {
		t.Fatalf("after rotation: %d keys", len(cs))
	}
	if len(k.Ciphers("MN2")) != 0 {
		t.Fatal("keys for an unknown device")
	}
}

func TestVersionRFAndSentinels(t *testing.T) {
	for _, s := range packets2025(t) {
		p := Parse([]byte(s.raw), Options{Keys: testKeys(t)})
		if p.Backfill() != strings.Contains(s.note, "RF=1") {
			t.Errorf("line %d: backfill %v", s.line, p.Backfill())
		}
		if has(p.Warnings, CodeUnknownField) {
			t.Errorf("line %d: %v", s.line, p.Warnings)
		}
		for _, q := range p.CP {
			if q.Sentinel && (q.IsNumber || !q.Num.IsZero()) {
				t.Errorf("sentinel %s usable as a number", q.Key)
			}
		}
	}
	// The samples of 2017 and 2005 are not 2025 and hold no sentinel.
	for _, s := range allSamples(t) {
		p := Parse([]byte(s.raw), Options{Lenient: true})
		if p.Version() == Version2025 && p.Flag != 8 || p.Backfill() || has(p.Warnings, CodeSentinel) {
			t.Errorf("line %d: version %d, backfill %v, %v", s.line, p.Version(), p.Backfill(), codes(p.Warnings))
		}
	}
	for _, c := range []struct {
		code, v string
		want    bool
	}{
		{"a21002", "9999.99", true}, {"a21002", "99999.9", true}, {"a21002", "9999.9", false},
		{"a21026", "99999.99", true}, {"a21026", "9999.99", false}, {"a34013", "9999.9", true},
		{"a34013", "9999", true}, {"a19001", "99.99", true}, {"a19001", "99.9", false},
		{"w01018", "9999.99", true}, {"w01018", "-9999.99", true}, {"w01018", "9999", false},
		{"w01018", "999.99", false}, {"w01018", "9999.90", false}, {"a01012", "999.9", true},
		{"x", "99999.999", true}, {"x", "9.99", false}, {"x", "1.5", false},
	} {
		if got := isSentinel(c.code, c.v); got != c.want {
			t.Errorf("isSentinel(%s, %s) = %v", c.code, c.v, got)
		}
	}
	p := Parse([]byte(frame("QN=20260105103000000;ST=31;CN=2011;PW=1;MN=M;Flag=8;RF=0;RF=1;CP=&&&&")), Options{})
	if p.RF != 0 || p.Backfill() || !has(p.Warnings, CodeRF) || !has(p.Warnings, CodeDuplicateField) {
		t.Fatalf("RF=0: %d %v", p.RF, codes(p.Warnings))
	}
}

func TestAnswer2025(t *testing.T) {
	for _, s := range packets2025(t) {
		p := Parse([]byte(s.raw), Options{Keys: testKeys(t)})
		reply, err := Answer(p)
		if err != nil {
			t.Fatalf("line %d: %v", s.line, err)
		}
		var want string
		switch p.CN {
		case "9015", "1001":
			want = "CN=9013"
		case "1014":
			want = "CN=9011"
		default:
			if p.AckRequested() {
				want = "CN=9014"
			}
		}
		if want == "" {
			if reply != nil {
				t.Errorf("line %d: unasked answer %q", s.line, reply)
			}
			continue
		}
		r := Parse(reply, Options{})
		if r.Verdict != Valid || !strings.Contains(r.Data, want) || r.Flag != 8 || r.QN != p.QN || r.MN != p.MN || r.ST != "91" {
			t.Errorf("line %d: answer %q", s.line, reply)
		}
		if p.CN == "1014" && !strings.Contains(r.Data, "QnRtn=2") {
			t.Errorf("1014 not refused: %q", reply)
		}
	}
	// Heartbeat without ack, rejected packets: no answer.
	hb := Parse([]byte(frame("QN=20260105103001000;ST=31;CN=9015;PW=1;MN=M;Flag=8;CP=&&&&")), Options{})
	if r, err := Answer(hb); r != nil || err != nil {
		t.Fatalf("heartbeat without ack answered: %q %v", r, err)
	}
	if r, err := Answer(Parse([]byte("##0000"), Options{})); r != nil || err != nil {
		t.Fatal("rejected packet answered")
	}
	if _, ok := New2025Command("9015"); !ok {
		t.Fatal("9015 unknown")
	}
}

// A raw SM4 ciphertext may hold CR LF or "##": the Reader then frames by
// the length field, and the frames around it are unharmed.
func TestReaderRawCiphertext(t *testing.T) {
	head := "QN=20260105103000000;ST=31;CN=2051;PW=123456;MN=010000A8900016F000169DC0;Flag=9;CP=&&"
	find := func(needle string) string {
		for i := 0; i < 1000000; i++ {
			content := "DataTime=20260105102000;a21002-Avg=" + strconv.Itoa(i) + ",a21002-Flag=N"
			ct, err := EncryptData(StandardTestKey, []byte(content))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(ct), needle) {
				data := head + content + "&&"
				return "##" + pad4(len(data)) + head + string(ct) + "&&" + Checksum([]byte(data)) + "\r\n"
			}
		}
		t.Fatalf("no ciphertext with %q", needle)
		return ""
	}
	for _, needle := range []string{"\r\n", "##"} {
		enc := find(needle)
		stream := std + "\r\n" + enc + std + "\r\n"
		for _, chunk := range []int{1, 7, 4096} {
			rd := NewReader(&chunked{data: []byte(stream), n: chunk}, Options{Keys: testKeys(t)})
			var got []*Packet
			for {
				p, err := rd.Next()
				if err != nil {
					break
				}
				got = append(got, p)
			}
			if len(got) != 3 || got[1].Raw != enc {
				t.Fatalf("%q, chunks of %d: %d packets", needle, chunk, len(got))
			}
			for i, p := range got {
				if p.Verdict != Valid {
					t.Fatalf("%q: packet %d: %s", needle, i, p.Reason)
				}
			}
			if got[1].Cipher != CipherRaw || got[1].KeyUsed != 0 {
				t.Fatalf("not decrypted: %s", got[1].Cipher)
			}
		}
	}
}

type chunked struct {
	data []byte
	n    int
}

func (c *chunked) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), c.n)], c.data)
	c.data = c.data[n:]
	return n, nil
}
