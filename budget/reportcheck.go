package budget

import (
	"strings"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/jsonin"
)

// A budget report request is checked on domain values, as a damage case
// is: DecodeReport reads the JSON into a ReportRequest and runs the checks
// CheckReport runs on a request built in code (the budget page).

// CheckReport checks a report request built in code: the region (its name
// is filled in), the year, and each scenario's id and rates; it returns
// the request or a *calc.Error with every fault at the path DecodeReport
// would name. The rules that compare scenarios with the year's inputs
// (overlaps, ranges) are checked when the report is computed.
func CheckReport(rr ReportRequest, c Calculators, lim Limits) (*ReportRequest, error) {
	return CheckReportAfter(rr, nil, c, lim)
}

// CheckReportAfter is CheckReport for a request whose reading has already
// found faults (read), refused with the checks' faults in one error. A
// year that was missing or not a number (read says "required" or
// "invalid_type" at year) is not checked further; a number that is not a
// whole year reads as 0 and is also out of range, as DecodeReport says.
func CheckReportAfter(rr ReportRequest, read []calc.FieldError, c Calculators, lim Limits) (*ReportRequest, error) {
	yearRead := true
	for _, f := range read {
		yearRead = yearRead && !(f.Path == "year" && (f.Code == "required" || f.Code == "invalid_type"))
	}
	out, checked := checkReport(jsonin.Root, rr, yearRead, c, lim)
	if errs := calc.MergeChecked(read, checked); len(errs) > 0 {
		return nil, invalid(errs)
	}
	return out, nil
}

// checkReport holds the rules of a report request; yearRead is false when
// the year was missing or not a whole number (its reader said so).
func checkReport(at string, rr ReportRequest, yearRead bool, c Calculators, lim Limits) (*ReportRequest, []calc.FieldError) {
	var errs []calc.FieldError
	rr.RegionName = ""
	switch {
	case strings.TrimSpace(rr.Region) == "":
		errs = append(errs, fault(jsonin.Key(at, "region"), "required", "must not be empty"))
		if rr.Region == "" {
			break
		}
		fallthrough
	default:
		var msg string
		if rr.RegionName, msg = c.Engine.CheckRegion(rr.Region); msg != "" {
			errs = append(errs, fault(jsonin.Key(at, "region"), "unknown_region", "%s", msg))
		}
	}
	if yearRead {
		if msg := CheckYear(rr.Year, lim); msg != "" {
			errs = append(errs, fault(jsonin.Key(at, "year"), "year_out_of_range", "%s", msg))
		}
	}
	errs = append(errs, scenarioFaults(at, rr.Scenarios)...)
	return &rr, errs
}

// scenarioFaults checks each scenario's own values: an id, and rates of
// a class (air or water) that are not negative.
func scenarioFaults(at string, scs []Scenario) []calc.FieldError {
	var errs []calc.FieldError
	for i, sc := range scs {
		path := sc.Path
		if path == "" {
			path = jsonin.Index(jsonin.Key(at, "scenarios"), i)
		}
		if strings.TrimSpace(sc.ID) == "" {
			errs = append(errs, fault(jsonin.Key(path, "id"), "required", "must not be empty"))
		}
		for j, rc := range sc.Rates {
			rpath := rc.Path
			if rpath == "" {
				rpath = jsonin.Index(jsonin.Key(path, "rates"), j)
			}
			switch rc.Class {
			case "air", "water":
			case "":
				errs = append(errs, fault(jsonin.Key(rpath, "class"), "required", "required: air or water"))
			default:
				errs = append(errs, fault(jsonin.Key(rpath, "class"), "invalid_value", "%q is not one of air, water", rc.Class))
			}
			if rc.Value.Sign() < 0 {
				errs = append(errs, fault(jsonin.Key(rpath, "value"), "invalid_number", "a rate is not negative"))
			}
		}
	}
	return errs
}
