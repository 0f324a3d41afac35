package calc

import (
	"fmt"
	"strings"
)

// Places are named everywhere by their GB/T 2260 code (行政区划代码): six
// digits, a province ending 0000, a city 00. These are the one set of
// rules for reading them; the tables give their names.

// ValidRegion reports whether s is written as a GB/T 2260 code (six
// digits, not all zeros). Whether the code exists is CheckRegion's
// business.
func ValidRegion(s string) bool {
	if len(s) != 6 || s == "000000" {
		return false
	}
	for i := 0; i < 6; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// RegionPrefix drops the trailing "00" pairs of a GB/T 2260 code, so that
// a code covers every code that starts with its prefix: 500000 → 50,
// 130600 → 1306, 130623 → 130623.
func RegionPrefix(code string) string {
	for len(code) > 2 && code[len(code)-2:] == "00" {
		code = code[:len(code)-2]
	}
	return code
}

// Within reports whether the place code lies inside region (a province
// covers its cities and districts; a code lies within itself).
func Within(code, region string) bool {
	return strings.HasPrefix(RegionPrefix(code), RegionPrefix(region))
}

// CheckRegion checks a GB/T 2260 code: six digits whose province the
// parameter tables know. Finer codes are not checked against the full
// administrative list, which the tables do not hold. It returns the
// region's name for display when the tables know it (the province's name
// and the code otherwise), or why the code is refused.
func (e *Engine) CheckRegion(code string) (name, msg string) {
	if !ValidRegion(code) {
		return "", fmt.Sprintf("%q is not a 6-digit GB/T 2260 code", code)
	}
	province := code[:2] + "0000"
	var provinceName string
	for _, r := range e.Regions() {
		if r.Code == code {
			name = r.Name
		}
		if r.Code == province {
			provinceName = r.Name
		}
	}
	if provinceName == "" {
		return "", fmt.Sprintf("%s: no province %s in the parameter tables", code, province)
	}
	if name == "" {
		name = provinceName + " " + code
	}
	return name, ""
}
