package param

import "testing"

type keyedRow struct {
	Key string
	N   int
	Meta
}

func (r keyedRow) ParamKey() string { return r.Key }

func TestInForce(t *testing.T) {
	rows := []keyedRow{
		{Key: "a", N: 1, Meta: Meta{Range: Range{From: NewDate(2018, 1, 1), To: NewDate(2020, 12, 31)}}},
		{Key: "a", N: 2, Meta: Meta{Range: Range{From: NewDate(2021, 1, 1)}}},
		{Key: "b", N: 3, Meta: Meta{Range: Range{From: NewDate(2019, 1, 1)}}},
	}
	for _, c := range []struct {
		key  string
		day  Date
		want int // 0: none
	}{
		{"a", NewDate(2018, 1, 1), 1},   // first day of a range
		{"a", NewDate(2020, 12, 31), 1}, // last day of a range
		{"a", NewDate(2021, 1, 1), 2},
		{"a", NewDate(2099, 6, 30), 2}, // open end
		{"a", NewDate(2017, 12, 31), 0},
		{"b", NewDate(2018, 6, 1), 0}, // another key's range does not count
		{"b", NewDate(2019, 1, 1), 3},
		{"c", NewDate(2019, 1, 1), 0},
	} {
		r, err := InForce(rows, "test parameter", c.key, c.day)
		switch {
		case c.want == 0 && err == nil:
			t.Errorf("%s on %s: found row %d, want none", c.key, c.day, r.N)
		case c.want == 0 && err.Error() != "no test parameter "+c.key+" in force on "+c.day.String():
			t.Errorf("%s on %s: error %q", c.key, c.day, err)
		case c.want != 0 && (err != nil || r.N != c.want):
			t.Errorf("%s on %s: row %d, %v; want row %d", c.key, c.day, r.N, err, c.want)
		}
	}
}
