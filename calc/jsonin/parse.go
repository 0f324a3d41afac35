// Package jsonin reads request JSON strictly, for the decoders of calc,
// calc/damage and calc/ecocomp. It parses into a small tree that keeps
// object keys in order, rejects duplicate keys, keeps every number as the
// text it was written in (never a binary floating-point value), and names every fault by its
// JSON path. A Reader then walks the tree and collects every fault instead
// of stopping at the first, so a user sees all of them at once.
//
// Two passes cost a little, but they let every rejection name its path
// (unknown fields, duplicate keys, wrong types), which encoding/json's
// struct decoding cannot do.
//
// jsonin does not import calc (calc imports jsonin); its Error has the
// fields of calc.FieldError, so callers convert with calc.FieldError(e).
package jsonin

import (
	"encoding/json"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// Error names one fault by its JSON path, e.g. "sources[2].pollutants[0].emission_kg".
type Error struct {
	Path    string
	Code    string // invalid_json, invalid_type, unknown_field, duplicate_field, required, invalid_number, invalid_value
	Message string
}

// Kind is the type of a JSON value.
type Kind uint8

const (
	KindNull Kind = iota
	KindBool
	KindNumber
	KindString
	KindObject
	KindArray
)

// String names a kind for messages: "want an object, got string".
func (k Kind) String() string {
	return [...]string{"null", "boolean", "number", "string", "object", "array"}[k]
}

// Value is one parsed JSON value.
type Value struct {
	Kind   Kind
	Text   string // a string's value, or a number's text as written
	Bool   bool
	Fields []Field // an object's members, in the order written
	Items  []*Value
}

// Field is one member of an object.
type Field struct {
	Key   string
	Value *Value
}

// Root is the path of the whole document.
const Root = "$"

// Parse reads exactly one JSON value nested at most maxDepth levels deep;
// trailing data is an error. Numbers keep their text as written.
//
// The scanner is written by hand rather than built on encoding/json's
// Decoder.Token, which allocated for every token and was the largest cost
// of the public calculator. It accepts exactly what encoding/json accepts
// (FuzzParse compares the two), and builds a fault's JSON path only when
// there is a fault.
func Parse(data []byte, maxDepth int) (*Value, *Error) {
	p := scanner{data: data, maxDepth: maxDepth}
	root := loc{}
	v := p.value(&root, 0)
	if p.err != nil {
		return nil, p.err
	}
	p.skipSpace()
	if p.pos < len(p.data) {
		return nil, &Error{Path: Root, Code: "invalid_json", Message: "unexpected data after the JSON document (at byte " + strconv.Itoa(p.pos+1) + ")"}
	}
	return v, nil
}

// loc is where a value sits, as a chain to the root; its path is spelled
// out only for an error.
type loc struct {
	parent *loc
	key    string
	index  int
	isKey  bool
}

func (l *loc) path() string {
	if l == nil || l.parent == nil {
		return Root
	}
	if l.isKey {
		return Key(l.parent.path(), l.key)
	}
	return Index(l.parent.path(), l.index)
}

type scanner struct {
	data     []byte
	pos      int
	maxDepth int
	err      *Error
	slab     []Value // values are carved from here, a chunk at a time
}

// newValue hands out the next value of the slab; a full slab is left to
// the values already pointing into it and a new one started.
func (p *scanner) newValue(k Kind) *Value {
	if len(p.slab) == cap(p.slab) {
		p.slab = make([]Value, 0, 32)
	}
	p.slab = append(p.slab, Value{Kind: k})
	return &p.slab[len(p.slab)-1]
}

func (p *scanner) fail(at *loc, msg string) {
	if p.err == nil {
		p.err = &Error{Path: at.path(), Code: "invalid_json", Message: msg}
	}
}

func (p *scanner) failAt(at *loc, msg string) {
	p.fail(at, msg+" (at byte "+strconv.Itoa(p.pos+1)+")")
}

func (p *scanner) skipSpace() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func describe(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return "'" + string(rune(c)) + "'"
	}
	return "byte 0x" + strconv.FormatUint(uint64(c), 16)
}

func (p *scanner) value(at *loc, depth int) *Value {
	if depth > p.maxDepth {
		p.fail(at, "nesting too deep")
		return nil
	}
	p.skipSpace()
	if p.pos >= len(p.data) {
		p.fail(at, "unexpected end of JSON input")
		return nil
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object(at, depth)
	case c == '[':
		return p.array(at, depth)
	case c == '"':
		s, ok := p.str(at)
		if !ok {
			return nil
		}
		v := p.newValue(KindString)
		v.Text = s
		return v
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number(at)
	case c == 't':
		return p.literal(at, "true", KindBool, true)
	case c == 'f':
		return p.literal(at, "false", KindBool, false)
	case c == 'n':
		return p.literal(at, "null", KindNull, false)
	default:
		p.failAt(at, "invalid character "+describe(c)+" looking for beginning of value")
		return nil
	}
}

