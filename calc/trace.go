package calc

// Step is one line of the explain trace.
type Step struct {
	Kind      string
	Source    string
	Month     string
	Pollutant string
	Rule      string
	Param     string
	Text      string
}
