package calc

// Engine computes assessments from a fixed set of parameter tables. It is
// safe for concurrent use: it never changes after NewEngine.
type Engine struct {
	t *Tables
}

// NewEngine indexes the tables. The tables must already have passed the
// fixtures package's strict checks.
func NewEngine(t *Tables) (*Engine, error) {
	return &Engine{t: t}, nil
}

// Tables returns the parameter tables the engine reads.
func (e *Engine) Tables() *Tables { return e.t }

// Assess computes the tax of a request. On any input error it returns a
// *Error of KindInvalid and no result.
func (e *Engine) Assess(req *Request) (*Result, error) {
	return nil, &Error{Kind: KindInternal, Code: "not_implemented", Title: "尚未实现", Detail: "engine under construction"}
}
