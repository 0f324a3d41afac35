package monitor

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/ecotax/ecotax/hj212"
)

func readPackets(t *testing.T, file string) []*hj212.Packet {
	t.Helper()
	fh, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	var out []*hj212.Packet
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "##") {
			out = append(out, hj212.Parse([]byte(sc.Text()), hj212.Options{Lenient: true}))
		}
	}
	return out
}

// view is a Figure written the way the golden file writes it.
type view struct {
	MN           string   `json:"mn"`
	Code         string   `json:"code"`
	Month        string   `json:"month"`
	Basis        Basis    `json:"basis"`
	Total        string   `json:"total"`
	TotalCount   int      `json:"total_count"`
	AvgSum       string   `json:"avg_sum"`
	AvgCount     int      `json:"avg_count"`
	Mean         string   `json:"mean"`
	Max          string   `json:"max"`
	MaxAt        string   `json:"max_at"`
	TestSum      string   `json:"test_sum"`
	TestCount    int      `json:"test_count"`
	TestMean     string   `json:"test_mean"`
	TestMax      string   `json:"test_max"`
	TestMaxAt    string   `json:"test_max_at"`
	ZsCount      int      `json:"zs_count"`
	Valid        int      `json:"valid"`
	Units        int      `json:"units"`
	Completeness string   `json:"completeness"`
	Excluded     []string `json:"excluded"`
	Duplicates   int      `json:"duplicates"`
	Lenient      int      `json:"lenient"`
}

func viewOf(f Figure) view {
	v := view{
		MN: f.MN, Code: f.Code, Month: f.Month, Basis: f.Basis,
		Total: f.Total.String(), TotalCount: f.TotalCount,
		AvgSum: f.AvgSum.String(), AvgCount: f.AvgCount, Mean: f.Mean.String(), Max: f.Max.String(), MaxAt: f.MaxAt,
		TestSum: f.TestSum.String(), TestCount: f.TestCount, TestMean: f.TestMean.String(), TestMax: f.TestMax.String(), TestMaxAt: f.TestMaxAt, ZsCount: f.ZsCount,
		Valid: f.Valid, Units: f.Units, Completeness: f.Completeness.String(),
		Duplicates: f.Duplicates, Lenient: f.Lenient,
	}
	for _, e := range f.Excluded {
		v.Excluded = append(v.Excluded, e.DataTime+" "+e.Flag)
	}
	return v
}

func TestGoldenSmall(t *testing.T) {
	var g struct {
		Places  int32    `json:"places"`
		Figures []view   `json:"figures"`
		Skipped []string `json:"skipped"`
	}
	b, err := os.ReadFile("testdata/feb2024_small.golden.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	res, err := Monthly(readPackets(t, "testdata/feb2024_small.txt"), Options{Places: g.Places, Quality: testQuality()})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Figures) != len(g.Figures) {
		t.Fatalf("%d figures, want %d", len(res.Figures), len(g.Figures))
	}
	for i, f := range res.Figures {
		got, _ := json.MarshalIndent(viewOf(f), "", " ")
		want, _ := json.MarshalIndent(g.Figures[i], "", " ")
		if string(got) != string(want) {
			t.Errorf("figure %d:\n got %s\nwant %s", i, got, want)
		}
		if len(f.Trace) == 0 {
			t.Error("no trace")
		}
		var rounded bool
		for _, s := range f.Trace {
			rounded = rounded || (s.Kind == "rounding" && strings.Contains(s.Text, "37.55 ÷ 3") && strings.Contains(s.Text, "12.5167"))
		}
		if !rounded {
			t.Errorf("the rounding of the test mean is not in the trace: %+v", f.Trace)
		}
	}
	if len(res.Skipped) != len(g.Skipped) {
		t.Fatalf("skipped %+v", res.Skipped)
	}
	for i, s := range res.Skipped {
		if !strings.HasPrefix(fmt.Sprintf("CN=%s DataTime=%s: %s", s.CN, s.DataTime, s.Reason), g.Skipped[i]) {
			t.Errorf("skipped %d: %+v, want %s", i, s, g.Skipped[i])
		}
	}
}

func TestPlacesRequired(t *testing.T) {
	for _, p := range []int32{-1, 17} {
		if _, err := Monthly(nil, Options{Places: p, Quality: testQuality()}); err == nil || !strings.Contains(err.Error(), "places") {
			t.Errorf("places %d: %v", p, err)
		}
	}
}

func TestName(t *testing.T) {
	names := map[string]string{"a21026": "二氧化硫", "B01": "污水", "w01018": "化学需氧量"}
	cases := []struct {
		code  string
		names map[string]string
		want  string // "" means no mapping
	}{
		{"a21026", names, "二氧化硫"},
		{"b01", names, "污水"}, // 2005 codes are written in either case
		{"W01018", names, "化学需氧量"},
		{"a21002", names, ""}, // not in the table: no guess
		{"", names, ""},
		{"B01 ", names, ""},                                  // no trimming
		{"x1", map[string]string{"x1": "甲", "X1": "乙"}, "甲"}, // an exact match wins
		{"Ab", map[string]string{"AB": "甲", "ab": "乙"}, ""},  // case-only matches that disagree
		{"Ab", map[string]string{"AB": "甲", "ab": "甲"}, "甲"}, // ... or agree
	}
	for _, c := range cases {
		got, ok := Name(c.code, c.names)
		if ok != (c.want != "") || got != c.want {
			t.Errorf("Name(%q): %q %v, want %q", c.code, got, ok, c.want)
		}
	}
	figs := []Figure{{Code: "a21026"}, {Code: "O3"}, {Code: "O3"}, {Code: "LAMPBLACK"}}
	if got := Unnamed(figs, names); strings.Join(got, ",") != "LAMPBLACK,O3" {
		t.Errorf("Unnamed: %v", got)
	}
}
