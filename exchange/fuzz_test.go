package exchange

import (
	"encoding/json"
	"reflect"
	"testing"
)

func mustMarshal(t *testing.T, m *Manifest) []byte {
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzUnpackOpen feeds arbitrary archives to the reader: it must never
// panic, and whatever it accepts must be a batch whose files match its
// signed manifest.
func FuzzUnpackOpen(f *testing.F) {
	for _, format := range Formats {
		b := sampleBatch(f, format)
		z, err := Pack(b.Files)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(z)
	}
	f.Add([]byte("PK\x05\x06" + string(make([]byte, 18))))
	archiveLimit, fileLimit = 256<<10, 64<<10
	f.Fuzz(func(t *testing.T, data []byte) {
		files, err := Unpack(data)
		if err != nil {
			return
		}
		b, err := Open(files, testKey)
		if err != nil {
			return
		}
		for _, fe := range b.Manifest.Files {
			if sha(b.Files[fe.Name]) != fe.SHA256 || len(b.Records[fe.Dataset]) != fe.Rows {
				t.Fatalf("accepted a batch that does not match its manifest: %s", fe.Name)
			}
		}
	})
}

// FuzzManifest: the manifest parser never panics, and a manifest it
// accepts marshals back to one it accepts with the same content.
func FuzzManifest(f *testing.F) {
	f.Add(sampleBatch(f, CSV).Files[ManifestName])
	f.Add([]byte(`{"version":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseManifest(data)
		if err != nil {
			return
		}
		again, err := ParseManifest(mustMarshal(t, m))
		if err != nil || !reflect.DeepEqual(again, m) {
			t.Fatalf("accepted manifest does not survive a round trip: %v", err)
		}
	})
}

// FuzzDecode: the data file readers never panic; what they accept encodes
// and decodes back to the same records.
func FuzzDecode(f *testing.F) {
	b := sampleBatch(f, JSONL)
	f.Add(uint8(0), uint8(0), b.Files["penalties.jsonl"])
	c := sampleBatch(f, CSV)
	f.Add(uint8(1), uint8(0), c.Files["penalties.csv"])
	f.Add(uint8(1), uint8(1), []byte("review_ref,credit_code,region,opinion,note,answered_on\r\nR-1,9,,confirmed,\"a,\"\"b\",2024-05-10\r\n"))
	f.Fuzz(func(t *testing.T, fi, di uint8, data []byte) {
		format := []string{JSONL, CSV}[int(fi)%2] // XLSX is excelize's parser; covered by FuzzUnpackOpen behind the signature
		ds := Of(EnvToTax)
		d := ds[int(di)%len(ds)]
		recs, err := Decode(d, format, data)
		if err != nil {
			return
		}
		enc, err := Encode(d, format, recs)
		if err != nil {
			t.Fatalf("accepted records do not encode: %v", err)
		}
		again, err := Decode(d, format, enc)
		if err != nil || len(again) != len(recs) || (len(recs) > 0 && !reflect.DeepEqual(again, recs)) {
			t.Fatalf("round trip differs: %v", err)
		}
	})
}
