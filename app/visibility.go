package app

import (
	"sort"
	"strings"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/reconcile"
	"github.com/ecotax/ecotax/store"
)

// Who sees a device's (MN's) data, in one place.
//
// The packets of an MN belong to whoever the MN was mapped to on the day
// the data are of (DataTime), not to whoever maps it at some time: a
// principal that is not unscoped (an officer without a region, the
// operator) sees an MN's packets only for the days of the mappings of
// that MN to taxpayers it may see (mnWindows), and every listing of
// packets is filtered by those days — and every listing of split messages
// by the day of their QN, the only time a message has before it is whole.
// Packets without a DataTime (most rejected packets) are attributable to
// no mapping and are listed to unscoped principals only.
//
// Who may map an MN already mapped elsewhere (checkMapping): nobody for
// days that overlap another mapping (a device is at one outlet at a
// time); and a principal that cannot see every taxpayer the MN was
// mapped to may map it only for days after every such mapping has ended
// (a device that moved to a new owner), never for earlier days, which
// would hand it the previous owner's unattributed history. Neither
// refusal names the other taxpayer, its outlet or its mapping.

// dayWindow is the days of one mapping as DataTime prefixes YYYYMMDD,
// inclusive; To is "" while the mapping is open.
type dayWindow struct{ From, To string }

func compactDay(d filing.Date) string { return strings.ReplaceAll(string(d), "-", "") }

// scopedPackets reports whether p sees packets only through mappings.
func scopedPackets(p filing.Principal) bool {
	return p.Role == filing.RoleEnterprise || p.Region != ""
}

// mnWindows is the days on which mn was mapped to a taxpayer p may see,
// merged and in order; none when p may see none of its mappings.
func mnWindows(tx *store.Tx, p filing.Principal, mn string) ([]dayWindow, error) {
	devs, err := tx.DevicesByMN(mn)
	if err != nil {
		return nil, err
	}
	var ws []dayWindow
	for _, d := range devs {
		if _, err := visibleTaxpayer(tx, p, d.CreditCode); err != nil {
			if isKind(err, calc.KindNotFound) {
				continue
			}
			return nil, err
		}
		ws = append(ws, dayWindow{From: compactDay(d.ValidFrom), To: compactDay(d.ValidTo)})
	}
	sort.Slice(ws, func(i, j int) bool { return ws[i].From < ws[j].From })
	return ws, nil
}

// inWindow reports whether mapping d covers the day of DataTime dataTime.
func inWindow(d reconcile.Device, dataTime string) bool {
	if len(dataTime) < 8 {
		return false
	}
	day := dataTime[:8]
	return day >= compactDay(d.ValidFrom) && (d.ValidTo == "" || day <= compactDay(d.ValidTo))
}

// checkMapping is the one rule for mapping d (a new mapping, or a changed
// one keeping its ID) when its MN is mapped elsewhere; see above.
func checkMapping(tx *store.Tx, p filing.Principal, d *reconcile.Device) error {
	others, err := tx.DevicesByMN(d.MN)
	if err != nil {
		return err
	}
	for i := range others {
		o := &others[i]
		if o.ID == d.ID {
			continue
		}
		if o.Overlaps(d) {
			return Fail(calc.KindConflict, "device_overlap", "设备对应期间重叠",
				"device "+d.MN+" is already mapped to an outlet on some of these days; a device is at one outlet at a time",
				calc.FieldError{Path: "valid_from", Code: "device_overlap", Message: "overlaps another mapping of this device"})
		}
		if _, err := visibleTaxpayer(tx, p, o.CreditCode); err == nil {
			continue
		} else if !isKind(err, calc.KindNotFound) {
			return err
		}
		if o.ValidTo == "" || string(d.ValidFrom) <= string(o.ValidTo) {
			return Fail(calc.KindConflict, "device_mapped_elsewhere", "设备已对应其他纳税人",
				"device "+d.MN+" is or was mapped to a taxpayer this token cannot see; it may be mapped here only from a day after that mapping ended (ask the environment authority that sees both)",
				calc.FieldError{Path: "valid_from", Code: "device_mapped_elsewhere", Message: "the device is mapped elsewhere on or after this day"})
		}
	}
	return nil
}
