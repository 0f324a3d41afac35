package fees

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/param"
)

// Catalog holds validated schedules by id; the versions of one id never
// overlap in time, so a date picks at most one.
type Catalog struct {
	byID map[string][]*Schedule // each sorted by effective_from
	all  []*Schedule            // sorted by id, then effective_from
}

// NewCatalog validates every schedule and indexes them. Two versions of one
// id that overlap in time, or a repeated id@version, are errors.
func NewCatalog(list []*Schedule) (*Catalog, error) {
	c := &Catalog{byID: map[string][]*Schedule{}}
	var problems []string
	for _, s := range list {
		if err := Validate(s); err != nil {
			problems = append(problems, err.Error())
			continue
		}
		c.byID[s.ID] = append(c.byID[s.ID], s)
	}
	for id, vs := range c.byID {
		sort.Slice(vs, func(i, j int) bool { return vs[i].Meta.From < vs[j].Meta.From })
		for i := 1; i < len(vs); i++ {
			a, b := vs[i-1], vs[i]
			if a.Version == b.Version {
				problems = append(problems, fmt.Sprintf("%s: schedule %s@%s is defined twice (also %s)", b.Origin, id, b.Version, a.Origin))
			} else if a.Meta.Range.Overlaps(b.Meta.Range) {
				problems = append(problems, fmt.Sprintf("%s: schedule %s versions %s (%s) and %s (%s) overlap in time", b.Origin, id, a.Version, a.Meta.Range, b.Version, b.Meta.Range))
			}
		}
		c.all = append(c.all, vs...)
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, fmt.Errorf("fee schedules: %s", strings.Join(problems, "\n"))
	}
	sort.SliceStable(c.all, func(i, j int) bool {
		if c.all[i].ID != c.all[j].ID {
			return c.all[i].ID < c.all[j].ID
		}
		return c.all[i].Meta.From < c.all[j].Meta.From
	})
	return c, nil
}

// Schedules lists every version, by id and date.
func (c *Catalog) Schedules() []*Schedule { return c.all }

// Find returns the version of a schedule in force on date. ref is an id,
// or id@version to name a version (which must then be in force on date).
func (c *Catalog) Find(ref string, date param.Date) (*Schedule, error) {
	id, version, hasVersion := strings.Cut(ref, "@")
	vs, ok := c.byID[id]
	if !ok {
		return nil, &calc.Error{Kind: calc.KindNotFound, Code: "unknown_schedule", Title: errTitles["unknown_schedule"],
			Detail: fmt.Sprintf("no fee schedule %q (see `ecotax fees list`)", ref),
			Errors: []calc.FieldError{{Path: "schedule", Code: "unknown_schedule", Message: fmt.Sprintf("no fee schedule %q", ref)}}}
	}
	var ranges []string
	for _, s := range vs {
		ranges = append(ranges, fmt.Sprintf("%s: %s", s.Version, s.Meta.Range))
		if hasVersion && s.Version != version {
			continue
		}
		if s.Meta.Range.Contains(date) {
			return s, nil
		}
		if hasVersion {
			return nil, notInForce(ref, date, ranges)
		}
	}
	if hasVersion {
		return nil, &calc.Error{Kind: calc.KindNotFound, Code: "unknown_schedule", Title: errTitles["unknown_schedule"],
			Detail: fmt.Sprintf("schedule %s has no version %q", id, version),
			Errors: []calc.FieldError{{Path: "schedule", Code: "unknown_schedule", Message: fmt.Sprintf("schedule %s has no version %q", id, version)}}}
	}
	return nil, notInForce(ref, date, ranges)
}

func notInForce(ref string, date param.Date, ranges []string) *calc.Error {
	msg := fmt.Sprintf("schedule %s is not in force on %s (versions: %s)", ref, date, strings.Join(ranges, "; "))
	return &calc.Error{Kind: calc.KindInvalid, Code: "schedule_not_in_force", Title: errTitles["schedule_not_in_force"], Detail: msg,
		Errors: []calc.FieldError{{Path: "date", Code: "schedule_not_in_force", Message: msg}}}
}
