package exchange

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"fmt"
	"testing"
	"time"
)

// benchRecords is a tax batch of n declaration records.
func benchRecords(n int) map[string][]Record {
	d, _ := Lookup("declarations")
	recs := make([]Record, n)
	for i := range recs {
		recs[i] = d.New(map[string]string{"credit_code": fmt.Sprintf("91500103MA%08d", i), "taxpayer_name": "重庆某化工有限公司",
			"region": "500103", "period": "2024-Q1", "revision": "1", "status": "submitted", "deadline": "2024-04-15",
			"submitted_on": "2024-04-10", "total_tax_due": "12345.67", "total_reduction": "1234.56", "total_tax": "11111.11"})
	}
	return map[string][]Record{"declarations": recs}
}

// BenchmarkBatch measures making and reading a signed batch of 10,000
// records per format against a baseline in the same run: writing and
// reading the same rows as bare CSV and hashing them once (what any
// exchange must at least do). Run: go test ./exchange -bench Batch.
func BenchmarkBatch(b *testing.B) {
	const n = 10000
	recs := benchRecords(n)
	h := Header{BatchID: "bench", Direction: TaxToEnv, Sender: "bench", Period: "2024-Q1", CreatedAt: time.Unix(0, 0), Format: CSV}
	b.Run("baseline_csv_sha256", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			var buf bytes.Buffer
			w := csv.NewWriter(&buf)
			for _, r := range recs["declarations"] {
				w.Write(r)
			}
			w.Flush()
			sha256.Sum256(buf.Bytes())
			rows, err := csv.NewReader(bytes.NewReader(buf.Bytes())).ReadAll()
			if err != nil || len(rows) != n {
				b.Fatal(err)
			}
		}
	})
	for _, format := range Formats {
		b.Run(format, func(b *testing.B) {
			h.Format = format
			for i := 0; i < b.N; i++ {
				bt, err := Build(h, recs, testKey)
				if err != nil {
					b.Fatal(err)
				}
				got, err := Open(bt.Files, testKey)
				if err != nil || len(got.Records["declarations"]) != n {
					b.Fatal(err)
				}
			}
		})
	}
}
