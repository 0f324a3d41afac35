package exchange

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"
)

var testKey = []byte("0123456789abcdef0123456789abcdef-test")

// genValue draws a valid value of a field's type, or "" when optional.
func genValue(t *rapid.T, f Field, label string) string {
	if !f.Required && rapid.IntRange(0, 4).Draw(t, label+"?") == 0 {
		return ""
	}
	if f.Enum != nil {
		return rapid.SampledFrom(f.Enum).Draw(t, label)
	}
	switch f.Type {
	case Decimal:
		whole := rapid.SampledFrom([]string{"0", "1", "12", "999999999999999", "100"}).Draw(t, label+"w")
		s := whole
		if rapid.Bool().Draw(t, label+"dot") {
			s += "." + rapid.StringMatching(`[0-9]{1,12}`).Draw(t, label+"f")
		}
		if rapid.IntRange(0, 5).Draw(t, label+"neg") == 0 {
			s = "-" + s
		}
		return s
	case Date:
		return fmt.Sprintf("%04d-%02d-%02d", rapid.IntRange(2018, 2030).Draw(t, label+"y"), rapid.IntRange(1, 12).Draw(t, label+"m"), rapid.IntRange(1, 28).Draw(t, label+"d"))
	case Month:
		return fmt.Sprintf("%04d-%02d", rapid.IntRange(2018, 2030).Draw(t, label+"y"), rapid.IntRange(1, 12).Draw(t, label+"m"))
	case Int:
		return fmt.Sprint(rapid.IntRange(0, 999999).Draw(t, label))
	}
	// Text: Chinese, ASCII, CSV and JSON specials, leading/trailing spaces,
	// text that looks like a number or a formula.
	return rapid.StringOfN(rapid.SampledFrom([]rune(`ab Z09,"';=+-.:中文渝环罚〔〕号\é€`)), 1, 20, -1).Draw(t, label)
}

func genRecords(t *rapid.T, d *Dataset) []Record {
	n := rapid.IntRange(0, 6).Draw(t, d.Name+" rows")
	seen := map[string]bool{}
	var out []Record
	for i := 0; i < n; i++ {
		r := make(Record, len(d.Fields))
		for j, f := range d.Fields {
			r[j] = genValue(t, f, fmt.Sprintf("%s[%d].%s", d.Name, i, f.Name))
		}
		if p := d.Index("permit_no"); p >= 0 && r[p] != "" { // HJ 608: the holder's code + sequence + letter
			code := rapid.SampledFrom([]string{"91350100M000100Y43", "91440300708461136T"}).Draw(t, "holder")
			r[p] = code + rapid.StringMatching(`[0-9]{3}[A-Z]`).Draw(t, "permit tail")
			if c := d.Index("credit_code"); c >= 0 {
				r[c] = code
			}
		}
		if seen[d.KeyOf(r)] {
			continue
		}
		seen[d.KeyOf(r)] = true
		out = append(out, r)
	}
	return out
}

// TestRoundTripIdentity: for every format and direction, records → signed
// batch → archive → unpacked → verified and decoded give back exactly the
// records, and the archive of the read batch is byte for byte the same.
func TestRoundTripIdentity(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		dir := rapid.SampledFrom([]string{TaxToEnv, EnvToTax}).Draw(t, "direction")
		format := rapid.SampledFrom(Formats).Draw(t, "format")
		recs := map[string][]Record{}
		for _, d := range Of(dir) {
			if rapid.Bool().Draw(t, "has "+d.Name) {
				recs[d.Name] = genRecords(t, d)
			}
		}
		h := Header{BatchID: "b-1", Direction: dir, Sender: "test", Period: "2024-Q1", Region: "500000",
			CreatedAt: time.Date(2024, 5, 20, 2, 0, 0, 0, time.UTC), Format: format}
		b, err := Build(h, recs, testKey)
		if err != nil {
			t.Fatal(err)
		}
		zipped, err := Pack(b.Files)
		if err != nil {
			t.Fatal(err)
		}
		files, err := Unpack(zipped)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Open(files, testKey)
		if err != nil {
			t.Fatal(err)
		}
		for name, want := range recs {
			if len(want) == 0 && len(got.Records[name]) == 0 {
				continue
			}
			if !reflect.DeepEqual(got.Records[name], want) {
				t.Fatalf("%s %s:\n got %q\nwant %q", format, name, got.Records[name], want)
			}
		}
		if len(got.Records) != len(recs) {
			t.Fatalf("datasets: got %d, want %d", len(got.Records), len(recs))
		}
		again, err := Pack(got.Files)
		if err != nil || !bytes.Equal(again, zipped) {
			t.Fatalf("re-packed archive differs (%v)", err)
		}
	})
}

