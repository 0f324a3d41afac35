package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
)

// FormFromJSON reads a contract request's JSON into the form, generically
// (not through the decoder): the tests use it to check that the form and
// its JSON lose nothing either way. The page fills its form from a
// calc.Request (FormFromRequest).
func FormFromJSON(data []byte) (*Form, []string, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, nil, err
	}
	f := &Form{Top: map[string]string{}}
	var dropped []string
	text := func(v any) (string, bool) {
		switch x := v.(type) {
		case string:
			return x, true
		case json.Number:
			return x.String(), true
		case bool:
			if x {
				return "true", true
			}
			return "", true
		}
		return "", false
	}
	for k, v := range doc {
		switch k {
		case "taxpayer":
			if m, ok := v.(map[string]any); ok {
				for kk, vv := range m {
					if t, ok := text(vv); ok {
						f.Top["taxpayer."+kk] = t
					}
				}
			}
		case "sources":
		default:
			if _, ok := defByKey(TopFields, k); ok {
				if t, ok := text(v); ok {
					f.Top[k] = t
					continue
				}
			}
			dropped = append(dropped, k)
		}
	}
	list, _ := doc["sources"].([]any)
	for i, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			dropped = append(dropped, fmt.Sprintf("sources[%d]", i))
			continue
		}
		s := &FormSource{F: map[string]string{}}
		for k, v := range m {
			switch k {
			case "pollutants":
				ps, _ := v.([]any)
				for j, pv := range ps {
					pm, _ := pv.(map[string]any)
					row := map[string]string{}
					for pk, pvv := range pm {
						t, ok := text(pvv)
						if _, known := defByKey(PollutantFields, pk); !ok || !known {
							dropped = append(dropped, fmt.Sprintf("sources[%d].pollutants[%d].%s", i, j, pk))
							continue
						}
						row[pk] = t
					}
					s.Pollutants = append(s.Pollutants, row)
				}
			case "day", "night":
				nm, _ := v.(map[string]any)
				for nk, nv := range nm {
					t, ok := text(nv)
					if _, known := defByKey(SourceFields, k+"."+nk); !ok || !known {
						dropped = append(dropped, fmt.Sprintf("sources[%d].%s.%s", i, k, nk))
						continue
					}
					s.F[k+"."+nk] = t
				}
			default:
				t, ok := text(v)
				if _, known := defByKey(SourceFields, k); !ok || !known {
					dropped = append(dropped, fmt.Sprintf("sources[%d].%s", i, k))
					continue
				}
				s.F[k] = t
			}
		}
		f.Sources = append(f.Sources, s)
	}
	sort.Strings(dropped)
	return f, dropped, nil
}
