package monitor

import (
	"strings"
	"testing"

	"github.com/ecotax/ecotax/hj212"
)

// An HJ 212-2025 sentinel in -ZsAvg (the reference-oxygen value could not
// be computed) is never a test concentration: the hour keeps its -Avg and
// -Cou, has no test value, and the figure says why. A sentinel -Avg
// leaves the record out with the reason.
func TestSentinels(t *testing.T) {
	hour := func(dt, avg, zs string) *hj212.Packet {
		raw, err := hj212.Encode(
			[]hj212.Field{{Key: "QN", Value: dt + "000"}, {Key: "ST", Value: "31"}, {Key: "CN", Value: "2061"}, {Key: "PW", Value: "123456"}, {Key: "MN", Value: "M1"}, {Key: "Flag", Value: "8"}},
			[][]hj212.Field{{{Key: "DataTime", Value: dt}}, {{Key: "a21026-Cou", Value: "1.5"}, {Key: "a21026-Avg", Value: avg}, {Key: "a21026-ZsAvg", Value: zs}, {Key: "a21026-Flag", Value: "N"}}})
		if err != nil {
			t.Fatal(err)
		}
		return hj212.Parse(raw, hj212.Options{})
	}
	res, err := Monthly([]*hj212.Packet{
		hour("20260105100000", "40", "60"),
		hour("20260105110000", "50", "99999.99"),
		hour("20260105120000", "99999.99", "70"),
	}, Options{Places: 2, Quality: testQuality()})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Figures) != 1 {
		t.Fatalf("%d figures", len(res.Figures))
	}
	f := res.Figures[0]
	if f.AvgCount != 2 || f.TotalCount != 2 || f.TestCount != 1 || f.ZsCount != 1 || !f.TestMax.Equal(f.TestSum) || f.TestMax.String() != "60" {
		t.Fatalf("avg %d, total %d, test %d (max %s), zs %d", f.AvgCount, f.TotalCount, f.TestCount, f.TestMax, f.ZsCount)
	}
	if len(f.Excluded) != 1 || !strings.Contains(f.Excluded[0].Reason, "maximum of its data type") {
		t.Fatalf("excluded %+v", f.Excluded)
	}
	if !strings.Contains(strings.Join(f.Warnings, "\n"), "20260105110000 is 99999.99") {
		t.Fatalf("warnings %v", f.Warnings)
	}
}
