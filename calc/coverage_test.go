package calc_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ecotax/ecotax/calc"
)

// Every province yields an applicable amount for every air and water
// pollutant in every month from 2018-01 to 2026-12 (环境保护税法 第六条), in
// every zone the tables know and in the rest of the province. A region
// that is too coarse for its zones is accepted only where the finer codes
// are walked too. Any other answer is a gap in fixtures/tax/rates.csv.
func TestRateCoverageEveryProvinceAndMonth(t *testing.T) {
	e := testEngine(t)
	tables := e.Tables()
	var provinces []string
	for _, r := range tables.Regions {
		if strings.HasSuffix(r.Code, "0000") {
			provinces = append(provinces, r.Code)
		}
	}
	if len(provinces) != 31 {
		t.Fatalf("%d provinces in regions.csv, want 31", len(provinces))
	}
	// Provinces whose rows of a class all name zones cover the province
	// by their zones alone.
	allZoned := map[string]bool{}
	zoneless := map[string]bool{}
	for _, r := range tables.Rates {
		k := r.Province + r.Class
		if len(r.Zones) == 0 {
			zoneless[k] = true
		}
		allZoned[k] = !zoneless[k]
	}
	var gaps []string
	lookups := 0
	for _, prov := range provinces {
		// The province itself, every zone code under it, and a county code
		// that is in no zone (the rest of the province).
		regions := []string{prov, prov[:2] + "9999"}
		for _, r := range tables.Regions {
			if r.Code[:2] == prov[:2] && r.Code != prov {
				regions = append(regions, r.Code)
			}
		}
		for _, region := range regions {
			for y := 2018; y <= 2026; y++ {
				for m := 1; m <= 12; m++ {
					month := calc.Month(y*100 + m)
					for i := range tables.Pollutants {
						p := tables.Pollutants[i]
						if p.Category == calc.CatTable4 {
							continue
						}
						lookups++
						_, code, msg := e.Rate(region, p.Class(), p, "", month)
						switch {
						case code == "":
						case code == "region_too_coarse" && region[2:] != "9999":
							// the finer codes are walked as well
						case region[2:] == "9999" && allZoned[prov[:2]+p.Class()]:
							// every area of the province is in a zone
							// (Jiangsu's 13 cities), each walked above
						default:
							if len(gaps) < 40 {
								gaps = append(gaps, fmt.Sprintf("%s %s %s: %s", region, month, p.Name, msg))
							} else if len(gaps) == 40 {
								gaps = append(gaps, "…")
							}
						}
					}
				}
			}
		}
	}
	if len(gaps) > 0 {
		t.Fatalf("%d lookups; gaps in the rate tables:\n%s", lookups, strings.Join(gaps, "\n"))
	}
	t.Logf("%d lookups (31 provinces and their zones × 108 months × every air and water pollutant), no gap", lookups)
}
