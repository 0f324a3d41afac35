package reconcile

import (
	"sort"
	"strings"

	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/hj212"
	"github.com/ecotax/ecotax/monitor"
)

// MappedFigure is a monthly figure of the part of a device's month that
// one mapping covers (DeviceID 0: the days no mapping covers).
type MappedFigure struct {
	DeviceID int64
	monitor.Figure
}

// MonthFigures computes the monthly figures of one MN and month from its
// hour and day packets. Each packet goes to the mapping of devs that
// covers its day (mapping 0 when none does), and monitor.Monthly runs once
// per mapping, so a device moved mid-month gives each outlet its own part
// of the month. The figures come out by mapping id, then as
// monitor.Monthly sorts them; a figure of another month (which packets
// selected by month cannot give) is left out.
//
// opt gives the places, the data-quality rules and Until; the days each
// mapping covers are set here, so that the days of another mapping are
// never taken for missing data.
func MonthFigures(devs []Device, packets []*hj212.Packet, month string, opt monitor.Options) ([]MappedFigure, error) {
	groups := map[int64][]*hj212.Packet{}
	for _, p := range packets {
		id := int64(0)
		if len(p.DataTime) >= 8 {
			if day, err := filing.ParseDate(p.DataTime[:4] + "-" + p.DataTime[4:6] + "-" + p.DataTime[6:8]); err == nil {
				for i := range devs {
					if devs[i].Covers(day.Day()) {
						id = devs[i].ID
						break
					}
				}
			}
		}
		groups[id] = append(groups[id], p)
	}
	ids := make([]int64, 0, len(groups))
	for id := range groups {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	var out []MappedFigure
	for _, id := range ids {
		o := opt
		o.FromDay, o.ToDay = "", ""
		for i := range devs {
			if devs[i].ID == id {
				o.FromDay = strings.ReplaceAll(string(devs[i].ValidFrom), "-", "")
				o.ToDay = strings.ReplaceAll(string(devs[i].ValidTo), "-", "")
			}
		}
		res, err := monitor.Monthly(groups[id], o)
		if err != nil {
			return nil, err
		}
		for i := range res.Figures {
			if res.Figures[i].Month == month {
				out = append(out, MappedFigure{DeviceID: id, Figure: res.Figures[i]})
			}
		}
	}
	return out, nil
}
