package web

import (
	"net/url"
	"strings"
	"testing"

	"github.com/ecotax/ecotax/calc"
)

// Numbers are read as people type them, on the pre-check form too.
func TestNumbersAsTyped(t *testing.T) {
	for in, want := range map[string]string{"1,820.5": "1820.5", "１８２０．５": "1820.5", " 24 000 ": "24000", "１，０００": "1000"} {
		if got := NormalizeNumber(in); got != want {
			t.Errorf("%q → %q, want %q", in, got, want)
		}
		if _, msg := ParseNumber(in); msg != "" {
			t.Errorf("%q refused: %s", in, msg)
		}
	}
	for _, bad := range []string{"1,2x", "-3", "十二", "12,5", "1 5", "1,23.4", ",", "，，"} {
		if _, msg := ParseNumber(bad); msg == "" || hasLatin(msg) {
			t.Errorf("%q: %q", bad, msg)
		}
		if NormalizeNumber(bad) == "" {
			t.Errorf("%q vanished", bad)
		}
	}
	f := ParseForm(url.Values{"region": {"500000"}, "period": {"2024-Q1"}, "sources[0].kind": {"air"}, "sources[0].id": {"DA001"},
		"sources[0].pollutants[0].name": {"二氧化硫"}, "sources[0].pollutants[0].emission_kg": {"1,820.5"}})
	if js := string(f.JSON()); !strings.Contains(js, `"emission_kg":"1820.5"`) {
		t.Errorf("pre-check request %s", js)
	}
	if ParticulateHint("颗粒物", false) == "" || ParticulateHint("烟尘", false) != "" || !strings.Contains(ParticulateHint("颗粒物", true), "一般性粉尘") {
		t.Error("颗粒物 suggestion")
	}
}

// 颗粒物, the name permits use, gets one clear suggestion instead of the
// engine's list of close names; the engine's words stay for 依据详情.
func TestExplainParticulates(t *testing.T) {
	e := NewErrorView(calc.FieldError{Path: "sources[0].pollutants[0].name", Code: "unknown_pollutant",
		Message: `"颗粒物" is not a pollutant of the tables; closest: 氟化物, 一氧化碳`})
	if !strings.Contains(e.Message, "烟尘") || !strings.Contains(e.Message, "一般性粉尘") || strings.Contains(e.Message, "closest") ||
		!strings.Contains(e.Detail, "closest") {
		t.Errorf("%+v", e)
	}
}
