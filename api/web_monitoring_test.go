package api_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/api"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/store/storetest"
)

// A taxpayer's month of monitoring on a page, as the accountant checks it
// before declaring and officers read it: each outlet and pollutant with
// the measured emission in 千克, valid and expected hours, completeness,
// concentrations with their unit, the excluded hours and the devices;
// the month's missing data folded beneath. The figures are those of the
// JSON API's monitoring route for the same month.
func TestWebMonitoringMonth(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, api.Config{})
		flaggedWorld(t, e, db)
		var fromAPI struct {
			Outlets []struct {
				OutletNo   string          `json:"outlet_no"`
				Pollutant  string          `json:"pollutant"`
				EmissionKg decimal.Decimal `json:"emission_kg"`
				Valid      int             `json:"valid"`
				Units      int             `json:"units"`
			} `json:"outlets"`
		}
		must(t, e.do("enterprise", "GET", "/v1/taxpayers/"+codeA+"/monitoring?month=2024-01", nil, nil), 200).json(t, &fromAPI)
		if len(fromAPI.Outlets) == 0 {
			t.Fatal("no monitored outlet in the world")
		}
		for _, role := range []string{"enterprise", "tax_officer", "env_officer"} {
			b := newBrowser(t, e)
			b.signIn(e.tokens[role])
			if tp := b.get("/app/taxpayers/" + codeA); !strings.Contains(tp.body, `id="monitoring-link"`) {
				t.Errorf("%s: the taxpayer page does not link the monitoring data", role)
			}
			p := b.get("/app/taxpayers/" + codeA + "/monitoring?month=2024-01")
			if p.status != 200 {
				t.Fatalf("%s: monitoring page %d", role, p.status)
			}
			plainChinese(t, role+"'s monitoring page", p.body)
			for _, o := range fromAPI.Outlets {
				re := regexp.MustCompile(`<tr data-outlet="` + o.OutletNo + `" data-pollutant="` + o.Pollutant + `">[\s\S]*?<td data-label="监测排放量（千克）" class="num">([^<]*)</td>\s*<td data-label="有效/应有">(\d+) / (\d+) 小时</td>`)
				m := re.FindStringSubmatch(p.body)
				if m == nil {
					t.Errorf("%s: no row for %s %s", role, o.OutletNo, o.Pollutant)
					continue
				}
				if kg := decimal.RequireFromString(strings.ReplaceAll(m[1], ",", "")); !kg.Equal(o.EmissionKg) || m[2] != strconv.Itoa(o.Valid) || m[3] != strconv.Itoa(o.Units) {
					t.Errorf("%s: %s %s shows %s kg %s/%s, the API %s kg %d/%d", role, o.OutletNo, o.Pollutant, m[1], m[2], m[3], o.EmissionKg, o.Valid, o.Units)
				}
			}
			// Many unverified parameters are one sentence, each listed in 依据详情.
			if n := strings.Count(p.body, "尚未核实的参数"); n != 1 || strings.Count(p.body, "unverified parameter") < 2 {
				t.Errorf("%s: the unverified parameters said %d times, listed %d", role, n, strings.Count(p.body, "unverified parameter"))
			}
			for _, want := range []string{"mg/m³", "数据缺失与替代", "没有数据 30 小时"} {
				if !strings.Contains(p.body, want) {
					t.Errorf("%s: the month lacks %q", role, want)
				}
			}
		}
		b := newBrowser(t, e)
		b.signIn(e.tokens["enterprise"])
		if p := b.get("/app/taxpayers/" + codeA + "/monitoring?month=2024-13"); p.status != 400 || !strings.Contains(p.body, "月份请按 2024-01 的格式填写") {
			t.Errorf("a month that is not one: %d", p.status)
		} else {
			plainChinese(t, "monitoring of a month that is not one", p.body)
		}
		if p := b.get("/app/taxpayers/91500000MA5UUUUU1X/monitoring?month=2024-01"); p.status != 403 && p.status != 404 {
			t.Errorf("another taxpayer's monitoring: %d", p.status)
		}
	})
}
