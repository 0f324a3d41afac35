package calc

// TraceLevel is how much of the explain trace a written result carries.
type TraceLevel uint8

const (
	// TraceFull: every step with its figures (pages and the CLI).
	TraceFull TraceLevel = iota
	// TraceSummary: the decisions; each line's arithmetic is read from
	// its own figures and the parameters it names (see StepsAt).
	TraceSummary
	// TraceNone: lines, months, parameters and warnings only.
	TraceNone
)

// ParseTraceLevel reads "full", "summary" or "none"; "" is def.
func ParseTraceLevel(s string, def TraceLevel) (TraceLevel, bool) {
	switch s {
	case "":
		return def, true
	case "full":
		return TraceFull, true
	case "summary":
		return TraceSummary, true
	case "none":
		return TraceNone, true
	}
	return def, false
}

func (l TraceLevel) String() string {
	switch l {
	case TraceSummary:
		return "summary"
	case TraceNone:
		return "none"
	}
	return "full"
}
