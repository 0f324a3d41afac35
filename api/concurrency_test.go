package api_test

import (
	"sync"
	"testing"

	"github.com/ecotax/ecotax/api"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/store/storetest"
)

// TestConcurrentWrites: eight writers with the same version — exactly one
// wins, the others get 409; eight creates with one Idempotency-Key — one
// row, and every answer is the same taxpayer.
func TestConcurrentWrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, api.Config{})
		must(t, e.do("tax_officer", "POST", "/v1/taxpayers", obj{"credit_code": codeA, "name": "甲", "region": "500103"}, nil), 201)
		var wg sync.WaitGroup
		statuses := make([]int, 8)
		for i := range statuses {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				statuses[i] = e.do("tax_officer", "PATCH", "/v1/taxpayers/"+codeA, obj{"name": "乙"}, hdr{"If-Match": `"1"`}).status
			}(i)
		}
		wg.Wait()
		count := map[int]int{}
		for _, s := range statuses {
			count[s]++
		}
		if count[200] != 1 || count[409] != 7 {
			t.Errorf("racing updates: %v, want one 200 and seven 409", count)
		}

		for i := range statuses {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				statuses[i] = e.do("tax_officer", "POST", "/v1/taxpayers", obj{"credit_code": codeB, "name": "丙", "region": "500104"}, hdr{"Idempotency-Key": "same"}).status
			}(i)
		}
		wg.Wait()
		for _, s := range statuses {
			if s != 201 && s != 409 {
				t.Errorf("racing idempotent creates: status %d", s)
			}
		}
		var list struct{ Taxpayers []obj }
		must(t, e.do("admin", "GET", "/v1/taxpayers", nil, nil), 200).json(t, &list)
		if len(list.Taxpayers) != 2 {
			t.Errorf("%d taxpayers, want 2", len(list.Taxpayers))
		}
		// After the race, the key replays.
		r := must(t, e.do("tax_officer", "POST", "/v1/taxpayers", obj{"credit_code": codeB, "name": "丙", "region": "500104"}, hdr{"Idempotency-Key": "same"}), 201)
		if r.header.Get("Idempotent-Replayed") != "true" {
			t.Error("no replay after the race")
		}
	})
}
