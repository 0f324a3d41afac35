package api_test

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"testing"

	"golang.org/x/time/rate"

	"github.com/ecotax/ecotax/api"
	"github.com/ecotax/ecotax/store/storetest"
)

// The calculator decodes into decoders kept between requests (a request
// lives in its decoder's memory until the decoder's next request): many
// different requests at once — answers, decoding faults and requests the
// engine refuses, whose errors name their fields — each get exactly the
// answer they get alone, at every trace level.
func TestCalculatorDecodersShared(t *testing.T) {
	s := newServer(t, storetest.OpenSQLite(t), nil, slog.New(slog.NewJSONHandler(io.Discard, nil)), api.Config{RateLimit: rate.Inf}, nil)
	var bodies [][]byte
	files, _ := filepath.Glob("../fixtures/examples/*.json")
	more, _ := filepath.Glob("testdata/assessment*.json")
	for _, f := range append(files, more...) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		bodies = append(bodies, data)
	}
	names := []string{"二氧化硫", "氮氧化物", "烟尘", "not-a-pollutant-name", "氨氮"}
	for i := 0; i < 12; i++ {
		var b bytes.Buffer
		fmt.Fprintf(&b, `{"taxpayer":{"name":"企业%d"},"region":"500107","period":"2024-0%d","sources":[`, i, 1+i%3)
		for k := 0; k <= i%4; k++ {
			if k > 0 {
				b.WriteByte(',')
			}
			kind, name := "air", names[(i+k)%len(names)]
			if name == "氨氮" {
				kind = "water"
			}
			fmt.Fprintf(&b, `{"id":"D%d","kind":"%s","month":"2024-0%d","pollutants":[{"name":"%s","emission_kg":"%d.%d"}]}`,
				k, kind, 1+i%3, name, 100*i+k, i)
		}
		b.WriteString("]}")
		bodies = append(bodies, b.Bytes())
		if i%3 == 0 {
			bodies = append(bodies, b.Bytes()[:b.Len()/2]) // malformed
		}
	}
	queries := []string{"", "?trace=full", "?trace=none"}
	type answer struct {
		status int
		body   string
	}
	post := func(body []byte, q string) answer {
		w := httptest.NewRecorder()
		r := httptest.NewRequest("POST", "/v1/tax/assessments"+q, bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		s.ServeHTTP(w, r)
		// A problem carries its own request id.
		return answer{w.Code, requestID.ReplaceAllString(w.Body.String(), "")}
	}
	want := make([][]answer, len(bodies))
	statuses := map[int]int{}
	for i, body := range bodies {
		for _, q := range queries {
			a := post(body, q)
			want[i] = append(want[i], a)
			statuses[a.status]++
		}
	}
	if statuses[200] == 0 || statuses[400]+statuses[422] == 0 {
		t.Fatalf("want answers and faults, got %v", statuses)
	}
	var wg sync.WaitGroup
	for g := 0; g < 6; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := 0; round < 4; round++ {
				for k := range bodies {
					i := (k*7 + g*5 + round) % len(bodies)
					for qi, q := range queries {
						if got := post(bodies[i], q); got != want[i][qi] {
							t.Errorf("request %d%s answered differently among others:\n%d %.300s\n%d %.300s",
								i, q, got.status, got.body, want[i][qi].status, want[i][qi].body)
							return
						}
					}
				}
			}
		}()
	}
	wg.Wait()
}

var requestID = regexp.MustCompile(`"request_id":"[^"]*"`)
