package calc_test

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/internal/jsontest"
)

// Each bad request must be rejected with a clear error at the right path.
func TestDecodeRejects(t *testing.T) {
	base := `{"rates":{"air":"1.2"},"sources":[{"id":"DA001","kind":"air","month":"2024-01","pollutants":[{"name":"二氧化硫","emission_kg":%s}]}]}`
	num := func(v string) string { return strings.Replace(base, "%s", v, 1) }
	cases := []struct {
		name, body, code, path string
	}{
		{"malformed JSON", `{"sources": [`, "invalid_json", "sources[0]"},
		{"trailing data", `{"sources": []} {}`, "invalid_json", "$"},
		{"not an object", `[1,2]`, "invalid_type", "$"},
		{"unknown top field", `{"sourcez": []}`, "unknown_field", "sourcez"},
		{"duplicate field", `{"region":"500000","region":"110000","sources":[]}`, "duplicate_field", "region"},
		{"no sources", `{"region":"500000"}`, "required", "sources"},
		{"sources wrong type", `{"sources": {}}`, "invalid_type", "sources"},
		{"unknown kind", `{"sources":[{"id":"X","kind":"light","month":"2024-01"}]}`, "invalid_value", "sources[0].kind"},
		{"field of another kind", `{"sources":[{"id":"N1","kind":"noise","month":"2024-01","pollutants":[]}]}`, "unknown_field", "sources[0].pollutants"},
		{"bad month", `{"sources":[{"id":"S","kind":"solid_waste","month":"2024-13","waste":"尾矿","generated_t":"1"}]}`, "invalid_value", "sources[0].month"},
		{"bad period", `{"period":"2024-Q5","sources":[{"id":"S","kind":"solid_waste","month":"2024-01","waste":"尾矿","generated_t":"1"}]}`, "invalid_value", "period"},
		{"bad region", `{"region":"5000","sources":[{"id":"S","kind":"solid_waste","month":"2024-01","waste":"尾矿","generated_t":"1"}]}`, "invalid_value", "region"},
		{"empty number", num(`""`), "invalid_number", "sources[0].pollutants[0].emission_kg"},
		{"NaN", num(`"NaN"`), "invalid_number", "sources[0].pollutants[0].emission_kg"},
		{"Infinity", num(`"Inf"`), "invalid_number", "sources[0].pollutants[0].emission_kg"},
		{"negative", num(`"-1"`), "invalid_number", "sources[0].pollutants[0].emission_kg"},
		{"negative number", num(`-1.5`), "invalid_number", "sources[0].pollutants[0].emission_kg"},
		{"13 decimals", num(`"0.0000000000001"`), "invalid_number", "sources[0].pollutants[0].emission_kg"},
		{"above 1e15", num(`"1000000000000001"`), "invalid_number", "sources[0].pollutants[0].emission_kg"},
		{"huge exponent", num(`1e400`), "invalid_number", "sources[0].pollutants[0].emission_kg"},
		{"boolean number", num(`true`), "invalid_type", "sources[0].pollutants[0].emission_kg"},
		{"hex", num(`"0x10"`), "invalid_number", "sources[0].pollutants[0].emission_kg"},
		{"exceed days out of range", `{"sources":[{"id":"N","kind":"noise","month":"2024-01","day":{"limit_db":"65","measured_db":"70","exceed_days":40}}]}`, "invalid_number", "sources[0].day.exceed_days"},
		{"noise without readings", `{"sources":[{"id":"N","kind":"noise","month":"2024-01","day":null}]}`, "required", "sources[0].day"},
		{"missing exceed days", `{"sources":[{"id":"N","kind":"noise","month":"2024-01","day":{"limit_db":"65","measured_db":"70"}}]}`, "required", "sources[0].day.exceed_days"},
		{"bad rounding", `{"rounding":"banker","sources":[{"id":"S","kind":"solid_waste","month":"2024-01","waste":"尾矿","generated_t":"1"}]}`, "invalid_value", "rounding"},
		{"both kg and t", strings.Replace(base, `"emission_kg":%s`, `"emission_kg":"1","emission_t":"1"`, 1), "invalid_value", "sources[0].pollutants[0].emission_t"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := calc.DecodeRequest([]byte(c.body))
			var ce *calc.Error
			if !errors.As(err, &ce) {
				t.Fatalf("want a *calc.Error, got %v", err)
			}
			if ce.Kind != calc.KindInvalid || ce.Title == "" {
				t.Errorf("kind %s title %q", ce.Kind, ce.Title)
			}
			for _, fe := range ce.Errors {
				if fe.Code == c.code && fe.Path == c.path && fe.Message != "" {
					return
				}
			}
			t.Errorf("want %s at %s, got %+v", c.code, c.path, ce.Errors)
		})
	}
}

