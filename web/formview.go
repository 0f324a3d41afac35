package web

import (
	"strconv"
	"strings"

	"github.com/ecotax/ecotax/calc"
)

// Option is one choice of a select or a datalist.
type Option struct {
	Value string
	Label string
}

// Choices are the option sets and suggestion lists the form offers, taken
// from the engine's tables by the caller: "regions", "names-air",
// "names-water", "wastes", "species", "items", "methods", "exemptions-KIND",
// "penalties-KIND", "facilities", "rounding", "periods", "months".
type Choices map[string][]Option

// FieldView is one input as rendered.
type FieldView struct {
	Name, ID, Label, Type, Value, Unit, Hint string
	List                                     string   // datalist id
	Options                                  []Option // select options
	Errors                                   []ErrorView
	More                                     bool
}

func split(fs []FieldView, more bool) []FieldView {
	var out []FieldView
	for _, f := range fs {
		if f.More == more {
			out = append(out, f)
		}
	}
	return out
}

// moreOpen: the folded fields show when one of them is set or wrong.
func moreOpen(fs []FieldView) bool {
	for _, f := range fs {
		if f.More && (f.Value != "" || f.Invalid()) {
			return true
		}
	}
	return false
}

// MainFields are the fields shown at once; MoreFields those folded.
func (s SourceView) MainFields() []FieldView { return split(s.Fields, false) }
func (s SourceView) MoreFields() []FieldView { return split(s.Fields, true) }
func (s SourceView) MoreOpen() bool          { return moreOpen(s.Fields) }

func (p PollutantView) MainFields() []FieldView { return split(p.Fields, false) }
func (p PollutantView) MoreFields() []FieldView { return split(p.Fields, true) }
func (p PollutantView) MoreOpen() bool          { return moreOpen(p.Fields) }

// Invalid reports whether the field has errors (aria-invalid).
func (f FieldView) Invalid() bool { return len(f.Errors) > 0 }

// Checked is the state of a checkbox.
func (f FieldView) Checked() bool { return f.Value == "true" || f.Value == "on" }

// ErrorView is one field error as shown: the Chinese title of its code and
// the engine's message, with the anchor of the input it belongs to.
type ErrorView struct {
	Path, Code, Title, Message, Anchor, Label string
	Detail                                    string // the engine's own words, shown only in 依据详情
}

// NewErrorView is a field error as a page shows it: a plain Chinese
// message (Explain), the engine's words kept for 依据详情.
func NewErrorView(e calc.FieldError) ErrorView {
	return ErrorView{Path: e.Path, Code: e.Code, Title: calc.Title(e.Code), Message: Explain(e, nil).Text, Detail: e.Message}
}

// SourceView is one source card.
type SourceView struct {
	Index       int
	Prefix      string // sources[3]
	Kind        string
	KindLabel   string
	Fields      []FieldView
	Pollutants  []PollutantView
	HasRows     bool // air and water: pollutant rows
	Errors      []ErrorView
	Placeholder bool // a <template> for the script, not a real card
}

// PollutantView is one pollutant row.
type PollutantView struct {
	Kind   string
	Index  int
	Prefix string
	Fields []FieldView
	Errors []ErrorView
}

// FormView is the whole form, ready for the template.
type FormView struct {
	Top       []FieldView
	Sources   []SourceView
	Templates []SourceView    // one empty card per kind, indices as placeholders
	RowTemps  []PollutantView // one empty pollutant row per kind (air, water)
	Summary   []ErrorView     // every error, in order, with a link to its input
	Lists     []DataList
	Kinds     []Option
}

// DataList is a <datalist> of suggestions.
type DataList struct {
	ID      string
	Options []Option
}

// Placeholders the script replaces with the real indices.
const (
	SourcePlaceholder    = "__S__"
	PollutantPlaceholder = "__P__"
)

// FieldID turns a path into an element id: sources[0].day.limit_db →
// f-sources-0-day-limit_db.
func FieldID(path string) string {
	var b strings.Builder
	b.WriteString("f-")
	dash := false
	for _, r := range path {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_':
			b.WriteRune(r)
			dash = false
		default:
			if !dash {
				b.WriteByte('-')
				dash = true
			}
		}
	}
	return strings.TrimRight(b.String(), "-")
}