func (p *scanner) literal(at *loc, word string, k Kind, b bool) *Value {
	if len(p.data)-p.pos < len(word) {
		if string(p.data[p.pos:]) == word[:len(p.data)-p.pos] {
			p.fail(at, "unexpected end of JSON input")
		} else {
			p.failAt(at, "invalid literal, want "+word)
		}
		return nil
	}
	if string(p.data[p.pos:p.pos+len(word)]) != word {
		p.failAt(at, "invalid literal, want "+word)
		return nil
	}
	p.pos += len(word)
	v := p.newValue(k)
	v.Bool = b
	return v
}

// number checks the JSON number grammar and keeps the text.
func (p *scanner) number(at *loc) *Value {
	d, start := p.data, p.pos
	i := p.pos
	if i < len(d) && d[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
			n++
		}
		return n
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		digits()
	default:
		p.pos = i
		p.numberFault(at)
		return nil
	}
	if i < len(d) && d[i] == '.' {
		i++
		if digits() == 0 {
			p.pos = i
			p.numberFault(at)
			return nil
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if digits() == 0 {
			p.pos = i
			p.numberFault(at)
			return nil
		}
	}
	p.pos = i
	v := p.newValue(KindNumber)
	v.Text = string(d[start:i])
	return v
}

func (p *scanner) numberFault(at *loc) {
	if p.pos >= len(p.data) {
		p.fail(at, "unexpected end of JSON input")
		return
	}
	p.failAt(at, "invalid character "+describe(p.data[p.pos])+" in numeric literal")
}

// badText refuses a string (a key or a value) that the service will not
// store or compare: a NUL character (PostgreSQL refuses it in TEXT),
// invalid UTF-8 or a lone UTF-16 surrogate (which encoding/json would
// silently turn into U+FFFD, so that what is stored is not what was
// sent). It is the JSON half of the one text rule (internal/httpx.Text
// checks paths, queries and forms the same way).
func (p *scanner) badText(at *loc, what string) {
	if p.err == nil {
		p.err = &Error{Path: at.path(), Code: "invalid_text", Message: "the string holds " + what + " (at byte " + strconv.Itoa(p.pos+1) + "); send valid UTF-8 text without NUL"}
	}
}

// str reads a string at p.pos (which holds the opening quote). NUL, invalid
// UTF-8 and lone surrogates are refused (badText).
func (p *scanner) str(at *loc) (string, bool) {
	d := p.data
	i := p.pos + 1
	// Fast path: no escapes, valid UTF-8, no control characters.
	for j := i; j < len(d); j++ {
		c := d[j]
		if c == '"' {
			if utf8.Valid(d[i:j]) {
				p.pos = j + 1
				return string(d[i:j]), true
			}
			break
		}
		if c == '\\' || c < 0x20 {
			break
		}
	}
	var b []byte
	for i < len(d) {
		c := d[i]
		switch {
		case c == '"':
			p.pos = i + 1
			return string(b), true
		case c < 0x20:
			p.pos = i
			p.failAt(at, "invalid character "+describe(c)+" in string literal")
			return "", false
		case c == '\\':
			if i+1 >= len(d) {
				p.pos = i + 1
				p.fail(at, "unexpected end of JSON input")
				return "", false
			}
			i++
			switch e := d[i]; e {
			case '"', '\\', '/':
				b = append(b, e)
				i++
			case 'b':
				b, i = append(b, '\b'), i+1
			case 'f':
				b, i = append(b, '\f'), i+1
			case 'n':
				b, i = append(b, '\n'), i+1
			case 'r':
				b, i = append(b, '\r'), i+1
			case 't':
				b, i = append(b, '\t'), i+1
			case 'u':
				r, ok := hex4(d, i+1)
				if !ok {
					p.pos = i
					if i+5 > len(d) {
						p.fail(at, "unexpected end of JSON input")
					} else {
						p.failAt(at, "invalid character in \\u hexadecimal character escape")
					}
					return "", false
				}
				i += 5
				if utf16.IsSurrogate(r) {
					// A pair makes one rune; a lone half is refused.
					if r2, ok := hex4(d, i+2); ok && i+1 < len(d) && d[i] == '\\' && d[i+1] == 'u' {
						if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
							b = utf8.AppendRune(b, dec)
							i += 6
							continue
						}
					}
					p.pos = i - 6
					p.badText(at, "a lone UTF-16 surrogate escape")
					return "", false
				}
				if r == 0 {
					p.pos = i - 6
					p.badText(at, "a NUL character (\\u0000)")
					return "", false
				}
				b = utf8.AppendRune(b, r)
			default:
				p.pos = i
				p.failAt(at, "invalid character "+describe(e)+" in string escape code")
				return "", false
			}
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			r, size := utf8.DecodeRune(d[i:])
			if r == utf8.RuneError && size == 1 {
				p.pos = i
				p.badText(at, "invalid UTF-8")
				return "", false
			}
			b = append(b, d[i:i+size]...)
			i += size
		}
	}
	p.pos = i
	p.fail(at, "unexpected end of JSON input")
	return "", false
}