func TestDecodeAcceptsNumbersExactly(t *testing.T) {
	body := `{"rates":{"air":1.2},"sources":[{"id":"DA001","kind":"air","month":"2024-01","pollutants":[{"name":"SO2","emission_kg":0.1000000000000000055511151231257827}]}]}`
	_, err := calc.DecodeRequest([]byte(body))
	// More than 12 decimals: rejected rather than silently rounded.
	if err == nil {
		t.Fatal("a 34-decimal number was accepted")
	}
	req, err := calc.DecodeRequest([]byte(`{"rates":{"air":1.2},"sources":[{"id":"DA001","kind":"air","month":"2024-01","pollutants":[{"name":"SO2","emission_kg":1e3}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := req.Sources[0].Pollutants[0].EmissionKg.Decimal.String(); got != "1000" {
		t.Fatalf("1e3 read as %s", got)
	}
	if got := req.Rates.Air.Decimal.String(); got != "1.2" {
		t.Fatalf("rate 1.2 read as %s", got)
	}
}

// Every error of a request is reported at once.
func TestDecodeCollectsAllErrors(t *testing.T) {
	body := `{"sources":[{"id":"","kind":"air","month":"x","pollutants":[{"name":"SO2","emission_kg":"-1"}]},{"kind":"water","id":"W","month":"2024-01","pollutants":[{"nam":"COD"}]}]}`
	_, err := calc.DecodeRequest([]byte(body))
	var ce *calc.Error
	if !errors.As(err, &ce) || len(ce.Errors) < 4 {
		t.Fatalf("want at least 4 errors, got %v", err)
	}
}

// The shipped example declarations all decode and assess.
func TestShippedExamples(t *testing.T) {
	e := testEngine(t)
	files, _ := filepath.Glob("../fixtures/examples/*.json")
	if len(files) == 0 {
		t.Fatal("no examples in fixtures/examples")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		req, err := calc.DecodeRequest(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		res, err := e.Assess(req)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if !res.TotalTax.IsPositive() || len(res.Steps()) == 0 {
			t.Errorf("%s: total %s, %d trace steps", f, res.TotalTax, len(res.Steps()))
		}
	}
}

func FuzzDecodeAndAssess(f *testing.F) {
	files, _ := filepath.Glob("../fixtures/examples/*.json")
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"rates":{"air":"1.2"},"sources":[{"id":"DA001","kind":"air","month":"2024-01","pollutants":[{"name":"二氧化硫","emission_kg":"100"}]}]}`))
	f.Add([]byte(`{"sources":[{"id":"N","kind":"noise","month":"2024-01","day":{"limit_db":"65","measured_db":"70.5","exceed_days":3}}]}`))
	f.Add([]byte(`{"region":"130600","sources":[{"id":"W","kind":"water","month":"2024-01","wastewater_t":"10","pollutants":[{"name":"pH","value":"3"},{"name":"色度","measured":"9","standard":"3"}]}]}`))
	f.Add([]byte(`{"sources":[{"id":"L","kind":"livestock","month":"2024-01","species":"猪","stock_start":"1","stock_end":"1e3"}]}`))
	f.Add([]byte(`{"period":"2024-Q2","sources":[{"id":"W","kind":"water","month":"2024-05","wastewater_t":"10","pollutants":[{"name":"COD","emission_kg":"9","method":"monitoring","monitoring_month":"2024-03","avg_concentration":"1","max_concentration":"2","standard_concentration":"5"},{"name":"NH3-N","method":"self_monitoring","below_detection_limit":true,"monitoring_month":"2024-05"},{"name":"余氯量","measured":"0.6","standard":"0.5"}]}]}`))
	f.Add([]byte(`{"sources":[{"id":"N1","kind":"noise","month":"2024-02","boundary":"A","boundary_length_m":"120","night":{"limit_db":"55","measured_db":"58","exceed_days":29,"burst":"occasional","peak_db":"80.5"}},{"id":"N2","kind":"noise","month":"2024-02","boundary":"A","day":{"limit_db":"65","measured_db":"66","exceed_days":1}}]}`))
	e := testEngine(f)
	assess := func(data []byte) (*calc.Result, error) {
		req, err := calc.DecodeRequest(data)
		if err != nil {
			return nil, err
		}
		return e.Assess(req)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		res := jsontest.Run(t, data, assess)
		if res == nil {
			return
		}
		if res.TotalTax.GreaterThan(res.TotalTaxDue) {
			t.Fatalf("tax %s above tax due %s", res.TotalTax, res.TotalTaxDue)
		}
		if _, err := res.MarshalJSON(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestParseAmountBoundaries(t *testing.T) {
	for text, ok := range map[string]bool{
		"1000000000000000":             true, // 1e15 itself
		"1e15":                         true,
		"0001e15":                      true,
		"1000000000000000.0001":        false,
		"1.1e15":                       false,
		"10000000000000000":            false,
		"999999999999999.999999999999": true,
		"0.000000000001":               true,
		"0.0000000000010":              true, // 13 written, 12 significant
		"0.0000000000001":              false,
		"1e-12":                        true,
		"1e-13":                        false,
		"-0":                           true,
		"-0.0001":                      false,
	} {
		_, msg := calc.ParseAmount(text)
		if (msg == "") != ok {
			t.Errorf("%s: accepted=%t, want %t (%s)", text, msg == "", ok, msg)
		}
	}
}

// TestTrimSpace: trimSpace is strings.TrimSpace on texts made of white
// space (every rune unicode.IsSpace knows), Chinese, ASCII and bytes that
// are not UTF-8.
func TestTrimSpace(t *testing.T) {
	var parts []string
	for r := rune(0); r <= 0x3000; r++ {
		if unicode.IsSpace(r) {
			parts = append(parts, string(r))
		}
	}
	parts = append(parts, "二", "氧化硫", "a", "Z", "~", "\x7f", "\x00", "\xe4", "\xe4\xb8", "\xbf", "\xef\xbf\xbd", "\ufeff", "\U0001F600", "é")
	rng := rand.New(rand.NewPCG(14, 3))
	for i := 0; i < 200_000; i++ {
		var b strings.Builder
		for k := rng.IntN(5); k >= 0; k-- {
			b.WriteString(parts[rng.IntN(len(parts))])
		}
		s := b.String()
		if got, want := calc.TrimSpace(s), strings.TrimSpace(s); got != want {
			t.Fatalf("trimSpace(%q) = %q, want %q", s, got, want)
		}
	}
}

// TestStopByte: the eight-byte test of the fast decoder's strings is the
// byte-by-byte one, on words mixing the bytes that matter (quote,
// backslash, control characters, their neighbours, high bytes).
func TestStopByte(t *testing.T) {
	pick := []byte{0, 1, 0x1f, 0x20, 0x21, '"', '#', '\\', '[', ']', 'a', 0x7f, 0x80, 0x9f, 0xa0, 0xa2, 0xdc, 0xe4, 0xff}
	rng := rand.New(rand.NewPCG(14, 4))
	for i := 0; i < 1_000_000; i++ {
		var x uint64
		want := false
		for k := 0; k < 8; k++ {
			c := pick[rng.IntN(len(pick))]
			if rng.IntN(3) == 0 {
				c = byte(rng.Uint32())
			}
			want = want || c == '"' || c == '\\' || c < 0x20
			x |= uint64(c) << (8 * k)
		}
		if got := calc.StopByte(x); got != want {
			t.Fatalf("stopByte(%#016x) = %v, want %v", x, got, want)
		}
	}
}
