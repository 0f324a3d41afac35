// Package reconciletest generates HJ 212 hour data for tests and
// benchmarks: a month of CN=2061 packets per device, with gaps, flagged
// hours and a rejected packet, and the figures a correct pipeline must
// arrive at, worked out hour by hour here (not by the monitor package).
package reconciletest

import (
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc/param"
	"github.com/ecotax/ecotax/hj212"
)

// Factor is one measured pollutant of a device: each hour sends -Avg
// (mg/m³), -Cou (kg) and -Flag.
type Factor struct {
	Code string
	// CouMilli is the hourly emission in grams (thousandths of a kg);
	// hour h of the month sends CouMilli + h%7 grams, so values vary and
	// stay exact.
	CouMilli int64
	// AvgTenths is the hourly concentration in tenths of mg/m³; hour h
	// sends AvgTenths + h%5 tenths.
	AvgTenths int64
}

// Device is one data logger and what its month looks like.
type Device struct {
	MN      string
	Factors []Factor
	// Gaps are hours (0-based from the month's first hour) with no packet.
	Gaps map[int]bool
	// Flags are hours whose records carry this flag instead of N.
	Flags map[int]string
	// Ack asks for a data answer (Flag=5 instead of 4).
	Ack bool
}

// Expect is what the pipeline must find for one device and factor.
type Expect struct {
	TotalKg  decimal.Decimal // Σ -Cou of the counted hours (N, T)
	Valid    int             // counted hours
	Excluded int             // hours sent with another flag
	Hours    int             // hours in the month
	AvgSum   decimal.Decimal
}

// Month returns the frames of one device for month YYYY-MM (CR LF
// included), one packet per hour that is not a gap, and the expected
// figure per factor code. Every hour's QN is unique, so no two frames are
// equal.
func Month(d Device, month string) ([][]byte, map[string]*Expect, error) {
	y, m := atoi(month[:4]), atoi(month[5:7])
	days := param.DaysIn(y, m)
	hours := days * 24
	exp := map[string]*Expect{}
	for _, f := range d.Factors {
		exp[f.Code] = &Expect{Hours: hours}
	}
	flag := "4"
	if d.Ack {
		flag = "5"
	}
	var frames [][]byte
	for h := 0; h < hours; h++ {
		if d.Gaps[h] {
			continue
		}
		day, hour := h/24+1, h%24
		dt := fmt.Sprintf("%04d%02d%02d%02d0000", y, m, day, hour)
		mark := "N"
		if x, ok := d.Flags[h]; ok {
			mark = x
		}
		items := [][]hj212.Field{{{Key: "DataTime", Value: dt}}}
		for _, f := range d.Factors {
			cou := decimal.New(f.CouMilli+int64(h%7), -3)
			avg := decimal.New(f.AvgTenths+int64(h%5), -1)
			items = append(items, []hj212.Field{
				{Key: f.Code + "-Avg", Value: avg.StringFixed(1)},
				{Key: f.Code + "-Cou", Value: cou.StringFixed(3)},
				{Key: f.Code + "-Flag", Value: mark},
			})
			e := exp[f.Code]
			if mark == "N" || mark == "T" {
				e.TotalKg = e.TotalKg.Add(cou)
				e.AvgSum = e.AvgSum.Add(avg)
				e.Valid++
			} else {
				e.Excluded++
			}
		}
		raw, err := hj212.Encode([]hj212.Field{
			{Key: "QN", Value: fmt.Sprintf("%s%03d", dt, h%1000)}, {Key: "ST", Value: "31"}, {Key: "CN", Value: "2061"},
			{Key: "PW", Value: "123456"}, {Key: "MN", Value: d.MN}, {Key: "Flag", Value: flag},
		}, items)
		if err != nil {
			return nil, nil, err
		}
		frames = append(frames, raw)
	}
	return frames, exp, nil
}

// Corrupt returns a copy of a frame with one data byte changed, which the
// Annex A CRC catches: a packet that must be stored as rejected.
func Corrupt(frame []byte) []byte {
	out := append([]byte(nil), frame...)
	i := len(out) / 2
	if out[i] == '1' {
		out[i] = '2'
	} else {
		out[i] = '1'
	}
	return out
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
