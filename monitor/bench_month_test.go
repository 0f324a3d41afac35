package monitor

import (
	"fmt"
	"testing"

	"github.com/ecotax/ecotax/hj212"
)

// benchPackets: a month of hour data (March 2024) of one device and 8
// factors, with every 50th hour missing and every 37th flagged D.
func benchPackets() []*hj212.Packet {
	var out []*hj212.Packet
	for d := 1; d <= 31; d++ {
		for h := 0; h < 24; h++ {
			i := (d-1)*24 + h
			if i%50 == 7 {
				continue
			}
			dt := fmt.Sprintf("202403%02d%02d0000", d, h)
			cp := "DataTime=" + dt
			for f := 0; f < 8; f++ {
				flag := "N"
				if i%37 == 3 {
					flag = "D"
				}
				cp += fmt.Sprintf(";a%05d-Avg=%d.%d,a%05d-Cou=0.%03d,a%05d-Flag=%s", 21000+f, i%90, f, 21000+f, i%1000, 21000+f, flag)
			}
			data := "QN=" + dt + "000;ST=31;CN=2061;PW=1;MN=MB;Flag=4;CP=&&" + cp + "&&"
			raw := fmt.Sprintf("##%04d%s%s", len(data), data, hj212.Checksum([]byte(data)))
			out = append(out, hj212.Parse([]byte(raw), hj212.Options{}))
		}
	}
	return out
}

func BenchmarkMonthlyMonth(b *testing.B) {
	ps := benchPackets()
	opt := benchOptions()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := Monthly(ps, opt)
		if err != nil || len(res.Figures) != 8 {
			b.Fatal(err)
		}
	}
}

func benchOptions() Options { return Options{Places: 4, Quality: testQuality()} }