func hex4(d []byte, i int) (rune, bool) {
	if i+4 > len(d) {
		return 0, false
	}
	var r rune
	for _, c := range d[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r*16 + rune(c)
	}
	return r, true
}

func (p *scanner) object(at *loc, depth int) *Value {
	v := p.newValue(KindObject)
	p.pos++ // {
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		return v
	}
	var seen map[string]bool // only for large objects; small ones scan
	for {
		p.skipSpace()
		if p.pos >= len(p.data) {
			p.fail(at, "unexpected end of JSON input")
			return nil
		}
		if p.data[p.pos] != '"' {
			p.failAt(at, "invalid character "+describe(p.data[p.pos])+" looking for beginning of object key string")
			return nil
		}
		key, ok := p.str(at)
		if !ok {
			return nil
		}
		child := loc{parent: at, key: key, isKey: true}
		dup := false
		if seen != nil {
			dup = seen[key]
		} else {
			for _, f := range v.Fields {
				if f.Key == key {
					dup = true
					break
				}
			}
		}
		if dup {
			p.fail(&child, "field given twice")
			p.err.Code = "duplicate_field"
			return nil
		}
		if len(v.Fields) == 16 {
			seen = make(map[string]bool, 32)
			for _, f := range v.Fields {
				seen[f.Key] = true
			}
		}
		if seen != nil {
			seen[key] = true
		}
		p.skipSpace()
		if p.pos >= len(p.data) {
			p.fail(at, "unexpected end of JSON input")
			return nil
		}
		if p.data[p.pos] != ':' {
			p.failAt(at, "invalid character "+describe(p.data[p.pos])+" after object key")
			return nil
		}
		p.pos++
		val := p.value(&child, depth+1)
		if p.err != nil {
			return nil
		}
		if v.Fields == nil {
			v.Fields = make([]Field, 0, 8)
		}
		v.Fields = append(v.Fields, Field{Key: key, Value: val})
		p.skipSpace()
		if p.pos >= len(p.data) {
			p.fail(at, "unexpected end of JSON input")
			return nil
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			return v
		default:
			p.failAt(at, "invalid character "+describe(p.data[p.pos])+" after object key:value pair")
			return nil
		}
	}
}

func (p *scanner) array(at *loc, depth int) *Value {
	v := p.newValue(KindArray)
	p.pos++ // [
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		return v
	}
	for {
		child := loc{parent: at, index: len(v.Items)}
		item := p.value(&child, depth+1)
		if p.err != nil {
			return nil
		}
		v.Items = append(v.Items, item)
		p.skipSpace()
		if p.pos >= len(p.data) {
			p.fail(at, "unexpected end of JSON input")
			return nil
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			return v
		default:
			p.failAt(at, "invalid character "+describe(p.data[p.pos])+" after array element")
			return nil
		}
	}
}

// Key appends an object key to a JSON path: a.b for plain keys (letters,
// digits, underscore, any non-ASCII), a["x y"] for anything else,
// including the empty key. A key of the root stands alone ("sources"), so
// "" and Root both mean the root.
func Key(path, key string) string {
	plain := key != ""
	for _, c := range key {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c > 127) {
			plain = false
			break
		}
	}
	if path == "" {
		path = Root
	}
	if !plain {
		q, _ := json.Marshal(key)
		return path + "[" + string(q) + "]"
	}
	if path == Root {
		return key
	}
	return path + "." + key
}

// Index appends an array index to a JSON path: a[3].
func Index(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// AppendJSON writes v back as JSON: keys in their order, numbers as
// written. A decoder hands a part of a request on to another decoder this
// way.
func (v *Value) AppendJSON(b []byte) []byte {
	switch v.Kind {
	case KindNull:
		return append(b, "null"...)
	case KindBool:
		return strconv.AppendBool(b, v.Bool)
	case KindNumber:
		return append(b, v.Text...)
	case KindString:
		q, _ := json.Marshal(v.Text)
		return append(b, q...)
	case KindArray:
		b = append(b, '[')
		for i, it := range v.Items {
			if i > 0 {
				b = append(b, ',')
			}
			b = it.AppendJSON(b)
		}
		return append(b, ']')
	}
	b = append(b, '{')
	for i, f := range v.Fields {
		if i > 0 {
			b = append(b, ',')
		}
		q, _ := json.Marshal(f.Key)
		b = append(b, q...)
		b = append(b, ':')
		b = f.Value.AppendJSON(b)
	}
	return append(b, '}')
}
