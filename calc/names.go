package calc

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
)

// NormalizeName folds the spellings users write for the same statutory
// name: white space, full-width brackets and dashes, ASCII case, and [ ]
// for ( ) as in 苯并[a]芘.
func NormalizeName(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			continue
		case r == '（' || r == '[' || r == '［':
			r = '('
		case r == '）' || r == ']' || r == '］':
			r = ')'
		case r == '－' || r == '—' || r == '–':
			r = '-'
		case r == '，':
			r = ','
		case r >= 'A' && r <= 'Z':
			r += 'a' - 'A'
		case r >= 'Ａ' && r <= 'Ｚ':
			r = r - 'Ａ' + 'a'
		case r >= 'ａ' && r <= 'ｚ':
			r = r - 'ａ' + 'a'
		case r >= '０' && r <= '９':
			r = r - '０' + '0'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// stripTrailingParen removes one trailing "(...)" group, so that
// 化学需氧量(CODcr) is also found as 化学需氧量.
func stripTrailingParen(s string) (string, bool) {
	if !strings.HasSuffix(s, ")") {
		return s, false
	}
	depth := 0
	for i := len(s) - 1; i >= 0; i-- {
		switch s[i] {
		case ')':
			depth++
		case '(':
			depth--
			if depth == 0 {
				if i == 0 {
					return s, false
				}
				return s[:i], true
			}
		}
	}
	return s, false
}

// Names resolves the names users write to statutory rows, separately for
// air and for water (氟化物, 甲醛, 苯 … exist in both) and for 表四.
type Names struct {
	byClass map[string]map[string]*Pollutant // "air", "water", "table4"
	byID    map[string]*Pollutant
}

func nameClass(p *Pollutant) string {
	switch p.Category {
	case CatAir:
		return "air"
	case CatTable4:
		return "table4"
	}
	return "water"
}

// NewNames indexes names, bare names and aliases. Two rows of one class
// answering to the same name is an error naming both rows.
func NewNames(ps []*Pollutant, codes []HJ212Code) (*Names, error) {
	n := &Names{byClass: map[string]map[string]*Pollutant{"air": {}, "water": {}, "table4": {}}, byID: map[string]*Pollutant{}}
	type origin struct {
		p      *Pollutant
		strong bool // the statutory name or an explicit alias, not a derived bare name
	}
	seen := map[string]map[string]origin{"air": {}, "water": {}, "table4": {}}
	ambiguous := map[string]bool{}
	add := func(p *Pollutant, name string, strong bool) error {
		cls := nameClass(p)
		key := NormalizeName(name)
		if key == "" || (!strong && ambiguous[cls+key]) {
			return nil
		}
		if prev, ok := seen[cls][key]; ok && prev.p != p {
			switch {
			case prev.strong && strong:
				return fmt.Errorf("%s: name %q of %s is already used by %s (%s)", p.Where(), name, p.ID, prev.p.ID, prev.p.Where())
			case prev.strong:
				return nil // a derived bare name never hides an explicit one
			case !strong:
				// Two rows share a derived bare name (医院-消毒 of 按床位
				// and 按污水): the bare name answers to neither.
				ambiguous[cls+key] = true
				delete(seen[cls], key)
				delete(n.byClass[cls], key)
				return nil
			}
		}
		seen[cls][key] = origin{p, strong}
		n.byClass[cls][key] = p
		return nil
	}
	for _, p := range ps {
		if _, dup := n.byID[p.ID]; dup {
			return nil, fmt.Errorf("%s: duplicate pollutant id %s", p.Where(), p.ID)
		}
		n.byID[p.ID] = p
		names := append([]string{p.Name}, p.Aliases...)
		for _, nm := range names {
			if err := add(p, nm, true); err != nil {
				return nil, err
			}
		}
	}
	// Derived bare names second, so explicit names always win.
	for _, p := range ps {
		s := NormalizeName(p.Name)
		for {
			bare, ok := stripTrailingParen(s)
			if !ok {
				break
			}
			if err := add(p, bare, false); err != nil {
				return nil, err
			}
			s = bare
		}
	}
	for _, c := range codes {
		if c.PollutantID == "" {
			continue
		}
		p, ok := n.byID[c.PollutantID]
		if !ok {
			return nil, fmt.Errorf("HJ 212 code %s maps to unknown pollutant id %s", c.Code, c.PollutantID)
		}
		// Only the letter codes (a21026, w01018) are accepted as names:
		// the numeric 2005 codes would collide with plain numbers.
		if len(c.Code) == 6 && (c.Code[0] == 'a' || c.Code[0] == 'w') {
			if err := add(p, c.Code, true); err != nil {
				return nil, err
			}
		}
	}
	return n, nil
}

// ByID returns the row with the given id, or nil.
func (n *Names) ByID(id string) *Pollutant { return n.byID[id] }

// Lookup resolves a name within a class ("air", "water" or "table4").
func (n *Names) Lookup(class, name string) *Pollutant {
	m := n.byClass[class]
	if p, ok := m[name]; ok {
		return p // already in normal form: the common case, no allocation
	}
	key := NormalizeName(name)
	if p, ok := m[key]; ok {
		return p
	}
	if bare, ok := stripTrailingParen(key); ok {
		return m[bare]
	}
	return nil
}

// Suggest lists up to three statutory names of the class closest to name,
// for the "unknown pollutant" error.
func (n *Names) Suggest(class, name string) []string {
	key := []rune(NormalizeName(name))
	type cand struct {
		name string
		d    int
	}
	best := map[string]int{}
	for k, p := range n.byClass[class] {
		d := editDistance(key, []rune(k))
		if cur, ok := best[p.Name]; !ok || d < cur {
			best[p.Name] = d
		}
	}
	cs := make([]cand, 0, len(best))
	for nm, d := range best {
		cs = append(cs, cand{nm, d})
	}
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].d != cs[j].d {
			return cs[i].d < cs[j].d
		}
		return cs[i].name < cs[j].name
	})
	out := []string{}
	for i := 0; i < len(cs) && i < 3; i++ {
		out = append(out, cs[i].name)
	}
	return out
}

// editDistance is the Levenshtein distance over runes.
func editDistance(a, b []rune) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