// BuildForm lays out the form with each error beside its input: an error
// whose path names an input goes there; one that names a source or a
// pollutant row (or a field the form has no input for) goes to the
// nearest card or row; the rest only to the summary at the top, which
// lists them all.
func BuildForm(f *Form, errs []calc.FieldError, ch Choices) *FormView {
	v := &FormView{}
	for _, k := range Kinds {
		v.Kinds = append(v.Kinds, Option{k, KindLabel[k]})
	}
	for _, d := range TopFields {
		v.Top = append(v.Top, fieldView(d, d.Key, f.Top[d.Key], "", ch))
	}
	for i, s := range f.Sources {
		v.Sources = append(v.Sources, sourceView(strconv.Itoa(i), i, s, ch))
	}
	for _, k := range Kinds {
		tv := sourceView(SourcePlaceholder, -1, NewSource(k, ""), ch)
		tv.Placeholder = true
		tv.Pollutants = nil
		v.Templates = append(v.Templates, tv)
		if k == "air" || k == "water" {
			pv := pollutantView(SourcePlaceholder, PollutantPlaceholder, -1, k, map[string]string{}, ch)
			v.RowTemps = append(v.RowTemps, pv)
		}
	}
	for _, id := range []string{"regions", "periods", "months", "names-air", "names-water", "wastes", "species", "items"} {
		v.Lists = append(v.Lists, DataList{ID: id, Options: ch[id]})
	}
	v.place(errs)
	return v
}

func fieldView(d FieldDef, name, value, kind string, ch Choices) FieldView {
	fv := FieldView{Name: name, ID: FieldID(name), Label: d.Label, Type: d.Type, Value: value, Unit: d.Unit, Hint: d.Hint, More: d.More}
	switch d.Type {
	case "select":
		list := d.List
		if list == "exemptions" || list == "penalties" {
			list += "-" + kind
		}
		fv.Options = ch[list]
	case "text":
		fv.List = d.List
		if d.List == "names-" {
			fv.List = "names-" + kind
		}
	}
	return fv
}

func sourceView(idx string, i int, s *FormSource, ch Choices) SourceView {
	kind := s.Kind()
	p := "sources[" + idx + "]"
	sv := SourceView{Index: i, Prefix: p, Kind: kind, KindLabel: KindLabel[kind]}
	if sv.KindLabel == "" {
		sv.KindLabel = "未知类别 " + kind
	}
	for _, d := range SourceFields {
		if !d.forKind(kind) {
			continue
		}
		sv.Fields = append(sv.Fields, fieldView(d, p+"."+d.Key, s.F[d.Key], kind, ch))
	}
	sv.HasRows = kind == "air" || kind == "water"
	for j, row := range s.Pollutants {
		sv.Pollutants = append(sv.Pollutants, pollutantView(idx, strconv.Itoa(j), j, kind, row, ch))
	}
	return sv
}

func pollutantView(si, pj string, j int, kind string, row map[string]string, ch Choices) PollutantView {
	p := "sources[" + si + "].pollutants[" + pj + "]"
	pv := PollutantView{Kind: kind, Index: j, Prefix: p}
	for _, d := range PollutantFields {
		if !d.forKind(kind) {
			continue
		}
		pv.Fields = append(pv.Fields, fieldView(d, p+"."+d.Key, row[d.Key], kind, ch))
	}
	return pv
}

// parent drops the last segment of a path: a.b[2].c → a.b[2] → a.b → a.
func parent(p string) string {
	if i := strings.LastIndexAny(p, ".["); i > 0 {
		return p[:i]
	}
	return ""
}

func (v *FormView) place(errs []calc.FieldError) {
	type slot struct {
		errs  *[]ErrorView
		id    string
		label string
	}
	slots := map[string]slot{}
	add := func(fs []FieldView, ctx string) {
		for i := range fs {
			slots[fs[i].Name] = slot{&fs[i].Errors, fs[i].ID, ctx + fs[i].Label}
		}
	}
	add(v.Top, "")
	for i := range v.Sources {
		s := &v.Sources[i]
		ctx := "第" + strconv.Itoa(i+1) + "个税源 "
		slots[s.Prefix] = slot{&s.Errors, FieldID(s.Prefix), ctx}
		add(s.Fields, ctx)
		for j := range s.Pollutants {
			p := &s.Pollutants[j]
			pctx := ctx + "第" + strconv.Itoa(j+1) + "项污染物 "
			slots[p.Prefix] = slot{&p.Errors, FieldID(p.Prefix), pctx}
			add(p.Fields, pctx)
		}
	}
	for _, e := range errs {
		ev := NewErrorView(e)
		for p := e.Path; p != ""; p = parent(p) {
			if s, ok := slots[p]; ok {
				ev.Anchor, ev.Label = s.id, s.label
				*s.errs = append(*s.errs, ev)
				break
			}
		}
		v.Summary = append(v.Summary, ev)
	}
}
