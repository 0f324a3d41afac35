package calc_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ecotax/ecotax/calc"
)

// TestDuplicateSources: a source given twice (same kind, id and month as
// written) is reported at the later one, naming the first, whether the
// request has a few sources (compared pairwise) or many (a table of
// hashes); the expectation is the plain pairwise search.
func TestDuplicateSources(t *testing.T) {
	e := testEngine(t)
	rng := rand.New(rand.NewPCG(14, 12))
	ids := []string{"DA001", "DA002", "DW001", "D", "DA", "outlet-with-a-very-long-identifier-1", "outlet-with-a-very-long-identifier-2", "排口一", "排口二"}
	months := []string{"2024-01", "2024-02", "2024-03"}
	kinds := []string{"air", "water"}
	for round := 0; round < 200; round++ {
		n := 1 + rng.IntN(60)
		type src struct{ kind, id, month string }
		srcs := make([]src, n)
		var parts []string
		for i := range srcs {
			s := src{kinds[rng.IntN(2)], ids[rng.IntN(len(ids))], months[rng.IntN(3)]}
			srcs[i] = s
			name := "二氧化硫"
			if s.kind == "water" {
				name = "化学需氧量"
			}
			parts = append(parts, fmt.Sprintf(`{"id":%q,"kind":%q,"month":%q,"pollutants":[{"name":%q,"emission_kg":"1"}]}`, s.id, s.kind, s.month, name))
		}
		body := `{"region":"500107","period":"2024-Q1","sources":[` + strings.Join(parts, ",") + `]}`
		want := map[string]string{} // path → the earlier source it repeats
		for i := range srcs {
			for j := 0; j < i; j++ {
				if srcs[j] == srcs[i] {
					want[fmt.Sprintf("sources[%d].id", i)] = fmt.Sprintf("sources[%d]", j)
					break
				}
			}
		}
		req, err := calc.DecodeRequest([]byte(body))
		if err != nil {
			t.Fatalf("round %d: decode: %v", round, err)
		}
		_, err = e.Assess(req)
		got := map[string]string{}
		var ce *calc.Error
		if errors.As(err, &ce) {
			for _, fe := range ce.Errors {
				if fe.Code != "duplicate_source" {
					t.Fatalf("round %d: unexpected error %+v", round, fe)
				}
				i := strings.Index(fe.Message, "sources[")
				got[fe.Path] = fe.Message[i : i+strings.Index(fe.Message[i:], "]")+1]
			}
		} else if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("round %d (%d sources): got %v, want %v", round, n, got, want)
		}
	}
}