func sampleBatch(t testing.TB, format string) *Batch {
	t.Helper()
	d, _ := Lookup("penalties")
	rec := d.New(map[string]string{"credit_code": "91350100M000100Y43", "region": "500103", "case_no": "渝环罚〔2024〕12号",
		"outlet_no": "DA001", "revision": "1", "case_code": "tampered_data", "period_from": "2024-01-05", "period_to": "2024-02-20",
		"decided_on": "2024-04-10", "pollutant": "二氧化硫", "month": "2024-01", "generated_kg": "500.125"})
	op, _ := Lookup("review_opinions")
	rop := op.New(map[string]string{"review_ref": "R-1", "credit_code": "91350100M000100Y43", "opinion": "corrected", "answered_on": "2024-05-10"})
	b, err := Build(Header{BatchID: "env-2024Q1-1", Direction: EnvToTax, Sender: "生态环境局", Period: "2024-Q1",
		CreatedAt: time.Date(2024, 5, 20, 0, 0, 0, 0, time.UTC), Format: format},
		map[string][]Record{"penalties": {rec}, "review_opinions": {rop}}, testKey)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func clone(files map[string][]byte) map[string][]byte {
	out := map[string][]byte{}
	for k, v := range files {
		out[k] = append([]byte(nil), v...)
	}
	return out
}

func refusalCode(err error) string {
	var r *Refusal
	if errors.As(err, &r) {
		return r.Code
	}
	return ""
}

// TestTampered: every single byte flipped in any file, a file missing or
// added, and a wrong key are each refused with their reason.
func TestTampered(t *testing.T) {
	for _, format := range Formats {
		b := sampleBatch(t, format)
		if _, err := Open(clone(b.Files), testKey); err != nil {
			t.Fatalf("%s: the untouched batch is refused: %v", format, err)
		}
		for name, data := range b.Files {
			step := 1
			if len(data) > 400 {
				step = len(data)/400 + 1 // XLSX: a sample of positions
			}
			for i := 0; i < len(data); i += step {
				files := clone(b.Files)
				files[name][i] ^= 0x01
				_, err := Open(files, testKey)
				want := "file_changed"
				if name == ManifestName || name == SignatureName {
					want = "bad_signature"
				}
				if got := refusalCode(err); got != want {
					t.Fatalf("%s: byte %d of %s changed: got %v, want %s", format, i, name, err, want)
				}
			}
		}
		for name := range b.Files {
			files := clone(b.Files)
			delete(files, name)
			want := map[string]string{ManifestName: "manifest_missing", SignatureName: "signature_missing"}[name]
			if want == "" {
				want = "file_missing"
			}
			if _, err := Open(files, testKey); refusalCode(err) != want {
				t.Errorf("%s: %s missing: got %v, want %s", format, name, err, want)
			}
		}
		files := clone(b.Files)
		files["extra.csv"] = []byte("x\n")
		if _, err := Open(files, testKey); refusalCode(err) != "file_unexpected" {
			t.Errorf("%s: added file: %v", format, err)
		}
		if _, err := Open(clone(b.Files), []byte("another key of at least thirty-two bytes!!")); refusalCode(err) != "bad_signature" {
			t.Errorf("%s: wrong key: %v", format, err)
		}
		if _, err := Open(clone(b.Files), nil); refusalCode(err) != "missing_key" {
			t.Errorf("%s: no key: %v", format, err)
		}
		if _, err := Open(clone(b.Files), []byte("short")); refusalCode(err) != "missing_key" {
			t.Errorf("%s: short key: %v", format, err)
		}
	}
}

// TestSignedButWrong: a batch correctly signed (the key holder made a
// mistake) is still refused when the manifest lies about its content.
func TestSignedButWrong(t *testing.T) {
	b := sampleBatch(t, JSONL)
	resign := func(files map[string][]byte, edit func(m string) string) map[string][]byte {
		m := edit(string(files[ManifestName]))
		files[ManifestName] = []byte(m)
		files[SignatureName] = []byte(Sign(testKey, []byte(m)) + "\n")
		return files
	}
	cases := map[string]struct {
		edit func(string) string
		want string
	}{
		"row count":     {func(m string) string { return strings.Replace(m, `"rows": 1`, `"rows": 2`, 1) }, "row_count"},
		"unknown field": {func(m string) string { return strings.Replace(m, `"sender"`, `"sender2"`, 1) }, "manifest_invalid"},
		"duplicate key": {func(m string) string {
			return strings.Replace(m, `"sender": "生态环境局",`, `"sender": "a", "sender": "b",`, 1)
		}, "manifest_invalid"},
		"wrong format": {func(m string) string { return strings.Replace(m, `"format": "jsonl"`, `"format": "xml"`, 1) }, "manifest_invalid"},
		"wrong dataset": {func(m string) string {
			return strings.Replace(m, `"dataset": "penalties"`, `"dataset": "declarations"`, 1)
		}, "manifest_invalid"},
		"float rows":     {func(m string) string { return strings.Replace(m, `"rows": 1`, `"rows": 1.0`, 1) }, "manifest_invalid"},
		"bad time":       {func(m string) string { return strings.Replace(m, `2024-05-20T00:00:00Z`, `yesterday`, 1) }, "manifest_invalid"},
		"future version": {func(m string) string { return strings.Replace(m, `"version": 1`, `"version": 2`, 1) }, "manifest_invalid"},
	}
	for name, c := range cases {
		files := resign(clone(b.Files), c.edit)
		if string(files[ManifestName]) == string(b.Files[ManifestName]) {
			t.Fatalf("%s: edit did not apply", name)
		}
		if _, err := Open(files, testKey); refusalCode(err) != c.want {
			t.Errorf("%s: got %v, want %s", name, err, c.want)
		}
	}
}

// TestDecodeStrict: the readers refuse what they do not fully understand.
func TestDecodeStrict(t *testing.T) {
	d, _ := Lookup("payments")
	head := "credit_code,region,period,revision,paid_on,amount\r\n"
	good := "91350100M000100Y43,500103,2024-Q1,1,2024-04-15,1234.50\r\n"
	if recs, err := Decode(d, CSV, []byte(bom+head+good)); err != nil || len(recs) != 1 || recs[0][5] != "1234.50" {
		t.Fatalf("good CSV: %v %q", err, recs)
	}
	bad := map[string]struct {
		format, data string
	}{
		"csv header":        {CSV, "credit_code,region\r\n"},
		"csv amount float":  {CSV, head + "91350100M000100Y43,500103,2024-Q1,1,2024-04-15,1.2e3\r\n"},
		"csv missing req":   {CSV, head + "91350100M000100Y43,500103,2024-Q1,1,,12\r\n"},
		"csv bad date":      {CSV, head + "91350100M000100Y43,500103,2024-Q1,1,2024-02-30,12\r\n"},
		"csv fields":        {CSV, head + "91350100M000100Y43,500103\r\n"},
		"csv duplicate key": {CSV, head + good + good},
		"csv leading zero":  {CSV, head + "91350100M000100Y43,500103,2024-Q1,01,2024-04-15,12\r\n"},
		"jsonl number":      {JSONL, `{"credit_code":"9","region":null,"period":"p","revision":"1","paid_on":"2024-01-01","amount":12}` + "\n"},
		"jsonl unknown":     {JSONL, `{"credit_code":"9","region":null,"period":"p","revision":"1","paid_on":"2024-01-01","amount":"12","x":null}` + "\n"},
		"jsonl missing":     {JSONL, `{"credit_code":"9","period":"p","revision":"1","paid_on":"2024-01-01","amount":"12"}` + "\n"},
		"jsonl dup":         {JSONL, `{"credit_code":"9","credit_code":"9","region":null,"period":"p","revision":"1","paid_on":"2024-01-01","amount":"12"}` + "\n"},
		"jsonl empty str":   {JSONL, `{"credit_code":"9","region":"","period":"p","revision":"1","paid_on":"2024-01-01","amount":"12"}` + "\n"},
		"jsonl no newline":  {JSONL, `{"credit_code":"9","region":null,"period":"p","revision":"1","paid_on":"2024-01-01","amount":"12"}`},
		"jsonl blank line":  {JSONL, "\n"},
		"jsonl crlf":        {JSONL, `{"credit_code":"9","region":null,"period":"p","revision":"1","paid_on":"2024-01-01","amount":"12"}` + "\r\n"},
		"xlsx garbage":      {XLSX, "PK\x03\x04 not really"},
	}
	for name, c := range bad {
		if recs, err := Decode(d, c.format, []byte(c.data)); err == nil {
			t.Errorf("%s: accepted %q", name, recs)
		}
	}
}

// TestUnpackRefuses: archive entries that are not plain names are refused.
func TestUnpackRefuses(t *testing.T) {
	for _, name := range []string{"../x", "a/b", ".hidden", "", "c:\\x"} {
		if _, err := Pack(map[string][]byte{name: []byte("x")}); err == nil {
			t.Errorf("Pack accepted %q", name)
		}
	}
	if _, err := Unpack([]byte("not a zip")); refusalCode(err) != "archive_invalid" {
		t.Errorf("garbage: %v", err)
	}
}

// TestEncodeRefusesBadRecords: the writer checks records too.
func TestEncodeRefusesBadRecords(t *testing.T) {
	d, _ := Lookup("payments")
	for _, r := range []Record{
		{"9", "", "2024-Q1", "1", "2024-04-15", "1e3"},
		{"9", "", "2024-Q1", "1", "", "12"},
		{"9", "", "2024-Q1", "1", "2024-04-15"},
		{"9", "a\nb", "2024-Q1", "1", "2024-04-15", "12"},
	} {
		if _, err := Encode(d, CSV, []Record{r}); err == nil {
			t.Errorf("encoded %q", r)
		}
	}
	if _, err := Build(Header{BatchID: "x", Direction: TaxToEnv, Format: CSV}, map[string][]Record{"penalties": nil}, testKey); err == nil {
		t.Error("built an env dataset into a tax batch")
	}
}
